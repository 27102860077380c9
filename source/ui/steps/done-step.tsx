import path from 'node:path';
import {Box} from 'ink';
import {Text} from '../components/text.js';
import {useState} from 'react';
import {useBackground} from '../use-background.js';
import type {MailLogSummary} from '../../logs/mail-log.js';
import {mailLogHeadline} from '../../logs/mail-log-lines.js';
import type {FileResult} from '../../engine/apply.js';
import type {RestartResult} from '../../engine/restart.js';
import type {ServiceWords} from '../../engine/service-words.js';
import {HangingText} from '../components/hanging-text.js';
import {colors, symbols} from '../theme.js';
import {command} from '../../engine/command-text.js';

export interface DoneStepProps {
	/** Did the last test pass? undefined when no test finished. */
	readonly testOk?: boolean;
	/** Each file this run changed, with the backup of how it was before. */
	readonly changed: readonly FileResult[];
	/** The backups were put back. */
	readonly restored: boolean;
	/** What the restart did; undefined when it was not run. */
	readonly restart?: RestartResult;
	/** To tell the admin how to restart later. */
	readonly restartCommand: string;
	/** Who sends the mail, for "check its log" and the SPF/DKIM advice (serviceWords). */
	readonly service?: ServiceWords;
	/** The domain mail is sent from, for SPF/DKIM. */
	readonly sendingDomain?: string;
	/** The file backend: no mail leaves the server, so SPF/DKIM do not apply. */
	readonly fileBackend: boolean;
	/** The exact commands for this run's files (the mode's flags, the program as invoked). */
	readonly rerun?: {readonly wizard: string; readonly check: string};
	/** Zulip's mail log since a moment (the restart's end); none where the log is not on this machine. */
	readonly mailLogSince?: (since: Date, signal: AbortSignal) => Promise<MailLogSummary>;
}

/** What the restore put back, counted from the files this run changed: "settings.py is back", "Both files are back". */
function restoredWhat(changed: readonly FileResult[]): string {
	if (changed.length === 1) return `${path.basename(changed[0]!.path)} is back as it was`;
	if (changed.length === 2) return 'Both files are back as they were';
	return `The ${changed.length === 0 ? '' : `${changed.length} `}files are back as they were`;
}

/** The last screen: it stays in the terminal after exit, so it says everything worth keeping (never the password). */
export function DoneStep({testOk, changed, restored, restart, restartCommand, service, sendingDomain, fileBackend, rerun = {wizard: 'zulip-email-setup', check: 'zulip-email-setup --check'}, mailLogSince}: DoneStepProps) {
	const sinceRestart = useMailLogSinceRestart(restart, mailLogSince);
	const headline = restored
		? {tone: colors.warn, symbol: symbols.warn, text: `${restoredWhat(changed)} before this run.`}
		: testOk
			? {tone: colors.ok, symbol: symbols.ok, text: fileBackend ? 'Zulip writes its email to files.' : 'Zulip can send email.'}
			: {tone: colors.fail, symbol: symbols.fail, text: 'The files are written, but the last test failed.'};
	const next: string[] = [];
	if (restored) {
		next.push(`Run ${command(rerun.wizard)} again when you have the right answers; nothing else was changed.`);
	} else {
		if (changed.length > 0 && !restart?.ok) next.push(`Restart Zulip to use the new settings: ${command(restartCommand)}`);
		if (!fileBackend && sendingDomain) next.push(`Publish ${service?.records(sendingDomain) ?? `SPF and DKIM records for ${sendingDomain}`}, or mail lands in spam.`);
		if (!fileBackend) next.push(`If a mail goes missing, ${command('zulip-email-setup --logs')} reads Zulip's send_email.log${service ? `; also check ${service.log}` : ''}.`);
	}

	next.push(`Run ${command(rerun.check)} any time to test again without changing anything.`);
	if (!restored && !fileBackend) {
		next.push(`Check it daily without sending: ${command('zulip-email-setup --install-timer --monitor nagios')}`);
	}
	return (
		<Box flexDirection="column" marginTop={1}>
			<Text bold color={headline.tone}>
				{headline.symbol} {headline.text}
			</Text>
			{/* What was written (with its backup) and the restart are in the scrollback just above: said once. */}
			{changed.length === 0 ? <Text>Nothing was changed.</Text> : null}
			{restart && !restart.ok ? (
				<HangingText color={colors.fail}>{`${symbols.fail} The restart failed: run ${command(restart.command)} to see why.`}</HangingText>
			) : null}
			{sinceRestart ? <HangingText color={sinceRestart.failed ? colors.fail : undefined}>{`${sinceRestart.failed ? symbols.fail : symbols.info} ${sinceRestart.text}`}</HangingText> : null}
			<Text bold>Next steps</Text>
			{next.map(line => (
				<HangingText key={line}>{`  ${symbols.info} ${line}`}</HangingText>
			))}
		</Box>
	);
}

/** What the log shows since the restart ended: read once, when the done screen appears. */
function useMailLogSinceRestart(restart: RestartResult | undefined, read: DoneStepProps['mailLogSince']): {text: string; failed: boolean} | undefined {
	const [result, setResult] = useState<{text: string; failed: boolean} | undefined>();
	const endedAt = restart?.ok ? restart.endedAt : undefined;
	const task = endedAt === undefined || !read ? undefined : (signal: AbortSignal) => read(new Date(endedAt), signal);
	useBackground(task, outcome => setResult('value' in outcome
		? {text: `Since the restart, Zulip's log shows ${mailLogHeadline(outcome.value)}.`, failed: outcome.value.failures > 0}
		: {text: `Zulip's log could not be read: ${outcome.message}`, failed: false}), endedAt);
	return result;
}
