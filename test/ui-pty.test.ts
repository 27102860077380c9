/**
 * The wizard end to end, as an admin drives it over SSH: the real program in
 * a pseudo-terminal at 80×24, keys only, against a real SMTP relay on
 * loopback. A first-time setup (the file backend, for trying Zulip out), then
 * a rerun that switches to an authenticated STARTTLS relay: the files must
 * say exactly that to Python, nothing stale may remain, both test mails must
 * arrive, and the password must never reach the terminal.
 */
import assert from 'node:assert/strict';
import {chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, before, test} from 'node:test';
import {startDnsServer, type RunningDnsServer} from '../source/sandbox/dns-server.js';
import {SANDBOX_DKIM_SELECTOR, sandboxZone} from '../source/sandbox/dns-zone.js';
import {sandboxSecrets} from '../source/sandbox/files.js';
import {startRelay, type SandboxRelay} from '../source/sandbox/relay.js';
import {mailDirectory} from './helpers/cli.js';
import {sandboxSettings} from '../source/sandbox/settings-template.js';
import {keys, PtySession} from './helpers/pty.js';
import {pyExecSettings} from './helpers/python.js';
import {rawConfigRead} from './helpers/raw-config.js';
import {visibleText} from './helpers/screen.js';
import {BIN as bin, ensureBuilt} from './helpers/program.js';

const ADMIN = 'admin@zulip.example.com';
const RELAY_USER = 'relay-user';
// The characters a naive ini library mangles, typed through the masked input.
const RELAY_PASSWORD = 'Relay#Pass%1;x=y';

let root: string;
let relay: SandboxRelay;
let settingsPath: string;
let secretsPath: string;
let mailDir: string;
let restartScript: string;
// The Deliverability panel after a passing test asks this loopback server, never the system's resolver.
let dns: RunningDnsServer;

before(async () => {
	root = await mkdtemp(join(tmpdir(), 'ui-pty-test-'));
	await ensureBuilt();
	settingsPath = join(root, 'settings.py');
	secretsPath = join(root, 'zulip-secrets.conf');
	// Where the zulip user (on a machine that has one) may write, as the file backend's test checks it can.
	mailDir = await mailDirectory();
	await mkdir(mailDir);
	await chmod(mailDir, 0o777);
	await writeFile(settingsPath, sandboxSettings({administrator: ADMIN, externalHost: 'zulip.example.com'}));
	await writeFile(secretsPath, sandboxSecrets(), {mode: 0o640});
	// Stands in for restart-server: chatty, then Zulip's own success line.
	restartScript = join(root, 'restart-server');
	await writeFile(restartScript, '#!/bin/sh\nfor step in checks stop start; do echo "restart-server: $step"; done\necho "Zulip restarted successfully!"\n');
	await chmod(restartScript, 0o755);
	relay = await startRelay({dir: root, username: RELAY_USER, password: RELAY_PASSWORD});
	dns = await startDnsServer({records: await sandboxZone('zulip.example.com')});
});

after(async () => {
	await relay?.close();
	await dns?.close();
	await rm(root, {recursive: true, force: true});
});

function wizard(): PtySession {
	return new PtySession(process.execPath, [bin, '--settings', settingsPath, '--secrets', secretsPath, '--ca-file', relay.caFile, '--restart-command', restartScript, '--timeout', '5', '--dns-server', dns.address, '--dkim-selector', SANDBOX_DKIM_SELECTOR], {
		cwd: root,
		env: {NO_COLOR: '1'},
		cols: 80,
		rows: 24,
	});
}

/** Press a key, then wait for what it leads to. */
async function answer(session: PtySession, key: string, next: string | RegExp, timeoutMs?: number): Promise<string> {
	await session.press(key);
	return session.waitFor(next, timeoutMs);
}

/** Type text as a person would, one short burst, then Enter on its own. */
async function typeAndEnter(session: PtySession, text: string, next: string | RegExp): Promise<string> {
	await session.type(text);
	return answer(session, keys.enter, next);
}

test('first-time setup, then a rerun that switches provider, by keys only in 80×24', {timeout: 120_000}, async () => {
	// First run: nothing configured yet; the admin picks the file backend to try Zulip out.
	const first = wizard();
	try {
		const start = await first.waitFor('Which service');
		assert.match(start, /nothing configured: Zulip drops every email/);
		await first.type('files');
		await first.waitFor('› Log to files');
		await answer(first, keys.enter, 'Directory for the mail files');
		await first.press(keys.ctrlU);
		await typeAndEnter(first, mailDir, 'Noreply address');
		await answer(first, keys.enter, 'Add a random token');
		await answer(first, keys.enter, 'test mails go?');
		const review = await answer(first, keys.enter, 'Write these changes?');
		assert.match(review, /\+EMAIL_BACKEND = "django\.core\.mail\.backends\.filebased\.EmailBackend"/);
		// One frame holds the panel and the restart question below it (a frame is drawn whole).
		const offer = await answer(first, keys.enter, /Deliverability[\s\S]*no mail leaves this server[\s\S]*Restart Zulip so it reads/, 30_000);
		assert.match(offer, /Test passed/);
		await answer(first, keys.enter, 'Next steps', 30_000);
		assert.equal(await first.exit(), 0, first.text.slice(-2000));
		assert.match(first.text, /Zulip restarted successfully!/);
		assert.match(first.text, /Zulip writes its email to files\./);
	} finally {
		first.kill();
	}

	const written = await pyExecSettings(await readFile(settingsPath, 'utf8'), ['EMAIL_BACKEND', 'EMAIL_FILE_PATH']);
	assert.equal(written.EMAIL_BACKEND, 'django.core.mail.backends.filebased.EmailBackend');
	assert.equal(written.EMAIL_FILE_PATH, mailDir);
	assert.equal((await readdir(mailDir)).length > 0, true, 'the file backend test wrote its messages');

	// Rerun: the wizard starts from the file backend and switches to an authenticated relay.
	const second = wizard();
	try {
		// A configured server starts at the start menu; "switch provider" opens the list.
		const menu = await second.waitFor('Switch provider or server');
		assert.match(menu, /files in .*emails: no mail leaves the server/);
		assert.match(menu, /Email is configured on this server/);
		await second.press(keys.down);
		await answer(second, keys.down, '› Switch provider or server');
		const start = await answer(second, keys.enter, 'Which service');
		assert.match(start, /› Log to files/, 'the configured provider is preselected');
		await second.type('other');
		await second.waitFor('› Other SMTP server');
		await answer(second, keys.enter, 'SMTP server (EMAIL_HOST)');
		await second.press(keys.ctrlU);
		await typeAndEnter(second, '127.0.0.1', 'Port and TLS mode for 127.0.0.1');
		// "Another port" is two Up away (the list wraps; "another host" is last).
		await second.press(keys.up);
		await second.press(keys.up);
		await answer(second, keys.enter, 'Port (EMAIL_PORT)');
		await second.press(keys.ctrlU);
		await typeAndEnter(second, String(relay.port), `TLS mode for port ${relay.port}`);
		await answer(second, keys.enter, 'SMTP username');
		await typeAndEnter(second, RELAY_USER, `Password for ${RELAY_USER}`);
		// Esc goes back a step and keeps the answer; Enter comes forward again. Going back replaces the
		// answered line rather than adding a "back to" line.
		const back = await answer(second, keys.escape, 'SMTP username');
		assert.doesNotMatch(back, /‹ Back/);
		assert.doesNotMatch(await visibleText(second.raw, 80, 24), new RegExp(`✔ Username: ${RELAY_USER}`), 'the answer of the question shown again is gone');
		await answer(second, keys.enter, `Password for ${RELAY_USER}`);
		// Switching keeps the From addresses, the tokens and the recipient: after the login, the review.
		const review = await typeAndEnter(second, RELAY_PASSWORD, 'Write these changes?');
		assert.doesNotMatch(review, /Noreply address \(NOREPLY_EMAIL_ADDRESS\)|Add a random token|test mails go\?/);
		assert.match(review, /-EMAIL_BACKEND = "django\.core\.mail\.backends\.filebased\.EmailBackend"/);
		assert.match(review, /\+EMAIL_HOST = "127\.0\.0\.1"/);
		assert.match(review, /\+email_password = \*+ \(new\)/);
		// The panel comes above the restart question, which never waits for it; the frame with both findings and question is drawn whole.
		const panel = await answer(second, keys.enter, /\[mx-ok\][\s\S]*Restart Zulip so it reads/, 30_000);
		assert.match(panel, /Test passed/);
		assert.match(panel, /Deliverability \(SPF, DKIM, DMARC, MX\)/);
		for (const id of ['spf-ok', 'dkim-ok', 'dmarc-ok']) assert.ok(panel.includes(`[${id}]`), `${id} in the panel:\n${panel}`);
		assert.match(panel, /✔ DKIM key published for zulip\.example\.com under sandbox\._domainkey/);
		await answer(second, keys.enter, 'Next steps', 30_000);
		assert.equal(await second.exit(), 0, second.text.slice(-2000));
		assert.match(second.text, /Zulip can send email\./);
		assert.ok(!second.text.includes('Publish SPF and DKIM records'), 'the panel replaces the generic advice');
		assert.ok(!second.raw.includes(RELAY_PASSWORD), 'the password never reaches the terminal');
		// The scrollback was never wiped: the first question is still in it.
		assert.ok(!second.raw.includes('\u001B[3J'), 'no clear-scrollback sequence');
	} finally {
		second.kill();
	}

	const settingsText = await readFile(settingsPath, 'utf8');
	const values = await pyExecSettings(settingsText, ['EMAIL_BACKEND', 'EMAIL_FILE_PATH', 'EMAIL_HOST', 'EMAIL_PORT', 'EMAIL_USE_TLS', 'EMAIL_USE_SSL', 'EMAIL_HOST_USER']);
	assert.ok(values.EMAIL_BACKEND === undefined || values.EMAIL_BACKEND === null, `no file backend left behind: ${JSON.stringify(values)}`);
	assert.ok(values.EMAIL_FILE_PATH === undefined || values.EMAIL_FILE_PATH === null);
	assert.equal(values.EMAIL_HOST, '127.0.0.1');
	assert.equal(values.EMAIL_PORT, relay.port);
	assert.equal(values.EMAIL_USE_TLS, true);
	assert.notEqual(values.EMAIL_USE_SSL, true);
	assert.equal(values.EMAIL_HOST_USER, RELAY_USER);
	assert.equal(rawConfigRead(await readFile(secretsPath, 'utf8'), 'secrets', 'email_password'), RELAY_PASSWORD);
	const subjects = relay.received.map(mail => mail.subject).sort();
	assert.deepEqual(subjects, ['Zulip email test', 'Zulip email test (sent the way Zulip sends invitations)', 'Zulip noreply email test']);
	assert.ok(relay.received.every(mail => mail.to.includes(ADMIN) && mail.user === RELAY_USER));
	assert.match(relay.received.find(mail => mail.subject === 'Zulip noreply email test')!.envelopeFrom, /^noreply-[a-z2-7]{24}@zulip\.example\.com$/);
});

test('a rerun: change only the password from the start menu, the review picker jumps, a refused password is typed again from empty', {timeout: 120_000}, async () => {
	// The configuration of the test above: the relay, its user and password.
	const session = wizard();
	try {
		await session.waitFor('Change only the password');
		// The background check reaches the relay while the menu is read.
		await session.waitFor(/It works: the server accepts the login/, 30_000);
		await session.press(keys.down);
		await session.waitFor('› Change only the password');
		await answer(session, keys.enter, `Password for ${RELAY_USER}`);
		// A wrong one, so the test fails and the fix is to type it again.
		await typeAndEnter(session, 'wrong-password', 'Write these changes?');
		// The review's picker jumps to one answer and comes straight back.
		await session.press(keys.down);
		await answer(session, keys.enter, 'Which answer do you want to change?');
		await session.press(keys.down);
		await session.press(keys.down);
		await answer(session, keys.down, '› From addresses');
		await answer(session, keys.enter, 'Noreply address');
		await answer(session, keys.enter, 'Add a random token');
		const review = await answer(session, keys.enter, 'Write these changes?');
		assert.doesNotMatch(review, /test mails go/, 'no questions after the one changed');
		assert.match(review, /Your answers:/);
		const failed = await answer(session, keys.enter, 'What now?', 30_000);
		assert.match(failed, /rejected the login/);
		// The fix is the wizard's own action, in words, not a flag.
		assert.match(failed, /› Type the password again and test again/);
		assert.doesNotMatch(failed, /--password-file/);
		const retype = await answer(session, keys.enter, `Password for ${RELAY_USER}`);
		// The field starts empty: no dots of the refused password, only the caret.
		assert.match(retype, /^ {2}▏\s*$/m);
		assert.doesNotMatch(retype, /•/);
		await session.type(RELAY_PASSWORD);
		const offer = await answer(session, keys.enter, 'Restart Zulip so it reads', 30_000);
		assert.match(offer, /Test passed/);
		await answer(session, keys.enter, 'Next steps', 30_000);
		assert.equal(await session.exit(), 0, session.text.slice(-2000));
	} finally {
		session.kill();
	}

	assert.equal(rawConfigRead(await readFile(secretsPath, 'utf8'), 'secrets', 'email_password'), RELAY_PASSWORD, 'the password typed again is the one stored');
});

test('Ctrl-C at a question exits 130 and changes nothing', {timeout: 60_000}, async () => {
	const before = await readFile(settingsPath, 'utf8');
	const session = wizard();
	try {
		// Configured by the tests above: the start menu is the first question.
		await session.waitFor('What do you want to do?');
		await session.press(keys.ctrlC);
		assert.equal(await session.exit(), 130, session.text.slice(-2000));
		assert.match(session.text, /Cancelled\. Nothing was written\./);
	} finally {
		session.kill();
	}

	assert.equal(await readFile(settingsPath, 'utf8'), before);
});

test('Amazon SES: the full region list (Milan included), a rerun on eu-south-1 starts there, and a newer region is typed', {timeout: 60_000}, async () => {
	// A rerun on SES in Milan; --provider ses goes straight to the list (no start-menu check: nothing leaves loopback).
	const milan = join(root, 'ses-milan.py');
	await writeFile(milan, `${await readFile(settingsPath, 'utf8')}\nEMAIL_HOST = "email-smtp.eu-south-1.amazonaws.com"\nEMAIL_HOST_USER = "AKIAEXAMPLE"\nEMAIL_PORT = 587\nEMAIL_USE_TLS = True\nEMAIL_BACKEND = None\n`);
	const session = new PtySession(process.execPath, [bin, '--settings', milan, '--secrets', secretsPath, '--provider', 'ses'], {cwd: root, env: {NO_COLOR: '1'}, cols: 80, rows: 24});
	try {
		await session.waitFor('› Amazon SES');
		const regions = await answer(session, keys.enter, 'Which region is your Amazon SES account in?');
		assert.match(regions, /› Europe \(Milan\)\s+eu-south-1/, 'the configured region is preselected');
		await answer(session, keys.enter, 'Port and TLS mode for email-smtp.eu-south-1.amazonaws.com');
		// Back to the list, filter to the "another region" entry, type one newer than the catalog.
		await answer(session, keys.escape, 'Which region');
		await session.type('another');
		await session.waitFor('› Another region');
		await answer(session, keys.enter, 'Type the region name');
		await typeAndEnter(session, 'eu-south-9', 'Port and TLS mode for email-smtp.eu-south-9.amazonaws.com');
		await session.press(keys.ctrlC);
		assert.equal(await session.exit(), 130, session.text.slice(-2000));
	} finally {
		session.kill();
	}
});
