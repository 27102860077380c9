/**
 * A password sent without TLS to a host that is not this machine: the wizard
 * asks first, TLS highlighted, sending it plain a choice the admin must make;
 * --non-interactive refuses it without --allow-plaintext-password. One rule,
 * the engine's plaintextPasswordRisk, decides for both.
 */
import assert from 'node:assert/strict';
import {rm} from 'node:fs/promises';
import {after, afterEach, before, describe, test} from 'node:test';
import {plaintextPasswordRisk} from '../source/engine/answers-summary.js';
import type {HostConfig} from '../source/engine/current-config.js';
import {fixesFor} from '../source/engine/fixes.js';
import {planChanges} from '../source/engine/plan.js';
import type {TestReport} from '../source/smtp/types.js';
import {App} from '../source/ui/app.js';
import type {WizardEngine} from '../source/ui/engine-port.js';
import {flowReducer, initialFlowState, type FlowEvent, type FlowSettings, type FlowState} from '../source/ui/flow.js';
import {fakeServer, runCli, snapshot} from './helpers/cli.js';
import {keys} from './helpers/ink.js';
import {freshConfig} from './helpers/ui-fixtures.js';
import {answer, cleanupRendered, otherRelayAt, plain, renderAt80} from './helpers/walk-through.js';

const settings: FlowSettings = {initial: {}, restartCommand: 'restart-server'};
const PASSWORD = 'relay-Pa55word';
let fresh: HostConfig;

before(async () => {
	fresh = await freshConfig();
});

after(async () => {
	await rm(fresh.paths.settings.replace(/\/settings\.py$/, ''), {recursive: true, force: true});
});

afterEach(() => cleanupRendered());

function run(state: FlowState, ...events: FlowEvent[]): FlowState {
	return events.reduce(flowReducer, state);
}

/** A relay of one's own on port 25 without TLS, with a login: up to the recipient. */
function plainRelay(host: string): FlowState {
	return run(
		initialFlowState(settings),
		{type: 'loaded', loaded: fresh, problems: []},
		{type: 'provider-chosen', id: 'custom'},
		{type: 'host-submitted', host},
		{type: 'endpoint-chosen', endpoint: 'other'},
		{type: 'port-submitted', port: '25'},
		{type: 'security-chosen', security: 'none'},
		{type: 'username-submitted', username: 'zulip'},
		{type: 'password-submitted', password: PASSWORD},
		{type: 'noreply-submitted', address: ''},
		{type: 'tokens-chosen', tokens: true},
		{type: 'recipient-submitted', address: 'admin@zulip.example.com'},
	);
}

describe('the rule, once in the engine', () => {
	test('a password without TLS is a risk to another machine, never to loopback, never without a login', () => {
		const base = {providerId: 'custom' as const, host: 'relay.example.com', port: 25, security: 'none' as const, username: 'zulip', password: {kind: 'new' as const, value: PASSWORD}};
		assert.match(plaintextPasswordRisk(base) ?? '', /Without TLS the password for zulip crosses the network to relay\.example\.com/);
		for (const host of ['localhost', '127.0.0.1', '::1', '127.1.2.3']) assert.equal(plaintextPasswordRisk({...base, host}), undefined, host);
		assert.equal(plaintextPasswordRisk({...base, security: 'starttls'}), undefined);
		assert.equal(plaintextPasswordRisk({...base, username: '', password: {kind: 'none'}}), undefined);
	});
});

describe('the wizard\'s flow (reducer)', () => {
	test('to another machine: a question before the plan, STARTTLS or SSL/TLS first, sending plain only when chosen', () => {
		const asked = plainRelay('relay.example.com');
		assert.deepEqual(asked.step, {kind: 'plaintext', autoApply: false}, 'no plan, no review, nothing written before the admin chooses');

		// STARTTLS on the same port: the question goes, the plan comes, the answers say STARTTLS.
		const starttls = run(asked, {type: 'plaintext-chosen', choice: 'starttls'});
		assert.deepEqual(starttls.step, {kind: 'planning', autoApply: false});
		assert.equal(starttls.answers!.security, 'starttls');
		assert.equal(starttls.answers!.port, 25);
		assert.match(starttls.answered.at(-1)!.text, /Server: relay\.example\.com:25 with STARTTLS/);

		const ssl = run(asked, {type: 'plaintext-chosen', choice: 'ssl'});
		assert.equal(ssl.answers!.security, 'ssl');
		assert.equal(ssl.answers!.port, 465);

		// Sending it plain is a choice: then the plan, with no TLS.
		const send = run(asked, {type: 'plaintext-chosen', choice: 'send'});
		assert.deepEqual(send.step, {kind: 'planning', autoApply: false});
		assert.equal(send.answers!.security, 'none');

		// Esc: back to the question before, nothing chosen.
		assert.equal(run(asked, {type: 'back'}).step.kind, 'recipient');
	});

	test('the consent is for this login at this host: a new host asks again; the same one does not', () => {
		const send = run(plainRelay('relay.example.com'), {type: 'plaintext-chosen', choice: 'send'});
		const plan = planChanges(fresh, send.answers!);
		const review = run(send, {type: 'plan-ready', plan});
		assert.equal(review.step.kind, 'review');
		// Change only the recipient: the same login, the same host, no second question.
		const recipient = run(review, {type: 'edit'}, {type: 'edit-target-chosen', target: 'recipient'}, {type: 'recipient-submitted', address: 'other@zulip.example.com'});
		assert.equal(recipient.step.kind, 'planning');
		// Another host: asked again.
		const moved = run(review, {type: 'edit'}, {type: 'edit-target-chosen', target: 'host'}, {type: 'host-submitted', host: 'relay2.example.com'}, {type: 'endpoint-chosen', endpoint: 'other'}, {type: 'port-submitted', port: '25'}, {type: 'security-chosen', security: 'none'});
		assert.equal(moved.step.kind, 'plaintext');
	});

	test('to this machine (an MTA on loopback, an SSH tunnel) nothing is asked', () => {
		assert.deepEqual(plainRelay('127.0.0.1').step, {kind: 'planning', autoApply: false});
	});
});

describe('the wizard\'s screen (ink)', () => {
	function engine(calls: string[]): WizardEngine {
		const passed: TestReport = {ok: true, senders: [{role: 'default', address: 'admin@zulip.example.com', ok: true, sent: true}], durationMs: 5};
		return {
			load: async () => ({loaded: fresh, problems: []}),
			plan: async (loaded, answers) => {
				calls.push(`plan ${answers.security} ${answers.port}`);
				return planChanges(loaded, answers);
			},
			apply: async plan => ({applied: {changed: true, files: plan.files.map(file => ({path: file.path, changed: file.changed, backup: `${file.path}.bak`, created: false}))}, loaded: fresh}),
			test: async () => passed,
			fixesFor,
			restore: async () => undefined,
			restoreSet: async () => undefined,
			restart: async () => ({ok: true, exitCode: 0, command: 'restart-server', tail: [], confirmed: true}),
		};
	}

	async function toQuestion(calls: string[]) {
		const app = renderAt80(<App engine={engine(calls)} settings={settings} onExit={() => undefined} />);
		await answer(app, [
			...otherRelayAt('relay.example.com', 25, keys.up),
			['SMTP username', 'zulip\r'],
			['Password for zulip', `${PASSWORD}\r`],
			['Noreply address', '\r'],
			['Add a random token', '\r'],
			['Where should', '\r'],
		]);
		return app;
	}

	test('the question says why, highlights STARTTLS; Enter switches to it', async () => {
		const calls: string[] = [];
		const app = await toQuestion(calls);
		const [frame] = await answer(app, [['Send the password without TLS?', '\r'], ['Write these changes?', '']]);
		assert.match(frame!, /crosses the network to relay\.example\.com/);
		assert.match(frame!, /› Use STARTTLS on port 25/, 'STARTTLS highlighted first');
		const order = ['Use STARTTLS on port 25', 'Use SSL/TLS on port 465', 'Send the password without TLS  '].map(label => frame!.indexOf(label));
		assert.ok(order.every(index => index >= 0) && order[0]! < order[1]! && order[1]! < order[2]!, `TLS first, sending plain last:\n${frame}`);
		assert.deepEqual(calls, ['plan starttls 25'], 'nothing was planned before the choice');
		assert.match(plain(app.lastFrame()), /\+EMAIL_USE_TLS = True/);
	});

	test('sending it plain must be chosen (two keys down), then the review says it', async () => {
		const calls: string[] = [];
		const app = await toQuestion(calls);
		await answer(app, [['Send the password without TLS?', `${keys.down}${keys.down}\r`], ['Write these changes?', '']]);
		assert.deepEqual(calls, ['plan none 25']);
		const review = plain(app.lastFrame());
		assert.match(review, /⚠ Without TLS the password for zulip crosses the network/);
		assert.match(review, /Write these changes, then test/);
	});

	test('Esc goes back to the question before; nothing planned', async () => {
		const calls: string[] = [];
		const app = await toQuestion(calls);
		await answer(app, [['Send the password without TLS?', keys.escape], ['test mails go?', '']]);
		assert.deepEqual(calls, []);
	});
});

describe('--non-interactive', () => {
	test('refused without --allow-plaintext-password, nothing written; with it, written', async () => {
		const server = await fakeServer();
		try {
			const before = await snapshot(server);
			const args = [...server.args, '--non-interactive', '--provider', 'custom', '--host', 'relay.example.com', '--port', '25', '--security', 'none', '--username', 'zulip', '--skip-test'];
			const env = {ZULIP_EMAIL_PASSWORD: PASSWORD};
			const refused = await runCli(args, {env});
			assert.equal(refused.code, 2, refused.stderr);
			assert.match(refused.stderr, /Without TLS the password for zulip crosses the network to relay\.example\.com/);
			assert.match(refused.stderr, /--security starttls or ssl/);
			assert.match(refused.stderr, /--allow-plaintext-password/);
			assert.equal(await snapshot(server), before, 'nothing written');
			const allowed = await runCli([...args, '--allow-plaintext-password'], {env});
			assert.equal(allowed.code, 0, allowed.stderr);
			assert.notEqual(await snapshot(server), before);
		} finally {
			await rm(server.dir, {recursive: true, force: true});
		}
	});
});
