import assert from 'node:assert/strict';
import {after, before, test} from 'node:test';
import {checkDeliverability, fromAddressesOf, type DeliverabilityInput, type FromAddress} from '../source/engine/deliverability.js';
import type {Finding} from '../source/engine/deliverability-findings.js';
import type {ProviderId} from '../source/engine/providers.js';
import {configuredWith, freshConfig} from './helpers/ui-fixtures.js';
import {RSA_KEY, startDnsServer, startSilentDnsServer, type RunningDnsServer, type ZoneRecords} from './helpers/dns-servers.js';

// Every test asks a real authoritative server on 127.0.0.1 (UDP, and TCP after
// truncation) through node's own resolver; the zones are written here.

const key = `v=DKIM1; k=rsa; p=${RSA_KEY}`;
const soa = {type: 'SOA', mname: 'ns.zone.test', rname: 'hostmaster.zone.test', serial: 1, minimum: 60} as const;
const txt = (text: string | string[]) => ({type: 'TXT', text}) as const;
const mx = (exchange: string, priority = 10) => ({type: 'MX', priority, exchange}) as const;

const ZONE: ZoneRecords = {
	// The providers' own SPF records, as deep as the real ones, so includes recurse over DNS.
	'_spf.google.com': [txt('v=spf1 include:_netblocks.google.com include:_netblocks2.google.com include:_netblocks3.google.com ~all')],
	'_netblocks.google.com': [txt('v=spf1 ip4:35.190.247.0/24 ip4:64.233.160.0/19 ~all')],
	'_netblocks2.google.com': [txt('v=spf1 ip6:2001:4860:4000::/36 ~all')],
	'_netblocks3.google.com': [txt('v=spf1 ip4:172.217.0.0/19 ~all')],
	'spf.protection.outlook.com': [txt('v=spf1 ip4:40.92.0.0/15 ip6:2a01:111:f400::/48 -all')],
	'mailgun.org': [txt('v=spf1 include:_spf.mailgun.org ~all')],
	'_spf.mailgun.org': [txt('v=spf1 ip4:209.61.151.0/24 ~all')],
	'spf.mailjet.com': [txt('v=spf1 ip4:87.253.232.0/21 ~all')],
	'spf.messagingengine.com': [txt('v=spf1 ip4:66.111.4.0/24 ~all')],
	'zone.test': [soa],

	// Google Workspace, all good: the DKIM key split over two strings by the encoder, one given split by hand.
	'good-google.test': [txt('v=spf1 include:_spf.google.com ~all'), txt('google-site-verification=abc'), mx('aspmx.l.google.com', 1), mx('alt1.aspmx.l.google.com', 5)],
	'google._domainkey.good-google.test': [txt(['v=DKIM1; k=rsa; ', `p=${RSA_KEY.slice(0, 200)}`, RSA_KEY.slice(200)])],
	'_dmarc.good-google.test': [txt('v=DMARC1; p=reject; rua=mailto:dmarc@good-google.test')],

	// Microsoft 365 with two SPF records; DKIM through the tenant's CNAME.
	'two-spf.test': [txt('v=spf1 include:spf.protection.outlook.com -all'), txt('v=spf1 include:_spf.google.com ~all'), mx('two-spf-test.mail.protection.outlook.com', 0)],
	'selector1._domainkey.two-spf.test': [{type: 'CNAME', target: 'selector1-two-spf-test._domainkey.tenant.onmicrosoft.com'}],
	'selector1-two-spf-test._domainkey.tenant.onmicrosoft.com': [txt(key)],
	'_dmarc.two-spf.test': [txt('v=DMARC1; p=quarantine')],

	// Mailgun: the sending domain mg.eleven.test (from the login) needs 11 lookups.
	'eleven.test': [mx('mx.eleven.test')],
	'mg.eleven.test': [txt('v=spf1 include:mailgun.org a mx ptr exists:%{i}.x.eleven.test a:one.eleven.test a:two.eleven.test mx:three.eleven.test include:extra.eleven.test ~all')],
	'extra.eleven.test': [txt('v=spf1 a ~all')],
	'krs._domainkey.mg.eleven.test': [txt(key)],
	'_dmarc.eleven.test': [txt('v=DMARC1; p=none; rua=mailto:dmarc@eleven.test')],

	// SendGrid: its own return path; no DKIM, no DMARC, no MX.
	'sg.test': [txt('v=spf1 -all')],

	// Fastmail, wrong in every way: +all, Google instead of Fastmail, revoked key, p=reject.
	'fm.test': [txt('v=spf1 include:_spf.google.com +all'), mx('in1-smtp.messagingengine.com')],
	'fm1._domainkey.fm.test': [txt('v=DKIM1; k=rsa; p=')],
	'_dmarc.fm.test': [txt('v=DMARC1; p=reject; adkim=s')],

	// Mailjet: a typo in one domain, an include of a name that does not exist in the other.
	'typo.test': [txt('v=spf1 inlcude:spf.mailjet.com ~all'), mx('mx.typo.test')],
	'gone.test': [txt('v=spf1 include:spf.mailjet.com include:nothing-here.zone.test ~all')],
	'mailjet._domainkey.typo.test': [txt(key)],
	'mailjet._domainkey.gone.test': [txt(key)],
	'_dmarc.typo.test': [txt('v=DMARC1; p=quarantine; pct=150')],
	'_dmarc.gone.test': [txt('v=DMARC1; p=quarantine'), txt('v=DMARC1; p=none')],

	// A subdomain under a parent's DMARC record whose sp= relaxes the policy.
	'chat.inherit.test': [txt('v=spf1 include:spf.messagingengine.com -all')],
	'fm2._domainkey.chat.inherit.test': [txt(key)],
	'inherit.test': [mx('mx.inherit.test')],
	'_dmarc.inherit.test': [txt('v=DMARC1; p=reject; sp=none')],

	// Resend: its own return path, DKIM under its fixed selector, so DMARC reject is satisfied.
	'rs.test': [txt('v=spf1 include:_spf.google.com ~all')],
	'resend._domainkey.rs.test': [txt(`p=${RSA_KEY}`)],
	'_dmarc.rs.test': [txt('v=DMARC1; p=reject; adkim=s')],
	// Amazon SES: a per-account selector, given wrong.
	'ses.test': [txt('v=spf1 include:amazonses.com ~all')],
	'abcdef123._domainkey.ses.test': [{type: 'CNAME', target: 'abcdef123.dkim.amazonses.com'}],
	'abcdef123.dkim.amazonses.com': [txt(key)],
	'_dmarc.ses.test': [txt('v=DMARC1; p=quarantine')],

	// DMARC records receivers apply despite sloppy parts, and RFC 9989's test mode (issue 20 items 4–8).
	'sloppy.test': [txt('v=spf1 include:spf.messagingengine.com -all')],
	'fm1._domainkey.sloppy.test': [txt(key)],
	'_dmarc.sloppy.test': [txt('v=DMARC1; p=reject; pct=invalid; tagonly; rua=reports@sloppy.test,mailto:d@sloppy.test')],
	'upper.test': [txt('v=spf1 include:spf.messagingengine.com -all')],
	'_dmarc.upper.test': [txt('V=DMARC1; P=quarantine')],
	'space.test': [txt('v=spf1 include:spf.messagingengine.com -all')],
	'_dmarc.space.test': [txt(' v=DMARC1; p=reject')],
	'testmode.test': [txt('v=spf1 -all')],
	'_dmarc.testmode.test': [txt('v=DMARC1; p=quarantine; t=y')],

	// Mailjet: its own return path (bnc3.mailjet.com), so DKIM alone carries DMARC (issue 20 item 10).
	'mj-nodkim.test': [txt('v=spf1 include:spf.mailjet.com ~all')],
	'_dmarc.mj-nodkim.test': [txt('v=DMARC1; p=reject')],
	'mj-noinclude.test': [txt('v=spf1 -all')],
	'mailjet._domainkey.mj-noinclude.test': [txt(key)],
	'_dmarc.mj-noinclude.test': [txt('v=DMARC1; p=reject')],
	// Brevo without its DKIM records: the From gets rewritten (issue 21 item 7).
	'brevo-nodkim.test': [txt('v=spf1 -all')],
	'_dmarc.brevo-nodkim.test': [txt('v=DMARC1; p=none')],

	// A public suffix operator's record (psd=y) at shared.test: one.shared.test and two.shared.test are two
	// organizations, so Mailgun's login domain two.shared.test does not align with one.shared.test.
	'_dmarc.shared.test': [txt('v=DMARC1; p=reject; psd=y')],
	'_dmarc.one.shared.test': [txt('v=DMARC1; p=reject')],
	'one.shared.test': [txt('v=spf1 -all')],
	'two.shared.test': [txt('v=spf1 include:mailgun.org ~all')],
	'krs._domainkey.two.shared.test': [txt(key)],
	'_dmarc.three.shared.test': [txt('v=DMARC1; p=reject; psd=n')],
	'mg.three.shared.test': [txt('v=spf1 include:mailgun.org ~all')],
	'krs._domainkey.mg.three.shared.test': [txt(key)],

	// np= (RFC 9989): gone.np.test does not exist, its parent says np=reject.
	'_dmarc.np.test': [txt('v=DMARC1; p=none; np=reject; rua=mailto:d@np.test')],

	// A local MTA: check_host() for the addresses EXTERNAL_HOST has.
	'local-ok.test': [txt('v=spf1 a:chat.local-ok.test -all')],
	'chat.local-ok.test': [{type: 'A', address: '192.0.2.10'}],
	'local-bad.test': [txt('v=spf1 ip4:198.51.100.1 ~all')],
	'chat.local-bad.test': [{type: 'A', address: '192.0.2.20'}, {type: 'AAAA', address: '2001:db8::20'}],

	// A null MX (RFC 7505).
	'nullmx.test': [mx('', 0), txt('v=spf1 include:spf.messagingengine.com -all')],
};

let server: RunningDnsServer;

before(async () => {
	server = await startDnsServer({records: ZONE});
});

after(async () => {
	await server.close();
});

function check(providerId: ProviderId, from: readonly FromAddress[], extra: Partial<DeliverabilityInput> = {}) {
	return checkDeliverability({providerId, from, dnsServer: server.address, ...extra});
}

const admin = (address: string): FromAddress => ({role: 'administrator', address});
const noreply = (address: string): FromAddress => ({role: 'noreply', address});
const ids = (findings: readonly Finding[], domain?: string) => findings.filter(item => domain === undefined || item.domain === domain).map(item => item.id).sort();
const byId = (findings: readonly Finding[], id: string) => {
	const found = findings.find(item => item.id === id);
	assert.ok(found, `no ${id} among ${findings.map(item => item.id).join(', ')}`);
	return found;
};

test('Google Workspace done right: SPF through three levels of includes, DKIM split over TXT strings, DMARC reject, MX', async () => {
	const report = await check('gmail', [admin('Admin <admin@good-google.test>'), noreply('noreply@good-google.test'), {role: 'tokenized noreply', address: 'noreply-{token}@good-google.test'}]);
	assert.deepEqual(ids(report.findings), ['dkim-ok', 'dmarc-ok', 'mx-ok', 'spf-ok']);
	assert.ok(report.findings.every(item => item.domain === 'good-google.test'));
	assert.match(byId(report.findings, 'spf-ok').message, /authorises Gmail \(4 of 10 lookups\)/);
	assert.equal(byId(report.findings, 'spf-ok').record, 'v=spf1 include:_spf.google.com ~all');
	assert.match(byId(report.findings, 'dmarc-ok').message, /p=reject/);
	assert.equal(byId(report.findings, 'mx-ok').record, '1 aspmx.l.google.com\n5 alt1.aspmx.l.google.com');
	assert.equal(byId(report.findings, 'spf-ok').fix, null);
});

test('two SPF records are one finding with the merged record as the fix; DKIM found through a CNAME', async () => {
	const report = await check('office365', [admin('admin@two-spf.test')]);
	const multiple = byId(report.findings, 'spf-multiple-records');
	assert.equal(multiple.severity, 'error');
	assert.match(multiple.fix!, /v=spf1 include:spf\.protection\.outlook\.com include:_spf\.google\.com -all$/);
	assert.equal(multiple.record, 'v=spf1 include:spf.protection.outlook.com -all\nv=spf1 include:_spf.google.com ~all');
	assert.deepEqual(ids(report.findings), ['dkim-ok', 'dmarc-ok', 'mx-ok', 'spf-multiple-records']);
	assert.match(byId(report.findings, 'dkim-ok').message, /selector1\._domainkey/);
	// DKIM aligns, so a quarantine policy is satisfied.
	assert.equal(byId(report.findings, 'dmarc-ok').severity, 'ok');
});

test('11 lookups through includes: a permanent error; Mailgun is checked on the login\'s sending domain; p=none warns', async () => {
	const report = await check('mailgun', [admin('admin@eleven.test'), noreply('noreply@eleven.test')], {login: 'postmaster@mg.eleven.test', dkimSelectors: ['krs']});
	const tooMany = byId(report.findings, 'spf-too-many-lookups');
	assert.equal(tooMany.domain, 'mg.eleven.test');
	assert.equal(tooMany.severity, 'error');
	assert.match(tooMany.message, /11 DNS lookups, more than the 10/);
	assert.match(tooMany.message, /sending domain of the login postmaster@mg\.eleven\.test/);
	assert.equal(byId(report.findings, 'dkim-ok').domain, 'mg.eleven.test');
	const none = byId(report.findings, 'dmarc-policy-none');
	assert.equal(none.severity, 'warning');
	assert.match(none.fix!, /v=DMARC1; p=quarantine; rua=mailto:dmarc@eleven\.test/);
	assert.equal(ids(report.findings).filter(id => id === 'spf-too-many-lookups').length, 1, 'one sending domain, one finding');
});

test('a return-path provider: SPF is checked elsewhere, missing DKIM, no DMARC, no MX', async () => {
	const report = await check('sendgrid', [admin('admin@sg.test')]);
	assert.deepEqual(ids(report.findings), ['dkim-missing', 'dmarc-missing', 'mx-missing', 'spf-return-path']);
	assert.match(byId(report.findings, 'spf-return-path').message, /em<N>\.<your domain>/);
	assert.match(byId(report.findings, 'dkim-missing').message, /s1\._domainkey\.sg\.test, s2\._domainkey\.sg\.test/);
	assert.match(byId(report.findings, 'dmarc-missing').fix!, /_dmarc\.sg\.test: v=DMARC1; p=none/);
	assert.match(byId(report.findings, 'mx-missing').message, /sg\.test has no MX record: replies to admin@sg\.test bounce/);
});

test('+all, the wrong provider, a revoked key and p=reject with nothing aligned', async () => {
	const report = await check('fastmail', [admin('admin@fm.test')]);
	assert.deepEqual(ids(report.findings), ['dkim-invalid', 'dmarc-nothing-aligned', 'mx-ok', 'spf-allows-all', 'spf-provider-not-included']);
	assert.equal(byId(report.findings, 'spf-allows-all').fix, 'Publish instead: v=spf1 include:_spf.google.com ~all');
	assert.equal(byId(report.findings, 'spf-provider-not-included').fix, 'Publish instead: v=spf1 include:_spf.google.com include:spf.messagingengine.com ~all');
	assert.match(byId(report.findings, 'dkim-invalid').message, /revoked/);
	const nothing = byId(report.findings, 'dmarc-nothing-aligned');
	assert.equal(nothing.severity, 'error');
	assert.match(nothing.message, /p=reject/);
});

test('each From domain is checked: a syntax error in one, an include of a missing name and two DMARC records in the other', async () => {
	const report = await check('mailjet', [admin('admin@typo.test'), noreply('noreply@gone.test')]);
	// pct=150 is skipped and p=quarantine applied (RFC 7489 §6.3); Mailjet's envelope is its own bnc3.mailjet.com.
	assert.deepEqual(ids(report.findings, 'typo.test'), ['dkim-ok', 'dmarc-ok', 'dmarc-sloppy', 'mx-ok', 'spf-return-path', 'spf-syntax']);
	assert.deepEqual(ids(report.findings, 'gone.test'), ['dkim-ok', 'dmarc-syntax', 'spf-include-missing', 'spf-return-path']);
	assert.match(byId(report.findings, 'spf-syntax').message, /unknown mechanism "inlcude:spf\.mailjet\.com"/);
	assert.match(byId(report.findings, 'spf-include-missing').message, /nothing-here\.zone\.test does not exist/);
	const dmarc = report.findings.filter(item => item.id.startsWith('dmarc-')).map(item => item.message).join('\n');
	assert.match(dmarc, /Receivers apply the DMARC record at _dmarc\.typo\.test, but skip pct=150/);
	assert.match(dmarc, /OpenDMARC .* refuses the whole record for pct=150: there, mail from typo\.test is judged as if it had no DMARC record/);
	assert.match(dmarc, /2 DMARC records/);
});

test('a subdomain inherits its parent\'s DMARC record and its sp= policy', async () => {
	const report = await check('fastmail', [noreply('noreply@chat.inherit.test')], {dkimSelectors: ['fm2']});
	assert.deepEqual(ids(report.findings), ['dkim-ok', 'dmarc-policy-none', 'spf-ok']);
	assert.match(byId(report.findings, 'dmarc-policy-none').message, /_dmarc\.inherit\.test \(inherited from the parent domain, sp=none\)/);
});

test('a return-path provider done right: DKIM aligned carries a reject policy; a per-account selector checked when given', async () => {
	const resend = await check('resend', [noreply('noreply@rs.test')]);
	assert.deepEqual(ids(resend.findings), ['dkim-ok', 'dmarc-ok', 'spf-return-path']);
	assert.match(byId(resend.findings, 'spf-return-path').message, /send\.<your domain>/);
	const unchecked = await check('ses', [noreply('noreply@ses.test')]);
	assert.deepEqual(ids(unchecked.findings), ['dkim-unchecked', 'dmarc-ok', 'spf-return-path']);
	assert.match(byId(unchecked.findings, 'dkim-unchecked').message, /Verified identities/);
	const wrong = await check('ses', [noreply('noreply@ses.test')], {dkimSelectors: ['wrong1']});
	assert.deepEqual(ids(wrong.findings), ['dkim-missing', 'dmarc-ok', 'spf-return-path']);
	assert.match(byId(wrong.findings, 'dkim-missing').fix!, /or check the selector name/);
	const right = await check('ses', [noreply('noreply@ses.test')], {dkimSelectors: ['wrong1', 'abcdef123']});
	assert.deepEqual(ids(right.findings), ['dkim-ok', 'dmarc-ok', 'spf-return-path']);
});

test('NXDOMAIN: a From domain that does not exist', async () => {
	const report = await check('gmail', [admin('admin@nowhere.test')]);
	assert.deepEqual(ids(report.findings), ['dkim-missing', 'dmarc-missing', 'mx-missing', 'spf-missing']);
	assert.match(byId(report.findings, 'mx-missing').message, /nowhere\.test does not exist in DNS/);
	assert.equal(byId(report.findings, 'spf-missing').fix, 'Publish a TXT record at nowhere.test: v=spf1 include:_spf.google.com ~all');
});

test('a null MX, the provider\'s own domain, a local MTA and a per-account DKIM selector', async () => {
	const nullMx = await check('fastmail', [admin('admin@nullmx.test')]);
	assert.match(byId(nullMx.findings, 'mx-missing').message, /null MX/);
	const own = await check('gmail', [admin('someone@gmail.com')]);
	assert.deepEqual(ids(own.findings), ['provider-domain']);
	const local = await check('local', [admin('admin@nowhere.test')], {externalHost: 'chat.nowhere.test:8443'});
	assert.equal(byId(local.findings, 'spf-missing').fix, 'Publish a TXT record at nowhere.test: v=spf1 a:chat.nowhere.test ~all');
	assert.match(byId(local.findings, 'dkim-unchecked').fix!, /--dkim-selector NAME/);
	const file = await check('file', [admin('admin@good-google.test')]);
	assert.deepEqual(file.findings, []);
	assert.match(file.skipped!, /no mail leaves/);
});

test('TCP fallback: an answer too big for UDP is truncated and fetched again over TCP', async () => {
	const ranges = Array.from({length: 60}, (_, index) => `ip4:198.51.${index}.0/24`).join(' ');
	const big = await startDnsServer({records: {...ZONE, 'big.test': [txt(`v=spf1 ${ranges} include:spf.messagingengine.com -all`)]}, maxUdpPayload: 512});
	try {
		const report = await checkDeliverability({providerId: 'fastmail', from: [noreply('noreply@big.test')], dnsServer: big.address});
		assert.match(byId(report.findings, 'spf-ok').message, /authorises Fastmail \(1 of 10 lookups\)/);
		assert.ok(big.queries.some(query => query.name === 'big.test' && query.transport === 'tcp'), 'asked again over TCP');
		assert.ok(big.queries.some(query => query.name === 'big.test' && query.transport === 'udp'), 'asked over UDP first');
	} finally {
		await big.close();
	}
});

test('a resolver that never answers: dns-unreachable for each domain, and nothing else is claimed', async () => {
	const silent = await startSilentDnsServer();
	try {
		const report = await checkDeliverability({providerId: 'gmail', from: [admin('admin@good-google.test'), noreply('noreply@two-spf.test')], dnsServer: silent.address, deadlineMs: 800});
		assert.deepEqual(ids(report.findings), ['dns-unreachable', 'dns-unreachable']);
		assert.deepEqual(report.findings.map(item => item.domain).sort(), ['good-google.test', 'two-spf.test']);
		assert.ok(report.findings.every(item => item.severity === 'error'));
		assert.match(report.findings[0]!.fix!, /--dns-server HOST\[:PORT\]/);
		assert.ok(silent.received() > 0, 'the questions reached the silent server');
	} finally {
		await silent.close();
	}
});

test('an include that times out: not spf-ok, but "could not be fully checked", beside dns-unreachable (issue 20 item 2)', async () => {
	const records = {...ZONE, 'slow.test': [txt('v=spf1 include:spf.mailjet.com include:never.slow.test ~all')], 'mailjet._domainkey.slow.test': [txt(key)]};
	// The server keeps silent for one name: the resolver times out on it, as on a dead nameserver.
	const partly = await startDnsServer({records, fault: name => (name === 'never.slow.test' ? 'silent' : undefined)});
	try {
		const report = await checkDeliverability({providerId: 'mailjet', from: [noreply('noreply@slow.test')], dnsServer: partly.address, deadlineMs: 2000});
		assert.ok(!ids(report.findings).includes('spf-ok'), ids(report.findings).join(', '));
		const incomplete = byId(report.findings, 'spf-incomplete');
		assert.match(incomplete.message, /could not be fully checked: no answer for never\.slow\.test/);
		assert.equal(incomplete.severity, 'warning');
		assert.match(byId(report.findings, 'dns-unreachable').message, /never\.slow\.test/);
		assert.ok(partly.queries.some(query => query.name.toLowerCase() === 'never.slow.test'), 'the question was asked');
	} finally {
		await partly.close();
	}
});

test('unusable From domains: each its own finding naming the address, no resolver blamed (issue 20 item 9)', async () => {
	const long = `noreply@${'a'.repeat(64)}.example.com`;
	const report = await check('mailjet', [admin('admin@localhost'), noreply(long), {role: 'tokenized noreply', address: 'noreply-{token}@[192.0.2.1]'}]);
	assert.deepEqual(ids(report.findings), ['from-domain-unusable', 'from-domain-unusable', 'from-domain-unusable']);
	assert.ok(report.findings.every(item => item.severity === 'error'));
	const messages = report.findings.map(item => item.message).join('\n');
	assert.match(messages, /administrator address admin@localhost cannot be checked: localhost is a single label/);
	assert.ok(messages.includes(long), 'the long address is named');
	assert.match(messages, /address literal/);
	assert.match(byId(report.findings.filter(item => item.message.includes('[192.0.2.1]')), 'from-domain-unusable').fix!, /TOKENIZED_NOREPLY_EMAIL_ADDRESS/);
	const empty = await check('mailjet', [noreply('noreply@chat..example.com')]);
	assert.match(byId(empty.findings, 'from-domain-unusable').message, /noreply@chat\.\.example\.com cannot be checked: .*empty label/);
});

test('DMARC as receivers apply it: skipped parts are a warning beside the applied policy; V=DMARC1 and a leading space count (issue 20 items 4–7)', async () => {
	const sloppy = await check('fastmail', [noreply('noreply@sloppy.test')]);
	assert.deepEqual(ids(sloppy.findings), ['dkim-ok', 'dmarc-ok', 'dmarc-sloppy', 'spf-ok']);
	const skipped = byId(sloppy.findings, 'dmarc-sloppy');
	assert.equal(skipped.severity, 'warning');
	assert.match(skipped.message, /pct=invalid/);
	assert.match(skipped.message, /"tagonly"/);
	assert.match(skipped.message, /reports@sloppy\.test/);
	assert.equal(skipped.fix, 'Publish it cleanly at _dmarc.sloppy.test: v=DMARC1; p=reject; rua=mailto:d@sloppy.test');
	assert.match(byId(sloppy.findings, 'dmarc-ok').message, /p=reject/);
	const upper = await check('fastmail', [noreply('noreply@upper.test')], {dkimSelectors: ['none']});
	assert.ok(!ids(upper.findings).includes('dmarc-missing'), ids(upper.findings).join(', '));
	assert.match(upper.findings.find(item => item.id.startsWith('dmarc-'))!.message, /p=quarantine/);
	const space = await check('fastmail', [noreply('noreply@space.test')], {dkimSelectors: ['none']});
	assert.ok(!ids(space.findings).includes('dmarc-missing'), ids(space.findings).join(', '));
	assert.match(byId(space.findings, 'dmarc-sloppy').message, /leading space .*OpenDMARC and mailauth apply the record/);
});

test('RFC 9989: p=quarantine; t=y is enforced by RFC 7489 receivers and test mode under RFC 9989, and the finding says so (issue 20 item 8)', async () => {
	const report = await check('mailjet', [noreply('noreply@testmode.test')]);
	const aligned = byId(report.findings, 'dmarc-nothing-aligned');
	assert.equal(aligned.severity, 'error');
	assert.match(aligned.message, /receivers that follow RFC 9989 only monitor/);
	const bis = byId(report.findings, 'dmarc-rfc9989');
	assert.match(bis.message, /RFC 7489 apply p=quarantine; under RFC 9989 \(DMARCbis\) t=y asks for test mode.*not quarantined or rejected/);
});

test('a local MTA: SPF evaluated with check_host() for the addresses EXTERNAL_HOST has (issue 20: the evaluation with an IP where the project has one)', async () => {
	const ok = await check('local', [noreply('noreply@local-ok.test')], {externalHost: 'chat.local-ok.test'});
	assert.match(byId(ok.findings, 'spf-ok').message, /passes for this server's address \(chat\.local-ok\.test is 192\.0\.2\.10\)/);
	const bad = await check('local', [noreply('noreply@local-bad.test')], {externalHost: 'chat.local-bad.test:443'});
	const notAuthorised = byId(bad.findings, 'spf-server-not-authorised');
	assert.equal(notAuthorised.severity, 'error');
	assert.match(notAuthorised.message, /192\.0\.2\.20: softfail, 2001:db8::20: softfail/);
	assert.equal(notAuthorised.fix, 'Add this server to the record at local-bad.test: v=spf1 ip4:198.51.100.1 a:chat.local-bad.test ~all (if mail leaves from another address, add that one as ip4:/ip6:)');
	assert.ok(!ids(bad.findings).includes('spf-ok'));
	const literal = await check('local', [noreply('noreply@local-bad.test')], {externalHost: '198.51.100.1'});
	assert.match(byId(literal.findings, 'spf-ok').message, /passes for this server's address \(198\.51\.100\.1\)/);
});

test('np= applies under RFC 9989 to a From subdomain that does not exist (issue 20 item 8)', async () => {
	const report = await check('fastmail', [noreply('noreply@gone.np.test')], {dkimSelectors: ['fm1']});
	assert.match(byId(report.findings, 'dmarc-rfc9989').message, /RFC 7489 apply p=none; under RFC 9989 \(DMARCbis\) gone\.np\.test does not exist, so np=reject applies: p=reject/);
});

test('Mailjet: its own return path (bnc3.mailjet.com), so a missing include is not an error and DKIM carries DMARC (issue 20 item 10)', async () => {
	const noDkim = await check('mailjet', [noreply('noreply@mj-nodkim.test')]);
	const failed = byId(noDkim.findings, 'dmarc-nothing-aligned');
	assert.match(failed.fix!, /Mailjet sends with its own return path \(bnc3\.mailjet\.com\), so only DKIM can align/);
	assert.ok(!ids(noDkim.findings).includes('spf-ok'));
	assert.match(byId(noDkim.findings, 'spf-return-path').message, /bnc3\.mailjet\.com/);
	const noInclude = await check('mailjet', [noreply('noreply@mj-noinclude.test')]);
	assert.ok(!ids(noInclude.findings).includes('spf-provider-not-included'), ids(noInclude.findings).join(', '));
	assert.ok(noInclude.findings.every(item => item.severity !== 'error'), ids(noInclude.findings).join(', '));
	assert.match(byId(noInclude.findings, 'dmarc-ok').message, /DKIM aligns for Mailjet/);
	assert.match(byId(noInclude.findings, 'spf-return-path').fix!, /include:spf\.mailjet\.com/);
});

test('Brevo without its DKIM records: recipients will see a different From (issue 21 item 7)', async () => {
	const report = await check('brevo', [noreply('noreply@brevo-nodkim.test')]);
	assert.match(byId(report.findings, 'dkim-missing').message, /rewrites the From .*brevosend\.com.*recipients will see a different From than brevo-nodkim\.test/);
	const fastmail = await check('fastmail', [noreply('noreply@brevo-nodkim.test')]);
	assert.doesNotMatch(byId(fastmail.findings, 'dkim-missing').message, /different From/);
});

test('relaxed alignment by the DNS tree walk of RFC 9989, not by guessing from the names (issue 20 item 8)', async () => {
	// Sibling names under a public suffix (psd=y) are different organizations.
	const apart = await check('mailgun', [noreply('noreply@one.shared.test')], {login: 'postmaster@two.shared.test', dkimSelectors: ['krs']});
	assert.match(byId(apart.findings, 'dmarc-nothing-aligned').message, /neither SPF nor DKIM for Mailgun aligns with one\.shared\.test/);
	// A subdomain of the organizational domain (psd=n) aligns.
	const together = await check('mailgun', [noreply('noreply@three.shared.test')], {login: 'postmaster@mg.three.shared.test', dkimSelectors: ['krs']});
	assert.match(byId(together.findings, 'dmarc-ok').message, /p=reject/);
});

test('cancelling stops the lookups and says so', async () => {
	const silent = await startSilentDnsServer();
	try {
		const controller = new AbortController();
		const pending = checkDeliverability({providerId: 'gmail', from: [admin('admin@good-google.test')], dnsServer: silent.address, deadlineMs: 60_000, signal: controller.signal});
		controller.abort();
		const report = await pending;
		assert.deepEqual(ids(report.findings), ['dns-unreachable']);
		assert.match(report.findings[0]!.message, /cancelled/);
	} finally {
		await silent.close();
	}
});

test('the From addresses are the live test\'s senders, plus the plain noreply address Zulip also uses when tokens are on', async () => {
	assert.deepEqual(await fromAddressesOf(await freshConfig()), [
		{role: 'administrator', address: 'admin@zulip.example.com'},
		{role: 'noreply', address: 'noreply@zulip.example.com'},
		{role: 'tokenized noreply', address: 'noreply-{token}@zulip.example.com'},
	]);
	const plain = await configuredWith({providerId: 'local', host: 'localhost', port: 25, security: 'none', username: '', password: {kind: 'none'}, noreplyAddress: 'noreply@mail.example.org', tokens: false});
	assert.deepEqual(await fromAddressesOf(plain), [
		{role: 'administrator', address: 'admin@zulip.example.com'},
		{role: 'noreply', address: 'noreply@mail.example.org'},
	]);
});
