/**
 * Issue 19: root never acts on a path another user controls. Every case is
 * built the way a careful attacker would on a real server: real users
 * (created here with useradd, removed afterwards), a throwaway tree shaped
 * like /etc/zulip (0755 zulip:zulip, settings.py 0644, secrets 0640), real
 * symlinks and renames, and for the race a real process running as the
 * zulip-like user that swaps settings.py for a link in a loop while the tool
 * runs; its deterministic twin uses the pause hook (source/engine/test-pause.ts).
 */
import assert from 'node:assert/strict';
import {spawn, spawnSync, type ChildProcess} from 'node:child_process';
import {closeSync, constants, existsSync, fstatSync, lstatSync, openSync, readdirSync, readFileSync} from 'node:fs';
import {chmod, chown, copyFile, lchown, mkdir, mkdtemp, readFile, rm, stat, symlink, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {after, before, describe, test} from 'node:test';
import {loadCompose} from '../source/docker/compose-project.js';
import {loadHelm} from '../source/docker/helm-values.js';
import {loadConfig} from '../source/engine/current-config.js';
import {ConfigError} from '../source/engine/errors.js';
import {acquireRunLock} from '../source/engine/run-lock.js';
import {confirmWithZulip} from '../source/engine/zulip-confirm.js';
import {writeFileSafely} from '../source/engine/safe-write.js';
import {TEST_PAUSE_ENV} from '../source/engine/test-pause.js';
import {LogsUnreadableError, readMailLog} from '../source/logs/mail-log.js';
import {runCli} from './helpers/cli.js';

const isRoot = process.geteuid?.() === 0;
const skip = !isRoot && 'needs root: creates test users with useradd and switches to them (run the suite as root to cover issue 19)';
const ROOT = path.resolve(import.meta.dirname, '..');
const FIXTURES = path.join(ROOT, 'test/fixtures');

interface TestUser {
	readonly name: string;
	readonly uid: number;
	readonly gid: number;
}

const suffix = String(process.pid % 100_000);
const users: TestUser[] = [];

function addUser(name: string): TestUser {
	spawnSync('userdel', [name], {encoding: 'utf8'});
	const made = spawnSync('useradd', ['--system', '--user-group', '--no-create-home', '--shell', '/usr/sbin/nologin', name], {encoding: 'utf8'});
	assert.equal(made.status, 0, `useradd ${name}: ${made.stderr}`);
	const id = (flag: string) => Number(spawnSync('id', [flag, name], {encoding: 'utf8'}).stdout.trim());
	const user = {name, uid: id('-u'), gid: id('-g')};
	users.push(user);
	return user;
}

/** Run python3 code as `user` in `cwd`. */
function asUser(user: TestUser, code: string, cwd = '/'): {status: number | null; stdout: string; stderr: string} {
	const run = spawnSync('python3', ['-c', code], {cwd, uid: user.uid, gid: user.gid, encoding: 'utf8'});
	return {status: run.status, stdout: run.stdout, stderr: run.stderr};
}

/** renameat2(RENAME_EXCHANGE) through ctypes: swaps two names atomically, as an attacker would. */
const EXCHANGE = String.raw`
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
def exchange(a, b):
    if libc.renameat2(-100, a.encode(), -100, b.encode(), 2) != 0:
        raise OSError(ctypes.get_errno(), os.strerror(ctypes.get_errno()))
`;

interface Tree {
	readonly base: string;
	/** Shaped like /etc/zulip: 0755 zulip:zulip. */
	readonly etc: string;
	readonly settings: string;
	readonly secrets: string;
	/** A root-only file (0600 in a 0700 root directory). */
	readonly rootOnly: string;
	/** A root-owned file others may read but only root may write, like /etc/passwd. */
	readonly passwdLike: string;
	readonly args: string[];
}

async function zulipTree(zulip: TestUser): Promise<Tree> {
	const base = await mkdtemp(path.join(tmpdir(), 'zes-privsep-'));
	await chmod(base, 0o755);
	after(() => rm(base, {recursive: true, force: true}));
	const etc = path.join(base, 'etc-zulip');
	await mkdir(etc);
	await chown(etc, zulip.uid, zulip.gid);
	await chmod(etc, 0o755);
	const settings = path.join(etc, 'settings.py');
	const secrets = path.join(etc, 'zulip-secrets.conf');
	await copyFile(path.join(FIXTURES, 'settings', 'zulip-2024.py'), settings);
	await copyFile(path.join(FIXTURES, 'secrets', 'zulip-generated.conf'), secrets);
	await chown(settings, zulip.uid, zulip.gid);
	await chmod(settings, 0o644);
	await chown(secrets, zulip.uid, zulip.gid);
	await chmod(secrets, 0o640);
	const rootOnlyDir = path.join(base, 'rootonly');
	await mkdir(rootOnlyDir, {mode: 0o700});
	const rootOnly = path.join(rootOnlyDir, 'shadow');
	await writeFile(rootOnly, `root:ROOT-ONLY-${suffix}:19000:0:99999:7:::\n`, {mode: 0o600});
	const rootReadable = path.join(base, 'etc');
	await mkdir(rootReadable, {mode: 0o755});
	const passwdLike = path.join(rootReadable, 'passwd');
	await writeFile(passwdLike, `root:x:0:0:root:/root:/bin/sh\nPASSWD-LIKE-${suffix}\n`, {mode: 0o644});
	return {base, etc, settings, secrets, rootOnly, passwdLike, args: ['--settings', settings, '--secrets', secrets, '--deployment', path.join(base, 'no-deployment')]};
}

/** Every regular file under `directory`, with owner and content. */
function filesUnder(directory: string): Array<{file: string; uid: number; text: string}> {
	const found: Array<{file: string; uid: number; text: string}> = [];
	for (const name of readdirSync(directory)) {
		const file = path.join(directory, name);
		const stats = lstatSync(file);
		if (stats.isDirectory()) {
			found.push(...filesUnder(file));
			continue;
		}

		// Through one descriptor that never follows a link: the attacker may swap the name between two lookups,
		// and this check (run as root) must not read the victim through the link itself.
		let fd: number;
		try {
			fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
		} catch {
			continue;
		}

		try {
			const opened = fstatSync(fd);
			if (opened.isFile()) found.push({file, uid: opened.uid, text: readFileSync(fd, 'latin1')});
		} finally {
			closeSync(fd);
		}
	}

	return found;
}

/** What must hold whatever the attacker did: the victims are as they were, their bytes nowhere else, no root-owned file where zulip writes. */
async function assertNothingEscaped(tree: Tree, victims: ReadonlyMap<string, string>): Promise<void> {
	for (const [victim, text] of victims) {
		assert.equal(await readFile(victim, 'utf8'), text, `${victim} is untouched`);
		assert.equal((await stat(victim)).uid, 0);
	}

	// The root-only file's bytes appear nowhere; the world-readable one's only where zulip could have copied them itself.
	for (const entry of filesUnder(tree.base)) {
		if (victims.has(entry.file)) continue;
		for (const [victim, text] of victims) {
			const leaked = entry.text.includes(text.trim().split('\n').at(-1)!);
			if (victim === tree.rootOnly) assert.ok(!leaked, `${entry.file} holds the bytes of the root-only ${victim}`);
			else assert.ok(!leaked || entry.uid !== 0, `${entry.file}, owned by root, holds the bytes of ${victim}`);
		}
	}

	for (const entry of filesUnder(tree.etc)) {
		assert.notEqual(entry.uid, 0, `${entry.file} is owned by root in a directory zulip controls`);
	}

	assert.deepEqual(readdirSync(path.dirname(tree.rootOnly)), [path.basename(tree.rootOnly)], 'nothing was created beside the root-only file');
	assert.deepEqual(readdirSync(path.dirname(tree.passwdLike)), [path.basename(tree.passwdLike)], 'nothing was created beside the passwd-like file');
}

function victimsOf(tree: Tree): Promise<Map<string, string>> {
	return Promise.all([tree.rootOnly, tree.passwdLike].map(async file => [file, await readFile(file, 'utf8')] as const)).then(entries => new Map(entries));
}

function startCli(args: readonly string[], env: NodeJS.ProcessEnv): {child: ChildProcess; done: Promise<{code: number | null; output: string}>} {
	const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'source/cli.tsx'), ...args], {cwd: ROOT, env: {...process.env, NO_COLOR: '1', ...env}, stdio: ['ignore', 'pipe', 'pipe']});
	let output = '';
	child.stdout!.setEncoding('utf8').on('data', chunk => (output += chunk));
	child.stderr!.setEncoding('utf8').on('data', chunk => (output += chunk));
	return {child, done: new Promise(resolve => child.on('close', code => resolve({code, output})))};
}

/** Resolves once `file` exists (the pause hook announces itself), or rejects when the program ended first. */
async function appears(file: string, running: {done: Promise<{code: number | null; output: string}>}): Promise<void> {
	let ended: {code: number | null; output: string} | undefined;
	void running.done.then(result => (ended = result));
	while (!existsSync(file)) {
		if (ended) throw new Error(`the program ended before ${path.basename(file)}: ${ended.output}`);
		await new Promise(resolve => setImmediate(resolve));
	}
}

const mailgunArgs = (user: string) => ['--non-interactive', '--skip-test', '--provider', 'mailgun', '--username', user];

describe('issue 19: privilege separation, on a tree shaped like /etc/zulip with real users', {skip}, () => {
	let zulip: TestUser;
	let bob: TestUser;
	before(() => {
		zulip = addUser(`zes-privsep-z${suffix}`);
		bob = addUser(`zes-privsep-b${suffix}`);
	});
	after(() => {
		for (const user of users) spawnSync('userdel', [user.name]);
	});

	for (const victim of ['rootOnly', 'passwdLike'] as const) {
		test(`item 1, deterministic: settings.py swapped for a link to a ${victim === 'rootOnly' ? 'root-only file' : 'root-owned, world-readable file'} after it was looked up is never written through`, async () => {
			const tree = await zulipTree(zulip);
			const victims = await victimsOf(tree);
			const pauseDir = await mkdtemp(path.join(tmpdir(), 'zes-privsep-pause-'));
			after(() => rm(pauseDir, {recursive: true, force: true}));
			await writeFile(path.join(pauseDir, 'after-lookup.pause'), '');
			// The local MTA: only settings.py changes, so the one pause is its write's.
			const running = startCli([...tree.args, '--non-interactive', '--skip-test', '--provider', 'local'], {[TEST_PAUSE_ENV]: pauseDir});
			await appears(path.join(pauseDir, 'after-lookup.reached'), running);
			// The zulip user, in its own directory: settings.py becomes a link to the victim.
			const swap = asUser(zulip, `import os\nos.symlink(${JSON.stringify(tree[victim])}, "planted")\nos.replace("planted", "settings.py")`, tree.etc);
			assert.equal(swap.status, 0, swap.stderr);
			await rm(path.join(pauseDir, 'after-lookup.pause'));
			const result = await running.done;
			assert.notEqual(result.code, 0, 'the write cannot go through the link');
			await assertNothingEscaped(tree, victims);
		});
	}

	test('item 1, the race: a zulip process swapping settings.py and a link with renameat2(RENAME_EXCHANGE) in a loop while the tool writes', async () => {
		const tree = await zulipTree(zulip);
		const victims = await victimsOf(tree);
		await writeFile(path.join(tree.base, 'stop'), '');
		await rm(path.join(tree.base, 'stop'));
		await chmod(tree.base, 0o755);
		// Two links in zulip's directory, to the root-only file and to the passwd-like one, swapped in turn with settings.py; the loop is bounded.
		const attacker = spawn('python3', ['-c', `${EXCHANGE}
import os, sys
os.symlink(${JSON.stringify(tree.rootOnly)}, "evil0")
os.symlink(${JSON.stringify(tree.passwdLike)}, "evil1")
rounds = 0
while rounds < 2_000_000 and not os.path.exists(${JSON.stringify(path.join(tree.base, 'stop'))}):
    try:
        exchange("settings.py", "evil" + str(rounds % 2))
    except OSError:
        pass
    rounds += 1
print(rounds)
`], {cwd: tree.etc, uid: zulip.uid, gid: zulip.gid, stdio: ['ignore', 'pipe', 'inherit']});
		let rounds = '';
		attacker.stdout!.setEncoding('utf8').on('data', chunk => (rounds += chunk));
		const attackerDone = new Promise(resolve => attacker.on('close', resolve));
		try {
			for (let run = 0; run < 6; run++) {
				await runCli([...tree.args, ...mailgunArgs(`run${run}@mg.example.org`)], {env: {ZULIP_EMAIL_PASSWORD: `race-password-${run}`}});
				await assertNothingEscaped(tree, victims);
			}
		} finally {
			// Stop the loop (written as root in root's directory), then wait for it.
			await writeFile(path.join(tree.base, 'stop'), '');
			await attackerDone;
		}

		assert.ok(Number(rounds) > 0, `the attacker swapped (${rounds} rounds)`);
		await assertNothingEscaped(tree, victims);
	});

	test('item 1, the aftermath: a root-owned settings.py in zulip\'s directory is zulip\'s code, run as zulip by a plain read (--check)', async () => {
		const tree = await zulipTree(zulip);
		const out = path.join(tree.base, 'out');
		await mkdir(out);
		await chmod(out, 0o777);
		const seen = path.join(out, 'uid');
		// As if a lost race had left root:root settings.py with zulip's code in it.
		await rm(tree.settings);
		await writeFile(tree.settings, `import os as _os\nEMAIL_HOST = "smtp." + str(_os.system("id -u > ${seen}")) + ".example.org"\n`, {mode: 0o644});
		assert.equal((await stat(tree.settings)).uid, 0);
		await loadConfig({settings: tree.settings, secrets: tree.secrets, deployment: path.join(tree.base, 'none')});
		assert.equal((await readFile(seen, 'utf8')).trim(), String(zulip.uid), 'zulip can replace that file at will: its code never runs as root');
	});

	test('item 2: a root-owned link to a file in a directory zulip controls, which zulip points at a root-only file, is not written through', async () => {
		const tree = await zulipTree(zulip);
		const victims = await victimsOf(tree);
		const zulipHome = path.join(tree.base, 'zulip-home');
		await mkdir(zulipHome);
		await chown(zulipHome, zulip.uid, zulip.gid);
		const rootDir = path.join(tree.base, 'root-etc');
		await mkdir(rootDir, {mode: 0o755});
		const settings = path.join(rootDir, 'settings.py');
		// Root's own link, in root's own directory…
		await symlink(path.join(zulipHome, 'settings.py'), settings);
		// …to a name zulip controls, which zulip points at the root-only file.
		const planted = asUser(zulip, `import os\nos.symlink(${JSON.stringify(tree.rootOnly)}, "settings.py")`, zulipHome);
		assert.equal(planted.status, 0, planted.stderr);
		await assert.rejects(writeFileSafely(settings, 'EMAIL_HOST = "x"\n'), (error: unknown) => error instanceof ConfigError && !error.message.includes('ROOT-ONLY'));
		await assertNothingEscaped(tree, victims);
		// The same chain to the passwd-like file: readable by zulip, but not writable, so nothing is written either.
		await rm(path.join(zulipHome, 'settings.py'));
		assert.equal(asUser(zulip, `import os\nos.symlink(${JSON.stringify(tree.passwdLike)}, "settings.py")`, zulipHome).status, 0);
		await assert.rejects(writeFileSafely(settings, 'hacker::0:0::/root:/bin/sh\n'), ConfigError);
		await assertNothingEscaped(tree, victims);
	});

	test('a directory a whole group may write has no single owner to act as: root refuses to work there', async () => {
		const base = await mkdtemp(path.join(tmpdir(), 'zes-privsep-shared-'));
		after(() => rm(base, {recursive: true, force: true}));
		await chown(base, 0, bob.gid);
		await chmod(base, 0o775);
		const file = path.join(base, 'settings.py');
		await writeFile(file, 'EMAIL_HOST = "a"\n', {mode: 0o644});
		await assert.rejects(writeFileSafely(file, 'EMAIL_HOST = "b"\n'), (error: unknown) => error instanceof ConfigError && error.id === 'shared-directory' && /writable by its whole group \(mode 0775\)/.test(error.message) && /chmod go-w/.test(error.fix ?? ''));
		assert.equal(await readFile(file, 'utf8'), 'EMAIL_HOST = "a"\n');
		assert.deepEqual(readdirSync(base), ['settings.py']);
	});

	/** A directory owned by `owner` with a probe that records who ran it. */
	async function probeDirectory(owner: TestUser): Promise<{dir: string; out: string; code: string}> {
		const base = await mkdtemp(path.join(tmpdir(), 'zes-privsep-probe-'));
		await chmod(base, 0o755);
		after(() => rm(base, {recursive: true, force: true}));
		const outDir = path.join(base, 'out');
		await mkdir(outDir);
		await chmod(outDir, 0o777);
		const dir = path.join(base, 'project');
		await mkdir(dir);
		await chown(dir, owner.uid, owner.gid);
		const out = path.join(outDir, 'uid');
		return {dir, out, code: `[__import__('os').system('id -u >> ${out}')]`};
	}

	test('item 3: --docker runs code from a directory bob owns as bob, even when compose.override.yaml is root\'s; a link to a root-only file is never read', async () => {
		const {dir, out, code} = await probeDirectory(bob);
		const compose = path.join(dir, 'compose.yaml');
		await writeFile(compose, ['services:', '  zulip:', '    image: ghcr.io/zulip/zulip-server:12.0', '    environment:', '      SETTING_EXTERNAL_HOST: zulip.example.org', `      SETTING_EMAIL_PORT: "${code}"`, ''].join('\n'));
		await chown(compose, bob.uid, bob.gid);
		// Root's own override in bob's directory: bob can still replace it, so root's ownership vouches for nothing.
		await writeFile(path.join(dir, 'compose.override.yaml'), 'services:\n  zulip:\n    environment:\n      SETTING_EMAIL_HOST: smtp.example.org\n');
		await loadCompose(dir, {shell: {}});
		assert.deepEqual((await readFile(out, 'utf8')).trim().split('\n'), [String(bob.uid)], 'the code ran as bob, never as root');

		// The override a link to a root-only file (bob's link): read as bob, so it is never read at all.
		const tree = await zulipTree(zulip);
		await rm(path.join(dir, 'compose.override.yaml'));
		await symlink(tree.rootOnly, path.join(dir, 'compose.override.yaml'));
		await lchown(path.join(dir, 'compose.override.yaml'), bob.uid, bob.gid);
		await rm(out);
		await assert.rejects(loadCompose(dir, {shell: {}}), (error: unknown) => error instanceof ConfigError && error.id === 'permission-denied' && !`${error.message}${error.fix ?? ''}`.includes('ROOT-ONLY'));
		assert.equal(existsSync(out), false, 'nothing ran');
		const cli = await runCli(['--docker', dir, '--non-interactive', '--dry-run', '--provider', 'local']);
		assert.doesNotMatch(cli.stdout + cli.stderr, /ROOT-ONLY/);
		assert.equal(existsSync(out), false, 'nothing ran');
	});

	test('item 4: a Helm values file is read, and its owner taken, through one descriptor: code in bob\'s directory runs as bob, even while bob swaps the file', async () => {
		const {dir, out, code} = await probeDirectory(bob);
		const values = path.join(dir, 'values.yaml');
		const probe = ['zulip:', '  environment:', '    SETTING_EXTERNAL_HOST: zulip.example.org', `    SETTING_EMAIL_PORT: "${code}"`, ''].join('\n');
		// Root's file in bob's directory: bob can replace it at any moment.
		await writeFile(values, probe);
		await loadHelm(values);
		assert.deepEqual((await readFile(out, 'utf8')).trim().split('\n'), [String(bob.uid)]);

		// Bob swaps a root-owned file and his own in a loop while the tool reads.
		await writeFile(values, probe.replace(code, '587'));
		const own = asUser(bob, `open("bob.yaml", "w").write(${JSON.stringify(probe)})`, dir);
		assert.equal(own.status, 0, own.stderr);
		const stop = path.join(path.dirname(out), 'stop');
		const attacker = spawn('python3', ['-c', `${EXCHANGE}
import os
rounds = 0
while rounds < 2_000_000 and not os.path.exists(${JSON.stringify(stop)}):
    try:
        exchange("values.yaml", "bob.yaml")
    except OSError:
        pass
    rounds += 1
`], {cwd: dir, uid: bob.uid, gid: bob.gid, stdio: 'ignore'});
		const attackerDone = new Promise(resolve => attacker.on('close', resolve));
		try {
			for (let round = 0; round < 20; round++) {
				await loadHelm(values).catch(() => undefined);
			}
		} finally {
			await writeFile(stop, '');
			await attackerDone;
		}

		const ran = (await readFile(out, 'utf8')).trim().split('\n');
		assert.ok(ran.every(uid => uid === String(bob.uid)), `the code ran as ${[...new Set(ran)].join(', ')}; only bob (${bob.uid}) may run it`);
	});

	test('item 3, manage.py: run as the zulip user only when nobody else can change it or a directory on the way', async () => {
		const {dir, out} = await probeDirectory(bob);
		const managePy = path.join(dir, 'manage.py');
		await writeFile(managePy, `#!/bin/sh\nid -u >> ${out}\necho "Successfully sent 2 emails to $2"\n`, {mode: 0o755});
		await chmod(managePy, 0o755);
		await chown(managePy, bob.uid, bob.gid);
		const identity = {uid: zulip.uid, gid: zulip.gid, name: zulip.name};
		const refused = await confirmWithZulip({deployment: dir, to: 'a@example.org', identity});
		assert.equal(refused.outcome, 'not-run');
		assert.match(refused.reason ?? '', new RegExp(`can be changed by ${bob.name}, so it is not run as ${zulip.name}`));
		assert.equal(existsSync(out), false, 'bob\'s code never ran as zulip');

		// The same script in a directory only zulip (and root) can change: it runs, as zulip.
		await chown(dir, zulip.uid, zulip.gid);
		await chown(managePy, zulip.uid, zulip.gid);
		const ran = await confirmWithZulip({deployment: dir, to: 'a@example.org', identity});
		assert.equal(ran.outcome, 'sent', JSON.stringify(ran));
		assert.equal((await readFile(out, 'utf8')).trim(), String(zulip.uid));
	});

	test('item 6: secrets go to settings.py\'s code only if its user can read the secrets file; a uid without a passwd entry gets nogroup, not the file\'s group', async () => {
		const base = await mkdtemp(path.join(tmpdir(), 'zes-privsep-secrets-'));
		await chmod(base, 0o755);
		after(() => rm(base, {recursive: true, force: true}));
		const out = path.join(base, 'out');
		await mkdir(out, {mode: 0o777});
		await chmod(out, 0o777);
		const settings = path.join(base, 'settings.py');
		const secrets = path.join(base, 'zulip-secrets.conf');
		const seen = path.join(out, 'seen');
		await writeFile(settings, [
			'import os as _os',
			'from .config import get_secret',
			'def _probe():',
			`    open(${JSON.stringify(seen)} + "-" + str(_os.getuid()), "a").write(repr((_os.getuid(), _os.getgid(), get_secret("secret_key"))) + "\\n")`,
			'    return "smtp.example.org"',
			'EMAIL_HOST = _probe()',
			'',
		].join('\n'));
		await writeFile(secrets, '[secrets]\nsecret_key = SECRET-KEY-VALUE\n', {mode: 0o640});
		await chmod(secrets, 0o640);
		const paths = {settings, secrets, deployment: path.join(base, 'none')};
		const lines = async (uid: number) => (await readFile(`${seen}-${uid}`, 'utf8')).trim().split('\n').at(-1)!;

		// Bob's settings.py, root's 0640 secrets file: bob cannot read it, so his code does not get its values.
		await chown(settings, bob.uid, bob.gid);
		await loadConfig(paths);
		assert.equal(await lines(bob.uid), `(${bob.uid}, ${bob.gid}, None)`);
		// Bob in the secrets file's group: now he could read it himself, so he gets them.
		await chown(secrets, 0, bob.gid);
		await loadConfig(paths);
		assert.equal(await lines(bob.uid), `(${bob.uid}, ${bob.gid}, 'SECRET-KEY-VALUE')`);

		// 4242 has no passwd entry; the file's group is zulip's: python runs with nogroup, and gets no secrets zulip's group could read.
		await chown(secrets, 0, zulip.gid);
		await chown(settings, 4242, zulip.gid);
		await loadConfig(paths);
		assert.equal(await lines(4242), '(4242, 65534, None)');
	});

	test('item 8: a planted lock ({"pid":1}, garbage, a directory, a symlink) does not wedge the run', async () => {
		const tree = await zulipTree(zulip);
		const victims = await victimsOf(tree);
		const lock = path.join(tree.etc, '.settings.py.zulip-email-setup.lock');
		const plants = {
			'{"pid":1}': `open(${JSON.stringify(lock)}, "w").write('{"pid":1}')`,
			garbage: `open(${JSON.stringify(lock)}, "w").write('not json at all')`,
			'a directory': `import os\nos.mkdir(${JSON.stringify(lock)})\nopen(os.path.join(${JSON.stringify(lock)}, "x"), "w").write("x")`,
			'a symlink': `import os\nos.symlink(${JSON.stringify(tree.rootOnly)}, ${JSON.stringify(lock)})`,
			'pid 1 with a start time of its own making': `open(${JSON.stringify(lock)}, "w").write('{"pid":1,"started":"1","command":"x"}')`,
		};
		for (const [what, code] of Object.entries(plants)) {
			const planted = asUser(zulip, code, tree.etc);
			assert.equal(planted.status, 0, planted.stderr);
			const held = await acquireRunLock(tree.settings, {waitMs: 0});
			held.verify();
			held.release();
			assert.equal(existsSync(lock), false, `${what}: taken over, then released`);
		}

		const result = await runCli([...tree.args, '--non-interactive', '--skip-test', '--provider', 'local']);
		assert.equal(result.code, 0, result.stdout + result.stderr);
		await assertNothingEscaped(tree, victims);
	});

	test('item 9: the backup of a file that holds a password is never more readable than the file is made', async () => {
		const tree = await zulipTree(zulip);
		const env = path.join(tree.etc, '.env');
		await writeFile(env, 'ZULIP__EMAIL_PASSWORD=old-password\nSECRETS_secret_key=k\n', {mode: 0o644});
		await chown(env, zulip.uid, zulip.gid);
		await chmod(env, 0o644);
		const {backupPath} = await writeFileSafely(env, 'ZULIP__EMAIL_PASSWORD=new-password\n', {privateMode: true});
		assert.ok(backupPath);
		assert.equal((await stat(env)).mode & 0o777, 0o600);
		const backup = await stat(backupPath);
		assert.equal(backup.mode & 0o777, 0o600);
		assert.deepEqual([backup.uid, backup.gid], [zulip.uid, zulip.gid], 'the backup belongs to the file\'s owner');
	});
	test('--logs reads /var/log/zulip as the user who owns it: a root-only file planted there is not read, a link to one is not followed', async () => {
		const base = await mkdtemp(path.join(tmpdir(), 'zes-privsep-logs-'));
		after(() => rm(base, {recursive: true, force: true}));
		await chmod(base, 0o755);
		const logDir = path.join(base, 'zulip');
		await mkdir(logDir, {mode: 0o755});
		await chown(logDir, zulip.uid, zulip.gid);
		// A log only root may read, named as Zulip's; as root it would be read and its lines shown.
		const stamp = new Date().toISOString().replace('T', ' ').slice(0, 19);
		const secret = `${stamp},000 ERROR    Error sending invitation email to ['root-only@secret.example']: root-only text\n`;
		await writeFile(path.join(logDir, 'send_email.log'), secret, {mode: 0o600});
		const rootOnly = path.join(base, 'root-only.log');
		await writeFile(rootOnly, secret, {mode: 0o600});
		await symlink(rootOnly, path.join(logDir, 'send_email.log.1'));
		await lchown(path.join(logDir, 'send_email.log.1'), zulip.uid, zulip.gid);
		await assert.rejects(readMailLog({dir: logDir, since: new Date(Date.now() - 86_400_000)}), (error: unknown) => {
			assert.ok(error instanceof LogsUnreadableError, String(error));
			const reasons = error.unreadable.map(entry => `${path.basename(entry.path)}: ${entry.reason}`).join('\n');
			assert.match(reasons, /send_email\.log: permission denied/);
			assert.match(reasons, /send_email\.log\.1: a symbolic link/);
			assert.doesNotMatch(JSON.stringify(error), /root-only/);
			return true;
		});
	});
});
