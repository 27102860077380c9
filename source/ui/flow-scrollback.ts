import type {Plan} from '../engine/plan.js';
import {securityName} from '../engine/providers.js';
import {secretsModeOffer} from '../engine/secrets-mode.js';
import {senderSummary} from '../engine/test-summary.js';
import {SENDER_ROLE_NAMES} from '../smtp/sender-role.js';
import type {TestReport} from '../smtp/types.js';
import type {LogEntry, Problem, TestLine} from './flow-types.js';

/* What the flow prints to the scrollback, above the live region: finished steps, never the password. */

export function planEntries(plan: Plan): LogEntry[] {
	if (!plan.changed) return [{tone: 'info', text: 'The files already say this: nothing to change.'}];
	const block = plan.files.map(file => file.diff).filter(Boolean).join('\n').replace(/\n$/, '').split('\n');
	const offer = secretsModeOffer(plan.files);
	return [{tone: 'info', text: 'Changes to write (password masked):', block}, ...(offer ? [{tone: 'warn' as const, text: offer}] : [])];
}

/**
 * The test's steps as they stay in the scrollback: a session (connect to
 * QUIT) that passed is one line, so "✔ Test passed" is still on a 24-row
 * screen; a session with a failure keeps every step (the SMTP dialogue
 * itself goes to --transcript).
 */
export function compactTestLines(lines: readonly TestLine[]): string[] {
	const sessions = sessionsOf(lines);
	const mark = (line: TestLine) => (line.status === 'ok' ? '✔' : line.status === 'fail' ? '✖' : '…');
	return sessions.flatMap(session => {
		if (!session.every(line => line.status === 'ok') || session.length === 1) return session.map(line => `${mark(line)} ${line.label}  ${formatMs(line.elapsedMs)}`);
		const where = session[0]!.step === 'connect' ? session[0]!.label.replace(/^connect /i, '') : session[0]!.label;
		const total = session.reduce((sum, line) => sum + line.elapsedMs, 0);
		const what = session.find(line => line.step === 'send')?.label ?? `${session.filter(line => line.step === 'sender').length > 0 ? 'senders checked' : session.at(-1)!.label}`;
		return [`✔ ${where}: ${what}  ${formatMs(total)}`];
	});
}

export function testEntry(report: TestReport, lines: readonly TestLine[]): LogEntry {
	if (report.ok) return passedEntry(report, lines);
	const block = [...compactTestLines(lines), ...testSummaryLines(report)];
	return {tone: 'fail', text: 'Test failed', block};
}

/**
 * A passed test in as few rows as say it, so "✔ Test passed" stays on a
 * 24-row screen under what follows (the Deliverability panel, the restart
 * question): the server once, then one short line per SMTP session, the
 * senders named by role (their addresses are in the answers above). The
 * SMTP dialogue itself is what --transcript is for.
 */
function passedEntry(report: TestReport, lines: readonly TestLine[]): LogEntry {
	const sessions = sessionsOf(lines);
	const first = sessions[0]?.[0];
	const where = first?.step === 'connect' && /^connect \S/i.test(first.label) ? first.label.replace(/^connect /i, '') : undefined;
	const roleOf = (address: string | undefined) => {
		const sender = report.senders.find(candidate => candidate.address === address);
		return sender ? SENDER_ROLE_NAMES[sender.role] : address ?? 'a sender';
	};

	const block = sessions.flatMap(session => {
		const total = formatMs(session.reduce((sum, line) => sum + line.elapsedMs, 0));
		const sends = session.filter(line => line.step === 'send');
		// The file backend writes every test mail in one run with no connection: each is its own line, and
		// it was written, not sent. An SMTP session sends one mail, and its line counts the whole session.
		if (session[0]?.step === 'file') return sends.map(send => `✔ test mail from the ${roleOf(send.senderAddress)} written  ${formatMs(send.elapsedMs)}`);
		if (sends.length > 0) return sends.map(send => `✔ test mail from the ${roleOf(send.senderAddress)} sent  ${sends.length === 1 ? total : formatMs(send.elapsedMs)}`);
		const checked = new Set(session.filter(line => line.step === 'sender').map(line => line.senderAddress)).size;
		if (checked > 0) return [`✔ ${checked === 1 ? 'sender' : `${checked} senders`} accepted  ${total}`];
		return [`✔ ${session.at(-1)!.label}  ${total}`];
	});
	// A sender no session line names (a test that sends no mail per sender, as the file backend's) keeps its own line.
	const named = new Set(lines.filter(line => line.step === 'send').map(line => line.senderAddress));
	for (const sender of report.senders.filter(candidate => !named.has(candidate.address))) {
		const {mark, text} = senderSummary(report, sender);
		block.push(`${mark} ${text}`);
	}

	for (const warning of report.warnings ?? []) block.push(`⚠ ${warning.message}`);
	return {tone: 'ok', text: `Test passed (${formatMs(report.durationMs)})${where ? ` on ${where}` : ''}`, block};
}

function sessionsOf(lines: readonly TestLine[]): TestLine[][] {
	const sessions: TestLine[][] = [];
	for (const line of lines) {
		if (line.step === 'connect' || sessions.length === 0) sessions.push([]);
		sessions.at(-1)!.push(line);
	}

	return sessions;
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
		// A sender the test never reached is "not tried", not refused.
		const {mark, text} = senderSummary(report, sender);
		lines.push(`${mark} ${text}`);
		if (!sender.ok && sender.diagnosis?.detail) lines.push(`  ${sender.diagnosis.detail}`);
	}

	for (const warning of report.warnings ?? []) lines.push(`⚠ ${warning.message}`);
	if (report.suggestion) lines.push(`• Port ${report.suggestion.port} with ${securityName(report.suggestion.security)} answered: ${report.suggestion.reason}`);
	return lines;
}

export function formatMs(ms: number): string {
	return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}
