/**
 * The hanging wrap keeps commands whole: a command marked in a sentence
 * (engine/command-text.ts) moves to the next line rather than break, and
 * only one wider than the row breaks, with nothing inserted inside it.
 */
import assert from 'node:assert/strict';
import {Writable} from 'node:stream';
import {test} from 'node:test';
import stringWidth from 'string-width';
import {command, plainText, textSegments} from '../source/engine/command-text.js';
import type {CurrentConfig} from '../source/engine/current-config.js';
import {errorText} from '../source/engine/errors.js';
import {secretsModeWarnings} from '../source/engine/secrets-mode.js';
import {createReporter, testLines} from '../source/report.js';
import {DIAGNOSES, diagnose, wizardWords} from '../source/smtp/diagnoses.js';
import type {TestReport} from '../source/smtp/types.js';
import {hanging, hangOf} from '../source/ui/text-fit.js';

const RESTART = 'sudo -u zulip /home/zulip/deployments/current/scripts/restart-server';

/** Where the command is in the wrapped rows: whole on one row, or (wider than a row) rows that join to exactly it. */
function assertWhole(rows: readonly string[], wanted: string, width: number): void {
	if (stringWidth(wanted) <= width) {
		assert.ok(rows.some(row => row.includes(wanted)), `"${wanted}" whole on one row of\n${rows.join('\n')}`);
		return;
	}

	// Wider than the row: it starts a row at column 0 (after punctuation glued to it, like "(") and its pieces follow with nothing added.
	for (let index = 0; index < rows.length; index++) {
		const offset = /^[("'`]?/.exec(rows[index]!)![0].length;
		const first = rows[index]!.slice(offset);
		if (first === '' || !wanted.startsWith(first)) continue;
		let joined = first;
		for (let next = index + 1; next < rows.length && joined.length < wanted.length; next++) joined += rows[next];
		assert.ok(joined.startsWith(wanted), `the rows join to the command, no indent inside:\n${rows.join('\n')}`);
		return;
	}

	assert.fail(`"${wanted}" starts a row in\n${rows.join('\n')}`);
}

test('marks: a command is kept as one segment, the plain text drops only the marks', () => {
	const text = `Run ${command('chmod 640 /etc/zulip/zulip-secrets.conf')} (or ${command('--fix-secrets-mode')}).`;
	assert.deepEqual(textSegments(text), [
		{text: 'Run ', command: false},
		{text: 'chmod 640 /etc/zulip/zulip-secrets.conf', command: true},
		{text: ' (or ', command: false},
		{text: '--fix-secrets-mode', command: true},
		{text: ').', command: false},
	]);
	assert.equal(plainText(text), 'Run chmod 640 /etc/zulip/zulip-secrets.conf (or --fix-secrets-mode).');
	// A command with a backtick of its own (a --restart-command with shell substitution) is left as it is.
	assert.equal(command('echo `date`'), 'echo `date`');
	assert.equal(plainText('a lone ` stays'), 'a lone ` stays');
});

test('a command that does not fit after the text moves to the next line whole, under the text', () => {
	const rows = hanging(`✖ Fix: make it 0640 (${command('chmod 640 /etc/zulip/zulip-secrets.conf')}), then restart.`, 48, 2);
	assert.deepEqual(rows, ['✖ Fix: make it 0640', '  (chmod 640 /etc/zulip/zulip-secrets.conf),', '  then restart.']);
});

test('a command wider than a hanging line starts at column 0, so no indent lands in what is copied', () => {
	const rows = hanging(`• Restart Zulip to use the new settings: ${command(RESTART)}`, 69, 2);
	assert.deepEqual(rows, ['• Restart Zulip to use the new settings:', RESTART]);
});

test('a command wider than the row breaks only inside itself, and the text after it starts a new line', () => {
	for (const width of [30, 40, 50, 60]) {
		const rows = hanging(`✖ The restart failed: run ${command(RESTART)} to see why.`, width, 2);
		assertWhole(rows, RESTART, width);
		const last = rows.findIndex(row => RESTART.endsWith(row) && row.length > 0);
		assert.equal(rows[last + 1], '  to see why.', rows.join('\n'));
		for (const row of rows) assert.ok(stringWidth(row) <= width, `"${row}" fits ${width} columns`);
	}
});

test('prose wraps as before: between words, hanging under the text, no line starting with a space', () => {
	const text = '  • Publish SPF and DKIM records for zulip.example.com as your provider describes, or mail lands in spam.';
	for (const width of [30, 45, 80]) {
		const rows = hanging(text, width, hangOf(text));
		assert.equal(rows.map(row => row.trim()).join(' '), text.trim());
		assert.equal(rows[0]!.slice(0, 4), '  • ');
		for (const row of rows.slice(1)) assert.match(row, /^ {4}\S/);
		for (const row of rows) assert.ok(stringWidth(row) <= width);
	}

	// A word longer than a line still breaks (as Ink does), under the text.
	assert.deepEqual(hanging('✖ x abcdefghijklmnopqrstuvwxyz0123456789', 20, 2), ['✖ x', '  abcdefghijklmnopqr', '  stuvwxyz0123456789']);
});

test('every command in every fix, in both faces\' words, stays whole at 40 to 100 columns', () => {
	const base = {port: 587, security: 'starttls' as const, user: 'someone', timeoutMs: 1000, host: 'smtp.mailgun.org', secretsPath: '/srv/zulip/zulip-secrets.conf', filePath: '/var/log/zulip/emails', fileUser: 'zulip'};
	const tokenized = {role: 'noreply-tokenized' as const, address: 'noreply-abcdefghijklmnopqrstuvwx@example.org'};
	const texts = [
		...Object.keys(DIAGNOSES).flatMap(id => [{}, {sender: tokenized, acceptedNoreply: 'noreply@mg.example.org'}].map(context => diagnose(id as keyof typeof DIAGNOSES, {...base, ...context}).fix)),
		...secretsModeWarnings('/etc/zulip/zulip-secrets.conf', 0o644),
	];
	let commands = 0;
	for (const text of [...texts, ...texts.map(wizardWords)]) {
		for (const width of [40, 52, 60, 71, 80, 100]) {
			const line = `Fix: ${text}`;
			const rows = hanging(line, width, 2);
			for (const segment of textSegments(line).filter(part => part.command)) {
				assertWhole(rows, segment.text, width);
				commands++;
			}

			assert.ok(rows.every(row => row.trim() !== ''), `no blank row:\n${rows.join('\n')}`);
			for (const row of rows) assert.ok(stringWidth(row) <= width, `"${row}" fits ${width} columns`);
			assert.equal(rows.join('').replace(/\s+/g, ''), plainText(line).replace(/\s+/g, ''), 'nothing lost, marks gone');
		}
	}

	assert.ok(commands > 100, `the fixes mark their commands (${commands} checked)`);
});

test('the plain faces print the commands without their marks: text, error text and JSON', () => {
	const context = {host: 'localhost', port: 25, security: 'none' as const, user: '', timeoutMs: 1000, filePath: '/var/log/zulip/emails', fileUser: 'zulip'};
	const report: TestReport = {ok: false, senders: [], durationMs: 5, diagnosis: diagnose('file-backend-not-writable', context)};
	assert.match(report.diagnosis!.fix, /`install -d/, 'the engine marks the command');
	const text = testLines(report).join('\n');
	assert.match(text, /Fix: Run install -d -o zulip -g zulip \/var\/log\/zulip\/emails \(or chown zulip:zulip it\)/);
	assert.ok(!text.includes('`'), text);
	assert.equal(errorText({id: 'x', message: 'm', fix: `Run it as root (${command('sudo zulip-email-setup')}).`, exitCode: 3}), 'Error: m\nFix: Run it as root (sudo zulip-email-setup).\n');

	let json = '';
	const stdout = new Writable({write(chunk, _encoding, done) {
		json += String(chunk);
		done();
	}});
	const reporter = createReporter({json: true, stdout, stderr: stdout});
	reporter.readBack({warnings: secretsModeWarnings('/etc/zulip/zulip-secrets.conf', 0o644)} as unknown as CurrentConfig);
	reporter.finish({exitCode: 1, dryRun: false, test: report});
	const parsed = JSON.parse(json) as {test: {diagnosis: {fix: string}}; warnings: string[]};
	assert.match(parsed.test.diagnosis.fix, /^Run install -d -o zulip/);
	assert.match(parsed.warnings[0]!, /\(chmod 0640 \/etc\/zulip\/zulip-secrets\.conf, or --fix-secrets-mode\)/);
	assert.ok(!json.includes('`'), json);
});
