import React, {useMemo} from 'react';
import type {Region} from '../../engine/providers.js';
import {Question} from '../components/question.js';
import {Select} from '../components/select.js';
import type {FlowEvent} from '../flow.js';

export interface RegionStepProps {
	/** The provider's regions. */
	readonly regions: readonly Region[];
	/** Highlighted at first. */
	readonly preselected?: string;
	/** Rows the list may use. */
	readonly limit: number;
	/** Where the answer goes. */
	readonly send: (event: FlowEvent) => void;
}

export function RegionStep({regions, preselected, limit, send}: RegionStepProps) {
	const items = useMemo(() => regions.map(region => ({value: region.id, label: region.name, hint: region.host})), [regions]);
	return (
		<Question
			title="Which region is your Amazon SES account in?"
			help={['SMTP credentials only work in the region they were created for.']}
			hints={[['↑↓', 'move'], ['type', 'filter'], ['Enter', 'choose'], ['Esc', 'back']]}
		>
			<Select filterable items={items} defaultValue={preselected} limit={limit} onSubmit={region => send({type: 'region-chosen', region})} onCancel={() => send({type: 'back'})} />
		</Question>
	);
}
