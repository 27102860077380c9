import {readFile, rm, stat} from 'node:fs/promises';
import {BACKUPS_KEPT, pruneBackups, rememberBackup} from './backup-prune.js';
import {restoreBackup, writeFileSafely} from './safe-write.js';
import {ConfigError} from './errors.js';
import type {FileChange, Plan} from './plan.js';

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

async function currentText(path: string): Promise<string | null> {
	try {
		return await readFile(path, 'utf8');
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
		throw error;
	}
}

/**
 * Write the plan's files: each atomically with a backup; all as one step, so
 * a failure on a later one puts the earlier ones back as they were.
 */
export async function applyPlan(plan: Plan, options: {now?: Date} = {}): Promise<ApplyResult> {
	const changes = plan.files;
	for (const change of changes) {
		if (!change.changed) continue;
		// Someone (or Zulip's puppet) may have edited the file while the admin was answering.
		if ((await currentText(change.path)) !== change.before) {
			throw new ConfigError(`${change.path} changed on disk while the wizard was running; nothing was written.`, 'Run the wizard again to start from the new contents.', 'changed-on-disk');
		}
	}

	const done: FileResult[] = [];
	try {
		for (const change of changes) done.push(await writeChange(change, options.now));
	} catch (error) {
		await restoreBackups({changed: true, files: done});
		if (error instanceof ConfigError) throw error;
		throw new ConfigError(`Could not write the configuration: ${(error as Error).message}. Every file is as it was.`, 'Check free disk space and permissions, then run again.', 'write-failed');
	}

	// Only once both files are written: a failed pair is put back from these backups.
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

async function writeChange(change: FileChange, now: Date | undefined): Promise<FileResult> {
	if (!change.changed) return {path: change.path, changed: false, backup: null, created: false};
	const created = change.before === null;
	// A new secrets file belongs to whoever owns settings.py (zulip:zulip on a real server).
	const owner = created && change.ownerLike ? await stat(change.ownerLike) : undefined;
	const outcome = await writeFileSafely(change.path, change.after, {
		backup: !created,
		mode: change.newMode ?? 0o640,
		owner: owner && {uid: owner.uid, gid: owner.gid},
		privateMode: change.private,
		now,
	});
	return {path: change.path, changed: true, backup: outcome.backupPath, created};
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
		else if (file.created) await rm(file.path, {force: true});
	}
}
