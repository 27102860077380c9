/**
 * The sandbox (`zulip-email-setup --sandbox`) driven in a real
 * pseudo-terminal at 80×24, as a newcomer would:
 *
 * - "Log to files" keeps the mail inside the sandbox: its directory is
 *   prefilled, one outside it is refused at the question; HOME, the working
 *   directory and TMPDIR are empty temp dirs, and afterwards they are still
 *   empty, /var/log/zulip/emails is not created, and settings.py points
 *   inside the sandbox (python3 reads it).
 * - A kept --sandbox-dir brings its relay back: a second run shows the same
 *   port, user and password, its start menu's background check passes
 *   against it, and `--sandbox --sandbox-dir D --check` passes.
 */
import assert from 'node:assert/strict';
import {mkdir, mkdtemp, readdir, readFile, rm, stat} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, before, test} from 'node:test';
import {keys, PtySession} from './helpers/pty.js';
import {pyExecSettings, pyRawConfigRead} from './helpers/python.js';
import {BIN as bin, ensureBuilt} from './helpers/program.js';

const DEFAULT_MAIL_DIR = '/var/log/zulip/emails';
let root: string;

before(async () => {
	// Short: the sandbox's paths are printed and must not wrap at 80 columns.
	root = await mkdtemp(join(tmpdir(), 'sbx-'));
	await ensureBuilt();
});

after(async () => {
	await rm(root, {recursive: true, force: true});
});

/** Empty directories to stand in for the admin's HOME, working directory and TMPDIR. */
async function elsewhere(name: string): Promise<{home: string; cwd: string; tmp: string}> {
	const dirs = {home: join(root, name, 'home'), cwd: join(root, name, 'cwd'), tmp: join(root, name, 'tmp')};
	for (const dir of Object.values(dirs)) await mkdir(dir, {recursive: true});
	return dirs;
}

function sandbox(args: readonly string[], where: {home: string; cwd: string; tmp: string}): PtySession {
	return new PtySession(process.execPath, [bin, '--sandbox', ...args], {cwd: where.cwd, env: {NO_COLOR: '1', HOME: where.home, TMPDIR: where.tmp}, cols: 80, rows: 24});
}

/** Enter on every question until the program ends (every default is the sandbox's); returns its exit code. */
async function acceptDefaults(session: PtySession): Promise<number> {
	for (let answered = 0; ; answered++) {
		assert.ok(answered < 25, `the wizard kept asking:\n${session.recent.slice(-2000)}`);
		await session.press(keys.enter);
		try {
			const recent = await session.waitFor(/Enter (confirm|choose)|Mail received by the sandbox relay|The sandbox relay received no mail/, 30_000);
			if (/Mail received by the sandbox relay|The sandbox relay received no mail/.test(recent)) break;
		} catch (error) {
			if (session.exitCode !== undefined) break;
			throw error;
		}
	}

	return session.exit(30_000);
}

/** What the intro says about the relay. */
function relayOf(intro: string): {port: number; user: string; password: string} {
	const relay = /Sandbox relay: 127\.0\.0\.1:(\d+), STARTTLS required before AUTH, user\s+(\S+)/.exec(intro);
	const password = /password (\S+) \(throwaway/.exec(intro);
	assert.ok(relay && password, `the intro names the relay:\n${intro}`);
	return {port: Number(relay[1]), user: relay[2]!, password: password[1]!};
}

async function exists(path: string): Promise<boolean> {
	return stat(path).then(() => true, () => false);
}

test('"Log to files" in the sandbox: the directory is inside it, and nothing is created outside it', {timeout: 120_000}, async () => {
	const where = await elsewhere('files');
	const dir = join(root, 'files', 'sandbox');
	const mailDir = join(dir, 'emails');
	const hadDefault = await exists(DEFAULT_MAIL_DIR);
	const session = sandbox(['--sandbox-dir', dir], where);
	try {
		await session.waitFor('Which service');
		await session.type('files');
		await session.waitFor('› Log to files');
		await session.press(keys.enter);
		// The whole question, down to its key hints (a frame may reach us in more than one read).
		const question = await session.waitFor(/Directory for the mail files[\s\S]*Ctrl-C quit/);
		// Prefilled with the sandbox's own directory, not /var/log/zulip/emails.
		assert.ok(question.includes(mailDir), `the field holds ${mailDir}:\n${question}`);
		assert.ok(!question.includes(DEFAULT_MAIL_DIR), question);
		// A directory outside the sandbox is refused at the question, before anything is written.
		const outside = join(where.home, 'emails');
		await session.press(keys.ctrlU);
		// Emptied, the field suggests the sandbox's directory too.
		const emptied = await session.waitFor(`▏${mailDir}`);
		assert.ok(!emptied.includes(DEFAULT_MAIL_DIR), emptied);
		await session.type(outside);
		await session.press(keys.enter);
		const refused = await session.waitFor(/outside\s+the\s+sandbox[\s\S]*Ctrl-C quit/);
		assert.match(refused, /choose\s+a\s+directory\s+inside\s+it/);
		assert.doesNotMatch(refused, /Noreply address/);
		await session.press(keys.ctrlU);
		await session.type(mailDir);
		await session.press(keys.enter);
		await session.waitFor('Noreply address');
		const code = await acceptDefaults(session);
		assert.equal(code, 0, session.text.slice(-3000));
		assert.match(session.text, /Test passed/);
		assert.match(session.text, /Zulip writes its email to files\./);
	} finally {
		session.kill();
	}

	const values = await pyExecSettings(await readFile(join(dir, 'settings.py'), 'utf8'), ['EMAIL_BACKEND', 'EMAIL_FILE_PATH']);
	assert.deepEqual(values, {EMAIL_BACKEND: 'django.core.mail.backends.filebased.EmailBackend', EMAIL_FILE_PATH: mailDir});
	const mails = await readdir(mailDir);
	assert.ok(mails.length >= 2, `the test mails were written in the sandbox: ${mails.join(', ')}`);
	assert.equal(await exists(DEFAULT_MAIL_DIR), hadDefault, `${DEFAULT_MAIL_DIR} was not created`);
	for (const [name, path] of Object.entries(where)) assert.deepEqual(await readdir(path), [], `nothing was written in ${name} (${path})`);
});

test('a kept --sandbox-dir keeps its relay: the second run has the same port, user and password, its start menu check passes, and --check passes', {timeout: 150_000}, async () => {
	const where = await elsewhere('recheck');
	const dir = join(root, 'recheck', 'sandbox');
	let first: {port: number; user: string; password: string};
	const firstRun = sandbox(['--sandbox-dir', dir], where);
	try {
		first = relayOf(await firstRun.waitFor('Which service'));
		assert.match(firstRun.text, /› Sandbox relay/);
		assert.equal(await acceptDefaults(firstRun), 0, firstRun.text.slice(-3000));
		assert.match(firstRun.text, /Mail received by the sandbox relay \(\d+\):/);
	} finally {
		firstRun.kill();
	}

	const settingsAfterFirst = await readFile(join(dir, 'settings.py'), 'utf8');
	const secrets = await readFile(join(dir, 'zulip-secrets.conf'), 'utf8');
	const written = await pyExecSettings(settingsAfterFirst, ['EMAIL_HOST', 'EMAIL_PORT', 'EMAIL_HOST_USER']);
	assert.deepEqual(written, {EMAIL_HOST: '127.0.0.1', EMAIL_PORT: first.port, EMAIL_HOST_USER: first.user});
	assert.equal(await pyRawConfigRead(secrets, 'secrets', 'email_password'), first.password);

	// The second run: the same directory, so the same relay, and a configured server starts at the menu.
	const secondRun = sandbox(['--sandbox-dir', dir], where);
	try {
		const intro = await secondRun.waitFor('What do you want to do?');
		assert.match(intro, /Sandbox \(reusing the files of an earlier run\)/);
		assert.deepEqual(relayOf(intro), first, 'the same port, user and password');
		assert.doesNotMatch(intro, /is taken by another program/);
		// The background check logs in to the relay the files name.
		await secondRun.waitFor(/It works: the server accepts the login/, 30_000);
		await secondRun.press(keys.enter);
		await secondRun.waitFor('test mails go?');
		await secondRun.press(keys.enter);
		await secondRun.waitFor('Nothing to change: the files already say this.');
		assert.equal(await acceptDefaults(secondRun), 0, secondRun.text.slice(-3000));
		assert.match(secondRun.text, /Test passed/);
		assert.match(secondRun.text, /The sandbox files did not change\./);
	} finally {
		secondRun.kill();
	}

	assert.equal(await readFile(join(dir, 'settings.py'), 'utf8'), settingsAfterFirst, 'the rerun wrote nothing');

	// As the README has it: check the kept sandbox as it is.
	const check = sandbox(['--sandbox-dir', dir, '--check'], where);
	try {
		assert.equal(await check.exit(60_000), 0, check.text.slice(-3000));
		assert.match(check.text, new RegExp(`Sandbox relay: 127\\.0\\.0\\.1:${first.port}, STARTTLS required before AUTH, user\\s+${first.user}`));
		assert.match(check.text, /Live test passed/);
		assert.match(check.text, /Mail received by the sandbox relay \(3\):/);
		assert.match(check.text, /The sandbox files did not change\./);
		assert.ok(!check.text.includes(first.password), '--check output (for logs and CI) never shows the password');
	} finally {
		check.kill();
	}

	assert.equal(await readFile(join(dir, 'settings.py'), 'utf8'), settingsAfterFirst, '--check wrote nothing');
	for (const [name, path] of Object.entries(where)) assert.deepEqual(await readdir(path), [], `nothing was written in ${name} (${path})`);
});
