import {isIPv4, isIPv6} from 'node:net';
import type {DnsLookup, LookupResult} from './lookup.js';
import {isSpfRecord, parseSpf, SPF_LOOKUP_LIMIT, SPF_MX_LIMIT, SPF_VOID_LOOKUP_LIMIT, type SpfQualifier} from './spf.js';

// check_host() of RFC 7208 §4: the verdict a receiver reaches for one sending
// IP. The project uses it where it knows the IP (a local MTA sends from this
// server's own address) and to run RFC 7208's test suite exactly
// (test/spf-test-suite.test.ts). The record itself is read by parseSpf, the
// same parser the static check uses.

export type SpfResult = 'pass' | 'fail' | 'softfail' | 'neutral' | 'none' | 'permerror' | 'temperror';

export interface CheckHostInput {
	/** The SMTP client's address, IPv4 or IPv6 (an IPv4-mapped IPv6 address counts as IPv4). */
	readonly ip: string;
	/** MAIL FROM (or postmaster@HELO when it is empty, §2.4). */
	readonly sender: string;
	readonly helo: string;
	readonly lookup: Pick<DnsLookup, 'txt' | 'a' | 'aaaa' | 'mx' | 'ptr'>;
}

export interface CheckHostVerdict {
	readonly result: SpfResult;
	/** Why, in words: the term that matched or the error. */
	readonly detail: string;
}

type Ip = {readonly version: 4; readonly value: bigint} | {readonly version: 6; readonly value: bigint};

function parseIp(text: string): Ip | undefined {
	if (isIPv4(text)) return {version: 4, value: text.split('.').reduce((sum, part) => (sum << 8n) + BigInt(Number(part)), 0n)};
	if (!isIPv6(text) || text.includes('%')) return undefined;
	let address = text.toLowerCase();
	// A trailing dotted quad (::ffff:192.0.2.1) is two groups.
	const quad = /(\d+\.\d+\.\d+\.\d+)$/.exec(address);
	if (quad) {
		const value = parseIp(quad[1]!)!.value;
		address = `${address.slice(0, quad.index)}${(value >> 16n).toString(16)}:${(value & 0xffffn).toString(16)}`;
	}

	const [head = '', tail] = address.split('::');
	const left = head === '' ? [] : head.split(':');
	const right = tail === undefined || tail === '' ? [] : tail.split(':');
	const groups = tail === undefined ? left : [...left, ...Array.from({length: 8 - left.length - right.length}, () => '0'), ...right];
	const value = groups.reduce((sum, group) => (sum << 16n) + BigInt(Number.parseInt(group, 16)), 0n);
	// §5: an IPv4-mapped IPv6 address is the IPv4 client it stands for.
	if (value >> 32n === 0xffffn) return {version: 4, value: value & 0xffff_ffffn};
	return {version: 6, value};
}

function inNetwork(ip: Ip, network: Ip, prefix: number): boolean {
	if (ip.version !== network.version) return false;
	const bits = ip.version === 4 ? 32 : 128;
	const shift = BigInt(bits - prefix);
	return ip.value >> shift === network.value >> shift;
}

/** The dot-separated form of %{i}: dotted quad, or 32 nibbles for IPv6 (§7.3). */
function macroIp(ip: Ip): string {
	if (ip.version === 4) return [24n, 16n, 8n, 0n].map(shift => ((ip.value >> shift) & 0xffn).toString()).join('.');
	return ip.value.toString(16).padStart(32, '0').split('').join('.');
}

function reverseName(ip: Ip): string {
	return `${macroIp(ip).split('.').reverse().join('.')}.${ip.version === 4 ? 'in-addr.arpa' : 'ip6.arpa'}`;
}

/** §4.3: a name check_host can look up at all: labels of 1–63 characters, more than one of them. */
function usableDomain(domain: string): boolean {
	const name = domain.replace(/\.$/, '');
	const labels = name.split('.');
	return labels.length > 1 && name.length <= 253 && labels.every(label => label.length > 0 && label.length <= 63);
}

const RESULT_OF: Record<SpfQualifier, SpfResult> = {'+': 'pass', '-': 'fail', '~': 'softfail', '?': 'neutral'};

class SpfError extends Error {
	constructor(readonly result: 'permerror' | 'temperror', message: string) {
		super(message);
	}
}

/** check_host(ip, domain, sender): RFC 7208 §4, with the processing limits of §4.6.4. */
export async function checkHost(domain: string, input: CheckHostInput): Promise<CheckHostVerdict> {
	const ip = parseIp(input.ip);
	if (!ip) return {result: 'permerror', detail: `${input.ip} is not an IP address`};
	const at = input.sender.lastIndexOf('@');
	const local = at <= 0 ? 'postmaster' : input.sender.slice(0, at);
	const senderDomain = at === -1 ? input.sender : input.sender.slice(at + 1);
	const sender = `${local}@${senderDomain}`;
	const {lookup} = input;
	let lookups = 0;
	let voids = 0;

	const count = (term: string) => {
		lookups++;
		if (lookups > SPF_LOOKUP_LIMIT) throw new SpfError('permerror', `${term} is lookup ${lookups}, past the limit of ${SPF_LOOKUP_LIMIT}`);
	};

	// A DNS answer the terms can use: a failure is a temperror; NXDOMAIN and NODATA count as void (§4.6.4).
	const answer = <T>(name: string, result: LookupResult<T>, counts = true): readonly T[] => {
		if (result.kind === 'failed') {
			// c-ares refuses names outside host-name syntax (foo:bar/baz.example.com) without asking: no such name here.
			if (result.code === 'EBADNAME') return [];
			throw new SpfError('temperror', `no answer for ${name} (${result.code})`);
		}

		const records = result.kind === 'records' ? result.records : [];
		if (records.length === 0 && counts) {
			voids++;
			if (voids > SPF_VOID_LOOKUP_LIMIT) throw new SpfError('permerror', `more than ${SPF_VOID_LOOKUP_LIMIT} lookups found nothing (the last: ${name})`);
		}

		return records;
	};

	const addresses = async (name: string, counts = true): Promise<Ip[]> => {
		const result = ip.version === 4 ? await lookup.a(name) : await lookup.aaaa(name);
		return answer(name, result, counts).flatMap(text => parseIp(text) ?? []);
	};

	// %{p}: a PTR name of the client that resolves back to it, the current domain's (or a subdomain's) first (§7.3).
	const validatedName = async (target: string): Promise<string> => {
		const result = await lookup.ptr(reverseName(ip));
		if (result.kind !== 'records') return 'unknown';
		const names = result.records.slice(0, 10).map(name => name.replace(/\.$/, ''));
		const valid: string[] = [];
		for (const name of names) {
			const found = ip.version === 4 ? await lookup.a(name) : await lookup.aaaa(name);
			if (found.kind === 'records' && found.records.some(text => parseIp(text)?.value === ip.value)) valid.push(name);
		}

		const lower = target.toLowerCase();
		return valid.find(name => name.toLowerCase() === lower) ?? valid.find(name => name.toLowerCase().endsWith(`.${lower}`)) ?? valid[0] ?? 'unknown';
	};

	// §7.3 macro expansion of a domain-spec; the result is cut to 253 characters from the left (§7.3).
	const expand = async (spec: string, current: string): Promise<string> => {
		let out = '';
		for (let index = 0; index < spec.length; index++) {
			const char = spec[index]!;
			if (char !== '%') {
				out += char;
				continue;
			}

			const next = spec[index + 1];
			if (next === '%' || next === '_' || next === '-') {
				out += next === '%' ? '%' : next === '_' ? ' ' : '%20';
				index++;
				continue;
			}

			const macro = /^%\{([a-z])(\d*)(r?)([-.+,/_=]*)\}/i.exec(spec.slice(index))!;
			index += macro[0].length - 1;
			const letter = macro[1]!;
			const values: Record<string, () => Promise<string> | string> = {
				s: () => sender, l: () => local, o: () => senderDomain, d: () => current, i: () => macroIp(ip),
				p: () => validatedName(current), v: () => (ip.version === 4 ? 'in-addr' : 'ip6'), h: () => input.helo,
			};
			const produce = values[letter.toLowerCase()];
			if (!produce) throw new SpfError('permerror', `the macro %{${letter}} is not allowed in a domain-spec`);
			const delimiters = macro[4] === '' ? '.' : macro[4]!;
			let parts = (await produce()).split(new RegExp(`[${delimiters.replace(/[-/\\^]/g, '\\$&')}]`));
			if (macro[3] !== '') parts = parts.reverse();
			if (macro[2] !== '') {
				const keep = Number(macro[2]);
				if (keep === 0) throw new SpfError('permerror', `%{${letter}0} keeps no label`);
				parts = parts.slice(-keep);
			}

			const value = parts.join('.');
			out += letter === letter.toUpperCase() ? encodeURIComponent(value).replace(/[!'()*]/g, c => `%${c.charCodeAt(0).toString(16).toUpperCase()}`) : value;
		}

		let name = out.replace(/\.$/, '');
		while (name.length > 253 && name.includes('.')) name = name.slice(name.indexOf('.') + 1);
		return name;
	};

	const evaluate = async (current: string, depth: number): Promise<CheckHostVerdict> => {
		if (!usableDomain(current)) return {result: 'none', detail: `${current} is not a domain name that can be looked up`};
		const found = await lookup.txt(current);
		if (found.kind === 'failed') {
			if (found.code === 'EBADNAME') return {result: 'none', detail: `${current} is not a domain name that can be looked up`};
			throw new SpfError('temperror', `no answer for ${current} (${found.code})`);
		}

		const records = found.kind === 'records' ? found.records.filter(isSpfRecord) : [];
		if (records.length === 0) return {result: 'none', detail: `${current} has no SPF record`};
		if (records.length > 1) throw new SpfError('permerror', `${current} has ${records.length} SPF records`);
		const parsed = parseSpf(records[0]!);
		if (!parsed.ok) throw new SpfError('permerror', `${current}: ${parsed.error}`);
		for (const term of parsed.record.terms) {
			if (term.kind !== 'mechanism') continue;
			let matched = false;
			switch (term.name) {
				case 'all':
					matched = true;
					break;
				case 'include': {
					count(term.text);
					const target = await expand(term.domain!, current);
					const inner = await evaluate(target, depth + 1);
					if (inner.result === 'pass') matched = true;
					else if (inner.result === 'temperror') return inner;
					else if (inner.result === 'permerror' || inner.result === 'none') throw new SpfError('permerror', `${term.text}: ${inner.detail}`);
					break;
				}

				case 'a':
				case 'mx': {
					count(term.text);
					const cidr = /(?:\/(\d+))?(?:\/\/(\d+))?$/.exec(term.text)!;
					const prefix = ip.version === 4 ? Number(cidr[1] ?? 32) : Number(cidr[2] ?? 128);
					const target = term.domain === undefined ? current : await expand(term.domain, current);
					let hosts: Ip[];
					if (term.name === 'a') {
						hosts = await addresses(target);
					} else {
						const exchanges = answer(target, await lookup.mx(target));
						if (exchanges.length > SPF_MX_LIMIT) throw new SpfError('permerror', `${term.text}: ${target} has ${exchanges.length} MX records, more than ${SPF_MX_LIMIT}`);
						hosts = (await Promise.all(exchanges.map(async exchange => (exchange.exchange === '' ? [] : addresses(exchange.exchange, false))))).flat();
					}

					matched = hosts.some(host => inNetwork(ip, host, prefix));
					break;
				}

				case 'ptr': {
					count(term.text);
					const target = term.domain === undefined ? current : await expand(term.domain, current);
					// §5.5: a DNS error looking up the PTR records makes the mechanism not match.
					const names = await lookup.ptr(reverseName(ip));
					if (names.kind === 'records') {
						if (names.records.length === 0) voids++;
						for (const name of names.records.slice(0, 10).map(entry => entry.replace(/\.$/, '').toLowerCase())) {
							if (name !== target.toLowerCase() && !name.endsWith(`.${target.toLowerCase()}`)) continue;
							const back = ip.version === 4 ? await lookup.a(name) : await lookup.aaaa(name);
							if (back.kind === 'records' && back.records.some(text => parseIp(text)?.value === ip.value)) {
								matched = true;
								break;
							}
						}
					} else if (names.kind === 'nxdomain') {
						voids++;
					}

					if (voids > SPF_VOID_LOOKUP_LIMIT) throw new SpfError('permerror', `more than ${SPF_VOID_LOOKUP_LIMIT} lookups found nothing`);
					break;
				}

				case 'ip4':
				case 'ip6': {
					const [address = '', length] = term.text.slice(term.text.indexOf(':') + 1).split('/');
					const network = parseIp(address)!;
					matched = inNetwork(ip, network, length === undefined ? (network.version === 4 ? 32 : 128) : Number(length)) && (term.name === 'ip4') === (network.version === 4);
					break;
				}

				case 'exists': {
					count(term.text);
					const target = await expand(term.domain!, current);
					// exists asks for A records whatever the client's address family (§5.7).
					matched = answer(target, await lookup.a(target)).length > 0;
					break;
				}

				default: {
					const unhandled: never = term;
					throw new SpfError('permerror', `unknown mechanism ${String(unhandled)}`);
				}
			}

			if (matched) return {result: RESULT_OF[term.qualifier], detail: `${current}: ${term.text} matched`};
		}

		if (parsed.record.redirect !== undefined) {
			count(`redirect=${parsed.record.redirect}`);
			const target = await expand(parsed.record.redirect, current);
			const inner = await evaluate(target, depth + 1);
			if (inner.result === 'none') throw new SpfError('permerror', `redirect=${parsed.record.redirect}: ${inner.detail}`);
			return inner;
		}

		return {result: 'neutral', detail: `${current}: no term matched`};
	};

	try {
		return await evaluate(domain.replace(/\.$/, ''), 0);
	} catch (error) {
		if (error instanceof SpfError) return {result: error.result, detail: error.message};
		throw error;
	}
}
