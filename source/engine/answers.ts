import type {Security} from '../smtp/types.js';
import {passwordProblem} from '../zulip/secrets-file.js';
import type {DesiredSettings} from '../zulip/settings-file.js';
import {FILE_BACKEND, type LoadedConfig} from './current-config.js';
import {localMtaProblem} from './deployment-notes.js';
import {getProvider, providerHost, regionFor, regionProblem, securityForPort, type Provider, type ProviderId} from './providers.js';
import {addressProblem, filePathProblem, hostProblem, noreplyTemplateProblem, portProblem, usernameProblem} from './validate.js';

/** What happens to email_password in the secrets file. */
export type PasswordAnswer =
	| {readonly kind: 'keep'}
	| {readonly kind: 'new'; readonly value: string}
	| {readonly kind: 'none'};

/** Everything the wizard asks; the TUI fills it with prompts, the non-interactive face with flags. */
export interface Answers {
	readonly providerId: ProviderId;
	readonly region?: string;
	readonly host: string;
	readonly port: number;
	readonly security: Security;
	/** '' means no authentication. */
	readonly username: string;
	readonly password: PasswordAnswer;
	/** undefined: leave NOREPLY_EMAIL_ADDRESS alone; null: back to Zulip's default. */
	readonly noreplyAddress?: string | null;
	/** undefined: leave ADD_TOKENS_TO_NOREPLY_ADDRESS alone. */
	readonly tokens?: boolean;
	/** TOKENIZED_NOREPLY_EMAIL_ADDRESS with its {token}; undefined: leave alone; null: back to Zulip's default. */
	readonly tokenizedNoreply?: string | null;
	/** For the file backend. */
	readonly filePath?: string;
}

export const DEFAULT_FILE_PATH = '/var/log/zulip/emails';

/** Answers given up front by flags: the wizard preselects them, --non-interactive takes them as final. */
export interface GivenAnswers {
	readonly providerId?: ProviderId;
	readonly region?: string;
	readonly host?: string;
	readonly port?: number;
	readonly security?: Security;
	readonly username?: string;
	readonly noreplyAddress?: string;
	readonly tokens?: boolean;
	readonly tokenizedNoreply?: string;
	readonly filePath?: string;
	readonly to?: string;
}

/** A problem with one answer, with the flag that sets it (for the non-interactive face). */
export interface AnswerProblem {
	readonly field: 'provider' | 'region' | 'host' | 'port' | 'security' | 'username' | 'password' | 'noreply' | 'tokenizedNoreply' | 'filePath';
	readonly flag: string;
	readonly message: string;
}

/** Whether the answers keep talking to the same account, so the stored password still belongs to it. */
export function sameAccount(loaded: LoadedConfig, host: string, username: string): boolean {
	const {current} = loaded;
	return current.backend === 'smtp' && current.host?.toLowerCase() === host.toLowerCase() && current.user === username;
}

/** The stored email_password may be kept: it is set, and still belongs to the account being configured. */
export function canKeepStoredPassword(loaded: LoadedConfig, host: string, username: string): boolean {
	return loaded.current.passwordSet && sameAccount(loaded, host, username);
}

/**
 * Why an empty username (no login) is refused for this provider, if it is:
 * only a relay of one's own may accept mail without a login; the catalog's
 * providers all need one.
 */
export function emptyUsernameProblem(provider: Provider): string | undefined {
	if (!provider.needsAuth || provider.id === 'custom') return undefined;
	return `${provider.name} needs a username: ${provider.usernameHint ?? 'the SMTP login'}.`;
}

/** The TLS mode for a port given without one: the mode that fits the port; the local MTA speaks plain SMTP. */
export function securityForGivenPort(provider: Provider, port: number): Security {
	return provider.id === 'local' ? 'none' : securityForPort(port, 'starttls');
}

/** The password after the username changes: a new account needs a new password; no login needs none. */
export function passwordAfterUsername(previous: Answers, username: string): PasswordAnswer {
	if (username === '') return {kind: 'none'};
	if (username !== previous.username || previous.password.kind === 'none') return {kind: 'new', value: ''};
	return previous.password;
}

/**
 * The starting answers with the given ones on top: a given port without a
 * TLS mode gets the mode that fits it, a provider's fixed username stands
 * unless one is given, and a changed username drops the stored password.
 */
export function withGivenAnswers(base: Answers, given: GivenAnswers): Answers {
	const provider = getProvider(base.providerId);
	if (provider.kind === 'file') return {...base, filePath: given.filePath ?? base.filePath};
	const port = given.port ?? base.port;
	const security = given.security ?? (given.port === undefined ? base.security : securityForGivenPort(provider, port));
	const username = given.username ?? provider.fixedUsername ?? base.username;
	return {...base, host: given.host ?? base.host, port, security, username, password: passwordAfterUsername(base, username)};
}

/**
 * The answers a provider starts from: on a rerun with the same provider, what
 * is configured now; otherwise the provider's recommended endpoint.
 */
export function answersForProvider(loaded: LoadedConfig, providerId: ProviderId, region?: string): Answers {
	const provider = getProvider(providerId);
	const {current} = loaded;
	if (provider.kind === 'file') {
		return {providerId, host: current.host ?? '', port: current.port, security: current.security, username: '', password: {kind: 'none'}, filePath: current.filePath ?? DEFAULT_FILE_PATH};
	}

	const sameProvider = current.providerId === providerId && current.backend === 'smtp' && (region === undefined || region === current.region);
	if (sameProvider && current.host) {
		const username = provider.needsAuth ? current.user : '';
		return {
			providerId,
			region: current.region ?? region,
			host: current.host,
			port: current.port,
			security: current.security,
			username,
			password: !provider.needsAuth || username === '' ? {kind: 'none'} : current.passwordSet ? {kind: 'keep'} : {kind: 'new', value: ''},
		};
	}

	const endpoint = provider.endpoints[0] ?? {port: 587, security: 'starttls' as const};
	region = regionFor(provider, region)?.id ?? region;
	const host = providerHost(provider, region) ?? '';
	const username = provider.fixedUsername ?? '';
	const password: PasswordAnswer = provider.needsAuth ? {kind: 'new', value: ''} : {kind: 'none'};
	return {providerId, region, host, port: endpoint.port, security: endpoint.security, username, password};
}

export function answerProblems(loaded: LoadedConfig, answers: Answers): AnswerProblem[] {
	const problems: AnswerProblem[] = [];
	const provider = getProvider(answers.providerId);
	const add = (field: AnswerProblem['field'], flag: string, message: string | undefined) => {
		if (message) problems.push({field, flag, message});
	};

	if (provider.kind === 'file') {
		add('filePath', '--file-path', filePathProblem(answers.filePath ?? ''));
	} else {
		// docker-zulip: localhost:25 is Zulip's own inbound gateway, never a sender (source/engine/deployment-notes.ts).
		if (provider.id === 'local') add('provider', '--provider', localMtaProblem(loaded.kind)?.message);
		if (provider.regions && !answers.region && !answers.host) add('region', '--region', `Choose the region of your ${provider.name} account.`);
		if (answers.region) add('region', '--region', regionProblem(provider, answers.region));

		add('host', '--host', hostProblem(answers.host));
		add('port', '--port', portProblem(answers.port));
		if (!['ssl', 'starttls', 'none'].includes(answers.security)) add('security', '--security', 'TLS mode must be starttls, ssl or none.');
		add('username', '--username', usernameProblem(answers.username));
		if (answers.username !== '') {
			if (answers.password.kind === 'new') {
				add('password', '--password-file', answers.password.value === '' ? 'A password is needed to log in as ' + answers.username + '.' : passwordProblem(answers.password.value, {typed: false}));
			} else if (answers.password.kind === 'keep' && !loaded.current.passwordSet) {
				add('password', '--password-file', 'There is no stored password to keep.');
			}
		}
	}

	if (typeof answers.noreplyAddress === 'string') add('noreply', '--noreply', addressProblem(answers.noreplyAddress));
	if (typeof answers.tokenizedNoreply === 'string') add('tokenizedNoreply', '--tokenized-noreply', noreplyTemplateProblem(answers.tokenizedNoreply));
	const template = loaded.current.tokenizedTemplate;
	if (answers.tokens && answers.tokenizedNoreply === undefined && template && loaded.snapshot.values.TOKENIZED_NOREPLY_EMAIL_ADDRESS) add('noreply', '--tokens', noreplyTemplateProblem(template));
	return problems;
}

/** The settings.py values these answers mean, for the settings editor. */
export function desiredSettings(answers: Answers): DesiredSettings {
	const provider = getProvider(answers.providerId);
	const desired: DesiredSettings = {};
	if (provider.kind === 'file') {
		desired.EMAIL_BACKEND = FILE_BACKEND;
		desired.EMAIL_FILE_PATH = answers.filePath ?? DEFAULT_FILE_PATH;
		// Zulip checks the login on every send, whatever the backend: a user left without its password logs an error each time.
		desired.EMAIL_HOST_USER = null;
	} else {
		// Leaving the file backend (or any other) must remove its effect entirely.
		desired.EMAIL_BACKEND = null;
		desired.EMAIL_FILE_PATH = null;
		desired.EMAIL_HOST = answers.host;
		desired.EMAIL_PORT = answers.port;
		desired.EMAIL_USE_TLS = answers.security === 'starttls';
		desired.EMAIL_USE_SSL = answers.security === 'ssl';
		desired.EMAIL_HOST_USER = answers.username;
	}

	if (answers.noreplyAddress !== undefined) desired.NOREPLY_EMAIL_ADDRESS = answers.noreplyAddress;
	if (answers.tokens !== undefined) desired.ADD_TOKENS_TO_NOREPLY_ADDRESS = answers.tokens;
	if (answers.tokenizedNoreply !== undefined) desired.TOKENIZED_NOREPLY_EMAIL_ADDRESS = answers.tokenizedNoreply;
	return desired;
}

/** The email_password these answers mean: a value, null to remove it, or undefined to leave it. */
export function desiredPassword(answers: Answers): string | null | undefined {
	const provider = getProvider(answers.providerId);
	// No stale credential may linger where nothing logs in.
	if (provider.kind === 'file' || answers.username === '' || answers.password.kind === 'none') return null;
	if (answers.password.kind === 'keep') return undefined;
	return answers.password.value;
}
