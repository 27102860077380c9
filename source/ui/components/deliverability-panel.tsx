import {Box, Text} from 'ink';
import type {Finding, FindingSeverity} from '../../engine/deliverability-findings.js';
import type {DeliverabilityView} from '../use-deliverability.js';
import {colors, symbols} from '../theme.js';
import {Spinner} from './spinner.js';

export interface DeliverabilityPanelProps {
	/** The checks' state: running, their findings, or why they could not run. */
	readonly view: DeliverabilityView;
	/** Rows the panel may use: the live region must never fill the screen. */
	readonly maxRows: number;
	/** Terminal width, to count the rows a wrapped line takes. */
	readonly columns: number;
}

const MARK: Record<FindingSeverity, {symbol: string; color?: string}> = {
	error: {symbol: symbols.fail, color: colors.fail},
	warning: {symbol: symbols.warn, color: colors.warn},
	ok: {symbol: symbols.ok, color: colors.ok},
	info: {symbol: symbols.info, color: colors.accent},
};

const ORDER: Record<FindingSeverity, number> = {error: 0, warning: 1, info: 2, ok: 3};

const needsFix = (finding: Finding) => finding.fix !== null && finding.severity !== 'ok';
const lineOf = (finding: Finding) => `${MARK[finding.severity].symbol} ${finding.message} [${finding.id}]`;
const fixOf = (finding: Finding) => `  Fix: ${finding.fix}`;
/** Rows a finding takes here, wrapped: its line, and its fix for what needs one. */
const rowsOf = (finding: Finding, columns: number) => {
	const rows = (text: string) => Math.max(1, Math.ceil(text.length / Math.max(20, columns)));
	return rows(lineOf(finding)) + (needsFix(finding) ? rows(fixOf(finding)) : 0);
};

/**
 * Will the mail land in the inbox? The findings worst first, each with the
 * fix where one is needed, as many as fit; the rest, and every record seen,
 * are one command away.
 */
export function DeliverabilityPanel({view, maxRows, columns}: DeliverabilityPanelProps) {
	const title = <Text bold>Deliverability (SPF, DKIM, DMARC, MX)</Text>;
	if (view.status === 'checking') {
		return (
			<Box flexDirection="column" marginTop={1}>
				{title}
				<Spinner label="Looking up the From domains' records…" />
			</Box>
		);
	}

	if (view.status === 'failed') {
		return (
			<Box flexDirection="column" marginTop={1}>
				{title}
				<Text color={colors.warn}>
					{symbols.warn} The DNS checks could not run: {view.message}
				</Text>
			</Box>
		);
	}

	const {report} = view;
	if (report.skipped) {
		return (
			<Box flexDirection="column" marginTop={1}>
				{title}
				<Text>{report.skipped}</Text>
			</Box>
		);
	}

	const sorted = [...report.findings].sort((a, b) => ORDER[a.severity] - ORDER[b.severity]);
	const shown: Finding[] = [];
	let rows = 0;
	// One row stays for the pointer to --check-dns.
	for (const finding of sorted) {
		if (rows + rowsOf(finding, columns) > Math.max(1, maxRows - 2)) break;
		shown.push(finding);
		rows += rowsOf(finding, columns);
	}

	const hidden = sorted.length - shown.length;
	const problems = sorted.some(finding => finding.severity === 'error' || finding.severity === 'warning');
	return (
		<Box flexDirection="column" marginTop={1}>
			{title}
			{shown.map(finding => (
				<Box key={`${finding.id}-${finding.domain}-${finding.message}`} flexDirection="column">
					<Text>
						<Text color={MARK[finding.severity].color}>{MARK[finding.severity].symbol}</Text> {finding.message} <Text color={colors.muted}>[{finding.id}]</Text>
					</Text>
					{needsFix(finding) ? (
						<Text>
							{'  '}
							<Text bold>Fix:</Text> {finding.fix}
						</Text>
					) : null}
				</Box>
			))}
			{hidden > 0 || problems ? (
				<Text color={colors.muted} wrap="truncate-end">
					{hidden > 0 ? `${hidden} more; e` : 'E'}very record and fix in full: zulip-email-setup --check-dns
				</Text>
			) : null}
		</Box>
	);
}
