/**
 * The main screens as a terminal shows them: the real sandbox wizard in a
 * pseudo-terminal at 80×24 and at 60×20, its output replayed into a
 * terminal emulator (xterm.js), and only the rows on screen read (the
 * scrollback is what the admin no longer sees). On each screen the question
 * and its key hints are within those rows, nothing is cut mid-word without
 * a hanging indent, and nothing is drawn twice. After a passing test
 * "✔ Test passed" is still on screen with the choices below it.
 *
 * The screens are kept in test/frames/emulator-<columns>x<rows>/ for a
 * reviewer to read; UPDATE_FRAMES=1 rewrites them. They are not compared
 * here: the relay's port, the timings and the throwaway names change
 * from run to run, and with them where lines wrap.
 */
import assert from 'node:assert/strict';
import {mkdir, mkdtemp, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, before, test} from 'node:test';
import {fileURLToPath} from 'node:url';
import {keys, PtySession, stripAnsi} from './helpers/pty.js';
import xterm from '@xterm/headless';
import {BIN as bin, ensureBuilt} from './helpers/program.js';

const FRAMES = fileURLToPath(new URL('frames/', import.meta.url));
let root: string;

before(async () => {
	root = await mkdtemp(join(tmpdir(), 'screens-'));
	await ensureBuilt();
});

after(async () => {
	await rm(root, {recursive: true, force: true});
});

/** What a screen must show on its visible rows. */
interface Expected {
	/** The question (or headline) of the screen. */
	readonly question: string | RegExp;
	/** Its choices, each on screen. */
	readonly choices?: ReadonlyArray<string | RegExp>;
	/** The key hints under it; absent for the last screen, which has none. */
	readonly hints?: RegExp;
}

/** How often a text is on screen; the words of a string may wrap onto the next row. */
const count = (text: string, pattern: string | RegExp) => {
	const source = typeof pattern === 'string' ? pattern.split(/\s+/).map(word => word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('\\s+') : pattern.source;
	return [...text.matchAll(new RegExp(source, 'g'))].length;
};

/**
 * Wait until the printed text after `from` matches `pattern`, then take the
 * output at that very moment (no settling time, so a screen that passes
 * quickly, like the test running, is caught as it was).
 */
async function outputWhen(session: PtySession, pattern: RegExp, from: number, timeoutMs = 30_000): Promise<string> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const raw = session.raw;
		if (pattern.test(stripAnsi(raw.slice(from)))) return raw;
		if (session.exitCode !== undefined) throw new Error(`exited (${session.exitCode}) before ${String(pattern)}:\n${stripAnsi(raw).slice(-2000)}`);
		if (Date.now() > deadline) throw new Error(`timed out waiting for ${String(pattern)}:\n${stripAnsi(raw.slice(from)).slice(-2000)}`);
		await new Promise(resolve => setTimeout(resolve, 10));
	}
}

/** The rows on screen after `raw`, and whether each one is the terminal's own wrap of the row above (a line too long for it). */
async function visibleRows(raw: string, columns: number, rows: number): Promise<Array<{text: string; wrapped: boolean}>> {
	const terminal = new xterm.Terminal({cols: columns, rows, scrollback: 1000, allowProposedApi: true});
	await new Promise<void>(resolve => terminal.write(raw, resolve));
	const buffer = terminal.buffer.active;
	const shown: Array<{text: string; wrapped: boolean}> = [];
	for (let y = buffer.viewportY; y < buffer.viewportY + rows; y++) {
		const line = buffer.getLine(y);
		shown.push({text: line?.translateToString(true) ?? '', wrapped: line?.isWrapped ?? false});
	}

	terminal.dispose();
	return shown;
}

/** The rows on screen, checked as the module comment says, and kept as a frame. */
async function checkScreen(raw: string, size: {columns: number; rows: number}, name: string, expected: Expected): Promise<string[]> {
	const {columns, rows} = size;
	const visible = await visibleRows(raw, columns, rows);
	const screen = visible.map(row => row.text);
	const text = screen.join('\n');
	const shown = `${name} at ${columns}×${rows}:\n${screen.map(row => `|${row}`).join('\n')}`;
	assert.equal(count(text, expected.question), 1, `the question once on screen: ${shown}`);
	for (const choice of expected.choices ?? []) assert.equal(count(text, choice), 1, `${String(choice)} once on screen: ${shown}`);
	if (expected.hints) {
		assert.equal(count(text, expected.hints), 1, `the key hints once on screen: ${shown}`);
		const last = screen.findLastIndex(row => row.trim() !== '');
		assert.match(screen[last]!, expected.hints, `the key hints are the last row written: ${shown}`);
	}

	for (const [index, row] of screen.entries()) {
		const next = visible[index + 1];
		if (next === undefined || row.length < columns || !/[\p{L}\p{N}]$/u.test(row) || !/^[\p{L}\p{N}]/u.test(next.text)) continue;
		// A full row ending in a letter, the next going on with one at column 0: a word cut without a hanging indent when
		// the terminal wrapped it, or when the two halves make a word no row could hold (a row that ends exactly at a word's
		// end, the next word starting the next row, is a wrap between words).
		const halves = (/\S+$/.exec(row)?.[0].length ?? 0) + (/^\S+/.exec(next.text)?.[0].length ?? 0);
		if (next.wrapped || halves > columns) assert.fail(`row ${index + 1} is cut mid-word with no hanging indent: ${shown}`);
	}

	const file = join(FRAMES, `emulator-${columns}x${rows}`, `${name}.txt`);
	if (process.env['UPDATE_FRAMES'] === '1') {
		await mkdir(join(FRAMES, `emulator-${columns}x${rows}`), {recursive: true});
		// Trailing blanks trimmed; the rows are kept, blank or not, so the frame is the screen's height.
		await writeFile(file, screen.map(row => row.trimEnd()).join('\n') + '\n');
	}

	return screen;
}

const SELECT = /↑↓ move · Enter choose · (Esc back · )?Ctrl-C quit/;
const INPUT = /Enter confirm · Esc back · Ctrl-C quit/;

for (const size of [{columns: 80, rows: 24}, {columns: 60, rows: 20}]) {
	const {columns, rows} = size;
	test(`the main screens at ${columns}×${rows} in a terminal emulator`, {timeout: 240_000}, async () => {
		// A short directory name keeps the sandbox's paths (and its restart command) narrower than 60 columns.
		const dir = join(root, `s${columns}`);
		const wizard = () => new PtySession(process.execPath, [bin, '--sandbox', '--sandbox-dir', dir], {cwd: root, env: {NO_COLOR: '1'}, cols: columns, rows});
		const first = wizard();
		try {
			let mark = 0;
			/** Press a key, then take the screen once `pattern` is printed after it. */
			const next = async (key: string | undefined, pattern: RegExp): Promise<string> => {
				mark = first.raw.length;
				first.skipPrinted();
				if (key !== undefined) await first.press(key);
				const raw = await outputWhen(first, pattern, mark);
				// The screen as it was when its pattern appeared; the next key waits until that very screen takes
				// keys (a wait for any key hints could be met by a frame drawn before this key, and the key lost).
				await first.waitFor(pattern);
				return raw;
			};

			let raw = await next(undefined, /Which service should send Zulip's email\?[\s\S]*Ctrl-C quit/);
			const password = /password (\S+) \(throwaway/.exec(stripAnsi(raw))?.[1];
			assert.ok(password, 'the intro shows the throwaway password');
			await checkScreen(raw, size, '01-provider-list', {question: "Which service should send Zulip's email?", choices: [/› Sandbox relay/, 'Mailgun'], hints: /Enter choose · Ctrl-C quit/});

			raw = await next(keys.enter, /Port and TLS mode for 127\.0\.0\.1[\s\S]*Ctrl-C quit/);
			await checkScreen(raw, size, '02-port-and-tls', {question: 'Port and TLS mode for 127.0.0.1', choices: [/› \d+ with STARTTLS/, '465 with SSL/TLS', 'Another port or TLS mode…', 'Another host…'], hints: SELECT});

			// The host question, through "Another host…" (the list wraps from the top to it), and back.
			await first.press(keys.up);
			raw = await next(keys.enter, /SMTP server \(EMAIL_HOST\)[\s\S]*Ctrl-C quit/);
			await checkScreen(raw, size, '03-host', {question: 'SMTP server (EMAIL_HOST)', hints: INPUT});
			await next(keys.enter, /Port and TLS mode for 127\.0\.0\.1[\s\S]*Ctrl-C quit/);
			await next(keys.enter, /SMTP username \(EMAIL_HOST_USER\)[\s\S]*Ctrl-C quit/);
			raw = await next(keys.enter, /Password for sandbox-\w+[\s\S]*Ctrl-C quit/);
			await checkScreen(raw, size, '04-password', {question: /Password for sandbox-\w+/, hints: INPUT});

			// A wrong password, for the failed test and its fixes.
			await first.press(keys.ctrlU);
			await first.type('not-the-password');
			await next(keys.enter, /Noreply address[\s\S]*Ctrl-C quit/);
			await next(keys.enter, /Add a random token[\s\S]*Ctrl-C quit/);
			await next(keys.enter, /Where should the \w+ test mails go\?[\s\S]*Ctrl-C quit/);
			raw = await next(keys.enter, /Write these changes\?[\s\S]*Ctrl-C quit/);
			const review = await checkScreen(raw, size, '05-review', {question: 'Write these changes?', choices: [/› Write these changes, then test/, 'Change something…'], hints: SELECT});
			// The answers summary and the diff are in the scrollback just above: the last of the diff is still on screen.
			assert.ok(review.some(row => /^ {2}[+-]|^ {3}##/.test(row)), `the diff ends on screen:\n${review.join('\n')}`);
			const scrollback = stripAnsi(raw);
			assert.match(scrollback, /Your answers:[\s\S]*Changes to write \(password masked\):/);

			raw = await next(keys.enter, /Testing what Zulip will read from disk[\s\S]*Esc stop the test/);
			await checkScreen(raw, size, '06-testing', {question: /Testing what Zulip will read from disk/, hints: /Esc stop the test · Ctrl-C quit/});

			raw = await outputWhen(first, /Test failed[\s\S]*What now\?[\s\S]*Ctrl-C quit/, mark);
			await checkScreen(raw, size, '07-result-failed', {question: 'What now?', choices: [/› Type the password again and test again/, 'Test again', 'Edit an answer…', 'Restore the backups', 'Keep the files as they are'], hints: /Enter choose · Ctrl-C quit/});

			await first.waitFor(/What now\?[\s\S]*Ctrl-C quit/);
			await first.press(keys.down);
			await first.press(keys.down);
			raw = await next(keys.enter, /Which answer do you want to change\?[\s\S]*Ctrl-C quit/);
			await checkScreen(raw, size, '08-edit-answer', {question: 'Which answer do you want to change?', choices: [/› Provider/, 'Server: host, port and TLS', 'Username and password', 'From addresses'], hints: SELECT});

			// Back to the result, then the first fix: the password typed again, and the test again.
			await next(keys.escape, /What now\?[\s\S]*Ctrl-C quit/);
			await next(keys.enter, /Password for sandbox-\w+[\s\S]*Ctrl-C quit/);
			await first.type(password);
			raw = await next(keys.enter, /Restart Zulip so it reads the new settings\?[\s\S]*Ctrl-C quit/);
			// The Deliverability panel's lookups finish beside the question: the screen once they are in.
			if (!/✔ \d+ OK|\[mx-ok\]/.test(stripAnsi(raw.slice(mark)))) raw = await outputWhen(first, /(✔ \d+ OK|\[mx-ok\])[\s\S]*Restart Zulip so it reads[\s\S]*Ctrl-C quit/, mark);
			const passed = await checkScreen(raw, size, '09-result-passed', {question: 'Restart Zulip so it reads the new settings?', choices: [/› Restart Zulip now/, 'Not now'], hints: /Enter choose · d DNS findings · Ctrl-C quit/});
			assert.equal(passed.filter(row => /^✔ Test passed \(/.test(row)).length, 1, `"✔ Test passed" on screen above the choices:\n${passed.join('\n')}`);
			assert.ok(passed.some(row => row.startsWith('Deliverability (SPF, DKIM, DMARC, MX)')), 'the Deliverability panel too');

			// d: every finding, in the rows beside the question (the question and its choices stay).
			raw = await next('d', /\[spf-ok\][\s\S]*\[mx-ok\][\s\S]*Restart Zulip so it reads[\s\S]*Ctrl-C quit/);
			const details = await checkScreen(raw, size, '09-result-passed-details', {question: 'Restart Zulip so it reads the new settings?', choices: [/› Restart Zulip now/, 'Not now'], hints: /Enter choose · d DNS findings · Ctrl-C quit/});
			for (const id of ['spf-ok', 'dkim-ok', 'dmarc-ok', 'mx-ok']) assert.ok(details.join('\n').includes(`[${id}]`), `${id} on screen after d:\n${details.join('\n')}`);

			raw = await next(keys.enter, /Confirm with Zulip's own test\?[\s\S]*Ctrl-C quit/);
			await checkScreen(raw, size, '10-restarted', {question: "Confirm with Zulip's own test?", choices: [/› Ask Zulip itself/, 'Finish'], hints: /Enter choose · Ctrl-C quit/});
			assert.match(stripAnsi(raw.slice(mark)), /Zulip restarted successfully!/);

			await first.press(keys.down);
			// The last screen as the wizard leaves it (the sandbox's own summary follows it once the wizard is gone).
			raw = await next(keys.enter, /Zulip can send email\.[\s\S]*Next steps[\s\S]*without changing\s+anything\./);
			raw = raw.slice(0, raw.indexOf('anything.', mark) + 'anything.'.length);
			const done = await checkScreen(raw, size, '11-done', {question: /✔ Zulip can send email\./});
			assert.ok(done.some(row => row.includes('Next steps')), done.join('\n'));
			assert.equal(await first.exit(30_000), 0, stripAnsi(first.raw).slice(-2000));
		} finally {
			first.kill();
		}

		// The rerun on the configured sandbox starts at the menu, whose check runs while it is read.
		const second = wizard();
		try {
			const raw = await outputWhen(second, /It works[\s\S]*Ctrl-C quit|Ctrl-C quit[\s\S]*It works/, 0);
			// The frame with the check's verdict is drawn whole once its last row is out.
			const whole = /It works[\s\S]*Ctrl-C quit/.test(stripAnsi(raw)) ? raw : await outputWhen(second, /It works[\s\S]*Ctrl-C quit/, 0);
			await checkScreen(whole, size, '00-start-menu', {question: 'Email is configured on this server. What do you want to do?', choices: [/› Test it as it is/, 'Change only the password', 'Change the From addresses', 'Switch provider or server'], hints: /Enter choose · Ctrl-C quit/});
			await second.waitFor(/Ctrl-C quit/);
			await second.press(keys.ctrlC);
			await second.exit(15_000);
		} finally {
			second.kill();
		}
	});
}
