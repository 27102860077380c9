// docker-zulip and its Helm chart as they run today (issue 21 items 9, 13,
// 14, 15): each fact checked against docker-zulip's own files in
// test/fixtures/docker/ (byte for byte those of zulip/docker-zulip 3a592ad).
import assert from 'node:assert/strict';
import {copyFile, mkdir, mkdtemp, readFile, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {describe, test} from 'node:test';
import {composeRestartCommand, composeTarget} from '../source/docker/compose-target.js';
import {MANUAL_CONFIGURATION_FIX} from '../source/docker/compose-project.js';
import {dockerZulipContainer, manualPasswordNote} from '../source/docker/container.js';
import {GITOPS_NOTE, helmPlaceholderNote, helmRestartCommand, helmTarget} from '../source/docker/helm-target.js';
import {helmFlavor, legacyChart} from '../source/docker/helm-values.js';
import {answerProblems, answersForProvider, type Answers} from '../source/engine/answers.js';
import type {LoadedConfig} from '../source/engine/current-config.js';
import {localMtaProblem, testNetworkNote} from '../source/engine/deployment-notes.js';
import {ConfigError, UsageError} from '../source/engine/errors.js';
import {targetFromFlags} from '../source/engine/targets.js';
import {flowReducer, initialFlowState, type FlowEvent} from '../source/ui/flow.js';
import {TestingStep} from '../source/ui/steps/testing-step.js';
import {cleanup, render} from 'ink-testing-library';
import {waitForText} from './helpers/ink.js';
import {bashEntrypointSettings, FIXTURES, pyYaml} from './helpers/docker-judge.js';
import {runCli} from './helpers/cli.js';
import {pyExecSettings} from './helpers/python.js';
import {freshConfig} from './helpers/ui-fixtures.js';

const entrypoint = async (name: string) => readFile(path.join(FIXTURES, name), 'utf8');

async function checkout(): Promise<string> {
	const dir = await mkdtemp(path.join(tmpdir(), 'docker-facts-'));
	await copyFile(path.join(FIXTURES, 'compose.yaml'), path.join(dir, 'compose.yaml'));
	await copyFile(path.join(FIXTURES, 'compose.override.yaml.example'), path.join(dir, 'compose.override.yaml'));
	await writeFile(path.join(dir, '.env'), 'ZULIP__POSTGRES_PASSWORD=p\n', {mode: 0o600});
	return dir;
}

async function valuesFile(text: string): Promise<string> {
	const dir = await mkdtemp(path.join(tmpdir(), 'helm-facts-'));
	const file = path.join(dir, 'values.yaml');
	await writeFile(file, text);
	return file;
}

const mailgun = (loaded: LoadedConfig, username = 'postmaster@mg.example.org'): Answers => ({...answersForProvider(loaded, 'mailgun'), username, password: {kind: 'new', value: 'pw'}});

describe('a password-only change reaches the container (item 13)', () => {
	test('the restart command recreates the container by force', async () => {
		const dir = await checkout();
		assert.equal(composeRestartCommand(dir), `cd ${dir} && docker compose up -d --force-recreate zulip`);
		assert.equal(composeTarget(dir).restartCommand, composeRestartCommand(dir));
	});

	test('after a change of the password alone, the printed command is the forced one', async () => {
		const dir = await checkout();
		const passwordFile = path.join(dir, 'pw');
		await writeFile(passwordFile, 'first', {mode: 0o600});
		const common = ['--non-interactive', '--docker', dir, '--provider', 'mailgun', '--username', 'postmaster@mg.example.org', '--password-file', passwordFile, '--skip-test'];
		assert.equal((await runCli(common)).code, 0);
		await writeFile(passwordFile, 'second', {mode: 0o600});
		const second = await runCli(common);
		assert.equal(second.code, 0, second.stderr);
		// Only .env changed: the one case a plain `up -d` would leave alone.
		assert.match(second.stdout, /\.env/);
		assert.doesNotMatch(second.stdout, /compose\.override\.yaml:/);
		assert.match(second.stdout, /docker compose up -d --force-recreate zulip/);
	});

	test('the README says why', async () => {
		const readme = await readFile(path.join(import.meta.dirname, '..', 'README.md'), 'utf8');
		assert.match(readme.replace(/\s+/g, ' '), /--force-recreate` because Compose decides whether to recreate by comparing the service's configuration, not a secret's content/);
	});
});

describe('MANUAL_CONFIGURATION (item 14)', () => {
	test('the entrypoint still runs its secrets step in manual mode, and writes an empty secret too', async () => {
		const text = await entrypoint('entrypoint.sh');
		const bootstrap = text.slice(text.indexOf('bootstrapEnvironment() {'));
		const manual = bootstrap.slice(bootstrap.indexOf('    else\n'), bootstrap.indexOf('setting_envs='));
		assert.match(manual, /^ {8}secretsConfiguration$/m, 'secretsConfiguration in the MANUAL_CONFIGURATION branch');
		const secrets = text.slice(text.indexOf('secretsConfiguration() {'), text.indexOf('Zulip secrets configuration succeeded.'));
		// An empty value is announced, then set all the same: no `continue`.
		assert.match(secrets, /echo "Empty secret for key \\"\$SECRET_KEY\\"\."\n\s+elif/);
		assert.doesNotMatch(secrets, /continue\n\s+(?:elif|fi)/);
	});

	test('the refusal says where settings live and that the password comes from the secret at every start', async () => {
		assert.match(MANUAL_CONFIGURATION_FIX, /settings\.py/);
		assert.match(MANUAL_CONFIGURATION_FIX, /at every start the entrypoint writes the zulip__email_password secret \(ZULIP__EMAIL_PASSWORD in \.env, or its file\) into zulip-secrets\.conf/);
		assert.doesNotMatch(MANUAL_CONFIGURATION_FIX, /--secrets/, 'no advice to edit the secrets file in the volume');
		const example = await entrypoint('compose.override.yaml.example');
		const dir = await checkout();
		await writeFile(path.join(dir, 'compose.override.yaml'), example.replace('      SETTING_EXTERNAL_HOST:', '      MANUAL_CONFIGURATION: "True"\n      SETTING_EXTERNAL_HOST:'));
		await assert.rejects(composeTarget(dir).load({}), (error: unknown) => error instanceof ConfigError && error.fix === MANUAL_CONFIGURATION_FIX);
		const values = await valuesFile('zulip:\n  environment:\n    MANUAL_CONFIGURATION: "true"\n');
		await assert.rejects(helmTarget(values).load({}), (error: unknown) => error instanceof ConfigError && /SECRETS_email_password .* into zulip-secrets\.conf/.test(error.fix ?? ''));
	});

	test('inside a manual container with the secret, a password written to the files is said to be replaced at the next start', async () => {
		const root = await mkdtemp(path.join(tmpdir(), 'manual-root-'));
		await writeFile(path.join(root, '.dockerenv'), '');
		await mkdir(path.join(root, 'sbin'));
		await copyFile(path.join(FIXTURES, 'entrypoint.sh'), path.join(root, 'sbin', 'entrypoint.sh'));
		const env = {MANUAL_CONFIGURATION: 'True'};
		assert.deepEqual(dockerZulipContainer(root, env), {kubernetes: false, manual: true});
		assert.equal(manualPasswordNote({kubernetes: false, manual: true}), undefined, 'no secret: the file is where the password lives');
		await mkdir(path.join(root, 'run', 'secrets'), {recursive: true});
		await writeFile(path.join(root, 'run', 'secrets', 'zulip__email_password'), 'from-the-secret');
		const info = dockerZulipContainer(root, env)!;
		assert.equal(info.passwordSource, 'the zulip__email_password Docker secret');

		const fresh = await freshConfig();
		const target = await targetFromFlags({paths: fresh.paths, root, env});
		const loaded = await target.load({});
		const plan = await target.plan(loaded, mailgun(loaded));
		assert.ok(plan.notes?.includes(manualPasswordNote(info)!), JSON.stringify(plan.notes));
		assert.match(manualPasswordNote(info)!, /replaced at the next restart\. Change it in ZULIP__EMAIL_PASSWORD in \.env on the Docker host/);
		const noPassword = await target.plan(loaded, answersForProvider(loaded, 'local'));
		assert.ok(!(noPassword.notes ?? []).some(note => /MANUAL_CONFIGURATION/.test(note)), 'nothing to say when no password is written');
	});

	test('the README\'s wording: only settings.py is rebuilt; the secrets file lives in the volume, its keys set again', async () => {
		const readme = (await readFile(path.join(import.meta.dirname, '..', 'README.md'), 'utf8')).replace(/\s+/g, ' ');
		assert.match(readme, /`\/etc\/zulip\/settings\.py` is \*\*rebuilt at every start\*\* from its environment, and `zulip-secrets\.conf`, which lives in the data volume, has its keys set again in place/);
		assert.match(readme, /manual mode does not stop the entrypoint's secrets step/);
		assert.doesNotMatch(readme, /`zulip-secrets\.conf` are \*\*regenerated at every start\*\*/);
	});
});

describe('localhost:25 inside docker-zulip (item 9)', () => {
	test('the local preset is refused for Compose and Helm, with what to choose instead, through both faces', async () => {
		const dir = await checkout();
		const loaded = await composeTarget(dir).load({});
		const problems = answerProblems(loaded, answersForProvider(loaded, 'local'));
		assert.deepEqual(problems.map(problem => problem.field), ['provider']);
		assert.match(problems[0]!.message, /localhost:25 is Zulip's own inbound email gateway/);
		assert.equal(localMtaProblem('host'), undefined, 'a server of one\'s own keeps it');
		await assert.rejects(composeTarget(dir).plan(loaded, answersForProvider(loaded, 'local')), (error: unknown) => error instanceof UsageError && /inbound email gateway/.test(error.message));

		const values = await valuesFile(await entrypoint('helm-values.yaml'));
		const helm = await helmTarget(values).load({});
		assert.equal(answerProblems(helm, answersForProvider(helm, 'local'))[0]?.field, 'provider');

		// The wizard: choosing it says why and goes back to the list.
		const start = initialFlowState({initial: {}, restartCommand: 'true'});
		const chosen = [{type: 'loaded', loaded, problems: []} as FlowEvent, {type: 'provider-chosen', id: 'local'} as FlowEvent].reduce(flowReducer, start);
		assert.equal(chosen.step.kind, 'problem');
		assert.match(chosen.step.kind === 'problem' ? chosen.step.problem.fix ?? '' : '', /--provider custom --host HOST/);
		assert.equal(flowReducer(chosen, {type: 'back'}).step.kind, 'provider');
	});

	test('the live test says it ran from this machine\'s network, not the container\'s', async () => {
		assert.equal(testNetworkNote('host'), undefined);
		assert.match(testNetworkNote('compose')!, /ran from this machine's network \(the Docker host\), not from inside the Zulip container/);
		assert.match(testNetworkNote('helm')!, /the machine you run helm on/);
		const dir = await checkout();
		// --check against a relay that is not there: the note comes before the verdict.
		const compose = await readFile(path.join(dir, 'compose.override.yaml'), 'utf8');
		await writeFile(path.join(dir, 'compose.override.yaml'), compose.replace('      SETTING_EXTERNAL_HOST:', '      SETTING_EMAIL_HOST: "127.0.0.1"\n      SETTING_EMAIL_PORT: "9"\n      SETTING_EXTERNAL_HOST:'));
		const run = await runCli(['--check', '--docker', dir, '--timeout', '2']);
		assert.match(run.stdout.replace(/\s+/g, ' '), /Note: The live test ran from this machine's network \(the Docker host\)/);
		// The wizard's testing screen says it too.
		const {lastFrame} = render(<TestingStep lines={[]} limit={10} note={testNetworkNote('helm')} />);
		try {
			assert.match((await waitForText(lastFrame, 'Testing what Zulip will read')).replace(/\s+/g, ' '), /ran from this machine's network \(the machine you run helm on\)/);
		} finally {
			cleanup();
		}
	});
});

describe('Helm (item 15)', () => {
	test('helm upgrade pins the chart version and takes the namespace; placeholders, clearly named, when not given', () => {
		const given = helmRestartCommand('/v/values.yaml', '/v/zulip-email-secret.yaml', {chartVersion: '2.1.0', namespace: 'chat'});
		assert.equal(given, 'kubectl apply --namespace chat -f /v/zulip-email-secret.yaml && helm upgrade zulip oci://ghcr.io/zulip/helm-charts/zulip --version 2.1.0 --namespace chat -f /v/values.yaml && kubectl rollout restart statefulset/zulip --namespace chat');
		assert.match(helmRestartCommand('/v/values.yaml', '/v/s.yaml'), /--version CHART_VERSION --namespace NAMESPACE/);
		assert.equal(helmPlaceholderNote({chartVersion: '2.1.0', namespace: 'chat'}), undefined);
		assert.match(helmPlaceholderNote({})!, /replace CHART_VERSION with the chart version .*--helm-chart-version.* and NAMESPACE with the release's namespace \(--namespace\)/);
		assert.match(helmPlaceholderNote({namespace: 'chat'})!, /CHART_VERSION/);
		assert.doesNotMatch(helmPlaceholderNote({namespace: 'chat'})!, /NAMESPACE with/);
	});

	test('--helm-chart-version and --namespace reach the printed command; without --helm-values they are refused', async () => {
		const values = await valuesFile(await entrypoint('helm-values.yaml'));
		const passwordFile = path.join(path.dirname(values), 'pw');
		await writeFile(passwordFile, 'pw', {mode: 0o600});
		const run = await runCli(['--non-interactive', '--helm-values', values, '--helm-chart-version', '2.1.0', '--namespace', 'chat', '--provider', 'mailgun', '--username', 'postmaster@mg.example.org', '--password-file', passwordFile, '--skip-test']);
		assert.equal(run.code, 0, run.stderr);
		assert.match(run.stdout, /helm upgrade zulip oci:\/\/ghcr\.io\/zulip\/helm-charts\/zulip --version 2\.1\.0 --namespace chat/);
		assert.doesNotMatch(run.stdout, /CHART_VERSION/);
		assert.match(run.stdout.replace(/\s+/g, ' '), /for a release you upgrade by hand with helm\. If Flux or Argo CD applies this values file.*--restart-command replaces the commands/);
		const placeholders = await runCli(['--non-interactive', '--helm-values', values, '--namespace', 'chat', '--provider', 'mailgun', '--username', 'postmaster@mg.example.org', '--password-file', passwordFile, '--skip-test', '--restart']);
		assert.equal(placeholders.code, 2, placeholders.stdout);
		assert.match(placeholders.stderr, /--restart would run helm upgrade with placeholders/);
		const refused = await runCli(['--non-interactive', '--namespace', 'chat', '--provider', 'mailgun']);
		assert.equal(refused.code, 2);
		assert.match(refused.stderr, /--helm-chart-version and --namespace describe a Helm release/);
	});

	test('charts 1.11.50 and older, or image.repository zulip/docker-zulip, are read with the legacy entrypoint\'s rules', async () => {
		assert.equal(legacyChart('1.11.50'), true);
		assert.equal(legacyChart('0.11.44'), true);
		assert.equal(legacyChart('1.11.52'), false);
		assert.equal(legacyChart('2.1.0'), false);
		assert.deepEqual(helmFlavor({image: {repository: 'zulip/docker-zulip', tag: '11.5-0'}}), {flavor: 'legacy', image: 'zulip/docker-zulip:11.5-0'});
		assert.deepEqual(helmFlavor({image: {repository: 'ghcr.io/zulip/zulip-server', tag: '12.1-0'}}, '1.11.50'), {flavor: 'current', image: 'ghcr.io/zulip/zulip-server:12.1-0'});
		assert.equal(helmFlavor({}, '1.11.49').flavor, 'legacy');
		assert.equal(helmFlavor({}).flavor, 'current');

		const legacyValues = (await entrypoint('helm-values.yaml')).replace('repository: ghcr.io/zulip/zulip-server', 'repository: zulip/docker-zulip').replace('tag: "12.1-0"', 'tag: "11.5-0"');
		assert.notEqual(legacyValues, await entrypoint('helm-values.yaml'));
		const file = await valuesFile(legacyValues);
		const target = helmTarget(file);
		const loaded = await target.load({});
		assert.equal(loaded.kind === 'helm' && loaded.flavor, 'legacy');
		const plan = await target.plan(loaded, mailgun(loaded));
		assert.ok(plan.notes?.some(note => /legacy docker-zulip image \(zulip\/docker-zulip:11\.5-0\)/.test(note)), JSON.stringify(plan.notes));
		assert.ok(plan.notes?.includes(GITOPS_NOTE));
		// The legacy entrypoint (entrypoint-legacy.sh), run by bash, then Python, reads what was meant.
		const written = plan.files.find(change => change.path === file)!.after;
		const parsed = await pyYaml(written) as {zulip: {environment: Record<string, unknown>}};
		// Only ours: the fixture's own SETTING_RUNNING_IN_HELM: True is a YAML bool the chart renders as "true".
		const environment = Object.fromEntries(Object.entries(parsed.zulip.environment).filter(([name, value]) => name.startsWith('SETTING_EMAIL_') && typeof value !== 'object').map(([name, value]) => [name, String(value)]));
		const settings = await pyExecSettings(await bashEntrypointSettings(environment, 'legacy'), ['EMAIL_HOST', 'EMAIL_HOST_USER', 'EMAIL_PORT', 'EMAIL_USE_TLS']);
		assert.deepEqual(settings, {EMAIL_HOST: 'smtp.mailgun.org', EMAIL_HOST_USER: 'postmaster@mg.example.org', EMAIL_PORT: 587, EMAIL_USE_TLS: true});
		// A quote, which the legacy image writes unescaped into settings.py, is refused; the current image takes it.
		await assert.rejects(target.plan(loaded, mailgun(loaded, "o'brien@example.org")), (error: unknown) => error instanceof UsageError && /before 12\.0/.test(error.message));
		const current = helmTarget(await valuesFile(await entrypoint('helm-values.yaml')));
		const currentLoaded = await current.load({});
		await current.plan(currentLoaded, mailgun(currentLoaded, "o'brien@example.org"));
	});
});

