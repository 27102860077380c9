/**
 * "This screen takes keys" (source/ui/input-ready.ts, test-signals.ts): the
 * event the UI tests wait on instead of a quiet period. Ink draws a step
 * before React runs the effect in which the step's useInput subscribes; a
 * key in that gap reaches the step before. In process the helpers wait for
 * the settle; out of process the real program writes a marker, and only
 * when the test asks for it.
 */
import assert from 'node:assert/strict';
import {copyFile, mkdtemp, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, afterEach, before, test} from 'node:test';
import {cleanup, render} from 'ink-testing-library';
import {Box, Text} from 'ink';
import {useState} from 'react';
import {Select} from '../source/ui/components/select.js';
import {TextInput} from '../source/ui/components/text-input.js';
import {inputSettled} from '../source/ui/input-ready.js';
import {inputReady, keys, press, waitForText} from './helpers/ink.js';
import {PtySession, keys as ptyKeys} from './helpers/pty.js';
import {BIN as bin, REPO as repo, ensureBuilt} from './helpers/program.js';

const secrets = join(repo, 'test/fixtures/secrets/zulip-generated.conf');
// A copy: a run holds a lock beside settings.py, and other test files run the wizard on the fixture meanwhile.
let root: string;
let settings: string;

before(async () => {
	await ensureBuilt();
	root = await mkdtemp(join(tmpdir(), 'input-ready-test-'));
	settings = join(root, 'settings.py');
	await copyFile(join(repo, 'test/fixtures/settings/zulip-2024.py'), settings);
});

after(async () => {
	await rm(root, {recursive: true, force: true});
});

afterEach(cleanup);

/** Two steps: a list whose Enter shows a text input in its place. */
function TwoSteps({onName}: {readonly onName: (name: string) => void}) {
	const [step, setStep] = useState<'list' | 'name'>('list');
	return step === 'list' ? (
		<Select items={[{key: 'a', label: 'first item', value: 'a'}]} onSubmit={() => setStep('name')} />
	) : (
		<Box flexDirection="column">
			<Text>Name of the thing</Text>
			<TextInput onSubmit={onName} />
		</Box>
	);
}

/** Render, choose the item, and write `key` the moment the next step's frame is drawn; what did the text input get? */
async function keyAtTheFrame(key: string): Promise<{settledAtTheFrame: boolean; frame: string}> {
	const app = render(<TwoSteps onName={() => undefined} />);
	await waitForText(app.lastFrame, 'first item');
	let settledAtTheFrame = true;
	let sent = false;
	const write = app.stdout.write;
	app.stdout.write = (frame: string) => {
		write(frame);
		if (sent || !frame.includes('Name of the thing')) return;
		sent = true;
		settledAtTheFrame = inputSettled();
		// Right after the commit that drew the frame, before anything React queued.
		queueMicrotask(() => app.stdin.write(key));
	};

	await press(app.stdin, keys.enter);
	const frame = await waitForText(app.lastFrame, 'Name of the thing');
	return {settledAtTheFrame, frame};
}

test('a step is drawn before it takes keys: the settle comes after, and a key in between never reaches it', async () => {
	const {settledAtTheFrame, frame} = await keyAtTheFrame('x');
	assert.equal(settledAtTheFrame, false, 'the frame was drawn with its key handler already attached: this test proves nothing');
	assert.doesNotMatch(frame, /x/, 'a key written before the settle reached the new step');
});

test('waitForText resolves when the step takes keys: a key written at once reaches it', async () => {
	let name: string | undefined;
	const app = render(<TwoSteps onName={value => (name = value)} />);
	await waitForText(app.lastFrame, 'first item');
	await press(app.stdin, keys.enter);
	await waitForText(app.lastFrame, 'Name of the thing');
	// Straight after the wait: no pause, no turn of the event loop.
	app.stdin.write('x');
	app.stdin.write('\r');
	assert.equal(name, 'x');
});

test('typing into the same input needs no settle to be kept: each key acts on the latest value', async () => {
	let name: string | undefined;
	const app = render(<TextInput onSubmit={value => (name = value)} />);
	await inputReady(app.stdin);
	for (const key of ['a', 'b', 'c', '\u007F', 'd', '\r']) app.stdin.write(key);
	assert.equal(name, 'abd');
});

test('the real program writes no marker unless a test asks for one', async () => {
	const session = new PtySession(process.execPath, [bin, '--settings', settings, '--secrets', secrets], {env: {NO_COLOR: '1', ZULIP_EMAIL_SETUP_TEST_SIGNALS: undefined}});
	try {
		assert.equal(session.signals, false);
		await session.waitFor('Which service');
		session.write(ptyKeys.ctrlC);
		assert.equal(await session.exit(), 130);
		assert.ok(session.text.includes('Cancelled'), session.text);
		assert.deepEqual(session.markers, [], 'a marker without ZULIP_EMAIL_SETUP_TEST_SIGNALS');
		assert.ok(!session.raw.includes('\u001B]7771'));
	} finally {
		session.kill();
	}
});

test('with ZULIP_EMAIL_SETUP_TEST_SIGNALS=1 a marker follows each question, invisible in the text', async () => {
	const session = new PtySession(process.execPath, [bin, '--settings', settings, '--secrets', secrets], {env: {NO_COLOR: '1'}});
	try {
		assert.equal(session.signals, true);
		await session.waitFor('Which service');
		// The painted first frame takes keys at once: the terminal keeps them until Ink reads them.
		assert.ok(session.markers.length >= 1, 'no marker after the first question');
		await session.type('gm');
		await session.waitFor('› Gmail');
		await session.press(ptyKeys.enter);
		await session.waitFor('Port and TLS mode for smtp.gmail.com');
		const after = session.raw.lastIndexOf('Port and TLS mode for smtp.gmail.com');
		assert.ok(session.markers.some(at => at > after), 'no marker after the next question');
		// Taken out of the output the tests read: a terminal shows nothing of it either.
		assert.ok(!session.raw.includes('\u001B]7771'), 'a marker left in raw');
		assert.doesNotMatch(session.text, /7771|listening/, 'the marker shows in the text');
		session.write(ptyKeys.ctrlC);
		assert.equal(await session.exit(), 130);
	} finally {
		session.kill();
	}
});
