import assert from 'node:assert/strict';
import {copyFile, mkdtemp, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {describe, test} from 'node:test';
import {checkCommand, programAsInvoked, rerunModeOf} from '../source/engine/rerun-command.js';
import {helmTarget} from '../source/docker/helm-target.js';
import {modeFileWords} from '../source/engine/file-words.js';
import {hostTarget} from '../source/engine/targets.js';
import {FIXTURES} from './helpers/docker-judge.js';
import {fakeServer, runCli} from './helpers/cli.js';

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

describe('"Next steps" gives the exact rerun of the mode in use, with the program as it was started', () => {
	const base = {argv0: 'node', execPath: '/usr/bin/node', cwd: '/home/admin/zulip-email-setup', pathVariable: '/usr/local/bin:/usr/bin', sudo: false};

	test('the npm build run from its checkout, and a single executable by the path typed', () => {
		const fromCheckout = {...base, script: '/home/admin/zulip-email-setup/bin/zulip-email-setup.js'};
		assert.equal(programAsInvoked(fromCheckout), './bin/zulip-email-setup.js');
		const single = {...base, argv0: './zulip-email-setup-linux-x64', execPath: '/root/zulip-email-setup-linux-x64', script: '/root/zulip-email-setup-linux-x64', cwd: '/root'};
		assert.equal(programAsInvoked(single), './zulip-email-setup-linux-x64');
		assert.equal(programAsInvoked({...single, cwd: '/tmp'}), '/root/zulip-email-setup-linux-x64');
		assert.equal(programAsInvoked({...single, argv0: 'zulip-email-setup-linux-x64'}), 'zulip-email-setup-linux-x64');
	});

	test('found on PATH as this very file: its name', async () => {
		const dir = await mkdtemp(path.join(tmpdir(), 'zes-words-path-'));
		const file = path.join(dir, 'zulip-email-setup');
		await writeFile(file, '#!/bin/sh\n', {mode: 0o755});
		assert.equal(programAsInvoked({...base, script: file, pathVariable: `/usr/bin:${dir}`}), 'zulip-email-setup');
		// Another file by that name on PATH: the path, since the name would start that one.
		assert.equal(programAsInvoked({...base, script: file, pathVariable: '/usr/bin'}), file);
	});

	test('each mode names its files: /etc/zulip, --settings/--secrets, Compose, Helm, the sandbox', () => {
		const invocation = {...base, script: '/home/admin/zulip-email-setup/bin/zulip-email-setup.js'};
		assert.equal(checkCommand(rerunModeOf({}), {...invocation, sudo: true}), 'sudo ./bin/zulip-email-setup.js --check');
		assert.equal(checkCommand(rerunModeOf({settings: 'conf/settings.py', secrets: '/srv/z s.conf'}), invocation), './bin/zulip-email-setup.js --settings /home/admin/zulip-email-setup/conf/settings.py --secrets \'/srv/z s.conf\' --check');
		assert.equal(checkCommand(rerunModeOf({docker: '/srv/docker-zulip'}), invocation), './bin/zulip-email-setup.js --docker /srv/docker-zulip --check');
		assert.equal(checkCommand(rerunModeOf({'helm-values': 'values.yaml'}), invocation), './bin/zulip-email-setup.js --helm-values /home/admin/zulip-email-setup/values.yaml --check');
		assert.equal(checkCommand(rerunModeOf({sandbox: true}, '/tmp/zulip-email-setup-sandbox-x'), invocation), './bin/zulip-email-setup.js --sandbox --sandbox-dir /tmp/zulip-email-setup-sandbox-x --check');
		assert.equal(checkCommand(rerunModeOf({sandbox: true, docker: ''}, '/tmp/s'), invocation), './bin/zulip-email-setup.js --sandbox --docker --sandbox-dir /tmp/s --check');
	});
});

describe('the files of the mode in use, in words', () => {
	test('Helm: the values file and the Secret manifest; the host: settings.py and zulip-secrets.conf', async () => {
		const dir = await mkdtemp(path.join(tmpdir(), 'zes-words-helm-'));
		const values = path.join(dir, 'values-local.yaml');
		await copyFile(path.join(FIXTURES, 'helm-values.yaml'), values);
		const loaded = await helmTarget(values).load({});
		assert.deepEqual(modeFileWords(loaded), {settings: 'values-local.yaml', secrets: 'the Kubernetes Secret in zulip-email-secret.yaml'});
		const server = await fakeServer();
		assert.deepEqual(modeFileWords(await hostTarget(server).load({})), {settings: 'settings.py', secrets: 'zulip-secrets.conf'});
	});
});
