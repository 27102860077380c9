import assert from 'node:assert/strict';
import {spawnSync} from 'node:child_process';
import {existsSync, mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
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
