import {useMemo, useState} from 'react';
import type {Region, RegionQuestion} from '../../engine/providers.js';
import {INPUT_HINTS, Question} from '../components/question.js';
import {Select, type SelectItem} from '../components/select.js';
import {TextInput} from '../components/text-input.js';
import type {FlowEvent} from '../flow.js';

export interface RegionStepProps {
	/** The provider's regions (SES's regions; Zoho's data centres with the kind of account). */
	readonly regions: readonly Region[];
	/** The provider's words for the question, and whether an unlisted region may be typed. */
	readonly question: RegionQuestion;
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

/** The provider's regions, filterable, plus (for SES) a way to type one opened after this list was written. */
export function RegionStep({regions, question, preselected, error, limit, send}: RegionStepProps) {
	const {typed} = question;
	// A configured region the list does not know (typed on an earlier run) starts in the text field.
	const listed = preselected === undefined || regions.some(region => region.id === preselected);
	const [typing, setTyping] = useState(typed !== undefined && (!listed || error !== undefined));
	const items = useMemo(
		(): Array<SelectItem<RegionChoice>> => [
			...regions.map(region => ({key: region.id, value: {kind: 'region', id: region.id} as const, label: region.name, hint: region.id})),
			...(typed ? [{key: 'other', value: {kind: 'other'} as const, label: 'Another region…', hint: `type its name, e.g. ${typed.example}`}] : []),
		],
		[regions, typed],
	);
	if (typing && typed) {
		return (
			<Question title={question.title} help={[typed.help]} error={error} hints={INPUT_HINTS}>
				<TextInput defaultValue={listed ? '' : preselected} onSubmit={region => send({type: 'region-chosen', region: region.trim()})} onCancel={() => (listed ? setTyping(false) : send({type: 'back'}))} />
			</Question>
		);
	}

	return (
		<Question
			title={question.title}
			help={[question.help]}
			error={error}
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
