/**
 * Real SMTP (and deliberately broken) servers on 127.0.0.1, port 0, for tests
 * of anything that talks SMTP. Every server has `port` and `close()`.
 *
 * - startSmtpServer(options): a real smtp-server. `tls: 'ssl'` (TLS from the
 *   first byte), `'starttls'` (plain, STARTTLS offered) or `'plain'` (no TLS
 *   at all). `users` turns AUTH on (PLAIN, LOGIN, CRAM-MD5) and makes it
 *   mandatory unless `authOptional`. Policy hooks return an SMTP error line
 *   such as '553 5.7.1 Sender address rejected: not owned by user' to refuse:
 *   `rejectSender`, `rejectRecipient`, `rejectData`, `rejectAuth`,
 *   `rejectConnection`; `delayMailFromMs` makes MAIL FROM slow;
 *   `greetingDelay: false` drops smtp-server's fixed 100 ms pause before the
 *   greeting, a number of ms replaces it. It records what it saw: `mailFrom`, `rcptTo`, `auths`,
 *   `starttlsUpgrades`, `messages`.
 * - startSilentServer(): accepts connections and never says anything (what a
 *   TLS-from-the-first-byte port looks like to a plain client).
 * - startRawServer(handler): your own bytes on each accepted socket (garbage,
 *   resets during the TLS handshake…).
 * - startFilteredPort(): a port whose connect() hangs, as behind a firewall
 *   that drops packets: a python3 listener that never accepts, its backlog
 *   filled. Loopback only.
 * - unusedPort(): a port nothing listens on (connection refused).
 * - withCapturedOutput(fn) / runLiveTest(options): run code (the live test)
 *   while collecting stdout/stderr, events, report and transcript, to assert
 *   on what the user sees, and that a password appears nowhere.
 */
import {spawn, type ChildProcess} from 'node:child_process';
import {mkdtemp, readFile, rm, stat} from 'node:fs/promises';
import net from 'node:net';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {SMTPServer, type SMTPServerOptions} from 'smtp-server';
import {SMTPConnection as ServerConnection} from 'smtp-server/lib/smtp-connection.js';
import {runSmtpTest} from '../../source/smtp/live-test.js';
import type {SmtpTestOptions, TestEvent, TestReport} from '../../source/smtp/types.js';
import type {TestPki} from './tls.js';

/**
 * smtp-server waits a fixed 100 ms before its greeting (to catch clients that
 * talk too early). Real servers vary; benchmarks need it gone. Servers started
 * with `greetingDelay: false` skip it; all others keep smtp-server's behaviour.
 */
const greetAtOnce = new WeakSet<SMTPServer>();
/** Servers that greet only after this many ms (a slow but working relay). */
const greetLate = new WeakMap<SMTPServer, number>();
const originalInit = ServerConnection.prototype.init;
ServerConnection.prototype.init = function (this: ServerConnection) {
	const late = greetLate.get(this._server);
	if (late !== undefined) {
		const timer = setTimeout(() => this._setListeners(() => this.connectionReady()), late);
		timer.unref();
		return;
	}

	if (!greetAtOnce.has(this._server)) {
		originalInit.call(this);
		return;
	}

	this._setListeners(() => this.connectionReady());
};

export const LOOPBACK = '127.0.0.1';

/** An SMTP error, as smtp-server sends it: "553 5.7.1 text" → code 553, the rest as message. */
function smtpError(line: string): Error {
	const match = /^(\d{3})\s+(.*)$/s.exec(line);
	const error = new Error(match ? match[2] : line) as Error & {responseCode?: number};
	if (match) error.responseCode = Number(match[1]);
	return error;
}

export interface ReceivedMessage {
	/** Envelope sender (MAIL FROM). */
	envelopeFrom: string;
	/** Envelope recipients (RCPT TO). */
	envelopeTo: string[];
	/** The raw message (headers and body). */
	data: string;
	/** Header values, parsed from `data`. */
	subject: string;
	from: string;
	to: string;
}

export interface TestSmtpServerOptions {
	tls: 'ssl' | 'starttls' | 'plain';
	pki?: TestPki;
	/** Which certificate to serve; default 'good'. */
	certificate?: 'good' | 'expired' | 'wrongHost';
	/** user → password: AUTH is offered and required (unless authOptional). */
	users?: Record<string, string>;
	authMethods?: string[];
	authOptional?: boolean;
	/** Accept AUTH without TLS. */
	allowInsecureAuth?: boolean;
	/** Refuse the connection at the greeting with this line, e.g. '421 4.7.0 Too many connections'. */
	rejectConnection?: string;
	rejectAuth?: (username: string) => string | undefined;
	rejectSender?: (address: string) => string | undefined;
	rejectRecipient?: (address: string) => string | undefined;
	rejectData?: (message: ReceivedMessage) => string | undefined;
	delayMailFromMs?: number;
	/** false: greet at once instead of after smtp-server's 100 ms early-talker pause; a number: greet after that many ms. */
	greetingDelay?: boolean | number;
}

export interface TestSmtpServer {
	host: string;
	port: number;
	mailFrom: string[];
	rcptTo: string[];
	auths: Array<{method: string; username: string; ok: boolean}>;
	/** STARTTLS upgrades completed (never counts the TLS of a `tls: 'ssl'` server). */
	starttlsUpgrades: number;
	messages: ReceivedMessage[];
	close(): Promise<void>;
}

function header(data: string, name: string): string {
	const match = new RegExp(`^${name}:\\s*(.*)$`, 'im').exec(data.split(/\r?\n\r?\n/)[0] ?? '');
	return match ? match[1]!.trim() : '';
}

async function listen(server: net.Server): Promise<number> {
	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		server.listen(0, LOOPBACK, () => resolve());
	});
	return (server.address() as net.AddressInfo).port;
}

export async function startSmtpServer(options: TestSmtpServerOptions): Promise<TestSmtpServer> {
	const state: Omit<TestSmtpServer, 'port' | 'close'> = {host: LOOPBACK, mailFrom: [], rcptTo: [], auths: [], starttlsUpgrades: 0, messages: []};
	const keyAndCert = options.pki ? options.pki[options.certificate ?? 'good'] : undefined;
	if (options.tls !== 'plain' && !keyAndCert) throw new Error('A TLS test server needs a pki (createTestPki()).');
	const users = options.users;
	const serverOptions: SMTPServerOptions = {
		secure: options.tls === 'ssl',
		...(keyAndCert ? {key: keyAndCert.key, cert: keyAndCert.cert} : {}),
		name: 'mx.test.invalid',
		logger: false,
		disableReverseLookup: true,
		closeTimeout: 50,
		hideSTARTTLS: options.tls === 'plain',
		...(options.tls === 'plain' ? {disabledCommands: users ? ['STARTTLS'] : ['STARTTLS', 'AUTH']} : users ? {} : {disabledCommands: ['AUTH']}),
		authMethods: options.authMethods ?? ['PLAIN', 'LOGIN', 'CRAM-MD5'],
		authOptional: options.authOptional ?? !users,
		allowInsecureAuth: Boolean(options.allowInsecureAuth),
		onConnect(_session, callback) {
			callback(options.rejectConnection ? smtpError(options.rejectConnection) : undefined);
		},
		onSecure(_socket, _session, callback) {
			if (options.tls === 'starttls') state.starttlsUpgrades++;
			callback();
		},
		onAuth(auth, _session, callback) {
			const username = auth.username ?? '';
			const expected = users?.[username];
			const passwordOk = expected !== undefined && (auth.method === 'CRAM-MD5' ? auth.validatePassword(expected) : auth.password === expected);
			const refusal = options.rejectAuth?.(username);
			state.auths.push({method: auth.method, username, ok: passwordOk && !refusal});
			if (refusal) return callback(smtpError(refusal));
			if (!passwordOk) return callback(smtpError('535 5.7.8 Error: authentication failed: Invalid username or password'));
			callback(null, {user: username});
		},
		onMailFrom(address, _session, callback) {
			state.mailFrom.push(address.address);
			const refusal = options.rejectSender?.(address.address);
			const answer = () => callback(refusal ? smtpError(refusal) : undefined);
			// Unref'd: a stalled answer must not keep the test process alive after the client gave up.
			if (options.delayMailFromMs) setTimeout(answer, options.delayMailFromMs).unref();
			else answer();
		},
		onRcptTo(address, _session, callback) {
			state.rcptTo.push(address.address);
			const refusal = options.rejectRecipient?.(address.address);
			callback(refusal ? smtpError(refusal) : undefined);
		},
		onData(stream, session, callback) {
			const chunks: Buffer[] = [];
			stream.on('data', (chunk: Buffer) => chunks.push(chunk));
			stream.on('end', () => {
				const data = Buffer.concat(chunks).toString('utf8');
				const message: ReceivedMessage = {
					envelopeFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
					envelopeTo: session.envelope.rcptTo.map(recipient => recipient.address),
					data,
					subject: header(data, 'Subject'),
					from: header(data, 'From'),
					to: header(data, 'To'),
				};
				const refusal = options.rejectData?.(message);
				if (!refusal) state.messages.push(message);
				callback(refusal ? smtpError(refusal) : null);
			});
		},
	};
	const server = new SMTPServer(serverOptions);
	if (options.greetingDelay === false) greetAtOnce.add(server);
	if (typeof options.greetingDelay === 'number') greetLate.set(server, options.greetingDelay);
	server.on('error', () => undefined);
	const port = await listen(server.server);
	return {
		...state,
		get starttlsUpgrades() {
			return state.starttlsUpgrades;
		},
		port,
		close: () => new Promise<void>(resolve => server.close(() => resolve())),
	};
}

export interface RawServer {
	host: string;
	port: number;
	/** Connections accepted so far. */
	connections: number;
	close(): Promise<void>;
}

/** A TCP server that hands every accepted socket to `handler`. */
export async function startRawServer(handler: (socket: net.Socket) => void): Promise<RawServer> {
	const sockets = new Set<net.Socket>();
	let connections = 0;
	const server = net.createServer(socket => {
		connections++;
		sockets.add(socket);
		socket.on('error', () => undefined);
		socket.on('close', () => sockets.delete(socket));
		handler(socket);
	});
	const port = await listen(server);
	return {
		host: LOOPBACK,
		port,
		get connections() {
			return connections;
		},
		close: () => new Promise<void>(resolve => {
			for (const socket of sockets) socket.destroy();
			server.close(() => resolve());
		}),
	};
}

/** Accepts and stays silent, like a TLS-from-the-first-byte port waiting for a ClientHello. */
export function startSilentServer(): Promise<RawServer> {
	return startRawServer(() => undefined);
}

/** A port with nothing listening: connecting is refused at once. */
export async function unusedPort(): Promise<number> {
	const server = net.createServer();
	const port = await listen(server);
	await new Promise<void>(resolve => server.close(() => resolve()));
	return port;
}

export interface FilteredPort {
	host: string;
	port: number;
	close(): Promise<void>;
}

const filteredListener = `
import socket, sys
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(0)
print(s.getsockname()[1], flush=True)
sys.stdin.read()
`;

/** Connections waiting in the accept queue of the listener on this loopback port: a LISTEN line's rx_queue in Linux's /proc/net/tcp. */
async function acceptQueueLength(port: number): Promise<number> {
	const local = `0100007F:${port.toString(16).toUpperCase().padStart(4, '0')}`;
	for (const line of (await readFile('/proc/net/tcp', 'utf8')).split('\n').slice(1)) {
		const [, address, , state, queues] = line.trim().split(/\s+/);
		if (address === local && state === '0A') return Number.parseInt(queues!.split(':')[1]!, 16);
	}

	throw new Error(`no listener on ${LOOPBACK}:${port} in /proc/net/tcp`);
}

/**
 * A loopback port where connect() hangs, as behind a firewall that drops
 * SYNs: python3 listens with a backlog of 0 and never accepts. Linux queues
 * backlog + 1 connections, here one, and then drops every SYN: one filler
 * connection, and the port is filtered once the kernel shows it queued. A
 * state read from the kernel, not a connect that seemed slow.
 */
export async function startFilteredPort(): Promise<FilteredPort> {
	const child: ChildProcess = spawn('python3', ['-c', filteredListener], {stdio: ['pipe', 'pipe', 'inherit']});
	const port = await new Promise<number>((resolve, reject) => {
		child.once('error', reject);
		child.stdout!.once('data', (data: Buffer) => resolve(Number(String(data).trim())));
	});
	const filler = net.connect(port, LOOPBACK);
	filler.on('error', () => undefined);
	const fillers = [filler];
	// Polls a condition; the bound only turns a hang into an error.
	for (const deadline = Date.now() + 30_000; (await acceptQueueLength(port)) < 1;) {
		if (Date.now() > deadline) throw new Error(`the filler connection to ${LOOPBACK}:${port} was never queued`);
		await new Promise(resolve => setTimeout(resolve, 5));
	}

	return {
		host: LOOPBACK,
		port,
		close: async () => {
			for (const socket of fillers) socket.destroy();
			child.stdin!.end();
			if (child.exitCode === null) await new Promise(resolve => child.once('exit', resolve));
		},
	};
}

export interface CapturedOutput<T> {
	value: T;
	/** Everything written to process.stdout and process.stderr meanwhile. */
	output: string;
}

/**
 * Run `fn` while copying what the process writes to stdout/stderr, so a test
 * can assert a secret never shows up there. Output still reaches the terminal.
 */
export async function withCapturedOutput<T>(fn: () => Promise<T>): Promise<CapturedOutput<T>> {
	let output = '';
	const streams = [process.stdout, process.stderr] as const;
	const originals = streams.map(stream => stream.write);
	for (const stream of streams) {
		const original = stream.write;
		stream.write = function (this: NodeJS.WriteStream, chunk: unknown, ...rest: unknown[]) {
			output += typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8');
			return (original as (...args: unknown[]) => boolean).call(this, chunk, ...rest);
		} as typeof stream.write;
	}

	try {
		const value = await fn();
		return {value, output};
	} finally {
		streams.forEach((stream, index) => {
			stream.write = originals[index]!;
		});
	}
}

export interface LiveTestRun {
	report: TestReport;
	events: TestEvent[];
	/** The transcript file's text (written with transcriptPath). */
	transcript: string;
	/** The transcript file's mode bits. */
	transcriptMode: number;
	/** stdout/stderr meanwhile. */
	output: string;
	/** Report JSON, events JSON, transcript and output together: where a secret must never be. */
	everything: string;
}

/** runSmtpTest with a transcript in a temp dir, events and output collected. */
export async function runLiveTest(options: SmtpTestOptions): Promise<LiveTestRun> {
	const directory = await mkdtemp(join(tmpdir(), 'live-test-'));
	const transcriptPath = join(directory, 'transcript.log');
	const events: TestEvent[] = [];
	try {
		const {value: report, output} = await withCapturedOutput(() => runSmtpTest({
			...options,
			transcriptPath,
			onEvent: event => {
				events.push(event);
				options.onEvent?.(event);
			},
		}));
		const transcript = await readFile(transcriptPath, 'utf8');
		const transcriptMode = (await stat(transcriptPath)).mode & 0o777;
		return {report, events, transcript, transcriptMode, output, everything: [JSON.stringify(report), JSON.stringify(events), transcript, output].join('\n')};
	} finally {
		await rm(directory, {recursive: true, force: true});
	}
}
