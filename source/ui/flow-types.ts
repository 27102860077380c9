import type {Answers, GivenAnswers} from '../engine/answers.js';
import type {ApplyResult} from '../engine/apply.js';
import type {BackupSet} from '../engine/backup-prune.js';
import type {LoadedConfig} from '../engine/current-config.js';
import type {ExitCodeValue} from '../engine/errors.js';
import type {Fix} from '../engine/fixes.js';
import type {Plan} from '../engine/plan.js';
import type {Endpoint, ProviderId} from '../engine/providers.js';
import type {RestartResult} from '../engine/restart.js';
import type {Security, TestEvent, TestReport} from '../smtp/types.js';

/*
 * The wizard's flow as data, its types: the steps, the state in each phase,
 * and the events. The reducer is flow-reducer.ts, what the steps show is
 * flow-selectors.ts, what goes to the scrollback flow-scrollback.ts.
 */

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
export type InitialAnswers = GivenAnswers;

/** What the flow knows before it starts. */
export interface FlowSettings {
	readonly initial: InitialAnswers;
	readonly sandbox?: SandboxRelay;
	/** Shown before the admin agrees to run it. */
	readonly restartCommand: string;
	/** --sandbox: its directory; a mail directory for the file backend must be inside it. */
	readonly writableRoot?: string;
	/** After a successful restart, offer Zulip's own manage.py send_test_email (this machine's files only). */
	readonly confirmWithZulip?: boolean;
	/** The exact commands that start the wizard again on these files, and that check them (engine/rerun-command.ts). */
	readonly rerun?: {readonly wizard: string; readonly check: string};
	/** --log-dir: where Zulip's mail log is read (the start menu, the done screen); else /var/log/zulip on a host install. */
	readonly logDir?: string;
}

/** An error as the admin sees it: what happened and what to do. */
export interface Problem {
	readonly message: string;
	readonly fix?: string;
	/** Our bug, not the admin's problem: the wizard exits 70 on it. */
	readonly bug?: boolean;
	/** A bug's stack trace, with ZULIP_EMAIL_SETUP_DEBUG set. */
	readonly stack?: string;
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

/** What a rerun on a configured server can start with (the start menu). */
export type StartAction = 'test' | 'password' | 'from' | 'switch' | 'restore';

/** A step the admin answers; these go on the history stack. */
export type QuestionStep =
	| {readonly kind: 'start-menu'}
	| {readonly kind: 'backups'}
	| {readonly kind: 'cancel-offer'}
	| {readonly kind: 'provider'}
	| {readonly kind: 'region'; readonly error?: string}
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
	/** The password would cross the network without TLS: TLS is offered first, sending it anyway must be chosen. */
	| {readonly kind: 'plaintext'; readonly autoApply: boolean}
	| {readonly kind: 'review'; readonly plan: Plan}
	| {readonly kind: 'result'; readonly stopped?: boolean}
	| {readonly kind: 'edit-answer'}
	| {readonly kind: 'restart-offer'}
	| {readonly kind: 'confirm-offer'};

/** Steps where IO runs; use-wizard-effects starts one for each entry. */
export type EffectStep =
	| {readonly kind: 'loading'}
	| {readonly kind: 'planning'; readonly autoApply: boolean}
	/** The plan holds the new file contents, password included; only its masked diff is shown. */
	| {readonly kind: 'writing'; readonly plan: Plan}
	| {readonly kind: 'testing'; readonly lines: readonly TestLine[]}
	| {readonly kind: 'restoring'}
	/** Putting an earlier run's backups back, from the start menu. */
	| {readonly kind: 'restoring-set'; readonly set: BackupSet}
	| {readonly kind: 'restarting'; readonly lines: readonly string[]; readonly stopWarning?: boolean}
	| {readonly kind: 'confirming'};

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

/** A finished step, printed once above the live region (never the password). */
export interface LogEntry {
	readonly tone: 'ok' | 'fail' | 'warn' | 'info' | 'back';
	readonly text: string;
	/** Lines printed under it as they are (a diff, the test's steps). */
	readonly block?: readonly string[];
}

/** An answer as one line under the questions, until the review prints the summary for good: going back removes it. */
export interface AnsweredLine {
	readonly text: string;
	/** The history's length when it was answered: going back below it takes the line away. */
	readonly depth: number;
}

/** What the flow holds in every phase. */
interface FlowCommon {
	readonly history: readonly Step[];
	readonly settings: FlowSettings;
	readonly to?: string;
	/** Every write of this run, oldest first. */
	readonly applied: readonly ApplyResult[];
	readonly report?: TestReport;
	readonly fixes: readonly Fix[];
	readonly restart?: RestartResult;
	/** Zulip's own send_test_email, when the admin asked for it. */
	readonly confirm?: import('../engine/zulip-confirm.js').ConfirmResult;
	readonly restored: boolean;
	readonly log: readonly LogEntry[];
	/** This round's answers, shown live above the question (not yet in the scrollback). */
	readonly answered: readonly AnsweredLine[];
	/** The earlier runs' backups, newest first (read with the configuration). */
	readonly backups: readonly BackupSet[];
	/** The login and host (plaintextConsent) the admin chose to send a password to without TLS. */
	readonly plaintextAllowed?: string;
	/** Answering one thing (start menu, review's picker): when its questions are done, go to the review. */
	readonly jump: boolean;
	/** Switching provider on a configured server: the From addresses, tokens and recipient stay; after the login, the review. */
	readonly keepFrom?: boolean;
	/** Bumped on every entry into an effect step, so the effect runs once per entry. */
	readonly effect: number;
	/** Ctrl-C arrived during a write: let it finish, then exit. */
	readonly cancelRequested: boolean;
	/** Set when the wizard is over; the app exits with it. */
	readonly exitCode?: ExitCodeValue;
}

/** The steps before a provider is chosen. */
export type StartingStep = Extract<Step, {kind: 'loading' | 'blocked' | 'problem' | 'provider' | 'start-menu' | 'backups' | 'restoring-set'}>;

/** Before a provider is chosen: the configuration is being read (or could not be), nothing is answered yet. */
export interface StartingFlow extends FlowCommon {
	readonly phase: 'starting';
	readonly step: StartingStep;
	/** Set once read; the provider step only shows once it is. */
	readonly loaded?: LoadedConfig;
	readonly choice?: undefined;
	readonly answers?: undefined;
}

/** The steps once a provider is chosen: every step but the start's reading and blocking. */
export type AnsweringStep = Exclude<Step, {kind: 'loading' | 'blocked' | 'start-menu' | 'backups' | 'restoring-set'}>;

/** From the provider's choice on: the configuration is read and every answer has a value. */
export interface AnsweringFlow extends FlowCommon {
	readonly phase: 'answering';
	readonly step: AnsweringStep;
	readonly loaded: LoadedConfig;
	readonly choice: ProviderChoiceId;
	/** Holds the new password until it is written; never rendered except as dots. */
	readonly answers: Answers;
}

export type FlowState = StartingFlow | AnsweringFlow;

export type FlowEvent =
	| {readonly type: 'loaded'; readonly loaded: LoadedConfig; readonly problems: readonly Problem[]; readonly backups?: readonly BackupSet[]}
	| {readonly type: 'start-chosen'; readonly action: StartAction}
	| {readonly type: 'backup-chosen'; readonly stamp: string}
	| {readonly type: 'set-restored'}
	| {readonly type: 'set-restore-failed'; readonly problem: Problem}
	| {readonly type: 'cancel-choice'; readonly restore: boolean}
	| {readonly type: 'load-failed'; readonly problem: Problem}
	| {readonly type: 'back'}
	| {readonly type: 'cancel'}
	| {readonly type: 'dismiss'}
	| {readonly type: 'provider-chosen'; readonly id: ProviderChoiceId}
	| {readonly type: 'region-chosen'; readonly region: string}
	| {readonly type: 'host-submitted'; readonly host: string}
	| {readonly type: 'endpoint-chosen'; readonly endpoint: Endpoint | 'other' | 'host'}
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
	/** TLS after all (STARTTLS or SSL/TLS), or the password without it. */
	| {readonly type: 'plaintext-chosen'; readonly choice: 'starttls' | 'ssl' | 'send'}
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
	| {readonly type: 'confirm-chosen'; readonly run: boolean}
	| {readonly type: 'confirm-finished'; readonly result: import('../engine/zulip-confirm.js').ConfirmResult}
	| {readonly type: 'finish'};

/** How reading the configuration ended: the flow's first event. */
export type LoadOutcomeEvent = Extract<FlowEvent, {type: 'loaded' | 'load-failed'}>;

/** The events that answer a step only shown once a provider is chosen. */
export type AnsweringEvent = Exclude<FlowEvent, {type: 'loaded' | 'load-failed' | 'back' | 'cancel' | 'dismiss' | 'provider-chosen' | 'start-chosen' | 'backup-chosen' | 'set-restored' | 'set-restore-failed'}>;

