import assert from 'node:assert/strict';
import {spawn, spawnSync} from 'node:child_process';
import {existsSync, watch} from 'node:fs';
import {chmod, chown, lchown, lstat, mkdir, mkdtemp, readdir, readFile, readlink, rm, stat, symlink, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {after, describe, test} from 'node:test';
import {fileURLToPath} from 'node:url';
import {buildSync} from 'esbuild';
import {ConfigError} from '../source/engine/errors.js';
import {restoreBackup, writeFileSafely} from '../source/engine/safe-write.js';
import {TEST_PAUSE_ENV} from '../source/engine/test-pause.js';

const isRoot = process.getuid?.() === 0;
/** An owner that is neither us nor root, so a lost chown shows. */
const other = {uid: 1234, gid: 1234};
const nobody = 65534;
const safeWriteModule = fileURLToPath(new URL('../source/engine/safe-write.ts', import.meta.url));
const testPauseModule = fileURLToPath(new URL('../source/engine/test-pause.ts', import.meta.url));
const repository = fileURLToPath(new URL('..', import.meta.url));

async function scratch(name: string): Promise<string> {
	const directory = await mkdtemp(path.join(tmpdir(), `${name}-`));
	// Traversable by the unprivileged children below.
	await chmod(directory, 0o755);
	after(() => rm(directory, {recursive: true, force: true}));
	return directory;
}

/** A file as Zulip's puppet leaves it: someone else's, 0640 (ours when not root). */
async function zulipOwnedFile(file: string, content: string, mode = 0o640): Promise<void> {
	await writeFile(file, content);
	if (isRoot) await chown(file, other.uid, other.gid);
	await chmod(file, mode);
}

const owner = isRoot ? other : {uid: process.getuid!(), gid: process.getgid!()};

async function assertOwnership(file: string, mode: number): Promise<void> {
	const stats = await stat(file);
	assert.equal(stats.mode & 0o7777, mode, `${file} mode ${(stats.mode & 0o7777).toString(8)}`);
	assert.deepEqual({uid: stats.uid, gid: stats.gid}, owner, file);
}

/**
 * Run `script` (ESM, may await) in a fresh node with `SAFE_WRITE` bound to the
 * module; as nobody when we are root, as ourselves otherwise. Returns what it
 * printed as JSON.
 */
function runChild(script: string, options: {unprivileged?: boolean; shellPrefix?: string} = {}): unknown {
	const program = `const SAFE_WRITE = await import(${JSON.stringify(safeWriteModule)}); ${script}`;
	const node = [process.execPath, '--import', 'tsx', '--input-type=module', '-e', program];
	const [command, ...args] = options.shellPrefix ? ['sh', '-c', `${options.shellPrefix}; exec "$@"`, 'sh', ...node] : node;
	const drop = options.unprivileged && isRoot ? {uid: nobody, gid: nobody} : {};
	const run = spawnSync(command!, args, {cwd: repository, encoding: 'utf8', ...drop});
	assert.equal(run.status, 0, `child failed: ${run.stderr}`);
	return JSON.parse(run.stdout);
}

const reportFailure = `.then(() => ({ok: true}), (error) => ({ok: false, name: error.constructor.name, id: error.id, message: error.message, fix: error.fix})).then((result) => console.log(JSON.stringify(result)))`;

describe('writeFileSafely', () => {
	test('keeps owner, group and mode; the backup is an exact copy, owned the same, no wider', async () => {
		const directory = await scratch('safe-write-owner');
		const file = path.join(directory, 'zulip-secrets.conf');
		await zulipOwnedFile(file, '[secrets]\nold = 1\n');
		const now = new Date(2024, 5, 11, 9, 30, 5);

		const outcome = await writeFileSafely(file, '[secrets]\nnew = 2\n', {now});
		assert.deepEqual(outcome, {path: file, backupPath: `${file}.bak-20240611-093005`});
		assert.equal(await readFile(file, 'utf8'), '[secrets]\nnew = 2\n');
		await assertOwnership(file, 0o640);
		assert.equal(await readFile(outcome.backupPath!, 'utf8'), '[secrets]\nold = 1\n');
		await assertOwnership(outcome.backupPath!, 0o640);
		assert.equal((await stat(outcome.backupPath!)).nlink, 1, 'a copy, not a hard link');
		assert.deepEqual((await readdir(directory)).sort(), ['zulip-secrets.conf', 'zulip-secrets.conf.bak-20240611-093005']);

		// Same second again: a new name, the first backup untouched.
		const second = await writeFileSafely(file, 'third\n', {now});
		const third = await writeFileSafely(file, 'fourth\n', {now});
		assert.equal(second.backupPath, `${file}.bak-20240611-093005-1`);
		assert.equal(third.backupPath, `${file}.bak-20240611-093005-2`);
		assert.equal(await readFile(outcome.backupPath!, 'utf8'), '[secrets]\nold = 1\n');
		assert.equal(await readFile(second.backupPath!, 'utf8'), '[secrets]\nnew = 2\n');
		assert.equal(await readFile(third.backupPath!, 'utf8'), 'third\n');
		assert.equal((await readdir(directory)).length, 4, 'no temp files');
	});

	test('keeps other modes too, and writes bytes exactly (CRLF, no final newline, UTF-8)', async () => {
		const directory = await scratch('safe-write-modes');
		for (const mode of [0o600, 0o644, 0o400]) {
			const file = path.join(directory, `settings-${mode.toString(8)}.py`);
			await zulipOwnedFile(file, 'old', mode);
			const content = `# é 🔑\r\nEMAIL_HOST = "smtp.example.com"\r\nlast`;
			const {backupPath} = await writeFileSafely(file, content, {backup: mode !== 0o400});
			assert.equal(await readFile(file, 'utf8'), content);
			await assertOwnership(file, mode);
			if (backupPath) await assertOwnership(backupPath, mode);
			else assert.equal(mode, 0o400);
		}
	});

	test('a new file gets the given mode and, when we are root, the directory\'s owner', async () => {
		const directory = await scratch('safe-write-new');
		if (isRoot) await chown(directory, other.uid, other.gid);
		const defaulted = path.join(directory, 'zulip-secrets.conf');
		const outcome = await writeFileSafely(defaulted, '[secrets]\n');
		assert.deepEqual(outcome, {path: defaulted, backupPath: null});
		await assertOwnership(defaulted, 0o640);
		const explicit = path.join(directory, 'private.conf');
		await writeFileSafely(explicit, 'x', {mode: 0o600});
		await assertOwnership(explicit, 0o600);
		assert.deepEqual((await readdir(directory)).sort(), ['private.conf', 'zulip-secrets.conf']);
	});

	test('through a symlink: the link stays, the file behind it changes, the backup sits beside that file', async () => {
		const directory = await scratch('safe-write-link');
		await mkdir(path.join(directory, 'etc'));
		const real = path.join(directory, 'etc', 'settings.py');
		const link = path.join(directory, 'prod_settings.py');
		await zulipOwnedFile(real, 'old\n');
		await symlink(real, link);
		const {backupPath} = await writeFileSafely(link, 'new\n', {now: new Date(2024, 0, 2, 3, 4, 5)});
		assert.ok((await lstat(link)).isSymbolicLink());
		assert.equal(await readlink(link), real);
		assert.equal(await readFile(real, 'utf8'), 'new\n');
		assert.equal(backupPath, `${real}.bak-20240102-030405`);
		await assertOwnership(real, 0o640);
	});

	test('refuses to replace something that is not a regular file', async () => {
		const directory = await scratch('safe-write-dir');
		await mkdir(path.join(directory, 'settings.py'));
		await assert.rejects(writeFileSafely(path.join(directory, 'settings.py'), 'x'), (error: unknown) => error instanceof ConfigError && error.id === 'write-failed');
		assert.deepEqual(await readdir(directory), ['settings.py']);
	});

	test('a write that fails halfway (file size limit) leaves the original, no temp file, no backup', async () => {
		const directory = await scratch('safe-write-efbig');
		const file = path.join(directory, 'zulip-secrets.conf');
		await zulipOwnedFile(file, 'small original\n');
		// Ignoring SIGXFSZ turns the limit into a plain EFBIG from write(), mid-content.
		const result = runChild(
			`SAFE_WRITE.writeFileSafely(${JSON.stringify(file)}, 'x'.repeat(4 << 20))${reportFailure}`,
			{shellPrefix: 'trap "" XFSZ; ulimit -f 512'},
		) as {ok: boolean; name: string; id: string; message: string; fix: string};
		assert.equal(result.ok, false);
		assert.equal(result.id, 'write-failed');
		assert.match(result.message, /EFBIG|too large/i);
		assert.match(result.message, /as it was/);
		assert.equal(await readFile(file, 'utf8'), 'small original\n');
		await assertOwnership(file, 0o640);
		assert.deepEqual(await readdir(directory), ['zulip-secrets.conf']);
	});

	test('unprivileged: an owner we cannot restore, or a read-only directory, fails cleanly', {skip: isRoot ? false : 'needs root to create a file owned by another user'}, async () => {
		const directory = await scratch('safe-write-unprivileged');
		await chown(directory, nobody, nobody);
		const file = path.join(directory, 'zulip-secrets.conf');
		// Readable and writable for nobody, but owned by someone else: the chown of the copy fails.
		await zulipOwnedFile(file, 'original\n', 0o666);
		for (const backup of [true, false]) {
			const result = runChild(`SAFE_WRITE.writeFileSafely(${JSON.stringify(file)}, 'new\\n', {backup: ${backup}})${reportFailure}`, {unprivileged: true}) as {ok: boolean; id: string; message: string; fix: string};
			assert.equal(result.ok, false, `backup: ${backup}`);
			assert.equal(result.id, 'write-failed');
			assert.match(result.message, /EPERM/);
			assert.match(result.fix, /sudo zulip-email-setup/);
			assert.equal(await readFile(file, 'utf8'), 'original\n');
			assert.deepEqual(await readdir(directory), ['zulip-secrets.conf'], `no leftovers (backup: ${backup})`);
		}

		await chown(file, nobody, nobody);
		await chmod(directory, 0o555);
		const readOnly = runChild(`SAFE_WRITE.writeFileSafely(${JSON.stringify(file)}, 'new\\n')${reportFailure}`, {unprivileged: true}) as {ok: boolean; message: string};
		assert.equal(readOnly.ok, false);
		assert.match(readOnly.message, /EACCES/);
		assert.equal(await readFile(file, 'utf8'), 'original\n');
		assert.deepEqual(await readdir(directory), ['zulip-secrets.conf']);

		// The same file in a writable directory: nobody can replace its own file.
		await chmod(directory, 0o755);
		const fine = runChild(`SAFE_WRITE.writeFileSafely(${JSON.stringify(file)}, 'new\\n', {backup: false})${reportFailure}`, {unprivileged: true}) as {ok: boolean};
		assert.equal(fine.ok, true);
		assert.equal(await readFile(file, 'utf8'), 'new\n');
	});
});

test('a link another user planted is never written through; our own link is', {skip: isRoot ? false : 'needs root to own a link as another user'}, async () => {
	const directory = await scratch('safe-write-foreign-link');
	const victim = path.join(directory, 'root-only.conf');
	await writeFile(victim, 'root = 1\n', {mode: 0o600});
	const planted = path.join(directory, 'settings.py');
	await symlink(victim, planted);
	await lchown(planted, other.uid, other.gid);
	await assert.rejects(writeFileSafely(planted, 'EMAIL_HOST = "x"\n'), (error: unknown) => error instanceof ConfigError && error.id === 'foreign-symlink' && error.message.includes(victim));
	assert.equal(await readFile(victim, 'utf8'), 'root = 1\n', 'the link\'s target is untouched');
	assert.equal(await readlink(planted), victim, 'the link is left as it was');
	assert.deepEqual((await readdir(directory)).sort(), ['root-only.conf', 'settings.py'], 'no temp file, no backup');

	// A link root made is the admin's own layout: followed, and the link survives.
	await lchown(planted, 0, 0);
	await writeFileSafely(planted, 'EMAIL_HOST = "x"\n', {backup: false});
	assert.equal(await readFile(victim, 'utf8'), 'EMAIL_HOST = "x"\n');
	assert.equal((await lstat(planted)).isSymbolicLink(), true);
});

describe('restoreBackup', () => {
	test('puts the old content back atomically, keeping owner and mode', async () => {
		const directory = await scratch('safe-write-restore');
		const file = path.join(directory, 'settings.py');
		await zulipOwnedFile(file, 'before\n', 0o644);
		const {backupPath} = await writeFileSafely(file, 'after\n');
		await restoreBackup(backupPath!, file);
		assert.equal(await readFile(file, 'utf8'), 'before\n');
		await assertOwnership(file, 0o644);
		assert.equal(await readFile(backupPath!, 'utf8'), 'before\n', 'the backup stays');
		assert.equal((await readdir(directory)).length, 2);

		// A file that was deleted meanwhile comes back with the backup's owner and mode.
		await rm(file);
		await restoreBackup(backupPath!, file);
		assert.equal(await readFile(file, 'utf8'), 'before\n');
		await assertOwnership(file, 0o644);
	});

	test('a missing backup is a ConfigError and changes nothing', async () => {
		const directory = await scratch('safe-write-restore-missing');
		const file = path.join(directory, 'settings.py');
		await writeFile(file, 'current\n');
		await assert.rejects(restoreBackup(`${file}.bak-nope`, file), ConfigError);
		assert.equal(await readFile(file, 'utf8'), 'current\n');
		assert.deepEqual(await readdir(directory), ['settings.py']);
	});
});

/** Two versions of different sizes and bytes, so any mix or truncation shows; also compiled into the writer. */
function crashVersions(): string[] {
	return [('A'.repeat(1023) + '\n').repeat(1024), ('b'.repeat(700) + '\n').repeat(1600)];
}

describe('crash safety', () => {
	/**
	 * A writer in its own process, stopped by the pause hook at an exact point
	 * of its write, then killed there: no timing, every kill lands mid-write.
	 */
	function buildWriter(directory: string, naive: boolean): string {
		const script = path.join(directory, naive ? 'naive-writer.mjs' : 'writer.mjs');
		buildSync({
			stdin: {
				contents: `
					import {openSync, writeSync} from 'node:fs';
					import {writeFileSafely} from ${JSON.stringify(safeWriteModule)};
					import {testPause} from ${JSON.stringify(testPauseModule)};
					const file = process.argv[2];
					const [next] = (${crashVersions.toString()})();
					${naive
						? `const fd = openSync(file, 'w');
						writeSync(fd, next.slice(0, next.length / 2));
						await testPause('before-rename');
						writeSync(fd, next.slice(next.length / 2));`
						: 'await writeFileSafely(file, next, {backup: true});'}`,
				resolveDir: repository,
				loader: 'ts',
			},
			bundle: true,
			platform: 'node',
			format: 'esm',
			outfile: script,
			logLevel: 'silent',
		});
		return script;
	}

	/** Run the writer until it stops at `before-rename`, SIGKILL it there; the directory's names afterwards. */
	async function killMidWrite(naive: boolean): Promise<{content: string; names: string[]}> {
		const directory = await scratch(naive ? 'crash-naive' : 'crash');
		const writer = buildWriter(directory, naive);
		const target = path.join(directory, 'target');
		await mkdir(target);
		const file = path.join(target, 'zulip-secrets.conf');
		await writeFile(file, crashVersions()[1]!);
		const pauses = path.join(directory, 'pauses');
		await mkdir(pauses);
		await writeFile(path.join(pauses, 'before-rename.pause'), '');
		const child = spawn(process.execPath, [writer, file], {stdio: ['ignore', 'inherit', 'inherit'], env: {...process.env, [TEST_PAUSE_ENV]: pauses}});
		const exited = new Promise(resolve => child.once('exit', resolve));
		await new Promise<void>((resolve, reject) => {
			const check = () => {
				if (!existsSync(path.join(pauses, 'before-rename.reached'))) return;
				watcher.close();
				resolve();
			};

			const watcher = watch(pauses, check);
			child.once('exit', code => {
				watcher.close();
				reject(new Error(`writer exited (${code}) before it reached the rename`));
			});
			// It may have got there before the watcher started.
			check();
		});
		child.kill('SIGKILL');
		await exited;
		return {content: await readFile(file, 'utf8'), names: await readdir(target)};
	}

	test('SIGKILL mid-write, before the rename: the file is the old version, whole', async () => {
		const {content, names} = await killMidWrite(false);
		assert.equal(content, crashVersions()[1], 'the file was torn or replaced');
		// A killed writer cannot remove its private temp file (0600): harmless, and the backup is whole too.
		assert.ok(names.some(name => name.endsWith('.tmp')), names.join(', '));
	});

	test('the same harness catches a plain writeFile tearing the file', async () => {
		const {content} = await killMidWrite(true);
		assert.ok(!crashVersions().includes(content), 'a non-atomic writer was not caught');
	});
});

// Keeps the unprivileged-child helper honest when the suite runs as a normal user.
test('children run as nobody when we are root', {skip: isRoot ? false : 'not root: children run as the current user'}, () => {
	const identity = runChild('console.log(JSON.stringify([process.getuid(), process.getgid(), process.getgroups()]))', {unprivileged: true});
	const [uid, gid, groups] = identity as [number, number, number[]];
	assert.deepEqual([uid, gid], [nobody, nobody]);
	assert.ok(groups.every((group) => group === nobody), `root's groups were kept: ${groups.join(', ')}`);
});
