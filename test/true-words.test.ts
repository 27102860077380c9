import assert from 'node:assert/strict';
import {mkdtemp, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {describe, test} from 'node:test';
import {runCli} from './helpers/cli.js';

/*
 * Issue 22: every word true in every mode. The texts here are read as the
 * admin reads them: from a real run of the program (the sandbox's relay and
 * files), never from the function that builds them.
 */

async function wrongPasswordFile(): Promise<string> {
	const dir = await mkdtemp(path.join(tmpdir(), 'zes-words-'));
	const file = path.join(dir, 'password');
	await writeFile(file, 'not-the-relay-password\n', {mode: 0o600});
	return file;
}

const sandboxDirOf = (output: string) => /The sandbox is kept in (\S+) \(/.exec(output)?.[1];

describe('a refused login names the file that holds each credential', () => {
	test('on /etc/zulip\'s layout: EMAIL_HOST_USER in settings.py, email_password in zulip-secrets.conf', async () => {
		const result = await runCli(['--sandbox', '--non-interactive', '--password-file', await wrongPasswordFile()]);
		assert.equal(result.code, 1, result.stderr);
		const output = result.stdout + result.stderr;
		const dir = sandboxDirOf(output);
		assert.ok(dir, output);
		const fix = /Fix: (Check EMAIL_HOST_USER[^\n]*)/.exec(output)?.[1];
		assert.ok(fix, output);
		assert.ok(fix.includes(`EMAIL_HOST_USER (--username) in ${path.join(dir, 'settings.py')} and email_password in ${path.join(dir, 'zulip-secrets.conf')}`), fix);
	});

	test('in Compose: the override file and the secret\'s file, never settings.py', async () => {
		const result = await runCli(['--sandbox', '--docker', '--non-interactive', '--password-file', await wrongPasswordFile()]);
		assert.equal(result.code, 1, result.stderr);
		const output = result.stdout + result.stderr;
		const fix = /Fix: (Check EMAIL_HOST_USER[^\n]*)/.exec(output)?.[1];
		assert.ok(fix, output);
		assert.match(fix, /EMAIL_HOST_USER \(--username\) in \S+\/compose\.override\.yaml and email_password in \S+\/\.env /);
		assert.doesNotMatch(fix, /settings\.py|zulip-secrets\.conf/);
	});
});
