import {chmodSync, copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {basename, delimiter, dirname, join} from 'node:path';
import {spawn} from '@lydell/node-pty';
import {stripAnsi} from '../test/helpers/pty.js';
import {median} from './stats.js';

const ROOT = new URL('..', import.meta.url).pathname;
// Both programs see the same terminal: the size the README asks admins to try.
const COLS = 80;
const ROWS = 24;


/** Peak resident memory (VmHWM) of a live process, in MB. */
function peakMb(pid: number): number {
	const status = readFileSync(`/proc/${pid}/status`, 'utf8');
	const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
	return kb / 1024;
}

export interface Probe {
	/** What is exec'd in the pseudo-terminal: a script with a shebang runs through it, as a shell would run it. */
	readonly command: string;
	readonly args: readonly string[];
	/** Text of the first interactive frame: the question. */
	readonly marker: RegExp;
	/** For ours: Ink's first write, which takes over the painted frame (its erase); from then on keys are handled. */
	readonly takeover?: RegExp;
}

/**
 * Process start to the first frame that shows `marker`. The time is taken in
 * the pty's data callback that delivers the marker (not by polling, which
 * would round both programs up to the poll interval), from just before the
 * spawn; the spawn costs both programs the same. The peak is read after the
 * frame settles, so it includes what rendering allocated.
 */
export async function firstFrame(probe: Probe, env: NodeJS.ProcessEnv = {}): Promise<{ms: number; peakMb: number; takeoverMs?: number}> {
	let output = '';
	let ms: number | undefined;
	let takeoverMs: number | undefined;
	let exited: number | undefined;
	let atFrame = Number.NaN;
	const started = performance.now();
	const pty = spawn(probe.command, [...probe.args], {
		name: 'xterm-256color',
		cols: COLS,
		rows: ROWS,
		cwd: ROOT,
		// An undefined value removes the variable.
		env: Object.fromEntries(Object.entries({...process.env, ...env}).filter(([, value]) => value !== undefined)) as Record<string, string>,
	});
	const shown = new Promise<void>((resolve, reject) => {
		const timer = setTimeout(() => reject(new Error(`timed out waiting for ${String(probe.marker)}:\n${stripAnsi(output).slice(-2000)}`)), 20_000);
		pty.onData(data => {
			const now = performance.now();
			if (probe.takeover && takeoverMs === undefined && probe.takeover.test(output + data)) takeoverMs = now - started;
			if (ms !== undefined) {
				output += data;
				return;
			}

			output += data;
			if (probe.marker.test(stripAnsi(output))) {
				ms = now - started;
				atFrame = peakMb(pty.pid);
				clearTimeout(timer);
				resolve();
			}
		});
		pty.onExit(({exitCode}) => {
			exited = exitCode;
			if (ms === undefined) {
				clearTimeout(timer);
				reject(new Error(`${probe.command} exited (${exitCode}) before showing ${String(probe.marker)}:\n${stripAnsi(output).slice(-2000)}`));
			}
		});
	});
	try {
		await shown;
		// Let the frame settle so the peak includes rendering (Ink's too), then read it (a program that already left has its peak as of the frame).
		await new Promise(resolve => setTimeout(resolve, 150));
		return {ms: ms!, peakMb: exited === undefined ? peakMb(pty.pid) : atFrame, takeoverMs};
	} finally {
		if (exited === undefined) {
			const gone = new Promise(resolve => pty.onExit(resolve));
			pty.kill();
			await Promise.race([gone, new Promise(resolve => setTimeout(resolve, 5000))]);
		}
	}
}

/** One file of the bundle read before the first frame, with what it holds (esbuild's metafile). */
export interface LoadedFile {
	readonly file: string;
	readonly bytes: number;
	/** Its largest inputs: source files and packages, with their bytes in it. */
	readonly holds: readonly string[];
}

/**
 * The files of the npm build read before the first frame, in load order:
 * one untimed run with bench/module-trace.mjs (a loader hook that notes each
 * file read, and the time the question is written). What moved onto the
 * start-up path shows here; each file costs a read, a compile and a trip of
 * the loader. The executable loads the same bundle from its assets. The
 * hooks slow the start, so the read of the configuration gets all the time
 * it takes (else a loaded machine could show the loading step, then Ink).
 */
export async function modulesAtFirstFrame(args: readonly string[], env: NodeJS.ProcessEnv): Promise<LoadedFile[]> {
	const dir = mkdtempSync(join(tmpdir(), 'zes-bench-trace-'));
	const log = join(dir, 'trace.log');
	try {
		await firstFrame({
			command: process.execPath,
			args: ['--v8-pool-size=1', '--import', join(ROOT, 'bench/module-trace.mjs'), join(ROOT, 'dist/cli.js'), ...args],
			marker: /Which service/,
		}, {...env, MODULE_TRACE: log, MODULE_TRACE_MARK: 'Which service', ZULIP_EMAIL_SETUP_TEST_LOAD_BUDGET_MS: '60000'});
		const lines = readFileSync(log, 'utf8').trim().split('\n').map(line => line.split(' ') as [string, string]);
		const frame = lines.find(([, what]) => what === 'frame')?.[0];
		if (frame === undefined) throw new Error('the traced run wrote no question');
		const metafile = join(ROOT, 'build/dist-metafile.json');
		const outputs = existsSync(metafile) ? (JSON.parse(readFileSync(metafile, 'utf8')) as {outputs: Record<string, {inputs: Record<string, {bytesInOutput: number}>}>}).outputs : {};
		return lines
			.filter(([time, what]) => what !== 'frame' && BigInt(time) < BigInt(frame) && what.startsWith(`file://${ROOT}dist/`))
			.map(([, url]) => {
				const file = new URL(url).pathname;
				const inputs = Object.entries(outputs[`dist/${basename(file)}`]?.inputs ?? {}).filter(([, input]) => input.bytesInOutput > 0);
				const holds = inputs.sort((a, b) => b[1].bytesInOutput - a[1].bytesInOutput).map(([input, {bytesInOutput}]) => `${input.replace(/^(?:.*\/)?node_modules\//, '')} ${bytesInOutput}`);
				return {file: basename(file), bytes: statSync(file).size, holds};
			});
	} finally {
		rmSync(dir, {recursive: true, force: true});
	}
}

/** The trace as lines for the bench's output. */
export function describeModules(files: readonly LoadedFile[]): string {
	const total = files.reduce((sum, file) => sum + file.bytes, 0);
	return [
		`modules read before the first frame (npm build): ${files.length} files, ${(total / 1024).toFixed(1)} KiB`,
		...files.map(({file, bytes, holds}) => `  ${file} ${bytes} B: ${holds.slice(0, 4).join(', ')}${holds.length > 4 ? `, +${holds.length - 4} more` : ''}`),
	].join('\n');
}

/**
 * The configuration the start-up benches read: Zulip 2024's settings.py and
 * a generated zulip-secrets.conf, with the mode Zulip's puppet gives them
 * (0644 and 0640: /work/shared/zulip-facts.md), so the first frame is a
 * real server's, not one with the world-readable-secrets warning a plain
 * copy of the fixture would add.
 */
export function benchConfig(dir: string): {settings: string; secrets: string} {
	const settings = join(dir, 'settings.py');
	const secrets = join(dir, 'zulip-secrets.conf');
	copyFileSync(join(ROOT, 'test/fixtures/settings/zulip-2024.py'), settings);
	copyFileSync(join(ROOT, 'test/fixtures/secrets/zulip-generated.conf'), secrets);
	chmodSync(settings, 0o644);
	chmodSync(secrets, 0o640);
	return {settings, secrets};
}

/**
 * Process start to the first interactive frame, in a pseudo-terminal, ours
 * (the built bundle, exec'd through the bin's shebang as an installed
 * `zulip-email-setup` and `npm start` run it) against a one-prompt
 * @clack/prompts program run with plain `node`.
 * Rounds interleave the two, alternating which goes first, so both see the
 * same machine load; a warm-up round (page cache) is not counted.
 */
export default async function benchStartup(rounds = 21): Promise<Record<string, number>> {
	const dir = mkdtempSync(join(tmpdir(), 'zes-bench-'));
	const {settings, secrets} = benchConfig(dir);
	const env = {
		// The bin's shebang finds node on PATH: make that the node running this bench, as clack's is.
		PATH: `${dirname(process.execPath)}${delimiter}${process.env.PATH ?? ''}`,
		// Node 20 reads this bundle at startup, before any code runs: ~40 ms and 2 MB added to both
		// programs here (a sandbox sets it), which an admin's shell does not have. Both run without it.
		NODE_EXTRA_CA_CERTS: undefined,
	};
	// eslint-disable-next-line no-control-regex
	const ours: Probe = {command: join(ROOT, 'bin/zulip-email-setup.js'), args: ['--settings', settings, '--secrets', secrets], marker: /Which service/, takeover: /\r\u001B\[\d+A\u001B\[J/};
	const clack: Probe = {command: process.execPath, args: [join(ROOT, 'bench/clack-hello.mjs')], marker: /Which provider sends/};
	const oursMs: number[] = [];
	const clackMs: number[] = [];
	const oursMb: number[] = [];
	const takeoverMs: number[] = [];
	const clackMb: number[] = [];
	let modules: LoadedFile[] = [];
	try {
		for (let round = -1; round < rounds; round++) {
			const pair = round % 2 === 0 ? [ours, clack] : [clack, ours];
			const [first, second] = [await firstFrame(pair[0]!, env), await firstFrame(pair[1]!, env)];
			if (round < 0) continue;
			const [a, b] = pair[0] === ours ? [first, second] : [second, first];
			oursMs.push(a.ms);
			if (a.takeoverMs !== undefined) takeoverMs.push(a.takeoverMs);
			oursMb.push(a.peakMb);
			clackMs.push(b.ms);
			clackMb.push(b.peakMb);
		}
		modules = await modulesAtFirstFrame(ours.args, env);
	} finally {
		rmSync(dir, {recursive: true, force: true});
	}

	const result = {
		modulesAtFirstFrame: modules.length,
		modulesAtFirstFrameKiB: modules.reduce((sum, file) => sum + file.bytes, 0) / 1024,
		oursMs: median(oursMs),
		clackMs: median(clackMs),
		// Each round runs the two back to back, so their ratio sees one machine state; its median
		// is steadier than a ratio of medians when the machine's load drifts during the run.
		ratio: median(oursMs.map((ms, round) => ms / clackMs[round]!)),
		// Rounds where Ink took over a painted frame (all, at 80x24), and when: keys typed before it are kept and handled then.
		takeoverRounds: takeoverMs.length,
		takeoverMs: takeoverMs.length > 0 ? median(takeoverMs) : Number.NaN,
		peakMb: Math.max(...oursMb),
		peakMedianMb: median(oursMb),
		clackPeakMb: median(clackMb),
	};
	console.log(`first frame (Node ${process.versions.node}, ${COLS}x${ROWS} pty): ours ${result.oursMs.toFixed(1)} ms, @clack/prompts ${result.clackMs.toFixed(1)} ms, ratio ${result.ratio.toFixed(2)}x (target <= 1.0x; median of ${rounds} rounds' ratios, each round runs both)`);
	console.log(`Ink takes over the painted frame at ${result.takeoverMs.toFixed(1)} ms (${result.takeoverRounds} of ${rounds} rounds painted early); keys typed before then wait for it`);
	console.log(describeModules(modules));
	console.log(`peak memory (VmHWM) at first frame: ${result.peakMb.toFixed(1)} MB worst, ${result.peakMedianMb.toFixed(1)} MB median (target <= 70 MB; @clack/prompts ${result.clackPeakMb.toFixed(1)} MB)`);
	return result;
}
