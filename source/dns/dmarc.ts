import type {DnsLookup} from './lookup.js';

// DMARC records as receivers read them: RFC 7489 §6.3, §6.4 and §6.6.3, which
// most receivers still apply, and RFC 9989 (DMARCbis, May 2026; obsoletes 7489
// and 9091: the RFC index entry https://www.rfc-editor.org/info/rfc9989, checked
// 2026-12-08; its tag semantics (t=, np=, psd=, pct removed) read in
// draft-ietf-dmarc-dmarcbis-41, the text the RFC was published from, not in the
// RFC's own pages, which our reference copy does not hold). Where the two differ,
// the record says so (`bis`) and the finding tells the admin.

export type DmarcPolicy = 'none' | 'quarantine' | 'reject';

export interface DmarcRecord {
	readonly text: string;
	readonly policy: DmarcPolicy;
	/** sp=, the policy for subdomains; undefined when absent (p applies). */
	readonly subdomainPolicy?: DmarcPolicy;
	/** np= (RFC 9989): the policy for subdomains that do not exist; undefined when absent. */
	readonly nonexistentPolicy?: DmarcPolicy;
	readonly adkim: 'r' | 's';
	readonly aspf: 'r' | 's';
	/** pct= (RFC 7489 only; RFC 9989 removed it): the share of failing mail the policy applies to. */
	readonly pct: number;
	/** t=y (RFC 9989): test mode, the policy is not to be applied. RFC 7489 receivers ignore the tag. */
	readonly testMode: boolean;
	/** psd= (RFC 9989): y for a public suffix operator's record, n for an organizational domain's; undefined when absent. */
	readonly psd?: 'y' | 'n' | 'u';
	readonly rua: readonly string[];
}

export type DmarcParse =
	| {
		readonly ok: true;
		readonly record: DmarcRecord;
		/** How receivers fill a gap (no p=, so p=none). */
		readonly notes: readonly string[];
		/** What receivers skip and apply the rest (RFC 7489 §6.3: syntax errors in the remainder are discarded for defaults). */
		readonly ignored: readonly string[];
		/** The skipped parts for which libopendmarc (OpenDMARC 1.4, Debian) refuses the whole record instead (DMARC_PARSE_ERROR_BAD_VALUE). */
		readonly refusedByOpenDmarc: readonly string[];
		/** Parts for which mailauth (7.1, npm), reading RFC 9989 to the letter, ignores the whole record. */
		readonly refusedByMailauth: readonly string[];
	}
	| {readonly ok: false; readonly error: string};

const POLICIES = new Set(['none', 'quarantine', 'reject']);

/**
 * Records at _dmarc that are DMARC records at all: they start with v=DMARC1
 * (§6.6.3 step 3). Tag names are case-insensitive (ABNF strings), and receivers
 * (OpenDMARC, mailauth) also take the value in any case and a leading space.
 */
export function isDmarcRecord(text: string): boolean {
	return /^\s*v\s*=\s*DMARC1\s*(;|$)/i.test(text);
}

/** Parse a tag-value list: `tag=value; …` (§6.4). Tags are case-insensitive, values keep their case. Malformed entries are skipped, as receivers skip them. */
function tags(text: string): {readonly tags: Map<string, string>; readonly skipped: string[]} {
	const result = new Map<string, string>();
	const skipped: string[] = [];
	for (const part of text.split(';')) {
		if (part.trim() === '') continue;
		const match = /^\s*([a-z][a-z0-9_]*)\s*=\s*(.*?)\s*$/is.exec(part);
		if (!match) {
			skipped.push(`"${part.trim()}" (not a tag=value pair)`);
			continue;
		}

		const tag = match[1]!.toLowerCase();
		// RFC 6376 §3.2 makes a repeated tag an error; libopendmarc and mailauth both take the last one.
		if (result.has(tag)) skipped.push(`${tag}=${result.get(tag)} (the tag appears again; receivers take the last, ${tag}=${match[2]})`);

		result.set(tag, match[2]!);
	}

	return {tags: result, skipped};
}

const isUri = (uri: string) => /^[a-z][a-z0-9+.-]*:\S+$/i.test(uri);

/** A DMARC record as a receiver reads it; `error` only where a receiver would ignore the whole record. */
export function parseDmarc(text: string): DmarcParse {
	if (!isDmarcRecord(text)) return {ok: false, error: 'the record does not start with v=DMARC1'};
	const {tags: parsed, skipped} = tags(text);
	const notes: string[] = [];
	const ignored = [...skipped];
	// The version's value is exact octets (RFC 7489 §6.4, RFC 9989 §4.7): mailauth ignores v=dmarc1, OpenDMARC takes it.
	const version = /^\s*v\s*=\s*(DMARC1)/i.exec(text)![1]!;
	const refusedByMailauth = version === 'DMARC1' ? [] : [`v=${version} (the version is written DMARC1, in capitals)`];
	if (/^\s/.test(text)) ignored.push('the leading space (RFC 7489\'s grammar starts at "v="; OpenDMARC and mailauth apply the record, a strict receiver may not)');
	const allRua = (parsed.get('rua') ?? '').split(',').map(uri => uri.trim()).filter(uri => uri !== '');
	const rua = allRua.filter(uri => isUri(uri));
	for (const uri of allRua.filter(uri => !isUri(uri))) ignored.push(`rua entry "${uri}" (not a URI: mailto:${uri.replace(/^mailto:/i, '')})`);
	const policyOf = (tag: string): DmarcPolicy | 'invalid' | undefined => {
		const value = parsed.get(tag)?.toLowerCase();
		return value === undefined ? undefined : POLICIES.has(value) ? (value as DmarcPolicy) : 'invalid';
	};

	const p = policyOf('p');
	const sp = policyOf('sp');
	let policy: DmarcPolicy;
	// §6.6.3 step 6: no valid p (or an invalid sp) with a valid rua acts as p=none; without one, no DMARC at all.
	if (p !== undefined && p !== 'invalid' && sp !== 'invalid') {
		policy = p;
	} else if (rua.length > 0) {
		policy = 'none';
		const why = p === undefined ? 'it has no p= tag' : p === 'invalid' ? `p=${parsed.get('p')} is not a policy` : `sp=${parsed.get('sp')} is not a policy`;
		notes.push(`${why}, so receivers treat it as p=none`);
	} else {
		const error = p === undefined ? 'the required p= tag is missing' : p === 'invalid' ? `p=${parsed.get('p')} is not none, quarantine or reject` : `sp=${parsed.get('sp')} is not none, quarantine or reject`;
		return {ok: false, error};
	}

	// libopendmarc's parser (checked with test/helpers/opendmarc-judge.c against Debian's 1.4.2) refuses these instead of skipping them.
	const refusedByOpenDmarc: string[] = [];
	const alignment = (tag: 'adkim' | 'aspf'): 'r' | 's' => {
		const value = parsed.get(tag)?.toLowerCase() ?? 'r';
		if (value === 'r' || value === 's') return value;
		ignored.push(`${tag}=${parsed.get(tag)} (not r or s; receivers use the default, r)`);
		refusedByOpenDmarc.push(`${tag}=${parsed.get(tag)}`);
		return 'r';
	};

	const adkim = alignment('adkim');
	const aspf = alignment('aspf');
	const pctText = parsed.get('pct') ?? '100';
	let pct = 100;
	if (/^\d{1,3}$/.test(pctText) && Number(pctText) <= 100) pct = Number(pctText);
	else ignored.push(`pct=${pctText} (not a whole number from 0 to 100; receivers use the default, 100)`);
	if (/^\d+$/.test(pctText) && Number(pctText) > 100) refusedByOpenDmarc.push(`pct=${pctText}`);
	// rf= and ri= play no part in the policy (RFC 9989 drops both), but OpenDMARC refuses a record with bad ones.
	const rf = parsed.get('rf');
	if (rf !== undefined && !rf.split(':').every(format => /^(afrf|iodef)$/i.test(format.trim()))) refusedByOpenDmarc.push(`rf=${rf}`);
	const ri = parsed.get('ri');
	if (ri !== undefined && !/^\d+$/.test(ri)) refusedByOpenDmarc.push(`ri=${ri}`);
	const np = policyOf('np');
	if (np === 'invalid') ignored.push(`np=${parsed.get('np')} (not none, quarantine or reject)`);
	const t = parsed.get('t')?.toLowerCase();
	if (t !== undefined && t !== 'y' && t !== 'n') ignored.push(`t=${parsed.get('t')} (not y or n)`);
	const psd = parsed.get('psd')?.toLowerCase();
	if (psd !== undefined && psd !== 'y' && psd !== 'n' && psd !== 'u') ignored.push(`psd=${parsed.get('psd')} (not y, n or u)`);
	return {
		ok: true,
		record: {
			text,
			policy,
			subdomainPolicy: sp === 'invalid' ? undefined : sp,
			nonexistentPolicy: np === 'invalid' ? undefined : np,
			adkim,
			aspf,
			pct,
			testMode: t === 'y',
			psd: psd === 'y' || psd === 'n' || psd === 'u' ? psd : undefined,
			rua,
		},
		notes,
		ignored,
		refusedByOpenDmarc,
		refusedByMailauth,
	};
}

const LOWER: Record<DmarcPolicy, DmarcPolicy> = {reject: 'quarantine', quarantine: 'none', none: 'none'};

/**
 * What a receiver does with mail that fails DMARC under a record, by each
 * standard: RFC 7489 applies pct= (pct=0 leaves only the next-lower policy,
 * §6.6.4) and knows no t=; RFC 9989 ignores pct and applies nothing in test
 * mode (t=y). `nonexistent`: the From domain does not exist (np= applies, RFC 9989 only).
 */
export function policyByStandard(record: DmarcRecord, inherited: boolean, nonexistent = false): {readonly rfc7489: DmarcPolicy; readonly rfc9989: DmarcPolicy} {
	const base = inherited ? record.subdomainPolicy ?? record.policy : record.policy;
	const rfc7489 = record.pct === 0 ? LOWER[base] : base;
	const bis = inherited && nonexistent ? record.nonexistentPolicy ?? base : base;
	return {rfc7489, rfc9989: record.testMode ? 'none' : bis};
}

export type DmarcDiscovery =
	| {readonly kind: 'found'; readonly at: string; readonly parsed: DmarcParse; readonly inherited: boolean}
	| {readonly kind: 'multiple'; readonly at: string; readonly records: readonly string[]}
	| {readonly kind: 'missing'}
	| {readonly kind: 'failed'; readonly name: string; readonly code: string};

/**
 * The names a DNS tree walk asks at (RFC 9989, draft-ietf-dmarc-dmarcbis-41
 * §4.10): the domain itself; then, for a name of eight or more labels, its
 * ancestor of seven labels; then one label less at a time. `tld`: down to the
 * top-level domain (organizational-domain discovery, where a public suffix
 * operator's psd=y record counts) or stopping above it (policy discovery as
 * RFC 7489 receivers see it: they never take a policy from a TLD).
 */
export function treeWalkNames(domain: string, tld: boolean): string[] {
	const labels = domain.toLowerCase().replace(/\.$/, '').split('.');
	const names = [labels.join('.')];
	const last = tld ? labels.length : labels.length - 1;
	for (let count = Math.min(labels.length - 1, 7); count >= (tld ? 1 : 2) && labels.length - count < last; count--) names.push(labels.slice(labels.length - count).join('.'));
	return names.slice(0, 8);
}

/** One name's answer in a tree walk: its single DMARC record, or nothing usable. */
type WalkStep = {readonly name: string; readonly records: readonly string[]};

/**
 * The DNS tree walk (RFC 9989 §4.10): the names in order, each one's DMARC
 * records; it stops after a record with psd=y or psd=n. All names are asked at
 * once (at most eight); a failed question fails the walk.
 */
async function treeWalk(domain: string, lookup: DnsLookup): Promise<{readonly kind: 'walked'; readonly steps: readonly WalkStep[]} | {readonly kind: 'failed'; readonly name: string; readonly code: string}> {
	const names = treeWalkNames(domain, true);
	const answers = await Promise.all(names.map(name => lookup.txt(`_dmarc.${name}`)));
	const steps: WalkStep[] = [];
	for (const [index, answer] of answers.entries()) {
		const name = names[index]!;
		if (answer.kind === 'failed') return {kind: 'failed', name: `_dmarc.${name}`, code: answer.code};
		const records = answer.kind === 'records' ? answer.records.filter(isDmarcRecord) : [];
		steps.push({name, records});
		const parsed = records.length === 1 ? parseDmarc(records[0]!) : undefined;
		if (parsed?.ok && (parsed.record.psd === 'y' || parsed.record.psd === 'n')) break;
	}

	return {kind: 'walked', steps};
}

/** RFC 9989 §4.10.2: psd=n is the organizational domain; psd=y (not the domain's own) makes it the name one label below; else the record with the fewest labels; with none, the domain itself. */
function selectOrganizationalDomain(domain: string, steps: readonly WalkStep[]): string {
	const start = domain.toLowerCase().replace(/\.$/, '');
	let fewest: string | undefined;
	for (const step of steps) {
		const parsed = step.records.length === 1 ? parseDmarc(step.records[0]!) : undefined;
		if (!parsed?.ok) continue;
		if (parsed.record.psd === 'n') return step.name;
		if (parsed.record.psd === 'y' && step.name !== start) return start.split('.').slice(-(step.name.split('.').length + 1)).join('.');
		fewest = step.name;
	}

	return fewest ?? start;
}

/**
 * Find the DMARC record that governs a From domain: _dmarc.<domain>; else the
 * organizational domain's, found by RFC 9989's tree walk (or, failing that, a
 * public suffix operator's psd=y record above it). RFC 7489 receivers find the
 * organizational domain with the public suffix list instead; for a From
 * domain at or directly below its registered domain, the usual case, both
 * find the same record, and the project ships no list.
 */
export async function discoverDmarc(domain: string, lookup: DnsLookup): Promise<DmarcDiscovery> {
	const walk = await treeWalk(domain, lookup);
	if (walk.kind === 'failed') return walk;
	const [own, ...above] = walk.steps;
	// RFC 7489 §6.6.3 step 3: several records at the name end discovery, and no policy applies.
	if (own && own.records.length > 1) return {kind: 'multiple', at: own.name, records: own.records};
	if (own && own.records.length === 1) return {kind: 'found', at: own.name, parsed: parseDmarc(own.records[0]!), inherited: false};
	const organizational = selectOrganizationalDomain(domain, walk.steps);
	const last = above.at(-1);
	const lastParsed = last?.records.length === 1 ? parseDmarc(last.records[0]!) : undefined;
	const step = above.find(entry => entry.name === organizational && entry.records.length > 0) ?? (lastParsed?.ok && lastParsed.record.psd === 'y' ? last : undefined);
	// Policy never comes from a bare TLD's record unless it is a public suffix operator's (psd=y).
	if (!step) return {kind: 'missing'};
	if (step.records.length > 1) return {kind: 'multiple', at: step.name, records: step.records};
	return {kind: 'found', at: step.name, parsed: parseDmarc(step.records[0]!), inherited: true};
}

export type OrganizationalDomain = {readonly kind: 'found'; readonly domain: string} | {readonly kind: 'failed'; readonly name: string; readonly code: string};

/**
 * A domain's organizational domain by the DNS tree walk of RFC 9989 (which
 * replaces RFC 7489's public suffix list). Relaxed alignment means two names
 * share their organizational domain.
 */
export async function organizationalDomain(domain: string, lookup: DnsLookup): Promise<OrganizationalDomain> {
	const walk = await treeWalk(domain, lookup);
	if (walk.kind === 'failed') return walk;
	return {kind: 'found', domain: selectOrganizationalDomain(domain, walk.steps)};
}
