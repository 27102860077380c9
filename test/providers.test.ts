import assert from 'node:assert/strict';
import {test} from 'node:test';
import wellKnown from 'nodemailer/lib/well-known';
import {endpointMismatch, getProvider, PROVIDER_IDS, PROVIDERS, providerHost, recogniseProvider} from '../source/engine/providers.js';

test('every provider id of the CLI contract is in the catalog, once', () => {
	assert.deepEqual(PROVIDERS.map(provider => provider.id), [...PROVIDER_IDS]);
	assert.deepEqual([...PROVIDER_IDS].sort(), ['brevo', 'custom', 'fastmail', 'file', 'gmail', 'local', 'mailgun', 'mailjet', 'office365', 'postmark', 'resend', 'sendgrid', 'ses', 'smtp2go', 'zoho']);
});

test('hosts come from nodemailer\'s well-known list, not retyped', () => {
	const byNodemailerName: Record<string, string> = {mailgun: 'Mailgun', sendgrid: 'SendGrid', gmail: 'Gmail', postmark: 'Postmark', brevo: 'Brevo', mailjet: 'Mailjet', smtp2go: 'SMTP2GO', office365: 'Outlook365', zoho: 'Zoho', fastmail: 'FastMail', resend: 'Resend'};
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
