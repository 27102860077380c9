import {useMemo, useState} from 'react';
import {endpointMismatch, type Endpoint} from '../../engine/providers.js';
import {Question, SELECT_HINTS} from '../components/question.js';
import {Select, type SelectItem} from '../components/select.js';
import type {EndpointOption, FlowEvent} from '../flow.js';

export interface EndpointStepProps {
	/** The host the port belongs to. */
	readonly host: string;
	/** The provider's ports, recommended first. */
	readonly options: readonly EndpointOption[];
	/** Highlighted at first: the port in the answers. */
	readonly preselected: Endpoint;
	/** A port/TLS pair that is almost surely a mistake, waiting for a second Enter. */
	readonly pending?: Endpoint;
	/** Where the answer goes. */
	readonly send: (event: FlowEvent) => void;
}

const keyOf = (endpoint: Endpoint) => `${endpoint.port}/${endpoint.security}`;

export function EndpointStep({host, options, preselected, pending, send}: EndpointStepProps) {
	const items = useMemo(
		(): Array<SelectItem<Endpoint | 'other' | 'host'>> => [
			...options.map(option => ({key: keyOf(option.endpoint), value: option.endpoint, label: option.label, hint: option.note})),
			{key: 'other', value: 'other', label: 'Another port or TLS mode…'},
			// The host is shown in the title, not asked; this is where it changes (an EU region, a relay of one's own).
			{key: 'host', value: 'host', label: 'Another host…', hint: `instead of ${host}`},
		],
		[options, host],
	);
	const [highlighted, setHighlighted] = useState<Endpoint | 'other' | 'host'>(preselected);
	const mismatch = typeof highlighted === 'string' ? undefined : endpointMismatch(highlighted.port, highlighted.security);
	const confirming = pending !== undefined && typeof highlighted !== 'string' && keyOf(highlighted) === keyOf(pending);
	return (
		<Question
			title={`Port and TLS mode for ${host}`}
			help={['465 = SSL/TLS from the first byte (EMAIL_USE_SSL) · 587 = STARTTLS: plain, then upgrade (EMAIL_USE_TLS)']}
			warning={mismatch && confirming ? `${mismatch} Press Enter again to use it anyway.` : mismatch}
			hints={SELECT_HINTS}
		>
			<Select
				items={items}
				defaultKey={keyOf(preselected)}
				onHighlight={setHighlighted}
				onSubmit={endpoint => send({type: 'endpoint-chosen', endpoint})}
				onCancel={() => send({type: 'back'})}
			/>
		</Question>
	);
}
