import {lookup, lookupService} from 'node:dns/promises';
import os from 'node:os';

let cached: Promise<string> | undefined;

function within<T>(promise: Promise<T>, ms: number): Promise<T> {
	let timer: NodeJS.Timeout | undefined;
	const deadline = new Promise<never>((_, reject) => {
		timer = setTimeout(() => reject(new Error('timeout')), ms);
	});
	return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

/**
 * The name Django says EHLO with: Python's socket.getfqdn(), i.e. the
 * hostname resolved and reverse-resolved, the first name with a dot, else the
 * reverse name. Cached for the process, as Django's DNS_NAME is.
 */
export function defaultEhloName(): Promise<string> {
	cached ??= (async () => {
		const hostname = os.hostname();
		try {
			const {address} = await within(lookup(hostname), 1000);
			const {hostname: reverse} = await within(lookupService(address, 0), 1000);
			return [reverse, hostname].find(name => name.includes('.')) ?? reverse;
		} catch {
			return hostname || 'localhost';
		}
	})();
	return cached;
}
