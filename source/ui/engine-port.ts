import type {Answers} from '../engine/answers.js';
import type {ApplyResult} from '../engine/apply.js';
// Backups are listed by every load, before the first frame: static, so the module loads with the rest, not after the read.
import {listBackupSets, type BackupSet} from '../engine/backup-prune.js';
import type {ConfigPaths, LoadedConfig} from '../engine/current-config.js';
import type {DeliverabilityReport} from '../engine/deliverability.js';
import {ExitCode, WizardError} from '../engine/errors.js';
import {hostTarget, type ConfigTarget} from '../engine/targets.js';
import {acquireRunLock, type RunLock} from '../engine/run-lock.js';
// fixes.ts is small and pure: loaded eagerly so fixesFor can stay synchronous.
import {fixesFor as fixesForReport, type Fix} from '../engine/fixes.js';
import type {Plan} from '../engine/plan.js';
import type {RestartResult} from '../engine/restart.js';
import type {TestEvent, TestReport} from '../smtp/types.js';
import type {Problem} from './flow.js';

/**
 * Everything the wizard asks of the outside world. The app only ever talks to
 * this port: the real one wires the engine (the same functions the
 * non-interactive face calls); component tests hand in a fake.
 * Every call that does IO takes an AbortSignal.
 */
export interface WizardEngine {
	/** Check permissions first, then read both files; a problem is returned, not thrown, so the start screen can show its fix. */
	load(signal: AbortSignal): Promise<{loaded: LoadedConfig; problems: readonly Problem[]; backups?: readonly BackupSet[]}>;
	/** Put an earlier run's backups back over the files. */
	restoreSet(set: BackupSet, signal: AbortSignal): Promise<void>;
	/** What the answers would change; throws a WizardError for an answer the engine refuses. */
	plan(loaded: LoadedConfig, answers: Answers, signal: AbortSignal): Promise<Plan>;
	/** Write the plan with backups, then read the files back as Zulip will. */
	apply(plan: Plan, signal: AbortSignal): Promise<{applied: ApplyResult; loaded: LoadedConfig}>;
	/** The live test of the configuration as read back from disk; to '' only checks the senders and sends nothing. */
	test(loaded: LoadedConfig, to: string, onEvent: (event: TestEvent) => void, signal: AbortSignal): Promise<TestReport>;
	/** The changes the engine can make after a failed test; pure. */
	fixesFor(report: TestReport, answers: Answers): readonly Fix[];
	/** Put every file this run changed back as it was before its first write. */
	restore(applied: ApplyResult, signal: AbortSignal): Promise<void>;
	/** Run the restart command with piped output, a line at a time. */
	restart(onLine: (line: string) => void, signal: AbortSignal): Promise<RestartResult>;
	/** Zulip's own manage.py send_test_email to `to` (after a restart); absent where there is no deployment. */
	confirm?(to: string, signal: AbortSignal): Promise<import('../engine/zulip-confirm.js').ConfirmResult>;
	/** Before testing a relay on this machine: which MTA answers there and how it is set up; empty for any other relay. */
	localServerNotes?(loaded: LoadedConfig, relay: {host: string; port: number}, signal: AbortSignal): Promise<readonly string[]>;
	/** SPF, DKIM, DMARC and MX of the From domains, after a passing test; absent where there is no DNS to ask. */
	deliverability?(loaded: LoadedConfig, signal: AbortSignal): Promise<DeliverabilityReport>;
}

/** Settings of the real engine. */
export interface EngineOptions {
	readonly paths: ConfigPaths;
	/** Where the configuration lives; the files at `paths` when absent. */
	readonly target?: ConfigTarget;
	/** Whom manage.py runs as: the zulip user by default; the sandbox runs its own stand-in as itself. */
	readonly confirmIdentity?: import('../engine/zulip-confirm.js').ConfirmIdentity;
	readonly caFile?: string;
	readonly timeoutMs?: number;
	readonly restartCommand?: string;
	/** The sandbox's directory: the file backend's test writes only below it. */
	readonly writableRoot?: string;
	/** --dns-server (checked), or the sandbox's own resolver. */
	readonly dnsServer?: string;
	/** --dkim-selector (checked). */
	readonly dkimSelectors?: readonly string[];
}

/** The real engine. Heavy modules (nodemailer, execa) load on first use so the first frame comes fast. */
export function createEngine(options: EngineOptions): WizardEngine {
	const target = options.target ?? hostTarget(options.paths);
	const restartCommand = options.restartCommand ?? target.restartCommand;
	// The restart's output is masked with the password on disk, known once the files are read.
	let password: string | undefined;
	// Held from the first read to the process's exit: the wizard may write, restore and write again.
	let lock: RunLock | undefined;
	return {
		async load(signal) {
			const problems = target.permissionProblems().map(problem => ({message: problem.message, fix: problem.fix}));
			// Only a run that can write takes the lock; one that cannot says why on its start screen.
			if (problems.length === 0 && !lock && target.lockFile !== undefined) lock = await acquireRunLock(target.lockFile, {signal});
			try {
				const loaded = await target.load({signal});
				password = loaded.password;
				// The start menu offers to go back to an earlier run's files: the backups beside them.
				const backups = loaded.kind === 'host' ? await listBackupSets([loaded.paths.settings, loaded.paths.secrets]).catch(() => []) : [];
				return {loaded, problems, backups};
			} catch (error) {
				// A file we may not read fails the load too: the permission check says it better, with its fix.
				const [first] = problems;
				if (first) throw new WizardError(ExitCode.config, first.message, first.fix, 'permission-denied');
				throw error;
			}
		},
		async plan(loaded, answers) {
			return target.plan(loaded, answers);
		},
		async apply(plan, signal) {
			const {applyPlan} = await import('../engine/apply.js');
			// The review showed the mode fix (secretsModeOffer); confirming the write accepted it.
			const applied = await applyPlan(plan, {lock, fixSecretsMode: true});
			// The test must run on what landed on disk, not on what we meant to write.
			const loaded = await target.load({signal});
			password = loaded.password;
			return {applied, loaded};
		},
		async test(loaded, to, onEvent, signal) {
			const {runLiveCheck} = await import('../engine/live-check.js');
			// No recipient: each sender is only checked (MAIL FROM, RCPT TO, RSET), nothing is sent (the start menu's check).
			return runLiveCheck(loaded, {to: to === '' ? undefined : to, timeoutMs: options.timeoutMs, caFile: options.caFile, signal, onEvent, writableRoot: options.writableRoot});
		},
		fixesFor(report, answers) {
			return fixesForReport(report, answers);
		},
		async restoreSet(set) {
			const {restoreBackup} = await import('../engine/safe-write.js');
			// The secrets file first, as the wizard writes them: settings.py never points at a password that is not there yet.
			for (const file of [...set.files].sort((a, b) => (a.path.endsWith('secrets.conf') ? -1 : b.path.endsWith('secrets.conf') ? 1 : 0))) {
				await restoreBackup(file.backup, file.path);
			}
		},
		async restore(applied) {
			const {restoreBackups} = await import('../engine/apply.js');
			await restoreBackups(applied);
		},
		async restart(onLine, signal) {
			const {restartServer} = await import('../engine/restart.js');
			return restartServer({command: restartCommand, signal, onLine, password});
		},
		async confirm(to, signal) {
			const {confirmWithZulip, zulipIdentity} = await import('../engine/zulip-confirm.js');
			const {DEFAULT_DEPLOYMENT} = await import('../zulip/version-file.js');
			const deployment = options.paths.deployment ?? DEFAULT_DEPLOYMENT;
			const identity = options.confirmIdentity ?? zulipIdentity();
			if ('refused' in identity) return {ok: false, outcome: 'not-run', exitCode: null, command: `${deployment}/manage.py send_test_email ${to}`, senders: [], reason: identity.refused, tail: []};
			return confirmWithZulip({deployment, to, identity, password, signal});
		},
		async localServerNotes(loaded, relay, signal) {
			const {localServerNotes} = await import('../engine/live-check.js');
			return localServerNotes(loaded, {relay, signal});
		},
		async deliverability(loaded, signal) {
			const {checkDeliverability, deliverabilityInputFrom} = await import('../engine/deliverability.js');
			return checkDeliverability(await deliverabilityInputFrom(loaded, {dnsServer: options.dnsServer, dkimSelectors: options.dkimSelectors, signal}));
		},
	};
}
