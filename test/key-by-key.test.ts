/**
 * keyByKey (source/ui/key-by-key.ts) hands Ink stdin one character per read,
 * so a burst of typed keys reaches useInput as keys, not as one string.
 */
import assert from 'node:assert/strict';
import {EventEmitter} from 'node:events';
import {test} from 'node:test';
import {keyByKey} from '../source/ui/key-by-key.js';

class FakeStdin extends EventEmitter {
	readonly isTTY = true;
	chunks: Array<string | Buffer>;
	rawMode = false;
	constructor(chunks: Array<string | Buffer>) {
		super();
		this.chunks = chunks;
	}

	read(): string | Buffer | null {
		return this.chunks.shift() ?? null;
	}

	setRawMode(mode: boolean): this {
		this.rawMode = mode;
		return this;
	}
}

function readAll(stdin: {read(): unknown}): unknown[] {
	const reads: unknown[] = [];
	for (let chunk = stdin.read(); chunk !== null; chunk = stdin.read()) reads.push(chunk);
	return reads;
}

test('a burst is read one character at a time, in order, across chunks', () => {
	const stdin = keyByKey(new FakeStdin(['send\r', '\u001B[B', 'é👍']) as unknown as NodeJS.ReadStream);
	assert.deepEqual(readAll(stdin), ['s', 'e', 'n', 'd', '\r', '\u001B', '[', 'B', 'é', '👍']);
});

test('a line feed is an Enter, and a pasted CRLF is one Enter', () => {
	const stdin = keyByKey(new FakeStdin(['gm\n', 'a\r\nb', '\n']) as unknown as NodeJS.ReadStream);
	assert.deepEqual(readAll(stdin), ['g', 'm', '\r', 'a', '\r', 'b', '\r']);
});

test('bytes without an encoding pass whole; everything else is the stream itself', () => {
	const bytes = Buffer.from('ab');
	const fake = new FakeStdin([bytes]);
	const stdin = keyByKey(fake as unknown as NodeJS.ReadStream);
	assert.deepEqual(readAll(stdin), [bytes]);
	stdin.setRawMode(true);
	assert.equal(fake.rawMode, true);
	assert.equal(stdin.isTTY, true);
	let heard = false;
	stdin.on('readable', () => {
		heard = true;
	});
	fake.emit('readable');
	assert.equal(heard, true);
});
