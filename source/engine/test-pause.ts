/**
 * Test hook: lets a test stop the program at an exact point (between the two
 * renames, before the write) and act there (send a signal, start a second
 * run) without guessing timings. Honoured only when
 * ZULIP_EMAIL_SETUP_TEST_PAUSE_DIR names a directory AND `<point>.pause`
 * exists in it: the program then creates `<point>.reached` (holding its
 * PID) and waits until the test deletes `<point>.pause`, or until cancelled.
 * Without the variable this is one environment lookup: nothing else.
 */
import {existsSync, watch, writeFileSync} from 'node:fs';
import path from 'node:path';

export const TEST_PAUSE_ENV = 'ZULIP_EMAIL_SETUP_TEST_PAUSE_DIR';

export type PausePoint = 'before-write' | 'between-renames' | 'after-read' | 'before-rename' | 'after-lookup';

export async function testPause(point: PausePoint, signal?: AbortSignal): Promise<void> {
	const directory = process.env[TEST_PAUSE_ENV];
	if (!directory) return;
	const pause = path.join(directory, `${point}.pause`);
	if (!existsSync(pause)) return;
	await new Promise<void>(resolve => {
		const watcher = watch(directory);
		const done = () => {
			watcher.close();
			signal?.removeEventListener('abort', done);
			resolve();
		};

		watcher.on('change', () => {
			if (!existsSync(pause)) done();
		});
		watcher.on('error', done);
		signal?.addEventListener('abort', done, {once: true});
		// Announced only once the watcher listens, so the test's removal cannot be missed.
		writeFileSync(path.join(directory, `${point}.reached`), String(process.pid));
		if (!existsSync(pause) || signal?.aborted) done();
	});
}
