import {spawn} from 'node:child_process';
import {chmod, copyFile, mkdtemp, readFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import path from 'node:path';
import type {ConfigPaths} from '../../source/engine/current-config.js';
import {startDnsServer, type RunningDnsServer} from '../../source/sandbox/dns-server.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const FIXTURES = path.join(ROOT, 'test/fixtures');

export interface CliResult {
	code: number | null;
	stdout: string;
	stderr: string;
}

let emptyZone: Promise<RunningDnsServer> | undefined;

/**
 * --check and --check-dns ask DNS about the From domains. Tests reach only
 * loopback: a run that names no resolver (and is not a sandbox, which has
 * its own) gets this empty zone, where every name is NXDOMAIN.
 */
async function loopbackDnsArgs(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<string[]> {
	const asksDns = args.includes('--check') || args.includes('--check-dns');
	if (!asksDns || args.includes('--dns-server') || args.includes('--sandbox') || env.ZULIP_EMAIL_SETUP_DNS_SERVER) return [];
	emptyZone ??= startDnsServer({records: {}}).then(server => {
		server.unref();
		return server;
	});
	return ['--dns-server', (await emptyZone).address];
}

/** Run the CLI from source, as a script would: no TTY, given stdin and environment. */
export async function runCli(args: readonly string[], options: {env?: NodeJS.ProcessEnv; stdin?: string; uid?: number; gid?: number; cwd?: string} = {}): Promise<CliResult> {
	const dnsArgs = await loopbackDnsArgs(args, options.env);
	return new Promise((resolve, reject) => {
		const child = spawn(process.execPath, ['--import', path.join(ROOT, 'node_modules/tsx/dist/esm/index.mjs'), path.join(ROOT, 'source/cli.tsx'), ...args, ...dnsArgs], {
			cwd: options.cwd ?? ROOT,
			env: {...process.env, ZULIP_EMAIL_PASSWORD: undefined, NO_COLOR: '1', ...options.env},
			stdio: ['pipe', 'pipe', 'pipe'],
			uid: options.uid,
			gid: options.gid,
		});
		let stdout = '';
		let stderr = '';
		child.stdout.setEncoding('utf8').on('data', chunk => (stdout += chunk));
		child.stderr.setEncoding('utf8').on('data', chunk => (stderr += chunk));
		child.on('error', reject);
		child.on('close', code => resolve({code, stdout, stderr}));
		child.stdin.end(options.stdin ?? '');
	});
}

/**
 * A new EMAIL_FILE_PATH that the user Zulip runs as can create, whoever that
 * is: the system's zulip user where one exists (every Zulip server, many CI
 * images), else whoever runs the test. Like /var/log/zulip, not inside the
 * fake /etc/zulip (a root-only 0700 temp directory a zulip user cannot enter).
 */
export async function mailDirectory(): Promise<string> {
	const parent = await mkdtemp(path.join(tmpdir(), 'zes-mail-'));
	await chmod(parent, 0o777);
	return path.join(parent, 'emails');
}

/** A fake /etc/zulip in a temp dir from fixtures. */
export async function fakeServer(settings = 'zulip-2024.py', secrets = 'zulip-generated.conf'): Promise<ConfigPaths & {dir: string; args: string[]}> {
	const dir = await mkdtemp(path.join(tmpdir(), 'zes-cli-'));
	const paths = {settings: path.join(dir, 'settings.py'), secrets: path.join(dir, 'zulip-secrets.conf')};
	await copyFile(path.join(FIXTURES, 'settings', settings), paths.settings);
	await copyFile(path.join(FIXTURES, 'secrets', secrets), paths.secrets);
	await chmod(paths.secrets, 0o640);
	return {...paths, dir, args: ['--settings', paths.settings, '--secrets', paths.secrets]};
}

export async function snapshot(paths: ConfigPaths): Promise<string> {
	return (await readFile(paths.settings, 'utf8')) + '\0' + (await readFile(paths.secrets, 'utf8'));
}
