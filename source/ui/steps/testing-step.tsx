import {Box} from 'ink';
import {Text} from '../components/text.js';
import {KeyHints} from '../components/key-hints.js';
import {Elapsed, Spinner} from '../components/spinner.js';
import type {TestLine} from '../flow.js';
import {colors, symbols} from '../theme.js';

export interface TestingStepProps {
	/** Each step of the live test so far. */
	readonly lines: readonly TestLine[];
	/** The recipient of the test mails. */
	readonly to?: string;
	/** Rows the list may use; older steps scroll away. */
	readonly limit: number;
	/** Where the test runs from, when that is not where Zulip sends from (a docker-zulip deployment). */
	readonly note?: string;
}

export function TestingStep({lines, to, limit, note}: TestingStepProps) {
	const shown = lines.slice(-limit);
	return (
		<Box flexDirection="column" marginTop={1}>
			<Text bold>Testing what Zulip will read from disk{to ? `, test mails to ${to}` : ''}</Text>
			{note ? <Text color={colors.muted}>{note}</Text> : null}
			{lines.length > shown.length ? <Text color={colors.muted}>  … {lines.length - shown.length} earlier steps</Text> : null}
			{shown.map((line, index) => (
				<Text key={index} wrap="truncate-end">
					{line.status === 'running' ? <Spinner /> : <Text color={line.status === 'ok' ? colors.ok : colors.fail}>{line.status === 'ok' ? symbols.ok : symbols.fail}</Text>}
					{' '}
					{line.label}{' '}
					{line.status === 'running' ? <Elapsed since={line.startedAt} /> : <Text color={colors.muted}>{Math.round(line.elapsedMs)} ms</Text>}
				</Text>
			))}
			{lines.length === 0 ? <Spinner label="Starting" /> : null}
			<KeyHints hints={[['Esc', 'stop the test'], ['Ctrl-C', 'quit']]} />
		</Box>
	);
}
