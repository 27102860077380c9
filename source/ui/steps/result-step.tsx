import {Box, Text} from 'ink';
import React from 'react';
import type {Fix} from '../../engine/fixes.js';
import type {TestReport} from '../../smtp/types.js';
import {Question, SELECT_HINTS} from '../components/question.js';
import {Select} from '../components/select.js';
import type {FlowEvent} from '../flow.js';
import {colors, symbols} from '../theme.js';

export interface ResultStepProps {
	/** The failed test; absent when it was stopped or could not run. */
	readonly report?: TestReport;
	/** What the engine can change for the admin, each a single keystroke away. */
	readonly fixes: readonly Fix[];
	/** Whether this run wrote anything that can be put back. */
	readonly canRestore: boolean;
	/** Where the answer goes. */
	readonly send: (event: FlowEvent) => void;
}

type Action = `fix:${Fix['id']}` | 'retest' | 'edit' | 'restore' | 'keep';

/** One problem: what happened, the fix, and the server's words as evidence. */
function Diagnosis({title, message, fix, detail}: {readonly title?: string; readonly message: string; readonly fix?: string; readonly detail?: string}) {
	return (
		<Box flexDirection="column">
			<Text color={colors.fail}>
				{symbols.fail} {title ? `${title}: ` : ''}
				{message}
			</Text>
			{fix ? <Text>  Fix: {fix}</Text> : null}
			{detail ? (
				<Text color={colors.muted} wrap="truncate-end">
					{'  '}
					{detail}
				</Text>
			) : null}
		</Box>
	);
}

export function ResultStep({report, fixes, canRestore, send}: ResultStepProps) {
	const senderProblems = (report?.senders ?? []).filter(sender => !sender.ok && sender.diagnosis);
	const items: Array<{value: Action; label: string; hint?: string}> = [
		...fixes.map(fix => ({value: `fix:${fix.id}` as Action, label: fix.label, hint: 'and test again'})),
		{value: 'retest', label: 'Test again', hint: 'after fixing something at the provider'},
		{value: 'edit', label: 'Edit an answer…'},
		...(canRestore ? [{value: 'restore' as Action, label: 'Restore the backups', hint: 'undo what this run wrote'}] : []),
		{value: 'keep', label: 'Keep the files as they are'},
	];
	const choose = (value: Action) => {
		if (value.startsWith('fix:')) send({type: 'fix-chosen', id: value.slice(4) as Fix['id']});
		else send({type: value as Exclude<Action, `fix:${string}`>});
	};

	return (
		<Box flexDirection="column">
			{report?.diagnosis ? <Diagnosis message={report.diagnosis.message} fix={report.diagnosis.fix} detail={report.diagnosis.detail} /> : null}
			{senderProblems.map(sender => (
				<Diagnosis
					key={sender.address}
					title={`${sender.role === 'default' ? 'Default From' : 'Noreply From'} ${sender.address}`}
					message={sender.diagnosis!.message}
					fix={sender.diagnosis!.fix}
					detail={sender.diagnosis!.detail}
				/>
			))}
			{report?.suggestion ? (
				<Text color={colors.ok}>
					{symbols.info} Port {report.suggestion.port} answered: {report.suggestion.reason}
				</Text>
			) : null}
			{report ? null : <Text color={colors.warn}>{symbols.warn} The test did not finish.</Text>}
			<Question title="What now?" hints={SELECT_HINTS}>
				<Select items={items} onSubmit={choose} />
			</Question>
		</Box>
	);
}
