import {randomBytes} from 'node:crypto';

const base32Alphabet = 'abcdefghijklmnopqrstuvwxyz234567';

/** 24 chars of [a-z2-7]: lower-case base32 of 15 random bytes, as Zulip does. */
export function noreplyToken(): string {
	const bytes = randomBytes(15);
	let bits = 0;
	let value = 0;
	let token = '';
	for (const byte of bytes) {
		value = (value << 8) | byte;
		bits += 8;
		while (bits >= 5) {
			bits -= 5;
			token += base32Alphabet[(value >>> bits) & 31];
		}
	}

	// 15 bytes are exactly 24 groups of 5 bits: no padding, like Python's b32encode here.
	return token;
}

/**
 * Fill TOKENIZED_NOREPLY_EMAIL_ADDRESS's {token}. Zulip takes the address part
 * first (parseaddr) and then runs Python's str.format on it, so a display name
 * is dropped and `{{`/`}}` stand for literal braces.
 */
export function tokenizedAddress(template: string, token: string = noreplyToken()): string {
	const angle = /<([^<>]*)>\s*$/.exec(template);
	const address = (angle ? angle[1]! : template).trim();
	return address.replace(/\{\{|\}\}|\{token\}/g, match => (match === '{token}' ? token : match[0]!));
}

/** Whether an address carries a Zulip noreply token (noreply-<24 base32 chars>@…). */
export function isTokenized(address: string): boolean {
	return /(?:^|[^a-z2-7])[a-z2-7]{24}@/.test(address);
}
