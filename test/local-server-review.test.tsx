// The wizard's face of the local-server survey: once "the local mail server"
// is chosen, the review (before anything is written or sent) says what the
// engine's localServerNotes found, the same notes --non-interactive prints.
import assert from 'node:assert/strict';
import {mkdtemp, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterEach, test} from 'node:test';
import {cleanup} from 'ink-testing-library';
import {localServerNotes} from '../source/engine/live-check.js';
import {fixesFor} from '../source/engine/fixes.js';
import {planChanges} from '../source/engine/plan.js';
import {App} from '../source/ui/app.js';
import type {WizardEngine} from '../source/ui/engine-port.js';
import type {FlowSettings} from '../source/ui/flow.js';
import {waitForFrame} from './helpers/ink.js';
import {answer, cleanupRendered, renderAt80} from './helpers/walk-through.js';
import {freshConfig} from './helpers/ui-fixtures.js';

afterEach(() => {
	cleanup();
	cleanupRendered();
});

test('choosing the local mail server: the review names what answers on localhost:25 and Zulip\'s removal of postfix, before anything is written', async () => {
	const dir = await mkdtemp(join(tmpdir(), 'zes-review-'));
	try {
		const loaded = {...(await freshConfig()), zulipVersion: {text: '11.5', major: 11, minor: 5}};
		const zulipConf = join(dir, 'zulip.conf');
		await writeFile(zulipConf, '[machine]\npuppet_classes = zulip::profile::standalone, zulip::postfix_localmail\n');
		const asked: Array<{host: string; port: number}> = [];
		const calls: string[] = [];
		const engine: WizardEngine = {
			load: async () => ({loaded, problems: []}),
			plan: async (current, answers) => planChanges(current, answers),
			async apply() {
				calls.push('apply');
				throw new Error('not in this test');
			},
			async test() {
				calls.push('test');
				throw new Error('not in this test');
			},
			fixesFor,
			restore: async () => undefined,
			restoreSet: async () => undefined,
			restart: async () => ({ok: true, exitCode: 0, command: 'x', tail: [], confirmed: true}),
			// The real engine's rule, with this test's zulip.conf and no Exim answers file.
			async localServerNotes(current, relay, signal) {
				asked.push(relay);
				return localServerNotes(current, {relay, signal, paths: {zulipConf, eximConf: join(dir, 'none')}});
			},
		};
		const settings: FlowSettings = {initial: {}, restartCommand: 'restart-server'};
		const app = renderAt80(<App engine={engine} settings={settings} onExit={() => undefined} />);
		await answer(app, [
			['Which service', 'local\r'],
			['Port and TLS mode for localhost', '\r'],
			['Noreply address', '\r'],
			['Add a random token', '\r'],
			['Where should', '\r'],
			['Write these changes?', ''],
		]);
		const frame = await waitForFrame(app.lastFrame, text => /remove the postfix/.test(text.replace(/\s+/g, ' ')), {what: 'the local-server notes in the review'});
		const flat = frame.replace(/\s+/g, ' ');
		assert.match(flat, /localhost:25 (?:answers|Nothing answers)|Nothing answers on localhost:25/);
		assert.match(flat, /\[postfix\]` `uninstall = false`|\[postfix\] uninstall = false/);
		assert.deepEqual(asked.at(-1), {host: 'localhost', port: 25});
		assert.deepEqual(calls, [], 'nothing written or sent while the notes were gathered');
	} finally {
		await rm(dir, {recursive: true, force: true});
	}
});
