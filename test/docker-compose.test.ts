import assert from 'node:assert/strict';
import {copyFile, mkdir, mkdtemp, readFile, stat, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {describe, test} from 'node:test';
import {envValues, parseEnvFile} from '../source/docker/compose-env.js';
import type {ComposeConfig} from '../source/docker/compose-project.js';
import {composeTarget, planCompose} from '../source/docker/compose-target.js';
import {acquireRunLock} from '../source/engine/run-lock.js';
import {targetFromFlags} from '../source/engine/targets.js';
import {containerError, dockerZulipContainer} from '../source/docker/container.js';
import {answersForProvider, type Answers} from '../source/engine/answers.js';
import {applyPlan} from '../source/engine/apply.js';
import {FILE_BACKEND, type LoadedConfig} from '../source/engine/current-config.js';
import {ConfigError} from '../source/engine/errors.js';
import {bashCatSecret, bashEntrypointSettings, composeEnvironment, FIXTURES, pySecretAfterEntrypoint, pyYaml} from './helpers/docker-judge.js';
import {runCli} from './helpers/cli.js';
import {pyExecSettings} from './helpers/python.js';
import {startSmtpServer} from './helpers/smtp-servers.js';

const NAMES = ['EMAIL_HOST', 'EMAIL_HOST_USER', 'EMAIL_PORT', 'EMAIL_USE_TLS', 'EMAIL_USE_SSL', 'EMAIL_BACKEND', 'EMAIL_FILE_PATH', 'NOREPLY_EMAIL_ADDRESS', 'ADD_TOKENS_TO_NOREPLY_ADDRESS', 'EXTERNAL_HOST'];
const PASSWORD = `p#ss w'rd "q" $HOME \${X} \\ é`;
/** Python's smtplib logs in with ASCII only: the live test's password. */
const ASCII_PASSWORD = PASSWORD.replace('é', 'e');
const OTHER_SECRETS = 'ZULIP__POSTGRES_PASSWORD=pg-secret-1\nZULIP__SECRET_KEY="k#y-secret-2"\n';

/** A docker-zulip checkout as an admin sets it up: the published compose.yaml and the example override. */
async function checkout(options: {override?: string | null; env?: string; legacy?: boolean} = {}): Promise<string> {
	const dir = await mkdtemp(path.join(tmpdir(), 'docker-zulip-'));
	if (options.legacy) {
		await copyFile(path.join(FIXTURES, 'docker-compose.yml'), path.join(dir, 'docker-compose.yml'));
		return dir;
	}

	await copyFile(path.join(FIXTURES, 'compose.yaml'), path.join(dir, 'compose.yaml'));
	const override = options.override === undefined ? await readFile(path.join(FIXTURES, 'compose.override.yaml.example'), 'utf8') : options.override;
	if (override !== null) await writeFile(path.join(dir, 'compose.override.yaml'), override);
	await writeFile(path.join(dir, '.env'), options.env ?? OTHER_SECRETS, {mode: 0o644});
	return dir;
}

async function configure(dir: string, answers: (loaded: LoadedConfig) => Answers) {
	const target = composeTarget(dir);
	const loaded = await target.load({});
	const plan = await target.plan(loaded, answers(loaded));
	const applied = await applyPlan(plan);
	return {plan, applied, after: await target.load({})};
}

const mailgun = (loaded: LoadedConfig): Answers => ({...answersForProvider(loaded, 'mailgun'), username: 'postmaster@mg.example.org', password: {kind: 'new', value: PASSWORD}});

/** What Zulip in the container reads: Compose's merge (PyYAML), the real entrypoint (bash), Python. */
async function containerReads(dir: string, files = ['compose.yaml', 'compose.override.yaml'], flavor: 'current' | 'legacy' = 'current') {
	const texts = await Promise.all(files.map(file => readFile(path.join(dir, file), 'utf8')));
	const environment = await composeEnvironment(texts);
	const settings = await pyExecSettings(await bashEntrypointSettings(environment, flavor), NAMES);
	return {environment, settings};
}

/** Lines of `before` missing from `after`, and lines of `after` missing from `before`, in order (files are edited line by line). */
function changedLines(before: string, after: string): {removed: string[]; added: string[]} {
	const a = before.split('\n');
	const b = after.split('\n');
	let start = 0;
	while (start < a.length && a[start] === b[start]) start++;
	let endA = a.length;
	let endB = b.length;
	while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
		endA--;
		endB--;
	}

	return {removed: a.slice(start, endA), added: b.slice(start, endB)};
}

describe('Compose, current layout (compose.yaml + compose.override.yaml)', () => {
	test('first setup fills the example\'s commented lines in place; the container reads exactly the answers', async () => {
		const dir = await checkout();
		const composeBefore = await readFile(path.join(dir, 'compose.yaml'), 'utf8');
		const overrideBefore = await readFile(path.join(dir, 'compose.override.yaml'), 'utf8');
		const envBefore = await readFile(path.join(dir, '.env'), 'utf8');
		const {plan, applied, after} = await configure(dir, mailgun);
		// Each file written was first copied aside, byte for byte.
		const backups = Object.fromEntries(applied.files.map(file => [path.basename(file.path), file.backup]));
		assert.equal(await readFile(backups['compose.override.yaml']!, 'utf8'), overrideBefore);
		assert.equal(await readFile(backups['.env']!, 'utf8'), envBefore);

		const overrideAfter = await readFile(path.join(dir, 'compose.override.yaml'), 'utf8');
		assert.equal(await readFile(path.join(dir, 'compose.yaml'), 'utf8'), composeBefore, 'compose.yaml is never touched');
		const {removed, added} = changedLines(overrideBefore, overrideAfter);
		assert.deepEqual(removed, [
			'      # SETTING_EMAIL_HOST: "smtp.example.com"',
			'      # SETTING_EMAIL_HOST_USER: "noreply@example.com"',
			'      # SETTING_EMAIL_PORT: "587"',
			'      # SETTING_EMAIL_USE_SSL: False',
			'      # SETTING_EMAIL_USE_TLS: True',
		]);
		assert.deepEqual(added, [
			'      SETTING_EMAIL_HOST: "smtp.mailgun.org"',
			'      SETTING_EMAIL_HOST_USER: "postmaster@mg.example.org"',
			'      SETTING_EMAIL_PORT: "587"',
			'      SETTING_EMAIL_USE_SSL: "False"',
			'      SETTING_EMAIL_USE_TLS: "True"',
		]);

		const {settings} = await containerReads(dir);
		assert.equal(settings.EMAIL_HOST, 'smtp.mailgun.org');
		assert.equal(settings.EMAIL_PORT, 587);
		assert.equal(settings.EMAIL_USE_TLS, true);
		assert.equal(settings.EMAIL_USE_SSL, false);
		assert.equal(settings.EMAIL_HOST_USER, 'postmaster@mg.example.org');
		assert.equal(settings.EXTERNAL_HOST, 'zulip.example.com');

		// The password: in .env (0600) for the secret's environment source, as Compose reads it, then as Zulip does.
		const envText = await readFile(path.join(dir, '.env'), 'utf8');
		assert.equal(envValues(parseEnvFile(envText, name => ({HOME: '/root', X: 'x'})[name])).get('ZULIP__EMAIL_PASSWORD'), PASSWORD);
		assert.equal(await pySecretAfterEntrypoint(PASSWORD), PASSWORD);
		assert.ok(envText.startsWith(OTHER_SECRETS), 'the other secrets stay as they were');
		assert.equal((await stat(path.join(dir, '.env'))).mode & 0o777, 0o600);
		assert.ok(!overrideAfter.includes(PASSWORD) && !plan.files.some(file => file.diff.includes(PASSWORD)), 'the password is never in a compose file or a diff');
		assert.ok(!plan.files.some(file => /pg-secret-1|k#y-secret-2/.test(file.diff)), 'nor are the other secrets of .env');

		// Read back as the tool does: the same values, the same password.
		assert.equal(after.current.host, 'smtp.mailgun.org');
		assert.equal(after.current.security, 'starttls');
		assert.equal(after.password, PASSWORD);
		assert.equal(after.where, `${path.join(dir, 'compose.override.yaml')} (docker-zulip)`);
	});

	test('running again with the same answers writes nothing', async () => {
		const dir = await checkout();
		const first = await configure(dir, mailgun);
		const target = composeTarget(dir);
		const plan = await target.plan(first.after, {...mailgun(first.after), password: {kind: 'keep'}});
		assert.equal(plan.changed, false);
	});

	test('switching from SSL to STARTTLS leaves no stale key that could win', async () => {
		const dir = await checkout();
		await configure(dir, loaded => ({...mailgun(loaded), port: 465, security: 'ssl'}));
		let {settings} = await containerReads(dir);
		assert.deepEqual([settings.EMAIL_PORT, settings.EMAIL_USE_SSL, settings.EMAIL_USE_TLS], [465, true, false]);
		await configure(dir, loaded => ({...mailgun(loaded), port: 587, security: 'starttls'}));
		({settings} = await containerReads(dir));
		assert.deepEqual([settings.EMAIL_PORT, settings.EMAIL_USE_SSL, settings.EMAIL_USE_TLS], [587, false, true]);
		const override = await readFile(path.join(dir, 'compose.override.yaml'), 'utf8');
		assert.equal(override.match(/SETTING_EMAIL_USE_SSL/g)?.length, 1);
	});

	test('choosing the file backend removes the SMTP keys and empties the password', async () => {
		const dir = await checkout();
		await configure(dir, mailgun);
		const {after} = await configure(dir, loaded => answersForProvider(loaded, 'file'));
		const {environment, settings} = await containerReads(dir);
		assert.deepEqual(Object.keys(environment).filter(name => /^SETTING_EMAIL_(HOST|HOST_USER|PORT|USE_SSL|USE_TLS)$/.test(name)), []);
		assert.equal(settings.EMAIL_BACKEND, FILE_BACKEND);
		assert.equal(settings.EMAIL_FILE_PATH, '/var/log/zulip/emails');
		assert.equal(settings.EMAIL_HOST, undefined);
		assert.equal(envValues(parseEnvFile(await readFile(path.join(dir, '.env'), 'utf8'))).get('ZULIP__EMAIL_PASSWORD'), '');
		assert.equal(after.current.backend, 'file');
		assert.ok(after.password === '' || after.password === undefined);
	});

	test('a relay without a login on a fresh checkout adds no password anywhere', async () => {
		// Not "the local mail server": inside docker-zulip localhost:25 is Zulip's inbound gateway (test/docker-facts.test.ts).
		const dir = await checkout({override: null, env: ''});
		const {plan, after} = await configure(dir, loaded => ({...answersForProvider(loaded, 'custom'), host: 'relay.internal.example', port: 25, security: 'starttls', username: '', password: {kind: 'none'}}));
		assert.deepEqual(plan.files.filter(file => file.changed).map(file => path.basename(file.path)), ['compose.override.yaml']);
		assert.equal(await readFile(path.join(dir, '.env'), 'utf8'), '');
		assert.equal(after.current.host, 'relay.internal.example');
		assert.equal(after.current.user, '');
	});

	test('a file: secret gets the password, 0600, without a trailing newline', async () => {
		const example = await readFile(path.join(FIXTURES, 'compose.override.yaml.example'), 'utf8');
		const dir = await checkout({override: example.replace('    environment: "ZULIP__EMAIL_PASSWORD"', '    file: ./secrets/email_password')});
		await mkdir(path.join(dir, 'secrets'));
		const {after} = await configure(dir, mailgun);
		const file = path.join(dir, 'secrets', 'email_password');
		assert.equal(await readFile(file, 'utf8'), PASSWORD);
		assert.equal(await bashCatSecret(file), PASSWORD);
		assert.equal((await stat(file)).mode & 0o777, 0o600);
		assert.equal(await readFile(path.join(dir, '.env'), 'utf8'), OTHER_SECRETS, '.env untouched');
		assert.equal(after.password, PASSWORD);
	});

	test('without compose.override.yaml, a minimal one is created and read back by Compose\'s rules', async () => {
		const dir = await checkout({override: null, env: ''});
		const {after} = await configure(dir, mailgun);
		const created = await readFile(path.join(dir, 'compose.override.yaml'), 'utf8');
		const parsed = await pyYaml(created) as {secrets: Record<string, unknown>; services: {zulip: {environment: Record<string, string>}}};
		assert.deepEqual(parsed.secrets, {zulip__email_password: {environment: 'ZULIP__EMAIL_PASSWORD'}});
		assert.equal(parsed.services.zulip.environment.SETTING_EMAIL_HOST, 'smtp.mailgun.org');
		assert.equal(after.password, PASSWORD);
		assert.equal((await stat(path.join(dir, '.env'))).mode & 0o777, 0o600);
	});

	test('MANUAL_CONFIGURATION: the environment is ignored by docker-zulip, so the tool refuses and says where to look', async () => {
		const example = await readFile(path.join(FIXTURES, 'compose.override.yaml.example'), 'utf8');
		const dir = await checkout({override: example.replace('      SETTING_EXTERNAL_HOST:', '      MANUAL_CONFIGURATION: "True"\n      SETTING_EXTERNAL_HOST:')});
		await assert.rejects(composeTarget(dir).load({}), (error: unknown) => error instanceof ConfigError && error.id === 'docker-manual-configuration');
	});

	test('an answer the entrypoint cannot carry is refused before anything is written', async () => {
		const dir = await checkout();
		const target = composeTarget(dir);
		const loaded = await target.load({});
		await assert.rejects(target.plan(loaded, {...mailgun(loaded), username: '123456'}), /as a number/);
	});
});

describe('Compose, legacy layout (docker-compose.yml, before docker-zulip 12)', () => {
	test('SETTING_EMAIL_* and SECRETS_email_password are edited in place; the legacy entrypoint reads the answers', async () => {
		const dir = await checkout({legacy: true});
		const file = path.join(dir, 'docker-compose.yml');
		const before = await readFile(file, 'utf8');
		const {plan, after} = await configure(dir, loaded => ({...mailgun(loaded), password: {kind: 'new', value: 'legacy pass#1 $x'}}));
		const text = await readFile(file, 'utf8');
		const {removed, added} = changedLines(before, text);
		assert.deepEqual(removed, [
			'      SECRETS_email_password: "123456789"',
			'      ## These should match RABBITMQ_DEFAULT_PASS, POSTGRES_PASSWORD,',
			'      ## MEMCACHED_PASSWORD, and REDIS_PASSWORD above.',
			'      SECRETS_rabbitmq_password: "REPLACE_WITH_SECURE_RABBITMQ_PASSWORD"',
			'      SECRETS_postgres_password: "REPLACE_WITH_SECURE_POSTGRES_PASSWORD"',
			'      SECRETS_memcached_password: "REPLACE_WITH_SECURE_MEMCACHED_PASSWORD"',
			'      SECRETS_redis_password: "REPLACE_WITH_SECURE_REDIS_PASSWORD"',
			'      SECRETS_secret_key: "REPLACE_WITH_SECURE_SECRET_KEY"',
			'      SETTING_EXTERNAL_HOST: "localhost.localdomain"',
			'      SETTING_ZULIP_ADMINISTRATOR: "admin@example.com"',
			'      SETTING_EMAIL_HOST: "" # e.g. smtp.example.com',
			'      SETTING_EMAIL_HOST_USER: "noreply@example.com"',
		]);
		assert.equal(added[0], '      SECRETS_email_password: "legacy pass#1 $$x"');
		assert.equal(added.at(-2), '      SETTING_EMAIL_HOST: "smtp.mailgun.org" # e.g. smtp.example.com');
		assert.equal(added.at(-1), '      SETTING_EMAIL_HOST_USER: "postmaster@mg.example.org"');
		assert.deepEqual(added.slice(1, -2), removed.slice(1, -2));

		const {environment, settings} = await containerReads(dir, ['docker-compose.yml'], 'legacy');
		assert.equal(settings.EMAIL_HOST, 'smtp.mailgun.org');
		assert.equal(settings.EMAIL_USE_TLS, true);
		assert.equal(settings.EMAIL_USE_SSL, false);
		assert.equal(environment.SECRETS_email_password, 'legacy pass#1 $x');
		assert.equal(after.password, 'legacy pass#1 $x');
		// The compose file holds the password now: no longer readable by others; its diff shows no secret.
		assert.equal((await stat(file)).mode & 0o077, 0);
		const diff = plan.files.map(change => change.diff).join('');
		assert.doesNotMatch(diff, /legacy pass|REPLACE_WITH|123456789/);
		assert.match(diff, /^\+\s+SECRETS_email_password: \*{8} \(new\)$/m);
	});
});

describe('Compose, an environment written as a list', () => {
	test('`- KEY=value` items are edited in place, filled from a commented item, or added; the list stays a list', async () => {
		const override = [
			'services:',
			'  zulip:',
			'    environment:',
			'      - SETTING_EXTERNAL_HOST=zulip.example.com',
			'      - "SETTING_ZULIP_ADMINISTRATOR=admin@example.com"   # who gets errors',
			'      # - SETTING_EMAIL_HOST=smtp.example.com',
			'      - SETTING_EMAIL_PORT=25',
			'      - SETTING_EMAIL_USE_SSL=True',
			'secrets:',
			'  zulip__email_password:',
			'    environment: ZULIP__EMAIL_PASSWORD',
			'',
		].join('\n');
		const dir = await checkout({override});
		const {plan, after} = await configure(dir, mailgun);
		const text = await readFile(path.join(dir, 'compose.override.yaml'), 'utf8');
		assert.equal(text, [
			'services:',
			'  zulip:',
			'    environment:',
			'      - SETTING_EXTERNAL_HOST=zulip.example.com',
			'      - "SETTING_ZULIP_ADMINISTRATOR=admin@example.com"   # who gets errors',
			'      - "SETTING_EMAIL_HOST=smtp.mailgun.org"',
			'      - "SETTING_EMAIL_PORT=587"',
			'      - "SETTING_EMAIL_USE_SSL=False"',
			// New items go after the last of the tool's own.
			'      - "SETTING_EMAIL_HOST_USER=postmaster@mg.example.org"',
			'      - "SETTING_EMAIL_USE_TLS=True"',
			'secrets:',
			'  zulip__email_password:',
			'    environment: ZULIP__EMAIL_PASSWORD',
			'',
		].join('\n'));
		const {settings} = await containerReads(dir);
		assert.deepEqual([settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_SSL, settings.EMAIL_USE_TLS, settings.EMAIL_HOST_USER], ['smtp.mailgun.org', 587, false, true, 'postmaster@mg.example.org']);
		assert.equal(after.password, PASSWORD);
		assert.ok(!plan.files.some(file => file.diff.includes(PASSWORD)));

		// The file backend removes the SMTP items.
		await configure(dir, loaded => answersForProvider(loaded, 'file'));
		const fileBackend = await readFile(path.join(dir, 'compose.override.yaml'), 'utf8');
		assert.doesNotMatch(fileBackend, /SETTING_EMAIL_(HOST|PORT|USE_SSL|USE_TLS|HOST_USER)=/);
		assert.match(fileBackend, /^ {6}- "SETTING_EMAIL_BACKEND=django\.core\.mail\.backends\.filebased\.EmailBackend"$/m);
	});

	test('a legacy list keeps SECRETS_email_password an item, masked in the diff', async () => {
		const dir = await mkdtemp(path.join(tmpdir(), 'docker-zulip-'));
		await writeFile(path.join(dir, 'docker-compose.yml'), 'services:\n  zulip:\n    image: "zulip/docker-zulip:11.6-0"\n    environment:\n      - SETTING_EXTERNAL_HOST=zulip.example.com\n      - SECRETS_email_password=old-secret\n');
		const {plan, after} = await configure(dir, loaded => ({...mailgun(loaded), password: {kind: 'new', value: 'new-secret'}}));
		assert.match(await readFile(path.join(dir, 'docker-compose.yml'), 'utf8'), /^ {6}- "SECRETS_email_password=new-secret"$/m);
		const diff = plan.files.map(file => file.diff).join('');
		assert.doesNotMatch(diff, /old-secret|new-secret/);
		assert.match(diff, /^\+ {6}- "SECRETS_email_password=\*{8} \(new\)"$/m);
		assert.equal(after.password, 'new-secret');
	});
});

describe('inside a docker-zulip container', () => {
	test('detected by /.dockerenv and docker-zulip\'s entrypoint; the refusal names the host-side command', async () => {
		const root = await mkdtemp(path.join(tmpdir(), 'container-root-'));
		assert.equal(dockerZulipContainer(root, {}), null);
		await writeFile(path.join(root, '.dockerenv'), '');
		assert.equal(dockerZulipContainer(root, {}), null, 'any container is not docker-zulip');
		await mkdir(path.join(root, 'sbin'));
		await copyFile(path.join(FIXTURES, 'entrypoint.sh'), path.join(root, 'sbin', 'entrypoint.sh'));
		assert.deepEqual(dockerZulipContainer(root, {}), {kubernetes: false});
		assert.deepEqual(dockerZulipContainer(root, {KUBERNETES_SERVICE_HOST: 'kubernetes.default.svc'}), {kubernetes: true});
		assert.deepEqual(dockerZulipContainer(root, {MANUAL_CONFIGURATION: 'True'}), {kubernetes: false, manual: true}, 'with MANUAL_CONFIGURATION settings.py is the configuration (the password, test/docker-facts.test.ts)');
		const error = containerError({kubernetes: false});
		assert.match(error.message, /rebuilt .* every start/);
		assert.match(error.fix!, /zulip-email-setup --docker \/path\/to\/docker-zulip/);
		assert.match(containerError({kubernetes: true}).fix!, /--helm-values/);
	});
});

describe('choosing the target', () => {
	test('inside a docker-zulip container, this machine\'s files are refused for a change and allowed for --check', async () => {
		const root = await mkdtemp(path.join(tmpdir(), 'container-root-'));
		await writeFile(path.join(root, '.dockerenv'), '');
		await mkdir(path.join(root, 'sbin'));
		await copyFile(path.join(FIXTURES, 'entrypoint.sh'), path.join(root, 'sbin', 'entrypoint.sh'));
		const server = await mkdtemp(path.join(tmpdir(), 'etc-zulip-'));
		const paths = {settings: path.join(server, 'settings.py'), secrets: path.join(server, 'zulip-secrets.conf')};
		await writeFile(paths.settings, 'EXTERNAL_HOST = "zulip.example.com"\nEMAIL_HOST = "smtp.example.org"\n');
		const writing = await targetFromFlags({paths, root});
		assert.deepEqual(writing.permissionProblems(), []);
		await assert.rejects(writing.load(), (error: unknown) => error instanceof ConfigError && error.id === 'docker-container' && /--docker \/path\/to\/docker-zulip/.test(error.fix ?? ''));
		const checking = await targetFromFlags({paths, root, readOnly: true});
		assert.equal((await checking.load()).current.host, 'smtp.example.org');
		// --docker and --helm-values name the deployment itself.
		assert.equal((await targetFromFlags({paths, root, docker: server})).kind, 'compose');
	});

	test('a password variable exported in this shell is named, since it would win over .env', async () => {
		const dir = await checkout();
		const target = composeTarget(dir);
		const loaded = await target.load({shell: {}} as never);
		const plan = planCompose(loaded as ComposeConfig, mailgun(loaded), {ZULIP__EMAIL_PASSWORD: 'from-shell'});
		assert.match(plan.notes!.join('\n'), /ZULIP__EMAIL_PASSWORD is set in this shell's environment and wins over \.env/);
	});
});

describe('the CLI with --docker', () => {
	test('--check reads compose.yaml + override + .env as Compose merges them and tests on this host', async () => {
		const server = await startSmtpServer({tls: 'plain', users: {'zulip@relay.test': ASCII_PASSWORD}, allowInsecureAuth: true, greetingDelay: false});
		try {
			const example = await readFile(path.join(FIXTURES, 'compose.override.yaml.example'), 'utf8');
			const override = example
				.replace('# SETTING_EMAIL_HOST: "smtp.example.com"', 'SETTING_EMAIL_HOST: "${RELAY_HOST}"')
				.replace('# SETTING_EMAIL_HOST_USER: "noreply@example.com"', 'SETTING_EMAIL_HOST_USER: "zulip@relay.test"')
				.replace('# SETTING_EMAIL_PORT: "587"', `SETTING_EMAIL_PORT: ${server.port}`)
				.replace('# SETTING_EMAIL_USE_TLS: True', 'SETTING_EMAIL_USE_TLS: False');
			const dir = await checkout({override, env: `RELAY_HOST=${server.host}\nZULIP__EMAIL_PASSWORD="${ASCII_PASSWORD.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('$', () => '\\$')}"\n`});
			const result = await runCli(['--check', '--docker', dir, '--json', '--to', 'admin@example.org']);
			const report = JSON.parse(result.stdout) as {ok: boolean; test: {ok: boolean}};
			assert.equal(result.code, 0, result.stdout + result.stderr);
			assert.equal(report.test.ok, true);
			// The password came out of .env exactly: every login succeeded.
			assert.ok(server.auths.length > 0 && server.auths.every(auth => auth.username === 'zulip@relay.test' && auth.ok));
			// send_test_email's two, and one shaped as Zulip's own mail (envelope: the plain noreply address).
			assert.equal(server.messages.length, 3);
		} finally {
			await server.close();
		}
	});

	test('a write names the restart command; --restart-command runs instead of docker compose', async () => {
		const dir = await checkout();
		const passwordFile = path.join(dir, 'pw');
		await writeFile(passwordFile, PASSWORD, {mode: 0o600});
		const common = ['--non-interactive', '--docker', dir, '--provider', 'mailgun', '--username', 'postmaster@mg.example.org', '--password-file', passwordFile, '--skip-test'];
		const first = await runCli(common);
		assert.equal(first.code, 0, first.stderr);
		assert.match(first.stdout, new RegExp(`once you run: cd ${dir.replaceAll('/', '\\/')} && docker compose up -d --force-recreate zulip`));
		const marker = path.join(dir, 'restarted');
		const second = await runCli([...common, '--no-tokens', '--restart', '--restart-command', `touch ${marker}`, '--json']);
		const report = JSON.parse(second.stdout) as {restart: {ok: boolean; command: string}};
		assert.equal(second.code, 0, second.stderr);
		assert.deepEqual(report.restart.command, `touch ${marker}`);
		await stat(marker);
		assert.equal((await containerReads(dir)).settings.ADD_TOKENS_TO_NOREPLY_ADDRESS, false);
	});

	test('a write takes the run lock of the Compose directory: a second run waits, then says who holds it', async () => {
		const dir = await checkout();
		const lock = await acquireRunLock(composeTarget(dir).lockFile!);
		try {
			const result = await runCli(['--non-interactive', '--docker', dir, '--provider', 'custom', '--host', 'relay.internal.example', '--username', '', '--skip-test']);
			assert.equal(result.code, 3, result.stdout + result.stderr);
			assert.match(result.stderr, /lock|another run/i);
			assert.equal(await readFile(path.join(dir, 'compose.override.yaml'), 'utf8'), await readFile(path.join(FIXTURES, 'compose.override.yaml.example'), 'utf8'));
		} finally {
			lock.release();
		}

		const free = await runCli(['--non-interactive', '--docker', dir, '--provider', 'custom', '--host', 'relay.internal.example', '--username', '', '--skip-test']);
		assert.equal(free.code, 0, free.stderr);
	});

	test('--docker with --settings is a usage error', async () => {
		const result = await runCli(['--non-interactive', '--docker', '/nonexistent', '--settings', '/tmp/x']);
		assert.equal(result.code, 2);
		assert.match(result.stderr, /--settings and --secrets name files on this machine/);
	});
});
