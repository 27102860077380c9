import {randomInt, timingSafeEqual} from 'node:crypto';
import type {AddressInfo} from 'node:net';
import {SMTPServer, type SMTPServerDataStream, type SMTPServerSession} from 'smtp-server';
import {createSessionCertificate} from './certificate.js';
import {parseHeaderBlock, endOfHeaders} from './headers.js';

/** One message the relay accepted. Nothing is delivered anywhere: this is the whole record. */
export interface ReceivedMail {
	/** MAIL FROM: the address Django used as envelope sender. */
	readonly envelopeFrom: string;
	/** RCPT TO addresses. */
	readonly to: readonly string[];
	/** The From header, unfolded and decoded; null when the message has none. */
	readonly from: string | null;
	/** The Subject header, unfolded and decoded; null when the message has none. */
	readonly subject: string | null;
	/** The user the client authenticated as. */
	readonly user: string;
	readonly receivedAt: Date;
}

/** Something the relay refused, in words: explains a failed run when no mail arrived. */
export interface RelayEvent {
	readonly at: Date;
	readonly message: string;
}

export interface SandboxRelay {
	readonly host: '127.0.0.1';
	readonly port: number;
	/** The relay speaks plain SMTP and requires STARTTLS before AUTH, like a provider's port 587. */
	readonly security: 'starttls';
	readonly username: string;
	/** Throwaway, for this session only. Never printed by the non-interactive report. */
	readonly password: string;
	/** The session CA, PEM file in the sandbox: what --ca-file points at. */
	readonly caFile: string;
	readonly received: readonly ReceivedMail[];
	readonly refusals: readonly RelayEvent[];
	/** Called for every accepted message; returns an unsubscribe function. */
	onMail(listener: (mail: ReceivedMail) => void): () => void;
	/** Stop listening and drop open connections; safe to call more than once. */
	close(): Promise<void>;
}

export interface RelayOptions {
	/** The sandbox directory: the CA certificate is written here, nothing elsewhere. */
	readonly dir: string;
	readonly signal?: AbortSignal;
	/** Fixed credentials, for tests; random per session otherwise. */
	readonly username?: string;
	readonly password?: string;
	/** The port to listen on (a kept sandbox's earlier one); when it is taken, an ephemeral one. */
	readonly port?: number;
}

const LOWER = 'abcdefghijkmnpqrstuvwxyz23456789';
const MIXED = 'abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';

function pick(alphabet: string, length: number): string {
	let text = '';
	for (let index = 0; index < length; index++) text += alphabet[randomInt(alphabet.length)];
	return text;
}

export function randomRelayUsername(): string {
	return `sandbox-${pick(LOWER, 6)}`;
}

/**
 * Four groups joined by `#`, `%`, `=` and `;`: easy to read off the screen
 * and type, and exactly the characters that break a secrets file written by
 * a naive ini library, so every sandbox run proves they survive.
 */
export function randomRelayPassword(): string {
	const separators = ['#', '%', '=', ';'];
	const groups = Array.from({length: 5}, () => pick(MIXED, 4));
	return groups.map((group, index) => group + (separators[index] ?? '')).join('');
}

function sameSecret(given: string | null | undefined, expected: string): boolean {
	const a = Buffer.from(given ?? '', 'utf8');
	const b = Buffer.from(expected, 'utf8');
	return a.length === b.length && timingSafeEqual(a, b);
}

function smtpError(code: number, message: string): Error & {responseCode: number} {
	return Object.assign(new Error(message), {responseCode: code});
}

/** Read the DATA stream, keep only the header block (bounded), and let the rest drain. */
function readHeaders(stream: SMTPServerDataStream): Promise<string> {
	const limit = 256 * 1024;
	return new Promise((resolve, reject) => {
		let head = Buffer.alloc(0);
		let done = false;
		stream.on('data', (chunk: Buffer) => {
			if (done) return;
			head = Buffer.concat([head, chunk]);
			const end = endOfHeaders(head);
			if (end !== -1) {
				head = head.subarray(0, end);
				done = true;
			} else if (head.length > limit) {
				done = true;
			}
		});
		stream.once('end', () => resolve(head.toString('utf8')));
		stream.once('error', reject);
	});
}

/**
 * The sandbox's SMTP relay: 127.0.0.1 on an ephemeral port, STARTTLS with a
 * certificate from a CA made for this session, AUTH PLAIN/LOGIN with a
 * per-session user, and the rules of a provider's submission port (no AUTH
 * before STARTTLS, no MAIL before AUTH). It records what it accepts and
 * delivers nothing.
 */
export async function startRelay(options: RelayOptions): Promise<SandboxRelay> {
	const certificate = await createSessionCertificate(options.dir, {signal: options.signal});
	const username = options.username ?? randomRelayUsername();
	const password = options.password ?? randomRelayPassword();
	const received: ReceivedMail[] = [];
	const refusals: RelayEvent[] = [];
	const listeners = new Set<(mail: ReceivedMail) => void>();
	const refuse = (message: string) => {
		refusals.push({at: new Date(), message});
	};

	const server = new SMTPServer({
		name: 'localhost',
		banner: 'zulip-email-setup sandbox relay: mail is recorded, never delivered',
		key: certificate.keyPem,
		cert: certificate.certPem,
		secure: false,
		authMethods: ['PLAIN', 'LOGIN'],
		allowInsecureAuth: false,
		disableReverseLookup: true,
		logger: false,
		size: 10 * 1024 * 1024,
		socketTimeout: 30_000,
		// Ctrl-C must not wait the default 30 s for a client to say QUIT.
		closeTimeout: 500,
		onAuth(auth, _session, callback) {
			if (auth.method !== 'PLAIN' && auth.method !== 'LOGIN') {
				callback(smtpError(504, '5.5.4 Unrecognized authentication type'));
				return;
			}

			// Both compared, always, so the reply time says nothing about which one was wrong.
			const userOk = sameSecret(auth.username, username);
			const passwordOk = sameSecret(auth.password, password);
			if (userOk && passwordOk) {
				callback(null, {user: username});
				return;
			}

			refuse(userOk ? `AUTH as ${username} refused: wrong password.` : `AUTH as ${JSON.stringify(auth.username ?? '')} refused: the relay's user is ${username}.`);
			callback(smtpError(535, '5.7.8 Authentication credentials invalid'));
		},
		onMailFrom(address, session, callback) {
			if (!session.user) {
				refuse(`MAIL FROM:<${address.address}> refused: the client did not log in first.`);
				callback(smtpError(530, '5.7.0 Authentication required'));
				return;
			}

			callback();
		},
		onData(stream, session: SMTPServerSession, callback) {
			readHeaders(stream).then(head => {
				if (stream.sizeExceeded) {
					callback(smtpError(552, '5.3.4 Message too big for the sandbox relay'));
					return;
				}

				const headers = parseHeaderBlock(head);
				const envelope = session.envelope;
				const mail: ReceivedMail = {
					envelopeFrom: envelope.mailFrom ? envelope.mailFrom.address : '',
					to: envelope.rcptTo.map(recipient => recipient.address),
					from: headers.get('from') ?? null,
					subject: headers.get('subject') ?? null,
					user: String(session.user ?? ''),
					receivedAt: new Date(),
				};
				// Recorded before the 250 goes out, so a client that saw "sent" always finds it here.
				received.push(mail);
				for (const listener of listeners) listener(mail);
				callback(null, `2.0.0 Recorded by the sandbox relay as message ${received.length} (not delivered)`);
			}, (error: unknown) => callback(error as Error));
		},
	});
	let listening = false;
	// A client that drops the connection or fails the TLS handshake is an event, not a crash.
	server.on('error', error => {
		// A kept sandbox's earlier port being taken is handled below, not a relay event.
		if (!listening) return;
		const code = (error as NodeJS.ErrnoException).code;
		if (code === 'ECONNRESET' || code === 'EPIPE') return;
		refuse(`Connection error: ${error.message}`);
	});

	const listen = (port: number) => new Promise<void>((resolve, reject) => {
		const onError = (error: Error) => reject(error);
		server.server.once('error', onError);
		server.listen(port, '127.0.0.1', () => {
			server.server.off('error', onError);
			resolve();
		});
	});
	try {
		await listen(options.port ?? 0);
	} catch (error) {
		// Another process holds the earlier port: the caller sees the new one and says so.
		if (options.port === undefined || (error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
		await listen(0);
	}

	listening = true;
	const {port} = server.server.address() as AddressInfo;

	let closing: Promise<void> | undefined;
	const close = () => {
		closing ??= new Promise<void>(resolve => {
			server.close(() => resolve());
		});
		return closing;
	};

	options.signal?.addEventListener('abort', () => void close(), {once: true});
	return {
		host: '127.0.0.1',
		port,
		security: 'starttls',
		username,
		password,
		caFile: certificate.caFile,
		received,
		refusals,
		onMail(listener) {
			listeners.add(listener);
			return () => listeners.delete(listener);
		},
		close,
	};
}
