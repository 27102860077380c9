import {performance} from 'node:perf_hooks';
import type tls from 'node:tls';
import {certificateProblem} from './classify.js';
import {SessionFailure, SmtpSession} from './session.js';
import type {Transcript} from './transcript.js';
import type {Security, Suggestion} from './types.js';

export interface ProbeCombo {
	port: number;
	security: Security;
}

export interface ProbeResult {
	combo: ProbeCombo;
	/** Connect, greeting, EHLO and the TLS of the mode all worked. */
	ok: boolean;
	/** The port sent an SMTP greeting. */
	greeted: boolean;
	/** The port completed a TLS handshake, or got as far as showing a certificate. */
	speaksTls: boolean;
}

export interface ProberOptions {
	host: string;
	secureContext: tls.SecureContext;
	ehloName: string | Promise<string>;
	timeoutMs: number;
	connectTimeoutMs?: number;
	verifyCertificate?: boolean;
	signal?: AbortSignal;
	transcript?: Transcript;
	/** Each probe's result as soon as it is known. */
	onResult?: (result: ProbeResult) => void;
}

interface Probe {
	combo: ProbeCombo;
	/** Position in the preference order; diagnostic same-port probes come last. */
	rank: number;
	diagnostic: boolean;
	session: SmtpSession;
	result?: ProbeResult;
	done: Promise<void>;
}

const key = (combo: ProbeCombo) => `${combo.port}/${combo.security}`;

const reasons: Record<Security, string> = {
	ssl: 'it completed a TLS handshake from the first byte and greeted',
	starttls: 'it greeted and completed STARTTLS',
	none: 'it greeted in plain text (no TLS)',
};

/**
 * Tries other port/mode combinations in parallel while (or right after) the
 * configured one fails. A probe only connects, reads the greeting, says EHLO
 * and sets up TLS: no login, no mail. Every probe ends by the deadline it is
 * given, the deadline of the step it stands in for.
 */
export class Prober {
	private readonly probes = new Map<string, Probe>();
	private readonly controller = new AbortController();
	private nextRank = 0;

	constructor(private readonly options: ProberOptions) {}

	get started(): boolean {
		return this.probes.size > 0;
	}

	/**
	 * Start the combos not started yet. Preferred combos are ranked in the
	 * order given; diagnostic ones (same port, other mode) rank after all of them.
	 */
	start(combos: ProbeCombo[], deadline: number, diagnostic = false): void {
		for (const combo of combos) {
			const existing = this.probes.get(key(combo));
			if (existing) {
				existing.diagnostic ||= diagnostic;
				continue;
			}

			const rank = (diagnostic ? 1_000_000 : 0) + this.nextRank++;
			const {host, secureContext, ehloName, timeoutMs, connectTimeoutMs, verifyCertificate, transcript} = this.options;
			const signals = [this.controller.signal, ...(this.options.signal ? [this.options.signal] : [])];
			const session = new SmtpSession({
				host,
				port: combo.port,
				security: combo.security,
				timeoutMs,
				...(connectTimeoutMs === undefined ? {} : {connectTimeoutMs}),
				...(verifyCertificate === undefined ? {} : {verifyCertificate}),
				deadline,
				secureContext,
				ehloName,
				signal: AbortSignal.any(signals),
				transcript,
				transcriptPrefix: `[probe ${combo.port} ${combo.security}] `,
			});
			const probe: Probe = {combo, rank, diagnostic, session, done: Promise.resolve()};
			probe.done = session.open().then(
				() => {
					probe.result = {combo, ok: true, greeted: true, speaksTls: combo.security !== 'none'};
					void session.quit();
					this.options.onResult?.(probe.result);
				},
				(failure: unknown) => {
					const code = failure instanceof SessionFailure ? failure.evidence.systemCode : undefined;
					probe.result = {combo, ok: false, greeted: /^220/.test(session.greeting), speaksTls: combo.security !== 'none' && Boolean(certificateProblem(code))};
					this.options.onResult?.(probe.result);
				},
			);
			this.probes.set(key(combo), probe);
		}
	}

	/**
	 * Wait until the answer is known: every diagnostic probe has settled, and
	 * either all have or the best-ranked success can no longer be beaten. The
	 * rest are cancelled.
	 */
	async finish(): Promise<{suggestion?: Suggestion; results: ProbeResult[]}> {
		const probes = [...this.probes.values()].sort((a, b) => a.rank - b.rank);
		const decided = () => {
			if (probes.some(probe => probe.diagnostic && !probe.result)) return false;
			for (const probe of probes) {
				if (!probe.result) return false;
				if (probe.result.ok) return true;
			}

			return true;
		};

		const {signal} = this.options;
		const aborted = new Promise<void>(resolve => signal?.addEventListener('abort', () => resolve(), {once: true}));
		while (!decided() && !signal?.aborted) {
			await Promise.race([...probes.filter(probe => !probe.result).map(async probe => probe.done), aborted]);
		}

		this.cancel();
		const results = probes.flatMap(probe => (probe.result ? [probe.result] : []));
		const best = probes.find(probe => probe.result?.ok);
		return {results, ...(best ? {suggestion: {port: best.combo.port, security: best.combo.security, reason: reasons[best.combo.security]}} : {})};
	}

	cancel(): void {
		this.controller.abort();
	}

	result(combo: ProbeCombo): ProbeResult | undefined {
		return this.probes.get(key(combo))?.result;
	}
}

/** The default candidates, most preferred first: 587 STARTTLS, 465 TLS, 2525, then 25. */
export function defaultCandidates(withCredentials: boolean): ProbeCombo[] {
	const candidates: ProbeCombo[] = [
		{port: 587, security: 'starttls'},
		{port: 465, security: 'ssl'},
		{port: 2525, security: 'starttls'},
		{port: 25, security: 'starttls'},
	];
	// Never suggest sending a password in clear text.
	if (!withCredentials) candidates.push({port: 25, security: 'none'});
	return candidates;
}

/** Window for probes started after a failure: the failed step's, but never nothing. */
export function probeDeadline(stepStarted: number, timeoutMs: number): number {
	const now = performance.now();
	return Math.max(stepStarted + timeoutMs, now + Math.min(timeoutMs, 250));
}
