/**
 * `npm start` (build, then `zulip-email-setup --sandbox`), driven in a real
 * pseudo-terminal at 80×24 as a newcomer would:
 * Enter on every question, since every default points at the sandbox relay.
 */
import assert from 'node:assert/strict';
import {mkdir, mkdtemp, readdir, readFile, rm} from 'node:fs/promises';
import {createConnection} from 'node:net';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, before, test} from 'node:test';
import {keys, PtySession} from './helpers/pty.js';
import {rawConfigRead} from './helpers/raw-config.js';
import {BIN as bin, REPO as repo, ensureBuilt} from './helpers/program.js';

let root: string;

before(async () => {
	root = await mkdtemp(join(tmpdir(), 'sandbox-pty-test-'));
	await ensureBuilt();
});

after(async () => {
	await rm(root, {recursive: true, force: true});
});

test('npm start: the sandbox wizard runs to the end in a terminal, the three mails arrive, the restart runs', {timeout: 90_000}, async () => {
	// No --sandbox-dir, as `npm start` runs it: the sandbox lands in TMPDIR.
	const temporary = join(root, 'tmp');
	await mkdir(temporary);
	// Exactly what the README tells a newcomer to type, from the repository.
	const session = new PtySession('npm', ['start'], {cwd: repo, env: {TMPDIR: temporary, NO_COLOR: '1'}, cols: 80, rows: 24});
	try {
		const intro = await session.waitFor(/Which service/);
		const password = /password (\S+) \(throwaway/.exec(intro)?.[1];
		assert.ok(password, `the intro shows the throwaway password:\n${intro}`);
		// The relay is offered first and preselected, with its credentials on screen.
		assert.match(session.text, /› Sandbox relay\s+127\.0\.0\.1:\d+ STARTTLS, user sandbox-\w+/);

		// Accept every default until the wizard ends: Enter, then wait for the next question's key hints.
		for (let answered = 0; ; answered++) {
			assert.ok(answered < 25, `the wizard kept asking:\n${session.recent.slice(-2000)}`);
			await session.press(keys.enter);
			let recent: string;
			try {
				recent = await session.waitFor(/Enter (confirm|choose)|Mail received by the sandbox relay/, 30_000);
			} catch (error) {
				if (session.exitCode !== undefined) break;
				throw error;
			}

			// After the passing test: the Deliverability panel's real lookups in the sandbox's DNS, above the restart question.
			if (/Restart Zulip so it reads/.test(recent) && !/\[mx-ok\]/.test(recent)) await session.waitFor(/\[mx-ok\]/, 30_000);

			if (/Mail received by the sandbox relay/.test(session.text)) break;
		}

		const code = await session.exit(30_000);
		const text = session.text;
		assert.equal(code, 0, text.slice(-3000));
		assert.match(text, /Zulip restarted successfully!/);
		for (const id of ['spf-ok', 'dkim-ok', 'dmarc-ok', 'mx-ok']) assert.ok(text.includes(`[${id}]`), `${id} in the Deliverability panel`);
		assert.match(text, /Zulip itself sent its two test mails to admin@zulip\.sandbox\.test\./);
		assert.match(text, /Mail received by the sandbox relay \(5\):/);
		assert.match(text, /Subject: Zulip email test/);
		assert.match(text, /envelope from noreply-[a-z2-7]{24}@zulip\.sandbox\.test to\s+admin@zulip\.sandbox\.test\s+From: noreply-[a-z2-7]{24}@zulip\.sandbox\.test\s+Subject: Zulip noreply email test/);

		// npm 11 may leave its own compile cache in TMPDIR beside the sandbox.
		const name = (await readdir(temporary)).find(entry => entry.startsWith('zulip-email-setup-sandbox-'));
		const dir = join(temporary, name!);
		assert.match(text, new RegExp(`kept in\\s+${dir.replace(/[^\w/]/g, '\\$&')}`));
		const secrets = await readFile(join(dir, 'zulip-secrets.conf'), 'utf8');
		assert.equal(rawConfigRead(secrets, 'secrets', 'email_password'), password);
		assert.match(await readFile(join(dir, 'settings.py'), 'utf8'), /^EMAIL_HOST = "127\.0\.0\.1"$/m);
	} finally {
		session.kill();
	}
});

test('Ctrl-C in the sandbox wizard exits 130, closes the relay and still says where the sandbox is', {timeout: 60_000}, async () => {
	const dir = join(root, 'cancelled');
	const session = new PtySession(process.execPath, [bin, '--sandbox', '--sandbox-dir', dir], {cwd: root, env: {NO_COLOR: '1'}, cols: 80, rows: 24});
	try {
		const intro = await session.waitFor(/Which service/);
		const relayPort = Number(/Sandbox relay: 127\.0\.0\.1:(\d+)/.exec(intro)?.[1]);
		assert.ok(relayPort > 0, intro);
		await session.press(keys.ctrlC);
		assert.equal(await session.exit(15_000), 130, session.text.slice(-2000));
		assert.match(session.text, /The sandbox relay received no mail\./);
		assert.match(session.text, new RegExp(`kept in\\s+${dir.replace(/[^\w/]/g, '\\$&')}`));
		await assert.rejects(new Promise((resolve, reject) => createConnection(relayPort, '127.0.0.1').on('connect', resolve).on('error', reject)), /ECONNREFUSED/);
	} finally {
		session.kill();
	}
});
