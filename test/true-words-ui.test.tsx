/**
 * Issue 22, in the Ink face: step components rendered by ink-testing-library
 * at 80 columns, read as the admin reads them.
 */
import assert from 'node:assert/strict';
import {after, describe, test} from 'node:test';
import type {ReactElement} from 'react';
import {HangingText} from '../source/ui/components/hanging-text.js';
import {DoneStep} from '../source/ui/steps/done-step.js';
import {plain} from './helpers/ink.js';
import {cleanupRendered, renderAt, renderAt80} from './helpers/walk-through.js';

after(cleanupRendered);

describe('the restore counts the files it put back', () => {
	const file = (name: string) => ({path: `/srv/helm/${name}`, changed: true, backup: `/srv/helm/${name}.bak-20261207-230112`, created: false});

	test('one file touched (Helm\'s values file only): it is named, never "both"', () => {
		const frame = plain(renderAt80(<DoneStep restored changed={[file('values.yaml')]} restartCommand="helm upgrade" fileBackend={false} />).lastFrame());
		assert.match(frame, /values\.yaml is back as it was before this run\./);
		assert.doesNotMatch(frame, /Both files/);
	});

	test('two files: both', () => {
		const frame = plain(renderAt80(<DoneStep restored changed={[file('values.yaml'), file('zulip-email-secret.yaml')]} restartCommand="helm upgrade" fileBackend={false} />).lastFrame());
		assert.match(frame, /Both files are back as they were before this run\./);
	});
});

describe('paths are never broken inside a name when wrapping', () => {
	const rowsOf = (text: string, columns = 80) => plain(renderAt(<HangingText>{text}</HangingText> as ReactElement, {columns, rows: 24}).lastFrame()).split('\n').map(row => row.trimEnd());

	test('a backup path that fits a row is kept whole on its own row', () => {
		// 79 columns with its bracket: wider than a hanging row, not than the row.
		const backup = '/tmp/zulip-email-setup-sandbox-wRqUar/zulip-secrets.conf.bak-20261208-001323-22';
		assert.equal(`${backup})`.length, 80);
		const rows = rowsOf(`✔ Wrote /tmp/zulip-email-setup-sandbox-wRqUar/zulip-secrets.conf (backup: ${backup})`);
		assert.ok(rows.some(row => row.includes(`${backup})`)), rows.join('\n'));
	});

	test('a path wider than the row breaks only after a slash; the bracket after it stays with it', () => {
		const backup = '/tmp/zulip-email-setup-sandbox-wRqUar/docker-zulip/compose.override.yaml.bak-20261207-230112';
		const rows = rowsOf(`✔ Wrote /tmp/s/docker-zulip/compose.override.yaml (backup: ${backup})`);
		for (const row of rows) assert.ok(row.length <= 80, row);
		const start = rows.findIndex(row => backup.startsWith(row) && row.length > 0);
		assert.ok(start !== -1, rows.join('\n'));
		assert.ok(rows[start]!.endsWith('/'), `broken after a slash:\n${rows.join('\n')}`);
		assert.equal(rows[start]! + rows[start + 1]!, `${backup})`);
	});

	test('a command wider than the row starts a row, breaks after a slash rather than inside a name, and nothing is inserted', () => {
		const check = './bin/zulip-email-setup.js --sandbox --docker --sandbox-dir /tmp/zulip-email-setup-sandbox-AbCdEf --check';
		const rows = rowsOf(`  • Run \`${check}\` any time to test again without changing anything.`);
		const first = rows.findIndex(row => row.startsWith('./bin/zulip-email-setup.js'));
		assert.ok(first !== -1, rows.join('\n'));
		// Copied together, the rows are the command (a fix may be PowerShell, where \\ continues nothing).
		assert.equal(`${rows[first]!}${rows[first + 1]!}`, check, rows.join('\n'));
		assert.ok(rows[first]!.endsWith('/'), `the break falls after a slash: ${rows.join('\n')}`);
	});
});
