/**
 * Where the outgoing-email configuration lives, and how it takes effect:
 * settings.py and zulip-secrets.conf on this machine, a docker-zulip Compose
 * directory, or a Helm values file. Both faces hold one ConfigTarget and
 * call only it to read, plan and restart; writing, restoring and the live
 * test work on what it returns (plan files, the configuration read back).
 */
import type {Answers} from './answers.js';
import {BugError} from './errors.js';
import {loadConfig, type ConfigPaths, type LoadedConfig} from './current-config.js';
import {ConfigError} from './errors.js';
import {checkPermissions, type PermissionProblem} from './permissions.js';
import type {Plan} from './plan.js';
import {defaultRestartCommand} from './restart.js';
// Static: every run asks it, on the way to the first frame, and a dynamic import there is one more round trip of the loader.
import {containerError, dockerZulipContainer, isDockerZulipCheckout, manualPasswordNote} from '../docker/container.js';
import {rerunCommand} from './rerun-command.js';

export type TargetKind = LoadedConfig['kind'];

export interface ConfigTarget {
	readonly kind: TargetKind;
	/** Why the configuration could not be saved (run before the first question); empty when it can. */
	permissionProblems(): PermissionProblem[];
	/** Read the configuration as Zulip will see it. */
	load(options?: {readonly signal?: AbortSignal}): Promise<LoadedConfig>;
	/** What the answers change; throws a WizardError for an answer this target cannot hold. */
	plan(loaded: LoadedConfig, answers: Answers): Promise<Plan>;
	/** The shell command that makes Zulip use what was written (shown before it runs). */
	readonly restartCommand: string;
	/** The file a writing run locks (run-lock.ts): one run at a time on the same configuration. */
	readonly lockFile?: string;
}

export function hostTarget(paths: ConfigPaths): ConfigTarget {
	return {
		kind: 'host',
		permissionProblems: () => checkPermissions(paths),
		load: options => loadConfig(paths, options),
		async plan(loaded, answers) {
			if (loaded.kind !== 'host') throw new BugError(`a ${loaded.kind} configuration given to the host target`);
			const {planChanges} = await import('./plan.js');
			return planChanges(loaded, answers);
		},
		restartCommand: defaultRestartCommand(),
		lockFile: paths.settings,
	};
}

/**
 * The target the flags name: --docker DIR, --helm-values FILE, or this
 * machine's files, which inside a docker-zulip container are regenerated at
 * every start: there only a read-only run may use them.
 */
export async function targetFromFlags(flags: {
	readonly docker?: string;
	readonly helmValues?: string;
	/** The Helm release the printed commands upgrade: its chart version and namespace, when known. */
	readonly helmRelease?: {readonly chartVersion?: string; readonly namespace?: string};
	readonly paths: ConfigPaths;
	readonly readOnly?: boolean;
	/** Where to look for /.dockerenv and docker-zulip's entrypoint; tests give a directory of their own. */
	readonly root?: string;
	/** The environment the container check reads (MANUAL_CONFIGURATION, SECRETS_*); the process's by default. */
	readonly env?: NodeJS.ProcessEnv;
}): Promise<ConfigTarget> {
	if (flags.docker !== undefined) {
		const {composeTarget} = await import('../docker/compose-target.js');
		return composeTarget(flags.docker);
	}

	if (flags.helmValues !== undefined) {
		const {helmTarget} = await import('../docker/helm-target.js');
		return helmTarget(flags.helmValues, {release: flags.helmRelease});
	}

	const host = hostTarget(flags.paths);
	const cwd = process.cwd();
	const hostOrCheckout: ConfigTarget = {
		...host,
		async load(options) {
			try {
				return await host.load(options);
			} catch (error) {
				// No Zulip here, but the admin stands in a docker-zulip checkout: say what to run.
				if (!(error instanceof ConfigError) || error.id !== 'settings-missing' || !isDockerZulipCheckout(cwd)) throw error;
				throw new ConfigError(`${error.message} This directory is a docker-zulip checkout, whose settings live in its compose files.`, `Run ${rerunCommand({kind: 'compose', dir: cwd})}`, 'settings-missing');
			}
		},
	};
	if (flags.readOnly) return hostOrCheckout;
	const container = dockerZulipContainer(flags.root, flags.env);
	if (!container) return hostOrCheckout;
	if (container.manual) {
		// settings.py in the volume is the configuration; a password written beside it lasts only until the next start.
		const note = manualPasswordNote(container);
		return {
			...hostOrCheckout,
			async plan(loaded, answers) {
				const plan = await hostOrCheckout.plan(loaded, answers);
				const passwordChanges = answers.password.kind === 'new';
				return note && passwordChanges ? {...plan, notes: [...(plan.notes ?? []), note]} : plan;
			},
		};
	}

	return {
		...host,
		permissionProblems: () => [],
		load: () => Promise.reject(containerError(container)),
	};
}
