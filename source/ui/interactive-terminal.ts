/**
 * Imported before Ink, for its side effect. Ink decides once, when it loads,
 * whether it runs "in CI" (CI or CONTINUOUS_INTEGRATION set): then it paints
 * only the last frame, and a wizard on a real terminal shows nothing to answer
 * (CI runs our pseudo-terminal tests with CI=true, and some admins' shells
 * export it). The wizard only renders on a TTY, so on one the markers are
 * hidden while Ink loads and put back by restoreCiMarkers() before any child
 * process could see the difference.
 */
const hidden = new Map<string, string>();

if (process.stdin.isTTY && process.stdout.isTTY) {
	for (const key of ['CI', 'CONTINUOUS_INTEGRATION']) {
		const value = process.env[key];
		if (value !== undefined) {
			hidden.set(key, value);
			delete process.env[key];
		}
	}
}

export function restoreCiMarkers(): void {
	for (const [key, value] of hidden) process.env[key] = value;
	hidden.clear();
}
