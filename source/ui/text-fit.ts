import cliTruncate from 'cli-truncate';
import stringWidth from 'string-width';
import wrapAnsi from 'wrap-ansi';
import {plainText, textSegments} from '../engine/command-text.js';

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

/** Words and commands with no space between them break as one: "(--port 587)." stays whole where it fits. */
interface Unit {
	/** The spaces before it, kept when it stays on the same line ("Backend    smtp" keeps its columns). */
	readonly space: string;
	/** The pieces in order: prose, or a command to keep whole. */
	readonly parts: Array<{text: string; command: boolean}>;
}

/** A word that is a path: /etc/zulip/settings.py, ./bin/x.js, ~/values.yaml, with its brackets and punctuation apart. */
const PATH_WORD = /^([("'[]*)((?:~|\.{1,2})?\/[^\s]*?[^\s.,;:)"'\]])([)"'\].,;:]*)$/;

const textOf = (unit: Unit) => unit.parts.map(part => part.text).join('');

function unitsOf(text: string): Unit[] {
	const units: Unit[] = [];
	// Whether the next piece touches the previous one (no space between).
	let touching = false;
	let space = '';
	const add = (piece: string, command: boolean) => {
		const last = units.at(-1);
		if (touching && last) last.parts.push({text: piece, command});
		else units.push({space: units.length === 0 ? '' : space, parts: [{text: piece, command}]});
		touching = true;
	};

	for (const segment of textSegments(text)) {
		if (segment.command) {
			add(segment.text, true);
			continue;
		}

		for (const part of segment.text.split(/(\s+)/)) {
			if (part === '') continue;
			if (/^\s+$/.test(part)) {
				touching = false;
				space = part;
				continue;
			}

			// A path (a backup's, a directory) is kept whole like a command; the punctuation around it may go apart.
			const path = PATH_WORD.exec(part);
			if (path) {
				const [, before = '', body = '', after = ''] = path;
				if (before) add(before, false);
				add(body, true);
				if (after) add(after, false);
			} else {
				add(part, false);
			}
		}
	}

	return units;
}

/** Cut text into pieces of at most `first`, then `rest`, columns. */
function pieces(text: string, first: number, rest: number): string[] {
	const result: string[] = [];
	let piece = '';
	let room = Math.max(1, first);
	for (const character of text) {
		const width = stringWidth(character);
		if (piece !== '' && stringWidth(piece) + width > room) {
			result.push(piece);
			piece = '';
			room = Math.max(1, rest);
		}

		piece += character;
	}

	result.push(piece);
	return result;
}

/** A word wider than the row (a long path) in rows of `width`, each ending after its last `/` that fits, so no directory or file name is cut. */
function slashPieces(text: string, width: number): string[] {
	const result: string[] = [];
	let rest = text;
	while (stringWidth(rest) > width) {
		const [row = ''] = pieces(rest, width, width);
		const slash = row.lastIndexOf('/');
		const cut = slash > 0 && slash < row.length - 1 ? slash + 1 : row.length;
		result.push(rest.slice(0, cut));
		rest = rest.slice(cut);
	}

	result.push(rest);
	return result;
}

/**
 * Wrap for reading: break between words with no line starting with a space,
 * and continuation lines indented by `hang` columns so they line up under
 * the text after a symbol ("✖ ", "  • ") instead of under the symbol.
 *
 * A command marked in the text (engine/command-text.ts) is never broken:
 * it goes to the next line when it does not fit after the text before it,
 * and one wider than that line starts at column 0; only a command wider
 * than the whole row breaks, at the row's end, with nothing inserted in it,
 * and the text after it starts a new line, so what is copied from those
 * rows is the command.
 */
export function hanging(text: string, width: number, hang: number): string[] {
	if (width <= hang + 8) return wrap(plainText(text), Math.max(1, width));
	// The indent before the marker stays; the text after it wraps in what is left of the row.
	const lead = /^\s*/.exec(text)?.[0] ?? '';
	const indent = ' '.repeat(hang);
	const lines: string[] = [];
	let line = lead;
	let used = lead.length;
	let empty = true;
	const startLine = (prefix: string) => {
		// A line with nothing put on it yet is replaced, not kept as a blank row.
		if (!empty) lines.push(line);
		line = prefix;
		used = prefix.length;
		empty = true;
	};

	// Text goes on the current line, after its spaces unless it starts the line.
	const put = (piece: string, before = ' ') => {
		const space = empty ? '' : before;
		line += space + piece;
		used += space.length + stringWidth(piece);
		empty = false;
	};

	const fits = (size: number, before: string) => used + (empty ? 0 : before.length) + size <= width;
	// A command too wide for a hanging line: at column 0, in pieces only when wider than the row.
	const putWide = (command: string) => {
		startLine('');
		// Nothing is inserted (a fix may be PowerShell, where ` \` is no continuation): the rows, copied together, are the command.
		slashPieces(command, width).forEach((piece, index) => {
			if (index > 0) startLine('');
			put(piece);
		});
		// The text after it starts a line of its own: a copy of the command's rows is the command alone.
		// A path's closing punctuation may follow it: copied, a path is picked by double-click, not by rows.
		if (/\s/.test(command) || !/^[~.]?\//.test(command)) used = width;
	};

	const units = unitsOf(text.slice(lead.length));
	// A blank line keeps its row (Ink gives an empty Text none).
	if (units.length === 0) return [lead];
	for (const unit of units) {
		const whole = textOf(unit);
		const size = stringWidth(whole);
		if (fits(size, unit.space)) {
			put(whole, unit.space);
		} else if (hang + size <= width) {
			startLine(indent);
			put(whole);
		} else if (unit.parts.some(part => part.command)) {
			// Too wide together: the command and the punctuation touching it go apart, each where it fits.
			unit.parts.forEach((part, index) => {
				const partSize = stringWidth(part.text);
				const before = index > 0 ? '' : unit.space;
				if (fits(partSize, before)) put(part.text, before);
				else if (hang + partSize <= width) {
					startLine(indent);
					put(part.text);
				} else if (part.command) putWide(part.text);
				else {
					startLine(indent);
					for (const [pieceIndex, piece] of pieces(part.text, width - hang, width - hang).entries()) {
						if (pieceIndex > 0) startLine(indent);
						put(piece);
					}
				}
			});
		} else {
			// A word longer than a line breaks where the line ends, as Ink breaks it; the rest hangs.
			if (!empty) startLine(indent);
			const [first = '', ...rest] = pieces(whole, width - used, width - hang);
			put(first);
			for (const piece of rest) {
				startLine(indent);
				put(piece);
			}
		}
	}

	lines.push(line);
	return lines.map(row => row.trimEnd());
}

/** How far a line's text starts after its marker: leading spaces, then a symbol and a space (✔ ✖ ⚠ • – …). */
export function hangOf(line: string): number {
	const match = /^(\s*)(?:[✔✖⚠•–…➜›‹!] )?/.exec(line);
	return match?.[0].length ?? 0;
}
