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

/** The program's "what is on screen takes keys" marker (source/ui/test-signals.ts): taken out of `raw`, kept by position. */
const LISTENING = '\u001B]7771;listening;';
// eslint-disable-next-line no-control-regex
const MARKER = /\u001B\]7771;listening;\d*\u0007/g;

/** The end of `text` when it may be the start of a marker that the next chunk completes. */
function markerStart(text: string): number | undefined {
	const at = text.lastIndexOf('\u001B');
	if (at === -1) return undefined;
	const tail = text.slice(at);
	const begun = LISTENING.startsWith(tail) || (tail.startsWith(LISTENING) && /^\d*$/.test(tail.slice(LISTENING.length)));
	return begun ? at : undefined;
}

/** Set for every session unless a test sets it itself: see waitFor. */
const SIGNALS = 'ZULIP_EMAIL_SETUP_TEST_SIGNALS';

/** `raw` from `from` on, ANSI removed, with the raw offset just past each kept character. */
function strippedWithOffsets(raw: string, from: number): {text: string; rawEnd: (textEnd: number) => number} {
	let text = '';
	// Runs of kept characters: [start in text, start in raw].
	const runs: Array<[number, number]> = [];
	let at = from;
	const keep = (end: number) => {
		if (end <= at) return;
		runs.push([text.length, at]);
		text += raw.slice(at, end);
	};

	ANSI.lastIndex = from;
	for (let match = ANSI.exec(raw); match; match = ANSI.exec(raw)) {
		keep(match.index);
		at = match.index + match[0].length;
	}

	keep(raw.length);
	const rawEnd = (textEnd: number) => {
		if (textEnd <= 0) return from;
		// The run holding the last character of the match.
		let index = runs.length - 1;
		while (index > 0 && runs[index]![0] > textEnd - 1) index--;
		const [textStart, rawStart] = runs[index]!;
		return rawStart + (textEnd - textStart);
	};

	return {text, rawEnd};
}

/** Where the first match of `pattern` in `text` ends, if there is one (a regex's g or y flag and lastIndex play no part, as in String.search). */
function endOfMatch(text: string, pattern: string | RegExp): number | undefined {
	if (typeof pattern === 'string') {
		const index = text.indexOf(pattern);
		return index === -1 ? undefined : index + pattern.length;
	}

	const found = new RegExp(pattern.source, pattern.flags.replace(/[gy]/g, '')).exec(text);
	return found ? found.index + found[0].length : undefined;
}

/** A program running in a real pseudo-terminal, read as a person would read it. */
export class PtySession {
	readonly pty: IPty;
	/** Everything the program printed, raw (but for the test markers, whose places are in `markers`). */
	raw = '';
	/** Where in `raw` the program said its screen takes keys (see waitFor). */
	readonly markers: number[] = [];
	/** The start of a marker, until the rest arrives. */
	private partial = '';
	exitCode: number | undefined;
	/** The program says when its screen takes keys (ZULIP_EMAIL_SETUP_TEST_SIGNALS=1, set unless the test sets it). */
	readonly signals: boolean;
	private readonly exited: Promise<number>;
	private mark = 0;

	constructor(command: string, args: string[], options: {cwd?: string; env?: NodeJS.ProcessEnv; cols?: number; rows?: number; term?: string} = {}) {
		// An undefined value removes the variable (node-pty would pass the word "undefined").
		const env = Object.fromEntries(Object.entries({...process.env, [SIGNALS]: '1', ...options.env}).filter(([, value]) => value !== undefined)) as Record<string, string>;
		this.signals = env[SIGNALS] === '1';
		this.pty = spawn(command, args, {
			// TERM: node-pty sets it from this name, over any TERM in env.
			name: options.term ?? 'xterm-256color',
			cols: options.cols ?? 80,
			rows: options.rows ?? 24,
			cwd: options.cwd ?? process.cwd(),
			env,
		});
		this.pty.onData(data => {
			let text = this.partial + data;
			const held = markerStart(text);
			this.partial = held === undefined ? '' : text.slice(held);
			if (held !== undefined) text = text.slice(0, held);
			let at = 0;
			for (const marker of text.matchAll(MARKER)) {
				this.raw += text.slice(at, marker.index);
				this.markers.push(this.raw.length);
				at = marker.index + marker[0].length;
			}

			this.raw += text.slice(at);
		});
		this.exited = new Promise(resolve => {
			this.pty.onExit(({exitCode}) => {
				this.raw += this.partial;
				this.partial = '';
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

	/**
	 * Later waits look only at what the program prints from now on. For a
	 * test that also reads `raw` by offsets: a frame it has already read
	 * (a highlight that moved, an earlier screen) can then never satisfy a
	 * later wait before the screen it is waiting for.
	 */
	skipPrinted(): void {
		this.mark = this.raw.length;
	}

	/**
	 * Wait until the output since the last wait contains `pattern`, and then
	 * until the program says the screen takes keys: Ink draws a step before
	 * React runs the effect that attaches its key handler, and a key typed in
	 * between reaches the step before. The program writes a marker after
	 * every write made while its key handlers are in place, and when they
	 * are in place again, so one always follows the match (or the program
	 * exits). Resolves with the text printed since the last wait up to that
	 * marker: the whole frame the match is in, however the terminal split it
	 * into reads. Later waits look after it. No quiet period: the timeout
	 * only bounds a failure.
	 */
	async waitFor(pattern: string | RegExp, timeoutMs = 15_000): Promise<string> {
		const from = this.mark;
		let matchEnd: number | undefined;
		const check = (): string | undefined => {
			if (matchEnd === undefined) {
				const {text, rawEnd} = strippedWithOffsets(this.raw, from);
				const end = endOfMatch(text, pattern);
				if (end === undefined) return undefined;
				matchEnd = rawEnd(end);
				if (!this.signals) {
					// Nothing says when the frame is complete: what has come so far.
					this.mark = this.raw.length;
					return text;
				}
			}

			const marker = this.markers.find(at => at >= matchEnd!);
			if (marker === undefined && this.exitCode === undefined) return undefined;
			this.mark = marker ?? this.raw.length;
			return stripAnsi(this.raw.slice(from, this.mark));
		};

		const found = check();
		if (found !== undefined) return found;
		return new Promise((resolve, reject) => {
			const settle = () => {
				data.dispose();
				exit.dispose();
				clearTimeout(timer);
			};

			const onChange = () => {
				let result: string | undefined;
				try {
					result = check();
				} catch (error) {
					settle();
					reject(error as Error);
					return;
				}

				if (result !== undefined) {
					settle();
					resolve(result);
				} else if (this.exitCode !== undefined) {
					settle();
					reject(new Error(`program exited (${this.exitCode}) before showing ${String(pattern)}; last output:\n${this.recent.slice(-2000)}`));
				}
			};

			// Registered after the constructor's listeners: `raw` and `exitCode` are up to date here.
			const data = this.pty.onData(onChange);
			const exit = this.pty.onExit(onChange);
			const timer = setTimeout(() => {
				settle();
				const what = matchEnd === undefined ? String(pattern) : `the program to take keys after ${String(pattern)}`;
				reject(new Error(`timed out waiting for ${what}; last output:\n${stripAnsi(this.raw.slice(from)).slice(-2000)}`));
			}, timeoutMs);
		});
	}

	write(data: string): void {
		this.pty.write(data);
	}

	/**
	 * Type text as a terminal sends it: one write. No pause is needed after
	 * it: the wizard reads its input one character at a time
	 * (source/ui/key-by-key.ts), so typed text is keys, never a paste, and the
	 * Enter after it is a key of its own even when both arrive in one read.
	 * What the keys lead to is what a test waits for next (waitFor).
	 */
	async type(text: string): Promise<void> {
		this.pty.write(text);
	}

	/**
	 * Press one key: one write. Keys for the same question may follow at once
	 * (the inputs act on their latest state); a key for the next question
	 * waits for it (waitFor). As on a real terminal, Esc followed at once by
	 * another key reads as Alt and that key: wait for Esc's effect first.
	 */
	async press(key: string): Promise<void> {
		this.pty.write(key);
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

	/**
	 * Cleanup, after a test passed or failed: the program and its process group end now, whatever it
	 * was doing (a hung-up wizard that waits would otherwise hold the test file, and the whole run, open).
	 */
	kill(): void {
		if (this.exitCode !== undefined) return;
		try {
			process.kill(-this.pty.pid, 'SIGKILL');
		} catch {
			this.pty.kill('SIGKILL');
		}
	}
}
