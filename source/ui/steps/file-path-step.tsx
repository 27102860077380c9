import {INPUT_HINTS, Question} from '../components/question.js';
import {TextInput} from '../components/text-input.js';
import type {FlowEvent} from '../flow.js';

export interface FilePathStepProps {
	/** Prefilled: what is configured now, or Zulip's documented directory. */
	readonly path: string;
	/** Shown in the empty field: Zulip's documented directory, or the sandbox's own (it writes nowhere else). */
	readonly placeholder?: string;
	/** Why the last answer was refused. */
	readonly error?: string;
	/** Where the answer goes. */
	readonly send: (event: FlowEvent) => void;
}

export function FilePathStep({path, placeholder = '/var/log/zulip/emails', error, send}: FilePathStepProps) {
	return (
		<Question
			title="Directory for the mail files (EMAIL_FILE_PATH)"
			help={['Nobody receives mail in this mode: each message is written to a file here. Use it only to try Zulip out.']}
			error={error}
			hints={INPUT_HINTS}
		>
			<TextInput defaultValue={path} placeholder={placeholder} onSubmit={value => send({type: 'file-path-submitted', path: value})} onCancel={() => send({type: 'back'})} />
		</Question>
	);
}
