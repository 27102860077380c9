// After the setup: --check --no-send against a loopback server that records
// every command (RSET, QUIT, never DATA), --monitor nagios and prometheus
// (judged by promtool), --install-timer (judged by systemd-analyze verify).
import assert from 'node:assert/strict';
import {spawn} from 'node:child_process';
import {existsSync} from 'node:fs';
import {mkdtemp, readdir, readFile, rm} from 'node:fs/promises';
import net from 'node:net';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {after, before, describe, test} from 'node:test';
import {startDnsServer, type RunningDnsServer} from '../source/sandbox/dns-server.js';
import {sandboxZone, SANDBOX_DKIM_SELECTOR} from '../source/sandbox/dns-zone.js';
import {fakeServer, runCli} from './helpers/cli.js';
import {LOOPBACK, unusedPort} from './helpers/smtp-servers.js';

const DOMAIN = 'chat.example.org';
const GENERATOR = new URL('helpers/zulip-mail-log.py', import.meta.url).pathname;

/** An SMTP server that answers everything with success and records each command line: what a client did, exactly. */
interface RecordingServer {
	readonly port: number;
	readonly commands: string[];
	close(): Promise<void>;
}

async function startRecordingServer(greetAfterMs = 0): Promise<RecordingServer> {
	const commands: string[] = [];
	const sockets = new Set<net.Socket>();
	const server = net.createServer(socket => {
		sockets.add(socket);
		socket.on('close', () => sockets.delete(socket));
		socket.on('error', () => undefined);
		let buffer = '';
		let inData = false;
		const greet = () => socket.write('220 recorder.test ESMTP\r\n');
		if (greetAfterMs > 0) setTimeout(greet, greetAfterMs).unref();
		else greet();
		socket.on('data', chunk => {
			buffer += chunk.toString('latin1');
			let newline: number;
			while ((newline = buffer.indexOf('\r\n')) !== -1) {
				const line = buffer.slice(0, newline);
				buffer = buffer.slice(newline + 2);
				if (inData) {
					if (line === '.') {
						inData = false;
						socket.write('250 2.0.0 queued\r\n');
					}

					continue;
				}

				const verb = line.split(' ')[0]!.toUpperCase();
				commands.push(verb === 'MAIL' || verb === 'RCPT' ? line : verb);
				if (verb === 'EHLO') socket.write('250-recorder.test\r\n250 8BITMIME\r\n');
				else if (verb === 'DATA') {
					inData = true;
					socket.write('354 go ahead\r\n');
				} else if (verb === 'QUIT') socket.end('221 2.0.0 bye\r\n');
				else socket.write('250 2.0.0 ok\r\n');
			}
		});
	});
	await new Promise<void>(resolve => server.listen(0, LOOPBACK, resolve));
	return {
		port: (server.address() as net.AddressInfo).port,
		commands,
		close: async () => {
			for (const socket of sockets) socket.destroy();
			await new Promise<void>(resolve => server.close(() => resolve()));
		},
	};
}

let recorder: RecordingServer;
let dns: RunningDnsServer;
let server: Awaited<ReturnType<typeof fakeServer>>;
const temporary: string[] = [];
let dnsArgs: string[];

before(async () => {
	recorder = await startRecordingServer();
	dns = await startDnsServer({records: await sandboxZone(DOMAIN)});
	dnsArgs = ['--dns-server', dns.address, '--dkim-selector', SANDBOX_DKIM_SELECTOR];
	server = await fakeServer();
	temporary.push(server.dir);
	// A relay on this machine without login: plain SMTP, as Zulip's docs set up a local MTA.
	const setup = await runCli([...server.args, '--non-interactive', '--skip-test', '--provider', 'custom', '--host', LOOPBACK, '--port', String(recorder.port), '--security', 'none', '--username', '', '--no-tokens']);
	assert.equal(setup.code, 0, setup.stdout + setup.stderr);
});

after(async () => {
	await recorder.close();
	await dns.close();
	for (const dir of temporary) await rm(dir, {recursive: true, force: true});
});

async function cleanLogDir(): Promise<string> {
	const dir = await mkdtemp(path.join(tmpdir(), 'zes-monitor-logs-'));
	temporary.push(dir);
	// One good send an hour ago, written by Python's logging with Zulip's format.
	await new Promise<void>((resolve, reject) => {
		const child = spawn('python3', [GENERATOR], {stdio: ['pipe', 'inherit', 'inherit']});
		child.on('close', code => (code === 0 ? resolve() : reject(new Error(`generator exited ${code}`))));
		child.stdin.end(JSON.stringify({dir, sends: [{host: LOOPBACK, port: recorder.port, security: 'none', from: `noreply@${DOMAIN}`, to: `a@${DOMAIN}`, at: Date.now() / 1000 - 3600}]}));
	});
	return dir;
}

async function failingLogDir(): Promise<string> {
	const dir = await mkdtemp(path.join(tmpdir(), 'zes-monitor-logs-'));
	temporary.push(dir);
	const closed = await unusedPort();
	await new Promise<void>((resolve, reject) => {
		const child = spawn('python3', [GENERATOR], {stdio: ['pipe', 'inherit', 'inherit']});
		child.on('close', code => (code === 0 ? resolve() : reject(new Error(`generator exited ${code}`))));
		child.stdin.end(JSON.stringify({dir, sends: [{host: LOOPBACK, port: closed, security: 'none', from: `noreply@${DOMAIN}`, to: `a@${DOMAIN}`, at: Date.now() / 1000 - 600}]}));
	});
	return dir;
}

describe('--check --no-send', () => {
	test('every sender gets MAIL FROM and RCPT TO, then RSET and QUIT: the server never sees DATA, even with --to', async () => {
		recorder.commands.length = 0;
		const result = await runCli([...server.args, '--check', '--no-send', '--to', 'someone@elsewhere.example.net', '--json', ...dnsArgs]);
		assert.equal(result.code, 0, result.stdout + result.stderr);
		assert.ok(recorder.commands.includes('RSET'), recorder.commands.join(' '));
		assert.equal(recorder.commands.at(-1), 'QUIT');
		assert.ok(!recorder.commands.includes('DATA'), recorder.commands.join(' '));
		assert.ok(recorder.commands.includes('RCPT TO:<someone@elsewhere.example.net>'));
		assert.ok(recorder.commands.includes(`MAIL FROM:<admin@${DOMAIN}>`));
		assert.ok(recorder.commands.includes(`MAIL FROM:<noreply@${DOMAIN}>`));
		const report = JSON.parse(result.stdout) as {test: {ok: boolean; senders: Array<{sent?: boolean}>}};
		assert.equal(report.test.ok, true);
		assert.ok(report.test.senders.every(sender => !sender.sent));
	});

	test('the same check with --to and without --no-send does send: the recorder would see DATA', async () => {
		recorder.commands.length = 0;
		const result = await runCli([...server.args, '--check', '--to', 'someone@elsewhere.example.net', '--json', ...dnsArgs]);
		assert.equal(result.code, 0, result.stdout + result.stderr);
		assert.ok(recorder.commands.includes('DATA'));
	});

	test('--no-send without --check, or with --confirm-with-zulip, is a usage error', async () => {
		assert.equal((await runCli(['--no-send'])).code, 2);
		assert.equal((await runCli(['--check', '--no-send', '--confirm-with-zulip', '--to', 'a@b.example'])).code, 2);
	});
});

describe('--monitor nagios', () => {
	test('OK: one line with perfdata, exit 0', async () => {
		const logs = await cleanLogDir();
		const result = await runCli([...server.args, '--check', '--no-send', '--monitor', 'nagios', '--log-dir', logs, ...dnsArgs]);
		assert.equal(result.code, 0, result.stdout + result.stderr);
		assert.match(result.stdout, new RegExp(`^ZULIP EMAIL OK - 2 senders accepted by 127\\.0\\.0\\.1:${recorder.port} in \\d+\\.\\d\\ds \\| time=\\d+\\.\\d\\ds;;;0 senders=2;;;0 log_failures=0;;;0 log_attempts=1;;;0\\n$`));
	});

	test('WARNING when the log shows failures in the window, exit 1', async () => {
		const logs = await failingLogDir();
		const result = await runCli([...server.args, '--check', '--no-send', '--monitor', 'nagios', '--log-dir', logs, ...dnsArgs]);
		assert.equal(result.code, 1, result.stdout + result.stderr);
		assert.match(result.stdout, /^ZULIP EMAIL WARNING - 2 senders accepted .*; 1 failed send in the log \(connection-refused\) \| .*log_failures=1;;;0/);
		assert.equal(result.stdout.trim().split('\n').length, 1);
	});

	test('WARNING for deliverability problems: an empty DNS zone', async () => {
		const logs = await cleanLogDir();
		// runCli gives --check an empty loopback zone when no --dns-server is passed.
		const result = await runCli([...server.args, '--check', '--no-send', '--monitor', 'nagios', '--log-dir', logs]);
		assert.equal(result.code, 1, result.stdout + result.stderr);
		assert.match(result.stdout, /^ZULIP EMAIL WARNING - .*deliverability: .*spf-/);
	});

	test('WARNING for a slow step: a greeting after more than 5 s works in Zulip but is worth a word', async () => {
		const slow = await startRecordingServer(5500);
		const slowServer = await fakeServer();
		temporary.push(slowServer.dir);
		try {
			await runCli([...slowServer.args, '--non-interactive', '--skip-test', '--provider', 'custom', '--host', LOOPBACK, '--port', String(slow.port), '--security', 'none', '--username', '', '--no-tokens']);
			const logs = await cleanLogDir();
			const result = await runCli([...slowServer.args, '--check', '--no-send', '--monitor', 'nagios', '--log-dir', logs, ...dnsArgs]);
			assert.equal(result.code, 1, result.stdout + result.stderr);
			assert.match(result.stdout, /^ZULIP EMAIL WARNING - 2 senders accepted .*; .* took \d+\.\d s\./);
		} finally {
			await slow.close();
		}
	});

	test('CRITICAL when the check fails, exit 2', async () => {
		const broken = await fakeServer();
		temporary.push(broken.dir);
		const closed = await unusedPort();
		await runCli([...broken.args, '--non-interactive', '--skip-test', '--provider', 'custom', '--host', LOOPBACK, '--port', String(closed), '--security', 'none', '--username', '']);
		const logs = await cleanLogDir();
		const result = await runCli([...broken.args, '--check', '--no-send', '--monitor', 'nagios', '--log-dir', logs, ...dnsArgs]);
		assert.equal(result.code, 2, result.stdout + result.stderr);
		assert.match(result.stdout, /^ZULIP EMAIL CRITICAL - connection-refused: .* \| time=\S+s;;;0 senders=0;;;0/);
	});

	test('UNKNOWN when the configuration cannot be read, exit 3', async () => {
		const result = await runCli(['--settings', '/nonexistent/settings.py', '--secrets', '/nonexistent/zulip-secrets.conf', '--check', '--no-send', '--monitor', 'nagios', '--log-dir', '/nonexistent', ...dnsArgs]);
		assert.equal(result.code, 3, result.stdout + result.stderr);
		assert.match(result.stdout, /^ZULIP EMAIL UNKNOWN - /);
	});
});

describe('--monitor prometheus', () => {
	test('the textfile passes promtool check metrics, replaced atomically, with every metric of the issue', async t => {
		if (!existsSync('/usr/bin/promtool')) return t.skip('promtool is not installed (Debian package prometheus; .ci/run installs it)');
		const dir = await mkdtemp(path.join(tmpdir(), 'zes-textfile-'));
		temporary.push(dir);
		const file = path.join(dir, 'zulip_email.prom');
		const logs = await failingLogDir();
		for (let round = 0; round < 2; round++) {
			const result = await runCli([...server.args, '--check', '--no-send', '--monitor', 'prometheus', '--textfile', file, '--log-dir', logs, ...dnsArgs]);
			assert.equal(result.code, 0, result.stdout + result.stderr);
		}

		// Only the file itself: no temporary left beside it.
		assert.deepEqual(await readdir(dir), ['zulip_email.prom']);
		const text = await readFile(file, 'utf8');
		const checked = await new Promise<{code: number | null; output: string}>(resolve => {
			const child = spawn('promtool', ['check', 'metrics']);
			let output = '';
			child.stdout.on('data', chunk => (output += chunk));
			child.stderr.on('data', chunk => (output += chunk));
			child.on('close', code => resolve({code, output}));
			child.stdin.end(text);
		});
		assert.equal(checked.code, 0, checked.output + '\n' + text);
		assert.equal(checked.output.trim(), '', checked.output);
		assert.match(text, /^zulip_email_check_success 1$/m);
		assert.match(text, /^zulip_email_check_duration_seconds \d/m);
		assert.match(text, /^zulip_email_check_timestamp_seconds \d{10}$/m);
		assert.match(text, /^zulip_email_sender_accepted\{role="default"\} 1$/m);
		assert.match(text, /^zulip_email_sender_accepted\{role="noreply-plain"\} 1$/m);
		assert.match(text, /^zulip_email_deliverability_findings\{severity="error"\} 0$/m);
		assert.match(text, /^zulip_email_log_failures\{id="connection-refused"\} 1$/m);
	});

	test('a failing check writes success 0 and exits 1', async t => {
		if (!existsSync('/usr/bin/promtool')) return t.skip('promtool is not installed');
		const broken = await fakeServer();
		temporary.push(broken.dir);
		const closed = await unusedPort();
		await runCli([...broken.args, '--non-interactive', '--skip-test', '--provider', 'custom', '--host', LOOPBACK, '--port', String(closed), '--security', 'none', '--username', '']);
		const dir = await mkdtemp(path.join(tmpdir(), 'zes-textfile-'));
		temporary.push(dir);
		const file = path.join(dir, 'zulip_email.prom');
		const result = await runCli([...broken.args, '--check', '--no-send', '--monitor', 'prometheus', '--textfile', file, '--log-dir', await cleanLogDir(), ...dnsArgs]);
		assert.equal(result.code, 1, result.stdout + result.stderr);
		const text = await readFile(file, 'utf8');
		assert.match(text, /^zulip_email_check_success 0$/m);
		assert.match(text, /^zulip_email_sender_accepted\{role="default"\} 0$/m);
	});

	test('--monitor prometheus needs --textfile', async () => {
		const result = await runCli(['--check', '--monitor', 'prometheus']);
		assert.equal(result.code, 2);
		assert.match(result.stderr, /--textfile/);
	});
});

describe('--install-timer', () => {
	test('writes a hardened service and a daily timer that systemd-analyze verify accepts; --uninstall-timer removes them', async () => {
		const units = await mkdtemp(path.join(tmpdir(), 'zes-units-'));
		temporary.push(units);
		const textfile = path.join(units, 'zulip_email.prom');
		const result = await runCli([...server.args, '--install-timer', '--monitor', 'prometheus', '--textfile', textfile, '--unit-dir', units]);
		assert.equal(result.code, 0, result.stdout + result.stderr);
		assert.match(result.stdout, /Not enabled: systemd is not running|Not enabled \(the units are not in/);
		const service = await readFile(path.join(units, 'zulip-email-check.service'), 'utf8');
		const timer = await readFile(path.join(units, 'zulip-email-check.timer'), 'utf8');
		const exec = /^ExecStart=(.*)$/m.exec(service)![1]!;
		assert.ok(exec.startsWith(`${process.execPath} `), exec);
		assert.match(exec, /--check --no-send --monitor prometheus --textfile \S+zulip_email\.prom/);
		assert.match(exec, new RegExp(`--settings ${server.settings.replace(/\./g, '\\.')}`));
		for (const line of ['ProtectSystem=strict', 'NoNewPrivileges=yes', 'PrivateTmp=yes', `ReadWritePaths=${units}`]) assert.ok(service.includes(line), line);
		assert.match(timer, /^OnCalendar=daily$/m);
		assert.match(timer, /^RandomizedDelaySec=/m);
		// The command must exist for verify: run from source, argv[1] is the tsx'd cli.tsx.
		const verify = await new Promise<{code: number | null; output: string}>(resolve => {
			const child = spawn('systemd-analyze', ['verify', '--man=no', path.join(units, 'zulip-email-check.service'), path.join(units, 'zulip-email-check.timer')]);
			let output = '';
			child.stdout.on('data', chunk => (output += chunk));
			child.stderr.on('data', chunk => (output += chunk));
			child.on('close', code => resolve({code, output}));
		});
		assert.equal(verify.code, 0, verify.output);
		assert.doesNotMatch(verify.output, /zulip-email-check/, verify.output);

		const removed = await runCli(['--uninstall-timer', '--unit-dir', units]);
		assert.equal(removed.code, 0, removed.stdout + removed.stderr);
		assert.ok(!existsSync(path.join(units, 'zulip-email-check.service')));
		assert.ok(!existsSync(path.join(units, 'zulip-email-check.timer')));
	});

	test('in the sandbox the units go into the sandbox directory', async () => {
		const sandbox = await mkdtemp(path.join(tmpdir(), 'zes-sandbox-timer-'));
		temporary.push(sandbox);
		const result = await runCli(['--sandbox', '--sandbox-dir', sandbox, '--install-timer', '--monitor', 'nagios']);
		assert.equal(result.code, 0, result.stdout + result.stderr);
		assert.ok(existsSync(path.join(sandbox, 'systemd', 'zulip-email-check.service')));
		assert.ok(existsSync(path.join(sandbox, 'systemd', 'zulip-email-check.timer')));
		// The service checks the sandbox's files, never /etc/zulip.
		const service = await readFile(path.join(sandbox, 'systemd', 'zulip-email-check.service'), 'utf8');
		const exec = service.split('\n').find(line => line.startsWith('ExecStart='))!;
		assert.ok(exec.includes(`--settings ${path.join(sandbox, 'settings.py')}`), exec);
		assert.ok(exec.includes(`--secrets ${path.join(sandbox, 'zulip-secrets.conf')}`), exec);
		assert.ok(exec.includes(`--ca-file ${path.join(sandbox, 'relay-ca.pem')}`), exec);
	});

	test('--install-timer needs a monitor', async () => {
		const result = await runCli(['--install-timer', '--unit-dir', '/nonexistent']);
		assert.equal(result.code, 2);
		assert.match(result.stderr, /--monitor/);
	});
});
