import {answersForProvider, sameAccount, type Answers} from '../engine/answers.js';
import type {ApplyResult, FileResult} from '../engine/apply.js';
import {hostWithoutPort, type LoadedConfig} from '../engine/current-config.js';
import {ExitCode, type ExitCodeValue} from '../engine/errors.js';
import type {Fix} from '../engine/fixes.js';
import type {Plan} from '../engine/plan.js';
import {endpointMismatch, getProvider, securityName, type Endpoint, type Provider, type ProviderId} from '../engine/providers.js';
import type {RestartResult} from '../engine/restart.js';
import {addressProblem, filePathProblem, hostProblem, parsePort, portProblem, usernameProblem} from '../engine/validate.js';
import type {Security, TestEvent, TestReport} from '../smtp/types.js';
import {passwordProblem} from '../zulip/secrets-file.js';
import {initialFlowState, isEffectStep, loadOutcome, log, preselectedChoice, providerChoices, stay, toProblem} from './flow-start.js';

/**
 * The wizard's flow as data: a pure reducer over steps and events. Components
 * only render a step and send events; IO is run by use-wizard-effects, which
 * reports back with events too. Going back is a history stack of steps, and
 * the answers live beside it, so a step revisited shows what was typed.
 * How it starts (the first state, the configuration read) is flow-start.ts,
 * which the first frame uses without loading the rest.
 */

export {initialFlowState, isEffectStep, preselectedChoice, providerChoices, toProblem};

/** The throwaway relay of --sandbox, offered as an extra provider. */
export interface SandboxRelay {
	readonly host: string;
	readonly port: number;
	readonly security: Security;
	readonly username: string;
	/** A throwaway credential: shown in the list so the admin can see what the sandbox uses. */
	readonly password: string;
}

/** Answers given by flags: preselected or prefilled, still asked. */
export interface InitialAnswers {
	readonly providerId?: ProviderId;
	readonly region?: string;
	readonly host?: string;
	readonly port?: number;
	readonly security?: Security;
	readonly username?: string;
	readonly noreplyAddress?: string;
	readonly tokens?: boolean;
	readonly filePath?: string;
	readonly to?: string;
}

/** What the flow knows before it starts. */
export interface FlowSettings {
	readonly initial: InitialAnswers;
	readonly sandbox?: SandboxRelay;
	/** Shown before the admin agrees to run it. */
	readonly restartCommand: string;
}

/** An error as the admin sees it: what happened and what to do. */
export interface Problem {
	readonly message: string;
	readonly fix?: string;
}

export type ProviderChoiceId = ProviderId | 'sandbox';

/** One line of the provider list. */
export interface ProviderChoice {
	readonly id: ProviderChoiceId;
	readonly name: string;
	readonly summary: string;
}

/** Where "edit an answer" can jump to. */
export type EditTarget = 'provider' | 'host' | 'username' | 'file-path' | 'noreply' | 'recipient';

/** A step the admin answers; these go on the history stack. */
export type QuestionStep =
	| {readonly kind: 'provider'}
	| {readonly kind: 'region'}
	| {readonly kind: 'host'; readonly error?: string}
	| {readonly kind: 'endpoint'; readonly warning?: string; readonly pending?: Endpoint}
	| {readonly kind: 'port'; readonly error?: string}
	| {readonly kind: 'security'; readonly warning?: string; readonly pending?: Security}
	| {readonly kind: 'username'; readonly error?: string}
	| {readonly kind: 'password'; readonly mode: 'choose' | 'type'; readonly error?: string; readonly resume?: boolean}
	| {readonly kind: 'file-path'; readonly error?: string}
	| {readonly kind: 'noreply'; readonly error?: string}
	| {readonly kind: 'tokens'}
	| {readonly kind: 'recipient'; readonly error?: string}
	| {readonly kind: 'review'}
	| {readonly kind: 'result'; readonly stopped?: boolean}
	| {readonly kind: 'edit-answer'}
	| {readonly kind: 'restart-offer'};

/** Steps where IO runs; use-wizard-effects starts one for each entry. */
export type EffectStep =
	| {readonly kind: 'loading'}
	| {readonly kind: 'planning'; readonly autoApply: boolean}
	| {readonly kind: 'writing'}
	| {readonly kind: 'testing'; readonly lines: readonly TestLine[]}
	| {readonly kind: 'restoring'}
	| {readonly kind: 'restarting'; readonly lines: readonly string[]; readonly stopWarning?: boolean};

/** Steps that only say something and wait for a key. */
export type NoticeStep =
	| {readonly kind: 'blocked'; readonly problems: readonly Problem[]}
	| {readonly kind: 'problem'; readonly problem: Problem; readonly then: 'back' | 'exit'}
	| {readonly kind: 'restart-failed'; readonly result: RestartResult}
	| {readonly kind: 'done'};

export type Step = QuestionStep | EffectStep | NoticeStep;
export type StepKind = Step['kind'];

/** One step of the live test as shown: started, then ok or failed. */
export interface TestLine {
	readonly step: TestEvent['step'];
	readonly label: string;
	readonly status: 'running' | 'ok' | 'fail';
	readonly elapsedMs: number;
	/** When its start event arrived (Date.now()). */
	readonly startedAt: number;
	readonly senderAddress?: string;
}

/** Fold a test event into the lines: a start opens a line, ok/fail closes the open one of the same step and sender. */
export function foldTestEvent(lines: readonly TestLine[], event: TestEvent, at: number): TestLine[] {
	const senderAddress = event.sender?.address;
	if (event.status === 'start') return [...lines, {step: event.step, label: event.label, status: 'running', elapsedMs: 0, startedAt: at, senderAddress}];
	let index = lines.length - 1;
	while (index >= 0 && !(lines[index]!.status === 'running' && lines[index]!.step === event.step && lines[index]!.senderAddress === senderAddress)) index--;
	const status = event.status;
	if (index === -1) return [...lines, {step: event.step, label: event.label, status, elapsedMs: event.elapsedMs, startedAt: at - event.elapsedMs, senderAddress}];
	return lines.map((line, lineIndex) => (lineIndex === index ? {...line, label: event.label || line.label, status, elapsedMs: event.elapsedMs} : line));
}

/** A finished step, printed once above the live region (never the password). */
export interface LogEntry {
	readonly tone: 'ok' | 'fail' | 'warn' | 'info' | 'back';
	readonly text: string;
	/** Lines printed under it as they are (a diff, the test's steps). */
	readonly block?: readonly string[];
}

export interface FlowState {
	readonly step: Step;
	readonly history: readonly Step[];
	readonly settings: FlowSettings;
	readonly loaded?: LoadedConfig;
	readonly choice?: ProviderChoiceId;
	/** Holds the new password until it is written; never rendered except as dots. */
	readonly answers?: Answers;
	readonly to?: string;
	/** Holds the new file contents, password included; only its masked diff is shown. */
	readonly plan?: Plan;
	/** Every write of this run, oldest first. */
	readonly applied: readonly ApplyResult[];
	readonly report?: TestReport;
	readonly fixes: readonly Fix[];
	readonly restart?: RestartResult;
	readonly restored: boolean;
	readonly log: readonly LogEntry[];
	/** Bumped on every entry into an effect step, so the effect runs once per entry. */
	readonly effect: number;
	/** Ctrl-C arrived during a write: let it finish, then exit. */
	readonly cancelRequested: boolean;
	/** Set when the wizard is over; the app exits with it. */
	readonly exitCode?: ExitCodeValue;
}

export type FlowEvent =
	| {readonly type: 'loaded'; readonly loaded: LoadedConfig; readonly problems: readonly Problem[]}
	| {readonly type: 'load-failed'; readonly problem: Problem}
	| {readonly type: 'back'}
	| {readonly type: 'cancel'}
	| {readonly type: 'dismiss'}
	| {readonly type: 'provider-chosen'; readonly id: ProviderChoiceId}
	| {readonly type: 'region-chosen'; readonly region: string}
	| {readonly type: 'host-submitted'; readonly host: string}
	| {readonly type: 'endpoint-chosen'; readonly endpoint: Endpoint | 'other'}
	| {readonly type: 'port-submitted'; readonly port: string}
	| {readonly type: 'security-chosen'; readonly security: Security}
	| {readonly type: 'username-submitted'; readonly username: string}
	| {readonly type: 'password-kept'}
	| {readonly type: 'password-change'}
	| {readonly type: 'password-submitted'; readonly password: string}
	| {readonly type: 'file-path-submitted'; readonly path: string}
	| {readonly type: 'noreply-submitted'; readonly address: string}
	| {readonly type: 'tokens-chosen'; readonly tokens: boolean}
	| {readonly type: 'recipient-submitted'; readonly address: string}
	| {readonly type: 'plan-ready'; readonly plan: Plan}
	| {readonly type: 'plan-failed'; readonly problem: Problem}
	| {readonly type: 'write-confirmed'}
	| {readonly type: 'written'; readonly applied: ApplyResult; readonly loaded: LoadedConfig}
	| {readonly type: 'write-failed'; readonly problem: Problem}
	/** at: when it arrived (Date.now()), so a running step can show its time ticking. */
	| {readonly type: 'test-event'; readonly event: TestEvent; readonly at: number}
	| {readonly type: 'test-finished'; readonly report: TestReport; readonly fixes: readonly Fix[]}
	| {readonly type: 'test-failed'; readonly problem: Problem}
	| {readonly type: 'fix-chosen'; readonly id: Fix['id']}
	| {readonly type: 'retest'}
	| {readonly type: 'edit'}
	| {readonly type: 'restore'}
	| {readonly type: 'keep'}
	| {readonly type: 'edit-target-chosen'; readonly target: EditTarget}
	| {readonly type: 'restored'}
	| {readonly type: 'restore-failed'; readonly problem: Problem}
	| {readonly type: 'restart-chosen'; readonly run: boolean}
	| {readonly type: 'restart-output'; readonly line: string}
	| {readonly type: 'restart-finished'; readonly result: RestartResult}
	| {readonly type: 'finish'};

/** How reading the configuration ended: the flow's first event. */
export type LoadOutcomeEvent = Extract<FlowEvent, {type: 'loaded' | 'load-failed'}>;

/** The CLI's exit codes (README "Exit codes"). */
export const EXIT = ExitCode;

/** Kept in state for the failure report; the box shows fewer. */
const RESTART_LINES_KEPT = 40;


/* ------------------------------------------------------------------ */
/* Derived data the steps show; pure, shared by reducer and components. */

export function choiceName(id: ProviderChoiceId): string {
	return id === 'sandbox' ? 'Sandbox relay' : getProvider(id).name;
}

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
	const provider = currentProvider(state);
	const answers = state.answers;
	const {sandbox} = state.settings;
	const options: EndpointOption[] = (provider?.endpoints ?? []).map((endpoint, index) => ({
		endpoint,
		label: `${endpoint.port} with ${securityName(endpoint.security)}`,
		note: index === 0 && state.choice !== 'sandbox' ? 'recommended' : undefined,
	}));
	if (state.choice === 'sandbox' && sandbox) {
		const relay = {port: sandbox.port, security: sandbox.security};
		return [{endpoint: relay, label: `${relay.port} with ${securityName(relay.security)}`, note: 'the sandbox relay'}, ...options.filter(option => !sameEndpoint(option.endpoint, relay))];
	}

	if (answers && !options.some(option => sameEndpoint(option.endpoint, answers))) {
		const current = state.loaded?.current;
		const isCurrent = current?.host === answers.host && current.port === answers.port && current.security === answers.security;
		options.unshift({endpoint: {port: answers.port, security: answers.security}, label: `${answers.port} with ${securityName(answers.security)}`, note: isCurrent ? 'configured now' : 'as typed'});
	}

	return options;
}

function sameEndpoint(a: Endpoint, b: Endpoint): boolean {
	return a.port === b.port && a.security === b.security;
}

/** The stored password still belongs to the account being configured. */
export function canKeepPassword(state: FlowState): boolean {
	const {loaded, answers} = state;
	if (!loaded || !answers) return false;
	return loaded.current.passwordSet && sameAccount(loaded, answers.host, answers.username);
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
	return EXIT.ok;
}

/* ------------------------------------------------------------------ */
/* The reducer. */

/** Move forward to a step, remembering the one we leave if the admin may come back to it. */
function go(state: FlowState, step: Step): FlowState {
	const leaving = state.step;
	const remember = !isEffectStep(leaving) && leaving.kind !== 'problem' && leaving.kind !== 'blocked';
	const history = remember ? [...state.history, leaving] : state.history;
	return {...state, step, history, effect: isEffectStep(step) ? state.effect + 1 : state.effect};
}

function exit(state: FlowState, code: ExitCodeValue): FlowState {
	return {...state, exitCode: code};
}

/** The live region goes away on exit: a problem that ends the wizard is printed for good first. */
function exitWithProblems(state: FlowState, problems: readonly Problem[]): FlowState {
	const entries: LogEntry[] = problems.map(problem => ({tone: 'fail', text: problem.message, block: problem.fix ? [`Fix: ${problem.fix}`] : undefined}));
	return exit(log(state, ...entries), EXIT.config);
}

const STEP_TITLES: Record<StepKind, string> = {
	loading: 'Reading the configuration',
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
	done: 'Done',
};

export function stepTitle(kind: StepKind): string {
	return STEP_TITLES[kind];
}

function back(state: FlowState): FlowState {
	const {step} = state;
	switch (step.kind) {
		case 'testing':
			// Esc stops a running test; the effect's cleanup aborts it.
			return log(stay(state, {kind: 'result', stopped: true}), {tone: 'warn', text: 'Test stopped.'});
		case 'planning':
		case 'problem':
			if (step.kind === 'problem' && step.then === 'exit') return exitWithProblems(state, [step.problem]);
			return pop(state);
		case 'blocked':
			return exitWithProblems(state, step.problems);
		case 'loading':
		case 'writing':
		case 'restoring':
		case 'restarting':
		case 'done':
			return state;
		case 'restart-failed':
			return state;
		default: {
			if (step.kind === 'security' && step.warning) return stay(state, {kind: 'security'});
			if (step.kind === 'endpoint' && step.warning) return stay(state, {kind: 'endpoint'});
			return pop(state);
		}
	}
}

function pop(state: FlowState): FlowState {
	const previous = state.history.at(-1);
	if (!previous) return state;
	const restored = clearMessages(previous);
	const next: FlowState = {...state, step: restored, history: state.history.slice(0, -1)};
	return log(next, {tone: 'back', text: `‹ Back to ${stepTitle(restored.kind)}`});
}

/** A step comes back without the error it showed when the admin left it. */
function clearMessages(step: Step): Step {
	switch (step.kind) {
		case 'host':
		case 'port':
		case 'username':
		case 'file-path':
		case 'noreply':
		case 'recipient':
			return {kind: step.kind};
		case 'password':
			return {kind: 'password', mode: step.mode, resume: step.resume};
		case 'endpoint':
			return {kind: 'endpoint'};
		case 'security':
			return {kind: 'security'};
		default:
			return step;
	}
}

function cancel(state: FlowState): FlowState {
	const {step} = state;
	if (state.exitCode !== undefined || step.kind === 'done') return state;
	if (step.kind === 'writing' || step.kind === 'restoring') {
		// A write is short and atomic per file: stopping between the two files would be worse.
		if (state.cancelRequested) return state;
		return log({...state, cancelRequested: true}, {tone: 'warn', text: 'Ctrl-C: finishing the write first, then exiting.'});
	}

	if (step.kind === 'restarting' && !step.stopWarning) {
		return stay(state, {...step, stopWarning: true});
	}

	const written = originalBackups(state.applied).length > 0;
	const text = written ? 'Cancelled. The files written earlier stay as they are (backups listed above).' : 'Cancelled. Nothing was written.';
	return exit(log(state, {tone: 'fail', text}), EXIT.cancelled);
}

/** The answers to start from for a provider choice, keeping what the admin said about From addresses. */
function answersForChoice(state: FlowState, id: ProviderChoiceId): Answers {
	const loaded = state.loaded!;
	const {initial, sandbox} = state.settings;
	const keep = {noreplyAddress: state.answers?.noreplyAddress ?? initial.noreplyAddress, tokens: state.answers?.tokens ?? initial.tokens};
	if (id === 'sandbox' && sandbox) {
		const base = answersForProvider(loaded, 'custom');
		return {...base, ...keep, host: sandbox.host, port: sandbox.port, security: sandbox.security, username: sandbox.username, password: {kind: 'new', value: sandbox.password}};
	}

	const providerId = id as ProviderId;
	const region = initial.providerId === providerId ? initial.region : undefined;
	let answers: Answers = {...answersForProvider(loaded, providerId, region), ...keep};
	if (initial.providerId === providerId) {
		answers = {
			...answers,
			host: initial.host ?? answers.host,
			port: initial.port ?? answers.port,
			security: initial.security ?? answers.security,
			username: initial.username ?? answers.username,
			filePath: initial.filePath ?? answers.filePath,
		};
	} else if (initial.filePath && getProvider(providerId).kind === 'file') {
		answers = {...answers, filePath: initial.filePath};
	}

	return answers;
}

function afterProvider(state: FlowState): Step {
	if (state.choice === 'sandbox') return {kind: 'host'};
	const provider = currentProvider(state)!;
	if (provider.kind === 'file') return {kind: 'file-path'};
	if (provider.id === 'local') return {kind: 'noreply'};
	if (provider.regions) return {kind: 'region'};
	return {kind: 'host'};
}

function afterServer(state: FlowState): Step {
	const provider = currentProvider(state)!;
	if (!provider.needsAuth) return {kind: 'noreply'};
	return {kind: 'username'};
}

function passwordStep(state: FlowState, resume = false): Step {
	return {kind: 'password', mode: canKeepPassword(state) && !resume ? 'choose' : 'type', resume: resume || undefined};
}

function withAnswers(state: FlowState, change: Partial<Answers>): FlowState {
	return {...state, answers: {...state.answers!, ...change}};
}

function endpointChosen(state: FlowState, endpoint: Endpoint): FlowState {
	const withEndpoint = log(withAnswers(state, {port: endpoint.port, security: endpoint.security}), {
		tone: 'ok',
		text: `Port ${endpoint.port} with ${securityName(endpoint.security)}`,
	});
	return go(withEndpoint, afterServer(withEndpoint));
}

function startPlanning(state: FlowState, autoApply: boolean): FlowState {
	return go(state, {kind: 'planning', autoApply});
}

function startTest(state: FlowState): FlowState {
	// Past a write there is no going back to the questions: the history starts over.
	return {...stay(state, {kind: 'testing', lines: []}), history: [], report: undefined, fixes: []};
}

/** New files only take effect after a restart; offer it even when nothing changed now, since a previous run may not have restarted. */
function afterTest(state: FlowState): FlowState {
	return stay(state, {kind: 'restart-offer'});
}

function done(state: FlowState): FlowState {
	const finished = stay(state, {kind: 'done'});
	return exit(finished, exitCodeFor(finished));
}

export function flowReducer(state: FlowState, event: FlowEvent): FlowState {
	if (state.exitCode !== undefined) return state;
	const {step} = state;
	switch (event.type) {
		case 'back':
			return back(state);
		case 'cancel':
			return cancel(state);
		case 'loaded':
		case 'load-failed':
			return loadOutcome(state, event);
		case 'dismiss':
			if (step.kind === 'blocked') return exitWithProblems(state, step.problems);
			if (step.kind === 'problem') return back(state);
			return state;
		case 'provider-chosen': {
			if (step.kind !== 'provider') return state;
			const same = state.choice === event.id && state.answers !== undefined;
			const answers = same ? state.answers! : answersForChoice(state, event.id);
			const chosen = log({...state, choice: event.id, answers}, {tone: 'ok', text: `Provider: ${choiceName(event.id)}`});
			return go(chosen, afterProvider(chosen));
		}

		case 'region-chosen': {
			if (step.kind !== 'region' || !state.answers) return state;
			const provider = currentProvider(state)!;
			const region = provider.regions?.find(candidate => candidate.id === event.region);
			if (!region) return state;
			const fresh = answersForProvider(state.loaded!, provider.id, region.id);
			const answers: Answers = state.answers.region === region.id ? state.answers : {...state.answers, region: region.id, host: fresh.host, password: fresh.password, username: fresh.username};
			const chosen = log({...state, answers}, {tone: 'ok', text: `Region: ${region.name} (${region.id})`});
			return go(chosen, {kind: 'host'});
		}

		case 'host-submitted': {
			if (step.kind !== 'host') return state;
			const host = event.host.trim();
			const problem = hostProblem(host);
			if (problem) return stay(state, {kind: 'host', error: problem});
			return go(log(withAnswers(state, {host}), {tone: 'ok', text: `Host: ${host}`}), {kind: 'endpoint'});
		}

		case 'endpoint-chosen': {
			if (step.kind !== 'endpoint') return state;
			if (event.endpoint === 'other') return go(state, {kind: 'port'});
			const {endpoint} = event;
			const warning = endpointMismatch(endpoint.port, endpoint.security);
			const confirmed = step.pending && sameEndpoint(step.pending, endpoint);
			if (warning && !confirmed) return stay(state, {kind: 'endpoint', warning, pending: endpoint});
			return endpointChosen(state, endpoint);
		}

		case 'port-submitted': {
			if (step.kind !== 'port') return state;
			const port = parsePort(event.port);
			if (port === undefined) return stay(state, {kind: 'port', error: portProblem(event.port)});
			return go(withAnswers(state, {port}), {kind: 'security'});
		}

		case 'security-chosen': {
			if (step.kind !== 'security') return state;
			const warning = endpointMismatch(state.answers!.port, event.security);
			if (warning && step.pending !== event.security) return stay(state, {kind: 'security', warning, pending: event.security});
			return endpointChosen(state, {port: state.answers!.port, security: event.security});
		}

		case 'username-submitted': {
			if (step.kind !== 'username') return state;
			const username = event.username;
			const provider = currentProvider(state)!;
			// Only a relay of one's own may accept mail without a login; the catalog's providers all need one.
			const missing = username === '' && provider.needsAuth && provider.id !== 'custom' && state.choice !== 'sandbox';
			const problem = missing ? `${provider.name} needs a username: ${provider.usernameHint ?? 'the SMTP login'}.` : usernameProblem(username);
			if (problem) return stay(state, {kind: 'username', error: problem});
			const previous = state.answers!;
			let password = previous.password;
			if (username === '') password = {kind: 'none'};
			else if (username !== previous.username || password.kind === 'none') password = {kind: 'new', value: ''};
			const next = log(withAnswers(state, {username, password}), {tone: 'ok', text: username === '' ? 'No login (no username)' : `Username: ${username}`});
			if (username === '') return go(next, {kind: 'noreply'});
			return go(next, passwordStep(next));
		}

		case 'password-kept': {
			if (step.kind !== 'password' || step.mode !== 'choose' || !canKeepPassword(state)) return state;
			const next = log(withAnswers(state, {password: {kind: 'keep'}}), {tone: 'ok', text: 'Password: keeping the stored one'});
			return go(next, {kind: 'noreply'});
		}

		case 'password-change':
			if (step.kind !== 'password' || step.mode !== 'choose') return state;
			return go(state, {kind: 'password', mode: 'type'});
		case 'password-submitted': {
			if (step.kind !== 'password' || step.mode !== 'type') return state;
			const {password} = event;
			const problem = password === '' ? `A password is needed to log in as ${state.answers!.username}.` : passwordProblem(password);
			if (problem) return stay(state, {...step, error: problem});
			const next = log(withAnswers(state, {password: {kind: 'new', value: password}}), {tone: 'ok', text: 'Password: new (hidden)'});
			if (step.resume) return startPlanning(next, true);
			return go(next, {kind: 'noreply'});
		}

		case 'file-path-submitted': {
			if (step.kind !== 'file-path') return state;
			const path = event.path.trim();
			const problem = filePathProblem(path);
			if (problem) return stay(state, {kind: 'file-path', error: problem});
			return go(log(withAnswers(state, {filePath: path}), {tone: 'ok', text: `Mail files go to ${path}`}), {kind: 'noreply'});
		}

		case 'noreply-submitted': {
			if (step.kind !== 'noreply') return state;
			const address = event.address.trim();
			const current = state.loaded?.current;
			let noreplyAddress: string | null | undefined;
			if (address === '') noreplyAddress = null;
			else {
				const problem = addressProblem(address);
				if (problem) return stay(state, {kind: 'noreply', error: problem});
				// Unchanged stays untouched in settings.py: no needless diff line.
				noreplyAddress = address === current?.noreplyAddress ? undefined : address;
			}

			const next = withAnswers(state, {noreplyAddress});
			return go(log(next, {tone: 'ok', text: `Noreply address: ${noreplyAddressFor(next) ?? "Zulip's default"}`}), {kind: 'tokens'});
		}

		case 'tokens-chosen': {
			if (step.kind !== 'tokens') return state;
			const current = state.loaded?.current.tokens;
			const tokens = event.tokens === current ? undefined : event.tokens;
			const next = withAnswers(state, {tokens});
			return go(log(next, {tone: 'ok', text: `Tokenized noreply: ${event.tokens ? 'on' : 'off'}`}), {kind: 'recipient'});
		}

		case 'recipient-submitted': {
			if (step.kind !== 'recipient') return state;
			const address = event.address.trim();
			const problem = addressProblem(address);
			if (problem) return stay(state, {kind: 'recipient', error: problem});
			return startPlanning(log({...state, to: address}, {tone: 'ok', text: `Test mails go to ${address}`}), false);
		}

		case 'plan-ready': {
			if (step.kind !== 'planning') return state;
			const withPlan = log({...state, plan: event.plan}, ...planEntries(event.plan));
			if (!step.autoApply) return stay(withPlan, {kind: 'review'});
			return event.plan.changed ? stay(withPlan, {kind: 'writing'}) : startTest(withPlan);
		}

		case 'plan-failed':
			if (step.kind !== 'planning') return state;
			return stay(state, {kind: 'problem', problem: event.problem, then: 'back'});
		case 'write-confirmed':
			if (step.kind !== 'review' || !state.plan) return state;
			if (!state.plan.changed) return startTest(log(state, {tone: 'info', text: 'Nothing to write: testing the configuration as it is.'}));
			return go(state, {kind: 'writing'});
		case 'written': {
			if (step.kind !== 'writing') return state;
			const entries: LogEntry[] = event.applied.files
				.filter(file => file.changed)
				.map(file => ({tone: 'ok', text: `Wrote ${file.path}${file.backup ? ` (backup: ${file.backup})` : file.created ? ' (new file)' : ''}`}));
			const next = log({...state, applied: [...state.applied, event.applied], loaded: event.loaded, plan: undefined}, ...entries);
			if (state.cancelRequested) return exit(log(next, {tone: 'fail', text: 'Cancelled after writing. The test did not run.'}), EXIT.cancelled);
			return startTest(next);
		}

		case 'write-failed':
			if (step.kind !== 'writing') return state;
			if (state.cancelRequested) return exit(log(state, {tone: 'fail', text: event.problem.message}), EXIT.cancelled);
			return stay(state, {kind: 'problem', problem: event.problem, then: 'back'});
		case 'test-event':
			if (step.kind !== 'testing') return state;
			return stay(state, {...step, lines: foldTestEvent(step.lines, event.event, event.at)});
		case 'test-finished': {
			if (step.kind !== 'testing') return state;
			const {report} = event;
			const next = log({...state, report, fixes: event.fixes}, testEntry(report, step.lines));
			if (report.ok) return afterTest(next);
			return stay(next, {kind: 'result'});
		}

		case 'test-failed':
			if (step.kind !== 'testing') return state;
			return stay(log(state, {tone: 'fail', text: `The test could not run: ${event.problem.message}`}), {kind: 'result', stopped: true});
		case 'fix-chosen': {
			if (step.kind !== 'result') return state;
			const fix = state.fixes.find(candidate => candidate.id === event.id);
			if (!fix || !state.answers) return state;
			if (fix.needsPassword) return go(state, passwordStep(state, true));
			const answers = fix.apply(state.answers);
			return startPlanning(log({...state, answers}, {tone: 'info', text: fix.label}), true);
		}

		case 'retest':
			if (step.kind !== 'result') return state;
			return startTest(state);
		case 'edit':
			if (step.kind !== 'result') return state;
			return go(state, {kind: 'edit-answer'});
		case 'edit-target-chosen': {
			if (step.kind !== 'edit-answer') return state;
			const target: Step = event.target === 'username' ? {kind: 'username'} : {kind: event.target};
			return go(state, target);
		}

		case 'restore':
			if (step.kind !== 'result' || originalBackups(state.applied).length === 0) return state;
			return stay(state, {kind: 'restoring'});
		case 'restored': {
			if (step.kind !== 'restoring') return state;
			const files = originalBackups(state.applied).map(file => file.path);
			const next = log({...state, restored: true}, {tone: 'ok', text: `Restored ${files.join(' and ')} as they were before this run.`});
			if (state.cancelRequested) return exit(next, EXIT.cancelled);
			return done(next);
		}

		case 'restore-failed':
			if (step.kind !== 'restoring') return state;
			if (state.cancelRequested) return exit(log(state, {tone: 'fail', text: event.problem.message}), EXIT.cancelled);
			return stay(state, {kind: 'problem', problem: event.problem, then: 'exit'});
		case 'keep':
			if (step.kind !== 'result') return state;
			return afterTest(log(state, {tone: 'warn', text: 'Keeping the files as they are.'}));
		case 'restart-chosen':
			if (step.kind !== 'restart-offer' && step.kind !== 'restart-failed') return state;
			if (!event.run) return done(log(state, {tone: 'info', text: 'Not restarting now.'}));
			return stay(log(state, {tone: 'info', text: `Running ${state.settings.restartCommand}`}), {kind: 'restarting', lines: []});
		case 'restart-output':
			if (step.kind !== 'restarting') return state;
			return stay(state, {...step, lines: [...step.lines, event.line].slice(-RESTART_LINES_KEPT)});
		case 'restart-finished': {
			if (step.kind !== 'restarting') return state;
			const {result} = event;
			const next = {...state, restart: result};
			if (result.ok) return done(log(next, {tone: 'ok', text: result.confirmed ? 'Zulip restarted successfully!' : 'The restart command finished without an error.'}));
			return stay(log(next, {tone: 'fail', text: `The restart failed${result.exitCode === null ? '' : ` (exit code ${result.exitCode})`}.`}), {kind: 'restart-failed', result});
		}

		case 'finish':
			if (step.kind !== 'restart-failed') return state;
			return done(state);
		default:
			return state;
	}
}

/* ------------------------------------------------------------------ */
/* What goes to the scrollback. */

function planEntries(plan: Plan): LogEntry[] {
	if (!plan.changed) return [{tone: 'info', text: 'Both files already say this: nothing to change.'}];
	const block = plan.files.map(file => file.diff).filter(Boolean).join('\n').replace(/\n$/, '').split('\n');
	return [{tone: 'info', text: 'Changes to write (password masked):', block}];
}

function testEntry(report: TestReport, lines: readonly TestLine[]): LogEntry {
	const block = [...lines.map(line => `${line.status === 'ok' ? '✔' : line.status === 'fail' ? '✖' : '…'} ${line.label}  ${formatMs(line.elapsedMs)}`), ...testSummaryLines(report)];
	return {tone: report.ok ? 'ok' : 'fail', text: report.ok ? `Test passed (${formatMs(report.durationMs)})` : 'Test failed', block};
}

/**
 * What the test found, for the scrollback: the connection-level diagnosis and
 * one line per sender, each with the server's words as evidence. The fixes
 * are shown by the result step, where they can be applied.
 */
export function testSummaryLines(report: TestReport): string[] {
	const lines: string[] = [];
	if (report.diagnosis) {
		lines.push(`✖ ${report.diagnosis.message}`);
		if (report.diagnosis.detail) lines.push(`  ${report.diagnosis.detail}`);
	}

	for (const sender of report.senders) {
		const role = sender.role === 'default' ? 'default From' : 'noreply From';
		lines.push(`${sender.ok ? '✔' : '✖'} ${role} ${sender.address}${sender.ok ? '' : sender.diagnosis ? `: ${sender.diagnosis.message}` : ''}`);
		if (!sender.ok && sender.diagnosis?.detail) lines.push(`  ${sender.diagnosis.detail}`);
	}

	if (report.suggestion) lines.push(`• Port ${report.suggestion.port} with ${securityName(report.suggestion.security)} answered: ${report.suggestion.reason}`);
	return lines;
}

export function formatMs(ms: number): string {
	return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}
