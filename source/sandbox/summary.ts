import {readFile} from 'node:fs/promises';
import {MASK, maskPassword} from '../engine/plan.js';
import {unifiedDiff} from '../engine/unified-diff.js';
import {hideOtherSecrets} from '../engine/plan.js';
import {readSecret} from '../zulip/secrets-file.js';
import type {SandboxFiles} from './files.js';
import type {ReceivedMail, RelayEvent, SandboxRelay} from './relay.js';

/** Both sandbox files as they were when the session started, to diff against at the end. */
export interface FilesBefore {
	readonly settings: string;
	readonly secrets: string;
}

async function readOrEmpty(path: string): Promise<string> {
	return readFile(path, 'utf8').catch(() => '');
}

export async function snapshotFiles(files: SandboxFiles): Promise<FilesBefore> {
	const [settings, secrets] = await Promise.all([readOrEmpty(files.settingsPath), readOrEmpty(files.secretsPath)]);
	return {settings, secrets};
}

function passwordOf(text: string): string | undefined {
	try {
		return readSecret(text);
	} catch {
		// A secrets file broken by hand: the diff shows the lines anyway.
		return undefined;
	}
}

/**
 * What this session changed in the sandbox files, with the password masked
 * and Zulip's other secrets hidden, exactly as the wizard's review shows a
 * real server's: they are throwaway here, but output people paste must not
 * carry secrets out of habit.
 */
export async function sessionDiff(files: SandboxFiles, before: FilesBefore): Promise<string> {
	const after = await snapshotFiles(files);
	// Masked alike, a new password would vanish from the diff; mark it, as the review does.
	const changed = passwordOf(before.secrets) !== passwordOf(after.secrets);
	const secrets = unifiedDiff(maskPassword(before.secrets), maskPassword(after.secrets, changed ? `${MASK} (new)` : MASK), files.secretsPath);
	return unifiedDiff(before.settings, after.settings, files.settingsPath) + hideOtherSecrets(secrets);
}

/** The mails, one block each: the three things an admin checks (envelope sender, From, Subject). */
export function receivedLines(received: readonly ReceivedMail[], refusals: readonly RelayEvent[] = [], whyNothing?: string): string[] {
	if (received.length === 0) {
		const lines = [`The sandbox relay received no mail${whyNothing ? ` (${whyNothing})` : ''}.`];
		for (const refusal of refusals) lines.push(`  relay: ${refusal.message}`);
		return lines;
	}

	const lines = [`Mail received by the sandbox relay (${received.length}):`];
	received.forEach((mail, index) => {
		lines.push(
			`  ${index + 1}. envelope from ${mail.envelopeFrom || '<>'} to ${mail.to.join(', ')}`,
			`     From: ${mail.from ?? '(no From header)'}`,
			`     Subject: ${mail.subject ?? '(no Subject header)'}`,
		);
	});
	return lines;
}

/** The `sandbox` field of the JSON report: where it is, what the relay took. Never the password. */
export function sandboxJson(files: SandboxFiles, relay: SandboxRelay, diff: string): Record<string, unknown> {
	return {
		dir: files.dir,
		settings: files.settingsPath,
		secrets: files.secretsPath,
		caFile: relay.caFile,
		restartCommand: files.restartCommand,
		relay: {host: relay.host, port: relay.port, security: relay.security, user: relay.username},
		received: relay.received.map(mail => ({envelopeFrom: mail.envelopeFrom, to: mail.to, from: mail.from, subject: mail.subject})),
		refusals: relay.refusals.map(refusal => refusal.message),
		diff,
	};
}
