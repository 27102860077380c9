import path from 'node:path';
import type {Options} from '../args.js';
import {plainText} from '../engine/command-text.js';
import {describeError, ExitCode, type ExitCodeValue} from '../engine/errors.js';
import {parseDuration} from './duration.js';
import {mailLogJson, mailLogLines} from './mail-log-lines.js';
import {DEFAULT_LOG_DIR, LogsUnreadableError, readMailLog} from './mail-log.js';

export interface LogsContext {
	readonly stdout: NodeJS.WritableStream;
	readonly stderr: NodeJS.WritableStream;
	readonly signal?: AbortSignal;
	readonly now?: () => number;
}

/**
 * Where a docker-zulip deployment's logs are: the image writes them to
 * /var/log/zulip inside the container, which compose.yaml does not put in a
 * volume (only /data is one), so they are copied out, or a volume of one's
 * own is mounted there and --log-dir points at it.
 */
export function dockerLogsFix(composeDir: string): string {
	const dir = path.join(composeDir, 'zulip-logs');
	return `docker-zulip writes the logs inside the container, in /var/log/zulip: copy them out with \`docker compose cp zulip:/var/log/zulip ${dir}\` (in ${composeDir}) and run \`zulip-email-setup --logs --log-dir ${dir}\`; or mount a volume there in compose.override.yaml (\`- ./zulip-logs:/var/log/zulip\` under the zulip service's volumes) and point --log-dir at it.`;
}

/** The window's start: --since, else `fallback` (7d for --logs, 24h for a monitor). */
export function windowStart(options: Options, fallback: string, now = Date.now()): {since: Date; window: string} {
	const window = options.since ?? fallback;
	return {since: new Date(now - parseDuration(window)!), window};
}

/** --logs: what Zulip did with its mail. Exit 0 nothing failed, 1 something did, 3 the logs cannot be read. */
export async function runLogs(options: Options, context: LogsContext): Promise<ExitCodeValue> {
	const {stdout, stderr} = context;
	const json = options.json === true;
	const {since, window} = windowStart(options, '7d', context.now?.());
	try {
		if (options['log-dir'] === undefined && options.docker !== undefined) {
			throw new LogsUnreadableError('With --docker, Zulip\'s logs are inside the container, not on this machine.', dockerLogsFix(options.docker));
		}

		const summary = await readMailLog({dir: options['log-dir'] ?? DEFAULT_LOG_DIR, since, signal: context.signal});
		const exitCode = summary.failures > 0 ? ExitCode.testFailed : ExitCode.ok;
		if (json) stdout.write(JSON.stringify({ok: exitCode === ExitCode.ok, exitCode, window, logs: mailLogJson(summary)}) + '\n');
		else stdout.write(mailLogLines(summary, window).join('\n') + '\n');
		return exitCode;
	} catch (error) {
		const described = describeError(error);
		const unreadable = error instanceof LogsUnreadableError ? error.unreadable : [];
		if (json) stdout.write(JSON.stringify({ok: false, exitCode: described.exitCode, window, logs: null, error: {id: described.id, message: described.message, fix: described.fix === undefined ? undefined : plainText(described.fix), unreadable}}) + '\n');
		else stderr.write(`Error: ${described.message}\n${described.fix ? `Fix: ${plainText(described.fix)}\n` : ''}`);
		return described.exitCode;
	}
}
