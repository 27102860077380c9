import {command} from '../../engine/command-text.js';
import {Question} from '../components/question.js';
import {Select} from '../components/select.js';
import type {FlowEvent} from '../flow.js';

/** Past the restart there is no going back: Esc is not offered. */
const NO_BACK_HINTS = [['↑↓', 'move'], ['Enter', 'choose'], ['Ctrl-C', 'quit']] as const;

export interface ConfirmOfferStepProps {
	/** Where Zulip's two test mails go (the test's recipient). */
	readonly to: string;
	/** Who runs manage.py, in words: the zulip user on a server; the sandbox's stand-in runs as whoever runs the sandbox. */
	readonly runsAs?: string;
	/** Where the answer goes. */
	readonly send: (event: FlowEvent) => void;
}

/** After a restart: let Zulip itself have the last word, with its own manage.py send_test_email. */
export function ConfirmOfferStep({to, runsAs = 'the zulip user', send}: ConfirmOfferStepProps) {
	const items = [
		{key: 'run', value: true, label: 'Ask Zulip itself'},
		{key: 'finish', value: false, label: 'Finish', hint: 'the live test already passed'},
	];
	return (
		<Question title="Confirm with Zulip's own test?" help={[`Zulip sends its two test mails with its own code and settings: the last word on whether this server sends. As ${runsAs} it runs ${command(`manage.py send_test_email ${to}`)}.`]} hints={NO_BACK_HINTS}>
			<Select items={items} defaultKey="run" onSubmit={run => send({type: 'confirm-chosen', run})} />
		</Question>
	);
}
