/**
 * Switching a configured SMTP server to the file backend removes
 * email_password from zulip-secrets.conf (nothing logs in; a stale
 * credential would only linger). That is said plainly before anything is
 * written, the file is judged by python3's RawConfigParser afterwards, and a
 * later switch back to the same host and user truthfully does not offer to
 * keep a password that is no longer there: it asks for it.
 */
import assert from 'node:assert/strict';
import {readFile, rm} from 'node:fs/promises';
import {dirname, join} from 'node:path';
import {after, afterEach, before, describe, test} from 'node:test';
import {loadConfig, type HostConfig} from '../source/engine/current-config.js';
import {planChanges} from '../source/engine/plan.js';
import {App} from '../source/ui/app.js';
import {createEngine} from '../source/ui/engine-port.js';
import {canKeepPassword, flowReducer, initialFlowState, type FlowEvent, type FlowSettings, type FlowState} from '../source/ui/flow.js';
import {fakeServer, mailDirectory, runCli} from './helpers/cli.js';
import {keys} from './helpers/ink.js';
import {pyRawConfigRead} from './helpers/python.js';
import {LOOPBACK, startSmtpServer, type TestSmtpServer} from './helpers/smtp-servers.js';
import {configuredWith, SECRET_KEY} from './helpers/ui-fixtures.js';
import {answer, cleanupRendered, otherRelayAt, plain, renderAt80} from './helpers/walk-through.js';

const PASSWORD = 'relay-Pa55#word;%';
const USER = 'zulip';
const settings: FlowSettings = {initial: {}, restartCommand: 'true'};
let relay: TestSmtpServer;

before(async () => {
	// A relay of one's own on this machine that wants a login: what the start menu's check talks to.
	relay = await startSmtpServer({tls: 'plain', users: {[USER]: PASSWORD}, allowInsecureAuth: true, greetingDelay: false});
});

after(async () => relay.close());
afterEach(() => cleanupRendered());

async function configuredRelay(): Promise<HostConfig> {
	return configuredWith({providerId: 'custom', host: LOOPBACK, port: relay.port, security: 'none', username: USER, password: {kind: 'new', value: PASSWORD}});
}

function run(state: FlowState, ...events: FlowEvent[]): FlowState {
	return events.reduce(flowReducer, state);
}

describe('the file backend and email_password', () => {
	test('the plan removes it and says so; the summary says it plainly', async () => {
		const config = await configuredRelay();
		try {
			assert.equal(config.current.passwordSet, true);
			const plan = planChanges(config, {providerId: 'file', host: '', port: 25, security: 'none', username: '', password: {kind: 'none'}, filePath: join(dirname(config.paths.settings), 'emails')});
			assert.match(plan.secrets.diff, /^-email_password = \*+$/m, 'the diff shows the removal, masked');
			assert.ok(!plan.secrets.diff.includes(PASSWORD));
			assert.deepEqual(plan.notes, [`email_password is removed from ${config.paths.secrets} (the file backend logs in nowhere): switching back to an SMTP server later asks for the password again.`]);
		} finally {
			await rm(dirname(config.paths.settings), {recursive: true, force: true});
		}
	});

	test('the wizard: said in the review, gone from the file (RawConfigParser), and a switch back asks for the password', async () => {
		const config = await configuredRelay();
		const directory = join(dirname(config.paths.settings), 'emails');
		try {
			const engine = createEngine({paths: config.paths, restartCommand: 'true', writableRoot: dirname(config.paths.settings)});
			let exitCode: number | undefined;
			const app = renderAt80(<App engine={engine} settings={settings} onExit={code => (exitCode = code)} />);
			await answer(app, [
				['Email is configured on this server', `${keys.down}${keys.down}${keys.down}\r`],
				['Which service', 'files\r'],
				// Switching keeps the From addresses, tokens and recipient: after the directory, the review.
				['Directory for the mail files', `${keys.ctrlU}${directory}\r`],
				['Write these changes?', ''],
			]);
			const review = plain(app.lastFrame()).replace(/\s+/g, ' ');
			assert.match(review, /email_password removed from the secrets file \(nothing logs in; a later switch back asks for it again\)/);
			assert.match(review, /-email_password = \*+/);
			await answer(app, [['Write these changes?', '\r'], ['Restart Zulip', `${keys.down}\r`], ['Next steps', '']]);
			assert.equal(exitCode, 0);
			cleanupRendered();

			// What Zulip will read: no email_password, every other secret as it was.
			const secrets = await readFile(config.paths.secrets, 'utf8');
			assert.equal(await pyRawConfigRead(secrets, 'secrets', 'email_password'), null);
			assert.equal(await pyRawConfigRead(secrets, 'secrets', 'secret_key'), SECRET_KEY);
			assert.equal(await pyRawConfigRead(secrets, 'secrets', 'rabbitmq_password'), 'r4bb1t');
			assert.ok(!secrets.includes(PASSWORD), 'not even commented out');

			// Back to the same relay and user: there is nothing to keep, so nothing is offered; the password is asked.
			const written = await loadConfig(config.paths);
			assert.equal(written.current.backend, 'file');
			assert.equal(written.current.passwordSet, false);
			const back = run(initialFlowState(settings), {type: 'loaded', loaded: written, problems: []}, {type: 'start-chosen', action: 'switch'}, {type: 'provider-chosen', id: 'custom'}, {type: 'host-submitted', host: LOOPBACK}, {type: 'endpoint-chosen', endpoint: 'other'}, {type: 'port-submitted', port: String(relay.port)}, {type: 'security-chosen', security: 'none'}, {type: 'username-submitted', username: USER});
			assert.deepEqual(back.step, {kind: 'password', mode: 'type', resume: undefined});
			assert.equal(canKeepPassword(back), false);

			// The first run's engine holds the run lock until this process exits: the second run reads the files as read above.
			const rerun = {...createEngine({paths: config.paths, restartCommand: 'true'}), load: async () => ({loaded: written, problems: []})};
			const again = renderAt80(<App engine={rerun} settings={settings} onExit={() => undefined} />);
			const [password] = await answer(again, [
				['Email is configured on this server', `${keys.down}${keys.down}\r`],
				...otherRelayAt(LOOPBACK, relay.port, keys.up),
				['SMTP username', `${keys.ctrlU}${USER}\r`],
				[`Password for ${USER}`, ''],
			]);
			assert.doesNotMatch(password!, /Keep the current password/);
		} finally {
			await rm(dirname(config.paths.settings), {recursive: true, force: true});
		}
	});

	test('--non-interactive says it too, and a switch back without a password is refused, not silently kept', async () => {
		const server = await fakeServer();
		try {
			const login = [...server.args, '--non-interactive', '--provider', 'custom', '--host', LOOPBACK, '--port', String(relay.port), '--security', 'none', '--username', USER, '--skip-test'];
			assert.equal((await runCli(login, {env: {ZULIP_EMAIL_PASSWORD: PASSWORD}})).code, 0);
			const toFiles = await runCli([...server.args, '--non-interactive', '--provider', 'file', '--file-path', await mailDirectory(), '--skip-test']);
			assert.equal(toFiles.code, 0, toFiles.stderr);
			assert.match(toFiles.stdout, /Note: email_password is removed from .*zulip-secrets\.conf \(the file backend logs in nowhere\): switching back to an SMTP server later asks for the password again\./);
			assert.equal(await pyRawConfigRead(await readFile(server.secrets, 'utf8'), 'secrets', 'email_password'), null);
			const back = await runCli(login);
			assert.equal(back.code, 2, back.stdout + back.stderr);
			assert.match(back.stderr, /password/i);
		} finally {
			await rm(server.dir, {recursive: true, force: true});
		}
	});
});
