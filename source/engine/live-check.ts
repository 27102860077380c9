import type {Sender, SmtpTestOptions, TestEvent, TestReport} from '../smtp/types.js';
import path from 'node:path';
import type {LoadedConfig} from './current-config.js';
import {modeFiles} from './file-words.js';

export interface LiveCheckOptions {
	/** Recipient of the two test mails; without it, senders are only checked (MAIL FROM/RCPT TO/RSET). */
	readonly to?: string;
	/** --no-send: `to` (if any) is only the check's RCPT TO; no DATA (the file backend's test still writes its files: nothing leaves the machine either way). */
	readonly noSend?: boolean;
	readonly timeoutMs?: number;
	readonly caFile?: string;
	readonly signal?: AbortSignal;
	readonly onEvent?: (event: TestEvent) => void;
	readonly transcriptPath?: string;
	/** Token for the noreply address; a fresh random one by default. Fixed only by tests. */
	readonly token?: string;
	/** The file backend's test writes only below this directory (the sandbox's). */
	readonly writableRoot?: string;
	/** Where probes look for a working port; defaults to the live test's own list. */
	readonly probeCandidates?: SmtpTestOptions['probeCandidates'];
	/** Following the test mails through the MTA on this machine (see SmtpTestOptions.localMta). */
	readonly localMta?: SmtpTestOptions['localMta'];
	/** Where the local-server survey reads Debian's Exim answers and zulip.conf; the system's by default. */
	readonly localServer?: LocalServerPaths;
}

export interface LocalServerPaths {
	readonly eximConf?: string;
	readonly zulipConf?: string;
	readonly env?: NodeJS.ProcessEnv;
}

/** zulip.conf of this configuration: beside settings.py on a host; none in a container's files. */
function zulipConfOf(loaded: LoadedConfig, paths?: LocalServerPaths): string | undefined {
	if (paths?.zulipConf) return paths.zulipConf;
	return loaded.kind === 'host' ? path.join(path.dirname(loaded.paths.settings), 'zulip.conf') : undefined;
}

/**
 * What to say before testing "the local mail server" (EMAIL_HOST on this
 * machine): which MTA answers, how Debian's Exim is set up, whether a Zulip
 * upgrade removes Postfix. Empty for any other relay. Both faces call this.
 */
export async function localServerNotes(loaded: LoadedConfig, options: {relay?: {host: string; port: number}; signal?: AbortSignal; paths?: LocalServerPaths} = {}): Promise<readonly string[]> {
	const {current} = loaded;
	const relay = options.relay ?? (current.backend === 'smtp' && current.host ? {host: current.host, port: current.port} : undefined);
	if (!relay?.host) return [];
	const {isThisMachine} = await import('../smtp/local-mta/local-host.js');
	// The local preset: an MTA on this machine that takes mail without a login (a relay of one's own with one is not surveyed).
	if (!isThisMachine(relay.host) || (options.relay === undefined && current.user !== '')) return [];
	const {surveyLocalServer} = await import('./local-server.js');
	const survey = await surveyLocalServer({
		host: relay.host,
		port: relay.port,
		zulipVersion: loaded.zulipVersion ?? null,
		...(options.paths?.eximConf ? {eximConf: options.paths.eximConf} : {}),
		...(zulipConfOf(loaded, options.paths) ? {zulipConf: zulipConfOf(loaded, options.paths)} : {}),
		...(options.paths?.env ? {env: options.paths.env} : {}),
		signal: options.signal,
	});
	return survey.notes;
}

/** Zulip's removal of postfix on upgrade, for the fixes of a relay on this machine. */
async function postfixNoteFor(loaded: LoadedConfig, host: string, paths?: LocalServerPaths): Promise<string | undefined> {
	const {isThisMachine} = await import('../smtp/local-mta/local-host.js');
	const zulipConf = zulipConfOf(loaded, paths);
	if (!zulipConf || !isThisMachine(host)) return undefined;
	const {postfixRemovalNote, readZulipConf} = await import('./local-server.js');
	return postfixRemovalNote(readZulipConf(zulipConf), loaded.zulipVersion ?? null, zulipConf);
}

/** The envelope senders Zulip uses with these files (see zulipSenders). */
export async function sendersOf(loaded: LoadedConfig, token?: string): Promise<Sender[]> {
	const {zulipSenders} = await import('./senders.js');
	return zulipSenders(loaded.current, {token, version: loaded.zulipVersion});
}

/**
 * The live test of the configuration *as read from disk*, with Zulip's
 * semantics: whatever Django would do with these files, the test does.
 */
export async function runLiveCheck(loaded: LoadedConfig, options: LiveCheckOptions = {}): Promise<TestReport> {
	const {current} = loaded;
	const senders = await sendersOf(loaded, options.token);
	if (current.backend === 'file') {
		const {runFileBackendTest} = await import('../smtp/file-backend-test.js');
		return runFileBackendTest({filePath: current.filePath ?? '', senders, to: options.to, onEvent: options.onEvent, signal: options.signal, writableRoot: options.writableRoot});
	}

	if (current.backend !== 'smtp' || !current.host) {
		const message = current.backend === 'dummy'
			? 'No EMAIL_HOST is set, so Zulip silently drops every email.'
			: `EMAIL_BACKEND is ${current.backendName ?? 'unknown'}, which this tool cannot test.`;
		return {
			ok: false,
			diagnosis: {id: 'not-configured', message, fix: 'Run zulip-email-setup and choose a provider (or --provider ID in --non-interactive mode).'},
			senders: senders.map(sender => ({...sender, ok: false})),
			durationMs: 0,
		};
	}

	const {runSmtpTest} = await import('../smtp/live-test.js');
	const localServerNote = await postfixNoteFor(loaded, current.host, options.localServer);
	const {zulipBehaviour, zulipName} = await import('../zulip/version-file.js');
	return runSmtpTest({
		verifyCertificates: zulipBehaviour(loaded.zulipVersion ?? null).verifiesCertificates,
		zulipName: zulipName(loaded.zulipVersion ?? null),
		settings: {host: current.host, port: current.port, security: current.security, user: current.user, password: loaded.password ?? null, files: modeFiles(loaded)},
		senders,
		to: options.to,
		noSend: options.noSend,
		timeoutMs: options.timeoutMs,
		caFile: options.caFile,
		signal: options.signal,
		onEvent: options.onEvent,
		transcriptPath: options.transcriptPath,
		probeCandidates: options.probeCandidates,
		...(options.localMta === undefined ? {} : {localMta: options.localMta}),
		...(localServerNote ? {localServerNote} : {}),
	});
}

