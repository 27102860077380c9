import {canKeepStoredPassword} from '../engine/answers.js';
import type {ApplyResult, FileResult} from '../engine/apply.js';
import {hostWithoutPort} from '../engine/current-config.js';
import {zulipSenders} from '../engine/senders.js';
import type {Sender} from '../smtp/types.js';
import {ExitCode, type ExitCodeValue} from '../engine/errors.js';
import {getProvider, securityName, type Endpoint, type Provider} from '../engine/providers.js';
import type {AnsweringFlow, EditTarget, FlowState, ProviderChoiceId, StepKind} from './flow-types.js';

/* Derived data the steps show; pure, shared by the reducer and the components. */

/** The CLI's exit codes (README "Exit codes"). */
export const EXIT = ExitCode;

export function choiceName(id: ProviderChoiceId): string {
	return id === 'sandbox' ? 'Sandbox relay' : getProvider(id).name;
}

export function currentProvider(state: AnsweringFlow): Provider;
export function currentProvider(state: FlowState): Provider | undefined;
export function currentProvider(state: FlowState): Provider | undefined {
	return state.answers ? getProvider(state.answers.providerId) : undefined;
}

/** One line of the port/TLS list. */
export interface EndpointOption {
	readonly endpoint: Endpoint;
	readonly label: string;
	readonly note?: string;
}

/** The provider's endpoints, recommended first, plus the one in the answers if it is not among them. */
export function endpointOptions(state: FlowState): EndpointOption[] {
	if (state.phase !== 'answering') return [];
	const provider = currentProvider(state);
	const {answers} = state;
	const {sandbox} = state.settings;
	const options: EndpointOption[] = provider.endpoints.map((endpoint, index) => ({
		endpoint,
		label: `${endpoint.port} with ${securityName(endpoint.security)}`,
		note: index === 0 && state.choice !== 'sandbox' ? 'recommended' : undefined,
	}));
	if (state.choice === 'sandbox' && sandbox) {
		const relay = {port: sandbox.port, security: sandbox.security};
		return [{endpoint: relay, label: `${relay.port} with ${securityName(relay.security)}`, note: 'the sandbox relay'}, ...options.filter(option => !sameEndpoint(option.endpoint, relay))];
	}

	if (!options.some(option => sameEndpoint(option.endpoint, answers))) {
		const {current} = state.loaded;
		const isCurrent = current.host === answers.host && current.port === answers.port && current.security === answers.security;
		options.unshift({endpoint: {port: answers.port, security: answers.security}, label: `${answers.port} with ${securityName(answers.security)}`, note: isCurrent ? 'configured now' : 'as typed'});
	}

	return options;
}

export function sameEndpoint(a: Endpoint, b: Endpoint): boolean {
	return a.port === b.port && a.security === b.security;
}

/** The stored password still belongs to the account being configured. */
export function canKeepPassword(state: FlowState): boolean {
	return state.phase === 'answering' && canKeepStoredPassword(state.loaded, state.answers.host, state.answers.username);
}

/** The noreply From the test and Zulip will use, with the token shown as a placeholder. */
export function noreplyInUse(state: FlowState): string | undefined {
	const current = state.loaded?.current;
	const tokens = state.answers?.tokens ?? current?.tokens ?? true;
	if (tokens) return current?.tokenizedTemplate?.replace('{token}', '<token>') ?? undefined;
	return noreplyAddressFor(state);
}

/** NOREPLY_EMAIL_ADDRESS as it will be after these answers. */
export function noreplyAddressFor(state: FlowState): string | undefined {
	const answer = state.answers?.noreplyAddress;
	const current = state.loaded?.current;
	if (typeof answer === 'string') return answer;
	if (answer === null) {
		const host = current?.externalHost;
		return host ? `noreply@${hostWithoutPort(host)}` : undefined;
	}

	return current?.noreplyAddress ?? undefined;
}

export function recipientDefault(state: FlowState): string {
	return state.to ?? state.loaded?.current.administrator ?? '';
}

export function editTargets(state: FlowState): Array<{target: EditTarget; label: string}> {
	const provider = currentProvider(state);
	const targets: Array<{target: EditTarget; label: string}> = [{target: 'provider', label: 'Provider'}];
	if (provider?.kind === 'file') targets.push({target: 'file-path', label: 'Directory for the mail files'});
	else if (provider && provider.id !== 'local') targets.push({target: 'host', label: 'Server: host, port and TLS'});
	if (provider?.needsAuth) targets.push({target: 'username', label: 'Username and password'});
	targets.push({target: 'noreply', label: 'From addresses'}, {target: 'recipient', label: 'Recipient of the test mails'});
	return targets;
}

/** Each file this run changed, with the backup of its state before the first write. */
export function originalBackups(applied: readonly ApplyResult[]): FileResult[] {
	const byPath = new Map<string, FileResult>();
	for (const result of applied) {
		for (const file of result.files) {
			if (file.changed && !byPath.has(file.path)) byPath.set(file.path, file);
		}
	}

	return [...byPath.values()];
}

export function exitCodeFor(state: FlowState): ExitCodeValue {
	if (state.restart && !state.restart.ok) return EXIT.restartFailed;
	if (state.restored) return EXIT.testFailed;
	if (!state.report || !state.report.ok) return EXIT.testFailed;
	// Zulip's own test, when asked for, has the last word.
	if (state.confirm && !state.confirm.ok) return EXIT.testFailed;
	return EXIT.ok;
}

const STEP_TITLES: Record<StepKind, string> = {
	loading: 'Reading the configuration',
	'start-menu': 'Start',
	backups: 'Backups',
	'cancel-offer': 'Stopped',
	'restoring-set': 'Restoring a backup',
	blocked: 'Permissions',
	problem: 'Problem',
	provider: 'Provider',
	region: 'Region',
	host: 'Host',
	endpoint: 'Port and TLS',
	port: 'Port',
	security: 'TLS mode',
	username: 'Username',
	password: 'Password',
	'file-path': 'Directory',
	noreply: 'Noreply address',
	tokens: 'Tokenized noreply',
	recipient: 'Test recipient',
	plaintext: 'Password without TLS',
	planning: 'Preparing the changes',
	review: 'Review',
	writing: 'Writing',
	testing: 'Testing',
	result: 'Test result',
	'edit-answer': 'Edit an answer',
	restoring: 'Restoring',
	'restart-offer': 'Restart',
	restarting: 'Restarting',
	'restart-failed': 'Restart failed',
	'confirm-offer': 'Zulip\'s own test',
	confirming: 'Zulip\'s own test',
	done: 'Done',
};

export function stepTitle(kind: StepKind): string {
	return STEP_TITLES[kind];
}

/** The senders the test will use once these answers are written: one test mail each. */
export function sendersAfterAnswers(state: FlowState): Sender[] {
	const loaded = state.loaded;
	if (!loaded) return [];
	const {current} = loaded;
	const noreply = noreplyAddressFor(state);
	return zulipSenders({
		...current,
		noreplyAddress: noreply ?? current.noreplyAddress,
		tokens: state.answers?.tokens ?? current.tokens,
		tokenizedTemplate: state.answers?.tokenizedNoreply ?? current.tokenizedTemplate,
	}, {version: loaded.zulipVersion});
}
