// The local mail server, for real: Debian's Exim 4 (its configuration made by
// Debian's own update-exim4.conf) and Debian's Postfix, private instances on
// loopback ports started and stopped here, nothing delivered off the machine.
// The live test is green only when every test mail left the machine (or was
// delivered here as configured); relay refusals and senders refused at RCPT
// TO are named for what they are.
import assert from 'node:assert/strict';
import {execFile} from 'node:child_process';
import {mkdtemp, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {promisify} from 'node:util';
import {after, before, describe, test} from 'node:test';
import {runSmtpTest} from '../source/smtp/live-test.js';
import {noreplyToken} from '../source/smtp/noreply.js';
import type {Sender, SmtpTestOptions, TestReport} from '../source/smtp/types.js';
import {eximMissing, postfixMissing, postfixOwned, startExim, startPostfix, type MtaInstance} from './helpers/mta.js';
import {SMTPServer} from 'smtp-server';
import {unusedPort} from './helpers/smtp-servers.js';
import {createTestPki, type TestPki} from './helpers/tls.js';

const run = promisify(execFile);
const administrator = 'admin@zes.test';
const tokenized = `noreply-${noreplyToken()}@zes.test`;
const senders: Sender[] = [{role: 'default', address: administrator}, {role: 'noreply-tokenized', address: tokenized}];
const recipient = 'ops@example.com';

/** The live test as the engine runs it for EMAIL_HOST = 127.0.0.1, the MTA's tools found through `env`. */
function liveTest(mta: MtaInstance, extra: Partial<SmtpTestOptions> = {}): Promise<TestReport> {
	return runSmtpTest({
		settings: {host: mta.host, port: mta.port, security: 'none', user: '', password: null},
		senders,
		to: recipient,
		timeoutMs: 20_000,
		probe: false,
		ehloName: 'zulip.zes.test',
		// A bound on the wait for the MTA's decision, never a pause: the follow-up returns as soon as every mail has one.
		localMta: {env: mta.env, deadlineMs: 60_000},
		...extra,
	});
}

/**
 * The smarthost: a plain SMTP server on 127.0.0.2. Exim refuses a smarthost
 * at one of its own addresses ("remote host address is the local host"),
 * and 127.0.0.1 is one; 127.0.0.2 is loopback but no interface's address.
 */
async function smarthost(): Promise<{port: number; messages: string[]; close(): Promise<void>}> {
	const messages: string[] = [];
	const server = new SMTPServer({
		authOptional: true,
		disabledCommands: ['STARTTLS', 'AUTH'],
		logger: false,
		onData(stream, _session, callback) {
			let data = '';
			stream.on('data', (chunk: Buffer) => {
				data += chunk.toString();
			});
			stream.on('end', () => {
				messages.push(data);
				callback();
			});
		},
	});
	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		server.listen(0, '127.0.0.2', () => resolve());
	});
	const {port} = server.server.address() as import('node:net').AddressInfo;
	return {port, messages, close: () => new Promise(resolve => server.close(() => resolve()))};
}

/** A port on 127.0.0.2 where nothing listens: the connect is refused at once. */
async function closedSmarthostPort(): Promise<number> {
	const net = await import('node:net');
	const server = net.createServer();
	await new Promise<void>(resolve => server.listen(0, '127.0.0.2', () => resolve()));
	const {port} = server.address() as import('node:net').AddressInfo;
	await new Promise<void>(resolve => server.close(() => resolve()));
	return port;
}

const eximSkip = await eximMissing();
const postfixSkip = postfixMissing();

describe('Debian\'s Exim 4', {skip: eximSkip ? `skipped: ${eximSkip}` : false}, () => {
	test('"local delivery only" (Debian\'s default): accepted, then failed in its router: no green, the MTA\'s words and the dpkg-reconfigure fix', async () => {
		const exim = await startExim({configtype: 'local'});
		try {
			const report = await liveTest(exim);
			assert.equal(report.ok, false, JSON.stringify(report, null, 2));
			assert.equal(report.localMta?.mta, 'Exim');
			for (const sender of report.senders) {
				assert.equal(sender.sent, true, 'the SMTP hand-over itself worked');
				assert.equal(sender.diagnosis?.id, 'mail-stuck', JSON.stringify(sender));
				assert.match(sender.diagnosis.detail ?? '', /Mailing to remote domains not supported/);
				assert.match(sender.diagnosis.fix, /dpkg-reconfigure exim4-config/);
				assert.match(sender.diagnosis.fix, /internet site/);
				assert.match(sender.diagnosis.fix, /smarthost/);
				assert.doesNotMatch(sender.diagnosis.fix, /Postfix/, 'the MTA is known: only its fix');
			}

			assert.deepEqual(report.localMta.mails.map(mail => mail.fate), ['bounced', 'bounced']);
			// The queue ids came from Exim's 250 replies and are in its log.
			const log = await exim.log();
			for (const mail of report.localMta.mails) assert.ok(mail.queueId && log.includes(`${mail.queueId} <= `), mail.queueId);
		} finally {
			await exim.stop();
		}
	});

	test('"mail sent by smarthost" to a relay on loopback: relayed, green, and the relay got both mails', async () => {
		const relay = await smarthost();
		const exim = await startExim({configtype: 'smarthost', smarthost: `127.0.0.2::${relay.port}`});
		try {
			const report = await liveTest(exim);
			assert.equal(report.ok, true, JSON.stringify(report, null, 2));
			assert.deepEqual(report.localMta?.mails.map(mail => mail.fate), ['relayed', 'relayed']);
			assert.equal(relay.messages.length, 2);
			assert.match(report.localMta.mails[0]!.reason ?? '', /H=127\.0\.0\.2/);
		} finally {
			await exim.stop();
			await relay.close();
		}
	});

	test('"mail sent by smarthost" to a relay that is down: deferred with Exim\'s reason, no green', async () => {
		const closed = await closedSmarthostPort();
		const exim = await startExim({configtype: 'smarthost', smarthost: `127.0.0.2::${closed}`});
		try {
			const report = await liveTest(exim);
			assert.equal(report.ok, false);
			assert.deepEqual(report.localMta?.mails.map(mail => mail.fate), ['deferred', 'deferred']);
			const diagnosis = report.senders[0]!.diagnosis!;
			assert.equal(diagnosis.id, 'mail-stuck');
			assert.match(diagnosis.detail ?? '', /Connection refused/);
			assert.match(diagnosis.message, /keeps retrying/);
		} finally {
			await exim.stop();
		}
	});

	test('without a recipient nothing is sent: the result says it covers only the hand-over', async () => {
		const exim = await startExim({configtype: 'local'});
		try {
			const report = await liveTest(exim, {to: undefined});
			assert.equal(report.localMta, undefined);
			const warning = report.warnings?.find(entry => entry.id === 'handover-only');
			assert.match(warning?.message ?? '', /No test mail was sent .*\(Exim\)/);
			assert.match(warning?.fix ?? '', /--to ADDRESS/);
		} finally {
			await exim.stop();
		}
	});

	test('550 relay not permitted from a server that offers no AUTH: relay-denied, never a login to set', async () => {
		const exim = await startExim({configtype: 'internet', noRelay: true});
		try {
			const report = await liveTest(exim);
			assert.equal(report.ok, false);
			for (const sender of report.senders) {
				assert.equal(sender.diagnosis?.id, 'relay-denied', JSON.stringify(sender));
				assert.match(sender.diagnosis.detail ?? '', /550 relay not permitted/);
				assert.doesNotMatch(sender.diagnosis.fix, /EMAIL_HOST_USER \(|--username USER/);
				assert.match(sender.diagnosis.fix, /dc_relay_nets|relay/);
			}
		} finally {
			await exim.stop();
		}
	});
});

describe('Debian\'s Postfix', {skip: postfixSkip ? `skipped: ${postfixSkip}` : false}, () => {
	test('default_transport to an unreachable relay: deferred, the stuck diagnosis with Postfix\'s reason', async () => {
		const closed = await unusedPort();
		const postfix = await startPostfix({main: {default_transport: `smtp:[127.0.0.1]:${closed}`}});
		try {
			const report = await liveTest(postfix);
			assert.equal(report.ok, false, JSON.stringify(report, null, 2));
			assert.equal(report.localMta?.mta, 'Postfix');
			assert.deepEqual(report.localMta.mails.map(mail => mail.fate), ['deferred', 'deferred']);
			for (const sender of report.senders) {
				assert.equal(sender.diagnosis?.id, 'mail-stuck');
				assert.match(sender.diagnosis.detail ?? '', new RegExp(`connect to 127\\.0\\.0\\.1\\[127\\.0\\.0\\.1\\]:${closed}: Connection refused`));
				assert.match(sender.diagnosis.fix, /relayhost/);
				assert.match(sender.diagnosis.fix, /dpkg-reconfigure postfix/);
			}
		} finally {
			await postfix.stop();
		}
	});

	test('the queue cannot be read (no tools on PATH): the result says it covers only the hand-over', async () => {
		const postfix = await startPostfix({main: {default_transport: 'discard:'}});
		const empty = await mkdtemp(join(tmpdir(), 'zes-no-tools-'));
		try {
			const report = await liveTest(postfix, {localMta: {env: {PATH: empty}, deadlineMs: 60_000}});
			assert.equal(report.ok, true);
			const warning = report.warnings?.find(entry => entry.id === 'handover-only');
			assert.ok(warning, JSON.stringify(report));
			assert.match(warning.message, /covers only the hand-over/);
			assert.match(warning.message, /not on PATH/);
		} finally {
			await postfix.stop();
			await rm(empty, {recursive: true, force: true});
		}
	});

	describe('with SASL, STARTTLS required and smtpd_sender_login_maps + reject_sender_login_mismatch', () => {
		let pki: TestPki;
		let postfix: MtaInstance;
		const saslUser = 'zes-localmta';
		const saslPassword = 'pw-for-zes-localmta-only';
		const dir = {path: ''};
		before(async () => {
			pki = await createTestPki();
			dir.path = await mkdtemp(join(tmpdir(), 'zes-sasl-'));
			// smtpd runs as postfix: it must reach the sasldb and its certificate.
			await run('chmod', ['755', dir.path]);
			const sasldb = join(dir.path, 'sasldb2');
			// saslpasswd2 reads the password on stdin (-p): it never appears in a command line.
			await new Promise<void>((resolve, reject) => {
				const child = execFile('saslpasswd2', ['-p', '-c', '-f', sasldb, '-u', 'zes.test', saslUser], error => (error ? reject(error) : resolve()));
				child.stdin!.end(saslPassword);
			});
			await run('chmod', ['644', sasldb]);
			await writeFile(join(dir.path, 'key.pem'), pki.good.key, {mode: 0o600});
			await postfixOwned(join(dir.path, 'key.pem'), join(dir.path, 'smtpd.key'));
			await writeFile(join(dir.path, 'smtpd.crt'), pki.good.cert);
			postfix = await startPostfix({
				// Debian's Postfix reads Cyrus SASL's smtpd.conf from $config_directory/sasl (cyrus_sasl_config_path is not consulted: seen with strace).
				files: {'sasl/smtpd.conf': `pwcheck_method: auxprop\nauxprop_plugin: sasldb\nmech_list: PLAIN LOGIN\nsasldb_path: ${sasldb}\n`},
				main: {
					smtpd_sasl_auth_enable: 'yes',
					smtpd_sasl_type: 'cyrus',
					smtpd_sasl_path: 'smtpd',
					smtpd_sasl_local_domain: 'zes.test',
					smtpd_tls_security_level: 'encrypt',
					smtpd_tls_auth_only: 'yes',
					smtpd_tls_cert_file: join(dir.path, 'smtpd.crt'),
					smtpd_tls_key_file: join(dir.path, 'smtpd.key'),
					// Only the account's own addresses: not the tokenized noreply one.
					smtpd_sender_login_maps: `inline:{ ${administrator}=${saslUser}@zes.test, noreply@zes.test=${saslUser}@zes.test }`,
					smtpd_sender_restrictions: 'reject_sender_login_mismatch',
					smtpd_relay_restrictions: 'permit_sasl_authenticated, reject',
					mynetworks: '127.0.0.255/32',
					default_transport: 'discard:',
				},
			});
		});
		after(async () => {
			await postfix?.stop();
			await pki?.cleanup();
			if (dir.path) await rm(dir.path, {recursive: true, force: true});
		});

		test('553 "Sender address rejected: not owned by user" in reply to RCPT TO is the sender\'s refusal, with the tokens fix', async () => {
			const report = await liveTest(postfix, {
				settings: {host: postfix.host, port: postfix.port, security: 'starttls', user: `${saslUser}@zes.test`, password: saslPassword},
				caFile: pki.caFile,
			});
			const [admin, noreply] = report.senders;
			assert.equal(admin?.ok, true, `${JSON.stringify(report, null, 2)}\n${await postfix.log()}`);
			assert.equal(noreply?.ok, false);
			assert.equal(noreply.diagnosis?.id, 'sender-rejected', JSON.stringify(noreply));
			assert.match(noreply.diagnosis.detail ?? '', /553 5\.7\.1 .*Sender address rejected: not owned by user/);
			assert.match(noreply.diagnosis.detail ?? '', new RegExp(tokenized.replace(/[.]/g, '\\.')));
			assert.match(noreply.diagnosis.fix, /ADD_TOKENS_TO_NOREPLY_ADDRESS = False/);
			assert.match(noreply.diagnosis.fix, /TOKENIZED_NOREPLY_EMAIL_ADDRESS/);
			// The refusal came at RCPT TO (smtpd_delay_reject = yes), not at MAIL FROM.
			assert.match(await postfix.log(), /NOQUEUE: reject: RCPT from .*553 5\.7\.1 .*not owned by user/);
			// The admin's mail went to the discard transport: delivered here as configured.
			assert.deepEqual(report.localMta?.mails.map(mail => mail.fate), ['delivered']);
			assert.doesNotMatch(JSON.stringify(report), new RegExp(saslPassword));
		});
	});
});
