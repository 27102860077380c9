import {describeWrite, type ApplyResult} from './engine/apply.js';
import type {CurrentConfig} from './engine/current-config.js';
import type {DeliverabilityReport} from './engine/deliverability.js';
import {deliverabilityLines} from './deliverability-lines.js';
import {describeError, errorText, type ExitCodeValue} from './engine/errors.js';
import type {Plan} from './engine/plan.js';
import {getProvider, securityName} from './engine/providers.js';
import {senderSummary} from './engine/test-summary.js';
import type {RestartResult} from './engine/restart.js';
import {SENDER_ROLE_NAMES} from './smtp/sender-role.js';
import type {Diagnosis, TestEvent, TestReport} from './smtp/types.js';
import {plainText} from './engine/command-text.js';
import {visibleControls, visibleJson} from './engine/shown-text.js';

/** The non-interactive face's output: plain lines for people, or one JSON object for scripts. */
export interface Reporter {
	current(current: CurrentConfig): void;
	/** The configuration as read back after writing: its warnings are the ones that count. */
	readBack(current: CurrentConfig): void;
	plan(plan: Plan, dryRun: boolean): void;
	applied(result: ApplyResult): void;
	event(event: TestEvent): void;
	test(report: TestReport): void;
	restartLine(line: string): void;
	restart(result: RestartResult): void;
	deliverability(report: DeliverabilityReport): void;
	/** Free text lines (sandbox mail list, for example); kept out of the JSON stream. */
	line(text: string): void;
	error(error: unknown): void;
	finish(summary: FinalSummary): void;
}

export interface FinalSummary {
	readonly exitCode: ExitCodeValue;
	readonly plan?: Plan;
	readonly applied?: ApplyResult;
	readonly test?: TestReport;
	readonly restart?: RestartResult;
	readonly dryRun: boolean;
	readonly extra?: Record<string, unknown>;
}

export function describeCurrent(current: CurrentConfig): string[] {
	const provider = getProvider(current.providerId);
	const lines: string[] = [];
	if (current.backend === 'file') lines.push(`Backend: file (${current.filePath ?? 'EMAIL_FILE_PATH not set'}): mail is written to files, not sent`);
	else if (current.backend === 'dummy') lines.push('Backend: none configured: Zulip drops every email');
	else if (current.backend === 'other') lines.push(`Backend: ${current.backendName}`);
	else {
		lines.push(`Provider: ${provider.name}${current.region ? ` (${current.region})` : ''}`, `Server: ${current.host}:${current.port}, ${securityName(current.security)}`);
		lines.push(current.user ? `Login: ${current.user}, password ${current.passwordSet ? 'set' : 'NOT set'}` : 'Login: none');
	}

	lines.push(`From: ${current.administrator ?? '(ZULIP_ADMINISTRATOR not set)'}`);
	lines.push(`Noreply From: ${current.tokens ? `${current.tokenizedTemplate ?? '?'} (tokenized)` : current.noreplyAddress ?? '?'}`);
	return lines;
}

function diagnosisLines(diagnosis: Diagnosis, indent = '  '): string[] {
	const lines = [`${indent}✖ ${diagnosis.message} [${diagnosis.id}]`];
	if (diagnosis.detail) lines.push(`${indent}  ${diagnosis.detail}`);
	lines.push(`${indent}  Fix: ${plainText(diagnosis.fix)}`);
	return lines;
}

const fateMarks: Record<string, string> = {relayed: '✔', delivered: '✔', 'left-queue': '?'};

/** What the MTA on this machine did with each test mail after its 250 (its reasons are already visible text). */
function localMtaLines(report: TestReport): string[] {
	const local = report.localMta;
	if (!local || local.mails.length === 0) return [];
	const lines = [`  After the hand-over, ${local.mta ?? 'the mail server'} on this machine (read from ${local.source ?? 'its queue'}):`];
	for (const mail of local.mails) {
		lines.push(`    ${fateMarks[mail.fate] ?? '✖'} ${mail.label}: ${mail.fate}${mail.queueId ? ` (${mail.queueId})` : ''}`);
		if (mail.reason) lines.push(`      ${mail.reason}`);
	}

	return lines;
}

export function testLines(report: TestReport): string[] {
	const lines: string[] = [];
	if (report.diagnosis) lines.push(...diagnosisLines(report.diagnosis));
	for (const sender of report.senders) {
		const role = SENDER_ROLE_NAMES[sender.role];
		if (sender.diagnosis && !sender.ok) lines.push(`  ✖ ${role} ${sender.address}`, ...diagnosisLines(sender.diagnosis, '    '));
		else {
			const {mark, text} = senderSummary(report, sender);
			lines.push(`  ${mark} ${text}`);
		}
	}

	lines.push(...localMtaLines(report));
	for (const warning of report.warnings ?? []) {
		lines.push(`  ! ${warning.message}`);
		if (warning.detail) lines.push(`    ${warning.detail}`);
		if (warning.fix) lines.push(`    ${plainText(warning.fix)}`);
	}

	if (report.suggestion) lines.push(`  ➜ Port ${report.suggestion.port} with ${report.suggestion.security} answered: ${report.suggestion.reason} (--port ${report.suggestion.port} --security ${report.suggestion.security})`);
	lines.push(report.ok ? `Live test passed in ${Math.round(report.durationMs)} ms.` : 'Live test FAILED.');
	return lines;
}

export function createReporter(options: {json: boolean; stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream}): Reporter {
	const {json, stdout, stderr} = options;
	// Everything printed may hold text from files, servers or programs: none of it acts on the terminal.
	const say = (text: string) => {
		if (!json) stdout.write(visibleControls(text) + '\n');
	};

	let warnings: readonly string[] = [];
	let errorReported: {id: string; message: string; fix?: string} | undefined;
	let deliverabilityReport: DeliverabilityReport | undefined;
	return {
		current(current) {
			warnings = current.warnings;
			say('Current configuration:');
			for (const line of describeCurrent(current)) say(`  ${line}`);
			for (const warning of current.warnings) say(`  ! ${plainText(warning)}`);
		},
		readBack(current) {
			warnings = current.warnings;
			for (const warning of current.warnings) say(`  ! ${plainText(warning)}`);
		},
		plan(plan, dryRun) {
			if (!plan.changed) {
				say('Configuration unchanged: nothing to write.');
				return;
			}

			if (dryRun) {
				say('Dry run: these changes would be written (nothing was):');
				say(plan.files.map(file => file.diff).join(''));
			}
		},
		applied(result) {
			for (const file of result.files) {
				if (file.changed) say(describeWrite(file));
				else say(`Unchanged ${file.path}`);
			}
		},
		event(event) {
			if (event.status === 'start') return;
			say(`  ${event.status === 'ok' ? '✔' : '✖'} ${event.label} (${Math.round(event.elapsedMs)} ms)`);
		},
		test(report) {
			for (const line of testLines(report)) say(line);
		},
		restartLine(line) {
			say(`  | ${line}`);
		},
		deliverability(report) {
			deliverabilityReport = report;
			for (const line of deliverabilityLines(report)) say(line);
		},
		restart(result) {
			// A deployment's command (docker compose, helm) prints no Zulip line of its own.
			say(result.ok ? (result.confirmed ? 'Zulip restarted successfully!' : `Done: ${result.command}`) : `Restart failed (exit ${result.exitCode ?? 'signal'}): ${result.command}`);
			if (result.problem) say(plainText(result.problem));
		},
		line(text) {
			say(text);
		},
		error(error) {
			const described = describeError(error);
			errorReported = {id: described.id, message: described.message, fix: described.fix === undefined ? undefined : plainText(described.fix)};
			// stdout carries the one JSON object; a bug's stack (when asked for) still goes to stderr.
			if (!json) stderr.write(visibleControls(errorText(described)));
			else if (described.stack) stderr.write(`${described.stack}\n`);
		},
		finish(summary) {
			if (!json) return;
			const {plan, applied, test, restart} = summary;
			const files = plan
				? plan.files.map(change => {
					const result = applied?.files.find(file => file.path === change.path);
					return {path: change.path, changed: change.changed, written: result?.changed ?? false, backup: result?.backup ?? null, prunedBackups: result?.pruned ?? 0};
				})
				: [];
			const object = {
				ok: summary.exitCode === 0,
				exitCode: summary.exitCode,
				changed: plan?.changed ?? false,
				dryRun: summary.dryRun,
				files,
				diff: summary.dryRun && plan ? plan.files.map(file => file.diff).join('') : undefined,
				warnings: warnings.map(plainText),
				test: test ? {ok: test.ok, diagnosis: test.diagnosis, warnings: test.warnings ?? [], senders: test.senders.map(sender => ({...sender, status: senderSummary(test, sender).status})), suggestion: test.suggestion, ...(test.localMta ? {localMta: test.localMta} : {}), durationMs: Math.round(test.durationMs)} : null,
				restart: restart ? {ok: restart.ok, exitCode: restart.exitCode, command: restart.command, confirmed: restart.confirmed, problem: restart.problem === undefined ? null : plainText(restart.problem)} : null,
				deliverability: deliverabilityReport ? {findings: deliverabilityReport.findings} : null,
				error: errorReported,
				...summary.extra,
			};
			// Commands are marked for the wizard's wrapping (command-text.ts); JSON carries the plain sentences.
			stdout.write(visibleJson(JSON.stringify(object, (key, value: unknown) => (typeof value === 'string' && key === 'fix' ? plainText(value) : value))) + '\n');
		},
	};
}
