import {locate, readLocated, writersOf} from '../engine/as-owner.js';
import {ConfigError} from '../engine/errors.js';
import type {FileOwner} from '../zulip/python-runner.js';

/** What a failed read tells the admin: which file it was, and what to do. */
export interface ReadAdvice {
	/** Put before the path in the not-a-regular-file message, e.g. "The values file". */
	readonly label?: string;
	readonly pathFix: string;
	readonly permissionFix: string;
}

/** A deployment file's text, and who can change it (from the descriptor the text came through, and the directories on the way). */
export interface OptionalFile {
	readonly text: string;
	readonly owner: FileOwner;
}

/**
 * A deployment file's text and owner, or null when it does not exist. Looked
 * up and opened as the user who controls its directory (as-owner.ts),
 * non-blocking, and checked through that one descriptor to be a regular file,
 * so a FIFO given by mistake is an error, not a hang, and the owner is the
 * owner of the very bytes read.
 */
export function readOptionalFile(file: string, advice: ReadAdvice): OptionalFile | null {
	try {
		const place = locate(file);
		const opened = readLocated(place);
		if (!opened) return null;
		if (!opened.stats.isFile()) throw new ConfigError(`${advice.label ? `${advice.label} ` : ''}${file} is not a regular file.`, advice.pathFix);
		const {uid, gid, mode} = opened.stats;
		return {text: opened.bytes.toString('utf8'), owner: {uid, gid, mode, writers: writersOf(place, opened.stats)}};
	} catch (error) {
		if (error instanceof ConfigError) throw error;
		const code = (error as NodeJS.ErrnoException).code;
		if (code === 'EACCES' || code === 'EPERM') throw new ConfigError(`Cannot read ${file}: permission denied.`, advice.permissionFix, 'permission-denied');
		throw new ConfigError(`Cannot read ${file}: ${(error as Error).message}`);
	}
}

/** readOptionalFile's text alone. */
export function readOptionalText(file: string, advice: ReadAdvice): string | null {
	return readOptionalFile(file, advice)?.text ?? null;
}
