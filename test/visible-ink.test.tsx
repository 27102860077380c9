// The wizard's Text (source/ui/components/text.tsx): every string it renders,
// in fragments and nested Text too, reaches the terminal escaped; the steps
// that show file values (a text field prefilled with settings.py's
// EMAIL_HOST, a scrollback line) use it.
import assert from 'node:assert/strict';
import {cleanup, render} from 'ink-testing-library';
import {afterEach, describe, test} from 'node:test';
import {HangingText} from '../source/ui/components/hanging-text.js';
import {Text} from '../source/ui/components/text.js';
import {TextInput} from '../source/ui/components/text-input.js';

// eslint-disable-next-line no-control-regex
const ACTING = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/;
const HOSTILE = 'smtp\u001B]52;c;aGk=\u0007\u001B[2J\u202E\u009B';
// eslint-disable-next-line no-control-regex
const STYLE = /\u001B\[[0-9;]*m/g;
const SHOWN = String.raw`smtp\x1b]52;c;aGk=\x07\x1b[2J\u202e\x9b`;

afterEach(() => cleanup());

describe('the wizard\'s Text escapes outside text', () => {
	test('strings, fragments and nested Text', () => {
		const {lastFrame} = render(<Text>{HOSTILE} <>{HOSTILE}</> <Text bold>{HOSTILE}</Text></Text>);
		const frame = lastFrame() ?? '';
		// ink-testing-library keeps Ink's own styling off; what is left is the text.
		assert.equal(ACTING.exec(frame.replace(STYLE, '')), null, JSON.stringify(frame));
		// (Wrapped at the test terminal's width.)
		assert.equal(frame.replace(STYLE, '').replace(/\s+/g, ' '), `${SHOWN} ${SHOWN} ${SHOWN}`);
	});

	test('a text field prefilled from a file, and a scrollback line', () => {
		const field = render(<TextInput defaultValue={HOSTILE} onSubmit={() => undefined} />);
		assert.ok((field.lastFrame() ?? '').includes(String.raw`smtp\x1b]52;c;aGk=`), field.lastFrame());
		assert.ok(!(field.lastFrame() ?? '').includes('\u001B]52'));
		const line = render(<HangingText>{`  Server     ${HOSTILE}:25`}</HangingText>);
		assert.equal(line.lastFrame(), `  Server     ${SHOWN}:25`);
	});
});
