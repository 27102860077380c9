import {randomBytes, randomInt, randomUUID} from 'node:crypto';
import {chmod, mkdir, mkdtemp, readdir, stat, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join, resolve} from 'node:path';
import {UsageError, WizardError, ExitCode} from '../engine/errors.js';
import {sandboxSettings} from './settings-template.js';

/** The fake server's names. `.test` is reserved (RFC 2606): nothing real answers to it. */
export const SANDBOX_EXTERNAL_HOST = 'zulip.sandbox.test';
export const SANDBOX_ADMINISTRATOR = `admin@${SANDBOX_EXTERNAL_HOST}`;

/** Marks a directory as ours, so --sandbox-dir never writes into someone's real config directory. */
const MARKER = '.zulip-email-setup-sandbox';

export interface SandboxFiles {
	/** The sandbox directory (absolute). */
	readonly dir: string;
	readonly settingsPath: string;
	readonly secretsPath: string;
	/** The fake restart script. */
	readonly restartScript: string;
	/** The same script as a shell command, for --restart-command. */
	readonly restartCommand: string;
	/** Whether settings.py and the secrets file were left from an earlier run in the same --sandbox-dir. */
	readonly reused: boolean;
	/** Whether the directory was made by mkdtemp (rather than named with --sandbox-dir). */
	readonly temporary: boolean;
}

const SECRET_KEY_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789!@#$%^&*(-_=+)';

function randomFrom(alphabet: string, length: number): string {
	let text = '';
	for (let index = 0; index < length; index++) text += alphabet[randomInt(alphabet.length)];
	return text;
}

/**
 * Django's secret key alphabet, 50 characters, as Zulip generates it. The
 * sandbox always has one holding `#`, `%` and `=` (a real one usually does),
 * because those are what naive ini handling mangles.
 */
export function sandboxSecretKey(): string {
	for (;;) {
		const key = randomFrom(SECRET_KEY_ALPHABET, 50);
		if (key.includes('#') && key.includes('%') && key.includes('=')) return key;
	}
}

/** zulip-secrets.conf as Zulip's generate_secrets writes it: a blank first line, `key = value`, no email_password. */
export function sandboxSecrets(): string {
	const hex = (bytes: number) => randomBytes(bytes).toString('hex');
	const alphanumeric = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
	const entries: Array<[string, string]> = [
		['avatar_salt', randomUUID()],
		['rabbitmq_password', hex(20)],
		['shared_secret', hex(32)],
		['camo_key', hex(32)],
		['memcached_password', hex(20)],
		['redis_password', hex(20)],
		['secret_key', sandboxSecretKey()],
		['zulip_org_key', randomFrom(alphanumeric, 64)],
		['zulip_org_id', randomUUID()],
	];
	return '\n[secrets]\n' + entries.map(([key, value]) => `${key} = ${value}\n`).join('');
}

/** Quote a path for `sh -c` only when it needs it. */
export function shellQuote(text: string): string {
	return /^[\w./-]+$/.test(text) ? text : `'${text.replaceAll("'", `'\\''`)}'`;
}

/**
 * Stands in for /home/zulip/deployments/current/scripts/restart-server. Like
 * the real one it checks the settings first (a broken settings.py stops the
 * restart with a traceback and exit 1) and prints `<timestamp> restart-server:`
 * lines, ending with Zulip's own success line.
 */
export function restartScriptText(): string {
	return `#!/bin/sh
# Stand-in for /home/zulip/deployments/current/scripts/restart-server,
# written by zulip-email-setup --sandbox. Nothing is restarted: it checks
# settings.py next to it the way the real script's Django check would, and
# prints what the real script prints.
set -u
# Only the shell and python3 (the single executable's sandbox runs where PATH has no coreutils).
case $0 in */*) here=\${0%/*} ;; *) here=. ;; esac
here=$(CDPATH= cd -- "$here" && pwd)
settings="$here/settings.py"

stamp() {
	python3 -c 'import datetime; print(datetime.datetime.now().strftime("%Y-%m-%d %H:%M:%S,%f")[:-3], end="")'
}

log() {
	printf '%s restart-server: %s\\n' "$(stamp)" "$*"
}

check_failed() {
	echo 'Traceback (most recent call last):'
	echo '  File "/home/zulip/deployments/current/scripts/restart-server", line 96, in <module>'
	echo '    subprocess.check_call(["./manage.py", "check", "--database", "default"])'
	echo "subprocess.CalledProcessError: Command '['./manage.py', 'check', '--database', 'default']' returned non-zero exit status 1."
	exit 1
}

log 'Running syntax and database checks'
# Bytecode stays inside the sandbox directory.
PYTHONPYCACHEPREFIX="$here/.pycache" python3 -m py_compile "$settings" || check_failed
# Django imports the module, so a name error is as fatal as a syntax error.
python3 -c 'import runpy, sys; runpy.run_path(sys.argv[1])' "$settings" || check_failed
echo 'System check identified no issues (0 silenced).'
log 'Restarting Zulip'
log 'Stopping workers'
log 'Stopping tornado process'
log 'Restarting django server'
log 'Starting workers'
log 'Starting tornado process'
log 'Done!'
echo 'Zulip restarted successfully!'
`;
}

async function exists(path: string): Promise<boolean> {
	try {
		await stat(path);
		return true;
	} catch {
		return false;
	}
}

/** The directory the sandbox lives in: --sandbox-dir (created if missing, must be empty or ours) or a fresh mkdtemp. */
async function sandboxDirectory(requested: string | undefined): Promise<{dir: string; temporary: boolean}> {
	if (requested === undefined) {
		return {dir: await mkdtemp(join(tmpdir(), 'zulip-email-setup-sandbox-')), temporary: true};
	}

	if (requested === '') throw new UsageError('--sandbox-dir needs a directory.', 'Pass --sandbox-dir DIR, or leave it out for a temporary directory.');
	const dir = resolve(requested);
	try {
		await mkdir(dir, {recursive: true, mode: 0o700});
	} catch (error) {
		throw new WizardError(ExitCode.config, `Cannot create the sandbox directory ${dir}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}.`, 'Choose a directory you can write to with --sandbox-dir DIR.', 'sandbox-dir');
	}

	let entries: string[];
	try {
		entries = await readdir(dir);
	} catch (error) {
		throw new WizardError(ExitCode.config, `Cannot read the sandbox directory ${dir}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}.`, 'Choose a directory you can read with --sandbox-dir DIR.', 'sandbox-dir');
	}

	// A real /etc/zulip passed here by mistake must never be edited as a sandbox.
	if (entries.length > 0 && !entries.includes(MARKER)) {
		throw new UsageError(`${dir} is not empty and was not made by --sandbox.`, 'Give --sandbox-dir a new or empty directory (it is created if missing).');
	}

	return {dir, temporary: false};
}

/**
 * Create (or, in a kept --sandbox-dir, reuse) the sandbox's settings.py,
 * zulip-secrets.conf and restart script. Files left by an earlier run are
 * kept as they are, so a second run shows the wizard starting from an
 * existing configuration, as on a real rerun.
 */
export async function createSandboxFiles(options: {dir?: string} = {}): Promise<SandboxFiles> {
	const {dir, temporary} = await sandboxDirectory(options.dir);
	const settingsPath = join(dir, 'settings.py');
	const secretsPath = join(dir, 'zulip-secrets.conf');
	const restartScript = join(dir, 'restart-server');
	await writeFile(join(dir, MARKER), 'Made by zulip-email-setup --sandbox. Nothing here is used by a real Zulip server.\n', {mode: 0o644});

	const haveSettings = await exists(settingsPath);
	const haveSecrets = await exists(secretsPath);
	if (!haveSettings) {
		await writeFile(settingsPath, sandboxSettings({administrator: SANDBOX_ADMINISTRATOR, externalHost: SANDBOX_EXTERNAL_HOST}), {mode: 0o644, flag: 'wx'});
		await chmod(settingsPath, 0o644);
	}

	if (!haveSecrets) {
		// Explicit chmod: the umask could otherwise widen or narrow what Zulip's puppet sets.
		await writeFile(secretsPath, sandboxSecrets(), {mode: 0o640, flag: 'wx'});
		await chmod(secretsPath, 0o640);
	}

	await writeFile(restartScript, restartScriptText(), {mode: 0o755});
	await chmod(restartScript, 0o755);
	return {
		dir,
		settingsPath,
		secretsPath,
		restartScript,
		restartCommand: shellQuote(restartScript),
		reused: haveSettings && haveSecrets,
		temporary,
	};
}
