// The live test against servers that misbehave at the network level: never
// greet, answer garbage, reset the TLS handshake, stall past the deadline,
// drop connections like a firewall, do not exist. Loopback only: a filtered
// port is faked on 127.0.0.1, a missing name lives under .invalid (RFC 2606).
import assert from 'node:assert/strict';
import {after, before, describe, test} from 'node:test';
import type {LookupFunction} from 'node:net';
import {noreplyToken} from '../source/smtp/noreply.js';
import type {Security, Sender, SmtpTestOptions} from '../source/smtp/types.js';
import {LOOPBACK, runLiveTest, startFilteredPort, startRawServer, startSilentServer, startSmtpServer, unusedPort, type FilteredPort, type LiveTestRun, type RawServer, type TestSmtpServer} from './helpers/smtp-servers.js';
import {createTestPki, type TestPki} from './helpers/tls.js';
import {plainText} from '../source/engine/command-text.js';

const password = 'n3tw0rk-S3cret!';
const user = 'zulip@relay.example.com';
const senders: Sender[] = [{role: 'default', address: 'admin@zulip.example.com'}, {role: 'noreply-tokenized', address: `noreply-${noreplyToken()}@zulip.example.com`}];

let pki: TestPki;
const closers: Array<{close(): Promise<void>}> = [];
before(async () => {
	pki = await createTestPki();
});
after(async () => {
	await Promise.all(closers.map(server => server.close()));
	await pki.cleanup();
});

function keep<T extends {close(): Promise<void>}>(server: T): T {
	closers.push(server);
	return server;
}

interface Check extends Omit<Partial<SmtpTestOptions>, 'settings'> {
	port: number;
	security: Security;
	host?: string;
}

/** Wall-clock figures belong in npm run bench: here, deadlines show in which diagnosis comes back. */
async function check(options: Check): Promise<{run: LiveTestRun}> {
	const {port, security, host = LOOPBACK, ...rest} = options;
	const run = await runLiveTest({settings: {host, port, security, user, password}, senders, caFile: pki.caFile, timeoutMs: 600, probe: false, ...rest});
	assert.ok(!run.everything.includes(password), 'the password leaked');
	return {run};
}

async function goodRelay(): Promise<TestSmtpServer> {
	return keep(await startSmtpServer({tls: 'starttls', pki, users: {[user]: password}, greetingDelay: false}));
}

describe('connecting', () => {
	test('a port that refuses: connection-refused, with the loopback port that answered', async () => {
		const relay = await goodRelay();
		const {run} = await check({port: await unusedPort(), security: 'starttls', probe: true, probeCandidates: [{port: relay.port, security: 'starttls'}]});
		const {diagnosis, suggestion} = run.report;
		assert.equal(diagnosis?.id, 'connection-refused');
		assert.match(plainText(diagnosis!.fix), /Check EMAIL_PORT against/);
		assert.match(plainText(diagnosis!.fix), /--port 587 --security starttls/);
		assert.equal(suggestion?.port, relay.port);
		assert.equal(suggestion?.security, 'starttls');
	});

	test('a filtered port: connection-timeout within the deadline, probes included', async () => {
		const filtered: FilteredPort = keep(await startFilteredPort());
		const alsoFiltered: FilteredPort = keep(await startFilteredPort());
		const relay = await goodRelay();
		const {run} = await check({
			port: filtered.port,
			security: 'starttls',
			timeoutMs: 800,
			probe: true,
			probeCandidates: [{port: alsoFiltered.port, security: 'starttls'}, {port: relay.port, security: 'starttls'}],
		});
		const {diagnosis, suggestion} = run.report;
		assert.equal(diagnosis?.id, 'connection-timeout');
		assert.match(diagnosis!.message, /firewall/);
		assert.match(plainText(diagnosis!.fix), /hosting provider/);
		assert.match(plainText(diagnosis!.fix), /--port 2525 --security starttls/);
		assert.equal(suggestion?.port, relay.port, 'the working port, though a more preferred one hung');
	});

	test('a name that does not resolve: dns-not-found naming EMAIL_HOST', async () => {
		// getaddrinfo's answer for a name that does not exist, given here so that no query leaves the machine.
		const lookup: LookupFunction = (hostname, _options, callback) => {
			callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), {code: 'ENOTFOUND', syscall: 'getaddrinfo', hostname}), '', 4);
		};
		const {run} = await check({host: 'smtp.zulip-email-setup-test.invalid', port: 587, security: 'starttls', probe: true, probeCandidates: [], lookup});
		const diagnosis = run.report.diagnosis!;
		assert.equal(diagnosis.id, 'dns-not-found');
		assert.match(plainText(diagnosis.fix), /EMAIL_HOST \(--host smtp\.zulip-email-setup-test\.invalid\)/);
		assert.equal(run.report.suggestion, undefined);
	});
});

describe('servers that misbehave', () => {
	test('accepts but never greets: timeout at the greeting, inside the deadline, mentioning --security ssl', async () => {
		const silent: RawServer = keep(await startSilentServer());
		const {run} = await check({port: silent.port, security: 'starttls', probe: true, probeCandidates: []});
		const diagnosis = run.report.diagnosis!;
		assert.equal(diagnosis.id, 'timeout');
		assert.match(diagnosis.message, /greeting/);
		assert.match(plainText(diagnosis.fix), /--security ssl/);
		const failed = run.events.find(event => event.status === 'fail');
		assert.equal(failed?.step, 'greeting');
	});

	test('answers garbage: protocol-error quoting what it said', async () => {
		const ssh: RawServer = keep(await startRawServer(socket => socket.write('SSH-2.0-OpenSSH_9.6p1 Ubuntu-3ubuntu13\r\n')));
		const diagnosis = (await check({port: ssh.port, security: 'starttls'})).run.report.diagnosis!;
		assert.equal(diagnosis.id, 'protocol-error');
		assert.match(diagnosis.detail ?? '', /SSH-2\.0-OpenSSH/);
		assert.match(plainText(diagnosis.fix), /EMAIL_PORT \(--host, --port\)|--port/);
	});

	test('resets during the STARTTLS handshake: protocol-error at the starttls step', async () => {
		const resetter: RawServer = keep(await startRawServer(socket => {
			socket.write('220 mx.test.invalid ESMTP\r\n');
			let stage = 0;
			socket.on('data', () => {
				stage++;
				if (stage === 1) socket.write('250-mx.test.invalid\r\n250 STARTTLS\r\n');
				else if (stage === 2) socket.write('220 Ready to start TLS\r\n');
				else socket.resetAndDestroy();
			});
		}));
		const {run} = await check({port: resetter.port, security: 'starttls'});
		const diagnosis = run.report.diagnosis!;
		assert.equal(diagnosis.id, 'protocol-error');
		assert.match(diagnosis.detail ?? '', /TLS handshake/);
		assert.equal(run.events.find(event => event.status === 'fail')?.step, 'starttls');
	});

	test('resets during the implicit TLS handshake: protocol-error', async () => {
		const resetter: RawServer = keep(await startRawServer(socket => socket.once('data', () => socket.resetAndDestroy())));
		const {run} = await check({port: resetter.port, security: 'ssl', probe: true, probeCandidates: []});
		assert.equal(run.report.diagnosis?.id, 'protocol-error');
		assert.match(run.report.diagnosis!.detail ?? '', /TLS handshake/);
	});

	test('slower than the deadline at MAIL FROM: timeout for each sender, each within its deadline', async () => {
		const slow = keep(await startSmtpServer({tls: 'starttls', pki, users: {[user]: password}, greetingDelay: false, delayMailFromMs: 5000}));
		const {run} = await check({port: slow.port, security: 'starttls', timeoutMs: 400});
		for (const sender of run.report.senders) {
			assert.equal(sender.diagnosis?.id, 'timeout');
			assert.match(sender.diagnosis!.message, /MAIL FROM/);
		}

	});
});

describe('cancelling', () => {
	test('an AbortSignal ends the test at once with cancelled', async () => {
		const silent: RawServer = keep(await startSilentServer());
		const controller = new AbortController();
		setTimeout(() => controller.abort(), 100);
		const {run} = await check({port: silent.port, security: 'starttls', timeoutMs: 5000, signal: controller.signal, probe: true, probeCandidates: [{port: silent.port, security: 'ssl'}]});
		assert.equal(run.report.diagnosis?.id, 'cancelled');
		assert.equal(run.report.ok, false);
	});
});
