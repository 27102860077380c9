import {performance} from 'node:perf_hooks';
import type tls from 'node:tls';
import {inspectCertificate} from './certificate.js';
import {classifyAuthReply, classifyEnvelopeReply, classifySetupFailure, opensslText, replyText, type ClassifyContext, type ProbeNeed} from './classify.js';
import {diagnose, type DiagnosisContext} from './diagnoses.js';
import {defaultEhloName} from './ehlo-name.js';
import {buildTestMessage, testSubject} from './message.js';
import {Prober, defaultCandidates, probeDeadline, type ProbeCombo} from './probe.js';
import {SessionFailure, SmtpSession} from './session.js';
import {Redactor, Transcript} from './transcript.js';
import {visibleControls} from '../engine/shown-text.js';
import {recogniseProvider} from '../engine/providers.js';
import {serviceWords} from '../engine/service-words.js';
import {secureContextFor} from './trust.js';
import {isThisMachine} from './local-mta/local-host.js';
import type {HandedOver, LocalMtaReport} from './local-mta/follow.js';
import type {Diagnosis, DiagnosisId, Sender, SenderResult, SmtpTestOptions, StepName, Suggestion, TestEvent, TestReport, TestWarning} from './types.js';

/** smtplib's order of preference, which Django inherits. */
const authPreference = ['CRAM-MD5', 'PLAIN', 'LOGIN'];

/** Zulip forces EMAIL_TIMEOUT = 15 (seconds, per socket operation) since 3.0: a server that answers within it works. */
export const ZULIP_EMAIL_TIMEOUT_MS = 15_000;

/** The TCP connect's own deadline by default: see SessionOptions.connectTimeoutMs. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 5000;

/** A step this slow works in Zulip but is worth a word. */
const SLOW_STEP_MS = 5000;

interface Unreachable {
	diagnosis: Diagnosis;
	suggestion?: Suggestion;
}

function asFailure(error: unknown): SessionFailure {
	if (error instanceof SessionFailure) return error;
	return new SessionFailure('connect', 'connect', 'error', {}, (error as Error)?.message ?? String(error));
}

function validAddress(address: string | undefined): address is string {
	return Boolean(address) && !/[\s<>]/.test(address!) && address!.includes('@');
}

/**
 * The live test: what Django's SMTP backend would do with these settings,
 * step by step, for both From addresses, each failure diagnosed.
 */
class LiveTest {
	private readonly timeoutMs: number;
	private readonly connectTimeoutMs: number;
	private readonly warnings: TestWarning[] = [];
	/** False once a certificate problem was found that the running Zulip ignores: the rest goes on as it would. */
	private verifying = true;
	private primary?: SmtpSession;
	/** The plain noreply address, once the server accepted it as sender. */
	private acceptedNoreply?: string;
	private readonly redactor: Redactor;
	private readonly transcript?: Transcript;
	private readonly prober?: Prober;
	private readonly signal?: AbortSignal;
	private readonly base: DiagnosisContext;
	/** The test mails the server said 250 to, by sender index: followed past the hand-over when the relay is this machine. */
	private readonly handedOver = new Map<number, HandedOver>();
	private localMta?: LocalMtaReport;

	constructor(
		private readonly options: SmtpTestOptions,
		private readonly secureContext: tls.SecureContext,
		private readonly ehloName: Promise<string>,
	) {
		const {settings} = options;
		this.timeoutMs = options.timeoutMs ?? ZULIP_EMAIL_TIMEOUT_MS;
		this.connectTimeoutMs = options.connectTimeoutMs ?? (options.timeoutMs === undefined ? DEFAULT_CONNECT_TIMEOUT_MS : this.timeoutMs);
		this.redactor = new Redactor(settings.password);
		if (options.transcriptPath) this.transcript = new Transcript(this.redactor);
		this.signal = options.signal;
		this.base = {host: settings.host, port: settings.port, security: settings.security, user: settings.user, passwordMissing: settings.password === null, timeoutMs: this.timeoutMs, recipientGiven: Boolean(options.to), settingsPath: settings.files?.settings, secretsPath: settings.files?.secrets, ...(options.localServerNote ? {localServerNote: options.localServerNote} : {})};
		if (options.probe !== false) {
			this.prober = new Prober({
				host: settings.host,
				secureContext,
				ehloName,
				timeoutMs: this.timeoutMs,
				connectTimeoutMs: this.connectTimeoutMs,
				signal: options.signal,
				transcript: this.transcript,
				onResult: result => {
					// The same port completed TLS from the first byte: its silence at the greeting will not end in a greeting.
					const {port, security} = settings;
					if (result.speaksTls && result.combo.port === port && result.combo.security === 'ssl' && security !== 'ssl' && this.primary?.currentStep === 'greeting') this.primary.giveUp();
				},
			});
		}
	}

	async run(): Promise<TestReport> {
		const started = performance.now();
		const {senders, to} = this.options;
		const results: SenderResult[] = senders.map(sender => ({address: sender.address, role: sender.role, ok: false}));
		const report = (diagnosis?: Diagnosis, suggestion?: Suggestion): TestReport => {
			const ok = !diagnosis && results.every(result => result.ok && (!to || this.options.noSend || result.sent));
			const warnings = this.warnings.length > 0 ? {warnings: [...this.warnings]} : {};
			return {ok, ...warnings, ...(diagnosis ? {diagnosis} : {}), senders: results, ...(suggestion ? {suggestion} : {}), ...(this.localMta ? {localMta: this.localMta} : {}), durationMs: performance.now() - started};
		};

		if (this.transcript) await this.transcript.write(this.options.transcriptPath!);
		const first = await this.establish(true);
		if (!(first instanceof SmtpSession)) return report(first.diagnosis, first.suggestion);

		// The check: every sender on one connection, MAIL FROM + RCPT TO + RSET, no DATA.
		const recipient = to ?? senders.find(sender => sender.role === 'default')?.address ?? senders[0]?.address;
		let session: SmtpSession = first;
		for (const [index, sender] of senders.entries()) {
			if (this.signal?.aborted) return this.cancelled(report, session);
			if (!session.alive) {
				// The server hung up after a refusal: the next sender gets a fresh connection.
				const next = await this.establish(false);
				if (!(next instanceof SmtpSession)) {
					if (next.diagnosis.id === 'cancelled') return report(next.diagnosis);
					for (const result of results.slice(index)) result.diagnosis = next.diagnosis;
					break;
				}

				session = next;
			}

			results[index] = await this.checkSender(session, sender, recipient);
			if (results[index]!.diagnosis?.id === 'cancelled') return this.cancelled(report, session);
			if (sender.role === 'noreply-plain' && results[index]!.ok) this.acceptedNoreply = sender.address;
		}

		await session.quit();

		// The two mails of send_test_email, each on its own connection, only from senders the check accepted.
		if (to && !this.options.noSend) {
			for (const [index, sender] of senders.entries()) {
				if (!results[index]!.ok) continue;
				if (this.signal?.aborted) return report(diagnose('cancelled', this.base));
				results[index] = await this.sendTestMail(sender, to, index);
				if (results[index]!.diagnosis?.id === 'cancelled') return report(results[index]!.diagnosis);
			}

			if (this.handedOver.size > 0 && this.options.localMta !== false && isThisMachine(this.options.settings.host)) await this.followLocally(results);
		} else if (this.options.localMta !== false && isThisMachine(this.options.settings.host)) {
			const {mtaFromBanner} = await import('./local-mta/follow.js');
			const mta = mtaFromBanner(this.primary?.greeting);
			if (mta) {
				this.warnings.push({
					id: 'handover-only',
					message: `No test mail was sent (no recipient), so this checked only that the mail server on this machine${mta === 'exim' ? ' (Exim)' : mta === 'postfix' ? ' (Postfix)' : ''} takes Zulip's senders, not whether it sends their mail on.`,
					fix: 'Run the test with a recipient (`--to ADDRESS`) to follow a mail through its queue and log.',
				});
			}
		}

		return report();
	}

	/** Write the transcript; called however the run ended. */
	async finish(): Promise<void> {
		this.prober?.cancel();
		if (this.transcript) await this.transcript.write(this.options.transcriptPath!);
	}

	private cancelled(report: (diagnosis?: Diagnosis) => TestReport, session: SmtpSession): TestReport {
		session.close();
		return report(diagnose('cancelled', this.base));
	}

	/** Details hold server text already masked (failureOf, serverSaid); here only its control characters are made visible. */
	private diagnose(id: DiagnosisId, extra: Partial<DiagnosisContext>, detail?: string): Diagnosis {
		return diagnose(id, {...this.base, ...extra}, detail === undefined ? undefined : visibleControls(opensslText(detail)));
	}

	/** Labels are the tool's own words (host, port, addresses): never masked, or a mask could give the password away. */
	private emit = (event: TestEvent): void => {
		const label = visibleControls(event.label);
		if (event.status === 'ok' && event.elapsedMs >= SLOW_STEP_MS) this.slowStep(label, event.elapsedMs);
		this.options.onEvent?.({...event, label});
	};

	private slowStep(label: string, elapsedMs: number): void {
		const seconds = (elapsedMs / 1000).toFixed(1);
		const within = elapsedMs < ZULIP_EMAIL_TIMEOUT_MS ? ` It worked, within the ${ZULIP_EMAIL_TIMEOUT_MS / 1000} s Zulip waits for each step (EMAIL_TIMEOUT), but a slower day would make Zulip give up.` : ` Zulip gives up after ${ZULIP_EMAIL_TIMEOUT_MS / 1000} s (EMAIL_TIMEOUT), so Zulip would fail here.`;
		this.warnings.push({id: 'slow-step', message: `${label} took ${seconds} s.${within}`, fix: `If it stays this slow, check ${serviceWords(recogniseProvider(this.options.settings.host, this.options.settings.user).providerId).log} and the network path to EMAIL_HOST.`});
	}

	/** A server reply for a detail: the password masked wherever the server may have echoed it. */
	private serverSaid(reply: string): string {
		return `Server said: ${replyText(this.redactor.redactReply(reply))}`;
	}

	/** The failure with every piece of server text in it masked; the rest (codes, our own words) as it was. */
	private failureOf(error: unknown): SessionFailure {
		const failure = asFailure(error);
		const {reply, received} = failure.evidence;
		let message = failure.message;
		if (reply) message = message.split(reply).join(this.redactor.redactReply(reply));
		if (received) message = message.split(received).join(this.redactor.redact(received));
		const evidence = {...failure.evidence};
		if (reply !== undefined) evidence.reply = this.redactor.redactReply(reply);
		if (received !== undefined) evidence.received = this.redactor.redact(received);
		const masked = new SessionFailure(failure.step, failure.label, failure.kind, evidence, message);
		masked.stepStarted = failure.stepStarted;
		return masked;
	}

	private classifyContext(session: SmtpSession, sender?: string): ClassifyContext {
		const {port, security, user, password} = this.options.settings;
		return {port, security, user, password, authenticated: session.authenticated, offeredStarttls: session.offeredStarttls, timeoutMs: this.timeoutMs, offersAuth: session.offersAuth, ...(sender ? {sender} : {})};
	}

	private newSession(primary: boolean): SmtpSession {
		const {host, port, security} = this.options.settings;
		const session = new SmtpSession({
			host,
			port,
			security,
			timeoutMs: this.timeoutMs,
			connectTimeoutMs: this.connectTimeoutMs,
			verifyCertificate: this.verifying,
			secureContext: this.secureContext,
			ehloName: this.ehloName,
			...(this.options.lookup ? {lookup: this.options.lookup} : {}),
			signal: this.signal,
			transcript: this.transcript,
			logData: Boolean(this.transcript),
			onEvent: this.emit,
			...(primary && this.prober
				? {
					// Probing starts while the slow step still runs, so it ends inside that step's deadline.
					onSlow: (step: StepName, deadline: number) => this.startProbes(this.probeNeedWhenSlow(step), deadline),
					slowAfterMs: Math.min(this.timeoutMs / 4, 1000),
				}
				: {}),
		});
		if (primary) this.primary = session;
		return session;
	}

	private probeNeedWhenSlow(step: StepName): ProbeNeed {
		const {security} = this.options.settings;
		if (step === 'greeting' && security !== 'ssl') return 'plain-to-tls';
		if (step === 'starttls' && security === 'ssl') return 'tls-to-plain';
		return 'connection';
	}

	private startProbes(need: ProbeNeed, deadline: number): void {
		if (!this.prober) return;
		const {port, security, user, password} = this.options.settings;
		const withCredentials = Boolean(user && password);
		const candidates = (this.options.probeCandidates ?? defaultCandidates(withCredentials)).filter(combo => combo.port !== port || combo.security !== security);
		this.prober.start(candidates, deadline);
		const samePort: ProbeCombo[] = [];
		if (need === 'plain-to-tls') samePort.push({port, security: 'ssl'});
		if (need === 'tls-to-plain') {
			samePort.push({port, security: 'starttls'});
			if (!withCredentials) samePort.push({port, security: 'none'});
		}

		if (samePort.length > 0) this.prober.start(samePort, deadline, true);
	}

	/** Open a session and log in; on failure, the diagnosis (and for the first session, a probe's suggestion). */
	private async establish(primary: boolean): Promise<SmtpSession | Unreachable> {
		const {settings} = this.options;
		const session = this.newSession(primary);
		try {
			await session.open();
		} catch (error) {
			const failure = this.failureOf(error);
			const classified = classifySetupFailure(failure, this.classifyContext(session));
			if (classified.id.startsWith('certificate-') && this.verifying && this.options.verifyCertificates === false) {
				// The running Zulip's Django does not verify: warn, then go on exactly as it would.
				await this.certificateWarning(classified.id, classified.detail, failure);
				this.verifying = false;
				if (primary) this.prober?.cancel();
				return this.establish(primary);
			}

			let {id} = classified;
			let detail = classified.detail;
			let suggestion: Suggestion | undefined;
			if (primary && this.prober && id !== 'cancelled') {
				if (classified.probe) this.startProbes(classified.probe, probeDeadline(failure.stepStarted, this.timeoutMs));
				if (this.prober.started) {
					({suggestion} = await this.prober.finish());
					if (classified.probe === 'plain-to-tls' && this.prober.result({port: settings.port, security: 'ssl'})?.speaksTls) {
						id = 'needs-ssl';
						detail = `${detail ?? ''} The same port completed a TLS handshake from the first byte.`.trim();
					}

					const plain = [this.prober.result({port: settings.port, security: 'starttls'}), this.prober.result({port: settings.port, security: 'none'})];
					if (classified.probe === 'tls-to-plain' && plain.some(result => result?.greeted)) {
						id = 'needs-starttls';
						detail = `${detail ?? ''} The same port greeted in plain SMTP.`.trim();
					}
				}
			}

			if (this.signal?.aborted) id = 'cancelled';
			if (id.startsWith('certificate-')) {
				const certificate = await inspectCertificate({...settings, secureContext: this.secureContext, ehloName: await this.ehloName, timeoutMs: Math.min(this.timeoutMs, 5000), signal: this.signal});
				// The inspection repeats the verification error, with the certificate around it.
				if (certificate) detail = certificate;
			}

			// A blocked port's verdict came at the connect's own (shorter) deadline.
			const deadline = id === 'connection-timeout' ? {timeoutMs: this.connectTimeoutMs} : {};
			return {diagnosis: this.diagnose(id, {step: failure.step, stepLabel: failure.label, ...deadline}, id === 'cancelled' ? undefined : detail), ...(suggestion ? {suggestion} : {})};
		}

		if (primary) this.prober?.cancel();
		const {user, password} = settings;
		// Django logs in only when both are non-empty.
		if (!user || !password) return session;
		const refuse = (id: DiagnosisId, detail: string): Unreachable => {
			this.emit({step: 'auth', status: 'fail', label: 'AUTH', elapsedMs: 0});
			session.close();
			return {diagnosis: this.diagnose(id, {step: 'auth', stepLabel: 'AUTH'}, detail)};
		};

		// smtplib encodes every AUTH mechanism's credentials as ASCII: nodemailer would send UTF-8 and pass where Zulip fails.
		// eslint-disable-next-line no-control-regex
		const nonAscii = /[^\u0000-\u007F]/;
		if (nonAscii.test(user) || nonAscii.test(password)) {
			this.emit({step: 'auth', status: 'fail', label: 'AUTH', elapsedMs: 0});
			session.close();
			return {diagnosis: this.diagnose('credentials-not-ascii', {step: 'auth', stepLabel: 'AUTH', nonAsciiField: nonAscii.test(user) ? 'username' : 'password'})};
		}

		if (!session.offersAuth) {
			const tlsFirst = settings.security === 'none' && session.offeredStarttls;
			return refuse(tlsFirst ? 'tls-required' : 'auth-unsupported', tlsFirst ? 'The server offers AUTH only after STARTTLS.' : 'The server\'s EHLO reply lists no AUTH.');
		}

		const offered = session.authMechanisms;
		const methods = authPreference.filter(method => offered.includes(method));
		if (methods.length === 0) return refuse('auth-unsupported', `The server offers AUTH ${offered.join(' ')}: none of ${authPreference.join(', ')}.`);
		let last: SessionFailure | undefined;
		for (const method of methods) {
			try {
				await session.login(method, user, password);
				last = undefined;
				break;
			} catch (error) {
				// smtplib moves on to the next mechanism after a refusal, and stops on anything else.
				last = this.failureOf(error);
				if (!last.evidence.reply || !session.alive) break;
			}
		}

		if (!last) return session;
		session.close();
		const context = {step: 'auth' as const, stepLabel: last.label};
		const {reply} = last.evidence;
		if (!reply) return {diagnosis: this.diagnose(this.otherFailure(last), context, last.message)};
		return {diagnosis: this.diagnose(classifyAuthReply(reply, settings.security !== 'none'), context, this.serverSaid(reply))};
	}

	private async certificateWarning(id: DiagnosisId, classifiedDetail: string | undefined, failure: SessionFailure): Promise<void> {
		const {settings} = this.options;
		const certificate = await inspectCertificate({...settings, secureContext: this.secureContext, ehloName: await this.ehloName, timeoutMs: Math.min(this.timeoutMs, 5000), signal: this.signal});
		const problem = this.diagnose(id, {step: failure.step, stepLabel: failure.label}, certificate ?? classifiedDetail);
		const zulip = this.options.zulipName ?? 'This Zulip';
		this.warnings.push({
			id: 'certificate-not-verified',
			message: `${problem.message} ${zulip} runs a Django older than 4.2, which does not check certificates, so this works today; it will fail after upgrading to Zulip 7 or later.`,
			fix: `Before upgrading Zulip: ${problem.fix}`,
			...(problem.detail ? {detail: problem.detail} : {}),
		});
	}

	/** A failure without a server reply after setup: cancel, deadline, or a dropped connection. */
	private otherFailure(failure: SessionFailure): DiagnosisId {
		if (failure.kind === 'cancelled') return 'cancelled';
		if (failure.kind === 'timeout') return 'timeout';
		return 'protocol-error';
	}

	private async checkSender(session: SmtpSession, sender: Sender, recipient: string | undefined): Promise<SenderResult> {
		const result: SenderResult = {address: sender.address, role: sender.role, ok: false};
		const context = {sender, recipient, ...(this.acceptedNoreply ? {acceptedNoreply: this.acceptedNoreply} : {})};
		if (!validAddress(sender.address)) return {...result, diagnosis: this.diagnose('sender-rejected', context, 'Not a valid email address.')};
		if (!validAddress(recipient)) return {...result, diagnosis: this.diagnose('recipient-rejected', context, 'Not a valid email address.')};
		const secure = this.options.settings.security !== 'none';
		// smtplib asks for SMTPUTF8 when an address needs it and the server offers it.
		// eslint-disable-next-line no-control-regex
		const utf8 = /[^\u0000-\u007F]/.test(sender.address + recipient) && session.supportsSmtpUtf8 ? ' SMTPUTF8' : '';
		try {
			const mail = await session.command(`MAIL FROM:<${sender.address}>${utf8}`, 'sender', `MAIL FROM:<${sender.address}>`, sender);
			if (!/^2/.test(mail)) {
				await this.reset(session, sender);
				const id = classifyEnvelopeReply(mail, 'mail', this.classifyContext(session), secure);
				return {...result, diagnosis: this.diagnose(id, {...context, step: 'sender', stepLabel: `MAIL FROM:<${sender.address}>`}, this.serverSaid(mail))};
			}

			const rcpt = await session.command(`RCPT TO:<${recipient}>`, 'sender', `RCPT TO:<${recipient}>`, sender);
			if (!/^2/.test(rcpt)) {
				await this.reset(session, sender);
				const id = classifyEnvelopeReply(rcpt, 'rcpt', this.classifyContext(session, sender.address), secure);
				return {...result, diagnosis: this.diagnose(id, {...context, step: 'sender', stepLabel: `RCPT TO:<${recipient}>`}, this.serverSaid(rcpt))};
			}

			await this.reset(session, sender);
			return {...result, ok: true};
		} catch (error) {
			const failure = this.failureOf(error);
			const id = this.otherFailure(failure);
			return {...result, diagnosis: this.diagnose(id, {...context, step: failure.step, stepLabel: failure.label}, id === 'cancelled' ? undefined : failure.message)};
		}
	}

	private async reset(session: SmtpSession, sender: Sender): Promise<void> {
		if (!session.alive) return;
		try {
			await session.command('RSET', 'sender', 'RSET', sender);
		} catch {
			// The verdict on this sender stands; the next one gets a fresh connection if needed.
		}
	}

	/**
	 * The MTA on this machine said 250: that is a hand-over, not a delivery.
	 * Its own log and queue say whether each mail left (or was delivered here),
	 * and a mail that did not fails the test with the MTA's words.
	 */
	private async followLocally(results: SenderResult[]): Promise<void> {
		const {followLocalMail, leftAsIntended, looksLikeMta} = await import('./local-mta/follow.js');
		// A test server or relay of one's own on loopback is no MTA with a queue: nothing more to see.
		if (!looksLikeMta(this.primary?.greeting, [...this.handedOver.values()])) return;
		const settings = this.options.localMta === false ? {} : this.options.localMta ?? {};
		const indexes = [...this.handedOver.keys()];
		const report = await followLocalMail({mails: indexes.map(index => this.handedOver.get(index)!), banner: this.primary?.greeting, signal: this.signal, ...(settings.env ? {env: settings.env} : {}), ...(settings.deadlineMs === undefined ? {} : {deadlineMs: settings.deadlineMs})});
		this.localMta = report;
		for (const [position, index] of indexes.entries()) {
			const mail = report.mails[position];
			if (!mail || mail.fate === 'left-queue' || leftAsIntended(mail.fate)) continue;
			const sender = this.options.senders[index]!;
			const detail = `${report.mta ?? 'The mail server'}${mail.queueId ? ` (queue id ${mail.queueId})` : ''}: ${mail.reason ?? mail.fate}`;
			results[index] = {...results[index]!, ok: false, diagnosis: this.diagnose('mail-stuck', {sender, step: 'send', mta: {kind: report.kind, name: report.mta, fate: mail.fate, mail: mail.label}}, detail)};
		}

		if (report.unchecked) {
			this.warnings.push({
				id: 'handover-only',
				message: `The mail server on this machine accepted the test mails; what it did with them next was not seen, so this result covers only the hand-over: ${report.unchecked}.`,
				fix: 'Run the test as root on this machine to follow the mails through the queue and log, or look for the test mails in the mail log (`mailq`, /var/log/mail.log).',
			});
		}
	}

	private async sendTestMail(sender: Sender, to: string, index: number): Promise<SenderResult> {
		const result: SenderResult = {address: sender.address, role: sender.role, ok: false, sent: false};
		const session = await this.establish(false);
		if (!(session instanceof SmtpSession)) return {...result, diagnosis: session.diagnosis};
		const subject = testSubject(sender, this.options.senders);
		// The From header as Zulip writes it; the envelope sender is the bare address either way.
		const message = buildTestMessage({from: sender.fromHeader ?? sender.address, to, subject, domain: await this.ehloName, lineEnding: '\r\n'});
		try {
			const label = `"${subject}" from ${sender.address}`;
			const reply = await session.send(sender.address, to, message, label, sender);
			await session.quit();
			const messageId = /^Message-ID: <([^>\r\n]+)>/m.exec(message)?.[1] ?? '';
			this.handedOver.set(index, {label, reply: this.redactor.redact(reply), messageId});
			return {...result, ok: true, sent: true};
		} catch (error) {
			session.close();
			const failure = this.failureOf(error);
			const context = {sender, recipient: to, step: 'send' as const, stepLabel: failure.evidence.command ?? failure.label, ...(this.acceptedNoreply ? {acceptedNoreply: this.acceptedNoreply} : {})};
			const {reply, command} = failure.evidence;
			if (!reply) return {...result, diagnosis: this.diagnose(this.otherFailure(failure), context, failure.message)};
			const stage = command === 'MAIL FROM' ? 'mail' : command === 'RCPT TO' ? 'rcpt' : 'data';
			const id = classifyEnvelopeReply(reply, stage, this.classifyContext(session, sender.address), this.options.settings.security !== 'none');
			return {...result, diagnosis: this.diagnose(id, context, this.serverSaid(reply))};
		}
	}
}

/**
 * Test the SMTP settings the way Django's backend uses them, for every
 * sender; with `to`, also send send_test_email's two mails.
 * Rejects only when the CA file or the transcript path is unusable.
 */
export async function runSmtpTest(options: SmtpTestOptions): Promise<TestReport> {
	const secureContext = await secureContextFor(options.caFile);
	// Resolving this machine's name can be slow; sessions wait for it only once connected.
	const ehloName = Promise.resolve(options.ehloName ?? defaultEhloName());
	const test = new LiveTest(options, secureContext, ehloName);
	try {
		return await test.run();
	} finally {
		await test.finish();
	}
}
