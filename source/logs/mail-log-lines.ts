import {plainText} from '../engine/command-text.js';
import {visibleControls} from '../engine/shown-text.js';
import type {MailLogSummary} from './mail-log.js';

/** The window in words: "since 2026-12-01 10:00 (7d)". */
function sinceText(summary: MailLogSummary, window?: string): string {
	const since = new Date(summary.since);
	const pad = (n: number) => String(n).padStart(2, '0');
	const local = `${since.getFullYear()}-${pad(since.getMonth() + 1)}-${pad(since.getDate())} ${pad(since.getHours())}:${pad(since.getMinutes())}`;
	return `since ${local}${window ? ` (${window})` : ''}`;
}

/** The summary as plain lines for the terminal (the non-interactive face). */
export function mailLogLines(summary: MailLogSummary, window?: string): string[] {
	const lines = [`Zulip's mail log in ${visibleControls(summary.dir)}, ${sinceText(summary, window)}:`];
	if (summary.attempts === 0 && summary.failures === 0) lines.push('  No mail was sent or tried in this window.');
	for (const day of summary.days) lines.push(`  ${day.day}  ${day.attempts} sent or tried, ${day.failures} failed`);
	lines.push(`  In all: ${summary.attempts} attempts, ${summary.failures} failed.`);
	for (const group of summary.groups) {
		lines.push(`  ✖ ${group.meaning} [${group.id}]: ${group.count} ${group.count === 1 ? 'time' : 'times'}, first ${group.first}, last ${group.last}`);
		lines.push(`      e.g. ${group.example}`);
		lines.push(`      Fix: ${plainText(group.fix)}`);
	}

	for (const entry of summary.unreadable) lines.push(`  ! Not read: ${visibleControls(entry.path)}: ${entry.reason}`);
	if (summary.longLines > 0) lines.push(`  ! ${summary.longLines} overlong ${summary.longLines === 1 ? 'line was' : 'lines were'} cut to 16 KiB.`);
	return lines;
}

/** The summary for the JSON report (README "After the setup"). */
export function mailLogJson(summary: MailLogSummary) {
	return {
		dir: summary.dir,
		since: summary.since,
		attempts: summary.attempts,
		failures: summary.failures,
		days: summary.days,
		groups: summary.groups.map(group => ({id: group.id, count: group.count, first: group.first, last: group.last, example: group.example, fix: plainText(group.fix)})),
		files: summary.files,
		unreadable: summary.unreadable,
		longLines: summary.longLines,
	};
}

/** One short sentence for the wizard and nagios: "3 of 40 sends failed: auth-failed (3)". */
export function mailLogHeadline(summary: MailLogSummary): string {
	if (summary.failures === 0) return summary.attempts === 0 ? 'no mail was sent or tried' : `all ${summary.attempts} ${summary.attempts === 1 ? 'send' : 'sends'} went out`;
	const causes = summary.groups.map(group => `${group.id} (${group.count})`).join(', ');
	return `${summary.failures} of ${Math.max(summary.attempts, summary.failures)} ${summary.attempts === 1 ? 'send' : 'sends'} failed: ${causes}`;
}
