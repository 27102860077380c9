import {open} from 'node:fs/promises';
import {performance} from 'node:perf_hooks';
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

/**
 * The SMTP dialogue, as the admin would want to read it: client lines
 * "C:", server lines "S:", notes "*". Every AUTH payload is masked whatever
 * the mechanism, then the Redactor removes any remaining trace of the password.
 */
export class Transcript {
	private readonly lines: string[] = [];
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
		return this.lines.length > 0 ? `${this.lines.join('\n')}\n` : '';
	}

	/** Write it with mode 0600, also when the file already existed with a wider mode. */
	async write(path: string): Promise<void> {
		const handle = await open(path, 'w', 0o600);
		try {
			await handle.chmod(0o600);
			await handle.writeFile(this.text());
		} finally {
			await handle.close();
		}
	}

	private push(line: string): void {
		const ms = Math.round(performance.now() - this.started);
		// Non-printable bytes (a TLS record read as text) would garble a terminal.
		const printable = visibleControls(line);
		this.lines.push(`${String(ms).padStart(6)} ms  ${printable}`);
	}
}
