/**
 * The one rule for every file this tool reads, writes or runs: root never
 * follows, opens, stats, renames or executes a path in a directory that
 * another user can write, with root's credentials. Work in such a directory
 * is done with the credentials of the user who controls it (zulip for
 * /etc/zulip on a real server; the owner of a Compose directory or values
 * file), so whatever that user can redirect, they could already have written
 * themselves. sudoedit does the same for the files it edits.
 *
 * How: a path is looked up one component at a time (lstat), as the user who
 * controls the directory reached so far. Once a directory belongs to another
 * user, every later step, symlinks included, is taken as that user, and
 * never again as root nor as a third user (that user could otherwise steer
 * root's or the third user's rights). The credentials are switched with
 * setegid/seteuid (supplementary groups dropped) around *synchronous* file
 * work only: glibc applies seteuid to every thread, so libuv's thread pool
 * runs with the owner's rights during such a window, which can only take
 * rights away from whatever it is doing, never add any; the windows are
 * short, and nothing awaits inside them. A worker process as that user would
 * do the same at the cost of a second program start (and a second entry in
 * the single executable) for a handful of small files.
 *
 * Descriptor-based work (fstat, fchown, fchmod, fsync) needs no path and is
 * done with the caller's rights; the opened descriptor is what gets checked,
 * never the path looked up again.
 */
import {closeSync, constants, fstatSync, lstatSync, openSync, readFileSync, readlinkSync, type Stats} from 'node:fs';
import path from 'node:path';
import {ConfigError} from './errors.js';

/** A user whose rights file work is done with. */
export interface Credentials {
	readonly uid: number;
	readonly gid: number;
	/** For messages: the user name, or `uid N`. */
	readonly name: string;
}

/** Who can change a file: what python-runner.ts needs to pick who may run code from it. */
export interface Writers {
	/** Every user other than root who can change the file or a directory on the way to it. */
	readonly uids: readonly number[];
	/** Set when a group or every user can change it: then nobody can vouch for its content. */
	readonly open?: string;
}

export interface Located {
	/** The path as given (for messages). */
	readonly given: string;
	/** The real path: symlinks followed, each as the user who controls the directory holding it. */
	readonly path: string;
	/** The credentials path work is done with; null: our own. */
	readonly actor: Credentials | null;
	/** Who can change the directory the file sits in (and every one above). */
	readonly writers: Writers;
	/** Whether `path` exists (as a lookup by the actor found it). */
	readonly exists: boolean;
	/** The last symlink followed when the file itself does not exist (a link to nothing). */
	readonly danglingLink?: {readonly link: string; readonly target: string};
}

const NOGROUP = 65_534;
const STICKY = 0o1000;
const MAX_LINKS = 40;
const errorCode = (error: unknown) => (error as NodeJS.ErrnoException | undefined)?.code;
const euid = () => process.geteuid?.() ?? -1;

/** uid → name and primary gid from /etc/passwd (root-owned, read as ourselves). */
export function passwdEntry(uid: number): {name: string; gid: number} | undefined {
	let passwd = '';
	try {
		passwd = readFileSync('/etc/passwd', 'utf8');
	} catch {
		return undefined;
	}

	for (const line of passwd.split('\n')) {
		const [name, , entryUid, entryGid] = line.split(':');
		if (name && entryUid === String(uid) && entryGid && /^\d+$/.test(entryGid)) return {name, gid: Number(entryGid)};
	}

	return undefined;
}

/**
 * The credentials of `uid`: its primary group from /etc/passwd; a uid with no
 * entry gets nogroup, never the group of some file (a file owned 4242:zulip
 * says nothing about whether 4242 may act as the group zulip).
 */
export function credentialsOf(uid: number): Credentials {
	const entry = passwdEntry(uid);
	return {uid, gid: entry?.gid ?? NOGROUP, name: entry?.name ?? `uid ${uid}`};
}

/**
 * Run `work` (synchronous: it must not return a promise) with `actor`'s
 * effective uid and gid and no supplementary groups, then switch back. No
 * switch when `actor` is null or root, or when we are not root (the kernel
 * already holds us to our own rights; inside a window that is the actor's).
 */
export function withCredentials<T>(actor: Credentials | null, work: () => T): T {
	if (!actor || actor.uid === 0 || euid() !== 0) return checkedSync(work());
	const groups = process.getgroups!();
	const gid = process.getegid!();
	try {
		// Inside the try: a switch that fails halfway is undone all the same.
		process.setgroups!([]);
		process.setegid!(actor.gid);
		process.seteuid!(actor.uid);
		return checkedSync(work());
	} finally {
		process.seteuid!(0);
		process.setegid!(gid);
		process.setgroups!(groups);
	}
}

function checkedSync<T>(value: T): T {
	if (value && typeof (value as {then?: unknown}).then === 'function') throw new Error('withCredentials: the work must be synchronous');
	return value;
}

/** Run `work` with our own credentials inside a window (descriptor work: fchown, fchmod). */
export function asSelf<T>(work: () => T): T {
	if (euid() === 0 || process.getuid?.() !== 0) return work();
	const uid = euid();
	process.seteuid!(0);
	try {
		return work();
	} finally {
		process.seteuid!(uid);
	}
}

function describeMode(stats: Stats): string {
	return (stats.mode & 0o7777).toString(8).padStart(4, '0');
}

/**
 * Look `file` up component by component, as described above. Throws
 * ConfigError for a symlink another user planted in a place we would follow
 * it with more rights than theirs, and for a loop of links.
 */
export function locate(file: string): Located {
	const root = euid() === 0;
	let actor: Credentials | null = null;
	const uids = new Set<number>();
	let open: string | undefined;
	let pending = path.resolve(file).split(path.sep).filter(Boolean);
	let current: string = path.sep;
	let links = 0;
	// The link the given path itself ends in (the first met with nothing left to look up after it).
	let finalLink: {link: string; target: string} | undefined;
	let stickyDirectory: string | undefined;
	const drop = (uid: number) => {
		if (uid === 0) return;
		uids.add(uid);
		if (root && !actor) actor = credentialsOf(uid);
	};

	/** A directory reached: who controls what is in it. */
	const enter = (directory: string, stats: Stats) => {
		stickyDirectory = undefined;
		drop(stats.uid);
		if ((stats.mode & 0o022) === 0) return;
		// A sticky directory (/tmp): each entry is its owner's alone.
		if ((stats.mode & STICKY) !== 0) {
			stickyDirectory = directory;
			return;
		}

		open ??= `${directory} is writable by ${(stats.mode & 0o002) !== 0 ? 'every user' : 'its whole group'} (mode ${describeMode(stats)})`;
	};

	enter(current, withCredentials(actor, () => lstatSync(current)));
	while (pending.length > 0) {
		const name = pending.shift()!;
		if (name === '.') continue;
		if (name === '..') {
			current = path.dirname(current);
			continue;
		}

		const next = path.join(current, name);
		const stats = withCredentials(actor, () => lstatOrNull(next));
		if (!stats) {
			const rest = path.join(next, ...pending);
			return {given: file, path: rest, actor, writers: writers(uids, open), exists: false, ...(finalLink ? {danglingLink: finalLink} : {})};
		}

		if (stickyDirectory) drop(stats.uid);
		if (stats.isSymbolicLink()) {
			if (++links > MAX_LINKS) throw new ConfigError(`${file} leads through more than ${MAX_LINKS} symbolic links.`, 'Point it at the real file, then run again.', 'write-failed');
			const target = withCredentials(actor, () => readlinkSync(next));
			const actorUid = (actor as Credentials | null)?.uid ?? euid();
			if (stats.uid !== 0 && stats.uid !== actorUid) {
				throw new ConfigError(
					`${next} is a symbolic link owned by another user (uid ${stats.uid}), pointing at ${target}; it was not written through.`,
					`Replace the link with the real file (cp --remove-destination "$(readlink -f ${next})" ${next}), or have root own the link, then run again.`,
					'foreign-symlink',
				);
			}

			if (pending.length === 0) finalLink ??= {link: next, target};
			pending = [...target.split(path.sep).filter(Boolean), ...pending];
			if (path.isAbsolute(target)) current = path.sep;
			continue;
		}

		current = next;
		if (pending.length > 0) {
			if (!stats.isDirectory()) return {given: file, path: path.join(current, ...pending), actor, writers: writers(uids, open), exists: false, ...(finalLink ? {danglingLink: finalLink} : {})};
			enter(current, stats);
		} else if (stats.isFile() || stats.isDirectory()) {
			// The file itself: its owner can change it, and so can a group or everyone it is open to.
			if (stats.uid !== 0) uids.add(stats.uid);
			if (stats.isFile() && (stats.mode & 0o022) !== 0) open ??= `${current} is writable by ${(stats.mode & 0o002) !== 0 ? 'every user' : 'its whole group'} (mode ${describeMode(stats)})`;
		}
	}

	return {given: file, path: current, actor, writers: writers(uids, open), exists: true};
}

/**
 * Where to work *inside* `directory` (its entries are read, not the directory
 * itself), and as whom: the real directory, and the user who controls it.
 * locate() of a name in it gives both, whether or not that name exists: a
 * name another user planted there is followed with that user's rights only.
 */
export function locateInside(directory: string): {path: string; actor: Credentials | null; writers: Writers} {
	const place = locate(path.join(directory, '.zulip-email-setup-entry'));
	return {path: path.dirname(place.path), actor: place.actor, writers: place.writers};
}

function writers(uids: ReadonlySet<number>, open: string | undefined): Writers {
	return {uids: [...uids].sort((a, b) => a - b), ...(open ? {open} : {})};
}

function lstatOrNull(file: string): Stats | null {
	try {
		return lstatSync(file);
	} catch (error) {
		if (errorCode(error) === 'ENOENT' || errorCode(error) === 'ENOTDIR') return null;
		throw error;
	}
}

/**
 * Refuse, as root, to work in a place a whole group or every user can change:
 * there is no single owner whose rights would be safe to use.
 */
export function assertOneOwner(place: Located): void {
	if (euid() !== 0 || !place.writers.open) return;
	throw new ConfigError(
		`${place.writers.open}, so root does not work on ${place.given} there: anyone allowed to change it could point the work at another file.`,
		`Make it writable by its owner only (chmod go-w on it; Zulip's own /etc/zulip is 0755 zulip:zulip), then run again.`,
		'shared-directory',
	);
}

export interface OpenedFile {
	readonly bytes: Buffer;
	/** fstat of the descriptor the bytes came from. */
	readonly stats: Stats;
}

/**
 * Read a regular file through one descriptor opened as the place's actor,
 * never following a link in its last component (locate followed the links
 * already), non-blocking (a FIFO is an error, not a hang). Null when missing.
 */
export function readLocated(place: Located, options: {maxBytes?: number} = {}): OpenedFile | null {
	assertOneOwner(place);
	return withCredentials(place.actor, () => {
		let fd: number;
		try {
			fd = openSync(place.path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
		} catch (error) {
			if (errorCode(error) === 'ENOENT' || errorCode(error) === 'ENOTDIR') return null;
			// The last component became a link after it was looked up: someone is swapping it.
			if (errorCode(error) === 'ELOOP') throw new ConfigError(`${place.given} changed into a symbolic link while it was being read, so it was not read.`, 'Run again once nothing else is changing the file.', 'changed-on-disk');
			throw error;
		}

		try {
			const stats = fstatSync(fd);
			if (!stats.isFile() || (options.maxBytes !== undefined && stats.size > options.maxBytes)) return {bytes: Buffer.alloc(0), stats};
			return {bytes: readFileSync(fd), stats};
		} finally {
			closeSync(fd);
		}
	});
}

/** The writers of a file as read: the place's, plus the descriptor's owner and mode. */
export function writersOf(place: Located, stats: Pick<Stats, 'uid' | 'mode'>): Writers {
	const uids = new Set(place.writers.uids);
	if (stats.uid !== 0) uids.add(stats.uid);
	const open = place.writers.open ?? ((stats.mode & 0o022) !== 0 ? `${place.given} is writable by ${(stats.mode & 0o002) !== 0 ? 'every user' : 'its whole group'} (mode ${(stats.mode & 0o7777).toString(8).padStart(4, '0')})` : undefined);
	return writers(uids, open);
}

/** Several files' writers together (code from several files runs as one user). */
export function mergeWriters(list: readonly Writers[]): Writers {
	const uids = new Set(list.flatMap(entry => entry.uids));
	return writers(uids, list.find(entry => entry.open)?.open);
}

/**
 * Could `who` (with only its primary group, as a child started with that uid
 * and gid has) open `file` for reading? Tried for real, as that user.
 */
export function canRead(who: {readonly uid: number; readonly gid: number}, file: string): boolean {
	try {
		withCredentials({...who, name: ''}, () => closeSync(openSync(file, constants.O_RDONLY | constants.O_NONBLOCK)));
		return true;
	} catch {
		return false;
	}
}
