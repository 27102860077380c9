import type {Provider} from '../../engine/providers.js';
import {INPUT_HINTS, Question, SELECT_HINTS} from '../components/question.js';
import {Select, type SelectItem} from '../components/select.js';
import {MaskedInput} from '../components/text-input.js';
import type {FlowEvent} from '../flow.js';

export interface PasswordStepProps {
	/** choose: keep the stored password or type a new one; type: the masked input. */
	readonly mode: 'choose' | 'type';
	/** Its hint says which password this provider wants. */
	readonly provider: Provider;
	/** The account the password belongs to. */
	readonly username: string;
	/** What was typed before (going back and forth, or the sandbox's); shown only as dots. */
	readonly typed: string;
	/** Why the last answer was refused. */
	readonly error?: string;
	/** Where the password is stored, in the mode's words (engine/file-words.ts). */
	readonly secretsFile?: string;
	/** Where the answer goes. */
	readonly send: (event: FlowEvent) => void;
}

export function PasswordStep({mode, provider, username, typed, error, secretsFile = 'zulip-secrets.conf', send}: PasswordStepProps) {
	if (mode === 'choose') {
		const items: Array<SelectItem<FlowEvent>> = [
			{key: 'keep', value: {type: 'password-kept'}, label: 'Keep the current password', hint: `the one stored in ${secretsFile}`},
			{key: 'change', value: {type: 'password-change'}, label: 'Type a new password'},
		];
		return (
			<Question title={`Password for ${username}`} help={['The host and username are unchanged, so the stored password still belongs to them.']} error={error} hints={SELECT_HINTS}>
				<Select
					items={items}
					defaultKey="keep"
					onSubmit={send}
					onCancel={() => send({type: 'back'})}
				/>
			</Question>
		);
	}

	return (
		<Question
			title={`Password for ${username}`}
			help={[provider.passwordHint ? `${provider.name}: ${provider.passwordHint}.` : undefined, `It is stored only in ${secretsFile} and shown here as dots.`]}
			error={error}
			hints={INPUT_HINTS}
		>
			<MaskedInput defaultValue={typed} onSubmit={value => send({type: 'password-submitted', password: value})} onCancel={() => send({type: 'back'})} />
		</Question>
	);
}
