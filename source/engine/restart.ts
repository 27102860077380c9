import {Redactor} from '../smtp/transcript.js';
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
	/** When the command ended (Date.now()): what Zulip's log shows since the restart starts here. */
	readonly endedAt?: number;
}

const TAIL_LINES = 20;

/**
 * Run the restart command with piped stdio (never the terminal: Ink owns it),
 * streaming each output line to onLine. Its output is masked like an SMTP
 * server's replies: a settings check that prints the password shows `****`.
 */
export async function restartServer(options: {command?: string; signal?: AbortSignal; onLine?: (line: string) => void; password?: string | null} = {}): Promise<RestartResult> {
	const command = options.command ?? defaultRestartCommand();
	const {execaCommand} = await import('execa');
	const tail: string[] = [];
	let confirmed = false;
	const redactor = new Redactor(options.password);
	const onLine = (raw: string) => {
		const line = visibleControls(redactor.redact(raw));
		// "Application restarted successfully!" is what releases before 4.0 print.
		if (/(?:Zulip (?:re)?started|Application restarted) successfully!/.test(line)) confirmed = true;
		tail.push(line);
		if (tail.length > TAIL_LINES) tail.shift();
		options.onLine?.(line);
	};

	const child = execaCommand(command, {
		shell: true,
		stdin: 'ignore',
		all: true,
		reject: false,
		cancelSignal: options.signal,
		buffer: false,
		env: {...environmentWithoutPassword(), PYTHONUNBUFFERED: '1'},
		extendEnv: false,
	});
	let pending = '';
	child.all?.setEncoding('utf8');
	child.all?.on('data', (chunk: string) => {
		pending += chunk;
		const lines = pending.split(/\r?\n/);
		pending = lines.pop() ?? '';
		for (const line of lines) onLine(line);
	});
	const result = await child;
	if (pending) onLine(pending);
	const ok = result.exitCode === 0 && !result.isCanceled;
	return {ok, exitCode: result.exitCode ?? null, command, tail, confirmed, endedAt: Date.now()};
}
