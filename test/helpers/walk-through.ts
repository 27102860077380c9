/**
 * UI tests that read like the conversation they check (after Shopify
 * cli-kit's sendInputAndWaitForContent): `answer(app, [['Which service',
 * 'custom\r'], ...])` waits for each prompt on screen, then types the answer
 * as a terminal sends it. With `frames`, every screen a prompt appears on is
 * compared, whole, with its expected text in test/frames/ (80 columns).
 */
import assert from 'node:assert/strict';
import {EventEmitter} from 'node:events';
import {existsSync, mkdirSync, readFileSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {render as inkRender, type Instance} from 'ink';
import type {ReactElement} from 'react';
import {whenInputSettled} from '../../source/ui/input-ready.js';
import {keys, plain, waitForText} from './ink.js';

/** A rendered app the helpers drive: keys in, frames out. */
export interface App {
	readonly stdin: {write(data: string): void};
	readonly lastFrame: () => string | undefined;
	readonly frames: readonly string[];
	readonly unmount: () => void;
}

/** One exchange: the text to wait for, then what to type (Enter as \r; escape sequences as a terminal sends them). */
export type Exchange = readonly [prompt: string, input: string];

/**
 * The answers that point the wizard at a relay of one's own ("Other SMTP
 * server"): its host, "Another port or TLS mode…", the port, then the keys
 * that pick the TLS mode in the list that port opens with.
 */
export function otherRelayAt(host: string, port: number, tlsKeys: string): Exchange[] {
	return [
		['Which service', 'other\r'],
		['SMTP server (EMAIL_HOST)', `${host}\r`],
		[`Port and TLS mode for ${host}`, `${keys.up}${keys.up}\r`],
		['Port (EMAIL_PORT)', `${keys.ctrlU}${port}\r`],
		[`TLS mode for port ${port}`, `${tlsKeys}\r`],
	];
}

/** What the admin's terminal is in the README: 80×24. */
export const COLUMNS = 80;
export const ROWS = 24;

class Stdout extends EventEmitter {
	readonly frames: string[] = [];
	readonly isTTY = true;
	constructor(readonly columns = COLUMNS, readonly rows = ROWS) {
		super();
	}

	write = (frame: string): boolean => {
		this.frames.push(frame);
		return true;
	};
}

class Stdin extends EventEmitter {
	readonly isTTY = true;
	private data: string | null = null;
	write = (data: string): void => {
		this.data = data;
		this.emit('readable');
		this.emit('data', data);
	};

	read = (): string | null => {
		const {data} = this;
		this.data = null;
		return data;
	};

	setEncoding(): void {}
	setRawMode(): void {}
	resume(): void {}
	pause(): void {}
	ref(): void {}
	unref(): void {}
}

const rendered: Instance[] = [];

/** Render as ink-testing-library does (debug: every frame whole, scrollback included), on an 80×24 terminal. */
export function renderAt80(tree: ReactElement): App {
	return renderAt(tree, {columns: COLUMNS, rows: ROWS});
}

/** The same on a terminal of another size (narrow screens). */
export function renderAt(tree: ReactElement, {columns, rows}: {columns: number; rows: number}): App {
	const stdout = new Stdout(columns, rows);
	const stdin = new Stdin();
	const instance = inkRender(tree, {stdout: stdout as unknown as NodeJS.WriteStream, stderr: new Stdout(columns, rows) as unknown as NodeJS.WriteStream, stdin: stdin as unknown as NodeJS.ReadStream, debug: true, exitOnCtrlC: false, patchConsole: false});
	rendered.push(instance);
	return {stdin, lastFrame: () => stdout.frames.at(-1), frames: stdout.frames, unmount: () => instance.unmount()};
}

export function cleanupRendered(): void {
	for (const instance of rendered.splice(0)) {
		instance.unmount();
		instance.cleanup();
	}
}

/** The pieces of an answer as a terminal delivers them: text runs, and each key (Enter, an escape sequence, a control key) on its own. */
export function keystrokes(input: string): string[] {
	// eslint-disable-next-line no-control-regex
	return input.match(/\u001B\[[0-?]*[ -/]*[@-~]|\u001B[^[]|\u001B$|[\u0000-\u001F\u007F]|[^\u0000-\u001F\u007F\u001B]+/g) ?? [];
}

/**
 * One turn of the event loop (Ink hands on a lone Esc it held, to see
 * whether a sequence follows), then until the components a key re-drew take
 * keys again (source/ui/input-ready.ts). Not a wait for time.
 */
async function turn(): Promise<void> {
	await new Promise(resolve => setImmediate(resolve));
	await whenInputSettled();
}

/** Expected whole frames of one walk-through, one file per prompt, in test/frames/<name>/. */
export interface FrameBook {
	readonly name: string;
	/** Number of the first prompt in this call, when a walk-through is answered in parts. */
	readonly first?: number;
	/** Text that differs between runs (temp paths) and what stands in for it. */
	readonly replace?: ReadonlyArray<readonly [string, string]>;
}

const FRAMES = new URL('../frames/', import.meta.url).pathname;

/** Whole-frame check: the screen as the admin sees it, compared with its committed text; UPDATE_FRAMES=1 rewrites them. */
export function expectFrame(book: FrameBook, index: number, prompt: string, frame: string): void {
	let text = frame;
	for (const [from, to] of book.replace ?? []) text = text.replaceAll(from, to);
	text = text.split('\n').map(line => line.trimEnd()).join('\n').trimEnd() + '\n';
	const slug = prompt.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 40);
	const dir = join(FRAMES, book.name);
	const file = join(dir, `${String(index + 1).padStart(2, '0')}-${slug}.txt`);
	if (process.env['UPDATE_FRAMES'] === '1') {
		mkdirSync(dir, {recursive: true});
		writeFileSync(file, text);
		return;
	}

	assert.ok(existsSync(file), `No expected frame ${file}: run the test with UPDATE_FRAMES=1, review the file and commit it.`);
	assert.equal(text, readFileSync(file, 'utf8'), `The screen at "${prompt}" changed (expected: ${file}; UPDATE_FRAMES=1 rewrites it after review).`);
}

/**
 * Walk the exchanges: wait for each prompt, check the frame (with a book),
 * then type the answer, text and keys each as their own write. Returns the
 * frame of each prompt.
 */
export async function answer(app: App, exchanges: readonly Exchange[], book?: FrameBook): Promise<string[]> {
	const seen: string[] = [];
	for (const [index, [prompt, input]] of exchanges.entries()) {
		const frame = await waitForText(app.lastFrame, prompt);
		seen.push(frame);
		if (book) expectFrame(book, (book.first ?? 0) + index, prompt, frame);
		await turn();
		for (const stroke of keystrokes(input)) {
			app.stdin.write(stroke);
			await turn();
		}
	}

	return seen;
}

export {plain};
