// The provider facts of issue 21, each against the source named beside it in
// source/engine/providers.ts: hosts, data centres, limits, logins, dated
// notices, and the refusals that follow from them, through both faces.
import assert from 'node:assert/strict';
import {after, before, describe, test} from 'node:test';
import {cleanup, render} from 'ink-testing-library';
import {FLAGS, parseOptions} from '../source/args.js';
import type {LoadedConfig} from '../source/engine/current-config.js';
import {plainText} from '../source/engine/command-text.js';
import {UsageError} from '../source/engine/errors.js';
import {
	GMAIL_LIMITS,
	getProvider,
	MAILJET_HOST,
	microsoftNotice,
	providerHost,
	providerNotes,
	recogniseProvider,
	regionFor,
	regionProblem,
	SES_FIPS_REGIONS,
	sesHostParts,
} from '../source/engine/providers.js';
import {answersFromOptions} from '../source/non-interactive.js';
import {classifyAuthReply} from '../source/smtp/classify.js';
import {DIAGNOSES, diagnose} from '../source/smtp/diagnoses.js';
import {flowReducer, initialFlowState, type FlowEvent} from '../source/ui/flow.js';
import {RegionStep} from '../source/ui/steps/region-step.js';
import {UsernameStep} from '../source/ui/steps/username-step.js';
import {keys, press, waitForText} from './helpers/ink.js';
import {LOOPBACK, runLiveTest, startSmtpServer, type TestSmtpServer} from './helpers/smtp-servers.js';
import {freshConfig} from './helpers/ui-fixtures.js';

let fresh: LoadedConfig;
before(async () => {
	fresh = await freshConfig();
});

function wizard(...events: FlowEvent[]) {
	const start = initialFlowState({initial: {}, restartCommand: 'true'});
	return [{type: 'loaded', loaded: fresh, problems: []} as FlowEvent, ...events].reduce(flowReducer, start);
}

async function nonInteractive(argv: string[]) {
	return answersFromOptions(fresh, parseOptions(['--non-interactive', ...argv]), {env: {}});
}

describe('Mailjet (item 1)', () => {
	test('the documented host is in-v3.mailjet.com, 587 STARTTLS first, 465 SSL offered', () => {
		const mailjet = getProvider('mailjet');
		assert.equal(MAILJET_HOST, 'in-v3.mailjet.com');
		assert.equal(mailjet.host, 'in-v3.mailjet.com');
		assert.deepEqual(mailjet.endpoints.slice(0, 2), [{port: 587, security: 'starttls'}, {port: 465, security: 'ssl'}]);
		assert.equal(recogniseProvider('in-v3.mailjet.com').providerId, 'mailjet');
	});
});

describe('Zoho Mail (item 2)', () => {
	test('every data centre, in both kinds of account: smtppro for paid plans, smtp for free ones', () => {
		const zoho = getProvider('zoho');
		assert.equal(zoho.host, undefined, 'no single host: the data centre and kind pick it');
		const hosts = Object.fromEntries(zoho.regions!.map(region => [region.id, region.host]));
		for (const [centre, domain] of [['com', 'zoho.com'], ['eu', 'zoho.eu'], ['in', 'zoho.in'], ['com.au', 'zoho.com.au'], ['jp', 'zoho.jp'], ['com.cn', 'zoho.com.cn'], ['sa', 'zoho.sa'], ['ca', 'zohocloud.ca']]) {
			assert.equal(hosts[`${centre}-pro`], `smtppro.${domain}`, centre);
			assert.equal(hosts[`${centre}-free`], `smtp.${domain}`, centre);
		}

		assert.equal(zoho.regions!.length, 16);
		assert.deepEqual(zoho.endpoints, [{port: 465, security: 'ssl'}, {port: 587, security: 'starttls'}]);
	});

	test('a configured Zoho host is recognised with its data centre and kind, zohocloud.ca and .sa included', () => {
		assert.deepEqual(recogniseProvider('smtppro.zoho.com.au'), {providerId: 'zoho', region: 'com.au-pro'});
		assert.deepEqual(recogniseProvider('smtp.zohocloud.ca'), {providerId: 'zoho', region: 'ca-free'});
		assert.deepEqual(recogniseProvider('smtppro.zoho.sa'), {providerId: 'zoho', region: 'sa-pro'});
		assert.equal(recogniseProvider('smtp.zoho.example.com').providerId, 'custom');
	});

	test('a data centre without the kind takes it from the login\'s domain, in the engine', () => {
		const zoho = getProvider('zoho');
		assert.equal(regionFor(zoho, 'eu', 'ops@example.org')?.host, 'smtppro.zoho.eu', 'an own domain: a paid organization');
		assert.equal(regionFor(zoho, 'eu', 'someone@zohomail.eu')?.host, 'smtp.zoho.eu', 'Zoho\'s own domain: a personal account');
		assert.equal(regionFor(zoho, 'eu'), undefined, 'no login yet: the kind must be said');
		assert.match(regionProblem(zoho, 'eu')!, /eu-pro .*smtppro\.zoho\.eu.* eu-free .*smtp\.zoho\.eu/);
		assert.match(regionProblem(zoho, 'mars')!, /Unknown Zoho data centre "mars".*com\.au-pro/);
	});

	test('--non-interactive: --region eu-free, or --region eu with the login; a bare eu without one names both', async () => {
		assert.equal((await nonInteractive(['--provider', 'zoho', '--region', 'eu-free', '--username', 'a@zohomail.eu', '--password-file', '/dev/null'])).host, 'smtp.zoho.eu');
		const inferred = await nonInteractive(['--provider', 'zoho', '--region', 'in', '--username', 'ops@example.org']).catch((error: unknown) => error);
		// The password is missing (the point here is the host): the answers got that far only if the region resolved.
		assert.ok(inferred instanceof UsageError && /password is required/.test(inferred.message), String(inferred));
		await assert.rejects(nonInteractive(['--provider', 'zoho', '--region', 'eu']), (error: unknown) => error instanceof UsageError && /eu-pro/.test(error.message) && /eu-free/.test(error.message));
		await assert.rejects(nonInteractive(['--provider', 'zoho', '--username', 'a@b.example']), (error: unknown) => error instanceof UsageError && /--region is required for Zoho Mail/.test(error.message));
	});

	test('the wizard asks for the data centre and kind after Zoho, as for SES\'s region, and the host follows', () => {
		const atRegion = wizard({type: 'provider-chosen', id: 'zoho'});
		assert.equal(atRegion.step.kind, 'region');
		const chosen = flowReducer(atRegion, {type: 'region-chosen', region: 'com.cn-pro'});
		assert.equal(chosen.answers?.host, 'smtppro.zoho.com.cn');
		assert.equal(chosen.answers?.region, 'com.cn-pro');
	});

	test('the region step shows Zoho\'s question and list, filterable, without SES\'s "Another region…"', async () => {
		const zoho = getProvider('zoho');
		const sent: FlowEvent[] = [];
		const {lastFrame, stdin} = render(<RegionStep regions={zoho.regions!} question={zoho.regionQuestion!} limit={20} send={event => sent.push(event)} />);
		try {
			const frame = await waitForText(lastFrame, 'Which Zoho data centre, and which kind of account?');
			assert.match(frame, /Europe \(zoho\.eu\), paid plan on your own domain/);
			assert.match(frame, /Canada \(zohocloud\.ca\)/);
			assert.doesNotMatch(frame, /Another region/);
			await press(stdin, ...'sa'.split(''));
			await waitForText(lastFrame, 'sa-free');
			await press(stdin, keys.down, '\r');
			assert.deepEqual(sent, [{type: 'region-chosen', region: 'sa-free'}]);
		} finally {
			cleanup();
		}
	});
});

describe('Gmail (item 3)', () => {
	test('about 500 a day personal, about 2,000 Workspace (500 on a trial), 100 recipients per message; app passwords only', () => {
		const gmail = getProvider('gmail');
		assert.match(GMAIL_LIMITS, /about 500 mails a day from a personal account/);
		assert.match(GMAIL_LIMITS, /about 2,000 from Google Workspace \(500 during a trial\)/);
		assert.match(GMAIL_LIMITS, /100 recipients per message/);
		assert.ok(gmail.notes!.includes(GMAIL_LIMITS));
		assert.ok(gmail.notes!.some(note => /"less secure apps".*no longer exists/.test(note)));
		assert.doesNotMatch([gmail.summary, ...gmail.notes!].join(' '), /100 mails a day/);
	});

	test('Gmail\'s 534 5.7.9 fix says the "less secure apps" switch older guides suggest is gone', () => {
		const fix = plainText(diagnose('app-password-required', {host: 'smtp.gmail.com', port: 587, security: 'starttls', user: 'z@gmail.com', timeoutMs: 1000}).fix);
		assert.match(fix, /app password/);
		assert.match(fix, /"less secure apps" switch, which older guides suggest, no longer exists/);
	});
});

describe('Postmark (item 4)', () => {
	test('the username hint names the Server API token and the per-stream SMTP token (access key, secret key)', () => {
		const postmark = getProvider('postmark');
		assert.match(postmark.usernameHint!, /Server API token.*SMTP token: its access key/);
		assert.match(postmark.passwordHint!, /same Server API token.*secret key/);
	});

	test('a refused login\'s fix says SMTP must be on for the server and names the broadcast host', () => {
		const diagnosis = diagnose('auth-failed', {host: 'smtp.postmarkapp.com', port: 587, security: 'starttls', user: 'token', timeoutMs: 1000});
		const fix = plainText(diagnosis.fix);
		assert.match(fix, /SMTP token: its access key/);
		assert.match(fix, /SMTP must be turned on for the Postmark server/);
		assert.match(fix, /smtp-broadcasts\.postmarkapp\.com/);
		assert.equal(recogniseProvider('smtp-broadcasts.postmarkapp.com').providerId, 'postmark');
	});
});

describe('Amazon SES (item 5)', () => {
	test('dual-stack (api.aws) and FIPS hosts are SES, with their region', () => {
		assert.deepEqual(recogniseProvider('email-smtp.eu-west-1.api.aws'), {providerId: 'ses', region: 'eu-west-1'});
		assert.deepEqual(recogniseProvider('email-smtp-fips.us-gov-west-1.amazonaws.com'), {providerId: 'ses', region: 'us-gov-west-1'});
		assert.deepEqual(recogniseProvider('email-smtp-fips.us-east-2.api.aws'), {providerId: 'ses', region: 'us-east-2'});
		assert.deepEqual(sesHostParts('email-smtp-fips.us-west-1.api.aws'), {region: 'us-west-1', fips: true, dualStack: true});
		assert.deepEqual(sesHostParts('email-smtp.ap-south-1.amazonaws.com'), {region: 'ap-south-1', fips: false, dualStack: false});
		assert.equal(recogniseProvider('email-smtp.eu-west-1.api.aws.example.com').providerId, 'custom');
	});

	test('FIPS endpoints in us-east-1/2, us-west-1/2 and GovCloud, said where the host is chosen', () => {
		assert.deepEqual([...SES_FIPS_REGIONS].sort(), ['us-east-1', 'us-east-2', 'us-gov-east-1', 'us-gov-west-1', 'us-west-1', 'us-west-2']);
		const note = getProvider('ses').notes!.find(line => /FIPS/.test(line))!;
		assert.match(note, /email-smtp\.<region>\.api\.aws/);
		for (const region of SES_FIPS_REGIONS) assert.ok(note.includes(region), region);
		assert.equal(providerHost(getProvider('ses'), 'us-gov-east-1'), 'email-smtp.us-gov-east-1.amazonaws.com');
	});
});

describe('Microsoft 365 (item 6)', () => {
	test('the notice measures today against Microsoft\'s dates', () => {
		const before = microsoftNotice(new Date('2026-12-08T12:00:00Z'));
		assert.match(before, /Today \(2026-12-08\) Microsoft 365 still accepts password logins/);
		assert.match(before, /from the end of December 2026 they are off by default for existing tenants/);
		assert.match(before, /second half of 2027/);
		const afterwards = microsoftNotice(new Date('2027-02-01T12:00:00Z'));
		assert.match(afterwards, /Since the end of December 2026 \(today is 2027-02-01\)/);
		assert.match(afterwards, /a tenant admin must turn them back on/);
		for (const text of [before, afterwards]) {
			assert.match(text, /outlook\.com and hotmail\.com accounts refuse them since September 2024/);
			assert.match(text, /no OAuth2 for SMTP/);
			assert.match(text, /transactional service/);
			assert.match(text, /smtp\.azurecomm\.net, port 587, STARTTLS/);
			assert.doesNotMatch(text, /High Volume/i);
		}
	});

	test('said when Microsoft 365 is picked: the username step, with the injected date', async () => {
		const office365 = getProvider('office365');
		assert.deepEqual(providerNotes(office365, new Date('2027-03-01T00:00:00Z')).at(-1), microsoftNotice(new Date('2027-03-01T00:00:00Z')));
		assert.deepEqual(providerNotes(getProvider('gmail')), getProvider('gmail').notes, 'only Microsoft 365 has a dated notice');
		const {lastFrame} = render(<UsernameStep provider={office365} username="" today={new Date('2027-03-01T00:00:00Z')} send={() => undefined} />);
		try {
			const frame = await waitForText(lastFrame, 'today is 2027-03-01');
			assert.match(frame.replace(/\s+/g, ' '), /Azure Communication Services/);
		} finally {
			cleanup();
		}
	});

	test('535 5.7.139 and 550 5.7.30 are their own diagnosis; other 535s stay a refused login', () => {
		assert.equal(classifyAuthReply('535 5.7.139 Authentication unsuccessful, basic authentication is disabled. [SN4PR0501CA0101.namprd05.prod.outlook.com]', true), 'basic-auth-disabled');
		assert.equal(classifyAuthReply('535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant.', true), 'basic-auth-disabled');
		assert.equal(classifyAuthReply('550 5.7.30 Basic authentication is not supported for Client Submission.', true), 'basic-auth-disabled');
		assert.equal(classifyAuthReply('535 5.7.3 Authentication unsuccessful', true), 'auth-failed');
		assert.ok(DIAGNOSES['basic-auth-disabled']);
	});

	describe('against a real SMTP server that refuses the login as Exchange Online does', () => {
		let relay: TestSmtpServer;
		after(async () => relay?.close());
		test('the fix names the tenant setting, the mailbox setting and the password-based alternatives', async () => {
			relay = await startSmtpServer({tls: 'plain', allowInsecureAuth: true, greetingDelay: false, users: {'ops@example.org': 'x'}, rejectAuth: () => '535 5.7.139 Authentication unsuccessful, basic authentication is disabled.'});
			const run = await runLiveTest({
				settings: {host: LOOPBACK, port: relay.port, security: 'none', user: 'ops@example.org', password: 'mailbox-password'},
				senders: [{role: 'default', address: 'ops@example.org'}],
				timeoutMs: 2000,
				probe: false,
			});
			const diagnosis = run.report.diagnosis!;
			assert.equal(diagnosis.id, 'basic-auth-disabled');
			const fix = plainText(diagnosis.fix);
			assert.match(fix, /Set-TransportConfig -SmtpClientAuthenticationDisabled \$false/);
			assert.match(fix, /Set-CASMailbox -Identity ops@example\.org -SmtpClientAuthenticationDisabled \$false/);
			assert.match(fix, /second half of 2027/);
			assert.match(fix, /smtp\.azurecomm\.net/);
			assert.doesNotMatch(fix, /High Volume/i);
			assert.ok(!run.everything.includes('mailbox-password'));
		});
	});
});

test('--region\'s help names both providers that have regions', () => {
	assert.match(FLAGS.region.help, /Amazon SES region.*Zoho data centre and kind of account \(e\.g\. eu-pro, eu-free/);
});

describe('Zulip facts the tool must not get wrong (items 10 and 11)', () => {
	test('"certificate not trusted" names the system trust store Django reads, and no zulip.conf setting', () => {
		// Django's SMTP backend verifies with ssl.create_default_context() (django/core/mail/backends/smtp.py,
		// ssl_context), i.e. OpenSSL's default store; no custom_ca_path was found in Zulip's source for outgoing
		// SMTP (checked 2026-12), so the fix says nothing of one.
		const fix = plainText(diagnose('certificate-untrusted', {host: 'relay.internal.example', port: 587, security: 'starttls', user: 'u', timeoutMs: 1000}).fix);
		assert.match(fix, /update-ca-certificates/);
		assert.doesNotMatch(fix + DIAGNOSES['certificate-untrusted'].fix, /custom_ca_path|zulip\.conf/);
	});

	test('manage.py checkconfig (renamed manage.py check in 11.5) is named nowhere by the tool', async () => {
		const {readdir, readFile} = await import('node:fs/promises');
		const path = await import('node:path');
		const root = path.join(import.meta.dirname, '..', 'source');
		const files = (await readdir(root, {recursive: true})).filter(file => /\.tsx?$/.test(file));
		for (const file of files) assert.doesNotMatch(await readFile(path.join(root, file), 'utf8'), /checkconfig/, file);
	});
});
