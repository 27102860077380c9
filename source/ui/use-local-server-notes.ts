import {useEffect, useState} from 'react';
import type {WizardEngine} from './engine-port.js';
import type {FlowState} from './flow.js';

/**
 * Before anything is written or sent to the mail server on this machine:
 * which MTA answers there and how it is set up (the engine's
 * localServerNotes, which --non-interactive prints as well). Asked once the
 * review is reached; the answers' host and port, not the files' old ones.
 */
export function useLocalServerNotes(state: FlowState, engine: WizardEngine): readonly string[] {
	const reviewing = state.step.kind === 'review' && state.answers !== undefined;
	const loaded = reviewing ? state.loaded : undefined;
	const host = reviewing ? state.answers!.host : undefined;
	const port = reviewing ? state.answers!.port : undefined;
	// "The local mail server" was chosen (or typed as a host on this machine without a login).
	const smtp = reviewing && state.answers!.providerId === 'local';
	const [notes, setNotes] = useState<readonly string[]>([]);
	useEffect(() => {
		if (!loaded || !host || port === undefined || !smtp || !engine.localServerNotes) {
			setNotes([]);
			return;
		}

		const controller = new AbortController();
		engine.localServerNotes(loaded, {host, port}, controller.signal).then(
			result => {
				if (!controller.signal.aborted) setNotes(result);
			},
			() => undefined,
		);
		return () => controller.abort();
	}, [loaded, host, port, smtp, engine]);
	return notes;
}
