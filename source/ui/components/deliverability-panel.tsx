import {Box, useInput} from 'ink';
import {Text} from './text.js';
import {useState} from 'react';
import type {Finding, FindingSeverity} from '../../engine/deliverability-findings.js';
import type {DeliverabilityView} from '../use-deliverability.js';
import {hanging, hangOf} from '../text-fit.js';
import {colors, symbols} from '../theme.js';
import {HangingText} from './hanging-text.js';
import {Spinner} from './spinner.js';

export interface DeliverabilityPanelProps {
	/** The checks' state: running, their findings, or why they could not run. */
	readonly view: DeliverabilityView;
	/** Rows the panel may use, its top margin included, so the test's verdict above it stays on screen. */
	readonly maxRows: number;
	/** Rows it may use when the admin asks for every finding (d): what the screen has beside the question. */
	readonly maxDetailRows?: number;
	/** Terminal width, to count the rows a wrapped line takes. */
	readonly columns: number;
	/** Whether d reaches the panel (no text input is showing). */
	readonly keys?: boolean;
}

const MARK: Record<FindingSeverity, {symbol: string; color?: string}> = {
	error: {symbol: symbols.fail, color: colors.fail},
	warning: {symbol: symbols.warn, color: colors.warn},
	ok: {symbol: symbols.ok},
	info: {symbol: symbols.info},
};

const ORDER: Record<FindingSeverity, number> = {error: 0, warning: 1, info: 2, ok: 3};
const TITLE = 'Deliverability (SPF, DKIM, DMARC, MX)';
const CHECK_DNS = 'zulip-email-setup --check-dns';

const needsFix = (finding: Finding) => finding.fix !== null && finding.severity !== 'ok';
const lineOf = (finding: Finding) => `${MARK[finding.severity].symbol} ${finding.message} [${finding.id}]`;
const fixOf = (finding: Finding) => `  Fix: ${finding.fix ?? ''}`;
const rowsOfText = (text: string, columns: number) => hanging(text, columns, hangOf(text)).length;
/** Rows a finding takes here, wrapped as HangingText wraps it: its line, and its fix for what needs one. */
const rowsOf = (finding: Finding, columns: number) => rowsOfText(lineOf(finding), columns) + (needsFix(finding) ? rowsOfText(fixOf(finding), columns) : 0);

/** "✖ 1 error · ⚠ 1 to fix · ✔ 2 OK": the whole verdict when not every finding fits, each count saying what it counts. */
function counts(findings: readonly Finding[]): string {
	const count = (severity: FindingSeverity) => findings.filter(finding => finding.severity === severity).length;
	return [
		count('error') > 0 ? `${symbols.fail} ${count('error')} ${count('error') === 1 ? 'error' : 'errors'}` : '',
		count('warning') > 0 ? `${symbols.warn} ${count('warning')} to improve` : '',
		count('info') > 0 ? `${symbols.info} ${count('info')} to note` : '',
		count('ok') > 0 ? `${symbols.ok} ${count('ok')} OK` : '',
	].filter(Boolean).join(' · ');
}

/**
 * Will the mail land in the inbox? The findings worst first, each with the
 * fix where one is needed. When they do not all fit in the rows left (the
 * verdict of the test above must stay on screen), the title sums them up,
 * as many as fit follow, and d shows the rest; every record seen is one
 * command away.
 */
export function DeliverabilityPanel({view, maxRows, maxDetailRows = maxRows, columns, keys = false}: DeliverabilityPanelProps) {
	const [details, setDetails] = useState(false);
	const report = view.status === 'done' && !view.report.skipped ? view.report : undefined;
	useInput(
		input => {
			if (input === 'd') setDetails(shown => !shown);
		},
		{isActive: keys && report !== undefined && report.findings.length > 0},
	);

	if (view.status === 'checking') {
		return (
			<Box flexDirection="column" marginTop={1}>
				<Text bold>{TITLE}</Text>
				<Spinner label="Looking up the From domains' records…" />
			</Box>
		);
	}

	if (view.status === 'failed') {
		return (
			<Box flexDirection="column" marginTop={1}>
				<Text bold>{TITLE}</Text>
				<HangingText color={colors.warn}>{`${symbols.warn} The DNS checks could not run: ${view.message}`}</HangingText>
			</Box>
		);
	}

	if (!report) {
		return (
			<Box flexDirection="column" marginTop={1}>
				<Text bold>{TITLE}</Text>
				<HangingText>{view.report.skipped ?? ''}</HangingText>
			</Box>
		);
	}

	const sorted = [...report.findings].sort((a, b) => ORDER[a.severity] - ORDER[b.severity]);
	const problems = sorted.some(finding => finding.severity === 'error' || finding.severity === 'warning');
	const rowsOfAll = sorted.reduce((sum, finding) => sum + rowsOf(finding, columns), 0);
	// The top margin and the title, and the pointer to --check-dns when there is something to fix.
	const budget = details ? Math.max(maxRows, maxDetailRows) : maxRows;
	const whole = 2 + rowsOfAll + (problems ? 1 : 0) <= budget;
	const shown: Finding[] = [];
	if (whole) {
		shown.push(...sorted);
	} else {
		// The margin, the title and the line saying what is not shown take three rows.
		let rows = 3;
		for (const finding of sorted) {
			if (rows + rowsOf(finding, columns) > budget) break;
			shown.push(finding);
			rows += rowsOf(finding, columns);
		}
	}

	const hidden = sorted.length - shown.length;
	const footer = hidden > 0
		? `${hidden} more: ${details ? '' : 'press d, or '}${CHECK_DNS} for all`
		: problems ? `Every record and fix in full: ${CHECK_DNS}${details ? ' · d: fewer' : ''}` : details ? 'd: fewer' : undefined;
	return (
		<Box flexDirection="column" marginTop={1}>
			<Text bold wrap="truncate-end">
				{TITLE}
				{whole ? '' : `: ${counts(sorted)}`}
			</Text>
			{shown.map(finding => (
				<Box key={`${finding.id}-${finding.domain}-${finding.message}`} flexDirection="column">
					<HangingText color={MARK[finding.severity].color}>{lineOf(finding)}</HangingText>
					{needsFix(finding) ? <HangingText hang={7}>{fixOf(finding)}</HangingText> : null}
				</Box>
			))}
			{footer ? (
				<Text color={colors.muted} wrap="truncate-end">
					{footer}
				</Text>
			) : null}
		</Box>
	);
}
