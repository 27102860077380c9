/**
 * The docker-zulip Compose target: settings go into `services.zulip.environment`
 * of compose.override.yaml (docker-compose.yml in the legacy layout) as
 * SETTING_ variables; the password into the Docker secret's source (`.env` or
 * its file), or SECRETS_email_password in the legacy layout. compose.yaml is
 * never touched. Every plan is read back, as Compose and the entrypoint will,
 * before it may be written.
 */
import {constants, accessSync} from 'node:fs';
import path from 'node:path';
import {isMap, isScalar} from 'yaml';
import {answerProblems, desiredPassword, desiredSettings, type Answers} from '../engine/answers.js';
import {FILE_BACKEND} from '../engine/current-config.js';
import {BugError, ConfigError, UsageError} from '../engine/errors.js';
import type {PermissionProblem} from '../engine/permissions.js';
import {MASK, type FileChange, type Plan} from '../engine/plan.js';
import type {ConfigTarget} from '../engine/targets.js';
import {unifiedDiff} from '../engine/unified-diff.js';
import type {OwnedSetting} from '../zulip/settings-file.js';
import {setEnvValue} from './compose-env.js';
import {
	effectiveCompose,
	LEGACY_PASSWORD_VARIABLE,
	loadCompose,
	locateProject,
	PASSWORD_SECRET,
	PASSWORD_VARIABLE,
	type ComposeConfig,
	type ProjectFiles,
} from './compose-project.js';
import {encodeSetting, settingLine, UnencodableSetting, type EntrypointFlavor} from './entrypoint-rules.js';
import {yamlQuoted, YamlEditor} from './yaml-edit.js';

/** docker-zulip's example order, then the settings it does not list. */
export const SETTING_ORDER: readonly OwnedSetting[] = [
	'EMAIL_HOST',
	'EMAIL_HOST_USER',
	'EMAIL_PORT',
	'EMAIL_USE_SSL',
	'EMAIL_USE_TLS',
	'EMAIL_BACKEND',
	'EMAIL_FILE_PATH',
	'NOREPLY_EMAIL_ADDRESS',
	'ADD_TOKENS_TO_NOREPLY_ADDRESS',
];

const SMTP_SETTINGS: readonly OwnedSetting[] = ['EMAIL_HOST', 'EMAIL_HOST_USER', 'EMAIL_PORT', 'EMAIL_USE_SSL', 'EMAIL_USE_TLS'];
const ENVIRONMENT = ['services', 'zulip', 'environment'];
const FLAG_OF: Partial<Record<OwnedSetting, string>> = {EMAIL_HOST: '--host', EMAIL_HOST_USER: '--username', NOREPLY_EMAIL_ADDRESS: '--noreply', EMAIL_FILE_PATH: '--file-path'};

/** Compose interpolates `$` in its files, and Kubernetes `$(…)` in env values: `$$` is a literal `$` in both. */
export function environmentScalar(value: string): string {
	return yamlQuoted(value.replaceAll('$', () => '$$'));
}

/**
 * The settings as SETTING_ values: a string to write, or null to remove.
 * Leaving SMTP for the file backend removes the SMTP keys too, so nothing
 * stale is left in the environment.
 */
export function environmentSettings(answers: Answers, flavor: EntrypointFlavor): Map<OwnedSetting, string | null> {
	const desired = desiredSettings(answers);
	if (desired.EMAIL_BACKEND === FILE_BACKEND) for (const name of SMTP_SETTINGS) desired[name] = null;
	const result = new Map<OwnedSetting, string | null>();
	for (const name of SETTING_ORDER) {
		const value = desired[name];
		if (value === undefined) continue;
		// The entrypoint skips an empty value, so '' and "absent" are the same.
		if (value === null || value === '') {
			result.set(name, null);
			continue;
		}

		try {
			result.set(name, encodeSetting(name, value, flavor));
		} catch (error) {
			if (!(error instanceof UnencodableSetting)) throw error;
			throw new UsageError(error.message, `Choose another value${FLAG_OF[name] ? ` (${FLAG_OF[name]})` : ''}, or set ${name} through ZULIP_CUSTOM_SETTINGS by hand.`);
		}
	}

	return result;
}

/** Whether the file's zulip environment (mapping or `- KEY=value` list) holds `key`. */
function holds(editor: YamlEditor, key: string): boolean {
	if (editor.isList(ENVIRONMENT)) return editor.itemValue(ENVIRONMENT, key) !== undefined;
	const node = editor.get(ENVIRONMENT);
	return isMap(node) && node.items.some(item => isScalar(item.key) && item.key.value === key);
}

/** The value the file's own environment gives `key` (uninterpolated), or undefined. */
function ownValue(editor: YamlEditor, key: string): string | undefined {
	if (editor.isList(ENVIRONMENT)) return editor.itemValue(ENVIRONMENT, key)?.replaceAll('$$', '$');
	const node = editor.get([...ENVIRONMENT, key]);
	if (!isScalar(node) || node.value === null) return undefined;
	return typeof node.value === 'string' ? node.value.replaceAll('$$', '$') : String(node.value);
}

/**
 * Secret-bearing values never show in a diff: SECRETS_*, *PASSWORD*, *SECRET_KEY*. Line by
 * line, so a key with no value on its line (`SECRETS_email_password:` above its `valueFrom:`)
 * stays as it is: masking never replaces a line that holds no secret.
 */
export function maskYamlDiff(diff: string, changed: boolean): string {
	const mask = (head: string, key: string, separator: string, quote = '') => {
		const ours = key === LEGACY_PASSWORD_VARIABLE;
		const marker = ours ? (head.startsWith('+') && changed ? `${MASK} (new)` : MASK) : '(hidden)';
		return `${head}${key}${separator}${marker}${quote}`;
	};

	return diff
		.split('\n')
		.map(line => {
			if (/^(---|\+\+\+|@@)/.test(line)) return line;
			return line
				// `KEY: value`
				.replace(/^([ +-][ \t]*-?[ \t]*)([\w.]*(?:SECRETS?_|PASSWORD|SECRET_KEY)[\w.]*)([ \t]*:[ \t]*)(\S.*)$/i, (_match, head: string, key: string, separator: string) => mask(head, key, separator))
				// `- KEY=value`, quoted or not
				.replace(/^([ +-][ \t]*-[ \t]*(["']?))([\w.]*(?:SECRETS?_|PASSWORD|SECRET_KEY)[\w.]*)(=)(.*)$/i, (_match, head: string, quote: string, key: string, separator: string) => mask(head, key, separator, quote));
		})
		.join('\n');
}

/** `.env` holds every docker-zulip secret: its diff shows names only, ours masked. */
export function maskEnvDiff(diff: string, variable: string, changed: boolean): string {
	return diff
		.split('\n')
		.map(line => {
			if (/^(---|\+\+\+|@@)/.test(line)) return line;
			const match = /^([ +-])(\s*(?:export\s+)?)([\w.[\]-]+)(\s*[=:]\s*)(.*)$/.exec(line);
			if (!match) return line;
			const [, sign, lead, key, separator, value] = match;
			if (value === '') return line;
			const marker = key === variable ? (sign === '+' && changed ? `${MASK} (new)` : MASK) : '(hidden)';
			return `${sign}${lead}${key}${separator}${marker}`;
		})
		.join('\n');
}

function change(file: string, before: string | null, after: string, diff: (raw: string) => string, extra: Partial<FileChange> = {}): FileChange {
	const changed = before === null ? after !== '' : before !== after;
	return {path: file, before, after, changed, diff: changed ? diff(unifiedDiff(before ?? '', after, file)) : '', ...extra};
}

/** What the answers change in the project; read back as Compose would before it is offered. */
export function planCompose(loaded: ComposeConfig, answers: Answers, shell: NodeJS.ProcessEnv = process.env): Plan {
	const problems = answerProblems(loaded, answers);
	if (problems.length > 0) {
		const [first] = problems;
		throw new UsageError(first!.message, `Check ${first!.flag}.`);
	}

	const {files, texts, effective} = loaded;
	const flavor = effective.flavor;
	const editableBefore = texts.get(files.editable) ?? null;
	const editor = new YamlEditor(editableBefore ?? '', files.editable);
	// A key also set in the file this tool does not edit must be overridden, not just removed.
	const other = files.editable === files.override ? texts.get(files.base) ?? null : null;
	const otherEditor = other === null ? undefined : new YamlEditor(other, files.base);
	const owned = SETTING_ORDER.map(name => `SETTING_${name}`);
	const notes: string[] = [];
	const setOrClear = (key: string, value: string | null) => {
		const list = editor.isList(ENVIRONMENT);
		// An environment written as `- KEY=value` items stays a list.
		const put = (text: string) => (list ? editor.setItem(ENVIRONMENT, key, environmentScalar(`${key}=${text}`), owned) : editor.set(ENVIRONMENT, key, environmentScalar(text), owned));
		if (value === null) {
			if (otherEditor && holds(otherEditor, key)) put('');
			else if (list) editor.removeItem(ENVIRONMENT, key);
			else editor.remove(ENVIRONMENT, key);
			return;
		}

		const existing = ownValue(editor, key);
		// Already meaning the same to the entrypoint (e.g. an unquoted 587): keep the admin's bytes.
		if (existing !== undefined && settingLine(key, existing, flavor) === settingLine(key, value, flavor)) return;
		put(value);
	};

	for (const [name, value] of environmentSettings(answers, flavor)) setOrClear(`SETTING_${name}`, value);

	const password = desiredPassword(answers);
	const changes: FileChange[] = [];
	let passwordVariable = PASSWORD_VARIABLE;
	let legacyPassword = false;
	if (password !== undefined) {
		const value = password ?? '';
		const source = effective.secret;
		// Nothing logs in: an existing password source is emptied (Zulip's data volume keeps the last one set), none is added.
		const clearing = password === null;
		if (source.kind === 'legacy') {
			legacyPassword = true;
			const present = holds(editor, LEGACY_PASSWORD_VARIABLE);
			if (present ? ownValue(editor, LEGACY_PASSWORD_VARIABLE) !== value : !clearing) {
				if (editor.isList(ENVIRONMENT)) editor.setItem(ENVIRONMENT, LEGACY_PASSWORD_VARIABLE, environmentScalar(`${LEGACY_PASSWORD_VARIABLE}=${value}`), owned);
				else editor.set(ENVIRONMENT, LEGACY_PASSWORD_VARIABLE, environmentScalar(value), owned);
			}
		} else if (clearing && (source.kind === 'none' || !effective.secretAttached)) {
			// No secret to empty.
		} else if (source.kind === 'file') {
			const before = texts.get(source.path) ?? null;
			changes.push(change(source.path, before, value, () => secretFileDiff(source.path, before, value), {newMode: 0o600, private: true}));
		} else {
			if (!effective.secretAttached) {
				throw new ConfigError(
					`The zulip service does not list the ${PASSWORD_SECRET} secret, so docker-zulip cannot receive the password.`,
					`Add "- ${PASSWORD_SECRET}" under services.zulip.secrets in ${files.editable} (docker-zulip's compose.yaml lists it), then run again.`,
					'docker-secret-missing',
				);
			}

			if (source.kind === 'none') {
				editor.set(['secrets'], PASSWORD_SECRET, [`environment: ${yamlQuoted(PASSWORD_VARIABLE)}`]);
			} else {
				passwordVariable = source.variable;
			}

			const before = texts.get(files.envFile) ?? null;
			const after = setEnvValue(before ?? '', passwordVariable, value);
			changes.push(change(files.envFile, before, after, diff => maskEnvDiff(diff, passwordVariable, true), {newMode: 0o600, private: true}));
			if (shell[passwordVariable] !== undefined) notes.push(`${passwordVariable} is set in this shell's environment and wins over .env: unset it before running docker compose.`);
		}
	}

	const editable = change(files.editable, editableBefore, editor.text, diff => maskYamlDiff(diff, password !== undefined && password !== null), {
		newMode: 0o644,
		// The legacy layout keeps the password in the compose file itself.
		private: legacyPassword || undefined,
	});
	const all = [...changes, editable];
	verifyPlan(loaded, all, answers, password);
	return {loaded, answers, files: all, changed: all.some(file => file.changed), notes};
}

function secretFileDiff(file: string, before: string | null, after: string): string {
	const lines = [`--- ${file}`, `+++ ${file}`, '@@ password file @@'];
	if (before !== null && before !== '') lines.push(`-${MASK}`);
	if (after !== '') lines.push(`+${MASK} (new)`);
	return lines.join('\n') + '\n';
}

/** Read the planned files back the way Compose and the entrypoint will; refuse a plan that would not mean the answers. */
function verifyPlan(loaded: ComposeConfig, changes: readonly FileChange[], answers: Answers, password: string | null | undefined): void {
	const planned = new Map(loaded.texts);
	for (const file of changes) planned.set(file.path, file.after);
	const files: ProjectFiles = {...loaded.files, read: file => (planned.has(file) ? planned.get(file)! : loaded.files.read(file))};
	// The check reads .env only: a variable exported in this shell is reported as a note instead.
	const effective = effectiveCompose(files, {});
	const expected = environmentSettings(answers, effective.flavor);
	for (const [name, value] of expected) {
		const got = effective.environment.get(`SETTING_${name}`);
		const means = (raw: string | undefined) => (raw === undefined ? null : settingLine(name, raw, effective.flavor));
		if (means(got) !== means(value === null ? undefined : value)) {
			throw new BugError(`the planned compose files give SETTING_${name} ${JSON.stringify(got)}, not ${JSON.stringify(value)}`);
		}
	}

	if (typeof password === 'string' && effective.password !== password) throw new BugError('the planned compose files do not carry the new password');
}

/** Files a save would create or replace, for the permission check. */
function writableProblems(loaded: {files: ProjectFiles}): PermissionProblem[] {
	const problems: PermissionProblem[] = [];
	const {files} = loaded;
	for (const file of [files.editable, files.envFile]) {
		try {
			accessSync(path.dirname(file), constants.W_OK | constants.X_OK);
		} catch {
			problems.push({path: file, message: `Cannot create files in ${path.dirname(file)}, so ${path.basename(file)} cannot be saved.`, fix: 'Run as root (sudo), or as the user who owns the docker-zulip directory.'});
			break;
		}
	}

	return problems;
}

export function composeTarget(dir: string, options: {restartCommand?: string} = {}): ConfigTarget {
	const absolute = path.resolve(dir);
	return {
		kind: 'compose',
		permissionProblems() {
			try {
				return writableProblems({files: locateProject(absolute)});
			} catch {
				// Loading says what is wrong with the directory, with its fix.
				return [];
			}
		},
		load: options => loadCompose(absolute, options),
		async plan(loaded, answers) {
			if (loaded.kind !== 'compose') throw new BugError(`a ${loaded.kind} configuration given to the Compose target`);
			return planCompose(loaded, answers);
		},
		restartCommand: options.restartCommand ?? composeRestartCommand(absolute),
		// One lock per Compose directory, whichever layout and files it has.
		lockFile: path.join(absolute, 'docker-zulip'),
	};
}

/**
 * `docker compose up -d --force-recreate zulip` recreates the container with
 * the new environment and secret. `--force-recreate` because Compose compares
 * the service's configuration, not a secret's content: after a change of the
 * password alone (in `.env` or the secret's file) a plain `up -d` leaves the
 * old container running with the old secret (docker/compose#11900, #13045,
 * checked 2026-12). Recreating is harmless otherwise: Zulip's state lives in volumes.
 */
export function composeRestartCommand(dir: string): string {
	return `cd ${shellQuote(dir)} && docker compose up -d --force-recreate zulip`;
}

export function shellQuote(value: string): string {
	return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replaceAll("'", `'\\''`)}'`;
}
