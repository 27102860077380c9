import assert from 'node:assert/strict';
import {execFile} from 'node:child_process';
import {mkdtemp, readFile, readdir, rm, stat, writeFile} from 'node:fs/promises';
import net from 'node:net';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, before, describe, test} from 'node:test';
import {promisify} from 'node:util';
import nodemailer from 'nodemailer';
import {createSandboxFiles, sandboxSecretKey, SANDBOX_ADMINISTRATOR} from '../source/sandbox/files.js';
import {decodeEncodedWords, parseHeaderBlock} from '../source/sandbox/headers.js';
import {randomRelayPassword, startRelay, type SandboxRelay} from '../source/sandbox/relay.js';
import {rawConfigReadBatch} from './helpers/raw-config.js';

const run = promisify(execFile);
const directories: string[] = [];

async function scratch(): Promise<string> {
	const dir = await mkdtemp(join(tmpdir(), 'sandbox-relay-test-'));
	directories.push(dir);
	return dir;
}

after(async () => {
	await Promise.all(directories.map(dir => rm(dir, {recursive: true, force: true})));
});

function transport(relay: SandboxRelay, overrides: Record<string, unknown> = {}) {
	return nodemailer.createTransport({
		host: relay.host,
		port: relay.port,
		secure: false,
		requireTLS: true,
		auth: {user: relay.username, pass: relay.password},
		// The session CA, as the wizard's --ca-file adds it; nothing turns verification off.
		tls: {ca: relayCa.get(relay)},
		...overrides,
	});
}

const relayCa = new WeakMap<SandboxRelay, string>();

describe('sandbox relay', () => {
	let relay: SandboxRelay;
	let dir: string;
	before(async () => {
		dir = await scratch();
		relay = await startRelay({dir});
		relayCa.set(relay, await readFile(relay.caFile, 'utf8'));
	});
	after(async () => relay.close());

	test('takes STARTTLS + AUTH with the session CA verified, and records envelope, From and Subject', async () => {
		const count = relay.received.length;
		await transport(relay).sendMail({
			envelope: {from: 'noreply-abcdefghijklmnopqrstuvwx@zulip.sandbox.test', to: ['admin@zulip.sandbox.test']},
			from: 'Zulip <noreply-abcdefghijklmnopqrstuvwx@zulip.sandbox.test>',
			to: 'admin@zulip.sandbox.test',
			// Long and non-ASCII: nodemailer folds and encodes it, the relay must unfold and decode.
			subject: 'Zulip noreply email test — ünïcode and a subject long enough that it has to be folded over more than one header line',
			text: 'Body\n.\nwith a lone dot line',
		});
		assert.equal(relay.received.length, count + 1);
		const mail = relay.received.at(-1)!;
		assert.equal(mail.envelopeFrom, 'noreply-abcdefghijklmnopqrstuvwx@zulip.sandbox.test');
		assert.deepEqual(mail.to, ['admin@zulip.sandbox.test']);
		assert.equal(mail.from, 'Zulip <noreply-abcdefghijklmnopqrstuvwx@zulip.sandbox.test>');
		assert.equal(mail.subject, 'Zulip noreply email test — ünïcode and a subject long enough that it has to be folded over more than one header line');
		assert.equal(mail.user, relay.username);
	});

	test('refuses a wrong password with 535 and records why', async () => {
		const count = relay.received.length;
		await assert.rejects(transport(relay, {auth: {user: relay.username, pass: relay.password + 'x'}}).sendMail({from: SANDBOX_ADMINISTRATOR, to: SANDBOX_ADMINISTRATOR, subject: 's', text: 't'}), (error: {responseCode?: number}) => error.responseCode === 535);
		assert.equal(relay.received.length, count);
		assert.match(relay.refusals.at(-1)!.message, /wrong password/);
		assert.doesNotMatch(relay.refusals.at(-1)!.message, new RegExp(relay.password.replace(/[^\w]/g, '\\$&')));
	});

	test('refuses AUTH before STARTTLS, like a provider submission port', async () => {
		await assert.rejects(transport(relay, {requireTLS: false, ignoreTLS: true}).sendMail({from: SANDBOX_ADMINISTRATOR, to: SANDBOX_ADMINISTRATOR, subject: 's', text: 't'}), (error: {responseCode?: number}) => error.responseCode === 538);
	});

	test('refuses MAIL FROM without login', async () => {
		await assert.rejects(transport(relay, {auth: undefined}).sendMail({from: SANDBOX_ADMINISTRATOR, to: SANDBOX_ADMINISTRATOR, subject: 's', text: 't'}), (error: {responseCode?: number}) => error.responseCode === 530);
	});

	test('its certificate is not trusted without the session CA: verification is never turned off', async () => {
		await assert.rejects(transport(relay, {tls: {}}).sendMail({from: SANDBOX_ADMINISTRATOR, to: SANDBOX_ADMINISTRATOR, subject: 's', text: 't'}), /self[- ]signed|unable to (get|verify)|certificate/i);
	});

	test('writes only relay-ca.pem into its directory: no private key is left behind', async () => {
		assert.deepEqual(await readdir(dir), ['relay-ca.pem']);
		assert.doesNotMatch(await readFile(relay.caFile, 'utf8'), /PRIVATE KEY/);
	});
});

// A close that waited for the client would never end: the test's timeout bounds that hang; how fast it closes is no pass mark.
test('relay closes with a client still connected, and honours an abort signal', {timeout: 30_000}, async () => {
	const controller = new AbortController();
	const relay = await startRelay({dir: await scratch(), signal: controller.signal});
	const socket = net.connect(relay.port, relay.host);
	await new Promise(resolve => socket.once('data', resolve));
	controller.abort();
	await relay.close();
	socket.destroy();
	await assert.rejects(new Promise((resolve, reject) => net.connect(relay.port, relay.host).on('connect', resolve).on('error', reject)), /ECONNREFUSED/);
});

test('relay passwords hold the characters naive ini handling breaks', () => {
	for (let index = 0; index < 50; index++) {
		const password = randomRelayPassword();
		assert.match(password, /^[\w]{4}#[\w]{4}%[\w]{4}=[\w]{4};[\w]{4}$/);
	}
});

describe('header parsing', () => {
	test('unfolds continuation lines and keeps the first occurrence', () => {
		const headers = parseHeaderBlock('Subject: one\r\n two\r\n\tthree\r\nFrom: a@b.test\r\nSubject: second\r\nX-Bad line\r\n');
		assert.equal(headers.get('subject'), 'one two\tthree');
		assert.equal(headers.get('from'), 'a@b.test');
	});

	test('decodes B and Q encoded-words, joining adjacent ones', () => {
		assert.equal(decodeEncodedWords('=?utf-8?b?WnVsaXAg?= =?utf-8?q?=C3=BC_test?='), 'Zulip ü test');
		assert.equal(decodeEncodedWords('plain =?iso-8859-1?q?caf=E9?= end'), 'plain café end');
		assert.equal(decodeEncodedWords('=?x-unknown-charset?q?abc?='), '=?x-unknown-charset?q?abc?=');
	});
});

describe('sandbox files', () => {
	test('a fresh-install settings.py (2022+ era) that compiles, with the installer\'s single-quoted lines', async () => {
		const files = await createSandboxFiles({dir: join(await scratch(), 'new', 'nested')});
		const settings = await readFile(files.settingsPath, 'utf8');
		assert.match(settings, /^## Outgoing email \(SMTP\) settings\.$/m);
		assert.match(settings, /^# EMAIL_HOST = "smtp\.example\.com"$/m);
		for (const name of ['EMAIL_HOST_USER', 'EMAIL_USE_TLS', 'EMAIL_PORT', 'ADD_TOKENS_TO_NOREPLY_ADDRESS', 'TOKENIZED_NOREPLY_EMAIL_ADDRESS', 'NOREPLY_EMAIL_ADDRESS', 'INSTALLATION_NAME', 'PHYSICAL_ADDRESS']) {
			assert.match(settings, new RegExp(`^# ${name} = `, 'm'), name);
		}

		assert.match(settings, /^##\s+email_password = abcd1234$/m);
		assert.match(settings, /^ZULIP_ADMINISTRATOR = 'admin@zulip\.sandbox\.test'$/m);
		assert.match(settings, /^EXTERNAL_HOST = 'zulip\.sandbox\.test'$/m);
		// Reserved names only (RFC 2606): nothing in the sandbox can reach a real mailbox or host.
		const hosts = [...settings.matchAll(/[\w.+{}-]+@([\w.-]+)|:\/\/([\w.-]+)|EMAIL_HOST = "([^"]+)"/g)].map(match => match[1] ?? match[2] ?? match[3]!);
		assert.ok(hosts.length > 5);
		for (const host of hosts) assert.match(host, /(^|\.)(example\.com|[\w-]+\.test|readthedocs\.io)$/, host);

		const {stdout} = await run('python3', ['-c', 'import runpy, sys, json; g = runpy.run_path(sys.argv[1]); print(json.dumps([g["ZULIP_ADMINISTRATOR"], g["EXTERNAL_HOST"], "EMAIL_HOST" in g]))', files.settingsPath]);
		assert.deepEqual(JSON.parse(stdout), ['admin@zulip.sandbox.test', 'zulip.sandbox.test', false]);
		assert.equal((await stat(files.settingsPath)).mode & 0o777, 0o644);
	});

	test('zulip-secrets.conf like Zulip generates it: blank first line, mode 0640, RawConfigParser reads every key back', async () => {
		const files = await createSandboxFiles({dir: await scratch()});
		const text = await readFile(files.secretsPath, 'utf8');
		assert.ok(text.startsWith('\n[secrets]\n'));
		assert.equal((await stat(files.secretsPath)).mode & 0o777, 0o640);
		const keys = ['avatar_salt', 'rabbitmq_password', 'shared_secret', 'camo_key', 'memcached_password', 'redis_password', 'secret_key', 'zulip_org_key', 'zulip_org_id', 'email_password'];
		const [answer] = rawConfigReadBatch([{text, get: keys.map(key => ['secrets', key] as const)}]);
		assert.ok(answer!.ok);
		const values = Object.fromEntries(keys.map((key, index) => [key, answer!.got[index]]));
		assert.equal(values.email_password, null, 'Zulip never writes email_password');
		const secretKey = values.secret_key!;
		assert.match(secretKey, /^[a-z0-9!@#$%^&*(\-_=+)]{50}$/);
		for (const character of '#%=') assert.ok(secretKey.includes(character), `secret_key holds ${character}`);
		assert.equal(text.match(/^secret_key = (.*)$/m)![1], secretKey, 'python reads the key exactly as written');
		for (const key of keys.slice(0, -1)) assert.ok(values[key], key);
	});

	test('secret keys always hold #, % and =', () => {
		for (let index = 0; index < 200; index++) {
			const key = sandboxSecretKey();
			assert.equal(key.length, 50);
			assert.ok(key.includes('#') && key.includes('%') && key.includes('='));
		}
	});

	test('the restart script prints restart-server lines and succeeds on a good settings.py', async () => {
		const files = await createSandboxFiles({dir: await scratch()});
		assert.equal((await stat(files.restartScript)).mode & 0o111, 0o111);
		const {stdout} = await run(files.restartScript, []);
		const lines = stdout.trimEnd().split('\n');
		assert.match(lines[0]!, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} restart-server: Running syntax and database checks$/);
		assert.equal(lines.at(-1), 'Zulip restarted successfully!');
	});

	test('the restart script refuses a broken settings.py like the real Django check', async () => {
		const files = await createSandboxFiles({dir: await scratch()});
		await writeFile(files.settingsPath, (await readFile(files.settingsPath, 'utf8')) + 'EMAIL_HOST = "unterminated\n');
		await assert.rejects(run(files.restartScript, []), (error: {code?: number; stdout?: string; stderr?: string}) => {
			assert.equal(error.code, 1);
			assert.match(`${error.stdout}${error.stderr}`, /SyntaxError/);
			assert.match(error.stdout!, /CalledProcessError/);
			assert.doesNotMatch(error.stdout!, /restarted successfully/);
			return true;
		});
		await writeFile(files.settingsPath, (await readFile(files.settingsPath, 'utf8')).replace(/EMAIL_HOST = "unterminated\n/, 'EMAIL_HOST = undefined_name\n'));
		await assert.rejects(run(files.restartScript, []), /NameError/);
	});

	test('--sandbox-dir never adopts a directory it did not make, and reuses one it did', async () => {
		const foreign = await scratch();
		await writeFile(join(foreign, 'settings.py'), 'REAL = True\n');
		await assert.rejects(createSandboxFiles({dir: foreign}), (error: {exitCode?: number; message: string}) => error.exitCode === 2 && /not made by --sandbox/.test(error.message));
		assert.equal(await readFile(join(foreign, 'settings.py'), 'utf8'), 'REAL = True\n');

		const kept = await scratch();
		const first = await createSandboxFiles({dir: kept});
		await writeFile(first.settingsPath, (await readFile(first.settingsPath, 'utf8')) + 'EMAIL_HOST = "kept.example.com"\n');
		const second = await createSandboxFiles({dir: kept});
		assert.equal(second.reused, true);
		assert.match(await readFile(second.settingsPath, 'utf8'), /kept\.example\.com/);
	});
});
