// DKIM key records (RFC 6376 §3.6.1), as published at <selector>._domainkey.<domain>.

export type DkimKeyParse =
	| {readonly ok: true; readonly keyType: string}
	| {readonly ok: false; readonly error: string};

/** Whether a published key record could verify a signature; why not, in words. */
export function parseDkimKey(text: string): DkimKeyParse {
	const tags = new Map<string, string>();
	const parts = text.split(';').map(part => part.trim()).filter(part => part !== '');
	for (const [index, part] of parts.entries()) {
		const match = /^([a-z][a-z0-9_]*)\s*=\s*(.*)$/is.exec(part);
		if (!match) return {ok: false, error: `"${part}" is not a tag=value pair`};
		const tag = match[1]!.toLowerCase();
		if (tags.has(tag)) return {ok: false, error: `the tag ${tag}= appears twice`};
		// v= is optional, but when present it must come first and say DKIM1.
		if (tag === 'v' && (index !== 0 || match[2] !== 'DKIM1')) return {ok: false, error: index === 0 ? `v=${match[2]} is not DKIM1` : 'v= must be the first tag'};
		tags.set(tag, match[2]!);
	}

	const key = tags.get('p');
	if (key === undefined) return {ok: false, error: 'the public key (p=) is missing'};
	const compact = key.replace(/\s+/g, '');
	if (compact === '') return {ok: false, error: 'the key is revoked (empty p=)'};
	if (!/^[A-Za-z0-9+/]+={0,2}$/.test(compact) || compact.length % 4 === 1) return {ok: false, error: 'p= is not base64'};
	const keyType = (tags.get('k') ?? 'rsa').toLowerCase();
	if (keyType !== 'rsa' && keyType !== 'ed25519') return {ok: false, error: `k=${keyType} is a key type verifiers do not know (rsa or ed25519)`};
	return {ok: true, keyType};
}
