import {readFileSync} from 'node:fs';
import {credentialsOf, locate, type Writers} from './as-owner.js';
import {join} from 'node:path';
import {Redactor} from '../smtp/transcript.js';
import {runBounded} from './bounded-child.js';
import {visibleControls} from './shown-text.js';

/** send_test_email waits up to 15 s per SMTP step for two mails: two minutes covers a slow but working relay. */
export const CONFIRM_TIMEOUT_MS = 120_000;

/** Whose rights manage.py runs with: a user switched to, or this process's own (when it is not root). */
export type ConfirmIdentity = {readonly uid: number; readonly gid: number; readonly name: string} | {readonly self: true; readonly name: string};

export interface ConfirmResult {
	readonly ok: boolean;
	/** sent: Zulip said it sent both mails; failed: it said why not; timeout; cancelled; not-run: it could not be started. */
	readonly outcome: 'sent' | 'failed' | 'timeout' | 'cancelled' | 'not-run';
	readonly exitCode: number | null;
	/** What ran, for the admin to rerun by hand. */
	readonly command: string;
	/** The From addresses send_test_email said it sends from. */
	readonly senders: readonly string[];
	/** Zulip's own words for a failure: "Failed to send mails: …" or a traceback's last line. */
	readonly reason?: string;
	/** The last lines of output, the password masked, the SMTP debug log left out. */
	readonly tail: readonly string[];
}

/**
 * The zulip user to run manage.py as when we are root, from /etc/passwd; when
 * we are not root, ourselves (manage.py itself refuses any user but zulip).
 */
export function zulipIdentity(euid = process.geteuid?.() ?? -1, passwd = '/etc/passwd'): ConfirmIdentity | {readonly refused: string} {
	if (euid !== 0) return {self: true, name: `uid ${euid}`};
	let text = '';
	try {
		text = readFileSync(passwd, 'utf8');
	} catch {
		// No passwd file: no zulip user to switch to.
	}

	for (const line of text.split('\n')) {
		const [name, , uid, gid] = line.split(':');
		if (name === 'zulip' && uid && gid && /^\d+$/.test(uid) && /^\d+$/.test(gid) && uid !== '0') return {uid: Number(uid), gid: Number(gid), name};
	}

	return {refused: 'There is no zulip user on this machine to run manage.py as, and it never runs as root.'};
}

/** Why `file` must not run as `user`: someone else (or a whole group) can change it or a directory on the way (as-owner.ts), or undefined. */
function foreignWriters(file: string, user: {readonly uid: number; readonly name: string}): string | undefined {
	let writers: Writers;
	try {
		const place = locate(file);
		if (!place.exists) return undefined;
		writers = place.writers;
	} catch (error) {
		return (error as Error).message;
	}

	if (writers.open) return `${writers.open}, so ${file} is not run as ${user.name}.`;
	const others = writers.uids.filter(uid => uid !== user.uid);
	if (others.length === 0) return undefined;
	const names = others.map(uid => credentialsOf(uid).name).join(' and ');
	return `${file} can be changed by ${names}, so it is not run as ${user.name} (that would hand ${names} the rights of ${user.name}).`;
}

const TAIL_LINES = 20;

/**
 * Zulip's own last word: `manage.py send_test_email ADDRESS` from the
 * deployment, as the zulip user (never root), with a scrubbed environment
 * (no password: manage.py reads the secrets file itself), no stdin, and a
 * deadline that nothing it starts can escape (bounded-child.ts). The output is parsed for Zulip's
 * success line, masked, and cut before smtplib's debug log, which prints the
 * AUTH line.
 */
export async function confirmWithZulip(options: {
	readonly deployment: string;
	readonly to: string;
	readonly identity: ConfirmIdentity;
	/** Only to mask it, should Zulip's output ever carry it. */
	readonly password?: string;
	readonly signal?: AbortSignal;
	readonly timeoutMs?: number;
}): Promise<ConfirmResult> {
	const managePy = join(options.deployment, 'manage.py');
	const {identity} = options;
	const command = `${'self' in identity ? '' : `su ${identity.name} -c '`}${managePy} send_test_email ${options.to}${'self' in identity ? '' : '\''}`;
	const redactor = new Redactor(options.password);
	const home = 'self' in identity ? process.env.HOME ?? '/' : '/home/zulip';
	// Code runs only as a user who already controls it: manage.py, and every directory on the way, must be that user's or root's.
	const foreign = 'self' in identity ? undefined : foreignWriters(managePy, identity);
	if (foreign) return {ok: false, outcome: 'not-run', exitCode: null, command, senders: [], tail: [], reason: foreign};
	const timeoutMs = options.timeoutMs ?? CONFIRM_TIMEOUT_MS;
	const run = await runBounded({
		file: managePy,
		args: ['send_test_email', options.to],
		cwd: options.deployment,
		env: {PATH: '/usr/local/bin:/usr/bin:/bin', HOME: home, LANG: 'C.UTF-8', PYTHONUNBUFFERED: '1'},
		...('self' in identity ? {} : {uid: identity.uid, gid: identity.gid}),
		timeoutMs,
		signal: options.signal,
	});
	// Both streams, as a terminal would have shown them (send_test_email prints to stdout, tracebacks go to stderr).
	const output = `${run.stdout}${run.stdout && !run.stdout.endsWith('\n') ? '\n' : ''}${run.stderr}`;
	const finish = (result: Omit<ConfirmResult, 'command' | 'senders' | 'tail'>): ConfirmResult => {
		// Everything from smtplib's debug log on is left out: it carries the AUTH exchange.
		const shown = output.split(/^Full SMTP log follows:.*$/m)[0]!;
		const lines = shown.split(/\r?\n/).map(line => visibleControls(redactor.redact(line))).filter(line => line.trim() !== '');
		const senders = [...shown.matchAll(/^ {2}\* (\S+)$/gm)].map(match => visibleControls(redactor.redact(match[1]!)));
		return {...result, command, senders, tail: lines.slice(-TAIL_LINES), ...(result.reason ? {reason: visibleControls(redactor.redact(result.reason))} : {})};
	};

	switch (run.outcome) {
		case 'not-started':
			return finish({ok: false, outcome: 'not-run', exitCode: null, reason: `${managePy} could not be started: ${run.error?.code ?? run.error?.message ?? 'unknown error'}`});
		case 'timeout':
			return finish({ok: false, outcome: 'timeout', exitCode: null, reason: `No answer within ${Math.round(timeoutMs / 1000)} s; manage.py was stopped, with every process it started.`});
		case 'cancelled':
			return finish({ok: false, outcome: 'cancelled', exitCode: null});
		case 'exited':
			break;
	}

	const code = run.code;
	// The verdict is taken when manage.py exits: a process it left behind holding its output changes nothing.
	if (code === 0 && /^Successfully sent 2 emails to /m.test(output)) return finish({ok: true, outcome: 'sent', exitCode: code});
	const said = /^Failed to send mails: (.*)$/m.exec(output)?.[1];
	const lastLine = output.split(/^Full SMTP log follows:.*$/m)[0]!.trim().split('\n').at(-1)?.trim();
	const afterLog = output.trim().split('\n').at(-1)?.trim();
	return finish({ok: false, outcome: 'failed', exitCode: code, reason: said ? `Failed to send mails: ${said}` : /Error/.test(afterLog ?? '') ? afterLog : lastLine || `exit code ${code}`});
}
