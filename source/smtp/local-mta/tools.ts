import {execFile} from 'node:child_process';
import {accessSync, closeSync, constants, fstatSync, openSync, readSync} from 'node:fs';
import {locate, withCredentials} from '../../engine/as-owner.js';
import path from 'node:path';

/** How the mail server's own tools are found and run: PATH and environment (tests point them at private instances). */
export interface ToolEnvironment {
	readonly env?: NodeJS.ProcessEnv;
	readonly signal?: AbortSignal;
}

/** The first executable called `name` on PATH, as a shell would find it. */
export function onPath(name: string, tools: ToolEnvironment): string | undefined {
	const searchPath = (tools.env ?? process.env).PATH ?? '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
	for (const directory of searchPath.split(':')) {
		if (!directory || !path.isAbsolute(directory)) continue;
		const candidate = path.join(directory, name);
		try {
			accessSync(candidate, constants.X_OK);
			return candidate;
		} catch {
			// Not here: the next directory.
		}
	}

	return undefined;
}

export interface ToolOutput {
	readonly ok: boolean;
	readonly stdout: string;
	readonly stderr: string;
}

/** Run one of the mail server's tools; never throws, never runs longer than a few seconds. */
export function runTool(file: string, args: readonly string[], tools: ToolEnvironment): Promise<ToolOutput> {
	return new Promise(resolve => {
		execFile(file, args, {env: tools.env ?? process.env, timeout: 10_000, maxBuffer: 8 * 1024 * 1024, signal: tools.signal, encoding: 'utf8'}, (error, stdout, stderr) => {
			resolve({ok: !error, stdout: String(stdout ?? ''), stderr: String(stderr ?? (error as Error | null)?.message ?? '')});
		});
	});
}

/**
 * Read at most the last `limit` bytes of a log. The MTA's user owns its log
 * directory, so root reads defensively: never through a symbolic link, only
 * a regular file with one link (no hard link to another file), and only
 * lines naming a test mail's queue id are ever shown.
 */
export function readLogTail(file: string, limit = 4 * 1024 * 1024): string | undefined {
	let fd: number | undefined;
	try {
		// As the user who controls the directory (the MTA's user owns its log directory, zulip owns /etc/zulip): engine/as-owner.ts.
		const place = locate(file);
		fd = withCredentials(place.actor, () => openSync(place.path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK));
		const stats = fstatSync(fd);
		if (!stats.isFile() || stats.nlink !== 1) return undefined;
		const length = Math.min(stats.size, limit);
		const buffer = Buffer.alloc(length);
		const read = readSync(fd, buffer, 0, length, stats.size - length);
		return buffer.subarray(0, read).toString('utf8');
	} catch {
		return undefined;
	} finally {
		if (fd !== undefined) closeSync(fd);
	}
}
