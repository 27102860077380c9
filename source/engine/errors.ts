/** Exit codes are part of the CLI contract (README "Exit codes"). */
export const ExitCode = {
	ok: 0,
	testFailed: 1,
	usage: 2,
	config: 3,
	restartFailed: 4,
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
