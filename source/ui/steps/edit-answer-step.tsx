import {Question, SELECT_HINTS} from '../components/question.js';
import {Select} from '../components/select.js';
import type {EditTarget, FlowEvent} from '../flow.js';

export interface EditAnswerStepProps {
	/** The answers this configuration has. */
	readonly targets: ReadonlyArray<{readonly target: EditTarget; readonly label: string}>;
	/** Where the answer goes. */
	readonly send: (event: FlowEvent) => void;
}

export function EditAnswerStep({targets, send}: EditAnswerStepProps) {
	const items = targets.map(({target, label}) => ({key: target, value: target, label}));
	return (
		<Question title="Which answer do you want to change?" help={['The later answers are kept; you review the changes again before anything is written.']} hints={SELECT_HINTS}>
			<Select items={items} onSubmit={target => send({type: 'edit-target-chosen', target})} onCancel={() => send({type: 'back'})} />
		</Question>
	);
}
