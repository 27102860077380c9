import {plainText} from './command-text.js';

/** Exit codes are part of the CLI contract (README "Exit codes"). */
export const ExitCode = {
	ok: 0,
	testFailed: 1,
	usage: 2,
	config: 3,
	restartFailed: 4,
	/** Our bug, not the admin's problem (EX_SOFTWARE). */
	bug: 70,
	cancelled: 130,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/**
 * Every failure the user sees: what happened, why, and what to do next.
 * A stack trace is never the user interface.
 */
export class WizardError extends Error {
	constructor(
		/** The process exit code this failure maps to. */
		readonly exitCode: ExitCodeValue,
		/** What happened, one sentence. */
		message: string,
		/** What to do about it (a flag, a setting, a command). */
		readonly fix?: string,
		/** Machine-readable id, stable across releases. */
		readonly id?: string,
	) {
		super(message);
		this.name = 'WizardError';
	}
}

export class UsageError extends WizardError {
	constructor(message: string, fix?: string) {
		super(ExitCode.usage, message, fix, 'usage');
	}
}

export class ConfigError extends WizardError {
	constructor(message: string, fix?: string, id = 'config') {
		super(ExitCode.config, message, fix, id);
	}
}

export class CancelledError extends WizardError {
	constructor() {
		super(ExitCode.cancelled, 'Cancelled.');
	}
}

/** Set to 1 to have an internal error print its stack trace. */
export const DEBUG_ENV = 'ZULIP_EMAIL_SETUP_DEBUG';

/**
 * Our own mistake, not the admin's: exit 70, and a way to see the stack
 * (Shopify cli-kit's BugError beside its AbortError). A programming error
 * (TypeError, ReferenceError, RangeError, a failed assertion) counts as one.
 */
export class BugError extends WizardError {
	constructor(message: string, options?: {cause?: unknown}) {
		super(ExitCode.bug, message, bugFix(), 'bug');
		this.name = 'BugError';
		if (options?.cause !== undefined) this.cause = options.cause;
	}
}

function bugFix(): string {
	return `This is a bug in zulip-email-setup, not in your configuration; nothing more was written. Run the same command again with ${DEBUG_ENV}=1 to print the stack trace, and report it with that output.`;
}

/** Whether an error is our bug rather than a problem with the configuration, the input or the network. */
export function isBug(error: unknown): boolean {
	if (error instanceof WizardError) return error instanceof BugError;
	return error instanceof TypeError || error instanceof ReferenceError || error instanceof RangeError || (error instanceof Error && error.name === 'AssertionError');
}

/** An error as every face shows it: what happened, what to do, its id and exit code; with the stack when asked for. */
export interface ErrorReport {
	readonly id: string;
	readonly message: string;
	readonly fix?: string;
	readonly exitCode: ExitCodeValue;
	/** Only for a bug, and only with ZULIP_EMAIL_SETUP_DEBUG set. */
	readonly stack?: string;
}

/**
 * The one way an error becomes words, for the CLI, the JSON report and the
 * wizard alike. An error the engine did not name (a failed read, a library's
 * error) keeps meaning "the configuration could not be read or written"
 * (exit 3), as before; a programming error is a bug (exit 70).
 */
export function describeError(error: unknown, env: NodeJS.ProcessEnv = process.env): ErrorReport {
	const message = error instanceof Error ? error.message : String(error);
	if (isBug(error)) {
		const stack = env[DEBUG_ENV] && error instanceof Error ? error.stack : undefined;
		return {id: 'bug', message: error instanceof BugError ? message : `Internal error: ${message}`, fix: bugFix(), exitCode: ExitCode.bug, stack};
	}

	if (error instanceof WizardError) return {id: error.id ?? 'error', message, fix: error.fix, exitCode: error.exitCode};
	// The id it always had in --json.
	return {id: 'internal', message, exitCode: ExitCode.config};
}

/** The error as plain text for stderr: what happened, the fix, and the stack when asked for. */
export function errorText(report: ErrorReport): string {
	return `Error: ${report.message}\n${report.fix ? `Fix: ${plainText(report.fix)}\n` : ''}${report.stack ? `${report.stack}\n` : ''}`;
}
