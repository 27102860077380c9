import cliTruncate from 'cli-truncate';
import wrapAnsi from 'wrap-ansi';

/**
 * Ink's two ways to fit text to a width, by the functions Ink calls, for the
 * painted first frame (first-frame.ts) when a line does not surely fit.
 */

/** <Text> (wrap="wrap", the default): break between words, and inside a word longer than the width. */
export function wrap(text: string, width: number): string[] {
	return wrapAnsi(text, width, {trim: false, hard: true}).split('\n');
}

/** <Text wrap="truncate-end">: cut to fit, an ellipsis last. */
export function truncate(text: string, width: number): string {
	return cliTruncate(text, width, {position: 'end'});
}

/**
 * Wrap for reading: break between words with no line starting with a space,
 * and continuation lines indented by `hang` columns so they line up under
 * the text after a symbol ("✖ ", "  • ") instead of under the symbol.
 */
export function hanging(text: string, width: number, hang: number): string[] {
	if (width <= hang + 8) return wrap(text, Math.max(1, width));
	// The indent before the marker stays; the text after it wraps in what is left of the row.
	const lead = /^\s*/.exec(text)?.[0] ?? '';
	const [first = '', ...rest] = wrapAnsi(text.slice(lead.length), width - lead.length, {trim: true, hard: true}).split('\n');
	if (rest.length === 0) return [lead + first];
	// What follows the first line wraps again into the narrower column under the text.
	const continued = wrapAnsi(rest.join(' '), width - hang, {trim: true, hard: true}).split('\n').map(line => ' '.repeat(hang) + line);
	return [lead + first, ...continued];
}

/** How far a line's text starts after its marker: leading spaces, then a symbol and a space (✔ ✖ ⚠ • – …). */
export function hangOf(line: string): number {
	const match = /^(\s*)(?:[✔✖⚠•–…➜›‹!] )?/.exec(line);
	return match?.[0].length ?? 0;
}
