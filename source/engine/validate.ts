import {isIP} from 'node:net';
import {join, relative, resolve} from 'node:path';

/** The checks every answer passes before it goes near a file; both faces show these messages as they are. */

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

export function hasControlCharacter(value: string): boolean {
	return CONTROL.test(value);
}

export function hostProblem(host: string): string | undefined {
	if (host === '') return 'The host is empty.';
	if (hasControlCharacter(host) || /\s/.test(host)) return 'A host name cannot contain spaces or control characters.';
	if (isIP(host)) return undefined;
	if (host.length > 253) return 'A host name is at most 253 characters long.';
	const labels = host.replace(/\.$/, '').split('.');
	for (const label of labels) {
		if (!/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/i.test(label)) {
			return `"${host}" is not a valid host name (letters, digits, hyphens and dots, like smtp.example.com).`;
		}
	}

	return undefined;
}

export function portProblem(port: number | string): string | undefined {
	const value = typeof port === 'number' ? port : /^\d+$/.test(port.trim()) ? Number(port) : Number.NaN;
	if (!Number.isInteger(value) || value < 1 || value > 65_535) return `Port must be a whole number from 1 to 65535, not "${port}".`;
	return undefined;
}

export function parsePort(port: string): number | undefined {
	return portProblem(port) ? undefined : Number(port.trim());
}

/** A bare address as Django sends it in MAIL FROM: local@domain, no display name. */
export function addressProblem(address: string): string | undefined {
	if (address === '') return 'The address is empty.';
	if (hasControlCharacter(address) || /\s/.test(address)) return 'An email address cannot contain spaces or control characters.';
	if (address.length > 254) return 'An email address is at most 254 characters long.';
	const at = address.lastIndexOf('@');
	if (at < 1 || at === address.length - 1) return `"${address}" is not an email address (like noreply@example.com).`;
	const local = address.slice(0, at);
	const domain = address.slice(at + 1);
	if (!/^[a-z0-9!#$%&'*+/=?^_`{|}~.{}-]+$/i.test(local) || local.startsWith('.') || local.endsWith('.') || local.includes('..')) {
		return `"${address}" has characters that do not belong in the part before the @.`;
	}

	const domainProblem = hostProblem(domain);
	if (domainProblem || !domain.includes('.') && domain !== 'localhost') return `"${address}" does not end in a valid domain.`;
	return undefined;
}

/** The tokenized noreply template must keep its {token} placeholder. */
export function noreplyTemplateProblem(template: string): string | undefined {
	if (!template.includes('{token}')) return 'The tokenized noreply address must contain {token}.';
	return addressProblem(template.replace('{token}', 'a'.repeat(24)));
}

export function usernameProblem(username: string): string | undefined {
	if (hasControlCharacter(username)) return 'The username cannot contain control characters or line breaks.';
	if (username !== username.trim()) return 'The username cannot begin or end with a space.';
	if (username.length > 512) return 'The username is longer than any SMTP server accepts.';
	return undefined;
}

/** Whether `path` is `dir` or below it. */
export function isInside(dir: string, path: string): boolean {
	const rest = relative(resolve(dir), resolve(dir, path));
	return rest === '' || (!rest.startsWith('..') && !rest.startsWith('/'));
}

/** The sandbox writes nowhere but its own directory: a mail directory elsewhere is refused in both faces' words. */
export function outsideSandboxProblem(sandboxDir: string | undefined, path: string): string | undefined {
	if (sandboxDir === undefined || isInside(sandboxDir, path)) return undefined;
	return `${path} is outside the sandbox (${sandboxDir}), and the sandbox writes nowhere else: choose a directory inside it, e.g. ${join(sandboxDir, 'emails')}.`;
}

export function filePathProblem(path: string): string | undefined {
	if (path === '') return 'The directory is empty.';
	if (hasControlCharacter(path)) return 'The directory cannot contain control characters.';
	if (!path.startsWith('/')) return `The directory must be an absolute path (like /var/log/zulip/emails), not "${path}".`;
	return undefined;
}
