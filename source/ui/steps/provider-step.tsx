import React, {useMemo} from 'react';
import {Question} from '../components/question.js';
import {Select} from '../components/select.js';
import type {FlowEvent, ProviderChoice, ProviderChoiceId} from '../flow.js';

export interface ProviderStepProps {
	/** The catalog, plus the sandbox relay when there is one. */
	readonly choices: readonly ProviderChoice[];
	/** Highlighted at first: the configured provider on a rerun. */
	readonly preselected: ProviderChoiceId;
	/** Rows the list may use. */
	readonly limit: number;
	/** Where the answer goes. */
	readonly send: (event: FlowEvent) => void;
}

export function ProviderStep({choices, preselected, limit, send}: ProviderStepProps) {
	const items = useMemo(() => choices.map(choice => ({value: choice.id, label: choice.name, hint: choice.summary})), [choices]);
	return (
		<Question title="Which service should send Zulip's email?" hints={[['↑↓', 'move'], ['type', 'filter'], ['Enter', 'choose'], ['Esc', 'back'], ['Ctrl-C', 'quit']]}>
			<Select
				filterable
				items={items}
				defaultValue={preselected}
				limit={limit}
				onSubmit={id => send({type: 'provider-chosen', id})}
				onCancel={() => send({type: 'back'})}
			/>
		</Question>
	);
}
