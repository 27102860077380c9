import {hostname, networkInterfaces} from 'node:os';
import net from 'node:net';

/** The addresses of this machine's own interfaces, as the kernel lists them. */
function ownAddresses(): Set<string> {
	const addresses = new Set<string>();
	for (const list of Object.values(networkInterfaces())) {
		for (const entry of list ?? []) addresses.add(entry.address.toLowerCase());
	}

	return addresses;
}

/**
 * Whether EMAIL_HOST is this machine: `localhost`, 127.0.0.0/8, ::1, this
 * machine's name, or one of its own addresses. Only then can the mail
 * server's queue and log tell what became of the test mails. No DNS lookup.
 */
export function isThisMachine(host: string): boolean {
	const name = host.trim().toLowerCase().replace(/^\[(.*)\]$/, '$1').replace(/\.$/, '');
	if (name === 'localhost' || name.endsWith('.localhost')) return true;
	const family = net.isIP(name);
	if (family === 4) return name.startsWith('127.') || ownAddresses().has(name);
	if (family === 6) return name === '::1' || /^::ffff:127\./.test(name) || ownAddresses().has(name);
	const own = hostname().toLowerCase();
	return name === own || name.split('.')[0] === own && name.startsWith(`${own}.`);
}
