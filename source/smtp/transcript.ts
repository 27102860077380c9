import {constants} from 'node:fs';
import {open} from 'node:fs/promises';
import {visibleControls} from '../engine/shown-text.js';

const mask = '****';

/**
 * Removes the password from text that can carry it (server replies, the
 * restart command's output): the literal, and its base64 forms at each of the
 * three byte alignments it can have inside a longer base64 blob (AUTH PLAIN
 * packs "\0user\0password" into one). Never applied to the tool's own text
 * (host, port, addresses): a mask there would tell the password away, as
 * `127.0.0.1:****` does for a password equal to the port.
 */
export class Redactor {
	private readonly needles: string[];

	constructor(password: string | null | undefined) {
		const needles = new Set<string>();
		// However short, a password that can appear is masked: the text that carries it is the server's, not ours.
		if (password) needles.add(password);
		if (password && password.length >= 3) {
			const bytes = Buffer.from(password, 'utf8');
			for (let shift = 0; shift < 3; shift++) {
				const padded = Buffer.concat([Buffer.alloc(shift), bytes, Buffer.alloc(2)]);
				const encoded = padded.toString('base64');
				// Only the characters whose 6 bits all come from the password are stable.
				const first = Math.ceil((shift * 8) / 6);
				const end = Math.floor(((shift + bytes.length) * 8) / 6);
				const fragment = encoded.slice(first, end);
				if (fragment.length >= 4) needles.add(fragment);
			}
		}

		this.needles = [...needles].sort((a, b) => b.length - a.length);
	}

	redact(text: string): string {
		let result = text;
		for (const needle of this.needles) result = result.split(needle).join(mask);
		return result;
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
 * "C:", server lines "S:", notes "*". Every AUTH payload is masked whatever
 * the mechanism, then the Redactor removes any remaining trace of the password.
 */
export class Transcript {
	private readonly lines: string[] = [TRANSCRIPT_HEADER];
	private size = TRANSCRIPT_HEADER.length + 1;
	private truncated = false;
	private readonly started = performance.now();
	private inAuth = false;
	/** Recent server lines: nodemailer's notes quote them (`Invalid login: 535 …`), and only that part is the server's. */
	private readonly serverLines: string[] = [];

	constructor(private readonly redactor: Redactor) {}

	client(text: string, prefix = ''): void {
		for (const line of text.split(/\r?\n/)) {
			const auth = /^AUTH\s+(\S+)(\s+\S.*)?$/i.exec(line);
			let shown = line;
			if (auth) {
				this.inAuth = true;
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
			this.push(`${prefix}S: ${this.redactor.redact(line)}`);
		}
	}

	note(text: string, prefix = ''): void {
		let shown = text;
		for (const line of this.serverLines) shown = shown.split(line).join(this.redactor.redact(line));
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

	private push(line: string): void {
		if (this.truncated) return;
		const ms = Math.round(performance.now() - this.started);
		// Non-printable bytes (a TLS record read as text) would garble a terminal.
		const entry = `${String(ms).padStart(6)} ms  ${visibleControls(line)}`;
		if (this.size + entry.length + 1 > TRANSCRIPT_LIMIT) {
			this.truncated = true;
			this.lines.push(`* transcript cut here: it reached ${TRANSCRIPT_LIMIT / 1024 / 1024} MiB`);
			return;
		}

		this.size += entry.length + 1;
		this.lines.push(entry);
	}
}
