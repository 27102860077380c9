import {execFile} from 'node:child_process';
import {existsSync, realpathSync} from 'node:fs';
import {mkdir, mkdtemp, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {promisify} from 'node:util';
import type {Options} from '../args.js';
import {describeError, ExitCode, type ExitCodeValue} from '../engine/errors.js';
import {visibleControls} from '../engine/shown-text.js';
import {writeAtomically} from './run-monitor.js';

export const UNIT_NAME = 'zulip-email-check';
/** Where an admin's own units live (systemd.unit(5)). */
export const SYSTEM_UNIT_DIR = '/etc/systemd/system';
export const UNIT_DIR_ENV = 'ZULIP_EMAIL_SETUP_UNIT_DIR';

export interface TimerContext {
	readonly stdout: NodeJS.WritableStream;
	readonly stderr: NodeJS.WritableStream;
	readonly signal?: AbortSignal;
	readonly env?: NodeJS.ProcessEnv;
	/** The command that runs this program: [executable, script?]. Default: this process's own. */
	readonly self?: readonly string[];
	/** Whether systemd is the running init (sd_booted: /run/systemd/system exists). */
	readonly systemdRunning?: boolean;
}

/**
 * This program by absolute paths: the standalone executable is
 * process.execPath alone; otherwise node and the bin script.
 */
export async function selfCommand(): Promise<string[]> {
	const script = process.argv[1];
	// node:sea is missing before Node 20.12 (as in version.ts); then argv tells: a single executable has no script of its own.
	const embedded = await import('node:sea').then(sea => sea.isSea(), () => false);
	const standalone = embedded || script === undefined || script.startsWith('-') || path.resolve(script) === process.execPath;
	if (standalone) return [process.execPath];
	return [process.execPath, realpathSync(path.resolve(script))];
}

/** A word of ExecStart: quoted when it holds spaces or quotes, '%' and '$' escaped (systemd.service(5) "Command lines"). */
function execWord(word: string): string {
	const escaped = word.replace(/\\/g, '\\\\').replace(/%/g, '%%').replace(/\$/g, '$$$$');
	return /[\s"']/.test(escaped) ? `"${escaped.replace(/"/g, '\\"')}"` : escaped;
}

/** The flags the timer's run repeats: the monitor, the files, the logs. */
function checkArgs(options: Options): string[] {
	const args = ['--check', '--no-send', '--monitor', options.monitor!];
	const pass = (flag: keyof Options, value: string | undefined, resolve = true) => {
		if (value !== undefined) args.push(`--${flag}`, resolve ? path.resolve(value) : value);
	};

	pass('textfile', options.textfile);
	pass('settings', options.settings);
	pass('secrets', options.secrets);
	pass('docker', options.docker);
	pass('helm-values', options['helm-values']);
	pass('deployment', options.deployment);
	pass('log-dir', options['log-dir']);
	pass('ca-file', options['ca-file']);
	pass('since', options.since, false);
	if (options['dns-server']) args.push('--dns-server', options['dns-server']);
	return args;
}

export interface Units {
	readonly service: string;
	readonly timer: string;
}

/**
 * The service and its timer. The service is hardened as far as the check
 * still works: it reads /etc/zulip, Zulip's deployment and logs (the whole
 * file system read-only), reaches the SMTP server and DNS over IPv4/IPv6,
 * and writes only the textfile's directory.
 */
export function timerUnits(command: readonly string[], options: Options): Units {
	const exec = [...command, ...checkArgs(options)].map(execWord).join(' ');
	const writable = options.textfile === undefined ? [] : [`ReadWritePaths=${execWord(path.dirname(path.resolve(options.textfile)))}`];
	const service = [
		'# Written by zulip-email-setup --install-timer; remove with zulip-email-setup --uninstall-timer.',
		'[Unit]',
		'Description=Check that Zulip can send email (zulip-email-setup, nothing is sent)',
		'Documentation=https://github.com/zulip/zulip-email-setup#after-the-setup',
		'Wants=network-online.target',
		'After=network-online.target',
		'',
		'[Service]',
		'Type=oneshot',
		`ExecStart=${exec}`,
		// Root for the secrets file (zulip:zulip 0640); without the capabilities root does not need.
		'CapabilityBoundingSet=CAP_DAC_READ_SEARCH CAP_DAC_OVERRIDE CAP_SETUID CAP_SETGID',
		'NoNewPrivileges=yes',
		'ProtectSystem=strict',
		'ProtectHome=read-only',
		...writable,
		'PrivateTmp=yes',
		'PrivateDevices=yes',
		'ProtectKernelTunables=yes',
		'ProtectKernelModules=yes',
		'ProtectKernelLogs=yes',
		'ProtectControlGroups=yes',
		'ProtectClock=yes',
		'ProtectHostname=yes',
		'RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX AF_NETLINK',
		'RestrictNamespaces=yes',
		'RestrictRealtime=yes',
		'RestrictSUIDSGID=yes',
		'LockPersonality=yes',
		'SystemCallArchitectures=native',
		'SystemCallFilter=@system-service',
		'UMask=0022',
		'',
	].join('\n');
	const timer = [
		'# Written by zulip-email-setup --install-timer; remove with zulip-email-setup --uninstall-timer.',
		'[Unit]',
		'Description=Daily check that Zulip can send email',
		'',
		'[Timer]',
		'OnCalendar=daily',
		'RandomizedDelaySec=1h',
		'Persistent=true',
		'',
		'[Install]',
		'WantedBy=timers.target',
		'',
	].join('\n');
	return {service, timer};
}

const run = promisify(execFile);

async function systemctl(args: readonly string[], signal?: AbortSignal): Promise<void> {
	await run('systemctl', [...args], {signal, timeout: 60_000});
}

/** The unit directory: --unit-dir, $ZULIP_EMAIL_SETUP_UNIT_DIR, the sandbox's own, else /etc/systemd/system. */
async function unitDirOf(options: Options, env: NodeJS.ProcessEnv): Promise<{dir: string; system: boolean}> {
	if (options['unit-dir'] !== undefined) return {dir: path.resolve(options['unit-dir']), system: false};
	if (env[UNIT_DIR_ENV]) return {dir: path.resolve(env[UNIT_DIR_ENV]), system: false};
	if (options.sandbox) {
		// The sandbox touches nothing outside its own directory: the units go there.
		const base = options['sandbox-dir'] === undefined ? await mkdtemp(path.join(tmpdir(), 'zulip-email-sandbox-')) : path.resolve(options['sandbox-dir']);
		return {dir: path.join(base, 'systemd'), system: false};
	}

	return {dir: SYSTEM_UNIT_DIR, system: true};
}

/** --install-timer / --uninstall-timer. */
export async function runTimerCommand(options: Options, context: TimerContext): Promise<ExitCodeValue> {
	const {stdout, stderr, signal} = context;
	const env = context.env ?? process.env;
	const running = context.systemdRunning ?? existsSync('/run/systemd/system');
	try {
		const {dir, system} = await unitDirOf(options, env);
		const servicePath = path.join(dir, `${UNIT_NAME}.service`);
		const timerPath = path.join(dir, `${UNIT_NAME}.timer`);
		// Only units in the system's own directory are enabled: a test's or the sandbox's are only written.
		const enable = running && system;
		if (options['uninstall-timer']) {
			if (enable) await systemctl(['disable', '--now', `${UNIT_NAME}.timer`], signal).catch(() => undefined);
			const removed: string[] = [];
			for (const file of [timerPath, servicePath]) {
				if (existsSync(file)) {
					await rm(file);
					removed.push(file);
				}
			}

			if (enable) await systemctl(['daemon-reload'], signal);
			stdout.write(removed.length > 0 ? `Removed ${removed.map(visibleControls).join(' and ')}.\n` : `No timer to remove in ${visibleControls(dir)}.\n`);
			return ExitCode.ok;
		}

		// The sandbox's units check the sandbox's own files (and trust its relay's CA), never /etc/zulip.
		const base = path.dirname(dir);
		const checked = options.sandbox && !system ? {...options, settings: options.settings ?? path.join(base, 'settings.py'), secrets: options.secrets ?? path.join(base, 'zulip-secrets.conf'), 'ca-file': options['ca-file'] ?? path.join(base, 'relay-ca.pem')} : options;
		const units = timerUnits(context.self ?? await selfCommand(), checked);
		await mkdir(dir, {recursive: true});
		await writeAtomically(servicePath, units.service);
		await writeAtomically(timerPath, units.timer);
		stdout.write(`Wrote ${visibleControls(servicePath)}:\n${units.service.replace(/^/gm, '  ')}\nWrote ${visibleControls(timerPath)}:\n${units.timer.replace(/^/gm, '  ')}\n`);
		if (enable) {
			await systemctl(['daemon-reload'], signal);
			await systemctl(['enable', '--now', `${UNIT_NAME}.timer`], signal);
			stdout.write(`Enabled ${UNIT_NAME}.timer: the check runs daily. See it with: systemctl list-timers ${UNIT_NAME}.timer; its last line: journalctl -u ${UNIT_NAME}.service -n 1\n`);
		} else {
			stdout.write(running
				? `Not enabled (the units are not in ${SYSTEM_UNIT_DIR}): copy them there, then run systemctl daemon-reload && systemctl enable --now ${UNIT_NAME}.timer\n`
				: `Not enabled: systemd is not running on this machine. Where it runs: systemctl daemon-reload && systemctl enable --now ${UNIT_NAME}.timer\n`);
		}

		return ExitCode.ok;
	} catch (error) {
		const described = describeError(error);
		stderr.write(`Error: ${described.message}\nFix: ${described.fix ?? 'Run as root, or pass --unit-dir with a directory you can write.'}\n`);
		return described.exitCode;
	}
}
