import net from 'node:net';
import type tls from 'node:tls';
import {performance} from 'node:perf_hooks';
import {format} from 'node:util';
import SMTPConnection from 'nodemailer/lib/smtp-connection';
import type {Transcript} from './transcript.js';
import type {Security, Sender, StepName, TestEvent} from './types.js';

export type FailureKind = 'timeout' | 'cancelled' | 'error';

/** Why a step of a session failed, with the evidence the diagnosis needs. */
export class SessionFailure extends Error {
	constructor(
		readonly step: StepName,
		readonly label: string,
		readonly kind: FailureKind,
		readonly evidence: {
			/** nodemailer's error code (ECONNECTION, ETLS, EAUTH, EENVELOPE, ESOCKET…). */
			code?: string;
			/** The system or OpenSSL code underneath (ECONNREFUSED, CERT_HAS_EXPIRED, ERR_SSL_WRONG_VERSION_NUMBER…). */
			systemCode?: string;
			/** The server's reply that failed the step. */
			reply?: string;
			/** The SMTP command the reply answers (MAIL FROM, RCPT TO, DATA…). */
			command?: string;
			/** Bytes the server sent that were no SMTP reply (garbage, TLS records). */
			received?: string;
			/** The host name had not resolved yet when the step failed. */
			unresolved?: boolean;
		} = {},
		message?: string,
	) {
		super(message ?? `${label}: ${kind}`);
		this.name = 'SessionFailure';
	}

	/** performance.now() when the failed step began: probes share its deadline window. */
	stepStarted = performance.now();
}

export interface SessionOptions {
	host: string;
	port: number;
	security: Security;
	/** Deadline of each step. */
	timeoutMs: number;
	/**
	 * Deadline of the TCP connect once the name has resolved (the lookup keeps
	 * timeoutMs); default timeoutMs. A connect is answered within a few
	 * round trips or its packets are being dropped, so a shorter one gives a
	 * firewalled port its verdict early.
	 */
	connectTimeoutMs?: number;
	/** Verify the server's certificate (Django 4.2+, Zulip 7+); false = accept any, as older Django does. Default true. */
	verifyCertificate?: boolean;
	/** performance.now() time no step may outlive (probes share the window of the step they stand in for). */
	deadline?: number;
	secureContext: tls.SecureContext;
	/** Resolves the host name; default the system's (getaddrinfo). */
	lookup?: net.LookupFunction;
	/** The EHLO name; a promise is awaited only once connected, so its DNS lookups overlap the connect. */
	ehloName: string | Promise<string>;
	signal?: AbortSignal;
	transcript?: Transcript;
	/** Prefix of this session's transcript lines (probes mark theirs). */
	transcriptPrefix?: string;
	/** Also put the message data in the transcript. */
	logData?: boolean;
	onEvent?: (event: TestEvent) => void;
	/** Called when connect, the TLS handshake or the greeting has taken slowAfterMs, with that step's deadline. */
	onSlow?: (step: StepName, deadline: number) => void;
	slowAfterMs?: number;
}

/**
 * nodemailer has no public call for a bare command: its send() always goes on
 * to DATA, and the sender check must stop at RCPT TO and RSET, as a dry run.
 * These two members have been stable across nodemailer's releases; a change
 * fails every sender test loudly rather than silently.
 */
interface CommandInternals {
	_sendCommand(line: string): void;
	_responseActions: Array<(reply: string) => void>;
}

interface Phase {
	step: StepName;
	label: string;
	sender?: Sender;
	started: number;
	reply?: string;
	timer: NodeJS.Timeout;
	slowTimer?: NodeJS.Timeout;
}

interface Pending {
	resolve: (value: unknown) => void;
	reject: (failure: SessionFailure) => void;
}

const setupSteps = new Set<StepName>(['connect', 'starttls', 'greeting']);

/**
 * One SMTP session the way Django's backend drives it, step by step, each
 * step with its own deadline: TCP connect (ours, so DNS, connect and TLS are
 * told apart), then nodemailer's SMTPConnection over that socket for TLS,
 * greeting, EHLO and STARTTLS, login, and commands.
 */
export class SmtpSession {
	/** The last EHLO reply (after STARTTLS when there was one). */
	ehloReply = '';
	/** The EHLO reply received before any TLS. */
	plainEhloReply = '';
	authenticated = false;
	/** The greeting line(s), once received. */
	greeting = '';

	private connection?: SMTPConnection;
	private socket?: net.Socket;
	private phase?: Phase;
	private pending?: Pending;
	private failure?: SessionFailure;
	private closed = false;
	private secure = false;
	private resolved = false;
	private lastServerText?: string;
	private readonly abortListener = () => this.fail(new SessionFailure(this.phase?.step ?? 'connect', this.phase?.label ?? 'connect', 'cancelled', {}, 'Cancelled'), true);

	constructor(private readonly options: SessionOptions) {
		options.signal?.addEventListener('abort', this.abortListener, {once: true});
	}

	/** Whether the server offered STARTTLS before TLS (Django's EMAIL_USE_TLS needs it). */
	get offeredStarttls(): boolean {
		return /^\d{3}[ -]STARTTLS\b/im.test(this.plainEhloReply);
	}

	/** Whether the current EHLO reply advertises AUTH at all (smtplib's has_extn('auth')). */
	get offersAuth(): boolean {
		return /^\d{3}[ -]AUTH(?:[ =]|$)/im.test(this.ehloReply);
	}

	/** The SASL mechanisms in the current EHLO reply, upper-case. */
	get authMechanisms(): string[] {
		const mechanisms = new Set<string>();
		for (const match of this.ehloReply.matchAll(/^\d{3}[ -]AUTH[ =](.*)$/gim)) {
			for (const name of match[1]!.trim().split(/[\s=]+/)) if (name) mechanisms.add(name.toUpperCase());
		}

		return [...mechanisms];
	}

	get supportsSmtpUtf8(): boolean {
		return /^\d{3}[ -]SMTPUTF8\b/im.test(this.ehloReply);
	}

	/** Usable for another command: opened, not failed fatally, not closed by either side. */
	get alive(): boolean {
		return Boolean(this.connection) && !this.failure && !this.closed && !this.connection!.destroyed;
	}

	/** Connect, TLS, greeting, EHLO, STARTTLS: everything before login. */
	async open(): Promise<void> {
		const socket = await this.connectTcp();
		const name = await this.options.ehloName;
		await this.operate<void>(resolve => {
			const {host, port, security, timeoutMs} = this.options;
			const connection = new SMTPConnection({
				host,
				port,
				connection: socket,
				secure: security === 'ssl',
				// Django: STARTTLS is mandatory with EMAIL_USE_TLS and never tried without it.
				requireTLS: security === 'starttls',
				ignoreTLS: security !== 'starttls',
				opportunisticTLS: false,
				name,
				tls: {secureContext: this.options.secureContext, rejectUnauthorized: this.options.verifyCertificate !== false, ...(net.isIP(host) ? {} : {servername: host})},
				// Backstops only: our own per-step timers fire first and say which step stalled.
				connectionTimeout: 4 * timeoutMs + 1000,
				greetingTimeout: timeoutMs + 1000,
				socketTimeout: 2 * timeoutMs + 1000,
				socketCloseTimeout: Math.min(timeoutMs, 2000),
				logger: this.logger(),
				transactionLog: true,
				debug: Boolean(this.options.logData),
			});
			this.connection = connection;
			connection.on('error', (error: Error) => this.fail(this.failureFrom(error), true));
			connection.on('end', () => {
				this.closed = true;
				if (this.pending) this.fail(new SessionFailure(this.phase?.step ?? 'greeting', this.phase?.label ?? 'greeting', 'error', {code: 'ECONNECTION', received: this.lastServerText}, 'Connection closed'), true);
			});
			if (security === 'ssl') this.begin('starttls', 'TLS handshake');
			else this.begin('greeting', 'greeting');
			connection.connect(error => {
				if (error) {
					this.fail(this.failureFrom(error), true);
					return;
				}

				this.endPhase();
				resolve();
			});
		});
	}

	/** One login attempt with one mechanism; a refusal leaves the session usable. */
	login(method: string, user: string, password: string): Promise<void> {
		return this.operate<void>(resolve => {
			this.begin('auth', `AUTH ${method}`);
			this.connection!.login({user, pass: password, method}, error => {
				if (error) {
					const failure = this.failureFrom(error);
					this.fail(failure, !failure.evidence.reply);
					return;
				}

				this.authenticated = true;
				this.endPhase();
				resolve();
			});
		});
	}

	/** Send one command, resolve with the server's reply whatever its code. */
	command(line: string, step: StepName, label: string, sender?: Sender): Promise<string> {
		return this.operate<string>(resolve => {
			this.begin(step, label, sender);
			const internals = this.connection as unknown as CommandInternals;
			internals._responseActions.push(reply => {
				this.endPhase(/^[23]/.test(reply));
				resolve(reply);
			});
			internals._sendCommand(line);
		});
	}

	/** MAIL FROM, RCPT TO, DATA and the message, as smtplib's sendmail does; resolves with the reply to the message (it may name the queue id). */
	send(from: string, to: string, message: string, label: string, sender: Sender): Promise<string> {
		return this.operate<string>(resolve => {
			this.begin('send', label, sender);
			this.connection!.send({from, to: [to], size: Buffer.byteLength(message)}, message, (error, info) => {
				if (error) {
					const failure = this.failureFrom(error);
					this.fail(failure, !failure.evidence.reply);
					return;
				}

				this.endPhase();
				resolve(String((info as {response?: string} | undefined)?.response ?? ''));
			});
		});
	}

	/** QUIT, wait briefly for the reply (as smtplib does), then close. Never throws. */
	async quit(): Promise<void> {
		if (this.alive && !this.pending) {
			const internals = this.connection as unknown as CommandInternals;
			await new Promise<void>(resolve => {
				const timer = setTimeout(resolve, Math.min(this.options.timeoutMs, 1000));
				internals._responseActions.push(() => {
					clearTimeout(timer);
					resolve();
				});
				this.connection!.once('end', () => {
					clearTimeout(timer);
					resolve();
				});
				internals._sendCommand('QUIT');
			});
		}

		this.close();
	}

	/**
	 * Give up on the step under way as if its deadline had passed: another
	 * connection (a probe) already proved what this one would only tell at
	 * the deadline.
	 */
	giveUp(): void {
		const phase = this.phase;
		if (!phase || !this.pending) return;
		this.fail(new SessionFailure(phase.step, phase.label, 'timeout', {received: this.lastServerText}, `${phase.label}: given up early`), true);
	}

	/** The step under way, if any. */
	get currentStep(): StepName | undefined {
		return this.phase?.step;
	}

	/** Drop everything now. */
	close(): void {
		this.options.signal?.removeEventListener('abort', this.abortListener);
		this.clearPhase();
		this.closed = true;
		this.connection?.close();
		this.socket?.destroy();
	}

	private connectTcp(): Promise<net.Socket> {
		return this.operate<net.Socket>(resolve => {
			const {host, port} = this.options;
			this.resolved = net.isIP(host) !== 0;
			this.begin('connect', `connect ${host}:${port}`);
			this.note(`connecting to ${host}:${port}`);
			const {lookup} = this.options;
			const socket = net.connect({host, port, noDelay: true, ...(lookup ? {lookup} : {})});
			this.socket = socket;
			// nodemailer takes the socket's errors over once connected; this keeps a late one from crashing the process.
			socket.on('error', () => undefined);
			socket.once('lookup', (error: Error | null, address: string) => {
				if (!error) {
					this.resolved = true;
					this.note(`${host} resolved to ${address}`);
					// The lookup had the whole step's time; the connect itself gets its own deadline.
					this.rearm(this.connectBudget());
				}
			});
			const onError = (error: NodeJS.ErrnoException) => {
				const systemCode = error.code ?? (error as {errors?: NodeJS.ErrnoException[]}).errors?.[0]?.code;
				this.fail(new SessionFailure('connect', this.phase?.label ?? 'connect', 'error', {systemCode, unresolved: !this.resolved}, error.message), true);
			};

			socket.once('error', onError);
			socket.once('connect', () => {
				socket.removeListener('error', onError);
				this.endPhase();
				resolve(socket);
			});
		});
	}

	/** Run one operation; it settles through `pending` from callbacks, timers or abort. */
	private operate<T>(run: (resolve: (value: T) => void) => void): Promise<T> {
		return new Promise<T>((resolve, reject) => {
			if (this.options.signal?.aborted) {
				reject(new SessionFailure(this.phase?.step ?? 'connect', 'cancelled', 'cancelled', {}, 'Cancelled'));
				return;
			}

			if (this.failure) {
				reject(this.failure);
				return;
			}

			if (this.closed || (this.connection && this.connection.destroyed)) {
				reject(new SessionFailure(this.phase?.step ?? 'connect', 'connection', 'error', {code: 'ECONNECTION', received: this.lastServerText}, 'Connection closed'));
				return;
			}

			this.pending = {
				resolve: value => {
					this.pending = undefined;
					resolve(value as T);
				},
				reject: failure => {
					this.pending = undefined;
					reject(failure);
				},
			};
			try {
				run(this.pending.resolve);
			} catch (error) {
				this.fail(new SessionFailure(this.phase?.step ?? 'connect', this.phase?.label ?? 'connect', 'error', {}, (error as Error).message), true);
			}
		});
	}

	private connectBudget(): number {
		return this.options.connectTimeoutMs ?? this.options.timeoutMs;
	}

	/** The step's time left, capped by the session's deadline. */
	private budget(stepMs: number): number {
		return Math.max(0, Math.min(stepMs, (this.options.deadline ?? Number.POSITIVE_INFINITY) - performance.now()));
	}

	private expire(step: StepName, label: string, stepMs: number): NodeJS.Timeout {
		return setTimeout(() => {
			this.fail(new SessionFailure(step, label, 'timeout', {unresolved: step === 'connect' && !this.resolved, received: this.lastServerText}, `${label}: no answer within ${stepMs} ms`), true);
		}, this.budget(stepMs));
	}

	/** Restart the current step's deadline at stepMs from now. */
	private rearm(stepMs: number): void {
		const phase = this.phase;
		if (!phase) return;
		clearTimeout(phase.timer);
		phase.timer = this.expire(phase.step, phase.label, stepMs);
	}

	private begin(step: StepName, label: string, sender?: Sender): void {
		this.endPhase();
		const now = performance.now();
		const {timeoutMs} = this.options;
		// An IP address needs no lookup: the connect deadline applies from the start.
		const stepMs = step === 'connect' && this.resolved ? this.connectBudget() : timeoutMs;
		const budget = this.budget(stepMs);
		const phase: Phase = {
			step,
			label,
			sender,
			started: now,
			timer: this.expire(step, label, stepMs),
		};
		const {onSlow, slowAfterMs} = this.options;
		if (onSlow && slowAfterMs !== undefined && setupSteps.has(step) && slowAfterMs < budget) {
			phase.slowTimer = setTimeout(() => onSlow(step, now + budget), slowAfterMs);
		}

		this.phase = phase;
		this.emit(phase, 'start');
	}

	/** Close the current step; a 4xx/5xx reply seen during it makes it a failure. */
	private endPhase(ok?: boolean): void {
		const phase = this.phase;
		if (!phase) return;
		this.clearPhase();
		this.emit(phase, (ok ?? !/^[45]/.test(phase.reply ?? '')) ? 'ok' : 'fail');
	}

	private clearPhase(): void {
		if (!this.phase) return;
		clearTimeout(this.phase.timer);
		clearTimeout(this.phase.slowTimer);
		this.phase = undefined;
	}

	/** Fail the current step and the operation waiting on it; `fatal` ends the session. */
	private fail(failure: SessionFailure, fatal: boolean): void {
		const phase = this.phase;
		if (phase) {
			failure.stepStarted = phase.started;
			this.clearPhase();
			this.emit(phase, 'fail');
		}

		// Settle first: closing emits 'end', which must find nothing left to fail.
		const pending = this.pending;
		this.pending = undefined;
		if (fatal && !this.failure) this.failure = failure;
		pending?.reject(failure);
		if (fatal) this.close();
	}

	private emit(phase: Phase, status: TestEvent['status']): void {
		const event: TestEvent = {step: phase.step, status, label: phase.label, elapsedMs: status === 'start' ? 0 : performance.now() - phase.started};
		if (phase.sender) event.sender = phase.sender;
		this.options.onEvent?.(event);
	}

	private failureFrom(error: Error): SessionFailure {
		const details = error as Error & {code?: string; originalCode?: string; response?: string; command?: string};
		const step = this.phase?.step ?? (this.connection ? 'greeting' : 'connect');
		const label = this.phase?.label ?? step;
		const evidence: SessionFailure['evidence'] = {received: this.lastServerText};
		if (details.code) evidence.code = details.code;
		if (details.originalCode) evidence.systemCode = details.originalCode;
		if (details.response) evidence.reply = details.response;
		if (details.command) evidence.command = details.command;
		return new SessionFailure(step, label, details.code === 'ETIMEDOUT' ? 'timeout' : 'error', evidence, details.message);
	}

	private note(text: string): void {
		this.options.transcript?.note(text, this.options.transcriptPrefix);
	}

	/** A bunyan-style logger that turns nodemailer's trace into step events and the transcript. */
	private logger() {
		const at = (level: string) => (entry: {tnx?: string} | undefined, message: unknown, ...args: unknown[]) => {
			// At info level a 'message' entry is nodemailer's size summary, not message data.
			this.onLog(entry?.tnx === 'message' && level !== 'debug' ? 'note' : entry?.tnx, format(message, ...args));
		};

		return {trace: () => undefined, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), fatal: at('fatal')};
	}

	private onLog(tnx: string | undefined, text: string): void {
		const {transcript, transcriptPrefix: prefix} = this.options;
		switch (tnx) {
			case 'client': {
				transcript?.client(text, prefix);
				if (/^(EHLO|HELO|LHLO) /i.test(text)) this.begin('ehlo', text);
				else if (/^STARTTLS$/i.test(text)) this.begin('starttls', 'STARTTLS');
				break;
			}

			case 'server': {
				transcript?.server(text, prefix);
				this.lastServerText = text;
				if (this.phase) this.phase.reply = text;
				if (this.phase?.step === 'greeting' && !this.greeting) this.greeting = text;
				if (this.phase?.step === 'ehlo') {
					this.ehloReply = text;
					if (!this.secure) this.plainEhloReply = text;
				}

				break;
			}

			case 'message': {
				transcript?.client(text, prefix);
				break;
			}

			default: {
				transcript?.note(text, prefix);
				if (/^Secure connection established/.test(text) && this.phase?.step === 'starttls') {
					this.secure = true;
					this.begin('greeting', 'greeting');
				} else if (/^Connection upgraded with STARTTLS/.test(text)) {
					this.secure = true;
					this.endPhase();
				}
			}
		}
	}
}
