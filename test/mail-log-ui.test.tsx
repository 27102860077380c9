// The wizard's side of the logs: the start menu's "What happened to recent
// mails" (with a count when sends failed) and the done screen's word on what
// the log shows since the restart, both from a log Python's logging wrote.
import assert from 'node:assert/strict';
import {spawn} from 'node:child_process';
import {mkdtemp, rm} from 'node:fs/promises';
import {dirname} from 'node:path';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {after, before, test} from 'node:test';
import {render} from 'ink-testing-library';
import {readMailLog} from '../source/logs/mail-log.js';
import {App} from '../source/ui/app.js';
import {createEngine} from '../source/ui/engine-port.js';
import {configuredWith} from './helpers/ui-fixtures.js';
import {renderAt80} from './helpers/walk-through.js';
import {DoneStep} from '../source/ui/steps/done-step.js';
import {StartMenuStep} from '../source/ui/steps/start-menu-step.js';
import {keys, waitForText} from './helpers/ink.js';
import {LOOPBACK, unusedPort} from './helpers/smtp-servers.js';

const GENERATOR = new URL('helpers/zulip-mail-log.py', import.meta.url).pathname;
let dir: string;
const now = Date.now() / 1000;

before(async () => {
	dir = await mkdtemp(path.join(tmpdir(), 'zes-mail-log-ui-'));
	const closed = await unusedPort();
	const sends = [
		{host: LOOPBACK, port: closed, security: 'none', from: 'noreply@chat.example.org', to: 'a@chat.example.org', at: now - 7200},
		{host: LOOPBACK, port: closed, security: 'none', from: 'noreply@chat.example.org', to: 'b@chat.example.org', at: now - 60},
	];
	await new Promise<void>((resolve, reject) => {
		const child = spawn('python3', [GENERATOR], {stdio: ['pipe', 'inherit', 'inherit']});
		child.on('close', code => (code === 0 ? resolve() : reject(new Error(`generator exited ${code}`))));
		child.stdin.end(JSON.stringify({dir, sends}));
	});
});

after(async () => {
	await rm(dir, {recursive: true, force: true});
});

test('the start menu offers what happened to recent mails, with the count of failures, and shows the causes and fixes', async () => {
	const events: unknown[] = [];
	const mailLog = (signal: AbortSignal) => readMailLog({dir, since: new Date((now - 86_400) * 1000), signal});
	const {lastFrame, stdin, unmount} = render(<StartMenuStep hasLogin={false} canRestore={false} send={event => events.push(event)} mailLog={mailLog} />);
	try {
		await waitForText(lastFrame, 'What happened to recent mails (2 failed)', 5000);
		for (let i = 0; i < 3; i++) stdin.write(keys.down);
		await waitForText(lastFrame, '› What happened to recent mails');
		stdin.write(keys.enter);
		const frame = await waitForText(lastFrame, '[connection-refused]: 2 times', 5000);
		assert.match(frame, /Fix: /);
		assert.deepEqual(events, []);
	} finally {
		unmount();
	}
});

test('without a log on this machine the menu has no such entry', async () => {
	const {lastFrame, unmount} = render(<StartMenuStep hasLogin={false} canRestore={false} send={() => undefined} />);
	try {
		const frame = await waitForText(lastFrame, 'Switch provider');
		assert.doesNotMatch(frame, /recent mails/);
	} finally {
		unmount();
	}
});

test('after a restart the done screen says what the log shows since then, and offers the daily check', async () => {
	const restart = {ok: true, exitCode: 0, command: 'restart-server', tail: [], confirmed: true, endedAt: (now - 600) * 1000};
	const mailLog = (since: Date, signal: AbortSignal) => readMailLog({dir, since, signal});
	const {lastFrame, unmount} = render(<DoneStep testOk changed={[]} restored={false} restart={restart} restartCommand="restart-server" fileBackend={false} mailLogSince={mailLog} />);
	try {
		// Only the send after the restart counts: the one two hours ago does not.
		const frame = await waitForText(lastFrame, 'Since the restart, Zulip\'s log shows 1 of 1 send failed: connection-refused (1)', 5000);
		assert.match(frame, /--install-timer/);
	} finally {
		unmount();
	}
});

test('the wizard reads the log in --log-dir: a configured server\'s start menu counts its failures', async () => {
	const config = await configuredWith({providerId: 'custom', host: LOOPBACK, port: await unusedPort(), security: 'none', username: '', password: {kind: 'none'}});
	const engine = createEngine({paths: config.paths, restartCommand: 'true', timeoutMs: 2000});
	const app = renderAt80(<App engine={engine} settings={{initial: {}, restartCommand: 'true', logDir: dir}} onExit={() => undefined} />);
	try {
		// /var/log/zulip is not on this machine: the entry, and its count, come from the directory given.
		await waitForText(app.lastFrame, 'What happened to recent mails (2 failed)', 15_000);
	} finally {
		app.unmount();
		await rm(dirname(config.paths.settings), {recursive: true, force: true});
	}
});
