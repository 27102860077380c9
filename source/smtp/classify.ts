import type {SessionFailure} from './session.js';
import type {DiagnosisId, Security} from './types.js';

/**
 * Which probing a failure calls for:
 * - `connection`: the port does not connect; try the other ports.
 * - `plain-to-tls`: we spoke plain and got no greeting; also try TLS on this port (needs-ssl?).
 * - `tls-to-plain`: our TLS handshake failed; also try plain and STARTTLS on this port (needs-starttls?).
 * - `ports`: the port answers but lacks what the mode needs; try the other ports.
 */
export type ProbeNeed = 'connection' | 'plain-to-tls' | 'tls-to-plain' | 'ports';

export interface Classified {
	id: DiagnosisId;
	detail?: string;
	probe?: ProbeNeed;
}

export interface ClassifyContext {
	port: number;
	security: Security;
	user: string;
	password: string | null;
	/** The session logged in. */
	authenticated: boolean;
	/** The server offered STARTTLS in its plain EHLO. */
	offeredStarttls: boolean;
	timeoutMs: number;
	/** The current EHLO reply lists AUTH; absent means unknown (taken as offered). */
	offersAuth?: boolean;
	/** MAIL FROM of the refused transaction, so a refusal at RCPT that names it is read as the sender's. */
	sender?: string;
}

const dnsCodes = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NONAME', 'EAI_NODATA', 'ENODATA', 'ESERVFAIL', 'ENONAME', 'ETIMEOUT']);
const expiredCodes = new Set(['CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID']);
const mismatchCodes = new Set(['ERR_TLS_CERT_ALTNAME_INVALID', 'HOSTNAME_MISMATCH']);
const untrustedCodes = new Set([
	'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
	'UNABLE_TO_GET_ISSUER_CERT',
	'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
	'SELF_SIGNED_CERT_IN_CHAIN',
	'DEPTH_ZERO_SELF_SIGNED_CERT',
	'CERT_UNTRUSTED',
	'CERT_SIGNATURE_FAILURE',
	'CERT_REJECTED',
	'INVALID_CA',
	'CERT_CHAIN_TOO_LONG',
	'INVALID_PURPOSE',
	'CERT_REVOKED',
]);
// What OpenSSL says when the peer's bytes are no TLS record: a plain SMTP greeting, typically.
const notTlsCodes = new Set(['ERR_SSL_WRONG_VERSION_NUMBER', 'ERR_SSL_PACKET_LENGTH_TOO_LONG', 'ERR_SSL_UNKNOWN_PROTOCOL', 'ERR_SSL_HTTP_REQUEST', 'ERR_SSL_RECORD_LAYER_FAILURE', 'EPROTO']);

/** The certificate diagnosis for an OpenSSL/Node verification code, if it is one. */
export function certificateProblem(code: string | undefined): DiagnosisId | undefined {
	if (!code) return undefined;
	if (expiredCodes.has(code)) return 'certificate-expired';
	if (mismatchCodes.has(code)) return 'certificate-hostname-mismatch';
	if (untrustedCodes.has(code)) return 'certificate-untrusted';
	return undefined;
}

/** A server reply on one line, for a diagnosis detail. */
export function replyText(reply: string): string {
	return reply.trim().split(/\r?\n/).join(' | ');
}

function said(reply: string | undefined): string | undefined {
	return reply ? `Server said: ${replyText(reply)}` : undefined;
}

/**
 * OpenSSL's error lines made short and one line each: Node 20 says
 * `80CC0AC8677F0000:error:0A00010B:SSL routines:ssl3_get_record:wrong version number:../deps/…c:350:\n`,
 * Node 22 `error:0A00010B:SSL routines::wrong version number`; both become the
 * latter. Other text is left as it is. Raw, it belongs in a detail, never a headline.
 */
export function opensslText(text: string): string {
	return text.replace(/(?:[0-9A-F]{6,}:)?error:([0-9A-F]{8}):([^:\n]+):[^:\n]*:([^:\n]+)(?::[^\n]*)?\n?/g, 'error:$1:$2::$3').trimEnd();
}

function systemDetail(failure: SessionFailure): string {
	const code = failure.evidence.systemCode;
	const message = opensslText(failure.message);
	return code && !message.includes(code) ? `${code}: ${message}` : message;
}

/**
 * Why a TLS handshake was broken off, in words, when OpenSSL's code says so:
 * an alert from the server, or nothing in common. Zulip's Python links the
 * same kind of OpenSSL, so Zulip fails the same way.
 */
function handshakeReason(code: string | undefined, message: string): string | undefined {
	if (!code || !/^ERR_SSL_(?:(?:SSLV3|TLSV1\d*)_ALERT_|UNSUPPORTED_PROTOCOL|NO_PROTOCOLS_AVAILABLE|NO_SHARED_CIPHER|NO_CIPHERS_AVAILABLE|VERSION_TOO_LOW)/.test(code)) return undefined;
	const text = `${code} ${message}`;
	if (/PROTOCOL_VERSION|UNSUPPORTED_PROTOCOL|NO_PROTOCOLS_AVAILABLE|VERSION_TOO_LOW/i.test(text)) return 'The server and this machine have no TLS version in common: the server offers only versions older than TLS 1.2, which OpenSSL here refuses.';
	if (/CERTIFICATE_REQUIRED|BAD_CERTIFICATE/i.test(text)) return 'The server wants a client certificate, which Django never sends.';
	if (/HANDSHAKE_FAILURE|NO_SHARED_CIPHER|NO_CIPHERS_AVAILABLE|INSUFFICIENT_SECURITY/i.test(text)) return 'The server and this machine have no cipher in common.';
	return 'The server broke the TLS handshake off with an alert.';
}

/** TLS records start with a content type 0x14–0x17 and major version 3. */
function looksLikeTls(text: string | undefined): boolean {
	// eslint-disable-next-line no-control-regex
	return Boolean(text && /^[\u0014-\u0017]\u0003/.test(text));
}

function looksLikeSmtpReply(text: string): boolean {
	return /^\d{3}(?:[ -]|$)/.test(text);
}

/** A failure before login: connect, TLS handshake, greeting, EHLO, STARTTLS. */
export function classifySetupFailure(failure: SessionFailure, context: ClassifyContext): Classified {
	const {step, kind, evidence} = failure;
	const {reply, systemCode, received} = evidence;
	if (kind === 'cancelled') return {id: 'cancelled'};
	const certificate = certificateProblem(systemCode);
	if (certificate) return {id: certificate, detail: systemDetail(failure)};
	// A TLS handshake refused: the server speaks TLS, just not in a way this machine (or Zulip) accepts.
	const refused = handshakeReason(systemCode, failure.message);
	if (refused) return {id: 'tls-handshake-failed', detail: `${refused} OpenSSL said: ${systemDetail(failure)}`};

	if (step === 'connect') {
		if ((kind === 'timeout' && evidence.unresolved) || (systemCode && dnsCodes.has(systemCode))) {
			return {id: 'dns-not-found', detail: kind === 'timeout' ? `The DNS lookup gave no answer within ${context.timeoutMs} ms.` : systemDetail(failure)};
		}

		if (kind === 'timeout' || systemCode === 'ETIMEDOUT') return {id: 'connection-timeout', probe: 'connection'};
		return {id: 'connection-refused', detail: systemDetail(failure), probe: 'connection'};
	}

	if (reply && /^421[ -]/.test(reply)) return {id: 'temporary-failure', detail: said(reply)};

	// The TLS handshake of EMAIL_USE_SSL, before any SMTP.
	if (step === 'starttls' && failure.label === 'TLS handshake') {
		if (kind === 'timeout') return {id: 'timeout', detail: 'The server sent nothing back to the TLS handshake.', probe: 'tls-to-plain'};
		if (systemCode && notTlsCodes.has(systemCode)) return {id: 'needs-starttls', detail: `The server's answer was not TLS. OpenSSL said: ${systemDetail(failure)}`, probe: 'tls-to-plain'};
		return {id: 'protocol-error', detail: `The connection ended during the TLS handshake: ${systemDetail(failure)}`, probe: 'tls-to-plain'};
	}

	if (step === 'greeting') {
		if (looksLikeTls(received ?? reply)) return {id: 'needs-ssl', detail: 'The server answered with TLS bytes instead of an SMTP greeting.', probe: 'plain-to-tls'};
		if (kind === 'timeout') {
			if (context.security === 'ssl') return {id: 'timeout', detail: 'TLS was set up but no SMTP greeting followed.'};
			return {id: context.port === 465 ? 'needs-ssl' : 'timeout', detail: 'The server accepted the connection but sent no SMTP greeting, as a TLS-from-the-first-byte port does.', probe: 'plain-to-tls'};
		}

		const text = reply ?? received;
		if (text && looksLikeSmtpReply(text)) {
			if (/^4/.test(text)) return {id: 'temporary-failure', detail: said(text)};
			// A 5xx greeting: the server refuses to serve this client at all (blocklist, policy).
			return {id: 'connection-refused', detail: said(text)};
		}

		if (text) return {id: 'protocol-error', detail: `Not an SMTP greeting: ${replyText(text).slice(0, 200)}`, probe: context.security === 'ssl' ? undefined : 'plain-to-tls'};
		return {id: 'protocol-error', detail: 'The server closed the connection without a greeting.', probe: context.security === 'ssl' ? undefined : 'plain-to-tls'};
	}

	if (kind === 'timeout') return {id: 'timeout', detail: failure.label === 'STARTTLS' ? 'The TLS handshake after STARTTLS did not finish.' : undefined};

	if (step === 'starttls' || (step === 'ehlo' && context.security === 'starttls' && evidence.command === 'EHLO')) {
		if (step === 'starttls' && systemCode && notTlsCodes.has(systemCode)) return {id: 'protocol-error', detail: `The server accepted STARTTLS but did not speak TLS. OpenSSL said: ${systemDetail(failure)}`};
		if (reply && /^4/.test(reply) && context.offeredStarttls) return {id: 'temporary-failure', detail: said(reply)};
		if (reply || !context.offeredStarttls) {
			return {id: 'starttls-unavailable', detail: said(reply) ?? 'STARTTLS is not among the server\'s EHLO capabilities.', probe: 'ports'};
		}

		return {id: 'protocol-error', detail: `The connection ended during the TLS handshake after STARTTLS: ${systemDetail(failure)}`};
	}

	return {id: 'protocol-error', detail: said(reply) ?? systemDetail(failure)};
}

/**
 * Exchange Online's refusals of a password login by tenant policy: `535 5.7.139 Authentication
 * unsuccessful, basic authentication is disabled` (or "SmtpClientAuthentication is disabled for the
 * Tenant", "…security defaults policy"), and after the final removal `550 5.7.30 Basic authentication
 * is not supported for Client Submission`. Source: Exchange Team Blog, "Exchange Online to retire Basic
 * auth for Client Submission (SMTP AUTH)" (https://techcommunity.microsoft.com/t5/exchange-team-blog/exchange-online-to-retire-basic-auth-for-client-submission-smtp/ba-p/4114750)
 * (550 5.7.30); the 5.7.139 texts as collected in https://docs.bookyourpto.com/features/smtp-troubleshoot; the settings
 * (Get/Set-TransportConfig and Set-CASMailbox -SmtpClientAuthenticationDisabled) in Microsoft Learn,
 * https://learn.microsoft.com/en-us/exchange/clients-and-mobile-in-exchange-online/authenticated-client-smtp-submission; checked 2026-12.
 */
function basicAuthDisabled(reply: string): boolean {
	return /^535[ -]5\.7\.139\b/.test(reply) || (/^5\d\d[ -]5\.7\.30\b/.test(reply) && /basic auth/i.test(reply));
}

/** The reply to AUTH that ended smtplib's tries. */
export function classifyAuthReply(reply: string, secure: boolean): DiagnosisId {
	if (/^534[ -]5\.7\.9\b/.test(reply) || /application-specific password/i.test(reply)) return 'app-password-required';
	// Microsoft 365 refusing password logins (Basic auth) for SMTP AUTH: a tenant setting, not a wrong password.
	if (basicAuthDisabled(reply)) return 'basic-auth-disabled';
	if (!secure && /^53[08][ -]/.test(reply) && /STARTTLS|\bTLS\b|encrypt/i.test(reply)) return 'tls-required';
	if (/^4/.test(reply)) return 'temporary-failure';
	if (/^50[24][ -]/.test(reply) || /unrecognized authentication|mechanism (is )?not (supported|available)|unsupported authentication/i.test(reply)) return 'auth-unsupported';
	return 'auth-failed';
}

/** The server wants a login before it takes mail from or to this client. */
function demandsLogin(reply: string): boolean {
	return /^530[ -]/.test(reply) || /authenticat|auth(?:entication)? required|not logged in/i.test(reply);
}

/** A refusal to relay: mail for another domain from this client is not taken (no login was mentioned). */
function refusesRelay(reply: string): boolean {
	return /relay(?:ing)? (?:access )?(?:denied|not permitted|prohibited)|(?:not permitted|unable) to relay/i.test(reply);
}

/**
 * A refusal that names the sender, whatever step it came at: Postfix's
 * default smtpd_delay_reject=yes holds a sender restriction until RCPT TO,
 * so `553 5.7.1 <noreply-…>: Sender address rejected: not owned by user …`
 * answers RCPT TO. Enhanced codes 5.1.7/5.1.8 are the sender's (RFC 3463);
 * Exim says "sender verify failed" or "not permitted to send as", Microsoft
 * `5.7.60 SMTP; Client does not have permissions to send as this sender` (SendAsDenied).
 */
function refusesSender(reply: string, sender: string | undefined): boolean {
	if (/sender address rejected|not owned by user|sender verify failed|not permitted to send as|SendAsDenied|permissions? to send as this sender/i.test(reply)) return true;
	if (/^5\d\d[ -]5\.1\.[78]\b/m.test(reply) || /^5\d\d[ -]5\.7\.60\b/m.test(reply)) return true;
	// A policy refusal (5.7.1) that quotes the sender, not the recipient.
	return Boolean(sender) && /^5\d\d[ -]5\.7\.1\b/m.test(reply) && reply.toLowerCase().includes(`<${sender!.toLowerCase()}>`);
}

/** A refusal of MAIL FROM, RCPT TO or the message, read by its words and codes first, by its step last. */
export function classifyEnvelopeReply(reply: string, stage: 'mail' | 'rcpt' | 'data', context: ClassifyContext, secure: boolean): DiagnosisId {
	if (!secure && /^53[08][ -]/.test(reply) && /STARTTLS|\bTLS\b|encrypt/i.test(reply)) return 'tls-required';
	const offersAuth = context.offersAuth !== false;
	// A relay refusal asks for a login only where the server offers one.
	if (!context.authenticated && (demandsLogin(reply) || (offersAuth && refusesRelay(reply)))) {
		if (context.user && !context.password) return 'user-without-password';
		if (!context.user && context.password) return 'password-without-user';
		return 'auth-required';
	}

	if (/^5/.test(reply) && refusesRelay(reply)) return 'relay-denied';
	if (/^4/.test(reply)) return 'temporary-failure';
	if (stage === 'mail' || refusesSender(reply, context.sender)) return 'sender-rejected';
	if (stage === 'rcpt') return 'recipient-rejected';
	return 'message-rejected';
}
