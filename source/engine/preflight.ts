/**
 * Everything about a run's inputs that can be known before anything is
 * written is checked first: a bad --ca-file, --transcript or --to found
 * after both files were written would leave the admin with a half-done job.
 * Each problem is a UsageError (exit 2) naming the flag.
 */
import {X509Certificate} from 'node:crypto';
import {accessSync, constants, lstatSync, openSync, readFileSync, readSync, closeSync, realpathSync} from 'node:fs';
import path from 'node:path';
import {TRANSCRIPT_HEADER} from '../smtp/transcript.js';
import type {ConfigPaths} from './current-config.js';
import {UsageError} from './errors.js';
import {addressProblem} from './validate.js';

const errorCode = (error: unknown) => (error as NodeJS.ErrnoException | undefined)?.code;

function realOrResolved(file: string): string {
	try {
		return realpathSync(file);
	} catch {
		return path.resolve(file);
	}
}

function startsWithHeader(file: string): boolean {
	const head = Buffer.alloc(TRANSCRIPT_HEADER.length);
	let fd: number | undefined;
	try {
		fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
		readSync(fd, head, 0, head.length, 0);
		return head.toString('utf8') === TRANSCRIPT_HEADER;
	} catch {
		return false;
	} finally {
		if (fd !== undefined) closeSync(fd);
	}
}

/** Why --transcript FILE may not be written, if it may not: only a new file or an earlier transcript is. */
export function transcriptProblem(file: string, paths: ConfigPaths): string | undefined {
	const target = path.resolve(file);
	// The directory's real path: a transcript path that reaches a config file through a linked directory is still that file.
	const real = path.join(realOrResolved(path.dirname(target)), path.basename(target));
	for (const configFile of [paths.settings, paths.secrets]) {
		const candidates = new Set([path.resolve(configFile), realOrResolved(configFile)]);
		for (const candidate of candidates) {
			if (real === candidate || target === candidate) return `${file} is the configuration file ${configFile}`;
			if (path.dirname(real) === path.dirname(candidate) && path.basename(real).startsWith(`${path.basename(candidate)}.bak-`)) {
				return `${file} is a backup of ${configFile}`;
			}
		}
	}

	const stats = lstatSync(target, {throwIfNoEntry: false});
	if (stats?.isSymbolicLink()) return `${file} is a symbolic link; a transcript is never written through one`;
	if (stats) {
		const ours = stats.isFile() && stats.nlink === 1 && stats.uid === (process.geteuid?.() ?? stats.uid) && startsWithHeader(target);
		return ours ? undefined : `${file} exists and is not an earlier transcript, so it is not overwritten`;
	}

	try {
		accessSync(path.dirname(target), constants.W_OK | constants.X_OK);
	} catch (error) {
		return `${file} cannot be created (${path.dirname(target)}: ${errorCode(error) ?? (error as Error).message})`;
	}

	return undefined;
}

/** Why --ca-file PATH cannot serve as a CA certificate, if it cannot. */
export function caFileProblem(file: string): string | undefined {
	let text: string;
	try {
		text = readFileSync(file, 'utf8');
	} catch (error) {
		return `--ca-file ${file} cannot be read (${errorCode(error) ?? (error as Error).message})`;
	}

	if (!text.includes('-----BEGIN CERTIFICATE-----')) return `--ca-file ${file} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`;
	try {
		new X509Certificate(text);
	} catch (error) {
		return `--ca-file ${file} is not a valid PEM certificate (${(error as Error).message})`;
	}

	return undefined;
}

export interface RunInputs {
	readonly caFile?: string;
	readonly transcript?: string;
	readonly to?: string;
}

/** Throws UsageError (exit 2) for the first input that cannot work; before anything is read or written. */
export function checkRunInputs(inputs: RunInputs, paths: ConfigPaths): void {
	if (inputs.to !== undefined) {
		const problem = addressProblem(inputs.to);
		if (problem) throw new UsageError(`--to: ${problem}`, 'Pass the address the test mails should go to, like --to you@example.com.');
	}

	if (inputs.caFile !== undefined) {
		const problem = caFileProblem(inputs.caFile);
		if (problem) throw new UsageError(`${problem}.`, 'Pass the PEM file of the CA that signed the relay\'s certificate.');
	}

	if (inputs.transcript !== undefined) {
		const problem = transcriptProblem(inputs.transcript, paths);
		if (problem) throw new UsageError(`--transcript: ${problem}.`, 'Pass a new file name, e.g. --transcript /root/smtp-transcript.log (or an earlier transcript to replace).');
	}
}
