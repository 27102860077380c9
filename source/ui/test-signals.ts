import {inputSettled, onInputSettled, settledGeneration} from './input-ready.js';

/**
 * For tests that drive the real program in a pseudo-terminal
 * (test/helpers/pty.ts), with ZULIP_EMAIL_SETUP_TEST_SIGNALS=1 only: after
 * anything is written to the terminal, a marker says that what is on screen
 * now takes keys, so a test types on an event, not after a quiet period.
 *
 * The marker is an OSC sequence no terminal acts on. It follows each write
 * made while the input is settled (input-ready.ts: no drawn commit waits for
 * its key handlers), and each settle. Every write is thus followed by a
 * marker sooner or later, and a marker after some text means that text's
 * screen takes keys: written before the settle, or while settled. Writes
 * other than Ink's (the painted first frame, whose keys the terminal keeps
 * until Ink reads them; a plain question before Ink) get one too.
 */
export const TEST_SIGNALS_VARIABLE = 'ZULIP_EMAIL_SETUP_TEST_SIGNALS';

const installed = new WeakSet<NodeJS.WriteStream>();

/** Whether this process writes markers (the variable is set to 1). */
export function testSignalsWanted(env: NodeJS.ProcessEnv = process.env): boolean {
	return env[TEST_SIGNALS_VARIABLE] === '1';
}

/** The marker of the nth settle. */
export function listeningMarker(generation: number): string {
	return `\u001B]7771;listening;${generation}\u0007`;
}

/** Write markers to this stream from now on; once per stream. */
export function emitTestSignals(stream: NodeJS.WriteStream): void {
	if (installed.has(stream)) return;
	installed.add(stream);
	const write = stream.write;
	const mark = () => (write as (chunk: string) => boolean).call(stream, listeningMarker(settledGeneration()));
	// Ink's takeover of the painted frame (early-paint.ts) wraps the write for one call and then puts back the one it found: this one.
	stream.write = function (this: NodeJS.WriteStream, ...args: unknown[]) {
		const result = (write as (...args: unknown[]) => boolean).apply(this, args);
		if (inputSettled()) mark();
		return result;
	} as typeof stream.write;
	onInputSettled(mark);
}
