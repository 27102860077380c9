import {DIAGNOSES} from '../smtp/diagnoses.js';
import type {DiagnosisId} from '../smtp/types.js';

/**
 * Why a send in Zulip's log failed, as one id: the live test's diagnosis
 * ids where the log shows the same failure (one engine, so the fix reads the
 * same), and a few the live test never sees because they only happen when
 * real mail flows: sending limits, spam filters, size limits.
 */
export type LogOnlyId = 'rate-limited' | 'rejected-as-spam' | 'message-too-large' | 'unexplained';
export type LogFailureId = DiagnosisId | LogOnlyId;

export const LOG_ONLY_DIAGNOSES: Readonly<Record<LogOnlyId, {readonly meaning: string; readonly fix: string}>> = {
	'rate-limited': {
		meaning: 'The provider refused mail because a sending rate or quota was reached.',
		fix: 'Look up the account\'s sending limits at the provider (a new account is often limited until reviewed); raise the quota or move to a plan that allows this volume. Zulip does not resend mail that failed this way.',
	},
	'rejected-as-spam': {
		meaning: 'The provider or the receiving server refused the message as spam, or for its content.',
		fix: 'Publish SPF, DKIM and DMARC for the From domain (`zulip-email-setup --check-dns`), and check the provider\'s suppression and reputation pages for this sender.',
	},
	'message-too-large': {
		meaning: 'The message was larger than the server accepts.',
		fix: 'The server\'s size limit is below this message (digests and notifications with many images grow large): raise the limit on a relay of your own (Postfix: message_size_limit), or ask the provider.',
	},
	unexplained: {
		meaning: 'Zulip logged a failed send without saying why.',
		fix: 'Read /var/log/zulip/errors.log around that time for the traceback, and run `zulip-email-setup --check` to test the settings.',
	},
};

/** The fix, in general terms, for a log failure id. */
export function logFix(id: LogFailureId): string {
	return id in LOG_ONLY_DIAGNOSES ? LOG_ONLY_DIAGNOSES[id as LogOnlyId].fix : DIAGNOSES[id as DiagnosisId].fix;
}

/** What a failed send looked like in the log, as far as the classifier needs it. */
export interface FailureEvidence {
	/** The SMTP reply code Zulip logged ("with error code 535"), when it did. */
	readonly code?: number;
	/** Everything after "email to …": the server's text or the exception's str(). */
	readonly text: string;
	/** The last exception line of the traceback, e.g. "smtplib.SMTPAuthenticationError: (535, b'…')". */
	readonly exception?: string;
}

/** A size refusal: RFC 3463 5.3.4, or the words every MTA uses. */
const TOO_LARGE = /\b5\.3\.4\b|too (?:large|big)|size (?:limit|exceeded)|exceeds? (?:the )?(?:maximum |max )?(?:message )?size|message size/i;
const SPAM = /\bspam\b|\bjunk\b|phish|virus|malware|content (?:filter|rejected|policy)|rejected (?:for|due to) (?:its )?content|\bblocked by (?:policy|content)|reputation/i;
const RATE = /rate.?limit|too many (?:messages|mails|emails|recipients|connections)|quota|sending limit|daily (?:user )?(?:sending )?limit|limit (?:exceeded|reached)|exceeded.*limit|throttl|\b[45]\.4\.5\b|\b4\.7\.28\b|\b5\.7\.60\b/i;
const MAILBOX_FULL = /mailbox (?:is )?full|\b[45]\.2\.2\b|over quota for (?:user|mailbox)/i;

function certificateId(text: string): DiagnosisId {
	if (/expired|not yet valid/i.test(text)) return 'certificate-expired';
	if (/hostname mismatch|doesn't match|does not match|not valid for/i.test(text)) return 'certificate-hostname-mismatch';
	return 'certificate-untrusted';
}

/**
 * The cause of one failed send. What smtplib raises (zerver/lib/send_email.py
 * logs e.smtp_code and e.smtp_error for an SMTPResponseException, str(e) for
 * other SMTP and socket errors) is matched by exception class first, then by
 * the enhanced status code and the words in the server's reply.
 */
export function classifyLogFailure(evidence: FailureEvidence): LogFailureId {
	const {code, text} = evidence;
	const exception = evidence.exception ?? '';
	const all = `${exception}\n${text}`;
	const name = /^([\w.]+)/.exec(exception)?.[1] ?? '';

	// Socket and TLS errors before any SMTP words: their text holds none.
	if (/ConnectionRefusedError|\[Errno 111\]|Connection refused/i.test(all)) return 'connection-refused';
	if (/gaierror|Name or service not known|Temporary failure in name resolution|No address associated|nodename nor servname/i.test(all)) return 'dns-not-found';
	if (/CERTIFICATE_VERIFY_FAILED|SSLCertVerificationError|CertificateError/i.test(all)) return certificateId(all);
	if (/WRONG_VERSION_NUMBER/.test(all)) return 'needs-starttls';
	if (/\bSSL(?:Error|ZeroReturnError|EOFError)\b|\[SSL[:\]]|TLSV1_ALERT|SSLV3_ALERT|HANDSHAKE_FAILURE/i.test(all)) return 'tls-handshake-failed';
	if (/STARTTLS extension not supported/i.test(all)) return 'starttls-unavailable';
	if (/ConnectionResetError|ConnectionAbortedError|BrokenPipeError/.test(all)) return 'protocol-error';
	if (/(?:^|\W)(?:TimeoutError|socket\.timeout|timeout)\b|timed out/i.test(all) && !/^\d{3}\b/.test(text)) return 'connection-timeout';
	if (/SMTPServerDisconnected|Connection unexpectedly closed|please run connect\(\) first/i.test(all)) return 'protocol-error';
	if (/No suitable authentication method|SMTP AUTH extension not supported/i.test(all)) return 'auth-unsupported';
	if (/UnicodeEncodeError/.test(all)) return 'credentials-not-ascii';

	// The server's reply, by what it says rather than only its code.
	const replyCode = code ?? Number(/\((\d{3}),/.exec(all)?.[1] ?? /^(\d{3})\b/.exec(text)?.[1] ?? Number.NaN);
	if (/^53[08]$/.test(String(replyCode)) && /STARTTLS|\bTLS\b|encrypt/i.test(all)) return 'tls-required';
	if (/SMTPAuthenticationError/.test(name) || replyCode === 535 || replyCode === 534) {
		if (/5\.7\.9|application-specific password/i.test(all)) return 'app-password-required';
		return 'auth-failed';
	}

	if (replyCode === 530 || /authentication required/i.test(all)) return 'auth-required';
	if (MAILBOX_FULL.test(all)) return 'recipient-rejected';
	if (TOO_LARGE.test(all) || replyCode === 552) return 'message-too-large';
	if (RATE.test(all)) return 'rate-limited';
	if (SPAM.test(all)) return 'rejected-as-spam';
	if (/SMTPSenderRefused|Sender address rejected|sender (?:verify|address) (?:failed|rejected)/i.test(all)) return 'sender-rejected';
	if (/SMTPRecipientsRefused|Recipient address rejected|User unknown|no such user|mailbox unavailable|\b5\.1\.1\b/i.test(all)) return 'recipient-rejected';
	if (/SMTPConnectError/.test(name)) return 'connection-refused';
	if (/^4\d\d$/.test(String(replyCode))) return 'temporary-failure';
	if (/SMTPDataError/.test(name)) return 'message-rejected';
	if (/^5\d\d$/.test(String(replyCode))) return /MAIL FROM|sender/i.test(all) ? 'sender-rejected' : 'message-rejected';
	return 'unexplained';
}
