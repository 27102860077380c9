import {useEffect, useRef, type Dispatch} from 'react';
import type {WizardEngine} from './engine-port.js';
import {isEffectStep, originalBackups, toProblem, type FlowEvent, type FlowState} from './flow.js';

/**
 * The one place IO starts: each entry into an effect step (state.effect is
 * bumped by the reducer) runs its engine call once and reports back with
 * events. Leaving the step, or unmounting, aborts it, except a write, which
 * is never stopped half-way (the reducer exits after it on Ctrl-C).
 */
export function useWizardEffects(state: FlowState, dispatch: Dispatch<FlowEvent>, engine: WizardEngine): void {
	const latest = useRef(state);
	latest.current = state;
	const key = isEffectStep(state.step) && state.exitCode === undefined ? state.effect : -1;
	useEffect(() => {
		if (key === -1) return;
		const current = latest.current;
		const controller = new AbortController();
		const {signal} = controller;
		let finished = false;
		let unmounted = false;
		// A write's outcome must land even if a re-render happened meanwhile; anything else is dropped once aborted.
		const send = (event: FlowEvent) => {
			if (!signal.aborted && !unmounted) dispatch(event);
		};

		const run = async () => {
			if (current.phase === 'starting') {
				// Before a provider is chosen the work is reading the configuration, or putting a backup back.
				if (current.step.kind === 'restoring-set') {
					try {
						await engine.restoreSet(current.step.set, signal);
						send({type: 'set-restored'});
					} catch (error) {
						send({type: 'set-restore-failed', problem: toProblem(error)});
					}

					return;
				}

				if (current.step.kind !== 'loading') return;
				try {
					const {loaded, problems, backups} = await engine.load(signal);
					send({type: 'loaded', loaded, problems, backups});
				} catch (error) {
					send({type: 'load-failed', problem: toProblem(error)});
				}

				return;
			}

			const {step} = current;
			if (!isEffectStep(step)) return;
			switch (step.kind) {
				case 'planning':
					try {
						send({type: 'plan-ready', plan: await engine.plan(current.loaded, current.answers, signal)});
					} catch (error) {
						send({type: 'plan-failed', problem: toProblem(error)});
					}

					break;
				case 'writing':
					try {
						const {applied, loaded} = await engine.apply(step.plan, signal);
						send({type: 'written', applied, loaded});
					} catch (error) {
						send({type: 'write-failed', problem: toProblem(error)});
					}

					break;
				case 'testing':
					try {
						const report = await engine.test(current.loaded, current.to ?? '', event => send({type: 'test-event', event, at: Date.now()}), signal);
						send({type: 'test-finished', report, fixes: report.ok ? [] : engine.fixesFor(report, current.answers)});
					} catch (error) {
						send({type: 'test-failed', problem: toProblem(error)});
					}

					break;
				case 'restoring':
					try {
						await engine.restore({changed: true, files: originalBackups(current.applied)}, signal);
						send({type: 'restored'});
					} catch (error) {
						send({type: 'restore-failed', problem: toProblem(error)});
					}

					break;
				case 'restarting':
					try {
						const result = await engine.restart(line => send({type: 'restart-output', line}), signal);
						send({type: 'restart-finished', result});
					} catch (error) {
						const {message} = toProblem(error);
						send({type: 'restart-finished', result: {ok: false, exitCode: null, command: current.settings.restartCommand, tail: [message], confirmed: false}});
					}

					break;
				case 'confirming': {
					const to = current.to ?? '';
					const result = engine.confirm
						? await engine.confirm(to, signal).catch((error: unknown) => ({ok: false, outcome: 'not-run' as const, exitCode: null, command: `manage.py send_test_email ${to}`, senders: [], reason: toProblem(error).message, tail: []}))
						: {ok: false, outcome: 'not-run' as const, exitCode: null, command: `manage.py send_test_email ${to}`, senders: [], reason: 'No Zulip deployment to run it from.', tail: []};
					send({type: 'confirm-finished', result});
					break;
				}

				default: {
					const unhandled: never = step;
					return unhandled;
				}
			}
		};

		void run().finally(() => {
			finished = true;
		});
		const writes = current.step.kind === 'writing' || current.step.kind === 'restoring' || current.step.kind === 'restoring-set';
		return () => {
			// Files are never left half-written: a write runs to its end and reports back.
			if (writes && !finished) return;
			unmounted = true;
			controller.abort();
		};
		// Once per entry into an effect step (key), whatever else re-rendered: that is the contract with the reducer.
		// eslint-disable-next-line react-hooks/exhaustive-deps
	}, [key]);
}
