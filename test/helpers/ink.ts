/** Helpers for ink-testing-library: wait for a frame and for its keys, never for a quiet period. */
import {inputSettled, onInputSettled, whenInputSettled} from '../../source/ui/input-ready.js';

export const keys = {
	enter: '\r',
	escape: '\u001B',
	up: '\u001B[A',
	down: '\u001B[B',
	left: '\u001B[D',
	right: '\u001B[C',
	backspace: '\u007F',
	ctrlC: '\u0003',
	ctrlU: '\u0015',
} as const;

// eslint-disable-next-line no-control-regex
const ANSI = /\u001B\[[0-?]*[ -/]*[@-~]/g;

export function plain(frame: string | undefined): string {
	return (frame ?? '').replace(ANSI, '');
}

/**
 * Until `ready` holds: checked now, at each settle of the input and at each
 * poll of the frame (Ink writes the frames of components without keys, a
 * spinner, with no event of ours). Polling waits for a condition, not for
 * time to pass; the timeout only bounds a failure.
 */
async function until(ready: () => boolean, timeoutMs: number, failure: () => Error): Promise<void> {
	if (ready()) return;
	await new Promise<void>((resolve, reject) => {
		const finish = (error?: Error) => {
			off();
			clearInterval(poll);
			clearTimeout(timer);
			if (error) reject(error);
			else resolve();
		};

		const check = () => {
			if (ready()) finish();
		};

		const off = onInputSettled(check);
		const poll = setInterval(check, 5);
		const timer = setTimeout(() => finish(failure()), timeoutMs);
	});
}

/**
 * Resolve with the first frame that satisfies the predicate once the
 * components on it take keys (source/ui/input-ready.ts): Ink paints a frame
 * before React runs the effect where useInput subscribes, and a key written
 * in between reaches the step before, or nothing. A frame that re-drew no
 * component taking keys (a spinner's) adds no wait.
 */
export async function waitForFrame(
	lastFrame: () => string | undefined,
	predicate: (frame: string) => boolean,
	{timeoutMs = 3000, what = 'the expected frame'}: {timeoutMs?: number; what?: string} = {},
): Promise<string> {
	let frame = '';
	await until(
		() => {
			frame = plain(lastFrame());
			return predicate(frame) && inputSettled();
		},
		timeoutMs,
		() => new Error(`Timed out waiting for ${what}${predicate(frame) ? ' to take keys' : ''}. Last frame:\n${frame}`),
	);
	return frame;
}

/** Wait until the frame contains the text. */
export async function waitForText(lastFrame: () => string | undefined, text: string, timeoutMs?: number): Promise<string> {
	return waitForFrame(lastFrame, frame => frame.includes(text), {timeoutMs, what: JSON.stringify(text)});
}

/**
 * Resolve once Ink reads the input and the components drawn take keys. Ink
 * subscribes in an effect after the first frame, and a key written before
 * that is lost; wait for the subscription itself, never for a quiet period.
 * The timeout only bounds a failure.
 */
export async function inputReady(stdin: {listenerCount: (event: string) => number}, timeoutMs = 3000): Promise<void> {
	await until(() => stdin.listenerCount('readable') > 0 && inputSettled(), timeoutMs, () => new Error('Timed out waiting for Ink to read the input'));
}

/**
 * Write keys as a terminal sends them, each its own write (Enter on its own).
 * After each: one event-loop turn, in which Ink hands on a lone Esc it held to
 * see whether a sequence follows (else Esc and the next key would read as
 * Alt and that key), then until the components the key re-drew take keys
 * again. The caller then waits for the visible effect it expects.
 */
export async function press(stdin: {write: (data: string) => void}, ...sequence: string[]): Promise<void> {
	for (const data of sequence) {
		stdin.write(data);
		await new Promise(resolve => setImmediate(resolve));
		await whenInputSettled();
	}
}
