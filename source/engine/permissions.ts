/**
 * Checked before the first question, so an admin never answers ten questions
 * to learn that the wizard cannot save the answers. Synchronous: a handful of
 * stat and access calls on local files, which the first question waits for.
 */
import {accessSync, constants, lstatSync, readFileSync, statSync, type Stats} from 'node:fs';
import {locate, withCredentials} from './as-owner.js';
import path from 'node:path';
import {command} from './command-text.js';

export interface PermissionProblem {
	/** The file (as passed in) the problem is about. */
	readonly path: string;
	/** What is wrong, one sentence. */
	readonly message: string;
	/** What to do about it. */
	readonly fix: string;
}

interface Identity {
	/** Effective uid: what the kernel checks for chown. */
	readonly uid: number;
	readonly groups: ReadonlySet<number>;
}

/** User names, for messages: read only when there is a problem to word. */
type Names = ReadonlyMap<number, string>;

const errorCode = (error: unknown) => (error as NodeJS.ErrnoException | undefined)?.code;

/** The errno code when access(2) refuses `mode`, else undefined. */
function refused(file: string, mode: number): string | undefined {
	try {
		accessSync(file, mode);
		return undefined;
	} catch (error) {
		return errorCode(error) ?? 'EACCES';
	}
}

/** uid → user name from /etc/passwd, for messages. */
function userNames(): Map<number, string> {
	const names = new Map<number, string>();
	let passwd = '';
	try {
		passwd = readFileSync('/etc/passwd', 'utf8');
	} catch {
		// No names: messages show uids.
	}

	for (const line of passwd.split('\n')) {
		const [name, , uid] = line.split(':');
		if (name && uid && /^\d+$/.test(uid) && !names.has(Number(uid))) names.set(Number(uid), name);
	}
	return names;
}

function userName(names: Names, uid: number): string {
	return names.get(uid) ?? `uid ${uid}`;
}

/** The fix: become root, or the user who owns the file (zulip on a real server), unless that is who we are already. */
function runAs(names: Names, owner: number | undefined, self: number): string {
	const name = owner === undefined ? 'zulip' : names.get(owner) ?? `'#${owner}'`;
	const asOwner = owner === 0 || owner === self ? '' : ` or as ${name.replaceAll("'", '')} (${command(`sudo -u ${name} zulip-email-setup`)})`;
	return `Run it as root (${command('sudo zulip-email-setup')})${asOwner}.`;
}

/**
 * An immutable or append-only file (chattr +i / +a) refuses every user, root
 * included: access(2) says EPERM, where missing rights say EACCES. More
 * rights would not help; the attribute must go.
 */
function immutableProblem(file: string, shownAs: string, what: 'file' | 'directory'): PermissionProblem | undefined {
	if (refused(file, constants.W_OK) !== 'EPERM') return undefined;
	return {
		path: shownAs,
		message: `${what === 'file' ? shownAs : `The directory ${file}`} is marked immutable or append-only (chattr +i or +a), so no user, root included, can ${what === 'file' ? 'replace it' : 'create files in it'}.`,
		fix: `See the flag with lsattr -d ${file}; if it is not deliberate, remove it (chattr -i ${file}, or chattr -a), run zulip-email-setup again, then set it back if it was.`,
	};
}

/** Why the directory blocks a safe save (a new copy is created beside the file and renamed over it). */
function directoryProblem(file: string, shownAs: string): {reason: string} | PermissionProblem | undefined {
	const directory = path.dirname(file);
	const code = refused(directory, constants.W_OK | constants.X_OK);
	if (!code) return undefined;
	if (code === 'EPERM') return immutableProblem(directory, shownAs, 'directory');
	if (code === 'EROFS') {
		return {path: shownAs, message: `${directory} is on a read-only filesystem, so ${shownAs} cannot be saved.`, fix: 'Remount it read-write, then run zulip-email-setup again.'};
	}
	if (code === 'ENOENT' || code === 'ENOTDIR') {
		return {path: shownAs, message: `The directory ${directory} does not exist.`, fix: 'Check the path; pass the right one with --settings or --secrets.'};
	}
	return {reason: `cannot create files in ${directory} (a safe save writes a new copy there and renames it over the old one)`};
}

function sentence(reasons: readonly string[]): string {
	return reasons.length === 1 ? reasons[0]! : `${reasons.slice(0, -1).join(', ')} and ${reasons.at(-1)!}`;
}

/** At most one problem per file: every reason that needs more rights, and how to get them. */
function checkFile(identity: Identity, names: () => Names, shownAs: string, kind: 'settings' | 'secrets'): PermissionProblem[] {
	const runningAs = () => `running as ${userName(names(), identity.uid)}, zulip-email-setup`;
	let file: string;
	let stats: Stats;
	try {
		// Looked up as the user who controls each directory on the way (as-owner.ts), never followed with root's rights.
		const place = locate(shownAs);
		file = place.path;
		stats = withCredentials(place.actor, () => lstatSync(file));
	} catch (error) {
		const code = errorCode(error);
		if (code !== 'ENOENT' && code !== 'ENOTDIR') {
			return [{path: shownAs, message: `${shownAs}: ${runningAs()} cannot look at it (${code ?? (error as Error).message}).`, fix: runAs(names(), undefined, identity.uid)}];
		}
		if (kind === 'settings') {
			return [{
				path: shownAs,
				message: `${shownAs} does not exist, so this does not look like a Zulip server.`,
				fix: 'Run zulip-email-setup on the Zulip server, or point at its settings file with --settings PATH.',
			}];
		}
		// A missing secrets file is fine if it can be created (0640, owned like its directory).
		const target = path.resolve(shownAs);
		const problem = directoryProblem(target, shownAs);
		if (!problem) return [];
		if (!('reason' in problem)) return [problem];
		const directory = statSync(path.dirname(target), {throwIfNoEntry: false});
		return [{path: shownAs, message: `${shownAs} does not exist yet, and ${runningAs()} ${problem.reason}.`, fix: runAs(names(), directory?.uid, identity.uid)}];
	}

	if (!stats.isFile()) {
		return [{path: shownAs, message: `${shownAs} is not a regular file.`, fix: 'Check the path; pass the right one with --settings or --secrets.'}];
	}
	const immutable = immutableProblem(file, shownAs, 'file');
	if (immutable) return [immutable];
	const reasons: string[] = [];
	const unreadable = refused(file, constants.R_OK);
	const directory = directoryProblem(file, shownAs);
	if (unreadable) reasons.push('cannot read it');
	if (directory && !('reason' in directory)) return [directory];
	if (directory) reasons.push(directory.reason);
	// The saved copy must get the original's owner and group back, which only root or the owner may do.
	if (identity.uid !== 0 && stats.uid !== identity.uid) {
		reasons.push(`could not give a saved copy back to its owner, ${userName(names(), stats.uid)}`);
	} else if (identity.uid !== 0 && !identity.groups.has(stats.gid)) {
		reasons.push(`could not give a saved copy its group ${stats.gid} (${userName(names(), identity.uid)} is not in that group)`);
	}
	if (reasons.length === 0) return [];
	return [{path: shownAs, message: `${shownAs}: ${runningAs()} ${sentence(reasons)}.`, fix: runAs(names(), stats.uid, identity.uid)}];
}

/**
 * Can we read both files and atomically replace them keeping owner, group
 * and mode? An empty list means yes.
 */
export function checkPermissions(paths: {readonly settings: string; readonly secrets: string}): PermissionProblem[] {
	const identity: Identity = {
		uid: process.geteuid?.() ?? -1,
		groups: new Set([process.getegid?.() ?? -1, ...(process.getgroups?.() ?? [])]),
	};
	const names = lazy(userNames);
	return [...checkFile(identity, names, paths.settings, 'settings'), ...checkFile(identity, names, paths.secrets, 'secrets')];
}

/** `make()`'s result, made on first call. */
function lazy<T>(make: () => T): () => T {
	let made: {value: T} | undefined;
	return () => (made ??= {value: make()}).value;
}
