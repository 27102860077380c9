import {Question, SELECT_HINTS} from '../components/question.js';
import {Select} from '../components/select.js';
import type {FlowEvent} from '../flow.js';

export interface TokensStepProps {
	/** Highlighted at first: what is configured now (Zulip's default is on). */
	readonly tokens: boolean;
	/** The tokenized address, with <token> where the random part goes. */
	readonly tokenized?: string;
	/** The plain noreply address. */
	readonly plain?: string;
	/** Who may refuse tokenized senders (tokensRule); absent where nobody does. */
	readonly senderRule?: string;
	/** Where the answer goes. */
	readonly send: (event: FlowEvent) => void;
}

export function TokensStep({tokens, tokenized, plain, senderRule, send}: TokensStepProps) {
	const items = [
		{key: 'on', value: true, label: 'On', hint: `send from ${tokenized ?? 'noreply-<token>@…'} (Zulip's default)`},
		{key: 'off', value: false, label: 'Off', hint: `send from ${plain ?? 'the noreply address'}`},
	];
	return (
		<Question
			title="Add a random token to noreply addresses?"
			help={[
				// The setting's name here, where it wraps: in a list row a long address would cut it.
				`ADD_TOKENS_TO_NOREPLY_ADDRESS: tokens defend against the "helpdesk attack"; turning them off is safe unless your organization lets anyone with an address at some domain sign up.${senderRule ? ` ${senderRule}` : ''}`,
			]}
			hints={SELECT_HINTS}
		>
			<Select items={items} defaultKey={tokens ? 'on' : 'off'} onSubmit={value => send({type: 'tokens-chosen', tokens: value})} onCancel={() => send({type: 'back'})} />
		</Question>
	);
}
