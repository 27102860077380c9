import {readFile} from 'node:fs/promises';
import {UsageError} from './errors.js';

export const PASSWORD_ENV = 'ZULIP_EMAIL_PASSWORD';

/** Our environment minus the password: every child process (restart, id) gets this, never the password. */
export function environmentWithoutPassword(environment: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
	const rest = {...environment};
	delete rest[PASSWORD_ENV];
	return rest;
}

/**
 * The one line that holds the password; only line endings are trimmed
 * (spaces and tabs are the password's own, judged later). A second non-empty
 * line is refused rather than cut off: which of them is the password is a
 * guess. A byte order mark (an editor's UTF-8 signature) is refused too: it is
 * invisible, and stripping it silently would store a different password
 * than the admin believes if it was meant.
 */
function onlyLine(text: string, source: string): string {
	if (text.startsWith('\uFEFF')) {
		throw new UsageError(`${source} starts with a byte order mark (an invisible U+FEFF), so the password is not taken from it.`, 'Save the file as UTF-8 without BOM (e.g. sed -i \'1s/^\\xEF\\xBB\\xBF//\' FILE), then run again.');
	}

	const lines = text.split(/\r\n|\n|\r/).filter(line => line !== '');
	if (lines.length > 1) {
		throw new UsageError(`${source} has ${lines.length} non-empty lines; the password must be the only one.`, 'Put the password alone on the first line, then run again.');
	}

	return lines[0] ?? '';
}

/** All of stdin, or the signal's reason as soon as it is aborted (a slow writer must not delay a cancel). */
async function readStdin(stdin: NodeJS.ReadableStream, signal?: AbortSignal): Promise<string> {
	signal?.throwIfAborted();
	const chunks: Buffer[] = [];
	const reading = (async () => {
		for await (const chunk of stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
	})();
	if (!signal) {
		await reading;
	} else {
		let onAbort: (() => void) | undefined;
		const aborted = new Promise<never>((_resolve, reject) => {
			onAbort = () => reject(signal.reason);
			signal.addEventListener('abort', onAbort, {once: true});
		});
		try {
			await Promise.race([reading, aborted]);
		} finally {
			signal.removeEventListener('abort', onAbort!);
		}
	}

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
	signal?: AbortSignal,
): Promise<string | undefined> {
	const fromEnvironment = environment[PASSWORD_ENV];
	const sources = [options.passwordFile !== undefined, options.passwordStdin === true, fromEnvironment !== undefined].filter(Boolean).length;
	if (sources > 1) throw new UsageError(`Give the password one way only: --password-file, --password-stdin or ${PASSWORD_ENV}.`);
	if (options.passwordFile !== undefined) {
		let text: string;
		try {
			text = await readFile(options.passwordFile, 'utf8');
		} catch (error) {
			throw new UsageError(`Cannot read --password-file ${options.passwordFile}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}.`);
		}

		return onlyLine(text, `--password-file ${options.passwordFile}`);
	}

	if (options.passwordStdin) return onlyLine(await readStdin(stdin, signal), 'The password on standard input');
	return fromEnvironment;
}
