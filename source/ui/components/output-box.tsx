import {Box} from 'ink';
import {Text} from './text.js';
import {useLineMode} from '../line-mode-context.js';
import {colors} from '../theme.js';

export interface OutputBoxProps {
	/** All lines so far; only the last `height` are shown. */
	readonly lines: readonly string[];
	/** Rows inside the border. */
	readonly height?: number;
	/** Shown in the top border's place when there is no output yet. */
	readonly title?: string;
}

/** A child's output in a fixed-height box, so a chatty command never pushes the screen around. */
export function OutputBox({lines, height = 8, title}: OutputBoxProps) {
	// Printed lines cannot scroll inside a box: each line of output once, as it comes.
	if (useLineMode()) {
		return (
			<Box flexDirection="column">
				{lines.length === 0 && title ? <Text color={colors.muted}>{title}</Text> : null}
				{lines.map((line, index) => (
					<Text key={index}>{`  | ${line}`}</Text>
				))}
			</Box>
		);
	}

	const shown = lines.slice(-height);
	const padding = Array.from({length: Math.max(0, height - shown.length)}, () => '');
	return (
		<Box flexDirection="column" borderStyle="round" borderColor={colors.muted} paddingX={1}>
			{title && shown.length === 0 ? <Text color={colors.muted}>{title}</Text> : null}
			{[...shown, ...padding].slice(0, title && shown.length === 0 ? height - 1 : height).map((line, index) => (
				<Text key={index} wrap="truncate-end">
					{line === '' ? ' ' : line}
				</Text>
			))}
		</Box>
	);
}
