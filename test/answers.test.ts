import assert from 'node:assert/strict';
import {before, test} from 'node:test';
import {givenAnswers, parseOptions} from '../source/args.js';
import {answersForProvider, canKeepStoredPassword, emptyUsernameProblem, passwordAfterUsername, withGivenAnswers, type Answers} from '../source/engine/answers.js';
import type {LoadedConfig} from '../source/engine/current-config.js';
import {UsageError} from '../source/engine/errors.js';
import {getProvider, PROVIDERS} from '../source/engine/providers.js';
import {answersFromOptions} from '../source/non-interactive.js';
import {flowReducer, initialFlowState, type FlowEvent, type FlowState} from '../source/ui/flow.js';
import {configuredWith, freshConfig} from './helpers/ui-fixtures.js';

/*
 * The answer rules live once, in engine/answers.ts; the wizard (flow reducer)
 * and --non-interactive (answersFromOptions) must reach the same answer for
 * the same input. Each rule is checked through both faces.
 */

let fresh: LoadedConfig;
let gmail: LoadedConfig;
const gmailAnswers: Answers = {providerId: 'gmail', host: 'smtp.gmail.com', port: 587, security: 'starttls', username: 'zulip@example.com', password: {kind: 'new', value: 'old-app-password'}};

before(async () => {
	fresh = await freshConfig();
	gmail = await configuredWith(gmailAnswers);
});

function wizard(loaded: LoadedConfig, argv: string[], ...events: FlowEvent[]): FlowState {
	const start = initialFlowState({initial: givenAnswers(parseOptions(argv)), restartCommand: 'true'});
	return [{type: 'loaded', loaded, problems: []} as FlowEvent, ...events].reduce(flowReducer, start);
}

async function nonInteractive(loaded: LoadedConfig, argv: string[], env: NodeJS.ProcessEnv = {}): Promise<Answers> {
	return answersFromOptions(loaded, parseOptions(['--non-interactive', ...argv]), {env});
}

test('no login (an empty username) is refused for every catalog provider that needs one, in both faces', async () => {
	for (const provider of PROVIDERS) {
		const problem = emptyUsernameProblem(provider);
		const allowed = !provider.needsAuth || provider.id === 'custom';
		assert.equal(problem === undefined, allowed, provider.id);
		if (!provider.needsAuth || provider.kind === 'file') continue;
		const host = provider.regions ? ['--region', provider.regions[0]!.id] : provider.host ? [] : ['--host', 'smtp.example.com'];
		const argv = ['--provider', provider.id, ...host, '--username', ''];
		if (allowed) {
			const answers = await nonInteractive(fresh, argv);
			assert.equal(answers.username, '', provider.id);
			assert.deepEqual(answers.password, {kind: 'none'});
			continue;
		}

		await assert.rejects(nonInteractive(fresh, argv), (error: unknown) => {
			assert.ok(error instanceof UsageError, provider.id);
			assert.equal(error.exitCode, 2);
			assert.equal(error.message, problem, 'the same words as the wizard');
			assert.match(error.fix ?? '', /--username USER/);
			return true;
		});
		// The wizard: the username step refuses it with the same message.
		const state = wizard(fresh, argv, {type: 'provider-chosen', id: provider.id});
		const atUsername = state.step.kind === 'username' ? state : [{type: 'region-chosen', region: provider.regions?.[0]?.id ?? ''} as FlowEvent, {type: 'host-submitted', host: state.answers?.host || 'smtp.example.com'} as FlowEvent, {type: 'endpoint-chosen', endpoint: provider.endpoints[0]!} as FlowEvent].reduce(flowReducer, state);
		const refused = flowReducer(atUsername, {type: 'username-submitted', username: ''});
		assert.deepEqual(refused.step, {kind: 'username', error: problem}, provider.id);
	}
});

test('a username missing from the flags names the flag, and offers no login only where it is allowed', async () => {
	await assert.rejects(nonInteractive(fresh, ['--provider', 'mailgun']), (error: unknown) => {
		assert.ok(error instanceof UsageError);
		assert.match(error.message, /--username is required for Mailgun/);
		assert.doesNotMatch(error.fix ?? '', /--username ""/);
		return true;
	});
	await assert.rejects(nonInteractive(fresh, ['--provider', 'custom', '--host', 'relay.example.com']), (error: unknown) => {
		assert.ok(error instanceof UsageError);
		assert.match(error.fix ?? '', /--username ""/);
		return true;
	});
});

test('a port given without a TLS mode gets the mode that fits it, in both faces', async () => {
	const cases: Array<[string, string[], number, string]> = [
		['custom', ['--host', 'relay.example.com', '--port', '465'], 465, 'ssl'],
		['custom', ['--host', 'relay.example.com', '--port', '2525'], 2525, 'starttls'],
		['custom', ['--host', 'relay.example.com', '--port', '465', '--security', 'starttls'], 465, 'starttls'],
		['local', ['--port', '25'], 25, 'none'],
	];
	for (const [provider, flags, port, security] of cases) {
		const argv = ['--provider', provider, ...flags, '--username', ''];
		const answers = await nonInteractive(fresh, argv);
		assert.deepEqual([answers.port, answers.security], [port, security], argv.join(' '));
		const state = wizard(fresh, argv, {type: 'provider-chosen', id: provider as 'custom'});
		assert.deepEqual([state.answers?.port, state.answers?.security], [port, security], `wizard: ${argv.join(' ')}`);
	}
});

test('a changed username drops the stored password; the same one keeps it', () => {
	const base = answersForProvider(gmail, 'gmail');
	assert.deepEqual(base.password, {kind: 'keep'});
	assert.deepEqual(passwordAfterUsername(base, base.username), {kind: 'keep'});
	assert.deepEqual(passwordAfterUsername(base, 'someone-else@example.com'), {kind: 'new', value: ''});
	assert.deepEqual(passwordAfterUsername(base, ''), {kind: 'none'});
	assert.deepEqual(withGivenAnswers(base, {username: 'someone-else@example.com'}).password, {kind: 'new', value: ''});
	assert.ok(canKeepStoredPassword(gmail, 'SMTP.gmail.com', 'zulip@example.com'), 'the host compares without case');
	assert.ok(!canKeepStoredPassword(gmail, 'smtp.gmail.com', 'someone-else@example.com'));
	assert.ok(!canKeepStoredPassword(fresh, 'smtp.gmail.com', 'zulip@example.com'), 'nothing stored');
});

test('keeping the stored password: implied for the same account, refused for another one without a new password', async () => {
	const same = await nonInteractive(gmail, ['--provider', 'gmail']);
	assert.deepEqual(same.password, {kind: 'keep'});
	await assert.rejects(nonInteractive(gmail, ['--provider', 'gmail', '--username', 'other@example.com']), /A password is required to log in as other@example.com/);
	const changed = await nonInteractive(gmail, ['--provider', 'gmail', '--username', 'other@example.com'], {ZULIP_EMAIL_PASSWORD: 'new-one'});
	assert.deepEqual(changed.password, {kind: 'new', value: 'new-one'});
	await assert.rejects(nonInteractive(fresh, ['--provider', 'gmail', '--username', 'a@example.com', '--keep-password']), /no email_password in the secrets file to keep/);
	// The wizard offers the choice to keep only for the same account.
	const offered = wizard(gmail, [], {type: 'start-chosen', action: 'switch'}, {type: 'provider-chosen', id: 'gmail'}, {type: 'endpoint-chosen', endpoint: {port: 587, security: 'starttls'}}, {type: 'username-submitted', username: 'zulip@example.com'});
	assert.deepEqual(offered.step, {kind: 'password', mode: 'choose', resume: undefined});
	const other = wizard(gmail, [], {type: 'start-chosen', action: 'switch'}, {type: 'provider-chosen', id: 'gmail'}, {type: 'endpoint-chosen', endpoint: {port: 587, security: 'starttls'}}, {type: 'username-submitted', username: 'other@example.com'});
	assert.deepEqual(other.step, {kind: 'password', mode: 'type', resume: undefined});
	assert.deepEqual(other.answers?.password, {kind: 'new', value: ''});
});

test('a provider with a fixed username gets it unless one is given', async () => {
	const sendgrid = getProvider('sendgrid');
	const answers = await nonInteractive(fresh, ['--provider', 'sendgrid'], {ZULIP_EMAIL_PASSWORD: 'SG.key'});
	assert.equal(answers.username, sendgrid.fixedUsername);
	const state = wizard(fresh, ['--provider', 'sendgrid'], {type: 'provider-chosen', id: 'sendgrid'});
	assert.equal(state.answers?.username, sendgrid.fixedUsername);
});
