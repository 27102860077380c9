import assert from 'node:assert/strict';
import {existsSync} from 'node:fs';
import {copyFile, mkdtemp, readFile, stat} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {describe, test} from 'node:test';
import {isDockerZulipCheckout} from '../source/docker/container.js';
import {COMPOSE_OVERRIDE_EXAMPLE, COMPOSE_YAML} from '../source/sandbox/docker-files.js';
import {runCli} from './helpers/cli.js';
import {bashEntrypointSettings, composeEnvironment, FIXTURES} from './helpers/docker-judge.js';
import {PtySession} from './helpers/pty.js';
import {pyExecSettings} from './helpers/python.js';

const bin = path.join(import.meta.dirname, '..', 'bin', 'zulip-email-setup.js');

describe('--sandbox --docker', () => {
	test('the sandbox\'s compose files are docker-zulip\'s published ones', async () => {
		assert.equal(COMPOSE_YAML, await readFile(path.join(FIXTURES, 'compose.yaml'), 'utf8'));
		assert.equal(COMPOSE_OVERRIDE_EXAMPLE, await readFile(path.join(FIXTURES, 'compose.override.yaml.example'), 'utf8'));
	});

	test('configures a throwaway docker-zulip directory, tests on this host through the relay, runs the stand-in restart', async () => {
		const dir = await mkdtemp(path.join(tmpdir(), 'sandbox-docker-'));
		const result = await runCli(['--sandbox', '--docker', '--non-interactive', '--json', '--sandbox-dir', dir]);
		assert.equal(result.code, 0, result.stderr);
		const report = JSON.parse(result.stdout) as {ok: boolean; files: Array<{path: string; written: boolean}>; restart: {ok: boolean; command: string}; sandbox: {received: unknown[]; diff: string; relay: {port: number; user: string}}};
		const compose = path.join(dir, 'docker-zulip');
		assert.deepEqual(report.files.map(file => [file.path, file.written]), [[path.join(compose, '.env'), true], [path.join(compose, 'compose.override.yaml'), true]]);
		// send_test_email's two mails and the one shaped as Zulip's own.
		assert.equal(report.sandbox.received.length, 3);
		assert.equal(report.restart.ok, true);
		assert.equal(report.restart.command, path.join(dir, 'fake-docker-compose-up'));
		assert.match(report.sandbox.diff, /^\+ {6}SETTING_EMAIL_HOST: "127\.0\.0\.1"$/m);
		assert.match(report.sandbox.diff, /^\+ZULIP__EMAIL_PASSWORD=\*{8} \(new\)$/m);
		assert.match(report.sandbox.diff, /^ ZULIP__SECRET_KEY=\(hidden\)$/m);
		// What the container would run with, by docker-zulip's own entrypoint.
		const environment = await composeEnvironment([await readFile(path.join(compose, 'compose.yaml'), 'utf8'), await readFile(path.join(compose, 'compose.override.yaml'), 'utf8')]);
		const settings = await pyExecSettings(await bashEntrypointSettings(environment, 'current'), ['EMAIL_HOST', 'EMAIL_PORT', 'EMAIL_HOST_USER', 'EMAIL_USE_TLS', 'EXTERNAL_HOST']);
		assert.deepEqual(settings, {EMAIL_HOST: '127.0.0.1', EMAIL_PORT: report.sandbox.relay.port, EMAIL_HOST_USER: report.sandbox.relay.user, EMAIL_USE_TLS: true, EXTERNAL_HOST: 'zulip.sandbox.test'});
		assert.equal((await stat(path.join(compose, '.env'))).mode & 0o777, 0o600);
	});

	test('--sandbox --docker DIR is refused: the sandbox never points at a real deployment', async () => {
		const result = await runCli(['--sandbox', '--docker', '/srv/docker-zulip', '--non-interactive']);
		assert.equal(result.code, 2);
		assert.match(result.stderr, /makes its own throwaway docker-zulip directory/);
	});
});

describe('a docker-zulip checkout found where the wizard starts', () => {
	test('recognised by its compose file, in either layout', async () => {
		const current = await mkdtemp(path.join(tmpdir(), 'checkout-'));
		assert.equal(isDockerZulipCheckout(current), false);
		await copyFile(path.join(FIXTURES, 'compose.yaml'), path.join(current, 'compose.yaml'));
		assert.equal(isDockerZulipCheckout(current), true);
		const legacy = await mkdtemp(path.join(tmpdir(), 'checkout-'));
		await copyFile(path.join(FIXTURES, 'docker-compose.yml'), path.join(legacy, 'docker-compose.yml'));
		assert.equal(isDockerZulipCheckout(legacy), true);
	});

	test('without /etc/zulip, the wizard offers the checkout; yes configures its compose files', {skip: existsSync('/etc/zulip/settings.py') ? 'this machine has a real /etc/zulip/settings.py' : false}, async () => {
		const dir = await mkdtemp(path.join(tmpdir(), 'checkout-'));
		await copyFile(path.join(FIXTURES, 'compose.yaml'), path.join(dir, 'compose.yaml'));
		await copyFile(path.join(FIXTURES, 'compose.override.yaml.example'), path.join(dir, 'compose.override.yaml'));
		const session = new PtySession(process.execPath, [bin], {cwd: dir, cols: 100, rows: 30});
		try {
			await session.waitFor('Configure this docker-zulip deployment? [Y/n]');
			session.write('\r');
			const shown = await session.waitFor(/Which service/);
			assert.match(shown.replace(/\s+/g, ' '), new RegExp(`Configured now \\(${path.join(dir, 'compose.override.yaml').replaceAll('/', '\\/').replaceAll('.', '\\.')} \\(docker-zulip\\)\\)`));
		} finally {
			session.pty.kill();
		}
	});

	test('--non-interactive without /etc/zulip in a checkout names --docker in the fix', async () => {
		const dir = await mkdtemp(path.join(tmpdir(), 'checkout-'));
		await copyFile(path.join(FIXTURES, 'compose.yaml'), path.join(dir, 'compose.yaml'));
		const result = await runCli(['--non-interactive', '--provider', 'local', '--settings', '/nonexistent/settings.py', '--secrets', '/nonexistent/zulip-secrets.conf', '--dry-run'], {cwd: dir});
		assert.equal(result.code, 3);
		// The program as it was started (here the source, through tsx), never a name PATH may not have.
		assert.match(result.stderr, new RegExp(`Fix: Run \\S+/source/cli\\.tsx --docker ${dir.replaceAll('/', '\\/')}`));
	});
});
