import assert from 'node:assert/strict';
import {describe, test} from 'node:test';
import {envValues, formatEnvValue, interpolate, parseEnvFile, setEnvValue} from '../source/docker/compose-env.js';

const read = (text: string, outside: Record<string, string> = {}) => Object.fromEntries(envValues(parseEnvFile(text, name => outside[name])));

describe('.env as Compose reads it (compose-go dotenv/parser.go)', () => {
	// Behaviours stated by compose-go's own parser tests (dotenv/godotenv_test.go, compose-spec/compose-go e70e961).
	const cases: Array<[string, string]> = [
		['FOO=bar', 'bar'],
		['FOO =bar', 'bar'],
		['FOO= bar', 'bar'],
		['FOO="bar"', 'bar'],
		["FOO='bar'", 'bar'],
		['FOO="escaped\\"bar"', 'escaped"bar'],
		['FOO="\\"quoted\\""', '"quoted"'],
		['FOO="\'d\'"', "'d'"],
		['FOO: 1', '1'],
		['FOO: Foo=bar', 'Foo=bar'],
		['FOO=1:B', '1:B'],
		['export FOO=2', '2'],
		["export FOO='\\n'", '\\n'],
		['FOO="bar\\nbaz"', 'bar\nbaz'],
		['FOO=a\\tb', 'a\\tb'],
		['FOO="a\\tb"', 'a\tb'],
		['FOO="Z\\aZ\\bZ\\fZ\\nZ\\rZ\\tZ\\vZ\\\\Z\\0123Z"', 'Z\x07Z\bZ\fZ\nZ\rZ\tZ\vZ\\ZSZ'],
		['FOO=foobar=', 'foobar='],
		['FOO=bar ', 'bar'],
		['FOO=bar # this is foo', 'bar'],
		['FOO=bar #', 'bar'],
		['FOO=123#not-an-inline-comment', '123#not-an-inline-comment'],
		['FOO="bar#baz" # comment', 'bar#baz'],
		["FOO='bar#baz' # comment", 'bar#baz'],
		['FOO="bar\\n\\ b\\az"', 'bar\n\\ b\x07z'],
		['FOO="bar\\nbaz\\\\"', 'bar\nbaz\\'],
		['  FOO=value', 'value'],
		['FOO="\\x07"', '\\x07'],
		['FOO="\\u12e4"', '\\u12e4'],
		["FOO='Let\\'s go!'", "Let's go!"],
		['FOO=$$literal', '$literal'],
		['FOO="\\$literal"', '$literal'],
		["FOO='$literal'", '$literal'],
	];
	for (const [line, expected] of cases) {
		test(line, () => assert.equal(read(`${line}\n`).FOO, expected));
	}

	test('variables interpolate from earlier lines and from outside; outside wins', () => {
		assert.deepEqual(read('A=1\nB=${A}2\nC="${A:-x}$A"\nD=${MISSING:-dflt}\n'), {A: '1', B: '12', C: '11', D: 'dflt'});
		assert.equal(read('A=1\nB=$A\n', {A: 'shell'}).B, 'shell');
		assert.equal(interpolate('a$$b${X}', () => 'x'), 'a$bx');
		assert.throws(() => interpolate('${', () => undefined), /Invalid interpolation/);
	});

	test('a multi-line quoted value is one statement', () => {
		const entries = parseEnvFile("A='first\nsecond'\nB=2\n");
		assert.deepEqual(entries.map(entry => [entry.key, entry.value]), [['A', 'first\nsecond'], ['B', '2']]);
	});
});

describe('writing the password into .env', () => {
	const awkward = [
		'plain',
		'with space',
		' leading and trailing ',
		'hash # inside',
		'#start',
		"single'quote",
		'double"quote',
		"both'\"quotes",
		'$HOME and ${HOME} and $$',
		'back\\slash',
		'ends with backslash\\',
		"quote' and backslash\\",
		'\\n is not a newline',
		'=equals=',
		'ümlaut €',
		'tab\there',
	];
	for (const password of awkward) {
		test(`${JSON.stringify(password)} comes back exactly`, () => {
			const text = setEnvValue('ZULIP__SECRET_KEY=abc\n', 'ZULIP__EMAIL_PASSWORD', password);
			// Read with a hostile environment: nothing in the value may interpolate.
			assert.equal(read(text, {HOME: '/root', X: 'x'}).ZULIP__EMAIL_PASSWORD, password);
			assert.equal(read(text).ZULIP__SECRET_KEY, 'abc');
		});
	}

	test('single quotes whenever they can hold the value (older Compose releases read them the same)', () => {
		assert.equal(formatEnvValue('a#b $c'), "'a#b $c'");
		assert.equal(formatEnvValue("it's"), '"it\'s"');
		assert.equal(formatEnvValue('a\\'), '"a\\\\"');
		assert.throws(() => formatEnvValue('two\nlines'), /line break/);
	});

	test('the last assignment is replaced in place, earlier ones removed, every other byte kept', () => {
		const before = '# secrets for compose\nZULIP__EMAIL_PASSWORD=first\nZULIP__SECRET_KEY="k#1" # key\n\nexport ZULIP__EMAIL_PASSWORD = \'second\' # why\nLAST=1';
		const after = setEnvValue(before, 'ZULIP__EMAIL_PASSWORD', 'new');
		assert.equal(after, "# secrets for compose\nZULIP__SECRET_KEY=\"k#1\" # key\n\nZULIP__EMAIL_PASSWORD='new'\nLAST=1");
		assert.equal(setEnvValue('A=1', 'B', 'x'), "A=1\nB='x'\n");
		assert.equal(setEnvValue('', 'B', 'x'), "B='x'\n");
	});
});
