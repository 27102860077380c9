import {Box} from 'ink';
import {Text} from '../components/text.js';
import type {Fix} from '../../engine/fixes.js';
import {wizardWords} from '../../smtp/diagnoses.js';
import {SENDER_ROLE_NAMES} from '../../smtp/sender-role.js';
import type {TestReport} from '../../smtp/types.js';
import {HangingText} from '../components/hanging-text.js';
import {Question} from '../components/question.js';
import {Select, type SelectItem} from '../components/select.js';
import type {FlowEvent} from '../flow.js';
import {colors, symbols} from '../theme.js';

export interface ResultStepProps {
	/** The failed test; absent when it was stopped or could not run. */
	readonly report?: TestReport;
	/** What the engine can change for the admin, each a single keystroke away. */
	readonly fixes: readonly Fix[];
	/** Whether this run wrote anything that can be put back. */
	readonly canRestore: boolean;
	/** What "Test again" waits for, in words true for the service (retestHint). */
	readonly retestHint?: string;
	/** Where the answer goes. */
	readonly send: (event: FlowEvent) => void;
}

/** Each distinct fix once, named by what it is about; what failed is already printed above. */
export function fixLines(report: TestReport | undefined): Array<{about: string; fix: string}> {
	if (!report) return [];
	const lines: Array<{about: string; fix: string}> = [];
	// The wizard makes the change itself (the list below), so its words carry no command-line flags.
	if (report.diagnosis) lines.push({about: 'Fix', fix: wizardWords(report.diagnosis.fix)});
	for (const sender of report.senders) {
		if (sender.ok || !sender.diagnosis) continue;
		const fix = wizardWords(sender.diagnosis.fix);
		if (lines.some(line => line.fix === fix)) continue;
		lines.push({about: `Fix for the ${SENDER_ROLE_NAMES[sender.role]}`, fix});
	}

	return lines;
}

/** The diagnosis is in the scrollback just above; this shows its fixes and the ways on, kept short for 80×24. */
export function ResultStep({report, fixes, canRestore, retestHint = 'after fixing something at the SMTP server', send}: ResultStepProps) {
	const items: Array<SelectItem<FlowEvent>> = [
		...fixes.map(fix => ({key: `fix:${fix.id}`, value: {type: 'fix-chosen', id: fix.id} as const, label: fix.label})),
		{key: 'retest', value: {type: 'retest'}, label: 'Test again', hint: retestHint},
		{key: 'edit', value: {type: 'edit'}, label: 'Edit an answer…'},
		...(canRestore ? [{key: 'restore', value: {type: 'restore'} as const, label: 'Restore the backups', hint: 'undo what this run wrote'}] : []),
		{key: 'keep', value: {type: 'keep'}, label: 'Keep the files as they are'},
	];

	return (
		<Box flexDirection="column" marginTop={1}>
			{fixLines(report).map(({about, fix}) => (
				<HangingText key={fix} hang={2}>{`${about}: ${fix}`}</HangingText>
			))}
			{report ? null : (
				<Text color={colors.warn}>
					{symbols.warn} The test did not finish.
				</Text>
			)}
			<Question title="What now?" hints={[['↑↓', 'move'], ['Enter', 'choose'], ['Ctrl-C', 'quit']]}>
				<Select items={items} onSubmit={send} />
			</Question>
		</Box>
	);
}
