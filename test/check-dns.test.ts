import assert from 'node:assert/strict';
import {after, before, test} from 'node:test';
import {readFile, writeFile} from 'node:fs/promises';
import {fakeServer, runCli, snapshot} from './helpers/cli.js';
import {RSA_KEY, startDnsServer, startSilentDnsServer, type RunningDnsServer} from './helpers/dns-servers.js';

// The fixture's From addresses: admin@chat.example.org and noreply-{token}@chat.example.org.
let good: RunningDnsServer;
let bad: RunningDnsServer;

before(async () => {
	const providers = {
		'_spf.google.com': [{type: 'TXT', text: 'v=spf1 ip4:64.233.160.0/19 ~all'}],
	} as const;
	good = await startDnsServer({records: {
		...providers,
		'chat.example.org': [{type: 'TXT', text: 'v=spf1 include:_spf.google.com -all'}, {type: 'MX', priority: 10, exchange: 'mx.example.org'}],
		'google._domainkey.chat.example.org': [{type: 'TXT', text: `v=DKIM1; k=rsa; p=${RSA_KEY}`}],
		'_dmarc.example.org': [{type: 'TXT', text: 'v=DMARC1; p=none; rua=mailto:dmarc@example.org'}],
	}});
	bad = await startDnsServer({records: {
		...providers,
		'chat.example.org': [{type: 'TXT', text: 'v=spf1 include:_spf.google.com -all'}, {type: 'TXT', text: 'v=spf1 mx -all'}],
	}});
});

after(async () => {
	await good.close();
	await bad.close();
});

test('--check-dns reads the From domains from the files, reports every finding in JSON, exits 0 on warnings, writes nothing', async () => {
	const server = await fakeServer();
	const before = await snapshot(server);
	const result = await runCli([...server.args, '--check-dns', '--provider', 'gmail', '--dns-server', good.address, '--json']);
	assert.equal(result.code, 0, result.stdout + result.stderr);
	const report = JSON.parse(result.stdout);
	assert.equal(report.test, null);
	const findings = report.deliverability.findings as Array<{id: string; severity: string; domain: string; message: string; fix: string | null; record: string | null}>;
	assert.deepEqual(findings.map(item => item.id).sort(), ['dkim-ok', 'dmarc-policy-none', 'mx-ok', 'spf-ok']);
	for (const item of findings) assert.deepEqual(Object.keys(item).sort(), ['domain', 'fix', 'id', 'message', 'record', 'severity']);
	assert.equal(findings.find(item => item.id === 'dmarc-policy-none')!.severity, 'warning');
	assert.equal(await snapshot(server), before);
	assert.ok(good.queries.length > 0);
});

test('$ZULIP_EMAIL_SETUP_DNS_SERVER stands in for --dns-server: the system resolver is not asked', async () => {
	const server = await fakeServer();
	const asked = good.queries.length;
	// runCli adds a loopback --dns-server only when none is named anywhere; the variable names this one.
	const result = await runCli([...server.args, '--check-dns', '--provider', 'gmail', '--dns-server', good.address, '--json'].filter(arg => arg !== '--dns-server' && arg !== good.address), {env: {ZULIP_EMAIL_SETUP_DNS_SERVER: good.address}});
	assert.equal(result.code, 0, result.stdout + result.stderr);
	const findings = JSON.parse(result.stdout).deliverability.findings as Array<{id: string}>;
	assert.deepEqual(findings.map(item => item.id).sort(), ['dkim-ok', 'dmarc-policy-none', 'mx-ok', 'spf-ok']);
	assert.ok(good.queries.length > asked, 'the named resolver answered');
});

test('--check-dns exits 1 on an error-level finding and prints the record seen and the fix', async () => {
	const server = await fakeServer();
	const result = await runCli([...server.args, '--check-dns', '--provider', 'gmail', '--dns-server', bad.address]);
	assert.equal(result.code, 1, result.stdout + result.stderr);
	assert.match(result.stdout, /^Deliverability \(SPF, DKIM, DMARC, MX; resolver 127\.0\.0\.1:\d+\):$/m);
	assert.match(result.stdout, /✖ chat\.example\.org has 2 SPF records; .* \[spf-multiple-records\]/);
	assert.match(result.stdout, /seen: v=spf1 mx -all/);
	assert.match(result.stdout, /Fix: Replace them with one TXT record at chat\.example\.org: v=spf1 include:_spf\.google\.com mx -all/);
	assert.match(result.stdout, /! No DKIM key at google\._domainkey\.chat\.example\.org/);
});

test('--check-dns against a resolver that never answers: dns-unreachable, exit 1, no hang', async () => {
	const silent = await startSilentDnsServer();
	try {
		const server = await fakeServer();
		const result = await runCli([...server.args, '--check-dns', '--provider', 'gmail', '--dns-server', silent.address, '--json']);
		assert.equal(result.code, 1, result.stdout + result.stderr);
		const report = JSON.parse(result.stdout);
		assert.deepEqual(report.deliverability.findings.map((item: {id: string}) => item.id), ['dns-unreachable']);
	} finally {
		await silent.close();
	}
});

test('a --dns-server or --dkim-selector that is not one is a usage error (exit 2) before anything is asked', async () => {
	const server = await fakeServer();
	const host = await runCli([...server.args, '--check-dns', '--dns-server', 'dns.example.org', '--json']);
	assert.equal(host.code, 2);
	assert.match(JSON.parse(host.stdout).error.message, /--dns-server must be an IP address/);
	const selector = await runCli([...server.args, '--check-dns', '--dns-server', good.address, '--dkim-selector', 'a b']);
	assert.equal(selector.code, 2);
	assert.match(selector.stderr, /--dkim-selector must be a DKIM selector/);
});

test('--check-dns with From addresses at a single-label domain: each is named with why it cannot be checked, exit 1 (issue 20 item 9)', async () => {
	const server = await fakeServer();
	const settings = (await readFile(server.settings, 'utf8')).replace("ZULIP_ADMINISTRATOR = 'admin@chat.example.org'", "ZULIP_ADMINISTRATOR = 'admin@localhost'").replace("EXTERNAL_HOST = 'chat.example.org'", "EXTERNAL_HOST = 'localhost'");
	await writeFile(server.settings, settings);
	const result = await runCli([...server.args, '--check-dns', '--provider', 'gmail', '--dns-server', good.address]);
	assert.equal(result.code, 1, result.stdout + result.stderr);
	assert.match(result.stdout, /The administrator address admin@localhost cannot be checked: localhost is a single label.* \[from-domain-unusable\]/);
	assert.doesNotMatch(result.stdout, /No From address with a domain to check/);
});
