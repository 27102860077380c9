import type {DeliverabilityReport} from '../engine/deliverability.js';
import type {FindingSeverity} from '../engine/deliverability-findings.js';
import {visibleControls} from '../engine/shown-text.js';
import type {MailLogSummary} from '../logs/mail-log.js';
import type {SenderRole, TestReport} from '../smtp/types.js';

/** Everything a monitor run found: the check, the DNS findings, the logs (each may be missing). */
export interface MonitorResult {
	/** Where the check connected, "smtp.example.org:587"; undefined for a backend with no server. */
	readonly endpoint?: string;
	readonly test?: TestReport;
	readonly deliverability?: DeliverabilityReport;
	readonly logs?: MailLogSummary;
	/** Why the logs were not read, when they could not be. */
	readonly logsProblem?: string;
	/** A failure before the check could run (the configuration unreadable). */
	readonly error?: string;
	/** Unix time of the run, seconds. */
	readonly timestamp: number;
}

/** The monitoring-plugins guidelines' states and exit codes. */
export const NAGIOS = {ok: 0, warning: 1, critical: 2, unknown: 3} as const;
type NagiosState = keyof typeof NAGIOS;

function seconds(ms: number): string {
	return (ms / 1000).toFixed(2);
}

/** The first failure of the check, as "id: message". */
function checkProblem(test: TestReport): string {
	const diagnosis = test.diagnosis ?? test.senders.find(sender => !sender.ok)?.diagnosis;
	return diagnosis ? `${diagnosis.id}: ${diagnosis.message}` : 'the check failed';
}

/** A plugin's output must be one line, and perfdata must not be confused by '|'. */
function oneLine(text: string): string {
	return visibleControls(text).replace(/[\r\n]+/g, ' ').replace(/\|/g, '/');
}

/**
 * The monitoring-plugins line: "ZULIP EMAIL OK - 3 senders accepted by
 * host:587 in 0.84s | time=0.84s;;;0 senders=3;;;0 log_failures=0;;;0".
 * CRITICAL when the check fails, WARNING for deliverability warnings or
 * errors, a slow step, failures in the log or logs that cannot be read,
 * UNKNOWN when nothing could be checked.
 */
export function nagiosLine(result: MonitorResult): {line: string; exitCode: number} {
	const {test} = result;
	if (result.error !== undefined || !test) {
		const state: NagiosState = 'unknown';
		return {line: `ZULIP EMAIL UNKNOWN - ${oneLine(result.error ?? 'the check did not run')}`, exitCode: NAGIOS[state]};
	}

	const accepted = test.senders.filter(sender => sender.ok).length;
	const warnings: string[] = [];
	for (const warning of test.warnings ?? []) warnings.push(warning.message);
	const findings = result.deliverability?.findings ?? [];
	const dnsProblems = findings.filter(finding => finding.severity === 'error' || finding.severity === 'warning');
	if (dnsProblems.length > 0) warnings.push(`deliverability: ${dnsProblems.map(finding => finding.id).join(', ')}`);
	if (result.logs && result.logs.failures > 0) warnings.push(`${result.logs.failures} failed ${result.logs.failures === 1 ? 'send' : 'sends'} in the log (${result.logs.groups.map(group => group.id).join(', ')})`);
	if (result.logsProblem) warnings.push(`log not read: ${result.logsProblem}`);
	const state: NagiosState = !test.ok ? 'critical' : warnings.length > 0 ? 'warning' : 'ok';
	const where = result.endpoint ? ` by ${result.endpoint}` : '';
	const summary = test.ok
		? `${accepted} ${accepted === 1 ? 'sender' : 'senders'} accepted${where} in ${seconds(test.durationMs)}s`
		: checkProblem(test);
	const text = [summary, ...(state === 'critical' ? [] : warnings)].join('; ');
	const perf = [`time=${seconds(test.durationMs)}s;;;0`, `senders=${accepted};;;0`, ...(result.logs ? [`log_failures=${result.logs.failures};;;0`, `log_attempts=${result.logs.attempts};;;0`] : [])];
	return {line: `ZULIP EMAIL ${state.toUpperCase()} - ${oneLine(text)} | ${perf.join(' ')}`, exitCode: NAGIOS[state]};
}

/** A label value in the exposition format: backslash, double quote and newline escaped. */
function label(value: string): string {
	return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

const ROLES: readonly SenderRole[] = ['default', 'noreply-plain', 'noreply-tokenized'];
const SEVERITIES: readonly FindingSeverity[] = ['error', 'warning', 'info', 'ok'];

/**
 * The metrics in node_exporter's textfile format (Prometheus text
 * exposition 0.0.4): HELP and TYPE once per family, samples after them.
 */
export function prometheusText(result: MonitorResult): string {
	const lines: string[] = [];
	const family = (name: string, help: string, samples: ReadonlyArray<[labels: string, value: number]>) => {
		lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} gauge`);
		for (const [labels, value] of samples) lines.push(`${name}${labels} ${Number.isFinite(value) ? value : 0}`);
	};

	const {test} = result;
	family('zulip_email_check_success', 'Whether the last check (connect, TLS, login, MAIL FROM and RCPT TO of every sender, nothing sent) passed.', [['', test?.ok && result.error === undefined ? 1 : 0]]);
	family('zulip_email_check_duration_seconds', 'How long the last check took.', [['', test ? test.durationMs / 1000 : 0]]);
	family('zulip_email_check_timestamp_seconds', 'When the last check ran, Unix time.', [['', result.timestamp]]);
	const senders = test?.senders ?? [];
	family('zulip_email_sender_accepted', 'Whether the server accepted this envelope sender in the last check.', ROLES.filter(role => senders.some(sender => sender.role === role)).map(role => [`{role="${label(role)}"}`, senders.some(sender => sender.role === role && sender.ok) ? 1 : 0]));
	const findings = result.deliverability?.findings ?? [];
	family('zulip_email_deliverability_findings', 'SPF, DKIM, DMARC and MX findings of the From domains, by severity.', SEVERITIES.map(severity => [`{severity="${severity}"}`, findings.filter(finding => finding.severity === severity).length]));
	const groups = result.logs?.groups ?? [];
	family('zulip_email_log_failures', 'Failed sends in Zulip\'s send_email.log in the window, by cause.', groups.map(group => [`{id="${label(group.id)}"}`, group.count]));
	family('zulip_email_log_attempts', 'Send attempts in Zulip\'s send_email.log in the window.', [['', result.logs?.attempts ?? 0]]);
	return lines.join('\n') + '\n';
}
