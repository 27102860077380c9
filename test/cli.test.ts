import assert from 'node:assert/strict';
import {chmod, chown, readdir, readFile, writeFile} from 'node:fs/promises';
import path from 'node:path';
import {after, before, test} from 'node:test';
import {fakeServer, mailDirectory, runCli, snapshot} from './helpers/cli.js';
import {startDnsServer} from './helpers/dns-servers.js';
import {pyExecSettings, pyRawConfigRead} from './helpers/python.js';
import {startSmtpServer, startFilteredPort, type TestSmtpServer} from './helpers/smtp-servers.js';
import {createTestPki, type TestPki} from './helpers/tls.js';

const PASSWORD = 'Sup3r"s3cret#%;=pass';
let pki: TestPki;
let relay: TestSmtpServer;

before(async () => {
	pki = await createTestPki();
	relay = await startSmtpServer({tls: 'starttls', pki, users: {'postmaster@mg.example.org': PASSWORD}});
});

after(async () => {
	await relay.close();
	await pki.cleanup();
});

function noSecretIn(...outputs: string[]) {
	for (const output of outputs) {
		assert.ok(!output.includes(PASSWORD), 'the password leaked into output');
		assert.ok(!output.includes(Buffer.from(PASSWORD).toString('base64')), 'the password leaked in base64');
	}
}

test('non-interactive setup against a real relay: written, read back, tested, the three mails sent, exit 0', async () => {
	const server = await fakeServer();
	const result = await runCli([
		...server.args, '--non-interactive', '--json', '--provider', 'custom', '--host', relay.host, '--port', String(relay.port), '--security', 'starttls',
		'--username', 'postmaster@mg.example.org', '--password-stdin', '--ca-file', pki.caFile, '--to', 'admin@chat.example.org',
	], {stdin: PASSWORD + '\n'});
	noSecretIn(result.stdout, result.stderr);
	assert.equal(result.code, 0, result.stdout + result.stderr);
	const lines = result.stdout.trim().split('\n');
	assert.equal(lines.length, 1, 'exactly one JSON object on stdout');
	const report = JSON.parse(lines[0]!);
	assert.equal(report.ok, true);
	assert.equal(report.changed, true);
	assert.equal(report.files.length, 2);
	for (const file of report.files) {
		assert.equal(file.changed, true);
		assert.match(file.backup, /\.bak-/);
	}

	assert.equal(report.test.ok, true);
	assert.deepEqual(report.test.senders.map((sender: {role: string}) => sender.role), ['default', 'noreply-plain', 'noreply-tokenized']);
	assert.equal(report.test.senders[1].address, 'noreply@chat.example.org');
	assert.match(report.test.senders[2].address, /^noreply-[a-z2-7]{24}@chat\.example\.org$/);
	const subjects = relay.messages.slice(-3).map(message => message.subject);
	assert.deepEqual(subjects, ['Zulip email test', 'Zulip email test (sent the way Zulip sends invitations)', 'Zulip noreply email test']);
	const settings = await pyExecSettings(await readFile(server.settings, 'utf8'), ['EMAIL_HOST', 'EMAIL_PORT', 'EMAIL_USE_TLS']);
	assert.deepEqual(settings, {EMAIL_HOST: '127.0.0.1', EMAIL_PORT: relay.port, EMAIL_USE_TLS: true});
	assert.equal(await pyRawConfigRead(await readFile(server.secrets, 'utf8'), 'secrets', 'email_password'), PASSWORD);

	// The same answers again: nothing to write.
	const again = await runCli([...server.args, '--non-interactive', '--json', '--skip-test', '--provider', 'custom', '--host', relay.host, '--port', String(relay.port), '--username', 'postmaster@mg.example.org']);
	assert.equal(again.code, 0, again.stderr);
	const second = JSON.parse(again.stdout);
	assert.equal(second.changed, false);
	assert.ok(second.files.every((file: {backup: string | null}) => file.backup === null));
	assert.equal((await readdir(server.dir)).filter(name => name.includes('.bak-')).length, 2);
});

test('--check tests what is on disk, changes nothing, and exits 1 with a diagnosis on a filtered port', async () => {
	const server = await fakeServer();
	const filtered = await startFilteredPort();
	// --check also checks the From domains' DNS: on loopback only, never the system's resolver.
	const dns = await startDnsServer({records: {'chat.example.org': [{type: 'TXT', text: 'v=spf1 ip4:192.0.2.1 -all'}, {type: 'MX', priority: 10, exchange: 'mx.example.org'}]}});
	try {
		const setup = await runCli([...server.args, '--non-interactive', '--skip-test', '--provider', 'custom', '--host', '127.0.0.1', '--port', String(filtered.port), '--username', 'u@example.org'], {env: {ZULIP_EMAIL_PASSWORD: PASSWORD}});
		assert.equal(setup.code, 0, setup.stderr);
		const before = await snapshot(server);
		// How long the verdict takes is a figure of `npm run bench` (smtp: filtered port), not a pass mark.
		const check = await runCli([...server.args, '--check', '--json', '--timeout', '1', '--dns-server', dns.address]);
		assert.equal(check.code, 1, check.stdout + check.stderr);
		const report = JSON.parse(check.stdout);
		assert.equal(report.test.ok, false);
		assert.equal(report.test.diagnosis.id, 'connection-timeout');
		assert.match(report.test.diagnosis.fix, /EMAIL_PORT|--port/);
		// The DNS findings come along; only the live test decides --check's exit code.
		assert.deepEqual(report.deliverability.findings.map((item: {id: string}) => item.id).sort(), ['dkim-unchecked', 'dmarc-missing', 'mx-ok', 'spf-ok']);
		assert.equal(await snapshot(server), before);
		noSecretIn(check.stdout, check.stderr, setup.stdout, setup.stderr);
	} finally {
		await filtered.close();
		await dns.close();
	}
});

test('--dry-run prints the diff with the password masked and writes nothing', async () => {
	const server = await fakeServer();
	const before = await snapshot(server);
	const result = await runCli([...server.args, '--non-interactive', '--dry-run', '--provider', 'mailgun', '--username', 'postmaster@mg.example.org', '--password-stdin'], {stdin: PASSWORD});
	assert.equal(result.code, 0, result.stderr);
	assert.match(result.stdout, /^\+EMAIL_HOST = "smtp\.mailgun\.org"$/m);
	assert.match(result.stdout, /^\+email_password = \*{8} \(new\)$/m);
	noSecretIn(result.stdout, result.stderr);
	assert.equal(await snapshot(server), before);
	assert.deepEqual((await readdir(server.dir)).sort(), ['settings.py', 'zulip-secrets.conf']);
});

test('a missing answer exits 2 and names the flag', async () => {
	const server = await fakeServer();
	const cases: Array<[string[], RegExp]> = [
		[['--non-interactive'], /--provider/],
		[['--non-interactive', '--provider', 'mailgun'], /--username/],
		[['--non-interactive', '--provider', 'mailgun', '--username', 'u@example.org'], /--password-file/],
		[['--non-interactive', '--provider', 'ses', '--username', 'AKIA', '--keep-password'], /--region/],
		[['--non-interactive', '--provider', 'custom', '--username', ''], /--host/],
		[['--non-interactive', '--provider', 'pigeon'], /--provider/],
		// An unknown region says so (it used to surface as a missing --host).
		[['--non-interactive', '--provider', 'ses', '--region', 'mars-north', '--username', 'AKIA', '--keep-password'], /Unknown region "mars-north".*eu-south-1/s],
	];
	for (const [args, flag] of cases) {
		const result = await runCli([...server.args, ...args]);
		assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
		assert.match(result.stderr, flag, args.join(' '));
	}
});

test('no login for a provider that always needs one is refused, as the wizard refuses it', async () => {
	const server = await fakeServer();
	const before = await snapshot(server);
	const result = await runCli([...server.args, '--non-interactive', '--skip-test', '--provider', 'mailgun', '--username', ''], {env: {ZULIP_EMAIL_PASSWORD: 'unused'}});
	assert.equal(result.code, 2, result.stderr);
	assert.match(result.stderr, /^Error: Mailgun needs a username: the SMTP login/m);
	assert.match(result.stderr, /^Fix: Pass --username USER/m);
	assert.equal(await snapshot(server), before);
	// A relay of one's own may accept mail without a login.
	const custom = await runCli([...server.args, '--non-interactive', '--skip-test', '--provider', 'custom', '--host', 'relay.example.com', '--username', '']);
	assert.equal(custom.code, 0, custom.stderr);
});

test('hostile input is refused with exit 2 and both files unchanged', async () => {
	const server = await fakeServer();
	const before = await snapshot(server);
	const base = [...server.args, '--non-interactive', '--skip-test'];
	const smtp = (...more: string[]) => [...base, '--provider', 'custom', '--username', '', ...more];
	const cases: string[][] = [
		smtp('--host', 'smtp.example.com"\nEMAIL_BACKEND = "x'),
		smtp('--host', "smtp.example.com'"),
		smtp('--host', 'a\\b.example.com'),
		smtp('--host', 'x'.repeat(300) + '.com'),
		smtp('--host', '-bad-.example.com'),
		smtp('--host', 'smtp.example.com', '--port', '0'),
		smtp('--host', 'smtp.example.com', '--port', '65536'),
		smtp('--host', 'smtp.example.com', '--port', '25x'),
		smtp('--host', 'smtp.example.com', '--security', 'maybe'),
		smtp('--host', 'smtp.example.com', '--noreply', 'no"reply@example.com'),
		smtp('--host', 'smtp.example.com', '--noreply', 'noreply'),
		smtp('--host', 'smtp.example.com', '--noreply', 'a@"""'),
		smtp('--host', 'smtp.example.com', '--noreply', 'noreply@example.com\nX = 1'),
		[...base, '--provider', 'mailgun', '--username', 'user\nEMAIL_BACKEND = "x"', '--keep-password'],
		[...base, '--provider', 'file', '--file-path', 'relative/dir'],
		[...base, '--provider', 'file', '--file-path', '/var/log/"""\n'],
		[...base, '--provider', 'mailgun', '--username', 'u@example.org', '--password', 'hunter2'],
		[...base, '--timeout', '-1', '--provider', 'local'],
	];
	for (const args of cases) {
		const result = await runCli(args);
		assert.equal(result.code, 2, `${JSON.stringify(args.slice(base.length))}: ${result.stdout} ${result.stderr}`);
		assert.match(result.stderr, /^Error: /m);
	}

	const passwords = [' leading space', 'trailing space ', 'new\nline', 'bell\u0007'];
	for (const password of passwords) {
		const result = await runCli([...base, '--provider', 'mailgun', '--username', 'u@example.org'], {env: {ZULIP_EMAIL_PASSWORD: password}});
		assert.equal(result.code, 2, JSON.stringify(password));
		assert.ok(!result.stderr.includes(password.trim()), 'the refused password is not echoed');
	}

	assert.equal(await snapshot(server), before);
	assert.deepEqual((await readdir(server.dir)).sort(), ['settings.py', 'zulip-secrets.conf']);
});

test('a broken secrets file (duplicate key) is an error 3, not a write', async () => {
	const server = await fakeServer('zulip-2024.py', 'broken-duplicate-key.conf');
	const before = await snapshot(server);
	const result = await runCli([...server.args, '--non-interactive', '--json', '--provider', 'local', '--skip-test']);
	assert.equal(result.code, 3);
	const report = JSON.parse(result.stdout);
	assert.equal(report.ok, false);
	assert.match(report.error.message, /duplicate|twice/i);
	assert.equal(await snapshot(server), before);
});

test('no permission to write is found before anything else, with the fix', {skip: process.getuid?.() !== 0 && 'needs root to drop to nobody'}, async () => {
	const server = await fakeServer();
	await chmod(server.dir, 0o755);
	await chown(server.secrets, 0, 0);
	const result = await runCli([...server.args, '--non-interactive', '--provider', 'local', '--skip-test'], {uid: 65_534, gid: 65_534});
	assert.equal(result.code, 3, result.stderr);
	assert.match(result.stderr, /sudo/);
});

test('without a terminal and without --non-interactive: exit 2 naming the flag', async () => {
	const server = await fakeServer();
	const result = await runCli(server.args);
	assert.equal(result.code, 2);
	assert.match(result.stderr, /--non-interactive/);
});

test('file backend: EMAIL_FILE_PATH written and both test messages land there', async () => {
	const server = await fakeServer();
	const mails = await mailDirectory();
	const result = await runCli([...server.args, '--non-interactive', '--json', '--provider', 'file', '--file-path', mails, '--to', 'admin@chat.example.org']);
	assert.equal(result.code, 0, result.stdout + result.stderr);
	const report = JSON.parse(result.stdout);
	assert.equal(report.test.ok, true);
	const files = await readdir(mails);
	assert.ok(files.length >= 1);
	const content = (await Promise.all(files.map(file => readFile(path.join(mails, file), 'utf8')))).join('\n');
	assert.match(content, /Subject: Zulip email test/);
	assert.match(content, /Subject: Zulip noreply email test/);
});

test('restart: runs the command after a good test; a failing command is exit 4 with its output', async () => {
	const server = await fakeServer();
	const script = path.join(server.dir, 'restart-server');
	await writeFile(script, '#!/bin/sh\necho "$(date) restart-server: Restarting"\necho "Zulip restarted successfully!"\n', {mode: 0o755});
	const mails = await mailDirectory();
	const good = await runCli([...server.args, '--non-interactive', '--json', '--provider', 'file', '--file-path', mails, '--restart', '--restart-command', script]);
	assert.equal(good.code, 0, good.stdout + good.stderr);
	assert.equal(JSON.parse(good.stdout).restart.confirmed, true);
	await writeFile(script, '#!/bin/sh\necho "Must be run as user \'zulip\'." >&2\nexit 1\n', {mode: 0o755});
	const bad = await runCli([...server.args, '--non-interactive', '--provider', 'file', '--file-path', mails, '--restart', '--restart-command', script]);
	assert.equal(bad.code, 4);
	assert.match(bad.stdout, /Must be run as user 'zulip'/);
});

test('--region takes every SES SMTP region, also one newer than the list, and writes its host', async () => {
	const server = await fakeServer();
	for (const region of ['eu-south-1', 'il-central-1', 'eu-south-2']) {
		const result = await runCli([...server.args, '--non-interactive', '--dry-run', '--provider', 'ses', '--region', region, '--username', 'AKIAEXAMPLE'], {env: {ZULIP_EMAIL_PASSWORD: 'ses-smtp-password'}});
		assert.equal(result.code, 0, result.stderr);
		assert.match(result.stdout, new RegExp(`^\\+EMAIL_HOST = "email-smtp\\.${region}\\.amazonaws\\.com"$`, 'm'));
	}
});

test('a mistyped flag suggests the nearest one; a word that is no flag gets the help', async () => {
	const typo = await runCli(['--provdier', 'mailgun']);
	assert.equal(typo.code, 2);
	assert.match(typo.stderr, /Unknown option '--provdier'/);
	assert.match(typo.stderr, /Did you mean --provider\?/);
	assert.match((await runCli(['--non-interactve'])).stderr, /Did you mean --non-interactive\?/);
	assert.match((await runCli(['--sandbox-dri', 'x'])).stderr, /Did you mean --sandbox-dir\?/);
	const far = await runCli(['--frobnicate']);
	assert.equal(far.code, 2);
	assert.doesNotMatch(far.stderr, /Did you mean/);
	assert.match(far.stderr, /--help/);
});

test('a password without TLS to another machine needs --allow-plaintext-password; loopback does not', async () => {
	const server = await fakeServer();
	const base = [...server.args, '--non-interactive', '--dry-run', '--provider', 'custom', '--port', '25', '--security', 'none', '--username', 'zulip'];
	const env = {ZULIP_EMAIL_PASSWORD: 'relay-password'};
	const refused = await runCli([...base, '--host', 'relay.example.com'], {env});
	assert.equal(refused.code, 2, refused.stderr);
	assert.match(refused.stderr, /Without TLS the password for zulip crosses the network to relay\.example\.com/);
	assert.match(refused.stderr, /--allow-plaintext-password/);
	assert.equal((await runCli([...base, '--host', 'relay.example.com', '--allow-plaintext-password'], {env})).code, 0);
	assert.equal((await runCli([...base, '--host', '127.0.0.1'], {env})).code, 0, 'a relay on this machine (or a tunnel) is fine');
});
