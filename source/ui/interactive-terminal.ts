/**
 * Imported before Ink, for its side effects on how Ink loads; undone by
 * restoreAfterInkLoad() before anything else could notice.
 *
 * - Ink decides once, when it loads, whether it runs "in CI" (CI or
 *   CONTINUOUS_INTEGRATION set): then it paints only the last frame, and a
 *   wizard on a real terminal shows nothing to answer (CI runs our
 *   pseudo-terminal tests with CI=true, and some admins' shells export it).
 *   The wizard only renders on a TTY, so on one the markers are hidden while
 *   Ink loads.
 * - Yoga's loader asks `typeof fetch`, and on Node 20 that getter alone loads
 *   undici: 25 ms of the first frame for a wasm file that is inlined anyway.
 *   fetch is hidden while Yoga loads (it then instantiates from memory) and put
 *   back exactly as it was.
 */
const hidden = new Map<string, string>();
const fetchDescriptor = Object.getOwnPropertyDescriptor(globalThis, 'fetch');

if (process.stdin.isTTY && process.stdout.isTTY) {
	for (const key of ['CI', 'CONTINUOUS_INTEGRATION']) {
		const value = process.env[key];
		if (value !== undefined) {
			hidden.set(key, value);
			delete process.env[key];
		}
	}
}

if (fetchDescriptor?.configurable) {
	Object.defineProperty(globalThis, 'fetch', {value: undefined, configurable: true, writable: true});
}

export function restoreAfterInkLoad(): void {
	for (const [key, value] of hidden) process.env[key] = value;
	hidden.clear();
	if (fetchDescriptor?.configurable) Object.defineProperty(globalThis, 'fetch', fetchDescriptor);
}
