/** The real program, as the pty tests start it: the bundle `npm test` builds, built here when a test file runs alone. */
import {execFile} from 'node:child_process';
import {access} from 'node:fs/promises';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {promisify} from 'node:util';

export const REPO = fileURLToPath(new URL('../..', import.meta.url));
export const BIN = join(REPO, 'bin', 'zulip-email-setup.js');

/** `npm test` builds first; a lone run of one test file builds the same way `npm start` does. */
export async function ensureBuilt(): Promise<void> {
	await access(join(REPO, 'dist', 'cli.js')).catch(async () => promisify(execFile)(process.execPath, ['scripts/build.js'], {cwd: REPO}));
}
