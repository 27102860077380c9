/**
 * `--sandbox --non-interactive`: the whole main job on a machine with no
 * Zulip, checked from the outside (a real child process, real relay, python3
 * as the judge of what Zulip would read).
 */
import assert from 'node:assert/strict';
import {execFile, spawn} from 'node:child_process';
import {lstat, mkdir, mkdtemp, readdir, readFile, rm, utimes, writeFile} from 'node:fs/promises';
import net from 'node:net';
import {tmpdir} from 'node:os';
import {join, relative, sep} from 'node:path';
import {PassThrough} from 'node:stream';
import {after, test} from 'node:test';
import {fileURLToPath} from 'node:url';
import {promisify} from 'node:util';
import {runSandbox} from '../source/sandbox/run-sandbox.js';
import {rawConfigRead} from './helpers/raw-config.js';

const run = promisify(execFile);
const repo = fileURLToPath(new URL('..', import.meta.url));
const cli = join(repo, 'source', 'cli.tsx');
const tsx = import.meta.resolve('tsx');
const directories: string[] = [];

async function scratch(prefix: string): Promise<string> {
	const dir = await mkdtemp(join(tmpdir(), `sandbox-test-${prefix}-`));
	directories.push(dir);
	return dir;
}

after(async () => {
	await Promise.all(directories.map(dir => rm(dir, {recursive: true, force: true})));
});

interface Outcome {
	readonly code: number | null;
	readonly stdout: string;
	readonly stderr: string;
}

interface Child {
	readonly done: Promise<Outcome>;
	readonly stderrSoFar: () => string;
	readonly kill: (signal: NodeJS.Signals) => void;
}

/** The real CLI in a child process: tsx straight from source, its cache off so it writes nothing itself. */
function startCli(args: string[], options: {cwd?: string; env?: NodeJS.ProcessEnv} = {}): Child {
	const child = spawn(process.execPath, ['--import', tsx, cli, ...args], {
		cwd: options.cwd ?? repo,
		env: {...process.env, TSX_DISABLE_CACHE: '1', TSX_TSCONFIG_PATH: join(repo, 'tsconfig.json'), NO_COLOR: '1', ZULIP_EMAIL_PASSWORD: undefined, ...options.env},
		stdio: ['ignore', 'pipe', 'pipe'],
	});
	let stdout = '';
	let stderr = '';
	child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
		stdout += chunk;
	});
	child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
		stderr += chunk;
	});
	const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
	const done = new Promise<Outcome>(resolve => {
		child.on('close', code => {
			clearTimeout(timer);
			resolve({code, stdout, stderr});
		});
	});
	return {done, stderrSoFar: () => stderr, kill: signal => child.kill(signal)};
}

/** stdout must be exactly one JSON object. */
function onlyJson(outcome: Outcome): Record<string, any> {
	const lines = outcome.stdout.split('\n').filter(Boolean);
	assert.equal(lines.length, 1, `stdout is one line of JSON; got:\n${outcome.stdout}\nstderr:\n${outcome.stderr}`);
	return JSON.parse(lines[0]!) as Record<string, any>;
}

/** Execute settings.py as Django would import it and return the email settings, Django's defaults filled in. */
async function pythonSettings(path: string): Promise<Record<string, unknown>> {
	await run('python3', ['-c', 'import ast, sys; ast.parse(open(sys.argv[1]).read(), sys.argv[1])', path]);
	const script = 'import json, runpy, sys; g = runpy.run_path(sys.argv[1]); d = {"EMAIL_HOST": None, "EMAIL_PORT": 25, "EMAIL_USE_TLS": False, "EMAIL_USE_SSL": False, "EMAIL_HOST_USER": "", "EMAIL_BACKEND": None}; print(json.dumps({k: g.get(k, v) for k, v in d.items()}))';
	const {stdout} = await run('python3', ['-c', script, path]);
	return JSON.parse(stdout) as Record<string, unknown>;
}

const NOREPLY = /^noreply-[a-z2-7]{24}@zulip\.sandbox\.test$/;
const ADMIN = 'admin@zulip.sandbox.test';

test('--sandbox --non-interactive --json: the three mails reach the relay, files are what Zulip reads, the password is never printed', async () => {
	const dir = join(await scratch('main'), 'kept');
	const outcome = await startCli(['--sandbox', '--non-interactive', '--json', '--sandbox-dir', dir]).done;
	assert.equal(outcome.code, 0, outcome.stderr + outcome.stdout);
	const report = onlyJson(outcome);
	assert.equal(report.ok, true);
	assert.equal(report.test.ok, true);
	assert.equal(report.restart.ok, true);
	assert.equal(report.restart.confirmed, true);

	const {sandbox} = report;
	assert.equal(sandbox.dir, dir);
	assert.equal(sandbox.relay.host, '127.0.0.1');
	assert.equal(sandbox.received.length, 3, JSON.stringify(sandbox.received));
	const bySubject = new Map((sandbox.received as Array<Record<string, any>>).map(mail => [mail.subject, mail]));
	const supportMail = bySubject.get('Zulip email test');
	const noreplyMail = bySubject.get('Zulip noreply email test');
	const zulipShaped = bySubject.get('Zulip email test (sent the way Zulip sends invitations)');
	assert.ok(supportMail && noreplyMail && zulipShaped, JSON.stringify(sandbox.received));
	assert.equal(supportMail.envelopeFrom, ADMIN);
	assert.equal(supportMail.from, ADMIN);
	assert.match(noreplyMail.envelopeFrom, NOREPLY);
	assert.equal(noreplyMail.from, noreplyMail.envelopeFrom);
	// As build_email sends since Zulip 4.0: a display-name From, the plain noreply as envelope sender.
	assert.equal(zulipShaped.envelopeFrom, 'noreply@zulip.sandbox.test');
	assert.match(zulipShaped.from, /^Zulip <noreply-[a-z2-7]{24}@zulip\.sandbox\.test>$/);
	for (const mail of [supportMail, noreplyMail, zulipShaped]) assert.deepEqual(mail.to, [ADMIN]);
	// The live test's senders are the ones that arrived, with their roles.
	assert.deepEqual(report.test.senders.map((sender: {address: string; role: string}) => `${sender.role} ${sender.address}`), [`default ${ADMIN}`, 'noreply-plain noreply@zulip.sandbox.test', `noreply-tokenized ${noreplyMail.envelopeFrom}`]);

	const settings = await pythonSettings(join(dir, 'settings.py'));
	assert.deepEqual(settings, {EMAIL_HOST: '127.0.0.1', EMAIL_PORT: sandbox.relay.port, EMAIL_USE_TLS: true, EMAIL_USE_SSL: false, EMAIL_HOST_USER: sandbox.relay.user, EMAIL_BACKEND: null});

	const secrets = await readFile(join(dir, 'zulip-secrets.conf'), 'utf8');
	const password = rawConfigRead(secrets, 'secrets', 'email_password');
	assert.equal(typeof password, 'string');
	// The relay's password shape: the characters a naive ini writer mangles all survived.
	assert.match(password as string, /^\w{4}#\w{4}%\w{4}=\w{4};\w{4}$/);
	// Zulip's own keys came through untouched.
	assert.match(rawConfigRead(secrets, 'secrets', 'secret_key') as string, /^[a-z0-9!@#$%^&*(\-_=+)]{50}$/);

	const secretKey = rawConfigRead(secrets, 'secrets', 'secret_key') as string;
	for (const [name, text] of [['stdout', outcome.stdout], ['stderr', outcome.stderr]] as const) {
		assert.ok(!text.includes(password as string), `the relay password leaked to ${name}`);
		assert.ok(!text.includes(secretKey), `secret_key leaked to ${name} (the diff hides other secrets)`);
	}

	assert.match(sandbox.diff, /^\+email_password = \*{8}/m);
	assert.match(sandbox.diff, /^\+EMAIL_HOST = "127\.0\.0\.1"$/m);
	// People read where the sandbox is on stderr; stdout stays pure JSON.
	assert.ok(outcome.stderr.includes(`Sandbox: ${dir}`), outcome.stderr);
	assert.match(outcome.stderr, /kept in/);
});

test('plain report lists the received mails beside the diff', async () => {
	const dir = await scratch('plain');
	const outcome = await startCli(['--sandbox', '--non-interactive', '--sandbox-dir', dir, '--no-restart']).done;
	assert.equal(outcome.code, 0, outcome.stderr + outcome.stdout);
	const text = outcome.stdout;
	assert.match(text, /Mail received by the sandbox relay \(3\):/);
	assert.match(text, new RegExp(`envelope from ${ADMIN} to ${ADMIN}\\n\\s+From: ${ADMIN}\\n\\s+Subject: Zulip email test`));
	assert.match(text, /envelope from noreply-[a-z2-7]{24}@zulip\.sandbox\.test to .*\n\s+From: noreply-[a-z2-7]{24}@zulip\.sandbox\.test\n\s+Subject: Zulip noreply email test/);
	assert.match(text, /Changes to the sandbox files \(password masked\):\n--- .*settings\.py/);
	assert.match(text, /^\+email_password = \*{8}/m);
	assert.doesNotMatch(text, /restart-server:/, '--no-restart skips the restart');
	const password = rawConfigRead(await readFile(join(dir, 'zulip-secrets.conf'), 'utf8'), 'secrets', 'email_password') as string;
	assert.ok(!outcome.stdout.includes(password) && !outcome.stderr.includes(password));
});

type Snapshot = Map<string, string>;

/** Every entry under root: type, size, mode and mtime. A change anywhere shows up as a difference. */
async function snapshot(root: string, skip: (path: string) => boolean = () => false): Promise<Snapshot> {
	const entries: Snapshot = new Map();
	const walk = async (dir: string) => {
		for (const name of await readdir(dir)) {
			const path = join(dir, name);
			if (skip(path)) continue;
			const info = await lstat(path);
			entries.set(relative(root, path), `${info.isDirectory() ? 'd' : 'f'} ${info.size} ${info.mode.toString(8)} ${info.mtimeMs}`);
			if (info.isDirectory()) await walk(path);
		}
	};

	entries.set('.', `${(await lstat(root)).mtimeMs}`);
	await walk(root);
	return entries;
}

/** Date every entry under root (root too) in 2001: any write from now on moves an mtime, however soon it comes. */
async function backdate(root: string): Promise<void> {
	const past = new Date('2001-01-01T00:00:00Z');
	for (const name of await readdir(root, {recursive: true})) await utimes(join(root, name), past, past);
	await utimes(root, past, past);
}

test('nothing outside the sandbox directory changes: HOME, cwd and TMPDIR are checked completely', async () => {
	const root = await scratch('outside');
	const home = join(root, 'home');
	const cwd = join(root, 'cwd');
	const temporary = join(root, 'tmp');
	for (const dir of [home, cwd, temporary, join(home, '.config')]) await mkdir(dir, {recursive: true});
	await writeFile(join(home, '.bashrc'), 'export PS1=x\n');
	await writeFile(join(home, '.config', 'keep.conf'), 'a = b\n');
	await writeFile(join(cwd, 'notes.txt'), 'hello\n');
	await writeFile(join(temporary, 'other-program.tmp'), 'x\n');
	const etcBefore = await lstat('/etc/zulip').then(info => `${info.mtimeMs}`, () => 'absent');
	// Instead of waiting for the clock to move on: a write in the same millisecond still shows.
	for (const dir of [home, cwd, temporary]) await backdate(dir);
	const before = await Promise.all([home, cwd, temporary].map(dir => snapshot(dir)));

	// No --sandbox-dir: the sandbox must land in TMPDIR via mkdtemp and be reported.
	const outcome = await startCli(['--sandbox', '--non-interactive', '--json'], {cwd, env: {HOME: home, TMPDIR: temporary}}).done;
	assert.equal(outcome.code, 0, outcome.stderr + outcome.stdout);
	const report = onlyJson(outcome);
	const sandboxDir = report.sandbox.dir as string;
	assert.ok(sandboxDir.startsWith(temporary + sep), `${sandboxDir} is under the child's TMPDIR`);
	assert.equal(report.sandbox.received.length, 3);

	const insideSandbox = (path: string) => path === sandboxDir || path.startsWith(sandboxDir + sep);
	const afterwards = await Promise.all([home, cwd, temporary].map(dir => snapshot(dir, insideSandbox)));
	// The tmp directory itself gained exactly one entry, the sandbox; its own mtime moved because of that.
	afterwards[2]!.delete('.');
	before[2]!.delete('.');
	assert.deepEqual([...afterwards[0]!], [...before[0]!], 'HOME changed');
	assert.deepEqual([...afterwards[1]!], [...before[1]!], 'cwd changed');
	assert.deepEqual([...afterwards[2]!], [...before[2]!], 'TMPDIR changed outside the sandbox');
	assert.deepEqual((await readdir(temporary)).sort(), ['other-program.tmp', relative(temporary, sandboxDir)].sort());
	assert.equal(await lstat('/etc/zulip').then(info => `${info.mtimeMs}`, () => 'absent'), etcBefore, '/etc/zulip');

	// What is inside is what the report says: the files, their backups, the CA, no private key.
	const inside = await readdir(sandboxDir);
	for (const name of ['settings.py', 'zulip-secrets.conf', 'restart-server', 'relay-ca.pem']) assert.ok(inside.includes(name), name);
	for (const name of inside) {
		if (!(await lstat(join(sandboxDir, name))).isFile()) continue;
		assert.doesNotMatch(await readFile(join(sandboxDir, name), 'utf8'), /PRIVATE KEY/, name);
	}
});

async function closedLoopbackPort(): Promise<number> {
	const server = net.createServer();
	await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
	const {port} = server.address() as net.AddressInfo;
	await new Promise(resolve => server.close(resolve));
	return port;
}

test('a relay that is not there: exit 1 with a diagnosis, no restart, nothing received', async () => {
	const port = await closedLoopbackPort();
	const dir = await scratch('refused');
	const outcome = await startCli(['--sandbox', '--non-interactive', '--json', '--sandbox-dir', dir, '--port', String(port), '--timeout', '5']).done;
	assert.equal(outcome.code, 1, outcome.stderr + outcome.stdout);
	const report = onlyJson(outcome);
	assert.equal(report.ok, false);
	assert.equal(report.test.ok, false);
	assert.equal(report.test.diagnosis.id, 'connection-refused');
	assert.ok(report.test.diagnosis.fix);
	assert.equal(report.restart, null, 'no restart after a failed test');
	assert.deepEqual(report.sandbox.received, []);
	assert.equal((await pythonSettings(join(dir, 'settings.py'))).EMAIL_PORT, port);
});

test('Ctrl-C (SIGINT) during the live test closes the relay and exits 130', async () => {
	// A server that accepts and never greets: the test would sit there for the whole --timeout.
	const sockets = new Set<net.Socket>();
	let connected!: () => void;
	const firstConnection = new Promise<void>(resolve => (connected = resolve));
	const silent = net.createServer(socket => {
		sockets.add(socket);
		socket.on('close', () => sockets.delete(socket));
		connected();
	});
	await new Promise<void>(resolve => silent.listen(0, '127.0.0.1', resolve));
	const {port} = silent.address() as net.AddressInfo;
	try {
		const dir = await scratch('cancel');
		// The longest --timeout: only the interrupt can end the test in time (startCli kills the child after 60 s, code null).
		const child = startCli(['--sandbox', '--non-interactive', '--json', '--sandbox-dir', dir, '--port', String(port), '--timeout', '600']);
		const early = await Promise.race([firstConnection.then(() => undefined), child.done]);
		assert.equal(early, undefined, `the live test never connected:\n${early?.stderr}`);
		const relayPort = Number(/Sandbox relay: 127\.0\.0\.1:(\d+)/.exec(child.stderrSoFar())![1]);
		child.kill('SIGINT');
		const outcome = await child.done;
		assert.equal(outcome.code, 130, outcome.stderr + outcome.stdout);
		// Needs runNonInteractive to map an aborted run to 130 in the report too (reported to the lead).
		assert.equal(onlyJson(outcome).exitCode, 130, 'the JSON report agrees with the exit code');
		assert.match(outcome.stderr, new RegExp(`kept in ${dir.replace(/[^\w/]/g, '\\$&')}`));
		// The relay is gone with the process, and said so cleanly (no stack trace).
		assert.doesNotMatch(outcome.stderr, /\n\s+at /);
		await assert.rejects(new Promise((resolve, reject) => net.connect(relayPort, '127.0.0.1').on('connect', resolve).on('error', reject)), /ECONNREFUSED/);
	} finally {
		for (const socket of sockets) socket.destroy();
		await new Promise(resolve => silent.close(resolve));
	}
});

test('--settings/--secrets cannot point the sandbox at real files', async () => {
	const outcome = await startCli(['--sandbox', '--non-interactive', '--json', '--settings', '/etc/zulip/settings.py']).done;
	assert.equal(outcome.code, 2);
	assert.match(onlyJson(outcome).error.message, /--sandbox uses its own/);
});

/** A password with everything RawConfigParser and Python literals could trip on. */
const HOSTILE_PASSWORD = String.raw`p%(x)s #;"q'\ =:[secrets]{token}`;

test('in process: the secrets file holds exactly the password the relay accepted, hostile characters included', async () => {
	const dir = await scratch('inprocess');
	const stdout = new PassThrough();
	const stderr = new PassThrough();
	let printed = '';
	for (const stream of [stdout, stderr]) {
		stream.setEncoding('utf8').on('data', (chunk: string) => {
			printed += chunk;
		});
	}

	const code = await runSandbox({'sandbox': true, 'non-interactive': true, 'json': true, 'sandbox-dir': dir, 'no-restart': true}, {interactive: false, signal: new AbortController().signal, stdout, stderr, relayCredentials: {password: HOSTILE_PASSWORD}});
	assert.equal(code, 0, printed);
	assert.equal(rawConfigRead(await readFile(join(dir, 'zulip-secrets.conf'), 'utf8'), 'secrets', 'email_password'), HOSTILE_PASSWORD);
	assert.ok(!printed.includes(HOSTILE_PASSWORD));
	const report = JSON.parse(printed.split('\n').find(line => line.startsWith('{'))!) as Record<string, any>;
	assert.equal(report.sandbox.received.length, 3);
});

test('"Log to files" in the sandbox writes the mails inside it, never /var/log/zulip; a --file-path outside is refused', async () => {
	const dir = join(await scratch('file-backend'), 'kept');
	const outcome = await startCli(['--sandbox', '--non-interactive', '--json', '--sandbox-dir', dir, '--provider', 'file', '--no-restart']).done;
	assert.equal(outcome.code, 0, outcome.stderr + outcome.stdout);
	const report = onlyJson(outcome);
	assert.equal(report.test.ok, true);
	const script = 'import json, runpy, sys; g = runpy.run_path(sys.argv[1]); print(json.dumps([g.get("EMAIL_BACKEND"), g.get("EMAIL_FILE_PATH")]))';
	const {stdout} = await run('python3', ['-c', script, join(dir, 'settings.py')]);
	assert.deepEqual(JSON.parse(stdout), ['django.core.mail.backends.filebased.EmailBackend', join(dir, 'emails')]);
	const mails = await readdir(join(dir, 'emails'));
	assert.equal(mails.length, 3, mails.join(', '));
	const texts = await Promise.all(mails.map(name => readFile(join(dir, 'emails', name), 'utf8')));
	assert.ok(texts.some(text => /^Subject: Zulip email test$/m.test(text)));
	assert.ok(texts.some(text => /^Subject: Zulip noreply email test$/m.test(text)));
	assert.ok(texts.some(text => /^From: Zulip <noreply-[a-z2-7]{24}@zulip\.sandbox\.test>$/m.test(text)), 'the mail shaped as Zulip sends it');

	const outside = join(await scratch('outside-file-path'), 'emails');
	const refused = await startCli(['--sandbox', '--non-interactive', '--sandbox-dir', dir, '--provider', 'file', '--file-path', outside]).done;
	assert.equal(refused.code, 2, refused.stderr);
	assert.match(refused.stderr, /outside the sandbox/);
	await assert.rejects(lstat(outside), 'nothing was created outside');
});

test('a kept --sandbox-dir brings its relay back (port, user, password), so --sandbox --sandbox-dir D --check passes', async () => {
	const dir = join(await scratch('recheck'), 'kept');
	const first = await startCli(['--sandbox', '--non-interactive', '--json', '--sandbox-dir', dir, '--no-restart']).done;
	assert.equal(first.code, 0, first.stderr + first.stdout);
	const {port, user} = onlyJson(first).sandbox.relay as {port: number; user: string};
	const relay = {port, user};
	const settingsBefore = await readFile(join(dir, 'settings.py'), 'utf8');

	const check = await startCli(['--sandbox', '--sandbox-dir', dir, '--check', '--json']).done;
	assert.equal(check.code, 0, check.stderr + check.stdout);
	const report = onlyJson(check);
	assert.equal(report.test.ok, true, JSON.stringify(report.test));
	assert.deepEqual({port: report.sandbox.relay.port, user: report.sandbox.relay.user}, relay, 'the same relay identity');
	assert.equal(report.sandbox.received.length, 3, 'the three mails reached the relay the files point at');
	assert.equal(await readFile(join(dir, 'settings.py'), 'utf8'), settingsBefore, '--check wrote nothing');

	// Another program on the relay's port: the relay moves, and says why the check cannot pass.
	const sockets = new Set<net.Socket>();
	const squatter = net.createServer(socket => {
		sockets.add(socket.on('error', () => undefined).resume());
	});
	await new Promise<void>((resolve, reject) => {
		squatter.once('error', reject);
		squatter.listen(relay.port, '127.0.0.1', resolve);
	});
	try {
		const moved = await startCli(['--sandbox', '--sandbox-dir', dir, '--check', '--timeout', '1']).done;
		assert.equal(moved.code, 1, moved.stdout + moved.stderr);
		assert.match(moved.stdout, new RegExp(`Port ${relay.port} of the earlier run is taken by another program`));
	} finally {
		for (const socket of sockets) socket.destroy();
		await new Promise(resolve => squatter.close(resolve));
	}
});
