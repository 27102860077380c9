import {Box, useInput} from 'ink';
import {Text} from './text.js';
import {useReducer, useRef} from 'react';
import {useInputReady} from '../input-ready.js';
import {useLineMode} from '../line-mode-context.js';
import {colors, isPlain, plainCaret, symbols} from '../theme.js';
import {codePoints, initialTextInputState, textInputReducer} from './text-input-state.js';

export interface TextInputProps {
	/** Text the input starts with; remount with a new key to reset. */
	readonly defaultValue?: string;
	/** Shown dimmed while the input is empty. */
	readonly placeholder?: string;
	/** Show every character as this one (passwords); the value itself is never rendered. */
	readonly mask?: string;
	/** Whether keys reach this input. */
	readonly isActive?: boolean;
	/** Enter. */
	readonly onSubmit: (value: string) => void;
	/** Esc. */
	readonly onCancel?: () => void;
	/** Every edit, for live hints. */
	readonly onChange?: (value: string) => void;
}

/** A one-line text input with a cursor; uncontrolled. */
export function TextInput({defaultValue = '', placeholder, mask, isActive = true, onSubmit, onCancel, onChange}: TextInputProps) {
	const [state, dispatch] = useReducer(textInputReducer, defaultValue, initialTextInputState);
	// Keys can arrive faster than renders (a paste, a pty): read the latest value, not the rendered one.
	const latest = useRef(state);
	const lineMode = useLineMode();
	// Printed lines show no cursor to edit at, and Emacs's shell sends a typed line whole: there a prefilled value is a default, which Enter keeps and typing replaces.
	const prefilled = useRef(lineMode && defaultValue !== '');
	const apply = (action: Parameters<typeof textInputReducer>[1]) => {
		if (prefilled.current) {
			prefilled.current = false;
			if (action.type === 'insert') apply({type: 'clear'});
		}

		const previous = latest.current;
		const next = textInputReducer(previous, action);
		latest.current = next;
		dispatch(action);
		if (next.value !== previous.value) onChange?.(next.value);
	};

	useInput(
		(input, key) => {
			if (key.escape) {
				onCancel?.();
				return;
			}

			if (key.return) {
				onSubmit(latest.current.value);
				return;
			}

			// A masked value moves and deletes as one word: jumps between its parts would show where its punctuation is.
			const masked = mask !== undefined;
			const byWord = (key.ctrl || key.meta) && (key.leftArrow || key.rightArrow);
			if (byWord && key.leftArrow) apply({type: masked ? 'home' : 'word-left'});
			else if (byWord && key.rightArrow) apply({type: masked ? 'end' : 'word-right'});
			else if (key.meta && input === 'b') apply({type: masked ? 'home' : 'word-left'});
			else if (key.meta && input === 'f') apply({type: masked ? 'end' : 'word-right'});
			else if (key.meta && input === 'd') apply({type: masked ? 'kill-to-end' : 'delete-word-after'});
			else if (key.leftArrow) apply({type: 'left'});
			else if (key.rightArrow) apply({type: 'right'});
			else if (key.home || (key.ctrl && input === 'a')) apply({type: 'home'});
			else if (key.end || (key.ctrl && input === 'e')) apply({type: 'end'});
			// Alt-Backspace arrives as ESC DEL: meta with Ink's "delete".
			else if (key.meta && (key.backspace || key.delete)) apply({type: masked ? 'kill-to-start' : 'delete-alnum-word-before'});
			// Most terminals send DEL (0x7f) for Backspace, which Ink calls "delete".
			else if (key.backspace || key.delete) apply({type: 'delete-before'});
			else if (key.ctrl && input === 'd') apply({type: 'delete-after'});
			else if (key.ctrl && input === 'k') apply({type: 'kill-to-end'});
			else if (key.ctrl && input === 'u') apply({type: 'kill-to-start'});
			else if (key.ctrl && input === 'w') apply({type: masked ? 'kill-to-start' : 'delete-word-before'});
			else if (key.ctrl || key.meta || key.tab || key.upArrow || key.downArrow || key.pageUp || key.pageDown) {
				// Not ours: navigation and Ctrl-C belong to the step and the app.
			} else if (input) {
				// A paste can carry its own Enter at the end: type the text, then submit it.
				const newline = input.search(/[\r\n]/);
				if (newline === -1) apply({type: 'insert', text: input});
				else {
					apply({type: 'insert', text: input.slice(0, newline)});
					onSubmit(latest.current.value);
				}
			}
		},
		{isActive},
	);
	useInputReady();

	const plain = isPlain();
	// Printed lines cannot show a cursor inside them: the text alone, so each typed character extends the line.
	const shown = codePoints(mask === undefined ? state.value : mask.repeat(codePoints(state.value).length));
	if (lineMode) return <Text>{shown.join('')}</Text>;
	if (shown.length === 0 && placeholder) {
		return (
			<Box>
				{plain ? <Text>{plainCaret}</Text> : <Text inverse> </Text>}
				<Text color={colors.muted}>{placeholder}</Text>
			</Box>
		);
	}

	const before = shown.slice(0, state.cursor).join('');
	const at = shown[state.cursor] ?? ' ';
	const after = shown.slice(state.cursor + 1).join('');
	return (
		<Text>
			{before}
			{isActive ? plain ? `${plainCaret}${at}` : <Text inverse>{at}</Text> : at}
			{after}
		</Text>
	);
}

/** The password input: the same editor, showing only dots. */
export function MaskedInput(props: Omit<TextInputProps, 'mask'>) {
	return <TextInput {...props} mask={symbols.mask} />;
}
