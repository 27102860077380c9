import {locate, readLocated} from '../engine/as-owner.js';
import {join} from 'node:path';

/** Where a standard install keeps the running release (a symlink to deployments/<date>). */
export const DEFAULT_DEPLOYMENT = '/home/zulip/deployments/current';

/** The running Zulip release, as its version.py says. */
export interface ZulipVersion {
	/** As written, e.g. "9.3" or "10.0-dev+git" or a zulip-git-version line. */
	readonly text: string;
	readonly major: number;
	readonly minor: number;
}

/**
 * What the live test must copy from the running release; each entry says the
 * release it arrived with in Zulip's history.
 */
export interface ZulipBehaviour {
	/** The release the behaviour was worked out for; null = not detected, assume the newest. */
	readonly version: ZulipVersion | null;
	/**
	 * Django 4.2 (Zulip 7.0+) verifies the SMTP server's certificate against
	 * the system trust store; Django 3.2 (Zulip 4–5) and 4.1 (Zulip 6) use an
	 * unverified context, so any certificate works there.
	 */
	readonly verifiesCertificates: boolean;
	/**
	 * Since 4.0, build_email sends every templated mail with
	 * MAIL FROM:<FromAddress.NOREPLY>, whatever the From header says;
	 * before, the envelope sender was the From address itself.
	 */
	readonly noreplyEnvelope: boolean;
	/** Since 3.0 Zulip forces EMAIL_TIMEOUT = 15 (per socket operation); before, Django's default of none. */
	readonly forcedTimeout: boolean;
}

/**
 * Read ZULIP_VERSION out of version.py's *text*: the file belongs to the
 * zulip user and this tool may run as root, so it is never executed. Zulip's
 * own version.py lets a `zulip-git-version` file beside it override the value
 * (git deployments); its first line is read the same way.
 */
export function parseVersionText(text: string): ZulipVersion | null {
	const match = /^ZULIP_VERSION\s*=\s*(['"])([^'"\n]*)\1/m.exec(text);
	return match ? versionFrom(match[2]!) : null;
}

export function versionFrom(text: string): ZulipVersion | null {
	const numbers = /^\s*(\d+)\.(\d+)/.exec(text);
	if (!numbers) return null;
	return {text: text.trim(), major: Number(numbers[1]), minor: Number(numbers[2])};
}

/** A small regular file's text, or null: a missing, unreadable or odd path just means "not detected". */
function readSmall(path: string): string | null {
	try {
		// As the user who controls /home/zulip (as-owner.ts); non-blocking, so a FIFO put there cannot hang the wizard.
		const opened = readLocated(locate(path), {maxBytes: 1_000_000});
		if (!opened?.stats.isFile() || opened.stats.size > 1_000_000) return null;
		return opened.bytes.toString('utf8');
	} catch {
		return null;
	}
}

/** The release installed in `deployment` (a directory holding version.py), or null when it cannot be told. */
export function readZulipVersion(deployment: string = DEFAULT_DEPLOYMENT): ZulipVersion | null {
	const text = readSmall(join(deployment, 'version.py'));
	if (text === null) return null;
	const fromFile = parseVersionText(text);
	if (!fromFile) return null;
	// Zulip 4.0+ reads zulip-git-version (written by git-based upgrades) over the literal.
	const gitVersion = readSmall(join(deployment, 'zulip-git-version'))?.split('\n')[0];
	return (gitVersion && versionFrom(gitVersion)) || fromFile;
}

const atLeast = (version: ZulipVersion | null, major: number) => version === null || version.major >= major;

/** What Zulip `version` does; an undetected version is taken to be the newest (the strictest). */
export function zulipBehaviour(version: ZulipVersion | null): ZulipBehaviour {
	return {
		version,
		verifiesCertificates: atLeast(version, 7),
		noreplyEnvelope: atLeast(version, 4),
		forcedTimeout: atLeast(version, 3),
	};
}

/** "Zulip 6.1" or "this Zulip" when unknown, for messages. */
export function zulipName(version: ZulipVersion | null): string {
	return version ? `Zulip ${version.text}` : 'this Zulip';
}
