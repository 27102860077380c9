import assert from 'node:assert/strict';
import {spawnSync} from 'node:child_process';
import {fileURLToPath} from 'node:url';
import {test} from 'node:test';
import {parseSpf} from '../source/dns/spf.js';

// pyspf (Debian's python3-spf, installed by .ci/run) as a second judge of SPF
// syntax, beside RFC 7208's test suite (spf-test-suite.test.ts): the records of
// issue 20 items 1 and 3 and the grammar's corners. The project says "does not
// parse" (spf-syntax) exactly where pyspf gives a permerror for the record itself.

const judge = fileURLToPath(new URL('helpers/pyspf-judge.py', import.meta.url));
const python = ['python3', '/usr/bin/python3'].find(candidate => spawnSync(candidate, ['-c', 'import spf'], {stdio: 'ignore'}).status === 0);

const RECORDS = [
	// Item 1: a/mx targets holding "/" and ":".
	'v=spf1 a:foo:bar/baz.example.com -all',
	'v=spf1 mx:foo:bar/baz.example.com -all',
	'v=spf1 a:foo:bar/baz.example.com/24//64 -all',
	'v=spf1 mx:foo:bar/baz.example.com/24 -all',
	// Item 3: macro-string domain-end and the ip6 grammar.
	'v=spf1 exp=%{d}. -all',
	'v=spf1 redirect=%{d}.',
	'v=spf1 include:%{ir}.%{v}._spf.%{d2}. -all',
	'v=spf1 include:%{ir}.%{v}._spf.%{d2} -all',
	'v=spf1 ip6:fe80::1%eth0 -all',
	'v=spf1 ip6:fe80::1 -all',
	'v=spf1 ip6:::ffff:192.0.2.1 -all',
	'v=spf1 exp=explain.%{d}.example.com -all',
	// Prefix lengths.
	'v=spf1 a:example.com/33 -all',
	'v=spf1 a/24/24 -all',
	'v=spf1 a:example.com/ -all',
	'v=spf1 a//129 -all',
	'v=spf1 mx/24//64 -all',
	'v=spf1 ip4:192.0.2.0/24 -all',
	'v=spf1 ip4:192.0.2.0/33 -all',
	'v=spf1 ip4:192.0.2.300 -all',
	'v=spf1 ip6:2001:db8::/129 -all',
	// Mechanisms, modifiers and macros.
	'v=spf1 inlcude:example.com -all',
	'v=spf1 include -all',
	'v=spf1 all:example.com',
	'v=spf1 include:%{z}.example.com -all',
	'v=spf1 include:50%.example.com -all',
	'v=spf1 redirect=a.example.com redirect=b.example.com',
	'v=spf1 x-custom=anything ~all',
	'v=spf1 ptr/24 -all',
	'v=spf1 -include:example.com +a:example.org. ~all',
	'v=spf1 exists:%{i}._spf.example.com -all',
];

test('SPF syntax agrees with pyspf (issue 20 items 1 and 3)', {skip: python === undefined && 'pyspf is not installed (Debian: apt-get install python3-spf; .ci/run installs it)'}, () => {
	const run = spawnSync(python!, [judge], {input: JSON.stringify(RECORDS), encoding: 'utf8'});
	assert.equal(run.status, 0, run.stderr);
	const verdicts = JSON.parse(run.stdout) as Array<{record: string; verdict: 'syntax' | 'ok'; pyspf: string}>;
	assert.equal(verdicts.length, RECORDS.length);
	const disagreements = verdicts.filter(item => (parseSpf(item.record).ok ? 'ok' : 'syntax') !== item.verdict).map(item => `${item.record}: pyspf ${item.pyspf}; project ${JSON.stringify(parseSpf(item.record))}`);
	assert.deepEqual(disagreements, []);
	assert.ok(verdicts.some(item => item.verdict === 'syntax') && verdicts.some(item => item.verdict === 'ok'), 'both verdicts occur');
});
