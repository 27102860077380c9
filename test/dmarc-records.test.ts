import assert from 'node:assert/strict';
import {spawnSync} from 'node:child_process';
import {Resolver} from 'node:dns/promises';
import {createRequire} from 'node:module';
import {existsSync, mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {test} from 'node:test';
import {parseDmarc, policyByStandard, treeWalkNames} from '../source/dns/dmarc.js';
import {DMARC_CASES} from './fixtures/dmarc-records.js';
import {startDnsServer, type ZoneRecords} from './helpers/dns-servers.js';

test('DMARC records from OpenDMARC\'s and mailauth\'s test collections: applied or ignored as receivers do (fixtures/dmarc-records.ts)', () => {
	const wrong: string[] = [];
	for (const entry of DMARC_CASES) {
		const parsed = parseDmarc(entry.record);
		const got = parsed.ok ? `applied p=${parsed.record.policy}${parsed.ignored.length > 0 ? ' skipping some' : ''}` : 'ignored';
		const want = entry.applied ? `applied p=${entry.policy}${entry.skipped ? ' skipping some' : ''}` : 'ignored';
		if (got !== want) wrong.push(`${entry.source} "${entry.record}": want ${want}, got ${got}`);
	}

	assert.deepEqual(wrong, []);
	assert.ok(DMARC_CASES.filter(entry => entry.source === 'OpenDMARC').length >= 19 && DMARC_CASES.filter(entry => entry.source === 'mailauth').length >= 9);
});

test('bad optional tags fall back to defaults and the record applies (issue 20 items 4–6)', () => {
	const pct = parseDmarc('v=DMARC1; p=reject; pct=invalid');
	assert.ok(pct.ok);
	assert.equal(pct.record.pct, 100);
	assert.match(pct.ignored.join(), /pct=invalid/);
	const alignment = parseDmarc('v=DMARC1; p=reject; adkim=bob; aspf=bob');
	assert.ok(alignment.ok);
	assert.equal(alignment.record.adkim, 'r');
	assert.equal(alignment.record.aspf, 'r');
	const rua = parseDmarc('v=DMARC1; p=none; rua=reports@example.gov,mailto:dmarc@example.gov');
	assert.ok(rua.ok);
	assert.deepEqual(rua.record.rua, ['mailto:dmarc@example.gov']);
	assert.match(rua.ignored.join(), /reports@example\.gov/);
});

test('RFC 9989 next to RFC 7489: t=y is test mode, pct is gone, np= for subdomains that do not exist (issue 20 item 8)', () => {
	const test = parseDmarc('v=DMARC1; p=quarantine; t=y');
	assert.ok(test.ok);
	assert.deepEqual(policyByStandard(test.record, false), {rfc7489: 'quarantine', rfc9989: 'none'});
	const pct0 = parseDmarc('v=DMARC1; p=reject; pct=0');
	assert.ok(pct0.ok);
	assert.deepEqual(policyByStandard(pct0.record, false), {rfc7489: 'quarantine', rfc9989: 'reject'});
	const np = parseDmarc('v=DMARC1; p=none; sp=quarantine; np=reject');
	assert.ok(np.ok);
	assert.deepEqual(policyByStandard(np.record, true, true), {rfc7489: 'quarantine', rfc9989: 'reject'});
	assert.deepEqual(policyByStandard(np.record, true, false), {rfc7489: 'quarantine', rfc9989: 'quarantine'});
});

test('the DNS tree walk of RFC 9989: the name, then from seven labels one at a time; the TLD only for the organizational domain', () => {
	assert.deepEqual(treeWalkNames('chat.example.com', true), ['chat.example.com', 'example.com', 'com']);
	assert.deepEqual(treeWalkNames('chat.example.com', false), ['chat.example.com', 'example.com']);
	const deep = treeWalkNames('a.b.c.d.e.f.g.h.i.example.com', true);
	assert.deepEqual(deep, ['a.b.c.d.e.f.g.h.i.example.com', 'e.f.g.h.i.example.com', 'f.g.h.i.example.com', 'g.h.i.example.com', 'h.i.example.com', 'i.example.com', 'example.com', 'com']);
	assert.equal(deep.length, 8, 'at most eight queries');
});

const openDmarcHeader = '/usr/include/opendmarc/dmarc.h';
const haveOpenDmarc = existsSync(openDmarcHeader) && spawnSync('gcc', ['--version'], {stdio: 'ignore'}).status === 0;

test('libopendmarc as a receiver: what OpenDMARC makes of every record in the fixture, and the project names where it refuses one the others apply', {skip: !haveOpenDmarc && 'libopendmarc-dev and gcc are not installed (.ci/run installs them)'}, () => {
	const directory = mkdtempSync(join(tmpdir(), 'zes-dns-opendmarc-'));
	try {
		const judge = join(directory, 'judge');
		const build = spawnSync('gcc', ['-Wall', '-Werror', '-o', judge, fileURLToPath(new URL('helpers/opendmarc-judge.c', import.meta.url)), '-lopendmarc'], {encoding: 'utf8'});
		assert.equal(build.status, 0, build.stderr);
		const run = spawnSync(judge, {input: DMARC_CASES.map(entry => `${entry.record}\n`).join(''), encoding: 'utf8'});
		assert.equal(run.status, 0, run.stderr);
		const names: Record<string, string> = {n: 'none', q: 'quarantine', r: 'reject'};
		const verdicts = run.stdout.trim().split('\n').map(line => {
			const [status, policy] = line.split(' ');
			return status === '0' ? names[policy!] : 'refused';
		});
		assert.equal(verdicts.length, DMARC_CASES.length);
		const wrong = DMARC_CASES.flatMap((entry, index) => (verdicts[index] === entry.opendmarc ? [] : [`"${entry.record}": fixture says ${entry.opendmarc}, libopendmarc ${verdicts[index]}`]));
		assert.deepEqual(wrong, []);
		// Where OpenDMARC refuses a record the RFC and mailauth apply, the finding says so.
		for (const entry of DMARC_CASES.filter(item => item.applied && item.opendmarc === 'refused')) {
			const parsed = parseDmarc(entry.record);
			assert.ok(parsed.ok && parsed.refusedByOpenDmarc.length > 0, entry.record);
		}

		for (const entry of DMARC_CASES.filter(item => item.applied && item.opendmarc !== 'refused')) {
			const parsed = parseDmarc(entry.record);
			assert.ok(parsed.ok && parsed.refusedByOpenDmarc.length === 0, entry.record);
		}
	} finally {
		rmSync(directory, {recursive: true, force: true});
	}
});

type MailauthRecord = Record<string, unknown> | false;
interface MailauthDmarc {
	(domain: string, resolver: (name: string, type: string) => Promise<unknown>): Promise<MailauthRecord>;
	getPolicyTags(record: Record<string, unknown>): {p: string} | null;
}

test('mailauth as a receiver: its own policy discovery, over a real DNS server on loopback, applies what the fixture says; where it ignores a record the project applies, the project says so', async () => {
	// mailauth/lib/dmarc/get-dmarc-record.js: the function mailauth's DMARC check finds and reads the record with.
	const getDmarcRecord = createRequire(import.meta.url)('mailauth/lib/dmarc/get-dmarc-record') as MailauthDmarc;
	const records: Record<string, ZoneRecords[string]> = {};
	for (const [index, entry] of DMARC_CASES.entries()) records[`_dmarc.case${index}.test`] = [{type: 'TXT', text: entry.record}];
	const server = await startDnsServer({records});
	const resolver = new Resolver();
	resolver.setServers([server.address]);
	const resolve = async (name: string, type: string) => (type === 'TXT' ? resolver.resolveTxt(name) : type === 'A' ? resolver.resolve4(name) : resolver.resolveCname(name));
	try {
		const wrong: string[] = [];
		for (const [index, entry] of DMARC_CASES.entries()) {
			const record = await getDmarcRecord(`case${index}.test`, resolve);
			const applied = record ? getDmarcRecord.getPolicyTags(record)?.p ?? 'ignored' : 'ignored';
			if (applied !== entry.mailauth) wrong.push(`"${entry.record}": fixture says ${entry.mailauth}, mailauth ${applied}`);
			const parsed = parseDmarc(entry.record);
			if (parsed.ok && applied === 'ignored') assert.ok(parsed.refusedByMailauth.length > 0, `the project names why mailauth ignores "${entry.record}"`);
			if (parsed.ok && applied !== 'ignored') assert.equal(parsed.refusedByMailauth.length, 0, entry.record);
		}

		assert.deepEqual(wrong, []);
	} finally {
		await server.close();
	}
});

test('policy discovery and the organizational domain by the tree walk agree with mailauth\'s (RFC 9989 §4.10), over a real DNS server on loopback (issue 20 item 8)', async () => {
	const mailauth = createRequire(import.meta.url)('mailauth/lib/dmarc/get-dmarc-record') as MailauthDmarc & {
		getOrgDomain(domain: string, lookup: unknown): Promise<string>;
		createRecordLookup(resolver: unknown): unknown;
	};
	const txt = (text: string) => [{type: 'TXT', text}] as const;
	const server = await startDnsServer({records: {
		'_dmarc.b.layers.test': txt('v=DMARC1; p=quarantine'),
		'_dmarc.layers.test': txt('v=DMARC1; p=reject'),
		'_dmarc.psd.test': txt('v=DMARC1; p=reject; psd=y'),
		'_dmarc.org2.psd.test': txt('v=DMARC1; p=none'),
		'_dmarc.mid.n.test': txt('v=DMARC1; p=quarantine; psd=n'),
		'_dmarc.n.test': txt('v=DMARC1; p=reject'),
		'_dmarc.own.layers.test': txt('v=DMARC1; p=none'),
	}});
	const resolver = new Resolver();
	resolver.setServers([server.address]);
	const resolve = async (name: string, type: string) => (type === 'TXT' ? resolver.resolveTxt(name) : type === 'A' ? resolver.resolve4(name) : resolver.resolveCname(name));
	const {createLookup} = await import('../source/dns/lookup.js');
	const {discoverDmarc, organizationalDomain} = await import('../source/dns/dmarc.js');
	const lookup = createLookup({server: server.address, deadlineMs: 20_000});
	try {
		const domains = ['a.b.layers.test', 'b.layers.test', 'own.layers.test', 'x.org1.psd.test', 'x.org2.psd.test', 'deep.mid.n.test', 'nothing.none.test', 'a.b.c.d.e.f.g.h.layers.test'];
		for (const domain of domains) {
			const ours = await discoverDmarc(domain, lookup);
			const theirs = await mailauth(domain, resolve);
			assert.equal(ours.kind === 'found' ? ours.at : false, theirs ? theirs.recordDomain : false, `the record that governs ${domain}`);
			const org = await organizationalDomain(domain, lookup);
			assert.equal(org.kind === 'found' ? org.domain : org.kind, await mailauth.getOrgDomain(domain, mailauth.createRecordLookup(resolve)), `the organizational domain of ${domain}`);
		}

		// The walk above the nearest record: a.b.layers.test is governed by layers.test (the organizational domain), not b.layers.test.
		const layered = await discoverDmarc('a.b.layers.test', lookup);
		assert.ok(layered.kind === 'found' && layered.at === 'layers.test');
	} finally {
		lookup.close();
		await server.close();
	}
});
