import {closeSync, constants, createReadStream, fstatSync, lstatSync, openSync, readdirSync} from 'node:fs';
import {locateInside, withCredentials, type Credentials} from '../engine/as-owner.js';
import path from 'node:path';
import type {Readable} from 'node:stream';
import {createGunzip} from 'node:zlib';
import {ConfigError} from '../engine/errors.js';
import {visibleControls} from '../engine/shown-text.js';
import {boundedLines} from './line-reader.js';
import {classifyLogFailure, LOG_ONLY_DIAGNOSES, logFix, type FailureEvidence, type LogFailureId, type LogOnlyId} from './mail-log-classify.js';
import {DIAGNOSES} from '../smtp/diagnoses.js';
import type {DiagnosisId} from '../smtp/types.js';

/*
 * Zulip's own record of every mail it tried to send.
 *
 * send_email.log: zerver/lib/send_email.py logs through
 * logging.getLogger("zulip.send_email"), attached by
 * zerver/lib/logging_util.py log_to_file() with Python's
 * "%(asctime)s %(levelname)-8s %(message)s" (asctime "2026-12-07 23:10:00,123",
 * local time); the path is EMAIL_LOG_PATH, /var/log/zulip/send_email.log
 * (zproject/computed_settings.py). Its messages, by release:
 * - every release since 1.7: "Sending %s email to %s" (template name, then
 *   mail.to, a Python list; later releases add " in <realm>" and
 *   " (triggered from <IP>)" when known);
 * - older releases (1.7 through the 2.x/3.x era, `if mail.send() == 0:`):
 *   "Error sending %s email to %s" with no reason: an SMTP exception
 *   propagated and its traceback went to errors.log only;
 * - later releases (a try/except around connection.send_messages):
 *   "Error sending %s email to %s with error code %s: %s"
 *   (smtplib.SMTPResponseException: smtp_code, smtp_error), "Error sending %s
 *   email to %s: %s" (other SMTPException; the newest also OSError), both via
 *   logger.exception(..., stack_info=True): a traceback and a "Stack (most
 *   recent call last):" section follow on the next lines; and "Unknown error
 *   sending %s email to %s" when Django reports 0 mails sent.
 * errors.log: the root logger's WARNING handler with ZulipFormatter
 * (zerver/lib/logging_util.py): "%(asctime)s %(zulip_level_abbrev)-4s
 * [%(zulip_origin)s] %(message)s" (asctime with ".123", levels DEBG INFO WARN
 * ERR CRIT, optionally "pid:N" before the origin). The send_email logger's
 * errors reach it too (origin zulip.send_email): those are counted once, from
 * send_email.log.
 *
 * Both files are rotated by logrotate (.1 plain, .2.gz and older compressed).
 */

/** Lines longer than this are cut: a traceback line or an SMTP reply is far shorter. */
export const MAX_LINE_BYTES = 16 * 1024;
/** How much of an example or an exception line is kept. */
const MAX_SHOWN = 400;

export interface MailLogOptions {
	/** Where Zulip writes its logs: /var/log/zulip by default. */
	readonly dir: string;
	/** The window's start; records before it are not counted. */
	readonly since: Date;
	readonly signal?: AbortSignal;
}

export interface LogDay {
	/** YYYY-MM-DD, in the server's local time as the log writes it. */
	readonly day: string;
	readonly attempts: number;
	readonly failures: number;
}

export interface LogGroup {
	readonly id: LogFailureId;
	/** One line: what the id means. */
	readonly meaning: string;
	readonly count: number;
	/** The log's own timestamps, "2026-12-07 23:10:00". */
	readonly first: string;
	readonly last: string;
	/** One of the failures as logged, every address shown by its domain only, control characters visible. */
	readonly example: string;
	readonly fix: string;
}

export interface UnreadableLog {
	readonly path: string;
	readonly reason: string;
}

export interface MailLogSummary {
	readonly dir: string;
	/** The window's start, ISO 8601. */
	readonly since: string;
	readonly attempts: number;
	readonly failures: number;
	readonly days: readonly LogDay[];
	/** Most frequent first. */
	readonly groups: readonly LogGroup[];
	/** The files read, newest name first. */
	readonly files: readonly string[];
	readonly unreadable: readonly UnreadableLog[];
	/** Lines longer than MAX_LINE_BYTES, cut. */
	readonly longLines: number;
}

/** The logs cannot be read at all (exit 3), with why. */
export class LogsUnreadableError extends ConfigError {
	constructor(message: string, fix: string, readonly unreadable: readonly UnreadableLog[] = []) {
		super(message, fix, 'logs-unreadable');
	}
}

const SEND_EMAIL = /^send_email\.log(?:\.(\d+))?(\.gz)?$/;
const ERRORS = /^errors\.log(?:\.(\d+))?(\.gz)?$/;
// Python's "%(asctime)s": local time, milliseconds after a comma (logging.Formatter) or a dot (ZulipFormatter).
const STAMP = /^(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)[,.](\d{3}) /;
const SEND_HEADER = /^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)[,.]\d{3} (DEBUG|INFO|WARNING|ERROR|CRITICAL)\s+(.*)$/s;
const ERRORS_HEADER = /^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)\.\d{3} (DEBG|INFO|WARN|ERR|CRIT|\S{1,4})\s+(?:pid:\d+ )?\[([^\]]*)\] (.*)$/s;

interface LogRecord {
	readonly stamp: string;
	readonly time: number;
	readonly level: string;
	readonly origin?: string;
	readonly message: string;
	/** The last exception line of its traceback, if any. */
	exception?: string;
	/** The traceback went through smtplib or Django's mail backend. */
	viaMail: boolean;
}

interface Failure {
	readonly id: LogFailureId;
	readonly stamp: string;
	readonly time: number;
	readonly example: string;
}

function stampTime(line: string): number | undefined {
	const match = STAMP.exec(line);
	if (!match) return undefined;
	const [year, month, day, hour, minute, second, ms] = match.slice(1).map(Number) as [number, number, number, number, number, number, number];
	return new Date(year, month - 1, day, hour, minute, second, ms).getTime();
}

/** Every address as …@domain: the log names real people; a report shows where mail went, not to whom. */
export function domainsOnly(text: string): string {
	return text.replace(/[^\s<>'"[\](),:;]+@([A-Za-z0-9.-]+)/g, '…@$1');
}

function shown(text: string): string {
	const short = text.length > MAX_SHOWN ? `${text.slice(0, MAX_SHOWN)}…` : text;
	return visibleControls(domainsOnly(short)).replace(/\n/g, ' ');
}

/** A traceback's exception line: "smtplib.SMTPAuthenticationError: (535, …)", "TimeoutError: timed out". */
const EXCEPTION_LINE = /^(?:[A-Za-z_][\w]*\.)*[A-Za-z_]\w*(?:Error|Exception|Refused|Disconnected|timeout|gaierror|Exit)\b(?::.*)?$/;

/** Reads one file's records, calling `onRecord` for each; header lines and the traceback lines after them. */
async function readRecords(stream: Readable, kind: 'send' | 'errors', onRecord: (record: LogRecord) => void, onLongLine: () => void): Promise<void> {
	let current: LogRecord | undefined;
	let inTraceback = false;
	for await (const {text, truncated} of boundedLines(stream, MAX_LINE_BYTES)) {
		if (truncated) onLongLine();
		const header = kind === 'send' ? SEND_HEADER.exec(text) : ERRORS_HEADER.exec(text);
		const time = header ? stampTime(text) : undefined;
		if (header && time !== undefined) {
			if (current) onRecord(current);
			const message = (kind === 'send' ? header[3] : header[4])!;
			current = {stamp: header[1]!, time, level: header[2]!, origin: kind === 'errors' ? header[3] : undefined, message: message.slice(0, MAX_LINE_BYTES), viaMail: false};
			inTraceback = false;
			continue;
		}

		if (!current) continue;
		if (text.startsWith('Traceback (most recent call last):')) inTraceback = true;
		else if (text.startsWith('Stack (most recent call last):')) inTraceback = false;
		else if (inTraceback) {
			if (/smtplib\.py|django\/core\/mail|ssl\.py|send_email\.py/.test(text)) current.viaMail = true;
			if (EXCEPTION_LINE.test(text)) current.exception = text.slice(0, MAX_SHOWN * 2);
		}
	}

	if (current) onRecord(current);
}

const SENDING = /^Sending \S+ email to /;
const ERROR_WITH_CODE = /^Error sending \S+ email to (?:\[.*?['"]\]|\S+) with error code (\d+): (.*)$/s;
const ERROR_WITH_TEXT = /^Error sending \S+ email to (?:\[.*?['"]\]|\[\]|\S+): (.*)$/s;
const ERROR_BARE = /^(?:Unknown error|Error) sending \S+ email to /;

/** A record of send_email.log as an attempt, a failure, or neither (a warning about a template's language). */
function sendRecordKind(record: LogRecord): {attempt: true} | {failure: FailureEvidence} | undefined {
	const {message} = record;
	if (SENDING.test(message)) return {attempt: true};
	const withCode = ERROR_WITH_CODE.exec(message);
	if (withCode) return {failure: {code: Number(withCode[1]), text: withCode[2]!, exception: record.exception}};
	const withText = ERROR_WITH_TEXT.exec(message);
	if (withText) return {failure: {text: withText[1]!, exception: record.exception}};
	if (ERROR_BARE.test(message)) return {failure: {text: '', exception: record.exception}};
	return undefined;
}

/** Why a file cannot be read, in words. */
function reasonOf(error: unknown): string {
	const code = (error as NodeJS.ErrnoException)?.code;
	switch (code) {
		case 'EACCES':
		case 'EPERM': return 'permission denied: run as root, or as a user in the zulip group';
		case 'ENOENT': return 'no such file';
		case 'ELOOP': return 'a symbolic link: not followed';
		case 'ENOTDIR': return 'not a directory';
		case 'EISDIR': return 'a directory, not a file';
		case 'Z_DATA_ERROR':
		case 'Z_BUF_ERROR': return 'not a valid gzip file';
		default: return visibleControls((error as Error)?.message ?? String(error));
	}
}

/**
 * Open a log file for reading: as the user who controls its directory (zulip
 * owns /var/log/zulip, so root never follows a name that user can change:
 * engine/as-owner.ts), never through a symbolic link, only a regular file (a
 * FIFO would hang the read).
 */
function openLog(directory: string, actor: Credentials | null, name: string): Readable {
	const fd = withCredentials(actor, () => openSync(path.join(directory, name), constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK | constants.O_NOCTTY));
	try {
		if (!fstatSync(fd).isFile()) throw Object.assign(new Error('not a regular file'), {code: 'ENOTREG'});
	} catch (error) {
		closeSync(fd);
		throw error;
	}

	const raw = createReadStream('', {fd, autoClose: true, highWaterMark: 64 * 1024});
	if (!name.endsWith('.gz')) return raw;
	const gunzip = createGunzip();
	raw.on('error', error => gunzip.destroy(error));
	return raw.pipe(gunzip);
}

function rotation(name: string, pattern: RegExp): number {
	const match = pattern.exec(name);
	return match?.[1] === undefined ? 0 : Number(match[1]);
}

function dayOf(stamp: string): string {
	return stamp.slice(0, 10);
}

/** A traceback in errors.log this close to a send_email.log failure is the same failure. */
const SAME_FAILURE_MS = 5000;

/**
 * Read send_email.log and errors.log (and their rotated copies that reach
 * into the window) in bounded memory, and sum up what happened to mail.
 * Throws LogsUnreadableError when no send_email.log can be read.
 */
export async function readMailLog(options: MailLogOptions): Promise<MailLogSummary> {
	const {dir, since, signal} = options;
	const sinceMs = since.getTime();
	let names: string[];
	let place: {path: string; actor: Credentials | null};
	try {
		place = locateInside(dir);
		const {path: real, actor} = place;
		names = withCredentials(actor, () => readdirSync(real));
	} catch (error) {
		const reason = reasonOf(error);
		throw new LogsUnreadableError(`Zulip's logs in ${visibleControls(dir)} cannot be read: ${reason}.`, 'Pass --log-dir with the directory that holds send_email.log (Zulip writes to /var/log/zulip); reading it needs root or the zulip group.', [{path: dir, reason}]);
	}

	const pick = (pattern: RegExp) => names.filter(name => pattern.test(name)).sort((a, b) => rotation(a, pattern) - rotation(b, pattern));
	const sendFiles = pick(SEND_EMAIL);
	const errorFiles = pick(ERRORS);
	const unreadable: UnreadableLog[] = [];
	const files: string[] = [];
	let longLines = 0;
	const days = new Map<string, {attempts: number; failures: number}>();
	const failures: Failure[] = [];
	const tracebacks: Failure[] = [];
	const dayEntry = (stamp: string) => {
		const day = dayOf(stamp);
		let entry = days.get(day);
		if (!entry) days.set(day, (entry = {attempts: 0, failures: 0}));
		return entry;
	};

	const readFile = async (name: string, kind: 'send' | 'errors'): Promise<boolean> => {
		signal?.throwIfAborted();
		const file = path.join(dir, name);
		try {
			// A rotated file last written before the window holds nothing in it.
			const info = withCredentials(place.actor, () => lstatSync(path.join(place.path, name)));
			if (info.isFile() && info.mtimeMs < sinceMs) return true;
			const stream = openLog(place.path, place.actor, name);
			files.push(file);
			await readRecords(stream, kind, record => {
				if (record.time < sinceMs) return;
				if (kind === 'send') {
					const found = sendRecordKind(record);
					if (!found) return;
					if ('attempt' in found) {
						dayEntry(record.stamp).attempts++;
						return;
					}

					dayEntry(record.stamp).failures++;
					const id = classifyLogFailure(found.failure);
					failures.push({id, stamp: record.stamp, time: record.time, example: shown(record.exception && !found.failure.text ? `${record.message} (${record.exception})` : record.message)});
					return;
				}

				// errors.log: only a mail traceback that send_email.log did not record (older releases, before the try/except in send_email.py).
				if (record.origin === 'zulip.send_email' || !record.viaMail || !record.exception) return;
				const id = classifyLogFailure({text: '', exception: record.exception});
				tracebacks.push({id, stamp: record.stamp, time: record.time, example: shown(`${record.message} (${record.exception})`)});
			}, () => longLines++);
			return true;
		} catch (error) {
			if (signal?.aborted) throw signal.reason;
			unreadable.push({path: file, reason: reasonOf(error)});
			return false;
		}
	};

	let sendRead = false;
	for (const name of sendFiles) sendRead = (await readFile(name, 'send')) || sendRead;
	if (!sendRead) {
		const why = sendFiles.length === 0 ? `there is no send_email.log in ${visibleControls(dir)}` : unreadable.map(entry => `${visibleControls(entry.path)}: ${entry.reason}`).join('; ');
		throw new LogsUnreadableError(`Zulip's mail log cannot be read: ${why}.`, 'Pass --log-dir with the directory that holds send_email.log (Zulip writes to /var/log/zulip); reading it needs root or the zulip group.', unreadable);
	}

	for (const name of errorFiles) await readFile(name, 'errors');
	const sendTimes = failures.map(failure => failure.time);
	for (const traceback of tracebacks) {
		if (sendTimes.some(time => Math.abs(time - traceback.time) <= SAME_FAILURE_MS)) continue;
		failures.push(traceback);
		dayEntry(traceback.stamp).failures++;
	}

	return {
		dir,
		since: since.toISOString(),
		attempts: [...days.values()].reduce((sum, day) => sum + day.attempts, 0),
		failures: failures.length,
		days: [...days.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([day, counts]) => ({day, ...counts})),
		groups: groupFailures(failures),
		files,
		unreadable,
		longLines,
	};
}

function meaningOf(id: LogFailureId): string {
	return id in LOG_ONLY_DIAGNOSES ? LOG_ONLY_DIAGNOSES[id as LogOnlyId].meaning : DIAGNOSES[id as DiagnosisId].meaning;
}

function groupFailures(failures: readonly Failure[]): LogGroup[] {
	const groups = new Map<LogFailureId, Failure[]>();
	for (const failure of failures) {
		const list = groups.get(failure.id) ?? [];
		list.push(failure);
		groups.set(failure.id, list);
	}

	return [...groups.entries()]
		.map(([id, list]) => {
			const sorted = [...list].sort((a, b) => a.time - b.time);
			const last = sorted.at(-1)!;
			return {id, meaning: meaningOf(id), count: list.length, first: sorted[0]!.stamp, last: last.stamp, example: last.example, fix: logFix(id)};
		})
		.sort((a, b) => b.count - a.count || a.id.localeCompare(b.id));
}

/** The default log directory Zulip writes to (zproject/computed_settings.py). */
export const DEFAULT_LOG_DIR = '/var/log/zulip';
