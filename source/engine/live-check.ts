import type {Sender, SmtpTestOptions, TestEvent, TestReport} from '../smtp/types.js';
import type {LoadedConfig} from './current-config.js';
import {modeFiles} from './file-words.js';

export interface LiveCheckOptions {
	/** Recipient of the two test mails; without it, senders are only checked (MAIL FROM/RCPT TO/RSET). */
	readonly to?: string;
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
	const {zulipBehaviour, zulipName} = await import('../zulip/version-file.js');
	return runSmtpTest({
		verifyCertificates: zulipBehaviour(loaded.zulipVersion ?? null).verifiesCertificates,
		zulipName: zulipName(loaded.zulipVersion ?? null),
		settings: {host: current.host, port: current.port, security: current.security, user: current.user, password: loaded.password ?? null, files: modeFiles(loaded)},
		senders,
		to: options.to,
		timeoutMs: options.timeoutMs,
		caFile: options.caFile,
		signal: options.signal,
		onEvent: options.onEvent,
		transcriptPath: options.transcriptPath,
		probeCandidates: options.probeCandidates,
	});
}

