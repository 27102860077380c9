/**
 * Line mode (TERM=dumb): successive transcripts, as Ink's debug renderer
 * writes them, become appended text a reader can follow. The whole program
 * on a dumb terminal is walked in test/dumb-terminal.test.ts.
 */
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {LinePrinter, onlyColours} from '../source/ui/line-mode-output.js';

const frame = (highlight: number, log: string[] = []) => [
	...log,
	'',
	'? Port and TLS mode',
	...['587 with STARTTLS', '465 with SSL/TLS', '25 with STARTTLS'].map((label, index) => `  ${index === highlight ? '› ' : '  '}${index + 1}. ${label}`),
	'↑↓ or number move · Enter choose',
].join('\n');

test('a new frame is printed whole and ended; a moved highlight is the one line it moved to', () => {
	const printer = new LinePrinter();
	assert.equal(printer.update(frame(0)), `${frame(0)}\n`);
	assert.equal(printer.update(frame(1)), '  › 2. 465 with SSL/TLS');
	// From the third to the first item: the second, unchanged in between, is not printed again.
	printer.update(frame(2));
	assert.equal(printer.update(frame(0)), '\n  › 1. 587 with STARTTLS');
	assert.equal(printer.update(frame(0)), '', 'nothing changed, nothing printed');
	// The answer goes to the log and the next question follows: the open line is ended first.
	const next = ['✔ Server: 127.0.0.1:587', '', '? SMTP username', '  relay-user', 'Enter confirm'].join('\n');
	assert.equal(printer.update(next), `\n${next}\n`);
	assert.equal(printer.midLine, false);
});

test('typing extends the line printed last; an edit that is not an extension prints the line again', () => {
	const printer = new LinePrinter();
	const input = (value: string, error?: string) => ['? SMTP username', `  ${value}`.trimEnd(), ...(error ? [`✖ ${error}`] : []), 'Enter confirm'].join('\n');
	printer.update(input('relay'));
	assert.equal(printer.update(input('relay-')), '  relay-');
	assert.equal(printer.update(input('relay-u')), 'u');
	assert.equal(printer.update(input('relay-us')), 's');
	assert.equal(printer.midLine, true);
	assert.equal(printer.update(input('relay-u')), '\n  relay-u', 'Backspace: the line as it is now');
	// A message under the input is one line more; when it goes away, nothing is printed.
	assert.equal(printer.update(input('relay-u', 'No spaces')), '\n✖ No spaces');
	assert.equal(printer.update(input('relay-u')), '');
});

test('a reshaped frame is printed from its first changed line to the end', () => {
	const printer = new LinePrinter();
	const list = (filter: string, items: string[]) => ['? Which service', `  Filter: ${filter}`, ...items.map((item, index) => `  ${index === 0 ? '› ' : '  '}${index + 1}. ${item}`), 'Enter choose'].join('\n');
	printer.update(list('type to search', ['Sandbox relay', 'Mailgun', 'Gmail', 'Postmark', 'Brevo']));
	assert.equal(printer.update(list('ma', ['Mailgun', 'Gmail'])), '  Filter: ma\n  › 1. Mailgun\n    2. Gmail\nEnter choose\n');
});

test('every escape sequence but colour is dropped, and lines lose trailing blanks', () => {
	assert.equal(onlyColours('\u001B[2K\u001B[1A\u001B[?25l\u001B[?2026hab\u001B[32mc\u001B[39m\u001B]8;;x\u0007'), 'ab\u001B[32mc\u001B[39m');
	const printer = new LinePrinter();
	assert.equal(printer.update('\u001B[1Aone   \ntwo\u001B[K'), 'one\ntwo\n');
});

test('a log line printed above a part of the frame that stayed: the log line, then only what follows that part', () => {
	const printer = new LinePrinter();
	const panel = ['', 'Deliverability (SPF, DKIM, DMARC, MX)', '✔ SPF record valid [spf-ok]', '✔ DKIM key published [dkim-ok]'];
	const question = ['', '? Restart Zulip so it reads the new settings?', '  › 1. Restart Zulip now', 'Enter choose'];
	printer.update(['✔ Test passed', ...panel, ...question].join('\n'));
	const restarting = ['', '… Restarting Zulip: restart-server', 'Ctrl-C stop'];
	assert.equal(printer.update(['✔ Test passed', '• Running restart-server', ...panel, ...restarting].join('\n')), ['• Running restart-server', ...restarting].join('\n') + '\n');
});

test('a new question keeps the blank line above it, though the question before had one in the same place', () => {
	const printer = new LinePrinter();
	printer.update(['✔ Test failed', '', '? What now?', '  › 1. Type the password again', 'Enter choose'].join('\n'));
	assert.equal(printer.update(['✔ Test failed', '', '? Password for relay-user', '', 'Enter confirm'].join('\n')), '\n? Password for relay-user\n\nEnter confirm\n');
});
