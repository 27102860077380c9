import {useMemo, useState} from 'react';
import type {Region} from '../../engine/providers.js';
import {INPUT_HINTS, Question} from '../components/question.js';
import {Select, type SelectItem} from '../components/select.js';
import {TextInput} from '../components/text-input.js';
import type {FlowEvent} from '../flow.js';

export interface RegionStepProps {
	/** The provider's regions. */
	readonly regions: readonly Region[];
	/** Highlighted at first: the configured region on a rerun. */
	readonly preselected?: string;
	/** Why a typed region was refused. */
	readonly error?: string;
	/** Rows the list may use. */
	readonly limit: number;
	/** Where the answer goes. */
	readonly send: (event: FlowEvent) => void;
}

/** A listed region, or the way to type one the list does not know. */
type RegionChoice = {readonly kind: 'region'; readonly id: string} | {readonly kind: 'other'};

/** The SES regions, filterable, plus a way to type one AWS opened after this list was written. */
export function RegionStep({regions, preselected, error, limit, send}: RegionStepProps) {
	// A configured region the list does not know (typed on an earlier run) starts in the text field.
	const listed = preselected === undefined || regions.some(region => region.id === preselected);
	const [typing, setTyping] = useState(!listed || error !== undefined);
	const items = useMemo(
		(): Array<SelectItem<RegionChoice>> => [
			...regions.map(region => ({key: region.id, value: {kind: 'region', id: region.id} as const, label: region.name, hint: region.id})),
			{key: 'other', value: {kind: 'other'}, label: 'Another region…', hint: 'type its name, e.g. eu-south-2'},
		],
		[regions],
	);
	if (typing) {
		return (
			<Question title="Which region is your Amazon SES account in?" help={['Type the region name as the AWS console shows it (e.g. eu-south-2); the host is email-smtp.<region>.amazonaws.com.']} error={error} hints={INPUT_HINTS}>
				<TextInput defaultValue={listed ? '' : preselected} onSubmit={region => send({type: 'region-chosen', region: region.trim()})} onCancel={() => (listed ? setTyping(false) : send({type: 'back'}))} />
			</Question>
		);
	}

	return (
		<Question
			title="Which region is your Amazon SES account in?"
			help={['SMTP credentials only work in the region they were created for.']}
			hints={[['↑↓', 'move'], ['type', 'filter'], ['Enter', 'choose'], ['Esc', 'back'], ['Ctrl-C', 'quit']]}
		>
			<Select
				filterable
				items={items}
				defaultKey={preselected}
				limit={limit}
				onSubmit={choice => (choice.kind === 'other' ? setTyping(true) : send({type: 'region-chosen', region: choice.id}))}
				onCancel={() => send({type: 'back'})}
			/>
		</Question>
	);
}
