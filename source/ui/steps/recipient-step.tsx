import {INPUT_HINTS, Question} from '../components/question.js';
import {TextInput} from '../components/text-input.js';
import type {FlowEvent} from '../flow.js';

export interface RecipientStepProps {
	/** Prefilled: --to, or the administrator's address. */
	readonly to: string;
	/** Why the last answer was refused. */
	readonly error?: string;
	/** Where the answer goes. */
	readonly send: (event: FlowEvent) => void;
}

export function RecipientStep({to, error, send}: RecipientStepProps) {
	return (
		<Question
			title="Where should the two test mails go?"
			help={['One from the default From and one from the noreply address, as Zulip\'s send_test_email sends them.']}
			error={error}
			hints={INPUT_HINTS}
		>
			<TextInput defaultValue={to} placeholder="you@example.com" onSubmit={value => send({type: 'recipient-submitted', address: value})} onCancel={() => send({type: 'back'})} />
		</Question>
	);
}
