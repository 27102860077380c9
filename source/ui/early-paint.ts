import {ExitCode} from '../engine/errors.js';
import {colourSupported} from './colour-support.js';
import {paintStyle} from './paint-style.js';
import {notePrintedBeforeInk} from './resize-redraw.js';
import {lineMode} from './terminal-capabilities.js';
import {firstFrame} from './first-frame.js';
import {firstState, type WizardStart} from './wizard-start.js';

/**
 * The first question on screen while Ink, React and Yoga load (the larger
 * part of the wizard's start): the frame first-frame.ts paints is the one Ink
 * then draws, cell for cell, so the handover does not show.
 *
 * From the paint on, the terminal is in raw mode: keys typed before Ink
 * listens wait in the terminal's input buffer and reach the question when Ink
 * starts reading, instead of echoing over the frame. Node puts the terminal
 * mode back when the process exits, whatever happens in between.
 */
export interface EarlyPaint {
	/** Log entries painted into the scrollback: the app's <Static> must not print them again. */
	readonly entries: number;
	/** Call just before Ink renders: its first write then starts by erasing the painted question. */
	handOver(): void;
}

const HIDE_CURSOR = '\u001B[?25l';
const SHOW_CURSOR = '\u001B[?25h';
/** Ink wraps a frame in the terminal's synchronized update; the erase goes inside it, so the swap is one update. */
const BEGIN_SYNCHRONIZED = '\u001B[?2026h';

/** Paint the first frame now, or undefined when it cannot be painted exactly (then Ink paints it, as before). */
export async function paintEarly(started: WizardStart, stdin: NodeJS.ReadStream, stdout: NodeJS.WriteStream): Promise<EarlyPaint | undefined> {
	// For a screen reader Ink writes text of its own, not this frame: it goes first.
	// A terminal that cannot move its cursor could not have the painted frame replaced: Ink prints it, as lines.
	if (!stdin.isTTY || !stdout.isTTY || process.env['INK_SCREEN_READER'] === 'true' || lineMode()) return undefined;
	const state = firstState(started);
	const size = {columns: stdout.columns, rows: stdout.rows};
	// The bundled chalk ignores CI on a terminal (scripts/build.js): so does the painted frame.
	const style = paintStyle(colourSupported(withoutCi(process.env)));
	let frame = firstFrame(state, size, style);
	// A line that may not fit (a narrow terminal, a long path): wrap and cut it as Ink will.
	if (frame === 'needs-text-fit') frame = firstFrame(state, size, style, await import('./text-fit.js'));
	if (!frame || frame === 'needs-text-fit') return undefined;
	stdin.setRawMode(true);
	// Ink hides the cursor too. Until Ink owns the terminal, leaving must show it again, and a
	// signal (kill, a dropped SSH session) cancels as it does in the wizard: nothing was written.
	const showCursor = () => stdout.write(SHOW_CURSOR);
	const cancel = () => {
		process.exitCode = ExitCode.cancelled;
		process.exit();
	};

	const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
	process.once('exit', showCursor);
	for (const signal of signals) process.once(signal, cancel);
	stdout.write(HIDE_CURSOR + frame.scrollback + frame.live);
	// The summary above the question is the scrollback's: a redraw after a resize prints it again.
	notePrintedBeforeInk(frame.scrollback);
	return {
		entries: frame.entries,
		handOver() {
			process.off('exit', showCursor);
			for (const signal of signals) process.off(signal, cancel);
			// The cursor is at the start of the line under the question: up to its first line, erase to the end of the screen.
			const erase = `\r\u001B[${frame.liveLines}A\u001B[J`;
			const write = stdout.write;
			stdout.write = function (this: NodeJS.WriteStream, chunk: unknown, ...rest: unknown[]) {
				stdout.write = write;
				const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString();
				const data = text.startsWith(BEGIN_SYNCHRONIZED) ? BEGIN_SYNCHRONIZED + erase + text.slice(BEGIN_SYNCHRONIZED.length) : erase + text;
				return (write as (...args: unknown[]) => boolean).call(this, data, ...rest);
			} as typeof stdout.write;
		},
	};
}

/** The environment as the bundled chalk reads it: CI markers say nothing about a terminal. */
function withoutCi(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
	return Object.fromEntries(Object.entries(env).filter(([name]) => name !== 'CI' && name !== 'CONTINUOUS_INTEGRATION'));
}
