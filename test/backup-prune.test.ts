import assert from 'node:assert/strict';
import {chmod, copyFile, mkdtemp, readdir, symlink, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {test} from 'node:test';
import {answersForProvider} from '../source/engine/answers.js';
import {applyPlan, describeWrite} from '../source/engine/apply.js';
import {BACKUPS_KEPT, pruneBackups} from '../source/engine/backup-prune.js';
import {loadConfig} from '../source/engine/current-config.js';
import {planChanges} from '../source/engine/plan.js';

const FIXTURES = new URL('fixtures/', import.meta.url).pathname;

async function server() {
	const dir = await mkdtemp(path.join(tmpdir(), 'prune-'));
	const paths = {settings: path.join(dir, 'settings.py'), secrets: path.join(dir, 'zulip-secrets.conf')};
	await copyFile(path.join(FIXTURES, 'settings', 'zulip-2024.py'), paths.settings);
	await copyFile(path.join(FIXTURES, 'secrets', 'zulip-generated.conf'), paths.secrets);
	await chmod(paths.secrets, 0o640);
	return {dir, paths};
}

const backupsOf = async (dir: string, name: string) => (await readdir(dir)).filter(entry => entry.startsWith(`${name}.bak-`)).sort();

test('pruning keeps the newest backups of that file only, and never touches look-alikes, symlinks or other files', async () => {
	const dir = await mkdtemp(path.join(tmpdir(), 'prune-unit-'));
	const file = path.join(dir, 'settings.py');
	await writeFile(file, 'x = 1\n');
	const stamps = ['20250101-000000', '20250101-000000-1', '20250102-120000', '20250103-000000', '20250104-000000', '20250105-000000', '20250106-000000', '20250107-000000'];
	for (const stamp of stamps) await writeFile(`${file}.bak-${stamp}`, stamp);
	// Not ours to remove: another file's backups, a hand-made copy, a symlink with our naming.
	await writeFile(path.join(dir, 'zulip-secrets.conf.bak-20240101-000000'), 'other');
	await writeFile(`${file}.bak-before-upgrade`, 'hand-made');
	await symlink('/etc/hostname', `${file}.bak-20200101-000000`);

	const removed = await pruneBackups(file, 5);
	assert.equal(removed, 3);
	const left = await readdir(dir);
	for (const stamp of stamps.slice(-5)) assert.ok(left.includes(`settings.py.bak-${stamp}`), stamp);
	for (const stamp of stamps.slice(0, 3)) assert.ok(!left.includes(`settings.py.bak-${stamp}`), `${stamp} removed (oldest first, -1 after its base)`);
	assert.ok(left.includes('zulip-secrets.conf.bak-20240101-000000'));
	assert.ok(left.includes('settings.py.bak-before-upgrade'));
	assert.ok(left.includes('settings.py.bak-20200101-000000'), 'a symlink is never removed');
	assert.equal(await pruneBackups(file, 5), 0, 'nothing more to prune');
});

test('after a write only the newest backups of each file stay, this run\'s included, and the count is said', async () => {
	const {dir, paths} = await server();
	// Twelve earlier runs' backups of each file.
	for (let day = 10; day < 22; day++) {
		await writeFile(`${paths.settings}.bak-202501${day}-080000`, `old ${day}`);
		await writeFile(`${paths.secrets}.bak-202501${day}-080000`, `old ${day}`);
	}

	const loaded = await loadConfig(paths);
	const plan = planChanges(loaded, {...answersForProvider(loaded, 'mailgun'), username: 'postmaster@mg.example.org', password: {kind: 'new', value: 'a-password'}});
	const result = await applyPlan(plan);
	for (const file of result.files) {
		assert.ok(file.backup, 'a backup was made');
		assert.equal(file.pruned, 12 + 1 - BACKUPS_KEPT);
		assert.match(describeWrite(file), new RegExp(`\\(backup: .+\\.bak-\\d{8}-\\d{6}; 8 older backups removed, the newest ${BACKUPS_KEPT} kept\\)$`));
	}

	for (const name of ['settings.py', 'zulip-secrets.conf']) {
		const left = await backupsOf(dir, name);
		assert.equal(left.length, BACKUPS_KEPT, name);
		assert.ok(result.files.some(file => file.backup === path.join(dir, left.at(-1)!)), 'this run\'s backup is the newest and kept');
	}
});

test('a backup made by this run is never pruned, however many writes follow', async () => {
	const {dir, paths} = await server();
	let first: string | undefined;
	for (let run = 0; run < BACKUPS_KEPT + 3; run++) {
		const loaded = await loadConfig(paths);
		const plan = planChanges(loaded, {...answersForProvider(loaded, 'mailgun'), port: run % 2 === 0 ? 587 : 2525, username: `user${run}@mg.example.org`, password: {kind: 'new', value: `password-${run}`}});
		const result = await applyPlan(plan, {now: new Date(2026, 0, 1, 10, 0, run)});
		first ??= result.files.find(file => file.path === paths.settings)!.backup!;
	}

	assert.ok((await readdir(dir)).includes(path.basename(first!)), 'the first backup of the run (what "restore" puts back) is still there');
});
