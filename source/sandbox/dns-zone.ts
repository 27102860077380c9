import {generateKeyPair} from 'node:crypto';
import {promisify} from 'node:util';
import type {RecordData} from './dns-wire.js';
import type {ZoneRecords} from './dns-server.js';
import {SANDBOX_EXTERNAL_HOST} from './files.js';

/** The DKIM selector the sandbox zone publishes, given to the checks as --dkim-selector would. */
export const SANDBOX_DKIM_SELECTOR = 'sandbox';

/**
 * The DNS the sandbox serves on loopback for its own domain, set up the way
 * the checks want it, so `npm start` shows the Deliverability panel with real
 * lookups: SPF for the relay's address, a DKIM key, an enforcing DMARC policy, MX.
 */
export async function sandboxZone(domain = SANDBOX_EXTERNAL_HOST): Promise<ZoneRecords> {
	// A fresh key per session: the DKIM record is real (RFC 6376 p= is the DER SubjectPublicKeyInfo), and never leaves loopback.
	const {publicKey} = await promisify(generateKeyPair)('rsa', {modulusLength: 2048, publicKeyEncoding: {type: 'spki', format: 'der'}, privateKeyEncoding: {type: 'pkcs8', format: 'pem'}});
	const records: Record<string, RecordData[]> = {
		[domain]: [
			{type: 'SOA', mname: `ns.${domain}`, rname: `hostmaster.${domain}`, serial: 1, minimum: 60},
			{type: 'NS', target: `ns.${domain}`},
			{type: 'A', address: '127.0.0.1'},
			{type: 'MX', priority: 10, exchange: `mail.${domain}`},
			{type: 'TXT', text: 'v=spf1 ip4:127.0.0.1 -all'},
		],
		[`ns.${domain}`]: [{type: 'A', address: '127.0.0.1'}],
		[`mail.${domain}`]: [{type: 'A', address: '127.0.0.1'}],
		[`${SANDBOX_DKIM_SELECTOR}._domainkey.${domain}`]: [{type: 'TXT', text: `v=DKIM1; k=rsa; p=${publicKey.toString('base64')}`}],
		[`_dmarc.${domain}`]: [{type: 'TXT', text: `v=DMARC1; p=quarantine; rua=mailto:dmarc@${domain}`}],
	};
	return records;
}
