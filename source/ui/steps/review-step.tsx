import {Text} from '../components/text.js';
import {Question, SELECT_HINTS} from '../components/question.js';
import {Select, type SelectItem} from '../components/select.js';
import type {FlowEvent} from '../flow.js';
import {colors, symbols} from '../theme.js';

export interface ReviewStepProps {
	/** Whether the plan changes anything at all. */
	readonly changed: boolean;
	/** The files the plan would change. */
	readonly files: readonly string[];
	/** Problems worth a second look before writing (a port/TLS mismatch, a password without TLS). */
	readonly warnings: readonly string[];
	/** Where the answer goes. */
	readonly send: (event: FlowEvent) => void;
}

/** The diff itself is printed above (it may be long); this asks the one question. */
export function ReviewStep({changed, files, warnings, send}: ReviewStepProps) {
	// The picker of answers: one jump to what needs changing, then this review again.
	const edit: SelectItem<FlowEvent> = {key: 'edit', value: {type: 'edit'}, label: 'Change something…', hint: 'provider, server, login, From addresses, recipient'};
	const write: SelectItem<FlowEvent> = {key: 'write', value: {type: 'write-confirmed'}, label: 'Write these changes, then test', hint: 'a backup of each file is kept'};
	const items: Array<SelectItem<FlowEvent>> = changed ? [write, edit] : [{key: 'write', value: {type: 'write-confirmed'}, label: 'Test the configuration as it is'}, edit];
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
			<Select items={items} onSubmit={send} onCancel={() => send({type: 'back'})} />
		</Question>
	);
}
