import {readFile} from 'node:fs/promises';
import {UsageError} from './errors.js';

export const PASSWORD_ENV = 'ZULIP_EMAIL_PASSWORD';

/** Our environment minus the password: every child process (restart, id) gets this, never the password. */
export function environmentWithoutPassword(environment: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
	const rest = {...environment};
	delete rest[PASSWORD_ENV];
	return rest;
}

/** Only the line ending is trimmed: spaces are the password's own and are judged later. */
function firstLine(text: string): string {
	const end = text.search(/\r?\n/);
	return end === -1 ? text : text.slice(0, end);
}

async function readStdin(stdin: NodeJS.ReadableStream): Promise<string> {
	const chunks: Buffer[] = [];
	for await (const chunk of stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
	return Buffer.concat(chunks).toString('utf8');
}

/**
 * The password from exactly one of its three allowed sources, never argv.
 * undefined when none was given.
 */
export async function readPasswordSource(
	options: {passwordFile?: string; passwordStdin?: boolean},
	environment: NodeJS.ProcessEnv = process.env,
	stdin: NodeJS.ReadableStream = process.stdin,
): Promise<string | undefined> {
	const fromEnvironment = environment[PASSWORD_ENV];
	const sources = [options.passwordFile !== undefined, options.passwordStdin === true, fromEnvironment !== undefined].filter(Boolean).length;
	if (sources > 1) throw new UsageError(`Give the password one way only: --password-file, --password-stdin or ${PASSWORD_ENV}.`);
	if (options.passwordFile !== undefined) {
		try {
			return firstLine(await readFile(options.passwordFile, 'utf8'));
		} catch (error) {
			throw new UsageError(`Cannot read --password-file ${options.passwordFile}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}.`);
		}
	}

	if (options.passwordStdin) return firstLine(await readStdin(stdin));
	return fromEnvironment;
}
