import assert from 'node:assert/strict';
import {copyFile, mkdtemp, readdir, readFile, stat, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {describe, test} from 'node:test';
import {helmTarget} from '../source/docker/helm-target.js';
import {answersForProvider, type Answers} from '../source/engine/answers.js';
import {applyPlan} from '../source/engine/apply.js';
import type {LoadedConfig} from '../source/engine/current-config.js';
import {ConfigError} from '../source/engine/errors.js';
import {unifiedDiff} from '../source/engine/unified-diff.js';
import {bashEntrypointSettings, FIXTURES, pySecretAfterEntrypoint, pyYaml} from './helpers/docker-judge.js';
import {runCli} from './helpers/cli.js';
import {pyExecSettings} from './helpers/python.js';

const PASSWORD = `k8s "pass" #1 $(HOME) $$ \\ 'q'`;
const NAMES = ['EMAIL_HOST', 'EMAIL_HOST_USER', 'EMAIL_PORT', 'EMAIL_USE_TLS', 'EMAIL_USE_SSL', 'RUNNING_IN_HELM'];

async function chart(values?: string): Promise<string> {
	const dir = await mkdtemp(path.join(tmpdir(), 'helm-'));
	const file = path.join(dir, 'values.yaml');
	if (values === undefined) await copyFile(path.join(FIXTURES, 'helm-values.yaml'), file);
	else await writeFile(file, values);
	return file;
}

const mailgun = (loaded: LoadedConfig): Answers => ({...answersForProvider(loaded, 'mailgun'), username: 'postmaster@mg.example.org', password: {kind: 'new', value: PASSWORD}});

async function configure(file: string, answers: (loaded: LoadedConfig) => Answers) {
	const target = helmTarget(file);
	const loaded = await target.load({});
	const plan = await target.plan(loaded, answers(loaded));
	await applyPlan(plan);
	return {plan, after: await target.load({}), target};
}

/**
 * The chart's statefulset renders `value: {{ $value | quote }}` per entry (Go prints a YAML 1.1 bool as
 * true/false), Kubernetes turns `$$` into `$`, then the entrypoint runs.
 */
async function podReads(valuesText: string) {
	const values = await pyYaml(valuesText) as {zulip: {environment: Record<string, unknown>}};
	const environment: Record<string, string> = {};
	const refs: Record<string, unknown> = {};
	for (const [name, value] of Object.entries(values.zulip.environment)) {
		if (value && typeof value === 'object') refs[name] = value;
		else environment[name] = String(value).replaceAll('$$', '$');
	}

	return {environment, refs, settings: await pyExecSettings(await bashEntrypointSettings(environment, 'current'), NAMES)};
}

describe('Helm values (docker-zulip chart)', () => {
	test('settings under zulip.environment, the password in a Secret manifest beside the file, never in the values', async () => {
		const file = await chart();
		const before = await readFile(file, 'utf8');
		const {plan, after, target} = await configure(file, mailgun);
		const text = await readFile(file, 'utf8');

		// Only lines were added, right after the chart's own SETTING_RUNNING_IN_HELM.
		const anchor = '    SETTING_RUNNING_IN_HELM: True\n';
		const at = before.indexOf(anchor) + anchor.length;
		assert.equal(text.slice(0, at), before.slice(0, at));
		assert.ok(text.endsWith(before.slice(at)));
		assert.equal(text.slice(at, text.length - (before.length - at)), [
			'    SETTING_EMAIL_HOST: "smtp.mailgun.org"',
			'    SETTING_EMAIL_HOST_USER: "postmaster@mg.example.org"',
			'    SETTING_EMAIL_PORT: "587"',
			'    SETTING_EMAIL_USE_SSL: "False"',
			'    SETTING_EMAIL_USE_TLS: "True"',
			'    SECRETS_email_password:',
			'      valueFrom:',
			'        secretKeyRef:',
			'          name: "zulip-email"',
			'          key: "email_password"',
			'',
		].join('\n'));
		assert.ok(!text.includes(PASSWORD));

		const {settings, refs} = await podReads(text);
		assert.deepEqual(settings, {EMAIL_HOST: 'smtp.mailgun.org', EMAIL_HOST_USER: 'postmaster@mg.example.org', EMAIL_PORT: 587, EMAIL_USE_TLS: true, EMAIL_USE_SSL: false, RUNNING_IN_HELM: true});
		assert.deepEqual(refs, {SECRETS_email_password: {valueFrom: {secretKeyRef: {name: 'zulip-email', key: 'email_password'}}}});

		const manifestPath = path.join(path.dirname(file), 'zulip-email-secret.yaml');
		const manifest = await pyYaml(await readFile(manifestPath, 'utf8')) as {kind: string; metadata: {name: string}; stringData: Record<string, string>};
		assert.equal(manifest.kind, 'Secret');
		assert.equal(manifest.metadata.name, 'zulip-email');
		assert.equal(manifest.stringData.email_password, PASSWORD);
		// A secretKeyRef value is not expanded by Kubernetes; the entrypoint's crudini, then RawConfigParser.
		assert.equal(await pySecretAfterEntrypoint(manifest.stringData.email_password!), PASSWORD);
		assert.equal((await stat(manifestPath)).mode & 0o777, 0o600);
		assert.ok(!plan.files.some(change => change.diff.includes(PASSWORD)));

		assert.equal(after.password, PASSWORD);
		assert.equal(after.current.host, 'smtp.mailgun.org');
		assert.equal(target.restartCommand, `kubectl apply --namespace NAMESPACE -f ${manifestPath} && helm upgrade zulip oci://ghcr.io/zulip/helm-charts/zulip --version CHART_VERSION --namespace NAMESPACE -f ${file} && kubectl rollout restart statefulset/zulip --namespace NAMESPACE`);

		// Again with the same answers: nothing to write.
		const again = await target.plan(after, {...mailgun(after), password: {kind: 'keep'}});
		assert.equal(again.changed, false);
	});

	test('an existing secretKeyRef is kept, its Secret updated in place; a plain password moves out of the values', async () => {
		const file = await chart([
			'zulip:',
			'  environment:',
			'    SETTING_EXTERNAL_HOST: zulip.example.com   # the public name',
			'    SECRETS_email_password: "old-inline-password"',
			'    SETTING_EMAIL_PORT: 465',
			'    SETTING_EMAIL_USE_SSL: yes',
			'',
		].join('\n'));
		assert.equal((await stat(file)).mode & 0o777, 0o644);
		const {after} = await configure(file, mailgun);
		const text = await readFile(file, 'utf8');
		assert.doesNotMatch(text, /old-inline-password/);
		// The copy that still holds the inline password is readable by its owner only (issue 19 item 9); the values file keeps its mode.
		const [backup] = (await readdir(path.dirname(file))).filter(name => name.startsWith('values.yaml.bak-'));
		assert.ok(backup);
		assert.match(await readFile(path.join(path.dirname(file), backup), 'utf8'), /old-inline-password/);
		assert.equal((await stat(path.join(path.dirname(file), backup))).mode & 0o777, 0o600);
		assert.equal((await stat(file)).mode & 0o777, 0o644);
		assert.match(text, /^ {4}SETTING_EXTERNAL_HOST: zulip\.example\.com {3}# the public name$/m);
		const {settings} = await podReads(text);
		assert.equal(settings.EMAIL_USE_SSL, false);
		assert.equal(settings.EMAIL_PORT, 587);
		assert.equal(after.password, PASSWORD);

		// Someone points it at their own Secret: that name and key are used from then on.
		await writeFile(file, text.replace('name: "zulip-email"', 'name: ops-secrets').replace('key: "email_password"', 'key: smtp'));
		const second = await configure(file, loaded => ({...mailgun(loaded), password: {kind: 'new', value: 'rotated'}}));
		const manifest = await pyYaml(await readFile(path.join(path.dirname(file), 'zulip-email-secret.yaml'), 'utf8')) as {metadata: {name: string}; stringData: Record<string, string>};
		assert.deepEqual([manifest.metadata.name, manifest.stringData], ['ops-secrets', {smtp: 'rotated'}]);
		assert.equal(second.after.password, 'rotated');
	});

	test('a file of that name that is not the Secret is never replaced; a Secret with other keys keeps them', async () => {
		const file = await chart();
		const manifestPath = path.join(path.dirname(file), 'zulip-email-secret.yaml');
		await writeFile(manifestPath, 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: something-else\n');
		const target = helmTarget(file);
		const loaded = await target.load({});
		await assert.rejects(target.plan(loaded, mailgun(loaded)), (error: unknown) => error instanceof ConfigError && error.id === 'helm-secret-conflict');

		await writeFile(manifestPath, 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: zulip-email\nstringData:\n  other_key: keep-me # a comment\n');
		await configure(file, mailgun);
		const manifest = await pyYaml(await readFile(manifestPath, 'utf8')) as {stringData: Record<string, string>};
		assert.deepEqual(manifest.stringData, {other_key: 'keep-me', email_password: PASSWORD});
		assert.match(await readFile(manifestPath, 'utf8'), /other_key: keep-me # a comment/);
	});

	test('the values diff masks only lines that hold a secret: the valueFrom under SECRETS_email_password stays', async () => {
		const file = await chart();
		const target = helmTarget(file);
		const loaded = await target.load({});
		const plan = await target.plan(loaded, mailgun(loaded));
		const values = plan.files.find(change => change.path === file)!;
		const raw = unifiedDiff(values.before ?? '', values.after, file).split('\n');
		const shown = values.diff.split('\n');
		assert.equal(shown.length, raw.length, values.diff);
		for (const [index, line] of shown.entries()) {
			if (line !== raw[index]) assert.match(raw[index]!, /SECRETS?_|PASSWORD|SECRET_KEY/i, `masked a line with no secret: ${raw[index]}`);
		}

		assert.match(values.diff, /^\+ {4}SECRETS_email_password:\n\+ {6}valueFrom:$/m);
	});

	test('the CLI: --helm-values --dry-run shows the diff with the password masked', async () => {
		const file = await chart();
		const passwordFile = path.join(path.dirname(file), 'pw');
		await writeFile(passwordFile, PASSWORD);
		const result = await runCli(['--non-interactive', '--helm-values', file, '--provider', 'mailgun', '--username', 'postmaster@mg.example.org', '--password-file', passwordFile, '--dry-run']);
		assert.equal(result.code, 0, result.stderr);
		assert.match(result.stdout, /^\+ {4}SETTING_EMAIL_HOST: "smtp\.mailgun\.org"$/m);
		assert.match(result.stdout, /^\+ {2}"email_password": \*{8} \(new\)$/m);
		assert.ok(!result.stdout.includes(PASSWORD));
	});
});
