/**
 * Colour only decorates: every meaning is also carried by a symbol or a word,
 * so NO_COLOR / FORCE_COLOR=0 (chalk drops the colours) loses nothing.
 */
export const symbols = {
	ok: '✔',
	fail: '✖',
	warn: '⚠',
	pointer: '›',
	back: '‹',
	info: '•',
	mask: '•',
} as const;

export const colors = {
	ok: 'green',
	fail: 'red',
	warn: 'yellow',
	accent: 'cyan',
	muted: 'gray',
} as const;

export type Tone = 'ok' | 'fail' | 'warn' | 'info' | 'back';

export const toneSymbol: Record<Tone, string> = {
	ok: symbols.ok,
	fail: symbols.fail,
	warn: symbols.warn,
	info: symbols.info,
	back: '',
};

export const toneColor: Record<Tone, string | undefined> = {
	ok: colors.ok,
	fail: colors.fail,
	warn: colors.warn,
	info: colors.accent,
	back: colors.muted,
};

/** The colour of a line of a log entry's block (a diff, the test's steps). */
export function blockColor(line: string): string | undefined {
	if (line.startsWith('+++') || line.startsWith('---')) return undefined;
	if (line.startsWith('+')) return colors.ok;
	if (line.startsWith('-')) return colors.fail;
	if (line.startsWith('@@')) return colors.accent;
	if (line.startsWith('✖')) return colors.fail;
	if (line.startsWith('⚠')) return colors.warn;
	return undefined;
}

/**
 * No colour means no inverse video either (chalk drops every style), so the
 * text cursor needs a visible character of its own. The bin maps NO_COLOR to
 * FORCE_COLOR=0 before chalk loads; both are checked so tests can set either.
 */
export function isPlain(environment: NodeJS.ProcessEnv = process.env): boolean {
	return environment['FORCE_COLOR'] === '0' || Boolean(environment['NO_COLOR']);
}

/** The caret drawn before the character under the cursor when there is no inverse video. */
export const plainCaret = '▏';

/**
 * Where a wrapped line of an entry's block (a diff, the test's steps) goes on:
 * past the content of any block line ("  +EMAIL_…", "  ✔ …"), so a
 * continuation never reads as a line of its own.
 */
export const BLOCK_HANG = 4;
