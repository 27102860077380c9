import {Text} from 'ink';
import {hintsLine} from '../layout.js';
import {colors} from '../theme.js';

export interface KeyHintsProps {
	/** Pairs of key and what it does, e.g. ['Enter', 'confirm']. */
	readonly hints: ReadonlyArray<readonly [string, string]>;
}

/** The dim line under a question that says which keys do what. */
export function KeyHints({hints}: KeyHintsProps) {
	return (
		<Text color={colors.muted} wrap="truncate-end">
			{hintsLine(hints)}
		</Text>
	);
}
