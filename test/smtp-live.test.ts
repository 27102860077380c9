// The live test against real SMTP servers on 127.0.0.1: TLS modes, login,
// both senders, the two test mails. Every run also proves the password
// appears nowhere: not in the report, the events, the transcript or the output.
import assert from 'node:assert/strict';
import {after, before, describe, test} from 'node:test';
import {testMessageBody} from '../source/smtp/message.js';
import {diagnose} from '../source/smtp/diagnoses.js';
import {noreplyToken} from '../source/smtp/noreply.js';
import type {Security, Sender, SmtpTestOptions} from '../source/smtp/types.js';
import {LOOPBACK, runLiveTest, startSmtpServer, type LiveTestRun, type TestSmtpServerOptions, type TestSmtpServer} from './helpers/smtp-servers.js';
import {createTestPki, type TestPki} from './helpers/tls.js';
import {plainText} from '../source/engine/command-text.js';

const password = 'Tr0ub4dor&3-horse:staple';
const user = 'zulip@relay.example.com';
const administrator = 'admin@zulip.example.com';
const noreply = `noreply-${noreplyToken()}@zulip.example.com`;
const senders: Sender[] = [{role: 'default', address: administrator}, {role: 'noreply-tokenized', address: noreply}];

let pki: TestPki;
const servers: TestSmtpServer[] = [];
before(async () => {
	pki = await createTestPki();
});
after(async () => {
	await Promise.all(servers.map(server => server.close()));
	await pki.cleanup();
});

async function server(options: Omit<TestSmtpServerOptions, 'pki'>): Promise<TestSmtpServer> {
	const started = await startSmtpServer({greetingDelay: false, pki, ...options});
	servers.push(started);
	return started;
}

interface Check extends Omit<Partial<SmtpTestOptions>, 'settings'> {
	port: number;
	security: Security;
	user?: string;
	password?: string | null;
}

/** The live test with the test CA trusted and no probing unless asked; asserts the password leaked nowhere. */
async function check(options: Check): Promise<LiveTestRun> {
	const {port, security, user: login = user, password: secret = password, ...rest} = options;
	const run = await runLiveTest({
		settings: {host: LOOPBACK, port, security, user: login, password: secret},
		senders,
		caFile: pki.caFile,
		timeoutMs: 2000,
		probe: false,
		...rest,
	});
	assert.ok(!run.everything.includes(password), 'the password leaked');
	assert.ok(!run.everything.includes(Buffer.from(password).toString('base64')), 'the base64 password leaked');
	assert.equal(run.transcriptMode, 0o600);
	return run;
}

const users = {[user]: password};
const labels = (run: LiveTestRun) => run.events.filter(event => event.status === 'start').map(event => event.label);

describe('TLS modes, as Django speaks them', () => {
	test('implicit TLS (EMAIL_USE_SSL): TLS from the first byte, then greeting, EHLO, AUTH', async () => {
		const relay = await server({tls: 'ssl', users});
		const run = await check({port: relay.port, security: 'ssl', ehloName: 'zulip.example.com'});
		assert.equal(run.report.ok, true, JSON.stringify(run.report));
		assert.deepEqual(labels(run).slice(0, 5), [`connect ${LOOPBACK}:${relay.port}`, 'TLS handshake', 'greeting', 'EHLO zulip.example.com', 'AUTH CRAM-MD5']);
		assert.ok(!run.transcript.includes('STARTTLS'));
		assert.equal(relay.starttlsUpgrades, 0);
	});

	test('STARTTLS (EMAIL_USE_TLS): plain connect, EHLO, STARTTLS, EHLO again, AUTH', async () => {
		const relay = await server({tls: 'starttls', users});
		const run = await check({port: relay.port, security: 'starttls'});
		assert.equal(run.report.ok, true, JSON.stringify(run.report));
		const steps = run.events.filter(event => event.status === 'ok').map(event => event.step);
		assert.deepEqual(steps.slice(0, 6), ['connect', 'greeting', 'ehlo', 'starttls', 'ehlo', 'auth']);
		assert.equal(relay.starttlsUpgrades, 1);
		assert.match(run.transcript, /C: STARTTLS\n.*S: 220/);
	});

	test('no TLS: never STARTTLS, even when the server offers it', async () => {
		const relay = await server({tls: 'starttls'});
		const run = await check({port: relay.port, security: 'none', user: '', password: null});
		assert.equal(run.report.ok, true, JSON.stringify(run.report));
		assert.match(run.transcript, /250[ -]STARTTLS/);
		assert.ok(!/C: STARTTLS/.test(run.transcript));
		assert.ok(!run.events.some(event => event.step === 'starttls'));
		assert.equal(relay.starttlsUpgrades, 0);
		assert.deepEqual(relay.mailFrom, [administrator, noreply]);
	});

	test('STARTTLS not offered: starttls-unavailable, never a silent plain session', async () => {
		const relay = await server({tls: 'plain'});
		const run = await check({port: relay.port, security: 'starttls', user: '', password: null});
		assert.equal(run.report.diagnosis?.id, 'starttls-unavailable');
		// 127.0.0.1 without a login is the mail server on this machine: there the mail never crosses a network, so plain SMTP is the fix.
		assert.match(plainText(run.report.diagnosis!.fix), /mail server on this machine does not offer STARTTLS.*EMAIL_USE_TLS = False \(--security none\)/);
		assert.deepEqual(relay.mailFrom, []);
		const remote = diagnose('starttls-unavailable', {host: 'relay.example.com', port: 587, security: 'starttls', user: 'zulip', timeoutMs: 15_000});
		assert.match(plainText(remote.fix), /--port 587 --security starttls/);
		assert.match(plainText(remote.fix), /EMAIL_USE_TLS/);
	});
});

describe('certificates', () => {
	test('untrusted without --ca-file: the fix names the system trust store, the detail the certificate', async () => {
		const relay = await server({tls: 'starttls', users});
		const run = await check({port: relay.port, security: 'starttls', caFile: undefined});
		const diagnosis = run.report.diagnosis!;
		assert.equal(diagnosis.id, 'certificate-untrusted');
		assert.match(plainText(diagnosis.fix), /update-ca-certificates/);
		assert.match(plainText(diagnosis.fix), /--ca-file/);
		assert.match(diagnosis.detail ?? '', /subject CN=localhost; issuer CN=zulip-email-setup test CA; valid .+ to .+/);
		assert.deepEqual(relay.auths, [], 'no credentials go to an unverified server');
	});

	test('trusted through --ca-file', async () => {
		const relay = await server({tls: 'ssl', users});
		assert.equal((await check({port: relay.port, security: 'ssl', caFile: pki.caFile})).report.ok, true);
	});

	test('expired: certificate-expired with the expiry date', async () => {
		const relay = await server({tls: 'ssl', certificate: 'expired', users});
		const diagnosis = (await check({port: relay.port, security: 'ssl'})).report.diagnosis!;
		assert.equal(diagnosis.id, 'certificate-expired');
		assert.match(plainText(diagnosis.fix), /renew/);
		assert.match(plainText(diagnosis.fix), /EMAIL_HOST/);
		assert.match(diagnosis.detail ?? '', /valid .+ to .+ GMT/);
	});

	test('for another name: certificate-hostname-mismatch listing the names it has', async () => {
		const relay = await server({tls: 'starttls', certificate: 'wrongHost', users});
		const diagnosis = (await check({port: relay.port, security: 'starttls'})).report.diagnosis!;
		assert.equal(diagnosis.id, 'certificate-hostname-mismatch');
		assert.match(plainText(diagnosis.fix), /EMAIL_HOST .*\(--host NAME/);
		assert.match(diagnosis.detail ?? '', /DNS:mail\.other\.invalid/);
	});
});

describe('the wrong TLS mode for the port, with a probe suggestion', () => {
	test('plain to a TLS-from-the-first-byte port: needs-ssl, and the STARTTLS port that answered', async () => {
		const implicit = await server({tls: 'ssl', users});
		const submission = await server({tls: 'starttls', users});
		const run = await check({port: implicit.port, security: 'starttls', timeoutMs: 800, probe: true, probeCandidates: [{port: submission.port, security: 'starttls'}]});
		const {diagnosis, suggestion} = run.report;
		assert.equal(diagnosis?.id, 'needs-ssl');
		assert.equal(plainText(diagnosis?.fix), `Port ${implicit.port} speaks TLS from the first byte. Set EMAIL_USE_SSL = True and EMAIL_USE_TLS = False (--security ssl).`);
		assert.deepEqual(suggestion && {port: suggestion.port, security: suggestion.security}, {port: submission.port, security: 'starttls'});
		assert.deepEqual(submission.auths, [], 'probes never log in');
	});

	test('TLS to a plain port: needs-starttls, and the implicit-TLS port that answered', async () => {
		const submission = await server({tls: 'starttls', users});
		const implicit = await server({tls: 'ssl', users});
		const run = await check({port: submission.port, security: 'ssl', timeoutMs: 800, probe: true, probeCandidates: [{port: implicit.port, security: 'ssl'}]});
		const {diagnosis, suggestion} = run.report;
		assert.equal(diagnosis?.id, 'needs-starttls');
		assert.match(plainText(diagnosis!.fix), /EMAIL_USE_TLS = True and EMAIL_USE_SSL = False \(--security starttls\)/);
		assert.deepEqual(suggestion && {port: suggestion.port, security: suggestion.security}, {port: implicit.port, security: 'ssl'});
	});
});

describe('login, the way Django decides it', () => {
	test('good credentials: CRAM-MD5 first, as smtplib prefers', async () => {
		const relay = await server({tls: 'starttls', users});
		assert.equal((await check({port: relay.port, security: 'starttls'})).report.ok, true);
		assert.deepEqual(relay.auths, [{method: 'CRAM-MD5', username: user, ok: true}]);
	});

	for (const method of ['PLAIN', 'LOGIN']) {
		test(`AUTH ${method} only: logged in, payload masked in the transcript`, async () => {
			const relay = await server({tls: 'starttls', users, authMethods: [method]});
			const run = await check({port: relay.port, security: 'starttls'});
			assert.equal(run.report.ok, true);
			assert.deepEqual(relay.auths.map(auth => auth.method), [method]);
			assert.match(run.transcript, new RegExp(`C: AUTH ${method}`));
			assert.match(run.transcript, /\*{4}/);
		});
	}

	test('bad password: auth-failed after each mechanism smtplib would try', async () => {
		const relay = await server({tls: 'starttls', users: {[user]: 'something else'}});
		const run = await check({port: relay.port, security: 'starttls'});
		const diagnosis = run.report.diagnosis!;
		assert.equal(diagnosis.id, 'auth-failed');
		assert.match(plainText(diagnosis.fix), /EMAIL_HOST_USER \(--username/);
		assert.match(plainText(diagnosis.fix), /email_password/);
		assert.match(diagnosis.detail ?? '', /535/);
		assert.deepEqual(relay.auths.map(auth => auth.method), ['CRAM-MD5', 'PLAIN', 'LOGIN']);
		assert.deepEqual(relay.mailFrom, []);
		assert.ok(run.report.senders.every(sender => !sender.ok && !sender.diagnosis));
	});

	test('a non-ASCII password: credentials-not-ascii before any AUTH, as smtplib would fail to encode it', async () => {
		const unicodePassword = 'pässwörd-ünïcode';
		const relay = await server({tls: 'starttls', users: {[user]: unicodePassword}});
		const run = await check({port: relay.port, security: 'starttls', password: unicodePassword});
		const diagnosis = run.report.diagnosis!;
		assert.equal(diagnosis.id, 'credentials-not-ascii');
		assert.match(diagnosis.message, /password/);
		assert.match(plainText(diagnosis.fix), /ASCII/);
		assert.deepEqual(relay.auths, [], 'nothing is sent that Django could not send');
		assert.ok(!run.everything.includes(unicodePassword));
	});

	test('Gmail\'s 534-5.7.9: app-password-required', async () => {
		const relay = await server({tls: 'ssl', users, rejectAuth: () => '534 5.7.9 Application-specific password required. Learn more at https://support.google.com/mail/?p=InvalidSecondFactor'});
		const diagnosis = (await check({port: relay.port, security: 'ssl'})).report.diagnosis!;
		assert.equal(diagnosis.id, 'app-password-required');
		assert.match(plainText(diagnosis.fix), /app password/);
		assert.match(plainText(diagnosis.fix), /email_password/);
	});

	test('a server that wants a login, and no EMAIL_HOST_USER: auth-required for each sender', async () => {
		const relay = await server({tls: 'starttls', users});
		const run = await check({port: relay.port, security: 'starttls', user: '', password: null});
		assert.equal(run.report.ok, false);
		for (const sender of run.report.senders) {
			assert.equal(sender.diagnosis?.id, 'auth-required');
			assert.match(plainText(sender.diagnosis!.fix), /EMAIL_HOST_USER \(--username USER\)/);
		}

		assert.deepEqual(relay.auths, []);
	});

	test('a user but no email_password: no AUTH at all (Django), then user-without-password', async () => {
		const relay = await server({tls: 'starttls', users});
		const run = await check({port: relay.port, security: 'starttls', password: null});
		assert.ok(!/C: AUTH/.test(run.transcript));
		assert.equal(run.report.senders[0]!.diagnosis?.id, 'user-without-password');
		assert.match(run.report.senders[0]!.diagnosis!.message, /missing from/);
		assert.match(plainText(run.report.senders[0]!.diagnosis!.fix), /email_password/);
	});

	test('a password but no EMAIL_HOST_USER: Django does not log in either: password-without-user', async () => {
		const relay = await server({tls: 'starttls', users});
		const run = await check({port: relay.port, security: 'starttls', user: ''});
		assert.ok(!/C: AUTH/.test(run.transcript));
		assert.equal(run.report.senders[0]!.diagnosis?.id, 'password-without-user');
		assert.match(plainText(run.report.senders[0]!.diagnosis!.fix), /EMAIL_HOST_USER \(--username/);
	});

	test('credentials set, AUTH not offered: auth-unsupported', async () => {
		const relay = await server({tls: 'starttls'});
		const diagnosis = (await check({port: relay.port, security: 'starttls'})).report.diagnosis!;
		assert.equal(diagnosis.id, 'auth-unsupported');
		assert.match(plainText(diagnosis.fix), /EMAIL_HOST_USER = "" \(--username ''\)/);
	});

	test('credentials over a plain connection the server refuses: tls-required', async () => {
		const relay = await server({tls: 'starttls', users});
		const run = await check({port: relay.port, security: 'none'});
		const diagnosis = run.report.diagnosis!;
		assert.equal(diagnosis.id, 'tls-required');
		assert.match(plainText(diagnosis.fix), /EMAIL_USE_TLS = True \(--security starttls\)/);
		assert.equal(relay.starttlsUpgrades, 0);
	});
});

describe('both senders, each on its own merits', () => {
	const notOwned = '553 5.7.1 Sender address rejected: not owned by user';

	test('the tokenized noreply refused alone: --no-tokens with its caveat; the default From still passes', async () => {
		const relay = await server({tls: 'starttls', users, rejectSender: address => (address.startsWith('noreply-') ? notOwned : undefined)});
		const run = await check({port: relay.port, security: 'starttls'});
		const [admin, tokenized] = run.report.senders;
		assert.equal(run.report.ok, false);
		assert.equal(run.report.diagnosis, undefined);
		assert.equal(admin!.ok, true);
		assert.equal(tokenized!.ok, false);
		assert.equal(tokenized!.diagnosis?.id, 'sender-rejected');
		assert.match(plainText(tokenized!.diagnosis!.fix), /ADD_TOKENS_TO_NOREPLY_ADDRESS = False \(--no-tokens\)/);
		assert.match(plainText(tokenized!.diagnosis!.fix), /sign up/);
		assert.match(tokenized!.diagnosis!.detail ?? '', /553 5\.7\.1 Sender address rejected: not owned by user/);
		assert.deepEqual(relay.mailFrom, [administrator, noreply], 'both tried on one connection');
	});

	test('the default From refused alone: ZULIP_ADMINISTRATOR; the noreply still passes', async () => {
		const relay = await server({tls: 'starttls', users, rejectSender: address => (address === administrator ? notOwned : undefined)});
		const [admin, tokenized] = (await check({port: relay.port, security: 'starttls'})).report.senders;
		assert.equal(admin!.diagnosis?.id, 'sender-rejected');
		assert.match(plainText(admin!.diagnosis!.fix), /ZULIP_ADMINISTRATOR/);
		assert.equal(tokenized!.ok, true);
	});

	test('both refused: two diagnoses, and no test mail is sent', async () => {
		const relay = await server({tls: 'starttls', users, rejectSender: () => notOwned});
		const run = await check({port: relay.port, security: 'starttls', to: 'someone@example.org'});
		assert.deepEqual(run.report.senders.map(sender => sender.diagnosis?.id), ['sender-rejected', 'sender-rejected']);
		assert.deepEqual(relay.messages, []);
	});

	test('the recipient refused: recipient-rejected naming --to', async () => {
		const relay = await server({tls: 'starttls', users, rejectRecipient: () => '550 5.1.1 Recipient address rejected: not verified'});
		const run = await check({port: relay.port, security: 'starttls', to: 'unverified@example.org'});
		for (const sender of run.report.senders) {
			assert.equal(sender.diagnosis?.id, 'recipient-rejected');
			assert.match(plainText(sender.diagnosis!.fix), /--to/);
		}
	});

	test('a 4xx answer: temporary-failure', async () => {
		const relay = await server({tls: 'starttls', users, rejectSender: () => '451 4.7.1 Try again later: greylisted'});
		const [first] = (await check({port: relay.port, security: 'starttls'})).report.senders;
		assert.equal(first!.diagnosis?.id, 'temporary-failure');
		assert.match(first!.diagnosis!.detail ?? '', /451 4\.7\.1/);
		assert.match(plainText(first!.diagnosis!.fix), /--check/);
	});

	test('a 421 greeting: temporary-failure', async () => {
		const relay = await server({tls: 'starttls', users, rejectConnection: '421 4.7.0 Too many connections, try later'});
		assert.equal((await check({port: relay.port, security: 'starttls'})).report.diagnosis?.id, 'temporary-failure');
	});
});

describe('the two test mails (--to)', () => {
	test('check only: MAIL FROM + RCPT TO (the default From) + RSET, no DATA', async () => {
		const relay = await server({tls: 'starttls', users});
		const run = await check({port: relay.port, security: 'starttls'});
		assert.equal(run.report.ok, true);
		assert.deepEqual(relay.rcptTo, [administrator, administrator]);
		assert.deepEqual(relay.messages, []);
		assert.ok(!run.transcript.includes('C: DATA'));
		assert.equal(run.transcript.match(/C: RSET/g)?.length, 2);
	});

	test('sent as send_test_email sends them: subjects, From, envelope, body', async () => {
		const relay = await server({tls: 'ssl', users});
		const run = await check({port: relay.port, security: 'ssl', to: 'me@example.org'});
		assert.equal(run.report.ok, true, JSON.stringify(run.report));
		assert.deepEqual(run.report.senders.map(sender => sender.sent), [true, true]);
		assert.deepEqual(relay.messages.map(message => [message.subject, message.from, message.envelopeFrom, message.envelopeTo, message.to]), [
			['Zulip email test', administrator, administrator, ['me@example.org'], 'me@example.org'],
			['Zulip noreply email test', noreply, noreply, ['me@example.org'], 'me@example.org'],
		]);
		for (const message of relay.messages) assert.ok(message.data.includes(testMessageBody));
		assert.equal(relay.auths.length, 3, 'one connection for the check, one per mail');
	});

	test('the message refused at DATA: message-rejected, sent false', async () => {
		const relay = await server({tls: 'starttls', users, rejectData: message => (message.subject === 'Zulip noreply email test' ? '554 5.7.1 Message rejected: unverified From domain' : undefined)});
		const [admin, tokenized] = (await check({port: relay.port, security: 'starttls', to: 'me@example.org'})).report.senders;
		assert.equal(admin!.sent, true);
		assert.equal(tokenized!.sent, false);
		assert.equal(tokenized!.diagnosis?.id, 'message-rejected');
		assert.match(tokenized!.diagnosis!.detail ?? '', /unverified From domain/);
	});
});
