/**
 * `--sandbox --docker`: the Compose mode on a throwaway docker-zulip
 * directory inside the sandbox (docker-zulip's own compose.yaml and example
 * override), and a stand-in for `docker compose up -d zulip`. No Docker is
 * needed or touched: the live test runs on this host against the sandbox
 * relay, with the values as the container would see them.
 */
import {randomBytes} from 'node:crypto';
import {chmod, mkdir, readFile, writeFile} from 'node:fs/promises';
import path from 'node:path';
import {maskEnvDiff, maskYamlDiff} from '../docker/compose-target.js';
import {PASSWORD_VARIABLE} from '../docker/compose-project.js';
import {unifiedDiff} from '../engine/unified-diff.js';
import {COMPOSE_OVERRIDE_EXAMPLE, COMPOSE_YAML} from './docker-files.js';
import {SANDBOX_ADMINISTRATOR, SANDBOX_EXTERNAL_HOST, shellQuote} from './files.js';

export interface ComposeSandbox {
	/** The throwaway docker-zulip directory. */
	readonly dir: string;
	/** The stand-in for `docker compose up -d zulip`, as a shell command. */
	readonly restartCommand: string;
}

/** What the stand-in prints: docker compose's own lines for a recreated service. */
export function fakeComposeUpText(dir: string): string {
	return `#!/bin/sh
# Stand-in for "docker compose up -d zulip", written by zulip-email-setup --sandbox --docker.
# Nothing runs: a real deployment recreates the zulip container here, and its
# entrypoint regenerates settings.py from ${shellQuote(path.join(dir, 'compose.override.yaml'))}.
echo '[+] Running 1/1'
echo ' ✔ Container docker-zulip-zulip-1  Recreated (sandbox: nothing was started)'
`;
}

/** The directory, made once per sandbox and reused by a kept --sandbox-dir. */
export async function createComposeSandbox(sandboxDir: string): Promise<ComposeSandbox> {
	const dir = path.join(sandboxDir, 'docker-zulip');
	await mkdir(dir, {recursive: true, mode: 0o755});
	const write = async (name: string, text: string, mode: number) => {
		// 'wx': a kept sandbox keeps what earlier runs wrote.
		await writeFile(path.join(dir, name), text, {mode, flag: 'wx'}).catch((error: NodeJS.ErrnoException) => {
			if (error.code !== 'EEXIST') throw error;
		});
	};

	const override = COMPOSE_OVERRIDE_EXAMPLE
		.replace('SETTING_EXTERNAL_HOST: "zulip.example.com"', `SETTING_EXTERNAL_HOST: "${SANDBOX_EXTERNAL_HOST}"`)
		.replace('SETTING_ZULIP_ADMINISTRATOR: "zulip-admin@example.com"', `SETTING_ZULIP_ADMINISTRATOR: "${SANDBOX_ADMINISTRATOR}"`);
	const secret = () => randomBytes(18).toString('base64url');
	const env = ['POSTGRES', 'MEMCACHED', 'RABBITMQ', 'REDIS', 'SECRET_KEY'].map(name => `ZULIP__${name === 'SECRET_KEY' ? name : `${name}_PASSWORD`}=${secret()}`).join('\n') + '\n';
	await write('compose.yaml', COMPOSE_YAML, 0o644);
	await write('compose.override.yaml', override, 0o644);
	await write('.env', env, 0o600);
	const script = path.join(sandboxDir, 'fake-docker-compose-up');
	await writeFile(script, fakeComposeUpText(dir), {mode: 0o755});
	await chmod(script, 0o755);
	return {dir, restartCommand: shellQuote(script)};
}

const FILES = ['compose.override.yaml', '.env'] as const;

/** The directory's editable files as they were when the session started. */
export async function snapshotCompose(sandbox: ComposeSandbox): Promise<Record<string, string>> {
	const entries = await Promise.all(FILES.map(async name => [name, await readFile(path.join(sandbox.dir, name), 'utf8').catch(() => '')] as const));
	return Object.fromEntries(entries);
}

/** What the session changed, masked as the review masks it. */
export async function composeSessionDiff(sandbox: ComposeSandbox, before: Record<string, string>): Promise<string> {
	const after = await snapshotCompose(sandbox);
	const override = path.join(sandbox.dir, 'compose.override.yaml');
	const env = path.join(sandbox.dir, '.env');
	return maskYamlDiff(unifiedDiff(before['compose.override.yaml'] ?? '', after['compose.override.yaml'] ?? '', override), false)
		+ maskEnvDiff(unifiedDiff(before['.env'] ?? '', after['.env'] ?? '', env), PASSWORD_VARIABLE, true);
}
