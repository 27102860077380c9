import {spawn, type IPty} from '@lydell/node-pty';

/** Keys as a terminal sends them. */
export const keys = {
	enter: '\r',
	escape: '\u001B',
	up: '\u001B[A',
	down: '\u001B[B',
	right: '\u001B[C',
	left: '\u001B[D',
	backspace: '\u007F',
	tab: '\t',
	ctrlC: '\u0003',
	ctrlU: '\u0015',
} as const;

// eslint-disable-next-line no-control-regex
const ANSI = /\u001B(?:\[[0-?]*[ -/]*[@-~]|\][^\u0007]*(?:\u0007|\u001B\\)|[@-Z\\-_])/g;

export function stripAnsi(text: string): string {
	return text.replace(ANSI, '');
}

/** A program running in a real pseudo-terminal, read as a person would read it. */
export class PtySession {
	readonly pty: IPty;
	/** Everything the program printed, raw. */
	raw = '';
	exitCode: number | undefined;
	private readonly exited: Promise<number>;
	private mark = 0;

	constructor(command: string, args: string[], options: {cwd?: string; env?: NodeJS.ProcessEnv; cols?: number; rows?: number; term?: string} = {}) {
		this.pty = spawn(command, args, {
			// TERM: node-pty sets it from this name, over any TERM in env.
			name: options.term ?? 'xterm-256color',
			cols: options.cols ?? 80,
			rows: options.rows ?? 24,
			cwd: options.cwd ?? process.cwd(),
			// An undefined value removes the variable (node-pty would pass the word "undefined").
			env: Object.fromEntries(Object.entries({...process.env, ...options.env}).filter(([, value]) => value !== undefined)) as Record<string, string>,
		});
		this.pty.onData(data => {
			this.raw += data;
		});
		this.exited = new Promise(resolve => {
			this.pty.onExit(({exitCode}) => {
				this.exitCode = exitCode;
				resolve(exitCode);
			});
		});
	}

	/** Printed text since the last waitFor, ANSI removed. */
	get recent(): string {
		return stripAnsi(this.raw.slice(this.mark));
	}

	get text(): string {
		return stripAnsi(this.raw);
	}

	/** Wait until the output since the last match contains `pattern`; then later waits look only after it. */
	async waitFor(pattern: string | RegExp, timeoutMs = 15_000): Promise<string> {
		const started = Date.now();
		for (;;) {
			const recent = this.recent;
			const index = typeof pattern === 'string' ? recent.indexOf(pattern) : recent.search(pattern);
			if (index !== -1) {
				// Advance the mark past the match in raw terms: approximate by moving to the end of raw.
				this.mark = this.raw.length;
				// Ink paints a step before React runs the effect that attaches its key handler; until then a key
				// reaches the step before it (which ignores it). A person reads first; a test must wait too.
				await new Promise(resolve => setTimeout(resolve, 80));
				return recent;
			}

			if (this.exitCode !== undefined) throw new Error(`program exited (${this.exitCode}) before showing ${String(pattern)}; last output:\n${recent.slice(-2000)}`);
			if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${String(pattern)}; last output:\n${recent.slice(-2000)}`);
			await new Promise(resolve => setTimeout(resolve, 20));
		}
	}

	write(data: string): void {
		this.pty.write(data);
	}

	/** Type text then wait a tick so Ink handles it as typed input, not a paste. */
	async type(text: string): Promise<void> {
		this.pty.write(text);
		await new Promise(resolve => setTimeout(resolve, 30));
	}

	async press(key: string): Promise<void> {
		this.pty.write(key);
		await new Promise(resolve => setTimeout(resolve, 30));
	}

	async exit(timeoutMs = 15_000): Promise<number> {
		let timer: NodeJS.Timeout | undefined;
		const timeout = new Promise<never>((_, reject) => {
			timer = setTimeout(() => reject(new Error(`program did not exit; last output:\n${this.recent.slice(-2000)}`)), timeoutMs);
		});
		try {
			return await Promise.race([this.exited, timeout]);
		} finally {
			clearTimeout(timer);
		}
	}

	kill(): void {
		if (this.exitCode === undefined) this.pty.kill();
	}
}
