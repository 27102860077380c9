/**
 * Issue 9 "Files" and "Input contract": real files in temp dirs, real
 * processes, real signals and a real lock contended by two processes. Where a
 * test needs the program stopped at an exact point it uses the pause hook
 * (source/engine/test-pause.ts): it waits for `<point>.reached`, acts, then
 * deletes `<point>.pause`. No test waits on a timing threshold.
 */
import assert from 'node:assert/strict';
import {spawn, type ChildProcessWithoutNullStreams} from 'node:child_process';
import {existsSync, watch} from 'node:fs';
import {chmod, copyFile, lstat, mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {describe, test} from 'node:test';
import {setSecret} from '../source/zulip/secrets-file.js';
import {TRANSCRIPT_HEADER, TRANSCRIPT_LIMIT, Redactor, Transcript} from '../source/smtp/transcript.js';
import {TEST_PAUSE_ENV} from '../source/engine/test-pause.js';
import {acquireRunLock} from '../source/engine/run-lock.js';
import {answersForProvider} from '../source/engine/answers.js';
import {createEngine} from '../source/ui/engine-port.js';
import {planEntries} from '../source/ui/flow-scrollback.js';
import {fakeServer, runCli, snapshot} from './helpers/cli.js';
import {pyRawConfigRead} from './helpers/python.js';
import {PtySession} from './helpers/pty.js';
import {startDnsServer} from './helpers/dns-servers.js';

const ROOT = new URL('../', import.meta.url).pathname;
const isRoot = process.geteuid?.() === 0;

interface Running {
	readonly child: ChildProcessWithoutNullStreams;
	readonly exited: Promise<{code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string}>;
}

/** The CLI from source, left running: the test drives it through pause points and signals. */
function startCli(args: readonly string[], options: {env?: NodeJS.ProcessEnv; pauseDir?: string} = {}): Running {
	const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'source/cli.tsx'), ...args], {
		cwd: ROOT,
		env: {...process.env, ZULIP_EMAIL_PASSWORD: undefined, NO_COLOR: '1', ...(options.pauseDir ? {[TEST_PAUSE_ENV]: options.pauseDir} : {}), ...options.env},
		stdio: ['pipe', 'pipe', 'pipe'],
	});
	let stdout = '';
	let stderr = '';
	child.stdout.setEncoding('utf8').on('data', chunk => (stdout += chunk));
	child.stderr.setEncoding('utf8').on('data', chunk => (stderr += chunk));
	child.stdin.on('error', () => undefined);
	const exited = new Promise<{code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string}>(resolve => {
		child.on('close', (code, signal) => resolve({code, signal, stdout, stderr}));
	});
	return {child, exited};
}

/** Resolves once `file` exists; rejects if the process exits first (it never reached the point). */
async function reached(file: string, running: Running): Promise<void> {
	const directory = path.dirname(file);
	await new Promise<void>((resolve, reject) => {
		const watcher = watch(directory);
		const check = () => {
			if (!existsSync(file)) return;
			watcher.close();
			resolve();
		};

		watcher.on('change', check);
		void running.exited.then(result => {
			watcher.close();
			if (!existsSync(file)) reject(new Error(`exited (${result.code}) before ${path.basename(file)}:\n${result.stdout}\n${result.stderr}`));
		});
		check();
	});
}

async function pauseAt(point: string): Promise<{dir: string; reached: string; pause: string}> {
	const dir = await mkdtemp(path.join(tmpdir(), 'zes-pause-'));
	await writeFile(path.join(dir, `${point}.pause`), '');
	return {dir, reached: path.join(dir, `${point}.reached`), pause: path.join(dir, `${point}.pause`)};
}

const mailgun = (server: {args: string[]}, user = 'postmaster@mg.example.org') => [...server.args, '--non-interactive', '--json', '--skip-test', '--provider', 'mailgun', '--username', user];

describe('signals: nothing written unless the pair was', () => {
	for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
		test(`${signal} between the two renames puts the first file back, leaves no temp file, and still prints the JSON`, async () => {
			const server = await fakeServer();
			const before = await snapshot(server);
			const pause = await pauseAt('between-renames');
			const running = startCli(mailgun(server), {pauseDir: pause.dir, env: {ZULIP_EMAIL_PASSWORD: 'pair-password-1'}});
			await reached(pause.reached, running);
			// The secrets file is written already: this is the moment a half-written pair could stay.
			assert.match(await readFile(server.secrets, 'utf8'), /email_password = pair-password-1/);
			running.child.kill(signal);
			const result = await running.exited;
			assert.equal(result.code, 130, result.stdout + result.stderr);
			const report = JSON.parse(result.stdout) as {exitCode: number; ok: boolean};
			assert.equal(report.exitCode, 130);
			assert.equal(report.ok, false);
			assert.equal(await snapshot(server), before, 'the first file was put back');
			assert.deepEqual((await readdir(server.dir)).sort(), ['settings.py', 'zulip-secrets.conf'], 'no temp file, backup or lock left');
		});
	}

	test('SIGINT while the password is still being read from stdin: nothing is written, exit 130', async () => {
		const server = await fakeServer();
		const before = await snapshot(server);
		const pause = await pauseAt('after-read');
		const running = startCli([...mailgun(server), '--password-stdin'], {pauseDir: pause.dir});
		// Signal handlers are in place once the files are read; the password read comes next.
		await reached(pause.reached, running);
		await rm(pause.pause);
		running.child.kill('SIGINT');
		// A slow writer delivers the password after the cancel.
		running.child.stdin.end('late-password\n');
		const result = await running.exited;
		assert.equal(result.code, 130, result.stdout + result.stderr);
		assert.equal(JSON.parse(result.stdout).exitCode, 130);
		assert.equal(await snapshot(server), before);
		assert.deepEqual((await readdir(server.dir)).sort(), ['settings.py', 'zulip-secrets.conf']);
	});
});

describe('one run at a time', () => {
	test('a second run waits briefly, then exits 3 naming the first; the first finishes as if alone', async () => {
		const server = await fakeServer();
		const pause = await pauseAt('before-write');
		const alice = startCli(mailgun(server, 'alice@mg.example.org'), {pauseDir: pause.dir, env: {ZULIP_EMAIL_PASSWORD: 'alice-password'}});
		await reached(pause.reached, alice);
		const bob = await runCli(mailgun(server, 'bob@mg.example.org'), {env: {ZULIP_EMAIL_PASSWORD: 'bob-password'}});
		assert.equal(bob.code, 3, bob.stdout + bob.stderr);
		const refusal = JSON.parse(bob.stdout) as {error: {id: string; message: string}};
		assert.equal(refusal.error.id, 'locked');
		assert.match(refusal.error.message, new RegExp(`process ${alice.child.pid} \\(.*--username alice@mg\\.example\\.org`));
		await rm(pause.pause);
		const first = await alice.exited;
		assert.equal(first.code, 0, first.stdout + first.stderr);
		const settings = await readFile(server.settings, 'utf8');
		assert.match(settings, /^EMAIL_HOST_USER = "alice@mg\.example\.org"$/m);
		assert.equal(await pyRawConfigRead(await readFile(server.secrets, 'utf8'), 'secrets', 'email_password'), 'alice-password');
		assert.ok(!(await readdir(server.dir)).some(name => name.endsWith('.lock')), 'the lock went with the run');
	});

	test('a docker-zulip project is locked too: a run finds this process holding it and exits 3 naming it', async () => {
		const dir = await mkdtemp(path.join(tmpdir(), 'zes-compose-lock-'));
		const fixtures = path.join(ROOT, 'test/fixtures/docker');
		await copyFile(path.join(fixtures, 'compose.yaml'), path.join(dir, 'compose.yaml'));
		await copyFile(path.join(fixtures, 'compose.override.yaml.example'), path.join(dir, 'compose.override.yaml'));
		await writeFile(path.join(dir, '.env'), 'ZULIP__SECRET_KEY=k\n');
		const args = ['--non-interactive', '--json', '--docker', dir, '--provider', 'mailgun', '--username', 'postmaster@mg.example.org', '--skip-test'];
		const lock = await acquireRunLock(path.join(dir, 'docker-zulip'));
		try {
			const locked = await runCli(args, {env: {ZULIP_EMAIL_PASSWORD: 'compose-password'}});
			assert.equal(locked.code, 3, locked.stdout + locked.stderr);
			assert.match(JSON.parse(locked.stdout).error.message, new RegExp(`process ${process.pid} \\(`));
		} finally {
			lock.release();
		}

		const free = await runCli(args, {env: {ZULIP_EMAIL_PASSWORD: 'compose-password'}});
		assert.equal(free.code, 0, free.stdout + free.stderr);
	});

	test('a lock left by a process that is gone is taken over', async () => {
		const server = await fakeServer();
		const gone = spawn(process.execPath, ['-e', '']);
		await new Promise(resolve => gone.on('close', resolve));
		const lock = path.join(server.dir, '.settings.py.zulip-email-setup.lock');
		await writeFile(lock, JSON.stringify({pid: gone.pid, started: null, command: 'zulip-email-setup (crashed)'}));
		const result = await runCli([...server.args, '--non-interactive', '--skip-test', '--provider', 'local']);
		assert.equal(result.code, 0, result.stdout + result.stderr);
		assert.equal(existsSync(lock), false);
	});

	test('a file changed meanwhile, even one the plan leaves alone, stops the write (exit 3, nothing written)', async () => {
		const server = await fakeServer();
		const pause = await pauseAt('before-write');
		// The local MTA needs no password: the plan changes settings.py only.
		const running = startCli([...server.args, '--non-interactive', '--json', '--skip-test', '--provider', 'local'], {pauseDir: pause.dir});
		await reached(pause.reached, running);
		const secrets = (await readFile(server.secrets, 'utf8')) + 'email_password = set-by-someone-else\n';
		await writeFile(server.secrets, secrets);
		const settingsBefore = await readFile(server.settings, 'utf8');
		await rm(pause.pause);
		const result = await running.exited;
		assert.equal(result.code, 3, result.stdout + result.stderr);
		assert.equal(JSON.parse(result.stdout).error.id, 'changed-on-disk');
		assert.equal(await readFile(server.settings, 'utf8'), settingsBefore);
		assert.equal(await readFile(server.secrets, 'utf8'), secrets);
	});
});

describe('settings.py must compile', () => {
	const broken: Array<[string, string, RegExp]> = [
		['a missing colon', 'if True\n    X = 1\n', /SyntaxError/],
		['a doubled equals sign', 'EMAIL_HOST = = "a"\n', /SyntaxError: invalid syntax/],
		['tabs and spaces mixed', 'if True:\n        X = 1\n\tY = 2\n', /TabError|IndentationError/],
	];
	for (const [name, tail, message] of broken) {
		test(`${name}: refused with the line and Python's message, exit 3, nothing written`, async () => {
			const server = await fakeServer();
			const text = await readFile(server.settings, 'utf8');
			await writeFile(server.settings, text + tail);
			const line = text.split('\n').length + tail.split('\n').length - 2;
			const before = await snapshot(server);
			const result = await runCli([...server.args, '--non-interactive', '--json', '--skip-test', '--provider', 'local']);
			assert.equal(result.code, 3, result.stdout + result.stderr);
			const error = JSON.parse(result.stdout).error as {id: string; message: string};
			assert.equal(error.id, 'settings-syntax');
			assert.match(error.message, message);
			assert.match(error.message, new RegExp(`at line (${line}|${line - 1}|${line + 1})\\b`));
			assert.equal(await snapshot(server), before);
		});
	}
});

describe('bytes the tool does not own stay as they were', () => {
	test('a latin-1 settings.py and secrets file keep their non-UTF-8 bytes', async () => {
		const server = await fakeServer();
		const settings = Buffer.concat([
			Buffer.from('# -*- coding: latin-1 -*-\n'),
			await readFile(server.settings),
			Buffer.from('# Caf\xe9 \xab Z\xfcrich \xbb\n', 'latin1'),
			Buffer.from('INSTALLATION_NAME = "Caf\xe9"\n', 'latin1'),
		]);
		await writeFile(server.settings, settings);
		const secrets = Buffer.concat([await readFile(server.secrets), Buffer.from('legacy_note = d\xe9j\xe0 vu\n', 'latin1')]);
		await writeFile(server.secrets, secrets);
		const result = await runCli(mailgun(server), {env: {ZULIP_EMAIL_PASSWORD: 'latin-password'}});
		assert.equal(result.code, 0, result.stdout + result.stderr);
		const settingsAfter = await readFile(server.settings);
		const secretsAfter = await readFile(server.secrets);
		assert.ok(!settingsAfter.includes(Buffer.from('\uFFFD')) && !secretsAfter.includes(Buffer.from('\uFFFD')), 'U+FFFD written');
		assert.ok(settingsAfter.includes(Buffer.from('# Caf\xe9 \xab Z\xfcrich \xbb\nINSTALLATION_NAME = "Caf\xe9"\n', 'latin1')));
		assert.ok(secretsAfter.includes(Buffer.from('legacy_note = d\xe9j\xe0 vu\n', 'latin1')));
		assert.match(settingsAfter.toString('latin1'), /^EMAIL_HOST = "smtp\.mailgun\.org"$/m);
	});
});

describe('symbolic links', () => {
	test('a secrets file that links to nothing is refused, naming where it points; the link stays a link', async () => {
		const server = await fakeServer();
		await rm(server.secrets);
		const target = path.join(server.dir, 'moved-away', 'zulip-secrets.conf');
		await symlink(target, server.secrets);
		const result = await runCli(mailgun(server), {env: {ZULIP_EMAIL_PASSWORD: 'x-password'}});
		assert.equal(result.code, 3, result.stdout + result.stderr);
		assert.match(JSON.parse(result.stdout).error.message, new RegExp(`symbolic link to ${target.replaceAll('/', '\\/')}, which does not exist`));
		assert.ok((await lstat(server.secrets)).isSymbolicLink());
		assert.equal(existsSync(target), false);
	});
});

describe('settings replaced after the email block', () => {
	test('exec(), a star import and globals() after the email settings are named by line in --check and JSON', async () => {
		const server = await fakeServer();
		const text = await readFile(server.settings, 'utf8');
		const lines = text.split('\n').length;
		await writeFile(server.settings, `${text}exec(open("/etc/zulip/extra_settings.py").read())\nfrom local_settings import *\nglobals()["EMAIL_HOST"] = "elsewhere"\n# exec(commented) is fine\n`);
		// --check also asks DNS about the From domains: a loopback server, never the system's resolver.
		const dns = await startDnsServer({records: {}});
		const result = await runCli([...server.args, '--check', '--json', '--dns-server', dns.address]);
		const warnings = (JSON.parse(result.stdout) as {warnings: string[]}).warnings.filter(warning => /after the email settings/.test(warning));
		assert.equal(warnings.length, 3, JSON.stringify(warnings));
		assert.match(warnings[0]!, new RegExp(`^Line ${lines} of settings\\.py \\(exec\\(open`));
		assert.match(warnings[1]!, new RegExp(`^Line ${lines + 1} .*import \\*`));
		assert.match(warnings[2]!, new RegExp(`^Line ${lines + 2} .*globals\\(\\)`));
		const human = await runCli([...server.args, '--check', '--dns-server', dns.address]).finally(() => dns.close());
		assert.match(human.stdout, new RegExp(`Line ${lines} of settings\\.py`));
	});
});

describe('world-readable secrets and a secrets file that is not Zulip\'s', () => {
	test('a 0644 secrets file is warned about; --fix-secrets-mode makes it 0640 (and its backup no wider)', async () => {
		const server = await fakeServer();
		await chmod(server.secrets, 0o644);
		const plain = await runCli(mailgun(server), {env: {ZULIP_EMAIL_PASSWORD: 'first-password'}});
		assert.equal(plain.code, 0, plain.stdout + plain.stderr);
		assert.ok((JSON.parse(plain.stdout).warnings as string[]).some(warning => /readable by every user.*0644/.test(warning)));
		assert.equal((await stat(server.secrets)).mode & 0o777, 0o644, 'nothing changes without the flag');
		const fixed = await runCli([...mailgun(server), '--fix-secrets-mode'], {env: {ZULIP_EMAIL_PASSWORD: 'second-password'}});
		assert.equal(fixed.code, 0, fixed.stdout + fixed.stderr);
		assert.equal((await stat(server.secrets)).mode & 0o777, 0o640);
		const backup = (JSON.parse(fixed.stdout).files as Array<{path: string; backup: string | null}>).find(file => file.path === server.secrets)!.backup!;
		assert.equal((await stat(backup)).mode & 0o007, 0, 'the backup of the secrets is not readable by everyone either');
	});

	test('the wizard offers the fix with the changes to review, and confirming the write applies it', async () => {
		const server = await fakeServer();
		await chmod(server.secrets, 0o644);
		const engine = createEngine({paths: server});
		const controller = new AbortController();
		const {loaded} = await engine.load(controller.signal);
		const answers = {...answersForProvider(loaded, 'mailgun'), username: 'postmaster@mg.example.org', password: {kind: 'new' as const, value: 'wizard-password'}};
		const plan = await engine.plan(loaded, answers, controller.signal);
		const offer = planEntries(plan).find(entry => entry.tone === 'warn');
		assert.match(offer?.text ?? '', /zulip-secrets\.conf is readable by every user \(mode 0644\): writing also makes it 0640/);
		await engine.apply(plan, controller.signal);
		assert.equal((await stat(server.secrets)).mode & 0o777, 0o640);
	});

	test('a --secrets file with sections but no [secrets] is refused, not appended to', async () => {
		const server = await fakeServer();
		await writeFile(server.secrets, '[client]\nuser = root\npassword = mysql-secret\n\n[mysqld]\nbind-address = 127.0.0.1\n');
		const before = await snapshot(server);
		const result = await runCli(mailgun(server), {env: {ZULIP_EMAIL_PASSWORD: 'x-password'}});
		assert.equal(result.code, 3, result.stdout + result.stderr);
		assert.equal(JSON.parse(result.stdout).error.id, 'secrets-not-zulip');
		assert.equal(await snapshot(server), before);
	});
});

describe('--transcript never clobbers', () => {
	test('the configuration files, a symlink in a sticky directory, a foreign file: refused before anything (exit 2)', async () => {
		const server = await fakeServer();
		const before = await snapshot(server);
		const sticky = await mkdtemp(path.join(tmpdir(), 'zes-sticky-'));
		await chmod(sticky, 0o1777);
		const victim = path.join(await mkdtemp(path.join(tmpdir(), 'zes-victim-')), 'root-owned');
		await writeFile(victim, 'precious\n');
		const planted = path.join(sticky, 'transcript.log');
		await symlink(victim, planted);
		const foreign = path.join(sticky, 'notes.txt');
		await writeFile(foreign, 'not a transcript\n');
		for (const transcript of [server.settings, server.secrets, `${server.secrets}.bak-20260101-000000`, planted, foreign, path.join(server.dir, 'missing-dir', 't.log')]) {
			// A loopback DNS address that answers nothing: should a refusal ever fail, no query leaves the machine.
			const result = await runCli([...server.args, '--check', '--json', '--dns-server', '127.0.0.1:9', '--transcript', transcript]);
			assert.equal(result.code, 2, `${transcript}: ${result.stdout}`);
			assert.match(JSON.parse(result.stdout).error.message, /^--transcript: /);
		}

		assert.equal(await snapshot(server), before);
		assert.equal(await readFile(victim, 'utf8'), 'precious\n');
		assert.equal(await readFile(foreign, 'utf8'), 'not a transcript\n');
	});

	test('written without following a symlink planted after the check; an earlier transcript is replaced', async () => {
		const dir = await mkdtemp(path.join(tmpdir(), 'zes-transcript-'));
		const victim = path.join(dir, 'victim');
		await writeFile(victim, 'precious\n');
		const planted = path.join(dir, 'planted.log');
		await symlink(victim, planted);
		const transcript = new Transcript(new Redactor('pw-123'));
		transcript.client('EHLO example.org');
		await assert.rejects(transcript.write(planted), /symbolic link/);
		assert.equal(await readFile(victim, 'utf8'), 'precious\n');
		const earlier = path.join(dir, 'earlier.log');
		await transcript.write(earlier);
		transcript.server('250 ok');
		await transcript.write(earlier);
		assert.match(await readFile(earlier, 'utf8'), new RegExp(`^${TRANSCRIPT_HEADER.replace(/[()]/g, '\\$&')}\\n[\\s\\S]*S: 250 ok`));
	});

	test('a reply flood is capped in memory and on disk', async () => {
		const dir = await mkdtemp(path.join(tmpdir(), 'zes-flood-'));
		const transcript = new Transcript(new Redactor('pw-123'));
		const line = `250-${'x'.repeat(200)}`;
		for (let index = 0; index < 20; index++) transcript.server(Array.from({length: 2000}, () => line).join('\r\n'));
		const file = path.join(dir, 'flood.log');
		await transcript.write(file);
		const size = (await stat(file)).size;
		assert.ok(size <= TRANSCRIPT_LIMIT + 200, `${size} bytes`);
		assert.match(await readFile(file, 'utf8'), /transcript cut here/);
	});
});

describe('input checked before anything is written (exit 2)', () => {
	test('--ca-file that is no PEM certificate, --transcript that cannot be created, --to that is no address, --timeout below 1 s', async () => {
		const server = await fakeServer();
		const before = await snapshot(server);
		const notPem = path.join(server.dir, 'not-a-cert.pem');
		await writeFile(notPem, 'hello\n');
		const badPem = path.join(server.dir, 'bad-cert.pem');
		await writeFile(badPem, '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n');
		await mkdir(path.join(server.dir, 'sub'));
		const cases: Array<[string[], RegExp]> = [
			[['--ca-file', notPem], /no PEM certificate/],
			[['--ca-file', badPem], /not a valid PEM certificate/],
			[['--ca-file', path.join(server.dir, 'missing.pem')], /cannot be read \(ENOENT\)/],
			[['--transcript', path.join(server.dir, 'missing', 't.log')], /cannot be created/],
			[['--to', 'not-an-address'], /^--to: /],
			[['--timeout', '0.5'], /from 1 to 600/],
		];
		for (const [extra, message] of cases) {
			const result = await runCli([...mailgun(server), ...extra], {env: {ZULIP_EMAIL_PASSWORD: 'never-written'}});
			assert.equal(result.code, 2, `${extra.join(' ')}: ${result.stdout}`);
			assert.match(JSON.parse(result.stdout).error.message, message);
		}

		assert.equal(await snapshot(server), before);
		assert.deepEqual((await readdir(server.dir)).sort(), ['bad-cert.pem', 'not-a-cert.pem', 'settings.py', 'sub', 'zulip-secrets.conf']);
	});

	test('the wizard checks --ca-file before its first question (exit 2)', async () => {
		const server = await fakeServer();
		const notPem = path.join(server.dir, 'not-a-cert.pem');
		await writeFile(notPem, 'hello\n');
		const session = new PtySession(process.execPath, [path.join(ROOT, 'bin/zulip-email-setup.js'), ...server.args, '--ca-file', notPem], {cwd: ROOT, cols: 80, rows: 24});
		try {
			assert.equal(await session.exit(), 2, session.text);
			assert.match(session.text, /--ca-file .*holds no PEM certificate/);
			assert.doesNotMatch(session.text, /Which service/);
		} finally {
			session.kill();
		}
	});

	test('a tab inside a password from the environment is accepted and read back by configparser', async () => {
		const server = await fakeServer();
		const result = await runCli(mailgun(server), {env: {ZULIP_EMAIL_PASSWORD: 'tab\tinside'}});
		assert.equal(result.code, 0, result.stdout + result.stderr);
		assert.equal(await pyRawConfigRead(await readFile(server.secrets, 'utf8'), 'secrets', 'email_password'), 'tab\tinside');
	});

	test('a secrets file with 150,000 keys is edited without a stack overflow', () => {
		const lines = ['[secrets]'];
		for (let index = 0; index < 150_000; index++) lines.push(`key${index} = value${index}`);
		const after = setSecret(lines.join('\n') + '\n', 'big-file-password');
		assert.match(after, /\nemail_password = big-file-password\n$/);
	});
});

void isRoot;
