/**
 * Just enough RFC 5322 to show what the relay received: find the header
 * block, unfold it, and decode RFC 2047 encoded-words (Django encodes any
 * non-ASCII Subject or display name that way). No new dependency for it.
 */

/** Index where the header block ends (before the blank line), or -1 if it has not ended yet. */
export function endOfHeaders(data: Buffer): number {
	if (data[0] === 0x0a) return 0;
	if (data[0] === 0x0d && data[1] === 0x0a) return 0;
	const crlf = data.indexOf('\r\n\r\n');
	const lf = data.indexOf('\n\n');
	if (crlf === -1) return lf;
	if (lf === -1) return crlf;
	return Math.min(crlf, lf);
}

/** Header name (lower case) → value of its first occurrence, unfolded and decoded. */
export function parseHeaderBlock(block: string): Map<string, string> {
	const headers = new Map<string, string>();
	const lines: string[] = [];
	for (const line of block.split(/\r?\n/)) {
		// Unfolding removes the line break only; the leading whitespace stays (RFC 5322 2.2.3).
		if (/^[ \t]/.test(line) && lines.length > 0) lines[lines.length - 1] += line;
		else lines.push(line);
	}

	for (const line of lines) {
		const colon = line.indexOf(':');
		if (colon <= 0) continue;
		const name = line.slice(0, colon).trim().toLowerCase();
		if (!headers.has(name)) headers.set(name, decodeEncodedWords(line.slice(colon + 1).trim()));
	}

	return headers;
}

const ENCODED_WORD = /=\?([^?\s]+)\?([BbQq])\?([^?\s]*)\?=/g;

function decodeWord(charset: string, encoding: string, text: string): string | undefined {
	let bytes: Buffer;
	if (encoding.toUpperCase() === 'B') {
		bytes = Buffer.from(text, 'base64');
	} else {
		const unescaped = text.replaceAll('_', ' ').replace(/=([0-9A-Fa-f]{2})/g, (_match, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
		bytes = Buffer.from(unescaped, 'latin1');
	}

	try {
		// RFC 2231 allows a language after '*': utf-8*en.
		return new TextDecoder(charset.split('*')[0]!, {fatal: false}).decode(bytes);
	} catch {
		return undefined;
	}
}

/** Decode every encoded-word; whitespace between two adjacent encoded-words is dropped, as RFC 2047 says. */
export function decodeEncodedWords(value: string): string {
	return value
		.replace(/(=\?[^?\s]+\?[BbQq]\?[^?\s]*\?=)\s+(?==\?[^?\s]+\?[BbQq]\?[^?\s]*\?=)/g, '$1')
		.replace(ENCODED_WORD, (word, charset: string, encoding: string, text: string) => decodeWord(charset, encoding, text) ?? word);
}
