import {symbols} from './theme.js';

/**
 * The wizard on a terminal that cannot move its cursor (TERM=dumb, see
 * terminal-capabilities.ts): appended lines only, never a redraw.
 *
 * Ink renders with its `debug` option into the stream made here: every
 * render then arrives as one write of the whole transcript so far (what
 * <Static> printed, then the live frame), and no cursor movement, erase or
 * synchronized update is ever written. LinePrinter compares each transcript
 * with the one before and appends only what a reader needs: a new question
 * whole, a moved highlight as the one line "› 3. Gmail", typed characters
 * after the line they extend.
 */
export interface LineModeOutput {
	/** The stdout to give Ink (with `debug: true`). */
	readonly stdout: NodeJS.WriteStream;
	/** Print what is pending and end the last line; call once Ink has let go. */
	finish(): void;
}

// eslint-disable-next-line no-control-regex
const ESCAPE = /\u001B(?:\[[0-?]*[ -/]*[@-~]|\][^\u0007\u001B]*(?:\u0007|\u001B\\)|[@-Z\\-_])/g;
// eslint-disable-next-line no-control-regex
const SGR = /^\u001B\[[\d;]*m$/;

/** Colours stay (chalk adds them only when asked to, e.g. FORCE_COLOR for Emacs's ansi-color); every other sequence goes. */
export function onlyColours(text: string): string {
	return text.replace(ESCAPE, sequence => (SGR.test(sequence) ? sequence : ''));
}

function plain(line: string): string {
	return line.replace(ESCAPE, '').trimEnd();
}

/** A change of at most this many lines inside a frame is printed alone; a larger one reprints the frame from there on. */
const SMALL_CHANGE = 3;

/** Turns successive transcripts into the text to append. Pure, apart from its memory of what was printed. */
export class LinePrinter {
	private previous: string[] = [];
	/** The last line printed, when the cursor still stands at its end (typing can extend it). */
	private open: string | undefined;

	/** Whether the last line printed still needs its line break. */
	get midLine(): boolean {
		return this.open !== undefined;
	}

	/** The text to append for a new transcript ('' when nothing a reader needs changed). */
	update(transcript: string): string {
		const lines = onlyColours(transcript).split('\n');
		const next = lines.map(line => plain(line));
		const before = this.previous;
		this.previous = next;
		let start = 0;
		while (start < next.length && start < before.length && next[start] === before[start]) start++;
		if (start === next.length && start === before.length) return '';
		let end = 0;
		while (end < next.length - start && end < before.length - start && next[next.length - 1 - end] === before[before.length - 1 - end]) end++;
		const changed = next.slice(start, next.length - end);
		const was = before.slice(start, before.length - end);
		// Lines only taken away (a message that no longer applies): the transcript keeps them.
		if (changed.length === 0) return '';

		// Within a frame, in place: a line that stayed, or only lost the highlight, is not news.
		const inPlace = changed.length === was.length;
		const news = inPlace ? changed.filter((line, index) => line !== was[index] && !lostHighlight(was[index]!, line)) : changed;
		if (news.length === 0) return '';
		if (news.length === 1 && was.length === 1 && this.open !== undefined && this.open === was[0] && news[0]!.startsWith(this.open)) {
			// Typed at the end of the line just printed: only what was typed.
			const added = news[0]!.slice(this.open.length);
			this.open = news[0];
			return added;
		}

		// A frame that lost lines (a narrower filter) is printed again from there: what is gone would still read as current.
		if (news.length <= SMALL_CHANGE && end > 0 && changed.length >= was.length) {
			// Left open: the next keys may extend it.
			const text = (this.open === undefined ? '' : '\n') + news.join('\n');
			this.open = news.at(-1);
			return text;
		}

		// A new step or a reshaped frame: from the first changed line to the end, ended, so input starts on a line of its own.
		// A question whose blank line above it stayed (the frame before began with one too) is still set apart by it.
		const from = start > 0 && next[start - 1] === '' && next[start] !== '' ? start - 1 : start;
		let shown = lines.slice(from);
		// New log lines above a part of the frame that stayed (the Deliverability panel): the log lines, then what follows that part.
		const kept = keptBelow(next.slice(start), before.slice(start));
		if (kept) {
			const at = kept.at + start - from;
			shown = [...shown.slice(0, at), ...shown.slice(at + kept.length)];
		}
		shown = shown.map(line => onlyColours(line).replace(/\s+$/, ''));
		const text = (this.open === undefined ? '' : '\n') + shown.join('\n') + '\n';
		this.open = undefined;
		return text;
	}
}

/** Lines that must match for a part to count as kept: a blank line and a key-hints line alone match by chance. */
const KEPT_MINIMUM = 3;

/** Where the start of the old tail reappears, whole, after lines that were inserted before it. */
function keptBelow(next: readonly string[], before: readonly string[]): {at: number; length: number} | undefined {
	for (let at = 1; at < next.length; at++) {
		let length = 0;
		while (at + length < next.length && length < before.length && next[at + length] === before[length]) length++;
		// A blank line at its end belongs to what follows, as its separation.
		while (length > 0 && next[at + length - 1] === '' && at + length < next.length) length--;
		if (length >= KEPT_MINIMUM) return {at, length};
	}

	return undefined;
}

const POINTER = `${symbols.pointer} `;

function lostHighlight(before: string, after: string): boolean {
	const at = before.indexOf(POINTER);
	return at !== -1 && before.slice(0, at).trim() === '' && after === before.slice(0, at) + '  ' + before.slice(at + POINTER.length);
}

/**
 * Rows the live frame may use: no region is redrawn, so nothing has to fit
 * the screen, and lists show every choice (a list that scrolled would be
 * printed again at every step).
 */
const UNLIMITED_ROWS = 1000;

/** The stream Ink renders into, in front of the terminal. */
export function lineModeOutput(terminal: NodeJS.WriteStream): LineModeOutput {
	const printer = new LinePrinter();
	// The width stays what it was at the start: a narrower or wider terminal would rewrap every line, and all of it would be new.
	const columns = terminal.columns || 80;
	let pending: string | undefined;
	let scheduled = false;
	// Keys that came in one read (a line sent by Emacs, a paste) render once each; the reader sees where they led.
	const flush = () => {
		scheduled = false;
		if (pending === undefined) return;
		const text = printer.update(pending);
		pending = undefined;
		if (text !== '') terminal.write(text);
	};

	const write = (chunk: string | Uint8Array, encoding?: unknown, callback?: unknown): boolean => {
		const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString();
		const done = typeof encoding === 'function' ? encoding : callback;
		if (text !== '') {
			pending = text;
			if (!scheduled) {
				scheduled = true;
				setImmediate(flush);
			}
		}

		// Ink's last write is an empty one whose callback says all is out: print first, then answer it.
		if (typeof done === 'function') {
			flush();
			terminal.write('', done as () => void);
		}

		return true;
	};

	const stdout = new Proxy(terminal, {
		get(target, property) {
			if (property === 'write') return write;
			if (property === 'columns') return columns;
			if (property === 'rows') return UNLIMITED_ROWS;
			// Resizing changes nothing here (the width is kept), so Ink need not hear of it.
			if (property === 'on' || property === 'off' || property === 'once' || property === 'addListener' || property === 'removeListener') {
				return (event: string, listener: (...args: unknown[]) => void) => {
					if (event !== 'resize') Reflect.get(target, property, target).call(target, event, listener);
					return stdout;
				};
			}

			const value: unknown = Reflect.get(target, property, target);
			return typeof value === 'function' ? value.bind(target) : value;
		},
	});

	return {
		stdout,
		finish() {
			flush();
			if (printer.midLine) terminal.write('\n');
		},
	};
}
