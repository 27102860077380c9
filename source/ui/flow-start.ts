import type {LoadedConfig} from '../engine/current-config.js';
import {describeError, ExitCode} from '../engine/errors.js';
import {getProvider, PROVIDERS, securityName} from '../engine/providers.js';
import type {EffectStep, FlowSettings, FlowState, LoadOutcomeEvent, LogEntry, Problem, ProviderChoice, ProviderChoiceId, StartingFlow, Step} from './flow-types.js';

/**
 * How the flow starts: its state before the configuration is read, and once
 * it is (the summary of what is configured, then the provider question or
 * what blocks it). The reducer (flow-reducer.ts) uses these for its first events; the
 * first frame painted before Ink loads (first-frame.ts) is made from them too,
 * without loading the rest of the flow.
 */

export function initialFlowState(settings: FlowSettings): StartingFlow {
	return {
		phase: 'starting',
		step: {kind: 'loading'},
		history: [],
		settings,
		to: settings.initial.to,
		applied: [],
		fixes: [],
		restored: false,
		log: [],
		answered: [],
		backups: [],
		jump: false,
		effect: 1,
		cancelRequested: false,
	};
}

export function isEffectStep(step: Step): step is EffectStep {
	return ['loading', 'planning', 'writing', 'testing', 'restoring', 'restoring-set', 'restarting', 'confirming'].includes(step.kind);
}

/** The reducer's answer to the outcome of reading the configuration (only while loading). */
export function loadOutcome(state: FlowState, event: LoadOutcomeEvent): FlowState {
	if (state.phase !== 'starting' || state.step.kind !== 'loading') return state;
	if (event.type === 'load-failed') return stay(state, {kind: 'problem', problem: event.problem, then: 'exit'});
	const withConfig = log({...state, loaded: event.loaded, backups: event.backups ?? []}, ...summaryEntries(event.loaded));
	if (event.problems.length > 0) return stay(withConfig, {kind: 'blocked', problems: event.problems});
	// A configured server starts with what people come back for; a flag naming a provider means "switch".
	const {backend} = event.loaded.current;
	const configured = backend === 'smtp' || backend === 'file';
	if (configured && state.settings.initial.providerId === undefined) return stay(withConfig, {kind: 'start-menu'});
	return stay(withConfig, {kind: 'provider'});
}

/** Any error as the admin should see it: what happened, and the fix when the engine knows it (describeError's words). */
export function toProblem(error: unknown): Problem {
	const {message, fix, exitCode, stack} = describeError(error);
	return {message, fix, bug: exitCode === ExitCode.bug || undefined, stack};
}

/* ------------------------------------------------------------------ */
/* The provider question. */

export function providerChoices(settings: FlowSettings): ProviderChoice[] {
	const choices: ProviderChoice[] = PROVIDERS.map(provider => ({id: provider.id, name: provider.name, summary: provider.summary}));
	const {sandbox} = settings;
	if (sandbox) {
		choices.unshift({
			id: 'sandbox',
			name: 'Sandbox relay',
			summary: `${sandbox.host}:${sandbox.port} ${securityName(sandbox.security)}, user ${sandbox.username}, prefilled`,
		});
	}

	return choices;
}

/** The choice highlighted when the provider list opens. */
export function preselectedChoice(state: FlowState): ProviderChoiceId {
	if (state.choice) return state.choice;
	const {initial, sandbox} = state.settings;
	if (initial.providerId) return initial.providerId;
	const current = state.loaded?.current;
	// The relay's port changes every session: the host alone says a previous sandbox run configured it.
	if (sandbox && current?.host === sandbox.host) return 'sandbox';
	if (sandbox && (!current || current.backend === 'dummy')) return 'sandbox';
	if (current && (current.backend === 'smtp' || current.backend === 'file')) return current.providerId;
	return sandbox ? 'sandbox' : 'mailgun';
}

/* ------------------------------------------------------------------ */
/* Helpers the reducer shares. */

/** Add entries to the scrollback. */
export function log<S extends FlowState>(state: S, ...entries: LogEntry[]): S {
	return {...state, log: [...state.log, ...entries]};
}

/** Replace the step without touching history (errors, warnings, effect outcomes). */
export function stay<S extends FlowState>(state: S, step: S['step']): S {
	return {...state, step, effect: isEffectStep(step) && step.kind !== state.step.kind ? state.effect + 1 : state.effect};
}

/* ------------------------------------------------------------------ */
/* What is configured now, for the scrollback. */

function describeCurrent(loaded: LoadedConfig): string[] {
	const {current} = loaded;
	const lines: string[] = [];
	switch (current.backend) {
		case 'smtp': {
			const provider = getProvider(current.providerId);
			lines.push(`Provider   ${current.providerId === 'custom' ? 'other SMTP server' : provider.name}`);
			lines.push(`Server     ${current.host}:${current.port}, ${securityName(current.security)}`);
			lines.push(`Login      ${current.user ? `${current.user}, password ${current.passwordSet ? 'set' : 'NOT set'}` : 'none'}`);
			break;
		}

		case 'file':
			lines.push(`Backend    files in ${current.filePath ?? '(EMAIL_FILE_PATH not set)'}: no mail leaves the server`);
			break;
		case 'dummy':
			lines.push('Backend    nothing configured: Zulip drops every email');
			break;
		case 'other':
			lines.push(`Backend    ${current.backendName ?? 'unknown'}`);
			break;
	}

	lines.push(`From       ${current.administrator ?? '(ZULIP_ADMINISTRATOR not set)'}`);
	const noreply = current.tokens ? current.tokenizedTemplate?.replace('{token}', '<token>') : current.noreplyAddress;
	lines.push(`Noreply    ${noreply ?? '(unknown)'}${current.tokens ? ' (tokenized)' : ''}`);
	for (const warning of current.warnings) lines.push(`⚠ ${warning}`);
	return lines;
}

function summaryEntries(loaded: LoadedConfig): LogEntry[] {
	return [{tone: 'info', text: `Configured now (${loaded.where}):`, block: describeCurrent(loaded)}];
}
