import assert from 'node:assert/strict';
import {Resolver} from 'node:dns/promises';
import {test} from 'node:test';
import {startDnsServer} from '../source/sandbox/dns-server.js';
import {sandboxZone} from '../source/sandbox/dns-zone.js';
import {parseDkimKey} from '../source/dns/dkim.js';
import {runCli} from './helpers/cli.js';

test('the sandbox zone, served on loopback, answers as a real zone does', async () => {
	const server = await startDnsServer({records: await sandboxZone()});
	try {
		const resolver = new Resolver({timeout: 2000, tries: 2});
		resolver.setServers([server.address]);
		// Node 24 adds `type: 'MX'` to each record; compare what every Node returns.
		const mx = (await resolver.resolveMx('zulip.sandbox.test.')).map(({exchange, priority}) => ({exchange, priority}));
		assert.deepEqual(mx, [{exchange: 'mail.zulip.sandbox.test', priority: 10}]);
		assert.deepEqual(await resolver.resolve4('mail.zulip.sandbox.test.'), ['127.0.0.1']);
		const [dkim] = await resolver.resolveTxt('sandbox._domainkey.zulip.sandbox.test.');
		assert.ok(dkim!.length > 1, 'a 2048-bit key needs more than one 255-byte string');
		assert.deepEqual(parseDkimKey(dkim!.join('')), {ok: true, keyType: 'rsa'});
		await assert.rejects(resolver.resolveTxt('nothing.zulip.sandbox.test.'), {code: 'ENOTFOUND'});
		await assert.rejects(resolver.resolveTxt('mail.zulip.sandbox.test.'), {code: 'ENODATA'});
	} finally {
		await server.close();
	}
});

test('--sandbox --check-dns checks the sandbox domain against the sandbox\'s own DNS: all green, exit 0', async () => {
	const result = await runCli(['--sandbox', '--non-interactive', '--check-dns', '--json']);
	assert.equal(result.code, 0, result.stdout + result.stderr);
	const report = JSON.parse(result.stdout);
	assert.deepEqual(report.deliverability.findings.map((item: {id: string}) => item.id), ['spf-ok', 'dkim-ok', 'dmarc-ok', 'mx-ok']);
	assert.ok(report.deliverability.findings.every((item: {domain: string}) => item.domain === 'zulip.sandbox.test'));
	assert.match(result.stderr, /Sandbox DNS: 127\.0\.0\.1:\d+ serves zulip\.sandbox\.test/);
});
