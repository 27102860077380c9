import {useMemo} from 'react';
import {Question} from '../components/question.js';
import {Select} from '../components/select.js';
import type {FlowEvent, ProviderChoice, ProviderChoiceId} from '../flow.js';
import {PROVIDER_HINTS, PROVIDER_HINTS_WITH_BACK, PROVIDER_QUESTION, providerItems} from '../layout.js';

export interface ProviderStepProps {
	/** The catalog, plus the sandbox relay when there is one. */
	readonly choices: readonly ProviderChoice[];
	/** Highlighted at first: the configured provider on a rerun. */
	readonly preselected: ProviderChoiceId;
	/** Rows the list may use. */
	readonly limit: number;
	/** Whether Esc has a step to go back to (not on the first question). */
	readonly canGoBack?: boolean;
	/** Where the answer goes. */
	readonly send: (event: FlowEvent) => void;
}

export function ProviderStep({choices, preselected, limit, canGoBack = false, send}: ProviderStepProps) {
	const items = useMemo(() => providerItems(choices), [choices]);
	return (
		<Question title={PROVIDER_QUESTION} hints={canGoBack ? PROVIDER_HINTS_WITH_BACK : PROVIDER_HINTS}>
			<Select
				filterable
				items={items}
				defaultKey={preselected}
				limit={limit}
				onSubmit={id => send({type: 'provider-chosen', id})}
				onCancel={() => send({type: 'back'})}
			/>
		</Question>
	);
}
