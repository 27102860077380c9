import {Text} from 'ink';
import React from 'react';
import {Question, SELECT_HINTS} from '../components/question.js';
import {Select} from '../components/select.js';
import type {FlowEvent} from '../flow.js';
import {colors, symbols} from '../theme.js';

export interface ReviewStepProps {
	/** Whether the plan changes anything at all. */
	readonly changed: boolean;
	/** The files the plan would change. */
	readonly files: readonly string[];
	/** Problems worth a second look before writing (a port/TLS mismatch). */
	readonly warnings: readonly string[];
	/** Where the answer goes. */
	readonly send: (event: FlowEvent) => void;
}

/** The diff itself is printed above (it may be long); this asks the one question. */
export function ReviewStep({changed, files, warnings, send}: ReviewStepProps) {
	const items = changed
		? [
				{value: 'write', label: 'Write these changes, then test', hint: 'a backup of each file is kept'},
				{value: 'back', label: 'Go back and change something'},
			]
		: [
				{value: 'write', label: 'Test the configuration as it is'},
				{value: 'back', label: 'Go back and change something'},
			];
	return (
		<Question
			title={changed ? 'Write these changes?' : 'Nothing to change: the files already say this.'}
			help={[changed ? `Nothing has been written yet. The diff above goes to ${files.join(' and ')}.` : undefined]}
			hints={SELECT_HINTS}
		>
			{warnings.map(warning => (
				<Text key={warning} color={colors.warn}>
					{symbols.warn} {warning}
				</Text>
			))}
			<Select items={items} onSubmit={value => send(value === 'write' ? {type: 'write-confirmed'} : {type: 'back'})} onCancel={() => send({type: 'back'})} />
		</Question>
	);
}
