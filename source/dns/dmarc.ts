import type {DnsLookup} from './lookup.js';

// DMARC records (RFC 7489 §6.3, §6.4) and their discovery (§6.6.3).

export type DmarcPolicy = 'none' | 'quarantine' | 'reject';

export interface DmarcRecord {
	readonly text: string;
	readonly policy: DmarcPolicy;
	/** sp=, the policy for subdomains; undefined when absent (p applies). */
	readonly subdomainPolicy?: DmarcPolicy;
	readonly adkim: 'r' | 's';
	readonly aspf: 'r' | 's';
	readonly pct: number;
	readonly rua: readonly string[];
}

export type DmarcParse =
	| {readonly ok: true; readonly record: DmarcRecord; readonly notes: readonly string[]}
	| {readonly ok: false; readonly error: string};

const POLICIES = new Set(['none', 'quarantine', 'reject']);

/** Records at _dmarc that are DMARC records at all: they start with v=DMARC1 (§6.6.3 step 3). */
export function isDmarcRecord(text: string): boolean {
	return /^v\s*=\s*DMARC1\s*(;|$)/.test(text);
}

/** Parse a tag-value list: `tag=value; …` (§6.4). Tags are case-insensitive, values keep their case. */
function tags(text: string): Map<string, string> | string {
	const result = new Map<string, string>();
	for (const part of text.split(';')) {
		if (part.trim() === '') continue;
		const match = /^\s*([a-z][a-z0-9_]*)\s*=\s*(.*?)\s*$/is.exec(part);
		if (!match) return `"${part.trim()}" is not a tag=value pair`;
		const tag = match[1]!.toLowerCase();
		if (result.has(tag)) return `the tag ${tag}= appears twice`;
		result.set(tag, match[2]!);
	}

	return result;
}

/** A DMARC record as a receiver reads it; `error` where a receiver would ignore it. */
export function parseDmarc(text: string): DmarcParse {
	if (!isDmarcRecord(text)) return {ok: false, error: 'the record does not start with v=DMARC1'};
	const parsed = tags(text);
	if (typeof parsed === 'string') return {ok: false, error: parsed};
	const notes: string[] = [];
	const rua = (parsed.get('rua') ?? '').split(',').map(uri => uri.trim()).filter(uri => uri !== '');
	const badUri = rua.find(uri => !/^[a-z][a-z0-9+.-]*:\S+$/i.test(uri));
	if (badUri) return {ok: false, error: `rua= holds "${badUri}", which is not a URI (mailto:dmarc@example.com)`};
	const p = parsed.get('p')?.toLowerCase();
	let policy: DmarcPolicy;
	if (p !== undefined && POLICIES.has(p)) {
		policy = p as DmarcPolicy;
	} else if (rua.length > 0) {
		// §6.6.3: without a valid p, a record with a valid rua acts as p=none.
		policy = 'none';
		notes.push(p === undefined ? 'it has no p= tag, so receivers treat it as p=none' : `p=${p} is not a policy, so receivers treat it as p=none`);
	} else {
		return {ok: false, error: p === undefined ? 'the required p= tag is missing' : `p=${p} is not none, quarantine or reject`};
	}

	const sp = parsed.get('sp')?.toLowerCase();
	if (sp !== undefined && !POLICIES.has(sp)) return {ok: false, error: `sp=${sp} is not none, quarantine or reject`};
	const alignment = (tag: 'adkim' | 'aspf'): 'r' | 's' | string => {
		const value = parsed.get(tag)?.toLowerCase() ?? 'r';
		return value === 'r' || value === 's' ? value : `${tag}=${value} is not r or s`;
	};

	const adkim = alignment('adkim');
	const aspf = alignment('aspf');
	if (adkim.length > 1) return {ok: false, error: adkim};
	if (aspf.length > 1) return {ok: false, error: aspf};
	const pctText = parsed.get('pct') ?? '100';
	if (!/^\d{1,3}$/.test(pctText) || Number(pctText) > 100) return {ok: false, error: `pct=${pctText} is not a whole number from 0 to 100`};
	return {
		ok: true,
		record: {text, policy, subdomainPolicy: sp as DmarcPolicy | undefined, adkim: adkim as 'r' | 's', aspf: aspf as 'r' | 's', pct: Number(pctText), rua},
		notes,
	};
}

export type DmarcDiscovery =
	| {readonly kind: 'found'; readonly at: string; readonly parsed: DmarcParse; readonly inherited: boolean}
	| {readonly kind: 'multiple'; readonly at: string; readonly records: readonly string[]}
	| {readonly kind: 'missing'}
	| {readonly kind: 'failed'; readonly name: string; readonly code: string};

/**
 * Find the DMARC record that governs a From domain: _dmarc.<domain>, else
 * the nearest parent's. RFC 7489 asks for the organizational domain from the
 * public suffix list; walking up the parents (as DMARCbis does, never asking
 * at a TLD) finds the same record without shipping that list.
 */
export async function discoverDmarc(domain: string, lookup: DnsLookup): Promise<DmarcDiscovery> {
	const labels = domain.toLowerCase().replace(/\.$/, '').split('.');
	const candidates: string[] = [];
	for (let index = 0; index < labels.length - 1 && candidates.length < 8; index++) candidates.push(labels.slice(index).join('.'));
	// In parallel: the answer is the first candidate, in order, that holds a record.
	const answers = await Promise.all(candidates.map(name => lookup.txt(`_dmarc.${name}`)));
	for (const [index, answer] of answers.entries()) {
		const at = candidates[index]!;
		if (answer.kind === 'failed') return {kind: 'failed', name: `_dmarc.${at}`, code: answer.code};
		const records = answer.kind === 'records' ? answer.records.filter(isDmarcRecord) : [];
		if (records.length > 1) return {kind: 'multiple', at, records};
		if (records.length === 1) return {kind: 'found', at, parsed: parseDmarc(records[0]!), inherited: index > 0};
	}

	return {kind: 'missing'};
}

/** The policy that applies to mail from `domain` under a record found at `at`. */
export function effectivePolicy(record: DmarcRecord, inherited: boolean): DmarcPolicy {
	return inherited ? record.subdomainPolicy ?? record.policy : record.policy;
}
