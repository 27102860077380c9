import {createSocket, type Socket} from 'node:dgram';
import {once} from 'node:events';
import {createServer, type Socket as TcpSocket} from 'node:net';
import {encodeResponse, formatErrorResponse, parseQuery, RCODE, TYPES, WireError, type Answer, type Query, type RecordData, type ResourceRecord} from './dns-wire.js';

/** Records by owner name (absolute, without the trailing dot). */
export type ZoneRecords = Readonly<Record<string, readonly RecordData[]>>;

export interface DnsServerOptions {
	readonly records: ZoneRecords;
	/** Largest UDP response we send, whatever the client advertises; bigger ones are truncated (TC) so the client asks over TCP. */
	readonly maxUdpPayload?: number;
	readonly ttl?: number;
	/** Names (and types) the server fails for instead of answering: SERVFAIL, or silence (the client times out). */
	readonly fault?: (name: string, type: number) => 'servfail' | 'silent' | undefined;
}

export interface LoggedQuery {
	readonly name: string;
	readonly type: number;
	readonly transport: 'udp' | 'tcp';
}

export interface RunningDnsServer {
	readonly host: string;
	readonly port: number;
	/** What --dns-server takes: 127.0.0.1:PORT. */
	readonly address: string;
	/** Every query answered, in order. */
	readonly queries: readonly LoggedQuery[];
	/** Let the process exit while it still runs (a test harness's shared server). */
	unref(): void;
	close(): Promise<void>;
}

const TYPE_NAMES = Object.fromEntries(Object.entries(TYPES).map(([name, value]) => [value, name])) as Record<number, string>;

/** A small authoritative server: answers from the records, follows CNAMEs inside them, NXDOMAIN for names it does not know. */
export function answerFrom(records: ZoneRecords, query: Query, ttl: number): Answer {
	const table = new Map(Object.entries(records).map(([name, data]) => [name.toLowerCase().replace(/\.$/, ''), data]));
	if (query.opcode !== 0) return {rcode: RCODE.notImp, authoritative: false, answers: [], authority: []};
	if (query.questionClass !== 1) return {rcode: RCODE.refused, authoritative: false, answers: [], authority: []};
	const answers: ResourceRecord[] = [];
	// Answers carry the question's own spelling of the name (resolvers may randomise its case).
	let owner = query.name;
	let key = owner.toLowerCase();
	for (let hops = 0; hops < 8; hops++) {
		const data = table.get(key);
		if (!data) break;
		const wanted = TYPE_NAMES[query.type];
		const matching = data.filter(entry => query.type === TYPES.ANY || entry.type === wanted);
		if (matching.length > 0 || query.type === TYPES.CNAME) {
			answers.push(...matching.map(entry => ({name: owner, ttl, data: entry})));
			return {rcode: RCODE.noError, authoritative: true, answers, authority: []};
		}

		const alias = data.find(entry => entry.type === 'CNAME');
		if (!alias || alias.type !== 'CNAME') return {rcode: RCODE.noError, authoritative: true, answers, authority: negativeAuthority(table, key, ttl)};
		answers.push({name: owner, ttl, data: alias});
		owner = alias.target.replace(/\.$/, '');
		key = owner.toLowerCase();
	}

	if (answers.length > 0) return {rcode: RCODE.noError, authoritative: true, answers, authority: []};
	// A name with records only below it exists (an empty non-terminal): NODATA, not NXDOMAIN (RFC 8020).
	const exists = [...table.keys()].some(name => name.endsWith(`.${key}`));
	return {rcode: exists ? RCODE.noError : RCODE.nxDomain, authoritative: true, answers, authority: negativeAuthority(table, key, ttl)};
}

/** The SOA of the closest enclosing name that has one, for negative answers (RFC 2308). */
function negativeAuthority(table: Map<string, readonly RecordData[]>, name: string, ttl: number): ResourceRecord[] {
	const labels = name.split('.');
	for (let index = 0; index < labels.length; index++) {
		const candidate = labels.slice(index).join('.');
		const soa = table.get(candidate)?.find(entry => entry.type === 'SOA');
		if (soa) return [{name: candidate, ttl, data: soa}];
	}

	return [];
}

/** Serve the records on 127.0.0.1 over UDP and TCP, on one free port. */
export async function startDnsServer(options: DnsServerOptions): Promise<RunningDnsServer> {
	const host = '127.0.0.1';
	const ttl = options.ttl ?? 300;
	const maxUdpPayload = options.maxUdpPayload ?? 1232;
	const queries: LoggedQuery[] = [];
	const respond = (packet: Buffer, transport: 'udp' | 'tcp'): Buffer | undefined => {
		let query: Query;
		try {
			query = parseQuery(packet);
		} catch (error) {
			if (error instanceof WireError) return formatErrorResponse(packet);
			throw error;
		}

		queries.push({name: query.name, type: query.type, transport});
		const fault = options.fault?.(query.name.toLowerCase().replace(/\.$/, ''), query.type);
		if (fault === 'silent') return undefined;
		const answer = fault === 'servfail' ? {rcode: RCODE.servFail, authoritative: false, answers: [], authority: []} : answerFrom(options.records, query, ttl);
		// Without EDNS a UDP answer is limited to 512 bytes (RFC 1035 §2.3.4).
		const limit = transport === 'tcp' ? 65_535 : Math.min(maxUdpPayload, Math.max(512, query.ednsPayload ?? 512));
		return encodeResponse(query, answer, limit);
	};

	const sockets = new Set<TcpSocket>();
	const tcp = createServer(socket => {
		sockets.add(socket);
		socket.on('close', () => sockets.delete(socket));
		socket.on('error', () => socket.destroy());
		// Messages over TCP carry a two-byte length prefix (RFC 1035 §4.2.2); several may share a connection.
		let buffered = Buffer.alloc(0);
		socket.on('data', chunk => {
			buffered = Buffer.concat([buffered, chunk]);
			while (buffered.length >= 2) {
				const length = buffered.readUInt16BE(0);
				if (buffered.length < 2 + length) break;
				const response = respond(buffered.subarray(2, 2 + length), 'tcp');
				buffered = buffered.subarray(2 + length);
				if (!response) continue;
				const prefix = Buffer.alloc(2);
				prefix.writeUInt16BE(response.length);
				socket.write(Buffer.concat([prefix, response]));
			}
		});
	});
	// UDP and TCP share the port number, as a resolver expects; try another if TCP finds it taken.
	let udp: Socket;
	let port: number;
	for (let attempt = 0; ; attempt++) {
		const socket = createSocket('udp4');
		socket.on('message', (packet, remote) => {
			const response = respond(packet, 'udp');
			if (response) socket.send(response, remote.port, remote.address);
		});
		socket.bind(0, host);
		await once(socket, 'listening');
		port = socket.address().port;
		try {
			tcp.listen(port, host);
			await once(tcp, 'listening');
			udp = socket;
			break;
		} catch (error) {
			await new Promise<void>(resolve => socket.close(() => resolve()));
			if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE' || attempt > 20) throw error;
		}
	}

	return {
		host,
		port,
		address: `${host}:${port}`,
		queries,
		unref() {
			udp.unref();
			tcp.unref();
		},
		async close() {
			for (const socket of sockets) socket.destroy();
			await Promise.all([new Promise<void>(resolve => udp.close(() => resolve())), new Promise<void>(resolve => tcp.close(() => resolve()))]);
		},
	};
}
