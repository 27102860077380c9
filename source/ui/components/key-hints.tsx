import {useStdout} from 'ink';
import {Text} from './text.js';
import {hintsLine} from '../layout.js';
import {useLineMode} from '../line-mode-context.js';
import {colors} from '../theme.js';
import {usePanelHints} from './panel-keys.js';

export interface KeyHintsProps {
	/** Pairs of key and what it does, e.g. ['Enter', 'confirm']. */
	readonly hints: ReadonlyArray<readonly [string, string]>;
}

/** The dim line under a question that says which keys do what. */
export function KeyHints({hints: given}: KeyHintsProps) {
	const hints = usePanelHints(given);
	// Numbered lists (line mode) also take the number: Emacs's shell, for one, sends no arrow keys.
	const numbered = useLineMode();
	const {stdout} = useStdout();
	return (
		<Text color={colors.muted} wrap="truncate-end">
			{hintsLine(numbered ? hints.map(([key, action]) => (key === '↑↓' ? ['↑↓ or number', action] as const : [key, action] as const)) : hints, stdout.columns || 80)}
		</Text>
	);
}
