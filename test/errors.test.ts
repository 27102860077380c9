import assert from 'node:assert/strict';
import {Writable} from 'node:stream';
import {test} from 'node:test';
import {parseOptions} from '../source/args.js';
import {BugError, ConfigError, DEBUG_ENV, describeError, errorText, ExitCode, UsageError} from '../source/engine/errors.js';
import {runNonInteractive} from '../source/non-interactive.js';
import {flowReducer, initialFlowState, toProblem} from '../source/ui/flow.js';
import {fakeServer} from './helpers/cli.js';

/*
 * Two kinds of error: the admin's problem (a fix to apply, exit 2/3/...) and
 * our bug (exit 70, and a way to see the stack). One function, describeError,
 * words both for the CLI, the JSON report and the wizard.
 */

function sink(): {stream: Writable; text: () => string} {
	let text = '';
	const stream = new Writable({
		write(chunk, _encoding, done) {
			text += String(chunk);
			done();
		},
	});
	return {stream, text: () => text};
}

test('the admin\'s problems keep their exit codes; a programming error is a bug, exit 70', () => {
	assert.deepEqual(describeError(new UsageError('Bad flag.', 'Pass another.')), {id: 'usage', message: 'Bad flag.', fix: 'Pass another.', exitCode: ExitCode.usage});
	assert.equal(describeError(new ConfigError('Unreadable.')).exitCode, ExitCode.config);
	// An unnamed failure (a library's, a read's) still means the configuration could not be read or written.
	assert.deepEqual(describeError(Object.assign(new Error('EACCES: permission denied'), {code: 'EACCES'}), {}), {id: 'internal', message: 'EACCES: permission denied', exitCode: ExitCode.config});
	for (const error of [new TypeError('x is not a function'), new RangeError('Invalid array length'), new ReferenceError('y is not defined'), new BugError('a compose configuration given to the host target')]) {
		const described = describeError(error, {});
		assert.equal(described.exitCode, 70, error.name);
		assert.equal(described.id, 'bug');
		assert.match(described.fix ?? '', new RegExp(`${DEBUG_ENV}=1`));
		assert.equal(described.stack, undefined, 'no stack unless asked for');
	}

	assert.equal(describeError(new TypeError('boom'), {}).message, 'Internal error: boom');
});

test('with the debug variable, a bug carries its stack; the admin\'s problems never do', () => {
	const bug = describeError(new TypeError('boom'), {[DEBUG_ENV]: '1'});
	assert.match(bug.stack ?? '', /TypeError: boom\n\s+at /);
	assert.match(errorText(bug), /^Error: Internal error: boom\nFix: .*\nTypeError: boom\n\s+at /);
	assert.equal(describeError(new UsageError('Bad flag.'), {[DEBUG_ENV]: '1'}).stack, undefined);
});

test('--non-interactive: a crash inside the run is exit 70 with the hint, not "configuration unreadable"', async () => {
	const stdout = sink();
	const stderr = sink();
	const server = await fakeServer();
	// A stdin that is no stream reaches the password reader, which throws a TypeError: our bug, whatever the files say.
	const options = parseOptions(['--non-interactive', '--provider', 'mailgun', '--username', 'u@mg.example.org', '--password-stdin', '--json', '--dry-run']);
	const code = await runNonInteractive(options, {paths: server, stdin: {} as NodeJS.ReadableStream, stdout: stdout.stream, stderr: stderr.stream});
	assert.equal(code, 70);
	const report = JSON.parse(stdout.text());
	assert.equal(report.exitCode, 70);
	assert.equal(report.error.id, 'bug');
	assert.match(report.error.fix, new RegExp(`${DEBUG_ENV}=1`));
	assert.equal(stderr.text(), '', 'no stack unless asked for');
});

test('the wizard: a bug ends it with 70, the hint printed for good', () => {
	let state = flowReducer(initialFlowState({initial: {}, restartCommand: 'true'}), {type: 'load-failed', problem: toProblem(new TypeError('boom'))});
	state = flowReducer(state, {type: 'dismiss'});
	assert.equal(state.exitCode, 70);
	const last = state.log.at(-1);
	assert.equal(last?.text, 'Internal error: boom');
	assert.match(last?.block?.join('\n') ?? '', new RegExp(`${DEBUG_ENV}=1`));
	// The admin's problem still ends it with 3.
	const unreadable = flowReducer(flowReducer(initialFlowState({initial: {}, restartCommand: 'true'}), {type: 'load-failed', problem: toProblem(new ConfigError('settings.py does not parse.'))}), {type: 'dismiss'});
	assert.equal(unreadable.exitCode, 3);
});
