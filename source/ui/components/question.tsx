import {Box} from 'ink';
import {Text} from './text.js';
import {type ReactNode} from 'react';
import {colors, symbols} from '../theme.js';
import {HangingText} from './hanging-text.js';
import {KeyHints} from './key-hints.js';

export interface QuestionProps {
	/** The question, in the admin's words. */
	readonly title: string;
	/** Lines of help under the title, dimmed. */
	readonly help?: readonly (string | undefined | false)[];
	/** Shown under the input in red with ✖ (the symbol carries it without colour). */
	readonly error?: string;
	/** Shown under the input in yellow with ⚠. */
	readonly warning?: string;
	/** Which keys do what. */
	readonly hints?: ReadonlyArray<readonly [string, string]>;
	/** The input. */
	readonly children: ReactNode;
}

/** The frame every question shares: title, help, input, message, keys. */
export function Question({title, help = [], error, warning, hints, children}: QuestionProps) {
	return (
		<Box flexDirection="column" marginTop={1}>
			<Text bold>
				<Text color={colors.accent}>? </Text>
				{title}
			</Text>
			{help.filter((line): line is string => typeof line === 'string' && line !== '').map(line => (
				<HangingText key={line} color={colors.muted}>
					{line}
				</HangingText>
			))}
			<Box marginLeft={2} flexDirection="column">
				{children}
			</Box>
			{error ? <HangingText color={colors.fail}>{`${symbols.fail} ${error}`}</HangingText> : null}
			{warning ? <HangingText color={colors.warn}>{`${symbols.warn} ${warning}`}</HangingText> : null}
			{hints ? <KeyHints hints={hints} /> : null}
		</Box>
	);
}

export const SELECT_HINTS = [['↑↓', 'move'], ['Enter', 'choose'], ['Esc', 'back'], ['Ctrl-C', 'quit']] as const;
export const INPUT_HINTS = [['Enter', 'confirm'], ['Esc', 'back'], ['Ctrl-C', 'quit']] as const;
