import assert from 'node:assert/strict';
import {spawn, spawnSync} from 'node:child_process';
import {randomInt} from 'node:crypto';
import {chmod, chown, lstat, mkdir, mkdtemp, readdir, readFile, readlink, rm, stat, symlink, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {after, describe, test} from 'node:test';
import {fileURLToPath} from 'node:url';
import {buildSync} from 'esbuild';
import {ConfigError} from '../source/engine/errors.js';
import {restoreBackup, writeFileSafely} from '../source/engine/safe-write.js';

const isRoot = process.getuid?.() === 0;
/** An owner that is neither us nor root, so a lost chown shows. */
const other = {uid: 1234, gid: 1234};
const nobody = 65534;
const safeWriteModule = fileURLToPath(new URL('../source/engine/safe-write.ts', import.meta.url));
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
	/** A loop of writes in its own process, ready to be killed; bundled for plain node so 50 of them start fast. */
	function buildWriter(directory: string, naive: boolean): string {
		const script = path.join(directory, naive ? 'naive-writer.mjs' : 'writer.mjs');
		buildSync({
			stdin: {
				contents: `
					import {writeFileSync} from 'node:fs';
					import {writeFileSafely} from ${JSON.stringify(safeWriteModule)};
					const file = process.argv[2];
					const versions = (${crashVersions.toString()})();
					for (let round = 0; ; round++) {
						${naive ? 'writeFileSync(file, versions[round % 2]);' : 'await writeFileSafely(file, versions[round % 2], {backup: false});'}
						if (round === 0) process.stdout.write('ready\\n');
					}`,
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

	async function killWhileWriting(writer: string, file: string): Promise<void> {
		const child = spawn(process.execPath, [writer, file], {stdio: ['ignore', 'pipe', 'inherit']});
		const exited = new Promise((resolve) => child.once('exit', resolve));
		await new Promise<void>((resolve, reject) => {
			child.stdout.once('data', () => resolve());
			child.once('exit', (code) => reject(new Error(`writer exited early (${code})`)));
		});
		await new Promise((resolve) => setTimeout(resolve, randomInt(0, 15)));
		child.kill('SIGKILL');
		await exited;
	}

	/** Kill writers `kills` times; count the kills that left the file torn, and those that hit mid-write. */
	async function crashRounds(naive: boolean, kills: number): Promise<{torn: number; midWrite: number}> {
		const directory = await scratch(naive ? 'crash-naive' : 'crash');
		const writer = buildWriter(directory, naive);
		const versions = crashVersions();
		const lanes = 2;
		const result = {torn: 0, midWrite: 0};
		await Promise.all(Array.from({length: lanes}, async (_, lane) => {
			const laneDirectory = path.join(directory, `lane-${lane}`);
			await mkdir(laneDirectory);
			const file = path.join(laneDirectory, 'zulip-secrets.conf');
			await writeFile(file, versions[1]!);
			for (let kill = lane; kill < kills; kill += lanes) {
				await killWhileWriting(writer, file);
				const content = await readFile(file, 'utf8');
				if (!versions.includes(content)) result.torn++;
				const leftovers = (await readdir(laneDirectory)).filter((name) => name !== 'zulip-secrets.conf');
				if (leftovers.length > 0) result.midWrite++;
				// A killed writer cannot clean up its temp file; expected, and harmless.
				await Promise.all(leftovers.map((name) => rm(path.join(laneDirectory, name))));
			}
		}));
		return result;
	}

	test('SIGKILL at random moments: the file is always one whole version, never a mix', async (t) => {
		const {torn, midWrite} = await crashRounds(false, 50);
		t.diagnostic(`${midWrite} of 50 kills landed during a write`);
		assert.equal(torn, 0);
		// Otherwise the kills all landed between writes and proved nothing.
		assert.ok(midWrite >= 10, `only ${midWrite} of 50 kills landed during a write`);
	});

	test('the same harness catches a plain writeFile tearing the file', async (t) => {
		const {torn} = await crashRounds(true, 20);
		t.diagnostic(`a plain writeFile was torn by ${torn} of 20 kills`);
		assert.ok(torn >= 1, 'a non-atomic writer was never caught');
	});
});

// Keeps the unprivileged-child helper honest when the suite runs as a normal user.
test('children run as nobody when we are root', {skip: isRoot ? false : 'not root: children run as the current user'}, () => {
	const identity = runChild('console.log(JSON.stringify([process.getuid(), process.getgid(), process.getgroups()]))', {unprivileged: true});
	const [uid, gid, groups] = identity as [number, number, number[]];
	assert.deepEqual([uid, gid], [nobody, nobody]);
	assert.ok(groups.every((group) => group === nobody), `root's groups were kept: ${groups.join(', ')}`);
});
