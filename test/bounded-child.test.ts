// Deadlines that cannot be escaped and output that cannot blow memory, for
// every program this tool runs (python3 over settings.py, manage.py
// send_test_email, the restart command). Real child processes: python3
// scripts that double-fork, call setsid() and hold the pipe, flood output or
// never exit. Deadlines are passed in; the assertions are on outcomes (the
// verdict, what was captured, which processes are left in /proc), never on
// how long anything took.
import assert from 'node:assert/strict';
import {existsSync, readFileSync} from 'node:fs';
import {mkdtemp, readFile, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, before, describe, test} from 'node:test';
import {LINE_CUT, LINE_LIMIT, LineSplitter, OUTPUT_CUT, OUTPUT_LIMIT, runBounded} from '../source/engine/bounded-child.js';
import {RESTART_TIMEOUT_MS, RESTART_TIMEOUT_VARIABLE, restartServer, restartTimeoutMs} from '../source/engine/restart.js';
import {confirmWithZulip} from '../source/engine/zulip-confirm.js';
import {evaluateSettings} from '../source/zulip/python-eval.js';
import {runPython} from '../source/zulip/python-runner.js';
import {fakeServer, runCli} from './helpers/cli.js';
import {startDnsServer} from './helpers/dns-servers.js';
import {ensureBuilt} from './helpers/program.js';
import {unusedPort} from './helpers/smtp-servers.js';

const env = {PATH: process.env.PATH ?? '/usr/bin:/bin'};
/** Long enough that only a hang reaches it: a run that ends by the deadline here is the bug. */
const GENEROUS_MS = 120_000;
const ADMIN = 'admin@chat.example.org';

let root: string;
before(async () => {
	root = await mkdtemp(join(tmpdir(), 'bounded-child-'));
});
after(async () => {
	await rm(root, {recursive: true, force: true});
});

/**
 * Python that leaves a daemon behind: fork, setsid() in the child, fork
 * again, and the grandchild (its own session, orphaned to init) keeps fd 1
 * and 2 open and sleeps for good. The parent waits until the grandchild has
 * told its pid (written to `pidFile`), so the daemon exists before the
 * parent goes on.
 */
function daemonPython(pidFile: string, options: {closePipes?: boolean} = {}): string {
	return [
		'import os, sys, time',
		'r, w = os.pipe()',
		'if os.fork() == 0:',
		'    os.setsid()',
		'    if os.fork() == 0:',
		...(options.closePipes ? ['        devnull = os.open("/dev/null", os.O_RDWR)', '        for fd in (0, 1, 2): os.dup2(devnull, fd)'] : []),
		`        with open(${JSON.stringify(pidFile)}, "w") as f: f.write(str(os.getpid()))`,
		'        os.write(w, b"x")',
		'        while True: time.sleep(1000)',
		'    os._exit(0)',
		'os.read(r, 1)',
	].join('\n');
}

/** Whether the daemon got as far as writing its pid. */
function started(pidFile: string): boolean {
	return existsSync(pidFile) && readFileSync(pidFile, 'utf8').trim() !== '';
}

/**
 * Run with a short deadline; under load the deadline can come before the
 * daemon is up, so it doubles until a run's daemon existed (nothing of a
 * run's tree survives it, so a pid file found afterwards was written before
 * the kill). The test then checks that run.
 */
async function pastTheDaemon<T>(pidFile: string, run: (timeoutMs: number) => Promise<T>): Promise<{result: T; timeoutMs: number}> {
	for (let timeoutMs = 300; ; timeoutMs *= 2) {
		const result = await run(timeoutMs);
		if (started(pidFile) || timeoutMs > GENEROUS_MS) return {result, timeoutMs};
	}
}

/** Whether a pid is still a live process (a zombie waits only for its reaping). */
function alive(pidFile: string): boolean {
	assert.ok(started(pidFile), 'the daemon was started');
	const pid = readFileSync(pidFile, 'utf8').trim();
	const stat = `/proc/${pid}/stat`;
	if (!existsSync(stat)) return false;
	try {
		const fields = readFileSync(stat, 'latin1');
		return fields.slice(fields.lastIndexOf(')') + 2)[0] !== 'Z';
	} catch {
		return false;
	}
}

describe('the verdict is the exit, and nothing outlives the run', () => {
	test('success is recognised although a setsid grandchild holds the pipe; the grandchild is dead afterwards', async () => {
		const pidFile = join(root, 'holder.pid');
		const script = `${daemonPython(pidFile)}\nprint("all done", flush=True)\nsys.exit(0)\n`;
		const result = await runBounded({file: 'python3', args: ['-c', script], env, timeoutMs: GENEROUS_MS});
		assert.equal(result.outcome, 'exited', 'ended by its exit, not by the deadline');
		assert.equal(result.code, 0);
		assert.match(result.stdout, /all done/);
		assert.equal(alive(pidFile), false, 'the daemon that held stdout was killed');
	});

	test('a daemon that closed its pipes and left the session is killed too (the program runs under a subreaper)', async () => {
		const pidFile = join(root, 'quiet.pid');
		const result = await runBounded({file: 'python3', args: ['-c', `${daemonPython(pidFile, {closePipes: true})}\nprint("bye")\n`], env, timeoutMs: GENEROUS_MS});
		assert.equal(result.outcome, 'exited');
		assert.equal(alive(pidFile), false, 'a double-forked setsid daemon does not outlive the run');
	});

	test('a program that never exits ends at the deadline it was given, its daemon with it; exit codes come through', async () => {
		const pidFile = join(root, 'forever.pid');
		const {result} = await pastTheDaemon(pidFile, async timeoutMs => runBounded({file: 'python3', args: ['-c', `${daemonPython(pidFile)}\nprint("started", flush=True)\nwhile True: time.sleep(1000)\n`], env, timeoutMs}));
		assert.equal(result.outcome, 'timeout');
		assert.equal(result.code, null);
		assert.equal(alive(pidFile), false);
		const failed = await runBounded({file: 'python3', args: ['-c', 'import sys; sys.exit(3)'], env, timeoutMs: GENEROUS_MS});
		assert.deepEqual([failed.outcome, failed.code], ['exited', 3]);
	});

	test('a cancel ends the run the same way; a missing program is not-started with ENOENT', async () => {
		const pidFile = join(root, 'cancelled.pid');
		const controller = new AbortController();
		const running = runBounded({file: 'python3', args: ['-c', `${daemonPython(pidFile)}\nprint("ready", flush=True)\nwhile True: time.sleep(1000)\n`], env, timeoutMs: GENEROUS_MS, signal: controller.signal, onLine: line => {
			if (line === 'ready') controller.abort();
		}});
		const result = await running;
		assert.equal(result.outcome, 'cancelled');
		assert.equal(alive(pidFile), false);
		const missing = await runBounded({file: join(root, 'no-such-program'), args: [], env, timeoutMs: GENEROUS_MS});
		assert.equal(missing.outcome, 'not-started');
		assert.equal(missing.error?.code, 'ENOENT');
	});

	test('without python3 for the keeper: still judged on exit, its session killed; a missing directory is not-started', async () => {
		const pidFile = join(root, 'no-keeper.pid');
		// No python3 on this PATH: the program runs directly, in a session of its own.
		const result = await runBounded({file: '/bin/sh', args: ['-c', `/bin/sleep 1000 & echo $! > ${pidFile}; echo ok`], env: {PATH: join(root, 'empty')}, timeoutMs: GENEROUS_MS});
		assert.equal(result.outcome, 'exited');
		assert.equal(result.stdout, 'ok\n');
		assert.equal(alive(pidFile), false, 'the background sleep holding stdout was killed');
		const nowhere = await runBounded({file: '/bin/sh', args: ['-c', 'true'], env, cwd: join(root, 'no-such-directory'), timeoutMs: GENEROUS_MS});
		assert.equal(nowhere.outcome, 'not-started');
		assert.equal(nowhere.error?.code, 'ENOENT');
	});

	test('settings.py code that double-forks and holds stdout: the values are read, the daemon is dead (python-eval)', async () => {
		const pidFile = join(root, 'settings.pid');
		const text = `${daemonPython(pidFile)}\nEMAIL_HOST = "smtp.example.com"\nEMAIL_PORT = 587\n`;
		const values = await evaluateSettings(text, ['EMAIL_HOST', 'EMAIL_PORT'], {timeoutMs: GENEROUS_MS});
		assert.deepEqual(values, {EMAIL_HOST: 'smtp.example.com', EMAIL_PORT: 587});
		assert.equal(alive(pidFile), false);
	});

	test('--check on a settings.py whose code leaves a daemon on stdout: the computed value is read, the run goes on, the daemon is dead', async () => {
		await ensureBuilt();
		const server = await fakeServer();
		const pidFile = join(server.dir, 'daemon.pid');
		const port = await unusedPort();
		const text = await readFile(server.settings, 'utf8');
		// EMAIL_PORT is computed, so python3 runs the file; nothing listens on it, so the test ends at once on loopback.
		await writeFile(server.settings, text.replace('# EMAIL_HOST = "smtp.example.com"', `${daemonPython(pidFile)}\nEMAIL_HOST = "127.0.0.1"\nEMAIL_PORT = int("${port}")`));
		// The DNS checks ask a loopback server, never the system's resolver.
		const dns = await startDnsServer({records: {}});
		let result;
		try {
			result = await runCli([...server.args, '--check', '--json', '--dns-server', dns.address]);
		} finally {
			await dns.close();
		}

		const report = JSON.parse(result.stdout) as {error?: unknown; test: {diagnosis: {id: string; message: string}}};
		assert.equal(report.error, undefined, result.stdout);
		assert.equal(report.test.diagnosis.id, 'connection-refused');
		assert.ok(report.test.diagnosis.message.includes(`127.0.0.1:${port}`), report.test.diagnosis.message);
		assert.equal(alive(pidFile), false);
	});

	test('settings.py code that never ends: a ConfigError naming the deadline, and nothing left running', async () => {
		const pidFile = join(root, 'settings-forever.pid');
		const {result, timeoutMs} = await pastTheDaemon(pidFile, async timeoutMs => evaluateSettings(`${daemonPython(pidFile)}\nwhile True: time.sleep(1000)\n`, ['EMAIL_HOST'], {timeoutMs}).then(() => undefined, (error: unknown) => error));
		assert.ok(result instanceof Error);
		assert.equal(result.message, `python3 did not finish running settings.py within ${timeoutMs / 1000} seconds; it was stopped, with every process it started.`);
		assert.equal(alive(pidFile), false);
	});

	test('manage.py send_test_email that prints success and leaves a daemon on its stdout: sent, not timeout', async () => {
		const deployment = await mkdtemp(join(root, 'deployment-'));
		const pidFile = join(deployment, 'daemon.pid');
		await writeFile(join(deployment, 'manage.py'), `#!/usr/bin/env python3\n${daemonPython(pidFile)}\nprint("Successfully sent 2 emails to ${ADMIN}!", flush=True)\n`, {mode: 0o755});
		const result = await confirmWithZulip({deployment, to: ADMIN, identity: {self: true, name: 'the test user'}, timeoutMs: GENEROUS_MS});
		assert.equal(result.outcome, 'sent', result.reason);
		assert.equal(result.ok, true);
		assert.equal(alive(pidFile), false);
	});

	test('the restart command gets a deadline: stopped with its daemon, and a message that says what to do', async () => {
		const pidFile = join(root, 'restart.pid');
		const script = join(root, 'restart.py');
		await writeFile(script, `${daemonPython(pidFile)}\nprint("Stopping services", flush=True)\nwhile True: time.sleep(1000)\n`);
		const {result, timeoutMs} = await pastTheDaemon(pidFile, async timeoutMs => restartServer({command: `python3 ${script}`, timeoutMs}));
		assert.equal(result.ok, false);
		assert.equal(result.exitCode, null);
		assert.ok(result.problem?.includes(`did not finish within ${timeoutMs / 1000} seconds, so it was stopped, with every process it started`), result.problem);
		assert.match(result.problem ?? '', /`python3 .*restart\.py` yourself/);
		assert.equal(alive(pidFile), false);
	});

	test('the restart deadline is ten minutes unless the variable sets another', () => {
		assert.equal(RESTART_TIMEOUT_MS, 600_000);
		assert.equal(restartTimeoutMs({}), 600_000);
		assert.equal(restartTimeoutMs({[RESTART_TIMEOUT_VARIABLE]: '2.5'}), 2500);
		assert.equal(restartTimeoutMs({[RESTART_TIMEOUT_VARIABLE]: 'soon'}), 600_000);
	});
});

describe('output is bounded', () => {
	test('a flood on fd 2 keeps the first MiB and says it was cut (runPython)', async () => {
		const flood = 'import sys\nchunk = b"e" * 65536\nfor _ in range(320): sys.stderr.buffer.write(chunk)\nprint("{}")\n';
		const result = await runPython({script: flood, request: '', identity: {run: true, who: 'the test user'}, timeoutMs: GENEROUS_MS});
		assert.equal(result.code, 0);
		assert.equal(result.stdout.trim(), '{}');
		assert.ok(result.stderr.endsWith(OUTPUT_CUT), result.stderr.slice(-40));
		assert.ok(result.stderr.length <= OUTPUT_LIMIT + OUTPUT_CUT.length + 1, `kept ${result.stderr.length} characters`);
		assert.ok(result.stderr.startsWith('eeee'));
	});

	test('a restart that prints 20 MB with no newline: one line, cut at the line limit', async () => {
		const lines: string[] = [];
		const result = await restartServer({command: 'python3 -c \'import sys; sys.stdout.write("y" * 20_000_000); sys.stdout.flush()\'; echo; echo "Zulip restarted successfully!"', timeoutMs: GENEROUS_MS, onLine: line => lines.push(line)});
		assert.equal(result.ok, true);
		assert.equal(result.confirmed, true);
		assert.equal(lines.length, 2);
		assert.equal(lines[0], `${'y'.repeat(LINE_LIMIT)}${LINE_CUT}`);
	});

	test('lines: CRLF ends a line, a character split between chunks stays whole, the last line without a newline is kept', () => {
		const lines: string[] = [];
		const splitter = new LineSplitter(line => lines.push(line), 8);
		const euro = Buffer.from('€');
		splitter.push(Buffer.concat([Buffer.from('one\r\ntw'), euro.subarray(0, 1)]));
		splitter.push(Buffer.concat([euro.subarray(1), Buffer.from('o\n0123456789abc\nlast')]));
		splitter.end();
		assert.deepEqual(lines, ['one', 'tw€o', `01234567${LINE_CUT}`, 'last']);
	});
});
