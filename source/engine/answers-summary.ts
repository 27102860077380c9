import type {Answers} from './answers.js';
import type {LoadedConfig} from './current-config.js';
import {getProvider, regionFor, securityName, unlistedRegionNote} from './providers.js';

/** Loopback: the only place a password may travel without TLS (a relay on this machine or an SSH tunnel). */
export function isLoopbackHost(host: string): boolean {
	return /^(localhost|127(?:\.\d{1,3}){3}|::1|\[::1\])$/i.test(host.trim());
}

/**
 * A password sent without TLS to another machine crosses the network in the
 * clear (AUTH PLAIN is base64, not encryption). Both faces ask for it to be
 * meant: the wizard with a confirmation, --non-interactive with a flag.
 */
export function plaintextPasswordRisk(answers: Answers): string | undefined {
	const provider = getProvider(answers.providerId);
	if (provider.kind === 'file' || answers.security !== 'none' || answers.username === '' || answers.password.kind === 'none') return undefined;
	if (isLoopbackHost(answers.host)) return undefined;
	return `Without TLS the password for ${answers.username} crosses the network to ${answers.host} readable by anyone on the path.`;
}

/**
 * What the admin agreed to when sending the password without TLS: this
 * login, to this host. Another host or user asks again.
 */
export function plaintextConsent(answers: Answers): string {
	return `${answers.username}@${answers.host.trim().toLowerCase()}`;
}

/** The TLS modes offered instead of no TLS: STARTTLS on the same port (587 instead of 465), or SSL/TLS on 465. */
export function tlsInstead(answers: Answers): {starttls: {port: number; security: 'starttls'}; ssl: {port: number; security: 'ssl'}} {
	return {starttls: {port: answers.port === 465 ? 587 : answers.port, security: 'starttls'}, ssl: {port: 465, security: 'ssl'}};
}

/**
 * Said plainly when the answers remove a stored email_password (the file
 * backend, a relay without login): it is gone from the file, so a later
 * switch back cannot keep it and asks for it again.
 */
export function passwordRemovedNote(loaded: LoadedConfig, answers: Answers, secretsPath: string): string | undefined {
	const provider = getProvider(answers.providerId);
	const removed = provider.kind === 'file' || answers.username === '' || answers.password.kind === 'none';
	if (!removed || !loaded.current.passwordSet) return undefined;
	const why = provider.kind === 'file' ? 'the file backend logs in nowhere' : 'nothing logs in';
	return `email_password is removed from ${secretsPath} (${why}): switching back to an SMTP server later asks for the password again.`;
}

/** Words for what happens to email_password, as the summary and the review say it. */
function passwordWords(loaded: LoadedConfig, answers: Answers): string {
	const provider = getProvider(answers.providerId);
	const stored = loaded.current.passwordSet;
	if (provider.kind === 'file' || answers.username === '' || answers.password.kind === 'none') {
		return stored ? 'email_password removed from the secrets file (nothing logs in; a later switch back asks for it again)' : 'no password';
	}

	if (answers.password.kind === 'keep') return 'password kept';
	return answers.password.value === '' ? 'password not typed yet' : 'password new (hidden)';
}

/**
 * The answers in two or three short lines: the provider and server, the
 * login, the From addresses. Shown under the questions as they are answered
 * (going back replaces it) and above the diff in the review. `serverName`
 * names a server the face offered by its own name (the sandbox's relay).
 */
export function answersSummary(loaded: LoadedConfig, answers: Answers, to?: string, serverName?: string): string[] {
	const provider = getProvider(answers.providerId);
	const lines: string[] = [];
	if (provider.kind === 'file') {
		lines.push(`${provider.name} · ${answers.filePath ?? ''}`, passwordWords(loaded, answers));
	} else {
		const region = regionFor(provider, answers.region);
		const where = answers.host ? `${answers.host}:${answers.port} ${securityName(answers.security)}` : 'server not chosen yet';
		lines.push(`${serverName ?? provider.name}${region ? ` (${region.id})` : ''} · ${where}`);
		const unlisted = unlistedRegionNote(provider, answers.region);
		if (unlisted) lines.push(unlisted);
		lines.push(answers.username === '' ? `no login · ${passwordWords(loaded, answers)}` : `user ${answers.username} · ${passwordWords(loaded, answers)}`);
	}

	const {current} = loaded;
	const from = current.administrator ?? 'ZULIP_ADMINISTRATOR not set';
	const tokens = answers.tokens ?? current.tokens;
	const noreply = tokens
		? current.tokenizedTemplate?.replace('{token}', '<token>') ?? 'tokenized'
		: (typeof answers.noreplyAddress === 'string' ? answers.noreplyAddress : current.noreplyAddress) ?? "Zulip's default";
	lines.push(`From ${from} · noreply ${noreply}${to ? ` · test mails to ${to}` : ''}`);
	return lines;
}
