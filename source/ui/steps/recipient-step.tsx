import {INPUT_HINTS, Question} from '../components/question.js';
import {TextInput} from '../components/text-input.js';
import type {FlowEvent} from '../flow.js';
import {testMailSenders, testMails} from '../../engine/mail-words.js';
import type {Sender} from '../../smtp/types.js';

export interface RecipientStepProps {
	/** Prefilled: --to, or the administrator's address. */
	readonly to: string;
	/** Why the last answer was refused. */
	readonly error?: string;
	/** The senders the test mails come from, one mail each (engine/senders.ts). */
	readonly senders?: readonly Sender[];
	/** Where the answer goes. */
	readonly send: (event: FlowEvent) => void;
}

export function RecipientStep({to, error, senders = [], send}: RecipientStepProps) {
	return (
		<Question
			title={`Where should the ${testMails(senders.length)} go?`}
			help={[testMailSenders(senders)]}
			error={error}
			hints={INPUT_HINTS}
		>
			<TextInput defaultValue={to} placeholder="you@example.com" onSubmit={value => send({type: 'recipient-submitted', address: value})} onCancel={() => send({type: 'back'})} />
		</Question>
	);
}
