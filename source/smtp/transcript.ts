import {constants} from 'node:fs';
import {open} from 'node:fs/promises';
import {visibleControls} from '../engine/shown-text.js';

const mask = '****';

// A letter, digit or underscore next to a match means the match is part of a longer word: not the password.
const WORD = String.raw`[\p{L}\p{N}_]`;
/** A server reply's code and enhanced status code: the server's protocol, never an echo. */
const REPLY_CODE = /^\d{3}(?:[ -]\d\.\d{1,3}\.\d{1,3}(?= |$))?[ -]?/;
// Candidates for an encoded password: whole base64, hex and percent-encoded tokens.
const BASE64_TOKEN = /(?<![A-Za-z0-9+/_-])[A-Za-z0-9+/_-]{4,}={0,2}(?![A-Za-z0-9+/=_-])/g;
const HEX_TOKEN = /(?<![\p{L}\p{N}_])(?:[0-9A-Fa-f]{2}){2,}(?![\p{L}\p{N}_])/gu;
const PERCENT_TOKEN = /[^\s"'<>]*%[0-9A-Fa-f]{2}[^\s"'<>]*/g;
/** Below this length, decoded tokens are masked only when they are exactly an AUTH payload. */
const SHORT = 4;

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Removes the password from text that can carry it (server replies after
 * AUTH, the restart command's and manage.py's output). Only whole tokens are
 * masked, so a mask never stands in for part of the server's own words (with
 * the password `250`, `250-AUTH PLAIN LOGIN` stays as it is):
 * - the password itself in any letter case, and its known encodings: hex
 *   (either case), percent-encoding (encodeURIComponent, every byte, form
 *   encoding with `+`);
 * - a base64, hex or percent-encoded token whose decoded bytes hold the
 *   password, such as the AUTH PLAIN (`\0user\0password`) and AUTH LOGIN
 *   payloads; for a password shorter than 4 characters only the exact payloads;
 * - in server replies (redactReply), never the reply code and status code.
 * Never applied to the tool's own text (host, port, addresses): a mask there
 * would tell the password away, as `127.0.0.1:****` does for a password equal
 * to the port.
 */
export class Redactor {
	private readonly password: string;
	private readonly literal: RegExp | undefined;

	constructor(password: string | null | undefined) {
		this.password = password ?? '';
		if (!password) return;
		const forms = new Set<string>([password, Buffer.from(password, 'utf8').toString('hex')]);
		forms.add(encodeURIComponent(password));
		forms.add([...Buffer.from(password, 'utf8')].map(byte => `%${byte.toString(16).padStart(2, '0')}`).join(''));
		forms.add(new URLSearchParams({p: password}).toString().slice(2));
		const bounded = (form: string) => `${new RegExp(`^${WORD}`, 'u').test(form) ? `(?<!${WORD})` : ''}${escapeRegExp(form)}${new RegExp(`${WORD}$`, 'u').test(form) ? `(?!${WORD})` : ''}`;
		this.literal = new RegExp([...forms].sort((a, b) => b.length - a.length).map(bounded).join('|'), 'giu');
	}

	/** Free text (a program's output): every whole-token trace of the password masked. */
	redact(text: string): string {
		if (!this.literal || text === '') return text;
		return this.masked(text);
	}

	/** A server reply (one line or several): as redact, each line's reply code and enhanced status code left alone. */
	redactReply(reply: string): string {
		if (!this.literal) return reply;
		const lines = reply.split(/(?<=\n)/);
		const shown = lines.map(line => {
			const code = REPLY_CODE.exec(line)?.[0] ?? '';
			return code + this.redact(line.slice(code.length));
		});
		for (let index = 1; index < lines.length; index++) {
			const ending = /\r?\n$/.exec(lines[index - 1]!)?.[0] ?? '';
			const split = this.redactSplit(lines[index - 1]!.slice(0, lines[index - 1]!.length - ending.length), lines[index]!);
			if (split) [shown[index - 1], shown[index]] = [split[0] + ending, split[1]];
		}

		return shown.join('');
	}

	/**
	 * A password the server split over two reply lines: the end of `first`
	 * and the start of `second` (each after its reply code) that make it up
	 * together, as whole tokens. Both lines masked, or undefined.
	 */
	redactSplit(first: string, second: string): [string, string] | undefined {
		const password = this.password.toLowerCase();
		if (password.length < SHORT) return undefined;
		const firstCode = REPLY_CODE.exec(first)?.[0] ?? '';
		const secondCode = REPLY_CODE.exec(second)?.[0] ?? '';
		const head = first.slice(firstCode.length);
		const tail = second.slice(secondCode.length);
		for (let split = 1; split < this.password.length; split++) {
			const start = password.slice(0, split);
			const end = password.slice(split);
			if (!head.toLowerCase().endsWith(start) || !tail.toLowerCase().startsWith(end)) continue;
			const before = head.slice(0, head.length - start.length);
			const after = tail.slice(end.length);
			const word = new RegExp(WORD, 'u');
			if ((before && word.test(before.at(-1)!) && word.test(start[0]!)) || (after && word.test(after[0]!) && word.test(end.at(-1)!))) continue;
			return [`${firstCode}${this.redact(before)}${mask}`, `${secondCode}${mask}${this.redact(after)}`];
		}

		return undefined;
	}

	private masked(text: string): string {
		const ranges: Array<[number, number]> = [];
		for (const match of text.matchAll(this.literal!)) ranges.push([match.index, match.index + match[0].length]);
		const decoders: Array<[RegExp, (token: string) => string | undefined]> = [
			[BASE64_TOKEN, token => Buffer.from(token, 'base64').toString('utf8')],
			[HEX_TOKEN, token => Buffer.from(token, 'hex').toString('utf8')],
			[PERCENT_TOKEN, token => {
				try {
					return decodeURIComponent(token.replaceAll('+', ' '));
				} catch {
					return undefined;
				}
			}],
		];
		for (const [pattern, decode] of decoders) {
			for (const match of text.matchAll(pattern)) {
				const decoded = decode(match[0]);
				if (decoded !== undefined && this.carries(decoded)) ranges.push([match.index, match.index + match[0].length]);
			}
		}

		if (ranges.length === 0) return text;
		ranges.sort((a, b) => a[0] - b[0]);
		let result = '';
		let at = 0;
		for (const [start, end] of ranges) {
			if (end <= at) continue;
			if (start >= at) result += `${text.slice(at, start)}${mask}`;
			at = end;
		}

		return result + text.slice(at);
	}

	/** Whether decoded bytes are, or hold, the password (AUTH PLAIN: `authzid\0user\0password`). */
	private carries(decoded: string): boolean {
		const {password} = this;
		if (decoded === password || decoded.endsWith(`\0${password}`)) return true;
		return password.length >= SHORT && decoded.toLowerCase().includes(password.toLowerCase());
	}
}

/** The first line of every transcript: how a rerun recognises a file it may replace. */
export const TRANSCRIPT_HEADER = '# zulip-email-setup SMTP transcript (secrets masked)';
/** A reply flood must not grow memory or the file without end. */
export const TRANSCRIPT_LIMIT = 1024 * 1024;

/**
 * Open `path` for a transcript without ever following a symlink or
 * replacing a file that is not ours: a new file (O_EXCL), or an earlier
 * transcript of this user (regular, one link, starting with the header).
 * Rejects with a message that says why not.
 */
export async function openTranscript(path: string) {
	const flags = constants.O_WRONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;
	try {
		return await open(path, flags | constants.O_CREAT | constants.O_EXCL, 0o600);
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
	}

	let handle;
	try {
		handle = await open(path, constants.O_RDWR | constants.O_NOFOLLOW | constants.O_NONBLOCK);
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code === 'ELOOP') throw new Error(`${path} is a symbolic link; a transcript is never written through one`);
		throw error;
	}

	try {
		const stats = await handle.stat();
		const head = Buffer.alloc(TRANSCRIPT_HEADER.length);
		if (stats.isFile()) await handle.read(head, 0, head.length, 0);
		const ours = stats.isFile() && stats.nlink === 1 && stats.uid === (process.geteuid?.() ?? stats.uid) && head.toString('utf8') === TRANSCRIPT_HEADER;
		if (!ours) throw new Error(`${path} exists and is not an earlier transcript, so it is not overwritten`);
		await handle.truncate(0);
		return handle;
	} catch (error) {
		await handle.close();
		throw error;
	}
}

/**
 * The SMTP dialogue, as the admin would want to read it: client lines
 * "C:", server lines "S:", notes "*". Every AUTH payload and continuation is
 * masked whatever the mechanism, however short the password. Server lines
 * are masked (Redactor.redactReply) from the first AUTH on: before it the
 * server has not seen the password, and its EHLO reply is its own words.
 */
export class Transcript {
	private readonly lines: string[] = [TRANSCRIPT_HEADER];
	private size = TRANSCRIPT_HEADER.length + 1;
	private truncated = false;
	private readonly started = performance.now();
	private inAuth = false;
	private authSent = false;
	/** Recent server lines: nodemailer's notes quote them (`Invalid login: 535 …`), and only that part is the server's. */
	private readonly serverLines: string[] = [];
	/** The last server line as received and where it sits, should the next one finish a password split over both. */
	private lastServer: {raw: string; prefix: string; index: number; ms: number} | undefined;

	constructor(private readonly redactor: Redactor) {}

	client(text: string, prefix = ''): void {
		this.lastServer = undefined;
		for (const line of text.split(/\r?\n/)) {
			const auth = /^AUTH\s+(\S+)(\s+\S.*)?$/i.exec(line);
			let shown = line;
			if (auth) {
				this.inAuth = true;
				this.authSent = true;
				shown = `AUTH ${auth[1]!}${auth[2] ? ` ${mask}` : ''}`;
			} else if (this.inAuth) {
				// Continuation lines of any SASL exchange carry credentials or proofs of them.
				shown = mask;
			}

			this.push(`${prefix}C: ${shown}`);
		}
	}

	server(text: string, prefix = ''): void {
		if (this.inAuth && !/^334[ -]/.test(text)) this.inAuth = false;
		for (const line of text.split(/\r?\n/)) {
			if (line.length > 0) this.serverLines.push(line);
			if (this.serverLines.length > 16) this.serverLines.shift();
			if (!this.authSent) {
				this.push(`${prefix}S: ${line}`);
				continue;
			}

			const previous = this.lastServer;
			const split = previous && previous.prefix === prefix ? this.redactor.redactSplit(previous.raw, line) : undefined;
			if (previous && split) this.lines[previous.index] = this.entry(previous.ms, `${prefix}S: ${split[0]}`);
			const ms = this.elapsed();
			const index = this.push(`${prefix}S: ${split ? split[1] : this.redactor.redactReply(line)}`, ms);
			this.lastServer = index === undefined ? undefined : {raw: line, prefix, index, ms};
		}
	}

	note(text: string, prefix = ''): void {
		let shown = text;
		for (const line of this.serverLines) shown = shown.split(line).join(this.authSent ? this.redactor.redactReply(line) : line);
		this.push(`${prefix}* ${shown}`);
	}

	/** The transcript so far, already redacted. */
	text(): string {
		return `${this.lines.join('\n')}\n`;
	}

	/** Write it with mode 0600 to a new file or over an earlier transcript (see openTranscript). */
	async write(path: string): Promise<void> {
		const handle = await openTranscript(path);
		try {
			await handle.chmod(0o600);
			await handle.writeFile(this.text());
		} finally {
			await handle.close();
		}
	}

	private elapsed(): number {
		return Math.round(performance.now() - this.started);
	}

	private entry(ms: number, line: string): string {
		// Non-printable bytes (a TLS record read as text) would garble a terminal.
		return `${String(ms).padStart(6)} ms  ${visibleControls(line)}`;
	}

	/** Append a line; its index, or undefined once the transcript is cut. */
	private push(line: string, ms = this.elapsed()): number | undefined {
		if (this.truncated) return undefined;
		const entry = this.entry(ms, line);
		if (this.size + entry.length + 1 > TRANSCRIPT_LIMIT) {
			this.truncated = true;
			this.lines.push(`* transcript cut here: it reached ${TRANSCRIPT_LIMIT / 1024 / 1024} MiB`);
			return undefined;
		}

		this.size += entry.length + 1;
		this.lines.push(entry);
		return this.lines.length - 1;
	}
}
