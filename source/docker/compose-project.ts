/**
 * A docker-zulip Compose directory, read the way Docker Compose merges it
 * (compose.yaml, then compose.override.yaml on top, `$` interpolated from
 * the shell environment and `.env`), and what the container's entrypoint
 * then makes of it: the settings.py lines and the email_password secret.
 */
import {statSync} from 'node:fs';
import {locate, mergeWriters, withCredentials} from '../engine/as-owner.js';
import type {FileOwner} from '../zulip/python-runner.js';
import path from 'node:path';
import {parseDocument} from 'yaml';
import {interpretSettings, type ReadConfig} from '../engine/current-config.js';
import {ConfigError} from '../engine/errors.js';
import {isPythonWhitespace} from '../zulip/secrets-file.js';
import {envValues, interpolate, parseEnvFile, type Lookup} from './compose-env.js';
import {echoE, settingLine, type EntrypointFlavor} from './entrypoint-rules.js';
import {readOptionalFile} from './read-optional-text.js';

/** current: compose.yaml + compose.override.yaml (docker-zulip 12+); legacy: docker-compose.yml (before 12). */
/**
 * What to do under MANUAL_CONFIGURATION. The entrypoint still runs its
 * secrets step in manual mode (entrypoint.sh bootstrapEnvironment →
 * secretsConfiguration, zulip/docker-zulip 3a592ad, checked 2026-12): at every
 * start it sets each zulip__* secret's value into zulip-secrets.conf in the
 * volume with crudini, an empty one included (it only prints "Empty secret
 * for key"). So an email_password edited in that file is replaced at the
 * next start by what the zulip__email_password secret holds.
 */
export const MANUAL_CONFIGURATION_FIX = 'Edit that settings.py instead (docker compose exec zulip ls -l /etc/zulip shows it; run zulip-email-setup inside the container, or on the host with --settings pointing into the volume). The password is different: at every start the entrypoint writes the zulip__email_password secret (ZULIP__EMAIL_PASSWORD in .env, or its file) into zulip-secrets.conf in the volume, so change it there: an email_password edited in the file is replaced at the next start.';

export type ComposeLayout = 'current' | 'legacy';

/** The Docker secret docker-zulip copies into email_password. */
export const PASSWORD_SECRET = 'zulip__email_password';
/** Its variable in `.env`, as docker-zulip's example names it. */
export const PASSWORD_VARIABLE = 'ZULIP__EMAIL_PASSWORD';
/** The legacy image's environment variable for the same secret. */
export const LEGACY_PASSWORD_VARIABLE = 'SECRETS_email_password';

const BASE_NAMES = ['compose.yaml', 'compose.yml', 'docker-compose.yml', 'docker-compose.yaml'];

/** Every file of a project as text (null: missing), so a plan can be read back before it is written. */
export interface ProjectFiles {
	readonly dir: string;
	readonly layout: ComposeLayout;
	readonly base: string;
	readonly override: string;
	readonly envFile: string;
	/** The file this tool edits: compose.override.yaml, or docker-compose.yml in the legacy layout without an override. */
	readonly editable: string;
	read(file: string): string | null;
	/** Who can change each file read so far (when read from disk): python3 runs code from them only as that one user. */
	readonly owners?: ReadonlyMap<string, FileOwner>;
}

/** Where the password comes from. */
export type SecretSource =
	| {readonly kind: 'environment'; readonly variable: string}
	| {readonly kind: 'file'; readonly path: string}
	| {readonly kind: 'legacy'}
	| {readonly kind: 'none'};

/** What Compose and the entrypoint make of the project. */
export interface EffectiveCompose {
	/** The zulip container's environment, as strings. */
	readonly environment: ReadonlyMap<string, string>;
	/** The settings.py lines the entrypoint appends (after ZULIP_CUSTOM_SETTINGS). */
	readonly settingsText: string;
	readonly password: string | undefined;
	readonly secret: SecretSource;
	/** Whether services.zulip lists the zulip__email_password secret. */
	readonly secretAttached: boolean;
	readonly flavor: EntrypointFlavor;
	readonly warnings: readonly string[];
}

/** A Compose directory as read: what both faces and the planner need. */
export interface ComposeConfig extends ReadConfig {
	readonly kind: 'compose';
	readonly files: ProjectFiles;
	/** Each file's text as read, to detect edits made meanwhile and to plan from. */
	readonly texts: ReadonlyMap<string, string | null>;
	readonly effective: EffectiveCompose;
}

const composeReadAdvice = {pathFix: 'Check the path given with --docker.', permissionFix: 'Run as root, or as the user who owns the docker-zulip directory.'};

/** The project's files, by Compose's own lookup order; without `read`, from disk, each as the user who controls its directory (as-owner.ts). */
export function locateProject(dir: string, read?: (file: string) => string | null): ProjectFiles {
	const absolute = path.resolve(dir);
	const place = locate(absolute);
	const stats = place.exists ? withCredentials(place.actor, () => statSync(place.path, {throwIfNoEntry: false})) : undefined;
	const owners = new Map<string, FileOwner>();
	read ??= (file: string) => {
		const found = readOptionalFile(file, composeReadAdvice);
		if (found) owners.set(file, found.owner);
		return found?.text ?? null;
	};

	if (!stats?.isDirectory()) throw new ConfigError(`${dir} is not a directory.`, 'Give --docker the directory that holds docker-zulip\'s compose.yaml.', 'docker-not-found');
	const cache = new Map<string, string | null>();
	const cachedRead = (file: string) => {
		if (!cache.has(file)) cache.set(file, read(file));
		return cache.get(file)!;
	};

	const baseName = BASE_NAMES.find(name => cachedRead(path.join(absolute, name)) !== null);
	if (!baseName) {
		throw new ConfigError(`${absolute} holds no compose.yaml or docker-compose.yml.`, 'Give --docker the directory of your docker-zulip checkout (where you run docker compose).', 'docker-not-found');
	}

	const layout: ComposeLayout = baseName.startsWith('docker-compose') ? 'legacy' : 'current';
	const overrideNames = layout === 'current' ? ['compose.override.yaml', 'compose.override.yml'] : ['docker-compose.override.yml', 'docker-compose.override.yaml'];
	const existingOverride = overrideNames.find(name => cachedRead(path.join(absolute, name)) !== null);
	const override = path.join(absolute, existingOverride ?? overrideNames[0]!);
	const base = path.join(absolute, baseName);
	return {
		dir: absolute,
		layout,
		base,
		override,
		envFile: path.join(absolute, '.env'),
		editable: layout === 'legacy' && !existingOverride ? base : override,
		read: cachedRead,
		owners,
	};
}

function parseYaml(text: string, file: string): Record<string, unknown> {
	const doc = parseDocument(text, {uniqueKeys: true, prettyErrors: false});
	const [error] = doc.errors;
	if (error) throw new ConfigError(`${file} is not valid YAML: ${error.message.split('\n')[0]}.`, `Fix ${file} (docker compose config shows the same problem).`, 'yaml-invalid');
	const value = doc.toJS() as unknown;
	if (value === null || value === undefined) return {};
	if (typeof value !== 'object' || Array.isArray(value)) throw new ConfigError(`${file} does not hold a mapping at its top level.`, `Check ${file}.`, 'yaml-invalid');
	return value as Record<string, unknown>;
}

const asRecord = (value: unknown): Record<string, unknown> => (value && typeof value === 'object' && !Array.isArray(value) ? value as Record<string, unknown> : {});

/** Compose's `environment:` (mapping or `- KEY=value` list) as name → raw value (null: take it from the shell). */
function environmentEntries(value: unknown): Array<[string, unknown]> {
	if (Array.isArray(value)) {
		return value.map(item => {
			const text = String(item);
			const equals = text.indexOf('=');
			return equals === -1 ? [text, null] : [text.slice(0, equals), text.slice(equals + 1)];
		});
	}

	return Object.entries(asRecord(value));
}

/** A YAML scalar as the string Compose hands to the container. */
function environmentString(value: unknown, lookup: Lookup, name: string, where: string): string | undefined {
	if (value === null || value === undefined) return lookup(name);
	if (typeof value === 'string') return interpolate(value, lookup, `${where} (${name})`);
	if (typeof value === 'boolean' || typeof value === 'number' || typeof value === 'bigint') return String(value);
	throw new ConfigError(`${name} in ${where} is not a plain value.`, `Give ${name} a string value.`, 'yaml-invalid');
}

/** The variables Compose interpolates with: the shell's environment wins over `.env`. */
export function projectLookup(files: ProjectFiles, shell: NodeJS.ProcessEnv): {lookup: Lookup; dotenv: ReadonlyMap<string, string>} {
	const envText = files.read(files.envFile);
	const outside: Lookup = name => shell[name];
	const dotenv = envText === null ? new Map<string, string>() : envValues(parseEnvFile(envText, outside, files.envFile));
	return {lookup: name => shell[name] ?? dotenv.get(name), dotenv};
}

function normalizeBool(value: string | undefined): boolean {
	return ['true', 'enable', 'enabled', 'yes', 'y', '1', 'on'].includes((value ?? '').toLowerCase());
}

/**
 * What the container will see and the entrypoint will generate, from the
 * files' texts (as on disk, or as a plan would leave them).
 */
export function effectiveCompose(files: ProjectFiles, shell: NodeJS.ProcessEnv = process.env): EffectiveCompose {
	const baseText = files.read(files.base) ?? '';
	const overrideText = files.read(files.override);
	const base = parseYaml(baseText, files.base);
	const override = overrideText === null ? {} : parseYaml(overrideText, files.override);
	const baseService = asRecord(asRecord(base.services).zulip);
	const overrideService = asRecord(asRecord(override.services).zulip);
	if (!asRecord(base.services).zulip && !asRecord(override.services).zulip) {
		throw new ConfigError(`${files.base} has no "zulip" service: this is not a docker-zulip checkout.`, 'Give --docker the directory of your docker-zulip checkout.', 'docker-not-found');
	}

	const {lookup} = projectLookup(files, shell);
	const warnings: string[] = [];
	const composeFile = lookup('COMPOSE_FILE');
	if (composeFile) warnings.push(`COMPOSE_FILE is set (${composeFile}): docker compose reads those files, while this tool reads ${path.basename(files.base)} and ${path.basename(files.override)}.`);
	const environment = new Map<string, string>();
	// env_file first: `environment:` wins over it.
	const envFiles = overrideService.env_file ?? baseService.env_file;
	for (const entry of envFiles === undefined ? [] : Array.isArray(envFiles) ? envFiles : [envFiles]) {
		const relative = typeof entry === 'string' ? entry : String(asRecord(entry).path ?? '');
		const file = path.resolve(files.dir, interpolate(relative, lookup, 'env_file'));
		const text = files.read(file);
		if (text === null) {
			if (asRecord(entry).required === false) continue;
			throw new ConfigError(`The env_file ${file} of the zulip service does not exist.`, 'Create it or remove it from the compose file.', 'docker-not-found');
		}

		for (const [name, value] of envValues(parseEnvFile(text, lookup, file))) environment.set(name, value);
	}

	for (const [service, where] of [[baseService, files.base], [overrideService, files.override]] as const) {
		for (const [name, raw] of environmentEntries(service.environment)) {
			const value = environmentString(raw, lookup, name, where);
			if (value === undefined) environment.delete(name);
			else environment.set(name, value);
		}
	}

	const image = String(overrideService.image ?? baseService.image ?? '');
	// The layout says which entrypoint runs, unless the image says otherwise.
	const flavor: EntrypointFlavor = /zulip-server/.test(image) ? 'current' : /docker-zulip/.test(image) || files.layout === 'legacy' ? 'legacy' : 'current';
	if (normalizeBool(environment.get('MANUAL_CONFIGURATION'))) {
		throw new ConfigError(
			'MANUAL_CONFIGURATION is set for the zulip service: docker-zulip ignores SETTING_ variables and reads settings.py from its data volume as it is.',
			MANUAL_CONFIGURATION_FIX,
			'docker-manual-configuration',
		);
	}

	const secretDefinition = asRecord(asRecord(override.secrets)[PASSWORD_SECRET] ?? asRecord(base.secrets)[PASSWORD_SECRET]);
	const serviceSecrets = [...(Array.isArray(baseService.secrets) ? baseService.secrets : []), ...(Array.isArray(overrideService.secrets) ? overrideService.secrets : [])];
	const secretAttached = serviceSecrets.some(entry => (typeof entry === 'string' ? entry : asRecord(entry).source) === PASSWORD_SECRET);
	let secret: SecretSource = {kind: 'none'};
	let fromSecret: string | undefined;
	if (flavor === 'legacy') {
		secret = {kind: 'legacy'};
	} else if (typeof secretDefinition.environment === 'string') {
		secret = {kind: 'environment', variable: secretDefinition.environment};
		fromSecret = lookup(secretDefinition.environment);
		if (shell[secretDefinition.environment] !== undefined) {
			warnings.push(`${secretDefinition.environment} is set in this shell's environment: docker compose run from this shell uses it instead of the value in .env.`);
		}
	} else if (typeof secretDefinition.file === 'string') {
		const file = path.resolve(files.dir, interpolate(secretDefinition.file, lookup, 'secrets'));
		secret = {kind: 'file', path: file};
		fromSecret = files.read(file) ?? undefined;
	}

	// The entrypoint: SECRETS_email_password first, then /run/secrets/zulip__email_password over it.
	let raw = environment.get(LEGACY_PASSWORD_VARIABLE);
	if (flavor === 'current' && secretAttached && fromSecret !== undefined) raw = fromSecret;
	let password: string | undefined;
	if (raw !== undefined) {
		// $(cat …) drops trailing newlines; RawConfigParser strips the value.
		const value = raw.replace(/\n+$/, '');
		if (value.includes('\n')) warnings.push('The email password contains a line break: docker-zulip refuses to start with it.');
		password = stripPython(value);
	} else if (flavor === 'current' && secret.kind === 'none') {
		warnings.push(`No ${PASSWORD_SECRET} secret is defined: Zulip keeps whatever email_password its data volume holds.`);
	}

	if (flavor === 'legacy') {
		for (const [name, value] of environment) {
			if (name.startsWith('SETTING_EMAIL_') && /^(true|false|none)$/.test(value)) {
				warnings.push(`${name} is "${value}": docker-zulip before 12.0 writes it into settings.py as is, which Python cannot read; use "True" or "False".`);
			}
		}
	}

	const custom = environment.get('ZULIP_CUSTOM_SETTINGS');
	const lines = custom ? [echoE(`\n${custom}`)] : [];
	// bash lists ${!SETTING_@} in sorted order.
	for (const name of [...environment.keys()].filter(name => /^SETTING_[0-9A-Za-z_]+$/.test(name)).sort()) {
		const line = settingLine(name.slice('SETTING_'.length), environment.get(name)!, flavor);
		if (line !== null) lines.push(line);
	}

	return {environment, settingsText: lines.join('\n') + '\n', password, secret, secretAttached, flavor, warnings};
}

/** Python's str.strip(), which RawConfigParser applies to every value. */
function stripPython(value: string): string {
	const characters = [...value];
	while (characters.length > 0 && isPythonWhitespace(characters.at(-1)!)) characters.pop();
	while (characters.length > 0 && isPythonWhitespace(characters[0]!)) characters.shift();
	return characters.join('');
}

/** Read a Compose directory as Zulip inside the container will see it. */
export async function loadCompose(dir: string, options: {signal?: AbortSignal; shell?: NodeJS.ProcessEnv} = {}): Promise<ComposeConfig> {
	const files = locateProject(dir);
	const effective = effectiveCompose(files, options.shell ?? process.env);
	const texts = new Map<string, string | null>();
	for (const file of [files.base, files.override, files.envFile]) texts.set(file, files.read(file));
	if (effective.secret.kind === 'file') texts.set(effective.secret.path, files.read(effective.secret.path));
	// ZULIP_CUSTOM_SETTINGS and SETTING_ values are Python from every file read (compose.yaml, the override, .env, env_file):
	// it runs only as the one user who can change all of them, judged by lstat of each and of its directories, never root's for another user's file.
	const read = [...(files.owners?.values() ?? [])];
	const first = read[0] ?? {uid: 0, gid: 0, mode: 0o644};
	const owner: FileOwner = {uid: first.uid, gid: first.gid, mode: first.mode, writers: mergeWriters(read.map(entry => entry.writers ?? {uids: entry.uid === 0 ? [] : [entry.uid]}))};
	const {snapshot, current} = await interpretSettings(effective.settingsText, effective.password, {signal: options.signal, warnings: effective.warnings, owner});
	const where = `${files.editable} (docker-zulip${files.layout === 'legacy' ? ', legacy layout' : ''})`;
	return {kind: 'compose', where, files, texts, effective, snapshot, current, password: effective.password};
}
