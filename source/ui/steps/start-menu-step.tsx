import {Box} from 'ink';
import {Text} from '../components/text.js';
import {useState} from 'react';
import {useBackground} from '../use-background.js';
import type {MailLogSummary} from '../../logs/mail-log.js';
import {mailLogLines} from '../../logs/mail-log-lines.js';
import {everySender, testMails} from '../../engine/mail-words.js';
import type {TestReport} from '../../smtp/types.js';
import {HangingText} from '../components/hanging-text.js';
import {Question} from '../components/question.js';
import {Select, type SelectItem} from '../components/select.js';
import {Spinner} from '../components/spinner.js';
import type {FlowEvent, StartAction} from '../flow.js';
import {colors, symbols} from '../theme.js';

export interface StartMenuStepProps {
	/** The live check of the configuration as it is (senders only: nothing is sent), run while the admin reads; none for the file backend, whose test writes mail. */
	readonly check?: (signal: AbortSignal) => Promise<TestReport>;
	/** The configuration logs in, so "change only the password" means something. */
	readonly hasLogin: boolean;
	/** There are backups to go back to. */
	readonly canRestore: boolean;
	/** How many addresses Zulip sends from (one test mail each): the words count them. */
	readonly senderCount?: number;
	/** Highlighted at first. */
	readonly preselected?: StartAction;
	/** Where the answer goes. */
	readonly send: (event: FlowEvent) => void;
	/** Zulip's mail log of the last days, read while the admin reads the menu; none where there is no log on this machine (docker, Helm). */
	readonly mailLog?: (signal: AbortSignal) => Promise<MailLogSummary>;
}

type LogState = {readonly kind: 'reading'} | {readonly kind: 'read'; readonly summary: MailLogSummary} | {readonly kind: 'unreadable'; readonly message: string};
/** The menu's own choice: it shows the log below the menu, nothing in the flow changes. */
type MenuChoice = StartAction | 'logs';

type CheckState = {readonly kind: 'running'} | {readonly kind: 'done'; readonly report: TestReport} | {readonly kind: 'failed'; readonly message: string};

/**
 * A rerun on a configured server starts here (as `gh auth login` does when
 * already logged in): whether the setup works, checked in the background,
 * and the usual reasons to come back, each a short way through.
 */
export function StartMenuStep({check, hasLogin, canRestore, senderCount = 2, preselected, send, mailLog}: StartMenuStepProps) {
	const [status, setStatus] = useState<CheckState | undefined>(check ? {kind: 'running'} : undefined);
	// One check per visit to the menu; leaving it stops the check: the wizard's own test runs later, on what is then written.
	useBackground(check, outcome => setStatus('value' in outcome ? {kind: 'done', report: outcome.value} : {kind: 'failed', message: outcome.message}));
	const [log, setLog] = useState<LogState | undefined>(mailLog ? {kind: 'reading'} : undefined);
	const [showLog, setShowLog] = useState(false);
	useBackground(mailLog, outcome => setLog('value' in outcome ? {kind: 'read', summary: outcome.value} : {kind: 'unreadable', message: outcome.message}));

	const failed = log?.kind === 'read' ? log.summary.failures : 0;
	const items: Array<SelectItem<MenuChoice>> = [
		{key: 'test', value: 'test', label: 'Test it as it is', hint: `send the ${testMails(senderCount)}; nothing is written`},
		...(hasLogin ? [{key: 'password', value: 'password' as const, label: 'Change only the password'}] : []),
		{key: 'from', value: 'from', label: 'Change the From addresses'},
		{key: 'switch', value: 'switch', label: 'Switch provider or server'},
		...(canRestore ? [{key: 'restore', value: 'restore' as const, label: 'Restore a backup…', hint: 'the files as an earlier run left them'}] : []),
		...(log ? [{key: 'logs', value: 'logs' as const, label: failed > 0 ? `What happened to recent mails (${failed} failed)` : 'What happened to recent mails', hint: 'Zulip\'s send_email.log, the last 7 days'}] : []),
	];
	return (
		<Question title="Email is configured on this server. What do you want to do?" hints={[['↑↓', 'move'], ['Enter', 'choose'], ['Ctrl-C', 'quit']]}>
			{status ? <CheckLine status={status} hasLogin={hasLogin} senders={everySender(status.kind === 'done' ? status.report.senders.length || senderCount : senderCount)} /> : null}
			<Select
				items={items}
				defaultKey={preselected}
				onSubmit={action => {
					if (action === 'logs') setShowLog(shown => !shown);
					else send({type: 'start-chosen', action});
				}}
			/>
			{showLog && log ? <LogPanel log={log} /> : null}
		</Question>
	);
}

/** The check's verdict; a server without login (the MTA on this machine) is not said to accept one. */
function CheckLine({status, hasLogin, senders}: {readonly status: CheckState; readonly hasLogin: boolean; readonly senders: string}) {
	if (status.kind === 'running') return <Spinner label={`Checking it: connection${hasLogin ? ', login' : ''} and ${senders} (nothing is sent)…`} />;
	if (status.kind === 'failed') return <HangingText color={colors.warn}>{`${symbols.warn} The check could not run: ${status.message}`}</HangingText>;
	const {report} = status;
	if (report.ok) return <Text color={colors.ok}>{symbols.ok} It works: the server accepts {hasLogin ? 'the login and ' : ''}{senders}.</Text>;
	const problem = report.diagnosis ?? report.senders.find(sender => !sender.ok)?.diagnosis;
	return <HangingText color={colors.fail}>{`${symbols.fail} It does not work: ${problem?.message ?? 'the check failed'}`}</HangingText>;
}

/** What Zulip's log shows, below the menu: the same lines as --logs. */
function LogPanel({log}: {readonly log: LogState}) {
	if (log.kind === 'reading') return <Spinner label="Reading Zulip's send_email.log…" />;
	if (log.kind === 'unreadable') return <HangingText color={colors.warn}>{`${symbols.warn} ${log.message}`}</HangingText>;
	return (
		<Box flexDirection="column" marginTop={1}>
			{mailLogLines(log.summary, '7d').map((line, index) => (
				// The lines are the same each render; two may read alike.
				<HangingText key={`${index}-${line}`} color={line.startsWith('  ✖') ? colors.fail : undefined}>{line}</HangingText>
			))}
		</Box>
	);
}
