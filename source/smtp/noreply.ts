import {randomBytes} from 'node:crypto';

const base32Alphabet = 'abcdefghijklmnopqrstuvwxyz234567';

/** RFC 4648 base32, lower case, for inputs whose bit length is a multiple of 5 (no padding). */
export function base32Lower(bytes: Uint8Array): string {
	let bits = 0;
	let value = 0;
	let token = '';
	for (const byte of bytes) {
		// Only the bits not yet emitted (fewer than 13) matter.
		value = ((value << 8) | byte) & 0x1fff;
		bits += 8;
		while (bits >= 5) {
			bits -= 5;
			token += base32Alphabet[(value >>> bits) & 31];
		}
	}

	return token;
}

/** 24 chars of [a-z2-7]: lower-case base32 of 15 random bytes, as Zulip does. */
export function noreplyToken(): string {
	// 15 bytes are exactly 24 groups of 5 bits: no padding, as Python's b32encode gives here.
	return base32Lower(randomBytes(15));
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
