import {useEffect, useRef, useState} from 'react';
import type {DeliverabilityReport} from '../engine/deliverability.js';
import type {WizardEngine} from './engine-port.js';
import type {FlowState} from './flow.js';

/** What the Deliverability panel shows. */
export type DeliverabilityView =
	| {readonly status: 'checking'}
	| {readonly status: 'done'; readonly report: DeliverabilityReport; readonly at?: number}
	| {readonly status: 'failed'; readonly message: string; readonly at?: number};

/**
 * The DNS checks run beside the flow, never in it: they start once a live
 * test has passed (on the configuration as read back from disk) and the
 * wizard goes on meanwhile, so they never hold up the restart or the exit.
 * A new test, or leaving, drops a check still running.
 */
export function useDeliverability(state: FlowState, engine: WizardEngine): DeliverabilityView | undefined {
	const loaded = state.report?.ok ? state.loaded : undefined;
	const report = state.report;
	const [view, setView] = useState<DeliverabilityView>();
	// How long the log was when the checks ended: what the flow prints after that comes after the panel (the app moves it into the scrollback there).
	const logLength = useRef(state.log.length);
	logLength.current = state.log.length;
	useEffect(() => {
		if (!loaded || !engine.deliverability) {
			setView(undefined);
			return;
		}

		const controller = new AbortController();
		setView({status: 'checking'});
		engine.deliverability(loaded, controller.signal).then(
			result => {
				if (!controller.signal.aborted) setView({status: 'done', report: result, at: logLength.current});
			},
			(error: unknown) => {
				if (!controller.signal.aborted) setView({status: 'failed', message: (error as Error)?.message ?? String(error), at: logLength.current});
			},
		);
		return () => controller.abort();
	}, [loaded, report, engine]);
	return view;
}
