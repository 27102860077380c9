import assert from 'node:assert/strict';
import {readdirSync, readFileSync} from 'node:fs';
import {before, describe, test} from 'node:test';
import {ConfigError, UsageError} from '../source/engine/errors.js';
import {evaluateSettings} from '../source/zulip/python-eval.js';
import {
	editSettings,
	MARKER_HEADER,
	OWNED_SETTINGS,
	parseSettings,
	READ_SETTINGS,
	SETTINGS_DEFAULTS,
	type DesiredSettings,
	type PyValue,
} from '../source/zulip/settings-file.js';
import {pyCompileMany, pyExecSettingsMany} from './helpers/python.js';

const FILE_BACKEND = 'django.core.mail.backends.filebased.EmailBackend';
const fixtureDirectory = new URL('fixtures/settings/', import.meta.url);
const readFixture = (name: string) => readFileSync(new URL(name, fixtureDirectory), 'utf8');
const toCrlf = (text: string) => text.replaceAll('\n', '\r\n');

/** Every fixture on disk, plus line-ending variants derived here (so git's eol handling cannot flatten them). */
const fixtures: Record<string, string> = Object.fromEntries(
	readdirSync(fixtureDirectory).filter(name => name.endsWith('.py')).sort().map(name => [name, readFixture(name)]),
);
fixtures['zulip-2021.py as CRLF without final newline'] = toCrlf(fixtures['zulip-2021.py']!).replace(/\r\n$/, '');
fixtures['hand-edited.py as CRLF'] = toCrlf(fixtures['hand-edited.py']!);
fixtures['conditional.py as CRLF'] = toCrlf(fixtures['conditional.py']!);

const configs: Record<string, DesiredSettings> = {
	'Mailgun 587 STARTTLS': {
		EMAIL_HOST: 'smtp.mailgun.org', EMAIL_HOST_USER: 'postmaster@mg.example.com', EMAIL_PORT: 587,
		EMAIL_USE_TLS: true, EMAIL_USE_SSL: false, EMAIL_BACKEND: null, EMAIL_FILE_PATH: null,
	},
	'SSL 465': {
		EMAIL_HOST: 'smtp.example.net', EMAIL_HOST_USER: 'zulip@example.net', EMAIL_PORT: 465,
		EMAIL_USE_TLS: false, EMAIL_USE_SSL: true, EMAIL_BACKEND: null, EMAIL_FILE_PATH: null,
	},
	'local MTA': {
		EMAIL_HOST: 'localhost', EMAIL_HOST_USER: '', EMAIL_PORT: 25,
		EMAIL_USE_TLS: false, EMAIL_USE_SSL: false, EMAIL_BACKEND: null, EMAIL_FILE_PATH: null,
	},
	'file backend': {EMAIL_BACKEND: FILE_BACKEND, EMAIL_FILE_PATH: '/var/log/zulip/emails'},
	'noreply, tokens off': {NOREPLY_EMAIL_ADDRESS: 'zulip-noreply@example.com', ADD_TOKENS_TO_NOREPLY_ADDRESS: false},
};
const backToSmtp: DesiredSettings = {
	EMAIL_BACKEND: null, EMAIL_FILE_PATH: null, EMAIL_HOST: 'smtp.sendgrid.net', EMAIL_HOST_USER: 'apikey',
	EMAIL_PORT: 587, EMAIL_USE_TLS: true, EMAIL_USE_SSL: false,
};

const OWNED_NAME = new RegExp(`\\b(?:${OWNED_SETTINGS.join('|')})\\b`);
const defaults = SETTINGS_DEFAULTS as Record<string, unknown>;

/** What Zulip ends up with: the value, or Django's default when the file never sets it. */
function effective(values: Record<string, unknown>, name: string): unknown {
	return name in values ? values[name] : defaults[name];
}

interface Hunk {
	readonly removed: string[];
	readonly added: string[];
}

/** Line diff (LCS on the part between the common prefix and suffix); lines compared byte for byte, \r included. */
function diffLines(before: string, after: string): Hunk[] {
	const a = before.split('\n');
	const b = after.split('\n');
	let start = 0;
	while (start < a.length && start < b.length && a[start] === b[start]) start++;
	let endA = a.length;
	let endB = b.length;
	while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
		endA--;
		endB--;
	}

	const n = endA - start;
	const m = endB - start;
	const lcs = Array.from({length: n + 1}, () => new Uint32Array(m + 1));
	for (let i = n - 1; i >= 0; i--) {
		for (let j = m - 1; j >= 0; j--) {
			lcs[i]![j] = a[start + i] === b[start + j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
		}
	}

	const hunks: Hunk[] = [];
	let hunk: Hunk | undefined;
	const open = () => {
		hunk ??= {removed: [], added: []};
		return hunk;
	};

	const close = () => {
		if (hunk) hunks.push(hunk);
		hunk = undefined;
	};

	let i = 0;
	let j = 0;
	while (i < n || j < m) {
		if (i < n && j < m && a[start + i] === b[start + j]) {
			close();
			i++;
			j++;
		} else if (j < m && (i === n || lcs[i]![j + 1]! >= lcs[i + 1]![j]!)) {
			open().added.push(b[start + j]!);
			j++;
		} else {
			open().removed.push(a[start + i]!);
			i++;
		}
	}

	close();
	return hunks;
}

/** Only lines about owned settings change; anything else added is the marked block's header and its blank line. */
function assertOnlyOwnedLinesChanged(before: string, after: string): void {
	for (const hunk of diffLines(before, after)) {
		const isBlock = hunk.added.some(line => line.replace(/\r$/, '') === MARKER_HEADER);
		for (const line of hunk.added) {
			const bare = line.replace(/\r$/, '');
			const allowed = OWNED_NAME.test(bare) || (isBlock && (bare === '' || bare === MARKER_HEADER));
			assert.ok(allowed, `unexpected added line ${JSON.stringify(line)}`);
		}

		// A removed line without a setting name is only the tail of a multi-line assignment removed with it.
		if (hunk.removed.length > 0) assert.match(hunk.removed[0]!, OWNED_NAME, `unexpected removed line ${JSON.stringify(hunk.removed[0])}`);
	}
}

function assertLineEndingsKept(before: string, after: string): void {
	assert.equal(after.endsWith('\n'), before.endsWith('\n'), 'final newline kept as it was');
	if (before.includes('\r\n')) {
		const lines = after.split('\n');
		const complete = before.endsWith('\n') ? lines.slice(0, -1) : lines.slice(0, -1);
		for (const line of complete) assert.ok(line.endsWith('\r'), `line without CR in a CRLF file: ${JSON.stringify(line)}`);
		if (!before.endsWith('\n')) assert.ok(!lines.at(-1)!.endsWith('\r'));
	} else {
		assert.ok(!after.includes('\r'), 'no CR in an LF file');
	}
}

/** parseSettings must agree with Python on every value it claims to know. */
function assertParseAgrees(text: string, python: Record<string, unknown>, label: string): void {
	const {values} = parseSettings(text);
	for (const name of READ_SETTINGS) {
		const value = values[name];
		if (value === undefined) {
			assert.ok(!(name in python), `${label}: ${name} parsed as absent, Python has ${JSON.stringify(python[name])}`);
		} else if (value.kind !== 'expression') {
			const literal = value.kind === 'none' ? null : value.value;
			assert.deepEqual(python[name], literal, `${label}: ${name}`);
		}
	}
}

interface MatrixCase {
	readonly label: string;
	readonly input: string;
	readonly desired: DesiredSettings;
	readonly output?: string;
	readonly error?: unknown;
}

function runEdit(label: string, input: string, desired: DesiredSettings): MatrixCase {
	try {
		return {label, input, desired, output: editSettings(input, desired)};
	} catch (error) {
		return {label, input, desired, error};
	}
}

describe('editSettings on every fixture × configuration, judged by python3', () => {
	const cases: MatrixCase[] = [];
	for (const [fixture, text] of Object.entries(fixtures)) {
		for (const [config, desired] of Object.entries(configs)) cases.push(runEdit(`${fixture} → ${config}`, text, desired));
		const fileBackend = cases.find(item => item.label === `${fixture} → file backend`)!;
		if (fileBackend.output !== undefined) cases.push(runEdit(`${fixture} → file backend → back to SMTP`, fileBackend.output, backToSmtp));
	}

	const names = [...READ_SETTINGS];
	let compiled: Array<string | null>;
	let executed: Array<Record<string, unknown>>;
	const done = cases.filter(item => item.output !== undefined);
	before(async () => {
		[compiled, executed] = await Promise.all([
			pyCompileMany(done.map(item => item.output!)),
			pyExecSettingsMany(done.flatMap(item => [{text: item.input, names}, {text: item.output!, names}])),
		]);
	});

	for (const item of cases) {
		test(item.label, () => {
			assert.equal(item.error, undefined, `editSettings threw: ${String(item.error)}`);
			const index = done.indexOf(item);
			const output = item.output!;
			const beforeValues = executed[index * 2]!;
			const afterValues = executed[index * 2 + 1]!;

			// (a) py_compile accepts it.
			assert.equal(compiled[index], null);
			// (b) Python sees exactly the intended values, and everything else as before.
			for (const name of names) {
				const wanted = item.desired[name as keyof DesiredSettings];
				if (wanted === undefined) {
					assert.deepEqual(afterValues[name], beforeValues[name], `${name} untouched`);
				} else if (wanted === null) {
					assert.deepEqual(effective(afterValues, name), defaults[name], `${name} back to its default`);
					if (!(name in defaults)) assert.ok(!(name in afterValues), `${name} no longer set`);
				} else {
					assert.deepEqual(effective(afterValues, name), wanted, name);
				}
			}

			// (c) Every other line byte-identical; line endings and final newline as they were.
			assertOnlyOwnedLinesChanged(item.input, output);
			assertLineEndingsKept(item.input, output);
			// (d) Idempotent.
			assert.equal(editSettings(output, item.desired), output);
			// (e) The reader agrees with Python, and knows every value it just wrote.
			assertParseAgrees(item.input, beforeValues, 'before');
			assertParseAgrees(output, afterValues, 'after');
			const {values} = parseSettings(output);
			for (const [name, wanted] of Object.entries(item.desired)) {
				const value = values[name as keyof typeof values];
				if (wanted === null || value === undefined) continue;
				assert.notEqual(value.kind, 'expression', `${name} is definite after the edit`);
			}
		});
	}

	test('the template keeps `# email_password = abcd1234` commented in every era', () => {
		for (const item of done) {
			for (const line of item.input.split('\n').filter(line => /email_password = abcd1234/.test(line))) {
				assert.ok(item.output!.split('\n').includes(line), item.label);
			}
		}
	});
});

describe('editSettings: where and how lines are written', () => {
	const mailgun = configs['Mailgun 587 STARTTLS']!;

	test('fills the template lines of the current template in place, double quotes', () => {
		const input = fixtures['zulip-2024.py']!;
		const hunks = diffLines(input, editSettings(input, mailgun));
		assert.deepEqual(hunks, [
			{removed: ['# EMAIL_HOST = "smtp.example.com"', '# EMAIL_HOST_USER = ""'], added: ['EMAIL_HOST = "smtp.mailgun.org"', 'EMAIL_HOST_USER = "postmaster@mg.example.com"']},
			{removed: ['# EMAIL_USE_TLS = True', '# EMAIL_PORT = 587'], added: ['EMAIL_USE_TLS = True', 'EMAIL_PORT = 587']},
		]);
	});

	test('2021 template: single quotes, as its own lines', () => {
		const input = fixtures['zulip-2021.py']!;
		const output = editSettings(input, {...mailgun, NOREPLY_EMAIL_ADDRESS: 'noreply@example.edu'});
		assert.match(output, /^EMAIL_HOST = 'smtp\.mailgun\.org'$/m);
		assert.match(output, /^EMAIL_HOST_USER = 'postmaster@mg\.example\.com'$/m);
		assert.match(output, /^NOREPLY_EMAIL_ADDRESS = 'noreply@example\.edu'$/m);
		assert.match(output, /^# TOKENIZED_NOREPLY_EMAIL_ADDRESS = "noreply-\{token\}@example\.com"$/m);
	});

	test('pre-2021 template: `#EMAIL_HOST` without a space is uncommented too', () => {
		const input = fixtures['zulip-2019.py']!;
		const hunks = diffLines(input, editSettings(input, configs['SSL 465']!));
		assert.deepEqual(hunks, [
			{removed: ['#EMAIL_HOST = \'smtp.example.com\'', '#EMAIL_HOST_USER = \'\''], added: ['EMAIL_HOST = \'smtp.example.net\'', 'EMAIL_HOST_USER = \'zulip@example.net\'']},
			{removed: ['#EMAIL_PORT = 587'], added: ['EMAIL_USE_SSL = True', 'EMAIL_PORT = 465']},
		]);
		// EMAIL_USE_SSL sits right after the template's EMAIL_USE_TLS line, which stays commented.
		assert.match(editSettings(input, configs['SSL 465']!), /^#EMAIL_USE_TLS = True\nEMAIL_USE_SSL = True\nEMAIL_PORT = 465$/m);
	});

	test('the file backend goes next to the host lines of the email section', () => {
		const output = editSettings(fixtures['zulip-2024.py']!, configs['file backend']!);
		assert.match(output, /^# EMAIL_HOST_USER = ""\nEMAIL_BACKEND = "django\.core\.mail\.backends\.filebased\.EmailBackend"\nEMAIL_FILE_PATH = "\/var\/log\/zulip\/emails"\n\n## Passwords/m);
	});

	test('replaces only the value of the last live assignment, keeping quotes, spacing and comments', () => {
		const input = fixtures['hand-edited.py']!;
		const output = editSettings(input, {EMAIL_HOST: 'smtp.new.example.com', EMAIL_HOST_USER: 'relay@new.example.com', EMAIL_PORT: 465, EMAIL_USE_TLS: false, EMAIL_USE_SSL: true});
		assert.deepEqual(diffLines(input, output), [
			{removed: ['EMAIL_HOST_USER  =  \'zulip@team.example.com\'   # the relay account'], added: ['EMAIL_HOST_USER  =  \'relay@new.example.com\'   # the relay account']},
			{removed: ['EMAIL_USE_TLS: bool = True', 'EMAIL_PORT=587'], added: ['EMAIL_USE_TLS: bool = False', 'EMAIL_USE_SSL = True', 'EMAIL_PORT=465']},
			{removed: ['EMAIL_HOST = "smtp.relay.example.com"'], added: ['EMAIL_HOST = "smtp.new.example.com"']},
		]);
	});

	test('a multi-line value collapses onto its line; its trailing comment stays', () => {
		const input = 'EMAIL_HOST = (\n    "smtp.a"\n    ".example.com"\n)  # relay\nX = 1\n';
		assert.equal(editSettings(input, {EMAIL_HOST: 'smtp.b.example.com'}), 'EMAIL_HOST = "smtp.b.example.com"  # relay\nX = 1\n');
		const continued = 'EMAIL_HOST = \\\n    "smtp.a.example.com"\nX = 1\n';
		assert.equal(editSettings(continued, {EMAIL_HOST: 'b'}), 'EMAIL_HOST = "b"\nX = 1\n');
	});

	test('null comments out every live assignment, every physical line of it', () => {
		const input = 'EMAIL_BACKEND = "x"\nA = 1\nEMAIL_BACKEND = (\n    "django.core.mail.backends.filebased.EmailBackend"\n)\r\nB = 2\n';
		assert.equal(
			editSettings(input, {EMAIL_BACKEND: null}),
			'# EMAIL_BACKEND = "x"\nA = 1\n# EMAIL_BACKEND = (\n#     "django.core.mail.backends.filebased.EmailBackend"\n# )\r\nB = 2\n',
		);
	});

	test('null inside an if-block keeps the block valid with `pass`', () => {
		const input = 'import os\nif os.environ.get("X"):\n    EMAIL_BACKEND = "x"\nelse:\n    pass\n';
		assert.equal(editSettings(input, {EMAIL_BACKEND: null}), 'import os\nif os.environ.get("X"):\n    pass  # EMAIL_BACKEND = "x"\nelse:\n    pass\n');
	});

	test('a value set inside an if-block is overridden after the whole if/else, not inside it', () => {
		const input = fixtures['conditional.py']!;
		const output = editSettings(input, {EMAIL_PORT: 587});
		assert.match(output, /^else:\n {4}EMAIL_PORT = 2525 {2}# the hosting provider blocks 587\nEMAIL_PORT = 587\n\ndef /m);
	});

	test('lines inside brackets, strings and function bodies are never touched', () => {
		const input = fixtures['conditional.py']!;
		const output = editSettings(input, mailgun);
		assert.match(output, /^# EMAIL_HOST = "inside a tuple: not a line to uncomment"$/m);
		assert.match(output, /^EMAIL_HOST = "smtp\.mailgun\.org"$/m);
		assert.match(output, /^EMAIL_HOST = "smtp\.fake\.example"$/m, 'the string is unchanged');
		assert.match(output, /^ {4}EMAIL_HOST = "a local variable, not a setting"$/m);
	});

	test('an assignment sharing its line with other statements gets a new line after it', () => {
		const input = 'EMAIL_USE_SSL = True; EMAIL_USE_TLS = False\nX = 1\n';
		assert.equal(editSettings(input, {EMAIL_USE_SSL: false, EMAIL_USE_TLS: true}), 'EMAIL_USE_SSL = True; EMAIL_USE_TLS = False\nEMAIL_USE_TLS = True\nEMAIL_USE_SSL = False\nX = 1\n');
	});

	test('a commented line is not uncommented where a statement would break the code around it', () => {
		const input = 'import os\nif os.environ.get("X"):\n    A = 1\n# EMAIL_HOST = "smtp.example.com"\nelse:\n    A = 2\n';
		const output = editSettings(input, {EMAIL_HOST: 'smtp.x'});
		assert.equal(output, `${input}\n${MARKER_HEADER}\nEMAIL_HOST = "smtp.x"\n`);
	});

	test('no email section: a marked block at the end, without adding a final newline', () => {
		const input = fixtures['minimal.py']!;
		const output = editSettings(input, mailgun);
		assert.equal(output, `${input}\n\n${MARKER_HEADER}\nEMAIL_HOST = "smtp.mailgun.org"\nEMAIL_HOST_USER = "postmaster@mg.example.com"\nEMAIL_USE_TLS = True\nEMAIL_PORT = 587`);
		// A later run adds to that block instead of starting another.
		const again = editSettings(output, {NOREPLY_EMAIL_ADDRESS: 'noreply@test.example', EMAIL_USE_SSL: true, EMAIL_USE_TLS: false});
		assert.equal(again.split(MARKER_HEADER).length, 2);
		assert.ok(again.endsWith('EMAIL_USE_TLS = False\nEMAIL_USE_SSL = True\nEMAIL_PORT = 587\nNOREPLY_EMAIL_ADDRESS = "noreply@test.example"'));
	});

	test('prefers the last commented line inside the email section over others', () => {
		const input = [
			'# EMAIL_HOST = "an admin\'s old note"',
			'################',
			'## Outgoing email (SMTP) settings.',
			'# EMAIL_HOST = "smtp.example.com"',
			'X = 1',
			'# EMAIL_HOST = "smtp.second.example.com"',
			'################',
			'# EMAIL_HOST = "after the section"',
			'',
		].join('\n');
		const output = editSettings(input, {EMAIL_HOST: 'h'});
		assert.deepEqual(diffLines(input, output), [{removed: ['# EMAIL_HOST = "smtp.second.example.com"'], added: ['EMAIL_HOST = "h"']}]);
		// Without a section: the last commented line anywhere.
		const noSection = 'A = 1\n# EMAIL_HOST = "one"\nB = 2\n# EMAIL_HOST = \'two\'  # note\n';
		assert.equal(editSettings(noSection, {EMAIL_HOST: 'h'}), 'A = 1\n# EMAIL_HOST = "one"\nB = 2\nEMAIL_HOST = \'h\'  # note\n');
	});

	test('a new string line takes the quotes of the file\'s era, not of the installer\'s lines', () => {
		// The 2019 template's live code mostly uses double quotes, but its commented settings use single ones.
		assert.match(editSettings(fixtures['zulip-2019.py']!, configs['file backend']!), /^EMAIL_BACKEND = 'django\.core\.mail\.backends\.filebased\.EmailBackend'$/m);
		// No commented settings: live strings decide, except EXTERNAL_HOST and ZULIP_ADMINISTRATOR.
		const installer = 'EXTERNAL_HOST = \'a\'\nZULIP_ADMINISTRATOR = \'b\'\nX = "c"\n';
		assert.match(editSettings(installer, {EMAIL_HOST: 'h'}), /^EMAIL_HOST = "h"$/m);
	});

	test('prose that merely looks like an assignment stays a comment', () => {
		const input = 'A = 1\n# EMAIL_HOST = the name of your SMTP server\n#ADD_TOKENS_TO_NOREPLY_ADDRESS=False to remove the token; see below\n';
		assert.equal(editSettings(input, {EMAIL_HOST: 'h', ADD_TOKENS_TO_NOREPLY_ADDRESS: false}), `${input}\n${MARKER_HEADER}\nEMAIL_HOST = "h"\nADD_TOKENS_TO_NOREPLY_ADDRESS = False\n`);
	});

	test('a byte-order mark stays first', () => {
		assert.equal(editSettings('\ufeffEMAIL_BACKEND = "x"\n', {EMAIL_BACKEND: null}), '\ufeff# EMAIL_BACKEND = "x"\n');
		assert.equal(editSettings('\ufeffEMAIL_HOST = "x"\n', {EMAIL_HOST: 'y'}), '\ufeffEMAIL_HOST = "y"\n');
	});

	test('an empty file gets just the block', () => {
		assert.equal(editSettings('', {EMAIL_HOST: 'h'}), `${MARKER_HEADER}\nEMAIL_HOST = "h"\n`);
	});

	test('values equal to what the file (or the default) already says change nothing', () => {
		const input = 'EMAIL_HOST = \'smtp.x\'\nEMAIL_PORT = 0x24B\n';
		assert.equal(editSettings(input, {EMAIL_HOST: 'smtp.x', EMAIL_PORT: 587, EMAIL_USE_TLS: false, EMAIL_USE_SSL: false, EMAIL_HOST_USER: '', ADD_TOKENS_TO_NOREPLY_ADDRESS: true, EMAIL_BACKEND: null}), input);
		assert.equal(editSettings(input, {}), input);
		// Explicitly False equals the default, so null leaves it too.
		assert.equal(editSettings('EMAIL_USE_TLS = False\n', {EMAIL_USE_TLS: null}), 'EMAIL_USE_TLS = False\n');
	});

	test('a setting Python would compute is replaced by the literal', () => {
		const output = editSettings(fixtures['hand-edited.py']!, {NOREPLY_EMAIL_ADDRESS: 'noreply@team.example.com'});
		assert.match(output, /^NOREPLY_EMAIL_ADDRESS = "noreply@team\.example\.com"$/m);
	});
});

describe('editSettings refuses what cannot be written', () => {
	test('EMAIL_USE_TLS and EMAIL_USE_SSL can never both end up True', () => {
		assert.throws(() => editSettings('', {EMAIL_USE_TLS: true, EMAIL_USE_SSL: true}), UsageError);
		// The file has TLS on; asking for SSL alone would leave both on.
		assert.throws(() => editSettings(fixtures['hand-edited.py']!, {EMAIL_USE_SSL: true}), (error: unknown) => error instanceof UsageError && /EMAIL_USE_TLS/.test(error.message));
		assert.throws(() => editSettings('import os\nEMAIL_USE_TLS = bool(os.environ.get("T"))\n', {EMAIL_USE_SSL: true}), UsageError);
		assert.doesNotThrow(() => editSettings(fixtures['hand-edited.py']!, {EMAIL_USE_SSL: true, EMAIL_USE_TLS: false}));
		assert.doesNotThrow(() => editSettings(fixtures['hand-edited.py']!, {EMAIL_USE_SSL: true, EMAIL_USE_TLS: null}));
	});

	test('control characters in any value, naming the setting', () => {
		for (const bad of ['a\nb', 'a\rb', 'a\tb', 'a\u0000b', 'a\u007fb', 'a\u0085b', 'a\u2028b', 'a\u2029b', 'a\u001bb', '\ud800']) {
			for (const name of ['EMAIL_HOST', 'EMAIL_HOST_USER', 'NOREPLY_EMAIL_ADDRESS', 'EMAIL_FILE_PATH'] as const) {
				assert.throws(() => editSettings(fixtures['zulip-2024.py']!, {[name]: bad}), (error: unknown) => error instanceof UsageError && error.message.startsWith(name), `${name} ${JSON.stringify(bad)}`);
			}
		}
	});

	test('values of the wrong type', () => {
		for (const desired of [{EMAIL_PORT: '587'}, {EMAIL_PORT: 0}, {EMAIL_PORT: 65_536}, {EMAIL_PORT: 58.7}, {EMAIL_USE_TLS: 'yes'}, {EMAIL_HOST: 25}, {EMAIL_PASSWORD: 'x'}]) {
			assert.throws(() => editSettings('', desired as DesiredSettings), UsageError, JSON.stringify(desired));
		}
	});

	test('a statement it cannot take apart is left to the admin', () => {
		assert.throws(() => editSettings('EMAIL_BACKEND = "x"; A = 1\n', {EMAIL_BACKEND: null}), (error: unknown) => error instanceof ConfigError && error.id === 'settings-uneditable' && /line 1/.test(error.message));
		assert.throws(() => editSettings('if True: EMAIL_BACKEND = "x"\n', {EMAIL_BACKEND: null}), ConfigError);
	});

	test('a file that is not valid Python is not edited', () => {
		assert.throws(() => editSettings('A = 1\nEMAIL_HOST = "unclosed\n', {EMAIL_HOST: 'x'}), (error: unknown) => error instanceof ConfigError && error.id === 'settings-syntax' && /line 2/.test(error.message));
		assert.throws(() => editSettings('A = (1,\n', {EMAIL_HOST: 'x'}), ConfigError);
		assert.throws(() => editSettings('A = 1\rEMAIL_HOST = "x"\r', {EMAIL_HOST: 'y'}), (error: unknown) => error instanceof ConfigError && error.id === 'settings-line-endings');
	});
});

describe('hostile values round-trip exactly through python3', () => {
	const hostile = [
		'a"b', 'a\'b', '\\', 'ends with a backslash\\', '"""', '\'\'\'', '\\"', 'x\\\'y', '""', '\'', '"',
		'x'.repeat(10_240), 'Zulip Ünïcødé 📧 <noreply@例え.jp>', '{token}', '%s %(user)s', '# not a comment', '; X = 1', '\\n is not a newline',
		'  padded  ', '\u200b zero width', 'r"raw"', '\\x41\\u00e9\\N{BULLET}',
	];
	const bases = ['zulip-2024.py', 'zulip-2021.py', 'hand-edited.py', 'minimal.py'];
	const cases = bases.flatMap(base => hostile.map(value => ({base, value, output: editSettings(fixtures[base]!, {EMAIL_HOST_USER: value, NOREPLY_EMAIL_ADDRESS: value})})));

	test('py_compile, exec, parseSettings and a second edit all agree', async () => {
		const names = ['EMAIL_HOST_USER', 'NOREPLY_EMAIL_ADDRESS'];
		const [compiled, executed] = await Promise.all([
			pyCompileMany(cases.map(item => item.output)),
			pyExecSettingsMany(cases.map(item => ({text: item.output, names}))),
		]);
		for (const [index, item] of cases.entries()) {
			const label = `${item.base}: ${JSON.stringify(item.value.slice(0, 40))}`;
			assert.equal(compiled[index], null, label);
			assert.deepEqual(executed[index], {EMAIL_HOST_USER: item.value, NOREPLY_EMAIL_ADDRESS: item.value}, label);
			const {values} = parseSettings(item.output);
			assert.deepEqual(values.EMAIL_HOST_USER, {kind: 'str', value: item.value}, label);
			assert.equal(editSettings(item.output, {EMAIL_HOST_USER: item.value, NOREPLY_EMAIL_ADDRESS: item.value}), item.output, label);
		}
	});
});

describe('parseSettings', () => {
	const text = [
		'from .config import get_secret',
		'EMAIL_HOST="smtp.one"',
		'EMAIL_PORT  =  587  # comment',
		'EMAIL_USE_TLS: bool = True',
		'EMAIL_HOST_USER = (',
		'    "user"  # a comment inside',
		'    "@example.com"',
		')',
		'NOTES = """',
		'EMAIL_HOST = "in a string"',
		'"""',
		'X = {',
		'# EMAIL_FILE_PATH = "in brackets"',
		'}',
		'EMAIL_FILE_PATH = \\',
		'    r"C:\\mail"',
		'def f():',
		'    EMAIL_BACKEND = "local"',
		'if get_secret("x"):',
		'    NOREPLY_EMAIL_ADDRESS = "maybe@example.com"',
		'EMAIL_HOST = \'smtp.two\'',
		'ADD_TOKENS_TO_NOREPLY_ADDRESS = EXTERNAL_HOST = "chained"',
		'EMAIL_USE_SSL = False; ZULIP_ADMINISTRATOR = "a@b"',
		'EMAIL_HOST_PASSWORD = "ignored"',
		'TOKENIZED_NOREPLY_EMAIL_ADDRESS = "noreply-{token}@" + "example.com"',
	].join('\n');
	const snapshot = parseSettings(text);

	test('literals, whatever the spacing, annotation, parentheses or continuation', () => {
		const expected: Record<string, PyValue> = {
			EMAIL_HOST: {kind: 'str', value: 'smtp.two'},
			EMAIL_PORT: {kind: 'int', value: 587},
			EMAIL_USE_TLS: {kind: 'bool', value: true},
			EMAIL_HOST_USER: {kind: 'str', value: 'user@example.com'},
			EMAIL_FILE_PATH: {kind: 'str', value: 'C:\\mail'},
			NOREPLY_EMAIL_ADDRESS: {kind: 'expression', source: '"maybe@example.com"'},
			ADD_TOKENS_TO_NOREPLY_ADDRESS: {kind: 'str', value: 'chained'},
			EXTERNAL_HOST: {kind: 'str', value: 'chained'},
			EMAIL_USE_SSL: {kind: 'bool', value: false},
			ZULIP_ADMINISTRATOR: {kind: 'str', value: 'a@b'},
			TOKENIZED_NOREPLY_EMAIL_ADDRESS: {kind: 'expression', source: '"noreply-{token}@" + "example.com"'},
		};
		assert.deepEqual(snapshot.values, expected);
	});

	test('line numbers of every live assignment', () => {
		assert.deepEqual(snapshot.lines.EMAIL_HOST, [2, 21]);
		assert.deepEqual(snapshot.lines.EMAIL_HOST_USER, [5]);
		assert.deepEqual(snapshot.lines.EMAIL_FILE_PATH, [15]);
		assert.deepEqual(snapshot.lines.NOREPLY_EMAIL_ADDRESS, [20]);
		assert.equal(snapshot.lines.EMAIL_BACKEND, undefined);
	});

	test('warnings for duplicates, blocks and settings Zulip ignores', () => {
		assert.ok(snapshot.warnings.some(warning => /EMAIL_HOST is set 2 times \(lines 2, 21\).*line 21/.test(warning)), snapshot.warnings.join('\n'));
		assert.ok(snapshot.warnings.some(warning => /NOREPLY_EMAIL_ADDRESS is set inside an indented block on line 20/.test(warning)));
		assert.ok(snapshot.warnings.some(warning => /EMAIL_HOST_PASSWORD .*ignored/.test(warning)));
		assert.equal(snapshot.warnings.length, 3, snapshot.warnings.join('\n'));
	});

	test('agrees with python3 on every fixture', async () => {
		const names = [...READ_SETTINGS];
		const entries = Object.entries(fixtures);
		const executed = await pyExecSettingsMany(entries.map(([, text]) => ({text, names})));
		for (const [index, [name, text]] of entries.entries()) assertParseAgrees(text, executed[index]!, name);
	});

	test('reads the fixtures as an admin would describe them', () => {
		const handEdited = parseSettings(fixtures['hand-edited.py']!);
		assert.deepEqual(handEdited.values.EMAIL_HOST, {kind: 'str', value: 'smtp.relay.example.com'});
		assert.deepEqual(handEdited.values.NOREPLY_EMAIL_ADDRESS, {kind: 'expression', source: '"noreply@" + EXTERNAL_HOST.split(":")[0]'});
		assert.deepEqual(parseSettings(fixtures['zulip-2024.py']!).values, {
			ZULIP_ADMINISTRATOR: {kind: 'str', value: 'admin@chat.example.org'},
			EXTERNAL_HOST: {kind: 'str', value: 'chat.example.org'},
		});
		assert.deepEqual(parseSettings(fixtures['conditional.py']!).values.EXTERNAL_HOST, {kind: 'str', value: 'zulip.corp.example'});
	});
});

describe('evaluateSettings', () => {
	test('computes an expression the way Zulip would, with the template\'s imports', async () => {
		const values = await evaluateSettings(fixtures['hand-edited.py']!, ['NOREPLY_EMAIL_ADDRESS', 'EMAIL_PORT', 'EMAIL_USE_TLS', 'EMAIL_BACKEND', 'SESSION_COOKIE_AGE', 'AUTHENTICATION_BACKENDS']);
		assert.deepEqual(values, {
			NOREPLY_EMAIL_ADDRESS: 'noreply@zulip.team.example.com',
			EMAIL_PORT: 587,
			EMAIL_USE_TLS: true,
			SESSION_COOKIE_AGE: 1_209_600,
			AUTHENTICATION_BACKENDS: {repr: '(\'zproject.backends.EmailAuthBackend\',)'},
		});
		const template = await evaluateSettings(fixtures['zulip-2024.py']!, ['EXTERNAL_HOST', 'AUTH_LDAP_USER_SEARCH']);
		assert.equal(template.EXTERNAL_HOST, 'chat.example.org');
		assert.ok(typeof template.AUTH_LDAP_USER_SEARCH === 'object');
	});

	test('a broken file: ConfigError with Python\'s last line and the line number, not the file', async () => {
		const secretLooking = 'EMAIL_HOST_PASSWORD = "s3cret-do-not-print"\n';
		await assert.rejects(evaluateSettings(`${secretLooking}X = 1\nY = (\n`, ['X']), (error: unknown) => {
			assert.ok(error instanceof ConfigError);
			assert.match(error.message, /SyntaxError/);
			assert.doesNotMatch(error.message, /s3cret/);
			return true;
		});
		await assert.rejects(evaluateSettings(`${secretLooking}X = 1\nY = UNDEFINED_NAME + 1\n`, ['X']), (error: unknown) => {
			assert.ok(error instanceof ConfigError);
			assert.match(error.message, /line 3.*NameError: name 'UNDEFINED_NAME' is not defined/);
			assert.doesNotMatch(error.message, /s3cret/);
			return true;
		});
	});

	test('stops when aborted', async () => {
		const controller = new AbortController();
		setTimeout(() => controller.abort(new Error('user pressed Ctrl-C')), 100);
		await assert.rejects(evaluateSettings('while True:\n    pass\n', ['X'], {signal: controller.signal}), /Ctrl-C/);
	});
});
