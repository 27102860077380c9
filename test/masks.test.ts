// Masks that don't hint (issue 19 item 10): a mask replaces whole tokens
// only, only where the password can appear, and catches the password's known
// encodings. Real loopback SMTP servers: smtp-server for the dialogue, and a
// raw one that echoes the password back hex-encoded, upper-cased,
// URL-encoded, as the AUTH payload it got, and split over two reply lines.
import assert from 'node:assert/strict';
import type net from 'node:net';
import {describe, test} from 'node:test';
import {restartServer} from '../source/engine/restart.js';
import {Redactor, Transcript} from '../source/smtp/transcript.js';
import {runLiveTest, startRawServer, startSmtpServer} from './helpers/smtp-servers.js';

const SENDERS = [{role: 'default' as const, address: 'admin@example.org'}];

/** The password's forms that must never be shown. */
function forms(password: string): string[] {
	const hex = Buffer.from(password).toString('hex');
	return [password, password.toUpperCase(), password.toLowerCase(), hex, hex.toUpperCase(), encodeURIComponent(password), encodeURIComponent(password).toLowerCase(), Buffer.from(password).toString('base64')];
}

/** A server that offers `mechanism`, then answers the credentials with `reject(payloads)`: every client line after AUTH. */
function echoingServer(mechanism: 'PLAIN' | 'LOGIN', reject: (payloads: string[]) => string) {
	return startRawServer((socket: net.Socket) => {
		socket.setEncoding('utf8');
		socket.write('220 mx.test.invalid ESMTP\r\n');
		let pending = '';
		const payloads: string[] = [];
		let stage: 'command' | 'user' | 'password' = 'command';
		socket.on('data', (data: string) => {
			pending += data;
			let end: number;
			while ((end = pending.indexOf('\r\n')) >= 0) {
				const line = pending.slice(0, end);
				pending = pending.slice(end + 2);
				if (stage === 'user') {
					payloads.push(line);
					stage = 'password';
					socket.write('334 UGFzc3dvcmQ6\r\n');
				} else if (stage === 'password') {
					payloads.push(line);
					stage = 'command';
					socket.write(reject(payloads));
				} else if (/^EHLO/i.test(line)) socket.write(`250-mx.test.invalid\r\n250 AUTH ${mechanism}\r\n`);
				else if (/^AUTH PLAIN /i.test(line)) socket.write(reject([line.slice('AUTH PLAIN '.length)]));
				else if (/^AUTH LOGIN/i.test(line)) {
					stage = 'user';
					socket.write('334 VXNlcm5hbWU6\r\n');
				} else if (/^QUIT/i.test(line)) socket.end('221 bye\r\n');
				else socket.write('500 5.5.1 what\r\n');
			}
		});
	});
}

describe('masks replace whole tokens, only where the password can appear', () => {
	test('the password 250: the EHLO reply and the reply codes stay as the server sent them; the AUTH line is masked', async () => {
		const server = await startSmtpServer({tls: 'plain', allowInsecureAuth: true, users: {alice: 'something else'}, rejectAuth: () => '535 5.7.8 Authentication credentials invalid'});
		try {
			const run = await runLiveTest({settings: {host: server.host, port: server.port, security: 'none', user: 'alice', password: '250'}, senders: SENDERS, timeoutMs: 10_000, probe: false});
			assert.equal(run.report.diagnosis?.id, 'auth-failed');
			assert.doesNotMatch(run.everything, /\*{4}-AUTH|\*{4}-|S: \*{4}/, 'no mask where the server said 250');
			assert.match(run.transcript, /S: 250-PIPELINING\n[\s\S]*S: 250 AUTH PLAIN LOGIN CRAM-MD5\n/);
			assert.match(run.transcript, /C: AUTH (?:PLAIN|LOGIN) ?\*{0,4}\n/);
			assert.ok(!/C: AUTH PLAIN (?!\*{4}\n)\S/.test(run.transcript), 'the AUTH PLAIN payload is masked');
		} finally {
			await server.close();
		}
	});

	test('a relay that echoes the password hex-encoded, upper-cased, URL-encoded, as its AUTH PLAIN payload and split over two lines: all masked, the rest kept', async () => {
		const password = 'p@ss/w0rd+Zed?';
		const hex = Buffer.from(password).toString('hex');
		const server = await echoingServer('PLAIN', ([payload]) => [
			`535-5.7.8 hex ${hex}`,
			`535-5.7.8 HEX ${hex.toUpperCase()}`,
			`535-5.7.8 url ${encodeURIComponent(password)}`,
			`535-5.7.8 loud ${password.toUpperCase()}`,
			`535-5.7.8 payload ${payload}`,
			'535-5.7.8 split p@ss/w',
			'535 5.7.8 0rd+Zed? is wrong',
			'',
		].join('\r\n'));
		try {
			const run = await runLiveTest({settings: {host: server.host, port: server.port, security: 'none', user: 'alice', password}, senders: SENDERS, timeoutMs: 10_000, probe: false});
			assert.equal(run.report.diagnosis?.id, 'auth-failed');
			for (const form of [...forms(password), 'p@ss/w', '0rd+Zed?', Buffer.from(`\0alice\0${password}`).toString('base64')]) {
				assert.ok(!run.everything.includes(form), `${form} is shown`);
			}

			for (const kept of ['535-5.7.8 hex ****', '535-5.7.8 HEX ****', '535-5.7.8 url ****', '535-5.7.8 loud ****', '535-5.7.8 payload ****', '535-5.7.8 split ****', '535 5.7.8 **** is wrong']) {
				assert.ok(run.transcript.includes(`S: ${kept}`), `${kept} in\n${run.transcript}`);
			}

			assert.match(run.report.diagnosis?.detail ?? '', /\*{4} is wrong/);
		} finally {
			await server.close();
		}
	});

	test('AUTH LOGIN with a 3-character password: both continuations masked, the echoed base64 masked, the server\'s words kept', async () => {
		const password = 'Zq7';
		const server = await echoingServer('LOGIN', payloads => `535 5.7.8 got ${payloads[0]} and ${payloads[1]}\r\n`);
		try {
			const run = await runLiveTest({settings: {host: server.host, port: server.port, security: 'none', user: 'alice', password}, senders: SENDERS, timeoutMs: 10_000, probe: false});
			assert.equal(run.report.diagnosis?.id, 'auth-failed');
			assert.ok(!run.everything.includes(Buffer.from(password).toString('base64')));
			assert.ok(!run.everything.includes(password));
			assert.equal(run.transcript.match(/C: \*{4}$/gm)?.length, 2);
			// The user name's base64 is not the password: shown as sent.
			assert.match(run.transcript, new RegExp(`S: 535 5\\.7\\.8 got ${Buffer.from('alice').toString('base64')} and \\*{4}\\n`));
		} finally {
			await server.close();
		}
	});

	test('a word that merely contains the password, or before any AUTH, is not masked', () => {
		const redactor = new Redactor('queue');
		assert.equal(redactor.redactReply('250 2.0.0 Ok: queued as 4Xyz'), '250 2.0.0 Ok: queued as 4Xyz');
		assert.equal(redactor.redactReply('550 5.1.1 queue full, QUEUE said'), '550 5.1.1 **** full, **** said');
		const transcript = new Transcript(redactor);
		transcript.server('220 queue.example ESMTP');
		transcript.client('AUTH LOGIN');
		transcript.server('334 VXNlcm5hbWU6');
		transcript.client('YWxpY2U=');
		transcript.server('535 5.7.8 queue');
		const text = transcript.text();
		assert.match(text, /S: 220 queue\.example ESMTP/);
		assert.match(text, /S: 535 5\.7\.8 \*{4}/);
	});

	test('restart output: the password and its encodings masked as whole tokens, other words kept', async () => {
		const password = 'Hunter2-xyz';
		const hex = Buffer.from(password).toString('hex').toUpperCase();
		const lines: string[] = [];
		const result = await restartServer({command: `echo "EMAIL_HOST_PASSWORD=${password}"; echo "hex ${hex} Hunter2-xyzzy"; echo "Zulip restarted successfully!"`, password, onLine: line => lines.push(line)});
		assert.equal(result.ok, true);
		assert.deepEqual(lines, ['EMAIL_HOST_PASSWORD=****', 'hex **** Hunter2-xyzzy', 'Zulip restarted successfully!']);
	});
});
