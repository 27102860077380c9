/**
 * A TLS failure reads as what happened, in the wizard's words; OpenSSL's own
 * text (error:0A00010B:SSL routines::wrong version number) is evidence, kept
 * in the detail: under the headline, in the JSON's detail field, in the
 * transcript. Real TLS servers on 127.0.0.1, each failure made for real.
 */
import assert from 'node:assert/strict';
import {rm} from 'node:fs/promises';
import {dirname} from 'node:path';
import tls from 'node:tls';
import {after, afterEach, before, describe, test} from 'node:test';
import {testLines} from '../source/report.js';
import type {Security, TestReport} from '../source/smtp/types.js';
import {App} from '../source/ui/app.js';
import {createEngine} from '../source/ui/engine-port.js';
import {testSummaryLines} from '../source/ui/flow-scrollback.js';
import {fakeServer, runCli} from './helpers/cli.js';
import {keys} from './helpers/ink.js';
import {LOOPBACK, runLiveTest, startRawServer, startSmtpServer, type RawServer, type TestSmtpServer} from './helpers/smtp-servers.js';
import {createSelfSigned, createTestPki, type TestPki} from './helpers/tls.js';
import {freshConfig} from './helpers/ui-fixtures.js';
import {answer, cleanupRendered, otherRelayAt, plain, renderAt80} from './helpers/walk-through.js';

/** OpenSSL's words: never in a headline. */
const RAW = /error:0A|SSL routines|routines::|ERR_SSL_|ssl3_|\.c:\d+/;
/** OpenSSL's error line as the detail keeps it, one line, on any Node. */
const OPENSSL_LINE = /error:0A[0-9A-F]{6}:SSL routines::[a-z0-9 ]+/;

let pki: TestPki;
const servers: Array<TestSmtpServer | RawServer> = [];
let implicitTls: TestSmtpServer;
let plainSmtp: TestSmtpServer;
let selfSigned: TestSmtpServer;
let wrongHost: TestSmtpServer;
let oldImplicit: RawServer;
let oldStarttls: RawServer;

/** Only TLS 1.0: what OpenSSL 3 here (and Zulip's Python) refuses, so the server sends a protocol_version alert. */
function oldTlsSocket(socket: import('node:net').Socket): tls.TLSSocket {
	const context = tls.createSecureContext({key: pki.good.key, cert: pki.good.cert, minVersion: 'TLSv1', maxVersion: 'TLSv1', ciphers: 'DEFAULT@SECLEVEL=0'});
	const secure = new tls.TLSSocket(socket, {isServer: true, secureContext: context});
	secure.on('error', () => undefined);
	return secure;
}

before(async () => {
	pki = await createTestPki();
	const self = await createSelfSigned();
	implicitTls = await startSmtpServer({tls: 'ssl', pki, greetingDelay: false});
	plainSmtp = await startSmtpServer({tls: 'starttls', pki, greetingDelay: false});
	selfSigned = await startSmtpServer({tls: 'starttls', pki: {...pki, good: self}, greetingDelay: false});
	wrongHost = await startSmtpServer({tls: 'starttls', pki, certificate: 'wrongHost', greetingDelay: false});
	oldImplicit = await startRawServer(socket => {
		socket.on('error', () => undefined);
		oldTlsSocket(socket);
	});
	// A plain greeting, STARTTLS offered and accepted, then a handshake only TLS 1.0 would finish.
	oldStarttls = await startRawServer(socket => {
		socket.on('error', () => undefined);
		socket.write('220 old.example.com ESMTP\r\n');
		let received = '';
		const onData = (chunk: Buffer) => {
			received += chunk.toString('latin1');
			if (/^STARTTLS\r\n/im.test(received)) {
				socket.off('data', onData);
				socket.write('220 2.0.0 Ready to start TLS\r\n');
				oldTlsSocket(socket);
			} else if (/^EHLO .*\r\n/im.test(received)) {
				received = '';
				socket.write('250-old.example.com\r\n250 STARTTLS\r\n');
			}
		};

		socket.on('data', onData);
	});
	servers.push(implicitTls, plainSmtp, selfSigned, wrongHost, oldImplicit, oldStarttls);
});

after(async () => {
	await Promise.all(servers.map(server => server.close()));
	await pki.cleanup();
});

afterEach(() => cleanupRendered());

interface Case {
	readonly name: string;
	readonly port: () => number;
	readonly security: Security;
	readonly caFile?: boolean;
	readonly id: string;
	/** The detail's evidence: OpenSSL's line, or the verification's words. */
	readonly detail: RegExp;
	/** What the headline says happened. */
	readonly headline: RegExp;
}

const CASES: readonly Case[] = [
	{name: 'STARTTLS on an implicit-TLS port', port: () => implicitTls.port, security: 'starttls', id: 'needs-ssl', headline: /waited for a TLS handshake/, detail: /completed a TLS handshake from the first byte/},
	{name: 'implicit TLS on a plain port', port: () => plainSmtp.port, security: 'ssl', id: 'needs-starttls', headline: /speaks plain SMTP first/, detail: /error:0A00010B:SSL routines::wrong version number/},
	{name: 'a self-signed certificate', port: () => selfSigned.port, security: 'starttls', id: 'certificate-untrusted', headline: /not signed by an authority this machine trusts/, detail: /self-signed certificate/},
	{name: 'a certificate for another name', port: () => wrongHost.port, security: 'starttls', caFile: true, id: 'certificate-hostname-mismatch', headline: /not valid for the name 127\.0\.0\.1/, detail: /does not match certificate's altnames/},
	{name: 'a handshake alert, implicit TLS', port: () => oldImplicit.port, security: 'ssl', caFile: true, id: 'tls-handshake-failed', headline: /TLS handshake with 127\.0\.0\.1:\d+ failed: the server broke it off/, detail: /no TLS version in common[\s\S]*error:0A[0-9A-F]{6}:SSL routines::[a-z0-9 ]*(?:protocol version|unsupported protocol)/},
	{name: 'a handshake alert after STARTTLS', port: () => oldStarttls.port, security: 'starttls', caFile: true, id: 'tls-handshake-failed', headline: /TLS handshake with 127\.0\.0\.1:\d+ failed/, detail: /no TLS version in common[\s\S]*error:0A[0-9A-F]{6}:SSL routines::[a-z0-9 ]*(?:protocol version|unsupported protocol)/},
];

const senders = [{role: 'default' as const, address: 'admin@zulip.example.com'}];

function headlineAndDetail(report: TestReport): {headline: string; detail: string} {
	assert.ok(report.diagnosis, 'the test failed with a diagnosis');
	return {headline: report.diagnosis.message, detail: report.diagnosis.detail ?? ''};
}

describe('TLS failures: the headline in words, OpenSSL in the detail', () => {
	for (const testCase of CASES) {
		test(`${testCase.name}: engine, wizard scrollback and plain output`, async () => {
			// Only the same port is probed (TLS from the first byte, plain): nothing else on this machine is touched.
			const run = await runLiveTest({settings: {host: LOOPBACK, port: testCase.port(), security: testCase.security, user: '', password: null}, senders, probeCandidates: [], timeoutMs: 5000, caFile: testCase.caFile ? pki.caFile : undefined});
			const {report} = run;
			assert.equal(report.diagnosis?.id, testCase.id, JSON.stringify(report.diagnosis));
			const {headline, detail} = headlineAndDetail(report);
			assert.match(headline, testCase.headline);
			assert.doesNotMatch(headline, RAW);
			assert.match(detail, testCase.detail);
			assert.ok(!detail.includes('\n'), `the detail is one line: ${JSON.stringify(detail)}`);
			// The wizard's scrollback: the ✖ line is the headline, the evidence under it.
			const [wizardHeadline, wizardDetail] = testSummaryLines(report);
			assert.equal(wizardHeadline, `✖ ${headline}`);
			assert.equal(wizardDetail, `  ${detail}`);
			// The plain output of --non-interactive: the same.
			const lines = testLines(report);
			assert.doesNotMatch(lines[0]!, RAW);
			assert.match(lines[0]!, /^ {2}✖ /);
			assert.equal(lines[1], `    ${detail}`);
			if (OPENSSL_LINE.test(detail)) {
				assert.ok(!/\.c:\d+|^[0-9A-F]{12,}:error/m.test(detail), 'no thread id or source position');
				// The transcript (--transcript) keeps OpenSSL's words as they came.
				assert.match(run.transcript, /SSL routines/);
			}
		});
	}
});

describe('the faces, end to end', () => {
	test('--non-interactive: the JSON headline is words, its detail field OpenSSL\'s line; the plain output the same', async () => {
		const server = await fakeServer();
		try {
			const args = [...server.args, '--non-interactive', '--provider', 'custom', '--host', LOOPBACK, '--port', String(plainSmtp.port), '--security', 'ssl', '--username', '', '--to', 'admin@zulip.example.com'];
			const json = await runCli([...args, '--json']);
			assert.equal(json.code, 1, json.stderr);
			const report = JSON.parse(json.stdout.trim().split('\n').at(-1)!);
			assert.equal(report.test.diagnosis.id, 'needs-starttls');
			assert.doesNotMatch(report.test.diagnosis.message, RAW);
			assert.match(report.test.diagnosis.detail, /error:0A00010B:SSL routines::wrong version number/);
			const text = await runCli([...args, '--check']);
			const headline = text.stdout.split('\n').find(line => line.includes('[needs-starttls]'));
			assert.ok(headline, text.stdout);
			assert.doesNotMatch(headline, RAW);
			assert.match(text.stdout, /error:0A00010B:SSL routines::wrong version number/);
		} finally {
			await rm(server.dir, {recursive: true, force: true});
		}
	});

	test('the wizard: the result screen\'s ✖ line says what happened; OpenSSL\'s line only in the detail under it', async () => {
		const config = await freshConfig();
		const engine = createEngine({paths: config.paths, restartCommand: 'true', timeoutMs: 5000});
		const app = renderAt80(<App engine={engine} settings={{initial: {}, restartCommand: 'true'}} onExit={() => undefined} />);
		try {
			await answer(app, [
				...otherRelayAt(LOOPBACK, plainSmtp.port, keys.down),
				['SMTP username', '\r'],
				['Noreply address', '\r'],
				['Add a random token', '\r'],
				['Where should', '\r'],
				['Write these changes?', '\r'],
				['What now?', ''],
			]);
			const frame = plain(app.lastFrame());
			const headline = frame.slice(frame.indexOf('✖ '), frame.indexOf("The server's answer was not TLS"));
			assert.match(headline, /speaks plain SMTP first/, frame);
			assert.doesNotMatch(headline, RAW);
			assert.match(frame.replace(/\s+/g, ' '), /The server's answer was not TLS\. OpenSSL said: ERR_SSL_WRONG_VERSION_NUMBER: error:0A00010B:SSL routines::wrong version number/);
		} finally {
			app.unmount();
			await rm(dirname(config.paths.settings), {recursive: true, force: true});
		}
	});
});
