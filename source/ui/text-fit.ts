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
