import {existsSync} from 'node:fs';
import type {MailLogSummary} from '../logs/mail-log.js';

/**
 * Zulip's mail log for the wizard (start menu, done screen): the same reader
 * as --logs (as the user who owns the directory), loaded only when a screen
 * asks; `dir` is --log-dir, else Zulip's own.
 */
export async function readRecentMailLog(since: Date, signal: AbortSignal, dir = ZULIP_LOG_DIR): Promise<MailLogSummary> {
	const {readMailLog} = await import('../logs/mail-log.js');
	return readMailLog({dir, since, signal});
}

/** Zulip's log directory (zproject/computed_settings.py); a server without it (the sandbox, a workstation) gets no log entry in the menu. */
export const ZULIP_LOG_DIR = '/var/log/zulip';

export function mailLogAvailable(dir = ZULIP_LOG_DIR): boolean {
	return existsSync(dir);
}

/** The start menu's window: the last seven days, as --logs reads by default. */
export const RECENT_MS = 7 * 86_400_000;
