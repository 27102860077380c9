import {IGNORED_SETTINGS, parseSettings, type PyValue, type ReadSetting, type SettingsSnapshot} from '../zulip/settings-file.js';
import {PASSWORD_KEY, readSecret} from '../zulip/secrets-file.js';
import {DEFAULT_DEPLOYMENT, readZulipVersion, zulipBehaviour, type ZulipVersion} from '../zulip/version-file.js';
import type {FileOwner} from '../zulip/python-runner.js';
import type {Security} from '../smtp/types.js';
import {ConfigError} from './errors.js';
import {danglingLink} from './safe-write.js';
import {locate, readLocated, writersOf, type Writers} from './as-owner.js';
import {laterOverrides} from '../zulip/overrides.js';
import {secretsModeWarnings} from './secrets-mode.js';
import {recogniseProvider, type ProviderId} from './providers.js';

export interface ConfigPaths {
	readonly settings: string;
	readonly secrets: string;
	/** The running release's directory (version.py, manage.py); default /home/zulip/deployments/current. */
	readonly deployment?: string;
}

export const DEFAULT_PATHS: ConfigPaths = {
	settings: '/etc/zulip/settings.py',
	secrets: '/etc/zulip/zulip-secrets.conf',
	deployment: DEFAULT_DEPLOYMENT,
};

export const FILE_BACKEND = 'django.core.mail.backends.filebased.EmailBackend';
export const SMTP_BACKEND = 'django.core.mail.backends.smtp.EmailBackend';

/** The outgoing-email configuration as Zulip will read it (after defaults). */
export interface CurrentConfig {
	/** smtp: Django's SMTP backend; file: the file backend; dummy: mail is dropped (nothing configured); other: some other EMAIL_BACKEND. */
	readonly backend: 'smtp' | 'file' | 'dummy' | 'other';
	readonly backendName: string | null;
	readonly host: string | null;
	readonly port: number;
	readonly security: Security;
	readonly user: string;
	readonly passwordSet: boolean;
	readonly filePath: string | null;
	/** The address part of ZULIP_ADMINISTRATOR: the default From. */
	readonly administrator: string | null;
	readonly externalHost: string | null;
	/** NOREPLY_EMAIL_ADDRESS after Zulip's default, as written (it may carry a display name). */
	readonly noreplyAddress: string | null;
	/** Whether NOREPLY_EMAIL_ADDRESS was set explicitly (not Zulip's default). */
	readonly noreplyExplicit: boolean;
	readonly tokens: boolean;
	/** TOKENIZED_NOREPLY_EMAIL_ADDRESS after Zulip's default, with its {token} placeholder. */
	readonly tokenizedTemplate: string | null;
	readonly providerId: ProviderId;
	readonly region?: string;
	/** Problems Zulip would trip over, in the admin's words. */
	readonly warnings: readonly string[];
}

/** What every kind of configuration yields once read. The password stays in here and is never printed. */
export interface ReadConfig {
	/** Where the configuration lives, in the admin's words (the summary's heading). */
	readonly where: string;
	readonly snapshot: SettingsSnapshot;
	readonly current: CurrentConfig;
	readonly password: string | undefined;
	/** The running Zulip release from version.py; null or absent when not known (then the newest is assumed). */
	readonly zulipVersion?: ZulipVersion | null;
}

/** settings.py and zulip-secrets.conf on this machine, as read. */
export interface HostConfig extends ReadConfig {
	readonly kind: 'host';
	readonly paths: ConfigPaths;
	readonly settingsText: string;
	/** null when the secrets file does not exist yet. */
	readonly secretsText: string | null;
	/** How each file's bytes became its text (absent: UTF-8); writing uses the same, so bytes we do not own stay. */
	readonly encodings?: {readonly settings: TextEncoding; readonly secrets: TextEncoding};
	/** Owner and mode of settings.py as read: python3 runs (and compiles) its code with these rights. */
	readonly settingsOwner?: FileOwner;
	/** Mode bits of the secrets file as read, when it exists. */
	readonly secretsMode?: number;
}

/**
 * utf8, or latin1 for a file that is not valid UTF-8 (an old settings.py with
 * a `# -*- coding: latin-1 -*-` line): latin1 maps every byte to one
 * character and back, so lines the tool does not own keep their exact bytes.
 */
export type TextEncoding = 'utf8' | 'latin1';

interface ReadFile {
	readonly text: string;
	readonly encoding: TextEncoding;
	readonly stats: {readonly uid: number; readonly gid: number; readonly mode: number; readonly writers: Writers};
	/** The real path the text came from (symlinks followed as the directory's owner). */
	readonly realPath: string;
}

const strictUtf8 = new TextDecoder('utf-8', {fatal: true, ignoreBOM: true});

function decode(bytes: Buffer): {text: string; encoding: TextEncoding} {
	try {
		return {text: strictUtf8.decode(bytes), encoding: 'utf8'};
	} catch {
		return {text: bytes.toString('latin1'), encoding: 'latin1'};
	}
}

/** The configuration as read from one of the targets (source/engine/targets.ts). */
export type LoadedConfig = HostConfig | import('../docker/compose-project.js').ComposeConfig | import('../docker/helm-values.js').HelmConfig;

/**
 * The file's text, or null when it does not exist. Synchronous on purpose:
 * two small local files that the first question waits for, and a sync read
 * skips a dozen thread-pool round trips. Looked up and opened as the user who
 * controls its directory (as-owner.ts), non-blocking, and checked through the
 * descriptor to be a regular file, so a FIFO or a device given by mistake is
 * an error, not a hang.
 */
function readText(path: string, what: string): ReadFile | null {
	try {
		const place = locate(path);
		// A link to nothing: writing would replace the link with a stub file.
		if (place.danglingLink) throw danglingLink(path, place.danglingLink.target);
		const opened = readLocated(place);
		if (!opened) return null;
		if (!opened.stats.isFile()) throw new ConfigError(`Cannot read ${what} ${path}: it is not a regular file.`, 'Check the path; pass the right one with --settings or --secrets.');
		// Owner and mode of the very file the text comes from (not a second lookup of the path).
		const {uid, gid, mode} = opened.stats;
		return {...decode(opened.bytes), stats: {uid, gid, mode, writers: writersOf(place, opened.stats)}, realPath: place.path};
	} catch (error) {
		if (error instanceof ConfigError) throw error;
		const code = (error as NodeJS.ErrnoException).code;
		if (code === 'EACCES' || code === 'EPERM') {
			throw new ConfigError(`Cannot read ${what} ${path}: permission denied.`, 'Run with sudo, or as the zulip user.', 'permission-denied');
		}

		throw new ConfigError(`Cannot read ${what} ${path}: ${(error as Error).message}`);
	}
}

export async function loadConfig(paths: ConfigPaths, options: {signal?: AbortSignal} = {}): Promise<HostConfig> {
	const settingsFile = readText(paths.settings, 'the settings file');
	const secretsFile = readText(paths.secrets, 'the secrets file');
	if (settingsFile === null) {
		throw new ConfigError(
			`${paths.settings} does not exist.`,
			'Is this a Zulip server? Point at the settings file with --settings PATH.',
			'settings-missing',
		);
	}

	const settingsText = settingsFile.text;
	const secretsText = secretsFile?.text ?? null;
	const password = secretsText === null ? undefined : readSecret(secretsText);
	const zulipVersion = readZulipVersion(paths.deployment ?? DEFAULT_DEPLOYMENT);
	const secrets = secretsForSettings(settingsText, secretsText);
	const {snapshot, current} = await interpretSettings(settingsText, password, {...options, owner: settingsFile.stats, secrets, secretsFile: secretsFile?.realPath, version: zulipVersion});
	const extraWarnings = [...laterOverrides(settingsText, snapshot), ...secretsModeWarnings(paths.secrets, secretsFile?.stats.mode)];
	return {
		kind: 'host',
		where: paths.settings,
		paths,
		settingsText,
		secretsText,
		snapshot,
		current: extraWarnings.length > 0 ? {...current, warnings: [...current.warnings, ...extraWarnings]} : current,
		password,
		zulipVersion,
		encodings: {settings: settingsFile.encoding, secrets: secretsFile?.encoding ?? 'utf8'},
		settingsOwner: settingsFile.stats,
		...(secretsFile ? {secretsMode: secretsFile.stats.mode & 0o7777} : {}),
	};
}

/**
 * What Zulip makes of a settings.py text and an email_password: shared by
 * every target (docker-zulip's are the lines its entrypoint would generate).
 */
export async function interpretSettings(
	settingsText: string,
	password: string | undefined,
	options: {
		signal?: AbortSignal;
		warnings?: readonly string[];
		owner?: FileOwner;
		/** What get_secret("key") finds (see secretsForSettings). */
		secrets?: Readonly<Record<string, string>>;
		/** Where those come from: handed to the code only if the user it runs as can read this file itself. */
		secretsFile?: string;
		/** The running release: some warnings depend on it. */
		version?: ZulipVersion | null;
	} = {},
): Promise<{snapshot: SettingsSnapshot; current: CurrentConfig}> {
	const snapshot = parseSettings(settingsText);
	let values = literalValues(snapshot);
	let unknown = Object.entries(snapshot.values)
		.filter(([, value]) => value?.kind === 'expression')
		.map(([name]) => name);
	let notRun: string | undefined;
	if (unknown.length > 0) {
		// An expression is evaluated the way Zulip does: by Python running the file,
		// with its owner's rights (never root's for another user's file).
		// A name Python did not set (an if-branch not taken) has its default.
		const {evaluateSettings} = await import('../zulip/python-eval.js');
		try {
			const evaluated = await evaluateSettings(settingsText, unknown, {signal: options.signal, owner: options.owner, secrets: options.secrets, secretsFile: options.secretsFile});
			values = {...values, ...evaluated};
			unknown = [];
		} catch (error) {
			options.signal?.throwIfAborted();
			// Left unknown; the summary names the expression instead of guessing, and says why.
			if (error instanceof ConfigError && error.id === 'settings-not-run') notRun = `${error.message.replace(/\.$/, '')}. ${error.fix ?? ''}`.trim();
		}
	}

	const current = interpret(values, snapshot, password, unknown, notRun, options.version ?? null);
	return {snapshot, current: options.warnings?.length ? {...current, warnings: [...options.warnings, ...current.warnings]} : current};
}

/**
 * The secrets settings.py asks for by name (`get_secret("smtp_user")`), for
 * Python's get_secret. Only those, and never email_password: the password
 * goes to no child process (Zulip ignores EMAIL_HOST_PASSWORD anyway).
 */
export function secretsForSettings(settingsText: string, secretsText: string | null): Record<string, string> {
	if (secretsText === null) return {};
	const secrets: Record<string, string> = {};
	for (const match of settingsText.matchAll(/\bget_secret\(\s*(?:"([^"\\\n]*)"|'([^'\\\n]*)')/g)) {
		const key = (match[1] ?? match[2]!).toLowerCase();
		if (key === PASSWORD_KEY || key in secrets) continue;
		try {
			const value = readSecret(secretsText, key);
			if (value !== undefined) secrets[key] = value;
		} catch {
			// A secrets file Python cannot read: the key stays unknown, as the summary already says.
		}
	}

	return secrets;
}

type Values = Partial<Record<ReadSetting, unknown>>;

function literalValues(snapshot: SettingsSnapshot): Values {
	const values: Values = {};
	for (const [name, value] of Object.entries(snapshot.values) as Array<[ReadSetting, PyValue]>) {
		if (value.kind === 'str' || value.kind === 'int' || value.kind === 'bool') values[name] = value.value;
		else if (value.kind === 'none') values[name] = null;
	}

	return values;
}

const asString = (value: unknown): string | null => (typeof value === 'string' ? value : null);

/** `Name <a@b>` or `a@b` → `a@b`, as Zulip's FromAddress does with email.utils.parseaddr(...)[1]. */
export function addressPart(value: string): string {
	const angle = /<([^<>]*)>\s*$/.exec(value);
	return (angle ? angle[1]! : value).trim();
}

/**
 * Zulip's deport(): EXTERNAL_HOST without its port, through urllib's
 * `hostname` (lower-cased), and an IPv6 literal keeps its brackets:
 * "[2001:DB8::1]:8443" → "[2001:db8::1]", "Chat.Example.org:443" → "chat.example.org".
 */
export function hostWithoutPort(externalHost: string): string {
	const netloc = externalHost.slice(externalHost.lastIndexOf('@') + 1);
	if (netloc.includes('[')) {
		const inside = netloc.slice(netloc.indexOf('[') + 1);
		const end = inside.indexOf(']');
		const host = (end === -1 ? inside : inside.slice(0, end)).toLowerCase();
		return host.includes(':') ? `[${host}]` : host;
	}

	return netloc.split(':')[0]!.toLowerCase();
}

function interpret(values: Values, snapshot: SettingsSnapshot, password: string | undefined, unknown: readonly string[], notRun: string | undefined, version: ZulipVersion | null): CurrentConfig {
	// Before 3.0 Zulip left EMAIL_TIMEOUT to the admin: only later releases ignore it.
	const timeoutIgnored = zulipBehaviour(version).forcedTimeout;
	const warnings = snapshot.warnings.filter(warning => timeoutIgnored || !warning.startsWith(IGNORED_SETTINGS.EMAIL_TIMEOUT!));
	const host = asString(values.EMAIL_HOST) || null;
	const backendName = asString(values.EMAIL_BACKEND);
	let backend: CurrentConfig['backend'];
	if (backendName === FILE_BACKEND) backend = 'file';
	else if (backendName === SMTP_BACKEND) backend = 'smtp';
	else if (backendName) backend = 'other';
	else backend = host ? 'smtp' : 'dummy';

	const useTls = values.EMAIL_USE_TLS === true;
	const useSsl = values.EMAIL_USE_SSL === true;
	if (useTls && useSsl) warnings.push('EMAIL_USE_TLS and EMAIL_USE_SSL are both True: Django refuses to send until one is False.');
	const security: Security = useSsl ? 'ssl' : useTls ? 'starttls' : 'none';
	const port = typeof values.EMAIL_PORT === 'number' ? values.EMAIL_PORT : 25;
	const user = asString(values.EMAIL_HOST_USER) ?? '';
	const passwordSet = password !== undefined && password !== '';
	if (backend === 'smtp' && user && !passwordSet) warnings.push('EMAIL_HOST_USER is set but email_password is not: Django will not log in.');
	if (backend === 'file') warnings.push('The file backend is active: "sent" mail only lands in files on this server.');
	if (backend === 'dummy') warnings.push('No EMAIL_HOST is set: Zulip drops every email.');
	for (const name of unknown) {
		warnings.push(notRun
			? `${name} is a Python expression that could not be read: ${notRun}`
			: `${name} is a Python expression this tool cannot evaluate; it is left as it is.`);
	}

	const administratorRaw = asString(values.ZULIP_ADMINISTRATOR);
	const administrator = administratorRaw ? addressPart(administratorRaw) : null;
	const externalHost = asString(values.EXTERNAL_HOST);
	const mailDomain = externalHost ? hostWithoutPort(externalHost) : null;
	const noreplySetting = asString(values.NOREPLY_EMAIL_ADDRESS);
	const noreplyAddress = noreplySetting ?? (mailDomain ? `noreply@${mailDomain}` : null);
	const tokens = values.ADD_TOKENS_TO_NOREPLY_ADDRESS !== false;
	const tokenizedTemplate = asString(values.TOKENIZED_NOREPLY_EMAIL_ADDRESS) ?? (mailDomain ? `noreply-{token}@${mailDomain}` : null);
	const recognised = backend === 'file' ? {providerId: 'file' as const} : recogniseProvider(host, user);
	return {
		backend,
		backendName,
		host,
		port,
		security,
		user,
		passwordSet,
		filePath: asString(values.EMAIL_FILE_PATH),
		administrator,
		externalHost,
		noreplyAddress,
		noreplyExplicit: noreplySetting !== null,
		tokens,
		tokenizedTemplate,
		providerId: recognised.providerId,
		region: 'region' in recognised ? recognised.region : undefined,
		warnings,
	};
}
