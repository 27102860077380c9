/**
 * TERM=dumb (Emacs's M-x shell, serial consoles, script(1) logs): a terminal
 * that shows every byte and moves no cursor. The real program in a
 * pseudo-terminal, walked by keys through a first setup of the sandbox to the
 * end: it must print appended plain lines only (not one escape byte, no
 * carriage return that would overwrite a line), with every question, its
 * numbered choices and each answer readable in the transcript.
 */
import assert from 'node:assert/strict';
import {mkdtemp, readFile, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, before, test} from 'node:test';
import {keys, PtySession} from './helpers/pty.js';
import {BIN as bin, ensureBuilt} from './helpers/program.js';

let root: string;

before(async () => {
	root = await mkdtemp(join(tmpdir(), 'dumb-terminal-test-'));
	await ensureBuilt();
});

after(async () => {
	await rm(root, {recursive: true, force: true});
});

/** Nothing but printable text and line ends: no ESC, no lone CR, no backspace, no other control byte. */
function assertPlainLines(raw: string) {
	const escape = raw.indexOf('\u001B');
	assert.equal(escape, -1, `an escape byte at ${escape}: ${JSON.stringify(raw.slice(Math.max(0, escape - 80), escape + 40))}`);
	// The terminal turns each \n into \r\n; any other \r would return to the start of a printed line.
	// eslint-disable-next-line no-control-regex
	const control = /[\u0000-\u0009\u000B-\u001F\u007F]/.exec(raw.replaceAll('\r\n', '\n'));
	assert.equal(control, null, `a control byte ${JSON.stringify(control?.[0])} at ${control?.index}`);
}

/** The printed lines, as a terminal that moves no cursor keeps them. */
const linesOf = (raw: string) => raw.replaceAll('\r\n', '\n').split('\n');

test('TERM=dumb: a first setup walked by keys to the end prints plain appended lines, questions and answers readable', {timeout: 120_000}, async () => {
	const dir = join(root, 'wizard');
	// No NO_COLOR: TERM=dumb alone must turn colour off.
	const session = new PtySession(process.execPath, [bin, '--sandbox', '--sandbox-dir', dir], {term: 'dumb', env: {NO_COLOR: undefined, FORCE_COLOR: undefined}, cols: 80, rows: 24});
	try {
		const intro = await session.waitFor('Enter choose');
		const user = /user (sandbox-\w+)/.exec(intro)?.[1];
		assert.ok(user, intro);
		// The question once, then its choices numbered, the preselected one marked, all of them (nothing scrolls).
		const start = linesOf(session.raw);
		const title = start.indexOf("? Which service should send Zulip's email?");
		assert.notEqual(title, -1, session.text);
		assert.match(start[title + 2]!, /^ {2}› 1\. Sandbox relay {2}127\.0\.0\.1:\d+ STARTTLS/);
		assert.equal(start[title + 3], "    2. Mailgun  Zulip's recommended relay");
		assert.match(session.text, /^ {4}16\. Other SMTP server/m);
		assert.match(session.text, /^↑↓ or number move · type filter · Enter choose · Ctrl-C quit$/m);

		// An arrow prints the line the highlight moved to, once, and nothing else.
		await session.press(keys.down);
		assert.equal(await session.waitFor("› 2. Mailgun  Zulip's recommended relay"), "  › 2. Mailgun  Zulip's recommended relay");
		await session.press(keys.down);
		await session.waitFor('› 3. SendGrid');
		// A typed number moves the highlight there (Emacs's shell sends no arrow keys).
		await session.type('1');
		await session.waitFor(/› 1\. Sandbox relay/);
		await session.press(keys.enter);
		await session.waitFor('Enter choose');
		assert.match(session.text, /^✔ Provider: Sandbox relay$/m);
		assert.match(session.text, /^\? Port and TLS mode for 127\.0\.0\.1$/m);
		// As Emacs's shell sends it: the typed line whole, with its newline.
		await session.press('1\n');

		// A text input: the value on its own line; typed characters extend the printed line.
		await session.waitFor('Enter confirm');
		assert.match(session.text, new RegExp(`^\\? SMTP username \\(EMAIL_HOST_USER\\)$[\\s\\S]*^ {2}${user}$`, 'm'));
		// The prefilled name is a default: typing replaces it (no cursor can be shown in it to edit).
		// A key at a time, each read before the next is typed, as a person types: keys that arrive in one read render once.
		for (const [index, character] of [...user].entries()) {
			await session.type(character);
			await session.waitFor(index === 0 ? `  ${character}` : character);
		}

		assert.match(session.text, new RegExp(`^ {2}${user}$[\\s\\S]*^ {2}${user}$`, 'm'), 'the retyped name is one line, each key added to it');
		await session.press(keys.enter);
		await session.waitFor(`✔ Username: ${user}`);

		// Every other default as it stands, to the end: the password, the From addresses, the review, the test, the restart.
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

			if (/Restart Zulip so it reads/.test(recent) && !/\[mx-ok\]/.test(session.text)) await session.waitFor(/\[mx-ok\]/, 30_000);
			if (/Mail received by the sandbox relay/.test(session.text)) break;
		}

		const code = await session.exit(30_000);
		const text = session.text;
		assert.equal(code, 0, text.slice(-3000));
		assertPlainLines(session.raw);
		// The test's steps as lines that say how each ended, no spinner frames in between.
		assert.match(text, /^✔ .*EHLO.* \d+ ms$/m);
		assert.doesNotMatch(text, /[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]/, 'no spinner animation');
		assert.match(text, /Zulip restarted successfully!/);
		assert.match(text, /Mail received by the sandbox relay \(5\):/);
		// What the transcript says is what was written.
		assert.match(await readFile(join(dir, 'settings.py'), 'utf8'), new RegExp(`^EMAIL_HOST_USER = "${user}"$`, 'm'));
	} finally {
		session.kill();
	}
});

test('TERM=dumb: the non-interactive face prints no escapes either', {timeout: 60_000}, async () => {
	const session = new PtySession(process.execPath, [bin, '--sandbox', '--sandbox-dir', join(root, 'scripted'), '--non-interactive'], {term: 'dumb', env: {NO_COLOR: undefined, FORCE_COLOR: undefined}});
	try {
		const code = await session.exit(45_000);
		assert.equal(code, 0, session.text.slice(-3000));
		assertPlainLines(session.raw);
		assert.match(session.text, /^\+EMAIL_HOST = "127\.0\.0\.1"$/m);
	} finally {
		session.kill();
	}
});
