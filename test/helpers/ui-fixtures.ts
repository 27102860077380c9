import {mkdtemp, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import path from 'node:path';
import type {Answers} from '../../source/engine/answers.js';
import {loadConfig, type HostConfig} from '../../source/engine/current-config.js';
import {planChanges} from '../../source/engine/plan.js';
import {sandboxSettings} from '../../source/sandbox/settings-template.js';

/** A secret_key with the characters naive ini handling mangles, as a real one has. */
export const SECRET_KEY = 'k#9%x=abc(def)ghij*klmn!opq@rstu$vwx^yz0123456789-_';

export const ADMIN = 'admin@zulip.example.com';

/** settings.py and zulip-secrets.conf of a fresh install, in a temp dir, read by the real engine. */
export async function freshConfig(): Promise<HostConfig> {
	const dir = await mkdtemp(path.join(tmpdir(), 'ui-flow-'));
	const paths = {settings: path.join(dir, 'settings.py'), secrets: path.join(dir, 'zulip-secrets.conf')};
	await writeFile(paths.settings, sandboxSettings({administrator: ADMIN, externalHost: 'zulip.example.com'}));
	await writeFile(paths.secrets, `\n[secrets]\nsecret_key = ${SECRET_KEY}\nrabbitmq_password = r4bb1t\n`, {mode: 0o640});
	return loadConfig(paths);
}

/** A server configured with these answers by the real engine (what a first run leaves behind). */
export async function configuredWith(answers: Answers): Promise<HostConfig> {
	const fresh = await freshConfig();
	const plan = planChanges(fresh, answers);
	await writeFile(fresh.paths.settings, plan.settings.after);
	await writeFile(fresh.paths.secrets, plan.secrets.after);
	return loadConfig(fresh.paths);
}
