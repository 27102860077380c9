/**
 * Replacing a live config file so that Zulip, a crash or a full disk never
 * sees half of it: write a private temp file beside it, flush it, give it
 * the original's owner and mode, rename it over the original, flush the
 * directory.
 */
import {promises as fs, type Stats} from 'node:fs';
import path from 'node:path';
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
	/** The file holds a password: the new version is never readable by group or others, whatever the old mode. */
	readonly privateMode?: boolean;
	/** Take other users' rights away (a world-readable zulip-secrets.conf becomes 0640); the backup too. */
	readonly noOthers?: boolean;
	/** How the text becomes bytes: latin1 keeps a non-UTF-8 file's bytes as they were (default utf8). */
	readonly encoding?: 'utf8' | 'latin1';
}

interface Ownership {
	readonly mode: number;
	readonly uid: number;
	readonly gid: number;
}

const errorCode = (error: unknown) => (error as NodeJS.ErrnoException | undefined)?.code;

async function statIfExists(file: string): Promise<Stats | null> {
	try {
		return await fs.stat(file);
	} catch (error) {
		if (errorCode(error) === 'ENOENT') return null;
		throw error;
	}
}

/**
 * Follow a symlink to the real file, so the link survives and the file
 * behind it is what changes. A link to a file that does not exist is refused:
 * writing would replace the link with a stub and leave its target missing.
 */
async function resolveTarget(file: string): Promise<string> {
	await refuseForeignLinks(file);
	try {
		return await fs.realpath(file);
	} catch (error) {
		if (errorCode(error) !== 'ENOENT') throw error;
		const link = await fs.lstat(file).catch(() => null);
		if (link?.isSymbolicLink()) throw danglingLink(file, await fs.readlink(file));
		return path.resolve(file);
	}
}

/**
 * A link planted by another user must not steer a write: run as root, a link
 * that the zulip user puts at /etc/zulip/settings.py could otherwise point the
 * edit at any file of the system. Links owned by root or by us are followed.
 */
async function refuseForeignLinks(file: string): Promise<void> {
	const me = process.geteuid?.() ?? 0;
	const absolute = path.resolve(file);
	const parts = absolute.split(path.sep).filter(Boolean);
	for (let index = 1; index <= parts.length; index++) {
		const prefix = path.sep + parts.slice(0, index).join(path.sep);
		const link = await fs.lstat(prefix).catch(() => null);
		if (!link) return;
		if (link.isSymbolicLink() && link.uid !== 0 && link.uid !== me) {
			throw new ConfigError(
				`${prefix} is a symbolic link owned by another user (uid ${link.uid}), pointing at ${await fs.readlink(prefix)}; it was not written through.`,
				`Replace the link with the real file (cp --remove-destination "$(readlink -f ${prefix})" ${prefix}), or have root own the link, then run again.`,
				'foreign-symlink',
			);
		}
	}
}

export function danglingLink(file: string, target: string): ConfigError {
	return new ConfigError(
		`${file} is a symbolic link to ${target}, which does not exist, so it was neither read nor written.`,
		`Point the link at the real file (ln -sfn REAL ${file}) or remove the link, then run again.`,
		'dangling-symlink',
	);
}

function tempPathBeside(file: string): string {
	return path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}-${randomSuffix()}.tmp`);
}

async function syncDirectory(directory: string): Promise<void> {
	// Best effort: the rename has happened; a filesystem that cannot fsync a directory still has the new file.
	const handle = await fs.open(directory, 'r').catch(() => undefined);
	if (!handle) return;
	await handle.sync().catch(() => undefined);
	await handle.close().catch(() => undefined);
}

/**
 * Write `data` to a new private file in `directory` and give it `ownership`.
 * The file is 0600 while its content is incomplete; on failure it is removed.
 */
async function writePrivateCopy(file: string, data: Uint8Array, ownership: Ownership): Promise<string> {
	const temp = tempPathBeside(file);
	// 'wx' is O_CREAT|O_EXCL: never follows a planted symlink, never reuses a file.
	const handle = await fs.open(temp, 'wx', 0o600);
	try {
		await handle.writeFile(data);
		await handle.sync();
		const current = await handle.stat();
		if (current.uid !== ownership.uid || current.gid !== ownership.gid) {
			await handle.chown(ownership.uid, ownership.gid);
		}
		// After chown, which clears set-id bits.
		await handle.chmod(ownership.mode);
		await handle.close();
	} catch (error) {
		await handle.close().catch(() => undefined);
		await fs.rm(temp, {force: true}).catch(() => undefined);
		throw error;
	}
	return temp;
}

async function replaceAtomically(target: string, data: Uint8Array, ownership: Ownership): Promise<void> {
	const temp = await writePrivateCopy(target, data, ownership);
	try {
		// Where a test kills the writer mid-write (test-pause.ts); nothing without its environment variable.
		await testPause('before-rename');
		await fs.rename(temp, target);
	} catch (error) {
		await fs.rm(temp, {force: true}).catch(() => undefined);
		throw error;
	}
	await syncDirectory(path.dirname(target));
}

function timestamp(now: Date): string {
	const two = (value: number) => String(value).padStart(2, '0');
	return (
		`${now.getFullYear()}${two(now.getMonth() + 1)}${two(now.getDate())}` +
		`-${two(now.getHours())}${two(now.getMinutes())}${two(now.getSeconds())}`
	);
}

/** A complete copy of `target` appears under a fresh backup name, or none does. */
async function makeBackup(target: string, original: Stats, now: Date, mode = original.mode & 0o777): Promise<string> {
	const data = await fs.readFile(target);
	const temp = await writePrivateCopy(target, data, {
		mode,
		uid: original.uid,
		gid: original.gid,
	});
	try {
		const base = `${target}.bak-${timestamp(now)}`;
		for (let attempt = 0; ; attempt++) {
			const candidate = attempt === 0 ? base : `${base}-${attempt}`;
			try {
				// link() fails on an existing name, so two runs in the same second never overwrite a backup.
				await fs.link(temp, candidate);
				await syncDirectory(path.dirname(target));
				return candidate;
			} catch (error) {
				if (errorCode(error) === 'EEXIST') continue;
				if (!['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS'].includes(errorCode(error) ?? '')) throw error;
				// A filesystem without hard links: claim the first free name by renaming.
				if (await statIfExists(candidate)) continue;
				await fs.rename(temp, candidate);
				return candidate;
			}
		}
	} finally {
		await fs.rm(temp, {force: true}).catch(() => undefined);
	}
}

async function newFileOwnership(target: string, options: WriteOptions): Promise<Ownership> {
	const mode = options.mode ?? 0o640;
	if (options.owner) return {mode, ...options.owner};
	const directory = await fs.stat(path.dirname(target));
	// Root creating /etc/zulip/zulip-secrets.conf must hand it to zulip:zulip, or Zulip cannot read it.
	if (process.geteuid?.() === 0) return {mode, uid: directory.uid, gid: directory.gid};
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
 */
export async function writeFileSafely(file: string, content: string, options: WriteOptions = {}): Promise<WriteOutcome> {
	let backupPath: string | null = null;
	try {
		const target = await resolveTarget(file);
		const original = await statIfExists(target);
		if (original && !original.isFile()) {
			throw new ConfigError(`${target} is not a regular file, so it was not replaced.`, `Move it out of the way, then run again.`, 'write-failed');
		}
		const kept = original
			? {mode: original.mode & 0o7777, uid: original.uid, gid: original.gid}
			: await newFileOwnership(target, options);
		const narrowed = options.privateMode ? {...kept, mode: kept.mode & ~0o077} : kept;
		const ownership = options.noOthers ? {...narrowed, mode: narrowed.mode & ~0o007} : narrowed;
		if (original && options.backup !== false) backupPath = await makeBackup(target, original, options.now ?? new Date(), options.noOthers ? original.mode & 0o770 : undefined);
		await replaceAtomically(target, Buffer.from(content, options.encoding ?? 'utf8'), ownership);
		return {path: file, backupPath};
	} catch (error) {
		// The original is untouched, so a copy of it is clutter.
		if (backupPath) await fs.rm(backupPath, {force: true}).catch(() => undefined);
		if (error instanceof ConfigError) throw error;
		throw writeFailure(file, error);
	}
}

/** Put a backup's content back over `file`, atomically; `file` keeps its owner and mode (or takes the backup's). */
export async function restoreBackup(backupPath: string, file: string): Promise<void> {
	try {
		const data = await fs.readFile(backupPath);
		const target = await resolveTarget(file);
		const current = (await statIfExists(target)) ?? (await fs.stat(backupPath));
		await replaceAtomically(target, data, {mode: current.mode & 0o7777, uid: current.uid, gid: current.gid});
	} catch (error) {
		throw writeFailure(file, error);
	}
}

/** Twelve random hex digits, from the global Web Crypto: node:crypto loads only when a name is made, not on the way to the first frame. */
function randomSuffix(): string {
	return Buffer.from(globalThis.crypto.getRandomValues(new Uint8Array(6))).toString('hex');
}
