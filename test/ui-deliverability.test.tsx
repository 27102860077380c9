import assert from 'node:assert/strict';
import {afterEach, before, describe, test} from 'node:test';
import {cleanup, render} from 'ink-testing-library';
import type {LoadedConfig} from '../source/engine/current-config.js';
import type {DeliverabilityReport} from '../source/engine/deliverability.js';
import {finding} from '../source/engine/deliverability-findings.js';
import {fixesFor} from '../source/engine/fixes.js';
import {planChanges} from '../source/engine/plan.js';
import type {TestReport} from '../source/smtp/types.js';
import {App} from '../source/ui/app.js';
import {DeliverabilityPanel} from '../source/ui/components/deliverability-panel.js';
import type {WizardEngine} from '../source/ui/engine-port.js';
import type {FlowSettings} from '../source/ui/flow.js';
import {inputReady, keys, press, waitForFrame, waitForText} from './helpers/ink.js';
import {ADMIN, freshConfig} from './helpers/ui-fixtures.js';

afterEach(() => {
	cleanup();
});

const REPORT: DeliverabilityReport = {
	server: '127.0.0.1:5353',
	findings: [
		finding('spf-ok', 'zulip.example.com', "zulip.example.com's SPF record authorises Mailgun (2 of 10 lookups).", null, 'v=spf1 include:mailgun.org ~all'),
		finding('dkim-unchecked', 'zulip.example.com', 'Mailgun names its DKIM selector per account, so DKIM for zulip.example.com was not checked.', 'Check it with: zulip-email-setup --check-dns --dkim-selector NAME'),
		finding('dmarc-nothing-aligned', 'zulip.example.com', 'The DMARC policy at _dmarc.zulip.example.com is p=reject, and nothing aligns.', 'Fix the SPF or DKIM finding.'),
		finding('mx-missing', 'zulip.example.com', 'zulip.example.com has no MX record: replies to admin@zulip.example.com bounce.', 'Publish MX records for zulip.example.com.'),
	],
};

describe('the Deliverability panel', () => {
	test('while the lookups run it says so', () => {
		const {lastFrame} = render(<DeliverabilityPanel view={{status: 'checking'}} maxRows={10} columns={80} />);
		assert.match(lastFrame()!, /Deliverability \(SPF, DKIM, DMARC, MX\)/);
		assert.match(lastFrame()!, /Looking up the From domains' records/);
	});

	test('findings worst first, each problem with its fix, and where to see them all', () => {
		const {lastFrame} = render(<DeliverabilityPanel view={{status: 'done', report: REPORT}} maxRows={20} columns={200} />);
		const lines = lastFrame()!.split('\n');
		const order = ['dmarc-nothing-aligned', 'mx-missing', 'dkim-unchecked', 'spf-ok'].map(id => lines.findIndex(line => line.includes(`[${id}]`)));
		assert.ok(order.every(index => index > 0), lastFrame());
		assert.deepEqual([...order].sort((a, b) => a - b), order, 'error, warning, info, ok');
		assert.ok(lines[order[0]! + 1]!.includes('Fix: Fix the SPF or DKIM finding.'));
		assert.ok(!lastFrame()!.includes('v=spf1'), 'records seen are for --check-dns, not the panel');
		assert.match(lastFrame()!, /Every record and fix in full: zulip-email-setup --check-dns/);
	});

	test('in a short terminal only what fits, worst first, and how many more', () => {
		const {lastFrame} = render(<DeliverabilityPanel view={{status: 'done', report: REPORT}} maxRows={5} columns={200} />);
		assert.match(lastFrame()!, /\[dmarc-nothing-aligned\]/);
		assert.ok(!lastFrame()!.includes('[spf-ok]'));
		assert.match(lastFrame()!, /\d more: press d, or zulip-email-setup --check-dns for all/);
		// The title sums up what is not all shown.
		assert.match(lastFrame()!, /Deliverability \(SPF, DKIM, DMARC, MX\): ✖ 1 error · ⚠ 1 to improve · • 1 to note · ✔ 1 OK/);
	});

	test('d shows every finding, within the rows beside the question, and d again fewer', async () => {
		const {lastFrame, stdin} = render(<DeliverabilityPanel view={{status: 'done', report: REPORT}} maxRows={5} maxDetailRows={20} columns={100} keys />);
		await inputReady(stdin);
		await press(stdin, 'd');
		const all = await waitForText(lastFrame, '[spf-ok]');
		for (const id of ['dmarc-nothing-aligned', 'mx-missing', 'dkim-unchecked']) assert.ok(all.includes(`[${id}]`), all);
		assert.match(all, /^Deliverability \(SPF, DKIM, DMARC, MX\)$/m, 'no summary when all is shown');
		assert.match(all, /d: fewer/);
		await press(stdin, 'd');
		await waitForFrame(lastFrame, frame => !frame.includes('[spf-ok]'), {what: 'the short panel again'});
	});

	test('nothing to check for the file backend, and a failure is said plainly', () => {
		const skipped = render(<DeliverabilityPanel view={{status: 'done', report: {findings: [], server: 'x', skipped: 'Log to files: no mail leaves this server, so there is nothing to check.'}}} maxRows={10} columns={80} />);
		assert.match(skipped.lastFrame()!, /no mail leaves this server/);
		const failed = render(<DeliverabilityPanel view={{status: 'failed', message: 'boom'}} maxRows={10} columns={80} />);
		assert.match(failed.lastFrame()!, /The DNS checks could not run: boom/);
	});
});

describe('the panel in the wizard', () => {
	let fresh: LoadedConfig;
	before(async () => {
		fresh = await freshConfig();
	});

	const settings: FlowSettings = {initial: {}, restartCommand: 'restart-server'};
	const passed: TestReport = {ok: true, senders: [{role: 'default', address: ADMIN, ok: true, sent: true}], durationMs: 5};

	/** A fake engine whose DNS checks finish only when the test says so. */
	function fakeEngine() {
		let release: (report: DeliverabilityReport) => void = () => undefined;
		let dnsSignal: AbortSignal | undefined;
		const calls: string[] = [];
		const engine: WizardEngine = {
			load: async () => ({loaded: fresh, problems: []}),
			plan: async (loaded, answers) => planChanges(loaded, answers),
			async apply(plan) {
				return {applied: {changed: true, files: plan.files.map(file => ({path: file.path, changed: file.changed, backup: `${file.path}.bak`, created: false}))}, loaded: fresh};
			},
			async test() {
				calls.push('test');
				return passed;
			},
			fixesFor,
			async restore() {},
			async restoreSet() {},
			async restart(onLine) {
				calls.push('restart');
				onLine('Zulip restarted successfully!');
				return {ok: true, exitCode: 0, command: 'restart-server', tail: [], confirmed: true};
			},
			deliverability(loaded, signal) {
				calls.push('deliverability');
				assert.equal(loaded, fresh, 'the configuration the test passed on');
				dnsSignal = signal;
				return new Promise(resolve => {
					release = resolve;
				});
			},
		};
		return {engine, calls, release: (report: DeliverabilityReport) => release(report), dnsSignal: () => dnsSignal};
	}

	async function toRestartOffer(stdin: {write(data: string): void}, lastFrame: () => string | undefined) {
		await waitForText(lastFrame, 'Which service');
		await press(stdin, 'local', keys.enter);
		// The local MTA's host, port and TLS are shown first.
		await waitForText(lastFrame, 'Port and TLS mode for localhost');
		await press(stdin, keys.enter);
		await waitForText(lastFrame, 'Noreply address');
		await press(stdin, keys.enter);
		await waitForText(lastFrame, 'Add a random token');
		await press(stdin, keys.enter);
		await waitForText(lastFrame, 'Where should');
		await press(stdin, keys.enter);
		await waitForText(lastFrame, 'Write these changes?');
		await press(stdin, keys.enter);
	}

	test('after a passing test the findings appear above the restart question, and stay on the last screen', async () => {
		const fake = fakeEngine();
		let exitCode: number | undefined;
		const {stdin, lastFrame} = render(<App engine={fake.engine} settings={settings} onExit={code => (exitCode = code)} />);
		await toRestartOffer(stdin, lastFrame);
		const checking = await waitForFrame(lastFrame, frame => /Looking up the From domains' records[\s\S]*Restart Zulip so it reads/.test(frame), {what: 'the panel checking, above the restart question'});
		assert.doesNotMatch(checking, /d DNS findings/, 'no d while there is nothing to show');
		fake.release(REPORT);
		const found = await waitForFrame(lastFrame, frame => /\[dmarc-nothing-aligned\][\s\S]*Restart Zulip so it reads/.test(frame), {what: 'the findings above the restart question'});
		// The question's key hints say what d does while the panel takes it.
		assert.match(found, /Enter choose · d DNS findings · Ctrl-C quit/);
		await press(stdin, keys.enter);
		const done = await waitForText(lastFrame, 'Next steps');
		assert.equal(exitCode, 0);
		assert.match(done, /\[mx-missing\]/, 'the last screen keeps the findings');
		assert.ok(!done.includes('Publish SPF and DKIM records'), 'no generic advice beside real findings');
		assert.deepEqual(fake.calls, ['test', 'deliverability', 'restart']);
	});

	test('the checks never hold up the restart or the exit: a check still running is dropped', async () => {
		const fake = fakeEngine();
		let exitCode: number | undefined;
		const {stdin, lastFrame} = render(<App engine={fake.engine} settings={settings} onExit={code => (exitCode = code)} />);
		await toRestartOffer(stdin, lastFrame);
		await waitForText(lastFrame, "Looking up the From domains' records");
		await press(stdin, keys.enter);
		await waitForText(lastFrame, 'Next steps');
		assert.equal(exitCode, 0);
		assert.deepEqual(fake.calls, ['test', 'deliverability', 'restart']);
		cleanup();
		assert.equal(fake.dnsSignal()?.aborted, true, 'unmounting aborts the lookups');
	});
});
