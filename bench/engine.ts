import {chmod, copyFile, mkdtemp, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {answersForProvider} from '../source/engine/answers.js';
import {applyPlan} from '../source/engine/apply.js';
import {loadConfig} from '../source/engine/current-config.js';
import {planChanges} from '../source/engine/plan.js';
import {median} from './stats.js';

const FIXTURES = new URL('../test/fixtures/', import.meta.url).pathname;


/** Reading both files and planning a change, and writing it (two atomic writes with backups, fsynced). */
export default async function benchEngine(rounds = 50): Promise<Record<string, number>> {
	const dir = await mkdtemp(path.join(tmpdir(), 'zes-bench-engine-'));
	const paths = {settings: path.join(dir, 'settings.py'), secrets: path.join(dir, 'zulip-secrets.conf')};
	const plans: number[] = [];
	const writes: number[] = [];
	try {
		for (let round = 0; round < rounds; round++) {
			await copyFile(path.join(FIXTURES, 'settings/zulip-2024.py'), paths.settings);
			await copyFile(path.join(FIXTURES, 'secrets/zulip-generated.conf'), paths.secrets);
			await chmod(paths.secrets, 0o640);
			let started = performance.now();
			const loaded = await loadConfig(paths);
			const plan = planChanges(loaded, {...answersForProvider(loaded, 'mailgun'), username: 'postmaster@mg.example.org', password: {kind: 'new', value: `pw-${round}`}});
			plans.push(performance.now() - started);
			started = performance.now();
			await applyPlan(plan, {now: new Date(Date.UTC(2026, 0, 1, 0, 0, round))});
			writes.push(performance.now() - started);
		}
	} finally {
		await rm(dir, {recursive: true, force: true});
	}

	const result = {readAndPlanMs: median(plans), writeMs: median(writes)};
	console.log(`engine: read both files + plan a change ${result.readAndPlanMs.toFixed(2)} ms, atomic write of both with backups ${result.writeMs.toFixed(2)} ms (medians of ${rounds})`);
	return result;
}
