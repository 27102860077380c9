import {closeSync, constants, fstatSync, openSync, readFileSync} from 'node:fs';
import {ConfigError} from '../engine/errors.js';

/** What a failed read tells the admin: which file it was, and what to do. */
export interface ReadAdvice {
	/** Put before the path in the not-a-regular-file message, e.g. "The values file". */
	readonly label?: string;
	readonly pathFix: string;
	readonly permissionFix: string;
}

/**
 * A deployment file's text, or null when it does not exist. Opened
 * non-blocking and checked to be a regular file, so a FIFO given by mistake
 * is an error, not a hang.
 */
export function readOptionalText(file: string, advice: ReadAdvice): string | null {
	let fd: number | undefined;
	try {
		fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
		if (!fstatSync(fd).isFile()) throw new ConfigError(`${advice.label ? `${advice.label} ` : ''}${file} is not a regular file.`, advice.pathFix);
		return readFileSync(fd, 'utf8');
	} catch (error) {
		if (error instanceof ConfigError) throw error;
		const code = (error as NodeJS.ErrnoException).code;
		if (code === 'ENOENT') return null;
		if (code === 'EACCES' || code === 'EPERM') throw new ConfigError(`Cannot read ${file}: permission denied.`, advice.permissionFix, 'permission-denied');
		throw new ConfigError(`Cannot read ${file}: ${(error as Error).message}`);
	} finally {
		if (fd !== undefined) closeSync(fd);
	}
}
