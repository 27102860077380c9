import {localMtaProblem} from '../engine/deployment-notes.js';
import {answersForProvider, emptyUsernameProblem, passwordAfterUsername, withGivenAnswers, type Answers} from '../engine/answers.js';
import {answersSummary, plaintextConsent, plaintextPasswordRisk, tlsInstead} from '../engine/answers-summary.js';
import {describeWrite} from '../engine/apply.js';
import type {ExitCodeValue} from '../engine/errors.js';
import {endpointMismatch, getProvider, regionFor, regionProblem, securityName, type Endpoint} from '../engine/providers.js';
import {addressProblem, filePathProblem, hostProblem, outsideSandboxProblem, parsePort, portProblem, usernameProblem} from '../engine/validate.js';
import type {TestEvent} from '../smtp/types.js';
import {passwordProblem} from '../zulip/secrets-file.js';
import {isEffectStep, loadOutcome, log, preselectedChoice, stay} from './flow-start.js';
import {planEntries, problemEntries, testEntry} from './flow-scrollback.js';
import {canKeepPassword, choiceName, currentProvider, EXIT, exitCodeFor, noreplyAddressFor, originalBackups, sameEndpoint} from './flow-selectors.js';
import type {AnsweringEvent, AnsweringFlow, AnsweringStep, FlowEvent, FlowState, LogEntry, Problem, ProviderChoiceId, StartAction, StartingFlow, Step, TestLine} from './flow-types.js';
import {command} from '../engine/command-text.js';

/**
 * The wizard's flow as a pure reducer over steps and events. Components only
 * render a step and send events; IO is run by use-wizard-effects, which
 * reports back with events too. Going back is a history stack of steps, and
 * the answers live beside it, so a step revisited shows what was typed.
 * How it starts (the first state, the configuration read) is flow-start.ts,
 * which the first frame uses without loading the rest.
 */

/** Kept in state for the failure report; the box shows fewer. */
const RESTART_LINES_KEPT = 40;

export function flowReducer(state: FlowState, event: FlowEvent): FlowState {
	if (state.exitCode !== undefined) return state;
	const {step} = state;
	switch (event.type) {
		case 'back':
			return back(state);
		case 'cancel':
			return cancel(state);
		case 'loaded':
		case 'load-failed':
			return loadOutcome(state, event);
		case 'dismiss':
			if (step.kind === 'blocked') return exitWithProblems(state, step.problems);
			if (step.kind === 'problem') return back(state);
			return state;
		case 'provider-chosen':
			return chooseProvider(state, event.id);
		case 'start-chosen':
			return startChosen(state, event.action);
		case 'backup-chosen': {
			if (step.kind !== 'backups') return state;
			const set = state.backups.find(candidate => candidate.stamp === event.stamp);
			return set ? go(state, {kind: 'restoring-set', set}) : state;
		}

		case 'set-restored': {
			if (step.kind !== 'restoring-set') return state;
			const files = step.set.files.map(file => file.path).join(' and ');
			const restored = log({...state, restored: true}, {tone: 'ok', text: `Restored ${files} as they were on ${step.set.when}.`}, {tone: 'info', text: `Zulip reads them after a restart: ${command(state.settings.restartCommand)}`});
			return exit(restored, EXIT.ok);
		}

		case 'set-restore-failed':
			if (step.kind !== 'restoring-set') return state;
			return stay(state, {kind: 'problem', problem: event.problem, then: 'exit'});
		default:
			// Every other event answers a step that only exists once a provider is chosen.
			return state.phase === 'answering' ? answeringReducer(state, event) : state;
	}
}

function answeringReducer(state: AnsweringFlow, event: AnsweringEvent): FlowState {
	const {step, answers} = state;
	switch (event.type) {
		case 'region-chosen': {
			if (step.kind !== 'region') return state;
			const provider = currentProvider(state);
			// A region AWS opened after the catalog was written is typed; it is accepted by its name's shape.
			const region = regionFor(provider, event.region);
			// Not the shape of a region name: said in place (as --region says it), what was typed kept.
			if (!region) return stay(state, {kind: 'region', error: regionProblem(provider, event.region)});
			const fresh = answersForProvider(state.loaded, provider.id, region.id);
			const next: Answers = answers.region === region.id ? answers : {...answers, region: region.id, host: fresh.host, password: fresh.password, username: fresh.username};
			const chosen = answer({...state, answers: next}, `Region: ${region.name === region.id ? region.id : `${region.name} (${region.id})`}`);
			// The region fixes the host: shown in the next question, changed there if need be.
			return go(chosen, {kind: 'endpoint'});
		}

		case 'host-submitted': {
			if (step.kind !== 'host') return state;
			const host = event.host.trim();
			const problem = hostProblem(host);
			if (problem) return stay(state, {kind: 'host', error: problem});
			return go(answer(withAnswers(state, {host}), `Host: ${host}`), {kind: 'endpoint'});
		}

		case 'endpoint-chosen': {
			if (step.kind !== 'endpoint') return state;
			if (event.endpoint === 'other') return go(state, {kind: 'port'});
			if (event.endpoint === 'host') return go(state, {kind: 'host'});
			const {endpoint} = event;
			const warning = endpointMismatch(endpoint.port, endpoint.security);
			const confirmed = step.pending && sameEndpoint(step.pending, endpoint);
			if (warning && !confirmed) return stay(state, {kind: 'endpoint', warning, pending: endpoint});
			return endpointChosen(state, endpoint);
		}

		case 'port-submitted': {
			if (step.kind !== 'port') return state;
			const port = parsePort(event.port);
			if (port === undefined) return stay(state, {kind: 'port', error: portProblem(event.port)});
			return go(withAnswers(state, {port}), {kind: 'security'});
		}

		case 'security-chosen': {
			if (step.kind !== 'security') return state;
			const warning = endpointMismatch(answers.port, event.security);
			if (warning && step.pending !== event.security) return stay(state, {kind: 'security', warning, pending: event.security});
			return endpointChosen(state, {port: answers.port, security: event.security});
		}

		case 'username-submitted': {
			if (step.kind !== 'username') return state;
			const {username} = event;
			const problem = username === '' ? emptyUsernameProblem(currentProvider(state)) : usernameProblem(username);
			if (problem) return stay(state, {kind: 'username', error: problem});
			const next = answer(withAnswers(state, {username, password: passwordAfterUsername(answers, username)}), username === '' ? 'No login (no username)' : `Username: ${username}`);
			if (username === '') return afterCredentials(next);
			return go(next, passwordStep(next));
		}

		case 'password-kept': {
			if (step.kind !== 'password' || step.mode !== 'choose' || !canKeepPassword(state)) return state;
			const next = answer(withAnswers(state, {password: {kind: 'keep'}}), 'Password: keeping the stored one');
			return afterCredentials(next);
		}

		case 'password-change':
			if (step.kind !== 'password' || step.mode !== 'choose') return state;
			return go(state, {kind: 'password', mode: 'type'});
		case 'password-submitted': {
			if (step.kind !== 'password' || step.mode !== 'type') return state;
			const {password} = event;
			const problem = password === '' ? `A password is needed to log in as ${answers.username}.` : passwordProblem(password);
			if (problem) return stay(state, {...step, error: problem});
			const next = answer(withAnswers(state, {password: {kind: 'new', value: password}}), 'Password: new (hidden)');
			if (step.resume) return startPlanning(next, true);
			return afterCredentials(next);
		}

		case 'file-path-submitted': {
			if (step.kind !== 'file-path') return state;
			const path = event.path.trim();
			// In the sandbox the live test would refuse a directory outside it: said here, before anything is written.
			const problem = filePathProblem(path) ?? outsideSandboxProblem(state.settings.writableRoot, path);
			if (problem) return stay(state, {kind: 'file-path', error: problem});
			return afterCredentials(answer(withAnswers(state, {filePath: path}), `Mail files go to ${path}`));
		}

		case 'noreply-submitted': {
			if (step.kind !== 'noreply') return state;
			const address = event.address.trim();
			const {current} = state.loaded;
			let noreplyAddress: string | null | undefined;
			if (address === '') noreplyAddress = null;
			else {
				const problem = addressProblem(address);
				if (problem) return stay(state, {kind: 'noreply', error: problem});
				// Unchanged stays untouched in settings.py: no needless diff line.
				noreplyAddress = address === current.noreplyAddress ? undefined : address;
			}

			const next = withAnswers(state, {noreplyAddress});
			return go(answer(next, `Noreply address: ${noreplyAddressFor(next) ?? "Zulip's default"}`), {kind: 'tokens'});
		}

		case 'tokens-chosen': {
			if (step.kind !== 'tokens') return state;
			const tokens = event.tokens === state.loaded.current.tokens ? undefined : event.tokens;
			const next = withAnswers(state, {tokens});
			const withTokens = answer(next, `Tokenized noreply: ${event.tokens ? 'on' : 'off'}`);
			// Changing only the From addresses: the recipient is the one already known.
			if (state.jump) return startPlanning(withTokens, false);
			return go(withTokens, {kind: 'recipient'});
		}

		case 'recipient-submitted': {
			if (step.kind !== 'recipient') return state;
			const address = event.address.trim();
			const problem = addressProblem(address);
			if (problem) return stay(state, {kind: 'recipient', error: problem});
			return startPlanning(answer({...state, to: address}, `Test mails go to ${address}`), false);
		}

		case 'plaintext-chosen': {
			if (step.kind !== 'plaintext') return state;
			if (event.choice === 'send') return planNow({...state, plaintextAllowed: plaintextConsent(answers)}, step.autoApply);
			const endpoint = tlsInstead(answers)[event.choice];
			const withTls = answer(withAnswers(state, endpoint), `Server: ${answers.host}:${endpoint.port} with ${securityName(endpoint.security)}`);
			return planNow(withTls, step.autoApply);
		}

		case 'plan-ready': {
			if (step.kind !== 'planning') return state;
			const {plan} = event;
			// The review is a checkpoint: this round's answers become one compact summary, for good, above the diff.
			// The sandbox's relay by its own name while the answers still point at it.
			const {sandbox} = state.settings;
			const relay = state.choice === 'sandbox' && sandbox && answers.host === sandbox.host && answers.port === sandbox.port ? choiceName('sandbox') : undefined;
			const summary: LogEntry = {tone: 'info', text: 'Your answers:', block: answersSummary(state.loaded, answers, state.to, relay)};
			const withPlan = log({...state, answered: []}, ...(step.autoApply ? [] : [summary]), ...planEntries(plan));
			if (!step.autoApply) return stay(withPlan, {kind: 'review', plan});
			return plan.changed ? stay(withPlan, {kind: 'writing', plan}) : startTest(withPlan);
		}

		case 'plan-failed':
			if (step.kind !== 'planning') return state;
			return stay(state, {kind: 'problem', problem: event.problem, then: 'back'});
		case 'write-confirmed':
			if (step.kind !== 'review') return state;
			if (!step.plan.changed) return startTest(log(state, {tone: 'info', text: 'Nothing to write: testing the configuration as it is.'}));
			return go(state, {kind: 'writing', plan: step.plan});
		case 'written': {
			if (step.kind !== 'writing') return state;
			const entries: LogEntry[] = event.applied.files.filter(file => file.changed).map(file => ({tone: 'ok', text: describeWrite(file)}));
			const next = log({...state, applied: [...state.applied, event.applied], loaded: event.loaded}, ...entries);
			if (state.cancelRequested) return exit(log(next, {tone: 'fail', text: 'Cancelled after writing. The test did not run.'}), EXIT.cancelled);
			return startTest(next);
		}

		case 'write-failed':
			if (step.kind !== 'writing') return state;
			if (state.cancelRequested) return exit(log(state, {tone: 'fail', text: event.problem.message}), EXIT.cancelled);
			return stay(state, {kind: 'problem', problem: event.problem, then: 'back'});
		case 'test-event':
			if (step.kind !== 'testing') return state;
			return stay(state, {...step, lines: foldTestEvent(step.lines, event.event, event.at)});
		case 'test-finished': {
			if (step.kind !== 'testing') return state;
			const {report} = event;
			const next = log({...state, report, fixes: event.fixes}, testEntry(report, step.lines));
			if (report.ok) return afterTest(next);
			return stay(next, {kind: 'result'});
		}

		case 'test-failed':
			if (step.kind !== 'testing') return state;
			return stay(log(state, {tone: 'fail', text: `The test could not run: ${event.problem.message}`}), {kind: 'result', stopped: true});
		case 'fix-chosen': {
			if (step.kind !== 'result') return state;
			const fix = state.fixes.find(candidate => candidate.id === event.id);
			if (!fix) return state;
			if (fix.needsPassword) return go(state, passwordStep(state, true));
			return startPlanning(log({...state, answers: fix.apply(answers)}, {tone: 'info', text: fix.label}), true);
		}

		case 'retest':
			if (step.kind !== 'result') return state;
			return startTest(state);
		case 'edit':
			if (step.kind !== 'result' && step.kind !== 'review') return state;
			return go({...state, jump: true}, {kind: 'edit-answer'});
		case 'edit-target-chosen':
			if (step.kind !== 'edit-answer') return state;
			// The picker jumps: answer that one thing (a provider, all that follows from it), then the review again.
			if (event.target === 'recipient') return go(state, {kind: 'recipient'});
			return go(state, event.target === 'username' ? {kind: 'username'} : {kind: event.target});
		case 'cancel-choice':
			if (step.kind !== 'cancel-offer') return state;
			if (event.restore && originalBackups(state.applied).length > 0) return stay({...state, cancelRequested: true}, {kind: 'restoring'});
			return exit(log(state, {tone: 'warn', text: 'Cancelled. The new files stay; Zulip was not restarted, so it still runs with the old settings.'}), EXIT.cancelled);
		case 'restore':
			if (step.kind !== 'result' || originalBackups(state.applied).length === 0) return state;
			return stay(state, {kind: 'restoring'});
		case 'restored': {
			if (step.kind !== 'restoring') return state;
			const files = originalBackups(state.applied).map(file => file.path);
			const next = log({...state, restored: true}, {tone: 'ok', text: `Restored ${files.join(' and ')} as they were before this run.`});
			if (state.cancelRequested) return exit(next, EXIT.cancelled);
			return done(next);
		}

		case 'restore-failed':
			if (step.kind !== 'restoring') return state;
			if (state.cancelRequested) return exit(log(state, {tone: 'fail', text: event.problem.message}), EXIT.cancelled);
			return stay(state, {kind: 'problem', problem: event.problem, then: 'exit'});
		case 'keep':
			if (step.kind !== 'result') return state;
			return afterTest(log(state, {tone: 'warn', text: 'Keeping the files as they are.'}));
		case 'restart-chosen':
			if (step.kind !== 'restart-offer' && step.kind !== 'restart-failed') return state;
			if (!event.run) return done(log(state, {tone: 'info', text: 'Not restarting now.'}));
			return stay(log(state, {tone: 'info', text: `Running ${command(state.settings.restartCommand)}`}), {kind: 'restarting', lines: []});
		case 'restart-output':
			if (step.kind !== 'restarting') return state;
			return stay(state, {...step, lines: [...step.lines, event.line].slice(-RESTART_LINES_KEPT)});
		case 'restart-finished': {
			if (step.kind !== 'restarting') return state;
			const {result} = event;
			const next = {...state, restart: result};
			if (result.ok) {
				const restarted = log(next, {tone: 'ok', text: result.confirmed ? 'Zulip restarted successfully!' : 'The restart command finished without an error.'});
				// The last word is Zulip's own: its send_test_email, to the address the test used.
				return state.settings.confirmWithZulip && state.to ? stay(restarted, {kind: 'confirm-offer'}) : done(restarted);
			}

			return stay(log(next, {tone: 'fail', text: `The restart failed${result.exitCode === null ? '' : ` (exit code ${result.exitCode})`}.${result.problem ? ` ${result.problem}` : ''}`}), {kind: 'restart-failed', result});
		}

		case 'confirm-chosen':
			if (step.kind !== 'confirm-offer') return state;
			if (!event.run) return done(state);
			return stay(log(state, {tone: 'info', text: `Asking Zulip itself: manage.py send_test_email ${state.to ?? ''}`}), {kind: 'confirming'});
		case 'confirm-finished': {
			if (step.kind !== 'confirming') return state;
			const {result} = event;
			const block = result.tail.length > 0 ? result.tail.map(line => `| ${line}`) : undefined;
			const entry = result.ok
				? {tone: 'ok' as const, text: `Zulip itself sent its two test mails to ${state.to ?? ''}.`, block}
				: {tone: 'fail' as const, text: `Zulip's own test failed (${result.outcome}): ${result.reason ?? 'no reason given'}. Run it yourself: ${command(result.command)}`, block};
			return done(log({...state, confirm: result}, entry));
		}

		case 'finish':
			if (step.kind !== 'restart-failed') return state;
			return done(state);
		default: {
			const unhandled: never = event;
			return unhandled;
		}
	}
}

/** Fold a test event into the lines: a start opens a line, ok/fail closes the open one of the same step and sender. */
export function foldTestEvent(lines: readonly TestLine[], event: TestEvent, at: number): TestLine[] {
	const senderAddress = event.sender?.address;
	if (event.status === 'start') return [...lines, {step: event.step, label: event.label, status: 'running', elapsedMs: 0, startedAt: at, senderAddress}];
	const index = lines.findLastIndex(line => line.status === 'running' && line.step === event.step && line.senderAddress === senderAddress);
	const {status} = event;
	if (index === -1) return [...lines, {step: event.step, label: event.label, status, elapsedMs: event.elapsedMs, startedAt: at - event.elapsedMs, senderAddress}];
	return lines.map((line, lineIndex) => (lineIndex === index ? {...line, label: event.label || line.label, status, elapsedMs: event.elapsedMs} : line));
}

/** Move forward to a step, remembering the one we leave if the admin may come back to it. */
function go<S extends FlowState>(state: S, step: S['step']): S {
	const leaving = state.step;
	const remember = !isEffectStep(leaving) && leaving.kind !== 'problem' && leaving.kind !== 'blocked';
	const history = remember ? [...state.history, leaving] : state.history;
	return {...state, step, history, effect: isEffectStep(step) ? state.effect + 1 : state.effect};
}

function exit<S extends FlowState>(state: S, code: ExitCodeValue): S {
	return {...state, exitCode: code};
}

/** The live region goes away on exit: a problem that ends the wizard is printed for good first. */
function exitWithProblems<S extends FlowState>(state: S, problems: readonly Problem[]): S {
	return exit(log(state, ...problemEntries(problems)), problems.some(problem => problem.bug) ? EXIT.bug : EXIT.config);
}

function back(state: FlowState): FlowState {
	if (state.phase === 'starting') return backWhileStarting(state);
	const {step} = state;
	switch (step.kind) {
		case 'testing':
			// Esc stops a running test; the effect's cleanup aborts it.
			return log(stay(state, {kind: 'result', stopped: true}), {tone: 'warn', text: 'Test stopped.'});
		case 'problem':
			if (step.then === 'exit') return exitWithProblems(state, [step.problem]);
			return pop(state);
		case 'planning':
			return pop(state);
		case 'writing':
		case 'restoring':
		case 'restarting':
		case 'restart-failed':
		case 'confirm-offer':
		case 'confirming':
		case 'done':
			return state;
		case 'security':
			if (step.warning) return stay(state, {kind: 'security'});
			return pop(state);
		case 'endpoint':
			if (step.warning) return stay(state, {kind: 'endpoint'});
			return pop(state);
		case 'cancel-offer':
			// Esc on "stopped": the same as keeping the files.
			return exit(log(state, {tone: 'warn', text: 'Cancelled. The new files stay; Zulip was not restarted, so it still runs with the old settings.'}), EXIT.cancelled);
		case 'provider':
		case 'region':
		case 'host':
		case 'port':
		case 'username':
		case 'password':
		case 'file-path':
		case 'noreply':
		case 'tokens':
		case 'recipient':
		case 'plaintext':
		case 'review':
		case 'result':
		case 'edit-answer':
		case 'restart-offer':
			return pop(state);
		default: {
			const unhandled: never = step;
			return unhandled;
		}
	}
}

/** Before a provider is chosen there is nothing to go back to: Esc leaves a problem that ends the wizard. */
function backWhileStarting(state: StartingFlow): FlowState {
	const {step} = state;
	switch (step.kind) {
		case 'problem':
			return step.then === 'exit' ? exitWithProblems(state, [step.problem]) : state;
		case 'blocked':
			return exitWithProblems(state, step.problems);
		case 'loading':
		case 'start-menu':
		case 'restoring-set':
			return state;
		case 'provider':
		case 'backups':
			// Back to the start menu, when the wizard began there.
			return popStarting(state);
		default: {
			const unhandled: never = step;
			return unhandled;
		}
	}
}

function popStarting(state: StartingFlow): FlowState {
	const previous = state.history.at(-1);
	if (previous?.kind !== 'start-menu') return state;
	return {...state, step: previous, history: state.history.slice(0, -1)};
}

/**
 * Back one question. Its answer line goes (and any answered after it), so
 * the screen shows the answers as they now stand: no "back to" trail, and an
 * answer a later choice made irrelevant (a region, once Gmail is chosen)
 * is not left behind.
 */
function pop(state: AnsweringFlow): FlowState {
	const previous = state.history.at(-1);
	if (!previous) return state;
	const restored = clearMessages(previous);
	const history = state.history.slice(0, -1);
	const answered = state.answered.filter(line => line.depth < history.length);
	// Back from the first question of a start-menu choice: the menu again, nothing answered.
	if (restored.kind === 'start-menu' || restored.kind === 'backups') {
		return {...state, phase: 'starting', step: restored, history, answered: [], jump: false, keepFrom: false, choice: undefined, answers: undefined};
	}

	if (restored.kind === 'loading' || restored.kind === 'blocked' || restored.kind === 'restoring-set') return state;
	return {...state, step: restored, history, answered};
}

/** Record an answer as a line under the questions (the review later prints the summary for good). */
function answer<S extends AnsweringFlow>(state: S, text: string): S {
	return {...state, answered: [...state.answered.filter(line => line.depth < state.history.length), {text, depth: state.history.length}]};
}

/** After the login (or a file directory): the From addresses, or straight to the review when answering one thing. */
function afterCredentials(state: AnsweringFlow): AnsweringFlow {
	if (state.jump || state.keepFrom) return startPlanning(state, false);
	return go(state, {kind: 'noreply'});
}

/** The start menu's choices: each a short way through, ending in the review. */
function startChosen(state: FlowState, action: StartAction): FlowState {
	if (state.phase !== 'starting' || state.step.kind !== 'start-menu' || !state.loaded) return state;
	// A new provider or server: its questions, then the review. The From addresses, the tokens and the
	// test recipient stay as configured (the review's picker changes them), as the other short ways do.
	if (action === 'switch') return go({...state, keepFrom: true, to: state.to ?? state.loaded.current.administrator ?? undefined}, {kind: 'provider'});
	if (action === 'restore') return state.backups.length > 0 ? go(state, {kind: 'backups'}) : state;
	const {loaded} = state;
	const choice = preselectedChoice(state);
	const answers = answersForChoice(state, loaded, choice);
	const to = state.to ?? loaded.current.administrator ?? undefined;
	// The menu stays on the history, so Esc on its first question comes back to it.
	const enter = (step: AnsweringStep): AnsweringFlow => ({...state, phase: 'answering', step, history: [...state.history, state.step], loaded, choice, answers, jump: true, to});
	switch (action) {
		case 'test':
			return enter({kind: 'recipient'});
		case 'password':
			// The new password is typed into an empty field: a prefilled one (the sandbox relay's) is the one being replaced.
			return {...enter({kind: 'password', mode: 'type'}), answers: {...answers, password: {kind: 'new' as const, value: ''}}};
		case 'from':
			return enter({kind: 'noreply'});
		default: {
			const unhandled: never = action;
			return unhandled;
		}
	}
}

/** A step comes back without the error it showed when the admin left it. */
function clearMessages(step: Step): Step {
	switch (step.kind) {
		case 'region':
		case 'host':
		case 'port':
		case 'username':
		case 'file-path':
		case 'noreply':
		case 'recipient':
			return {kind: step.kind};
		case 'password':
			return {kind: 'password', mode: step.mode, resume: step.resume};
		case 'endpoint':
			return {kind: 'endpoint'};
		case 'security':
			return {kind: 'security'};
		default:
			return step;
	}
}

function cancel(state: FlowState): FlowState {
	const {step} = state;
	if (step.kind === 'done') return state;
	if (step.kind === 'writing' || step.kind === 'restoring') {
		// A write is short and atomic per file: stopping between the two files would be worse.
		if (state.cancelRequested) return state;
		return log({...state, cancelRequested: true}, {tone: 'warn', text: 'Ctrl-C: finishing the write first, then exiting.'});
	}

	if (state.phase === 'answering' && step.kind === 'restarting' && !step.stopWarning) {
		return stay(state, {...step, stopWarning: true});
	}

	const written = originalBackups(state.applied).length > 0;
	// Stopped in the middle of testing what was just written: offer to undo it rather than leave it untested.
	if (state.phase === 'answering' && step.kind === 'testing' && written) {
		return log(stay(state, {kind: 'cancel-offer'}), {tone: 'warn', text: 'Test stopped (Ctrl-C).'});
	}
	const text = written ? 'Cancelled. The files written earlier stay as they are (backups listed above).' : 'Cancelled. Nothing was written.';
	return exit(log(state, {tone: 'fail', text}), EXIT.cancelled);
}

/** The provider question's answer: the only way into the answering phase. */
function chooseProvider(state: FlowState, id: ProviderChoiceId): FlowState {
	const {loaded} = state;
	if (state.step.kind !== 'provider' || !loaded) return state;
	const answers = state.phase === 'answering' && state.choice === id ? state.answers : answersForChoice(state, loaded, id);
	const chosen: AnsweringFlow = answer({...state, phase: 'answering', step: state.step, loaded, choice: id, answers}, `Provider: ${choiceName(id)}`);
	// docker-zulip: "the local mail server" would be Zulip's own inbound gateway; said, then back to the list.
	const local = id === 'local' ? localMtaProblem(loaded.kind) : undefined;
	if (local) return go(chosen, {kind: 'problem', problem: local, then: 'back'});
	return go(chosen, afterProvider(chosen));
}

/** The answers to start from for a provider choice, keeping what the admin said about From addresses. */
function answersForChoice(state: FlowState, loaded: AnsweringFlow['loaded'], id: ProviderChoiceId): Answers {
	const {initial, sandbox} = state.settings;
	const keep = {noreplyAddress: state.answers?.noreplyAddress ?? initial.noreplyAddress, tokens: state.answers?.tokens ?? initial.tokens};
	if (id === 'sandbox') {
		const base = answersForProvider(loaded, 'custom');
		if (!sandbox) return {...base, ...keep};
		return {...base, ...keep, host: sandbox.host, port: sandbox.port, security: sandbox.security, username: sandbox.username, password: {kind: 'new', value: sandbox.password}};
	}

	const region = initial.providerId === id ? initial.region : undefined;
	const base: Answers = {...answersForProvider(loaded, id, region), ...keep};
	// Flags preselect the answers for the provider they name; a directory suits any file backend.
	if (initial.providerId === id) return withGivenAnswers(base, initial);
	if (getProvider(id).kind === 'file') return withGivenAnswers(base, {filePath: initial.filePath});
	return base;
}

function afterProvider(state: AnsweringFlow): AnsweringStep {
	const provider = currentProvider(state);
	if (provider.kind === 'file') return {kind: 'file-path'};
	if (provider.regions) return {kind: 'region'};
	// A provider's fixed host is shown in the port question (and changed there), not asked.
	if (state.answers.host !== '') return {kind: 'endpoint'};
	return {kind: 'host'};
}

function afterServer(state: AnsweringFlow): AnsweringFlow {
	if (!currentProvider(state).needsAuth) return afterCredentials(state);
	// Changing only the server of the same account: the login stands, so the review comes next.
	const {password, username} = state.answers;
	const loginComplete = username !== '' && (password.kind === 'keep' ? canKeepPassword(state) : password.kind === 'new' && password.value !== '');
	if (state.jump && loginComplete) return startPlanning(state, false);
	return go(state, {kind: 'username'});
}

function passwordStep(state: AnsweringFlow, resume = false): AnsweringStep {
	return {kind: 'password', mode: canKeepPassword(state) && !resume ? 'choose' : 'type', resume: resume || undefined};
}

function withAnswers(state: AnsweringFlow, change: Partial<Answers>): AnsweringFlow {
	return {...state, answers: {...state.answers, ...change}};
}

function endpointChosen(state: AnsweringFlow, endpoint: Endpoint): AnsweringFlow {
	const withEndpoint = answer(withAnswers(state, {port: endpoint.port, security: endpoint.security}), `Server: ${state.answers.host}:${endpoint.port} with ${securityName(endpoint.security)}`);
	return afterServer(withEndpoint);
}

/**
 * On to the plan, unless a password would cross the network without TLS to
 * another machine (the engine's rule, the one --allow-plaintext-password
 * answers): then the admin chooses first, TLS offered before sending it plain.
 */
function startPlanning(state: AnsweringFlow, autoApply: boolean): AnsweringFlow {
	if (plaintextPasswordRisk(state.answers) && state.plaintextAllowed !== plaintextConsent(state.answers)) {
		return go(state, {kind: 'plaintext', autoApply});
	}

	return planNow(state, autoApply);
}

// A jump (from the start menu or the review's picker) stays on through the review: Esc back from it to the
// question just answered, and a new answer there comes straight back to the review, not to questions
// this way through never asked.
function planNow(state: AnsweringFlow, autoApply: boolean): AnsweringFlow {
	return go(state, {kind: 'planning', autoApply});
}

function startTest(state: AnsweringFlow): AnsweringFlow {
	// Past a write there is no going back to the questions: the history starts over.
	return {...stay(state, {kind: 'testing', lines: []}), history: [], answered: [], report: undefined, fixes: []};
}

/** New files only take effect after a restart; offer it even when nothing changed now, since a previous run may not have restarted. */
function afterTest(state: AnsweringFlow): AnsweringFlow {
	return stay(state, {kind: 'restart-offer'});
}

function done(state: AnsweringFlow): AnsweringFlow {
	const finished = stay(state, {kind: 'done'});
	return exit(finished, exitCodeFor(finished));
}
