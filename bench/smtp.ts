// The live test's cost on loopback, against the floor: a bare nodemailer
// script doing the same SMTP work over the same number of connections. And
// how long a filtered port takes to diagnose, probes included.
import {performance} from 'node:perf_hooks';
import SMTPConnection from 'nodemailer/lib/smtp-connection';
import {runSmtpTest} from '../source/smtp/live-test.js';
import {buildTestMessage, testSubject} from '../source/smtp/message.js';
import {noreplyToken} from '../source/smtp/noreply.js';
import type {Sender} from '../source/smtp/types.js';
import {LOOPBACK, startFilteredPort, startSmtpServer, unusedPort} from '../test/helpers/smtp-servers.js';
import {createTestPki} from '../test/helpers/tls.js';
import {median} from './stats.js';

const iterations = 30;
const user = 'bench@relay.example.com';
const password = 'bench-password-1';
const to = 'me@example.org';
const senders: Sender[] = [{role: 'default', address: 'admin@zulip.example.com'}, {role: 'noreply-tokenized', address: `noreply-${noreplyToken()}@zulip.example.com`}];


const round = (value: number) => Math.round(value * 10) / 10;

/** nodemailer has no bare-command call; the same two internals the live test uses. */
interface CommandInternals {
	_sendCommand(line: string): void;
	_responseActions: Array<(reply: string) => void>;
}

/** The same work as the live test's happy path, with nothing around it: 1 check connection + 1 per mail. */
async function bareNodemailer(port: number, ca: string): Promise<void> {
	const open = async () => {
		const connection = new SMTPConnection({host: LOOPBACK, port, secure: false, requireTLS: true, tls: {ca}, name: 'localhost'});
		await new Promise<void>((resolve, reject) => {
			connection.once('error', reject);
			connection.connect(error => (error ? reject(error) : resolve()));
		});
		await new Promise<void>((resolve, reject) => connection.login({user, pass: password, method: 'CRAM-MD5'}, error => (error ? reject(error) : resolve())));
		return connection;
	};

	const quit = (connection: SMTPConnection) => new Promise<void>(resolve => {
		connection.once('end', () => resolve());
		connection.quit();
	});

	const check = await open();
	const command = (line: string) => new Promise<string>(resolve => {
		const internals = check as unknown as CommandInternals;
		internals._responseActions.push(resolve);
		internals._sendCommand(line);
	});
	for (const sender of senders) {
		await command(`MAIL FROM:<${sender.address}>`);
		await command(`RCPT TO:<${to}>`);
		await command('RSET');
	}

	await quit(check);
	for (const sender of senders) {
		const connection = await open();
		const message = buildTestMessage({from: sender.address, to, subject: testSubject(sender), domain: 'localhost', lineEnding: '\r\n'});
		await new Promise<void>((resolve, reject) => connection.send({from: sender.address, to: [to]}, message, error => (error ? reject(error) : resolve())));
		await quit(connection);
	}
}

export default async function benchSmtp(): Promise<Record<string, unknown>> {
	const pki = await createTestPki();
	// smtp-server's fixed 100 ms greeting pause would swamp what is measured here.
	const server = await startSmtpServer({tls: 'starttls', pki, users: {[user]: password}, greetingDelay: false});
	const ours = async () => {
		const report = await runSmtpTest({settings: {host: LOOPBACK, port: server.port, security: 'starttls', user, password}, senders, to, caFile: pki.caFile, ehloName: 'localhost'});
		if (!report.ok) throw new Error(`bench happy path failed: ${JSON.stringify(report)}`);
	};

	const bare = () => bareNodemailer(server.port, pki.caPem);
	const time = async (run: () => Promise<void>) => {
		const started = performance.now();
		await run();
		return performance.now() - started;
	};

	for (let warmup = 0; warmup < 3; warmup++) {
		await ours();
		await bare();
	}

	const oursTimes: number[] = [];
	const bareTimes: number[] = [];
	// Interleaved, so drift in the machine's load hits both alike.
	for (let index = 0; index < iterations; index++) {
		oursTimes.push(await time(ours));
		bareTimes.push(await time(bare));
	}

	const oursMs = median(oursTimes);
	const bareMs = median(bareTimes);
	const ratio = oursMs / bareMs;
	console.log(`smtp happy path: ours ${round(oursMs)} ms, bare nodemailer ${round(bareMs)} ms, ratio ${ratio.toFixed(2)}x (median of ${iterations}, target <= 1.2x)`);

	// A filtered port, probed in parallel: another filtered port, a closed one, and one that works.
	const timeoutMs = 2000;
	const [filtered, alsoFiltered] = await Promise.all([startFilteredPort(), startFilteredPort()]);
	const closed = await unusedPort();
	const filteredTimes: number[] = [];
	let diagnosis: string | undefined;
	let suggestion: number | undefined;
	for (let run = 0; run < 3; run++) {
		const started = performance.now();
		const report = await runSmtpTest({
			settings: {host: LOOPBACK, port: filtered.port, security: 'starttls', user, password},
			senders,
			caFile: pki.caFile,
			timeoutMs,
			ehloName: 'localhost',
			probeCandidates: [{port: alsoFiltered.port, security: 'starttls'}, {port: closed, security: 'starttls'}, {port: server.port, security: 'starttls'}],
		});
		filteredTimes.push(performance.now() - started);
		diagnosis = report.diagnosis?.id;
		suggestion = report.suggestion?.port;
	}

	const filteredMs = median(filteredTimes);
	console.log(`smtp filtered port: ${diagnosis} in ${Math.round(filteredMs)} ms, probes included (step deadline ${timeoutMs} ms; working port ${suggestion === server.port ? 'suggested' : 'NOT suggested'})`);

	await Promise.all([filtered.close(), alsoFiltered.close(), server.close()]);
	await pki.cleanup();
	return {
		happyPathOursMs: round(oursMs),
		happyPathBareMs: round(bareMs),
		happyPathRatio: Math.round(ratio * 100) / 100,
		filteredPortMs: Math.round(filteredMs),
		filteredPortTimeoutMs: timeoutMs,
		filteredPortDiagnosis: diagnosis,
		filteredPortSuggestionFound: suggestion === server.port,
	};
}
