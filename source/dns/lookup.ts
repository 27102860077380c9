import {Resolver} from 'node:dns/promises';
import {parseDnsServer} from './flags.js';

/** What one DNS question came back with, as the checks need to tell the cases apart. */
export type LookupResult<T> =
	| {readonly kind: 'records'; readonly records: readonly T[]}
	/** NXDOMAIN: the name does not exist. */
	| {readonly kind: 'nxdomain'}
	/** The name exists but has no record of this type. */
	| {readonly kind: 'nodata'}
	/** No usable answer: timeout, refused, SERVFAIL, cancelled. `code` is c-ares's. */
	| {readonly kind: 'failed'; readonly code: string};

export interface MxRecord {
	readonly exchange: string;
	readonly priority: number;
}

export interface DnsLookup {
	/** TXT records, each one's character-strings joined without spaces (RFC 7208 §3.3, RFC 6376 §3.6.2.2). */
	txt(name: string): Promise<LookupResult<string>>;
	mx(name: string): Promise<LookupResult<MxRecord>>;
	/** IPv4 addresses (A records). */
	a(name: string): Promise<LookupResult<string>>;
	/** IPv6 addresses (AAAA records). */
	aaaa(name: string): Promise<LookupResult<string>>;
	/** Names a reverse-lookup name (…in-addr.arpa, …ip6.arpa) points to (PTR records). */
	ptr(name: string): Promise<LookupResult<string>>;
	/** Which resolver answers, in the user's words. */
	readonly server: string;
	/** Stop every outstanding question now; they come back as failed (ECANCELLED). */
	cancel(): void;
}

export interface LookupOptions {
	/** `HOST[:PORT]` (an IP address; IPv6 in brackets with a port), or the system's resolvers when undefined. */
	readonly server?: string;
	/** Overall deadline: when it passes, every outstanding question is cancelled. Default 3000 ms. */
	readonly deadlineMs?: number;
	readonly signal?: AbortSignal;
}

export const DEFAULT_DNS_DEADLINE_MS = 3000;

/** The resolver used when --dns-server is not given: a machine whose own resolver must not be asked (the test suite, a split-horizon setup) names one here. */
export const DNS_SERVER_VARIABLE = 'ZULIP_EMAIL_SETUP_DNS_SERVER';

/**
 * DNS questions through node's c-ares resolver: one Resolver per run, so a
 * deadline can cancel exactly this run's questions. Each try waits a quarter
 * of the deadline and is tried twice (c-ares doubles the wait on the retry),
 * so a resolver that never answers uses three quarters of it; the deadline
 * itself is the backstop that makes a hang impossible.
 */
export function createLookup(options: LookupOptions = {}): DnsLookup & {close(): void} {
	const deadlineMs = options.deadlineMs ?? DEFAULT_DNS_DEADLINE_MS;
	const resolver = new Resolver({timeout: Math.max(50, Math.floor(deadlineMs / 4)), tries: 2});
	const server = options.server ?? (process.env[DNS_SERVER_VARIABLE] || undefined);
	if (server !== undefined) resolver.setServers([parseDnsServer(server)]);
	let done = false;
	const cancel = () => {
		done = true;
		resolver.cancel();
	};
	const timer = setTimeout(cancel, deadlineMs);
	timer.unref();
	options.signal?.addEventListener('abort', cancel, {once: true});
	if (options.signal?.aborted) cancel();
	const ask = async <T>(question: () => Promise<T[]>): Promise<LookupResult<T>> => {
		if (done || options.signal?.aborted) return {kind: 'failed', code: 'ECANCELLED'};
		try {
			return {kind: 'records', records: await question()};
		} catch (error) {
			const code = (error as NodeJS.ErrnoException).code ?? 'EUNKNOWN';
			if (code === 'ENOTFOUND') return {kind: 'nxdomain'};
			if (code === 'ENODATA') return {kind: 'nodata'};
			return {kind: 'failed', code};
		}
	};

	// A trailing dot makes every name absolute: no search domains from resolv.conf are tried.
	const absolute = (name: string) => (name.endsWith('.') ? name : `${name}.`);
	return {
		server: server === undefined ? resolver.getServers().join(', ') || 'the system resolver' : parseDnsServer(server),
		txt: name => ask(async () => (await resolver.resolveTxt(absolute(name))).map(chunks => chunks.join(''))),
		a: name => ask(async () => resolver.resolve4(absolute(name))),
		aaaa: name => ask(async () => resolver.resolve6(absolute(name))),
		ptr: name => ask(async () => resolver.resolvePtr(absolute(name))),
		mx: name => ask(async () => (await resolver.resolveMx(absolute(name))).map(record => ({exchange: record.exchange, priority: record.priority}))),
		cancel,
		/** Release the deadline's timer; questions still running finish normally. */
		close() {
			clearTimeout(timer);
			options.signal?.removeEventListener('abort', cancel);
		},
	};
}
