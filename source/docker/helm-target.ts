/**
 * The Helm target: SETTING_ variables under `zulip.environment` of the
 * values file; the password as SECRETS_email_password from a Kubernetes
 * Secret (`valueFrom.secretKeyRef`) whose manifest is written beside the
 * values file (0600, stringData), never into the values file.
 */
import {accessSync, constants} from 'node:fs';
import path from 'node:path';
import {isMap, isScalar} from 'yaml';
import {answerProblems, desiredPassword, type Answers} from '../engine/answers.js';
import {BugError, ConfigError, UsageError} from '../engine/errors.js';
import {MASK, type FileChange, type Plan} from '../engine/plan.js';
import type {ConfigTarget} from '../engine/targets.js';
import {unifiedDiff} from '../engine/unified-diff.js';
import {environmentScalar, environmentSettings, maskYamlDiff, SETTING_ORDER, shellQuote} from './compose-target.js';
import {settingLine} from './entrypoint-rules.js';
import {DEFAULT_SECRET_REF, HELM_PASSWORD_VARIABLE, loadHelm, parseValues, secretRefOf, type HelmConfig, type SecretRef} from './helm-values.js';
import {yamlQuoted, YamlEditor} from './yaml-edit.js';

const ENVIRONMENT = ['zulip', 'environment'];

/** The first line of every manifest this tool writes: such a file is its own to replace. */
const MANIFEST_HEADER = '# The password of Zulip\'s outgoing email, for the Helm chart\'s SECRETS_email_password.';

/** A fresh Secret manifest holding only the email password. */
export function secretManifest(ref: SecretRef, password: string, manifestPath: string): string {
	return [
		MANIFEST_HEADER,
		`# Written by zulip-email-setup; apply with: kubectl apply -f ${manifestPath}`,
		'apiVersion: v1',
		'kind: Secret',
		'metadata:',
		`  name: ${yamlQuoted(ref.name)}`,
		'type: Opaque',
		'stringData:',
		`  ${yamlQuoted(ref.key)}: ${yamlQuoted(password)}`,
		'',
	].join('\n');
}

/** A manifest's diff shows no secret value: every stringData/data entry is masked. */
function maskManifestDiff(diff: string): string {
	let inData = false;
	return diff
		.split('\n')
		.map(line => {
			if (/^(---|\+\+\+|@@)/.test(line)) return line;
			const body = line.slice(1);
			if (/^\S/.test(body)) inData = /^(stringData|data)\s*:/.test(body);
			if (!inData || !/^\s+\S/.test(body)) return line;
			const match = /^(\s+[^:]+:\s*)(\S.*)$/.exec(body);
			return match ? `${line[0]}${match[1]}${line[0] === '+' ? `${MASK} (new)` : MASK}` : line;
		})
		.join('\n');
}

/** Whether the manifest text is the Secret `ref` names (possibly without our key yet). */
function isOurSecret(text: string, ref: SecretRef, file: string): boolean {
	const manifest = parseValues(text, file);
	const metadata = manifest.metadata as {name?: unknown} | undefined;
	return manifest.kind === 'Secret' && metadata?.name === ref.name;
}

export function planHelm(loaded: HelmConfig, answers: Answers): Plan {
	const problems = answerProblems(loaded, answers);
	if (problems.length > 0) {
		const [first] = problems;
		throw new UsageError(first!.message, `Check ${first!.flag}.`);
	}

	const editor = new YamlEditor(loaded.valuesText, loaded.valuesPath);
	const owned = SETTING_ORDER.map(name => `SETTING_${name}`);
	const {flavor} = loaded;
	for (const [name, value] of environmentSettings(answers, flavor)) {
		const key = `SETTING_${name}`;
		if (value === null) {
			editor.remove(ENVIRONMENT, key);
			continue;
		}

		const existing = loaded.environment.get(key);
		if (existing !== undefined && settingLine(name, existing, flavor) === settingLine(name, value, flavor)) continue;
		editor.set(ENVIRONMENT, key, environmentScalar(value), owned);
	}

	const password = desiredPassword(answers);
	const files: FileChange[] = [];
	const hasEntry = loaded.secretRef !== null || loaded.environment.has(HELM_PASSWORD_VARIABLE);
	if (password !== undefined && (password !== null || hasEntry)) {
		const ref = loaded.secretRef ?? DEFAULT_SECRET_REF;
		const node = editor.get([...ENVIRONMENT, HELM_PASSWORD_VARIABLE]);
		const same = isMap(node) && JSON.stringify(secretRefOf(node.toJSON())) === JSON.stringify(ref);
		if (!same) {
			editor.set(ENVIRONMENT, HELM_PASSWORD_VARIABLE, ['valueFrom:', '  secretKeyRef:', `    name: ${yamlQuoted(ref.name)}`, `    key: ${yamlQuoted(ref.key)}`], owned);
		}

		const value = password ?? '';
		const before = loaded.manifestText;
		let after: string;
		if (before !== null && isOurSecret(before, ref, loaded.manifestPath)) {
			// That Secret already: only its one value changes (other keys stay).
			const manifest = new YamlEditor(before, loaded.manifestPath);
			const current = manifest.get(['stringData', ref.key]);
			after = isScalar(current) && current.value === value ? before : (manifest.set(['stringData'], ref.key, yamlQuoted(value)), manifest.text);
		} else {
			// Someone's own file by that name is never replaced by ours.
			if (before !== null && !before.startsWith(MANIFEST_HEADER)) {
				throw new ConfigError(
					`${loaded.manifestPath} exists and is not the Kubernetes Secret ${ref.name}, so it was not replaced.`,
					`Move it away, or point SECRETS_email_password's secretKeyRef in ${loaded.valuesPath} at the Secret that file defines.`,
					'helm-secret-conflict',
				);
			}

			after = secretManifest(ref, value, loaded.manifestPath);
		}

		const changed = after !== before;
		files.push({path: loaded.manifestPath, before, after, changed, diff: changed ? maskManifestDiff(unifiedDiff(before ?? '', after, loaded.manifestPath)) : '', newMode: 0o600, private: true});
	}

	const valuesChanged = editor.text !== loaded.valuesText;
	files.push({
		path: loaded.valuesPath,
		before: loaded.valuesText,
		after: editor.text,
		changed: valuesChanged,
		// An inline SECRETS_email_password leaves the values file here: the copy that keeps it is private.
		secretBackup: loaded.environment.has(HELM_PASSWORD_VARIABLE) || undefined,
		diff: valuesChanged ? maskYamlDiff(unifiedDiff(loaded.valuesText, editor.text, loaded.valuesPath), false) : '',
	});
	const notes = password === undefined ? [] : [`The password lives in the Kubernetes Secret of ${path.basename(loaded.manifestPath)}; keep that file out of version control.`];
	if (flavor === 'legacy') notes.push(`The release runs the legacy docker-zulip image${loaded.image ? ` (${loaded.image})` : ' (chart 1.11.50 or older)'}: values are written the way its entrypoint reads them.`);
	notes.push(GITOPS_NOTE);
	return {loaded, answers, files, changed: files.some(file => file.changed), notes};
}

/** Said with every Helm plan: the printed commands suit a release upgraded by hand. */
export const GITOPS_NOTE = 'The commands printed are for a release you upgrade by hand with helm. If Flux or Argo CD applies this values file, commit the change (and the Secret, through your secrets tooling) and let it sync instead; --restart-command replaces the commands.';

/** What the printed commands need to know of the release; placeholders stand in for what is not given. */
export interface HelmRelease {
	readonly chartVersion?: string;
	readonly namespace?: string;
}

/** Placeholders, in capitals, for what the admin must fill in: no shell character, so a command run as printed fails at its first step. */
export const CHART_VERSION_PLACEHOLDER = 'CHART_VERSION';
export const NAMESPACE_PLACEHOLDER = 'NAMESPACE';

/**
 * The apply step: the Secret, the upgrade, and a rollout restart (a changed
 * Secret alone does not restart the pod). The chart's documented release
 * name and OCI chart; --restart-command for any other. The chart version is
 * pinned: without --version, helm upgrade takes the newest chart, and 2.0.0
 * renamed values keys (zulip/docker-zulip helm/zulip/Chart.yaml history, checked 2026-12).
 */
export function helmRestartCommand(valuesPath: string, manifestPath: string, release: HelmRelease = {}): string {
	const namespace = shellQuote(release.namespace ?? NAMESPACE_PLACEHOLDER);
	const version = shellQuote(release.chartVersion ?? CHART_VERSION_PLACEHOLDER);
	return [
		`kubectl apply --namespace ${namespace} -f ${shellQuote(manifestPath)}`,
		`helm upgrade zulip oci://ghcr.io/zulip/helm-charts/zulip --version ${version} --namespace ${namespace} -f ${shellQuote(valuesPath)}`,
		`kubectl rollout restart statefulset/zulip --namespace ${namespace}`,
	].join(' && ');
}

/** What to fill in before the printed commands can run, or undefined when the release is fully known. */
export function helmPlaceholderNote(release: HelmRelease): string | undefined {
	const missing = [
		release.chartVersion === undefined ? `${CHART_VERSION_PLACEHOLDER} with the chart version the release runs (helm list --namespace NS shows it; --helm-chart-version)` : undefined,
		release.namespace === undefined ? `${NAMESPACE_PLACEHOLDER} with the release's namespace (--namespace)` : undefined,
	].filter(Boolean);
	return missing.length > 0 ? `Before running the helm commands, replace ${missing.join(' and ')}: without --version, helm upgrade takes the newest chart, whose values keys may differ (2.0.0 renamed some).` : undefined;
}

export function helmTarget(valuesFile: string, options: {restartCommand?: string; release?: HelmRelease} = {}): ConfigTarget {
	const valuesPath = path.resolve(valuesFile);
	const manifestPath = path.join(path.dirname(valuesPath), 'zulip-email-secret.yaml');
	const release = options.release ?? {};
	const placeholders = options.restartCommand === undefined ? helmPlaceholderNote(release) : undefined;
	return {
		kind: 'helm',
		permissionProblems() {
			try {
				accessSync(path.dirname(valuesPath), constants.W_OK | constants.X_OK);
				return [];
			} catch {
				return [{path: valuesPath, message: `Cannot create files in ${path.dirname(valuesPath)}, so ${path.basename(valuesPath)} cannot be saved.`, fix: 'Run as the user who owns the values file, or with sudo.'}];
			}
		},
		load: loadOptions => loadHelm(valuesPath, {...loadOptions, chartVersion: release.chartVersion}),
		async plan(loaded, answers) {
			if (loaded.kind !== 'helm') throw new BugError(`a ${loaded.kind} configuration given to the Helm target`);
			const plan = planHelm(loaded, answers);
			return placeholders ? {...plan, notes: [...(plan.notes ?? []), placeholders]} : plan;
		},
		restartCommand: options.restartCommand ?? helmRestartCommand(valuesPath, manifestPath, release),
		lockFile: valuesPath,
	};
}
