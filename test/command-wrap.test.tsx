/**
 * Commands on narrow screens: the steps that show a command (a fix, the
 * restart, a permission problem) rendered by Ink at 50 and 60 columns. A
 * command that fits a row is on one row; one wider than the row starts at
 * column 0, broken between its words with ` \` line continuations (or, one
 * word wider than a row, in rows that join to exactly it), so it can be copied.
 */
import assert from 'node:assert/strict';
import {after, test} from 'node:test';
import type {ReactElement} from 'react';
import {command} from '../source/engine/command-text.js';
import {diagnose} from '../source/smtp/diagnoses.js';
import type {TestReport} from '../source/smtp/types.js';
import {DoneStep} from '../source/ui/steps/done-step.js';
import {ProblemStep} from '../source/ui/steps/problem-step.js';
import {RestartFailedStep, RestartOfferStep} from '../source/ui/steps/restart-steps.js';
import {ResultStep} from '../source/ui/steps/result-step.js';
import {plain} from './helpers/ink.js';
import {cleanupRendered, renderAt} from './helpers/walk-through.js';

const RESTART = 'sudo -u zulip /home/zulip/deployments/current/scripts/restart-server';

after(cleanupRendered);

/** The step's rows as Ink draws them on a terminal `columns` wide. */
function rowsAt(columns: number, tree: ReactElement): string[] {
	return plain(renderAt(tree, {columns, rows: 40}).lastFrame()).split('\n').map(row => row.trimEnd());
}

/** The command is whole: on one row, or (wider than the row) from column 0 over rows that join to exactly it. */
function assertWhole(rows: readonly string[], wanted: string, columns: number): void {
	for (const row of rows) assert.ok(row.length <= columns, `"${row}" fits ${columns} columns`);
	if (wanted.length <= columns) {
		assert.ok(rows.some(row => row.includes(wanted)), `"${wanted}" on one row at ${columns} columns:\n${rows.join('\n')}`);
		return;
	}

	// A shell command breaks between its words, rows joined by ` \` continuations, as the shell reads them back.
	const continued = rows.findIndex(row => row.endsWith(' \\') && wanted.startsWith(row.slice(0, -2)));
	if (continued !== -1) {
		const words: string[] = [];
		for (let index = continued; index < rows.length; index++) {
			words.push(rows[index]!.trim().replace(/ \\$/, ''));
			if (!rows[index]!.endsWith(' \\')) break;
		}

		assert.equal(words.join(' '), wanted, `its rows are the command with line continuations:\n${rows.join('\n')}`);
		return;
	}

	const start = rows.findIndex(row => row.length > 0 && wanted.startsWith(row));
	assert.ok(start !== -1, `"${wanted}" starts a row at column 0 at ${columns} columns:\n${rows.join('\n')}`);
	let joined = '';
	for (let index = start; index < rows.length && joined.length < wanted.length; index++) joined += rows[index];
	assert.equal(joined, wanted, `its rows join to the command, nothing inserted:\n${rows.join('\n')}`);
}

const send = () => undefined;

for (const columns of [50, 60]) {
	test(`${columns} columns: the next steps keep the restart command whole`, () => {
		const rows = rowsAt(columns, <DoneStep testOk changed={[{path: '/etc/zulip/settings.py', changed: true, backup: '/etc/zulip/settings.py.bak-1', created: false}]} restored={false} restartCommand={RESTART} sendingDomain="zulip.example.com" fileBackend={false} />);
		assertWhole(rows, RESTART, columns);
		assertWhole(rows, 'zulip-email-setup --check', columns);
		assert.ok(!rows.join('\n').includes('`'), 'the marks are not shown');
	});

	test(`${columns} columns: the restart offer and the failed restart show the command whole`, () => {
		assertWhole(rowsAt(columns, <RestartOfferStep command={RESTART} recommended send={send} />), RESTART, columns);
		const failed = rowsAt(columns, <RestartFailedStep result={{ok: false, exitCode: 1, command: RESTART, tail: ['Traceback (most recent call last):'], confirmed: false}} send={send} />);
		assertWhole(failed, RESTART, columns);
	});

	test(`${columns} columns: a fix's command moves to its own line instead of breaking`, () => {
		const context = {host: 'localhost', port: 25, security: 'none' as const, user: '', timeoutMs: 1000, filePath: '/var/log/zulip/emails', fileUser: 'zulip'};
		const report: TestReport = {ok: false, senders: [], durationMs: 5, diagnosis: diagnose('file-backend-not-writable', context)};
		const rows = rowsAt(columns, <ResultStep report={report} fixes={[]} canRestore={false} send={send} />);
		assertWhole(rows, 'install -d -o zulip -g zulip /var/log/zulip/emails', columns);
		assertWhole(rows, 'chown zulip:zulip', columns);
	});

	test(`${columns} columns: a problem's fix keeps its commands whole`, () => {
		// As engine/permissions.ts words it for a file owned by zulip.
		const fix = `Run it as root (${command('sudo zulip-email-setup')}) or as zulip (${command('sudo -u zulip zulip-email-setup')}).`;
		const rows = rowsAt(columns, <ProblemStep problems={[{message: '/etc/zulip/zulip-secrets.conf: running as nobody, zulip-email-setup cannot read it.', fix}]} then="exit" send={send} />);
		assertWhole(rows, 'sudo -u zulip zulip-email-setup', columns);
		assertWhole(rows, 'sudo zulip-email-setup', columns);
		assert.ok(!rows.join('\n').includes('`'), 'the marks are not shown');
	});
}
