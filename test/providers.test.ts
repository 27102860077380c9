import assert from 'node:assert/strict';
import {test} from 'node:test';
import wellKnown from 'nodemailer/lib/well-known';
import {endpointMismatch, getProvider, providerNotes, isListedRegion, PROVIDER_IDS, PROVIDERS, providerHost, recogniseProvider, regionFor, regionProblem, unlistedRegionNote} from '../source/engine/providers.js';
import {answersForProvider} from '../source/engine/answers.js';
import {answersSummary} from '../source/engine/answers-summary.js';
import {loadConfig} from '../source/engine/current-config.js';
import {fakeServer, runCli} from './helpers/cli.js';

test('every provider id of the CLI contract is in the catalog, once', () => {
	assert.deepEqual(PROVIDERS.map(provider => provider.id), [...PROVIDER_IDS]);
	assert.deepEqual([...PROVIDER_IDS].sort(), ['brevo', 'custom', 'fastmail', 'file', 'gmail', 'local', 'mailgun', 'mailjet', 'office365', 'postmark', 'resend', 'sendgrid', 'ses', 'smtp2go', 'zoho']);
});

test('hosts come from nodemailer\'s well-known list, not retyped (but where it is stale)', () => {
	// Not Mailjet (nodemailer still lists the old in.mailjet.com) nor Zoho (one host per data centre and kind of account): test/provider-facts.test.tsx.
	const byNodemailerName: Record<string, string> = {mailgun: 'Mailgun', sendgrid: 'SendGrid', gmail: 'Gmail', postmark: 'Postmark', brevo: 'Brevo', smtp2go: 'SMTP2GO', office365: 'Outlook365', fastmail: 'FastMail', resend: 'Resend'};
	assert.equal((wellKnown('Mailjet') || undefined)?.host, 'in.mailjet.com', 'when nodemailer moves to in-v3, take the host from it again');
	for (const [id, name] of Object.entries(byNodemailerName)) {
		const service = wellKnown(name);
		assert.ok(service, `nodemailer knows ${name}`);
		const provider = getProvider(id as never);
		assert.equal(provider.host, service.host, id);
		// nodemailer's own port is always among the endpoints we offer.
		assert.ok(provider.endpoints.some(endpoint => endpoint.port === Number(service.port)), `${id} offers nodemailer's port ${service.port}`);
	}
});

test('what only we know: Mailgun 587 STARTTLS first, SendGrid apikey, SES per region, 2525 alternatives', () => {
	assert.deepEqual(getProvider('mailgun').endpoints[0], {port: 587, security: 'starttls'});
	assert.ok(getProvider('mailgun').endpoints.some(endpoint => endpoint.port === 2525));
	assert.equal(getProvider('sendgrid').fixedUsername, 'apikey');
	const ses = getProvider('ses');
	assert.equal(ses.host, undefined);
	assert.ok(ses.regions!.length >= 15);
	assert.equal(providerHost(ses, 'eu-west-1'), 'email-smtp.eu-west-1.amazonaws.com');
	assert.equal(providerHost(ses, 'nowhere-1'), undefined);
	assert.match(getProvider('gmail').passwordHint!, /app password/);
	assert.ok(getProvider('gmail').notes!.some(note => /100/.test(note)));
	assert.deepEqual(getProvider('local').endpoints, [{port: 25, security: 'none'}]);
	assert.equal(getProvider('local').host, 'localhost');
	assert.equal(getProvider('file').kind, 'file');
	for (const provider of PROVIDERS) {
		for (const endpoint of provider.endpoints) {
			if (endpoint.port === 465) assert.equal(endpoint.security, 'ssl', `${provider.id} 465 is implicit TLS`);
		}
	}
});

test('an existing host is recognised as its provider (and SES region)', () => {
	assert.deepEqual(recogniseProvider('smtp.mailgun.org'), {providerId: 'mailgun', region: undefined});
	assert.deepEqual(recogniseProvider('email-smtp.ap-south-1.amazonaws.com'), {providerId: 'ses', region: 'ap-south-1'});
	assert.equal(recogniseProvider('smtp.sendgrid.net').providerId, 'sendgrid');
	assert.equal(recogniseProvider('localhost').providerId, 'local');
	assert.equal(recogniseProvider('127.0.0.1', 'relay-user').providerId, 'custom', 'a loopback relay with a login is not the local MTA');
	assert.equal(recogniseProvider('mail.example.com').providerId, 'custom');
	assert.equal(recogniseProvider('evil-mailgun.org.example.com').providerId, 'custom');
	assert.equal(recogniseProvider(null).providerId, 'custom');
});

test('465 with STARTTLS and 587 with SSL are flagged before any test', () => {
	assert.match(endpointMismatch(465, 'starttls')!, /465/);
	assert.match(endpointMismatch(587, 'ssl')!, /STARTTLS/);
	assert.equal(endpointMismatch(587, 'starttls'), undefined);
	assert.equal(endpointMismatch(465, 'ssl'), undefined);
});

test('Amazon SES: every SMTP region AWS lists, a typed newer one accepted, a non-region refused by name', () => {
	const ses = getProvider('ses');
	const ids = ses.regions!.map(region => region.id);
	// The regions nodemailer's list lacks, by the names admins know them.
	for (const [id, name] of [['eu-south-1', 'Milan'], ['me-south-1', 'Bahrain'], ['af-south-1', 'Cape Town'], ['ap-southeast-3', 'Jakarta'], ['il-central-1', 'Tel Aviv'], ['ca-west-1', 'Calgary'], ['me-central-1', 'UAE'], ['ap-south-2', 'Hyderabad']] as const) {
		const region = ses.regions!.find(candidate => candidate.id === id);
		assert.ok(region, id);
		assert.match(region.name, new RegExp(name));
		assert.equal(region.host, `email-smtp.${id}.amazonaws.com`);
	}

	assert.equal(new Set(ids).size, ids.length, 'each region once');
	assert.equal(regionFor(ses, 'EU-South-2 ')?.host, 'email-smtp.eu-south-2.amazonaws.com', 'a region the list does not have yet is typed');
	assert.equal(isListedRegion(ses, 'eu-south-2'), false);
	assert.equal(regionFor(ses, 'us-gov-west-1')?.name, 'AWS GovCloud (US-West)');
	assert.equal(regionFor(ses, 'nowhere'), undefined);
	assert.equal(regionFor(ses, 'smtp.example.com'), undefined);
	assert.match(regionProblem(ses, 'nowhere')!, /Unknown region "nowhere".*eu-south-1/);
	assert.equal(regionProblem(ses, 'eu-south-2'), undefined);
	assert.equal(regionFor(getProvider('mailgun'), 'eu-west-1'), undefined, 'only SES and Zoho have regions');
	// A rerun on a region the old list lacked recognises it, so the list can start there.
	assert.deepEqual(recogniseProvider('email-smtp.eu-south-1.amazonaws.com'), {providerId: 'ses', region: 'eu-south-1'});
	assert.deepEqual(recogniseProvider('email-smtp.eu-south-2.amazonaws.com'), {providerId: 'ses', region: 'eu-south-2'});
});

test('provider notes say what the admin would otherwise learn the hard way', () => {
	assert.ok(getProvider('gmail').notes!.some(note => /From the account/.test(note)));
	assert.ok(getProvider('ses').notes!.some(note => /AKIA/.test(note) && /access key/.test(note)));
	assert.ok(getProvider('mailgun').notes!.some(note => /smtp\.eu\.mailgun\.org/.test(note)));
	assert.ok(getProvider('office365').notes!.some(note => /Send As/.test(note)));
	assert.ok(providerNotes(getProvider('office365')).some(note => /Basic auth/.test(note)));
});

test('an unlisted but well-formed SES region is said, in the review and by --non-interactive, and a listed one is not', async () => {
	const ses = getProvider('ses');
	assert.equal(unlistedRegionNote(ses, 'eu-south-1'), undefined);
	assert.equal(unlistedRegionNote(ses, undefined), undefined);
	assert.equal(unlistedRegionNote(getProvider('mailgun'), 'eu-nowhere-1'), undefined);
	assert.match(unlistedRegionNote(ses, 'EU-Nowhere-1') ?? '', /^eu-nowhere-1 is not among the 27 Amazon SES SMTP regions this version lists; it is used as typed \(email-smtp\.eu-nowhere-1\.amazonaws\.com\)/);

	const server = await fakeServer();
	const base = [...server.args, '--non-interactive', '--dry-run', '--provider', 'ses', '--username', 'AKIAEXAMPLE'];
	const env = {ZULIP_EMAIL_PASSWORD: 'smtp-credential'};
	const unlisted = await runCli([...base, '--region', 'eu-nowhere-1'], {env});
	assert.equal(unlisted.code, 0, unlisted.stderr);
	assert.match(unlisted.stdout + unlisted.stderr, /Note: eu-nowhere-1 is not among the 27 Amazon SES SMTP regions/);
	const listed = await runCli([...base, '--region', 'eu-south-1'], {env});
	assert.equal(listed.code, 0, listed.stderr);
	assert.doesNotMatch(listed.stdout + listed.stderr, /not among/);

	const loaded = await loadConfig({settings: server.settings, secrets: server.secrets});
	const summary = answersSummary(loaded, {...answersForProvider(loaded, 'ses', 'eu-nowhere-1'), username: 'AKIAEXAMPLE'});
	assert.match(summary.join('\n'), /Amazon SES \(eu-nowhere-1\) · email-smtp\.eu-nowhere-1\.amazonaws\.com:587 STARTTLS\neu-nowhere-1 is not among/);
});
