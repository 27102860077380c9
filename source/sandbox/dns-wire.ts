// The DNS wire format (RFC 1035 §4, EDNS0 RFC 6891), just as much as an
// authoritative server for a small zone needs: read a query, write an answer.
// Node's own resolver (c-ares) is the client that judges it in the tests.

export const TYPES = {A: 1, NS: 2, CNAME: 5, SOA: 6, PTR: 12, MX: 15, TXT: 16, AAAA: 28, OPT: 41, SPF: 99, ANY: 255} as const;
export type RecordType = Exclude<keyof typeof TYPES, 'OPT' | 'ANY'>;

export const RCODE = {noError: 0, formErr: 1, servFail: 2, nxDomain: 3, notImp: 4, refused: 5} as const;

export type RecordData =
	| {readonly type: 'A'; readonly address: string}
	| {readonly type: 'AAAA'; readonly address: string}
	| {readonly type: 'CNAME'; readonly target: string}
	| {readonly type: 'NS'; readonly target: string}
	| {readonly type: 'PTR'; readonly target: string}
	| {readonly type: 'MX'; readonly priority: number; readonly exchange: string}
	/** One string is split into 255-byte character-strings as DNS requires; an array gives the split explicitly. */
	| {readonly type: 'TXT'; readonly text: string | readonly string[]}
	/** Type 99 (RFC 4408), retired by RFC 7208 §3.1 but still published: its RDATA is a TXT's. */
	| {readonly type: 'SPF'; readonly text: string | readonly string[]}
	| {readonly type: 'SOA'; readonly mname: string; readonly rname: string; readonly serial: number; readonly minimum: number};

export interface ResourceRecord {
	/** Owner name, written as given (answers echo the query's spelling of the name). */
	readonly name: string;
	readonly ttl: number;
	readonly data: RecordData;
}

export interface Query {
	readonly id: number;
	readonly opcode: number;
	readonly recursionDesired: boolean;
	/** The question as it came, so the answer can repeat it byte for byte (resolvers compare it, some case-sensitively). */
	readonly questionBytes: Buffer;
	readonly name: string;
	readonly type: number;
	readonly questionClass: number;
	/** The UDP payload size the client advertised in an OPT record; undefined without EDNS. */
	readonly ednsPayload?: number;
}

export class WireError extends Error {}

/** Read a possibly compressed name at offset; returns the name and the offset after it. */
function readName(packet: Buffer, start: number): {name: string; end: number} {
	const labels: string[] = [];
	let offset = start;
	let end: number | undefined;
	for (let jumps = 0; ; ) {
		if (offset >= packet.length) throw new WireError('name runs past the packet');
		const length = packet[offset]!;
		if (length === 0) {
			end ??= offset + 1;
			break;
		}

		if ((length & 0xc0) === 0xc0) {
			if (offset + 1 >= packet.length || ++jumps > 16) throw new WireError('bad compression pointer');
			end ??= offset + 2;
			offset = ((length & 0x3f) << 8) | packet[offset + 1]!;
			continue;
		}

		if (length > 63 || offset + 1 + length > packet.length) throw new WireError('bad label');
		labels.push(packet.toString('latin1', offset + 1, offset + 1 + length));
		offset += 1 + length;
	}

	return {name: labels.join('.'), end};
}

/** Skip one resource record, returning its type, class and the offset after it. */
function readRecordHeader(packet: Buffer, offset: number): {type: number; recordClass: number; end: number} {
	const {end: nameEnd} = readName(packet, offset);
	if (nameEnd + 10 > packet.length) throw new WireError('truncated record');
	const type = packet.readUInt16BE(nameEnd);
	const recordClass = packet.readUInt16BE(nameEnd + 2);
	const length = packet.readUInt16BE(nameEnd + 8);
	const end = nameEnd + 10 + length;
	if (end > packet.length) throw new WireError('truncated record data');
	return {type, recordClass, end};
}

export function parseQuery(packet: Buffer): Query {
	if (packet.length < 12) throw new WireError('shorter than a DNS header');
	const id = packet.readUInt16BE(0);
	const flags = packet.readUInt16BE(2);
	if (flags & 0x8000) throw new WireError('a response, not a query');
	const questions = packet.readUInt16BE(4);
	if (questions !== 1) throw new WireError('exactly one question expected');
	const {name, end} = readName(packet, 12);
	if (end + 4 > packet.length) throw new WireError('truncated question');
	const type = packet.readUInt16BE(end);
	const questionClass = packet.readUInt16BE(end + 2);
	const questionEnd = end + 4;
	let ednsPayload: number | undefined;
	let offset = questionEnd;
	const others = packet.readUInt16BE(6) + packet.readUInt16BE(8) + packet.readUInt16BE(10);
	for (let index = 0; index < others; index++) {
		const record = readRecordHeader(packet, offset);
		if (record.type === TYPES.OPT) ednsPayload = record.recordClass;
		offset = record.end;
	}

	return {
		id,
		opcode: (flags >> 11) & 0xf,
		recursionDesired: (flags & 0x0100) !== 0,
		questionBytes: Buffer.from(packet.subarray(12, questionEnd)),
		name,
		type,
		questionClass,
		ednsPayload,
	};
}

function encodeName(name: string): Buffer {
	const labels = name.replace(/\.$/, '').split('.').filter(label => label !== '');
	const parts: Buffer[] = [];
	for (const label of labels) {
		const bytes = Buffer.from(label, 'latin1');
		if (bytes.length > 63) throw new WireError(`label longer than 63 bytes: ${label}`);
		parts.push(Buffer.from([bytes.length]), bytes);
	}

	parts.push(Buffer.from([0]));
	return Buffer.concat(parts);
}

function encodeIpv6(address: string): Buffer {
	const [head = '', tail] = address.split('::');
	const groups = (part: string) => (part === '' ? [] : part.split(':'));
	const left = groups(head);
	const right = tail === undefined ? [] : groups(tail);
	const missing = 8 - left.length - right.length;
	const all = [...left, ...Array.from({length: tail === undefined ? 0 : missing}, () => '0'), ...right];
	if (all.length !== 8) throw new WireError(`not an IPv6 address: ${address}`);
	const bytes = Buffer.alloc(16);
	all.forEach((group, index) => bytes.writeUInt16BE(Number.parseInt(group, 16), index * 2));
	return bytes;
}

/** Split text into character-strings of at most 255 bytes (RFC 1035 §3.3.14; RFC 7208 §3.3). */
export function characterStrings(text: string | readonly string[]): Buffer[] {
	if (typeof text !== 'string') return text.map(part => Buffer.from(part, 'utf8'));
	const bytes = Buffer.from(text, 'utf8');
	const chunks: Buffer[] = [];
	for (let offset = 0; offset < bytes.length || chunks.length === 0; offset += 255) chunks.push(bytes.subarray(offset, offset + 255));
	return chunks;
}

function encodeData(data: RecordData): Buffer {
	switch (data.type) {
		case 'A':
			return Buffer.from(data.address.split('.').map(Number));
		case 'AAAA':
			return encodeIpv6(data.address);
		case 'CNAME':
		case 'NS':
		case 'PTR':
			return encodeName(data.target);
		case 'MX': {
			const priority = Buffer.alloc(2);
			priority.writeUInt16BE(data.priority);
			return Buffer.concat([priority, encodeName(data.exchange)]);
		}

		case 'TXT':
		case 'SPF':
			return Buffer.concat(characterStrings(data.text).flatMap(chunk => {
				if (chunk.length > 255) throw new WireError('a TXT character-string is longer than 255 bytes');
				return [Buffer.from([chunk.length]), chunk];
			}));
		case 'SOA': {
			const numbers = Buffer.alloc(20);
			numbers.writeUInt32BE(data.serial, 0);
			numbers.writeUInt32BE(3600, 4);
			numbers.writeUInt32BE(600, 8);
			numbers.writeUInt32BE(86_400, 12);
			numbers.writeUInt32BE(data.minimum, 16);
			return Buffer.concat([encodeName(data.mname), encodeName(data.rname), numbers]);
		}

		default: {
			const unhandled: never = data;
			throw new WireError(`cannot encode ${String(unhandled)}`);
		}
	}
}

function encodeRecord(record: ResourceRecord): Buffer {
	const rdata = encodeData(record.data);
	const fixed = Buffer.alloc(10);
	fixed.writeUInt16BE(TYPES[record.data.type], 0);
	fixed.writeUInt16BE(1, 2);
	fixed.writeUInt32BE(record.ttl, 4);
	fixed.writeUInt16BE(rdata.length, 8);
	return Buffer.concat([encodeName(record.name), fixed, rdata]);
}

/** OPT pseudo-record advertising our own UDP payload size (RFC 6891 §6.1.2). */
function encodeOpt(payload: number): Buffer {
	const opt = Buffer.alloc(11);
	opt.writeUInt8(0, 0);
	opt.writeUInt16BE(TYPES.OPT, 1);
	opt.writeUInt16BE(payload, 3);
	return opt;
}

export interface Answer {
	readonly rcode: number;
	readonly authoritative: boolean;
	readonly answers: readonly ResourceRecord[];
	readonly authority: readonly ResourceRecord[];
}

/**
 * The response to a query. Over UDP a response larger than `maxLength` is cut
 * to its header and question with TC set, so the client retries over TCP
 * (RFC 1035 §4.2.1, RFC 7766).
 */
export function encodeResponse(query: Query, answer: Answer, maxLength = Number.POSITIVE_INFINITY): Buffer {
	const build = (truncated: boolean) => {
		const header = Buffer.alloc(12);
		header.writeUInt16BE(query.id, 0);
		const flags = 0x8000
			| (query.opcode << 11)
			| (answer.authoritative ? 0x0400 : 0)
			| (truncated ? 0x0200 : 0)
			| (query.recursionDesired ? 0x0100 : 0)
			| (answer.rcode & 0xf);
		header.writeUInt16BE(flags, 2);
		header.writeUInt16BE(1, 4);
		const answers = truncated ? [] : answer.answers.map(encodeRecord);
		const authority = truncated ? [] : answer.authority.map(encodeRecord);
		const additional = query.ednsPayload === undefined ? [] : [encodeOpt(1232)];
		header.writeUInt16BE(answers.length, 6);
		header.writeUInt16BE(authority.length, 8);
		header.writeUInt16BE(additional.length, 10);
		return Buffer.concat([header, query.questionBytes, ...answers, ...authority, ...additional]);
	};

	const full = build(false);
	return full.length <= maxLength ? full : build(true);
}

/** A minimal error response when the query could not even be parsed: echo the id, FORMERR. */
export function formatErrorResponse(packet: Buffer): Buffer | undefined {
	if (packet.length < 2) return undefined;
	const header = Buffer.alloc(12);
	header.writeUInt16BE(packet.readUInt16BE(0), 0);
	header.writeUInt16BE(0x8000 | RCODE.formErr, 2);
	return header;
}
