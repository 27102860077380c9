import {createSocket} from 'node:dgram';
import {once} from 'node:events';
import {createServer, type Socket} from 'node:net';
export {startDnsServer, type RunningDnsServer, type ZoneRecords} from '../../source/sandbox/dns-server.js';

/** A DNS server on 127.0.0.1 that takes every query, over UDP and TCP, and never answers. */
export async function startSilentDnsServer(): Promise<{address: string; received: () => number; close(): Promise<void>}> {
	const udp = createSocket('udp4');
	let received = 0;
	udp.on('message', () => received++);
	udp.bind(0, '127.0.0.1');
	await once(udp, 'listening');
	const {port} = udp.address();
	const sockets = new Set<Socket>();
	const tcp = createServer(socket => {
		received++;
		sockets.add(socket);
		socket.on('error', () => socket.destroy());
	});
	tcp.listen(port, '127.0.0.1');
	await once(tcp, 'listening');
	return {
		address: `127.0.0.1:${port}`,
		received: () => received,
		async close() {
			for (const socket of sockets) socket.destroy();
			await Promise.all([new Promise<void>(resolve => udp.close(() => resolve())), new Promise<void>(resolve => tcp.close(() => resolve()))]);
		},
	};
}

/** A plausible 2048-bit RSA public key in base64 (392 characters: longer than one 255-byte TXT string). */
export const RSA_KEY = 'MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA' + 'q'.repeat(342) + 'IDAQAB';
