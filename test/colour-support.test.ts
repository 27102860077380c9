/**
 * colourSupported decides before chalk loads whether chalk will colour the
 * wizard (source/ui/colour-support.ts). It must agree with chalk's own
 * supports-color on every variable and flag that one reads: each case loads
 * a fresh copy of chalk's module (it keeps state between calls) under the
 * case's environment and argv.
 */
import assert from 'node:assert/strict';
import {createRequire} from 'node:module';
import {dirname, join} from 'node:path';
import {test} from 'node:test';
import {pathToFileURL} from 'node:url';
import {Chalk} from 'chalk';
import {colourSupported} from '../source/ui/colour-support.js';
import {paintStyle} from '../source/ui/paint-style.js';

// chalk's package exports hide its vendored supports-color; it is reached by path, as Ink's chalk loads it.
const chalkEntry = createRequire(import.meta.url).resolve('chalk');
const supportsColorUrl = pathToFileURL(join(dirname(chalkEntry), 'vendor/supports-color/index.js')).href;

const VARIABLES = ['FORCE_COLOR', 'TERM', 'CI', 'GITHUB_ACTIONS', 'TRAVIS', 'CI_NAME', 'TF_BUILD', 'AGENT_NAME', 'TEAMCITY_VERSION', 'COLORTERM', 'TERM_PROGRAM', 'TERM_PROGRAM_VERSION'];

let fresh = 0;
async function chalkSays(env: Record<string, string>, argv: string[], isTTY: boolean): Promise<boolean> {
	const saved = {env: {...process.env}, argv: process.argv};
	for (const name of VARIABLES) delete process.env[name];
	Object.assign(process.env, env);
	process.argv = [process.argv[0]!, 'zulip-email-setup', ...argv];
	try {
		const {createSupportsColor} = (await import(`${supportsColorUrl}?case=${fresh++}`)) as {createSupportsColor(stream: {isTTY: boolean}): false | {level: number}};
		const level = createSupportsColor({isTTY});
		return level !== false && level.level > 0;
	} finally {
		for (const name of VARIABLES) delete process.env[name];
		Object.assign(process.env, saved.env);
		process.argv = saved.argv;
	}
}

const cases: Array<{env: Record<string, string>; argv?: string[]}> = [
	{env: {TERM: 'xterm-256color'}},
	{env: {TERM: 'xterm'}},
	{env: {TERM: 'screen'}},
	{env: {TERM: 'linux'}},
	{env: {TERM: 'vt100'}},
	{env: {TERM: 'dumb'}},
	{env: {TERM: 'dumb', FORCE_COLOR: '1'}},
	{env: {}},
	{env: {COLORTERM: 'truecolor'}},
	{env: {COLORTERM: 'yes'}},
	{env: {TERM: 'unknown'}},
	{env: {TERM: 'xterm-kitty'}},
	{env: {TERM: 'wezterm'}},
	{env: {TERM_PROGRAM: 'iTerm.app', TERM_PROGRAM_VERSION: '3.4'}},
	{env: {TERM_PROGRAM: 'Apple_Terminal'}},
	{env: {TERM_PROGRAM: 'vscode'}},
	{env: {TERM: 'xterm-256color', FORCE_COLOR: '0'}},
	{env: {TERM: 'xterm-256color', FORCE_COLOR: 'false'}},
	{env: {TERM: 'unknown', FORCE_COLOR: 'true'}},
	{env: {TERM: 'unknown', FORCE_COLOR: ''}},
	{env: {TERM: 'unknown', FORCE_COLOR: '2'}},
	{env: {TERM: 'unknown', FORCE_COLOR: 'yes'}},
	{env: {TERM: 'xterm', FORCE_COLOR: 'yes'}},
	{env: {TERM: 'xterm-256color', CI: 'true'}},
	{env: {TERM: 'xterm-256color', CI: 'true', FORCE_COLOR: '1'}},
	{env: {TERM: 'xterm-256color', CI: 'true', GITHUB_ACTIONS: 'true'}},
	{env: {CI: 'true', TRAVIS: '1'}},
	{env: {CI: 'true', CI_NAME: 'codeship'}},
	{env: {TF_BUILD: 'True', AGENT_NAME: 'agent'}},
	{env: {TEAMCITY_VERSION: '9.1.0'}},
	{env: {TEAMCITY_VERSION: '8.0.0'}},
	{env: {TERM: 'xterm-256color'}, argv: ['--no-color']},
	{env: {TERM: 'dumb'}, argv: ['--color']},
	{env: {TERM: 'dumb'}, argv: ['--color=256']},
	{env: {TERM: 'xterm'}, argv: ['--', '--no-color']},
	{env: {TERM: 'xterm', FORCE_COLOR: '1'}, argv: ['--no-color']},
];

test('colourSupported agrees with chalk\'s supports-color, on a terminal and off one', async () => {
	for (const {env, argv = []} of cases) {
		for (const isTTY of [true, false]) {
			const expected = await chalkSays(env, argv, isTTY);
			assert.equal(colourSupported(env, isTTY, [process.argv[0]!, 'zulip-email-setup', ...argv], 'linux'), expected, `${JSON.stringify(env)} ${argv.join(' ')} ${isTTY ? 'tty' : 'pipe'}`);
		}
	}
});

test('paintStyle writes what chalk writes for the same styles', () => {
	const chalk = new Chalk({level: 1});
	const style = paintStyle(true);
	for (const name of ['bold', 'cyan', 'gray', 'green', 'red', 'yellow'] as const) {
		assert.equal(style[name]('text'), chalk[name]('text'), name);
		assert.equal(style[name](''), chalk[name](''), `${name} of nothing`);
	}

	assert.equal(style.bold(style.cyan('? ') + 'Which'), chalk.bold(chalk.cyan('? ') + 'Which'));
	const plain = paintStyle(false);
	assert.equal(plain.cyan('text'), new Chalk({level: 0}).cyan('text'));
});
