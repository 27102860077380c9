import {isIPv4, isIPv6} from 'node:net';
import type {DnsLookup} from './lookup.js';

// SPF (RFC 7208) read statically: we do not evaluate a sending IP, we check
// what every receiver would trip over before it gets that far: the record's
// syntax (§12 ABNF), one record only (§4.5), the 10-lookup limit (§4.6.4)
// counted through includes and redirects, and what the record authorises.

export type SpfQualifier = '+' | '-' | '~' | '?';
const MECHANISMS = ['all', 'include', 'a', 'mx', 'ptr', 'ip4', 'ip6', 'exists'] as const;
export type SpfMechanismName = (typeof MECHANISMS)[number];

export type SpfTerm =
	| {readonly kind: 'mechanism'; readonly qualifier: SpfQualifier; readonly name: SpfMechanismName; readonly domain?: string; readonly text: string}
	| {readonly kind: 'modifier'; readonly name: string; readonly value: string; readonly text: string};

export interface SpfRecord {
	readonly text: string;
	readonly terms: readonly SpfTerm[];
	/** The redirect= target; undefined when absent or ignored because the record has an `all` (§6.1). */
	readonly redirect?: string;
}

export type SpfParse = {readonly ok: true; readonly record: SpfRecord} | {readonly ok: false; readonly error: string};

/** Mechanisms and modifiers that cost a DNS lookup (§4.6.4); all, ip4 and ip6 do not. */
const COUNTED = new Set(['include', 'a', 'mx', 'ptr', 'exists']);

/** The version section selects SPF records among a name's TXT records (§4.5): exactly "v=spf1", then a space or the end. */
export function isSpfRecord(text: string): boolean {
	return /^v=spf1(?: |$)/i.test(text);
}

// c, r and t exist only in the explanation text an exp= record points at, never in a domain-spec (§7.2).
const MACRO_LETTERS = /^[slodiphv]$/i;

/** macro-string (§7.1): literals and %{…}, %%, %_, %-; returns an error or undefined. */
function macroStringError(value: string): string | undefined {
	for (let index = 0; index < value.length; index++) {
		const char = value[index]!;
		const code = char.charCodeAt(0);
		if (code < 0x21 || code > 0x7e) return `"${value}" contains a character SPF does not allow`;
		if (char !== '%') continue;
		const next = value[index + 1];
		if (next === '%' || next === '_' || next === '-') {
			index++;
			continue;
		}

		const macro = /^%\{(.)(\d*)(r?)([-.+,/_=]*)\}/i.exec(value.slice(index));
		if (!macro) return `"${value}" has a "%" that does not start a macro (write %% for a literal percent sign)`;
		if (!MACRO_LETTERS.test(macro[1]!)) return `"${value}" uses the unknown macro letter "${macro[1]}"`;
		index += macro[0].length - 1;
	}

	return undefined;
}

const TOPLABEL = /^(?:[a-z0-9]*[a-z][a-z0-9]*|[a-z0-9]+-[a-z0-9-]*[a-z0-9])$/i;

/** domain-spec = macro-string domain-end (§7.1); a plain name needs at least two labels and a valid last one. */
function domainSpecError(value: string): string | undefined {
	if (value === '') return 'a domain is missing';
	const macroError = macroStringError(value);
	if (macroError) return macroError;
	// domain-end = ( "." toplabel [ "." ] ) / macro-expand: a macro may end the name, a dot after it may not
	// (`redirect=%{d}.` is a permerror in pyspf and Mail::SPF).
	if (/(?:%\{[^}]*\}|%[%_-])$/.test(value)) return undefined;
	if (/%\{[^}]*\}\.$/.test(value)) return `"${value}" ends in a dot after a macro (a name ends in a top-level label or a macro)`;
	const name = value.replace(/\.$/, '');
	const labels = name.split('.');
	if (labels.length < 2 || !TOPLABEL.test(labels.at(-1)!)) return `"${value}" is not a domain name`;
	if (labels.some(label => label.length === 0 || label.length > 63) || name.length > 253) return `"${value}" is not a domain name`;
	return undefined;
}

const hasMacro = (domain: string) => domain.includes('%');

function cidrError(text: string, max: number): string | undefined {
	if (!/^(?:0|[1-9]\d{0,2})$/.test(text) || Number(text) > max) return `"/${text}" is not a prefix length from 0 to ${max}`;
	return undefined;
}

function parseTerm(text: string): SpfTerm | string {
	const modifier = /^([a-z][a-z0-9_.-]*)=(.*)$/i.exec(text);
	if (modifier) {
		const name = modifier[1]!.toLowerCase();
		const value = modifier[2]!;
		const error = name === 'redirect' || name === 'exp' ? domainSpecError(value) : macroStringError(value);
		if (error) return `${name}=: ${error}`;
		return {kind: 'modifier', name, value, text};
	}

	const qualifier = /^[-+~?]/.test(text) ? (text[0] as SpfQualifier) : '+';
	const body = /^[-+~?]/.test(text) ? text.slice(1) : text;
	const nameMatch = /^[a-z0-9]+/i.exec(body);
	const name = (nameMatch?.[0] ?? '').toLowerCase();
	const rest = body.slice(name.length);
	if (!(MECHANISMS as readonly string[]).includes(name)) return `unknown mechanism "${text}"`;
	const mechanism = name as SpfMechanismName;
	const argument = rest.startsWith(':') ? rest.slice(1) : undefined;
	switch (mechanism) {
		case 'all':
			if (rest !== '') return `"${text}": all takes no argument`;
			return {kind: 'mechanism', qualifier, name: mechanism, text};
		case 'include':
		case 'exists': {
			if (argument === undefined) return `"${text}": ${mechanism} needs a domain (${mechanism}:example.com)`;
			const error = domainSpecError(argument);
			if (error) return `"${text}": ${error}`;
			return {kind: 'mechanism', qualifier, name: mechanism, domain: argument, text};
		}

		case 'a':
		case 'mx':
		case 'ptr': {
			// The prefix length is only a trailing /N, //N or /N//M (dual-cidr-length): a domain-spec may itself
			// hold "/" and ":" (RFC 7208 §7.1 macro-string), so `a:foo:bar/baz.example.com` names foo:bar/baz.example.com.
			const trailing = /(?:\/\d+)?(?:\/\/\d+)?$/.exec(rest)!;
			const head = rest.slice(0, trailing.index);
			const cidr = trailing[0];
			if (head !== '' && !head.startsWith(':')) return head.startsWith('/') ? `"${text}": bad prefix length` : `unknown mechanism "${text}"`;
			const domainPart = head === '' ? undefined : head.slice(1);
			if (domainPart !== undefined) {
				const error = domainSpecError(domainPart);
				if (error) return `"${text}": ${error}`;
			}

			if (cidr !== '') {
				if (mechanism === 'ptr') return `"${text}": ptr takes no prefix length`;
				// dual-cidr-length: [/ip4] [//ip6]
				const dual = /^(?:\/([^/]+))?(?:\/\/(.+))?$/.exec(cidr);
				if (!dual || (dual[1] === undefined && dual[2] === undefined)) return `"${text}": bad prefix length`;
				const error = (dual[1] === undefined ? undefined : cidrError(dual[1], 32)) ?? (dual[2] === undefined ? undefined : cidrError(dual[2], 128));
				if (error) return `"${text}": ${error}`;
			}

			return {kind: 'mechanism', qualifier, name: mechanism, domain: domainPart, text};
		}

		case 'ip4':
		case 'ip6': {
			if (argument === undefined) return `"${text}": ${mechanism} needs an address (${mechanism === 'ip4' ? 'ip4:192.0.2.0/24' : 'ip6:2001:db8::/32'})`;
			const slash = argument.indexOf('/');
			const address = slash === -1 ? argument : argument.slice(0, slash);
			// ip6-network is the RFC 4291 text form: node's isIPv6 also takes a zone id (fe80::1%eth0), which SPF has no room for.
			const valid = mechanism === 'ip4' ? isIPv4(address) : isIPv6(address) && !address.includes('%');
			if (!valid) return `"${text}": "${address}" is not an ${mechanism === 'ip4' ? 'IPv4' : 'IPv6'} address`;
			if (slash !== -1) {
				const error = cidrError(argument.slice(slash + 1), mechanism === 'ip4' ? 32 : 128);
				if (error) return `"${text}": ${error}`;
			}

			return {kind: 'mechanism', qualifier, name: mechanism, text};
		}

		default: {
			const unhandled: never = mechanism;
			return `unknown mechanism "${String(unhandled)}"`;
		}
	}
}

/** Parse one SPF record's text (already selected with isSpfRecord). */
export function parseSpf(text: string): SpfParse {
	if (!isSpfRecord(text)) return {ok: false, error: 'the record does not start with "v=spf1"'};
	// The ABNF allows printable ASCII separated by spaces only (§12): no tabs, no non-breaking spaces.
	const stray = /[^\x20-\x7e]/.exec(text);
	if (stray) return {ok: false, error: `the record contains the character U+${stray[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}, which SPF does not allow (printable ASCII and spaces only)`};
	const terms: SpfTerm[] = [];
	for (const part of text.slice('v=spf1'.length).split(' ')) {
		if (part === '') continue;
		const term = parseTerm(part);
		if (typeof term === 'string') return {ok: false, error: term};
		terms.push(term);
	}

	for (const unique of ['redirect', 'exp']) {
		if (terms.filter(term => term.kind === 'modifier' && term.name === unique).length > 1) return {ok: false, error: `${unique}= appears more than once`};
	}

	const hasAll = terms.some(term => term.kind === 'mechanism' && term.name === 'all');
	const redirect = terms.find(term => term.kind === 'modifier' && term.name === 'redirect');
	return {ok: true, record: {text, terms, redirect: hasAll || !redirect || redirect.kind !== 'modifier' ? undefined : redirect.value}};
}

/** DNS-querying terms of one record itself, not counting what its includes hold. */
export function ownLookups(record: SpfRecord): number {
	let count = record.redirect === undefined ? 0 : 1;
	for (const term of record.terms) if (term.kind === 'mechanism' && COUNTED.has(term.name)) count++;
	return count;
}

export type SpfProblemId = 'spf-multiple-records' | 'spf-syntax' | 'spf-include-missing' | 'spf-too-many-lookups' | 'spf-void-lookups';

export interface SpfProblem {
	readonly id: SpfProblemId;
	/** Where the problem sits: the domain itself or an include/redirect target. */
	readonly at: string;
	readonly detail: string;
	readonly record: string | null;
}

export interface SpfWalk {
	readonly domain: string;
	/** The domain's own SPF record; undefined when it has none (or several: see problems). */
	readonly record?: string;
	/** Every SPF record the domain's TXT set holds (more than one is a permerror). */
	readonly records: readonly string[];
	/** DNS-querying terms counted through includes and redirects (§4.6.4). */
	readonly lookups: number;
	/** False when the walk stopped early (past the limit, a failed lookup, or a macro it cannot expand). */
	readonly complete: boolean;
	/** include: and redirect= targets at every level, lower case. */
	readonly targets: readonly string[];
	/** Some reachable `all` passes every sender: `+all`/`all` in the record, a redirect or an include. */
	readonly allowsAll: boolean;
	readonly problems: readonly SpfProblem[];
	/** DNS questions that got no usable answer: the name asked and c-ares's code. */
	readonly failures: readonly {readonly name: string; readonly code: string}[];
	/** The domain's TXT lookup itself failed: nothing is known. */
	readonly unknown: boolean;
}

export const SPF_LOOKUP_LIMIT = 10;
/** §4.6.4: more than two lookups that find nothing (NXDOMAIN, or no records) are a permerror. */
export const SPF_VOID_LOOKUP_LIMIT = 2;
/** §4.6.4: an mx mechanism whose name has more than ten MX records is a permerror. */
export const SPF_MX_LIMIT = 10;

/**
 * Fetch a domain's SPF record and make the lookups a receiver makes for a
 * sender no term matches (the one that sees every term): include: and
 * redirect= targets recursively, the A and MX questions of a, mx and exists
 * terms (targets of one record in parallel), counting them against the limits
 * of §4.6.4. Counting stops descending once past the 10-lookup limit. Terms
 * with macros depend on the sender and are not looked up; ptr needs its IP.
 */
export async function walkSpf(domain: string, lookup: DnsLookup): Promise<SpfWalk> {
	const state = {lookups: 0, voids: [] as string[], complete: true, allowsAll: false, targets: new Set<string>(), problems: [] as SpfProblem[], failures: [] as {name: string; code: string}[]};

	// The question an a, mx or exists term asks: its answer only counts as void, failed, or (mx) too many.
	async function probe(at: string, term: string, kind: 'a' | 'mx', target: string): Promise<void> {
		const name = target.replace(/\.$/, '').toLowerCase();
		const answer = kind === 'a' ? await lookup.a(name) : await lookup.mx(name);
		if (answer.kind === 'failed' && answer.code === 'EBADNAME') {
			// c-ares asks only for names in host-name syntax; a receiver's resolver asks for
			// foo:bar/baz.example.com too (and most likely finds nothing). Not asked: not counted.
		} else if (answer.kind === 'failed') {
			state.failures.push({name, code: answer.code});
			state.complete = false;
		} else if (answer.kind !== 'records' || answer.records.length === 0) {
			state.voids.push(`${term} (${name} ${answer.kind === 'nxdomain' ? 'does not exist' : `has no ${kind === 'a' ? 'A' : 'MX'} record`})`);
		} else if (kind === 'mx' && answer.records.length > SPF_MX_LIMIT) {
			state.problems.push({id: 'spf-too-many-lookups', at, detail: `${term} finds ${answer.records.length} MX records at ${name}, more than the ${SPF_MX_LIMIT} receivers look at`, record: null});
		}
	}

	// Returns false when the target has no usable record (a permerror for includes, §5.2).
	async function visit(target: string): Promise<void> {
		const name = target.replace(/\.$/, '').toLowerCase();
		const answer = await lookup.txt(name);
		if (answer.kind === 'failed') {
			state.failures.push({name, code: answer.code});
			state.complete = false;
			return;
		}

		const found = answer.kind === 'records' ? answer.records.filter(isSpfRecord) : [];
		if (found.length === 0) {
			state.problems.push({id: 'spf-include-missing', at: name, detail: answer.kind === 'nxdomain' ? `${name} does not exist` : `${name} has no SPF record`, record: null});
			return;
		}

		if (found.length > 1) {
			state.problems.push({id: 'spf-multiple-records', at: name, detail: `${name} has ${found.length} SPF records`, record: found.join(' | ')});
			return;
		}

		await visitRecord(name, found[0]!);
	}

	async function visitRecord(name: string, text: string): Promise<void> {
		const parsed = parseSpf(text);
		if (!parsed.ok) {
			state.problems.push({id: 'spf-syntax', at: name, detail: parsed.error, record: text});
			return;
		}

		const {record} = parsed;
		state.lookups += ownLookups(record);
		for (const term of record.terms) {
			if (term.kind === 'mechanism' && term.name === 'all' && term.qualifier === '+') state.allowsAll = true;
		}

		const next: string[] = [];
		for (const term of record.terms) if (term.kind === 'mechanism' && term.name === 'include' && term.domain) next.push(term.domain);
		if (record.redirect) next.push(record.redirect);
		for (const target of next) state.targets.add(target.replace(/\.$/, '').toLowerCase());
		const plain = next.filter(target => !hasMacro(target));
		// A macro target depends on the sender; its lookups cannot be counted ahead of time.
		if (plain.length < next.length) state.complete = false;
		if (state.lookups > SPF_LOOKUP_LIMIT) {
			if (plain.length > 0) state.complete = false;
			return;
		}

		const probes: Promise<void>[] = [];
		for (const term of record.terms) {
			if (term.kind !== 'mechanism' || (term.name !== 'a' && term.name !== 'mx' && term.name !== 'exists')) continue;
			const target = term.domain ?? name;
			if (hasMacro(target)) continue;
			probes.push(probe(name, term.text, term.name === 'mx' ? 'mx' : 'a', target));
		}

		await Promise.all([...plain.map(target => visit(target)), ...probes]);
	}

	const name = domain.toLowerCase();
	const answer = await lookup.txt(name);
	if (answer.kind === 'failed') {
		return {domain: name, records: [], lookups: 0, complete: false, targets: [], allowsAll: false, problems: [], failures: [{name, code: answer.code}], unknown: true};
	}

	const records = answer.kind === 'records' ? answer.records.filter(isSpfRecord) : [];
	if (records.length > 1) {
		state.problems.push({id: 'spf-multiple-records', at: name, detail: `${name} has ${records.length} SPF records`, record: records.join(' | ')});
	} else if (records.length === 1) {
		await visitRecord(name, records[0]!);
	}

	if (state.voids.length > SPF_VOID_LOOKUP_LIMIT) {
		state.problems.push({id: 'spf-void-lookups', at: name, detail: `${state.voids.length} of its lookups find nothing (${state.voids.join(', ')}), more than the ${SPF_VOID_LOOKUP_LIMIT} receivers allow`, record: null});
	}

	return {
		domain: name,
		record: records.length === 1 ? records[0] : undefined,
		records,
		lookups: state.lookups,
		complete: state.complete,
		targets: [...state.targets],
		allowsAll: state.allowsAll,
		problems: state.problems,
		failures: state.failures,
		unknown: false,
	};
}
