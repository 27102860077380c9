/**
 * A values file of docker-zulip's Helm chart, read the way the chart renders
 * it: every `zulip.environment` entry becomes a container variable
 * (`value: {{ $value | quote }}`, or the map as is for `valueFrom`), which the
 * entrypoint then turns into settings.py lines and secrets.
 */
import path from 'node:path';
import {parseDocument} from 'yaml';
import {interpretSettings, type ReadConfig} from '../engine/current-config.js';
import {ConfigError} from '../engine/errors.js';
import {settingLine, type EntrypointFlavor} from './entrypoint-rules.js';
import {readOptionalFile, readOptionalText} from './read-optional-text.js';

const helmReadAdvice = {pathFix: 'Check the path.', permissionFix: 'Run as the user who owns the file, or with sudo.'};

/** The container variable that becomes email_password. */
export const HELM_PASSWORD_VARIABLE = 'SECRETS_email_password';
/** The Kubernetes Secret this tool writes when the values name none. */
export const DEFAULT_SECRET_REF = {name: 'zulip-email', key: 'email_password'} as const;
/** The manifest's file name, beside the values file. */
export const SECRET_MANIFEST = 'zulip-email-secret.yaml';

export interface SecretRef {
	readonly name: string;
	readonly key: string;
}

export interface HelmConfig extends ReadConfig {
	readonly kind: 'helm';
	readonly valuesPath: string;
	readonly valuesText: string;
	/** The Secret manifest beside the values file. */
	readonly manifestPath: string;
	readonly manifestText: string | null;
	/** SECRETS_email_password's secretKeyRef, when the values have one. */
	readonly secretRef: SecretRef | null;
	/** The container's variables as the chart renders them (valueFrom ones left out). */
	readonly environment: ReadonlyMap<string, string>;
	/** Which entrypoint the release's image runs, and so how it reads SETTING_ values. */
	readonly flavor: EntrypointFlavor;
	/** image.repository:image.tag from the values, when they name one. */
	readonly image?: string;
}

/** Whether a chart version is 1.11.50 or older: those charts run the legacy zulip/docker-zulip image. */
export function legacyChart(version: string | undefined): boolean {
	const match = /^v?(\d+)\.(\d+)\.(\d+)/.exec(version?.trim() ?? '');
	if (!match) return false;
	const [major, minor, patch] = match.slice(1).map(Number) as [number, number, number];
	return major < 1 || (major === 1 && (minor < 11 || (minor === 11 && patch <= 50)));
}

/**
 * The entrypoint the release runs, from image.repository in the values: the
 * legacy zulip/docker-zulip image or the current ghcr.io/zulip/zulip-server.
 * Without one, the chart's default: charts up to 1.11.50 ship
 * zulip/docker-zulip:11.5-0, later ones ghcr.io/zulip/zulip-server
 * (helm/zulip/values.yaml and Chart.yaml in zulip/docker-zulip, commits
 * 0d18651 "1.11.50" and 1dc4731 "Release 1.11.52, with
 * ghcr.io/zulip/zulip-server:11.5-1"; checked 2026-12).
 */
export function helmFlavor(values: Record<string, unknown>, chartVersion?: string): {flavor: EntrypointFlavor; image?: string} {
	const image = asRecord(values.image);
	const repository = typeof image.repository === 'string' ? image.repository : undefined;
	const tag = image.tag === undefined || image.tag === null ? undefined : String(image.tag);
	const named = repository ? `${repository}${tag ? `:${tag}` : ''}` : undefined;
	if (repository && /zulip-server/.test(repository)) return {flavor: 'current', image: named};
	if (repository && /docker-zulip/.test(repository)) return {flavor: 'legacy', image: named};
	return {flavor: legacyChart(chartVersion) ? 'legacy' : 'current', image: named};
}


/** Helm reads values as YAML 1.1 (yes/no/on/off are booleans) and `quote` prints them. */
export function parseValues(text: string, file: string): Record<string, unknown> {
	const doc = parseDocument(text, {version: '1.1', uniqueKeys: true, prettyErrors: false});
	const [error] = doc.errors;
	if (error) throw new ConfigError(`${file} is not valid YAML: ${error.message.split('\n')[0]}.`, `Fix ${file}; helm template shows the same problem.`, 'yaml-invalid');
	const value = doc.toJS() as unknown;
	if (value === null || value === undefined) return {};
	if (typeof value !== 'object' || Array.isArray(value)) throw new ConfigError(`${file} does not hold a mapping at its top level.`, `Check ${file}.`, 'yaml-invalid');
	return value as Record<string, unknown>;
}

const asRecord = (value: unknown): Record<string, unknown> => (value && typeof value === 'object' && !Array.isArray(value) ? value as Record<string, unknown> : {});

/** `{{ $value | quote }}` then Kubernetes: `$$` in an env value is a literal `$`. */
function renderedValue(value: unknown): string | undefined {
	if (value === null || value === undefined) return undefined;
	const text = typeof value === 'string' ? value : String(value);
	return text.replaceAll('$$', '$');
}

/** The secretKeyRef of a `valueFrom` entry, or null. */
export function secretRefOf(value: unknown): SecretRef | null {
	const ref = asRecord(asRecord(asRecord(value).valueFrom).secretKeyRef);
	return typeof ref.name === 'string' && typeof ref.key === 'string' ? {name: ref.name, key: ref.key} : null;
}

/** The value of `key` in a Secret manifest named `name` (stringData, else base64 data). */
export function manifestValue(text: string | null, ref: SecretRef, file: string): string | undefined {
	if (text === null) return undefined;
	const manifest = parseValues(text, file);
	if (manifest.kind !== 'Secret' || asRecord(manifest.metadata).name !== ref.name) return undefined;
	const plain = asRecord(manifest.stringData)[ref.key];
	if (plain !== undefined && plain !== null) return String(plain);
	const encoded = asRecord(manifest.data)[ref.key];
	return typeof encoded === 'string' ? Buffer.from(encoded, 'base64').toString('utf8') : undefined;
}

export async function loadHelm(valuesFile: string, options: {signal?: AbortSignal; chartVersion?: string} = {}): Promise<HelmConfig> {
	const valuesPath = path.resolve(valuesFile);
	// Read and its owner taken through one descriptor: no second lookup that another user could redirect.
	const valuesRead = readOptionalFile(valuesPath, {label: 'The values file', ...helmReadAdvice});
	const valuesText = valuesRead?.text ?? null;
	if (valuesRead === null || valuesText === null) throw new ConfigError(`${valuesPath} does not exist.`, 'Give --helm-values the values file you pass to helm upgrade -f.', 'helm-values-missing');
	const values = parseValues(valuesText, valuesPath);
	const {flavor, image} = helmFlavor(values, options.chartVersion);
	const manifestPath = path.join(path.dirname(valuesPath), SECRET_MANIFEST);
	const manifestText = readOptionalText(manifestPath, {label: 'The Secret manifest', ...helmReadAdvice});
	const environment = new Map<string, string>();
	const warnings: string[] = [];
	let secretRef: SecretRef | null = null;
	let password: string | undefined;
	for (const [name, value] of Object.entries(asRecord(asRecord(values.zulip).environment))) {
		if (value && typeof value === 'object') {
			if (name === HELM_PASSWORD_VARIABLE) secretRef = secretRefOf(value);
			continue;
		}

		const rendered = renderedValue(value);
		if (rendered !== undefined) environment.set(name, rendered);
	}

	if (environment.has(HELM_PASSWORD_VARIABLE)) {
		password = environment.get(HELM_PASSWORD_VARIABLE);
		warnings.push(`${HELM_PASSWORD_VARIABLE} is written in ${valuesPath} itself; running this tool moves it into a Kubernetes Secret.`);
	} else if (secretRef) {
		password = manifestValue(manifestText, secretRef, manifestPath);
		if (password === undefined) warnings.push(`The password is in the Kubernetes Secret ${secretRef.name} (key ${secretRef.key}), which this tool cannot read from here: give it with --password-file to test it.`);
	}

	if (['true', 'yes', 'on', '1'].includes((environment.get('MANUAL_CONFIGURATION') ?? '').toLowerCase())) {
		throw new ConfigError(
			'MANUAL_CONFIGURATION is set in zulip.environment: docker-zulip ignores SETTING_ variables and reads settings.py from its volume as it is.',
			// The entrypoint's secrets step still runs in manual mode (see compose-project.ts MANUAL_CONFIGURATION_FIX).
			`Edit that settings.py inside the pod instead. The password is different: at every start the entrypoint writes ${HELM_PASSWORD_VARIABLE} (its Kubernetes Secret) into zulip-secrets.conf in the volume, so change it there: an email_password edited in the file is replaced at the next start.`,
			'docker-manual-configuration',
		);
	}

	const lines: string[] = [];
	for (const name of [...environment.keys()].filter(name => /^SETTING_[0-9A-Za-z_]+$/.test(name)).sort()) {
		const line = settingLine(name.slice('SETTING_'.length), environment.get(name)!, flavor);
		if (line !== null) lines.push(line);
	}

	const {snapshot, current} = await interpretSettings(lines.join('\n') + '\n', password, {signal: options.signal, warnings, owner: valuesRead.owner});
	return {kind: 'helm', where: `${valuesPath} (Helm values)`, valuesPath, valuesText, manifestPath, manifestText, secretRef, environment, flavor, ...(image ? {image} : {}), snapshot, current, password};
}
