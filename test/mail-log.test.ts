// --logs: Zulip's send_email.log and errors.log as Python's logging writes
// them (test/helpers/zulip-mail-log.py, Zulip's format strings), from real
// smtplib sends against servers on 127.0.0.1: every failure is what smtplib
// really raised, never a hand-typed line.
import assert from 'node:assert/strict';
import {spawn} from 'node:child_process';
import {mkdir, mkdtemp, readFile, rename, rm, symlink, utimes, writeFile, appendFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {Readable} from 'node:stream';
import {after, before, describe, test} from 'node:test';
import {gzipSync} from 'node:zlib';
import {execFileSync} from 'node:child_process';
import {boundedLines} from '../source/logs/line-reader.js';
import {classifyLogFailure} from '../source/logs/mail-log-classify.js';
import {readMailLog} from '../source/logs/mail-log.js';
import {runCli} from './helpers/cli.js';
import {LOOPBACK, startFilteredPort, startSmtpServer, unusedPort, type FilteredPort, type TestSmtpServer} from './helpers/smtp-servers.js';
import {createTestPki, type TestPki} from './helpers/tls.js';

const GENERATOR = new URL('helpers/zulip-mail-log.py', import.meta.url).pathname;
const DAY = 86_400;
const now = Math.floor(Date.now() / 1000);
const env = {TZ: 'UTC'};

interface Send {
	to: string;
	from?: string;
	template?: string;
	realm?: string;
	host?: string;
	port: number;
	security?: 'starttls' | 'ssl' | 'none';
	user?: string;
	password?: string;
	body?: string;
	at: number;
	style?: 'current' | 'old';
	cafile?: string;
	timeout?: number;
	raise?: string;
}

/** Run the generator: Python's logging writes dir/send_email.log and dir/errors.log. */
async function writeLogs(dir: string, sends: readonly Send[]): Promise<void> {
	const plan = {dir, sends: sends.map(send => ({host: LOOPBACK, security: 'none', from: 'noreply@zulip.example.com', ...send}))};
	await new Promise<void>((resolve, reject) => {
		const child = spawn('python3', [GENERATOR], {env: {...process.env, ...env}, stdio: ['pipe', 'inherit', 'pipe']});
		let stderr = '';
		child.stderr.setEncoding('utf8').on('data', chunk => (stderr += chunk));
		child.on('error', reject);
		child.on('close', code => (code === 0 ? resolve() : reject(new Error(`generator exited ${code}: ${stderr}`))));
		child.stdin.end(JSON.stringify(plan));
	});
}

let pki: TestPki;
let relay: TestSmtpServer;
let tlsRelay: TestSmtpServer;
let filtered: FilteredPort;
let closedPort: number;
let logDir: string;
const temporary: string[] = [];

before(async () => {
	pki = await createTestPki();
	relay = await startSmtpServer({
		tls: 'plain',
		users: {'zulip@relay.example.com': 'right-password'},
		allowInsecureAuth: true,
		greetingDelay: false,
		rejectSender: address => (address.startsWith('blocked') ? '553 5.7.1 <' + address + '>: Sender address rejected: not owned by user zulip@relay.example.com' : undefined),
		rejectRecipient: address => {
			if (address.startsWith('nobody')) return `550 5.1.1 <${address}>: Recipient address rejected: User unknown in virtual mailbox table`;
			if (address.startsWith('many')) return '452 4.5.3 Daily sending quota exceeded for this account';
			if (address.startsWith('evil')) return '550 5.1.1 \u001b]0;owned\u0007\u001b[2J not here';
			return undefined;
		},
		rejectData: message => {
			if (message.data.includes('BUY-NOW')) return '554 5.7.1 Message rejected as spam by content filter';
			if (message.data.includes('HUGE-ATTACHMENT')) return '552 5.3.4 Message size exceeds fixed limit';
			return undefined;
		},
	});
	tlsRelay = await startSmtpServer({tls: 'ssl', pki, greetingDelay: false});
	filtered = await startFilteredPort();
	closedPort = await unusedPort();
	logDir = await mkdtemp(path.join(tmpdir(), 'zes-mail-log-'));
	temporary.push(logDir);

	const login = {user: 'zulip@relay.example.com', password: 'right-password', port: relay.port};
	// Five days ago, rotated twice: ends up as send_email.log.2.gz.
	const older = path.join(logDir, 'older');
	await mkdir(older);
	await writeLogs(older, [
		{...login, to: 'Iago <iago@zulip.example.com>', at: now - 5 * DAY},
		{...login, to: 'hamlet@customer.example.net', at: now - 5 * DAY + 60, password: 'wrong-password'},
	]);
	// Yesterday: send_email.log.1, as logrotate's delaycompress leaves it.
	const yesterday = path.join(logDir, 'yesterday');
	await mkdir(yesterday);
	await writeLogs(yesterday, [
		{...login, to: 'cordelia@zulip.example.com', at: now - DAY},
		{...login, to: 'many@zulip.example.com', at: now - DAY + 10},
		{...login, to: 'many2@zulip.example.com', at: now - DAY + 20},
		{...login, from: 'blocked-noreply@zulip.example.com', to: 'othello@zulip.example.com', at: now - DAY + 30},
	]);
	// Ten days ago: outside a 7-day window, in a file whose mtime says so too.
	const ancient = path.join(logDir, 'ancient');
	await mkdir(ancient);
	await writeLogs(ancient, [{...login, to: 'prospero@zulip.example.com', at: now - 10 * DAY, password: 'wrong-password'}]);
	// Today: the current files.
	await writeLogs(logDir, [
		{...login, to: 'King Lear <lear@zulip.example.com>', realm: 'zulip', at: now - 3600},
		{...login, to: 'nobody@gone.example.org', at: now - 3500},
		{...login, to: 'spam-target@zulip.example.com', body: 'BUY-NOW', at: now - 3400},
		{...login, to: 'big@zulip.example.com', body: 'HUGE-ATTACHMENT', at: now - 3300},
		{...login, to: 'evil@zulip.example.com', at: now - 3200},
		{to: 'a@zulip.example.com', port: closedPort, at: now - 3100},
		{to: 'b@zulip.example.com', port: filtered.port, timeout: 1, at: now - 3000},
		{to: 'c@zulip.example.com', port: tlsRelay.port, security: 'ssl', at: now - 2900},
		{to: 'e@zulip.example.com', port: relay.port, raise: '\u001b]0;owned\u0007\u001b[2J proxy said no', at: now - 2850},
		// An older release: send_email.log says only "Sending"; the traceback is in errors.log.
		{...login, password: 'wrong-password', to: 'd@zulip.example.com', style: 'old', at: now - 2800},
	]);
	await rename(path.join(yesterday, 'send_email.log'), path.join(logDir, 'send_email.log.1'));
	await rename(path.join(yesterday, 'errors.log'), path.join(logDir, 'errors.log.1'));
	await writeFile(path.join(logDir, 'send_email.log.2.gz'), gzipSync(await readFile(path.join(older, 'send_email.log'))));
	await writeFile(path.join(logDir, 'send_email.log.3.gz'), gzipSync(await readFile(path.join(ancient, 'send_email.log'))));
	await utimes(path.join(logDir, 'send_email.log.1'), now - DAY + 30, now - DAY + 30);
	await utimes(path.join(logDir, 'send_email.log.2.gz'), now - 5 * DAY + 60, now - 5 * DAY + 60);
	await utimes(path.join(logDir, 'send_email.log.3.gz'), now - 10 * DAY, now - 10 * DAY);
	for (const dir of [older, yesterday, ancient]) await rm(dir, {recursive: true});
});

after(async () => {
	await Promise.all([relay?.close(), tlsRelay?.close(), filtered?.close()]);
	await pki?.cleanup();
	for (const dir of temporary) await rm(dir, {recursive: true, force: true});
});

describe('the log as Zulip writes it', () => {
	test('the generator writes Zulip\'s own lines: the timestamp with a comma, the level padded to 8, a traceback and a stack after errors', async () => {
		const text = await readFile(path.join(logDir, 'send_email.log'), 'utf8');
		assert.match(text, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} INFO {5}Sending invitation email to \['King Lear <lear@zulip\.example\.com>'\] in zulip$/m);
		assert.match(text, /ERROR {4}Error sending invitation email to \['nobody@gone\.example\.org'\]: \{'nobody@gone\.example\.org': \(550, b'5\.1\.1/);
		assert.match(text, /ERROR {4}Error sending invitation email to \['spam-target@zulip\.example\.com'\] with error code 554: b'5\.7\.1 Message rejected as spam/);
		assert.match(text, /^Traceback \(most recent call last\):$/m);
		assert.match(text, /^Stack \(most recent call last\):$/m);
		// Python's %s writes an exception's text as it is: the raw escape sequences are in the file.
		assert.ok(text.includes('\u001B]0;owned\u0007'));
		const errors = await readFile(path.join(logDir, 'errors.log'), 'utf8');
		assert.match(errors, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} ERR {2}\[zulip\.send_email\] Error sending/m);
		assert.match(errors, /ERR {2}\[zerver\.worker\.queue_processors\] Problem handling data on queue email_senders/);
	});

	test('attempts and failures per day, failures grouped by cause with first, last, an example and the fix', async () => {
		const summary = await readMailLog({dir: logDir, since: new Date((now - 7 * DAY) * 1000)});
		const ids = Object.fromEntries(summary.groups.map(group => [group.id, group.count]));
		assert.deepEqual(ids, {
			'auth-failed': 2,
			'rate-limited': 2,
			'sender-rejected': 1,
			'recipient-rejected': 2,
			'rejected-as-spam': 1,
			'message-too-large': 1,
			'connection-refused': 1,
			'connection-timeout': 1,
			'certificate-untrusted': 1,
			unexplained: 1,
		});
		// 5 days ago 2, yesterday 4, today 9 (the old-style one counts its "Sending" only).
		assert.equal(summary.attempts, 16);
		assert.equal(summary.failures, 13);
		// Per day as the log's own (UTC here) dates fall: the sends of 'today' may share yesterday's date after midnight.
		const expected = new Map<string, number>();
		const sendTimes = [now - 5 * DAY, now - 5 * DAY + 60, now - DAY, now - DAY + 10, now - DAY + 20, now - DAY + 30, ...[3600, 3500, 3400, 3300, 3200, 3100, 3000, 2900, 2850, 2800].map(ago => now - ago)];
		for (const at of sendTimes) {
			const day = new Date(at * 1000).toISOString().slice(0, 10);
			expected.set(day, (expected.get(day) ?? 0) + 1);
		}

		assert.deepEqual(summary.days.map(day => [day.day, day.attempts]), [...expected.entries()].sort());
		const auth = summary.groups.find(group => group.id === 'auth-failed')!;
		assert.ok(auth.first < auth.last, `${auth.first} before ${auth.last}`);
		assert.match(auth.fix, /EMAIL_HOST_USER/);
		const recipient = summary.groups.find(group => group.id === 'recipient-rejected')!;
		// The recipient by its domain only, everywhere in the example.
		assert.doesNotMatch(JSON.stringify(summary), /nobody@|evil@|hamlet@|iago@|lear@/);
		assert.match(JSON.stringify(summary.groups), /…@gone\.example\.org|…@zulip\.example\.com/);
		// The hostile reply's control characters are visible, never raw.
		// Neither raw nor as JSON's escape.
		assert.ok(!/\\u001b/.test(JSON.stringify(summary)) && !JSON.stringify(summary).includes('\u001B') && !JSON.stringify(summary).includes('\u0007'));
		assert.match(summary.groups.find(group => group.id === 'unexplained')!.example, /\\x1b\]0;owned\\x07\\x1b\[2J proxy said no/);
		assert.match(recipient.example, /…@/);
		// The rotated files inside the window were read, the one before it not.
		assert.ok(summary.files.some(file => file.endsWith('send_email.log.2.gz')));
		assert.ok(!summary.files.some(file => file.endsWith('send_email.log.3.gz')));
	});

	test('a one-day window leaves out the sends of five days ago', async () => {
		const summary = await readMailLog({dir: logDir, since: new Date((now - DAY - 15) * 1000)});
		assert.equal(summary.attempts, 4 + 10);
		assert.deepEqual(summary.groups.map(group => group.id).sort(), ['auth-failed', 'certificate-untrusted', 'connection-refused', 'connection-timeout', 'message-too-large', 'rate-limited', 'recipient-rejected', 'rejected-as-spam', 'sender-rejected', 'unexplained']);
	});
});

describe('--logs on the command line', () => {
	test('--json: logs {dir, since, attempts, failures, groups}, exit 1 when something failed', async () => {
		const result = await runCli(['--logs', '--log-dir', logDir, '--since', '7d', '--json'], {env});
		assert.equal(result.code, 1, result.stderr);
		const report = JSON.parse(result.stdout) as {logs: {dir: string; since: string; attempts: number; failures: number; groups: Array<{id: string; count: number; first: string; last: string; example: string; fix: string}>}};
		assert.equal(report.logs.dir, logDir);
		assert.equal(report.logs.attempts, 16);
		assert.equal(report.logs.failures, 13);
		for (const group of report.logs.groups) assert.deepEqual(Object.keys(group).sort(), ['count', 'example', 'first', 'fix', 'id', 'last']);
		assert.ok(Math.abs(Date.parse(report.logs.since) - (now - 7 * DAY) * 1000) < 120_000);
	});

	test('the plain report: per day, per cause with the fix', async () => {
		const result = await runCli(['--logs', '--log-dir', logDir], {env});
		assert.equal(result.code, 1, result.stderr);
		assert.match(result.stdout, /In all: 16 attempts, 13 failed\./);
		assert.match(result.stdout, /\[auth-failed\]: 2 times, first /);
		assert.match(result.stdout, /Fix: /);
		assert.ok(!result.stdout.includes('\u001B'));
	});

	test('exit 0 when nothing failed in the window', async () => {
		const dir = await mkdtemp(path.join(tmpdir(), 'zes-mail-log-ok-'));
		temporary.push(dir);
		await writeLogs(dir, [{to: 'a@zulip.example.com', port: relay.port, user: 'zulip@relay.example.com', password: 'right-password', at: now - 60}]);
		const result = await runCli(['--logs', '--log-dir', dir, '--since', '1h', '--json'], {env});
		assert.equal(result.code, 0, result.stdout + result.stderr);
		assert.equal(JSON.parse(result.stdout).logs.failures, 0);
	});

	test('exit 3 with the reason when there is no log to read', async () => {
		const dir = await mkdtemp(path.join(tmpdir(), 'zes-mail-log-none-'));
		temporary.push(dir);
		const missing = await runCli(['--logs', '--log-dir', path.join(dir, 'nope')], {env});
		assert.equal(missing.code, 3);
		assert.match(missing.stderr, /cannot be read: no such file/);
		const empty = await runCli(['--logs', '--log-dir', dir, '--json'], {env});
		assert.equal(empty.code, 3);
		assert.match(JSON.parse(empty.stdout).error.message, /no send_email\.log/);
	});

	test('--docker without --log-dir says how to reach the container\'s logs', async () => {
		const result = await runCli(['--logs', '--docker', '/srv/docker-zulip'], {env});
		assert.equal(result.code, 3);
		assert.match(result.stderr, /docker compose cp zulip:\/var\/log\/zulip/);
	});

	test('--since must be a duration', async () => {
		const result = await runCli(['--logs', '--since', 'yesterday'], {env});
		assert.equal(result.code, 2);
		assert.match(result.stderr, /--since must be a duration/);
	});
});

describe('logs are hostile', () => {
	test('a symbolic link and a FIFO among the logs are named with the reason, and the rest is read', async () => {
		const dir = await mkdtemp(path.join(tmpdir(), 'zes-mail-log-hostile-'));
		temporary.push(dir);
		await writeLogs(dir, [{to: 'a@zulip.example.com', port: closedPort, at: now - 60}]);
		await symlink('/etc/passwd', path.join(dir, 'errors.log.1'));
		execFileSync('mkfifo', [path.join(dir, 'send_email.log.1')]);
		const summary = await readMailLog({dir, since: new Date((now - 3600) * 1000)});
		assert.equal(summary.failures, 1);
		const reasons = Object.fromEntries(summary.unreadable.map(entry => [path.basename(entry.path), entry.reason]));
		assert.match(reasons['errors.log.1']!, /symbolic link/);
		assert.match(reasons['send_email.log.1']!, /not a regular file/);
	});

	test('a huge line is cut, counted, and the records around it still read', async () => {
		const dir = await mkdtemp(path.join(tmpdir(), 'zes-mail-log-huge-'));
		temporary.push(dir);
		await writeLogs(dir, [{to: 'a@zulip.example.com', port: closedPort, at: now - 120}]);
		await appendFile(path.join(dir, 'send_email.log'), 'x'.repeat(3 * 1024 * 1024) + '\n');
		await writeLogs(dir, [{to: 'b@zulip.example.com', port: closedPort, at: now - 60}]);
		const summary = await readMailLog({dir, since: new Date((now - 3600) * 1000)});
		assert.equal(summary.failures, 2);
		assert.equal(summary.longLines, 1);
	});

	test('boundedLines keeps at most maxBytes of a line whatever its length, streamed', async () => {
		async function * chunks() {
			yield Buffer.from('short\n');
			for (let i = 0; i < 200; i++) yield Buffer.alloc(64 * 1024, 0x61);
			yield Buffer.from('\nlast');
		}

		const lines = [];
		for await (const line of boundedLines(Readable.from(chunks()), 1000)) lines.push(line);
		assert.deepEqual(lines.map(line => [line.text.length, line.truncated]), [[5, false], [1000, true], [4, false]]);
	});
});

describe('classifying what smtplib said', () => {
	test('the same reply words every MTA uses', () => {
		assert.equal(classifyLogFailure({code: 535, text: "b'5.7.8 Username and Password not accepted'"}), 'auth-failed');
		assert.equal(classifyLogFailure({code: 534, text: "b'5.7.9 Application-specific password required'"}), 'app-password-required');
		assert.equal(classifyLogFailure({code: 550, text: "b'5.4.5 Daily user sending limit exceeded'"}), 'rate-limited');
		assert.equal(classifyLogFailure({code: 554, text: "b'5.7.1 Message rejected: Email address is not verified'"}), 'message-rejected');
		assert.equal(classifyLogFailure({text: 'timed out', exception: 'TimeoutError: timed out'}), 'connection-timeout');
		assert.equal(classifyLogFailure({text: '[Errno -2] Name or service not known', exception: 'socket.gaierror: [Errno -2] Name or service not known'}), 'dns-not-found');
		assert.equal(classifyLogFailure({text: '[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: certificate has expired (_ssl.c:1000)'}), 'certificate-expired');
		assert.equal(classifyLogFailure({text: 'STARTTLS extension not supported by server.'}), 'starttls-unavailable');
		assert.equal(classifyLogFailure({code: 530, text: "b'5.7.0 Must issue a STARTTLS command first'"}), 'tls-required');
		assert.equal(classifyLogFailure({text: ''}), 'unexplained');
	});
});
