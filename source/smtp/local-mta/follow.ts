import {setTimeout as sleep} from 'node:timers/promises';
import {visibleControls} from '../../engine/shown-text.js';
import {onPath, readLogTail, runTool, type ToolEnvironment} from './tools.js';

/**
 * What the mail server on this machine did with one test mail after it said
 * 250 to it: `relayed` (handed to another server), `delivered` (to a local
 * mailbox or transport, as configured), `deferred` (will be retried: the
 * reason says why), `frozen` (held; Exim's "frozen", Postfix's hold queue),
 * `bounced` (failed for good), `queued` (no decision before the deadline),
 * `left-queue` (gone from the queue, its fate not in any log readable here).
 */
export type MailFate = 'relayed' | 'delivered' | 'deferred' | 'frozen' | 'bounced' | 'queued' | 'left-queue';

/** One test mail as the live test handed it over. */
export interface HandedOver {
	/** How the mail is named to the admin, e.g. `"Zulip email test" from admin@example.com`. */
	readonly label: string;
	/** The final 250 reply to the message: Exim says `250 OK id=…`, Postfix `250 2.0.0 Ok: queued as …`. */
	readonly reply: string;
	/** Without angle brackets. */
	readonly messageId: string;
}

export interface FollowedMail {
	readonly label: string;
	readonly queueId?: string;
	readonly fate: MailFate;
	/** The mail server's own words (log lines), control characters made visible. */
	readonly reason?: string;
}

export type MtaKind = 'exim' | 'postfix' | 'sendmail';

export interface LocalMtaReport {
	/** The mail server as named to the admin, e.g. "Exim", "Postfix". */
	readonly mta?: string;
	readonly kind?: MtaKind;
	readonly mails: readonly FollowedMail[];
	/** Why the fate of the mails could not be read: then the test covered only the hand-over. */
	readonly unchecked?: string;
	/** Where the fates were read, e.g. "/var/log/exim4/mainlog and exim4 -bp". */
	readonly source?: string;
}

export interface FollowOptions extends ToolEnvironment {
	readonly mails: readonly HandedOver[];
	/** The greeting of the server that took the mails, to tell which MTA it is. */
	readonly banner?: string;
	/** How long to wait for a decision on every mail, in ms; default 20 s. */
	readonly deadlineMs?: number;
	/** Between two looks at the log and queue; default 250 ms. */
	readonly intervalMs?: number;
}

const finalFates = new Set<MailFate>(['relayed', 'delivered', 'deferred', 'frozen', 'bounced']);

/** The fates that count as "left the machine or delivered here as intended". */
export function leftAsIntended(fate: MailFate): boolean {
	return fate === 'relayed' || fate === 'delivered';
}

/** The queue id in the 250 reply to the message, when the MTA says it. */
export function queueIdFromReply(reply: string): string | undefined {
	const exim = /\bid=([0-9A-Za-z]{6}-[0-9A-Za-z]{6,11}-[0-9A-Za-z]{2,4})\b/.exec(reply);
	if (exim) return exim[1];
	const postfix = /\bqueued as ([0-9A-Za-z]{5,})\b/i.exec(reply);
	return postfix?.[1];
}

/** Which MTA the greeting names. */
export function mtaFromBanner(banner: string | undefined): MtaKind | undefined {
	if (!banner) return undefined;
	if (/\bExim\b/i.test(banner)) return 'exim';
	if (/\bPostfix\b/i.test(banner)) return 'postfix';
	if (/\b(?:Sendmail|OpenSMTPD|qmail)\b/i.test(banner)) return 'sendmail';
	return undefined;
}

const shown = (text: string) => visibleControls(text.trim()).slice(0, 600);

// ---- Exim ------------------------------------------------------------------

/** Exim's mainlog lines for one message, read into a fate; undefined while no decision is logged. */
export function eximFate(lines: readonly string[], queueId: string): {fate: MailFate; reason?: string} | undefined {
	const mine = lines.filter(line => line.includes(` ${queueId} `) || line.endsWith(` ${queueId}`));
	const after = (marker: string) => mine.filter(line => line.includes(` ${queueId} ${marker} `)).map(line => line.slice(line.indexOf(` ${queueId} ${marker} `) + queueId.length + marker.length + 3));
	const failed = after('**');
	const delivered = [...after('=>'), ...after('->')];
	const deferred = after('==');
	const completed = mine.some(line => line.endsWith(` ${queueId} Completed`));
	const frozen = mine.some(line => / Frozen\b/.test(line.slice(line.indexOf(queueId))));
	if (failed.length > 0) return {fate: 'bounced', reason: shown(failed.join(' | '))};
	if (completed && delivered.length > 0) {
		// A remote transport names the host it handed the mail to (H=); a local one does not.
		const relayed = delivered.some(text => / H=\S/.test(text));
		return {fate: relayed ? 'relayed' : 'delivered', reason: shown(delivered.join(' | '))};
	}

	// Frozen after a deferral: the deferral says why.
	if (frozen) return {fate: 'frozen', reason: shown([...deferred.slice(-1), 'then frozen'].join(' | '))};
	if (deferred.length > 0) return {fate: 'deferred', reason: shown(deferred.at(-1)!)};
	return undefined;
}

/** The queue id Exim gave a message, found by its Message-ID in the `<=` line. */
export function eximIdFor(lines: readonly string[], messageId: string): string | undefined {
	for (const line of lines) {
		const match = / ([0-9A-Za-z]{6}-[0-9A-Za-z]{6,11}-[0-9A-Za-z]{2,4}) <= .* id=(\S+)/.exec(line);
		if (match && match[2] === messageId) return match[1];
	}

	return undefined;
}

// ---- Postfix ---------------------------------------------------------------

/** Postfix's log lines for one queue id, read into a fate; undefined while no decision is logged. */
export function postfixFate(lines: readonly string[], queueId: string): {fate: MailFate; reason?: string} | undefined {
	const mine = lines.filter(line => line.includes(`: ${queueId}: `));
	const statuses = mine.map(line => /\bstatus=(\w+)/.exec(line)?.[1]).filter((status): status is string => Boolean(status));
	const words = (status: string) => mine.filter(line => line.includes(`status=${status}`)).map(line => line.slice(line.indexOf(`: ${queueId}: `) + queueId.length + 4));
	if (statuses.includes('bounced') || statuses.includes('expired')) return {fate: 'bounced', reason: shown([...words('bounced'), ...words('expired')].join(' | '))};
	if (mine.some(line => line.includes(`: ${queueId}: hold:`))) return {fate: 'frozen', reason: shown(mine.find(line => line.includes(`: ${queueId}: hold:`))!)};
	const sent = words('sent');
	const removed = mine.some(line => line.endsWith(`: ${queueId}: removed`));
	if (removed && sent.length > 0) {
		// relay=local, virtual or none (discard, a pipe) stays on this machine.
		const relayed = sent.some(text => /\brelay=(?!local\b|virtual\b|none\b)[^,\s]+/.test(text));
		return {fate: relayed ? 'relayed' : 'delivered', reason: shown(sent.join(' | '))};
	}

	const deferred = words('deferred');
	if (deferred.length > 0) return {fate: 'deferred', reason: shown(deferred.at(-1)!)};
	return undefined;
}

/** The queue id Postfix's cleanup gave a Message-ID. */
export function postfixIdFor(lines: readonly string[], messageId: string): string | undefined {
	for (const line of lines) {
		const match = /: ([0-9A-Za-z]{5,}): message-id=<?([^>\s]+)>?/.exec(line);
		if (match && match[2] === messageId) return match[1];
	}

	return undefined;
}

/** `postqueue -j`: one JSON object a line. */
export function postqueueEntry(output: string, queueId: string): {queue: string; reason?: string} | undefined {
	for (const line of output.split('\n')) {
		if (!line.trim().startsWith('{')) continue;
		try {
			const entry = JSON.parse(line) as {queue_name?: string; queue_id?: string; recipients?: Array<{delay_reason?: string}>};
			if (entry.queue_id === queueId) {
				const reason = entry.recipients?.map(recipient => recipient.delay_reason).filter(Boolean).join(' | ');
				return {queue: entry.queue_name ?? 'unknown', ...(reason ? {reason: shown(reason)} : {})};
			}
		} catch {
			// Not JSON: not a queue entry.
		}
	}

	return undefined;
}

// ---- the loop --------------------------------------------------------------

interface Looker {
	readonly mta: string;
	readonly kind: MtaKind;
	readonly source: string;
	/** One look: the fate of each mail so far (undefined: not decided yet). */
	look(mails: readonly HandedOver[]): Promise<Array<{queueId?: string; fate?: MailFate; reason?: string}>>;
}

const splitLines = (text: string | undefined) => (text ?? '').split('\n').filter(Boolean);

async function eximLooker(tool: string, options: FollowOptions): Promise<Looker | string> {
	const settings = await runTool(tool, ['-bP', 'log_file_path', 'spool_directory'], options);
	if (!settings.ok) return `\`${tool} -bP log_file_path\` failed: ${shown(settings.stderr || settings.stdout)}`;
	const value = (name: string) => new RegExp(`^${name}\\s*=\\s*(.*)$`, 'm').exec(settings.stdout)?.[1]?.trim() ?? '';
	const spool = value('spool_directory');
	// log_file_path may list syslog and a file; an empty one means <spool>/log/%slog.
	const paths = value('log_file_path').split(':').map(entry => entry.trim()).filter(entry => entry && entry !== 'syslog');
	const pattern = paths[0] ?? (value('log_file_path') === '' && spool ? `${spool}/log/%slog` : undefined);
	const mainlog = pattern?.replace('%s', 'main').replace('%D', '').replace('%M', '');
	const readLog = () => (mainlog ? readLogTail(mainlog) : undefined);
	if (readLog() === undefined) {
		return mainlog ? `Exim's log ${mainlog} cannot be read here${process.geteuid?.() === 0 ? '' : ' (run as root to read it)'}` : 'Exim logs only to syslog (log_file_path), which this tool does not read';
	}

	return {
		mta: 'Exim',
		kind: 'exim',
		source: `${mainlog!} and \`${tool.split('/').pop()!} -bp\``,
		async look(mails) {
			const lines = splitLines(readLog());
			const queue = await runTool(tool, ['-bp'], options);
			return mails.map(mail => {
				const queueId = queueIdFromReply(mail.reply) ?? eximIdFor(lines, mail.messageId);
				if (!queueId) return {};
				const fate = eximFate(lines, queueId);
				if (fate) return {queueId, ...fate};
				// The queue says frozen before the log does, when a delivery is still under way it says nothing.
				if (queue.ok && queue.stdout.split('\n').some(line => line.includes(queueId) && line.includes('*** frozen ***'))) return {queueId, fate: 'frozen' as const, reason: 'frozen in the queue'};
				return {queueId};
			});
		},
	};
}

async function postfixLooker(tool: string, options: FollowOptions): Promise<Looker | string> {
	const settings = await runTool(tool, ['-h', 'queue_directory', 'maillog_file'], options);
	if (!settings.ok) return `\`${tool} -h queue_directory maillog_file\` failed: ${shown(settings.stderr || settings.stdout)}`;
	const [, maillog = ''] = settings.stdout.split('\n').map(line => line.trim());
	const postqueue = onPath('postqueue', options);
	const readLog = () => (maillog ? readLogTail(maillog) : undefined);
	if (!maillog && !postqueue) return 'Postfix logs to syslog (maillog_file is empty) and postqueue is not on PATH';
	if (maillog && readLog() === undefined) return `Postfix's log ${maillog} (maillog_file) cannot be read here${process.geteuid?.() === 0 ? '' : ' (run as root to read it)'}`;
	return {
		mta: 'Postfix',
		kind: 'postfix',
		source: maillog ? `${maillog} (maillog_file) and \`postqueue -j\`` : '`postqueue -j` only (maillog_file is empty: Postfix logs to syslog)',
		async look(mails) {
			const lines = splitLines(readLog());
			const queue = postqueue ? await runTool(postqueue, ['-j'], options) : undefined;
			return mails.map(mail => {
				const queueId = queueIdFromReply(mail.reply) ?? postfixIdFor(lines, mail.messageId);
				if (!queueId) return {};
				const fate = maillog ? postfixFate(lines, queueId) : undefined;
				if (fate) return {queueId, ...fate};
				const entry = queue?.ok ? postqueueEntry(queue.stdout, queueId) : undefined;
				if (entry?.queue === 'hold') return {queueId, fate: 'frozen' as const, reason: entry.reason ?? 'in the hold queue'};
				if (entry?.queue === 'deferred') return {queueId, fate: 'deferred' as const, ...(entry.reason ? {reason: entry.reason} : {})};
				// Without a log, a mail gone from the queue was sent or bounced: which, only syslog knows.
				if (!maillog && queue?.ok && !entry) return {queueId, fate: 'left-queue' as const};
				return {queueId};
			});
		},
	};
}

function mailqLooker(tool: string, options: FollowOptions): Looker {
	return {
		mta: 'the mail server',
		kind: 'sendmail',
		source: '`mailq`',
		async look(mails) {
			const queue = await runTool(tool, [], options);
			return mails.map(mail => {
				const queueId = queueIdFromReply(mail.reply);
				if (!queueId || !queue.ok) return {};
				const at = queue.stdout.indexOf(queueId);
				if (at === -1) return {queueId, fate: 'left-queue' as const};
				const entry = queue.stdout.slice(at).split(/\n\s*\n/)[0] ?? '';
				const reason = /\(([^)]+)\)/.exec(entry)?.[1];
				if (/frozen|hold/i.test(entry)) return {queueId, fate: 'frozen' as const, reason: shown(reason ?? entry)};
				return reason ? {queueId, fate: 'deferred' as const, reason: shown(reason)} : {queueId};
			});
		},
	};
}

/** The MTA by the shape of the queue id it answered the mail with. */
function mtaFromReplies(mails: readonly HandedOver[]): MtaKind | undefined {
	for (const mail of mails) {
		if (/\bid=[0-9A-Za-z]{6}-[0-9A-Za-z]{6,11}-[0-9A-Za-z]{2,4}\b/.test(mail.reply)) return 'exim';
		if (/\bqueued as [0-9A-Za-z]{5,}\b/i.test(mail.reply)) return 'postfix';
	}

	return undefined;
}

/** Whether the server that took the mails shows itself as an MTA with a queue (by its greeting or its replies): only then is there something to follow. */
export function looksLikeMta(banner: string | undefined, mails: readonly HandedOver[]): boolean {
	return mtaFromBanner(banner) !== undefined || mtaFromReplies(mails) !== undefined;
}

/** The MTA's tools, chosen by the greeting (or the queue ids of its replies), found on PATH. */
async function chooseLooker(options: FollowOptions): Promise<Looker | string> {
	const byBanner = mtaFromBanner(options.banner) ?? mtaFromReplies(options.mails);
	const exim = onPath('exim4', options) ?? onPath('exim', options);
	const postconf = onPath('postconf', options);
	if (byBanner === 'exim' && exim) return eximLooker(exim, options);
	if (byBanner === 'postfix' && postconf) return postfixLooker(postconf, options);
	const mailq = onPath('mailq', options);
	if (mailq) return mailqLooker(mailq, options);
	const named = byBanner === 'exim' ? 'Exim (exim4 -bp)' : byBanner === 'postfix' ? 'Postfix (postconf, postqueue)' : 'the mail server (exim4, postconf or mailq)';
	return `the tools of ${named} are not on PATH`;
}

/**
 * Follow the test mails past the hand-over: ask the MTA on this machine,
 * through its own tools, where its log and queue are, then look at them
 * until every mail has a decision (relayed, delivered, deferred, frozen,
 * bounced) or the deadline passes. Never throws.
 */
export async function followLocalMail(options: FollowOptions): Promise<LocalMtaReport> {
	if (!looksLikeMta(options.banner, options.mails)) return {mails: [], unchecked: 'neither its greeting nor its replies name a mail server whose queue this tool can read (Exim, Postfix, Sendmail)'};
	const looker = await chooseLooker(options);
	if (typeof looker === 'string') return {mails: [], unchecked: looker};
	const deadline = Date.now() + (options.deadlineMs ?? 20_000);
	const interval = options.intervalMs ?? 250;
	let seen: Array<{queueId?: string; fate?: MailFate; reason?: string}> = [];
	for (;;) {
		seen = await looker.look(options.mails);
		const decided = seen.every(entry => entry.fate !== undefined && (finalFates.has(entry.fate) || entry.fate === 'left-queue'));
		if (decided || Date.now() >= deadline || options.signal?.aborted) break;
		try {
			await sleep(interval, undefined, {signal: options.signal});
		} catch {
			break;
		}
	}

	const seconds = Math.round((options.deadlineMs ?? 20_000) / 1000);
	const mails = options.mails.map((mail, index): FollowedMail => {
		const entry = seen[index] ?? {};
		const queueId = entry.queueId ? {queueId: entry.queueId} : {};
		if (entry.fate) return {label: mail.label, ...queueId, fate: entry.fate, ...(entry.reason ? {reason: entry.reason} : {})};
		return {label: mail.label, ...queueId, fate: 'queued', reason: entry.queueId ? `no delivery attempt finished within ${seconds} s` : `not found in ${looker.source} within ${seconds} s`};
	});
	const leftUnknown = mails.some(mail => mail.fate === 'left-queue');
	return {mta: looker.mta, kind: looker.kind, mails, source: looker.source, ...(leftUnknown ? {unchecked: `${looker.source} shows only that the mail left the queue, not whether it was sent or bounced (that is in the mail log)`} : {})};
}
