import {editSettings} from '../zulip/settings-file.js';
import {PASSWORD_KEY, SECRETS_SECTION, parseRawConfig, setSecret} from '../zulip/secrets-file.js';
import {answerProblems, desiredPassword, desiredSettings, type Answers} from './answers.js';
import {passwordRemovedNote} from './answers-summary.js';
import type {HostConfig, LoadedConfig, TextEncoding} from './current-config.js';
import {BugError, ConfigError, UsageError} from './errors.js';
import type {FileOwner} from '../zulip/python-runner.js';
import {unifiedDiff} from './unified-diff.js';

/** One file's change, ready to show and to write. */
export interface FileChange {
	readonly path: string;
	/** null when the file does not exist yet. */
	readonly before: string | null;
	readonly after: string;
	readonly changed: boolean;
	/** Unified diff with the password masked: safe to print. */
	readonly diff: string;
	/** Mode of the file when it is created (default 0640). */
	readonly newMode?: number;
	/** A file created takes this file's owner and group (zulip:zulip for a new zulip-secrets.conf). */
	readonly ownerLike?: string;
	/** Holds the password: never readable by group or others once written. */
	readonly private?: boolean;
	/** The version replaced holds a secret (a password written inline): its backup is readable by its owner only. */
	readonly secretBackup?: boolean;
	/** How the text becomes bytes (default utf8): the file's own, so bytes the tool does not own stay. */
	readonly encoding?: TextEncoding;
	/** Python source: it must compile before and after the edit, checked with these rights (python-runner.ts). */
	readonly python?: {readonly owner?: FileOwner};
	/** Mode bits as read, for a mode fix (--fix-secrets-mode). */
	readonly modeNow?: number;
}

/** Everything the wizard is about to write, in writing order. Nothing is written until applyPlan. */
export interface Plan {
	readonly loaded: LoadedConfig;
	readonly answers: Answers;
	readonly files: readonly FileChange[];
	readonly changed: boolean;
	/** Besides the restart: what the admin should know about the change (e.g. an environment variable that would override it). */
	readonly notes?: readonly string[];
}

/** The plan for settings.py and zulip-secrets.conf. */
export interface HostPlan extends Plan {
	readonly loaded: HostConfig;
	readonly settings: FileChange;
	readonly secrets: FileChange;
}

export const MASK = '********';

/** Replace the value of every email_password line; a changed value is marked so the review still shows that it changes. */
export function maskPassword(text: string, marker = MASK): string {
	const key = new RegExp(`^(\\s*${PASSWORD_KEY}\\s*[=:]\\s*)(\\S.*?)(\\r?)$`, 'gim');
	return text.replace(key, (_match, head: string, _value: string, cr: string) => `${head}${marker}${cr}`);
}

/**
 * The secrets file's diff shows its context lines, and those hold the server's
 * other secrets (secret_key, …): only the keys are shown, never their values.
 */
export function hideOtherSecrets(diff: string): string {
	return diff
		.split('\n')
		.map(line => {
			if (line.startsWith('---') || line.startsWith('+++') || line.startsWith('@@')) return line;
			const body = line.slice(1);
			if (/^\s*([#;[]|$)/.test(body)) return line;
			// An indented line continues the value above it.
			if (/^\s/.test(body)) return `${line[0]}    (hidden)`;
			const match = /^(\s*([^=:\s][^=:]*?)\s*[=:]\s*)(.*)$/.exec(body);
			if (!match) return line;
			if (match[2]!.toLowerCase() === PASSWORD_KEY) return line;
			return `${line[0]}${match[1]}${match[3] === '' ? '' : '(hidden)'}`;
		})
		.join('\n');
}

/**
 * settings.py may hold secrets of its own (`EMAIL_HOST_PASSWORD = "…"`, which
 * Zulip ignores but admins leave behind, `AUTH_LDAP_BIND_PASSWORD`, …): in the
 * diff their values are hidden like the secrets file's, commented out or not.
 */
export function hideSettingsSecrets(text: string): string {
	return text.replace(/^([ \t]*#?[ \t]*[A-Z0-9_]*(?:PASSWORD|PASSWD|SECRET)[A-Z0-9_]*[ \t]*=[ \t]*)(\S[^\r\n]*)/gm, (_match, head: string) => `${head}(hidden)`);
}

/**
 * A file with sections but no [secrets] is not Zulip's secrets file (a
 * mistaken --secrets /etc/mysql/my.cnf, say): appending a [secrets] section
 * with the password to it would be wrong twice.
 */
function refuseForeignSecretsFile(path: string, text: string | null): void {
	if (text === null) return;
	const {sections} = parseRawConfig(text);
	if (sections.size === 0 || sections.has(SECRETS_SECTION)) return;
	const names = [...sections.keys()].slice(0, 3).map(name => `[${name}]`).join(', ');
	throw new ConfigError(
		`${path} has ${names} but no [${SECRETS_SECTION}] section, so it is not Zulip's secrets file; nothing was written.`,
		'Point --secrets at /etc/zulip/zulip-secrets.conf (Zulip\'s own), or add a [secrets] section to this file by hand if it really is the one.',
		'secrets-not-zulip',
	);
}

/** The plan for this machine's settings.py and zulip-secrets.conf (the host target). */
export function planChanges(loaded: LoadedConfig, answers: Answers): HostPlan {
	if (loaded.kind !== 'host') throw new BugError(`a ${loaded.kind} configuration planned as this machine's files`);
	const problems = answerProblems(loaded, answers);
	if (problems.length > 0) {
		const [first] = problems;
		throw new UsageError(first!.message, `Check ${first!.flag}.`);
	}

	const settingsAfter = editSettings(loaded.settingsText, desiredSettings(answers));
	const password = desiredPassword(answers);
	const secretsBefore = loaded.secretsText;
	let secretsAfter = secretsBefore ?? '';
	if (password !== undefined && !(password === null && secretsBefore === null)) {
		refuseForeignSecretsFile(loaded.paths.secrets, secretsBefore);
		secretsAfter = setSecret(secretsBefore ?? '', password);
	}

	const secretsChanged = secretsBefore === null ? secretsAfter !== '' : secretsAfter !== secretsBefore;
	const passwordChanged = password !== undefined && password !== null && password !== loaded.password;
	const settings: FileChange = {
		path: loaded.paths.settings,
		before: loaded.settingsText,
		after: settingsAfter,
		changed: settingsAfter !== loaded.settingsText,
		diff: unifiedDiff(hideSettingsSecrets(loaded.settingsText), hideSettingsSecrets(settingsAfter), loaded.paths.settings),
		encoding: loaded.encodings?.settings,
		python: {owner: loaded.settingsOwner},
	};
	const secrets: FileChange = {
		path: loaded.paths.secrets,
		before: secretsBefore,
		after: secretsAfter,
		changed: secretsChanged,
		diff: secretsChanged
			? hideOtherSecrets(unifiedDiff(maskPassword(secretsBefore ?? ''), maskPassword(secretsAfter, passwordChanged ? `${MASK} (new)` : MASK), loaded.paths.secrets))
			: '',
		ownerLike: loaded.paths.settings,
		encoding: loaded.encodings?.secrets,
		modeNow: loaded.secretsMode,
	};
	const removed = secrets.changed ? passwordRemovedNote(loaded, answers, loaded.paths.secrets) : undefined;
	// The secret first: a settings.py naming a user whose password is not there yet would fail a restart in between.
	return {loaded, answers, settings, secrets, files: [secrets, settings], changed: settings.changed || secrets.changed, ...(removed ? {notes: [removed]} : {})};
}
