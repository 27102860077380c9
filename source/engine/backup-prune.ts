/**
 * Every write leaves `FILE.bak-YYYYMMDD-HHMMSS` beside the file; an admin
 * who reruns the wizard for years would collect hundreds in /etc/zulip.
 * After a write, only the newest few backups of each file stay.
 */
import {lstatSync, readdirSync, unlinkSync} from 'node:fs';
import path from 'node:path';
import {locate, withCredentials} from './as-owner.js';

/** Backups kept per file: enough to step back through the last few runs (each run writes both files, so pairs stay together). */
export const BACKUPS_KEPT = 5;

/** Backups made by this process: never pruned, so "restore the backups" always has its files. */
const madeThisRun = new Set<string>();

export function rememberBackup(backupPath: string): void {
	madeThisRun.add(path.resolve(backupPath));
}

/** Names safe-write gives backups: the file's name, `.bak-`, a timestamp, maybe `-N` for a second one in the same second. */
function backupPattern(base: string): RegExp {
	const escaped = base.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
	return new RegExp(`^${escaped}\\.bak-(\\d{8}-\\d{6})(?:-(\\d+))?$`);
}

/** Oldest first: by timestamp, then by the same-second counter. */
function compareBackups(a: {stamp: string; counter: number}, b: {stamp: string; counter: number}): number {
	return a.stamp < b.stamp ? -1 : a.stamp > b.stamp ? 1 : a.counter - b.counter;
}

/**
 * Remove all but the newest `keep` backups of `file` (its real path, as
 * safe-write resolves it). Only regular files with our exact naming are
 * touched, never a symlink, never a backup this run made. Returns how many
 * were removed; a backup that cannot be removed is left and not counted.
 */
export async function pruneBackups(file: string, keep = BACKUPS_KEPT): Promise<number> {
	let where: ReturnType<typeof locate>;
	try {
		// Listed and removed as the user who controls the directory (as-owner.ts).
		where = locate(path.dirname(file));
	} catch {
		return 0;
	}

	const directory = where.path;
	const pattern = backupPattern(path.basename(file));
	let names: string[];
	try {
		names = withCredentials(where.actor, () => readdirSync(directory));
	} catch {
		return 0;
	}

	const backups = names
		.map(name => ({name, match: pattern.exec(name)}))
		.filter((entry): entry is {name: string; match: RegExpExecArray} => entry.match !== null)
		.map(({name, match}) => ({name, stamp: match[1]!, counter: Number(match[2] ?? 0)}))
		.sort(compareBackups);
	const surplus = backups.slice(0, Math.max(0, backups.length - keep));
	let removed = 0;
	for (const backup of surplus) {
		const full = path.join(directory, backup.name);
		if (madeThisRun.has(path.resolve(full))) continue;
		try {
			const gone = withCredentials(where.actor, () => {
				if (!lstatSync(full).isFile()) return false;
				unlinkSync(full);
				return true;
			});
			if (gone) removed++;
		} catch {
			// Gone already, or not ours to remove: pruning is housekeeping, never a reason to fail a write.
		}
	}

	return removed;
}

/** One earlier state of the configuration: the backups a write made, at one time. */
export interface BackupSet {
	/** YYYYMMDD-HHMMSS[-N], as in the names. */
	readonly stamp: string;
	/** When, for people: 2026-11-24 10:15:00. */
	readonly when: string;
	/** Each file's backup from that write, with the file it goes back to. */
	readonly files: ReadonlyArray<{readonly path: string; readonly backup: string}>;
}

/** The backups beside these files, newest first, grouped by the write that made them (settings.py and the secrets file together). */
export async function listBackupSets(files: readonly string[]): Promise<BackupSet[]> {
	const byStamp = new Map<string, Array<{path: string; backup: string}>>();
	for (const file of files) {
		let where: ReturnType<typeof locate>;
		try {
			where = locate(file);
		} catch {
			continue;
		}

		const target = where.path;
		const directory = path.dirname(target);
		const pattern = backupPattern(path.basename(target));
		const names = withCredentials(where.actor, () => {
			try {
				return readdirSync(directory);
			} catch {
				return [] as string[];
			}
		});
		for (const name of names) {
			const match = pattern.exec(name);
			if (!match) continue;
			const full = path.join(directory, name);
			const isFile = withCredentials(where.actor, () => {
				try {
					return lstatSync(full).isFile();
				} catch {
					return false;
				}
			});
			if (!isFile) continue;
			const stamp = match[1]! + (match[2] ? `-${match[2]}` : '');
			byStamp.set(stamp, [...(byStamp.get(stamp) ?? []), {path: file, backup: full}]);
		}
	}

	return [...byStamp.entries()]
		.sort(([a], [b]) => (a < b ? 1 : a > b ? -1 : 0))
		.map(([stamp, entries]) => ({
			stamp,
			when: `${stamp.slice(0, 4)}-${stamp.slice(4, 6)}-${stamp.slice(6, 8)} ${stamp.slice(9, 11)}:${stamp.slice(11, 13)}:${stamp.slice(13, 15)}`,
			files: entries,
		}));
}
