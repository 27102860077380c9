import {useMemo} from 'react';
import {Question, SELECT_HINTS} from '../components/question.js';
import {Select} from '../components/select.js';
import type {FlowEvent} from '../flow.js';

export interface PlaintextStepProps {
	/** The engine's words for the risk (plaintextPasswordRisk). */
	readonly risk: string;
	/** The port STARTTLS would use (the same one, or 587 instead of 465). */
	readonly starttlsPort: number;
	/** Where the answer goes. */
	readonly send: (event: FlowEvent) => void;
}

type Choice = 'starttls' | 'ssl' | 'send';

/**
 * A password about to cross the network in the clear: the admin chooses,
 * and what is highlighted first is TLS, never sending it plain.
 */
export function PlaintextStep({risk, starttlsPort, send}: PlaintextStepProps) {
	const items = useMemo((): ReadonlyArray<{key: Choice; value: Choice; label: string; hint: string}> => [
		{key: 'starttls', value: 'starttls', label: `Use STARTTLS on port ${starttlsPort}`, hint: 'EMAIL_USE_TLS: the password goes encrypted'},
		{key: 'ssl', value: 'ssl', label: 'Use SSL/TLS on port 465', hint: 'EMAIL_USE_SSL: TLS from the first byte'},
		{key: 'send', value: 'send', label: 'Send the password without TLS', hint: 'only on a network you trust end to end'},
	], [starttlsPort]);
	return (
		<Question
			title="Send the password without TLS?"
			help={[`${risk} SMTP AUTH only encodes it (base64); it does not encrypt it.`]}
			hints={SELECT_HINTS}
		>
			<Select items={items} defaultKey="starttls" onSubmit={choice => send({type: 'plaintext-chosen', choice})} onCancel={() => send({type: 'back'})} />
		</Question>
	);
}
