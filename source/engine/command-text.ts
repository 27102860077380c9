/**
 * Commands and flags inside the engine's sentences, marked `like this` so a
 * face can keep each one whole: the wizard's wrapping never breaks a line
 * inside a command (a copied command must paste as one), and the plain
 * faces print the sentence without the marks. The README's tables show the
 * marks as Markdown code.
 */

const MARK = '`';

/** A command or flag (with its value) to be kept whole; text with a backtick of its own stays unmarked. */
export function command(text: string): string {
	return text.includes(MARK) ? text : `${MARK}${text}${MARK}`;
}

/** A part of a sentence: prose, or a command to keep whole. */
export interface TextSegment {
	readonly text: string;
	readonly command: boolean;
}

// A mark opens a command only when another closes it on the same line; a lone backtick is text.
const MARKED = /`([^`\n]+)`/g;

/** The sentence in prose and command parts, marks removed. */
export function textSegments(text: string): TextSegment[] {
	const segments: TextSegment[] = [];
	let last = 0;
	for (const match of text.matchAll(MARKED)) {
		if (match.index > last) segments.push({text: text.slice(last, match.index), command: false});
		segments.push({text: match[1]!, command: true});
		last = match.index + match[0].length;
	}

	if (last < text.length) segments.push({text: text.slice(last), command: false});
	return segments;
}

/** The sentence as a plain face prints it: the marks go, the commands stay. */
export function plainText(text: string): string {
	return text.includes(MARK) ? text.replace(MARKED, '$1') : text;
}
