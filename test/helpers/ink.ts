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

/** Ink subscribes to input in an effect: give it a turn before the first key. */
export async function settle(): Promise<void> {
	await new Promise(resolve => setTimeout(resolve, 20));
}

/** Write one key (Enter on its own, as a terminal sends it) and let Ink handle it. */
export async function press(stdin: {write: (data: string) => void}, ...sequence: string[]): Promise<void> {
	for (const data of sequence) {
		stdin.write(data);
		await settle();
	}
}
