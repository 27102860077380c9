import type {Plan} from '../engine/plan.js';
import {securityName} from '../engine/providers.js';
import {secretsModeOffer} from '../engine/secrets-mode.js';
import {SENDER_ROLE_NAMES} from '../smtp/sender-role.js';
import type {TestReport} from '../smtp/types.js';
import type {LogEntry, Problem, TestLine} from './flow-types.js';

/* What the flow prints to the scrollback, above the live region: finished steps, never the password. */

export function planEntries(plan: Plan): LogEntry[] {
	if (!plan.changed) return [{tone: 'info', text: 'Both files already say this: nothing to change.'}];
	const block = plan.files.map(file => file.diff).filter(Boolean).join('\n').replace(/\n$/, '').split('\n');
	const offer = secretsModeOffer(plan.files);
	return [{tone: 'info', text: 'Changes to write (password masked):', block}, ...(offer ? [{tone: 'warn' as const, text: offer}] : [])];
}

export function testEntry(report: TestReport, lines: readonly TestLine[]): LogEntry {
	const block = [...lines.map(line => `${line.status === 'ok' ? '✔' : line.status === 'fail' ? '✖' : '…'} ${line.label}  ${formatMs(line.elapsedMs)}`), ...testSummaryLines(report)];
	return {tone: report.ok ? 'ok' : 'fail', text: report.ok ? `Test passed (${formatMs(report.durationMs)})` : 'Test failed', block};
}

/** A problem that ends the wizard, printed for good (the live region goes away on exit). */
export function problemEntries(problems: readonly Problem[]): LogEntry[] {
	return problems.map(problem => {
		const block = [...(problem.fix ? [`Fix: ${problem.fix}`] : []), ...(problem.stack?.split('\n') ?? [])];
		return {tone: 'fail', text: problem.message, block: block.length > 0 ? block : undefined};
	});
}

/**
 * What the test found, for the scrollback: the connection-level diagnosis and
 * one line per sender, each with the server's words as evidence. The fixes
 * are shown by the result step, where they can be applied.
 */
export function testSummaryLines(report: TestReport): string[] {
	const lines: string[] = [];
	if (report.diagnosis) {
		lines.push(`✖ ${report.diagnosis.message}`);
		if (report.diagnosis.detail) lines.push(`  ${report.diagnosis.detail}`);
	}

	for (const sender of report.senders) {
		const role = SENDER_ROLE_NAMES[sender.role];
		lines.push(`${sender.ok ? '✔' : '✖'} ${role} ${sender.address}${sender.ok ? '' : sender.diagnosis ? `: ${sender.diagnosis.message}` : ''}`);
		if (!sender.ok && sender.diagnosis?.detail) lines.push(`  ${sender.diagnosis.detail}`);
	}

	for (const warning of report.warnings ?? []) lines.push(`⚠ ${warning.message}`);
	if (report.suggestion) lines.push(`• Port ${report.suggestion.port} with ${securityName(report.suggestion.security)} answered: ${report.suggestion.reason}`);
	return lines;
}

export function formatMs(ms: number): string {
	return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}
