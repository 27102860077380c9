/** Helpers for ink-testing-library: poll for a frame instead of sleeping blindly. */

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

/** Resolve with the first frame that satisfies the predicate; fail with the last frame seen. */
export async function waitForFrame(
	lastFrame: () => string | undefined,
	predicate: (frame: string) => boolean,
	{timeoutMs = 3000, what = 'the expected frame'}: {timeoutMs?: number; what?: string} = {},
): Promise<string> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const frame = plain(lastFrame());
		if (predicate(frame)) {
			// The frame is painted before React runs its effects, and a step's key handler is attached in one:
			// a key written in between would reach no handler (ink-testing-library's stdin does not hold it).
			await new Promise(resolve => setTimeout(resolve, 60));
			return frame;
		}
		if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}. Last frame:\n${frame}`);
		await new Promise(resolve => setTimeout(resolve, 10));
	}
}

/** Wait until the frame contains the text. */
export async function waitForText(lastFrame: () => string | undefined, text: string, timeoutMs?: number): Promise<string> {
	return waitForFrame(lastFrame, frame => frame.includes(text), {timeoutMs, what: JSON.stringify(text)});
}

/**
 * Resolve once Ink reads the input. It subscribes in an effect after the first
 * frame, and a key written before that is lost; wait for the subscription
 * itself, never for a quiet period. The timeout only bounds a failure.
 */
export async function inputReady(stdin: {listenerCount: (event: string) => number}, timeoutMs = 3000): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (stdin.listenerCount('readable') === 0) {
		if (Date.now() > deadline) throw new Error('Timed out waiting for Ink to read the input');
		await new Promise(resolve => setTimeout(resolve, 10));
	}
}

/**
 * Write keys as a terminal sends them, each its own write (Enter on its own),
 * one event-loop turn apart. Ink handles a write at once; the caller then
 * waits for the visible effect it expects.
 */
export async function press(stdin: {write: (data: string) => void}, ...sequence: string[]): Promise<void> {
	for (const data of sequence) {
		stdin.write(data);
		await new Promise(resolve => setImmediate(resolve));
	}
}
