import type {DeliverabilityReport} from './engine/deliverability.js';
import type {FindingSeverity} from './engine/deliverability-findings.js';
import {plainText} from './engine/command-text.js';

const MARKS: Record<FindingSeverity, string> = {error: '✖', warning: '!', ok: '✔', info: 'i'};

/** The deliverability findings as plain lines, for the non-interactive face. */
export function deliverabilityLines(report: DeliverabilityReport): string[] {
	const lines = [`Deliverability (SPF, DKIM, DMARC, MX; resolver ${report.server}):`];
	if (report.skipped) return [...lines, `  ${report.skipped}`];
	if (report.findings.length === 0) return [...lines, '  No From address with a domain to check.'];
	for (const item of report.findings) {
		lines.push(`  ${MARKS[item.severity]} ${item.message} [${item.id}]`);
		if (item.record && item.severity !== 'ok') for (const record of item.record.split('\n')) lines.push(`      seen: ${record}`);
		if (item.fix) lines.push(`      Fix: ${plainText(item.fix)}`);
	}

	return lines;
}
