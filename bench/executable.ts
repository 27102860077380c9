import {spawnSync} from 'node:child_process';
import {mkdirSync, mkdtempSync, rmSync, statSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {delimiter, dirname, join} from 'node:path';
import {seaNode} from '../scripts/sea-node.js';
import {benchConfig, firstFrame, type Probe} from './startup.js';
import {median} from './stats.js';

const ROOT = new URL('..', import.meta.url).pathname;

/**
 * The single executable (x64, built here by scripts/package.js) against the
 * npm build as `npm install -g` gives it, run by this machine's Node: first
 * frame and peak memory in an 80×24 pseudo-terminal, rounds interleaved in
 * alternating order as in bench/startup.ts. The npm build on the embedded
 * Node is measured too, to tell what the Node version costs from what the
 * single-executable packaging costs. And the @clack/prompts program of
 * bench/startup.ts in the same rounds, the yardstick for both builds.
 */
export default async function benchExecutable(rounds = 15): Promise<Record<string, number>> {
	const release = join(ROOT, '.bench-tmp', 'release');
	mkdirSync(release, {recursive: true});
	const built = spawnSync(process.execPath, ['scripts/package.js', '--arch', 'x64', '--no-xz', '--out', release], {cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit']});
	if (built.status !== 0) throw new Error('scripts/package.js failed');
	const executable = join(release, 'zulip-email-setup-linux-x64');
	const sizeMb = statSync(executable).size / 1e6;

	const dir = mkdtempSync(join(tmpdir(), 'zes-bench-executable-'));
	const {settings, secrets} = benchConfig(dir);
	const args = ['--settings', settings, '--secrets', secrets];
	const marker = /Which service/;
	const withNode = (node: string) => ({PATH: `${dirname(node)}${delimiter}${process.env.PATH ?? ''}`, NODE_EXTRA_CA_CERTS: undefined});
	const probes: Array<{name: 'npm' | 'executable' | 'npmOnEmbedded' | 'clack'; probe: Probe; env: NodeJS.ProcessEnv}> = [
		{name: 'npm', probe: {command: join(ROOT, 'bin/zulip-email-setup.js'), args, marker}, env: withNode(process.execPath)},
		// Its PATH has no node at all.
		{name: 'executable', probe: {command: executable, args, marker}, env: {PATH: '/usr/bin:/bin', NODE_EXTRA_CA_CERTS: undefined}},
		{name: 'npmOnEmbedded', probe: {command: join(ROOT, 'bin/zulip-email-setup.js'), args, marker}, env: withNode(seaNode('x64'))},
		// The same peer as bench/startup.ts, in the same rounds: both builds against one yardstick.
		{name: 'clack', probe: {command: process.execPath, args: [join(ROOT, 'bench/clack-hello.mjs')], marker: /Which provider sends/}, env: withNode(process.execPath)},
	];
	const ms = {npm: [] as number[], executable: [] as number[], npmOnEmbedded: [] as number[], clack: [] as number[]};
	const mb = {npm: [] as number[], executable: [] as number[], npmOnEmbedded: [] as number[], clack: [] as number[]};
	try {
		for (let round = -1; round < rounds; round++) {
			const order = round % 2 === 0 ? probes : [...probes].reverse();
			for (const {name, probe, env} of order) {
				const frame = await firstFrame(probe, env);
				if (round < 0) continue;
				ms[name].push(frame.ms);
				mb[name].push(frame.peakMb);
			}
		}
	} finally {
		rmSync(dir, {recursive: true, force: true});
	}

	const result = {
		sizeMb,
		npmMs: median(ms.npm),
		executableMs: median(ms.executable),
		npmOnEmbeddedMs: median(ms.npmOnEmbedded),
		// Per round, as bench/startup.ts: one machine state per ratio.
		msRatio: median(ms.executable.map((value, round) => value / ms.npm[round]!)),
		clackMs: median(ms.clack),
		executableVsClack: median(ms.executable.map((value, round) => value / ms.clack[round]!)),
		npmVsClack: median(ms.npm.map((value, round) => value / ms.clack[round]!)),
		npmPeakMb: median(mb.npm),
		executablePeakMb: median(mb.executable),
		npmOnEmbeddedPeakMb: median(mb.npmOnEmbedded),
		peakRatio: median(mb.executable.map((value, round) => value / mb.npm[round]!)),
		executableWorstPeakMb: Math.max(...mb.executable),
	};
	const node = `Node ${process.versions.node}`;
	const embedded = 'the embedded Node';
	console.log(`single executable (linux-x64): ${result.sizeMb.toFixed(1)} MB`);
	console.log(`first frame (80x24 pty, median of ${rounds} rounds): executable ${result.executableMs.toFixed(1)} ms, npm build on ${node} ${result.npmMs.toFixed(1)} ms, ratio ${result.msRatio.toFixed(2)}x (target <= 1.2x); npm build on ${embedded} ${result.npmOnEmbeddedMs.toFixed(1)} ms`);
	console.log(`first frame against @clack/prompts (${result.clackMs.toFixed(1)} ms, same rounds; target <= 1.0x): executable ${result.executableVsClack.toFixed(2)}x, npm build on ${node} ${result.npmVsClack.toFixed(2)}x (medians of each round's ratio)`);
	console.log(`peak memory (VmHWM) at first frame: executable ${result.executablePeakMb.toFixed(1)} MB (worst ${result.executableWorstPeakMb.toFixed(1)}), npm build on ${node} ${result.npmPeakMb.toFixed(1)} MB, ratio ${result.peakRatio.toFixed(2)}x (target <= 1.2x); npm build on ${embedded} ${result.npmOnEmbeddedPeakMb.toFixed(1)} MB`);
	return result;
}
