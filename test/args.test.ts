import assert from 'node:assert/strict';
import {mkdtempSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {Readable} from 'node:stream';
import {test} from 'node:test';
import {FLAGS, helpText, parseOptions} from '../source/args.js';
import {UsageError} from '../source/engine/errors.js';
import {readPasswordSource} from '../source/engine/password-input.js';

test('flags parse into options', () => {
	const options = parseOptions(['--non-interactive', '--provider', 'mailgun', '--port', '2525', '--no-tokens', '--username=', '--json']);
	assert.equal(options['non-interactive'], true);
	assert.equal(options.provider, 'mailgun');
	assert.equal(options.port, '2525');
	assert.equal(options['no-tokens'], true);
	assert.equal(options.username, '');
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
	writeFileSync(file, ' spaced pass% #;"\nsecond line\n');
	assert.equal(await readPasswordSource({passwordFile: file}, {}), ' spaced pass% #;"');
	assert.equal(await readPasswordSource({passwordStdin: true}, {}, Readable.from(['from-stdin\r\n'])), 'from-stdin');
	assert.equal(await readPasswordSource({}, {ZULIP_EMAIL_PASSWORD: 'from-env'}), 'from-env');
	assert.equal(await readPasswordSource({}, {}), undefined);
	await assert.rejects(readPasswordSource({passwordFile: file}, {ZULIP_EMAIL_PASSWORD: 'x'}), UsageError);
	await assert.rejects(readPasswordSource({passwordFile: join(dir, 'missing')}, {}), UsageError);
});
