import {randomBytes} from 'node:crypto';
import {constants} from 'node:fs';
import {open, rename, unlink} from 'node:fs/promises';
import path from 'node:path';
import type {Options} from '../args.js';
import {checkDeliverability, deliverabilityInputFrom, type DeliverabilityReport} from '../engine/deliverability.js';
import {describeError, ExitCode, UsageError, type ExitCodeValue} from '../engine/errors.js';
import {runLiveCheck} from '../engine/live-check.js';
import {hostTarget} from '../engine/targets.js';
import {visibleControls} from '../engine/shown-text.js';
import {DEFAULT_LOG_DIR, readMailLog, type MailLogSummary} from '../logs/mail-log.js';
import {windowStart} from '../logs/run-logs.js';
import type {RunContext} from '../non-interactive.js';
import type {TestReport} from '../smtp/types.js';
import {nagiosLine, prometheusText, type MonitorResult} from './monitor-output.js';

/**
 * Write `content` to `file` atomically: a new file beside it (same directory,
 * so the rename cannot cross filesystems), flushed, then renamed over the
 * old one. node_exporter reads only *.prom, so the temporary name ends
 * otherwise and a half-written file is never collected.
 */
export async function writeAtomically(file: string, content: string): Promise<void> {
	const dir = path.dirname(path.resolve(file));
	const temporary = path.join(dir, `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
	// O_EXCL|O_NOFOLLOW: never through a link someone planted under the temporary name.
	const handle = await open(temporary, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o644);
	try {
		await handle.writeFile(content, 'utf8');
		await handle.sync();
	} catch (error) {
		await handle.close();
		await unlink(temporary).catch(() => undefined);
		throw error;
	}

	await handle.close();
	try {
		await rename(temporary, file);
	} catch (error) {
		await unlink(temporary).catch(() => undefined);
		throw error;
	}
}

/**
 * --monitor: --check --no-send, the deliverability checks and the logs,
 * as one nagios line or as node_exporter metrics. Never sends a mail.
 */
export async function runMonitor(options: Options, context: RunContext): Promise<ExitCodeValue> {
	const kind = options.monitor!;
	const timestamp = Math.floor(Date.now() / 1000);
	let test: TestReport | undefined;
	let deliverability: DeliverabilityReport | undefined;
	let endpoint: string | undefined;
	let error: string | undefined;
	try {
		const target = context.target ?? hostTarget(context.paths);
		const loaded = await target.load({signal: context.signal});
		const {current} = loaded;
		if (current.backend === 'smtp' && current.host) endpoint = `${current.host}:${current.port}`;
		test = await runLiveCheck(loaded, {to: options.to, noSend: true, timeoutMs: options.timeout, caFile: context.caFile, signal: context.signal});
		const input = await deliverabilityInputFrom(loaded, {dnsServer: options['dns-server'], dkimSelectors: options['dkim-selector'], signal: context.signal});
		deliverability = await checkDeliverability(input);
	} catch (caught) {
		if (caught instanceof UsageError) throw caught;
		error = describeError(caught).message;
	}

	// The logs: read when --log-dir is given or Zulip's own directory exists (a docker host has none).
	let logs: MailLogSummary | undefined;
	let logsProblem: string | undefined;
	const dir = options['log-dir'] ?? DEFAULT_LOG_DIR;
	if (options['log-dir'] !== undefined || options.docker === undefined) {
		try {
			logs = await readMailLog({dir, since: windowStart(options, '24h').since, signal: context.signal});
		} catch (caught) {
			const missingDefault = options['log-dir'] === undefined && (caught as {unreadable?: Array<{reason: string}>}).unreadable?.[0]?.reason === 'no such file';
			if (!missingDefault) logsProblem = describeError(caught).message;
		}
	}

	const result: MonitorResult = {endpoint, test, deliverability, logs, logsProblem, error, timestamp};
	if (kind === 'nagios') {
		const {line, exitCode} = nagiosLine(result);
		context.stdout.write(line + '\n');
		return exitCode as ExitCodeValue;
	}

	const file = options.textfile!;
	try {
		await writeAtomically(file, prometheusText(result));
	} catch (caught) {
		context.stderr.write(`Error: the metrics could not be written to ${visibleControls(file)}: ${visibleControls((caught as Error).message)}\nFix: Pass --textfile with a path in node_exporter's textfile directory that this user can write.\n`);
		return ExitCode.config;
	}

	const {line} = nagiosLine(result);
	context.stdout.write(`${line}\nWrote ${visibleControls(file)}\n`);
	if (error !== undefined) return ExitCode.config;
	return test?.ok ? ExitCode.ok : ExitCode.testFailed;
}
