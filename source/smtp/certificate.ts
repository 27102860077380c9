import net from 'node:net';
import tls from 'node:tls';
import type {Security} from './types.js';

export interface InspectOptions {
	host: string;
	port: number;
	security: Security;
	secureContext: tls.SecureContext;
	ehloName: string;
	timeoutMs: number;
	signal?: AbortSignal;
}

function distinguishedName(name: Record<string, string | string[]> | undefined): string {
	if (!name) return '?';
	return Object.entries(name).map(([key, value]) => `${key}=${Array.isArray(value) ? value.join('+') : value}`).join(', ') || '?';
}

/** Subject, issuer, validity and names of a certificate, on one line. */
export function describeCertificate(certificate: tls.PeerCertificate, verifyError?: string): string {
	const parts = [`subject ${distinguishedName(certificate.subject as unknown as Record<string, string>)}`, `issuer ${distinguishedName(certificate.issuer as unknown as Record<string, string>)}`, `valid ${certificate.valid_from} to ${certificate.valid_to}`];
	if (certificate.subjectaltname) parts.push(`names ${certificate.subjectaltname}`);
	if (verifyError) parts.push(`verification: ${verifyError}`);
	return `Certificate: ${parts.join('; ')}.`;
}

/** Read one complete SMTP reply (the line without a dash after the code ends it). */
function readReply(socket: net.Socket): Promise<string> {
	return new Promise((resolve, reject) => {
		let buffer = '';
		const onData = (chunk: Buffer) => {
			buffer += chunk.toString('latin1');
			// Only complete lines count: a final line may still be on its way.
			const lines = buffer.split(/\r?\n/).slice(0, -1);
			if (lines.some(line => /^\d{3}(?: |$)/.test(line))) {
				cleanup();
				resolve(buffer);
			}
		};

		const onEnd = () => {
			cleanup();
			reject(new Error('closed'));
		};

		const cleanup = () => {
			socket.removeListener('data', onData);
			socket.removeListener('error', onEnd);
			socket.removeListener('close', onEnd);
		};

		socket.on('data', onData);
		socket.once('error', onEnd);
		socket.once('close', onEnd);
	});
}

/**
 * Fetch the server's certificate to show the admin *why* verification failed.
 * Verification stays on (it fails again, as expected): the certificate is read
 * while the handshake runs, from the 'keylog' event, which fires once the
 * server's certificate has arrived and before the failed check ends the socket.
 * Returns undefined when the certificate could not be read in time.
 */
export async function inspectCertificate(options: InspectOptions): Promise<string | undefined> {
	const {host, port, security, timeoutMs, signal} = options;
	const socket = net.connect({host, port});
	let tlsSocket: tls.TLSSocket | undefined;
	let certificate: tls.PeerCertificate | undefined;
	const timer = setTimeout(() => socket.destroy(new Error('timeout')), timeoutMs);
	const abort = () => socket.destroy(new Error('cancelled'));
	signal?.addEventListener('abort', abort, {once: true});
	try {
		await new Promise<void>((resolve, reject) => {
			socket.once('connect', resolve);
			socket.once('error', reject);
		});
		if (security === 'starttls') {
			if (!(await readReply(socket)).startsWith('220')) return undefined;
			socket.write(`EHLO ${options.ehloName}\r\n`);
			if (!(await readReply(socket)).startsWith('250')) return undefined;
			socket.write('STARTTLS\r\n');
			if (!(await readReply(socket)).startsWith('220')) return undefined;
		}

		const verifyError = await new Promise<string | undefined>(resolve => {
			const secure = tls.connect({socket, secureContext: options.secureContext, ...(net.isIP(host) ? {} : {servername: host})});
			tlsSocket = secure;
			// Early keylog lines come before the certificate: getPeerCertificate() is then empty.
			const capture = () => {
				const peer = secure.getPeerCertificate();
				if (!certificate && peer && peer.subject) certificate = peer;
			};

			secure.on('keylog', capture);
			secure.once('secureConnect', () => {
				capture();
				resolve(undefined);
			});
			secure.once('error', (error: Error) => resolve(error.message));
			socket.once('close', () => resolve(undefined));
		});
		if (!certificate || !certificate.subject) return undefined;
		return describeCertificate(certificate, verifyError);
	} catch {
		return undefined;
	} finally {
		clearTimeout(timer);
		signal?.removeEventListener('abort', abort);
		tlsSocket?.destroy();
		socket.destroy();
	}
}
