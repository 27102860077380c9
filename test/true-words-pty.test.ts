/**
 * Issue 22, read off a real terminal: the sandbox wizard at 80×24, Enter on
 * every question (every default points at the sandbox relay), then the
 * terminal emulator's whole buffer is read as the admin reads it.
 */
import assert from 'node:assert/strict';
import {mkdtemp, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, before, describe, test} from 'node:test';
import {keys, PtySession} from './helpers/pty.js';
import {BIN as bin, REPO as repo, ensureBuilt} from './helpers/program.js';
import {bufferText} from './helpers/screen.js';

let root: string;

before(async () => {
	root = await mkdtemp(join(tmpdir(), 'zes-words-pty-'));
	await ensureBuilt();
});

after(async () => {
	await rm(root, {recursive: true, force: true});
});

/** Enter on every question until the wizard ends; the whole buffer as lines, and the session. */
async function walkWithEnter(args: readonly string[], size = {cols: 80, rows: 24}): Promise<{lines: string[]; text: string; code: number}> {
	const session = new PtySession(bin, [...args], {cwd: repo, env: {NO_COLOR: '1'}, ...size});
	try {
		await session.waitFor(/Which service/);
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

			// The Deliverability panel's lookups end before the restart is chosen.
			if (/Restart Zulip so it reads/.test(recent) && !/\[mx-ok\]/.test(recent)) await session.waitFor(/\[mx-ok\]/, 30_000);
			if (/Mail received by the sandbox relay/.test(session.text)) break;
		}

		const code = await session.exit(30_000);
		return {lines: await bufferText(session.raw, size.cols, size.rows), text: session.text, code};
	} finally {
		session.kill();
	}
}

describe('the sandbox wizard, Enter on every question, at 80×24', () => {
	let lines: string[];
	let text: string;
	let sandboxDir: string;
	before(async () => {
		sandboxDir = join(root, 'walk');
		const walked = await walkWithEnter(['--sandbox', '--sandbox-dir', sandboxDir]);
		assert.equal(walked.code, 0, walked.lines.join('\n').slice(-3000));
		({lines, text} = walked);
	});

	test('the test mails are counted from the senders: three with Zulip\'s default tokens, never "the two test mails"', () => {
		assert.match(text, /Where should the three test mails go\?/);
		assert.match(text.replace(/\s+/g, ' '), /One from the default From, one from the noreply address \(shaped as Zulip sends invitations\) and one from the tokenized noreply address/);
		assert.doesNotMatch(text, /two test mails go/);
	});

	test('the review calls the sandbox relay by its name; Zulip\'s own test says it runs as the user running the sandbox', () => {
		const answers = lines.findIndex(line => line === '• Your answers:');
		assert.ok(answers !== -1, lines.join('\n'));
		assert.match(lines[answers + 1]!, /^ {2}Sandbox relay · 127\.0\.0\.1:\d+ STARTTLS$/);
		const flat = text.replace(/\s+/g, ' ');
		assert.match(flat, /As the user running the sandbox \(who owns the mails it writes\) it runs manage\.py send_test_email/);
		assert.doesNotMatch(flat, /As the zulip user it runs/);
	});

	test('the noreply question says Zulip\'s default without a stray space; the tokens setting is named whole at 80 columns', () => {
		assert.doesNotMatch(text, /noreply@ /);
		assert.match(text, /noreply@<your Zulip host>/);
		assert.match(text, /ADD_TOKENS_TO_NOREPLY_ADDRESS/);
		assert.doesNotMatch(text, /ADD_TOKENS_TO_NOREPLY_ADDRESS[^\n]*…/);
	});

	test('results in the order they ran: the Deliverability panel, then the restart, then Zulip\'s own test', () => {
		const panel = lines.findIndex(line => line.startsWith('Deliverability (SPF, DKIM, DMARC, MX)'));
		const restart = lines.findIndex(line => /^• Running .*restart-server/.test(line));
		const zulip = lines.findIndex(line => /Zulip itself sent/.test(line));
		assert.ok(panel !== -1 && restart !== -1 && zulip !== -1, lines.join('\n'));
		assert.ok(panel < restart, `the panel (line ${panel}) comes before the restart (line ${restart}):\n${lines.join('\n')}`);
		assert.ok(restart < zulip, lines.join('\n'));
		// Printed once: no second panel below the restart.
		assert.equal(lines.filter(line => line.startsWith('Deliverability (SPF, DKIM, DMARC, MX)')).length, 1, lines.join('\n'));
	});

	test('"Next steps" gives the sandbox\'s own rerun: its directory, and the program as it was started', () => {
		const next = lines.findIndex(line => line === 'Next steps');
		assert.ok(next !== -1, lines.join('\n'));
		// A command wider than the row goes on at column 0 of the next, nothing inserted (after a slash where it can).
		const text = lines.slice(next, next + 12).join('\n').replace(/\/\n/g, '/');
		assert.ok(text.includes(`./bin/zulip-email-setup.js --sandbox --sandbox-dir ${sandboxDir} --check`), lines.slice(next, next + 12).join('\n'));
		assert.doesNotMatch(text, /Run zulip-email-setup --check/);
	});
});

test('a password written wrong, then right again: the sandbox says it wrote its files twice, never that they did not change', {timeout: 120_000}, async () => {
	const dir = join(root, 'twice');
	// A configured sandbox, as an earlier run leaves it.
	const configure = new PtySession(bin, ['--sandbox', '--sandbox-dir', dir, '--non-interactive'], {cwd: repo, env: {NO_COLOR: '1'}});
	assert.equal(await configure.exit(60_000), 0, configure.text.slice(-2000));
	const session = new PtySession(bin, ['--sandbox', '--sandbox-dir', dir, '--restart-command', 'true'], {cwd: repo, env: {NO_COLOR: '1'}, cols: 80, rows: 24});
	try {
		const intro = await session.waitFor(/What do you want to do\?[\s\S]*Ctrl-C quit/);
		const password = /password (\S+) \(throwaway/.exec(intro)?.[1];
		assert.ok(password, intro);
		// The start menu counts the mails and addresses from the senders (three with tokens on).
		await session.waitFor(/It works: the server accepts the login and all three From addresses\./, 30_000);
		assert.match(session.text, /send the three test mails; nothing is written/);
		await session.press(keys.down);
		await session.press(keys.enter);
		await session.waitFor(/Password for sandbox-\w+[\s\S]*Ctrl-C quit/);
		await session.press(keys.ctrlU);
		await session.type('not-the-password');
		await session.press(keys.enter);
		await session.waitFor(/Write these changes\?[\s\S]*Ctrl-C quit/);
		await session.press(keys.enter);
		await session.waitFor(/What now\?[\s\S]*Ctrl-C quit/, 30_000);
		// "Type the password again and test again".
		await session.press(keys.enter);
		await session.waitFor(/Password for sandbox-\w+[\s\S]*Ctrl-C quit/);
		await session.press(keys.ctrlU);
		await session.type(password);
		await session.press(keys.enter);
		await session.waitFor(/Restart Zulip so it reads[\s\S]*Ctrl-C quit/, 30_000);
		// Not now: the wizard ends.
		await session.press(keys.down);
		await session.press(keys.enter);
		assert.equal(await session.exit(30_000), 0, session.text.slice(-2000));
		const text = (await bufferText(session.raw, 80, 24)).join('\n');
		assert.doesNotMatch(text, /The sandbox files did not change\./);
		assert.match(text.replace(/\s+/g, ' '), /This session wrote the sandbox files twice \(a backup beside them for each write\); they now hold what they held before it\./);
	} finally {
		session.kill();
	}
});

describe('Compose mode (--sandbox --docker), Enter on every question: every text names Compose\'s files', () => {
	let text: string;
	let lines: string[];
	before(async () => {
		const walked = await walkWithEnter(['--sandbox', '--docker', '--sandbox-dir', join(root, 'compose')], {cols: 80, rows: 40});
		assert.equal(walked.code, 0, walked.lines.join('\n').slice(-3000));
		({text, lines} = walked);
	});

	test('the opening summary lists the docker-zulip directory, not settings.py and zulip-secrets.conf', () => {
		const intro = lines.slice(0, lines.findIndex(line => line.startsWith('• Configured now'))).join('\n');
		assert.match(intro, /Compose mode: a throwaway docker-zulip directory/);
		assert.doesNotMatch(intro, /settings\.py|zulip-secrets\.conf/);
	});

	test('the password is stored in .env, the default From is changed in compose.override.yaml', () => {
		const flat = text.replace(/\s+/g, ' ');
		assert.match(flat, /It is stored only in \.env and shown here as dots\./);
		assert.match(flat, /change it in compose\.override\.yaml if needed\./);
		assert.doesNotMatch(flat, /stored only in zulip-secrets\.conf|change it in settings\.py/);
	});
});

test('Ctrl-C at the first question: one blank line after "Cancelled. Nothing was written.", not two', {timeout: 60_000}, async () => {
	const session = new PtySession(bin, ['--sandbox', '--sandbox-dir', join(root, 'cancel')], {cwd: repo, env: {NO_COLOR: '1'}, cols: 80, rows: 24});
	try {
		await session.waitFor(/Which service[\s\S]*Ctrl-C quit/);
		await session.press(keys.ctrlC);
		assert.equal(await session.exit(30_000), 130);
		const lines = await bufferText(session.raw, 80, 24);
		const at = lines.findIndex(line => line === '✖ Cancelled. Nothing was written.');
		assert.ok(at !== -1, lines.join('\n'));
		assert.equal(lines[at + 1], '', lines.join('\n'));
		assert.notEqual(lines[at + 2], '', `two blank lines after it:\n${lines.join('\n')}`);
	} finally {
		session.kill();
	}
});
