/**
 * zulip-secrets.conf holds every secret of the server; Zulip's puppet makes
 * it 0640 zulip:zulip. A copy readable by every user is a leak waiting to be
 * used, and adding the SMTP password to it makes it worse: say so, and offer
 * the fix (the wizard asks; --non-interactive applies it with
 * --fix-secrets-mode).
 */
import {command} from './command-text.js';

export const SECRETS_MODE = 0o640;

export function secretsWorldReadable(mode: number | undefined): boolean {
	return mode !== undefined && (mode & 0o007) !== 0;
}

export function secretsModeWarnings(path: string, mode: number | undefined): string[] {
	if (!secretsWorldReadable(mode)) return [];
	const shown = (mode! & 0o777).toString(8).padStart(4, '0');
	return [`${path} is readable by every user on this machine (mode ${shown}), and it holds all of Zulip's secrets: make it 0640 (${command(`chmod 0640 ${path}`)}, or --fix-secrets-mode).`];
}

/** Take every right of other users away (0640 for Zulip's own 0644 mistake); owner and group keep theirs. */
export async function fixSecretsMode(path: string, mode: number): Promise<number> {
	const fixed = mode & ~0o007 & 0o7777;
	const {changeMode} = await import('./safe-write.js');
	changeMode(path, fixed);
	return fixed;
}

/**
 * The wizard's offer, shown with the changes to review: confirming the write
 * accepts it (the non-interactive face needs --fix-secrets-mode instead).
 */
export function secretsModeOffer(files: ReadonlyArray<{readonly path: string; readonly modeNow?: number}>): string | undefined {
	const open = files.find(file => secretsWorldReadable(file.modeNow));
	if (!open) return undefined;
	const from = (open.modeNow! & 0o777).toString(8).padStart(4, '0');
	const to = (open.modeNow! & 0o770).toString(8).padStart(4, '0');
	return `${open.path} is readable by every user (mode ${from}): writing also makes it ${to}, as Zulip sets it.`;
}
