/**
 * Issue 9 "Privilege and secrets": what runs as whom, and what a child sees.
 * Run as root (the test machine is root): the uid switch is real.
 */
import assert from 'node:assert/strict';
import {chmod, chown, mkdtemp, readFile, stat, writeFile} from 'node:fs/promises';
import {spawnSync} from 'node:child_process';
import {existsSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {describe, test} from 'node:test';
import {evaluateSettings} from '../source/zulip/python-eval.js';
import {pythonIdentity} from '../source/zulip/python-runner.js';
import {fakeServer, runCli, snapshot} from './helpers/cli.js';
import {startDnsServer} from './helpers/dns-servers.js';
import {runLiveTest, startRawServer, startSmtpServer} from './helpers/smtp-servers.js';

const isRoot = process.geteuid?.() === 0;
const needsRoot = !isRoot && 'needs root to own files as nobody and to switch uid';
const NOBODY = 65_534;

/** A settings.py line that reports who runs it, what it sees, then evaluates to an address. */
function probeLine(out: string): string {
	return [
		'import json as _json, os as _os',
		'def _probe():',
		'    _os.system("id -u > ' + out + '.id")',
		'    with open(' + JSON.stringify(out) + ', "w") as f:',
		'        f.write(_json.dumps({"uid": _os.getuid(), "euid": _os.geteuid(), "gid": _os.getgid(), "groups": _os.getgroups(),',
		'            "env": sorted(_os.environ), "password": _os.environ.get("ZULIP_EMAIL_PASSWORD"), "stdin": _os.readlink("/proc/self/fd/0")}))',
		'    return True',
		'ZULIP_ADMINISTRATOR = "a@" + ("x" if _probe() else "b") + ".example.org"',
		'',
	].join('\n');
}

async function outputDirectory(): Promise<string> {
	const dir = await mkdtemp(path.join(tmpdir(), 'zes-probe-'));
	// Whoever python3 runs as may write here; the test then reads what it saw.
	await chmod(dir, 0o777);
	return dir;
}

describe('python3 runs settings.py with its owner\'s rights, never root\'s', () => {
	test('a nobody-owned settings.py runs as nobody, without the password, sudo\'s variables or stdin (--dry-run)', {skip: needsRoot}, async () => {
		const server = await fakeServer();
		const out = path.join(await outputDirectory(), 'seen.json');
		const original = await readFile(server.settings, 'utf8');
		await writeFile(server.settings, original + '\n' + probeLine(out));
		await chown(server.settings, NOBODY, NOBODY);
		const result = await runCli([...server.args, '--non-interactive', '--json', '--dry-run', '--provider', 'local'], {
			env: {ZULIP_EMAIL_PASSWORD: 'canary-password-9', SUDO_USER: 'alice', SUDO_UID: '1000', SUDO_COMMAND: '/usr/bin/zulip-email-setup'},
		});
		assert.equal(result.code, 0, result.stdout + result.stderr);
		const seen = JSON.parse(await readFile(out, 'utf8')) as {uid: number; euid: number; gid: number; groups: number[]; env: string[]; password: string | null; stdin: string};
		assert.equal(seen.uid, NOBODY);
		assert.equal(seen.euid, NOBODY);
		assert.equal(seen.gid, NOBODY);
		assert.deepEqual(seen.groups.filter(group => group !== NOBODY), [], 'root\'s supplementary groups are dropped');
		assert.equal((await readFile(out + '.id', 'utf8')).trim(), String(NOBODY), 'a shell the code starts is nobody too');
		assert.equal(seen.password, null);
		assert.deepEqual(seen.env.filter(name => /PASSWORD|^SUDO_/.test(name)), []);
		assert.equal(seen.stdin, '/dev/null');
		// The value was read all the same.
		assert.doesNotMatch(result.stdout, /could not be read/);
	});

	test('a root-owned settings.py is not run by a user who is neither root nor its owner; the warning names the setting and why', {skip: needsRoot}, async () => {
		const server = await fakeServer();
		await chmod(server.dir, 0o755);
		await chmod(server.secrets, 0o644);
		const outDir = await outputDirectory();
		const out = path.join(outDir, 'seen.json');
		await writeFile(server.settings, (await readFile(server.settings, 'utf8')) + '\n' + probeLine(out));
		assert.equal((await stat(server.settings)).uid, 0);
		// --check also asks DNS about the From domains: a loopback server, never the system's resolver.
		const dns = await startDnsServer({records: {}});
		const result = await runCli([...server.args, '--check', '--json', '--dns-server', dns.address], {uid: NOBODY, gid: NOBODY}).finally(() => dns.close());
		const report = JSON.parse(result.stdout) as {warnings: string[]};
		assert.equal(existsSync(out), false, 'root\'s code was run by nobody');
		assert.equal(existsSync(out + '.id'), false);
		const warning = report.warnings.find(text => text.startsWith('ZULIP_ADMINISTRATOR is a Python expression'));
		assert.ok(warning, JSON.stringify(report.warnings));
		assert.match(warning, /could not be read: settings\.py belongs to root, and running as nobody this tool cannot run its code as root/);
		assert.match(warning, /Run zulip-email-setup as root/);
	});

	test('a settings.py others may write is not run, even by root', {skip: needsRoot}, async () => {
		const dir = await outputDirectory();
		const out = path.join(dir, 'seen.json');
		const file = path.join(dir, 'settings.py');
		await writeFile(file, probeLine(out), {mode: 0o664});
		await chmod(file, 0o664);
		await chown(file, NOBODY, NOBODY);
		const owner = await stat(file);
		await assert.rejects(evaluateSettings(await readFile(file, 'utf8'), ['ZULIP_ADMINISTRATOR'], {owner}), /writable by its whole group \(mode 0664\)/);
		assert.equal(existsSync(out), false);
	});

	test('who runs what: the decision table', () => {
		const nobodyFile = {uid: NOBODY, gid: 0, mode: 0o100644};
		assert.deepEqual(pythonIdentity(nobodyFile, {uid: 0}), {run: true, uid: NOBODY, gid: NOBODY, who: 'nobody'}, 'the owner\'s primary group, not the file\'s group 0');
		assert.deepEqual(pythonIdentity({uid: 0, gid: 0, mode: 0o100644}, {uid: 0}), {run: true, who: 'root'});
		assert.equal(pythonIdentity({uid: 0, gid: 0, mode: 0o100646}, {uid: 0}).run, false);
		assert.equal(pythonIdentity({uid: 0, gid: 0, mode: 0o100644}, {uid: NOBODY}).run, false);
		assert.deepEqual(pythonIdentity(nobodyFile, {uid: NOBODY}), {run: true, who: 'nobody'});
	});

	test('code that never ends is stopped at the deadline', async () => {
		await assert.rejects(evaluateSettings('while True:\n    pass\n', ['X'], {timeoutMs: 300}), /did not finish running settings\.py within 0\.3 seconds/);
	});
});

describe('the password never reaches a child, and a mask never gives it away', () => {
	test('the restart command gets no ZULIP_EMAIL_PASSWORD, and its output is masked with control characters made visible', async () => {
		const server = await fakeServer();
		const password = 'restart-canary-77';
		const script = path.join(server.dir, 'restart-server');
		await writeFile(script, [
			'#!/bin/sh',
			'echo "env password: [${ZULIP_EMAIL_PASSWORD}]"',
			`echo "checking settings: email_password=${password}"`,
			'printf "\\033]0;owned\\007\\033[2J cleared\\n"',
			'echo "Zulip restarted successfully!"',
			'',
		].join('\n'), {mode: 0o755});
		const result = await runCli([...server.args, '--non-interactive', '--provider', 'custom', '--host', '127.0.0.1', '--port', '2525', '--security', 'none',
			'--username', 'alice', '--skip-test', '--restart', '--restart-command', script], {env: {ZULIP_EMAIL_PASSWORD: password}});
		assert.equal(result.code, 0, result.stdout + result.stderr);
		assert.match(result.stdout, /env password: \[\]/);
		assert.match(result.stdout, /email_password=\*{4}/);
		assert.ok(!result.stdout.includes(password) && !result.stderr.includes(password));
		assert.ok(!result.stdout.includes('\u001b'), 'no escape sequence reaches the terminal');
		assert.match(result.stdout, /\\x1b\]0;owned\\x07\\x1b\[2J cleared/);
	});

	test('a password equal to the port: the tool\'s own text keeps the port, nothing is masked into a hint', async () => {
		const server = await startSmtpServer({tls: 'plain', allowInsecureAuth: true, users: {alice: 'other'}, rejectAuth: () => '535 5.7.8 Authentication credentials invalid'});
		try {
			const password = String(server.port);
			const run = await runLiveTest({settings: {host: server.host, port: server.port, security: 'none', user: 'alice', password}, senders: [{role: 'default', address: 'admin@example.org'}], timeoutMs: 5000, probe: false});
			assert.equal(run.report.diagnosis?.id, 'auth-failed');
			assert.ok(!run.everything.includes(':****'), 'the mask tells the password is the port');
			assert.ok(run.events.some(event => event.label === `connect 127.0.0.1:${server.port}`));
		} finally {
			await server.close();
		}
	});

	test('a 2-character password echoed by the server is masked, and its escape sequences are made visible', async () => {
		const password = 'Zq';
		const raw = await startRawServer(socket => {
			socket.write('220 mx.test.invalid ESMTP \u001b]0;pwned\u0007\r\n');
			socket.setEncoding('utf8');
			socket.on('data', (data: string) => {
				if (/^EHLO/i.test(data)) socket.write('250-mx.test.invalid\r\n250 AUTH PLAIN\r\n');
				else if (/^AUTH/i.test(data)) socket.write(`535 5.7.8 password "${password}" is wrong\u001b[2J\r\n`);
				else if (/^QUIT/i.test(data)) socket.end('221 bye\r\n');
				else socket.write('500 what\r\n');
			});
		});
		try {
			const run = await runLiveTest({settings: {host: raw.host, port: raw.port, security: 'none', user: 'alice', password}, senders: [{role: 'default', address: 'admin@example.org'}], timeoutMs: 5000, probe: false});
			const diagnosis = run.report.diagnosis!;
			assert.equal(diagnosis.id, 'auth-failed');
			assert.match(diagnosis.detail ?? '', /password "\*{4}" is wrong\\x1b\[2J/);
			assert.ok(!JSON.stringify(run.report).includes(`"${password}"`));
			assert.ok(!run.transcript.includes(`"${password}"`));
			assert.ok(!run.everything.includes('\u001b'), 'no raw ESC anywhere');
		} finally {
			await raw.close();
		}
	});

	test('EMAIL_HOST_PASSWORD in settings.py is hidden in the --dry-run diff and JSON', async () => {
		const server = await fakeServer();
		const text = await readFile(server.settings, 'utf8');
		const secret = 'settings-py-secret-42';
		await writeFile(server.settings, text.replace(/^#? ?EMAIL_HOST_USER = .*$/m, line => `${line}\nEMAIL_HOST_PASSWORD = "${secret}"`));
		assert.ok((await readFile(server.settings, 'utf8')).includes(secret));
		const result = await runCli([...server.args, '--non-interactive', '--json', '--dry-run', '--provider', 'local']);
		assert.equal(result.code, 0, result.stdout + result.stderr);
		const report = JSON.parse(result.stdout) as {diff: string};
		assert.match(report.diff, /EMAIL_HOST_PASSWORD = \(hidden\)/);
		assert.ok(!result.stdout.includes(secret));
		const human = await runCli([...server.args, '--non-interactive', '--dry-run', '--provider', 'local']);
		assert.ok(!human.stdout.includes(secret));
	});
});

describe('error advice that fits', () => {
	test('running as nobody, files of nobody in a root-owned directory: the fix never says sudo -u nobody', {skip: !isRoot && 'needs root to drop to nobody'}, async () => {
		const server = await fakeServer();
		await chmod(server.dir, 0o755);
		await chown(server.settings, NOBODY, NOBODY);
		await chown(server.secrets, NOBODY, NOBODY);
		const result = await runCli([...server.args, '--non-interactive', '--skip-test', '--provider', 'local'], {uid: NOBODY, gid: NOBODY});
		assert.equal(result.code, 3, result.stdout + result.stderr);
		assert.match(result.stderr, /cannot create files in/);
		assert.doesNotMatch(result.stderr, /sudo -u nobody/);
		assert.match(result.stderr, /^Fix: Run it as root \(sudo zulip-email-setup\)\.$/m);
	});

	test('an immutable settings.py: the fix is the attribute, not "run as root"', {skip: !isRoot && 'needs root for chattr'}, async (t) => {
		const server = await fakeServer();
		const before = await snapshot(server);
		const chattr = spawnSync('chattr', ['+i', server.settings]);
		if (chattr.status !== 0) {
			t.skip(`chattr +i is not supported here: ${chattr.stderr}`);
			return;
		}

		try {
			const result = await runCli([...server.args, '--non-interactive', '--skip-test', '--provider', 'local']);
			assert.equal(result.code, 3, result.stdout + result.stderr);
			assert.match(result.stderr, /immutable or append-only/);
			assert.match(result.stderr, /chattr -i /);
			assert.doesNotMatch(result.stderr, /Run it as root|sudo/);
		} finally {
			spawnSync('chattr', ['-i', server.settings]);
		}

		assert.equal(await snapshot(server), before);
	});
});

describe('text from DNS', () => {
	test('a TXT record with escape sequences is shown with them made visible, in --check-dns and its JSON', async () => {
		const server = await fakeServer();
		const dns = await startDnsServer({records: {'chat.example.org': [{type: 'TXT', text: 'v=spf1 ip4:192.0.2.1 \u001b]0;owned\u0007\u001b[2J ~all'}, {type: 'TXT', text: 'v=spf1 -all'}]}});
		try {
			for (const json of [true, false]) {
				const result = await runCli([...server.args, '--check-dns', '--dns-server', dns.address, ...(json ? ['--json'] : [])]);
				assert.ok(!result.stdout.includes('\u001b') && !result.stderr.includes('\u001b'), 'a raw ESC reached the output');
				assert.match(result.stdout, /\\\\?x1b\]0;owned\\\\?x07/);
			}
		} finally {
			await dns.close();
		}
	});
});
