import {INPUT_HINTS, Question} from '../components/question.js';
import {TextInput} from '../components/text-input.js';
import type {FlowEvent} from '../flow.js';

export interface HostStepProps {
	/** Prefilled: the provider's host, or what is configured now. */
	readonly host: string;
	/** Why the last answer was refused. */
	readonly error?: string;
	/** Where the answer goes. */
	readonly send: (event: FlowEvent) => void;
}

export function HostStep({host, error, send}: HostStepProps) {
	return (
		<Question title="SMTP server (EMAIL_HOST)" help={[host ? 'Press Enter to keep it, or edit it.' : 'The SMTP server\'s name, like smtp.example.com.']} error={error} hints={INPUT_HINTS}>
			<TextInput defaultValue={host} placeholder="smtp.example.com" onSubmit={value => send({type: 'host-submitted', host: value})} onCancel={() => send({type: 'back'})} />
		</Question>
	);
}
