import {readFile, writeFile} from 'node:fs/promises';
import {join} from 'node:path';

/**
 * What a kept sandbox's settings point at: the relay's port, user and
 * password. Saved in the sandbox (mode 0600; the password is throwaway and
 * also in its zulip-secrets.conf), so `--sandbox --sandbox-dir D` brings the
 * same relay back and `--check` finds what the files say.
 */
export interface RelayIdentity {
	readonly port: number;
	readonly username: string;
	readonly password: string;
}

const FILE = 'relay-identity.json';

export async function readRelayIdentity(dir: string): Promise<RelayIdentity | undefined> {
	try {
		const parsed = JSON.parse(await readFile(join(dir, FILE), 'utf8')) as Partial<RelayIdentity>;
		const valid = Number.isInteger(parsed.port) && parsed.port! > 0 && parsed.port! < 65_536 && typeof parsed.username === 'string' && parsed.username !== '' && typeof parsed.password === 'string' && parsed.password !== '';
		return valid ? {port: parsed.port!, username: parsed.username!, password: parsed.password!} : undefined;
	} catch {
		// Missing or edited by hand: a new identity, as in a fresh sandbox.
		return undefined;
	}
}

export async function saveRelayIdentity(dir: string, identity: RelayIdentity): Promise<void> {
	await writeFile(join(dir, FILE), JSON.stringify(identity, null, '\t') + '\n', {mode: 0o600});
}
