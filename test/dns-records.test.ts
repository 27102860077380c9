import assert from 'node:assert/strict';
import {test} from 'node:test';
import {parseDkimKey} from '../source/dns/dkim.js';
import {parseDmarc} from '../source/dns/dmarc.js';
import {parseDkimSelectors, parseDnsServer} from '../source/dns/flags.js';
import {isSpfRecord, ownLookups, parseSpf} from '../source/dns/spf.js';
import {addressDomain, unusableDomainReason} from '../source/engine/deliverability.js';
import {UsageError} from '../source/engine/errors.js';

test('SPF records are selected by their exact version section', () => {
	assert.equal(isSpfRecord('v=spf1 -all'), true);
	assert.equal(isSpfRecord('v=spf1'), true);
	assert.equal(isSpfRecord('V=SPF1 ~all'), true);
	assert.equal(isSpfRecord('v=spf10 -all'), false);
	assert.equal(isSpfRecord('spf2.0/pra include:x.example'), false);
	assert.equal(isSpfRecord(' v=spf1 -all'), false);
});

test('valid SPF records parse, and their lookups count as RFC 7208 §4.6.4 says', () => {
	const valid: Array<[string, number]> = [
		['v=spf1 -all', 0],
		['v=spf1 ip4:192.0.2.0/24 ip6:2001:db8::/32 ip4:192.0.2.1 -all', 0],
		['v=spf1 include:_spf.google.com ~all', 1],
		['v=spf1 a mx ptr exists:%{i}.spf.example.com include:a.example.com ?all', 5],
		['v=spf1 a:mail.example.com/24 mx//64 mx:example.com/24//64 -all', 3],
		['v=spf1 redirect=_spf.example.com', 1],
		// redirect is ignored when the record has an all (§6.1): not counted.
		['v=spf1 a redirect=_spf.example.com -all', 1],
		['v=spf1 include:%{d}.example.com exp=explain.%{d}.example.com -all', 1],
		['v=spf1 -include:example.com +a:example.org. ~all  ', 2],
		['v=spf1 x-custom=anything ~all', 0],
	];
	for (const [text, lookups] of valid) {
		const parsed = parseSpf(text);
		assert.ok(parsed.ok, `${text}: ${parsed.ok ? '' : parsed.error}`);
		assert.equal(ownLookups(parsed.record), lookups, text);
	}
});

test('a and mx targets may hold "/" and ":": the prefix length is only a trailing /N, //N or /N//M (issue 20 item 1)', () => {
	for (const [text, domain] of [
		['v=spf1 a:foo:bar/baz.example.com -all', 'foo:bar/baz.example.com'],
		['v=spf1 mx:foo:bar/baz.example.com -all', 'foo:bar/baz.example.com'],
		['v=spf1 a:foo:bar/baz.example.com/24//64 -all', 'foo:bar/baz.example.com'],
		['v=spf1 mx:mail.example.com//64 -all', 'mail.example.com'],
	] as const) {
		const parsed = parseSpf(text);
		assert.ok(parsed.ok, `${text}: ${parsed.ok ? '' : parsed.error}`);
		const term = parsed.record.terms[0]!;
		assert.equal(term.kind === 'mechanism' ? term.domain : undefined, domain, text);
	}

	for (const text of ['v=spf1 a:example.com/33 -all', 'v=spf1 mx:example.com//129 -all', 'v=spf1 a/24/24 -all', 'v=spf1 a:example.com/ -all']) {
		assert.equal(parseSpf(text).ok, false, text);
	}
});

test('macro-string and ip6 grammar as pyspf applies it: a dot after a closing macro, an ip6 zone id (issue 20 item 3)', () => {
	// Each of these is a permerror in pyspf 2.0.14 (Debian's python3-spf), checked by hand on 2026-12-08.
	for (const text of ['v=spf1 exp=%{d}. -all', 'v=spf1 redirect=%{d}.', 'v=spf1 include:%{d}. -all', 'v=spf1 include:%{ir}.%{v}._spf.%{d2}. -all', 'v=spf1 ip6:fe80::1%eth0 -all', 'v=spf1 ip6:fe80::1%25eth0/64 -all']) {
		assert.equal(parseSpf(text).ok, false, text);
	}

	for (const text of ['v=spf1 redirect=%{d}', 'v=spf1 exp=%{d}.example.com -all', 'v=spf1 include:%{ir}.%{v}._spf.%{d2} -all', 'v=spf1 ip6:fe80::1 ip6:::ffff:192.0.2.1 -all']) {
		const parsed = parseSpf(text);
		assert.ok(parsed.ok, `${text}: ${parsed.ok ? '' : parsed.error}`);
	}
});

test('From domains with nothing to look up are named, each with its reason (issue 20 item 9)', () => {
	assert.match(unusableDomainReason(`a@${'x'.repeat(64)}.example.com`)!.reason, /64 characters long, more than the 63/);
	assert.match(unusableDomainReason('noreply@localhost')!.reason, /single label/);
	assert.match(unusableDomainReason('noreply@chat..example.com')!.reason, /empty label/);
	assert.match(unusableDomainReason('noreply@[192.0.2.1]')!.reason, /address literal/);
	assert.equal(unusableDomainReason('noreply@chat.example.com'), undefined);
	assert.equal(unusableDomainReason('no address'), undefined);
	assert.equal(addressDomain(`a@${'x'.repeat(64)}.example.com`), undefined);
});

test('invalid SPF records are refused with the term that is wrong', () => {
	const invalid: Array<[string, RegExp]> = [
		['v=spf1 inlcude:example.com -all', /unknown mechanism "inlcude:example\.com"/],
		['v=spf1 include -all', /include needs a domain/],
		['v=spf1 include:localhost -all', /not a domain name/],
		['v=spf1 ip4:192.0.2.300 -all', /not an IPv4 address/],
		['v=spf1 ip4:192.0.2.0/33 -all', /prefix length from 0 to 32/],
		['v=spf1 ip6:2001:db8::/129 -all', /0 to 128/],
		['v=spf1 ip6:192.0.2.1 -all', /not an IPv6 address/],
		['v=spf1 a/024 -all', /prefix length/],
		['v=spf1 ptr/24 -all', /ptr takes no prefix length/],
		['v=spf1 all:example.com', /all takes no argument/],
		['v=spf1 include:%{z}.example.com -all', /unknown macro letter "z"/],
		['v=spf1 include:50%.example.com -all', /does not start a macro/],
		['v=spf1 redirect=a.example.com redirect=b.example.com', /redirect= appears more than once/],
		['v=spf1 exp=%{d}.example.com exp=x.example.com -all', /exp= appears more than once/],
		['v=spf1 include:ex ample.com -all', /not a domain name|unknown mechanism/],
		['v=spf1 ~all\u00a0', /U\+00A0, which SPF does not allow/],
	];
	for (const [text, error] of invalid) {
		const parsed = parseSpf(text);
		assert.equal(parsed.ok, false, text);
		if (!parsed.ok) assert.match(parsed.error, error, text);
	}
});

test('DMARC records: policies, inherited sp=, the p=none fallback of §6.6.3 and what receivers ignore', () => {
	const reject = parseDmarc('v=DMARC1; p=reject; sp=quarantine; adkim=s; pct=50; rua=mailto:a@example.com,mailto:b@example.com');
	assert.ok(reject.ok);
	assert.deepEqual(reject.record, {text: reject.record.text, policy: 'reject', subdomainPolicy: 'quarantine', nonexistentPolicy: undefined, adkim: 's', aspf: 'r', pct: 50, testMode: false, psd: undefined, rua: ['mailto:a@example.com', 'mailto:b@example.com']});
	const fallback = parseDmarc('v=DMARC1; rua=mailto:d@example.com');
	assert.ok(fallback.ok);
	assert.equal(fallback.record.policy, 'none');
	assert.match(fallback.notes[0]!, /no p= tag/);
	assert.ok(parseDmarc('v=DMARC1;p=quarantine;unknown=tag').ok, 'unknown tags are ignored');
	// Ignored as a whole only where no policy can be read (§6.6.3); the rest is skipped, not fatal (items 4–7 of issue 20, fixtures/dmarc-records.ts).
	for (const [text, error] of [
		['v=DMARC1', /p= tag is missing/],
		['v=DMARC1; p=block', /p=block is not/],
		['v=DMARC1; p=none; sp=maybe', /sp=maybe/],
		['v=DMARC2; p=none', /does not start with v=DMARC1/],
	] as const) {
		const parsed = parseDmarc(text);
		assert.equal(parsed.ok, false, text);
		if (!parsed.ok) assert.match(parsed.error, error, text);
	}
});

test('DKIM key records: usable, revoked, malformed', () => {
	assert.deepEqual(parseDkimKey('v=DKIM1; k=rsa; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQC='), {ok: true, keyType: 'rsa'});
	assert.deepEqual(parseDkimKey('p=MCowBQYDK2VwAyEA; k=ed25519'), {ok: true, keyType: 'ed25519'});
	assert.deepEqual(parseDkimKey('k=rsa; p=MIGf MA0G CSqG'), {ok: true, keyType: 'rsa'}, 'whitespace inside the key is folding');
	for (const [text, error] of [
		['v=DKIM1; p=', /revoked/],
		['v=DKIM1; k=rsa', /p=\) is missing/],
		['k=rsa; v=DKIM1; p=MIGf', /v= must be the first tag/],
		['v=DKIM2; p=MIGf', /not DKIM1/],
		['v=DKIM1; k=dsa; p=MIGf', /k=dsa/],
		['v=DKIM1; p=not*base64', /not base64/],
	] as const) {
		const parsed = parseDkimKey(text);
		assert.equal(parsed.ok, false, text);
		if (!parsed.ok) assert.match(parsed.error, error, text);
	}
});

test('--dns-server takes an IP address and an optional port; --dkim-selector takes selectors', () => {
	assert.equal(parseDnsServer('127.0.0.1'), '127.0.0.1:53');
	assert.equal(parseDnsServer('127.0.0.1:5353'), '127.0.0.1:5353');
	assert.equal(parseDnsServer('::1'), '[::1]:53');
	assert.equal(parseDnsServer('[::1]:5353'), '[::1]:5353');
	for (const bad of ['dns.example.com', '127.0.0.1:0', '127.0.0.1:70000', '', '[::1', '1.2.3.4:x']) assert.throws(() => parseDnsServer(bad), UsageError, bad);
	assert.deepEqual(parseDkimSelectors('s1, s2'), ['s1', 's2']);
	assert.deepEqual(parseDkimSelectors('20240101pm'), ['20240101pm']);
	for (const bad of ['', 's1._domainkey.example.com/', 'a b', '-x', ',']) assert.throws(() => parseDkimSelectors(bad), UsageError, bad);
});

test('the domain of a From address, as Zulip writes them', () => {
	assert.equal(addressDomain('admin@Chat.Example.org'), 'chat.example.org');
	assert.equal(addressDomain('Zulip <noreply@chat.example.org>'), 'chat.example.org');
	assert.equal(addressDomain('noreply-{token}@chat.example.org'), 'chat.example.org');
	assert.equal(addressDomain('"a@b" <x@example.org.>'), 'example.org');
	assert.equal(addressDomain('root@localhost'), undefined);
	assert.equal(addressDomain('no address'), undefined);
});
