import assert from 'node:assert/strict';
import {before, describe, test} from 'node:test';
import type {Answers} from '../source/engine/answers.js';
import type {ApplyResult} from '../source/engine/apply.js';
import type {LoadedConfig} from '../source/engine/current-config.js';
import {fixesFor} from '../source/engine/fixes.js';
import {hideOtherSecrets, planChanges, type Plan} from '../source/engine/plan.js';
import type {RestartResult} from '../source/engine/restart.js';
import {getProvider, regionProblem} from '../source/engine/providers.js';
import type {TestEvent, TestReport} from '../source/smtp/types.js';
import {
	canKeepPassword,
	editTargets,
	endpointOptions,
	EXIT,
	flowReducer,
	foldTestEvent,
	initialFlowState,
	preselectedChoice,
	type FlowEvent,
	type FlowSettings,
	type FlowState,
	isEffectStep,
} from '../source/ui/flow.js';
import {ADMIN, configuredWith, freshConfig, SECRET_KEY} from './helpers/ui-fixtures.js';

const RESTART = 'su zulip -c /home/zulip/deployments/current/scripts/restart-server';
const PASSWORD = 'Pa55%word#;=x';
const settings: FlowSettings = {initial: {}, restartCommand: RESTART};

let fresh: LoadedConfig;
let gmail: LoadedConfig;
const gmailAnswers: Answers = {
	providerId: 'gmail',
	host: 'smtp.gmail.com',
	port: 587,
	security: 'starttls',
	username: 'zulip@example.com',
	password: {kind: 'new', value: 'old-app-password'},
};

before(async () => {
	fresh = await freshConfig();
	gmail = await configuredWith(gmailAnswers);
});

function run(state: FlowState, ...events: FlowEvent[]): FlowState {
	return events.reduce(flowReducer, state);
}

function loadedState(loaded = fresh, flowSettings = settings): FlowState {
	return run(initialFlowState(flowSettings), {type: 'loaded', loaded, problems: []});
}

/** A rerun starts at the start menu; "switch provider or server" opens the provider list. */
function switching(loaded = fresh): FlowState {
	const menu = loadedState(loaded);
	assert.equal(menu.step.kind, 'start-menu');
	return run(menu, {type: 'start-chosen', action: 'switch'});
}

/** The plan a review or write step holds. */
function planOf(state: FlowState): Plan {
	assert.ok(state.step.kind === 'review' || state.step.kind === 'writing', state.step.kind);
	return state.step.plan;
}

function applied(state: FlowState): ApplyResult {
	const plan = planOf(state);
	return {
		changed: true,
		files: plan.files.map(file => ({path: file.path, changed: file.changed, backup: file.changed ? `${file.path}.bak` : null, created: false})),
	};
}

const okReport: TestReport = {
	ok: true,
	senders: [
		{role: 'default', address: ADMIN, ok: true, sent: true},
		{role: 'noreply-tokenized', address: 'noreply-abc@zulip.example.com', ok: true, sent: true},
	],
	durationMs: 420,
};

const noreplyRefused: TestReport = {
	ok: false,
	senders: [
		{role: 'default', address: ADMIN, ok: true},
		{
			role: 'noreply-tokenized',
			address: 'noreply-abc@zulip.example.com',
			ok: false,
			diagnosis: {id: 'sender-rejected', message: 'The server refused the sender noreply-abc@zulip.example.com.', fix: 'Set ADD_TOKENS_TO_NOREPLY_ADDRESS = False (--no-tokens).'},
		},
	],
	durationMs: 300,
};

const filtered: TestReport = {
	ok: false,
	diagnosis: {id: 'connection-timeout', message: 'Nothing answered on port 587.', fix: 'Use port 465 with SSL (--port 465 --security ssl).'},
	senders: [],
	suggestion: {port: 465, security: 'ssl', reason: 'it completed the TLS handshake'},
	durationMs: 10_000,
};

const authFailed: TestReport = {
	ok: false,
	diagnosis: {id: 'auth-failed', message: 'The server refused the username or password.', fix: 'Type the password again.'},
	senders: [],
	durationMs: 100,
};

const restartOk: RestartResult = {ok: true, exitCode: 0, command: RESTART, tail: ['Zulip restarted successfully!'], confirmed: true};
const restartFailed: RestartResult = {ok: false, exitCode: 1, command: RESTART, tail: ["Must be run as user 'zulip'."], confirmed: false};

/** A first-time Mailgun setup up to the review, as the admin would answer it. */
function mailgunToRecipient(tokens = false): FlowState {
	return run(
		loadedState(),
		{type: 'provider-chosen', id: 'mailgun'},
		{type: 'endpoint-chosen', endpoint: {port: 587, security: 'starttls'}},
		{type: 'username-submitted', username: 'postmaster@mg.example.com'},
		{type: 'password-submitted', password: PASSWORD},
		{type: 'noreply-submitted', address: 'noreply@zulip.example.com'},
		{type: 'tokens-chosen', tokens},
	);
}

function toReview(state = mailgunToRecipient()): FlowState {
	const planning = run(state, {type: 'recipient-submitted', address: ADMIN});
	return run(planning, {type: 'plan-ready', plan: planChanges(planning.loaded!, planning.answers!)});
}

function toResult(report: TestReport, review = toReview()): FlowState {
	const writing = run(review, {type: 'write-confirmed'});
	const testing = run(writing, {type: 'written', applied: applied(review), loaded: fresh});
	return run(testing, {type: 'test-finished', report, fixes: fixesFor(report, testing.answers!)});
}

describe('start', () => {
	test('loads, logs what is configured now, and asks for the provider', () => {
		const state = loadedState();
		assert.equal(state.step.kind, 'provider');
		assert.equal(state.history.length, 0);
		assert.match(state.log[0]!.text, /Configured now/);
		assert.ok(state.log[0]!.block!.some(line => line.includes(ADMIN)));
	});

	test('permission problems block before any question; Enter or Esc exits with 3', () => {
		const blocked = run(initialFlowState(settings), {type: 'loaded', loaded: fresh, problems: [{message: 'Cannot write settings.py.', fix: 'Run with sudo.'}]});
		assert.equal(blocked.step.kind, 'blocked');
		const exited = run(blocked, {type: 'dismiss'});
		assert.equal(exited.exitCode, EXIT.config);
		assert.deepEqual(exited.log.at(-1), {tone: 'fail', text: 'Cannot write settings.py.', block: ['Fix: Run with sudo.']}, 'the problem stays on screen after the exit');
		assert.equal(run(blocked, {type: 'back'}).exitCode, EXIT.config);
	});

	test('an unreadable configuration is a problem that exits with 3', () => {
		const failed = run(initialFlowState(settings), {type: 'load-failed', problem: {message: 'settings.py does not exist.'}});
		assert.equal(failed.step.kind, 'problem');
		assert.equal(run(failed, {type: 'dismiss'}).exitCode, EXIT.config);
	});

	test('Esc on the first question has nowhere to go', () => {
		const state = loadedState();
		assert.equal(run(state, {type: 'back'}), state);
	});

	test('a rerun preselects the configured provider; flags and the sandbox win', () => {
		assert.equal(preselectedChoice(loadedState(gmail)), 'gmail');
		assert.equal(preselectedChoice(loadedState(gmail, {...settings, initial: {providerId: 'sendgrid'}})), 'sendgrid');
		const sandbox = {host: '127.0.0.1', port: 2525, security: 'starttls' as const, username: 'sandbox', password: 'throwaway'};
		assert.equal(preselectedChoice(loadedState(fresh, {...settings, sandbox})), 'sandbox');
	});
});

describe('first-time setup', () => {
	test('Mailgun: every question in order, then review, write, test, restart, done with 0', () => {
		let state = loadedState();
		state = run(state, {type: 'provider-chosen', id: 'mailgun'});
		// The fixed host is shown in the port question, not asked.
		assert.equal(state.step.kind, 'endpoint');
		assert.equal(state.answers!.host, 'smtp.mailgun.org');
		assert.equal(state.answers!.port, 587);
		state = run(state, {type: 'endpoint-chosen', endpoint: {port: 587, security: 'starttls'}});
		assert.equal(state.step.kind, 'username');
		state = run(state, {type: 'username-submitted', username: 'postmaster@mg.example.com'});
		assert.deepEqual(state.step, {kind: 'password', mode: 'type', resume: undefined});
		state = run(state, {type: 'password-submitted', password: PASSWORD});
		assert.equal(state.step.kind, 'noreply');
		state = run(state, {type: 'noreply-submitted', address: 'noreply@zulip.example.com'});
		assert.equal(state.answers!.noreplyAddress, undefined, 'the address Zulip already uses is left alone');
		assert.equal(state.step.kind, 'tokens');
		state = run(state, {type: 'tokens-chosen', tokens: false});
		assert.equal(state.answers!.tokens, false);
		assert.equal(state.step.kind, 'recipient');
		const effect = state.effect;
		state = run(state, {type: 'recipient-submitted', address: ADMIN});
		assert.deepEqual(state.step, {kind: 'planning', autoApply: false});
		assert.equal(state.effect, effect + 1, 'entering an effect step starts its effect');
		assert.deepEqual(state.answered.map(line => line.text), ['Provider: Mailgun', 'Server: smtp.mailgun.org:587 with STARTTLS', 'Username: postmaster@mg.example.com', 'Password: new (hidden)', 'Noreply address: noreply@zulip.example.com', 'Tokenized noreply: off', `Test mails go to ${ADMIN}`], 'the answers so far, under the questions');
		state = run(state, {type: 'plan-ready', plan: planChanges(state.loaded!, state.answers!)});
		assert.equal(state.step.kind, 'review');
		// The review prints a compact summary of all answers above the diff, for good.
		const summary = state.log.at(-2)!;
		assert.equal(summary.text, 'Your answers:');
		assert.deepEqual(summary.block, ['Mailgun · smtp.mailgun.org:587 STARTTLS', 'user postmaster@mg.example.com · password new (hidden)', `From ${ADMIN} · noreply noreply@zulip.example.com · test mails to ${ADMIN}`]);
		assert.deepEqual(state.answered, []);
		const diff = state.log.at(-1)!;
		assert.match(diff.text, /password masked/);
		assert.ok(diff.block!.some(line => line.includes('+EMAIL_HOST = "smtp.mailgun.org"')), diff.block!.join('\n'));
		assert.equal(state.applied.length, 0, 'nothing is written before the review');
		state = run(state, {type: 'write-confirmed'});
		assert.equal(state.step.kind, 'writing');
		const result = applied(state);
		state = run(state, {type: 'written', applied: result, loaded: fresh});
		assert.equal(state.step.kind, 'testing');
		assert.equal(state.history.length, 0, 'no going back past a write');
		assert.ok(![state.step, ...state.history].some(step => 'plan' in step), 'the new file contents (with the password) are dropped once written');
		const start: TestEvent = {step: 'connect', status: 'start', label: 'Connect to smtp.mailgun.org:587', elapsedMs: 0};
		state = run(state, {type: 'test-event', event: start, at: 1000}, {type: 'test-event', event: {...start, status: 'ok', elapsedMs: 12}, at: 1012});
		assert.deepEqual(state.step.kind === 'testing' && state.step.lines.map(line => [line.status, line.elapsedMs]), [['ok', 12]]);
		state = run(state, {type: 'test-finished', report: okReport, fixes: []});
		assert.equal(state.step.kind, 'restart-offer');
		assert.match(state.log.at(-1)!.text, /Test passed/);
		state = run(state, {type: 'restart-chosen', run: true});
		assert.equal(state.step.kind, 'restarting');
		state = run(state, {type: 'restart-output', line: 'restart-server: Restarting'}, {type: 'restart-finished', result: restartOk});
		assert.equal(state.step.kind, 'done');
		assert.equal(state.exitCode, EXIT.ok);
		assert.ok(state.log.some(entry => entry.text === 'Zulip restarted successfully!'));
	});

	test('after the restart, Zulip\'s own test is offered where its manage.py is; its verdict is logged and decides the exit code', () => {
		const passed = toResult(okReport);
		const withManagePy = {...passed, settings: {...passed.settings, confirmWithZulip: true}} as FlowState;
		let state = run(withManagePy, {type: 'restart-chosen', run: true}, {type: 'restart-finished', result: restartOk});
		assert.equal(state.step.kind, 'confirm-offer');
		assert.equal(run(state, {type: 'back'}).step.kind, 'confirm-offer', 'no going back past the restart');
		assert.equal(run(state, {type: 'confirm-chosen', run: false}).exitCode, EXIT.ok);
		state = run(state, {type: 'confirm-chosen', run: true});
		assert.equal(state.step.kind, 'confirming');
		assert.ok(isEffectStep(state.step));
		const sent = run(state, {type: 'confirm-finished', result: {ok: true, outcome: 'sent', exitCode: 0, command: 'manage.py send_test_email a@b', senders: [ADMIN], tail: ['Successfully sent 2 emails to a@b!']}});
		assert.equal(sent.step.kind, 'done');
		assert.equal(sent.exitCode, EXIT.ok);
		assert.match(sent.log.at(-1)!.text, /^Zulip itself sent its two test mails/);
		const failed = run(state, {type: 'confirm-finished', result: {ok: false, outcome: 'failed', exitCode: 1, command: 'su zulip -c \'manage.py send_test_email a@b\'', senders: [ADMIN], reason: 'Failed to send mails: (553, b\'not owned\')', tail: []}});
		assert.equal(failed.exitCode, EXIT.testFailed);
		assert.match(failed.log.at(-1)!.text, /Zulip's own test failed \(failed\): Failed to send mails: .*Run it yourself: `su zulip/);
		// Without a manage.py on this machine nothing is offered.
		assert.equal(run(passed, {type: 'restart-chosen', run: true}, {type: 'restart-finished', result: restartOk}).step.kind, 'done');
	});

	test('the password never reaches the log, at any step', () => {
		const review = toReview();
		const state = run(review, {type: 'write-confirmed'}, {type: 'written', applied: applied(review), loaded: fresh}, {type: 'test-finished', report: okReport, fixes: []});
		const printed = JSON.stringify(state.log);
		assert.ok(!printed.includes(PASSWORD));
		assert.ok(printed.includes('password new (hidden)'));
	});

	test('the review hides the other secrets of zulip-secrets.conf', () => {
		const printed = JSON.stringify(toReview().log);
		assert.ok(!printed.includes(SECRET_KEY), 'secret_key stays off the screen');
		assert.ok(!printed.includes('r4bb1t'));
		assert.match(printed, /email_password = \*+ \(new\)/);
	});

	test('Amazon SES asks for the region, which picks the host', () => {
		let state = run(loadedState(), {type: 'provider-chosen', id: 'ses'});
		assert.equal(state.step.kind, 'region');
		state = run(state, {type: 'region-chosen', region: 'eu-west-1'});
		// The region fixes the host: shown in the port question, not asked.
		assert.equal(state.step.kind, 'endpoint');
		assert.equal(state.answers!.host, 'email-smtp.eu-west-1.amazonaws.com');
		assert.equal(state.answers!.region, 'eu-west-1');
		assert.equal(run(state, {type: 'back'}).step.kind, 'region');
		assert.equal(run(state, {type: 'region-chosen', region: 'nowhere-1'}), state, 'only the region step reacts');
		// A region newer than the catalog is typed and accepted; a word that is no region is not.
		const region = run(loadedState(), {type: 'provider-chosen', id: 'ses'});
		assert.equal(run(region, {type: 'region-chosen', region: 'eu-south-2'}).answers!.host, 'email-smtp.eu-south-2.amazonaws.com');
		// A word that is no region stays on the question, saying why (the wizard used to ignore the Enter silently).
		const refused = run(region, {type: 'region-chosen', region: 'nowhere'});
		assert.deepEqual(refused.step, {kind: 'region', error: regionProblem(getProvider('ses'), 'nowhere')});
		assert.match((refused.step as {error: string}).error, /Unknown region "nowhere"/);
		assert.equal(refused.answers, region.answers);
		// Another host from the port question: the host step, then back to the ports.
		const host = run(state, {type: 'endpoint-chosen', endpoint: 'host'});
		assert.equal(host.step.kind, 'host');
		assert.equal(run(host, {type: 'host-submitted', host: 'smtp.eu.mailgun.org'}).step.kind, 'endpoint');
	});

	test('the local MTA shows its host, port and TLS (changeable), then skips credentials', () => {
		let state = run(loadedState(), {type: 'provider-chosen', id: 'local'});
		assert.equal(state.step.kind, 'endpoint');
		state = run(state, {type: 'endpoint-chosen', endpoint: {port: 25, security: 'none'}});
		assert.equal(state.step.kind, 'noreply');
		assert.equal(state.answers!.host, 'localhost');
		assert.equal(state.answers!.username, '');
		assert.deepEqual(state.answers!.password, {kind: 'none'});
		assert.deepEqual(editTargets(state).map(target => target.target), ['provider', 'noreply', 'recipient']);
	});

	test('the file backend asks for a directory instead', () => {
		let state = run(loadedState(), {type: 'provider-chosen', id: 'file'});
		assert.equal(state.step.kind, 'file-path');
		state = run(state, {type: 'file-path-submitted', path: 'relative/dir'});
		assert.equal(state.step.kind, 'file-path');
		assert.match(state.step.kind === 'file-path' ? state.step.error ?? '' : '', /absolute/);
		state = run(state, {type: 'file-path-submitted', path: '/var/log/zulip/emails'});
		assert.equal(state.step.kind, 'noreply');
		assert.equal(state.answers!.filePath, '/var/log/zulip/emails');
		assert.deepEqual(editTargets(state).map(target => target.target), ['provider', 'file-path', 'noreply', 'recipient']);
	});

	test('a custom relay: invalid answers stay on their step with the reason', () => {
		let state = run(loadedState(), {type: 'provider-chosen', id: 'custom'});
		assert.equal(state.step.kind, 'host');
		state = run(state, {type: 'host-submitted', host: ''});
		assert.deepEqual(state.step, {kind: 'host', error: 'The host is empty.'});
		state = run(state, {type: 'host-submitted', host: 'relay.example.com'});
		state = run(state, {type: 'endpoint-chosen', endpoint: 'other'});
		assert.equal(state.step.kind, 'port');
		state = run(state, {type: 'port-submitted', port: '70000'});
		assert.match(state.step.kind === 'port' ? state.step.error ?? '' : '', /1 to 65535/);
		state = run(state, {type: 'port-submitted', port: '465'});
		assert.equal(state.step.kind, 'security');
		assert.equal(state.answers!.port, 465);
		state = run(state, {type: 'security-chosen', security: 'starttls'});
		assert.equal(state.step.kind, 'security', '465 with STARTTLS is flagged before any test');
		assert.match(state.step.kind === 'security' ? state.step.warning ?? '' : '', /465/);
		assert.equal(run(state, {type: 'back'}).step.kind, 'security', 'Esc first dismisses the warning');
		state = run(state, {type: 'security-chosen', security: 'starttls'});
		assert.equal(state.step.kind, 'username', 'a second Enter keeps it anyway');
		assert.equal(state.answers!.security, 'starttls');
	});

	test('a mismatched port in the list also needs a second Enter', () => {
		let state = run(loadedState(), {type: 'provider-chosen', id: 'custom'}, {type: 'host-submitted', host: 'relay.example.com'});
		state = run(state, {type: 'endpoint-chosen', endpoint: {port: 587, security: 'ssl'}});
		assert.equal(state.step.kind, 'endpoint');
		state = run(state, {type: 'endpoint-chosen', endpoint: {port: 465, security: 'ssl'}});
		assert.equal(state.step.kind, 'username', 'a consistent choice goes straight on');
	});

	test('a custom relay without a username sends without logging in', () => {
		let state = run(loadedState(), {type: 'provider-chosen', id: 'custom'}, {type: 'host-submitted', host: 'relay.example.com'});
		state = run(state, {type: 'endpoint-chosen', endpoint: {port: 25, security: 'starttls'}}, {type: 'username-submitted', username: ''});
		assert.equal(state.step.kind, 'noreply');
		assert.deepEqual(state.answers!.password, {kind: 'none'});
	});

	test('a username with spaces around it, an empty password and a bad address are refused in place', () => {
		let state = run(loadedState(), {type: 'provider-chosen', id: 'mailgun'}, {type: 'host-submitted', host: 'smtp.mailgun.org'}, {type: 'endpoint-chosen', endpoint: {port: 587, security: 'starttls'}});
		state = run(state, {type: 'username-submitted', username: ' user '});
		assert.equal(state.step.kind, 'username');
		state = run(state, {type: 'username-submitted', username: ''});
		assert.match(state.step.kind === 'username' ? state.step.error ?? '' : '', /Mailgun needs a username/, 'only a custom relay may skip the login');
		state = run(state, {type: 'username-submitted', username: 'user'}, {type: 'password-submitted', password: ''});
		assert.match(state.step.kind === 'password' ? state.step.error ?? '' : '', /password is needed/);
		state = run(state, {type: 'password-submitted', password: ' padded '});
		assert.equal(state.step.kind, 'password', 'RawConfigParser would strip the spaces');
		state = run(state, {type: 'password-submitted', password: 'ok'}, {type: 'noreply-submitted', address: 'not an address'});
		assert.equal(state.step.kind, 'noreply');
		state = run(state, {type: 'noreply-submitted', address: ''});
		assert.equal(state.answers!.noreplyAddress, null, "empty means Zulip's default");
		state = run(state, {type: 'tokens-chosen', tokens: true}, {type: 'recipient-submitted', address: 'nobody'});
		assert.equal(state.step.kind, 'recipient');
		assert.equal(state.answers!.tokens, undefined, 'tokens on is what Zulip does already: left alone');
	});

	test('the sandbox relay comes prefilled, password included', () => {
		const sandbox = {host: '127.0.0.1', port: 2525, security: 'starttls' as const, username: 'sandbox-user', password: 'throwaway'};
		let state = run(loadedState(fresh, {...settings, sandbox}), {type: 'provider-chosen', id: 'sandbox'});
		// Its host is known: shown in the port question, not asked.
		assert.equal(state.step.kind, 'endpoint');
		assert.equal(state.answers!.providerId, 'custom');
		assert.equal(endpointOptions(state)[0]!.note, 'the sandbox relay');
		state = run(state, {type: 'endpoint-chosen', endpoint: {port: 2525, security: 'starttls'}}, {type: 'username-submitted', username: 'sandbox-user'});
		assert.deepEqual(state.answers!.password, {kind: 'new', value: 'throwaway'});
	});

	test('flags prefill the answers of their provider', () => {
		const state = run(
			loadedState(fresh, {...settings, initial: {providerId: 'custom', host: 'relay.internal', port: 2525, security: 'starttls', username: 'me', tokens: false, to: 'ops@example.com'}}),
			{type: 'provider-chosen', id: 'custom'},
		);
		assert.equal(state.answers!.host, 'relay.internal');
		assert.equal(state.answers!.port, 2525);
		assert.equal(state.answers!.username, 'me');
		assert.equal(state.answers!.tokens, false);
		assert.equal(state.to, 'ops@example.com');
	});
});

describe('back', () => {
	test('Esc walks back one question at a time and keeps what was typed', () => {
		let state = mailgunToRecipient();
		const expected = ['tokens', 'noreply', 'password', 'username', 'endpoint', 'provider'];
		const answered = state.answered.length;
		for (const [index, kind] of expected.entries()) {
			state = run(state, {type: 'back'});
			assert.equal(state.step.kind, kind);
			// Going back replaces: the answer of the question now shown goes away, no "back to" line is added.
			assert.equal(state.answered.length, answered - index - 1, kind);
		}

		assert.deepEqual(state.answered, []);
		assert.equal(state.answers!.username, 'postmaster@mg.example.com');
		assert.deepEqual(state.answers!.password, {kind: 'new', value: PASSWORD});
		assert.ok(!state.log.some(entry => entry.tone === 'back'), 'no "back to" trail in the scrollback');
		// The same provider again keeps every answer.
		state = run(state, {type: 'provider-chosen', id: 'mailgun'});
		assert.equal(state.answers!.username, 'postmaster@mg.example.com');
		// Another provider starts from its own preset and asks for the password again.
		state = run(state, {type: 'back'}, {type: 'provider-chosen', id: 'sendgrid'});
		assert.deepEqual(state.answered.map(line => line.text), ['Provider: SendGrid'], 'the answers of the provider left behind are gone');
		assert.equal(state.answers!.host, 'smtp.sendgrid.net');
		assert.equal(state.answers!.username, 'apikey');
		assert.deepEqual(state.answers!.password, {kind: 'new', value: ''});
		assert.equal(state.answers!.tokens, false, 'the From answers survive a provider change');
	});

	test('back from the port/TLS list of "other" returns to the list, then the host', () => {
		let state = run(loadedState(), {type: 'provider-chosen', id: 'custom'}, {type: 'host-submitted', host: 'relay.example.com'}, {type: 'endpoint-chosen', endpoint: 'other'}, {type: 'port-submitted', port: '2525'});
		assert.equal(state.step.kind, 'security');
		state = run(state, {type: 'back'});
		assert.equal(state.step.kind, 'port');
		state = run(state, {type: 'back'});
		assert.equal(state.step.kind, 'endpoint');
		state = run(state, {type: 'back'});
		assert.equal(state.step.kind, 'host');
	});

	test('an error is gone when the admin comes back to the step', () => {
		let state = run(loadedState(), {type: 'provider-chosen', id: 'custom'}, {type: 'host-submitted', host: 'bad host'});
		assert.ok(state.step.kind === 'host' && state.step.error);
		state = run(state, {type: 'host-submitted', host: 'relay.example.com'}, {type: 'back'});
		assert.deepEqual(state.step, {kind: 'host'});
	});

	test('from the review back to the recipient; planning can be left too', () => {
		const review = toReview();
		assert.equal(run(review, {type: 'back'}).step.kind, 'recipient');
		const planning = run(mailgunToRecipient(), {type: 'recipient-submitted', address: ADMIN});
		assert.equal(run(planning, {type: 'back'}).step.kind, 'recipient');
	});

	test('nothing goes back while a write, a restore or a restart runs', () => {
		const writing = run(toReview(), {type: 'write-confirmed'});
		assert.equal(run(writing, {type: 'back'}), writing);
		const restoring = run(toResult(noreplyRefused), {type: 'restore'});
		assert.equal(run(restoring, {type: 'back'}), restoring);
		const restarting = run(toResult(okReport), {type: 'restart-chosen', run: true});
		assert.equal(run(restarting, {type: 'back'}), restarting);
	});

	test('Esc during the test stops it and offers the same choices', () => {
		const review = toReview();
		const testing = run(review, {type: 'write-confirmed'}, {type: 'written', applied: applied(review), loaded: fresh});
		const stopped = run(testing, {type: 'back'});
		assert.deepEqual(stopped.step, {kind: 'result', stopped: true});
		assert.equal(run(stopped, {type: 'test-finished', report: okReport, fixes: []}), stopped, 'a late report is ignored');
		assert.equal(run(stopped, {type: 'retest'}).step.kind, 'testing');
	});
});

describe('a rerun', () => {
	test('same host and user: keeping the stored password is offered', () => {
		let state = run(switching(gmail), {type: 'provider-chosen', id: 'gmail'});
		assert.equal(state.answers!.username, 'zulip@example.com', 'the configured answers come back');
		state = run(state, {type: 'endpoint-chosen', endpoint: {port: 587, security: 'starttls'}}, {type: 'username-submitted', username: 'zulip@example.com'});
		assert.deepEqual(state.step, {kind: 'password', mode: 'choose', resume: undefined});
		assert.ok(canKeepPassword(state));
		const kept = run(state, {type: 'password-kept'});
		// Switching keeps the From addresses, the tokens and the recipient: the review comes next (issue 22 item 15).
		assert.equal(kept.step.kind, 'planning');
		assert.deepEqual(kept.answers!.password, {kind: 'keep'});
		assert.ok(kept.answered.some(line => line.text === 'Password: keeping the stored one'));
		const typing = run(state, {type: 'password-change'});
		assert.deepEqual(typing.step, {kind: 'password', mode: 'type'});
		assert.equal(run(typing, {type: 'back'}).step.kind, 'password');
		assert.equal(run(typing, {type: 'password-kept'}), typing, 'only the choice keeps');
	});

	test('switching provider asks nothing about From addresses, tokens or the recipient: they stay as configured, and the review\'s picker offers them', () => {
		const configured = run(switching(gmail), {type: 'provider-chosen', id: 'gmail'});
		const state = run(switching(gmail), {type: 'provider-chosen', id: 'mailgun'}, {type: 'endpoint-chosen', endpoint: {port: 587, security: 'starttls'}}, {type: 'username-submitted', username: 'postmaster@mg.example.com'}, {type: 'password-submitted', password: 'mailgun-password'});
		assert.equal(state.step.kind, 'planning', 'after the login, the review');
		assert.equal(state.answers!.noreplyAddress, configured.answers!.noreplyAddress);
		assert.equal(state.answers!.tokens, configured.answers!.tokens);
		assert.equal(state.to, gmail.current.administrator, 'the test mails go where they went');
		// Esc from the provider list back to the menu, then a short way: nothing of the switch stays.
		const menu = run(switching(gmail), {type: 'back'});
		assert.equal(menu.step.kind, 'start-menu');
		assert.equal(run(menu, {type: 'start-chosen', action: 'from'}).step.kind, 'noreply');
	});

	test('a new user asks for the password again', () => {
		const state = run(switching(gmail), {type: 'provider-chosen', id: 'gmail'}, {type: 'endpoint-chosen', endpoint: {port: 587, security: 'starttls'}}, {type: 'username-submitted', username: 'other@example.com'});
		assert.deepEqual(state.step, {kind: 'password', mode: 'type', resume: undefined});
		assert.deepEqual(state.answers!.password, {kind: 'new', value: ''});
	});

	test('a new host asks for the password again', () => {
		const state = run(switching(gmail), {type: 'provider-chosen', id: 'custom'}, {type: 'host-submitted', host: 'relay.example.com'}, {type: 'endpoint-chosen', endpoint: {port: 587, security: 'starttls'}}, {type: 'username-submitted', username: 'zulip@example.com'});
		assert.equal(state.step.kind === 'password' && state.step.mode, 'type');
		assert.equal(run(state, {type: 'password-kept'}), state);
	});

	test('switching from Gmail to Mailgun plans a diff that leaves no stale line', () => {
		let state = run(switching(gmail), {type: 'provider-chosen', id: 'mailgun'});
		assert.equal(state.answers!.host, 'smtp.mailgun.org');
		state = run(state, {type: 'endpoint-chosen', endpoint: {port: 587, security: 'starttls'}}, {type: 'username-submitted', username: 'postmaster@mg.example.com'}, {type: 'password-submitted', password: PASSWORD}, {type: 'noreply-submitted', address: 'noreply@zulip.example.com'}, {type: 'tokens-chosen', tokens: true}, {type: 'recipient-submitted', address: ADMIN});
		state = run(state, {type: 'plan-ready', plan: planChanges(state.loaded!, state.answers!)});
		const diff = state.log.at(-1)!.block!.join('\n');
		assert.match(diff, /-EMAIL_HOST = "smtp.gmail.com"/);
		assert.match(diff, /\+EMAIL_HOST = "smtp.mailgun.org"/);
		assert.ok(!diff.includes('old-app-password'));
	});

	test('an unchanged plan says so and tests without writing', () => {
		let state = run(switching(gmail), {type: 'provider-chosen', id: 'gmail'}, {type: 'endpoint-chosen', endpoint: {port: 587, security: 'starttls'}}, {type: 'username-submitted', username: 'zulip@example.com'}, {type: 'password-kept'});
		state = run(state, {type: 'noreply-submitted', address: gmail.current.noreplyAddress!}, {type: 'tokens-chosen', tokens: true}, {type: 'recipient-submitted', address: ADMIN});
		state = run(state, {type: 'plan-ready', plan: planChanges(state.loaded!, state.answers!)});
		assert.equal(state.step.kind, 'review');
		assert.equal(planOf(state).changed, false);
		state = run(state, {type: 'write-confirmed'});
		assert.equal(state.step.kind, 'testing');
		assert.equal(state.applied.length, 0);
		state = run(state, {type: 'test-finished', report: okReport, fixes: []}, {type: 'restart-chosen', run: false});
		assert.equal(state.exitCode, EXIT.ok);
	});
});

describe('when the test fails', () => {
	test('the result offers the engine fixes; a fix rewrites and retests without the review', () => {
		let state = toResult(filtered);
		assert.equal(state.step.kind, 'result');
		assert.deepEqual(state.fixes.map(fix => fix.id), ['use-suggestion']);
		state = run(state, {type: 'fix-chosen', id: 'use-suggestion'});
		assert.deepEqual(state.step, {kind: 'planning', autoApply: true});
		assert.equal(state.answers!.port, 465);
		assert.equal(state.answers!.security, 'ssl');
		state = run(state, {type: 'plan-ready', plan: planChanges(fresh, state.answers!)});
		assert.equal(state.step.kind, 'writing', 'one keystroke: straight to the write');
		assert.ok(state.log.some(entry => entry.block?.some(line => line.includes('+EMAIL_USE_SSL = True'))), 'the change is still shown');
	});

	test('tokens off, from a refused tokenized sender', () => {
		const state = run(toResult(noreplyRefused, toReview(mailgunToRecipient(true))), {type: 'fix-chosen', id: 'tokens-off'});
		assert.equal(state.step.kind, 'planning');
		assert.equal(state.answers!.tokens, false);
	});

	test('the tokenized sender refused, the plain noreply accepted in another domain: keeping the tokens there comes first', () => {
		const report: TestReport = {
			...noreplyRefused,
			senders: [{role: 'default', address: ADMIN, ok: true}, {role: 'noreply-plain', address: 'noreply@mg.example.org', ok: true}, noreplyRefused.senders[1]!],
		};
		let state = toResult(report, toReview(mailgunToRecipient(true)));
		assert.deepEqual(state.fixes.map(fix => fix.id), ['tokenized-noreply', 'tokens-off']);
		state = run(state, {type: 'fix-chosen', id: 'tokenized-noreply'});
		assert.equal(state.step.kind, 'planning');
		assert.equal(state.answers!.tokenizedNoreply, 'noreply-{token}@mg.example.org');
		assert.equal(state.answers!.tokens, true);
		const plan = planChanges(fresh, state.answers!);
		assert.match(plan.settings.diff, /^\+TOKENIZED_NOREPLY_EMAIL_ADDRESS = "noreply-\{token\}@mg\.example\.org"$/m);
	});

	test('re-enter the password, then write and retest', () => {
		let state = run(toResult(authFailed), {type: 'fix-chosen', id: 'reenter-password'});
		assert.deepEqual(state.step, {kind: 'password', mode: 'type', resume: true});
		assert.equal(run(state, {type: 'back'}).step.kind, 'result', 'Esc returns to the result');
		state = run(state, {type: 'password-submitted', password: 'new-one'});
		assert.deepEqual(state.step, {kind: 'planning', autoApply: true});
		assert.deepEqual(state.answers!.password, {kind: 'new', value: 'new-one'});
	});

	test('a fix the engine did not offer does nothing', () => {
		const state = toResult(noreplyRefused);
		assert.equal(run(state, {type: 'fix-chosen', id: 'use-suggestion'}), state);
	});

	test('a failed automatic plan shows the problem, then returns to the result', () => {
		let state = run(toResult(filtered), {type: 'fix-chosen', id: 'use-suggestion'});
		state = run(state, {type: 'plan-failed', problem: {message: 'settings.py changed on disk.'}});
		assert.equal(state.step.kind, 'problem');
		assert.equal(run(state, {type: 'dismiss'}).step.kind, 'result');
	});

	test('edit an answer: pick it, change it, review again; Esc returns', () => {
		let state = run(toResult(noreplyRefused), {type: 'edit'});
		assert.equal(state.step.kind, 'edit-answer');
		assert.equal(run(state, {type: 'back'}).step.kind, 'result');
		state = run(state, {type: 'edit-target-chosen', target: 'noreply'});
		assert.equal(state.step.kind, 'noreply');
		assert.equal(run(state, {type: 'back'}).step.kind, 'edit-answer');
		state = run(state, {type: 'noreply-submitted', address: 'zulip@zulip.example.com'}, {type: 'tokens-chosen', tokens: false}, {type: 'recipient-submitted', address: ADMIN});
		state = run(state, {type: 'plan-ready', plan: planChanges(fresh, state.answers!)});
		assert.equal(state.step.kind, 'review', 'edits go through the review');
		for (const target of ['provider', 'host', 'username', 'recipient'] as const) {
			assert.equal(run(toResult(noreplyRefused), {type: 'edit'}, {type: 'edit-target-chosen', target}).step.kind, target);
		}
	});

	test('test again', () => {
		const state = run(toResult(noreplyRefused), {type: 'retest'});
		assert.equal(state.step.kind, 'testing');
		assert.equal(state.report, undefined);
	});

	test('restore the backups: done, exit 1', () => {
		let state = run(toResult(noreplyRefused), {type: 'restore'});
		assert.equal(state.step.kind, 'restoring');
		state = run(state, {type: 'restored'});
		assert.equal(state.step.kind, 'done');
		assert.equal(state.restored, true);
		assert.equal(state.exitCode, EXIT.testFailed);
	});

	test('a failed restore is reported and exits with 3', () => {
		const state = run(toResult(noreplyRefused), {type: 'restore'}, {type: 'restore-failed', problem: {message: 'Permission denied.'}});
		assert.equal(state.step.kind, 'problem');
		assert.equal(run(state, {type: 'dismiss'}).exitCode, EXIT.config);
	});

	test('nothing to restore when nothing was written', () => {
		const review = toReview();
		const state = run(review, {type: 'write-confirmed'}, {type: 'written', applied: {changed: false, files: []}, loaded: fresh}, {type: 'test-finished', report: noreplyRefused, fixes: []});
		assert.equal(run(state, {type: 'restore'}), state);
	});

	test('keep the files: the restart is offered, not recommended; exit 1', () => {
		let state = run(toResult(noreplyRefused), {type: 'keep'});
		assert.equal(state.step.kind, 'restart-offer');
		state = run(state, {type: 'restart-chosen', run: false});
		assert.equal(state.exitCode, EXIT.testFailed);
	});

	test('a test that cannot run at all is a stopped result', () => {
		const review = toReview();
		const testing = run(review, {type: 'write-confirmed'}, {type: 'written', applied: applied(review), loaded: fresh});
		const state = run(testing, {type: 'test-failed', problem: {message: 'boom'}});
		assert.deepEqual(state.step, {kind: 'result', stopped: true});
	});

	test('a failed write shows why and goes back to the review', () => {
		const state = run(toReview(), {type: 'write-confirmed'}, {type: 'write-failed', problem: {message: 'Disk full.', fix: 'Free some space.'}});
		assert.equal(state.step.kind, 'problem');
		assert.equal(run(state, {type: 'dismiss'}).step.kind, 'review');
	});
});

describe('restart', () => {
	test('a failed restart shows its tail; finish exits with 4, retry runs it again', () => {
		const failed = run(toResult(okReport), {type: 'restart-chosen', run: true}, {type: 'restart-finished', result: restartFailed});
		assert.equal(failed.step.kind, 'restart-failed');
		assert.equal(run(failed, {type: 'finish'}).exitCode, EXIT.restartFailed);
		assert.equal(run(failed, {type: 'restart-chosen', run: true}).step.kind, 'restarting');
	});

	test('the output keeps a bounded tail', () => {
		let state = run(toResult(okReport), {type: 'restart-chosen', run: true});
		for (let index = 0; index < 100; index++) state = run(state, {type: 'restart-output', line: `line ${index}`});
		assert.ok(state.step.kind === 'restarting' && state.step.lines.length <= 40);
		assert.equal(state.step.kind === 'restarting' && state.step.lines.at(-1), 'line 99');
	});
});

describe('Ctrl-C', () => {
	test('at a question: exit 130, nothing written', () => {
		const state = run(mailgunToRecipient(), {type: 'cancel'});
		assert.equal(state.exitCode, EXIT.cancelled);
		assert.match(state.log.at(-1)!.text, /Nothing was written/);
		assert.equal(run(state, {type: 'back'}), state, 'events after the exit are ignored');
	});

	test('during a write: the write finishes, then exit 130 without testing', () => {
		const review = toReview();
		let state = run(review, {type: 'write-confirmed'}, {type: 'cancel'});
		assert.equal(state.exitCode, undefined);
		assert.equal(state.cancelRequested, true);
		assert.equal(run(state, {type: 'cancel'}), state, 'a second Ctrl-C changes nothing');
		state = run(state, {type: 'written', applied: applied(review), loaded: fresh});
		assert.equal(state.exitCode, EXIT.cancelled);
		assert.notEqual(state.step.kind, 'testing');
	});

	test('a failed write after Ctrl-C still exits 130', () => {
		const state = run(toReview(), {type: 'write-confirmed'}, {type: 'cancel'}, {type: 'write-failed', problem: {message: 'Disk full.'}});
		assert.equal(state.exitCode, EXIT.cancelled);
	});

	test('during the test: exit 130 at once (the effect aborts the test)', () => {
		const review = toReview();
		const state = run(review, {type: 'write-confirmed'}, {type: 'written', applied: applied(review), loaded: fresh}, {type: 'cancel'});
		// The test of what was just written stops; undoing it is offered, with the reminder that Zulip was not restarted.
		assert.equal(state.step.kind, 'cancel-offer');
		assert.equal(state.exitCode, undefined);
		const restoring = run(state, {type: 'cancel-choice', restore: true});
		assert.equal(restoring.step.kind, 'restoring');
		const restored = run(restoring, {type: 'restored'});
		assert.equal(restored.exitCode, EXIT.cancelled);
		assert.match(restored.log.at(-1)!.text, /Restored .* as they were before this run/);
		const kept = run(state, {type: 'cancel-choice', restore: false});
		assert.equal(kept.exitCode, EXIT.cancelled);
		assert.match(kept.log.at(-1)!.text, /new files stay; Zulip was not restarted/);
		assert.equal(run(state, {type: 'cancel'}).exitCode, EXIT.cancelled, 'Ctrl-C again quits, keeping the files');
	});

	test('during a restore: finish it, then exit 130', () => {
		const state = run(toResult(noreplyRefused), {type: 'restore'}, {type: 'cancel'});
		assert.equal(state.exitCode, undefined);
		assert.equal(run(state, {type: 'restored'}).exitCode, EXIT.cancelled);
	});

	test('during a restart: a warning first, the second one stops it', () => {
		const once = run(toResult(okReport), {type: 'restart-chosen', run: true}, {type: 'cancel'});
		assert.equal(once.exitCode, undefined);
		assert.ok(once.step.kind === 'restarting' && once.step.stopWarning);
		assert.equal(run(once, {type: 'cancel'}).exitCode, EXIT.cancelled);
	});
});

describe('pure helpers', () => {
	test('test events fold into one line per step and sender', () => {
		const sender = {role: 'noreply-plain' as const, address: 'n@example.com'};
		let lines = foldTestEvent([], {step: 'sender', status: 'start', label: 'MAIL FROM', elapsedMs: 0, sender}, 100);
		lines = foldTestEvent(lines, {step: 'sender', status: 'start', label: 'MAIL FROM other', elapsedMs: 0, sender: {role: 'default', address: 'a@example.com'}}, 105);
		lines = foldTestEvent(lines, {step: 'sender', status: 'fail', label: 'MAIL FROM refused', elapsedMs: 30, sender}, 130);
		assert.deepEqual(lines.map(line => [line.label, line.status, line.elapsedMs]), [['MAIL FROM refused', 'fail', 30], ['MAIL FROM other', 'running', 0]]);
		// An end without a start still shows.
		assert.equal(foldTestEvent([], {step: 'auth', status: 'ok', label: 'AUTH', elapsedMs: 5}, 50)[0]!.status, 'ok');
	});

	test('hideOtherSecrets keeps names, the masked password and the diff markers', () => {
		const diff = ['--- a', '+++ a', '@@ -1,4 +1,4 @@', ' [secrets]', ' secret_key = a#b%c=d', ' empty_key =', '-email_password = ********', '+email_password = ******** (new)', '   continued'].join('\n');
		assert.equal(
			hideOtherSecrets(diff),
			['--- a', '+++ a', '@@ -1,4 +1,4 @@', ' [secrets]', ' secret_key = (hidden)', ' empty_key =', '-email_password = ********', '+email_password = ******** (new)', '     (hidden)'].join('\n'),
		);
	});
});

describe('the start menu on a configured server', () => {
	test('a rerun starts at the menu; a flag naming a provider means switching, so it goes straight to the list', () => {
		assert.equal(loadedState(gmail).step.kind, 'start-menu');
		assert.equal(loadedState(fresh).step.kind, 'provider', 'nothing configured: the provider question');
		assert.equal(loadedState(gmail, {...settings, initial: {providerId: 'mailgun'}}).step.kind, 'provider');
	});

	test('change only the password: the password, then the review (2 screens), nothing else touched', () => {
		let state = run(loadedState(gmail), {type: 'start-chosen', action: 'password'});
		assert.deepEqual(state.step, {kind: 'password', mode: 'type'});
		assert.equal(state.answers!.host, 'smtp.gmail.com');
		assert.equal(state.to, ADMIN, 'the test mails go to the administrator unless told otherwise');
		state = run(state, {type: 'password-submitted', password: 'new-app-password'});
		assert.deepEqual(state.step, {kind: 'planning', autoApply: false});
		state = run(state, {type: 'plan-ready', plan: planChanges(state.loaded!, state.answers!)});
		assert.equal(state.step.kind, 'review');
		const diff = state.log.at(-1)!.block!.join('\n');
		assert.match(diff, /email_password = \*+/);
		assert.doesNotMatch(diff, /EMAIL_HOST|EMAIL_PORT|NOREPLY/, 'only the password changes');
		// Esc from the password question goes back to the menu, answers dropped.
		const menu = run(run(loadedState(gmail), {type: 'start-chosen', action: 'password'}), {type: 'back'});
		assert.equal(menu.step.kind, 'start-menu');
		assert.equal(menu.answers, undefined);
	});

	test('change only the password starts from an empty field, also in the sandbox whose relay password is otherwise prefilled', () => {
		const sandbox = {host: '127.0.0.1', port: 2525, security: 'starttls' as const, username: 'sandbox-user', password: 'relay-throwaway'};
		for (const flowSettings of [settings, {...settings, sandbox}]) {
			let state = run(loadedState(gmail, flowSettings), {type: 'start-chosen', action: 'password'});
			assert.deepEqual(state.step, {kind: 'password', mode: 'type'});
			assert.deepEqual(state.answers!.password, {kind: 'new', value: ''}, 'nothing typed yet: the field the app shows is empty');
			state = run(state, {type: 'password-submitted', password: 'typed-anew'});
			assert.deepEqual(state.answers!.password, {kind: 'new', value: 'typed-anew'}, 'what was typed, not appended to a prefill');
		}
	});

	test('Esc from the review of a start-menu choice, a new answer there, and the review again: no question that way never asked', () => {
		let state = run(loadedState(gmail), {type: 'start-chosen', action: 'password'}, {type: 'password-submitted', password: 'first-try'});
		state = run(state, {type: 'plan-ready', plan: planChanges(state.loaded!, state.answers!)});
		assert.equal(state.step.kind, 'review');
		state = run(state, {type: 'back'});
		assert.equal(state.step.kind, 'password');
		state = run(state, {type: 'password-submitted', password: 'second-try'});
		assert.deepEqual(state.step, {kind: 'planning', autoApply: false}, 'straight back to the review, not on to the noreply question');
		assert.deepEqual(state.answers!.password, {kind: 'new', value: 'second-try'});
		// The same from the picker: one answer changed, Esc from the review, changed again, the review.
		state = run(state, {type: 'plan-ready', plan: planChanges(state.loaded!, state.answers!)}, {type: 'back'}, {type: 'back'}, {type: 'back'});
		assert.equal(state.step.kind, 'start-menu', 'further back is the menu, as before');
	});

	test('change the From addresses: noreply and tokens, then the review', () => {
		let state = run(loadedState(gmail), {type: 'start-chosen', action: 'from'});
		assert.equal(state.step.kind, 'noreply');
		state = run(state, {type: 'noreply-submitted', address: 'zulip@example.com'}, {type: 'tokens-chosen', tokens: false});
		assert.deepEqual(state.step, {kind: 'planning', autoApply: false});
	});

	test('test it as it is: the recipient, then a review that writes nothing and tests', () => {
		let state = run(loadedState(gmail), {type: 'start-chosen', action: 'test'});
		assert.equal(state.step.kind, 'recipient');
		state = run(state, {type: 'recipient-submitted', address: ADMIN});
		state = run(state, {type: 'plan-ready', plan: planChanges(state.loaded!, state.answers!)});
		assert.equal(planOf(state).changed, false, 'the configured answers, unchanged');
		assert.equal(run(state, {type: 'write-confirmed'}).step.kind, 'testing');
	});

	test('switch provider opens the list, and Esc there returns to the menu', () => {
		const list = run(loadedState(gmail), {type: 'start-chosen', action: 'switch'});
		assert.equal(list.step.kind, 'provider');
		assert.equal(run(list, {type: 'back'}).step.kind, 'start-menu');
	});

	test('restore a backup: the list of earlier runs, then those files put back and the restart command said', () => {
		const set = {stamp: '20261124-101500', when: '2026-11-24 10:15:00', files: [{path: '/etc/zulip/settings.py', backup: '/etc/zulip/settings.py.bak-20261124-101500'}]};
		const menu = run(initialFlowState(settings), {type: 'loaded', loaded: gmail, problems: [], backups: [set]});
		let state = run(menu, {type: 'start-chosen', action: 'restore'});
		assert.equal(state.step.kind, 'backups');
		assert.equal(run(state, {type: 'back'}).step.kind, 'start-menu');
		state = run(state, {type: 'backup-chosen', stamp: set.stamp});
		assert.deepEqual(state.step, {kind: 'restoring-set', set});
		state = run(state, {type: 'set-restored'});
		assert.equal(state.exitCode, EXIT.ok);
		assert.match(state.log.at(-2)!.text, /Restored \/etc\/zulip\/settings\.py as they were on 2026-11-24 10:15:00/);
		assert.match(state.log.at(-1)!.text, /restart/);
		assert.equal(run(loadedState(gmail), {type: 'start-chosen', action: 'restore'}).step.kind, 'start-menu', 'no backups, nothing to restore');
	});
});

describe('the review', () => {
	test('"change something" opens the picker; one answer changed, then straight back to the review', () => {
		const review = toReview();
		let state = run(review, {type: 'edit'});
		assert.equal(state.step.kind, 'edit-answer');
		state = run(state, {type: 'edit-target-chosen', target: 'noreply'});
		assert.equal(state.step.kind, 'noreply');
		state = run(state, {type: 'noreply-submitted', address: 'zulip@zulip.example.com'}, {type: 'tokens-chosen', tokens: false});
		assert.deepEqual(state.step, {kind: 'planning', autoApply: false}, 'no recipient question again');
		// The server: the port question, and the login stands, so the review again.
		state = run(run(review, {type: 'edit'}), {type: 'edit-target-chosen', target: 'host'});
		assert.equal(state.step.kind, 'host');
		state = run(state, {type: 'host-submitted', host: 'smtp.eu.mailgun.org'}, {type: 'endpoint-chosen', endpoint: {port: 2525, security: 'starttls'}});
		assert.deepEqual(state.step, {kind: 'planning', autoApply: false});
		assert.equal(state.answers!.host, 'smtp.eu.mailgun.org');
	});

	test('a password without TLS to another machine is said in the review, and in the summary', () => {
		const state = run(loadedState(), {type: 'provider-chosen', id: 'custom'}, {type: 'host-submitted', host: 'relay.example.com'}, {type: 'endpoint-chosen', endpoint: 'other'}, {type: 'port-submitted', port: '25'}, {type: 'security-chosen', security: 'none'});
		assert.equal(state.step.kind, 'username');
		assert.equal(state.answers!.security, 'none');
	});
});
