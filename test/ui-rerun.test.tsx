/**
 * The rerun, rendered (ink-testing-library's way, at 80×24) with the real
 * engine on real files in a temp dir and a real STARTTLS relay on loopback:
 * the start menu and its background check, the review's picker, going back
 * (the answered line replaced, an answer made irrelevant gone), the password
 * typed again after a refused login, and the Amazon SES regions. Each test
 * checks what the admin sees and what lands on disk, with python3 as the
 * judge of what Zulip will read.
 *
 * Nothing here leaves loopback: where a configuration names a provider's
 * real host (Gmail, SES), the engine's live test is replaced by one that
 * records what it was asked to reach and contacts nothing.
 */
import assert from 'node:assert/strict';
import {chmod, mkdtemp, readdir, readFile, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {dirname, join} from 'node:path';
import {after, afterEach, before, describe, test} from 'node:test';
import type {Answers} from '../source/engine/answers.js';
import {applyPlan} from '../source/engine/apply.js';
import type {ConfigPaths} from '../source/engine/current-config.js';
import {planChanges} from '../source/engine/plan.js';
import {startRelay, type SandboxRelay} from '../source/sandbox/relay.js';
import type {TestReport} from '../source/smtp/types.js';
import {App} from '../source/ui/app.js';
import {createEngine, type WizardEngine} from '../source/ui/engine-port.js';
import type {FlowSettings} from '../source/ui/flow.js';
import {keys, plain, waitForFrame, waitForText} from './helpers/ink.js';
import {pyExecSettings, pyRawConfigRead} from './helpers/python.js';
import {ADMIN, freshConfig} from './helpers/ui-fixtures.js';
import {answer, cleanupRendered, expectFrame, renderAt80, type App as RenderedApp, type FrameBook} from './helpers/walk-through.js';

const RELAY_USER = 'relay-user';
// The characters a naive ini library mangles.
const RELAY_PASSWORD = 'Relay#Pass%1;x=y';
const MAIL_SETTINGS = ['EMAIL_BACKEND', 'EMAIL_HOST', 'EMAIL_PORT', 'EMAIL_USE_TLS', 'EMAIL_USE_SSL', 'EMAIL_HOST_USER', 'NOREPLY_EMAIL_ADDRESS', 'ADD_TOKENS_TO_NOREPLY_ADDRESS'];

let root: string;
let relay: SandboxRelay;
let restartScript: string;
const dirs: string[] = [];

before(async () => {
	root = await mkdtemp(join(tmpdir(), 'ui-rerun-'));
	relay = await startRelay({dir: root, username: RELAY_USER, password: RELAY_PASSWORD});
	restartScript = join(root, 'restart-server');
	await writeFile(restartScript, '#!/bin/sh\necho "Zulip restarted successfully!"\n');
	await chmod(restartScript, 0o755);
});

afterEach(() => {
	cleanupRendered();
});

after(async () => {
	await relay?.close();
	for (const dir of dirs) await rm(dir, {recursive: true, force: true});
	await rm(root, {recursive: true, force: true});
});

/** The answers a first run against the relay gives. */
function relayAnswers(password = RELAY_PASSWORD): Answers {
	return {providerId: 'custom', host: '127.0.0.1', port: relay.port, security: 'starttls', username: RELAY_USER, password: {kind: 'new', value: password}};
}

/** A server a first run configured with these answers, written by the real engine (backups of the fresh files kept beside them). */
async function configured(answers: Answers | undefined): Promise<ConfigPaths> {
	const fresh = await freshConfig();
	dirs.push(dirname(fresh.paths.settings));
	if (answers) await applyPlan(planChanges(fresh, answers));
	return fresh.paths;
}

/** The real engine on these files. The Deliverability panel is left out: it would ask the system's resolver. */
function realEngine(paths: ConfigPaths): WizardEngine {
	return {...createEngine({paths, caFile: relay.caFile, restartCommand: restartScript, timeoutMs: 10_000}), deliverability: undefined};
}

/** The real engine, but its live test contacts nothing: it records the host read back from disk and passes, or never ends (a check still running). */
function offlineEngine(paths: ConfigPaths, outcome: 'pass' | 'pending' = 'pass'): {engine: WizardEngine; asked: string[]} {
	const asked: string[] = [];
	const engine: WizardEngine = {
		...realEngine(paths),
		async test(loaded, to, _onEvent, signal): Promise<TestReport> {
			asked.push(`${loaded.current.host ?? ''} to ${to || '(nobody)'}`);
			if (outcome === 'pending') await new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(new Error('aborted'))));
			return {ok: true, senders: [], durationMs: 1};
		},
	};
	return {engine, asked};
}

const settings: FlowSettings = {initial: {}, restartCommand: 'restart-server'};

function start(engine: WizardEngine): {app: RenderedApp; exitCode: () => number | undefined} {
	let code: number | undefined;
	const app = renderAt80(<App engine={engine} settings={settings} onExit={exit => (code = exit)} />);
	return {app, exitCode: () => code};
}

async function until(check: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (!check()) {
		if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
		await new Promise(resolve => setTimeout(resolve, 10));
	}
}

/** The highlighted entry of the list on screen. */
function highlighted(frame: string): string | undefined {
	return /^\s*› (.*)$/m.exec(frame)?.[1];
}

/** Move a list's cursor down to the entry (the lists wrap, so it is always reached), then choose it. */
async function choose(app: RenderedApp, label: string): Promise<void> {
	for (let moves = 0; !plain(app.lastFrame()).includes(`› ${label}`); moves++) {
		assert.ok(moves < 12, `no "${label}" in the list:\n${plain(app.lastFrame())}`);
		const before = highlighted(plain(app.lastFrame()));
		// Through the walk-through helper: it lets the list subscribe to keys before the first one is sent.
		await answer(app, [['›', keys.down]]);
		// The cursor itself, not any new frame (the start menu's spinner draws frames of its own).
		await waitForFrame(app.lastFrame, frame => highlighted(frame) !== before, {what: 'the cursor to move'});
	}

	await answer(app, [[`› ${label}`, '\r']]);
}

/** The frame book of a test: the temp directory and the relay's port read as a server's own. */
function book(name: string, paths: ConfigPaths, first = 0): FrameBook {
	return {name, first, replace: [[dirname(paths.settings), '/etc/zulip'], [`127.0.0.1:${relay.port}`, '127.0.0.1:2525'], [`port ${relay.port}`, 'port 2525']]};
}

/** The last "Your answers:" block of the log, as the review shows it. */
function lastSummary(frame: string): string {
	const at = frame.lastIndexOf('Your answers:');
	assert.ok(at !== -1, `no summary in:\n${frame}`);
	return frame.slice(at, frame.indexOf('\n•', at));
}

describe('the start menu on a configured server', () => {
	test('shows the setup and its check, and each of its five choices opens its own screen; Esc comes back', {timeout: 60_000}, async () => {
		const paths = await configured(relayAnswers());
		const before = [await readFile(paths.settings, 'utf8'), await readFile(paths.secrets, 'utf8')];
		const {app} = start(realEngine(paths));
		const [menu] = await answer(app, [['It works: the server accepts the login', '']], book('start-menu', paths));
		assert.match(menu!, /Configured now \([^)]*settings\.py\):/);
		assert.match(menu!, new RegExp(`Server {5}127\\.0\\.0\\.1:${relay.port}, STARTTLS`));
		assert.match(menu!, new RegExp(`Login {6}${RELAY_USER}, password set`));
		assert.match(menu!, /› Test it as it is[\s\S]*Change only the password[\s\S]*Change the From addresses[\s\S]*Switch provider or server[\s\S]*Restore a backup…/);
		assert.ok(!menu!.includes(RELAY_PASSWORD));

		const choices: Array<[label: string, screen: string, check?: (frame: string) => void]> = [
			['Test it as it is', 'test mails go?', frame => assert.match(frame, new RegExp(`› ?${ADMIN}|${ADMIN}`))],
			// The password alone: typed, not "keep or change" (keeping it is the menu's other choices).
			['Change only the password', `Password for ${RELAY_USER}`, frame => assert.doesNotMatch(frame.slice(frame.indexOf('? Password')), /Keep the current password|•/)],
			['Change the From addresses', 'Noreply address (NOREPLY_EMAIL_ADDRESS)'],
			['Switch provider or server', 'Which service', frame => assert.match(frame, /› Other SMTP server/, 'the configured provider is preselected')],
			['Restore a backup…', 'Put back the files as they were before which run?', frame => assert.match(frame, /settings\.py and zulip-secrets\.conf|zulip-secrets\.conf and settings\.py/)],
		];
		for (const [label, screen, check] of choices) {
			await waitForText(app.lastFrame, 'What do you want to do?');
			await choose(app, label);
			const frame = await waitForText(app.lastFrame, screen);
			check?.(frame);
			assert.doesNotMatch(frame, /What do you want to do\?/, 'the menu is gone');
			// Esc on a choice's first question comes back to the menu, nothing answered.
			await answer(app, [[screen, keys.escape]]);
			const again = await waitForText(app.lastFrame, 'What do you want to do?');
			assert.doesNotMatch(again, /✔ (Password|Provider|Noreply)/);
		}

		assert.deepEqual([await readFile(paths.settings, 'utf8'), await readFile(paths.secrets, 'utf8')], before, 'visiting the choices wrote nothing');
	});

	test('a setup whose login is refused says so on the menu; a file backend has no check and no password to change', {timeout: 60_000}, async () => {
		const refused = await configured(relayAnswers('not-the-password'));
		const first = start(realEngine(refused));
		const [menu] = await answer(first.app, [['It does not work', '']], book('start-menu-refused', refused));
		assert.match(menu!, /✖ It does not work: .*(login|password|authentication)/i);
		cleanupRendered();

		const files = await configured({providerId: 'file', host: '', port: 25, security: 'none', username: '', password: {kind: 'none'}, filePath: '/var/log/zulip/emails'});
		const second = start(realEngine(files));
		const [fileMenu] = await answer(second.app, [['What do you want to do?', '']]);
		assert.match(fileMenu!, /files in \/var\/log\/zulip\/emails: no mail leaves the server/);
		// The file backend's test writes mail: the menu does not run it behind the admin's back.
		assert.doesNotMatch(fileMenu!, /It works|It does not work|Checking it/);
		assert.doesNotMatch(fileMenu!, /Change only the password/);
	});

	test('change only the password: 2 screens to the review, then written and tested; only the secrets file changes', {timeout: 60_000}, async () => {
		// The password was changed at the provider: the stored one is refused now.
		const paths = await configured(relayAnswers('the-old-password'));
		const settingsBefore = await readFile(paths.settings, 'utf8');
		const {app, exitCode} = start(realEngine(paths));
		await answer(app, [['It does not work', '']]);
		await choose(app, 'Change only the password');
		const review = (await answer(app, [
			[`Password for ${RELAY_USER}`, `${RELAY_PASSWORD}\r`],
			['Write these changes?', ''],
		])).at(-1);
		const summary = lastSummary(review!);
		assert.match(summary, new RegExp(`user ${RELAY_USER} · password new \\(hidden\\)`));
		assert.match(review!, /\+email_password = \*+ \(new\)/);
		assert.doesNotMatch(review!, /^\s+[-+]EMAIL_/m, 'settings.py is not touched');
		assert.doesNotMatch(review!, /Noreply address|test mails go/, 'no other question on the way');
		await answer(app, [['Write these changes?', '\r'], ['Restart Zulip so it reads', '\r']]);
		await until(() => exitCode() !== undefined, 'the exit');
		assert.equal(exitCode(), 0, plain(app.lastFrame()));
		assert.ok(app.frames.every(frame => !frame.includes(RELAY_PASSWORD)), 'the password is never rendered');

		assert.equal(await pyRawConfigRead(await readFile(paths.secrets, 'utf8'), 'secrets', 'email_password'), RELAY_PASSWORD);
		assert.equal(await readFile(paths.settings, 'utf8'), settingsBefore);
	});

	test('test it as it is: the recipient, then the test on the files as they are; nothing is written', {timeout: 60_000}, async () => {
		const paths = await configured(relayAnswers());
		const before = [await readFile(paths.settings, 'utf8'), await readFile(paths.secrets, 'utf8')];
		const to = 'tester@zulip.example.com';
		const {app, exitCode} = start(realEngine(paths));
		await answer(app, [['It works', '']]);
		await choose(app, 'Test it as it is');
		const review = (await answer(app, [
			['test mails go?', `${keys.ctrlU}${to}\r`],
			['Nothing to change: the files already say this.', ''],
		])).at(-1);
		assert.match(review!, /› Test the configuration as it is/);
		await answer(app, [['Test the configuration as it is', '\r'], ['Restart Zulip so it reads', `${keys.down}\r`]]);
		await until(() => exitCode() !== undefined, 'the exit');
		assert.equal(exitCode(), 0, plain(app.lastFrame()));
		assert.ok(relay.received.filter(mail => mail.to.includes(to)).length >= 2, 'the test mails reached the relay');
		assert.deepEqual([await readFile(paths.settings, 'utf8'), await readFile(paths.secrets, 'utf8')], before);
	});

	test('restore a backup: the earlier files come back whole, and the restart command is said', {timeout: 60_000}, async () => {
		const paths = await configured(relayAnswers());
		const backups = (await readdir(dirname(paths.settings))).filter(name => name.includes('.bak'));
		assert.ok(backups.length >= 2, `the first run left backups: ${backups.join(', ')}`);
		const {app, exitCode} = start(realEngine(paths));
		await answer(app, [['It works', '']]);
		await choose(app, 'Restore a backup…');
		await answer(app, [['Put back the files as they were before which run?', '\r']]);
		await until(() => exitCode() !== undefined, 'the exit');
		assert.equal(exitCode(), 0);
		const frame = plain(app.lastFrame());
		assert.match(frame, /✔ Restored [\s\S]*settings\.py and[\s\S]*zulip-secrets\.conf as they were on/);
		assert.match(frame, /Zulip reads them after a restart: restart-server/);
		const values = await pyExecSettings(await readFile(paths.settings, 'utf8'), MAIL_SETTINGS);
		assert.equal(values.EMAIL_HOST, undefined, 'the fresh settings.py again: no EMAIL_HOST');
		assert.equal(await pyRawConfigRead(await readFile(paths.secrets, 'utf8'), 'secrets', 'email_password'), null);
	});
});

describe('the review', () => {
	test('"change something" opens the picker; one answer changed, then the review again with its summary updated; written as reviewed', {timeout: 60_000}, async () => {
		const paths = await configured(relayAnswers());
		const {app, exitCode} = start(realEngine(paths));
		await answer(app, [['It works', '']]);
		await choose(app, 'Change the From addresses');
		const first = (await answer(app, [
			['Noreply address (NOREPLY_EMAIL_ADDRESS)', `${keys.ctrlU}noreply@zulip.example.com\r`],
			['Add a random token', `${keys.down}\r`],
			['Write these changes?', ''],
		])).at(-1);
		assert.match(lastSummary(first!), /noreply noreply@zulip\.example\.com/);
		await choose(app, 'Change something…');
		await answer(app, [['Which answer do you want to change?', '']], book('review-picker', paths));
		await choose(app, 'From addresses');
		const again = (await answer(app, [
			// The answer given before is what the field holds.
			['noreply@zulip.example.com', `${keys.ctrlU}zulip-noreply@zulip.example.com\r`],
			['Add a random token', '\r'],
			['Write these changes?', ''],
		])).at(-1);
		const summary = lastSummary(again!);
		assert.match(summary, /noreply zulip-noreply@zulip\.example\.com/, 'the summary says the new answer');
		assert.match(again!, /\+NOREPLY_EMAIL_ADDRESS = "zulip-noreply@zulip\.example\.com"/);
		// Straight back: the questions after the one changed are not asked again.
		const since = app.frames.slice(app.frames.findIndex(frame => plain(frame).includes('Which answer do you want to change?')));
		assert.ok(since.every(frame => !plain(frame).includes('test mails go?')));
		expectFrame(book('review-picker', paths, 1), 1, 'Write these changes?', again!);

		await answer(app, [['Write these changes?', '\r'], ['Restart Zulip so it reads', '\r']]);
		await until(() => exitCode() !== undefined, 'the exit');
		assert.equal(exitCode(), 0, plain(app.lastFrame()));
		const values = await pyExecSettings(await readFile(paths.settings, 'utf8'), MAIL_SETTINGS);
		assert.equal(values.NOREPLY_EMAIL_ADDRESS, 'zulip-noreply@zulip.example.com');
		assert.equal(values.ADD_TOKENS_TO_NOREPLY_ADDRESS, false);
		assert.equal(values.EMAIL_HOST, '127.0.0.1', 'the server is as it was');
		assert.ok(relay.received.some(mail => mail.envelopeFrom === 'zulip-noreply@zulip.example.com'), 'the noreply test mail came from the new address');
	});
});

describe('going back', () => {
	test('replaces the answered line; the SES region disappears once Gmail is chosen instead; the log and the files say Gmail only', {timeout: 60_000}, async () => {
		const paths = await configured(undefined);
		const {engine, asked} = offlineEngine(paths);
		const {app, exitCode} = start(engine);
		const endpoint = (await answer(app, [
			['Which service', 'ses'],
			['› Amazon SES', '\r'],
			['Which region is your Amazon SES account in?', 'milan'],
			['› Europe (Milan)', '\r'],
			['Port and TLS mode for email-smtp.eu-south-1.amazonaws.com', ''],
		])).at(-1);
		assert.match(endpoint!, /✔ Provider: Amazon SES\n✔ Region: Europe \(Milan\) \(eu-south-1\)/);
		const [, region, provider] = await answer(app, [
			['Port and TLS mode for email-smtp.eu-south-1.amazonaws.com', keys.escape],
			['Which region is your Amazon SES account in?', keys.escape],
			['Which service', ''],
		]);
		assert.doesNotMatch(region!, /✔ Region/, 'back at the region: its answer is taken away');
		assert.doesNotMatch(provider!, /✔ (Provider|Region)/);
		const switched = app.frames.length;
		const gmail = (await answer(app, [
			['Which service', 'gmail'],
			['› Gmail', '\r'],
			['Port and TLS mode for smtp.gmail.com', ''],
		], book('back-replaces', paths))).at(-1);
		assert.match(gmail!, /✔ Provider: Gmail\n/);
		assert.doesNotMatch(gmail!, /✔ Region|eu-south-1|Amazon SES|‹|Back to/);
		const review = (await answer(app, [
			['Port and TLS mode for smtp.gmail.com', '\r'],
			['SMTP username', 'zulip@example.com\r'],
			['Password for zulip@example.com', 'app-password-1234\r'],
			['Noreply address', '\r'],
			['Add a random token', '\r'],
			['test mails go?', '\r'],
			['Write these changes?', ''],
		])).at(-1);
		assert.match(lastSummary(review!), /^Your answers:\n\s+Gmail · smtp\.gmail\.com:587 STARTTLS\n/);
		// What stays in the scrollback from this round: nothing of SES, and no "back to" trail.
		assert.ok(app.frames.slice(switched).every(frame => !/‹|Back to|Region:|eu-south-1/.test(plain(frame))), 'no trace of the answers gone back over');
		expectFrame(book('back-replaces', paths), 3, 'Write these changes?', review!);

		await answer(app, [['Write these changes?', '\r'], ['Restart Zulip so it reads', `${keys.down}\r`]]);
		await until(() => exitCode() !== undefined, 'the exit');
		assert.deepEqual(asked, [`smtp.gmail.com to ${ADMIN}`], 'the test was asked about what landed on disk');
		const values = await pyExecSettings(await readFile(paths.settings, 'utf8'), MAIL_SETTINGS);
		assert.deepEqual([values.EMAIL_HOST, values.EMAIL_PORT, values.EMAIL_USE_TLS, values.EMAIL_HOST_USER], ['smtp.gmail.com', 587, true, 'zulip@example.com']);
		assert.equal(await pyRawConfigRead(await readFile(paths.secrets, 'utf8'), 'secrets', 'email_password'), 'app-password-1234');
	});
});

describe('a refused login', () => {
	test('"type the password again" starts from an empty field; the one typed then is stored', {timeout: 60_000}, async () => {
		const paths = await configured(relayAnswers());
		const {app, exitCode} = start(realEngine(paths));
		await answer(app, [['It works', '']]);
		await choose(app, 'Change only the password');
		await answer(app, [
			[`Password for ${RELAY_USER}`, 'wrong-password\r'],
			['Write these changes?', '\r'],
		]);
		const [failed] = await answer(app, [['What now?', '']]);
		assert.match(failed!, /rejected the login/);
		await choose(app, 'Type the password again and test again');
		const [retype] = await answer(app, [[`Password for ${RELAY_USER}`, '']]);
		// The field is empty: no dot of the refused password, only the caret (an inverse blank, gone with the colours).
		// The question alone is kept as a frame: the test's timings above it differ from run to run.
		const question = retype!.slice(retype!.lastIndexOf(`? Password for ${RELAY_USER}`));
		expectFrame(book('retyped-password', paths), 0, 'the question only', question);
		assert.match(question, /shown here as dots\.\n\s*\nEnter confirm/);
		assert.doesNotMatch(question, /•/);
		// What is typed now shows as its own dots, one per character, nothing more.
		await answer(app, [[`Password for ${RELAY_USER}`, 'Rel']]);
		const typed = await waitForText(app.lastFrame, '•••');
		assert.doesNotMatch(typed.slice(typed.lastIndexOf(`Password for ${RELAY_USER}`)), /••••/);
		await answer(app, [[`Password for ${RELAY_USER}`, `${RELAY_PASSWORD.slice(3)}\r`], ['Restart Zulip so it reads', `${keys.down}\r`]]);
		await until(() => exitCode() !== undefined, 'the exit');
		assert.match(plain(app.lastFrame()), /Test passed/);
		assert.equal(await pyRawConfigRead(await readFile(paths.secrets, 'utf8'), 'secrets', 'email_password'), RELAY_PASSWORD);
		assert.ok(app.frames.every(frame => !frame.includes(RELAY_PASSWORD) && !frame.includes('wrong-password')), 'no password is ever rendered');
	});
});

describe('Amazon SES regions', () => {
	const sesAnswers = (region: string): Answers => ({providerId: 'ses', region, host: `email-smtp.${region}.amazonaws.com`, port: 587, security: 'starttls', username: 'AKIAEXAMPLEEXAMPLE', password: {kind: 'new', value: 'ses-smtp-password'}});

	test('the full list (Milan, Bahrain, Cape Town, Jakarta, Tel Aviv, Calgary…), and a region newer than the list typed', {timeout: 60_000}, async () => {
		const paths = await configured(undefined);
		const {app} = start(offlineEngine(paths).engine);
		await answer(app, [
			['Which service', 'ses'],
			['› Amazon SES', '\r'],
		]);
		await answer(app, [['Which region is your Amazon SES account in?', '']], book('ses-regions', paths));
		for (const [name, id] of [['Europe (Milan)', 'eu-south-1'], ['Middle East (Bahrain)', 'me-south-1'], ['Africa (Cape Town)', 'af-south-1'], ['Asia Pacific (Jakarta)', 'ap-southeast-3'], ['Israel (Tel Aviv)', 'il-central-1'], ['Canada West (Calgary)', 'ca-west-1'], ['Asia Pacific (Hyderabad)', 'ap-south-2'], ['Middle East (UAE)', 'me-central-1']] as const) {
			const word = /\(([^)]+)\)/.exec(name)![1]!.toLowerCase();
			await answer(app, [['Which region', word]]);
			await waitForFrame(app.lastFrame, frame => new RegExp(`› ${name.replace(/[()]/g, '\\$&')}\\s+${id}`).test(frame), {what: `${name} in the list`});
			// Esc clears the filter, not the question.
			await answer(app, [[`Filter: ${word}`, keys.escape]]);
			await waitForFrame(app.lastFrame, frame => frame.includes('Filter: type to search'), {what: 'the filter cleared'});
		}

		await answer(app, [
			['Which region', 'another'],
			['› Another region…', '\r'],
			['Type the region name', 'mars-central-one\r'],
		]);
		// Not the shape of an AWS region: said so in place, what was typed kept.
		const refused = await waitForText(app.lastFrame, 'Unknown region "mars-central-one"');
		assert.match(refused, /mars-central-one/);
		await answer(app, [['Unknown region', `${keys.ctrlU}ap-southeast-7\r`], ['Port and TLS mode for email-smtp.ap-southeast-7.amazonaws.com', '']]);
		assert.match(plain(app.lastFrame()), /✔ Region: ap-southeast-7/);
	});

	test('a rerun on eu-south-1 starts the list there; a rerun on a region the list lacks starts with it typed', {timeout: 60_000}, async () => {
		const milan = await configured(sesAnswers('eu-south-1'));
		// The menu's check would reach AWS: here it is still running while the admin switches.
		const first = start(offlineEngine(milan, 'pending').engine);
		await answer(first.app, [['What do you want to do?', '']]);
		await choose(first.app, 'Switch provider or server');
		await answer(first.app, [['› Amazon SES', '\r']]);
		const [list] = await answer(first.app, [['Which region is your Amazon SES account in?', '']], book('ses-rerun-milan', milan));
		assert.match(list!, /› Europe \(Milan\)\s+eu-south-1/);
		assert.match(list!, /Provider {3}Amazon SES/);
		cleanupRendered();

		const typed = await configured(sesAnswers('ap-southeast-7'));
		const second = start(offlineEngine(typed, 'pending').engine);
		await answer(second.app, [['What do you want to do?', '']]);
		await choose(second.app, 'Switch provider or server');
		await answer(second.app, [['› Amazon SES', '\r']]);
		const frame = await waitForText(second.app.lastFrame, 'Type the region name');
		assert.match(frame, /ap-southeast-7/);
		await answer(second.app, [['Type the region name', '\r'], ['Port and TLS mode for email-smtp.ap-southeast-7.amazonaws.com', '']]);
	});
});
