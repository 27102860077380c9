import {Redactor} from '../smtp/transcript.js';
import {runBounded} from './bounded-child.js';
import {command} from './command-text.js';
import {environmentWithoutPassword} from './password-input.js';
import {visibleControls} from './shown-text.js';

export const RESTART_SCRIPT = '/home/zulip/deployments/current/scripts/restart-server';

/** As root, the documented `su zulip -c …`; as zulip, the script itself (it refuses any other user). */
export function defaultRestartCommand(uid = process.getuid?.() ?? -1): string {
	return uid === 0 ? `su zulip -c '${RESTART_SCRIPT}'` : RESTART_SCRIPT;
}

export interface RestartResult {
	readonly ok: boolean;
	readonly exitCode: number | null;
	readonly command: string;
	/** The last lines of output, for a failure report. */
	readonly tail: readonly string[];
	/** Whether the output contained Zulip's own success line. */
	readonly confirmed: boolean;
	/** Why it did not run to its end (deadline, could not start), with what to do; commands marked. */
	readonly problem?: string;
	/** When the command ended (Date.now()): what Zulip's log shows since the restart starts here. */
	readonly endedAt?: number;
}

/** The variable that sets the restart's deadline in seconds (tests; a server whose restart is known to take longer). */
export const RESTART_TIMEOUT_VARIABLE = 'ZULIP_EMAIL_SETUP_RESTART_TIMEOUT';
/** A Zulip restart takes a minute or two; ten covers a slow server without leaving a hung one hanging for good. */
export const RESTART_TIMEOUT_MS = 10 * 60_000;

export function restartTimeoutMs(env: NodeJS.ProcessEnv = process.env): number {
	const seconds = Number(env[RESTART_TIMEOUT_VARIABLE]);
	return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : RESTART_TIMEOUT_MS;
}

const TAIL_LINES = 20;

/**
 * Run the restart command with piped stdio (never the terminal: Ink owns it),
 * a deadline (bounded-child.ts: nothing it starts outlives it) and output
 * read line by line in linear time, streaming each output line to onLine. Its output is masked like an SMTP
 * server's replies: a settings check that prints the password shows `****`.
 */
export async function restartServer(options: {command?: string; signal?: AbortSignal; onLine?: (line: string) => void; password?: string | null; timeoutMs?: number} = {}): Promise<RestartResult> {
	const commandLine = options.command ?? defaultRestartCommand();
	const timeoutMs = options.timeoutMs ?? restartTimeoutMs();
	const tail: string[] = [];
	let confirmed = false;
	const redactor = new Redactor(options.password);
	const run = await runBounded({
		file: '/bin/sh',
		args: ['-c', commandLine],
		env: {...environmentWithoutPassword(), PYTHONUNBUFFERED: '1'},
		timeoutMs,
		signal: options.signal,
		// Lines stream out as they come; what is kept is the last TAIL_LINES of them.
		outputLimit: 0,
		onLine(raw) {
			const line = visibleControls(redactor.redact(raw));
			// "Application restarted successfully!" is what releases before 4.0 print.
			if (/(?:Zulip (?:re)?started|Application restarted) successfully!/.test(line)) confirmed = true;
			tail.push(line);
			if (tail.length > TAIL_LINES) tail.shift();
			options.onLine?.(line);
		},
	});
	const exitCode = run.outcome === 'exited' ? run.code : null;
	const ok = run.outcome === 'exited' && run.code === 0;
	const shown = visibleControls(commandLine);
	const minutes = timeoutMs / 60_000;
	const within = minutes >= 1 ? `${Number(minutes.toFixed(1))} minute${minutes === 1 ? '' : 's'}` : `${Number((timeoutMs / 1000).toFixed(1))} seconds`;
	const problem = run.outcome === 'timeout'
		? `The restart command did not finish within ${within}, so it was stopped, with every process it started. Zulip may be half restarted: run ${command(shown)} yourself and watch its output (a restart waits on its services; ${command('supervisorctl status')} shows which one hangs).`
		: run.outcome === 'not-started'
			? `The restart command could not be started: ${run.error?.message ?? 'unknown error'}.`
			: undefined;
	return {ok, exitCode, command: commandLine, tail, confirmed, endedAt: Date.now(), ...(problem ? {problem} : {})};
}
