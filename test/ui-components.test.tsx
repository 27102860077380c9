import assert from 'node:assert/strict';
import {afterEach, before, describe, test} from 'node:test';
import {cleanup, render} from 'ink-testing-library';
import type {LoadedConfig} from '../source/engine/current-config.js';
import {fixesFor} from '../source/engine/fixes.js';
import {planChanges} from '../source/engine/plan.js';
import {getProvider} from '../source/engine/providers.js';
import {serviceWords} from '../source/engine/service-words.js';
import type {TestReport} from '../source/smtp/types.js';
import {App} from '../source/ui/app.js';
import {Select} from '../source/ui/components/select.js';
import {MaskedInput, TextInput} from '../source/ui/components/text-input.js';
import {initialTextInputState, textInputReducer, wordEndAfter, wordStartBefore} from '../source/ui/components/text-input-state.js';
import type {WizardEngine} from '../source/ui/engine-port.js';
import type {FlowEvent, FlowSettings} from '../source/ui/flow.js';
import {DoneStep} from '../source/ui/steps/done-step.js';
import {EndpointStep} from '../source/ui/steps/endpoint-step.js';
import {PasswordStep} from '../source/ui/steps/password-step.js';
import {ProviderStep} from '../source/ui/steps/provider-step.js';
import {RestartingStep} from '../source/ui/steps/restart-steps.js';
import {ResultStep} from '../source/ui/steps/result-step.js';
import {TestingStep} from '../source/ui/steps/testing-step.js';
import {providerChoices} from '../source/ui/flow.js';
import {inputReady, keys, plain, press, waitForFrame, waitForText} from './helpers/ink.js';
import {answer, cleanupRendered, renderAt80} from './helpers/walk-through.js';
import {ADMIN, freshConfig, SECRET_KEY} from './helpers/ui-fixtures.js';

afterEach(() => {
	cleanup();
	cleanupRendered();
});

function recorder() {
	const events: FlowEvent[] = [];
	return {events, send: (event: FlowEvent) => events.push(event)};
}

async function until(check: () => boolean, what: string, timeoutMs = 3000): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (!check()) {
		if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
		await new Promise(resolve => setTimeout(resolve, 10));
	}
}

describe('text input', () => {
	test('types, moves the cursor, erases and submits on Enter', async () => {
		let submitted: string | undefined;
		const {stdin, lastFrame} = render(<TextInput defaultValue="smtp" onSubmit={value => (submitted = value)} />);
		await inputReady(stdin);
		await press(stdin, '.example.com', keys.left, keys.left, keys.left, keys.left, keys.backspace, 'X', keys.enter);
		await until(() => submitted !== undefined, 'submit');
		assert.equal(submitted, 'smtp.examplX.com');
		assert.match(plain(lastFrame()), /smtp\.examplX/);
	});

	test('Ctrl-U clears; a paste ending in a newline submits what came before it', async () => {
		let submitted: string | undefined;
		const {stdin} = render(<TextInput defaultValue="old" onSubmit={value => (submitted = value)} />);
		await inputReady(stdin);
		await press(stdin, keys.ctrlU, 'pasted-value\r');
		await until(() => submitted !== undefined, 'submit');
		assert.equal(submitted, 'pasted-value');
	});

	test('word-wise editing: Ctrl/Alt-Left/Right and Alt-B/F move by word, Alt-Backspace and Alt-D delete one, Ctrl-K kills to the end', async () => {
		let submitted: string | undefined;
		const {stdin} = render(<TextInput defaultValue="postmaster@mg.example.org" onSubmit={value => (submitted = value)} />);
		await inputReady(stdin);
		// Ctrl-Left twice: before "example"; Alt-Backspace deletes "mg."; Ctrl-Right: after "example"; Ctrl-K: drops ".org".
		await press(stdin, '\u001B[1;5D', '\u001B[1;5D', '\u001B\u007F', '\u001B[1;5C', '\u000B', '.net', keys.enter);
		await until(() => submitted !== undefined, 'submit');
		assert.equal(submitted, 'postmaster@example.net');

		submitted = undefined;
		const second = render(<TextInput defaultValue="smtp.mailgun.org" onSubmit={value => (submitted = value)} />);
		await inputReady(second.stdin);
		// Alt-B (ESC b) to "org", Alt-Left to "mailgun", Alt-D deletes "mailgun", Alt-F/Alt-Right move right again.
		await press(second.stdin, '\u001Bb', '\u001B[1;3D', '\u001Bd', 'sendgrid', '\u001Bf', '\u001B[1;3C', keys.enter);
		await until(() => submitted !== undefined, 'submit');
		assert.equal(submitted, 'smtp.sendgrid.org');
	});

	test('a masked value moves and deletes as one word, so jumps never show where its punctuation is', () => {
		let state = initialTextInputState('ab.cd-ef');
		state = textInputReducer(state, {type: 'word-left'});
		assert.equal(state.cursor, 6, 'unmasked: by word');
		assert.equal(wordStartBefore('ab.cd-ef', 6), 3);
		assert.equal(wordEndAfter('ab.cd-ef', 0), 2);
		assert.deepEqual(textInputReducer({value: 'abc def', cursor: 3}, {type: 'kill-to-end'}), {value: 'abc', cursor: 3});
		assert.deepEqual(textInputReducer({value: 'abc def', cursor: 4}, {type: 'kill-to-start'}), {value: 'def', cursor: 0});
	});

	test('the cursor counts code points: a character outside the BMP moves and deletes as one', async () => {
		// 𝔘 and 😀 are two UTF-16 units each.
		let state = initialTextInputState('a𝔘b😀');
		assert.equal(state.cursor, 4);
		state = textInputReducer(state, {type: 'delete-before'});
		assert.deepEqual(state, {value: 'a𝔘b', cursor: 3});
		state = textInputReducer(textInputReducer(state, {type: 'left'}), {type: 'left'});
		assert.equal(state.cursor, 1);
		state = textInputReducer(state, {type: 'delete-after'});
		assert.deepEqual(state, {value: 'ab', cursor: 1});
		state = textInputReducer(state, {type: 'insert', text: '😀x'});
		assert.deepEqual(state, {value: 'a😀xb', cursor: 3});
		assert.equal(wordStartBefore('ab 𝔘𝔘', 5), 3, 'letters outside the BMP make words too');
		assert.ok(!textInputReducer({value: '😀', cursor: 1}, {type: 'delete-before'}).value.includes('\uD83D'), 'no half pair left behind');
		let submitted: string | undefined;
		const {stdin, lastFrame} = render(<MaskedInput defaultValue="p😀" onSubmit={value => (submitted = value)} />);
		await inputReady(stdin);
		assert.match(await waitForText(lastFrame, '•'), /^••\s*$/m, 'one dot per character');
		await press(stdin, keys.left, '\u007F', keys.enter);
		await until(() => submitted !== undefined, 'submit');
		assert.equal(submitted, '😀');
	});

	test('Esc cancels', async () => {
		let cancelled = false;
		const {stdin} = render(<TextInput onSubmit={() => undefined} onCancel={() => (cancelled = true)} />);
		await inputReady(stdin);
		await press(stdin, keys.escape);
		await until(() => cancelled, 'cancel');
	});

	test('the masked input shows only dots, in every frame', async () => {
		let submitted: string | undefined;
		const {stdin, frames} = render(<MaskedInput onSubmit={value => (submitted = value)} />);
		await inputReady(stdin);
		await press(stdin, 's3cr', 'et!', keys.enter);
		await until(() => submitted !== undefined, 'submit');
		assert.equal(submitted, 's3cret!');
		assert.ok(frames.every(frame => !/s3cr|et!/.test(frame)), 'the password never reaches the terminal');
		assert.match(plain(frames.at(-1)), /•{7}/);
	});

	test('in the masked input Ctrl-Left goes to the start and Alt-Backspace clears before the cursor', async () => {
		let submitted: string | undefined;
		const {stdin} = render(<MaskedInput onSubmit={value => (submitted = value)} />);
		await inputReady(stdin);
		await press(stdin, 'ab.cd', '\u001B[1;5D', 'X', '\u001B[1;5C', '\u001B\u007F', 'new', keys.enter);
		await until(() => submitted !== undefined, 'submit');
		assert.equal(submitted, 'new');
	});
});

describe('select', () => {
	const items = ['alpha', 'beta', 'gamma', 'delta', 'epsilon'].map(value => ({key: value, value, label: value}));

	test('values are typed, named by keys: the chosen object comes back as it is', async () => {
		const endpoints = [{port: 587, security: 'starttls'}, {port: 465, security: 'ssl'}] as const;
		let chosen: (typeof endpoints)[number] | undefined;
		const {stdin, lastFrame} = render(<Select items={endpoints.map(endpoint => ({key: `${endpoint.port}`, value: endpoint, label: `port ${endpoint.port}`}))} defaultKey="465" onSubmit={value => (chosen = value)} />);
		await inputReady(stdin);
		await waitForText(lastFrame, '› port 465');
		await press(stdin, keys.enter);
		await until(() => chosen !== undefined, 'choice');
		assert.equal(chosen, endpoints[1]);
	});

	test('arrows move and wrap; Enter chooses', async () => {
		let chosen: string | undefined;
		const {stdin} = render(<Select items={items} onSubmit={value => (chosen = value)} />);
		await inputReady(stdin);
		await press(stdin, keys.up, keys.enter);
		await until(() => chosen !== undefined, 'choice');
		assert.equal(chosen, 'epsilon');
	});

	test('a long list scrolls within its limit', async () => {
		const {stdin, lastFrame} = render(<Select items={items} limit={2} onSubmit={() => undefined} />);
		await inputReady(stdin);
		await waitForText(lastFrame, '↓ 3 more');
		await press(stdin, keys.down, keys.down);
		const frame = await waitForText(lastFrame, '› gamma');
		assert.match(frame, /↑ 1 more/);
		assert.ok(!frame.includes('alpha'));
	});

	test('typing filters; Esc clears the filter first, then goes back', async () => {
		let chosen: string | undefined;
		let cancelled = false;
		const {stdin, lastFrame} = render(<Select filterable items={items} onSubmit={value => (chosen = value)} onCancel={() => (cancelled = true)} />);
		await inputReady(stdin);
		await press(stdin, 'ta');
		const frame = await waitForText(lastFrame, 'Filter: ta');
		assert.ok(frame.includes('beta') && frame.includes('delta') && !frame.includes('gamma'));
		await press(stdin, keys.escape);
		await waitForText(lastFrame, 'gamma');
		assert.equal(cancelled, false);
		await press(stdin, 'zzz');
		await waitForText(lastFrame, 'nothing matches');
		await press(stdin, keys.ctrlU, keys.escape);
		await until(() => cancelled, 'cancel');
		assert.equal(chosen, undefined);
	});
});

describe('steps', () => {
	test('the provider list filters as you type and sends the choice', async () => {
		const {events, send} = recorder();
		const {stdin, lastFrame} = render(<ProviderStep choices={providerChoices({initial: {}, restartCommand: 'x'})} preselected="mailgun" limit={8} send={send} />);
		await inputReady(stdin);
		await waitForText(lastFrame, '› Mailgun');
		await press(stdin, 'grid');
		await waitForText(lastFrame, '› SendGrid');
		await press(stdin, keys.enter);
		await until(() => events.length > 0, 'event');
		assert.deepEqual(events, [{type: 'provider-chosen', id: 'sendgrid'}]);
	});

	test('an inconsistent port/TLS pair is flagged as soon as it is highlighted', async () => {
		const {send} = recorder();
		const options = [
			{endpoint: {port: 587, security: 'starttls' as const}, label: '587 with STARTTLS'},
			{endpoint: {port: 465, security: 'starttls' as const}, label: '465 with STARTTLS', note: 'configured now'},
		];
		const {stdin, lastFrame} = render(<EndpointStep host="relay.example.com" options={options} preselected={options[0]!.endpoint} send={send} />);
		await inputReady(stdin);
		assert.ok(!(await waitForText(lastFrame, '› 587 with STARTTLS')).includes('⚠'));
		await press(stdin, keys.down);
		const frame = await waitForText(lastFrame, '⚠');
		assert.match(frame, /Port 465 speaks TLS from the first byte/);
	});

	test('the endpoint list sends the endpoint itself, "other", or "host" (the fixed host is changed here)', async () => {
		const options = [
			{endpoint: {port: 587, security: 'starttls' as const}, label: '587 with STARTTLS'},
			{endpoint: {port: 2525, security: 'starttls' as const}, label: '2525 with STARTTLS'},
		];
		for (const [moves, expected] of [[[keys.down], options[1]!.endpoint], [[keys.up, keys.up], 'other'], [[keys.up], 'host']] as const) {
			const {events, send} = recorder();
			const {stdin, unmount} = render(<EndpointStep host="relay.example.com" options={options} preselected={options[0]!.endpoint} send={send} />);
			await inputReady(stdin);
			await press(stdin, ...moves, keys.enter);
			await until(() => events.length > 0, 'event');
			assert.deepEqual(events, [{type: 'endpoint-chosen', endpoint: expected}]);
			unmount();
		}
	});

	test('a name match ranks above a match in the summary', async () => {
		const {send} = recorder();
		const {stdin, lastFrame} = render(<ProviderStep choices={providerChoices({initial: {}, restartCommand: 'x'})} preselected="mailgun" limit={8} send={send} />);
		await inputReady(stdin);
		await press(stdin, 'smtp');
		const frame = await waitForText(lastFrame, 'Filter: smtp');
		// Names first (SMTP2GO, Other SMTP server), then summaries (Amazon SES's "IAM SMTP credentials").
		assert.match(frame, /› SMTP2GO[^\n]*\n\s+Other SMTP server[\s\S]*Amazon SES/);
	});

	test('the password step offers to keep the stored one by default', async () => {
		const {events, send} = recorder();
		const {stdin, lastFrame} = render(<PasswordStep mode="choose" provider={getProvider('gmail')} username="zulip@example.com" typed="" send={send} />);
		await inputReady(stdin);
		await waitForText(lastFrame, '› Keep the current password');
		await press(stdin, keys.enter);
		await until(() => events.length > 0, 'event');
		assert.deepEqual(events, [{type: 'password-kept'}]);
	});

	test('the live test shows each step with its time', () => {
		const {lastFrame} = render(
			<TestingStep
				to={ADMIN}
				limit={10}
				lines={[
					{step: 'connect', label: 'Connect to smtp.example.com:587', status: 'ok', elapsedMs: 12, startedAt: 0},
					{step: 'starttls', label: 'STARTTLS', status: 'running', elapsedMs: 0, startedAt: Date.now()},
				]}
			/>,
		);
		const frame = plain(lastFrame());
		assert.match(frame, /✔ Connect to smtp\.example\.com:587 12 ms/);
		assert.match(frame, /STARTTLS \d+ ms/);
		assert.match(frame, /Esc stop the test/);
	});

	test('a failed test shows the fix and offers the engine fix first', async () => {
		const report: TestReport = {
			ok: false,
			senders: [
				{role: 'default', address: ADMIN, ok: true},
				{role: 'noreply-tokenized', address: 'noreply-x@zulip.example.com', ok: false, diagnosis: {id: 'sender-rejected', message: 'The server refused this sender.', fix: 'Set ADD_TOKENS_TO_NOREPLY_ADDRESS = False.', detail: '553 Sender address rejected: not owned by user'}},
			],
			durationMs: 100,
		};
		const answers = {providerId: 'mailgun' as const, host: 'smtp.mailgun.org', port: 587, security: 'starttls' as const, username: 'u', password: {kind: 'keep' as const}};
		const {events, send} = recorder();
		const {stdin, lastFrame} = render(<ResultStep report={report} fixes={fixesFor(report, answers)} canRestore send={send} />);
		await inputReady(stdin);
		const frame = await waitForText(lastFrame, 'Keep the files as they are');
		assert.match(frame, /Fix for the tokenized noreply From: Set ADD_TOKENS_TO_NOREPLY_ADDRESS = False\./);
		assert.match(frame, /› Send from the plain noreply address/);
		assert.match(frame, /Restore the backups/);
		assert.ok(!frame.includes('Esc'), 'past the write, Esc is not offered');
		await press(stdin, keys.enter);
		await until(() => events.length > 0, 'event');
		assert.deepEqual(events, [{type: 'fix-chosen', id: 'tokens-off'}]);
	});

	test('the restart output stays in a box of 8 lines', () => {
		const lines = Array.from({length: 30}, (_, index) => `restart-server: step ${index}`);
		const frame = plain(render(<RestartingStep lines={lines} />).lastFrame());
		assert.ok(frame.includes('step 29') && frame.includes('step 22'));
		assert.ok(!frame.includes('step 21'));
	});

	test('the done screen lists backups and next steps', () => {
		const frame = plain(
			render(
				<DoneStep
					testOk
					changed={[{path: '/etc/zulip/settings.py', changed: true, backup: '/etc/zulip/settings.py.bak-1', created: false}]}
					restored={false}
					restart={{ok: true, exitCode: 0, command: 'restart-server', tail: [], confirmed: true}}
					restartCommand="restart-server"
					service={serviceWords('mailgun')}
					sendingDomain="zulip.example.com"
					fileBackend={false}
				/>,
			).lastFrame(),
		);
		assert.match(frame, /✔ Zulip can send email\./);
		// What was written and the restart are in the scrollback already: the last screen does not say them twice.
		assert.doesNotMatch(frame, /backup: |Changed \//);
		assert.doesNotMatch(frame, /restarted successfully/);
		assert.match(frame, /SPF and DKIM records for zulip\.example\.com/);
		assert.match(frame, /Mailgun's sending log/);
	});
});

describe('the app, with a fake engine', () => {
	let fresh: LoadedConfig;
	before(async () => {
		// Read from a temp dir, shown as a server's own paths: the screens are the same on every machine.
		const read = await freshConfig();
		fresh = {...read, where: '/etc/zulip/settings.py', paths: {settings: '/etc/zulip/settings.py', secrets: '/etc/zulip/zulip-secrets.conf'}};
	});

	const PASSWORD = 'hunter2-%#;';
	const settings: FlowSettings = {initial: {}, restartCommand: 'restart-server'};

	function fakeEngine(report: TestReport = {ok: true, senders: [{role: 'default', address: ADMIN, ok: true, sent: true}], durationMs: 5}) {
		const calls: string[] = [];
		let testSignal: AbortSignal | undefined;
		const engine: WizardEngine = {
			async load() {
				calls.push('load');
				return {loaded: fresh, problems: []};
			},
			async plan(loaded, answers) {
				calls.push('plan');
				return planChanges(loaded, answers);
			},
			async apply(plan) {
				calls.push('apply');
				return {
					applied: {changed: true, files: plan.files.map(file => ({path: file.path, changed: file.changed, backup: `${file.path}.bak`, created: false}))},
					loaded: fresh,
				};
			},
			async test(_loaded, to, onEvent, signal) {
				calls.push(`test ${to}`);
				testSignal = signal;
				onEvent({step: 'connect', status: 'start', label: 'Connect', elapsedMs: 0});
				onEvent({step: 'connect', status: 'ok', label: 'Connect', elapsedMs: 3});
				if (report === hanging) {
					await new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(new Error('aborted'))));
				}

				return report;
			},
			fixesFor,
			async restore() {
				calls.push('restore');
			},
			async restoreSet(set) {
				calls.push(`restore-set ${set.stamp}`);
			},
			async restart(onLine) {
				calls.push('restart');
				onLine('restart-server: Restarting');
				onLine('Zulip restarted successfully!');
				return {ok: true, exitCode: 0, command: 'restart-server', tail: ['Zulip restarted successfully!'], confirmed: true};
			},
		};
		return {engine, calls, testSignal: () => testSignal};
	}

	const hanging: TestReport = {ok: false, senders: [], durationMs: 0};

	test('a first-time setup by keys only, password never on screen, exit 0; every screen as expected at 80 columns', async () => {
		const {engine, calls} = fakeEngine();
		let exitCode: number | undefined;
		const app = renderAt80(<App engine={engine} settings={settings} onExit={code => (exitCode = code)} />);
		const book = {name: 'first-time-mailgun'};
		await answer(app, [
			['Which service', 'mailgun'],
			['› Mailgun', '\r'],
			// Mailgun's host is fixed: shown in the port question, not asked.
			['Port and TLS mode for smtp.mailgun.org', '\r'],
			['SMTP username', 'postmaster@mg.example.com\r'],
			['Password for postmaster@mg.example.com', `${PASSWORD}\r`],
			['Noreply address', '\r'],
			['Add a random token', `${keys.down}\r`],
			['Where should the two test mails go?', '\r'],
			['Write these changes?', ''],
		], book);
		const review = app.lastFrame() ?? '';
		assert.deepEqual(calls, ['load', 'plan'], 'nothing is written before the review');
		assert.match(review, /\+EMAIL_HOST = "smtp\.mailgun\.org"/);
		assert.ok(!review.includes(SECRET_KEY));
		await answer(app, [['Write these changes?', '\r']]);
		await answer(app, [['Restart Zulip so it reads the new settings?', '\r']], {...book, first: 10});
		await until(() => exitCode !== undefined, 'exit');
		assert.equal(exitCode, 0);
		assert.deepEqual(calls, ['load', 'plan', 'apply', `test ${ADMIN}`, 'restart']);
		const [done] = await answer(app, [['Next steps', '']], {...book, first: 11});
		assert.equal(done!.match(/Zulip restarted successfully!/g)?.length, 1, `said once:\n${done}`);
		assert.ok(app.frames.every(frame => !frame.includes(PASSWORD)), 'the password is never rendered');
	});

	test('the other questions, each screen as expected at 80 columns: a region, a typed port and TLS mode, an error, going back', async () => {
		const {engine} = fakeEngine();
		const app = renderAt80(<App engine={engine} settings={settings} onExit={() => undefined} />);
		await answer(app, [
			['Which service', 'ses'],
			['› Amazon SES', '\r'],
			['Which region is your Amazon SES account in?', 'eu-west\r'],
			// The region fixes the host: shown here, not asked ("Another host…" is the last entry, "another port" above it).
			['Port and TLS mode for email-smtp.eu-west-1.amazonaws.com', `${keys.up}${keys.up}\r`],
			['Port (EMAIL_PORT)', `${keys.ctrlU}2465x\r`],
			['not "2465x"', `${keys.backspace}\r`],
			['TLS mode for port 2465', `${keys.down}\r`],
			['SMTP username', 'AKIAEXAMPLE\r'],
			['Password for AKIAEXAMPLE', keys.escape],
			['SMTP username', ''],
		], {name: 'ses-typed-port'});
		// Going back replaced the answered line: no "back to" trail.
		assert.doesNotMatch(app.lastFrame() ?? '', /‹ Back|✔ Username: AKIAEXAMPLE/);
		assert.match(app.lastFrame() ?? '', /SMTP username[\s\S]*AKIAEXAMPLE/, 'the answer is kept');
	});

	test('the file backend, each screen as expected at 80 columns', async () => {
		const {engine} = fakeEngine();
		const app = renderAt80(<App engine={engine} settings={settings} onExit={() => undefined} />);
		await answer(app, [
			['Which service', 'files'],
			['› Log to files', '\r'],
			['Directory for the mail files (EMAIL_FILE_PATH)', '\r'],
			['Noreply address', '\r'],
			['Add a random token', '\r'],
			['Where should the three test mails go?', '\r'],
			['Write these changes?', ''],
		], {name: 'file-backend'});
	});

	test('Esc goes back a step, answers kept', async () => {
		const {engine} = fakeEngine();
		const app = renderAt80(<App engine={engine} settings={settings} onExit={() => undefined} />);
		await answer(app, [
			['Which service', 'custom\r'],
			['SMTP server (EMAIL_HOST)', 'relay.example.com\r'],
			['Port and TLS mode for relay.example.com', keys.escape],
		]);
		await waitForFrame(app.lastFrame, frame => /SMTP server \(EMAIL_HOST\)\n.*\n\s+relay\.example\.com/.test(frame), {what: 'the host step with the typed host'});
		// Going back replaces the answered line: no "back to" trail.
		await answer(app, [['relay.example.com', keys.escape], ['Which service', '']]);
		assert.doesNotMatch(app.lastFrame() ?? '', /‹ Back/);
	});

	test('Ctrl-C during the test aborts it and exits 130', async () => {
		const fake = fakeEngine(hanging);
		let exitCode: number | undefined;
		const app = renderAt80(<App engine={fake.engine} settings={settings} onExit={code => (exitCode = code)} />);
		await answer(app, [
			['Which service', 'local\r'],
			// The local MTA's host, port and TLS are shown, and can be changed.
			['Port and TLS mode for localhost', '\r'],
			['Noreply address', '\r'],
			['Add a random token', '\r'],
			['Where should', '\r'],
			['Write these changes?', '\r'],
			['Esc stop the test', keys.ctrlC],
			// What was just written is untested: undoing it is offered, and that Zulip was not restarted is said.
			["Undo this run's changes?", ''],
		]);
		assert.match(app.lastFrame() ?? '', /Zulip was not restarted/);
		await until(() => fake.testSignal()?.aborted === true, 'the test to be aborted');
		await answer(app, [['Keep the new files and quit', `${keys.down}\r`]]);
		await until(() => exitCode !== undefined, 'exit');
		assert.equal(exitCode, 130);
		cleanupRendered();
		await until(() => fake.testSignal()?.aborted === true, 'the test to be aborted');
	});

	test('Ctrl-C at a question exits 130 and says nothing was written', async () => {
		const {engine, calls} = fakeEngine();
		let exitCode: number | undefined;
		const app = renderAt80(<App engine={engine} settings={settings} onExit={code => (exitCode = code)} />);
		await answer(app, [['Which service', keys.ctrlC], ['Cancelled. Nothing was written.', '']]);
		await until(() => exitCode !== undefined, 'exit');
		assert.equal(exitCode, 130);
		assert.deepEqual(calls, ['load']);
	});

	test('a permission problem is shown with its fix before any question', async () => {
		const {engine} = fakeEngine();
		const blocked: WizardEngine = {...engine, load: async () => ({loaded: fresh, problems: [{message: 'Cannot write /etc/zulip/settings.py.', fix: 'Run with sudo.'}]})};
		let exitCode: number | undefined;
		const app = renderAt80(<App engine={blocked} settings={settings} onExit={code => (exitCode = code)} />);
		const [frame] = await answer(app, [['Cannot write', '\r']], {name: 'permission-blocked'});
		assert.match(frame!, /Fix: Run with sudo\./);
		assert.ok(!frame!.includes('Which service'));
		await until(() => exitCode !== undefined, 'exit');
		assert.equal(exitCode, 3);
	});

	test('after a failed test, the edit-answer picker as expected at 80 columns', async () => {
		const refused: TestReport = {ok: false, diagnosis: {id: 'connection-refused', message: 'Nothing listens on port 25.', fix: 'Start the local MTA.'}, senders: [], durationMs: 1};
		const {engine} = fakeEngine(refused);
		const app = renderAt80(<App engine={engine} settings={settings} onExit={() => undefined} />);
		await answer(app, [
			['Which service', 'local\r'],
			['Port and TLS mode for localhost', '\r'],
			['Noreply address', '\r'],
			['Add a random token', '\r'],
			['Where should', '\r'],
			['Write these changes?', '\r'],
		]);
		await waitForText(app.lastFrame, 'Edit an answer…');
		// The cursor reaches "Edit an answer…" wherever it sits in the list (fixes come first).
		while (!/› Edit an answer…/.test(plain(app.lastFrame()))) {
			const before = plain(app.lastFrame());
			app.stdin.write(keys.down);
			await waitForFrame(app.lastFrame, frame => frame !== before, {what: 'the cursor to move'});
		}

		await answer(app, [['› Edit an answer…', '\r']]);
		const [picker] = await answer(app, [['Which answer do you want to change?', '']], {name: 'edit-answer-picker'});
		assert.match(picker!, /› Provider\n\s+From addresses/);
		await answer(app, [['Which answer do you want to change?', keys.escape], ['Edit an answer…', '']]);
	});

	test('a failed restart, its screen as expected at 80 columns', async () => {
		const {engine} = fakeEngine();
		let exitCode: number | undefined;
		const failing: WizardEngine = {
			...engine,
			async restart(onLine) {
				onLine("Must be run as user 'zulip'.");
				return {ok: false, exitCode: 1, command: 'restart-server', tail: ["Must be run as user 'zulip'."], confirmed: false};
			},
		};
		const app = renderAt80(<App engine={failing} settings={settings} onExit={code => (exitCode = code)} />);
		await answer(app, [
			['Which service', 'local\r'],
			['Port and TLS mode for localhost', '\r'],
			['Noreply address', '\r'],
			['Add a random token', '\r'],
			['Where should', '\r'],
			['Write these changes?', '\r'],
			['Restart Zulip so it reads the new settings?', '\r'],
		]);
		const [frame] = await answer(app, [['Try again', '']], {name: 'restart-failed'});
		assert.match(frame!, /The restart failed \(exit code 1\)/);
		assert.match(frame!, /Finish without restarting/);
		await answer(app, [['› Try again', `${keys.down}\r`]]);
		await until(() => exitCode !== undefined, 'exit');
		assert.notEqual(exitCode, 0);
	});

	test('a failed test offers its fix; one key rewrites and retests', async () => {
		const failing: TestReport = {
			ok: false,
			diagnosis: {id: 'connection-timeout', message: 'Nothing answered on port 587.', fix: 'Use port 465.'},
			senders: [],
			suggestion: {port: 465, security: 'ssl', reason: 'it completed the TLS handshake'},
			durationMs: 10,
		};
		const fake = fakeEngine(failing);
		let tests = 0;
		const engine: WizardEngine = {
			...fake.engine,
			async test(loaded, to, onEvent, signal) {
				tests++;
				return tests === 1 ? fake.engine.test(loaded, to, onEvent, signal) : {ok: true, senders: [], durationMs: 1};
			},
		};
		const app = renderAt80(<App engine={engine} settings={settings} onExit={() => undefined} />);
		const [result] = await answer(app, [
			['Which service', 'custom\r'],
			['SMTP server (EMAIL_HOST)', 'relay.example.com\r'],
			['Port and TLS mode', '\r'],
			['SMTP username', '\r'],
			['Noreply address', '\r'],
			['Add a random token', '\r'],
			['Where should', '\r'],
			['Write these changes?', '\r'],
		]).then(async () => answer(app, [['What now?', '\r']], {name: 'failed-test-fix'}));
		assert.match(result!, /✖ Nothing answered on port 587/);
		assert.match(result!, /Port 465 with SSL\/TLS answered: it completed the TLS handshake/);
		assert.match(result!, /Fix: Use port 465\./);
		assert.match(result!, /› Switch to port 465 with SSL\/TLS/);
		const [after] = await answer(app, [['Restart Zulip so it reads', '']]);
		assert.match(after!, /\+EMAIL_USE_SSL = True/);
		assert.equal(tests, 2);
	});
});
