import {copyFileSync, mkdtempSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {PtySession} from '../test/helpers/pty.js';

const ROOT = new URL('..', import.meta.url).pathname;

function median(values: number[]): number {
	const sorted = [...values].sort((a, b) => a - b);
	return sorted[Math.floor(sorted.length / 2)]!;
}

/** Peak resident memory (VmHWM) of a live process, in MB. */
function peakMb(pid: number): number {
	const status = readFileSync(`/proc/${pid}/status`, 'utf8');
	const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
	return kb / 1024;
}

async function firstFrame(command: string, args: string[], marker: string | RegExp, env: NodeJS.ProcessEnv = {}): Promise<{ms: number; peakMb: number}> {
	const started = performance.now();
	const session = new PtySession(command, args, {cwd: ROOT, env});
	try {
		await session.waitFor(marker, 20_000);
		const ms = performance.now() - started;
		// Let the frame settle so the peak includes rendering, then read it.
		await new Promise(resolve => setTimeout(resolve, 150));
		return {ms, peakMb: peakMb(session.pty.pid)};
	} finally {
		session.kill();
		await session.exit(5000).catch(() => undefined);
	}
}

/**
 * Process start to the first interactive frame, in a pseudo-terminal, ours
 * (the built bundle, as users run it) against a one-prompt @clack/prompts
 * program, interleaved so both see the same machine load.
 */
export default async function benchStartup(rounds = 15): Promise<Record<string, number>> {
	const dir = mkdtempSync(join(tmpdir(), 'zes-bench-'));
	const settings = join(dir, 'settings.py');
	const secrets = join(dir, 'zulip-secrets.conf');
	copyFileSync(join(ROOT, 'test/fixtures/settings/zulip-2024.py'), settings);
	copyFileSync(join(ROOT, 'test/fixtures/secrets/zulip-generated.conf'), secrets);
	const ours: number[] = [];
	const clack: number[] = [];
	const memory: number[] = [];
	try {
		for (let round = 0; round < rounds; round++) {
			const a = await firstFrame(process.execPath, [join(ROOT, 'bin/zulip-email-setup.js'), '--settings', settings, '--secrets', secrets], /Which service/);
			const b = await firstFrame(process.execPath, [join(ROOT, 'bench/clack-hello.mjs')], /Which provider sends/);
			ours.push(a.ms);
			memory.push(a.peakMb);
			clack.push(b.ms);
		}
	} finally {
		rmSync(dir, {recursive: true, force: true});
	}

	const result = {oursMs: median(ours), clackMs: median(clack), ratio: median(ours) / median(clack), peakMb: Math.max(...memory)};
	console.log(`first frame: ours ${result.oursMs.toFixed(1)} ms, @clack/prompts ${result.clackMs.toFixed(1)} ms, ratio ${result.ratio.toFixed(2)}x (target <= 1.0x), median of ${rounds}`);
	console.log(`peak memory at first frame: ${result.peakMb.toFixed(1)} MB (target <= 70 MB)`);
	return result;
}
