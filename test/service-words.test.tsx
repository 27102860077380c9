/**
 * The local MTA (Postfix/Exim on this machine), the file backend and a relay
 * of one's own are no "provider": every screen they reach, and every fix the
 * engine gives for them, says who sends in words true for it.
 */
import assert from 'node:assert/strict';
import {rm} from 'node:fs/promises';
import {dirname} from 'node:path';
import {afterEach, describe, test} from 'node:test';
import {DIAGNOSES, diagnose, type DiagnosisContext} from '../source/smtp/diagnoses.js';
import type {DiagnosisId} from '../source/smtp/types.js';
import {App} from '../source/ui/app.js';
import {createEngine} from '../source/ui/engine-port.js';
import type {FlowSettings} from '../source/ui/flow.js';
import {keys} from './helpers/ink.js';
import {LOOPBACK, startSmtpServer, unusedPort} from './helpers/smtp-servers.js';
import {ADMIN, configuredWith, freshConfig} from './helpers/ui-fixtures.js';
import {answer, cleanupRendered, plain, renderAt80} from './helpers/walk-through.js';

afterEach(() => cleanupRendered());

/** "your provider", "the provider's", "providers": words that are false for a mail server of one's own. */
const PROVIDER_WORDS = /\b(?:your|the|a) provider\b|\bprovider's|\bproviders\b/i;

function providerTalk(text: string): string[] {
	// A hosting provider (the one that blocks ports) is another thing; settings.py's own comments, in the diff, are Zulip's words.
	return text.split('\n').filter(line => !/^\s*[-+]?\s*#/.test(line) && PROVIDER_WORDS.test(line.replace(/hosting providers?/gi, '')));
}

describe('the engine\'s words for a mail server of one\'s own', () => {
	const contexts: Record<string, DiagnosisContext> = {
		'the local MTA': {host: 'localhost', port: 25, security: 'none', user: '', timeoutMs: 15_000, sender: {role: 'noreply-tokenized', address: 'noreply-abc@zulip.example.com'}, recipient: ADMIN, recipientGiven: true, acceptedNoreply: 'noreply@zulip.example.com'},
		'a relay of one\'s own': {host: 'relay.example.com', port: 587, security: 'starttls', user: 'zulip', timeoutMs: 15_000, sender: {role: 'noreply-plain', address: 'noreply@zulip.example.com'}, recipient: ADMIN, recipientGiven: false},
	};
	for (const [name, context] of Object.entries(contexts)) {
		test(`every diagnosis for ${name} says who sends without "the provider"`, () => {
			// Not configured means no server at all: "choose a provider" is the right word there.
			const ids = (Object.keys(DIAGNOSES) as DiagnosisId[]).filter(id => id !== 'not-configured');
			const said = ids.flatMap(id => {
				const {message, fix} = diagnose(id, context);
				return providerTalk(`${message}\n${fix}`).map(line => `${id}: ${line}`);
			});
			assert.deepEqual(said, []);
		});
	}

	test('a named provider is named', () => {
		const refused = diagnose('sender-rejected', {host: 'smtp.mailgun.org', port: 587, security: 'starttls', user: 'postmaster@mg.example.com', timeoutMs: 15_000, sender: {role: 'default', address: ADMIN}});
		assert.match(refused.fix, /allow admin@zulip\.example\.com at Mailgun/);
		const local = diagnose('sender-rejected', {host: 'localhost', port: 25, security: 'none', user: '', timeoutMs: 15_000, sender: {role: 'default', address: ADMIN}});
		assert.match(local.fix, /allow admin@zulip\.example\.com in the mail server on this machine/);
		// The SES/Mailgun sandbox is advice for those two only.
		assert.match(diagnose('recipient-rejected', {host: 'email-smtp.eu-west-1.amazonaws.com', port: 587, security: 'starttls', user: 'AKIAEXAMPLE', timeoutMs: 15_000, recipient: ADMIN, recipientGiven: true}).fix, /Amazon SES's sandbox/);
		assert.doesNotMatch(diagnose('recipient-rejected', {host: 'localhost', port: 25, security: 'none', user: '', timeoutMs: 15_000, recipient: ADMIN, recipientGiven: true}).fix, /sandbox/);
	});
});

describe('the wizard with the local MTA and the file backend, real engine and files', () => {
	const settings: FlowSettings = {initial: {}, restartCommand: 'true'};

	test('the local MTA, on a port where nothing listens: no screen talks about a provider', async () => {
		const config = await freshConfig();
		const port = await unusedPort();
		const engine = createEngine({paths: config.paths, restartCommand: 'true', timeoutMs: 5000});
		const app = renderAt80(<App engine={engine} settings={settings} onExit={() => undefined} />);
		try {
			await answer(app, [
				['Which service', 'local\r'],
				// Another port on this machine: the local MTA's port can be changed.
				['Port and TLS mode for localhost', `${keys.up}${keys.up}\r`],
				['Port (EMAIL_PORT)', `${keys.ctrlU}${port}\r`],
				[`TLS mode for port ${port}`, `${keys.up}${keys.up}\r`],
				['Noreply address', '\r'],
				['Add a random token', '\r'],
				['Where should', '\r'],
				['Write these changes?', '\r'],
				['What now?', ''],
			]);
			const result = plain(app.lastFrame());
			assert.match(result, /refused the connection/);
			assert.match(result, /Test again\s+after fixing the mail server on this machine/);
			const noreply = app.frames.map(frame => plain(frame)).find(frame => frame.includes('Noreply address (NOREPLY_EMAIL_ADDRESS)'))!;
			assert.match(noreply.replace(/\s+/g, ' '), /The mail server on this machine sends from this address/);
			const said = [...new Set(app.frames.flatMap(frame => providerTalk(plain(frame))))];
			assert.deepEqual(said, [], 'no screen of the local MTA talks about "your provider"');
		} finally {
			app.unmount();
			await rm(dirname(config.paths.settings), {recursive: true, force: true});
		}
	});

	test('a rerun on the local MTA: the start menu\'s check says what it checked, and no login', async () => {
		const mta = await startSmtpServer({tls: 'plain', greetingDelay: false});
		const config = await configuredWith({providerId: 'local', host: LOOPBACK, port: mta.port, security: 'none', username: '', password: {kind: 'none'}});
		const engine = createEngine({paths: config.paths, restartCommand: 'true', timeoutMs: 5000});
		const app = renderAt80(<App engine={engine} settings={settings} onExit={() => undefined} />);
		try {
			const [menu] = await answer(app, [['It works: the server accepts', '']]);
			const question = menu!.slice(menu!.indexOf('Email is configured on this server'));
			assert.doesNotMatch(question, /login|password/i, 'the MTA on this machine takes no login, and the menu offers no password change');
			assert.deepEqual([...new Set(app.frames.flatMap(frame => providerTalk(plain(frame))))], []);
		} finally {
			app.unmount();
			await mta.close();
			await rm(dirname(config.paths.settings), {recursive: true, force: true});
		}
	});

	test('the file backend: the noreply and tokens questions and the last screen talk about no provider', async () => {
		const config = await freshConfig();
		const directory = `${dirname(config.paths.settings)}/emails`;
		const engine = createEngine({paths: config.paths, restartCommand: 'true', writableRoot: dirname(config.paths.settings)});
		let exitCode: number | undefined;
		const app = renderAt80(<App engine={engine} settings={settings} onExit={code => (exitCode = code)} />);
		try {
			await answer(app, [
				['Which service', 'files\r'],
				['Directory for the mail files', `${keys.ctrlU}${directory}\r`],
				['Noreply address', '\r'],
				['Add a random token', '\r'],
				['Where should', '\r'],
				['Write these changes?', '\r'],
				['Restart Zulip', `${keys.down}\r`],
				['Next steps', ''],
			]);
			assert.equal(exitCode, 0);
			const noreply = app.frames.map(frame => plain(frame)).find(frame => frame.includes('Noreply address (NOREPLY_EMAIL_ADDRESS)'))!;
			assert.match(noreply.replace(/\s+/g, ' '), /No mail leaves the server in this mode/);
			const said = [...new Set(app.frames.flatMap(frame => providerTalk(plain(frame))))];
			assert.deepEqual(said, [], 'no screen of the file backend talks about "your provider"');
		} finally {
			app.unmount();
			await rm(dirname(config.paths.settings), {recursive: true, force: true});
		}
	});
});
