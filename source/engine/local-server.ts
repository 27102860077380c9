import {execFile} from 'node:child_process';
import {closeSync, constants, fstatSync, openSync, readSync} from 'node:fs';
import {locate, withCredentials} from './as-owner.js';
import net from 'node:net';
import type {ZulipVersion} from '../zulip/version-file.js';
import {visibleControls} from './shown-text.js';

/**
 * What can be known about "the local mail server" before any mail is sent:
 * which MTA answers on port 25 (its greeting, the installed package), how
 * Debian's Exim was configured (a "local delivery only" Exim takes Zulip's
 * mail and never sends it on), and whether a Zulip upgrade will remove
 * Postfix. The wizard's review and --non-interactive say the same notes.
 */
export interface LocalServerSurvey {
	/** The greeting on host:port, control characters made visible; undefined when nothing answered. */
	readonly banner?: string;
	readonly mta?: 'exim' | 'postfix' | 'other';
	/** Installed MTA packages with their versions, e.g. "exim4-daemon-light 4.96-15+deb12u11". */
	readonly packages: readonly string[];
	/** dc_eximconfig_configtype from update-exim4.conf.conf. */
	readonly eximConfigtype?: string;
	/** What to tell the admin, most important first. */
	readonly notes: readonly string[];
	/** For the fixes that install or reconfigure Postfix: Zulip's removal of postfix on upgrade, when it applies here. */
	readonly postfixNote?: string;
}

export interface SurveyOptions {
	readonly host?: string;
	readonly port?: number;
	/** Debian's answers to `dpkg-reconfigure exim4-config`; default /etc/exim4/update-exim4.conf.conf. */
	readonly eximConf?: string;
	/** Zulip's zulip.conf; default /etc/zulip/zulip.conf. */
	readonly zulipConf?: string;
	readonly zulipVersion?: ZulipVersion | null;
	/** Where dpkg-query and postconf are looked for; default the process's. */
	readonly env?: NodeJS.ProcessEnv;
	readonly signal?: AbortSignal;
	/** For the greeting; default 3 s. */
	readonly timeoutMs?: number;
}

export const DEFAULT_EXIM_CONF = '/etc/exim4/update-exim4.conf.conf';
export const DEFAULT_ZULIP_CONF = '/etc/zulip/zulip.conf';

/** A small text file, never through a symbolic link; undefined when absent or unreadable. */
function readSmallFile(file: string): string | undefined {
	let fd: number | undefined;
	try {
		// As the user who controls the directory (the MTA's user owns its log directory, zulip owns /etc/zulip): engine/as-owner.ts.
		const place = locate(file);
		fd = withCredentials(place.actor, () => openSync(place.path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK));
		if (!fstatSync(fd).isFile()) return undefined;
		const buffer = Buffer.alloc(256 * 1024);
		const read = readSync(fd, buffer, 0, buffer.length, 0);
		return buffer.subarray(0, read).toString('utf8');
	} catch {
		return undefined;
	} finally {
		if (fd !== undefined) closeSync(fd);
	}
}

/** The greeting on host:port, up to its last line; QUIT after it. */
export function readBanner(host: string, port: number, timeoutMs: number, signal?: AbortSignal): Promise<string | undefined> {
	return new Promise(resolve => {
		let text = '';
		const socket = net.connect({host, port});
		const done = (value: string | undefined) => {
			clearTimeout(timer);
			signal?.removeEventListener('abort', abort);
			socket.destroy();
			resolve(value);
		};

		const abort = () => done(undefined);
		const timer = setTimeout(() => done(text || undefined), timeoutMs);
		signal?.addEventListener('abort', abort, {once: true});
		socket.on('data', chunk => {
			text += chunk.toString('latin1');
			// The last line of a reply has a space after the code.
			if (/^\d{3} [^\n]*\r?\n/m.test(text) || text.length > 4096) {
				socket.end('QUIT\r\n');
				done(text);
			}
		});
		socket.on('error', () => done(undefined));
	});
}

function tool(file: string, args: readonly string[], env: NodeJS.ProcessEnv, signal?: AbortSignal): Promise<string | undefined> {
	return new Promise(resolve => {
		execFile(file, args, {env, timeout: 5000, signal, encoding: 'utf8'}, (error, stdout) => resolve(error && !stdout ? undefined : String(stdout)));
	});
}

/** An ini value as Python's RawConfigParser reads it (zulip.conf): section and key case-insensitive, value stripped. */
export function iniValue(text: string, section: string, key: string): string | undefined {
	let current = '';
	let found: string | undefined;
	for (const line of text.split(/\r?\n/)) {
		const header = /^\[([^\]]+)\]/.exec(line);
		if (header) {
			current = header[1]!.trim().toLowerCase();
			continue;
		}

		if (current !== section.toLowerCase() || /^\s*[#;]/.test(line) || /^\s/.test(line)) continue;
		const match = /^([^=:]+?)\s*[=:]\s*(.*)$/.exec(line);
		if (match && match[1]!.trim().toLowerCase() === key.toLowerCase()) found = match[2]!.trim();
	}

	return found;
}

/** Debian's update-exim4.conf.conf is shell: `dc_eximconfig_configtype='local'`. */
export function eximConfigtype(text: string): string | undefined {
	const match = /^\s*dc_eximconfig_configtype\s*=\s*(['"]?)([^'"\s]*)\1\s*$/m.exec(text);
	return match?.[2]?.toLowerCase();
}

const atLeast = (version: ZulipVersion, major: number, minor: number) => version.major > major || (version.major === major && version.minor >= minor);

/**
 * Zulip 11.0 removes the postfix package (puppet: zulip::local_mailserver,
 * `ensure => absent`) on servers that use the incoming email gateway;
 * 11.5 added `[postfix] uninstall = false` in zulip.conf to keep it
 * (zulip/zulip puppet/zulip/manifests/local_mailserver.pp; docs/overview/changelog.md,
 * "Zulip Server 11.5": "Added a postfix.uninstall setting in zulip.conf to leave
 * postfix installed, for sites which use Postfix as an outgoing mailserver";
 * checked 2026-12-08).
 */
export function postfixRemovalNote(zulipConfText: string | undefined, version: ZulipVersion | null | undefined, zulipConfPath = DEFAULT_ZULIP_CONF): string | undefined {
	if (zulipConfText === undefined) return undefined;
	const classes = iniValue(zulipConfText, 'machine', 'puppet_classes') ?? '';
	const gateway = /zulip::(?:postfix_localmail|local_mailserver)\b/.test(classes);
	if (!gateway) return undefined;
	const keep = /^(?:false|no|off|0)$/i.test(iniValue(zulipConfText, 'postfix', 'uninstall') ?? '');
	const setting = `\`[postfix]\` \`uninstall = false\` in ${zulipConfPath}`;
	if (version && atLeast(version, 11, 5)) {
		return keep ? undefined : `This Zulip uses the incoming email gateway (${classes.trim()} in zulip.conf), so its upgrades remove the postfix package (since Zulip 11.0): to keep Postfix as the local mail server, set ${setting} before the next upgrade.`;
	}

	if (version && atLeast(version, 11, 0)) return `This Zulip uses the incoming email gateway, so Zulip ${version.text} removes the postfix package at every upgrade and has no setting to keep it: upgrade to Zulip 11.5 or later and set ${setting}, or send through Exim or a relay provider.`;
	return `This Zulip uses the incoming email gateway, so upgrading to Zulip 11.0 or later removes the postfix package: before that upgrade, go to 11.5 or later and set ${setting}, or send through Exim or a relay provider.`;
}

/** What answers on the local mail port, and how it is set up. Never throws. */
export async function surveyLocalServer(options: SurveyOptions = {}): Promise<LocalServerSurvey> {
	const host = options.host ?? 'localhost';
	const port = options.port ?? 25;
	const env = options.env ?? process.env;
	const zulipConf = options.zulipConf ?? DEFAULT_ZULIP_CONF;
	const eximConf = options.eximConf ?? DEFAULT_EXIM_CONF;
	const raw = await readBanner(host, port, options.timeoutMs ?? 3000, options.signal);
	const banner = raw === undefined ? undefined : visibleControls(raw.trim().split(/\r?\n/).join(' | ')).slice(0, 300);
	const mta = banner === undefined ? undefined : /\bExim\b/i.test(banner) ? 'exim' : /\bPostfix\b/i.test(banner) ? 'postfix' : 'other';
	// Child processes only where they can tell something: the package of what answered, Postfix's own settings.
	const [dpkg, postconf] = await Promise.all([
		banner === undefined ? undefined : tool('dpkg-query', ['-W', '-f', '${db:Status-Abbrev} ${Package} ${Version}\\n', 'exim4-daemon-light', 'exim4-daemon-heavy', 'postfix', 'sendmail-bin', 'opensmtpd'], env, options.signal),
		mta === 'postfix' ? tool('postconf', ['-h', 'default_transport', 'relayhost'], env, options.signal) : undefined,
	]);
	const packages = (dpkg ?? '').split('\n').filter(line => /^ii /.test(line)).map(line => line.slice(3).trim());
	const notes: string[] = [];
	const where = `${host}:${port}`;
	if (banner === undefined) {
		notes.push(`Nothing answers on ${where}: no mail server runs on this machine, or it is stopped. Install or start one (Debian: \`apt install exim4\` or \`apt install postfix\`), or choose a relay provider.`);
	} else {
		const installed = packages.filter(entry => (mta === 'exim' ? entry.startsWith('exim4') : mta === 'postfix' ? entry.startsWith('postfix') : true));
		notes.push(`${where} answers: ${banner}${installed.length > 0 ? ` (installed: ${installed.join(', ')})` : ''}.`);
	}

	let configtype: string | undefined;
	if (mta === 'exim') {
		configtype = eximConfigtype(readSmallFile(eximConf) ?? '');
		if (configtype === 'local') {
			notes.push(`Exim is set to "local delivery only" (dc_eximconfig_configtype='local' in ${eximConf}, Debian's default): it accepts Zulip's mail and then fails every mail to another domain ("Mailing to remote domains not supported"), so no notification would leave. Run \`dpkg-reconfigure exim4-config\` and choose "internet site" or "mail sent by smarthost" before testing.`);
		} else if (configtype) {
			notes.push(`Exim's Debian configuration type is '${configtype}' (${eximConf}).`);
		}
	}

	if (mta === 'postfix' && postconf !== undefined) {
		const [defaultTransport = '', relayhost = ''] = postconf.split('\n').map(line => line.trim());
		// Debian's "Local only" answer sets default_transport = error.
		if (/^error\b/.test(defaultTransport)) notes.push('Postfix is set to "Local only" (default_transport = error): it refuses to send mail to other domains. Run `dpkg-reconfigure postfix` and choose "Internet Site" or "Internet with smarthost" (relayhost).');
		else if (relayhost) notes.push(`Postfix sends through relayhost ${visibleControls(relayhost)}.`);
	}

	const postfixNote = postfixRemovalNote(readSmallFile(zulipConf), options.zulipVersion, zulipConf);
	if (postfixNote && mta !== 'exim') notes.push(postfixNote);
	return {...(banner === undefined ? {} : {banner}), ...(mta ? {mta} : {}), packages, ...(configtype ? {eximConfigtype: configtype} : {}), notes, ...(postfixNote ? {postfixNote} : {})};
}

/** zulip.conf's text, if it can be read (never through a symbolic link). */
export function readZulipConf(file: string): string | undefined {
	return readSmallFile(file);
}
