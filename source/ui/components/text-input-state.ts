/**
 * The text input's state as a pure reducer, so editing can be tested without
 * a terminal. The cursor counts code points, not UTF-16 units: a character
 * outside the BMP (an emoji, a rare CJK ideograph) moves and deletes as one,
 * and is never split into half a surrogate pair.
 */
export interface TextInputState {
	readonly value: string;
	/** How many code points of value come before the cursor. */
	readonly cursor: number;
}

export type TextInputAction =
	| {readonly type: 'insert'; readonly text: string}
	| {readonly type: 'delete-before'}
	| {readonly type: 'delete-after'}
	| {readonly type: 'delete-word-before'}
	/** Alt-Backspace: back to the start of the word (letters and digits), as readline does. */
	| {readonly type: 'delete-alnum-word-before'}
	/** Alt-D. */
	| {readonly type: 'delete-word-after'}
	/** Ctrl-K: everything from the cursor to the end. */
	| {readonly type: 'kill-to-end'}
	/** Ctrl-U: everything before the cursor. */
	| {readonly type: 'kill-to-start'}
	/** Ctrl/Alt-Left and Alt-B; Ctrl/Alt-Right and Alt-F. */
	| {readonly type: 'word-left'}
	| {readonly type: 'word-right'}
	| {readonly type: 'clear'}
	| {readonly type: 'left'}
	| {readonly type: 'right'}
	| {readonly type: 'home'}
	| {readonly type: 'end'};

export function initialTextInputState(value = ''): TextInputState {
	return {value, cursor: codePoints(value).length};
}

/** The value as code points, the unit the cursor counts. */
export function codePoints(value: string): string[] {
	return [...value];
}

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/g;

/** Word characters for moving by word: a host or an address moves by its parts (smtp|.mailgun|.org). */
const WORD = /[\p{L}\p{N}]/u;

/** Where a word motion to the left lands (in code points): skip non-word characters, then the word. */
export function wordStartBefore(value: string, cursor: number): number {
	const chars = codePoints(value);
	const isWord = (index: number) => WORD.test(chars[index] ?? '');
	let index = cursor;
	while (index > 0 && !isWord(index - 1)) index--;
	while (index > 0 && isWord(index - 1)) index--;
	return index;
}

/** Where a word motion to the right lands (in code points): skip non-word characters, then the word. */
export function wordEndAfter(value: string, cursor: number): number {
	const chars = codePoints(value);
	const isWord = (index: number) => WORD.test(chars[index] ?? '');
	let index = cursor;
	while (index < chars.length && !isWord(index)) index++;
	while (index < chars.length && isWord(index)) index++;
	return index;
}

export function textInputReducer(state: TextInputState, action: TextInputAction): TextInputState {
	const {value, cursor} = state;
	const chars = codePoints(value);
	const length = chars.length;
	/** The value with code points [start, end) replaced by text, and the cursor at `at`. */
	const splice = (start: number, end: number, at: number, text = ''): TextInputState => ({value: chars.slice(0, start).join('') + text + chars.slice(end).join(''), cursor: at});
	switch (action.type) {
		case 'insert': {
			const text = action.text.replace(CONTROL, '');
			if (text === '') return state;
			return splice(cursor, cursor, cursor + codePoints(text).length, text);
		}

		case 'delete-before':
			if (cursor === 0) return state;
			return splice(cursor - 1, cursor, cursor - 1);
		case 'delete-after':
			if (cursor === length) return state;
			return splice(cursor, cursor + 1, cursor);
		case 'delete-word-before': {
			const start = codePoints(chars.slice(0, cursor).join('').replace(/\S+\s*$/u, '')).length;
			return splice(start, cursor, start);
		}

		case 'delete-alnum-word-before': {
			const start = wordStartBefore(value, cursor);
			return splice(start, cursor, start);
		}

		case 'delete-word-after':
			return splice(cursor, wordEndAfter(value, cursor), cursor);
		case 'kill-to-end':
			return splice(cursor, length, cursor);
		case 'kill-to-start':
			return splice(0, cursor, 0);
		case 'word-left':
			return {value, cursor: wordStartBefore(value, cursor)};
		case 'word-right':
			return {value, cursor: wordEndAfter(value, cursor)};
		case 'clear':
			return {value: '', cursor: 0};
		case 'left':
			return {value, cursor: Math.max(0, cursor - 1)};
		case 'right':
			return {value, cursor: Math.min(length, cursor + 1)};
		case 'home':
			return {value, cursor: 0};
		case 'end':
			return {value, cursor: length};
		default: {
			const unhandled: never = action;
			return unhandled;
		}
	}
}
