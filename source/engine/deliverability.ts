import {isIP} from 'node:net';
import {parseDkimKey} from '../dns/dkim.js';
import {discoverDmarc, organizationalDomain, policyByStandard, type DmarcRecord} from '../dns/dmarc.js';
import {createLookup, type DnsLookup} from '../dns/lookup.js';
import {checkHost, type SpfResult} from '../dns/spf-check-host.js';
import {parseSpf, walkSpf, SPF_LOOKUP_LIMIT, type SpfWalk} from '../dns/spf.js';
import type {LoadedConfig} from './current-config.js';
import {finding, type Finding} from './deliverability-findings.js';
import {providerAlignment} from './provider-alignment.js';
import {getProvider, MAIL_AUTH, type MailAuth, type ProviderId} from './providers.js';
import {capitalized, serviceWords} from './service-words.js';
import {zulipSenders} from './senders.js';

/** Who sends with an address: Zulip's three From addresses. */
export type FromRole = 'administrator' | 'noreply' | 'tokenized noreply';

export interface FromAddress {
	readonly role: FromRole;
	readonly address: string;
}

export interface DeliverabilityInput {
	readonly providerId: ProviderId;
	readonly from: readonly FromAddress[];
	/** EMAIL_HOST_USER: Mailgun's login names the sending domain. */
	readonly login?: string;
	/** EXTERNAL_HOST, for the SPF record a local MTA needs. */
	readonly externalHost?: string | null;
	/** --dkim-selector: check these instead of (or where there are no) fixed selectors. */
	readonly dkimSelectors?: readonly string[];
	/** --dns-server HOST[:PORT]; the system's resolvers when undefined. */
	readonly dnsServer?: string;
	/** Overall deadline of all lookups together (default 3000 ms). */
	readonly deadlineMs?: number;
	readonly signal?: AbortSignal;
}

export interface DeliverabilityReport {
	readonly findings: readonly Finding[];
	/** Why nothing was checked (the file backend sends nothing); undefined when checks ran. */
	readonly skipped?: string;
	/** The resolver asked, in the user's words. */
	readonly server: string;
}

/** The domain of an address, from `a@b`, `Name <a@b>` or a template `noreply-{token}@b`; undefined when there is none. */
export function addressDomain(address: string): string | undefined {
	const angle = /<([^>]*)>/.exec(address);
	const bare = (angle ? angle[1]! : address).trim();
	const at = bare.lastIndexOf('@');
	if (at === -1) return undefined;
	const domain = bare.slice(at + 1).trim().toLowerCase().replace(/\.$/, '');
	const name = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/.test(domain);
	return name && domain.length <= 253 && domain.split('.').every(label => label.length <= 63) ? domain : undefined;
}

/**
 * Why an address's domain cannot be checked (or published for) at all, in
 * words; undefined when it is a usable domain name or there is no `@`. Names
 * that fail here never reach the resolver: c-ares refuses a 64-character label
 * (EBADNAME), which would otherwise read as the resolver's fault.
 */
export function unusableDomainReason(address: string): {readonly domain: string; readonly reason: string} | undefined {
	const angle = /<([^>]*)>/.exec(address);
	const bare = (angle ? angle[1]! : address).trim();
	const at = bare.lastIndexOf('@');
	if (at === -1 || addressDomain(address) !== undefined) return undefined;
	const domain = bare.slice(at + 1).trim();
	if (domain === '') return {domain, reason: 'nothing follows the @'};
	// RFC 5321 §4.1.3: [192.0.2.1] or [IPv6:…] names a host, not a domain.
	if (/^\[.*\]$/.test(domain)) return {domain, reason: `${domain} is an address literal: there is no domain to publish SPF, DKIM or DMARC at, and receivers such as Gmail refuse a From without a domain`};
	const labels = domain.replace(/\.$/, '').split('.');
	const long = labels.find(label => label.length > 63);
	if (long) return {domain, reason: `its label ${long.slice(0, 12)}… is ${long.length} characters long, more than the 63 DNS allows (RFC 1035 §2.3.4), so no receiver can look the domain up`};
	if (labels.some(label => label === '')) return {domain, reason: `${domain} has an empty label (a leading dot or two dots in a row), so it is not a domain name DNS can hold`};
	if (domain.length > 253) return {domain, reason: `${domain.slice(0, 20)}… is ${domain.length} characters long, more than the 253 a domain name can have`};
	if (labels.length === 1) return {domain, reason: `${domain} is a single label, not a domain in the public DNS: receivers cannot check SPF, DKIM or DMARC for it, and many refuse such a From`};
	return {domain, reason: `${domain} is not a domain name (letters, digits and hyphens in dot-separated labels)`};
}

/**
 * The From addresses Zulip uses: the live test's own list (zulipSenders:
 * parseaddr'd, deduplicated, deport()'s IPv6 brackets), the administrator, the
 * plain NOREPLY_EMAIL_ADDRESS and, with tokens on, the tokenized one, kept as
 * its template: only the domain matters here.
 */
export async function fromAddressesOf(loaded: LoadedConfig): Promise<FromAddress[]> {
	const roles = {default: 'administrator', 'noreply-plain': 'noreply', 'noreply-tokenized': 'tokenized noreply'} as const;
	return zulipSenders(loaded.current, {token: '{token}', version: loaded.zulipVersion}).map(sender => ({role: roles[sender.role], address: sender.address}));
}

export async function deliverabilityInputFrom(loaded: LoadedConfig, options: Pick<DeliverabilityInput, 'dkimSelectors' | 'dnsServer' | 'deadlineMs' | 'signal'> = {}): Promise<DeliverabilityInput> {
	const {current} = loaded;
	return {providerId: current.providerId, from: await fromAddressesOf(loaded), login: current.user, externalHost: current.externalHost, ...options};
}

/**
 * Whether two domains align (RFC 7489 §3.1, RFC 9989): strict mode wants the
 * same name; relaxed mode the same organizational domain, found by RFC 9989's
 * DNS tree walk rather than the public suffix list. Undefined when a lookup
 * failed (noted as dns-unreachable).
 */
async function aligned(context: DomainContext, mode: 'r' | 's', a: string, b: string): Promise<boolean | undefined> {
	if (a === b || mode === 's') return a === b;
	const [first, second] = await Promise.all([organizationalDomain(a, context.lookup), organizationalDomain(b, context.lookup)]);
	for (const result of [first, second]) if (result.kind === 'failed') noteFailure(context, result.name, result.code);
	if (first.kind === 'failed' || second.kind === 'failed') return undefined;
	return first.domain === second.domain;
}

/** The record with `include:<domain>` added before its `all` (or redirect), or a new one. */
function withInclude(record: string | undefined, include: string): string {
	return withTerm(record, `include:${include}`);
}

/** The record with a term added before its `all` (or redirect), or a new one. */
function withTerm(record: string | undefined, added: string): string {
	if (!record) return `v=spf1 ${added} ~all`;
	// A record that passes everyone (+all) gets ~all in the fix too: one record, every finding fixed.
	const terms = record.split(' ').filter(term => term !== '').map(term => (/^\+?all$/i.test(term) ? '~all' : term));
	const at = terms.findIndex((term, index) => index > 0 && (/^[-+~?]?all$/i.test(term) || /^redirect=/i.test(term)));
	terms.splice(at === -1 ? terms.length : at, 0, added);
	return terms.join(' ');
}

/** Several SPF records merged into one: every term once, one `all` at the end (the first record's). */
function mergedSpf(records: readonly string[]): string {
	const terms: string[] = [];
	let all: string | undefined;
	for (const record of records) {
		for (const term of record.split(' ').slice(1)) {
			if (term === '') continue;
			if (/^[-+~?]?all$/i.test(term)) all ??= term;
			else if (!terms.includes(term)) terms.push(term);
		}
	}

	return ['v=spf1', ...terms, all ?? '~all'].join(' ');
}

interface DomainContext {
	readonly domain: string;
	readonly roles: readonly FromRole[];
	readonly provider: {readonly id: ProviderId; readonly name: string};
	readonly auth: MailAuth;
	readonly input: DeliverabilityInput;
	readonly lookup: DnsLookup;
	readonly spfWalk: (domain: string) => Promise<SpfWalk>;
	readonly unreachable: Map<string, Set<string>>;
}

function noteFailure(context: DomainContext, name: string, code: string): void {
	const names = context.unreachable.get(context.domain) ?? new Set<string>();
	names.add(`${name} (${code})`);
	context.unreachable.set(context.domain, names);
}

interface SpfVerdict {
	readonly findings: Finding[];
	/** SPF passes for the provider and the envelope domain is this one, so DMARC can align on it; undefined when unknowable. */
	readonly aligns?: {readonly envelope: string};
	readonly known: boolean;
}

async function checkSpf(context: DomainContext, envelope: string): Promise<SpfVerdict> {
	const {domain, auth, provider, input} = context;
	const spf = auth.spf;
	if (spf.kind === 'return-path') {
		// With the provider's own bounce domain SPF is known not to align (DKIM must); with a subdomain of ours we cannot see it.
		// A custom return path (SES's MAIL FROM, Postmark's) is invisible from here: then nothing is known.
		const returnPath = providerAlignment(provider.id).returnPath;
		const own = returnPath.kind === 'provider' && returnPath.custom === undefined;
		return {
			known: own,
			findings: [finding('spf-return-path', domain, `${provider.name} sends with its own return path, ${spf.where}: receivers check SPF there, not on ${domain}, so DMARC needs DKIM signed for ${domain}.`, `Publish the return-path and DKIM records ${provider.name} shows for ${domain}.`)],
		};
	}

	const returnPath = providerAlignment(provider.id).returnPath;
	const walk = await context.spfWalk(envelope);
	for (const failure of walk.failures) noteFailure(context, failure.name, failure.code);
	const where = envelope === domain ? domain : `${envelope} (the sending domain of the login ${input.login})`;
	// Nothing read: the dns-unreachable finding says so, and nothing about SPF is claimed.
	if (walk.unknown) return {known: false, findings: []};
	const recommended = spf.kind === 'include' ? spf.includes[0]! : undefined;
	const newRecord = spf.kind === 'include'
		? withInclude(walk.record, recommended!)
		: spf.kind === 'this-server'
			? `v=spf1 ${input.externalHost ? `a:${input.externalHost.replace(/:\d+$/, '')}` : "ip4:<this server's public IPv4 address>"} ~all`
			: "v=spf1 include:<your relay's SPF domain> ~all";
	if (walk.records.length === 0) {
		return {
			known: true,
			findings: [finding('spf-missing', envelope, `${where} has no SPF record, so receivers cannot tell that ${provider.id === 'local' || provider.id === 'custom' ? serviceWords(provider.id).who : provider.name} may send for it.`, `Publish a TXT record at ${envelope}: ${newRecord}`)],
		};
	}

	const findings: Finding[] = [];
	for (const problem of walk.problems) {
		const own = problem.at === envelope;
		if (problem.id === 'spf-multiple-records' && own) {
			findings.push(finding('spf-multiple-records', envelope, `${where} has ${walk.records.length} SPF records; receivers treat that as a permanent error and SPF fails.`, `Replace them with one TXT record at ${envelope}: ${mergedSpf(walk.records)}`, walk.records.join('\n')));
		} else if (problem.id === 'spf-syntax' && own) {
			findings.push(finding('spf-syntax', envelope, `${where}'s SPF record does not parse: ${problem.detail}. Receivers treat that as a permanent error.`, `Correct the record at ${envelope}: ${problem.detail}.`, problem.record));
		} else if (problem.id === 'spf-too-many-lookups' || problem.id === 'spf-void-lookups') {
			findings.push(finding(problem.id, envelope, `${own ? where : `${problem.at}, which ${where}'s SPF record includes,`} breaks a limit receivers apply: ${problem.detail}. For every sender no earlier term matches, SPF fails with a permanent error.`, own ? `Replace the terms named with ip4:/ip6: ranges, or remove them from the record at ${envelope}.` : `Remove include:${problem.at} from the record at ${envelope}, or ask its owner to fix it.`, walk.record ?? null));
		} else if (problem.id === 'spf-include-missing') {
			findings.push(finding('spf-include-missing', envelope, `${where}'s SPF record includes ${problem.at}, but ${problem.detail}: a permanent error.`, `Remove include:${problem.at} from the record at ${envelope} (or correct the name).`, walk.record ?? null));
		} else {
			// A broken record further down the include tree: the owner is someone else.
			findings.push(finding(problem.id, envelope, `${where}'s SPF record includes ${problem.at}, whose SPF is broken (${problem.detail}): a permanent error.`, `Remove include:${problem.at} from the record at ${envelope}, or ask its owner to fix it.`, walk.record ?? null));
		}
	}

	if (walk.lookups > SPF_LOOKUP_LIMIT) {
		findings.push(finding('spf-too-many-lookups', envelope, `${where}'s SPF record needs ${walk.complete ? '' : 'at least '}${walk.lookups} DNS lookups, more than the 10 receivers allow: SPF fails with a permanent error.`, `Cut the record at ${envelope} to at most 10 lookups: remove includes of services you no longer use, or replace a, mx and ptr terms with ip4:/ip6: ranges.`, walk.record ?? null));
	}

	if (walk.allowsAll) {
		const own = walk.record ? parseSpf(walk.record) : undefined;
		const ownAll = own?.ok && own.record.terms.some(term => term.kind === 'mechanism' && term.name === 'all' && term.qualifier === '+');
		const fixed = ownAll && walk.record ? walk.record.split(' ').map(term => (/^\+?all$/i.test(term) ? '~all' : term)).join(' ') : undefined;
		findings.push(finding('spf-allows-all', envelope, `${where}'s SPF record lets anyone send as ${envelope} (+all${ownAll ? '' : ', through an include'}); receivers distrust such records.`, fixed ? `Publish instead: ${fixed}` : 'Remove the include that ends in +all.', walk.record ?? null));
	}

	// With no one readable record of its own, what it authorises is unknown: the finding above says why.
	const ownBroken = walk.problems.some(problem => problem.at === envelope && problem.id !== 'spf-include-missing');
	let authorised = !ownBroken;
	// The provider's own bounce domain is the envelope (Mailjet's bnc3.mailjet.com): receivers check SPF
	// there, it passes for the provider and never aligns with the From domain, whatever this record says.
	const foreignEnvelope = returnPath.kind === 'provider' && spf.kind === 'include';
	if (foreignEnvelope) {
		authorised = spf.includes.some(include => walk.targets.includes(include));
		findings.push(finding('spf-return-path', envelope, `${provider.name} sends with its own return path, ${returnPath.domain}${returnPath.custom ? `, unless you set up ${returnPath.custom}` : ''}: receivers check SPF there, so SPF cannot align with ${domain} and DMARC rests on DKIM signed for ${domain}.${authorised ? '' : ` ${provider.name} also asks for include:${recommended} at ${envelope}; it counts once a custom return path is set.`}`, authorised ? null : `Publish instead: ${newRecord}`, walk.record ?? null));
	} else if (spf.kind === 'include' && !ownBroken) {
		authorised = spf.includes.some(include => walk.targets.includes(include));
		if (!authorised) {
			findings.push(finding('spf-provider-not-included', envelope, `${where}'s SPF record does not authorise ${provider.name} (include:${recommended}): SPF fails for every mail Zulip sends.`, `Publish instead: ${newRecord}`, walk.record ?? null));
		}
	}

	const permanentError = findings.some(item => item.severity === 'error');
	// A walk that lost an answer is not a verdict: what it did not read may break the record (RFC 7208 §2.6.6 temperror).
	if (walk.failures.length > 0) {
		const names = [...new Set(walk.failures.map(failure => failure.name))].join(', ');
		findings.push(finding('spf-incomplete', envelope, `${where}'s SPF record could not be fully checked: no answer for ${names}.${findings.length === 0 ? ' What was read is valid.' : ''}`, 'Run the check again when those names answer (see the DNS finding).', walk.record ?? null));
	}

	// A local MTA sends from this server: check_host() with the addresses EXTERNAL_HOST has is the receivers' own verdict.
	const server = spf.kind === 'this-server' && findings.length === 0 && walk.record ? await serverVerdicts(context, envelope) : undefined;
	if (server && server.some(entry => entry.result !== 'pass')) {
		const failing = server.filter(entry => entry.result !== 'pass');
		const list = failing.map(entry => `${entry.ip}: ${entry.result}`).join(', ');
		findings.push(finding('spf-server-not-authorised', envelope, `${where}'s SPF record does not authorise this server's address (${serverWords(server)}); receivers get ${list}.`, `Add this server to the record at ${envelope}: ${withTerm(walk.record!, `a:${server.host}`)} (if mail leaves from another address, add that one as ip4:/ip6:)`, walk.record ?? null));
		authorised = false;
	}

	if (findings.length === 0) {
		const what = spf.kind === 'include'
			? `authorises ${provider.name}`
			: spf.kind === 'this-server'
				? server && server.length > 0
					? `passes for this server's address (${serverWords(server)})`
					: `is valid; check it covers this server's address (${newRecord.replace(/^v=spf1 | ~all$/g, '')})`
				: "is valid; check it covers your relay's addresses";
		findings.push(finding('spf-ok', envelope, `${where}'s SPF record ${what} (${walk.lookups} of 10 lookups).`, null, walk.record ?? null));
	}

	return {known: spf.kind === 'include', findings, aligns: !permanentError && authorised && spf.kind !== 'unknown' && !foreignEnvelope ? {envelope} : undefined};
}

/**
 * check_host() for each address EXTERNAL_HOST resolves to (or is), with Zulip's
 * From address at the domain as sender; undefined when there is no host or its
 * addresses could not be read (noted as dns-unreachable).
 */
async function serverVerdicts(context: DomainContext, envelope: string): Promise<(Array<{ip: string; result: SpfResult}> & {host: string}) | undefined> {
	const external = context.input.externalHost?.trim();
	if (!external) return undefined;
	const host = external.replace(/^\[(.*)\](?::\d+)?$/, '$1').replace(/^([^:]+):\d+$/, '$1');
	let ips: string[];
	if (isIP(host)) {
		ips = [host];
	} else {
		const [v4, v6] = await Promise.all([context.lookup.a(host), context.lookup.aaaa(host)]);
		for (const result of [v4, v6]) if (result.kind === 'failed') noteFailure(context, host, result.code);
		if (v4.kind === 'failed' || v6.kind === 'failed') return undefined;
		ips = [...(v4.kind === 'records' ? v4.records : []), ...(v6.kind === 'records' ? v6.records : [])];
	}

	const sender = context.input.from.find(entry => addressDomain(entry.address) === context.domain && entry.role === 'noreply')?.address ?? `noreply@${envelope}`;
	const verdicts = await Promise.all(ips.map(async ip => ({ip, result: (await checkHost(envelope, {ip, sender: addressOnly(sender), helo: host, lookup: context.lookup})).result})));
	return Object.assign(verdicts, {host});
}

const serverWords = (server: Array<{ip: string}> & {host: string}) => (isIP(server.host) ? server.host : `${server.host} is ${server.map(entry => entry.ip).join(', ')}`);

const addressOnly = (address: string) => (/<([^>]*)>/.exec(address)?.[1] ?? address).trim();

interface DkimVerdict {
	readonly findings: Finding[];
	/** Selectors with a usable key at the signing domain. */
	readonly found: readonly string[];
	readonly known: boolean;
}

async function checkDkim(context: DomainContext, signing: string): Promise<DkimVerdict> {
	const {domain, auth, provider, input, lookup} = context;
	const selectors = input.dkimSelectors && input.dkimSelectors.length > 0 ? input.dkimSelectors : auth.dkim.kind === 'fixed' ? auth.dkim.selectors : [];
	if (selectors.length === 0) {
		const where = auth.dkim.kind === 'per-account' ? auth.dkim.where : `${provider.name}'s settings`;
		// A mail server of one's own (on this machine, or a relay) signs with a selector its operator chose, if it signs at all.
		const own = provider.id === 'local' || provider.id === 'custom';
		const why = own ? `${capitalized(serviceWords(provider.id).who)} signs with a selector of its own choosing` : `${provider.name} names its DKIM selector per account`;
		return {
			known: false,
			found: [],
			findings: [finding('dkim-unchecked', signing, `${why}, so DKIM for ${signing} was not checked; find the selector ${own ? 'in' : 'under'} ${where}.`, `Check it with: zulip-email-setup --check-dns --dkim-selector NAME`)],
		};
	}

	const answers = await Promise.all(selectors.map(async selector => ({selector, name: `${selector}._domainkey.${signing}`, answer: await lookup.txt(`${selector}._domainkey.${signing}`)})));
	const found: string[] = [];
	const broken: {name: string; record: string; error: string}[] = [];
	let failed = false;
	for (const {selector, name, answer} of answers) {
		if (answer.kind === 'failed') {
			noteFailure(context, name, answer.code);
			failed = true;
			continue;
		}

		if (answer.kind !== 'records') continue;
		const parses = answer.records.map(record => ({record, parsed: parseDkimKey(record)}));
		if (parses.some(entry => entry.parsed.ok)) found.push(selector);
		else for (const entry of parses) if (!entry.parsed.ok) broken.push({name, record: entry.record, error: entry.parsed.error});
	}

	const names = selectors.map(selector => `${selector}._domainkey.${signing}`).join(', ');
	if (found.length > 0) {
		return {known: true, found, findings: [finding('dkim-ok', signing, `DKIM key published for ${signing} under ${found.map(selector => `${selector}._domainkey`).join(', ')}.`)]};
	}

	if (broken.length > 0) {
		const first = broken[0]!;
		return {known: true, found, findings: [finding('dkim-invalid', signing, `The DKIM record at ${first.name} cannot verify a signature: ${first.error}.`, `Publish the DKIM record exactly as ${serviceWords(provider.id).who} shows it for ${signing}.`, first.record)]};
	}

	if (failed) return {known: false, found, findings: []};
	const fix = input.dkimSelectors && input.dkimSelectors.length > 0
		? `Publish the DKIM record ${serviceWords(provider.id).who} shows at ${names}, or check the selector name.`
		: `Turn on DKIM for ${signing} ${serviceWords(provider.id).at} and publish the records it shows (${names}).`;
	const missing = provider.id === 'local' || provider.id === 'custom'
		? `No DKIM key at ${names}: mail from ${domain} carries no signature receivers can check.`
		: provider.id === 'brevo'
			// Brevo Help Center, "Troubleshooting issues with domain authentication" (article 16045394674066, read 2026-12-08):
			// an unauthenticated domain is replaced with @brevosend.com, e.g. mycompany@5000001.brevosend.com.
			? `No DKIM key at ${names}: Brevo treats ${domain} as not authenticated and rewrites the From of every mail to an address at its own domain (like noreply@<number>.brevosend.com), so recipients will see a different From than ${domain}.`
			: `No DKIM key at ${names}: mail from ${domain} is signed for ${provider.name}'s domain, not yours.`;
	return {known: true, found, findings: [finding('dkim-missing', signing, missing, fix)]};
}

async function checkDomain(context: DomainContext): Promise<Finding[]> {
	const {domain, auth, provider, input, lookup} = context;
	const own = auth.ownDomains?.find(owned => domain === owned || domain.endsWith(`.${owned}`));
	if (own) {
		return [finding('provider-domain', domain, `${domain} is ${provider.name}'s own domain: ${provider.name} publishes its SPF, DKIM and DMARC.`)];
	}

	const loginDomain = auth.loginDomain && input.login ? addressDomainOfLogin(input.login) : undefined;
	const sendingDomain = loginDomain ?? domain;
	const [spf, dkim, dmarc, mx] = await Promise.all([
		checkSpf(context, sendingDomain),
		checkDkim(context, sendingDomain),
		discoverDmarc(domain, lookup),
		context.roles.includes('administrator') ? lookup.mx(domain) : Promise.resolve(undefined),
	]);
	const findings = [...spf.findings, ...dkim.findings];
	let record: DmarcRecord | undefined;
	if (dmarc.kind === 'failed') {
		noteFailure(context, dmarc.name, dmarc.code);
	} else if (dmarc.kind === 'missing') {
		findings.push(finding('dmarc-missing', domain, `No DMARC record at _dmarc.${domain} (or a parent domain): receivers apply no policy, and Gmail and Yahoo expect one from bulk senders.`, `Publish a TXT record at _dmarc.${domain}: v=DMARC1; p=none; rua=mailto:postmaster@${domain} — then raise p to quarantine once the reports show Zulip's mail aligned.`));
	} else if (dmarc.kind === 'multiple') {
		findings.push(finding('dmarc-syntax', domain, `_dmarc.${dmarc.at} has ${dmarc.records.length} DMARC records, so receivers ignore them all.`, `Keep exactly one TXT record at _dmarc.${dmarc.at}.`, dmarc.records.join('\n')));
	} else if (!dmarc.parsed.ok) {
		findings.push(finding('dmarc-syntax', domain, `The DMARC record at _dmarc.${dmarc.at} is invalid (${dmarc.parsed.error}), so receivers ignore it.`, `Publish a valid record at _dmarc.${dmarc.at}, e.g. v=DMARC1; p=none; rua=mailto:postmaster@${dmarc.at}`, null));
	} else {
		record = dmarc.parsed.record;
		// np= (RFC 9989) covers subdomains that do not exist: ask whether this one does, when it matters.
		const existence = dmarc.inherited && record.nonexistentPolicy !== undefined ? mx ?? await lookup.mx(domain) : undefined;
		const nonexistent = existence?.kind === 'nxdomain';
		const byStandard = policyByStandard(record, dmarc.inherited, nonexistent);
		// Receivers today read RFC 7489; the RFC 9989 answer is told beside it where it differs.
		const policy = byStandard.rfc7489;
		const where = dmarc.inherited ? `_dmarc.${dmarc.at} (inherited from the parent domain${record.subdomainPolicy ? ', sp=' : ''}${record.subdomainPolicy ?? ''})` : `_dmarc.${dmarc.at}`;
		const notes = dmarc.parsed.notes.length > 0 ? ` (${dmarc.parsed.notes.join('; ')})` : '';
		const refused = dmarc.parsed.refusedByOpenDmarc;
		const refusedByMailauth = dmarc.parsed.refusedByMailauth;
		if (dmarc.parsed.ignored.length > 0 || refused.length > 0 || refusedByMailauth.length > 0) {
			const skipped = dmarc.parsed.ignored.length > 0 ? `, but skip ${dmarc.parsed.ignored.join('; ')}` : '';
			const strict = refused.length > 0 ? ` OpenDMARC (the filter many Postfix servers run) refuses the whole record for ${refused.join(', ')}: there, mail from ${domain} is judged as if it had no DMARC record.` : '';
			const letter = refusedByMailauth.length > 0 ? ` Receivers that read RFC 9989 to the letter (mailauth) ignore the whole record for ${refusedByMailauth.join(', ')}.` : '';
			findings.push(finding('dmarc-sloppy', domain, `Receivers apply the DMARC record at _dmarc.${dmarc.at}${skipped}.${strict}${letter}`, `Publish it cleanly at _dmarc.${dmarc.at}: ${cleanDmarc(record)}`, record.text));
		}

		const bis = rfc9989Differences(record, dmarc.inherited, byStandard, nonexistent ? domain : undefined);
		if (bis) findings.push(finding('dmarc-rfc9989', domain, bis, null, record.text));
		if (policy === 'none') {
			const raised = record.text.replace(/(^|;)(\s*)p\s*=\s*none/i, '$1$2p=quarantine');
			const what = record.policy === 'none' || dmarc.parsed.notes.length > 0 ? 'p=none' : `p=${record.policy} with pct=0, which RFC 7489 receivers apply as the next lower policy, p=none`;
			findings.push(finding('dmarc-policy-none', domain, `The DMARC policy at ${where} is ${what}${notes}: it only monitors, forged mail from ${domain} is still delivered.`, `Once reports show Zulip's mail aligned, publish at _dmarc.${dmarc.at}: ${raised === record.text ? 'v=DMARC1; p=quarantine' : raised}`, record.text));
		} else {
			const [spfAlignment, dkimAlignment] = await Promise.all([
				spf.aligns === undefined ? false : aligned(context, record.aspf, spf.aligns.envelope, domain),
				dkim.found.length === 0 ? false : aligned(context, record.adkim, sendingDomain, domain),
			]);
			const spfAligned = spfAlignment === true;
			const dkimAligned = dkimAlignment === true;
			if (!spfAligned && !dkimAligned && spf.known && dkim.known && spfAlignment !== undefined && dkimAlignment !== undefined) {
				const later = byStandard.rfc9989 === policy ? '' : ` (receivers that follow RFC 9989 ${byStandard.rfc9989 === 'none' ? 'only monitor' : `apply p=${byStandard.rfc9989}`}: see the RFC 9989 finding)`;
				findings.push(finding('dmarc-nothing-aligned', domain, `The DMARC policy at ${where} is p=${policy}, and neither SPF nor DKIM for ${provider.name} aligns with ${domain}: receivers will ${policy} Zulip's mail${later}.`, `${alignmentFix(context, sendingDomain)} Either one aligned with ${domain} is enough.`, record.text));
			} else {
				findings.push(finding('dmarc-ok', domain, `DMARC policy p=${policy} at ${where}${spfAligned && dkimAligned ? `; SPF and DKIM both align for ${provider.name}` : spfAligned || dkimAligned ? `; ${dkimAligned ? 'DKIM' : 'SPF'} aligns for ${provider.name}` : ''}.`, null, record.text));
			}
		}
	}

	if (mx) {
		const admin = input.from.find(entry => entry.role === 'administrator')?.address ?? `the administrator at ${domain}`;
		if (mx.kind === 'failed') {
			noteFailure(context, domain, mx.code);
		} else if (mx.kind === 'records' && mx.records.some(entry => entry.exchange !== '' && entry.exchange !== '.')) {
			const list = [...mx.records].sort((a, b) => a.priority - b.priority).map(entry => `${entry.priority} ${entry.exchange}`);
			findings.push(finding('mx-ok', domain, `${domain} receives mail (MX ${list.join(', ')}): replies to ${admin} arrive.`, null, list.join('\n')));
		} else {
			const why = mx.kind === 'nxdomain' ? `${domain} does not exist in DNS` : mx.kind === 'records' ? `${domain} publishes a null MX (it accepts no mail)` : `${domain} has no MX record`;
			findings.push(finding('mx-missing', domain, `${why}: replies to ${admin} bounce.`, `Publish MX records for ${domain} pointing at the mailbox provider that holds ${admin}.`, mx.kind === 'records' ? mx.records.map(entry => `${entry.priority} ${entry.exchange || '.'}`).join('\n') : null));
		}
	}

	return findings;
}

/** What to publish so DMARC aligns: DKIM only where the provider's return path is its own. */
function alignmentFix(context: DomainContext, sendingDomain: string): string {
	const returnPath = providerAlignment(context.provider.id).returnPath;
	if (returnPath.kind === 'provider') {
		return `${context.provider.name} sends with its own return path (${returnPath.domain}), so only DKIM can align: publish the DKIM records ${context.provider.name} shows for ${sendingDomain}${returnPath.custom ? `, or set up ${returnPath.custom}` : ''}.`;
	}

	return `Fix the SPF or DKIM finding for ${sendingDomain} above.`;
}

/** The record as receivers read it, written without what they skip. */
function cleanDmarc(record: DmarcRecord): string {
	const parts = [`v=DMARC1`, `p=${record.policy}`];
	if (record.subdomainPolicy) parts.push(`sp=${record.subdomainPolicy}`);
	if (record.nonexistentPolicy) parts.push(`np=${record.nonexistentPolicy}`);
	if (record.adkim === 's') parts.push('adkim=s');
	if (record.aspf === 's') parts.push('aspf=s');
	if (record.pct !== 100) parts.push(`pct=${record.pct}`);
	if (record.testMode) parts.push('t=y');
	if (record.rua.length > 0) parts.push(`rua=${record.rua.join(',')}`);
	return parts.join('; ');
}

/** Where RFC 9989 (DMARCbis) gives another answer than RFC 7489, in a sentence; undefined where both agree. */
function rfc9989Differences(record: DmarcRecord, inherited: boolean, byStandard: {readonly rfc7489: string; readonly rfc9989: string}, nonexistent: string | undefined): string | undefined {
	const reasons: string[] = [];
	if (record.testMode) reasons.push('t=y asks for test mode, so the policy is not applied');
	if (record.pct !== 100) reasons.push(`pct=${record.pct} is gone from RFC 9989 (it applies the policy to all failing mail${record.testMode ? '' : ', or none with t=y'})`);
	if (inherited && nonexistent && record.nonexistentPolicy) reasons.push(`${nonexistent} does not exist, so np=${record.nonexistentPolicy} applies`);
	if (reasons.length === 0) return undefined;
	const same = byStandard.rfc7489 === byStandard.rfc9989;
	return `Receivers that follow RFC 7489 apply p=${byStandard.rfc7489}${record.pct === 100 ? '' : ` to ${record.pct}% of failing mail`}; under RFC 9989 (DMARCbis) ${reasons.join('; ')}: ${same ? 'the same outcome' : byStandard.rfc9989 === 'none' ? 'mail that fails DMARC is not quarantined or rejected' : `p=${byStandard.rfc9989}`}.`;
}

function addressDomainOfLogin(login: string): string | undefined {
	return login.includes('@') ? addressDomain(login) : undefined;
}

/**
 * SPF, DKIM, DMARC and MX of every domain Zulip sends from, all lookups in
 * parallel under one deadline. Never throws for DNS trouble: a resolver that
 * does not answer becomes a dns-unreachable finding.
 */
export async function checkDeliverability(input: DeliverabilityInput): Promise<DeliverabilityReport> {
	const auth = MAIL_AUTH[input.providerId];
	const provider = getProvider(input.providerId);
	const lookup = createLookup({server: input.dnsServer, deadlineMs: input.deadlineMs, signal: input.signal});
	try {
		if (!auth) return {findings: [], skipped: `${provider.name}: no mail leaves this server, so there is nothing to check.`, server: lookup.server};
		const roles = new Map<string, FromRole[]>();
		const unusable: Finding[] = [];
		for (const entry of input.from) {
			const domain = addressDomain(entry.address);
			const problem = domain === undefined ? unusableDomainReason(entry.address) : undefined;
			if (problem) {
				unusable.push(finding('from-domain-unusable', problem.domain, `The ${entry.role} address ${entry.address} cannot be checked: ${problem.reason}.`, `Give Zulip a From address at a domain you publish DNS records for (${SETTING_OF_ROLE[entry.role]} in /etc/zulip/settings.py).`));
			}

			if (!domain) continue;
			roles.set(domain, [...(roles.get(domain) ?? []), entry.role]);
		}

		// Several From domains may share one sending domain: walk its SPF once.
		const walks = new Map<string, Promise<SpfWalk>>();
		const spfWalk = (domain: string) => {
			let walk = walks.get(domain);
			if (!walk) {
				walk = walkSpf(domain, lookup);
				walks.set(domain, walk);
			}

			return walk;
		};

		const unreachable = new Map<string, Set<string>>();
		const perDomain = await Promise.all([...roles].map(([domain, domainRoles]) => checkDomain({domain, roles: domainRoles, provider, auth, input, lookup, spfWalk, unreachable})));
		const findings = dedupe([...unusable, ...perDomain.flat()]);
		for (const [domain, names] of unreachable) {
			const cancelled = input.signal?.aborted;
			findings.push(finding(
				'dns-unreachable',
				domain,
				cancelled
					? `The DNS checks of ${domain} were cancelled.`
					: `The resolver (${lookup.server}) gave no usable answer for ${[...names].join(', ')} in time: those checks of ${domain} were skipped.`,
				"Check this server's DNS (/etc/resolv.conf), or name a resolver it may use with --dns-server HOST[:PORT]; then run zulip-email-setup --check-dns again.",
			));
		}

		return {findings, server: lookup.server};
	} finally {
		lookup.close();
	}
}

/** The setting in /etc/zulip/settings.py each From address comes from. */
const SETTING_OF_ROLE: Record<FromRole, string> = {administrator: 'ZULIP_ADMINISTRATOR', noreply: 'NOREPLY_EMAIL_ADDRESS', 'tokenized noreply': 'TOKENIZED_NOREPLY_EMAIL_ADDRESS'};

/** Two From domains with one sending domain produce the same SPF and DKIM findings: keep one. */
function dedupe(findings: readonly Finding[]): Finding[] {
	const seen = new Set<string>();
	return findings.filter(item => {
		const key = `${item.id}\0${item.domain}\0${item.message}`;
		if (seen.has(key)) return false;
		seen.add(key);
		return true;
	});
}

export function hasErrors(report: DeliverabilityReport): boolean {
	return report.findings.some(item => item.severity === 'error');
}
