// What is said about "the local mail server" before any mail is sent, and
// how refusals and the MTA's log lines are read: rules checked on their own,
// then against Debian's Exim and Postfix on loopback, and through the
// program's --non-interactive face.
import assert from 'node:assert/strict';
import {mkdir, mkdtemp, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {describe, test} from 'node:test';
import {classifyEnvelopeReply, type ClassifyContext} from '../source/smtp/classify.js';
import {diagnose} from '../source/smtp/diagnoses.js';
import {eximConfigtype, iniValue, postfixRemovalNote, surveyLocalServer} from '../source/engine/local-server.js';
import {eximFate, postfixFate, postqueueEntry, queueIdFromReply} from '../source/smtp/local-mta/follow.js';
import {isThisMachine} from '../source/smtp/local-mta/local-host.js';
import {fakeServer, runCli} from './helpers/cli.js';
import {eximMissing, postfixMissing, startExim, startPostfix} from './helpers/mta.js';
import {pyRawConfigRead} from './helpers/python.js';
import {unusedPort} from './helpers/smtp-servers.js';

const context: ClassifyContext = {port: 25, security: 'none', user: '', password: null, authenticated: false, offeredStarttls: false, timeoutMs: 15_000};
const sender = 'noreply-abcdefghijklmnopqrstuvwx@zes.test';

describe('envelope refusals read by their reply, not only their step', () => {
	test('relay refusals: relay-denied without AUTH on offer, a login only where the server offers one', () => {
		for (const reply of ['550 relay not permitted', '554 5.7.1 <ops@example.com>: Relay access denied', '550 5.7.1 Unable to relay']) {
			assert.equal(classifyEnvelopeReply(reply, 'rcpt', {...context, offersAuth: false}, false), 'relay-denied', reply);
			assert.equal(classifyEnvelopeReply(reply, 'rcpt', {...context, offersAuth: true}, false), 'auth-required', reply);
		}
	});

	test('a sender refused at RCPT TO is the sender\'s refusal: Postfix, Exim, Microsoft, and 5.7.1 naming the sender', () => {
		const authenticated = {...context, authenticated: true, sender};
		for (const reply of [
			`553 5.7.1 <${sender}>: Sender address rejected: not owned by user zulip@zes.test`,
			'550 Sender verify failed',
			`550 5.7.1 ${sender} is not permitted to send as this address`,
			'550 5.7.60 SMTP; Client does not have permissions to send as this sender',
			`554 5.7.1 <${sender}>: access denied`,
			'553 5.1.8 Domain of sender address does not exist',
		]) assert.equal(classifyEnvelopeReply(reply, 'rcpt', authenticated, true), 'sender-rejected', reply);
		// 5.7.1 that names the recipient stays the recipient's.
		assert.equal(classifyEnvelopeReply('554 5.7.1 <ops@example.com>: Recipient address rejected: Access denied', 'rcpt', authenticated, true), 'recipient-rejected');
		assert.equal(classifyEnvelopeReply('550 5.1.1 No such user', 'rcpt', authenticated, true), 'recipient-rejected');
		// Not logged in, Postfix says so in a sender refusal: a login is what is missing.
		assert.equal(classifyEnvelopeReply(`553 5.7.1 <${sender}>: Sender address rejected: not logged in`, 'rcpt', {...context, sender}, true), 'auth-required');
	});

	test('the tokenized sender refused at RCPT gets the tokens fix, not "check --to"', () => {
		const {fix} = diagnose('sender-rejected', {host: 'smtp.zes.test', port: 587, security: 'starttls', user: 'u', timeoutMs: 15_000, sender: {role: 'noreply-tokenized', address: sender}});
		assert.match(fix, /ADD_TOKENS_TO_NOREPLY_ADDRESS = False/);
		assert.doesNotMatch(fix, /address given with --to|--to ADDRESS/);
	});
});

describe('the MTA\'s own words', () => {
	test('queue ids from the 250 replies of Exim and Postfix', () => {
		assert.equal(queueIdFromReply('250 OK id=1xaioQ-0004Hs-0T'), '1xaioQ-0004Hs-0T');
		assert.equal(queueIdFromReply('250 2.0.0 Ok: queued as 1061220E263'), '1061220E263');
		assert.equal(queueIdFromReply('250 OK: message queued'), undefined);
	});

	test('Exim mainlog lines: bounced, relayed, deferred, frozen, undecided', () => {
		const id = '1xaioQ-0004Hs-0T';
		assert.deepEqual(eximFate([`2026-12-08 00:12:06 ${id} <= a@zes.test H=([127.0.0.1]) [127.0.0.1] P=esmtp S=274 id=x@zes.test`], id), undefined);
		assert.equal(eximFate([`2026-12-08 00:12:06 ${id} ** ops@example.com R=nonlocal: Mailing to remote domains not supported`, `2026-12-08 00:12:06 ${id} Completed`], id)?.fate, 'bounced');
		assert.equal(eximFate([`2026-12-08 00:12:06 ${id} => ops@example.com R=smarthost T=remote_smtp_smarthost H=127.0.0.2 [127.0.0.2]:2525 C="250 OK"`, `2026-12-08 00:12:06 ${id} Completed`], id)?.fate, 'relayed');
		assert.equal(eximFate([`2026-12-08 00:12:06 ${id} => root <root@zes.test> R=local_user T=mail_spool`, `2026-12-08 00:12:06 ${id} Completed`], id)?.fate, 'delivered');
		const deferred = eximFate([`2026-12-08 00:12:06 ${id} == ops@example.com R=smarthost T=remote_smtp_smarthost defer (111): Connection refused`], id);
		assert.deepEqual(deferred, {fate: 'deferred', reason: 'ops@example.com R=smarthost T=remote_smtp_smarthost defer (111): Connection refused'});
		// Control characters in a log line never reach the terminal as such.
		assert.match(eximFate([`x ${id} ** a@b R=x: evil\u001B[2J`], id)?.reason ?? '', /\\x1b\[2J/);
	});

	test('Postfix log lines and postqueue -j', () => {
		const id = '1061220E263';
		const at = (text: string) => `Dec 08 00:20:32 zes postfix/smtp[6842]: ${id}: ${text}`;
		assert.equal(postfixFate([at('to=<ops@example.com>, relay=none, delay=0.11, dsn=4.4.1, status=deferred (connect to 127.0.0.1[127.0.0.1]:2: Connection refused)')], id)?.fate, 'deferred');
		assert.equal(postfixFate([at('to=<ops@example.com>, relay=mx.example.com[192.0.2.1]:25, dsn=2.0.0, status=sent (250 ok)'), `Dec 08 00:20:32 zes postfix/qmgr[1]: ${id}: removed`], id)?.fate, 'relayed');
		assert.equal(postfixFate([at('to=<ops@example.com>, relay=none, dsn=2.0.0, status=sent (discarded)'), `Dec 08 00:20:32 zes postfix/qmgr[1]: ${id}: removed`], id)?.fate, 'delivered');
		assert.equal(postfixFate([at('to=<ops@example.com>, relay=none, dsn=5.4.4, status=bounced (Host or domain name not found)')], id)?.fate, 'bounced');
		assert.deepEqual(postqueueEntry(`{"queue_name": "deferred", "queue_id": "${id}", "recipients": [{"address": "ops@example.com", "delay_reason": "connect to x: Connection refused"}]}\n`, id), {queue: 'deferred', reason: 'connect to x: Connection refused'});
	});

	test('this machine: localhost, 127.0.0.0/8, ::1; not a provider', () => {
		for (const host of ['localhost', '127.0.0.1', '127.1.2.3', '::1', '[::1]']) assert.equal(isThisMachine(host), true, host);
		for (const host of ['smtp.mailgun.org', '192.0.2.1', '2001:db8::1']) assert.equal(isThisMachine(host), false, host);
	});
});

describe('Zulip 11 removes postfix where the incoming email gateway is used ([postfix] uninstall, 11.5+)', () => {
	const gateway = '[machine]\npuppet_classes = zulip::profile::standalone, zulip::postfix_localmail\ndeploy_type = production\n';
	const v = (text: string) => {
		const [major, minor] = text.split('.').map(Number);
		return {text, major: major!, minor: minor!};
	};

	test('read as Python\'s RawConfigParser reads zulip.conf', async () => {
		const text = `${gateway}\n[postfix]\nUninstall = false\n`;
		assert.equal(iniValue(text, 'postfix', 'uninstall'), await pyRawConfigRead(text, 'postfix', 'uninstall'));
		assert.equal(iniValue(text, 'machine', 'puppet_classes'), await pyRawConfigRead(text, 'machine', 'puppet_classes'));
	});

	test('what is said, by version and setting', () => {
		assert.equal(postfixRemovalNote('[machine]\npuppet_classes = zulip::profile::standalone\n', v('11.5')), undefined, 'no gateway: postfix is not removed');
		assert.equal(postfixRemovalNote(undefined, v('11.5')), undefined);
		assert.match(postfixRemovalNote(gateway, v('11.5'))!, /\[postfix\]` `uninstall = false` in \/etc\/zulip\/zulip\.conf before the next upgrade/);
		assert.equal(postfixRemovalNote(`${gateway}[postfix]\nuninstall = false\n`, v('12.0')), undefined, 'kept: nothing to say');
		assert.match(postfixRemovalNote(gateway, v('11.2'))!, /Zulip 11\.2 removes the postfix package at every upgrade and has no setting to keep it: upgrade to Zulip 11\.5/);
		assert.match(postfixRemovalNote(gateway, v('10.4'))!, /upgrading to Zulip 11\.0 or later removes the postfix package/);
	});

	test('the fix that says `apt install postfix` says it too', () => {
		const note = postfixRemovalNote(gateway, v('11.5'))!;
		const {fix} = diagnose('connection-refused', {host: 'localhost', port: 25, security: 'none', user: '', timeoutMs: 15_000, localServerNote: note});
		assert.match(fix, /apt install postfix/);
		assert.ok(fix.includes(note));
		const stuck = diagnose('mail-stuck', {host: 'localhost', port: 25, security: 'none', user: '', timeoutMs: 15_000, localServerNote: note, mta: {kind: 'postfix', fate: 'deferred', mail: 'x'}}).fix;
		assert.ok(stuck.includes(note));
	});
});

const eximSkip = await eximMissing();
const postfixSkip = postfixMissing();

describe('before the test: which MTA answers, and how it is set up', () => {
	test('nothing on the port: said so, with the install', async () => {
		const survey = await surveyLocalServer({host: '127.0.0.1', port: await unusedPort(), eximConf: '/nonexistent', zulipConf: '/nonexistent'});
		assert.equal(survey.banner, undefined);
		assert.match(survey.notes[0]!, /^Nothing answers on 127\.0\.0\.1:\d+: no mail server runs on this machine/);
	});

	test('Debian\'s Exim in "local delivery only": named from its greeting and update-exim4.conf.conf', {skip: eximSkip ? `skipped: ${eximSkip}` : false}, async () => {
		const exim = await startExim({configtype: 'local'});
		const dir = await mkdtemp(join(tmpdir(), 'zes-survey-'));
		try {
			const eximConf = join(dir, 'update-exim4.conf.conf');
			await writeFile(eximConf, "dc_eximconfig_configtype='local'\ndc_other_hostnames='zes.test'\n");
			assert.equal(eximConfigtype("dc_eximconfig_configtype='internet'\n"), 'internet');
			const survey = await surveyLocalServer({host: exim.host, port: exim.port, eximConf, zulipConf: join(dir, 'zulip.conf')});
			assert.equal(survey.mta, 'exim');
			assert.match(survey.banner ?? '', /^220 .*ESMTP Exim 4\.96/);
			assert.equal(survey.eximConfigtype, 'local');
			assert.ok(survey.notes.some(note => note.includes('"local delivery only"') && note.includes(eximConf) && note.includes('dpkg-reconfigure exim4-config')), survey.notes.join('\n'));
		} finally {
			await exim.stop();
			await rm(dir, {recursive: true, force: true});
		}
	});

	test('Debian\'s Postfix answered "Local only": named, with the answer to change', {skip: postfixSkip ? `skipped: ${postfixSkip}` : false}, async () => {
		const postfix = await startPostfix({main: {default_transport: 'error', relay_transport: 'error'}});
		try {
			const survey = await surveyLocalServer({host: postfix.host, port: postfix.port, env: postfix.env, eximConf: '/nonexistent', zulipConf: '/nonexistent'});
			assert.equal(survey.mta, 'postfix');
			assert.ok(survey.notes.some(note => /Postfix is set to "Local only"/.test(note)), survey.notes.join('\n'));
			assert.ok(survey.notes[0]!.includes('installed: postfix '), survey.notes[0]);
		} finally {
			await postfix.stop();
		}
	});

	test('--non-interactive --check against Debian\'s Exim: the notes before the test, each mail\'s fate after it, exit 1', {skip: eximSkip ? `skipped: ${eximSkip}` : false}, async () => {
		const exim = await startExim({configtype: 'local'});
		const server = await fakeServer();
		try {
			// A Zulip 11.5 that uses the incoming email gateway (zulip.conf beside settings.py, version.py in its deployment), with Exim as its MTA.
			await writeFile(join(server.dir, 'zulip.conf'), '[machine]\npuppet_classes = zulip::profile::standalone, zulip::postfix_localmail\n');
			const deployment = join(server.dir, 'deployment');
			await mkdir(deployment);
			await writeFile(join(deployment, 'version.py'), 'ZULIP_VERSION = "11.5"\n');
			const setup = await runCli([...server.args, '--deployment', deployment, '--non-interactive', '--skip-test', '--provider', 'local', '--host', '127.0.0.1', '--port', String(exim.port)]);
			assert.equal(setup.code, 0, setup.stdout + setup.stderr);
			const check = await runCli([...server.args, '--deployment', deployment, '--non-interactive', '--check', '--to', 'ops@example.com'], {env: exim.env});
			assert.equal(check.code, 1, check.stdout + check.stderr);
			const out = check.stdout;
			const note = out.indexOf(`Note: 127.0.0.1:${exim.port} answers: 220 `);
			assert.ok(note !== -1, out);
			// Exim answers: that Zulip's upgrades remove the postfix package is no news for it.
			assert.doesNotMatch(out, /removes? the postfix package/);
			assert.ok(out.indexOf('✔ connect') > note, 'the note comes before the test');
			assert.match(out, /After the hand-over, Exim on this machine/);
			assert.match(out, /✖ "Zulip email test" from .*: bounced \(/);
			assert.match(out, /Mailing to remote domains not supported/);
			assert.match(out, /\[mail-stuck\]/);
			assert.match(out, /dpkg-reconfigure exim4-config/);
			assert.doesNotMatch(out, /Live test passed/);
		} finally {
			await exim.stop();
			await rm(server.dir, {recursive: true, force: true});
		}
	});
});
