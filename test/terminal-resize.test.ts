/**
 * A terminal made narrower and then wider again (or shorter, then taller)
 * must show what a fresh run at the final size shows: no piece of an old
 * frame. The real program in a pseudo-terminal, its output fed as it comes
 * into a terminal emulator (xterm.js, which rewraps lines on resize as most
 * terminals do); the pty and the emulator are resized together, and the
 * whole buffer, scrollback included, is compared cell for cell with a fresh
 * run's.
 */
import assert from 'node:assert/strict';
import {mkdtemp, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, before, test} from 'node:test';
import xterm from '@xterm/headless';
import {keys, PtySession} from './helpers/pty.js';
import {BIN as bin, ensureBuilt} from './helpers/program.js';

const {Terminal} = xterm;
let root: string;
let dir: string;

before(async () => {
	root = await mkdtemp(join(tmpdir(), 'terminal-resize-test-'));
	await ensureBuilt();
	// Every run below reuses this sandbox, so the banner and the relay's port, user and password are the same in each.
	dir = join(root, 'sandbox');
	const first = new Screen();
	try {
		await first.session.waitFor('Enter choose');
		await first.session.press(keys.ctrlC);
		await first.session.exit();
	} finally {
		first.close();
	}
});

after(async () => {
	await rm(root, {recursive: true, force: true});
});

/** The program and a terminal emulator showing its output as it arrives. */
class Screen {
	readonly session: PtySession;
	private readonly terminal: InstanceType<typeof Terminal>;
	private readonly waiters = new Set<() => void>();

	constructor() {
		this.session = new PtySession(process.execPath, [bin, '--sandbox', '--sandbox-dir', dir], {env: {NO_COLOR: '1'}, cols: 80, rows: 24});
		this.terminal = new Terminal({cols: 80, rows: 24, scrollback: 1000, allowProposedApi: true});
		this.session.pty.onData(data => {
			this.terminal.write(data, () => {
				for (const waiter of this.waiters) waiter();
			});
		});
	}

	/** Resize the terminal and the program's pty at once, after the emulator has shown everything before. */
	async resize(columns: number, rows: number): Promise<void> {
		await new Promise<void>(resolve => this.terminal.write('', resolve));
		this.terminal.resize(columns, rows);
		this.session.pty.resize(columns, rows);
	}

	/** Every line of the buffer, scrollback included; the sandbox's DNS server gets a new port on each run. */
	lines(): string[] {
		const buffer = this.terminal.buffer.active;
		const lines: string[] = [];
		for (let y = 0; y < buffer.length; y++) lines.push(buffer.getLine(y)!.translateToString(true).replace(/^(Sandbox DNS: 127\.0\.0\.1:)\d+/, '$1PORT'));
		while (lines.length > 0 && lines.at(-1) === '') lines.pop();
		return lines;
	}

	/** Wait until the emulator has shown output that satisfies `done` (checked after each piece of output). */
	async until(done: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
		await new Promise<void>(resolve => this.terminal.write('', resolve));
		if (done()) return;
		await new Promise<void>((resolve, reject) => {
			const timer = setTimeout(() => {
				this.waiters.delete(check);
				reject(new Error(`timed out waiting for ${what}; the screen:\n${this.lines().slice(-30).join('\n')}`));
			}, timeoutMs);
			const check = () => {
				if (!done()) return;
				clearTimeout(timer);
				this.waiters.delete(check);
				resolve();
			};

			this.waiters.add(check);
		});
	}

	close() {
		this.session.kill();
		this.terminal.dispose();
	}
}

/** The keys to a step, then its key hints: the first question, or the username after two Enters. */
const steps = [
	{name: 'the provider list', keys: [], hints: 'Enter choose'},
	{name: 'the username question', keys: [keys.enter, keys.enter], hints: 'Enter confirm'},
] as const;

async function walk(screen: Screen, step: (typeof steps)[number]) {
	await screen.session.waitFor('Enter choose');
	for (const key of step.keys) {
		await screen.session.press(key);
		await screen.session.waitFor(/Enter (choose|confirm)/);
	}
}

for (const step of steps) {
	test(`a shrink-then-grow resize at ${step.name} leaves the screen a fresh run shows`, {timeout: 120_000}, async () => {
		const fresh = new Screen();
		let expected: string[];
		try {
			await walk(fresh, step);
			await fresh.until(() => fresh.lines().some(line => line.includes(step.hints)), 'the step');
			expected = fresh.lines();
		} finally {
			fresh.close();
		}

		const screen = new Screen();
		try {
			await walk(screen, step);
			await screen.until(() => screen.lines().join('\n') === expected.join('\n'), 'the same step as the fresh run');
			for (const [columns, rows] of [[50, 24], [80, 24], [80, 15], [80, 24]] as const) {
				const mark = screen.session.raw.length;
				await screen.resize(columns, rows);
				// The program has drawn the step again at the new size.
				await screen.until(() => screen.session.raw.includes(step.hints, mark), `the step drawn at ${columns}×${rows}`);
				if (columns === 80 && rows === 24) {
					await screen.until(() => screen.lines().join('\n') === expected.join('\n'), `the fresh run's screen after growing back to 80×24:\n${expected.join('\n')}`);
				}
			}

			// At 50 columns nothing of the frame may stand twice either: one list, one question.
			assert.equal(screen.lines().filter(line => line.includes(step.hints)).length, 1);
		} finally {
			screen.close();
		}
	});
}
