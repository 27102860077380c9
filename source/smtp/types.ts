import type {LookupFunction} from 'node:net';
import type {LocalMtaReport} from './local-mta/follow.js';
/**
 * How the connection is secured, named after Django's settings:
 * `ssl` = EMAIL_USE_SSL (TLS from the first byte), `starttls` = EMAIL_USE_TLS
 * (plain connect, then STARTTLS, which is mandatory), `none` = plain all the
 * way: never upgraded, even when the server offers STARTTLS.
 */
export type Security = 'ssl' | 'starttls' | 'none';

/** The outgoing-email settings as Zulip reads them. */
export interface SmtpSettings {
	/** EMAIL_HOST. */
	host: string;
	/** EMAIL_PORT. */
	port: number;
	security: Security;
	/** EMAIL_HOST_USER; empty means Django never logs in. */
	user: string;
	/** The `email_password` secret: null when the key is missing, '' when empty. */
	password: string | null;
	/** The files these settings came from, so fixes name them (--settings, --secrets). */
	files?: {readonly settings: string; readonly secrets: string};
}

/**
 * `default` = FromAddress.SUPPORT (ZULIP_ADMINISTRATOR); `noreply-plain` =
 * FromAddress.NOREPLY (NOREPLY_EMAIL_ADDRESS: since Zulip 4.0 the envelope
 * sender of every templated mail); `noreply-tokenized` = an address from
 * TOKENIZED_NOREPLY_EMAIL_ADDRESS (confirmation mails, send_test_email).
 */
export type SenderRole = 'default' | 'noreply-plain' | 'noreply-tokenized';

/** One envelope sender Zulip sends with. */
export interface Sender {
	role: SenderRole;
	/** The bare address: MAIL FROM. */
	address: string;
	/** The test mail's From header when Zulip's differs from the envelope, e.g. "Zulip <noreply-…@…>". */
	fromHeader?: string;
}

export type DiagnosisId =
	| 'dns-not-found'
	| 'connection-refused'
	| 'connection-timeout'
	| 'needs-ssl'
	| 'needs-starttls'
	| 'starttls-unavailable'
	| 'tls-required'
	| 'certificate-untrusted'
	| 'certificate-hostname-mismatch'
	| 'certificate-expired'
	| 'tls-handshake-failed'
	| 'auth-failed'
	| 'auth-required'
	| 'auth-unsupported'
	| 'app-password-required'
	| 'basic-auth-disabled'
	| 'sender-rejected'
	| 'recipient-rejected'
	| 'relay-denied'
	| 'mail-stuck'
	| 'message-rejected'
	| 'temporary-failure'
	| 'timeout'
	| 'protocol-error'
	| 'file-backend-not-writable'
	| 'credentials-not-ascii'
	| 'password-without-user'
	| 'user-without-password'
	// Not produced by the live test itself: the engine reports it when Zulip has no backend to test.
	| 'not-configured'
	| 'cancelled';

/** What went wrong, why, and what to change. */
export interface Diagnosis {
	id: DiagnosisId;
	/** What happened, in one or two plain sentences. */
	message: string;
	/** The concrete change: setting, value and the wizard's flag. */
	fix: string;
	/** Evidence: the server's reply, the certificate's subject/issuer/expiry… never the password. */
	detail?: string;
}

/** A port/security combination that answered when the configured one did not. */
export interface Suggestion {
	port: number;
	security: Security;
	/** Why it is suggested, e.g. "it greeted and completed STARTTLS". */
	reason: string;
}

/**
 * `starttls` is also the step name of the TLS handshake with `ssl` (label
 * "TLS handshake"): it is the step where TLS is set up either way.
 */
export type StepName = 'connect' | 'greeting' | 'ehlo' | 'starttls' | 'auth' | 'sender' | 'send' | 'file';

/** Progress of the live test, for the UI and the plain reporter. */
export interface TestEvent {
	step: StepName;
	status: 'start' | 'ok' | 'fail';
	/** What is being done, e.g. "STARTTLS", "MAIL FROM:<noreply-…@example.com>". */
	label: string;
	/** Time spent in this step so far: 0 on `start`, the step's duration on `ok`/`fail`. */
	elapsedMs: number;
	/** The sender the step is about (sender and send steps). */
	sender?: Sender;
}

export interface SenderResult {
	address: string;
	role: SenderRole;
	ok: boolean;
	/**
	 * Why this sender failed. Absent with `ok: false` when the sender was not
	 * reached because the whole connection failed: see TestReport.diagnosis.
	 */
	diagnosis?: Diagnosis;
	/** True when the test mail from this sender was accepted (only with `to`). */
	sent?: boolean;
}

/** Something that works in Zulip today but deserves attention; never fails the test. */
export interface TestWarning {
	/** certificate-not-verified: the running Zulip accepts a certificate a newer one will refuse; slow-step: a step took long, within Zulip's limit; handover-only: the MTA on this machine took the mail, what it did next could not be read. */
	id: 'certificate-not-verified' | 'slow-step' | 'handover-only';
	message: string;
	fix?: string;
	detail?: string;
}

export interface TestReport {
	ok: boolean;
	/** Passed, with these caveats. */
	warnings?: TestWarning[];
	/**
	 * A failure of the whole session (connection, TLS, login, cancel): no
	 * sender could be tried past it. Per-sender failures live in `senders`.
	 */
	diagnosis?: Diagnosis;
	senders: SenderResult[];
	/** A port/security combination that answered while the configured one failed. */
	suggestion?: Suggestion;
	/** The relay is this machine's MTA: what it did with each test mail after accepting it. */
	localMta?: LocalMtaReport;
	durationMs: number;
}

export interface SmtpTestOptions {
	settings: SmtpSettings;
	senders: Sender[];
	/** Send the two test mails here; without it each sender is only checked (MAIL FROM, RCPT TO, RSET). */
	to?: string;
	/** Never DATA: with `to`, it is only the RCPT TO address of the check (--check --no-send). */
	noSend?: boolean;
	/** Deadline of every single step, in ms; default 15000, Zulip's own EMAIL_TIMEOUT. */
	timeoutMs?: number;
	/** Deadline of the TCP connect after the lookup; default 5000 when timeoutMs is not given, else timeoutMs. */
	connectTimeoutMs?: number;
	/**
	 * Whether the running Zulip verifies the server's certificate (Django 4.2+,
	 * Zulip 7+). Default true. When false, a certificate problem is a warning
	 * and the test goes on as that Zulip would.
	 */
	verifyCertificates?: boolean;
	/** For warnings: the running release, e.g. "Zulip 6.1". */
	zulipName?: string;
	/** An extra CA certificate (PEM) to trust on top of the system's. */
	caFile?: string;
	signal?: AbortSignal;
	onEvent?: (event: TestEvent) => void;
	/** Write the SMTP dialogue here (mode 0600), every secret masked. */
	transcriptPath?: string;
	/** Default true: when the connection or TLS mode fails, try other ports in parallel. */
	probe?: boolean;
	/** Where to probe, most preferred first. Default: 587 starttls, 465 ssl, 2525 starttls, 25 starttls (and 25 none without credentials). */
	probeCandidates?: Array<{port: number; security: Security}>;
	/** Resolves EMAIL_HOST; default the system's resolver, as Python's socket module uses. Tests pass one that never leaves the machine. */
	lookup?: LookupFunction;
	/** EHLO name; default the machine's FQDN as Python's socket.getfqdn() finds it (what Django sends). */
	ehloName?: string;
	/**
	 * When EMAIL_HOST is this machine, the test mails are followed through its
	 * MTA (its tools found on PATH). `env` gives the tools their PATH and
	 * environment, `deadlineMs` bounds the wait for its decision (default 20 s);
	 * false: only the hand-over is tested.
	 */
	localMta?: false | {readonly env?: NodeJS.ProcessEnv; readonly deadlineMs?: number};
	/** About the local mail server on this Zulip (e.g. Zulip 11's removal of postfix): appended to the fixes that install or reconfigure one. */
	localServerNote?: string;
}
