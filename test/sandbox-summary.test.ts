import assert from 'node:assert/strict';
import {test} from 'node:test';
import {fitToTerminal} from '../source/sandbox/run-sandbox.js';
import {receivedLines} from '../source/sandbox/summary.js';

const mail = {
	envelopeFrom: 'noreply-4ap7hfzvzhtf22lg24mqac3x@zulip.sandbox.test',
	to: ['admin@zulip.sandbox.test'],
	from: 'noreply-4ap7hfzvzhtf22lg24mqac3x@zulip.sandbox.test',
	subject: 'Zulip noreply email test',
};

test('the summary after the wizard wraps under its text on a terminal, never at column 0', async () => {
	const lines = [...receivedLines([mail as never]), 'The sandbox files changed as the review above showed (password masked there too).'];
	const fitted = await fitToTerminal(lines, {columns: 80} as never);
	assert.deepEqual(fitted, [
		'Mail received by the sandbox relay (1):',
		'  1. envelope from noreply-4ap7hfzvzhtf22lg24mqac3x@zulip.sandbox.test to',
		'     admin@zulip.sandbox.test',
		'     From: noreply-4ap7hfzvzhtf22lg24mqac3x@zulip.sandbox.test',
		'     Subject: Zulip noreply email test',
		'The sandbox files changed as the review above showed (password masked there',
		'too).',
	]);
});

test('output that is not a terminal is left as it is, for logs and pipes', async () => {
	const lines = receivedLines([mail as never]);
	assert.deepEqual(await fitToTerminal(lines, {} as never), lines);
});

test('the provider list names the sandbox relay without any part of its password', async () => {
	const {providerChoices} = await import('../source/ui/flow-start.js');
	const password = 'Sx9-throwaway-relay-pass';
	const [first] = providerChoices({sandbox: {host: '127.0.0.1', port: 2525, security: 'starttls', username: 'sandbox-user', password}} as never);
	assert.equal(first?.id, 'sandbox');
	assert.match(first?.summary ?? '', /127.0.0.1:2525 STARTTLS, user sandbox-user, prefilled$/);
	// A truncated list row would show the start of the password: none of it is there to cut.
	assert.ok(!(first?.summary ?? '').includes(password.slice(0, 3)), first?.summary);
});
