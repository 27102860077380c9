import {existsSync} from 'node:fs';
import type {MailLogSummary} from '../logs/mail-log.js';

/**
 * Zulip's mail log for the wizard (start menu, done screen): the same reader
 * as --logs, loaded only when a screen asks. Read with the wizard's own
 * credentials, as an ordinary read (the privilege-separated reads of
 * /etc/zulip do not cover /var/log/zulip).
 */
export async function readRecentMailLog(since: Date, signal: AbortSignal): Promise<MailLogSummary> {
	const {readMailLog} = await import('../logs/mail-log.js');
	return readMailLog({dir: ZULIP_LOG_DIR, since, signal});
}

/** Zulip's log directory (zproject/computed_settings.py); a server without it (the sandbox, a workstation) gets no log entry in the menu. */
export const ZULIP_LOG_DIR = '/var/log/zulip';

export function mailLogAvailable(): boolean {
	return existsSync(ZULIP_LOG_DIR);
}

/** The start menu's window: the last seven days, as --logs reads by default. */
export const RECENT_MS = 7 * 86_400_000;
