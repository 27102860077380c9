import assert from 'node:assert/strict';
import {describe, test} from 'node:test';
import {UsageError} from '../source/engine/errors.js';
import {formatPythonString, formatPythonValue, parsePythonLiteral, tokenizePython, type PyValue} from '../source/zulip/python-literal.js';
import {pyExecSettingsMany} from './helpers/python.js';

describe('formatPythonString', () => {
	test('double quotes by default, single when asked; escapes only backslash and that quote', () => {
		assert.equal(formatPythonString('smtp.example.com'), '"smtp.example.com"');
		assert.equal(formatPythonString('smtp.example.com', '\''), '\'smtp.example.com\'');
		assert.equal(formatPythonString('a"b\'c\\d'), String.raw`"a\"b'c\\d"`);
		assert.equal(formatPythonString('a"b\'c\\d', '\''), String.raw`'a"b\'c\\d'`);
		assert.equal(formatPythonString('"""'), String.raw`"\"\"\""`);
		assert.equal(formatPythonString(''), '""');
		assert.equal(formatPythonString('Ünïcødé 📧'), '"Ünïcødé 📧"');
	});

	test('refuses every control character, line separators and unpaired surrogates', () => {
		const refused = ['\n', '\r', '\t', '\u0000', '\u0008', '\u000b', '\u000c', '\u001b', '\u001f', '\u007f', '\u0080', '\u0085', '\u009f', '\u2028', '\u2029', '\ud800', '\udc00x'];
		for (const character of refused) {
			assert.throws(() => formatPythonString(`a${character}b`), UsageError, JSON.stringify(character));
		}

		assert.match((() => {
			try {
				formatPythonString('a\nb');
			} catch (error) {
				return (error as Error).message;
			}

			return '';
		})(), /line break \(U\+000A\)/);
		assert.doesNotThrow(() => formatPythonString('😀 \u00a0 \u200b \ufeff'));
	});
});

describe('formatPythonValue', () => {
	test('True/False, ints and strings', () => {
		assert.equal(formatPythonValue(true), 'True');
		assert.equal(formatPythonValue(false), 'False');
		assert.equal(formatPythonValue(587), '587');
		assert.equal(formatPythonValue(-1), '-1');
		assert.equal(formatPythonValue('x'), '"x"');
		assert.throws(() => formatPythonValue(1.5), UsageError);
		assert.throws(() => formatPythonValue(Number.NaN), UsageError);
		assert.throws(() => formatPythonValue(2 ** 60), UsageError);
	});
});

describe('parsePythonLiteral', () => {
	const table: Array<[string, PyValue | undefined]> = [
		['"a"', {kind: 'str', value: 'a'}],
		['\'a\'', {kind: 'str', value: 'a'}],
		['"a" \'b\'', {kind: 'str', value: 'ab'}],
		['("a"\n  "b"  # comment\n)', {kind: 'str', value: 'ab'}],
		['(("a"))', {kind: 'str', value: 'a'}],
		['u"a"', {kind: 'str', value: 'a'}],
		['r"\\d\\""', {kind: 'str', value: '\\d\\"'}],
		['r"\\d\\"', undefined],
		['"""x\n"y"\n"""', {kind: 'str', value: 'x\n"y"\n'}],
		['"\\n\\t\\\\\\x41\\101\\u00e9\\U0001F600\\q"', {kind: 'str', value: '\n\t\\AAé😀\\q'}],
		['"\\N{BULLET}"', undefined],
		['b"x"', undefined],
		['f"x"', undefined],
		['"a" b"x"', undefined],
		['587', {kind: 'int', value: 587}],
		['-1', {kind: 'int', value: -1}],
		['0x1F', {kind: 'int', value: 31}],
		['0o17', {kind: 'int', value: 15}],
		['0b101', {kind: 'int', value: 5}],
		['1_000', {kind: 'int', value: 1000}],
		['00', {kind: 'int', value: 0}],
		['007', undefined],
		['1.5', undefined],
		['1e3', undefined],
		['2**5', undefined],
		['True', {kind: 'bool', value: true}],
		['False', {kind: 'bool', value: false}],
		['None', {kind: 'none'}],
		['true', undefined],
		['"a" + "b"', undefined],
		['("a",)', undefined],
		['()', undefined],
		['get_secret("x")', undefined],
		['"unclosed', undefined],
		['', undefined],
	];
	for (const [source, expected] of table) {
		test(JSON.stringify(source), () => assert.deepEqual(parsePythonLiteral(source), expected));
	}

	test('agrees with python3 on every literal', async () => {
		const literals = table.filter(([, expected]) => expected !== undefined).map(([source]) => source);
		const executed = await pyExecSettingsMany(literals.map(source => ({text: `V = ${source}\n`, names: ['V']})));
		for (const [index, source] of literals.entries()) {
			const value = parsePythonLiteral(source)!;
			assert.deepEqual(executed[index]!.V, value.kind === 'none' ? null : 'value' in value ? value.value : undefined, source);
		}
	});
});

describe('format then read: python3 and parsePythonLiteral get the value back', () => {
	const values = [
		'plain', '', 'a"b', 'a\'b', '\\', 'x\\', '"""', '\'\'\'', '\\"', '\\\'', '\\\\"', '"\'"\'', '\\n', '\\x41', '{token}', '%(user)s',
		'# hash', 'Ünïcødé 📧 例え', '\u00a0nbsp', 'z'.repeat(10_240),
	];

	test('both quote styles', async () => {
		const cases = values.flatMap(value => (['"', '\''] as const).map(quote => ({value, source: formatPythonString(value, quote)})));
		const executed = await pyExecSettingsMany(cases.map(({source}) => ({text: `V = ${source}\n`, names: ['V']})));
		for (const [index, {value, source}] of cases.entries()) {
			assert.equal(executed[index]!.V, value, source.slice(0, 40));
			assert.deepEqual(parsePythonLiteral(source), {kind: 'str', value});
		}
	});
});

describe('tokenizePython', () => {
	test('logical lines span brackets, backslashes and triple-quoted strings; comment-only lines belong to none', () => {
		const {logicalLines, lineOwner, error} = tokenizePython('A = (\n# inside\n1)\n# alone\nB = \\\n  2\nC = """\nx\n"""\n');
		assert.equal(error, undefined);
		assert.deepEqual(logicalLines.map(line => [line.firstLine, line.lastLine]), [[0, 2], [4, 5], [6, 8]]);
		assert.deepEqual(lineOwner, [0, 0, 0, -1, 1, 1, 2, 2, 2, -1]);
	});

	test('names: ASCII, non-ASCII first, non-ASCII after an ASCII start, as Python reads them', () => {
		const names = (source: string) => tokenizePython(source).logicalLines.flatMap(line => line.tokens).filter(token => token.type === 'name').map(token => token.text);
		assert.deepEqual(names('EMAIL_HOST = x1_y\n'), ['EMAIL_HOST', 'x1_y']);
		assert.deepEqual(names('naïve = 1\n'), ['naïve']);
		assert.deepEqual(names('Émail_2 = café\n'), ['Émail_2', 'café']);
		// What python3's tokenize module gives for the same lines.
		assert.deepEqual(names('_ = ℌx + xé\n'), ['_', 'ℌx', 'xé']);
		assert.deepEqual(names('a1 = 2\n'), ['a1']);
	});

	test('reports what is not Python', () => {
		assert.equal(tokenizePython('A = "x\n').error?.line, 0);
		assert.match(tokenizePython('A = (\n').error?.message ?? '', /never closed/);
		assert.match(tokenizePython('A = 1)\n').error?.message ?? '', /unmatched/);
	});
});
