/**
 * What a sandbox run leaves in the terminal says each thing once: the diff,
 * each "Changed … (backup …)", the restart. The whole output of a real run
 * in a pseudo-terminal at 80×24 is replayed into a terminal emulator
 * (xterm.js), and the lines of its buffer, scrollback included, are counted:
 * a repaint that leaves the live region's copy behind, or a summary that
 * repeats the scrollback, would count twice.
 */
import assert from 'node:assert/strict';
import {mkdtemp, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, before, test} from 'node:test';
import {keys, PtySession} from './helpers/pty.js';
import {screenAfter} from './helpers/screen.js';
import {BIN as bin, ensureBuilt} from './helpers/program.js';

let root: string;

before(async () => {
	root = await mkdtemp(join(tmpdir(), 'sandbox-once-test-'));
	await ensureBuilt();
});

after(async () => {
	await rm(root, {recursive: true, force: true});
});

/** Lines of the emulator's buffer (scrollback and screen), as text. */
async function terminalLines(raw: string): Promise<string[]> {
	return (await screenAfter(raw, 80, 24)).map(line => line.replace(/ \|.*$/, ''));
}

test('a sandbox run to the end: the diff, each write and the restart are in the terminal once', {timeout: 120_000}, async () => {
	const dir = join(root, 'sandbox');
	const session = new PtySession(process.execPath, [bin, '--sandbox', '--sandbox-dir', dir], {cwd: root, env: {NO_COLOR: '1'}, cols: 80, rows: 24});
	try {
		await session.waitFor(/Which service/);
		// Every default leads through the sandbox relay: Enter, then the next question's key hints.
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

			if (/Restart Zulip so it reads/.test(recent) && !/\[mx-ok\]/.test(recent)) await session.waitFor(/\[mx-ok\]/, 30_000);
			if (/Mail received by the sandbox relay/.test(session.text)) break;
		}

		assert.equal(await session.exit(30_000), 0, session.text.slice(-3000));
		const lines = await terminalLines(session.raw);
		assert.ok(lines.length < 1000, 'nothing scrolled out of the emulator\'s scrollback');
		const count = (pattern: RegExp) => lines.filter(line => pattern.test(line)).length;
		const seen = (pattern: RegExp) => `${pattern} in:\n${lines.filter(line => pattern.test(line)).join('\n')}`;

		// The diff: a line of each file's hunk.
		const diffLines = [/^\s*\+EMAIL_HOST = "127\.0\.0\.1"/, /^\s*\+EMAIL_HOST_USER = "sandbox-\w+"/, /^\s*\+email_password = \*+/];
		for (const pattern of diffLines) assert.equal(count(pattern), 1, seen(pattern));
		// Each file written, with its backup.
		for (const file of ['settings.py', 'zulip-secrets.conf']) {
			const changed = new RegExp(`Wrote \\S*${file.replace('.', '\\.')} \\(backup`);
			assert.equal(count(changed), 1, seen(changed));
		}

		// The restart: its outcome said once (its output box is gone once it finished).
		assert.equal(count(/Zulip restarted successfully!/), 1, seen(/Zulip restarted successfully!/));
		assert.equal(count(/Restarted|restarted successfully/i), 1, seen(/Restarted|restarted successfully/i));
		// The closing summary points at the review's diff instead of repeating it, on one line of its own.
		assert.equal(count(/^The sandbox files changed as the review above showed \(password masked\)\.$/), 1, lines.slice(-8).join('\n'));
	} finally {
		session.kill();
	}
});
