import {providerNotes, type Provider} from '../../engine/providers.js';
import {INPUT_HINTS, Question} from '../components/question.js';
import {TextInput} from '../components/text-input.js';
import type {FlowEvent} from '../flow.js';

export interface UsernameStepProps {
	/** Its hint says what the username is at this provider. */
	readonly provider: Provider;
	/** Prefilled: the fixed username, or what is configured now. */
	readonly username: string;
	/** Why the last answer was refused. */
	readonly error?: string;
	/** Where the answer goes. */
	readonly send: (event: FlowEvent) => void;
	/** Today, for notes measured against a provider's announced dates (Microsoft 365's end of password logins). */
	readonly today?: Date;
}

export function UsernameStep({provider, username, error, send, today}: UsernameStepProps) {
	const help = [
		provider.usernameHint ? `${provider.name}: ${provider.usernameHint}.` : undefined,
		provider.id === 'custom' ? 'Leave it empty if the server accepts mail without a login.' : undefined,
		// The catalog's notes are what an admin would otherwise learn from a failed send.
		...providerNotes(provider, today),
	];
	return (
		<Question title="SMTP username (EMAIL_HOST_USER)" help={help} error={error} hints={INPUT_HINTS}>
			<TextInput defaultValue={username} onSubmit={value => send({type: 'username-submitted', username: value})} onCancel={() => send({type: 'back'})} />
		</Question>
	);
}
