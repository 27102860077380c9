import {existsSync} from 'node:fs';
import type {ConfigPaths} from '../engine/current-config.js';
import {hostTarget, type ConfigTarget} from '../engine/targets.js';
import {createEngine, type WizardEngine} from './engine-port.js';
import {givenAnswers, type Options} from '../args.js';
import type {FlowSettings, FlowState, InitialAnswers, LoadOutcomeEvent, SandboxRelay} from './flow-types.js';
import {initialFlowState, loadOutcome, toProblem} from './flow-start.js';
import {DEFAULT_DEPLOYMENT} from '../zulip/version-file.js';

/** Everything the interactive wizard needs; each answer also has a flag. */
export interface WizardOptions {
	/** settings.py and zulip-secrets.conf. */
	readonly paths: ConfigPaths;
	/** Where the configuration lives (--docker, --helm-values); the files at `paths` when absent. */
	readonly target?: ConfigTarget;
	/** The parsed flags: --provider, --to, --timeout… become the starting answers. */
	readonly options?: Options;
	/** --ca-file: an extra CA for an internal relay (wins over options). */
	readonly caFile?: string;
	/** --timeout, per SMTP step, in ms (wins over options). */
	readonly timeoutMs?: number;
	/** --restart-command; default: su zulip -c '…/restart-server' as root, the script itself otherwise. */
	readonly restartCommand?: string;
	/** Starting answers, on top of those from options. */
	readonly initial?: InitialAnswers;
	/** --sandbox: the throwaway relay, offered as an extra provider. */
	readonly sandbox?: SandboxRelay;
	/** Whom manage.py runs as for Zulip's own test (the sandbox: itself, for its stand-in). */
	readonly confirmIdentity?: import('../engine/zulip-confirm.js').ConfirmIdentity;
	/** --sandbox: its directory, the only place the file backend's test may write. */
	readonly writableRoot?: string;
	/** Resolver for the deliverability checks (wins over --dns-server): the sandbox's own. */
	readonly dnsServer?: string;
	/** DKIM selectors to check (win over --dkim-selector): the sandbox zone's. */
	readonly dkimSelectors?: readonly string[];
	/** Aborted from outside: cancels like Ctrl-C (a write in progress still finishes). */
	readonly signal?: AbortSignal;
	/** engine.load() already under way (the CLI starts it before this module loads). */
	readonly loading?: ReturnType<WizardEngine['load']>;
	/** Streams, for tests; default the process's own. */
	readonly stdin?: NodeJS.ReadStream;
	readonly stdout?: NodeJS.WriteStream;
	readonly stderr?: NodeJS.WriteStream;
}

/** What the wizard starts from, worked out before Ink loads (no React here). */
export interface WizardStart {
	readonly engine: WizardEngine;
	readonly settings: FlowSettings;
	/** The read's outcome when it was over in time: the first frame is then the first question, not a spinner. */
	readonly start?: LoadOutcomeEvent;
}

/**
 * Flags into starting answers, the engine, and the configuration when it is
 * read within LOAD_BUDGET_MS. Throws a UsageError for a malformed flag before
 * anything is drawn.
 */
export async function startWizard(wizard: WizardOptions): Promise<WizardStart> {
	const flags = wizard.options ?? {};
	const initial: InitialAnswers = {...stripUndefined(givenAnswers(flags)), ...stripUndefined(wizard.initial ?? {})};
	const restartCommand = wizard.restartCommand ?? flags['restart-command'] ?? (wizard.target ?? hostTarget(wizard.paths)).restartCommand;
	let engine = createEngine({
		paths: wizard.paths,
		target: wizard.target,
		caFile: wizard.caFile ?? flags['ca-file'],
		timeoutMs: wizard.timeoutMs ?? flags.timeout,
		restartCommand,
		writableRoot: wizard.writableRoot,
		confirmIdentity: wizard.confirmIdentity,
		dnsServer: wizard.dnsServer ?? flags['dns-server'],
		dkimSelectors: wizard.dkimSelectors ?? flags['dkim-selector'],
	});
	// A read already under way: when it is over soon enough the first frame is the first question;
	// otherwise the loading step shows, and its load() is that same read.
	const {loading} = wizard;
	const start = loading ? await settledWithin(loading, LOAD_BUDGET_MS) : undefined;
	if (loading && !start) engine = {...engine, load: once(loading, engine.load)};
	// Zulip's own test is offered where its manage.py is on this machine (not for a docker-zulip deployment).
	const confirmWithZulip = wizard.target === undefined && existsSync(`${wizard.paths.deployment ?? DEFAULT_DEPLOYMENT}/manage.py`);
	const {checkCommand, rerunCommand, rerunModeOf} = await import('../engine/rerun-command.js');
	const mode = rerunModeOf(flags, wizard.writableRoot);
	const rerun = {wizard: rerunCommand(mode), check: checkCommand(mode)};
	return {engine, settings: {initial, sandbox: wizard.sandbox, writableRoot: wizard.writableRoot, restartCommand, confirmWithZulip, rerun, ...(flags['log-dir'] === undefined ? {} : {logDir: flags['log-dir']})}, start};
}

/** The flow's state at the first frame: App's reducer starts here too (flowReducer answers these events with loadOutcome). */
export function firstState({settings, start}: Pick<WizardStart, 'settings' | 'start'>): FlowState {
	return start ? loadOutcome(initialFlowState(settings), start) : initialFlowState(settings);
}

/**
 * How long the first frame waits for the configuration before it shows the
 * loading step's spinner instead. Tests of the painted first question set a
 * longer one: on a loaded machine the read can take longer, and there would
 * be no painted question to check.
 */
const LOAD_BUDGET_MS = Number(process.env['ZULIP_EMAIL_SETUP_TEST_LOAD_BUDGET_MS']) || 100;

/** The read's outcome as the flow's event, or undefined if it is not over within `ms`. */
async function settledWithin(loading: ReturnType<WizardEngine['load']>, ms: number): Promise<LoadOutcomeEvent | undefined> {
	let timer: NodeJS.Timeout | undefined;
	const late = new Promise<undefined>(resolve => {
		timer = setTimeout(() => resolve(undefined), ms);
	});
	try {
		const result = await Promise.race([loading, late]);
		return result && {type: 'loaded', loaded: result.loaded, problems: result.problems, backups: result.backups};
	} catch (error) {
		return {type: 'load-failed', problem: toProblem(error)};
	} finally {
		clearTimeout(timer);
	}
}

/** `first` for the first call, then `then`'s. */
function once<T>(first: T, then: (signal: AbortSignal) => T): (signal: AbortSignal) => T {
	let used = false;
	return signal => {
		if (used) return then(signal);
		used = true;
		return first;
	};
}

/** The value without its undefined properties (spread over defaults, an explicit undefined would replace them). */
export function stripUndefined<T extends object>(value: T): Partial<T> {
	return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as Partial<T>;
}
