/**
 * One run at a time on the same files: two runs that each read the files,
 * then each write their answers, could leave Bob's user with Alice's
 * password. A run that may write holds this lock from before it reads the
 * files until its last rename (released at exit).
 *
 * The lock is a file beside settings.py, `.settings.py.zulip-email-setup.lock`,
 * that appears whole or not at all (written under a private name, then
 * link()ed, which fails if the name exists), holding the holder's PID, the
 * start time of that PID (so a reused PID is no holder) and its command line.
 * A lock whose holder is gone is stale and taken over; so is one whose
 * holder cannot be verified (not a regular file, not our JSON, no start
 * time, a PID whose start time differs): a planted or broken lock never
 * wedges every run. A run verifies it still holds its own lock right before
 * writing. The lock lives in the directory of settings.py, so all its work
 * is done as the user who controls that directory (as-owner.ts).
 */
import {closeSync, fstatSync, linkSync, lstatSync, openSync, readFileSync, renameSync, rmSync, unlinkSync, writeSync, constants} from 'node:fs';
import path from 'node:path';
import {locate, withCredentials, type Credentials} from './as-owner.js';
import {ConfigError} from './errors.js';
import {visibleControls} from './shown-text.js';

interface Holder {
	readonly pid: number;
	/** Field 22 of /proc/PID/stat: tells a live holder from a new process that got its PID. */
	readonly started: string | null;
	readonly command: string;
}

export interface RunLock {
	readonly path: string;
	/** Throws unless this run still holds the lock (nobody broke it as stale). */
	verify(): void;
	release(): void;
}

const errorCode = (error: unknown) => (error as NodeJS.ErrnoException | undefined)?.code;

function processStart(pid: number): string | null {
	try {
		const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
		// The command name (field 2) may hold spaces and parentheses: count from the last ')'.
		return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
	} catch {
		return null;
	}
}

/** A holder that can be verified: its PID runs and started when the record says. */
function alive(holder: Holder): boolean {
	if (holder.started === null) return false;
	try {
		process.kill(holder.pid, 0);
	} catch (error) {
		// EPERM: it exists, owned by someone else.
		if (errorCode(error) !== 'EPERM') return false;
	}

	const started = processStart(holder.pid);
	// A start time /proc hides from us (hidepid) cannot be compared: the PID exists, so it is taken as the holder.
	return started === null || started === holder.started;
}

/** The record in `file`, or undefined when it is missing, not a regular file, or not a record of ours. */
function readHolder(file: string): Holder | undefined {
	try {
		const fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
		try {
			if (!fstatSync(fd).isFile()) return undefined;
			const parsed = JSON.parse(readFileSync(fd, 'utf8')) as Partial<Holder>;
			if (typeof parsed.pid !== 'number' || !Number.isInteger(parsed.pid) || parsed.pid <= 0) return undefined;
			return {pid: parsed.pid, started: typeof parsed.started === 'string' ? parsed.started : null, command: typeof parsed.command === 'string' ? parsed.command : '?'};
		} finally {
			closeSync(fd);
		}
	} catch {
		return undefined;
	}
}

interface LockPlace {
	readonly path: string;
	/** Who controls the lock's directory: its work is done with these credentials. */
	readonly actor: Credentials | null;
}

function lockPlace(settingsPath: string): LockPlace {
	// Beside the real file, so two paths to one file share one lock.
	const real = locate(settingsPath).path;
	const directory = locate(path.dirname(real));
	return {path: path.join(directory.path, `.${path.basename(real)}.zulip-email-setup.lock`), actor: directory.actor};
}

/** The lock's path for a settings file. */
export function lockPathFor(settingsPath: string): string {
	return lockPlace(settingsPath).path;
}

/** Put our holder record in place under `lock`, or return false if the name is taken. */
function tryCreate(lock: string, me: Holder): number | false {
	const temp = `${lock}.${process.pid}-${randomSuffix()}`;
	const fd = openSync(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o644);
	try {
		writeSync(fd, JSON.stringify(me) + '\n');
	} finally {
		closeSync(fd);
	}

	try {
		linkSync(temp, lock);
		return lstatSync(lock).ino;
	} catch (error) {
		if (errorCode(error) === 'EEXIST') return false;
		throw error;
	} finally {
		try {
			unlinkSync(temp);
		} catch {
			// Gone already.
		}
	}
}

/** Move a stale lock away (whatever it is: a file, a directory, a link); whatever was moved that is not that lock goes back. */
function breakStale(lock: string, stale: Holder | undefined): void {
	const aside = `${lock}.stale-${process.pid}-${randomSuffix()}`;
	try {
		renameSync(lock, aside);
	} catch {
		return;
	}

	const moved = readHolder(aside);
	if (moved && alive(moved) && (moved.pid !== stale?.pid || moved.started !== stale.started)) {
		// Another run took the lock in between: put it back (its verify() catches the rare case this fails).
		try {
			linkSync(aside, lock);
		} catch {
			// Someone holds the name now; the run we moved aside will find out in verify().
		}
	}

	try {
		// A planted directory goes too: it is in the lock's directory, removed with its owner's rights.
		rmSync(aside, {recursive: true, force: true});
	} catch {
		// Nothing to clean.
	}
}

function lockedError(lock: string, holder: Holder | undefined): ConfigError {
	// The holder record is a file: whoever could write it chooses this text.
	const who = holder ? visibleControls(`process ${holder.pid} (${holder.command})`) : 'another process';
	return new ConfigError(
		`Another zulip-email-setup is working on these files: ${who}. Nothing was written.`,
		`Let it finish (or stop it), then run again. If no such process exists, delete ${lock}.`,
		'locked',
	);
}

/**
 * Take the lock for `settingsPath`, waiting up to `waitMs` for a live
 * holder; then ConfigError (exit 3) naming it.
 */
export async function acquireRunLock(settingsPath: string, options: {waitMs?: number; signal?: AbortSignal} = {}): Promise<RunLock> {
	const {path: lock, actor} = lockPlace(settingsPath);
	const as = <T>(work: () => T): T => withCredentials(actor, work);
	const me: Holder = {pid: process.pid, started: processStart(process.pid), command: process.argv.slice(1).join(' ') || process.title};
	const deadline = Date.now() + (options.waitMs ?? 3000);
	let holder: Holder | undefined;
	for (;;) {
		options.signal?.throwIfAborted();
		const ino = as(() => tryCreate(lock, me));
		if (ino !== false) return heldLock(lock, ino, as);
		holder = as(() => readHolder(lock));
		const present = as(() => lstatSync(lock, {throwIfNoEntry: false}));
		// A holder that cannot be verified is no holder: a planted `{"pid":1}`, garbage, a directory or a link.
		if (present && (!holder || !alive(holder))) {
			as(() => breakStale(lock, holder));
			continue;
		}

		if (Date.now() >= deadline) throw lockedError(lock, holder);
		await new Promise(resolve => setTimeout(resolve, 100));
	}
}

function heldLock(lock: string, ino: number, as: <T>(work: () => T) => T): RunLock {
	let held = true;
	const stillOurs = () => as(() => {
		try {
			return lstatSync(lock).ino === ino && readHolder(lock)?.pid === process.pid;
		} catch {
			return false;
		}
	});

	const release = () => {
		if (!held) return;
		held = false;
		process.off('exit', release);
		if (stillOurs()) {
			as(() => {
				try {
					unlinkSync(lock);
				} catch {
					// Already gone.
				}
			});
		}
	};

	// However the run ends (an error, a signal handled by the CLI), the lock goes with it.
	process.on('exit', release);
	return {
		path: lock,
		verify() {
			if (!held || !stillOurs()) {
				throw new ConfigError(`The lock ${lock} was taken over by another run, so nothing more was written.`, 'Run zulip-email-setup again once the other run has finished.', 'locked');
			}
		},
		release,
	};
}

/** Twelve random hex digits, from the global Web Crypto: node:crypto loads only when a name is made, not on the way to the first frame. */
function randomSuffix(): string {
	return Buffer.from(globalThis.crypto.getRandomValues(new Uint8Array(6))).toString('hex');
}
