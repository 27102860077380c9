/**
 * The one way this tool runs python3 over settings.py: with the rights of
 * the file's owner, never more. settings.py is code its owner (zulip on a real
 * server) may change at will; running it as root would hand that user root.
 *
 * Who runs it:
 * - we are root, the file belongs to another user: that user (uid, and the
 *   primary group from /etc/passwd; supplementary groups dropped);
 * - we are root, the file belongs to root and only root can write it: root.
 *   That is root's own code, so running it is no escalation (Zulip's puppet
 *   gives settings.py to zulip; a root-owned one was put there by root);
 * - the file is writable by its group or by everyone, or we are neither root
 *   nor its owner: nobody who could vouch for the code can be switched to,
 *   so it is not run at all and the caller says which value stayed unknown.
 *
 * The child gets no stdin, an environment without the password or sudo's
 * variables, the request on fd 3, and a deadline that whatever it starts
 * cannot escape (engine/bounded-child.ts).
 */
import {runBounded} from '../engine/bounded-child.js';
import {credentialsOf, passwdEntry, type Writers} from '../engine/as-owner.js';
import {ConfigError} from '../engine/errors.js';

/** Owner and mode of the file whose text is run, from fstat of the descriptor it was read through. */
export interface FileOwner {
	readonly uid: number;
	readonly gid: number;
	readonly mode: number;
	/**
	 * Everyone who can change the code: the owners of the file(s) and of every
	 * directory on the way, judged by lstat of each (as-owner.ts). Without it,
	 * the file's owner and mode alone.
	 */
	readonly writers?: Writers;
}

export type PythonIdentity =
	| {readonly run: true; readonly uid?: number; readonly gid?: number; readonly who: string}
	| {readonly run: false; readonly reason: string; readonly fix: string};

/** A settings file that loops or waits forever must not hang the wizard. */
export const PYTHON_TIMEOUT_MS = 20_000;

const nameOf = (uid: number) => passwdEntry(uid)?.name ?? `uid ${uid}`;
const modeText = (mode: number) => (mode & 0o777).toString(8).padStart(4, '0');

/**
 * Whose rights python3 gets for code from files owned as `owner` says, or why
 * it must not run: the one user other than root who can change that code
 * (then root runs it as that user), root when only root can, and nobody when
 * a group, everyone, or two different users could have written it.
 */
export function pythonIdentity(owner: FileOwner | undefined, self: {uid: number} = {uid: process.geteuid?.() ?? -1}): PythonIdentity {
	// No owner: text the caller produced itself (a test, the compile check of our own edit).
	if (!owner) return {run: true, who: nameOf(self.uid)};
	const writers: Writers = owner.writers ?? {uids: owner.uid === 0 ? [] : [owner.uid]};
	if (!owner.writers && owner.mode & 0o022) {
		return {
			run: false,
			reason: `settings.py is writable by ${owner.mode & 0o002 ? 'every user' : 'its whole group'} (mode ${modeText(owner.mode)}), so its code could come from anyone; it was not run`,
			fix: `Make it writable by its owner only (chmod go-w on settings.py; Zulip installs it 0644), or replace the expression with a plain value.`,
		};
	}

	if (writers.open) {
		return {
			run: false,
			reason: `${writers.open}, so the code could come from anyone; it was not run`,
			fix: 'Make it writable by its owner only (chmod go-w), or replace the expression with a plain value.',
		};
	}

	const uids = writers.uids.filter(uid => uid !== 0);
	if (uids.length > 1) {
		return {
			run: false,
			reason: `the code comes from files that ${uids.map(nameOf).join(' and ')} can each change, so no single user vouches for it; it was not run`,
			fix: 'Give the files and their directory to one user (chown), or replace the expression with a plain value.',
		};
	}

	const controller = uids[0] ?? 0;
	const controllerName = nameOf(controller);
	if (controller === self.uid) return {run: true, who: controllerName};
	if (self.uid === 0) {
		// The user's own primary group (nogroup for a uid without a passwd entry), never the file's group.
		const {uid, gid} = credentialsOf(controller);
		return {run: true, uid, gid, who: controllerName};
	}

	const whose = controller === owner.uid ? `settings.py belongs to ${controllerName}` : `settings.py can be changed by ${controllerName}`;
	return {
		run: false,
		reason: `${whose}, and running as ${nameOf(self.uid)} this tool cannot run its code as ${controllerName} (it never runs another user's code with its own rights)`,
		fix: `Run zulip-email-setup as root (sudo) or as ${controllerName}, or replace the expression with a plain value.`,
	};
}

/** The child's whole environment: what python3 needs to start, nothing that could carry a secret. */
function childEnvironment(): NodeJS.ProcessEnv {
	return {PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin', LC_ALL: 'C.UTF-8', HOME: '/'};
}

export interface PythonRun {
	/** Python source run with `python3 -I -c`; it reads its request from fd 3. */
	readonly script: string;
	/** Written to fd 3, then closed. */
	readonly request: string;
	readonly identity: Extract<PythonIdentity, {run: true}>;
	readonly timeoutMs?: number;
	readonly signal?: AbortSignal;
}

export interface PythonOutput {
	readonly stdout: string;
	readonly stderr: string;
	readonly code: number | null;
}

/**
 * Run `script` as `identity`. Rejects with ConfigError when python3 is missing
 * or does not finish in time, and with the signal's reason when aborted.
 */
export async function runPython(run: PythonRun): Promise<PythonOutput> {
	const {signal, identity} = run;
	const timeoutMs = run.timeoutMs ?? PYTHON_TIMEOUT_MS;
	signal?.throwIfAborted();
	const result = await runBounded({
		// -I: ignore PYTHON* variables and the user's site-packages, so the answer does not depend on who runs it.
		file: 'python3',
		args: ['-I', '-c', run.script],
		request: run.request,
		env: childEnvironment(),
		// A directory every user may enter: the caller's may be /root.
		cwd: '/',
		uid: identity.uid,
		gid: identity.gid,
		timeoutMs,
		signal,
	});
	switch (result.outcome) {
		case 'cancelled':
			throw signal!.reason;
		case 'timeout':
			throw new ConfigError(`python3 did not finish running settings.py within ${timeoutMs / 1000} seconds; it was stopped, with every process it started.`, 'Check the file with: python3 -m py_compile /etc/zulip/settings.py', 'settings-eval');
		case 'not-started': {
			const missing = result.error?.code === 'ENOENT';
			throw new ConfigError(
				missing ? 'python3 is not installed, so the wizard cannot work out a value that settings.py computes.' : `python3 could not be started: ${result.error?.message ?? 'unknown error'}`,
				missing ? 'Install python3 (every Zulip server has it), or replace the expression in settings.py with a plain value.' : undefined,
				'python-missing',
			);
		}

		case 'exited':
			return {stdout: result.stdout, stderr: result.stderr, code: result.code};
	}
}

/** Throws the refusal as a ConfigError; returns the identity to run as otherwise. */
export function identityOrThrow(owner: FileOwner | undefined): Extract<PythonIdentity, {run: true}> {
	const identity = pythonIdentity(owner);
	if (!identity.run) throw new ConfigError(`${identity.reason}.`, identity.fix, 'settings-not-run');
	return identity;
}
