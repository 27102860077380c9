import {BACKUPS_KEPT, pruneBackups, rememberBackup} from './backup-prune.js';
import type {TextEncoding} from './current-config.js';
import {CancelledError, ConfigError} from './errors.js';
import type {FileChange, Plan} from './plan.js';
import type {RunLock} from './run-lock.js';
import {changeMode, currentBytes, ownerOf, removeFile, restoreBackup, writeFileSafely} from './safe-write.js';
import {secretsWorldReadable} from './secrets-mode.js';
import {testPause} from './test-pause.js';

export interface FileResult {
	readonly path: string;
	readonly changed: boolean;
	/** Where the previous version was copied, when the file was changed. */
	readonly backup: string | null;
	/** The file did not exist before. */
	readonly created: boolean;
	/** Older backups of this file removed after the write (only the newest few are kept). */
	readonly pruned?: number;
}

export interface ApplyResult {
	readonly changed: boolean;
	readonly files: readonly FileResult[];
}

export interface ApplyOptions {
	readonly now?: Date;
	/** Aborted before the last rename: nothing stays written (earlier files are put back). */
	readonly signal?: AbortSignal;
	/** The run's lock: checked to be still ours right before writing. */
	readonly lock?: RunLock;
	/** Take other users' rights away from a world-readable file that has a mode to fix (zulip-secrets.conf: 0644 → 0640). */
	readonly fixSecretsMode?: boolean;
}

/** The bytes a text becomes in its file's encoding; refuses characters a non-UTF-8 file cannot hold. */
export function encodeText(text: string, encoding: TextEncoding, path: string): Buffer {
	if (encoding === 'latin1') {
		// eslint-disable-next-line no-control-regex
		const wide = /[^\u0000-\u00FF]/.exec(text);
		if (wide) {
			throw new ConfigError(
				`${path} is not UTF-8, and the new value holds ${JSON.stringify(wide[0])}, which its one-byte encoding cannot hold. Nothing was written.`,
				'Use only ASCII characters in the answers, or convert the file to UTF-8 (iconv -f latin1 -t utf-8), then run again.',
				'encoding',
			);
		}
	}

	return Buffer.from(text, encoding);
}

/** A Python file must compile before and after: Zulip does not start otherwise, and the admin must see why. */
async function checkCompiles(change: FileChange, signal: AbortSignal | undefined): Promise<void> {
	const {compileProblems} = await import('../zulip/python-compile.js');
	const encoding = change.encoding ?? 'utf8';
	const [before, after] = await compileProblems([encodeText(change.before ?? '', encoding, change.path), encodeText(change.after, encoding, change.path)], {owner: change.python?.owner, signal});
	const where = (problem: {line: number | null}) => (problem.line ? ` at line ${problem.line}` : '');
	if (before) {
		throw new ConfigError(
			`${change.path} does not compile${where(before)} (${before.message}), so Zulip cannot start with it. Nothing was written.`,
			`Fix${before.line ? ` line ${before.line} of` : ''} ${change.path} (python3 -m py_compile ${change.path} shows it), then run zulip-email-setup again.`,
			'settings-syntax',
		);
	}

	if (after) {
		throw new ConfigError(
			`The edit would leave ${change.path} not compiling${where(after)} (${after.message}), so nothing was written.`,
			'Set the email settings by hand this once; please report this file\'s layout (without its secrets) as a bug.',
			'settings-syntax',
		);
	}
}

/**
 * Write the plan's files: each atomically with a backup; all as one step, so
 * a failure or a cancel before the last is written puts the earlier ones
 * back as they were. Right before the first write: the lock is still ours,
 * every file holds the bytes the plan was made from (not only the changed
 * ones: the plan pairs them), and Python files compile.
 */
export async function applyPlan(plan: Plan, options: ApplyOptions = {}): Promise<ApplyResult> {
	const {signal} = options;
	const changes = plan.files;
	signal?.throwIfAborted();
	await testPause('before-write', signal);
	signal?.throwIfAborted();
	options.lock?.verify();
	for (const change of changes) {
		// Someone (or Zulip's puppet) may have edited a file while the admin was answering.
		const expected = change.before === null ? null : encodeText(change.before, change.encoding ?? 'utf8', change.path);
		let actual: Buffer | null;
		try {
			actual = currentBytes(change.path);
		} catch (error) {
			if (error instanceof ConfigError) throw error;
			// Read as the user who controls its directory (as-owner.ts): a file that user turned into a link elsewhere fails here.
			throw new ConfigError(`${change.path} cannot be read any more (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); nothing was written.`, 'Check the file, then run the wizard again.', 'changed-on-disk');
		}

		if (expected === null ? actual !== null : actual === null || !actual.equals(expected)) {
			throw new ConfigError(`${change.path} changed on disk while the wizard was running; nothing was written.`, 'Run the wizard again to start from the new contents.', 'changed-on-disk');
		}
	}

	for (const change of changes) if (change.changed && change.python) await checkCompiles(change, signal);
	const done: FileResult[] = [];
	try {
		for (const change of changes) {
			if (change.changed && done.some(result => result.changed)) await testPause('between-renames', signal);
			// The last point where a cancel leaves nothing written; after a first rename, where it undoes it.
			signal?.throwIfAborted();
			done.push(await writeChange(change, options.now, options.fixSecretsMode === true));
		}
	} catch (error) {
		await rollBack(done);
		if (signal?.aborted) throw new CancelledError();
		if (error instanceof ConfigError) throw error;
		throw new ConfigError(`Could not write the configuration: ${(error as Error).message}. Every file is as it was.`, 'Check free disk space and permissions, then run again.', 'write-failed');
	}

	// Only once every file is written: a failed set is put back from these backups.
	const files = await Promise.all(done.map(pruneAfterWrite));
	return {changed: files.some(result => result.changed), files};
}

async function pruneAfterWrite(result: FileResult): Promise<FileResult> {
	if (!result.backup) return result;
	rememberBackup(result.backup);
	// The backup sits beside the real file (safe-write follows a symlinked path), named after it.
	const pruned = await pruneBackups(result.backup.replace(/\.bak-\d{8}-\d{6}(?:-\d+)?$/, ''));
	return pruned > 0 ? {...result, pruned} : result;
}

async function writeChange(change: FileChange, now: Date | undefined, fixMode: boolean): Promise<FileResult> {
	const noOthers = fixMode && secretsWorldReadable(change.modeNow);
	if (!change.changed) {
		// Only the mode changes: no new content, so no backup.
		if (noOthers) changeMode(change.path, change.modeNow! & ~0o007);
		return {path: change.path, changed: false, backup: null, created: false};
	}

	const created = change.before === null;
	// A new secrets file belongs to whoever owns settings.py (zulip:zulip on a real server).
	const owner = created && change.ownerLike ? ownerOf(change.ownerLike) : undefined;
	const outcome = await writeFileSafely(change.path, change.after, {
		backup: !created,
		mode: change.newMode ?? 0o640,
		owner: owner && {uid: owner.uid, gid: owner.gid},
		privateMode: change.private,
		secretBackup: change.secretBackup,
		noOthers,
		encoding: change.encoding,
		now,
	});
	return {path: change.path, changed: true, backup: outcome.backupPath, created};
}

/** Undo a half-written set: the originals back, and their now redundant backups gone. */
async function rollBack(done: readonly FileResult[]): Promise<void> {
	await restoreBackups({changed: true, files: done});
	for (const file of done) if (file.backup) removeFile(file.backup);
}

/** One line per written file, as both faces print it: where the previous version went, and what pruning removed. */
export function describeWrite(file: FileResult): string {
	const backup = file.backup ? `backup: ${file.backup}` : file.created ? 'new file' : '';
	const pruned = file.pruned ? `${file.pruned} older backup${file.pruned === 1 ? '' : 's'} removed, the newest ${BACKUPS_KEPT} kept` : '';
	const details = [backup, pruned].filter(Boolean).join('; ');
	return `Wrote ${file.path}${details ? ` (${details})` : ''}`;
}

/** Put every changed file back as it was before applyPlan. */
export async function restoreBackups(result: ApplyResult): Promise<void> {
	for (const file of [...result.files].reverse()) {
		if (!file.changed) continue;
		if (file.backup) await restoreBackup(file.backup, file.path);
		else if (file.created) removeFile(file.path);
	}
}
