import {INPUT_HINTS, Question} from '../components/question.js';
import {TextInput} from '../components/text-input.js';
import type {FlowEvent} from '../flow.js';

export interface PortStepProps {
	/** Prefilled. */
	readonly port: number;
	/** Why the last answer was refused. */
	readonly error?: string;
	/** Where the answer goes. */
	readonly send: (event: FlowEvent) => void;
}

export function PortStep({port, error, send}: PortStepProps) {
	return (
		<Question
			title="Port (EMAIL_PORT)"
			help={['587 for STARTTLS, 465 for SSL/TLS; many relays also listen on 2525 when a hosting provider blocks the others.']}
			error={error}
			hints={INPUT_HINTS}
		>
			<TextInput defaultValue={String(port)} onSubmit={value => send({type: 'port-submitted', port: value})} onCancel={() => send({type: 'back'})} />
		</Question>
	);
}
