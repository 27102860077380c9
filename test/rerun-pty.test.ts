/**
 * Going back, in the real program in a pseudo-terminal at 80×24: the admin
 * starts on Amazon SES, picks Milan, thinks better of it and goes back twice
 * to an authenticated STARTTLS relay on loopback. The raw output, replayed
 * into a terminal emulator (xterm.js), must show no "back to" trail and no
 * trace of the region given up, scrollback included; the files must say
 * the relay to Python, and the test mails must arrive.
 */
import assert from 'node:assert/strict';
import {chmod, mkdtemp, readFile, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {dirname, join} from 'node:path';
import {after, before, test} from 'node:test';
import xterm from '@xterm/headless';
import {startDnsServer, type RunningDnsServer} from '../source/sandbox/dns-server.js';
import {SANDBOX_DKIM_SELECTOR, sandboxZone} from '../source/sandbox/dns-zone.js';
import {sandboxSecrets} from '../source/sandbox/files.js';
import {startRelay, type SandboxRelay} from '../source/sandbox/relay.js';
import {sandboxSettings} from '../source/sandbox/settings-template.js';
import {keys, PtySession} from './helpers/pty.js';
import {pyExecSettings, pyRawConfigRead} from './helpers/python.js';
import {configuredWith} from './helpers/ui-fixtures.js';
import {BIN as bin, ensureBuilt} from './helpers/program.js';
import {bufferText} from './helpers/screen.js';

const ADMIN = 'admin@zulip.example.com';
const RELAY_USER = 'relay-user';
const RELAY_PASSWORD = 'Back#And%Forth;1';

let root: string;
let relay: SandboxRelay;
let dns: RunningDnsServer;
let settingsPath: string;
let secretsPath: string;
let restartScript: string;

before(async () => {
	root = await mkdtemp(join(tmpdir(), 'rerun-pty-'));
	await ensureBuilt();
	settingsPath = join(root, 'settings.py');
	secretsPath = join(root, 'zulip-secrets.conf');
	await writeFile(settingsPath, sandboxSettings({administrator: ADMIN, externalHost: 'zulip.example.com'}));
	await writeFile(secretsPath, sandboxSecrets(), {mode: 0o640});
	restartScript = join(root, 'restart-server');
	await writeFile(restartScript, '#!/bin/sh\necho "Zulip restarted successfully!"\n');
	await chmod(restartScript, 0o755);
	relay = await startRelay({dir: root, username: RELAY_USER, password: RELAY_PASSWORD});
	// The Deliverability panel after the test asks this loopback server, never the system's resolver.
	dns = await startDnsServer({records: await sandboxZone('zulip.example.com')});
});

after(async () => {
	await relay?.close();
	await dns?.close();
	await rm(root, {recursive: true, force: true});
});

async function answer(session: PtySession, key: string, next: string | RegExp, timeoutMs?: number): Promise<string> {
	await session.press(key);
	return session.waitFor(next, timeoutMs);
}

async function typeAndEnter(session: PtySession, text: string, next: string | RegExp): Promise<string> {
	await session.type(text);
	return answer(session, keys.enter, next);
}

test('going back replaces the answer: SES in Milan given up for a relay leaves no region and no "back to" line, on screen or in the scrollback', {timeout: 120_000}, async () => {
	const session = new PtySession(process.execPath, [bin, '--settings', settingsPath, '--secrets', secretsPath, '--ca-file', relay.caFile, '--restart-command', restartScript, '--timeout', '5', '--dns-server', dns.address, '--dkim-selector', SANDBOX_DKIM_SELECTOR], {
		cwd: root,
		env: {NO_COLOR: '1'},
		cols: 80,
		rows: 24,
	});
	try {
		await session.waitFor('Which service');
		await session.type('ses');
		await session.waitFor('› Amazon SES');
		await answer(session, keys.enter, 'Which region is your Amazon SES account in?');
		await session.type('milan');
		await session.waitFor('› Europe (Milan)');
		const endpoint = await answer(session, keys.enter, 'Port and TLS mode for email-smtp.eu-south-1.amazonaws.com');
		assert.match(endpoint, /✔ Region: Europe \(Milan\) \(eu-south-1\)/);
		// Two steps back: the region's line goes, then the provider's.
		await answer(session, keys.escape, 'Which region is your Amazon SES account in?');
		assert.doesNotMatch((await bufferText(session.raw, 80, 24)).join('\n'), /✔ Region/, 'back at the region, its answer is gone from the screen');
		await answer(session, keys.escape, 'Which service');
		await session.type('other');
		await session.waitFor('› Other SMTP server');
		await answer(session, keys.enter, 'SMTP server (EMAIL_HOST)');
		await session.press(keys.ctrlU);
		await typeAndEnter(session, '127.0.0.1', 'Port and TLS mode for 127.0.0.1');
		// "Another port" is two Up away (the list wraps; "another host" is last).
		await session.press(keys.up);
		await session.press(keys.up);
		await answer(session, keys.enter, 'Port (EMAIL_PORT)');
		await session.press(keys.ctrlU);
		await typeAndEnter(session, String(relay.port), `TLS mode for port ${relay.port}`);
		const username = await answer(session, keys.enter, 'SMTP username');
		assert.match(username, /✔ Provider: Other SMTP server/);
		await typeAndEnter(session, RELAY_USER, `Password for ${RELAY_USER}`);
		await typeAndEnter(session, RELAY_PASSWORD, 'Noreply address');
		await answer(session, keys.enter, 'Add a random token');
		await answer(session, keys.enter, 'test mails go?');
		const review = await answer(session, keys.enter, 'Write these changes?');
		assert.match(review, new RegExp(`Other SMTP server · 127\\.0\\.0\\.1:${relay.port} STARTTLS`));
		await answer(session, keys.enter, /\[mx-ok\][\s\S]*Restart Zulip so it reads/, 30_000);
		await answer(session, keys.enter, 'Next steps', 30_000);
		assert.equal(await session.exit(), 0, session.text.slice(-2000));
		assert.ok(!session.raw.includes(RELAY_PASSWORD), 'the password never reaches the terminal');
	} finally {
		session.kill();
	}

	// What the admin can scroll back through once the wizard is over.
	const lines = await bufferText(session.raw, 80, 24);
	const screen = lines.join('\n');
	assert.match(screen, /Which service|Configured now/, `the replay holds the session:\n${screen}`);
	assert.deepEqual(lines.filter(line => /Back to|‹/.test(line)), [], 'no "back to" trail');
	assert.deepEqual(lines.filter(line => /Region|eu-south-1|Milan/.test(line)), [], 'nothing of the region given up');
	assert.equal(lines.filter(line => line.includes('Your answers:')).length, 1, `the summary once:\n${screen}`);
	assert.match(screen, new RegExp(`Your answers:\\n\\s+Other SMTP server · 127\\.0\\.0\\.1:${relay.port} STARTTLS\\n\\s+user ${RELAY_USER} · password new \\(hidden\\)`));
	assert.match(screen, /Zulip can send email\./);

	const values = await pyExecSettings(await readFile(settingsPath, 'utf8'), ['EMAIL_HOST', 'EMAIL_PORT', 'EMAIL_USE_TLS', 'EMAIL_USE_SSL', 'EMAIL_HOST_USER']);
	assert.deepEqual(values, {EMAIL_HOST: '127.0.0.1', EMAIL_PORT: relay.port, EMAIL_USE_TLS: true, EMAIL_HOST_USER: RELAY_USER});
	assert.equal(await pyRawConfigRead(await readFile(secretsPath, 'utf8'), 'secrets', 'email_password'), RELAY_PASSWORD);
	assert.ok(relay.received.length >= 2 && relay.received.every(mail => mail.user === RELAY_USER && mail.to.includes(ADMIN)), 'the test mails arrived, sent as the relay user');
});

/** What a terminal of this size shows now, and the lines it had to wrap itself (a line wider than the terminal: Ink then miscounts what to erase). */
async function viewport(raw: string, cols: number, rows: number): Promise<{visible: string; wrapped: string[]}> {
	const terminal = new xterm.Terminal({cols, rows, scrollback: 5000, allowProposedApi: true});
	await new Promise<void>(resolve => terminal.write(raw, resolve));
	const buffer = terminal.buffer.active;
	const visible: string[] = [];
	for (let y = buffer.viewportY; y < buffer.viewportY + rows; y++) visible.push(buffer.getLine(y)?.translateToString(true) ?? '');
	const wrapped: string[] = [];
	for (let y = 0; y < buffer.length; y++) {
		const line = buffer.getLine(y);
		if (line?.isWrapped) wrapped.push(`${buffer.getLine(y - 1)?.translateToString(true) ?? ''}⏎${line.translateToString(true)}`);
	}

	terminal.dispose();
	return {visible: visible.join('\n'), wrapped};
}

for (const [cols, rows] of [[80, 24], [60, 20]] as const) {
	test(`at ${cols}×${rows} the rerun's screens fit: the start menu, the review's picker and the SES regions, whole and never wrapped by the terminal`, {timeout: 90_000}, async () => {
		const config = await configuredWith({providerId: 'custom', host: '127.0.0.1', port: relay.port, security: 'starttls', username: RELAY_USER, password: {kind: 'new', value: RELAY_PASSWORD}});
		const args = ['--settings', config.paths.settings, '--secrets', config.paths.secrets, '--ca-file', relay.caFile, '--restart-command', restartScript, '--timeout', '5', '--dns-server', dns.address];
		const expectWhole = async (session: PtySession, what: string, expected: readonly RegExp[]) => {
			const {visible, wrapped} = await viewport(session.raw, cols, rows);
			for (const pattern of expected) assert.match(visible, pattern, `${what} at ${cols}×${rows}: ${String(pattern)} on screen:\n${visible}`);
			assert.deepEqual(wrapped, [], `${what}: no line wider than ${cols} columns`);
		};

		try {
			const session = new PtySession(process.execPath, [bin, ...args], {cwd: root, env: {NO_COLOR: '1'}, cols, rows});
			try {
				// Each screen is checked once drawn down to its key hints (a frame may reach us in more than one read).
				await session.waitFor(/It works: the server accepts[\s\S]*Ctrl-C quit/, 30_000);
				await expectWhole(session, 'the start menu', [/What do you want to\s+do\?/, /It works/, /› Test it as it is/, /Change only the password/, /Change the From addresses/, /Switch provider or server/, /Ctrl-C quit/]);
				await session.press(keys.down);
				await session.press(keys.down);
				await answer(session, keys.enter, 'Noreply address');
				await answer(session, keys.enter, 'Add a random token');
				// Tokens off: something to write, so the review has its usual two choices.
				await session.press(keys.down);
				await answer(session, keys.enter, 'Write these changes?');
				await session.press(keys.down);
				await answer(session, keys.enter, /Which answer do you want to\s+change\?[\s\S]*Ctrl-C quit/);
				await expectWhole(session, 'the picker', [/Which answer do you want to\s+change\?/, /› Provider/, /Server: host, port and TLS/, /Username and password/, /From addresses/, /Recipient of the test mails/, /Ctrl-C quit/]);
				await session.press(keys.ctrlC);
				assert.equal(await session.exit(), 130, session.text.slice(-2000));
			} finally {
				session.kill();
			}

			// --provider ses goes straight to the list: no check of a host that is not on loopback.
			const ses = new PtySession(process.execPath, [bin, ...args, '--provider', 'ses'], {cwd: root, env: {NO_COLOR: '1'}, cols, rows});
			try {
				await ses.waitFor('› Amazon SES');
				await answer(ses, keys.enter, /Which region is your Amazon SES account\s+in\?[\s\S]*Ctrl-C quit/);
				await expectWhole(ses, 'the region list', [/Which region is your Amazon SES account\s+in\?/, /› US East \(Ohio\)/, /↓ \d+ more/, /Ctrl-C quit/]);
				await ses.type('milan');
				await ses.waitFor(/› Europe \(Milan\)[\s\S]*Ctrl-C quit/);
				await expectWhole(ses, 'the filtered region list', [/Filter: milan/, /› Europe \(Milan\)\s+eu-south-1/]);
				await ses.press(keys.ctrlC);
				assert.equal(await ses.exit(), 130, ses.text.slice(-2000));
			} finally {
				ses.kill();
			}
		} finally {
			await rm(dirname(config.paths.settings), {recursive: true, force: true});
		}
	});
}
