import {Text} from '../components/text.js';
import {INPUT_HINTS, Question} from '../components/question.js';
import {TextInput} from '../components/text-input.js';
import type {FlowEvent} from '../flow.js';

export interface NoreplyStepProps {
	/** ZULIP_ADMINISTRATOR's address: the default From, not edited here. */
	readonly administrator?: string;
	/** Who must accept the address as sender, in words true for the service (noreplyRule). */
	readonly senderRule: string;
	/** Prefilled: NOREPLY_EMAIL_ADDRESS as it is or will be. */
	readonly noreply: string;
	/** Why the last answer was refused. */
	readonly error?: string;
	/** Where ZULIP_ADMINISTRATOR is set, in the mode's words (engine/file-words.ts). */
	readonly settingsFile?: string;
	/** Where the answer goes. */
	readonly send: (event: FlowEvent) => void;
}

export function NoreplyStep({administrator, senderRule, noreply, error, settingsFile = 'settings.py', send}: NoreplyStepProps) {
	return (
		<Question
			title="Noreply address (NOREPLY_EMAIL_ADDRESS)"
			help={[
				`Default From (ZULIP_ADMINISTRATOR): ${administrator ?? 'not set'}; change it in ${settingsFile} if needed.`,
				`${senderRule} Empty means Zulip's default, noreply@<your Zulip host>.`,
			]}
			error={error}
			hints={INPUT_HINTS}
		>
			<TextInput defaultValue={noreply} placeholder="noreply@example.com" onSubmit={value => send({type: 'noreply-submitted', address: value})} onCancel={() => send({type: 'back'})} />
			<Text> </Text>
		</Question>
	);
}
