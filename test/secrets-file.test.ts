import assert from 'node:assert/strict';
import {spawnSync} from 'node:child_process';
import {mkdtemp, readdir, readFile, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {after, before, describe, test} from 'node:test';
import {fileURLToPath} from 'node:url';
import ini from 'ini';
import {ConfigError, UsageError} from '../source/engine/errors.js';
import {writeFileSafely} from '../source/engine/safe-write.js';
import {
	isPythonWhitespace,
	parseRawConfig,
	passwordProblem,
	PASSWORD_KEY,
	readSecret,
	SecretsFileError,
	setSecret,
	type RawConfig,
} from '../source/zulip/secrets-file.js';
import {rawConfigReadBatch, type RawConfigAnswer} from './helpers/raw-config.js';

const fixtureDirectory = fileURLToPath(new URL('fixtures/secrets/', import.meta.url));

interface Fixture {
	readonly name: string;
	readonly text: string;
}

const validNames = [
	'zulip-generated.conf',
	'hand-edited.conf',
	'crlf.conf',
	'no-final-newline.conf',
	'no-final-newline-email-last.conf',
	'other-section-after.conf',
	'section-after-no-email.conf',
	'continuation.conf',
	'indented.conf',
	'empty.conf',
	'comments-only.conf',
	'default-section.conf',
	'empty-secrets-section.conf',
	'email-empty-value.conf',
];
const brokenNames: Record<string, {error: string; id: string}> = {
	'broken-duplicate-key.conf': {error: 'DuplicateOptionError', id: 'secrets-duplicate'},
	'broken-duplicate-section.conf': {error: 'DuplicateSectionError', id: 'secrets-duplicate'},
	'broken-key-before-section.conf': {error: 'MissingSectionHeaderError', id: 'secrets-parse'},
	'broken-garbage-line.conf': {error: 'ParsingError', id: 'secrets-parse'},
	'broken-empty-key.conf': {error: 'ParsingError', id: 'secrets-parse'},
};

let valid: Fixture[] = [];
let broken: Fixture[] = [];
before(async () => {
	const load = async (name: string) => ({name, text: await readFile(path.join(fixtureDirectory, name), 'utf8')});
	valid = await Promise.all(validNames.map(load));
	broken = await Promise.all(Object.keys(brokenNames).map(load));
	// Every fixture on disk is used, so a new one cannot be forgotten.
	const onDisk = (await readdir(fixtureDirectory)).filter((name) => name.endsWith('.conf')).sort();
	assert.deepEqual(onDisk, [...validNames, ...Object.keys(brokenNames)].sort());
});

/** Seeded, so a failure names a case that reproduces. */
function mulberry32(seed: number): () => number {
	let state = seed >>> 0;
	return () => {
		state = (state + 0x6d2b79f5) >>> 0;
		let t = state;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

const printableAscii = Array.from({length: 95}, (_, index) => String.fromCharCode(0x20 + index));
const awkward = ['%', '#', ';', '"', "'", '=', ':', '\\', '%(secret_key)s', '$', '[', ']', '`', '\\n', ' ; ', ' # '];
const nonAscii = ['é', 'ß', 'ü', 'Ω', 'ж', '中', '文', 'ñ', '€', 'ﬁ', '\u00a0', '\u3000', '\ufeff', 'İ'];
const emoji = ['😀', '🔑', '👨‍👩‍👧', '🏳️‍🌈', '🇩🇪'];

function generatePasswords(count: number, seed: number): string[] {
	const random = mulberry32(seed);
	const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)]!;
	const passwords: string[] = [];
	for (let index = 0; index < count; index++) {
		const length = 1 + Math.floor(random() * 200);
		const pieces: string[] = [];
		while (pieces.length < length) {
			const pool = random();
			pieces.push(pick(pool < 0.6 ? printableAscii : pool < 0.8 ? awkward : pool < 0.93 ? nonAscii : emoji));
		}
		// The first 95 passwords each carry one printable ASCII character, so every one is covered.
		if (index < printableAscii.length) pieces.splice(Math.floor(random() * (pieces.length + 1)), 0, printableAscii[index]!);
		let password = pieces.join('');
		// Whitespace at an end is refused (tested separately); anything in the middle is fair game.
		while (isPythonWhitespace(password[0]!)) password = `x${password.slice(1)}`;
		while (isPythonWhitespace(password.at(-1)!)) password = `${password.slice(0, -1)}y`;
		passwords.push(password);
	}
	return passwords;
}

function configFromPython(answer: RawConfigAnswer): RawConfig {
	assert.ok(answer.ok, `python refused the text: ${answer.ok ? '' : answer.message}`);
	return {
		defaults: new Map(answer.defaults),
		sections: new Map(answer.sections.map(([name, values]) => [name, new Map(values)])),
	};
}

/** Order-sensitive plain form, for deepEqual. */
function plain(config: RawConfig) {
	return {
		defaults: [...config.defaults],
		sections: [...config.sections].map(([name, values]) => [name, [...values]]),
	};
}

function withValue(config: RawConfig, section: string, key: string, value: string | null): object {
	const sections = new Map([...config.sections].map(([name, values]) => [name, new Map(values)]));
	if (value === null) sections.get(section)?.delete(key);
	else (sections.get(section) ?? sections.set(section, new Map()).get(section)!).set(key, value);
	// Key order inside a section is not the point here; values are.
	return {
		defaults: Object.fromEntries(config.defaults),
		sections: Object.fromEntries([...sections].map(([name, values]) => [name, Object.fromEntries(values)])),
	};
}

function unordered(config: RawConfig): object {
	return withValue(config, '\0none', '\0none', null);
}

/** Lines with their terminators, split where python's universal newlines split. */
function linesOf(text: string): string[] {
	return text.match(/[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$/g) ?? [];
}

/** Lines of `a` and of `b` outside their longest common subsequence. */
function uncommon(a: string[], b: string[]): [string[], string[]] {
	const table = Array.from({length: a.length + 1}, () => new Array<number>(b.length + 1).fill(0));
	for (let i = a.length - 1; i >= 0; i--) {
		for (let j = b.length - 1; j >= 0; j--) {
			table[i]![j] = a[i] === b[j] ? table[i + 1]![j + 1]! + 1 : Math.max(table[i + 1]![j]!, table[i]![j + 1]!);
		}
	}
	const onlyA: string[] = [];
	const onlyB: string[] = [];
	let i = 0;
	let j = 0;
	while (i < a.length || j < b.length) {
		if (i < a.length && j < b.length && a[i] === b[j]) {
			i++;
			j++;
		} else if (j < b.length && (i === a.length || table[i]![j + 1]! >= table[i + 1]![j]!)) {
			onlyB.push(b[j++]!);
		} else {
			onlyA.push(a[i++]!);
		}
	}
	return [onlyA, onlyB];
}

/**
 * The edit touched only the email_password entry: outside it, `after` is
 * `before` byte for byte (a last line may gain the terminator it lacked).
 */
function assertOnlyEntryChanged(before: string, after: string, value: string | null): void {
	const old = linesOf(before);
	const edited = linesOf(after);
	let prefix = 0;
	while (prefix < old.length && prefix < edited.length && old[prefix] === edited[prefix]) prefix++;
	let suffix = 0;
	while (
		suffix < old.length - prefix &&
		suffix < edited.length - prefix &&
		old[old.length - 1 - suffix] === edited[edited.length - 1 - suffix]
	) suffix++;
	// What is left differs; lines common to both (a kept blank line between continuations) are matched out.
	const [removed, added] = uncommon(old.slice(prefix, old.length - suffix), edited.slice(prefix, edited.length - suffix));
	const entryHead = /^[\s]*email_password\s*[=:]/i;
	const gainedTerminator = (line: string) => removed.length > 0 && /[^\r\n]$/.test(removed[0]!) && line.startsWith(removed[0]!) && /^(\r\n|\r|\n)$/.test(line.slice(removed[0]!.length));

	let newEntries = 0;
	for (const [index, line] of added.entries()) {
		if (value !== null && entryHead.test(line) && line.replace(/\r?\n$|\r$/, '').endsWith(value)) newEntries++;
		else if (index === 0 && gainedTerminator(line)) continue;
		else if (/^(\[secrets\])?(\r\n|\r|\n)$/.test(line)) continue;
		else assert.fail(`unexpected added line ${JSON.stringify(line)}`);
	}
	assert.equal(newEntries, value === null ? 0 : 1, 'exactly one new email_password line');
	for (const [index, line] of removed.entries()) {
		const continuation = /^[\t ]+\S/.test(line);
		const lastLineWithoutTerminator = index === 0 && added.length > 0 && gainedTerminator(added[0]!);
		assert.ok(entryHead.test(line) || continuation || lastLineWithoutTerminator, `unexpected removed line ${JSON.stringify(line)}`);
	}
}

/** parseRawConfig and readSecret give what python gives for each text: values, or exception and lines. */
function assertAgreesWithPython(documents: readonly string[]): {ok: number; errors: Set<string>} {
	const get: Array<[string, string]> = [['secrets', 'email_password'], ['secrets', 'a'], ['other', 'a'], ['DEFAULT', 'a'], ['nosuch', 'a']];
	const answers = rawConfigReadBatch(documents.map((text) => ({text, get})));
	const outcomes = {ok: 0, errors: new Set<string>()};
	for (const [index, text] of documents.entries()) {
		const answer = answers[index]!;
		const label = `document ${index}: ${JSON.stringify(text)}`;
		if (answer.ok) {
			outcomes.ok++;
			assert.deepEqual(plain(parseRawConfig(text)), plain(configFromPython(answer)), label);
			for (const [lookup, [section, key]] of get.entries()) assert.equal(readSecret(text, key, section) ?? null, answer.got[lookup], label);
		} else {
			outcomes.errors.add(answer.error);
			assert.throws(() => parseRawConfig(text), (error: unknown) => {
				assert.ok(error instanceof SecretsFileError, label);
				assert.equal(error.pythonError, answer.error, label);
				assert.deepEqual(error.lines, answer.lines, label);
				return true;
			});
		}
	}
	return outcomes;
}

describe('readSecret and parseRawConfig agree with python', () => {
	test('on every fixture, key by key', () => {
		const lookups = (answer: RawConfigAnswer) => {
			const pairs: Array<[string, string]> = [['secrets', 'email_password'], ['secrets', 'EMAIL_PASSWORD'], ['secrets', 'missing'], ['nosuch', 'x'], ['DEFAULT', 'shared']];
			if (answer.ok) for (const [section, values] of answer.sections) for (const [key] of values) pairs.push([section, key], [section, key.toUpperCase()]);
			return pairs;
		};
		const first = rawConfigReadBatch(valid.map(({text}) => ({text})));
		const cases = valid.map(({text}, index) => ({text, get: lookups(first[index]!)}));
		const answers = rawConfigReadBatch(cases);
		for (const [index, {name, text}] of valid.entries()) {
			const answer = answers[index]!;
			assert.ok(answer.ok, name);
			assert.deepEqual(plain(parseRawConfig(text)), plain(configFromPython(answer)), name);
			for (const [lookup, [section, key]] of cases[index]!.get.entries()) {
				assert.equal(readSecret(text, key, section) ?? null, answer.got[lookup], `${name}: get(${section}, ${key})`);
			}
		}
		// The fixtures exercise what they claim to.
		const read = (name: string) => readSecret(valid.find((fixture) => fixture.name === name)!.text);
		assert.equal(read('hand-edited.conf'), 'x');
		assert.equal(read('continuation.conf'), 'first part\nsecond part\n\nthird part after a blank line');
		assert.equal(read('email-empty-value.conf'), '');
		assert.equal(read('zulip-generated.conf'), undefined);
		assert.equal(read('section-after-no-email.conf'), undefined);
	});

	test('refuses every broken fixture with the exception and line python reports', () => {
		const answers = rawConfigReadBatch(broken.map(({text}) => ({text})));
		for (const [index, {name, text}] of broken.entries()) {
			const answer = answers[index]!;
			assert.ok(!answer.ok, `python accepted ${name}`);
			assert.equal(answer.error, brokenNames[name]!.error, name);
			for (const attempt of [() => readSecret(text), () => setSecret(text, 'new-password'), () => setSecret(text, null)]) {
				assert.throws(attempt, (error: unknown) => {
					assert.ok(error instanceof SecretsFileError && error instanceof ConfigError, name);
					assert.equal(error.pythonError, answer.error, name);
					assert.deepEqual(error.lines, answer.lines, name);
					assert.equal(error.id, brokenNames[name]!.id, name);
					assert.match(error.message, new RegExp(`\\b${answer.lines[0]}\\b`), 'the message names the line');
					assert.ok(error.fix && error.fix.length > 10, 'a fix is given');
					// The lines hold secrets; errors must not echo them.
					assert.doesNotMatch(error.message + error.fix, /too-early|in-second-section|value without a key|no separator|= one|= two/);
					return true;
				});
			}
		}
	});

	test('a fuzzed corpus of odd files: same values, same exceptions, same lines', () => {
		const random = mulberry32(0x5ec7e75);
		const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)]!;
		const indents = ['', '', '', ' ', '  ', '\t', '\u00a0', '\u3000', '\x1c', '\x0c', '\ufeff'];
		const keys = ['email_password', 'Email_Password', 'EMAIL_PASSWORD ', 'a', 'b c', 'secret_key', '', '[x', 'k\u00a0'];
		const separators = ['=', ' = ', ':', ' : ', '\t=\t', '=:', ' =', ': ', '\u3000=\u3000'];
		const values = ['', 'v', 'a=b', 'a:b', 'x # y', '; z', '"q"', '%(a)s', 'tail  ', 'mid\x85dle', 'u\u2028v', '\u00a0nb', '#', 'é🔑'];
		const headers = ['[secrets]', '[secrets]', '[other]', '[DEFAULT]', '[secrets] trailing', '[a]b]', '[]', '[Secrets]', '[ secrets ]'];
		const eols = ['\n', '\n', '\n', '\r\n', '\r'];
		const documents: string[] = [];
		for (let index = 0; index < 400; index++) {
			const lines: string[] = [];
			if (random() < 0.85) lines.push(pick(headers.slice(0, 3)));
			const count = Math.floor(random() * 10);
			for (let line = 0; line < count; line++) {
				const kind = random();
				const indent = random() < 0.3 ? pick(indents) : '';
				if (kind < 0.45) lines.push(indent + pick(keys) + pick(separators) + pick(values));
				else if (kind < 0.55) lines.push(indent + pick(headers));
				else if (kind < 0.65) lines.push(indent + pick(['# c', ';c', '#', '; email_password = old']));
				else if (kind < 0.8) lines.push(pick(['', ' ', '\t', '\u3000', '\x0c']));
				else if (kind < 0.95) lines.push(pick(['  ', '\t', '    ']) + pick(values.filter(Boolean)));
				else lines.push(indent + pick(['no separator here', 'x', '=', ': v']));
			}
			let text = lines.map((line) => line + pick(eols)).join('');
			if (random() < 0.2) text = text.replace(/(\r\n|\r|\n)$/, '');
			documents.push(text);
		}
		const outcomes = assertAgreesWithPython(documents);
		// The corpus reaches every outcome, or it proves little.
		assert.ok(outcomes.ok > 100, `only ${outcomes.ok} documents parsed`);
		assert.deepEqual([...outcomes.errors].sort(), ['DuplicateOptionError', 'DuplicateSectionError', 'MissingSectionHeaderError', 'ParsingError']);
	});

	test('hand-picked corners', () => {
		const outcomes = assertAgreesWithPython([
			'[DEFAULT]\na = 1\n[DEFAULT]\nb = 2\n[secrets]\nemail_password = p\n',
			'[DEFAULT]\na = 1\n[DEFAULT]\na = 2\n',
			'[secrets]\n  [other]\na = 1\n',
			'[secrets]\nemail_password = a\n# comment between\n  continued\n',
			'[secrets]\nemail_password = a\n\x0c\n  after a form feed\n',
			'[secrets]\n= v\n',
			'[secrets]\n= v\n= w\n',
			'\ufeff[secrets]\nemail_password = p\n',
			'[secrets]\r\na = b\rc = d\n',
			'[secrets]\nA = 1\na = 2\n',
			'[secrets]\na:b=c\nemail_password=b:c\n',
			'[secrets] trailing words\na = 1\n',
			'[a]b]\na = 1\n[a]b] \n',
			'[secrets]\nbad line\nemail_password = p\nemail_password = q\n',
			'[secrets]\nbad line\n[secrets]\n',
			'bad line before any section\n[secrets]\n',
			'# comment\n\n   \n[secrets]\n',
			'[secrets]\n\temail_password = indented\n\tnext = 2\n',
			'[secrets]\nemail_password = a\n\t\n\n',
			'[secrets]\nk\u00a0= v\u00a0\nemail_password\u3000=\u3000p\u3000\n',
		]);
		assert.deepEqual([...outcomes.errors].sort(), ['DuplicateOptionError', 'DuplicateSectionError', 'MissingSectionHeaderError', 'ParsingError']);
	});

	test('whitespace means what python means by it', () => {
		const run = spawnSync('python3', ['-c', 'import sys; print(",".join(str(c) for c in range(sys.maxunicode + 1) if chr(c).isspace()))'], {encoding: 'utf8'});
		const python = run.stdout.trim().split(',').map(Number);
		const ours: number[] = [];
		for (let code = 0; code <= 0x10ffff; code++) if (isPythonWhitespace(String.fromCodePoint(code))) ours.push(code);
		assert.deepEqual(ours, python);
	});
});

describe('setSecret', () => {
	test('differential: 420 generated passwords land in every fixture exactly, nothing else changes', () => {
		const passwords = generatePasswords(420, 20240611);
		for (const character of printableAscii) assert.ok(passwords.some((password) => password.includes(character)), `no password holds ${JSON.stringify(character)}`);
		assert.ok(passwords.some((password) => password.length >= 190) && passwords.some((password) => password.length <= 3));
		for (const password of passwords) assert.equal(passwordProblem(password), undefined, JSON.stringify(password));

		const originals = rawConfigReadBatch(valid.map(({text}) => ({text}))).map(configFromPython);
		const cases = passwords.map((password, index) => {
			const fixture = valid[index % valid.length]!;
			return {fixture, password, original: originals[index % valid.length]!, text: setSecret(fixture.text, password)};
		});
		const answers = rawConfigReadBatch(cases.map(({text}) => ({text, get: [['secrets', PASSWORD_KEY]]})));
		for (const [index, {fixture, password, original, text}] of cases.entries()) {
			const label = `case ${index} (${fixture.name}, password ${JSON.stringify(password)})`;
			const answer = answers[index]!;
			assert.ok(answer.ok, label);
			assert.equal(answer.got[0], password, label);
			assert.deepEqual(unordered(configFromPython(answer)), withValue(original, 'secrets', PASSWORD_KEY, password), label);
			assert.equal(readSecret(text), password, label);
			assertOnlyEntryChanged(fixture.text, text, password);
		}
	});

	test('removing the key: python reads None, the rest is untouched', () => {
		const cases = valid.map((fixture) => ({fixture, text: setSecret(fixture.text, null)}));
		const originals = rawConfigReadBatch(valid.map(({text}) => ({text}))).map(configFromPython);
		const answers = rawConfigReadBatch(cases.map(({text}) => ({text, get: [['secrets', PASSWORD_KEY]]})));
		for (const [index, {fixture, text}] of cases.entries()) {
			const answer = answers[index]!;
			assert.ok(answer.ok, fixture.name);
			assert.equal(answer.got[0], null, fixture.name);
			assert.deepEqual(unordered(configFromPython(answer)), withValue(originals[index]!, 'secrets', PASSWORD_KEY, null), fixture.name);
			assertOnlyEntryChanged(fixture.text, text, null);
			if (readSecret(fixture.text) === undefined) assert.equal(text, fixture.text, `${fixture.name}: nothing to remove, nothing changes`);
		}
		const continuation = cases.find(({fixture}) => fixture.name === 'continuation.conf')!.text;
		assert.doesNotMatch(continuation, /part/, 'continuation lines go with their key');
	});

	test('where the line goes, and how it is spelled', () => {
		const text = (name: string) => valid.find((fixture) => fixture.name === name)!.text;
		assert.match(setSecret(text('hand-edited.conf'), 'n3w'), /\nEmail_Password : n3w\nmemcached_password/);
		assert.equal(setSecret(text('email-empty-value.conf'), 'n3w').split('\n')[1], 'email_password = n3w');
		assert.equal(setSecret('', 'n3w'), '[secrets]\nemail_password = n3w\n');
		assert.equal(setSecret(text('comments-only.conf'), 'n3w'), '# nothing here yet\n; really\n\n[secrets]\nemail_password = n3w\n');
		assert.equal(setSecret('[other]\nk = v', 'n3w'), '[other]\nk = v\n\n[secrets]\nemail_password = n3w\n');

		const generated = text('zulip-generated.conf');
		assert.equal(setSecret(generated, 'n3w'), `${generated}email_password = n3w\n`);
		const noNewline = text('no-final-newline.conf');
		assert.equal(setSecret(noNewline, 'n3w'), `${noNewline}\nemail_password = n3w\n`);

		const crlf = setSecret(text('crlf.conf'), 'n3w');
		assert.doesNotMatch(crlf.replace(/\r\n/g, ''), /[\r\n]/, 'CRLF stays CRLF');
		assert.match(crlf, /\r\nemail_password = n3w\r\n/);
		assert.doesNotMatch(setSecret(text('section-after-no-email.conf'), 'n3w').replace(/\r\n/g, ''), /\r/);

		// Right after the last entry of [secrets], before the comments that lead into [other].
		assert.match(setSecret(text('section-after-no-email.conf'), 'n3w'), /\nsecret_key = [^\n]*\nemail_password = n3w\n\n\n; trailing comment/);
		// An indented [other] must not become a continuation of the new line.
		assert.equal(setSecret(text('indented.conf'), 'n3w'), '  [secrets]\n    avatar_salt = abc\n    redis_password = def\n  email_password = n3w\n  [other]\n  k = v\n');
		assert.equal(setSecret(text('empty-secrets-section.conf'), 'n3w'), '\n[secrets]\nemail_password = n3w\n\n[other]\nx = 1\n');
		// Values are written raw: no quoting, no escaping.
		assert.match(setSecret('', `"a;b#c\\%d"`), /^email_password = "a;b#c\\%d"$/m);
	});

	test('a [DEFAULT] email_password that would show through blocks the removal', () => {
		const text = '[DEFAULT]\nemail_password = from-default\n\n[secrets]\nemail_password = mine\n';
		assert.equal(readSecret(setSecret(text, 'n3w')), 'n3w');
		assert.throws(() => setSecret(text, null), (error: unknown) => error instanceof ConfigError && error.id === 'secrets-edit' && /DEFAULT/.test(error.message));
	});

	test('refuses a value or key the file cannot hold', () => {
		for (const value of [' lead', 'trail ', 'a\nb', 'a\r\nb', 'a\rb', '\u3000x', '\ud800']) {
			assert.throws(() => setSecret('[secrets]\n', value), UsageError, JSON.stringify(value));
		}
		for (const key of ['', 'a=b', 'a:b', ' k', '#k', '[k', 'k\n']) {
			assert.throws(() => setSecret('[secrets]\n', 'v', key), UsageError, JSON.stringify(key));
		}
	});

	test('a broken file is refused and nothing is written', async () => {
		const directory = await mkdtemp(path.join(tmpdir(), 'secrets-broken-'));
		after(() => rm(directory, {recursive: true, force: true}));
		for (const {name, text} of broken) {
			const file = path.join(directory, name);
			await writeFile(file, text);
			await assert.rejects(async () => writeFileSafely(file, setSecret(await readFile(file, 'utf8'), 'n3w')), SecretsFileError);
			assert.equal(await readFile(file, 'utf8'), text);
		}
		assert.deepEqual((await readdir(directory)).sort(), Object.keys(brokenNames).sort(), 'no backup, no temp file');
	});
});

describe('passwordProblem', () => {
	test('refuses what the file cannot hold, and python proves it', () => {
		const unholdable = [' leading', 'trailing ', '\tx', 'x\t', '\u00a0nbsp', 'x\u3000', 'a\nb', 'a\r\nb', 'a\rb', 'x\x0b'];
		const answers = rawConfigReadBatch(unholdable.map((password) => ({text: `[secrets]\nemail_password = ${password}\n`, get: [['secrets', PASSWORD_KEY]]})));
		for (const [index, password] of unholdable.entries()) {
			const problem = passwordProblem(password);
			assert.ok(problem, JSON.stringify(password));
			assert.match(problem, /cannot be saved/);
			const answer = answers[index]!;
			assert.ok(!answer.ok || answer.got[0] !== password, `python kept ${JSON.stringify(password)} intact after all`);
		}
		assert.match(passwordProblem(' x')!, /starts with a space/);
		assert.match(passwordProblem('x\t')!, /ends with a tab/);
		assert.match(passwordProblem('a\nb')!, /line break/);
	});

	test('refuses empty passwords, invisible control characters and broken Unicode', () => {
		assert.match(passwordProblem('')!, /empty/);
		for (const password of ['a\x00b', 'a\x07b', 'a\x1bb', 'a\x7fb', 'a\x85b', 'a\u2028b']) {
			assert.match(passwordProblem(password) ?? '', /U\+/, JSON.stringify(password));
		}
		assert.match(passwordProblem('a\ud800b')!, /Unicode/);
	});

	test('accepts what Zulip reads back exactly', () => {
		const fine = ['correct horse battery staple', `#;%"'=:\\[]`, 'pässwörd', '🔑👨‍👩‍👧', '%(secret_key)s', 'a # b ; c', 'x'];
		const answers = rawConfigReadBatch(fine.map((password) => ({text: setSecret('[secrets]\n', password), get: [['secrets', PASSWORD_KEY]]})));
		for (const [index, password] of fine.entries()) {
			assert.equal(passwordProblem(password), undefined, password);
			assert.ok(answers[index]!.ok);
			assert.equal(answers[index]!.ok && answers[index]!.got[0], password);
		}
	});
});

describe('why the npm ini package is not used', () => {
	test('ini@5 reads a real Zulip secret_key wrong', () => {
		const {text} = valid.find((fixture) => fixture.name === 'zulip-generated.conf')!;
		const [answer] = rawConfigReadBatch([{text, get: [['secrets', 'secret_key']]}]);
		const zulipReads = answer!.ok ? answer!.got[0]! : '';
		assert.ok(zulipReads.includes('#'), 'the fixture secret_key contains #');
		const iniReads = (ini.parse(text) as {secrets: Record<string, string>}).secrets.secret_key;
		assert.notEqual(iniReads, zulipReads);
		assert.equal(iniReads, zulipReads.slice(0, zulipReads.indexOf('#')).trim(), 'ini cut it at the # as a comment');
	});

	test('a password written by ini@5 comes back different to Zulip', () => {
		const passwords = ['pa;ss#word', '"quoted"'];
		const answers = rawConfigReadBatch(passwords.map((password) => ({text: ini.stringify({secrets: {email_password: password}}), get: [['secrets', PASSWORD_KEY]]})));
		assert.equal(answers[0]!.ok && answers[0]!.got[0], 'pa\\;ss\\#word');
		for (const [index, password] of passwords.entries()) {
			assert.ok(answers[index]!.ok);
			assert.notEqual(answers[index]!.ok && answers[index]!.got[0], password);
			// While the same text read back by ini itself looks fine, which is how the bug hides.
		}
		assert.equal((ini.parse(ini.stringify({secrets: {email_password: 'pa;ss#word'}})) as {secrets: Record<string, string>}).secrets.email_password, 'pa;ss#word');
	});
});
