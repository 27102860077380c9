import assert from 'node:assert/strict';
import {execFile} from 'node:child_process';
import {chmod, chown, copyFile, mkdtemp, readdir, readFile, rm, stat, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {test} from 'node:test';
import {promisify} from 'node:util';
import {answersForProvider, type Answers} from '../source/engine/answers.js';
import {applyPlan, restoreBackups} from '../source/engine/apply.js';
import {FILE_BACKEND, loadConfig, type ConfigPaths} from '../source/engine/current-config.js';
import {ConfigError} from '../source/engine/errors.js';
import {planChanges} from '../source/engine/plan.js';
import {pyExecSettings, pyRawConfigRead} from './helpers/python.js';

const FIXTURES = new URL('fixtures/', import.meta.url).pathname;
const PASSWORD = 'p%ss#w;rd "q" = \\ é';
const NAMES = ['EMAIL_HOST', 'EMAIL_HOST_USER', 'EMAIL_PORT', 'EMAIL_USE_TLS', 'EMAIL_USE_SSL', 'EMAIL_BACKEND', 'EMAIL_FILE_PATH', 'NOREPLY_EMAIL_ADDRESS', 'ADD_TOKENS_TO_NOREPLY_ADDRESS', 'ZULIP_ADMINISTRATOR', 'EXTERNAL_HOST'];

async function server(settingsFixture = 'zulip-2024.py', secretsFixture = 'zulip-generated.conf'): Promise<ConfigPaths> {
	const dir = await mkdtemp(path.join(tmpdir(), 'engine-'));
	const paths = {settings: path.join(dir, 'settings.py'), secrets: path.join(dir, 'zulip-secrets.conf')};
	await copyFile(path.join(FIXTURES, 'settings', settingsFixture), paths.settings);
	await copyFile(path.join(FIXTURES, 'secrets', secretsFixture), paths.secrets);
	await chmod(paths.secrets, 0o640);
	return paths;
}

async function configure(paths: ConfigPaths, answers: (loaded: Awaited<ReturnType<typeof loadConfig>>) => Answers) {
	const loaded = await loadConfig(paths);
	const plan = planChanges(loaded, answers(loaded));
	const result = await applyPlan(plan);
	return {plan, result, after: await loadConfig(paths)};
}

/** What Zulip itself will read: python executes settings.py, RawConfigParser reads the secret. */
async function zulipReads(paths: ConfigPaths) {
	const settings = await pyExecSettings(await readFile(paths.settings, 'utf8'), NAMES);
	const password = await pyRawConfigRead(await readFile(paths.secrets, 'utf8'), 'secrets', 'email_password');
	return {settings, password};
}

const mailgun = (loaded: Awaited<ReturnType<typeof loadConfig>>): Answers => ({
	...answersForProvider(loaded, 'mailgun'),
	username: 'postmaster@mg.example.org',
	password: {kind: 'new', value: PASSWORD},
});

test('first-time Mailgun setup: Zulip reads exactly the intended values, backups made, owner and mode kept', async () => {
	const paths = await server();
	await chown(paths.secrets, 1234, 1234).catch(() => undefined);
	const secretsBefore = await stat(paths.secrets);
	const {result, after} = await configure(paths, mailgun);
	const {settings, password} = await zulipReads(paths);
	assert.equal(settings.EMAIL_HOST, 'smtp.mailgun.org');
	assert.equal(settings.EMAIL_PORT, 587);
	assert.equal(settings.EMAIL_USE_TLS, true);
	assert.notEqual(settings.EMAIL_USE_SSL, true);
	assert.equal(settings.EMAIL_HOST_USER, 'postmaster@mg.example.org');
	assert.equal(settings.EMAIL_BACKEND, undefined);
	assert.equal(password, PASSWORD);
	assert.equal(after.current.providerId, 'mailgun');
	assert.equal(after.current.passwordSet, true);
	assert.equal(after.password, PASSWORD);
	for (const file of result.files) {
		assert.ok(file.changed && file.backup, file.path);
		assert.match(file.backup, /\.bak-\d{8}-\d{6}/);
	}

	const secretsAfter = await stat(paths.secrets);
	assert.equal(secretsAfter.mode & 0o777, 0o640);
	assert.equal(secretsAfter.uid, secretsBefore.uid);
	assert.equal(secretsAfter.gid, secretsBefore.gid);
});

test('a rerun with the same answers writes nothing and makes no backup', async () => {
	const paths = await server();
	await configure(paths, mailgun);
	const before = await readdir(path.dirname(paths.settings));
	const loaded = await loadConfig(paths);
	const again = answersForProvider(loaded, 'mailgun');
	assert.deepEqual(again.password, {kind: 'keep'}, 'same host and user keep the password');
	const plan = planChanges(loaded, again);
	assert.equal(plan.changed, false);
	const result = await applyPlan(plan);
	assert.equal(result.changed, false);
	assert.deepEqual(await readdir(path.dirname(paths.settings)), before);
});

test('switching providers leaves nothing stale: SSL vs TLS, file backend in and out, local MTA drops the password', async () => {
	const paths = await server();
	await configure(paths, mailgun);
	await configure(paths, loaded => ({...answersForProvider(loaded, 'gmail'), port: 465, security: 'ssl', username: 'zulip@gmail.com', password: {kind: 'new', value: 'abcd efgh ijkl mnop'}}));
	let read = await zulipReads(paths);
	assert.equal(read.settings.EMAIL_USE_SSL, true);
	assert.equal(read.settings.EMAIL_USE_TLS, false);
	assert.equal(read.settings.EMAIL_PORT, 465);
	assert.equal(read.password, 'abcd efgh ijkl mnop');

	const {after: fileMode} = await configure(paths, loaded => answersForProvider(loaded, 'file'));
	read = await zulipReads(paths);
	assert.equal(read.settings.EMAIL_BACKEND, FILE_BACKEND);
	assert.equal(read.settings.EMAIL_FILE_PATH, '/var/log/zulip/emails');
	assert.equal(read.password, null, 'no credential lingers for the file backend');
	assert.equal(fileMode.current.backend, 'file');

	const {after: back} = await configure(paths, mailgun);
	read = await zulipReads(paths);
	assert.equal(read.settings.EMAIL_BACKEND, undefined, 'leaving the file backend removes its effect');
	assert.equal(read.settings.EMAIL_FILE_PATH, undefined);
	assert.equal(read.settings.EMAIL_USE_SSL, false);
	assert.equal(read.settings.EMAIL_USE_TLS, true);
	assert.equal(back.current.backend, 'smtp');

	await configure(paths, loaded => answersForProvider(loaded, 'local'));
	read = await zulipReads(paths);
	assert.equal(read.settings.EMAIL_HOST, 'localhost');
	assert.equal(read.settings.EMAIL_PORT, 25);
	assert.equal(read.settings.EMAIL_HOST_USER, '', 'no authentication empties EMAIL_HOST_USER');
	assert.notEqual(read.settings.EMAIL_USE_TLS, true);
	assert.notEqual(read.settings.EMAIL_USE_SSL, true);
	assert.equal(read.password, null);
});

test('noreply address and tokens: written, read back, and the default restored with null', async () => {
	const paths = await server();
	await configure(paths, loaded => ({...mailgun(loaded), noreplyAddress: 'zulip-noreply@example.org', tokens: false}));
	let read = await zulipReads(paths);
	assert.equal(read.settings.NOREPLY_EMAIL_ADDRESS, 'zulip-noreply@example.org');
	assert.equal(read.settings.ADD_TOKENS_TO_NOREPLY_ADDRESS, false);
	const {after} = await configure(paths, loaded => ({...answersForProvider(loaded, 'mailgun'), noreplyAddress: null, tokens: true}));
	read = await zulipReads(paths);
	assert.equal(read.settings.NOREPLY_EMAIL_ADDRESS, undefined);
	assert.equal(after.current.noreplyAddress, 'noreply@chat.example.org');
	assert.equal(after.current.tokens, true);
});

test('the review diff never shows the password, old or new', async () => {
	const paths = await server();
	await configure(paths, mailgun);
	const loaded = await loadConfig(paths);
	const plan = planChanges(loaded, {...answersForProvider(loaded, 'mailgun'), password: {kind: 'new', value: 'second-secret-value'}});
	assert.ok(plan.secrets.changed);
	const shown = plan.settings.diff + plan.secrets.diff;
	assert.doesNotMatch(shown, /second-secret-value/);
	assert.ok(!shown.includes(PASSWORD));
	assert.match(plan.secrets.diff, /^-email_password = \*{8}$/m);
	assert.match(plan.secrets.diff, /^\+email_password = \*{8} \(new\)$/m);
	// Context lines name the other secrets but never show their values.
	const secretKey = /^secret_key\s*=\s*(.+)$/m.exec(loaded.secretsText!)![1]!;
	assert.ok(!shown.includes(secretKey));
	assert.match(plan.secrets.diff, /^ [a-z_]+ = \(hidden\)$/m);
});

test('a file edited on disk after it was read is not overwritten', async () => {
	const paths = await server();
	const loaded = await loadConfig(paths);
	const plan = planChanges(loaded, mailgun(loaded));
	await writeFile(paths.settings, loaded.settingsText + '\n# edited by someone else\n');
	await assert.rejects(applyPlan(plan), (error: unknown) => error instanceof ConfigError && error.id === 'changed-on-disk');
	assert.equal(await readFile(paths.secrets, 'utf8'), loaded.secretsText);
});

test('restoreBackups puts both files back byte for byte', async () => {
	const paths = await server();
	const settingsBefore = await readFile(paths.settings, 'utf8');
	const secretsBefore = await readFile(paths.secrets, 'utf8');
	const {result} = await configure(paths, mailgun);
	await restoreBackups(result);
	assert.equal(await readFile(paths.settings, 'utf8'), settingsBefore);
	assert.equal(await readFile(paths.secrets, 'utf8'), secretsBefore);
});

test('a failure writing the second file puts the first one back', async () => {
	const paths = await server();
	const settingsBefore = await readFile(paths.settings, 'utf8');
	const secretsBefore = await readFile(paths.secrets, 'utf8');
	// A child limited to 4 KiB files: the secrets file fits, settings.py (and its backup) do not.
	const script = `
		import {loadConfig} from './source/engine/current-config.ts';
		import {answersForProvider} from './source/engine/answers.ts';
		import {planChanges} from './source/engine/plan.ts';
		import {applyPlan} from './source/engine/apply.ts';
		const loaded = await loadConfig(${JSON.stringify(paths)});
		const plan = planChanges(loaded, {...answersForProvider(loaded, 'mailgun'), username: 'u@mg.example.org', password: {kind: 'new', value: 'pw-for-rollback'}});
		try { await applyPlan(plan); console.log('WROTE'); } catch (error) { console.log('FAILED', error.id); }
	`;
	const root = new URL('..', import.meta.url).pathname;
	const {stdout} = await promisify(execFile)('bash', ['-c', `trap '' XFSZ; ulimit -f 4; exec "${process.execPath}" --import tsx --input-type=module -e "$0"`, script], {cwd: root});
	assert.match(stdout, /FAILED write-failed/);
	assert.equal(await readFile(paths.settings, 'utf8'), settingsBefore);
	assert.equal(await readFile(paths.secrets, 'utf8'), secretsBefore, 'the secrets file written first was restored');
});

test('every settings era reads as Zulip reads it', async () => {
	for (const fixture of await readdir(path.join(FIXTURES, 'settings'))) {
		if (!fixture.endsWith('.py')) continue;
		const paths = await server(fixture);
		const loaded = await loadConfig(paths);
		const python = await pyExecSettings(loaded.settingsText, NAMES);
		const {current} = loaded;
		if (typeof python.EMAIL_HOST === 'string') assert.equal(current.host, python.EMAIL_HOST || null, fixture);
		assert.equal(current.port, python.EMAIL_PORT ?? 25, fixture);
		assert.equal(current.user, python.EMAIL_HOST_USER ?? '', fixture);
		if (typeof python.ZULIP_ADMINISTRATOR === 'string') assert.ok(python.ZULIP_ADMINISTRATOR.includes(current.administrator!), fixture);
		if (typeof python.NOREPLY_EMAIL_ADDRESS === 'string') assert.equal(current.noreplyAddress, python.NOREPLY_EMAIL_ADDRESS, fixture);
		assert.equal(current.tokens, python.ADD_TOKENS_TO_NOREPLY_ADDRESS ?? true, fixture);
	}
});

test('a settings path that is a FIFO or a directory is an error, not a hang', async () => {
	const dir = await mkdtemp(path.join(tmpdir(), 'engine-fifo-'));
	const fifo = path.join(dir, 'settings.py');
	await promisify(execFile)('mkfifo', [fifo]);
	const secrets = path.join(dir, 'zulip-secrets.conf');
	await writeFile(secrets, '[secrets]\n');
	try {
		// Nobody ever writes to the FIFO: a blocking open would wait forever.
		await assert.rejects(loadConfig({settings: fifo, secrets}), (error: unknown) => error instanceof ConfigError && /not a regular file/.test(error.message));
		await assert.rejects(loadConfig({settings: dir, secrets}), (error: unknown) => error instanceof ConfigError && /not a regular file/.test(error.message));
	} finally {
		await rm(dir, {recursive: true, force: true});
	}
});
