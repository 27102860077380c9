// The live test does what the installed Zulip does: every envelope sender
// (parsed as parseaddr does), EMAIL_TIMEOUT's 15 s, the Django release's
// certificate checks, deport()'s IPv6 brackets, get_secret. Real SMTP servers
// on 127.0.0.1, real files in temp dirs; python3 judges what Zulip reads.
import assert from 'node:assert/strict';
import {copyFile, mkdtemp, readFile, rm, stat, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, before, describe, test} from 'node:test';
import {answersForProvider, type Answers} from '../source/engine/answers.js';
import {applyPlan} from '../source/engine/apply.js';
import {loadConfig, secretsForSettings, type ConfigPaths, type LoadedConfig} from '../source/engine/current-config.js';
import {runLiveCheck, type LiveCheckOptions} from '../source/engine/live-check.js';
import {planChanges} from '../source/engine/plan.js';
import {recogniseProvider} from '../source/engine/providers.js';
import {restartServer} from '../source/engine/restart.js';
import {senderDomains, zulipSenders} from '../source/engine/senders.js';
import {parseVersionText, readZulipVersion, zulipBehaviour} from '../source/zulip/version-file.js';
import {pyExecSettings, pyRawConfigRead} from './helpers/python.js';
import {startFilteredPort, startSmtpServer, type TestSmtpServer} from './helpers/smtp-servers.js';
import {createTestPki, type TestPki} from './helpers/tls.js';
import {plainText} from '../source/engine/command-text.js';

const FIXTURES = new URL('fixtures/', import.meta.url).pathname;
const VERSIONS = join(FIXTURES, 'version');
const PASSWORD = 'b3hav10ur#S3cret';
const USER = 'zulip@relay.example.com';
const ADMIN = 'admin@chat.example.org';
const TOKENIZED = /^noreply-[a-z2-7]{24}@chat\.example\.org$/;

let pki: TestPki;
let root: string;
const servers: Array<{close(): Promise<void>}> = [];
before(async () => {
	pki = await createTestPki();
	root = await mkdtemp(join(tmpdir(), 'zulip-behaviour-'));
});
after(async () => {
	await Promise.all(servers.map(server => server.close()));
	await pki.cleanup();
	await rm(root, {recursive: true, force: true});
});

let serial = 0;

/** A Zulip server's two files (the 2024 template plus `extra` lines), and where its release lives. */
async function zulipServer(extra: string, deployment?: string): Promise<ConfigPaths> {
	const dir = await mkdtemp(join(root, `server-${serial++}-`));
	const paths = {settings: join(dir, 'settings.py'), secrets: join(dir, 'zulip-secrets.conf'), deployment: deployment ?? join(dir, 'no-deployment')};
	const template = await readFile(join(FIXTURES, 'settings', 'zulip-2024.py'), 'utf8');
	await writeFile(paths.settings, `${template}\n${extra}\n`);
	await copyFile(join(FIXTURES, 'secrets', 'zulip-generated.conf'), paths.secrets);
	await writeFile(paths.secrets, `${await readFile(paths.secrets, 'utf8')}email_password = ${PASSWORD}\n`);
	return paths;
}

function relaySettings(relay: TestSmtpServer, more = ''): string {
	return `EMAIL_HOST = "127.0.0.1"\nEMAIL_PORT = ${relay.port}\nEMAIL_USE_TLS = True\nEMAIL_HOST_USER = "${USER}"\n${more}`;
}

async function relay(options: Partial<Parameters<typeof startSmtpServer>[0]> = {}): Promise<TestSmtpServer> {
	const server = await startSmtpServer({tls: 'starttls', pki, users: {[USER]: PASSWORD}, greetingDelay: false, ...options});
	servers.push(server);
	return server;
}

async function check(loaded: LoadedConfig, options: LiveCheckOptions = {}) {
	return runLiveCheck(loaded, {caFile: pki.caFile, probeCandidates: [], ...options});
}

describe('the Zulip release, read from version.py as text', () => {
	test('fixtures from several releases: the version and what it means for the live test', () => {
		const expected = [
			{dir: 'zulip-1.6', text: '1.6.0+git', verifies: false, noreplyEnvelope: false, forcedTimeout: false},
			{dir: 'zulip-4.0-dev', text: '4.0-dev+git', verifies: false, noreplyEnvelope: true, forcedTimeout: true},
			{dir: 'zulip-6.1', text: '6.1', verifies: false, noreplyEnvelope: true, forcedTimeout: true},
			// A git deployment: zulip-git-version's first line wins, as in Zulip's own version.py.
			{dir: 'zulip-9.0-dev-git', text: '9.0-dev-1523-g2bb3af1ade', verifies: true, noreplyEnvelope: true, forcedTimeout: true},
		];
		for (const {dir, text, verifies, noreplyEnvelope, forcedTimeout} of expected) {
			const version = readZulipVersion(join(VERSIONS, dir));
			assert.equal(version?.text, text, dir);
			const behaviour = zulipBehaviour(version);
			assert.deepEqual({verifies: behaviour.verifiesCertificates, noreplyEnvelope: behaviour.noreplyEnvelope, forcedTimeout: behaviour.forcedTimeout}, {verifies, noreplyEnvelope, forcedTimeout}, dir);
		}

		// Not found: the newest release is assumed, the strictest.
		assert.equal(readZulipVersion(join(root, 'nothing-here')), null);
		assert.equal(zulipBehaviour(null).verifiesCertificates, true);
		assert.equal(parseVersionText("ZULIP_VERSION = '12.1'\n")?.major, 12);
		assert.equal(parseVersionText('VERSION = "1.0"\n'), null);
	});

	test('version.py is read, never run', async () => {
		const dir = await mkdtemp(join(root, 'trap-'));
		const marker = join(dir, 'ran');
		await writeFile(join(dir, 'version.py'), `import pathlib\npathlib.Path(${JSON.stringify(marker)}).write_text("ran")\nZULIP_VERSION = "7.2"\n`);
		const paths = await zulipServer('', dir);
		const loaded = await loadConfig(paths);
		assert.equal(loaded.zulipVersion?.text, '7.2');
		await assert.rejects(stat(marker), {code: 'ENOENT'});
	});

	test('"EMAIL_TIMEOUT is ignored" only where Zulip ignores it (3.0 and later)', async () => {
		const old = await loadConfig(await zulipServer('EMAIL_TIMEOUT = 30', join(VERSIONS, 'zulip-1.6')));
		assert.ok(!old.current.warnings.some(warning => warning.includes('EMAIL_TIMEOUT')), old.current.warnings.join('\n'));
		const current = await loadConfig(await zulipServer('EMAIL_TIMEOUT = 30', join(VERSIONS, 'zulip-6.1')));
		assert.ok(current.current.warnings.some(warning => warning.includes('EMAIL_TIMEOUT in settings.py is ignored')), current.current.warnings.join('\n'));
	});

	test('the restart confirms with the line of every era', async () => {
		for (const line of ['Application restarted successfully!', 'Zulip restarted successfully!', 'Zulip started successfully!']) {
			const result = await restartServer({command: `echo '2026-11-30 10:00:00 restart-server: ${line}'`});
			assert.equal(result.confirmed, true, line);
		}

		assert.equal((await restartServer({command: 'echo done'})).confirmed, false);
	});
});

describe('every envelope sender Zulip uses', () => {
	test('a relay that refuses exactly the plain noreply address: sender-rejected on that sender, the test fails', async () => {
		const server = await relay({rejectSender: address => (address === 'noreply@chat.example.org' ? '550 5.7.1 Sender verify failed' : undefined)});
		const loaded = await loadConfig(await zulipServer(relaySettings(server)));
		const report = await check(loaded);
		assert.equal(report.ok, false);
		const roles = report.senders.map(sender => `${sender.role} ${sender.ok ? 'ok' : sender.diagnosis?.id}`);
		assert.deepEqual(roles, ['default ok', 'noreply-plain sender-rejected', 'noreply-tokenized ok']);
		const plain = report.senders[1]!;
		assert.equal(plain.address, 'noreply@chat.example.org');
		assert.match(plain.diagnosis!.message, /every invitation/);
		assert.match(plainText(plain.diagnosis!.fix), /NOREPLY_EMAIL_ADDRESS \(--noreply ADDRESS\)/);
		assert.ok(server.mailFrom.includes('noreply@chat.example.org'), 'the server was asked');
	});

	test('a display-name NOREPLY_EMAIL_ADDRESS passes: the envelope sender is the bare address, the From header Zulip\'s', async () => {
		const server = await relay();
		const paths = await zulipServer(relaySettings(server, 'NOREPLY_EMAIL_ADDRESS = "Zulip <noreply@example.org>"\nADD_TOKENS_TO_NOREPLY_ADDRESS = False\n'));
		const python = await pyExecSettings(await readFile(paths.settings, 'utf8'), ['NOREPLY_EMAIL_ADDRESS']);
		assert.equal(python.NOREPLY_EMAIL_ADDRESS, 'Zulip <noreply@example.org>');
		const loaded = await loadConfig(paths);
		const report = await check(loaded, {to: ADMIN});
		assert.equal(report.ok, true, JSON.stringify(report));
		assert.deepEqual(report.senders.map(sender => `${sender.role} ${sender.address}`), [`default ${ADMIN}`, 'noreply-plain noreply@example.org']);
		assert.ok(server.mailFrom.includes('noreply@example.org'));
		assert.ok(!server.mailFrom.some(address => address.includes('<') || address.includes('Zulip')));
		const mail = server.messages.find(message => message.subject === 'Zulip noreply email test');
		assert.equal(mail?.envelopeFrom, 'noreply@example.org');
		assert.equal(mail?.from, 'Zulip <noreply@example.org>');
	});

	test('tokens on: three senders, and one mail shaped as build_email sends it', async () => {
		const server = await relay();
		const loaded = await loadConfig(await zulipServer(relaySettings(server)));
		const report = await check(loaded, {to: ADMIN});
		assert.equal(report.ok, true, JSON.stringify(report));
		assert.deepEqual(report.senders.map(sender => sender.role), ['default', 'noreply-plain', 'noreply-tokenized']);
		const shaped = server.messages.find(message => message.subject === 'Zulip email test (sent the way Zulip sends invitations)');
		assert.equal(shaped?.envelopeFrom, 'noreply@chat.example.org');
		const header = /^Zulip <(.*)>$/.exec(shaped?.from ?? '');
		assert.ok(header && TOKENIZED.test(header[1]!), shaped?.from);
		// Before 4.0 the envelope was the From address: the plain noreply mail is From itself.
		const old = zulipSenders(loaded.current, {version: readZulipVersion(join(VERSIONS, 'zulip-1.6'))});
		assert.equal(old.find(sender => sender.role === 'noreply-plain')?.fromHeader, 'Zulip <noreply@chat.example.org>');
		assert.deepEqual(senderDomains(report.senders), ['chat.example.org']);
	});

	test('the tokenized sender refused, the plain one accepted elsewhere: the fix keeps the tokens there (--tokenized-noreply), and that flag makes it pass', async () => {
		const allowed = (address: string) => address === ADMIN || address.endsWith('@mg.example.org');
		const server = await relay({rejectSender: address => (allowed(address) ? undefined : '553 5.7.1 Sender address rejected: not owned by user')});
		const paths = await zulipServer(relaySettings(server, 'NOREPLY_EMAIL_ADDRESS = "noreply@mg.example.org"\n'));
		const report = await check(await loadConfig(paths));
		const tokenized = report.senders.find(sender => sender.role === 'noreply-tokenized')!;
		assert.equal(tokenized.diagnosis?.id, 'sender-rejected');
		assert.match(plainText(tokenized.diagnosis!.fix), /^Set TOKENIZED_NOREPLY_EMAIL_ADDRESS = "noreply-\{token\}@mg\.example\.org" \(--tokenized-noreply 'noreply-\{token\}@mg\.example\.org'\)/);
		assert.match(plainText(tokenized.diagnosis!.fix), /--no-tokens/);

		const loaded = await loadConfig(paths);
		const answers: Answers = {...answersForProvider(loaded, 'custom'), host: '127.0.0.1', port: server.port, security: 'starttls', username: USER, password: {kind: 'keep'}, tokenizedNoreply: 'noreply-{token}@mg.example.org'};
		await applyPlan(planChanges(loaded, answers));
		const python = await pyExecSettings(await readFile(paths.settings, 'utf8'), ['TOKENIZED_NOREPLY_EMAIL_ADDRESS', 'ADD_TOKENS_TO_NOREPLY_ADDRESS']);
		assert.equal(python.TOKENIZED_NOREPLY_EMAIL_ADDRESS, 'noreply-{token}@mg.example.org');
		const again = await check(await loadConfig(paths));
		assert.equal(again.ok, true, JSON.stringify(again.senders));
		assert.match(again.senders.find(sender => sender.role === 'noreply-tokenized')!.address, /^noreply-[a-z2-7]{24}@mg\.example\.org$/);
		// A template without {token} is refused before anything is written.
		assert.throws(() => planChanges(loaded, {...answers, tokenizedNoreply: 'noreply@mg.example.org'}), /\{token\}/);
	});

	test('an IPv6 EXTERNAL_HOST keeps its brackets in the noreply addresses, as deport() does', async () => {
		const externalHost = '[2001:DB8::1]:8443';
		const paths = await zulipServer(`EXTERNAL_HOST = "${externalHost}"`);
		// Python's urllib is what deport() uses: the judge of the domain.
		const python = await pyExecSettings(`from urllib.parse import urlsplit\nHOST = urlsplit("//${externalHost}").hostname\nDOMAIN = "[" + HOST + "]" if ":" in HOST else HOST\n`, ['DOMAIN']);
		assert.equal(python.DOMAIN, '[2001:db8::1]');
		const loaded = await loadConfig(paths);
		const senders = zulipSenders(loaded.current, {token: 'a'.repeat(24)});
		assert.deepEqual(senders.map(sender => sender.address), [ADMIN, `noreply@${python.DOMAIN}`, `noreply-${'a'.repeat(24)}@${python.DOMAIN}`]);
	});
});

describe('deadlines as Zulip keeps them', () => {
	test('a greeting after 11 seconds passes by default (Zulip waits 15), and the output says it was slow', {timeout: 60_000}, async () => {
		const server = await relay({greetingDelay: 11_000});
		const loaded = await loadConfig(await zulipServer(relaySettings(server)));
		const report = await runLiveCheck(loaded, {caFile: pki.caFile, probeCandidates: []});
		assert.equal(report.ok, true, JSON.stringify(report));
		const slow = report.warnings?.find(warning => warning.id === 'slow-step');
		assert.ok(slow, JSON.stringify(report.warnings));
		assert.match(slow.message, /^greeting took 1\d\.\d s\. It worked, within the 15 s Zulip waits/);
	});

	test('a firewalled port still gets its verdict from the connect phase, long before Zulip\'s 15 s', {timeout: 60_000}, async () => {
		const filtered = await startFilteredPort();
		servers.push(filtered);
		const loaded = await loadConfig(await zulipServer(`EMAIL_HOST = "127.0.0.1"\nEMAIL_PORT = ${filtered.port}\nEMAIL_USE_TLS = True\n`));
		const report = await runLiveCheck(loaded, {probeCandidates: []});
		assert.equal(report.diagnosis?.id, 'connection-timeout');
		// The verdict names the deadline that decided: the connect's 5 s, not Zulip's 15 s per step.
		assert.match(report.diagnosis!.message, /within 5 s/);
	});

	test('a TLS-from-the-first-byte port configured for STARTTLS: the probe ends the silent greeting early with needs-ssl', {timeout: 60_000}, async () => {
		const implicit = await relay({tls: 'ssl'});
		const loaded = await loadConfig(await zulipServer(relaySettings(implicit)));
		// A greeting deadline far past the test's own timeout: only the probe can end the wait (a hang fails the test), no stopwatch needed.
		const report = await runLiveCheck(loaded, {caFile: pki.caFile, probeCandidates: [], timeoutMs: 600_000});
		assert.equal(report.diagnosis?.id, 'needs-ssl');
	});
});

describe('certificates, by the Django release Zulip runs', () => {
	test('an untrusted certificate under Zulip 6.1 (Django 4.1): a warning, and the test passes', async () => {
		const server = await relay();
		const loaded = await loadConfig(await zulipServer(relaySettings(server), join(VERSIONS, 'zulip-6.1')));
		// No --ca-file: this relay's CA is trusted nowhere on this machine.
		const report = await runLiveCheck(loaded, {probeCandidates: [], to: ADMIN});
		assert.equal(report.ok, true, JSON.stringify(report));
		const warning = report.warnings?.find(entry => entry.id === 'certificate-not-verified');
		assert.ok(warning, JSON.stringify(report.warnings));
		assert.match(warning.message, /Zulip 6\.1 .*works today; it will fail after upgrading to Zulip 7/);
		assert.match(warning.detail ?? '', /zulip-email-setup test CA/);
		assert.equal(server.messages.length, 3, 'the mails went out over the unverified connection, as Zulip 6 sends them');
	});

	test('the same relay under Zulip 9: certificate-untrusted, the test fails', async () => {
		const server = await relay();
		const loaded = await loadConfig(await zulipServer(relaySettings(server), join(VERSIONS, 'zulip-9.0-dev-git')));
		const report = await runLiveCheck(loaded, {probeCandidates: []});
		assert.equal(report.ok, false);
		assert.equal(report.diagnosis?.id, 'certificate-untrusted');
		assert.equal(report.warnings, undefined);
	});
});

describe('what Zulip reads from the files', () => {
	test('switching to the file backend or the local MTA clears the SMTP login: nothing for log_email_config_errors to complain about', async () => {
		for (const target of ['file', 'local'] as const) {
			const paths = await zulipServer('');
			const first = await loadConfig(paths);
			await applyPlan(planChanges(first, {...answersForProvider(first, 'mailgun'), username: 'postmaster@mg.example.org', password: {kind: 'new', value: PASSWORD}}));
			const smtp = await loadConfig(paths);
			assert.equal(smtp.current.user, 'postmaster@mg.example.org');
			await applyPlan(planChanges(smtp, answersForProvider(smtp, target)));
			const python = await pyExecSettings(await readFile(paths.settings, 'utf8'), ['EMAIL_HOST_USER', 'EMAIL_BACKEND']);
			const password = await pyRawConfigRead(await readFile(paths.secrets, 'utf8'), 'secrets', 'email_password');
			// Zulip: `if settings.EMAIL_HOST_USER and settings.EMAIL_HOST_PASSWORD is None: logger.error(...)`.
			assert.ok(!python.EMAIL_HOST_USER, `${target}: EMAIL_HOST_USER is ${JSON.stringify(python.EMAIL_HOST_USER)}`);
			assert.equal(password, null, target);
			assert.ok(!(await loadConfig(paths)).current.warnings.some(warning => warning.includes('EMAIL_HOST_USER')), target);
		}
	});

	test('settings written as get_secret("…") read the secrets file as Zulip does; the password never goes to python3', async () => {
		const paths = await zulipServer('EMAIL_HOST = get_secret("smtp_host", "fallback.example.org")\nEMAIL_HOST_USER = get_secret("SMTP_USER")\nEMAIL_PORT = 587\nEMAIL_USE_TLS = True\nEMAIL_HOST_PASSWORD = get_secret("email_password")\n');
		await writeFile(paths.secrets, `${await readFile(paths.secrets, 'utf8')}smtp_user = relay-user@example.org\n`);
		const loaded = await loadConfig(paths);
		assert.equal(loaded.current.user, 'relay-user@example.org');
		assert.equal(loaded.current.host, 'fallback.example.org', 'a missing key gives get_secret\'s default');
		const handed = secretsForSettings(loaded.settingsText, loaded.secretsText);
		assert.deepEqual(handed, {smtp_user: 'relay-user@example.org'});
	});

	test('Amazon SES FIPS endpoints are Amazon SES, with their region', () => {
		assert.deepEqual(recogniseProvider('email-smtp-fips.us-east-1.amazonaws.com'), {providerId: 'ses', region: 'us-east-1'});
		assert.deepEqual(recogniseProvider('email-smtp.eu-west-1.amazonaws.com'), {providerId: 'ses', region: 'eu-west-1'});
		assert.equal(recogniseProvider('email-smtp-fips.example.com').providerId, 'custom');
	});
});
