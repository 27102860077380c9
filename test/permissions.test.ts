import assert from 'node:assert/strict';
import {spawnSync} from 'node:child_process';
import {chmod, chown, mkdir, mkdtemp, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {after, before, describe, test} from 'node:test';
import {fileURLToPath} from 'node:url';
import {checkPermissions, type PermissionProblem} from '../source/engine/permissions.js';

const isRoot = process.getuid?.() === 0;
const nobody = 65534;
const stranger = 1234;
const permissionsModule = fileURLToPath(new URL('../source/engine/permissions.ts', import.meta.url));
const repository = fileURLToPath(new URL('..', import.meta.url));

type Paths = {settings: string; secrets: string};

/** checkPermissions for each pair, in a child that runs as nobody when we are root (root bypasses modes). */
function checkUnprivileged(pairs: Record<string, Paths>): Record<string, PermissionProblem[]> {
	const program = `
		const {checkPermissions} = await import(${JSON.stringify(permissionsModule)});
		const pairs = ${JSON.stringify(pairs)};
		const results = {};
		for (const [name, paths] of Object.entries(pairs)) results[name] = checkPermissions(paths);
		console.log(JSON.stringify({uid: process.geteuid(), results}));`;
	const drop = isRoot ? {uid: nobody, gid: nobody} : {};
	const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', program], {cwd: repository, encoding: 'utf8', ...drop});
	assert.equal(run.status, 0, run.stderr);
	const {uid, results} = JSON.parse(run.stdout) as {uid: number; results: Record<string, PermissionProblem[]>};
	assert.equal(uid, isRoot ? nobody : process.geteuid!(), 'the child really dropped root');
	return results;
}

/** A directory holding settings.py and zulip-secrets.conf with the given owners and modes. */
async function layout(
	root: string,
	name: string,
	spec: {directory: [uid: number, mode: number]; settings?: [uid: number, gid: number, mode: number] | null; secrets?: [uid: number, gid: number, mode: number] | null},
): Promise<Paths> {
	const directory = path.join(root, name);
	await mkdir(directory);
	const paths = {settings: path.join(directory, 'settings.py'), secrets: path.join(directory, 'zulip-secrets.conf')};
	for (const [file, owner] of [[paths.settings, spec.settings], [paths.secrets, spec.secrets]] as const) {
		if (owner === null || owner === undefined) continue;
		await writeFile(file, '# content\n');
		if (isRoot) await chown(file, owner[0], owner[1]);
		await chmod(file, owner[2]);
	}
	if (isRoot) await chown(directory, spec.directory[0], spec.directory[0]);
	await chmod(directory, spec.directory[1]);
	return paths;
}

function summary(problems: readonly PermissionProblem[]): string[] {
	return problems.map(({path: file, message}) => `${path.basename(file)}: ${message}`);
}

let root = '';
before(async () => {
	root = await mkdtemp(path.join(tmpdir(), 'permissions-'));
	await chmod(root, 0o755);
});
after(async () => {
	// Without root, a 0555 directory cannot be emptied until it is writable again.
	await chmod(path.join(root, 'read-only-directory'), 0o755).catch(() => undefined);
	await rm(root, {recursive: true, force: true});
});

describe('checkPermissions', () => {
	test('root can always save both files, whoever owns them', {skip: isRoot ? false : 'not root: covered by the as-yourself cases below'}, async () => {
		const paths = await layout(root, 'as-root', {directory: [stranger, 0o755], settings: [stranger, stranger, 0o644], secrets: [stranger, stranger, 0o640]});
		assert.deepEqual(checkPermissions(paths), []);
	});

	test('a missing settings.py means this is not a Zulip server (or --settings is needed)', async () => {
		const paths = await layout(root, 'no-settings', {directory: [0, 0o755], secrets: [0, 0, 0o640]});
		const problems = checkPermissions(paths);
		assert.equal(problems.length, 1, summary(problems).join('\n'));
		assert.equal(problems[0]!.path, paths.settings);
		assert.match(problems[0]!.message, /does not exist.*Zulip server/);
		assert.match(problems[0]!.fix, /--settings/);
	});

	test('a settings path that is a directory is refused', async () => {
		const directory = path.join(root, 'settings-is-a-directory');
		await mkdir(path.join(directory, 'settings.py'), {recursive: true});
		await writeFile(path.join(directory, 'zulip-secrets.conf'), '');
		const problems = checkPermissions({settings: path.join(directory, 'settings.py'), secrets: path.join(directory, 'zulip-secrets.conf')});
		assert.deepEqual(summary(problems), ['settings.py: ' + path.join(directory, 'settings.py') + ' is not a regular file.']);
	});

	describe(isRoot ? 'as nobody (a child drops root)' : 'as yourself', () => {
		const me = isRoot ? nobody : process.geteuid!();
		const myGroup = isRoot ? nobody : process.getegid!();
		let pairs: Record<string, Paths> = {};
		let results: Record<string, PermissionProblem[]> = {};
		before(async () => {
			pairs = {
				// Zulip's own layout: zulip:zulip files in a zulip:zulip 0755 directory.
				zulipLayout: await layout(root, 'zulip-layout', {directory: [stranger, 0o755], settings: [stranger, stranger, 0o644], secrets: [stranger, stranger, 0o640]}),
				mine: await layout(root, 'mine', {directory: [me, 0o755], settings: [me, myGroup, 0o644], secrets: [me, myGroup, 0o640]}),
				mineSecretsMissing: await layout(root, 'mine-secrets-missing', {directory: [me, 0o755], settings: [me, myGroup, 0o644]}),
				readOnlyDirectory: await layout(root, 'read-only-directory', {directory: [me, 0o555], settings: [me, myGroup, 0o644], secrets: [me, myGroup, 0o640]}),
				unreadableSecrets: await layout(root, 'unreadable-secrets', {directory: [me, 0o755], settings: [me, myGroup, 0o644], secrets: [me, myGroup, 0o200]}),
				...(isRoot
					? {
						secretsMissingNoWrite: await layout(root, 'secrets-missing-no-write', {directory: [stranger, 0o755], settings: [stranger, stranger, 0o644]}),
						// Readable and in a writable directory, but someone else's: the copy could not be given back.
						strangerOwnsSecrets: await layout(root, 'stranger-owns-secrets', {directory: [me, 0o755], settings: [me, myGroup, 0o644], secrets: [stranger, stranger, 0o666]}),
						foreignGroup: await layout(root, 'foreign-group', {directory: [me, 0o755], settings: [me, stranger, 0o644], secrets: [me, myGroup, 0o640]}),
					}
					: {}),
			};
			results = checkUnprivileged(pairs);
		});

		test('own files in an own directory: no problems; a missing secrets file will be created', () => {
			assert.deepEqual(results.mine, []);
			assert.deepEqual(results.mineSecretsMissing, []);
		});

		test('a directory without write permission: both files are reported, with the sudo fix', () => {
			const problems = results.readOnlyDirectory!;
			assert.deepEqual(problems.map((problem) => path.basename(problem.path)), ['settings.py', 'zulip-secrets.conf'], summary(problems).join('\n'));
			for (const problem of problems) {
				assert.match(problem.message, /^\/.*: running as \S+, zulip-email-setup cannot create files in .*read-only-directory \(a safe save writes/);
				assert.match(problem.fix, /sudo zulip-email-setup/);
			}
		});

		test('a file we may not read is reported', () => {
			const problems = results.unreadableSecrets!;
			assert.equal(problems.length, 1, summary(problems).join('\n'));
			assert.equal(problems[0]!.path, pairs.unreadableSecrets!.secrets);
			assert.match(problems[0]!.message, /zulip-email-setup cannot read it\.$/);
		});

		test("zulip's layout seen by another user: unreadable, not replaceable, owner not restorable", {skip: isRoot ? false : 'needs root to create files owned by another user'}, () => {
			const {settings, secrets} = pairs.zulipLayout!;
			assert.deepEqual(results.zulipLayout, [
				{
					path: settings,
					// settings.py is 0644: readable by everyone.
					message: `${settings}: running as nobody, zulip-email-setup cannot create files in ${path.dirname(settings)} (a safe save writes a new copy there and renames it over the old one) and could not give a saved copy back to its owner, uid 1234.`,
					fix: "Run it as root (`sudo zulip-email-setup`) or as #1234 (`sudo -u '#1234' zulip-email-setup`).",
				},
				{
					path: secrets,
					message: `${secrets}: running as nobody, zulip-email-setup cannot read it, cannot create files in ${path.dirname(secrets)} (a safe save writes a new copy there and renames it over the old one) and could not give a saved copy back to its owner, uid 1234.`,
					fix: "Run it as root (`sudo zulip-email-setup`) or as #1234 (`sudo -u '#1234' zulip-email-setup`).",
				},
			]);
		});

		test('a missing secrets file in a directory we cannot write', {skip: isRoot ? false : 'needs root to create a directory owned by another user'}, () => {
			const problems = results.secretsMissingNoWrite!;
			assert.deepEqual(problems.map((problem) => path.basename(problem.path)), ['settings.py', 'zulip-secrets.conf']);
			assert.match(problems[1]!.message, /zulip-secrets\.conf does not exist yet, and running as nobody, zulip-email-setup cannot create files in/);
		});

		test('the owner or group could not be restored', {skip: isRoot ? false : 'needs root to create files owned by another user'}, () => {
			assert.deepEqual(summary(results.strangerOwnsSecrets!), [`zulip-secrets.conf: ${pairs.strangerOwnsSecrets!.secrets}: running as nobody, zulip-email-setup could not give a saved copy back to its owner, uid 1234.`]);
			assert.deepEqual(summary(results.foreignGroup!), [`settings.py: ${pairs.foreignGroup!.settings}: running as nobody, zulip-email-setup could not give a saved copy its group 1234 (nobody is not in that group).`]);
		});
	});
});
