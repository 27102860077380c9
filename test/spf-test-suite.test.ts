import assert from 'node:assert/strict';
import {fileURLToPath} from 'node:url';
import {test} from 'node:test';
import {createLookup} from '../source/dns/lookup.js';
import {checkHost} from '../source/dns/spf-check-host.js';
import {checkDeliverability} from '../source/engine/deliverability.js';
import {CHECK_HOST_DEVIATIONS, DEVIATIONS, type ProjectVerdict} from './fixtures/rfc7208/deviations.js';
import {startDnsServer} from './helpers/dns-servers.js';
import {loadSuite, timesOut, type SuiteResult} from './helpers/spf-suite.js';

// The RFC 7208 test suite, each scenario's zone served by a real DNS server on
// 127.0.0.1, each case run through --check-dns's engine with the suite's MAIL FROM
// (or postmaster@HELO when it is empty, §2.4) as Zulip's From address. The mapping
// from findings to the suite's results, and every case that differs, are in
// fixtures/rfc7208/deviations.ts.

const suitePath = fileURLToPath(new URL('fixtures/rfc7208/rfc7208-tests.yml', import.meta.url));
const PERMERROR = new Set(['spf-syntax', 'spf-multiple-records', 'spf-include-missing', 'spf-too-many-lookups', 'spf-void-lookups']);

function verdictOf(ids: readonly string[]): ProjectVerdict | 'nothing' {
	if (ids.some(id => PERMERROR.has(id))) return 'permerror';
	// The record itself unread: dns-unreachable alone speaks for it.
	if (ids.includes('spf-incomplete') || (ids.includes('dns-unreachable') && !ids.some(id => id.startsWith('spf-')))) return 'temperror';
	if (ids.includes('spf-missing') || ids.includes('from-domain-unusable')) return 'none';
	if (ids.some(id => id.startsWith('spf-'))) return 'evaluated';
	return 'nothing';
}

const classOf = (result: SuiteResult): ProjectVerdict => (result === 'pass' || result === 'fail' || result === 'softfail' || result === 'neutral' ? 'evaluated' : result);

test('the RFC 7208 test suite: every case gives the suite\'s verdict, or is a listed deviation', async () => {
	const scenarios = loadSuite(suitePath);
	const seen = new Set<string>();
	const unexpected: string[] = [];
	let cases = 0;
	for (const scenario of scenarios) {
		const server = await startDnsServer({records: scenario.records, fault: (name, type) => (timesOut(scenario, name, type) ? 'servfail' : undefined)});
		try {
			for (const suiteCase of scenario.tests) {
				cases++;
				const address = suiteCase.mailfrom === '' ? `postmaster@${suiteCase.helo}` : suiteCase.mailfrom;
				const report = await checkDeliverability({providerId: 'custom', from: [{role: 'noreply', address}], dnsServer: server.address, deadlineMs: 20_000});
				const ids = report.findings.map(item => item.id);
				const project = verdictOf(ids);
				const expected = suiteCase.results.map(classOf);
				const deviation = DEVIATIONS[suiteCase.id];
				if (deviation) {
					seen.add(suiteCase.id);
					assert.deepEqual(suiteCase.results, deviation.suite, `${suiteCase.id}: the table's suite result`);
					if (project !== deviation.project) unexpected.push(`${suiteCase.id}: listed as a deviation (${deviation.project}), now gives ${project}`);
					continue;
				}

				if (!expected.includes(project as ProjectVerdict)) unexpected.push(`${suiteCase.id} (${scenario.description}): suite ${suiteCase.results.join('|')}, project ${project} [${ids.join(', ')}]`);
				// A permerror names its cause; anything else must not claim one.
				if (expected.every(result => result === 'permerror')) assert.ok(ids.some(id => PERMERROR.has(id)), suiteCase.id);
			}
		} finally {
			await server.close();
		}
	}

	assert.deepEqual(unexpected, []);
	assert.deepEqual([...seen].sort(), Object.keys(DEVIATIONS).sort(), 'every listed deviation is a case of the suite');
	assert.equal(cases, 203, 'the whole suite ran');
});

test('the RFC 7208 test suite through check_host() with the suite\'s IP: the same result in every case, or a listed deviation', async () => {
	const scenarios = loadSuite(suitePath);
	const seen = new Set<string>();
	const unexpected: string[] = [];
	let cases = 0;
	for (const scenario of scenarios) {
		const server = await startDnsServer({records: scenario.records, fault: (name, type) => (timesOut(scenario, name, type) ? 'servfail' : undefined)});
		try {
			for (const suiteCase of scenario.tests) {
				cases++;
				const sender = suiteCase.mailfrom === '' ? `postmaster@${suiteCase.helo}` : suiteCase.mailfrom;
				const lookup = createLookup({server: server.address, deadlineMs: 20_000});
				const verdict = await checkHost(sender.slice(sender.lastIndexOf('@') + 1), {ip: suiteCase.host, sender, helo: suiteCase.helo, lookup});
				lookup.close();
				const deviation = CHECK_HOST_DEVIATIONS[suiteCase.id];
				if (deviation) {
					seen.add(suiteCase.id);
					assert.deepEqual(suiteCase.results, deviation.suite, `${suiteCase.id}: the table's suite result`);
					if (verdict.result !== deviation.project) unexpected.push(`${suiteCase.id}: listed as a deviation (${deviation.project}), now gives ${verdict.result}`);
				} else if (!suiteCase.results.includes(verdict.result)) {
					unexpected.push(`${suiteCase.id} (${scenario.description}): suite ${suiteCase.results.join('|')}, check_host ${verdict.result} (${verdict.detail})`);
				}
			}
		} finally {
			await server.close();
		}
	}

	assert.deepEqual(unexpected, []);
	assert.deepEqual([...seen].sort(), Object.keys(CHECK_HOST_DEVIATIONS).sort(), 'every listed deviation is a case of the suite');
	assert.equal(cases, 203, 'the whole suite ran');
});
