import assert from 'node:assert/strict';
import {mkdtempSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {Readable} from 'node:stream';
import {test} from 'node:test';
import {FLAGS, getContext, givenAnswers, helpText, parseOptions} from '../source/args.js';
import {UsageError} from '../source/engine/errors.js';
import {readPasswordSource} from '../source/engine/password-input.js';

test('flags parse into options', () => {
	const options = parseOptions(['--non-interactive', '--provider', 'mailgun', '--port', '2525', '--no-tokens', '--username=', '--json']);
	assert.equal(options['non-interactive'], true);
	assert.equal(options.provider, 'mailgun');
	assert.equal(options.port, 2525);
	assert.equal(options['no-tokens'], true);
	assert.equal(options.username, '');
});

test('flags that carry a value of a kind are checked and typed once, with the flag named', () => {
	const options = parseOptions(['--provider', 'ses', '--port', ' 465 ', '--security', 'ssl', '--timeout', '2.5']);
	assert.equal(options.provider, 'ses');
	assert.equal(options.port, 465);
	assert.equal(options.security, 'ssl');
	assert.equal(options.timeout, 2500, 'seconds on the command line, milliseconds for the engine');
	const cases: Array<[string[], RegExp]> = [
		[['--provider', 'pigeon'], /^Unknown --provider "pigeon"/],
		[['--port', '0'], /^--port must be a whole number/],
		[['--port', '25x'], /^--port must be a whole number/],
		[['--security', 'tls'], /^--security must be starttls, ssl or none/],
		[['--timeout', '0'], /^--timeout must be a number of seconds/],
		[['--timeout', '601'], /^--timeout must be a number of seconds/],
		[['--timeout', 'soon'], /^--timeout must be a number of seconds/],
	];
	for (const [argv, message] of cases) {
		assert.throws(() => parseOptions(argv), (error: unknown) => error instanceof UsageError && message.test(error.message), argv.join(' '));
	}
});

test('the context: paths, and whether the run may prompt', () => {
	assert.deepEqual(getContext([]).paths, {settings: '/etc/zulip/settings.py', secrets: '/etc/zulip/zulip-secrets.conf', deployment: '/home/zulip/deployments/current'});
	assert.deepEqual(getContext(['--settings', '/tmp/s.py', '--secrets', '/tmp/z.conf', '--deployment', '/srv/zulip']).paths, {settings: '/tmp/s.py', secrets: '/tmp/z.conf', deployment: '/srv/zulip'});
	assert.equal(getContext([]).nonInteractive, false);
	for (const flag of ['--non-interactive', '--check', '--check-dns', '--dry-run', '--json']) assert.equal(getContext([flag]).nonInteractive, true, flag);
});

test('given answers: what the flags say, nothing more', () => {
	assert.deepEqual(givenAnswers(parseOptions(['--provider', 'custom', '--host', 'relay.example.com', '--port', '2525', '--username', '', '--no-tokens', '--noreply', 'n@example.com', '--file-path', '/x', '--to', 't@example.com', '--region', 'r'])), {
		providerId: 'custom', region: 'r', host: 'relay.example.com', port: 2525, security: undefined, username: '', noreplyAddress: 'n@example.com', tokens: false, tokenizedNoreply: undefined, filePath: '/x', to: 't@example.com',
	});
	assert.equal(givenAnswers(parseOptions(['--tokens'])).tokens, true);
	// A tokenized address means tokens on; with --no-tokens it is a contradiction.
	assert.deepEqual(givenAnswers(parseOptions(['--tokenized-noreply', 'noreply-{token}@mg.example.org'])), {...givenAnswers(parseOptions([])), tokens: true, tokenizedNoreply: 'noreply-{token}@mg.example.org'});
	assert.throws(() => parseOptions(['--tokenized-noreply', 'noreply-{token}@mg.example.org', '--no-tokens']), /contradict/);
	assert.equal(givenAnswers(parseOptions([])).tokens, undefined);
});

test('a password on the command line is refused, pointing at the safe ways', () => {
	for (const argv of [['--password', 'hunter2'], ['--password=hunter2']]) {
		assert.throws(() => parseOptions(argv), (error: unknown) => {
			assert.ok(error instanceof UsageError);
			assert.equal(error.exitCode, 2);
			assert.match(error.message, /never taken from the command line/);
			assert.match(error.fix!, /--password-file/);
			assert.doesNotMatch(error.message + error.fix, /hunter2/);
			return true;
		});
	}
});

test('unknown flags, stray words and contradictions exit 2', () => {
	for (const argv of [['--provder', 'x'], ['mailgun'], ['--tokens', '--no-tokens'], ['--restart', '--no-restart'], ['--port']]) {
		assert.throws(() => parseOptions(argv), UsageError, argv.join(' '));
	}
});

test('help lists every flag', () => {
	const help = helpText('1.2.3');
	for (const name of Object.keys(FLAGS)) assert.ok(help.includes(`--${name}`), name);
});

test('the password comes from exactly one of file, stdin or environment', async () => {
	const dir = mkdtempSync(join(tmpdir(), 'pw-'));
	const file = join(dir, 'pw');
	writeFileSync(file, ' spaced pass% #;"\n');
	assert.equal(await readPasswordSource({passwordFile: file}, {}), ' spaced pass% #;"');
	assert.equal(await readPasswordSource({passwordStdin: true}, {}, Readable.from(['from-stdin\r\n'])), 'from-stdin');
	assert.equal(await readPasswordSource({}, {ZULIP_EMAIL_PASSWORD: 'from-env'}), 'from-env');
	assert.equal(await readPasswordSource({}, {}), undefined);
	await assert.rejects(readPasswordSource({passwordFile: file}, {ZULIP_EMAIL_PASSWORD: 'x'}), UsageError);
	await assert.rejects(readPasswordSource({passwordFile: join(dir, 'missing')}, {}), UsageError);
});

test('a password source with a second non-empty line or a BOM is refused, not cut; a tab inside is the password\'s own', async () => {
	const dir = mkdtempSync(join(tmpdir(), 'pw-'));
	const twoLines = join(dir, 'two-lines');
	writeFileSync(twoLines, 'first-line\nsecond-line\n');
	await assert.rejects(readPasswordSource({passwordFile: twoLines}, {}), (error: unknown) => error instanceof UsageError && /has 2 non-empty lines/.test(error.message) && !error.message.includes('first-line'));
	await assert.rejects(readPasswordSource({passwordStdin: true}, {}, Readable.from(['one\r\n', 'two\n'])), /has 2 non-empty lines/);
	const bom = join(dir, 'bom');
	writeFileSync(bom, '\uFEFFpassword\n');
	await assert.rejects(readPasswordSource({passwordFile: bom}, {}), /byte order mark/);
	const tab = join(dir, 'tab');
	writeFileSync(tab, 'tab\tinside\n\n');
	assert.equal(await readPasswordSource({passwordFile: tab}, {}), 'tab\tinside');
	assert.equal(await readPasswordSource({passwordStdin: true}, {}, Readable.from(['tab\tinside'])), 'tab\tinside');
});
