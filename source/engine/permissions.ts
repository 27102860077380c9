/**
 * Checked before the first question, so an admin never answers ten questions
 * to learn that the wizard cannot save the answers.
 */
import type {Stats} from 'node:fs';
import * as fs from 'node:fs/promises';
import path from 'node:path';

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
async function refused(file: string, mode: number): Promise<string | undefined> {
	try {
		await fs.access(file, mode);
		return undefined;
	} catch (error) {
		return errorCode(error) ?? 'EACCES';
	}
}

/** uid → user name from /etc/passwd, for messages. */
async function userNames(): Promise<Map<number, string>> {
	const names = new Map<number, string>();
	const passwd = await fs.readFile('/etc/passwd', 'utf8').catch(() => '');
	for (const line of passwd.split('\n')) {
		const [name, , uid] = line.split(':');
		if (name && uid && /^\d+$/.test(uid) && !names.has(Number(uid))) names.set(Number(uid), name);
	}
	return names;
}

function userName(names: Names, uid: number): string {
	return names.get(uid) ?? `uid ${uid}`;
}

/** The fix: become root, or the user who owns the file (zulip on a real server). */
function runAs(names: Names, owner: number | undefined): string {
	const name = owner === undefined ? 'zulip' : names.get(owner) ?? `'#${owner}'`;
	const asOwner = owner === 0 ? '' : ` or as ${name.replaceAll("'", '')} (sudo -u ${name} zulip-email-setup)`;
	return `Run it as root (sudo zulip-email-setup)${asOwner}.`;
}

/** Why the directory blocks a safe save (a new copy is created beside the file and renamed over it). */
async function directoryProblem(file: string, shownAs: string): Promise<{reason: string} | PermissionProblem | undefined> {
	const directory = path.dirname(file);
	const code = await refused(directory, fs.constants.W_OK | fs.constants.X_OK);
	if (!code) return undefined;
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
async function checkFile(identity: Identity, names: () => Promise<Names>, shownAs: string, kind: 'settings' | 'secrets'): Promise<PermissionProblem[]> {
	const runningAs = async () => `running as ${userName(await names(), identity.uid)}, zulip-email-setup`;
	let file: string;
	let stats: Stats;
	try {
		file = await fs.realpath(shownAs);
		stats = await fs.stat(file);
	} catch (error) {
		const code = errorCode(error);
		if (code !== 'ENOENT' && code !== 'ENOTDIR') {
			return [{path: shownAs, message: `${shownAs}: ${await runningAs()} cannot look at it (${code ?? (error as Error).message}).`, fix: runAs(await names(), undefined)}];
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
		const problem = await directoryProblem(target, shownAs);
		if (!problem) return [];
		if (!('reason' in problem)) return [problem];
		const directory = await fs.stat(path.dirname(target)).catch(() => undefined);
		return [{path: shownAs, message: `${shownAs} does not exist yet, and ${await runningAs()} ${problem.reason}.`, fix: runAs(await names(), directory?.uid)}];
	}

	if (!stats.isFile()) {
		return [{path: shownAs, message: `${shownAs} is not a regular file.`, fix: 'Check the path; pass the right one with --settings or --secrets.'}];
	}
	const reasons: string[] = [];
	const [unreadable, directory] = await Promise.all([refused(file, fs.constants.R_OK), directoryProblem(file, shownAs)]);
	if (unreadable) reasons.push('cannot read it');
	if (directory && !('reason' in directory)) return [directory];
	if (directory) reasons.push(directory.reason);
	// The saved copy must get the original's owner and group back, which only root or the owner may do.
	if (identity.uid !== 0 && stats.uid !== identity.uid) {
		reasons.push(`could not give a saved copy back to its owner, ${userName(await names(), stats.uid)}`);
	} else if (identity.uid !== 0 && !identity.groups.has(stats.gid)) {
		reasons.push(`could not give a saved copy its group ${stats.gid} (${userName(await names(), identity.uid)} is not in that group)`);
	}
	if (reasons.length === 0) return [];
	return [{path: shownAs, message: `${shownAs}: ${await runningAs()} ${sentence(reasons)}.`, fix: runAs(await names(), stats.uid)}];
}

/**
 * Can we read both files and atomically replace them keeping owner, group
 * and mode? An empty list means yes.
 */
export async function checkPermissions(paths: {readonly settings: string; readonly secrets: string}): Promise<PermissionProblem[]> {
	const identity: Identity = {
		uid: process.geteuid?.() ?? -1,
		groups: new Set([process.getegid?.() ?? -1, ...(process.getgroups?.() ?? [])]),
	};
	const names = memo(userNames);
	const [settings, secrets] = await Promise.all([checkFile(identity, names, paths.settings, 'settings'), checkFile(identity, names, paths.secrets, 'secrets')]);
	return [...settings, ...secrets];
}

/** `load()`'s promise, started on first call. */
function memo<T>(load: () => Promise<T>): () => Promise<T> {
	let promise: Promise<T> | undefined;
	return () => (promise ??= load());
}
