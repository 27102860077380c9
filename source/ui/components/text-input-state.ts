/** The text input's state as a pure reducer, so editing can be tested without a terminal. */
export interface TextInputState {
	readonly value: string;
	/** Index in value the next character goes before. */
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
	return {value, cursor: value.length};
}

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/g;

/** Word characters for moving by word: a host or an address moves by its parts (smtp|.mailgun|.org). */
const WORD = /[\p{L}\p{N}]/u;

/** Where a word motion to the left lands: skip non-word characters, then the word. */
export function wordStartBefore(value: string, cursor: number): number {
	let index = cursor;
	while (index > 0 && !WORD.test(value[index - 1]!)) index--;
	while (index > 0 && WORD.test(value[index - 1]!)) index--;
	return index;
}

/** Where a word motion to the right lands: skip non-word characters, then the word. */
export function wordEndAfter(value: string, cursor: number): number {
	let index = cursor;
	while (index < value.length && !WORD.test(value[index]!)) index++;
	while (index < value.length && WORD.test(value[index]!)) index++;
	return index;
}

export function textInputReducer(state: TextInputState, action: TextInputAction): TextInputState {
	const {value, cursor} = state;
	switch (action.type) {
		case 'insert': {
			const text = action.text.replace(CONTROL, '');
			if (text === '') return state;
			return {value: value.slice(0, cursor) + text + value.slice(cursor), cursor: cursor + text.length};
		}

		case 'delete-before':
			if (cursor === 0) return state;
			return {value: value.slice(0, cursor - 1) + value.slice(cursor), cursor: cursor - 1};
		case 'delete-after':
			if (cursor === value.length) return state;
			return {value: value.slice(0, cursor) + value.slice(cursor + 1), cursor};
		case 'delete-word-before': {
			const start = value.slice(0, cursor).replace(/\S+\s*$/, '').length;
			return {value: value.slice(0, start) + value.slice(cursor), cursor: start};
		}

		case 'delete-alnum-word-before': {
			const start = wordStartBefore(value, cursor);
			return {value: value.slice(0, start) + value.slice(cursor), cursor: start};
		}

		case 'delete-word-after':
			return {value: value.slice(0, cursor) + value.slice(wordEndAfter(value, cursor)), cursor};
		case 'kill-to-end':
			return {value: value.slice(0, cursor), cursor};
		case 'kill-to-start':
			return {value: value.slice(cursor), cursor: 0};
		case 'word-left':
			return {value, cursor: wordStartBefore(value, cursor)};
		case 'word-right':
			return {value, cursor: wordEndAfter(value, cursor)};
		case 'clear':
			return {value: '', cursor: 0};
		case 'left':
			return {value, cursor: Math.max(0, cursor - 1)};
		case 'right':
			return {value, cursor: Math.min(value.length, cursor + 1)};
		case 'home':
			return {value, cursor: 0};
		case 'end':
			return {value, cursor: value.length};
		default:
			return state;
	}
}
