import assert from 'node:assert/strict';
import {execFile} from 'node:child_process';
import {randomBytes} from 'node:crypto';
import {mkdtemp, readdir, readFile, rm, stat, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, describe, test} from 'node:test';
import {promisify} from 'node:util';
import {classifyAuthReply, classifyEnvelopeReply, classifySetupFailure, type ClassifyContext} from '../source/smtp/classify.js';
import {plainText} from '../source/engine/command-text.js';
import {DIAGNOSES, diagnose, wizardWords} from '../source/smtp/diagnoses.js';
import {buildTestMessage, testMessageBody} from '../source/smtp/message.js';
import {base32Lower, isTokenized, noreplyToken, tokenizedAddress} from '../source/smtp/noreply.js';
import {defaultCandidates} from '../source/smtp/probe.js';
import {SessionFailure} from '../source/smtp/session.js';
import {Redactor, TRANSCRIPT_HEADER, Transcript} from '../source/smtp/transcript.js';
import type {DiagnosisId} from '../source/smtp/types.js';

const run = promisify(execFile);

/** Run a Python snippet that prints JSON; python3 is the judge of what Zulip computes. */
async function python<T>(code: string, input: unknown): Promise<T> {
	const child = run('python3', ['-c', code], {encoding: 'utf8'});
	child.child.stdin!.end(JSON.stringify(input));
	return JSON.parse((await child).stdout) as T;
}

const directories: string[] = [];
after(async () => {
	await Promise.all(directories.map(directory => rm(directory, {recursive: true, force: true})));
});

describe('noreply tokens', () => {
	test('base32 matches Python\'s b32encode(...).lower(), and tokens are 24 chars of [a-z2-7]', async () => {
		const samples = Array.from({length: 20}, () => randomBytes(15));
		const expected = await python<string[]>('import sys, json, base64; print(json.dumps([base64.b32encode(bytes.fromhex(h)).decode().lower() for h in json.load(sys.stdin)]))', samples.map(bytes => bytes.toString('hex')));
		assert.deepEqual(samples.map(bytes => base32Lower(bytes)), expected);
		const tokens = new Set(Array.from({length: 50}, () => noreplyToken()));
		assert.equal(tokens.size, 50);
		for (const token of tokens) assert.match(token, /^[a-z2-7]{24}$/);
	});

	test('tokenizedAddress fills {token} the way parseaddr(...)[1].format(token=...) does', async () => {
		const templates = ['noreply-{token}@zulip.example.com', 'Zulip <noreply-{token}@zulip.example.com>', '{{ops}}-{token}@example.org', '"Team, Zulip" <bounce+{token}@mail.example.net>'];
		const token = noreplyToken();
		const expected = await python<string[]>('import sys, json; from email.utils import parseaddr; d = json.load(sys.stdin); print(json.dumps([parseaddr(t)[1].format(token=d["token"]) for t in d["templates"]]))', {templates, token});
		assert.deepEqual(templates.map(template => tokenizedAddress(template, token)), expected);
		assert.match(tokenizedAddress('noreply-{token}@example.com'), /^noreply-[a-z2-7]{24}@example\.com$/);
	});

	test('isTokenized tells a tokenized address from a long plain one', () => {
		assert.ok(isTokenized(`noreply-${noreplyToken()}@example.com`));
		assert.ok(!isTokenized('noreply@example.com'));
		assert.ok(!isTokenized('administrationsupportteamx@example.com'));
	});
});

describe('secrets stay out of transcripts', () => {
	const password = 'correct horse battery staple';

	test('the Redactor removes the literal and every base64 alignment of it', () => {
		const redactor = new Redactor(password);
		const plain = Buffer.from(`\0alice\0${password}`).toString('base64');
		const login = Buffer.from(password).toString('base64');
		for (const prefix of ['', 'a', 'ab', 'abc']) {
			const embedded = Buffer.from(`${prefix}${password}xyz`).toString('base64');
			assert.ok(!redactor.redact(embedded).includes(Buffer.from(password).toString('base64').slice(4, -4)), prefix);
		}

		const text = redactor.redact(`pass=${password} plain=${plain} login=${login}`);
		assert.ok(!text.includes(password));
		assert.ok(!text.includes(login.slice(0, -2)));
		assert.ok(!text.includes(plain.slice(12, -4)));
	});

	test('the Transcript masks every AUTH payload and writes mode 0600', async () => {
		const directory = await mkdtemp(join(tmpdir(), 'transcript-test-'));
		directories.push(directory);
		const file = join(directory, 'transcript.log');
		// An earlier transcript, left wider than it should be: replaced, and 0600.
		await writeFile(file, `${TRANSCRIPT_HEADER}\nold\n`, {mode: 0o644});
		const transcript = new Transcript(new Redactor(password));
		transcript.client('EHLO example.com');
		transcript.server('250-mx\n250 AUTH PLAIN LOGIN');
		transcript.client(`AUTH PLAIN ${Buffer.from(`\0alice\0${password}`).toString('base64')}`);
		transcript.server('535 5.7.8 nope');
		transcript.client('AUTH LOGIN');
		transcript.server('334 VXNlcm5hbWU6');
		transcript.client(Buffer.from('alice').toString('base64'));
		transcript.server('334 UGFzc3dvcmQ6');
		transcript.client(Buffer.from(password).toString('base64'));
		transcript.server('235 ok');
		transcript.client('MAIL FROM:<a@example.com>');
		await transcript.write(file);
		const text = await readFile(file, 'utf8');
		assert.equal((await stat(file)).mode & 0o777, 0o600);
		assert.match(text, /C: AUTH PLAIN \*{4}\n/);
		assert.match(text, /C: AUTH LOGIN\n/);
		assert.equal(text.match(/C: \*{4}$/gm)?.length, 2);
		assert.match(text, /C: MAIL FROM:<a@example\.com>/);
		assert.ok(!text.includes(password) && !text.includes(Buffer.from(password).toString('base64')));
	});
});

describe('the diagnosis table', () => {
	test('every id has a meaning and a fix that names a setting, a flag or a command', () => {
		const context = {host: 'smtp.example.com', port: 587, security: 'starttls' as const, user: 'alice', timeoutMs: 10_000, sender: {role: 'noreply-tokenized' as const, address: `noreply-${noreplyToken()}@example.com`}};
		for (const id of Object.keys(DIAGNOSES) as DiagnosisId[]) {
			const entry = DIAGNOSES[id];
			assert.ok(entry.meaning.length > 10, id);
			const built = diagnose(id, context);
			for (const fix of [entry.fix, built.fix]) {
				assert.match(fix, /--[a-z]|[A-Z_]{6,}|install -d|zulip-email-setup|email_password/, `${id}: ${fix}`);
			}

			assert.ok(built.message.length > 10, id);
		}
	});

	test('needs-ssl reads as the issue words it', () => {
		assert.equal(plainText(diagnose('needs-ssl', {host: 'h', port: 465, security: 'starttls', user: '', timeoutMs: 1000}).fix), 'Port 465 speaks TLS from the first byte. Set EMAIL_USE_SSL = True and EMAIL_USE_TLS = False (--security ssl).');
	});

	test('a refused tokenized noreply address gets --no-tokens with its security caveat', () => {
		const fix = plainText(diagnose('sender-rejected', {host: 'h', port: 587, security: 'starttls', user: 'u', timeoutMs: 1000, sender: {role: 'noreply-tokenized', address: `noreply-${noreplyToken()}@zulip.example.com`}}).fix);
		assert.match(fix, /ADD_TOKENS_TO_NOREPLY_ADDRESS = False \(--no-tokens\)/);
		assert.match(fix, /sign up/);
		assert.match(fix, /zulip\.example\.com/);
		const plain = plainText(diagnose('sender-rejected', {host: 'h', port: 587, security: 'starttls', user: 'u', timeoutMs: 1000, sender: {role: 'noreply-plain', address: 'noreply@zulip.example.com'}}).fix);
		assert.match(plain, /NOREPLY_EMAIL_ADDRESS \(--noreply ADDRESS\)/);
		const admin = diagnose('sender-rejected', {host: 'h', port: 587, security: 'starttls', user: 'u', timeoutMs: 1000, sender: {role: 'default', address: 'admin@example.com'}}).fix;
		assert.match(admin, /ZULIP_ADMINISTRATOR/);
	});
});

describe('reply classification', () => {
	const context: ClassifyContext = {port: 587, security: 'starttls', user: '', password: null, authenticated: false, offeredStarttls: true, timeoutMs: 1000};

	test('AUTH replies', () => {
		assert.equal(classifyAuthReply('534-5.7.9 Application-specific password required. Learn more at\n534 5.7.9  https://support.google.com/mail/?p=InvalidSecondFactor', true), 'app-password-required');
		assert.equal(classifyAuthReply('535-5.7.8 Username and Password not accepted.', true), 'auth-failed');
		assert.equal(classifyAuthReply('454 4.7.0 Temporary authentication failure', true), 'temporary-failure');
		assert.equal(classifyAuthReply('538 5.7.11 Encryption required for requested authentication mechanism', false), 'tls-required');
		assert.equal(classifyAuthReply('504 5.5.4 Unrecognized authentication type', true), 'auth-unsupported');
	});

	test('no greeting on port 465 in plain or STARTTLS mode: needs-ssl even before any probe', () => {
		const failure = new SessionFailure('greeting', 'greeting', 'timeout');
		assert.deepEqual(classifySetupFailure(failure, {...context, port: 465}).id, 'needs-ssl');
		assert.deepEqual(classifySetupFailure(failure, {...context, port: 2525}).id, 'timeout');
		const tlsBytes = new SessionFailure('greeting', 'greeting', 'error', {received: '\u0015\u0003\u0001\u0000\u0002\u0002\u0046'});
		assert.equal(classifySetupFailure(tlsBytes, {...context, port: 2525}).id, 'needs-ssl');
	});

	test('envelope replies, with who should have logged in', () => {
		assert.equal(classifyEnvelopeReply('530 5.7.0 Authentication required', 'mail', context, true), 'auth-required');
		assert.equal(classifyEnvelopeReply('530 5.7.0 Authentication required', 'mail', {...context, user: 'alice'}, true), 'user-without-password');
		assert.equal(classifyEnvelopeReply('554 5.7.1 <x@y>: Relay access denied', 'rcpt', {...context, password: 'pw'}, true), 'password-without-user');
		assert.equal(classifyEnvelopeReply('530 5.7.0 Must issue a STARTTLS command first', 'mail', context, false), 'tls-required');
		assert.equal(classifyEnvelopeReply('553 5.7.1 Sender address rejected: not owned by user', 'mail', {...context, authenticated: true}, true), 'sender-rejected');
		assert.equal(classifyEnvelopeReply('450 4.1.8 Sender address rejected: Domain not found', 'mail', {...context, authenticated: true}, true), 'temporary-failure');
		assert.equal(classifyEnvelopeReply('550 5.1.1 No such user', 'rcpt', {...context, authenticated: true}, true), 'recipient-rejected');
		assert.equal(classifyEnvelopeReply('554 5.7.1 Message rejected as spam', 'data', {...context, authenticated: true}, true), 'message-rejected');
	});
});

describe('the test message', () => {
	test('is what Django\'s send_mail builds: Python parses the same headers and body', async () => {
		const message = buildTestMessage({from: 'admin@example.com', to: 'user@example.org', subject: 'Zulip noreply email test', domain: 'zulip.example.com', lineEnding: '\r\n', date: new Date(Date.UTC(2024, 0, 2, 3, 4, 5))});
		const parsed = await python<Record<string, string>>('import sys, json, email; m = email.message_from_string(json.load(sys.stdin)); print(json.dumps({k: str(v) for k, v in m.items()} | {"body": m.get_payload(), "charset": m.get_content_charset(), "type": m.get_content_type()}))', message);
		assert.equal(parsed['Subject'], 'Zulip noreply email test');
		assert.equal(parsed['From'], 'admin@example.com');
		assert.equal(parsed['To'], 'user@example.org');
		assert.equal(parsed['Date'], 'Tue, 02 Jan 2024 03:04:05 -0000');
		assert.match(parsed['Message-ID']!, /^<\d+\.\d+\.\d+@zulip\.example\.com>$/);
		assert.equal(parsed['type'], 'text/plain');
		assert.equal(parsed['charset'], 'utf-8');
		assert.equal(parsed['body'], testMessageBody);
	});
});

describe('probing and certificate checks', () => {
	test('probe candidates: 587 STARTTLS first, and never plain text with a password', () => {
		assert.deepEqual(defaultCandidates(true).map(combo => `${combo.port}/${combo.security}`), ['587/starttls', '465/ssl', '2525/starttls', '25/starttls']);
		assert.deepEqual(defaultCandidates(false).at(-1), {port: 25, security: 'none'});
	});

	test('nothing in source/ turns certificate verification off', async () => {
		const root = new URL('../source/', import.meta.url);
		const files = (await readdir(root, {recursive: true})).filter(file => /\.tsx?$/.test(file));
		assert.ok(files.length > 5);
		for (const file of files) assert.doesNotMatch(await readFile(new URL(file, root), 'utf8'), /rejectUnauthorized:\s*false/, file);
	});
});

test('connection refused on the local MTA\'s port points at installing an MTA, elsewhere at the port', () => {
	const base = {port: 25, security: 'none' as const, user: '', timeoutMs: 1000};
	assert.match(diagnose('connection-refused', {...base, host: 'localhost'}).fix, /postfix/i);
	assert.match(diagnose('connection-refused', {...base, host: '127.0.0.1'}).fix, /postfix/i);
	const relay = diagnose('connection-refused', {...base, host: 'smtp.example.com', port: 587, security: 'starttls'}).fix;
	assert.doesNotMatch(relay, /postfix/i);
	// The port that failed is not advised back: the others are.
	assert.match(relay, /port 587 there/);
	assert.doesNotMatch(relay, /--port 587/);
	assert.match(relay, /--port 465 --security ssl/);
	assert.match(relay, /--port 2525 --security starttls/);
	const on465 = diagnose('connection-timeout', {...base, host: 'smtp.example.com', port: 465, security: 'ssl'}).fix;
	assert.doesNotMatch(on465, /--port 465/);
	assert.match(on465, /--port 587 --security starttls/);
});

test('a refused login gets advice for that provider only, and names the files in use: the user\'s settings.py, the password\'s secrets file', () => {
	const base = {port: 587, security: 'starttls' as const, user: 'someone', timeoutMs: 1000, secretsPath: '/srv/zulip/secrets.conf', settingsPath: '/srv/zulip/settings.py'};
	const mailgun = diagnose('auth-failed', {...base, host: 'smtp.mailgun.org'}).fix;
	assert.match(mailgun, /EMAIL_HOST_USER \(--username\) in \/srv\/zulip\/settings\.py and email_password in \/srv\/zulip\/secrets\.conf/);
	assert.doesNotMatch(mailgun, /\/etc\/zulip/);
	assert.match(mailgun, /Mailgun:/);
	assert.doesNotMatch(mailgun, /SES|Gmail|SendGrid|apikey/);
	const ses = diagnose('auth-failed', {...base, host: 'email-smtp.eu-south-1.amazonaws.com'}).fix;
	assert.match(ses, /Amazon SES.*AKIA/);
	assert.doesNotMatch(ses, /Gmail|SendGrid/);
	assert.match(diagnose('auth-failed', {...base, host: 'smtp.sendgrid.net'}).fix, /always apikey/);
	const own = diagnose('auth-failed', {...base, host: 'mail.example.com'}).fix;
	assert.doesNotMatch(own, /Mailgun|SES|Gmail|SendGrid/, 'a server of one\'s own gets no provider lore');
	assert.match(diagnose('user-without-password', {...base, host: 'mail.example.com', passwordMissing: true}).message, /missing from \/srv\/zulip\/secrets\.conf/);
});

test('in the wizard a fix reads without command-line flags', () => {
	const base = {port: 587, security: 'starttls' as const, user: 'someone', timeoutMs: 1000};
	const tokenized = {role: 'noreply-tokenized' as const, address: 'noreply-abcdefghijklmnopqrstuvwx@example.org'};
	const contexts = [{sender: tokenized}, {sender: tokenized, acceptedNoreply: 'noreply@mg.example.org'}, {sender: tokenized, acceptedNoreply: 'noreply@example.org'}, {sender: {role: 'noreply-plain' as const, address: 'noreply@example.org'}}];
	for (const id of Object.keys(DIAGNOSES) as Array<keyof typeof DIAGNOSES>) {
		for (const context of contexts) {
			const words = wizardWords(diagnose(id, {...base, host: 'smtp.mailgun.org', ...context, recipientGiven: true}).fix);
			assert.doesNotMatch(words, /--[a-z]/, `${id}: ${words}`);
			assert.doesNotMatch(words, /\(\s*\)|\s[.,;]/, `${id} leaves no empty parentheses or stray space: ${words}`);
		}
	}
});
