/** "24h", "7d", "30m", "2w" → milliseconds; undefined when it is none of those. No imports: args.ts checks --since with it. */
export function parseDuration(text: string): number | undefined {
	const match = /^(\d{1,5})(m|h|d|w)$/.exec(text.trim());
	if (!match) return undefined;
	const unit = {m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000}[match[2] as 'm' | 'h' | 'd' | 'w'];
	const value = Number(match[1]);
	return value > 0 ? value * unit : undefined;
}
