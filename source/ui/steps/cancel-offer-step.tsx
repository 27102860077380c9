import {Question} from '../components/question.js';
import {Select} from '../components/select.js';
import type {FlowEvent} from '../flow.js';

export interface CancelOfferStepProps {
	/** The files this run wrote. */
	readonly files: readonly string[];
	/** Where the answer goes. */
	readonly send: (event: FlowEvent) => void;
}

/** Ctrl-C stopped the test of what was just written: undo it, or keep it knowingly. */
export function CancelOfferStep({files, send}: CancelOfferStepProps) {
	const items = [
		{key: 'restore', value: 'restore', label: 'Restore the backups and quit', hint: 'undo what this run wrote'},
		{key: 'keep', value: 'keep', label: 'Keep the new files and quit', hint: 'untested'},
	] as const;
	return (
		<Question
			title="The test was stopped. Undo this run's changes?"
			help={[`This run wrote ${files.join(' and ')}. Zulip was not restarted: it still runs with the old settings until a restart.`]}
			hints={[['↑↓', 'move'], ['Enter', 'choose'], ['Ctrl-C', 'keep and quit']]}
		>
			<Select items={items} onSubmit={value => send({type: 'cancel-choice', restore: value === 'restore'})} onCancel={() => send({type: 'back'})} />
		</Question>
	);
}
