import {isIP} from 'node:net';
import {UsageError} from '../engine/errors.js';

// The DNS checks' two flags, checked before anything runs (a bad value is a usage error, exit 2).
// Small on purpose: the wizard checks them before its first frame.

/** Check --dns-server's value and put it in the form c-ares wants (`1.2.3.4:53`, `[::1]:53`). */
export function parseDnsServer(value: string): string {
	const trimmed = value.trim();
	const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(trimmed);
	const hostPort = /^([^:]+):(\d+)$/.exec(trimmed);
	let host = trimmed;
	let port: string | undefined;
	if (bracketed) [, host = '', port] = bracketed;
	else if (hostPort) [, host = '', port] = hostPort;
	const version = isIP(host);
	const portNumber = port === undefined ? 53 : Number(port);
	if (version === 0 || !Number.isInteger(portNumber) || portNumber < 1 || portNumber > 65_535) {
		throw new UsageError(`--dns-server must be an IP address with an optional port (1.2.3.4, 1.2.3.4:5353, [2001:db8::1]:53), not "${value}".`, 'Give the address of a resolver this server may use, e.g. the one in /etc/resolv.conf.');
	}

	return version === 6 ? `[${host}]:${portNumber}` : `${host}:${portNumber}`;
}

/** --dkim-selector NAME[,NAME…]: each a DKIM selector (dot-separated labels, RFC 6376 §3.1). */
export function parseDkimSelectors(value: string): string[] {
	const selectors = value.split(',').map(part => part.trim()).filter(part => part !== '');
	const bad = selectors.find(selector => !/^[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*$/i.test(selector) || selector.length > 200);
	if (selectors.length === 0 || bad !== undefined) {
		throw new UsageError(`--dkim-selector must be a DKIM selector such as s1 or k1 (several separated by commas), not "${bad ?? value}".`, 'Copy the part before ._domainkey from the DKIM record the provider shows.');
	}

	return selectors;
}
