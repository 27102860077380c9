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
