/**
 * The first frame is painted before Ink loads (early-paint.ts) and Ink then
 * takes it over. What the admin sees must not jump: the screen as painted
 * early must be the screen Ink leaves, cell for cell, colours included, at
 * several terminal sizes, with and without colour, for a fresh install and a
 * rerun. Keys typed before Ink listens must reach the question, and Ctrl-C
 * then must still leave a usable terminal.
 *
 * The real program runs in a pseudo-terminal; its output is split where Ink's
 * first write erases the painted question, and both halves are replayed into
 * a terminal emulator (xterm.js) to compare what they show.
 */
import assert from 'node:assert/strict';
import {mkdtemp, readFile, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, before, describe, test} from 'node:test';
import {firstFrame, type FirstFrame} from '../source/ui/first-frame.js';
import * as textFit from '../source/ui/text-fit.js';
import {paintStyle} from '../source/ui/paint-style.js';
import {flowReducer, initialFlowState, type FlowState} from '../source/ui/flow.js';
import {keys, PtySession, stripAnsi} from './helpers/pty.js';
import {screenAfter} from './helpers/screen.js';
import {freshConfig} from './helpers/ui-fixtures.js';
import {BIN as bin, REPO as repo, ensureBuilt} from './helpers/program.js';

const secrets = join(repo, 'test/fixtures/secrets/zulip-generated.conf');
let root: string;
const fixture = (name: string) => join(repo, 'test/fixtures/settings', name);
// Ink's first write starts with this erase when it takes over a painted frame.
// eslint-disable-next-line no-control-regex
const HANDOVER = /\r\u001B\[(\d+)A\u001B\[J/;
const BEGIN_SYNCHRONIZED = '\u001B[?2026h';
const END_SYNCHRONIZED = '\u001B[?2026l';

before(async () => {
	await ensureBuilt();
	root = await mkdtemp(join(tmpdir(), 'first-frame-test-'));
	// A rerun: a custom relay (last in the list, so the list scrolls), and a password in the wrong
	// file, whose warning is too long for 80 columns. Plain values: read without python3, so in time.
	const template = await readFile(join(repo, 'test/fixtures/settings/zulip-2024.py'), 'utf8');
	await writeFile(
		join(root, 'custom-relay.py'),
		`${template}\nEMAIL_HOST = "smtp.relay.example.com"\nEMAIL_HOST_USER = "zulip@team.example.com"\nEMAIL_PORT = 587\nEMAIL_USE_TLS = True\nEMAIL_HOST_PASSWORD = "not-here"\n`,
	);
});

after(async () => {
	await rm(root, {recursive: true, force: true});
});

// The question is painted early only when the configuration is read within a budget (100 ms); a loaded machine may take
// longer, so the tests wait for the read as long as it takes: the painted question they check is always there.
const LOAD_BUDGET = {ZULIP_EMAIL_SETUP_TEST_LOAD_BUDGET_MS: '600000'};

function start(settings: string, size: {cols: number; rows: number}, env: NodeJS.ProcessEnv = {}, args: readonly string[] = []): PtySession {
	return new PtySession(process.execPath, [bin, '--settings', settings, '--secrets', secrets, ...args], {cwd: repo, env: {NO_COLOR: undefined, FORCE_COLOR: undefined, ...LOAD_BUDGET, ...env}, ...size});
}

/**
 * Until Ink's first frame is complete: the handover's erase, then the end of
 * the synchronized update it sits in. An event, not a quiet period: a loaded
 * machine may take any time to load Ink.
 */
async function inkTookOver(session: PtySession, timeoutMs = 60_000): Promise<void> {
	const complete = () => {
		const handover = HANDOVER.exec(session.raw);
		return handover !== null && session.raw.includes(END_SYNCHRONIZED, handover.index);
	};

	if (complete()) return;
	await new Promise<void>((resolve, reject) => {
		const timer = setTimeout(() => {
			subscription.dispose();
			reject(new Error(`Ink did not take over a painted frame:\n${stripAnsi(session.raw)}`));
		}, timeoutMs);
		const subscription = session.pty.onData(() => {
			if (!complete()) return;
			clearTimeout(timer);
			subscription.dispose();
			resolve();
		});
	});
}

/** The output up to Ink's takeover (the painted frame) and all of it (Ink's frame), as screens. */
async function paintedAndInk(session: PtySession, cols: number, rows: number): Promise<{painted: string[]; ink: string[]; liveLines: number}> {
	await session.waitFor(/Which service/);
	await inkTookOver(session);
	const raw = session.raw;
	const handover = HANDOVER.exec(raw);
	assert.ok(handover, `Ink did not take over a painted frame:\n${stripAnsi(raw)}`);
	let cut = handover.index;
	if (raw.slice(0, cut).endsWith(BEGIN_SYNCHRONIZED)) cut -= BEGIN_SYNCHRONIZED.length;
	return {painted: await screenAfter(raw.slice(0, cut), cols, rows), ink: await screenAfter(raw, cols, rows), liveLines: Number(handover[1])};
}

describe('the painted first frame is the frame Ink draws', () => {
	const cases: Array<{name: string; settings: () => string; cols: number; rows: number; env?: NodeJS.ProcessEnv; args?: string[]; expect: RegExp}> = [
		{name: 'fresh install, 80×24, colour', settings: () => fixture('zulip-2024.py'), cols: 80, rows: 24, expect: /› Mailgun/},
		{name: 'fresh install, 80×24, NO_COLOR', settings: () => fixture('zulip-2024.py'), cols: 80, rows: 24, env: {NO_COLOR: '1'}, expect: /› Mailgun/},
		{name: 'fresh install, 80×24, FORCE_COLOR=0', settings: () => fixture('zulip-2024.py'), cols: 80, rows: 24, env: {FORCE_COLOR: '0'}, expect: /› Mailgun/},
		// A custom relay is last in the list: the window scrolls ("↑ more"), and the long warnings wrap.
		// A rerun that names a provider goes straight to the list (a custom relay is last: the window scrolls).
		{name: 'rerun of a custom relay with --provider custom, 80×24', settings: () => join(root, 'custom-relay.py'), cols: 80, rows: 24, args: ['--provider', 'custom'], expect: /↑ \d+ more[\s\S]*› Other SMTP server/},
		{name: 'narrow 60×18: rows truncated, shorter list', settings: () => fixture('zulip-2024.py'), cols: 60, rows: 18, expect: /…/},
		{name: 'very narrow 32×24: everything wraps or truncates', settings: () => fixture('zulip-2024.py'), cols: 32, rows: 24, expect: /› Mailgun/},
	];
	for (const {name, settings, cols, rows, env, args, expect} of cases) {
		test(name, async () => {
			// As an admin runs it: without the tests' input markers (test-signals.ts), which must then write nothing.
			const session = start(settings(), {cols, rows}, {...env, ZULIP_EMAIL_SETUP_TEST_SIGNALS: undefined}, args);
			try {
				const {painted, ink, liveLines} = await paintedAndInk(session, cols, rows);
				assert.match(painted.join('\n'), expect);
				assert.match(painted.join('\n'), /Which service should send/);
				assert.deepEqual(ink, painted, 'the screen changed when Ink took over');
				assert.deepEqual(session.markers, [], 'an input marker without ZULIP_EMAIL_SETUP_TEST_SIGNALS');
				assert.ok(liveLines < rows);
				// The summary is in the scrollback once: Ink did not print it again.
				assert.equal(ink.filter(line => line.includes('Configured now')).length, 1);
				if (env?.NO_COLOR || env?.FORCE_COLOR === '0') assert.ok(ink.every(line => !/=[1-9]\d*:/.test(line.split('|')[1] ?? '')), 'colour shown with colour turned off');
				else assert.ok(ink.some(line => line.includes('Mailgun') || line.includes('›')) && ink.some(line => /=[1-9]/.test(line)), 'no colour shown');
				session.write(keys.ctrlC);
				assert.equal(await session.exit(), 130);
			} finally {
				session.kill();
			}
		});
	}
});

/** Env of a run that loads Ink only when the test sends SIGUSR2 (run-wizard.ts): the test acts while Ink loads, however fast it loads. */
const HOLD_INK = {ZULIP_EMAIL_SETUP_TEST_HOLD_INK: '1'};

/**
 * Run `act` once, the instant the painted question shows, then let the held
 * program load Ink; resolves with whether Ink was still loading at the act.
 */
async function whenPainted(session: PtySession, act: () => void): Promise<boolean> {
	return new Promise(resolve => {
		let done = false;
		session.pty.onData(() => {
			if (done || !stripAnsi(session.raw).includes('Which service')) return;
			done = true;
			const beforeInk = !HANDOVER.test(session.raw);
			act();
			try {
				process.kill(session.pty.pid, 'SIGUSR2');
			} catch {
				// Gone already: the act ended it.
			}

			resolve(beforeInk);
		});
	});
}

function assertCursorShown(raw: string): void {
	assert.ok(raw.lastIndexOf('\u001B[?25h') > raw.lastIndexOf('\u001B[?25l'), 'the cursor stayed hidden');
}

test('keys typed while Ink loads reach the question', async () => {
	const session = start(fixture('zulip-2024.py'), {cols: 80, rows: 24}, HOLD_INK);
	const beforeInk = whenPainted(session, () => session.write(`send${keys.enter}`));
	try {
		// The filter found SendGrid and Enter chose it: the next question is its server.
		await session.waitFor(/Provider: SendGrid[\s\S]*smtp\.sendgrid\.net/);
		assert.equal(await beforeInk, true, 'the keys went in after Ink had taken over: this test proves nothing');
		session.write(keys.ctrlC);
		assert.equal(await session.exit(), 130);
	} finally {
		session.kill();
	}
});

test('a rerun on a configured server starts at the start menu, drawn by Ink, and fits 80×24 and 60×20', async () => {
	// The file backend: its check would write mail, so the menu runs none (and nothing here leaves loopback).
	for (const [cols, rows] of [[80, 24], [60, 20]] as const) {
		const session = start(fixture('file-backend.py'), {cols, rows});
		try {
			await session.waitFor(/Switch provider or server/);
			const screen = await screenAfter(session.raw, cols, rows);
			const text = screen.join('\n');
			assert.match(text, /Email is configured on this server/);
			assert.match(text, /› Test it as it is/);
			assert.match(text, /Change the From addresses/);
			assert.doesNotMatch(text, /Change only the password/, 'the file backend has no login');
			assert.match(text, /Ctrl-C quit/);
			assert.doesNotMatch(text, /Esc back/, 'the first question has nowhere to go back to');
			session.write(keys.ctrlC);
			assert.equal(await session.exit(), 130);
		} finally {
			session.kill();
		}
	}
});

test('with a screen reader (INK_SCREEN_READER=true) nothing is painted early: Ink writes its own text', async () => {
	const session = start(fixture('zulip-2024.py'), {cols: 80, rows: 24}, {INK_SCREEN_READER: 'true'});
	try {
		// Until Ink's first frame takes keys: its effects ran, and it wrote all it writes for the first frame.
		await session.waitFor(/Which service/);
		assert.doesNotMatch(session.raw, HANDOVER);
		assert.equal(stripAnsi(session.raw).split('Configured now').length - 1, 1);
		session.write(keys.ctrlC);
		assert.equal(await session.exit(), 130);
	} finally {
		session.kill();
	}
});

test('keys typed before the program even starts reach the question, Enter included', async () => {
	const session = start(fixture('zulip-2024.py'), {cols: 80, rows: 24});
	// The terminal is still in line mode: it echoes them and turns Enter into a line feed.
	session.write(`gm${keys.enter}`);
	try {
		await session.waitFor(/Provider: Gmail[\s\S]*smtp\.gmail\.com/);
		session.write(keys.ctrlC);
		assert.equal(await session.exit(), 130);
	} finally {
		session.kill();
	}
});

for (const [what, interrupt] of [
	['Ctrl-C', (session: PtySession) => session.write(keys.ctrlC)],
	['a kill', (session: PtySession) => process.kill(session.pty.pid, 'SIGTERM')],
] as const) {
	test(`${what} while Ink loads exits 130 and gives the cursor back`, async () => {
		const session = start(fixture('zulip-2024.py'), {cols: 80, rows: 24}, HOLD_INK);
		const beforeInk = whenPainted(session, () => interrupt(session));
		try {
			assert.equal(await session.exit(), 130);
			assert.equal(await beforeInk, true, 'Ink had already taken over: this test proves nothing');
			assertCursorShown(session.raw);
		} finally {
			session.kill();
		}
	});
}

describe('firstFrame', () => {
	const plainStyle = paintStyle(false);
	let loaded: Awaited<ReturnType<typeof freshConfig>>;
	before(async () => {
		loaded = await freshConfig();
	});
	const provider = (overrides: Partial<Parameters<typeof initialFlowState>[0]> = {}): FlowState => {
		const settings = {initial: {}, restartCommand: 'restart-server', ...overrides};
		return flowReducer(initialFlowState(settings), {type: 'loaded', loaded, problems: []});
	};

	const frameOf = (state: FlowState, size: {columns: number; rows: number}): FirstFrame => {
		const frame = firstFrame(state, size, plainStyle, textFit);
		assert.ok(frame && frame !== 'needs-text-fit');
		return frame;
	};

	test('paints only the provider question', () => {
		const state = initialFlowState({initial: {}, restartCommand: 'restart-server'});
		assert.equal(firstFrame(state, {columns: 80, rows: 24}, plainStyle), undefined);
		const blocked = flowReducer(state, {type: 'loaded', loaded, problems: [{message: 'settings.py is not readable'}]});
		assert.equal(firstFrame(blocked, {columns: 80, rows: 24}, plainStyle), undefined);
	});

	test('the summary goes to the scrollback, the question to the live region', () => {
		const frame = frameOf(provider(), {columns: 80, rows: 24});
		assert.match(frame.scrollback, /^• Configured now \(/);
		assert.equal(frame.entries, 1);
		const live = frame.live.split('\n');
		assert.equal(live.at(-1), '', 'ends with the newline Ink writes after a frame');
		assert.equal(frame.liveLines, live.length - 1);
		assert.deepEqual(live.slice(0, 4), ['', "? Which service should send Zulip's email?", '  Filter: type to search', "  › Mailgun  Zulip's recommended relay"]);
		assert.match(live.at(-2)!, /^↑↓ move · type filter/);
	});

	test('the --provider flag preselects; a list that would fill the screen is not painted', () => {
		const frame = frameOf(provider({initial: {providerId: 'gmail'}}), {columns: 80, rows: 24});
		assert.match(frame.live, /› Gmail/);
		assert.equal(firstFrame(provider(), {columns: 80, rows: 8}, plainStyle, textFit), undefined);
		assert.equal(firstFrame(provider(), {columns: 19, rows: 24}, plainStyle, textFit), undefined);
	});

	test('at 80 columns every line surely fits: no text-width library is needed', () => {
		const frame = firstFrame(provider(), {columns: 80, rows: 24}, plainStyle);
		assert.deepEqual(frame, frameOf(provider(), {columns: 80, rows: 24}));
	});

	test('rows wider than the terminal end in an ellipsis', () => {
		assert.equal(firstFrame(provider(), {columns: 40, rows: 24}, plainStyle), 'needs-text-fit');
		const frame = frameOf(provider(), {columns: 40, rows: 24});
		const rows = frame.live.split('\n').filter(line => line.startsWith('  ') && !line.includes('Filter'));
		assert.ok(rows.some(line => line.endsWith('…')));
		assert.ok(frame.live.split('\n').every(line => line.length <= 40));
	});
});
