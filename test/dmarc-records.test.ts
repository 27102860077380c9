import assert from 'node:assert/strict';
import {test} from 'node:test';
import {parseDmarc, policyByStandard, treeWalkNames} from '../source/dns/dmarc.js';
import {DMARC_CASES} from './fixtures/dmarc-records.js';

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
