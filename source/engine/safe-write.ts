/**
 * Replacing a live config file so that Zulip, a crash or a full disk never
 * sees half of it: write a private temp file beside it, flush it, give it
 * the original's owner and mode, rename it over the original, flush the
 * directory.
 */
import {closeSync, constants, fchmodSync, fchownSync, fstatSync, fsyncSync, linkSync, lstatSync, openSync, readFileSync, renameSync, unlinkSync, writeSync, type Stats} from 'node:fs';
import path from 'node:path';
import {asSelf, assertOneOwner, locate, withCredentials, type Located} from './as-owner.js';
import {ConfigError} from './errors.js';
import {testPause} from './test-pause.js';
import {command} from './command-text.js';

export interface WriteOutcome {
	/** The file that was written (as passed in). */
	readonly path: string;
	/** The copy of the previous content, or null when none was made. */
	readonly backupPath: string | null;
}

export interface WriteOptions {
	/** Copy the current file to `<path>.bak-YYYYmmdd-HHMMSS` first (default true; no-op for a new file). */
	readonly backup?: boolean;
	/** Mode of a file that does not exist yet (default 0640); an existing file keeps its own. */
	readonly mode?: number;
	/** Owner of a file that does not exist yet; default: the directory's owner when we are root, else us. */
	readonly owner?: {readonly uid: number; readonly gid: number};
	/** Clock for the backup name. */
	readonly now?: Date;
	/** The file holds a password: the new version and the backup are never readable by group or others, whatever the old mode. */
	readonly privateMode?: boolean;
	/** Take other users' rights away (a world-readable zulip-secrets.conf becomes 0640); the backup too. */
	readonly noOthers?: boolean;
	/** The previous version held a secret the new one no longer does (a Helm inline password): its backup is readable by its owner only. */
	readonly secretBackup?: boolean;
	/** How the text becomes bytes: latin1 keeps a non-UTF-8 file's bytes as they were (default utf8). */
	readonly encoding?: 'utf8' | 'latin1';
}

interface Ownership {
	readonly mode: number;
	readonly uid: number;
	readonly gid: number;
}

const errorCode = (error: unknown) => (error as NodeJS.ErrnoException | undefined)?.code;

export function danglingLink(file: string, target: string): ConfigError {
	return new ConfigError(
		`${file} is a symbolic link to ${target}, which does not exist, so it was neither read nor written.`,
		`Point the link at the real file (ln -sfn REAL ${file}) or remove the link, then run again.`,
		'dangling-symlink',
	);
}

/**
 * Where `file` really is, and as whom to work there (as-owner.ts). A symlink
 * is followed so the link survives and the file behind it changes; a link to
 * nothing is refused (writing would replace the link with a stub).
 */
function place(file: string): Located {
	const located = locate(file);
	if (located.danglingLink) throw danglingLink(file, located.danglingLink.target);
	assertOneOwner(located);
	return located;
}

function tempPathBeside(file: string): string {
	return path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}-${randomSuffix()}.tmp`);
}

function syncDirectory(directory: string): void {
	// Best effort: the rename has happened; a filesystem that cannot fsync a directory still has the new file.
	try {
		const fd = openSync(directory, constants.O_RDONLY | constants.O_DIRECTORY);
		try {
			fsyncSync(fd);
		} finally {
			closeSync(fd);
		}
	} catch {
		// Nothing more to do.
	}
}

/** The file as it is now, through one descriptor: its bytes and its fstat; null when missing. */
function openOriginal(target: string, wantBytes: boolean): {stats: Stats; bytes: Buffer | null} | null {
	let fd: number;
	try {
		fd = openSync(target, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
	} catch (error) {
		if (errorCode(error) === 'ENOENT') return null;
		if (errorCode(error) === 'ELOOP') throw new ConfigError(`${target} was changed into a symbolic link while it was being written, so it was not written.`, 'Run again once nothing else is changing the file.', 'changed-on-disk');
		throw error;
	}

	try {
		const stats = fstatSync(fd);
		if (!stats.isFile()) throw new ConfigError(`${target} is not a regular file, so it was not replaced.`, 'Move it out of the way, then run again.', 'write-failed');
		return {stats, bytes: wantBytes ? readFileSync(fd) : null};
	} finally {
		closeSync(fd);
	}
}

/**
 * Write `data` to a new private file beside `file` (as the caller's window's
 * user) and give it `ownership` through its descriptor. The file is 0600
 * while its content is incomplete; on failure it is removed.
 */
function writePrivateCopy(file: string, data: Uint8Array, ownership: Ownership): string {
	const temp = tempPathBeside(file);
	// O_CREAT|O_EXCL never follows a planted symlink, never reuses a file.
	const fd = openSync(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
	try {
		let offset = 0;
		while (offset < data.length) offset += writeSync(fd, data, offset, data.length - offset);
		fsyncSync(fd);
		// Through the descriptor, with our own rights: giving the copy the replaced file's owner looks nothing up.
		asSelf(() => {
			const current = fstatSync(fd);
			if (current.uid !== ownership.uid || current.gid !== ownership.gid) fchownSync(fd, ownership.uid, ownership.gid);
			// After chown, which clears set-id bits.
			fchmodSync(fd, ownership.mode);
		});
		closeSync(fd);
	} catch (error) {
		try {
			closeSync(fd);
		} catch {
			// Closed already.
		}

		removeQuietly(temp);
		throw error;
	}

	return temp;
}

function removeQuietly(file: string): void {
	try {
		unlinkSync(file);
	} catch {
		// Gone already.
	}
}

async function replaceAtomically(where: Located, data: Uint8Array, ownership: Ownership): Promise<void> {
	const target = where.path;
	const temp = withCredentials(where.actor, () => writePrivateCopy(target, data, ownership));
	try {
		// Where a test kills the writer mid-write (test-pause.ts); nothing without its environment variable.
		await testPause('before-rename');
		withCredentials(where.actor, () => {
			renameSync(temp, target);
			syncDirectory(path.dirname(target));
		});
	} catch (error) {
		withCredentials(where.actor, () => removeQuietly(temp));
		throw error;
	}
}

function timestamp(now: Date): string {
	const two = (value: number) => String(value).padStart(2, '0');
	return (
		`${now.getFullYear()}${two(now.getMonth() + 1)}${two(now.getDate())}` +
		`-${two(now.getHours())}${two(now.getMinutes())}${two(now.getSeconds())}`
	);
}

/** A complete copy of `data` appears under a fresh backup name beside `target`, or none does (inside the actor's window). */
function makeBackup(target: string, data: Buffer, ownership: Ownership, now: Date): string {
	const temp = writePrivateCopy(target, data, ownership);
	try {
		const base = `${target}.bak-${timestamp(now)}`;
		for (let attempt = 0; ; attempt++) {
			const candidate = attempt === 0 ? base : `${base}-${attempt}`;
			try {
				// link() fails on an existing name, so two runs in the same second never overwrite a backup.
				linkSync(temp, candidate);
				syncDirectory(path.dirname(target));
				return candidate;
			} catch (error) {
				if (errorCode(error) === 'EEXIST') continue;
				if (!['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS'].includes(errorCode(error) ?? '')) throw error;
				// A filesystem without hard links: claim the first free name by renaming.
				try {
					lstatSync(candidate);
					continue;
				} catch {
					renameSync(temp, candidate);
					return candidate;
				}
			}
		}
	} finally {
		removeQuietly(temp);
	}
}

function newFileOwnership(target: string, options: WriteOptions): Ownership {
	const mode = options.mode ?? 0o640;
	if (options.owner) return {mode, ...options.owner};
	// Root creating /etc/zulip/zulip-secrets.conf must hand it to zulip:zulip, or Zulip cannot read it.
	if (process.geteuid?.() === 0 || process.getuid?.() === 0) {
		const directory = lstatSync(path.dirname(target));
		return {mode, uid: directory.uid, gid: directory.gid};
	}

	return {mode, uid: process.geteuid?.() ?? -1, gid: process.getegid?.() ?? -1};
}

function writeFailure(file: string, error: unknown): ConfigError {
	const code = errorCode(error);
	const reason = (error as Error).message;
	const fixes: Record<string, string> = {
		EACCES: 'Run it as root (`sudo zulip-email-setup`) or as the file\'s owner (`sudo -u zulip zulip-email-setup`).',
		// As root, EPERM is not about rights: an immutable or append-only attribute refuses even root.
		EPERM: process.geteuid?.() === 0
			? `The file or its directory is marked immutable or append-only: see ${command(`lsattr -d ${path.dirname(file)} ${file}`)}; remove the flag (${command('chattr -i')}), run again, then set it back if it was deliberate.`
			: 'Run it as root (`sudo zulip-email-setup`) or as the file\'s owner (`sudo -u zulip zulip-email-setup`); also check lsattr for an immutable flag.',
		ENOSPC: `Free some disk space on the filesystem holding ${path.dirname(file)}, then run again.`,
		EDQUOT: `Free some disk space (or raise the quota) on the filesystem holding ${path.dirname(file)}, then run again.`,
		EROFS: `The filesystem holding ${path.dirname(file)} is mounted read-only; remount it read-write, then run again.`,
	};
	const failure = new ConfigError(
		`Could not write ${file}: ${reason}. The file is as it was.`,
		fixes[code ?? ''] ?? 'Fix the cause above, then run zulip-email-setup again.',
		'write-failed',
	);
	failure.cause = error;
	return failure;
}

/**
 * Atomically replace (or create) `file` with `content`. An existing file
 * keeps its owner, group and mode; a backup copy is made first. On any
 * failure the original is untouched and no temp file or backup is left.
 * Every path is looked up as the user who controls its directory
 * (as-owner.ts); the original is read, checked and copied through one
 * descriptor.
 */
export async function writeFileSafely(file: string, content: string, options: WriteOptions = {}): Promise<WriteOutcome> {
	let backupPath: string | null = null;
	let where: Located | undefined;
	try {
		where = place(file);
		// Where a test swaps the file for a link after it was looked up (issue 19's race), deterministically.
		await testPause('after-lookup');
		const target = where.path;
		const data = Buffer.from(content, options.encoding ?? 'utf8');
		const wantBackup = options.backup !== false;
		const staged = withCredentials(where.actor, () => {
			const original = openOriginal(target, wantBackup);
			const kept = original
				? {mode: original.stats.mode & 0o7777, uid: original.stats.uid, gid: original.stats.gid}
				: newFileOwnership(target, options);
			if (!original || !wantBackup) return {ownership: narrow(kept, options), backup: null};
			// A copy of a file that held a secret is never more readable than the tightest mode applied to it.
			const backupMode = narrow({...kept, mode: kept.mode & 0o777}, {...options, privateMode: options.privateMode || options.secretBackup}).mode;
			return {ownership: narrow(kept, options), backup: makeBackup(target, original.bytes!, {...kept, mode: backupMode}, options.now ?? new Date())};
		});
		backupPath = staged.backup;
		await replaceAtomically(where, data, staged.ownership);
		return {path: file, backupPath};
	} catch (error) {
		// The original is untouched, so a copy of it is clutter.
		if (backupPath && where) withCredentials(where.actor, () => removeQuietly(backupPath!));
		if (error instanceof ConfigError) throw error;
		throw writeFailure(file, error);
	}
}

function narrow(kept: Ownership, options: Pick<WriteOptions, 'privateMode' | 'noOthers'>): Ownership {
	const narrowed = options.privateMode ? {...kept, mode: kept.mode & ~0o077} : kept;
	return options.noOthers ? {...narrowed, mode: narrowed.mode & ~0o007} : narrowed;
}

/** Put a backup's content back over `file`, atomically; `file` keeps its owner and mode (or takes the backup's). */
export async function restoreBackup(backupPath: string, file: string): Promise<void> {
	try {
		const from = place(backupPath);
		const backup = withCredentials(from.actor, () => openOriginal(from.path, true));
		if (!backup) throw Object.assign(new Error(`ENOENT: no such file, open '${backupPath}'`), {code: 'ENOENT'});
		const where = place(file);
		const current = withCredentials(where.actor, () => openOriginal(where.path, false))?.stats ?? backup.stats;
		await replaceAtomically(where, backup.bytes!, {mode: current.mode & 0o7777, uid: current.uid, gid: current.gid});
	} catch (error) {
		throw writeFailure(file, error);
	}
}

/** The file's bytes as they are now, read as the user who controls its directory; null when missing. */
export function currentBytes(file: string): Buffer | null {
	const where = place(file);
	return withCredentials(where.actor, () => openOriginal(where.path, true))?.bytes ?? null;
}

/** Owner, group and mode of `file` (links followed as its directory's owner), through its descriptor. */
export function ownerOf(file: string): {uid: number; gid: number; mode: number} {
	const where = place(file);
	const found = withCredentials(where.actor, () => openOriginal(where.path, false));
	if (!found) throw new ConfigError(`${file} does not exist.`, 'Check the path, then run again.', 'write-failed');
	return {uid: found.stats.uid, gid: found.stats.gid, mode: found.stats.mode};
}

/** Change only the mode (a world-readable secrets file made 0640), through a descriptor opened as its directory's owner. */
export function changeMode(file: string, mode: number): void {
	const where = place(file);
	withCredentials(where.actor, () => {
		const fd = openSync(where.path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
		try {
			if (!fstatSync(fd).isFile()) throw new ConfigError(`${file} is not a regular file, so its mode was not changed.`, 'Move it out of the way, then run again.', 'write-failed');
			asSelf(() => fchmodSync(fd, mode));
		} finally {
			closeSync(fd);
		}
	});
}

/** Remove `file` (a backup, a file this run created) as the user who controls its directory; never follows a link. */
export function removeFile(file: string): void {
	const directory = locate(path.dirname(path.resolve(file)));
	withCredentials(directory.actor, () => removeQuietly(path.join(directory.path, path.basename(file))));
}

/** Twelve random hex digits, from the global Web Crypto: node:crypto loads only when a name is made, not on the way to the first frame. */
function randomSuffix(): string {
	return Buffer.from(globalThis.crypto.getRandomValues(new Uint8Array(6))).toString('hex');
}
