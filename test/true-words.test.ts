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
import {FLAGS} from '../source/args.js';
import {fakeServer, runCli} from './helpers/cli.js';
import {REPO} from './helpers/program.js';
import {PtySession} from './helpers/pty.js';

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

describe('--help fits the terminal', () => {
	const words = (text: string) => text.split(/\s+/).filter(Boolean);
	const check = (text: string, width: number) => {
		for (const line of text.split('\n')) {
			// Only a word wider than the whole line may be (the default restart command's path).
			if (line.length > width) assert.equal(words(line).length, 1, `"${line}" is wider than ${width}`);
			// A flag and its description: two spaces apart at least, or the description on the next line.
			const flag = /^ {2}(--[a-z-]+(?: [A-Z[\]:]+)?)(.*)$/.exec(line);
			if (flag?.[2]) assert.match(flag[2], /^ {2,}\S/, `the flag runs into its description: "${line}"`);
		}
	};

	test('not a terminal: 80 columns, a hanging indent under each description, no word broken', async () => {
		const result = await runCli(['--help']);
		assert.equal(result.code, 0);
		check(result.stdout, 80);
		// A description's second line hangs under its first.
		assert.match(result.stdout, /^ {2}--non-interactive {11}No prompts: every answer from flags; a missing one\n {30}exits 2 naming the flag\.$/m);
		for (const [name] of Object.entries(FLAGS)) assert.ok(result.stdout.includes(`--${name}`), name);
	});

	test('a 60-column terminal: every line fits 60, with the same words as at 80', async () => {
		const session = new PtySession(process.execPath, ['--import', 'tsx', 'source/cli.tsx', '--help'], {cwd: REPO, cols: 60, rows: 24, env: {NO_COLOR: '1'}});
		assert.equal(await session.exit(30_000), 0);
		const text = session.text.replaceAll('\r', '');
		check(text, 60);
		assert.deepEqual(words(text), words((await runCli(['--help'])).stdout));
	});
});

describe('a mistyped flag gets the flag it most likely meant', () => {
	test('--helm is the start of --helm-values, not a typo of --help', async () => {
		const result = await runCli(['--helm', 'values.yaml']);
		assert.equal(result.code, 2);
		assert.match(result.stderr, /Did you mean --helm-values\?/);
	});

	test('sandbox without its dashes suggests --sandbox', async () => {
		const result = await runCli(['sandbox']);
		assert.equal(result.code, 2);
		assert.match(result.stderr, /Unexpected argument "sandbox"[\s\S]*Did you mean --sandbox\?/);
	});
});

describe('the sandbox without a terminal', () => {
	test('piped (echo | zulip-email-setup --sandbox): the fix is the same command with --non-interactive, not a Mailgun example', async () => {
		const result = await runCli(['--sandbox', '--sandbox-dir', '/tmp/never created']);
		assert.equal(result.code, 2);
		assert.match(result.stderr, /--sandbox --sandbox-dir '\/tmp\/never created' --non-interactive/);
		assert.doesNotMatch(result.stderr, /mailgun/);
	});

	test('--non-interactive --json: the progress on stderr has no two blank lines in a row', async () => {
		const result = await runCli(['--sandbox', '--non-interactive', '--json']);
		assert.equal(result.code, 0, result.stderr);
		assert.match(result.stderr, /The sandbox is kept in/);
		assert.doesNotMatch(result.stderr, /\n\n\n/);
	});
});
