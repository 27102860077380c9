import {testNetworkNote} from '../engine/deployment-notes.js';
import {Box, measureElement, render, useInput, type DOMElement} from 'ink';
import {useEffect, useReducer, useRef, useState} from 'react';
import {ExitCode, type ExitCodeValue} from '../engine/errors.js';
import {modeFileWords} from '../engine/file-words.js';
import {zulipSenders} from '../engine/senders.js';
import {endpointMismatch, securityForPort} from '../engine/providers.js';
import type {EarlyPaint} from './early-paint.js';
import type {WizardEngine} from './engine-port.js';
import {
	canKeepPassword,
	currentProvider,
	editTargets,
	endpointOptions,
	flowReducer,
	isEffectStep,
	noreplyAddressFor,
	noreplyInUse,
	originalBackups,
	preselectedChoice,
	providerChoices,
	recipientDefault,
	sendersAfterAnswers,
	type AnsweringFlow,
	type FlowEvent,
	type FlowSettings,
	type FlowState,
	type LoadOutcomeEvent,
} from './flow.js';
import {useInputReady} from './input-ready.js';
import {keyByKey} from './key-by-key.js';
import {LineModeContext} from './line-mode-context.js';
import {lineModeOutput} from './line-mode-output.js';
import {lineMode} from './terminal-capabilities.js';
import {listLimit} from './layout.js';
import {LogView} from './log-view.js';
import {DoneStep} from './steps/done-step.js';
import {EditAnswerStep} from './steps/edit-answer-step.js';
import {EndpointStep} from './steps/endpoint-step.js';
import {FilePathStep} from './steps/file-path-step.js';
import {HostStep} from './steps/host-step.js';
import {NoreplyStep} from './steps/noreply-step.js';
import {PasswordStep} from './steps/password-step.js';
import {BackupsStep} from './steps/backups-step.js';
import {CancelOfferStep} from './steps/cancel-offer-step.js';
import {StartMenuStep} from './steps/start-menu-step.js';
import {mailLogAvailable, readRecentMailLog, RECENT_MS} from './mail-log-port.js';
import {HangingText} from './components/hanging-text.js';
import {plaintextPasswordRisk, tlsInstead} from '../engine/answers-summary.js';
import {noreplyRule, retestHint, serviceWords, tokensRule} from '../engine/service-words.js';
import {colors, symbols} from './theme.js';
import {PlaintextStep} from './steps/plaintext-step.js';
import {PortStep} from './steps/port-step.js';
import {ProblemStep} from './steps/problem-step.js';
import {ProgressStep} from './steps/progress-step.js';
import {ProviderStep} from './steps/provider-step.js';
import {RecipientStep} from './steps/recipient-step.js';
import {RegionStep} from './steps/region-step.js';
import {RestartFailedStep, RestartingStep, RestartOfferStep} from './steps/restart-steps.js';
import {ConfirmOfferStep} from './steps/confirm-steps.js';
import {ResultStep} from './steps/result-step.js';
import {ReviewStep} from './steps/review-step.js';
import {SecurityStep} from './steps/security-step.js';
import {TestingStep} from './steps/testing-step.js';
import {TokensStep} from './steps/tokens-step.js';
import {UsernameStep} from './steps/username-step.js';
import {PanelKeysContext} from './components/panel-keys.js';
import {DeliverabilityPanel} from './components/deliverability-panel.js';
import {emitTestSignals, testSignalsWanted} from './test-signals.js';
import {useDeliverability} from './use-deliverability.js';
import {useLocalServerNotes} from './use-local-server-notes.js';
import {useTerminalSize} from './use-terminal-size.js';
import {rowsFromVerdict} from './verdict-rows.js';
import {useWizardEffects} from './use-wizard-effects.js';
import {firstState, startWizard, stripUndefined, type WizardOptions, type WizardStart} from './wizard-start.js';

export interface AppProps {
	/** All IO goes through it: the real engine, or a fake in component tests. */
	readonly engine: WizardEngine;
	/** Flags, sandbox relay and restart command. */
	readonly settings: FlowSettings;
	/** Called once, with the exit code, when the wizard is over. */
	readonly onExit: (code: ExitCodeValue) => void;
	/** Aborted from outside (SIGTERM, SIGHUP): treated like Ctrl-C. */
	readonly cancelSignal?: AbortSignal;
	/** The outcome of reading the configuration when it is known before the first frame: the wizard starts past the loading step. */
	readonly start?: LoadOutcomeEvent;
	/** Log entries already in the scrollback (painted before Ink loaded): <Static> skips them. */
	readonly printed?: number;
}

/** Ctrl-C, and Esc while work runs; questions handle their own keys. */
function useGlobalKeys(state: FlowState, send: (event: FlowEvent) => void) {
	useInput((input, key) => {
		if (key.ctrl && input === 'c') send({type: 'cancel'});
		else if (key.escape && isEffectStep(state.step)) send({type: 'back'});
	});
	useInputReady();
}

export function App({engine, settings, onExit, cancelSignal, start, printed = 0}: AppProps) {
	const [state, send] = useReducer(flowReducer, {settings, start}, firstState);
	useWizardEffects(state, send, engine);
	const deliverability = useDeliverability(state, engine);
	const localNotes = useLocalServerNotes(state, engine);
	useGlobalKeys(state, send);
	const {columns, rows} = useTerminalSize();

	useEffect(() => {
		if (!cancelSignal) return;
		const cancel = () => send({type: 'cancel'});
		if (cancelSignal.aborted) cancel();
		cancelSignal.addEventListener('abort', cancel);
		return () => cancelSignal.removeEventListener('abort', cancel);
	}, [cancelSignal]);

	useEffect(() => {
		if (state.exitCode !== undefined) onExit(state.exitCode);
		// Once per exit code: a new onExit from a re-render must not report the exit twice.
		// eslint-disable-next-line react-hooks/exhaustive-deps
	}, [state.exitCode]);

	const live = state.exitCode === undefined || state.step.kind === 'done';
	// The step's height as Ink laid it out, so the panel above it takes only the rows left.
	const stepBox = useRef<DOMElement>(null);
	const [stepRows, setStepRows] = useState<number>();
	// After every render: a step's own state (a check's verdict, a wrapped input) changes its height too; state is set only on a change.
	// eslint-disable-next-line react-hooks/exhaustive-deps
	useEffect(() => {
		if (!stepBox.current) return;
		const {height} = measureElement(stepBox.current);
		if (height !== stepRows) setStepRows(height);
	});
	// Ink keeps the live region off the last row; the test's verdict above the panel stays on screen.
	const besideStep = rows - 1 - (stepRows ?? Math.ceil(rows / 2));
	const panelKeys = ['restart-offer', 'restarting', 'confirm-offer', 'confirming'].includes(state.step.kind);
	// The verdict is kept on screen for the question right after the test; once the restart has run (and printed), the panel may have the rows.
	const verdictShown = (state.step.kind === 'restart-offer' || state.step.kind === 'done') && state.restart === undefined;
	// The checks ran before what the flow prints after them (the restart, Zulip's own test): once it prints, the panel goes into the scrollback first, whole.
	const panelAt = deliverability && deliverability.status !== 'checking' ? deliverability.at : undefined;
	const frozenPanel = deliverability && panelAt !== undefined && (state.log.length > panelAt || !live)
		? {at: Math.max(0, panelAt - printed), node: <DeliverabilityPanel view={deliverability} maxRows={Number.MAX_SAFE_INTEGER} columns={columns} />}
		: undefined;
	// The step's hints name d while the panel beside it takes it (the same condition as the panel's own useInput).
	const panelTakesKeys = Boolean(live && panelKeys && !frozenPanel && deliverability?.status === 'done' && !deliverability.report.skipped && deliverability.report.findings.length > 0);
	return (
		<Box flexDirection="column">
			<LogView entries={printed > 0 ? state.log.slice(printed) : state.log} inserted={frozenPanel} />
			{live && deliverability && !frozenPanel ? <DeliverabilityPanel view={deliverability} maxRows={Math.max(2, besideStep - (verdictShown ? rowsFromVerdict(state.log, columns) : 0))} maxDetailRows={Math.max(2, besideStep)} columns={columns} keys={panelKeys} /> : null}
			{live ? (
				<Box ref={stepBox} flexDirection="column">
					<PanelKeysContext.Provider value={panelTakesKeys}>
						<StepView state={state} send={send} rows={rows} dnsChecked={deliverability !== undefined} engine={engine} localNotes={localNotes} />
					</PanelKeysContext.Provider>
				</Box>
			) : null}
		</Box>
	);
}

interface StepViewProps {
	readonly state: FlowState;
	readonly send: (event: FlowEvent) => void;
	/** Terminal height: lists shrink so the live region never fills the screen (Ink would clear the scrollback). */
	readonly rows: number;
	/** The Deliverability panel is showing: the done step need not repeat generic SPF/DKIM advice. */
	readonly dnsChecked?: boolean;
	/** For the start menu's background check. */
	readonly engine: WizardEngine;
	/** What the review says about the mail server on this machine (useLocalServerNotes). */
	readonly localNotes?: readonly string[];
}

/** The live region: the current step only. Keyed by step, so inputs start fresh on every visit. */
function StepView({state, send, rows, dnsChecked, engine, localNotes}: StepViewProps) {
	if (state.phase === 'answering') {
		// This round's answers, live above the question: going back takes a line away instead of adding one.
		const answered = state.step.kind === 'done' ? [] : state.answered;
		return (
			<Box flexDirection="column">
				{answered.length > 0 ? <Box marginTop={1} /> : null}
				{answered.map(line => (
					<HangingText key={`${line.depth}-${line.text}`} color={colors.ok}>{`${symbols.ok} ${line.text}`}</HangingText>
				))}
				<AnsweringStepView state={state} send={send} rows={Math.max(12, rows - answered.length)} dnsChecked={dnsChecked} engine={engine} localNotes={localNotes} />
			</Box>
		);
	}

	const {step} = state;
	const key = `${step.kind}-${state.history.length}`;
	switch (step.kind) {
		case 'loading':
			return <ProgressStep label="Reading the configuration" />;
		case 'blocked':
			return <ProblemStep key={key} problems={step.problems} then="exit" send={send} />;
		case 'problem':
			return <ProblemStep key={key} problems={[step.problem]} then={step.then} send={send} />;
		case 'provider':
			return <ProviderStep key={key} choices={providerChoices(state.settings)} preselected={preselectedChoice(state)} limit={listLimit(rows)} canGoBack={state.history.length > 0} send={send} />;
		case 'start-menu': {
			const loaded = state.loaded!;
			const {current} = loaded;
			// The file backend's test writes mail; the menu's check must send and write nothing.
			const check = current.backend === 'smtp' ? (signal: AbortSignal) => engine.test(loaded, '', () => undefined, signal) : undefined;
			// Zulip's log is on this machine only for a host install (docker keeps it in the container).
			const {logDir} = state.settings;
			const mailLog = (loaded.kind === 'host' || logDir !== undefined) && mailLogAvailable(logDir) ? (signal: AbortSignal) => readRecentMailLog(new Date(Date.now() - RECENT_MS), signal, logDir) : undefined;
			return <StartMenuStep key={key} check={check} hasLogin={current.backend === 'smtp' && current.user !== ''} senderCount={zulipSenders(current, {version: loaded.zulipVersion}).length} canRestore={state.backups.length > 0} send={send} mailLog={mailLog} />;
		}

		case 'backups':
			return <BackupsStep key={key} sets={state.backups} limit={listLimit(rows)} send={send} />;
		case 'restoring-set':
			return <ProgressStep label={`Restoring the files as they were on ${step.set.when}`} />;
		default: {
			const unhandled: never = step;
			return unhandled;
		}
	}
}

/** The steps once a provider is chosen: the answers and the configuration read are there. */
function AnsweringStepView({state, send, rows, dnsChecked, localNotes = []}: StepViewProps & {readonly state: AnsweringFlow}) {
	const {step, answers, loaded} = state;
	const limit = listLimit(rows);
	const provider = currentProvider(state);
	const key = `${step.kind}-${state.history.length}`;
	switch (step.kind) {
		case 'problem':
			return <ProblemStep key={key} problems={[step.problem]} then={step.then} send={send} />;
		case 'provider':
			return <ProviderStep key={key} choices={providerChoices(state.settings)} preselected={preselectedChoice(state)} limit={limit} canGoBack={state.history.length > 0} send={send} />;
		case 'region':
			return <RegionStep key={key} regions={provider.regions ?? []} question={provider.regionQuestion ?? {title: `Which region is your ${provider.name} account in?`, help: ''}} preselected={answers.region} error={step.error} limit={limit} send={send} />;
		case 'host':
			return <HostStep key={key} host={answers.host} error={step.error} send={send} />;
		case 'endpoint':
			return (
				<EndpointStep
					key={key}
					host={answers.host}
					options={endpointOptions(state)}
					preselected={step.pending ?? {port: answers.port, security: answers.security}}
					pending={step.pending}
					send={send}
				/>
			);
		case 'port':
			return <PortStep key={key} port={answers.port} error={step.error} send={send} />;
		case 'security':
			return <SecurityStep key={key} port={answers.port} preselected={step.pending ?? securityForPort(answers.port, answers.security)} pending={step.pending} send={send} />;
		case 'username':
			return <UsernameStep key={key} provider={provider} username={answers.username} error={step.error} send={send} />;
		case 'password':
			return (
				<PasswordStep
					key={`${key}-${step.mode}`}
					mode={step.mode === 'choose' && canKeepPassword(state) ? 'choose' : 'type'}
					provider={provider}
					username={answers.username}
					// Typing it again (after a refused login) starts from an empty field, not after the refused one.
					typed={answers.password.kind === 'new' && !step.resume ? answers.password.value : ''}
					error={step.error}
					secretsFile={modeFileWords(state.loaded).secrets}
					send={send}
				/>
			);
		case 'file-path':
			return <FilePathStep key={key} path={answers.filePath ?? ''} placeholder={state.settings.writableRoot && `${state.settings.writableRoot}/emails`} error={step.error} send={send} />;
		case 'noreply':
			return <NoreplyStep key={key} administrator={loaded.current.administrator ?? undefined} settingsFile={modeFileWords(loaded).settings} senderRule={noreplyRule(provider.id)} noreply={noreplyAddressFor(state) ?? ''} error={step.error} send={send} />;
		case 'tokens': {
			const tokens = answers.tokens ?? loaded.current.tokens ?? true;
			const tokenized = loaded.current.tokenizedTemplate?.replace('{token}', '<token>');
			return <TokensStep key={key} tokens={tokens} tokenized={tokenized} plain={noreplyAddressFor(state)} senderRule={tokensRule(provider.id)} send={send} />;
		}

		case 'recipient':
			return <RecipientStep key={key} to={recipientDefault(state)} senders={sendersAfterAnswers(state)} error={step.error} send={send} />;
		case 'plaintext':
			return <PlaintextStep key={key} risk={plaintextPasswordRisk(answers) ?? ''} starttlsPort={tlsInstead(answers).starttls.port} send={send} />;
		case 'planning':
			return <ProgressStep label="Preparing the changes" />;
		case 'review': {
			const {plan} = step;
			const files = plan.files.filter(file => file.changed).map(file => file.path);
			const mismatch = provider.kind === 'smtp' ? endpointMismatch(answers.port, answers.security) : undefined;
			const plaintext = plaintextPasswordRisk(answers);
			// Sending the password without TLS was chosen in its own question; the review still says it.
			return <ReviewStep key={key} changed={plan.changed} files={files} warnings={[mismatch, plaintext, ...(plan.notes ?? []), ...localNotes].filter((warning): warning is string => warning !== undefined)} send={send} />;
		}

		case 'writing':
			return <ProgressStep label={state.cancelRequested ? 'Finishing the write, then exiting' : 'Writing the files (with backups)'} />;
		case 'testing':
			return <TestingStep lines={step.lines} to={state.to} limit={Math.max(4, rows - 8)} note={state.loaded ? testNetworkNote(state.loaded.kind) : undefined} />;
		case 'result':
			return <ResultStep key={key} report={step.stopped ? undefined : state.report} fixes={step.stopped ? [] : state.fixes} canRestore={originalBackups(state.applied).length > 0} retestHint={retestHint(provider.id)} send={send} />;
		case 'edit-answer':
			return <EditAnswerStep key={key} targets={editTargets(state)} send={send} />;
		case 'restoring':
			return <ProgressStep label="Restoring the backups" />;
		case 'cancel-offer':
			return <CancelOfferStep key={key} files={originalBackups(state.applied).map(file => file.path)} send={send} />;
		case 'restart-offer': {
			const wrote = originalBackups(state.applied).length > 0;
			return <RestartOfferStep key={key} command={state.settings.restartCommand} recommended={wrote && state.report?.ok === true} send={send} deployment={state.loaded !== undefined && state.loaded.kind !== 'host'} />;
		}

		case 'restarting':
			return <RestartingStep lines={step.lines} stopWarning={step.stopWarning} />;
		case 'restart-failed':
			return <RestartFailedStep key={key} result={step.result} send={send} />;
		case 'done':
			return (
				<DoneStep
					testOk={state.report?.ok}
					changed={originalBackups(state.applied)}
					restored={state.restored}
					restart={state.restart}
					restartCommand={state.settings.restartCommand}
					service={serviceWords(provider.id)}
					sendingDomain={dnsChecked ? undefined : sendingDomain(state)}
					fileBackend={provider.kind === 'file'}
					mailLogSince={(state.loaded?.kind === 'host' || state.settings.logDir !== undefined) && mailLogAvailable(state.settings.logDir) ? (since: Date, signal: AbortSignal) => readRecentMailLog(since, signal, state.settings.logDir) : undefined}
					rerun={state.settings.rerun}
				/>
			);
		case 'confirm-offer':
			return <ConfirmOfferStep key={key} to={state.to ?? ''} runsAs={state.settings.sandbox ? 'the user running the sandbox (who owns the mails it writes)' : undefined} send={send} />;
		case 'confirming':
			return <ProgressStep label="Zulip is sending its two test mails (manage.py send_test_email)" />;
		default: {
			const unhandled: never = step;
			return unhandled;
		}
	}
}

function sendingDomain(state: FlowState): string | undefined {
	const address = state.loaded?.current.administrator ?? noreplyInUse(state);
	const at = address?.lastIndexOf('@') ?? -1;
	return address && at > 0 ? address.slice(at + 1) : undefined;
}

/**
 * Render the wizard and resolve with the exit code: 0 done, 1 the test failed
 * (files kept or restored), 3 the configuration could not be read or written,
 * 4 the restart failed, 130 cancelled. Throws a UsageError for a malformed
 * flag before anything is drawn.
 */
export async function renderWizard(wizard: RenderOptions): Promise<ExitCodeValue> {
	const {engine, settings, start} = wizard.started ?? (await startWizard(wizard));
	// Signals from outside (kill, a dropped SSH session) cancel like Ctrl-C: a write in progress still finishes.
	const external = new AbortController();
	const onSignal = () => external.abort();
	const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
	for (const signal of signals) process.on(signal, onSignal);
	wizard.signal?.addEventListener('abort', onSignal);
	if (wizard.signal?.aborted) onSignal();
	let exitCode: ExitCodeValue = ExitCode.cancelled;
	try {
		// Before the handover, which wraps the write for one call and then restores this one.
		if (testSignalsWanted()) for (const stream of [wizard.stdout ?? process.stdout, wizard.stderr ?? process.stderr]) emitTestSignals(stream);
		// Ink's first frame replaces the one painted while it loaded (the summary above it stays).
		wizard.painted?.handOver();
		// A terminal that cannot move its cursor gets appended lines: Ink writes whole transcripts (debug), printed as what changed.
		const lines = lineMode() ? lineModeOutput(wizard.stdout ?? process.stdout) : undefined;
		const instance = render(
			<LineModeContext.Provider value={lines !== undefined}><App
				engine={engine}
				settings={settings}
				cancelSignal={external.signal}
				start={start}
				printed={wizard.painted?.entries}
				onExit={code => {
					exitCode = code;
					// Let Ink paint the final frame before it lets go of the terminal.
					setImmediate(() => instance.unmount());
				}}
			/></LineModeContext.Provider>,
			// Ink spreads these over its defaults: an explicit undefined would replace process.stdout.
			{exitOnCtrlC: false, patchConsole: false, stdin: keyByKey(wizard.stdin ?? process.stdin), ...stripUndefined({stdout: lines?.stdout ?? wizard.stdout, stderr: wizard.stderr, debug: lines ? true : undefined})},
		);
		await instance.waitUntilExit();
		lines?.finish();
		return exitCode;
	} finally {
		for (const signal of signals) process.off(signal, onSignal);
		wizard.signal?.removeEventListener('abort', onSignal);
	}
}

export interface RenderOptions extends WizardOptions {
	/** startWizard's result, when the caller worked it out already (to paint the first frame early). */
	readonly started?: WizardStart;
	/** The first frame painted before Ink loaded (early-paint.ts), which Ink takes over. */
	readonly painted?: EarlyPaint;
}

