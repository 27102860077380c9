import type {BackupSet} from '../../engine/backup-prune.js';
import {Question, SELECT_HINTS} from '../components/question.js';
import {Select} from '../components/select.js';
import type {FlowEvent} from '../flow.js';

export interface BackupsStepProps {
	/** Earlier states of the files, newest first. */
	readonly sets: readonly BackupSet[];
	/** Rows the list may use. */
	readonly limit: number;
	/** Where the answer goes. */
	readonly send: (event: FlowEvent) => void;
}

export function BackupsStep({sets, limit, send}: BackupsStepProps) {
	const items = sets.map(set => ({key: set.stamp, value: set.stamp, label: set.when, hint: set.files.map(file => file.path.split('/').at(-1)).join(' and ')}));
	return (
		<Question title="Put back the files as they were before which run?" help={['Each line is the state an earlier run replaced; the files are put back atomically, then Zulip needs a restart.']} hints={SELECT_HINTS}>
			<Select items={items} limit={limit} onSubmit={stamp => send({type: 'backup-chosen', stamp})} onCancel={() => send({type: 'back'})} />
		</Question>
	);
}
