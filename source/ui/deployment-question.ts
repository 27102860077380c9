/**
 * Before the wizard starts: no Zulip on this machine, but the admin stands
 * in a docker-zulip checkout. Its settings live in the compose files, so the
 * wizard offers to configure those (the same as --docker DIR). A plain
 * question on the terminal, asked before Ink takes it over.
 */
import {existsSync} from 'node:fs';
import {createInterface} from 'node:readline/promises';
import type {ConfigPaths} from '../engine/current-config.js';
import {DEFAULT_PATHS} from '../engine/current-config.js';
import type {ConfigTarget} from '../engine/targets.js';
import {notePrintedBeforeInk} from './resize-redraw.js';
import {visibleControls} from '../engine/shown-text.js';

/** The checkout to offer, or undefined: only when the default settings.py is absent and DIR is a checkout. */
export async function detectedCheckout(paths: ConfigPaths, cwd = process.cwd()): Promise<string | undefined> {
	if (paths.settings !== DEFAULT_PATHS.settings || existsSync(paths.settings)) return undefined;
	const {isDockerZulipCheckout} = await import('../docker/container.js');
	return isDockerZulipCheckout(cwd) ? cwd : undefined;
}

/** Ask; yes (the default) gives the Compose target for DIR. */
export async function offerCheckout(dir: string, stdin: NodeJS.ReadableStream, stdout: NodeJS.WritableStream): Promise<ConfigTarget | undefined> {
	const terminal = createInterface({input: stdin, output: stdout});
	try {
		const intro = `No /etc/zulip/settings.py here, but ${visibleControls(dir)} is a docker-zulip checkout: its settings live in compose.override.yaml and .env.\n`;
		const question = 'Configure this docker-zulip deployment? [Y/n] ';
		stdout.write(intro);
		const answer = await terminal.question(question);
		// Printed before the wizard: a redraw after a resize shows it again.
		notePrintedBeforeInk(`${intro}${question}${answer}\n`);
		if (/^\s*n/i.test(answer)) return undefined;
	} finally {
		terminal.close();
	}

	const {composeTarget} = await import('../docker/compose-target.js');
	return composeTarget(dir);
}
