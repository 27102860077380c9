/**
 * When the connection fails, no sender was tried: each reads "not tried"
 * (–), never ✖, which would say the server refused it. The engine's summary,
 * the wizard's result screen, and --non-interactive's plain and JSON output,
 * against a real refused port and a real port that closes at once, on 127.0.0.1.
 */
import assert from 'node:assert/strict';
import {rm} from 'node:fs/promises';
import {dirname} from 'node:path';
import {after, afterEach, before, describe, test} from 'node:test';
import {senderSummary} from '../source/engine/test-summary.js';
import {testLines} from '../source/report.js';
import type {Sender} from '../source/smtp/types.js';
import {App} from '../source/ui/app.js';
import {createEngine} from '../source/ui/engine-port.js';
import {testSummaryLines} from '../source/ui/flow-scrollback.js';
import {fakeServer, runCli} from './helpers/cli.js';
import {keys} from './helpers/ink.js';
import {LOOPBACK, runLiveTest, startRawServer, unusedPort, type RawServer} from './helpers/smtp-servers.js';
import {ADMIN, freshConfig} from './helpers/ui-fixtures.js';
import {answer, cleanupRendered, otherRelayAt, plain, renderAt80} from './helpers/walk-through.js';

const SENDERS: Sender[] = [
	{role: 'default', address: ADMIN},
	{role: 'noreply-plain', address: 'noreply@zulip.example.com'},
	{role: 'noreply-tokenized', address: 'noreply-abcdefghijklmnopqrstuvwx@zulip.example.com'},
];

let refusedPort: number;
let closing: RawServer;

before(async () => {
	refusedPort = await unusedPort();
	// Accepts, then closes without a word: the connection fails after connect.
	closing = await startRawServer(socket => socket.destroy());
});

after(async () => closing.close());
afterEach(() => cleanupRendered());

describe('the engine\'s summary', () => {
	for (const [name, port, id] of [['a refused port', () => refusedPort, 'connection-refused'], ['a port that closes at once', () => closing.port, 'protocol-error']] as const) {
		test(`${name}: every sender "not tried", none ✖`, async () => {
			const {report} = await runLiveTest({settings: {host: LOOPBACK, port: port(), security: 'none', user: '', password: null}, senders: SENDERS, probeCandidates: [], timeoutMs: 5000});
			assert.equal(report.ok, false);
			assert.equal(report.diagnosis?.id, id);
			assert.equal(report.senders.length, 3);
			for (const sender of report.senders) {
				const summary = senderSummary(report, sender);
				assert.equal(summary.mark, '–');
				assert.equal(summary.status, 'not-tried');
				assert.match(summary.text, /: not tried, the test stopped before it$/);
			}

			// Both faces print it so: the wizard's scrollback and the plain report.
			const wizard = testSummaryLines(report);
			assert.equal(wizard.filter(line => line.startsWith('– ') && line.includes('not tried')).length, 3, wizard.join('\n'));
			assert.equal(wizard.filter(line => line.startsWith('✖')).length, 1, 'only the connection failed');
			const plainLines = testLines(report);
			assert.equal(plainLines.filter(line => /^ {2}– .*not tried/.test(line)).length, 3, plainLines.join('\n'));
			assert.equal(plainLines.filter(line => line.includes('✖')).length, 1);
		});
	}
});

describe('the faces, end to end', () => {
	test('--non-interactive --check: "not tried" in the plain output, status "not-tried" in the JSON', async () => {
		const server = await fakeServer();
		try {
			const write = await runCli([...server.args, '--non-interactive', '--provider', 'custom', '--host', LOOPBACK, '--port', String(refusedPort), '--security', 'none', '--username', '', '--skip-test']);
			assert.equal(write.code, 0, write.stderr);
			const text = await runCli([...server.args, '--non-interactive', '--check']);
			assert.equal(text.code, 1, text.stderr);
			const senderLines = text.stdout.split('\n').filter(line => /(default From|noreply)/.test(line) && /not tried|✖|✔/.test(line));
			assert.ok(senderLines.length >= 2, text.stdout);
			for (const line of senderLines) {
				assert.match(line, /^ {2}– .*: not tried/);
			}

			const json = await runCli([...server.args, '--non-interactive', '--check', '--json']);
			const report = JSON.parse(json.stdout.trim().split('\n').at(-1)!);
			assert.equal(report.test.diagnosis.id, 'connection-refused');
			assert.ok(report.test.senders.length >= 2);
			for (const sender of report.test.senders) {
				assert.equal(sender.ok, false);
				assert.equal(sender.status, 'not-tried');
				assert.equal(sender.diagnosis, undefined);
			}
		} finally {
			await rm(server.dir, {recursive: true, force: true});
		}
	});

	test('the wizard\'s result screen: the connection ✖, each sender – not tried', async () => {
		const config = await freshConfig();
		const engine = createEngine({paths: config.paths, restartCommand: 'true', timeoutMs: 5000});
		const app = renderAt80(<App engine={engine} settings={{initial: {}, restartCommand: 'true'}} onExit={() => undefined} />);
		try {
			await answer(app, [
				...otherRelayAt(LOOPBACK, closing.port, keys.up),
				['SMTP username', '\r'],
				['Noreply address', '\r'],
				['Add a random token', '\r'],
				['Where should', '\r'],
				['Write these changes?', '\r'],
				['What now?', ''],
			]);
			const frame = plain(app.lastFrame());
			assert.match(frame, /✖ Test failed/);
			const notTried = frame.split('\n').filter(line => /^\s*– .*not tried/.test(line));
			assert.ok(notTried.length >= 2, frame);
			assert.doesNotMatch(frame, /✖ (?:default From|noreply)/, 'no sender is marked refused');
		} finally {
			app.unmount();
			await rm(dirname(config.paths.settings), {recursive: true, force: true});
		}
	});
});
