import {useState} from 'react';
import {endpointMismatch, SECURITY_WORDS, securityName} from '../../engine/providers.js';
import type {Security} from '../../smtp/types.js';
import {Question, SELECT_HINTS} from '../components/question.js';
import {Select} from '../components/select.js';
import type {FlowEvent} from '../flow.js';

export interface SecurityStepProps {
	/** The port just chosen; the warning depends on it. */
	readonly port: number;
	/** Highlighted at first. */
	readonly preselected: Security;
	/** A mode whose mismatch with the port waits for a second Enter. */
	readonly pending?: Security;
	/** Where the answer goes. */
	readonly send: (event: FlowEvent) => void;
}

const MODES: Security[] = ['starttls', 'ssl', 'none'];

export function SecurityStep({port, preselected, pending, send}: SecurityStepProps) {
	const [highlighted, setHighlighted] = useState<Security>(preselected);
	const items = MODES.map(mode => ({key: mode, value: mode, label: securityName(mode), hint: SECURITY_WORDS[mode]}));
	const mismatch = endpointMismatch(port, highlighted);
	return (
		<Question
			title={`TLS mode for port ${port}`}
			warning={mismatch && pending === highlighted ? `${mismatch} Press Enter again to use it anyway.` : mismatch}
			hints={SELECT_HINTS}
		>
			<Select items={items} defaultKey={preselected} onHighlight={setHighlighted} onSubmit={security => send({type: 'security-chosen', security})} onCancel={() => send({type: 'back'})} />
		</Question>
	);
}
