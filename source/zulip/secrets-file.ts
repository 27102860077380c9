/**
 * /etc/zulip/zulip-secrets.conf, read and edited exactly the way Zulip reads
 * it: `configparser.RawConfigParser()` with default options, fed by
 * `read(path)` (universal newlines), queried with
 * `get('secrets', key, fallback=None)`.
 *
 * The npm `ini` package is used for nothing here: it strips inline `;`/`#`
 * comments, unquotes values and writes `\;`/`\#` escapes, none of which
 * RawConfigParser undoes, so a Zulip `secret_key` (which contains `#`) or a
 * password with `;` would come out different. test/secrets-file.test.ts
 * demonstrates the corruption against python3.
 */
import {ConfigError, UsageError} from '../engine/errors.js';

export const PASSWORD_KEY = 'email_password';
export const SECRETS_SECTION = 'secrets';

/** RawConfigParser's fallback section: its keys show through in every section. */
const DEFAULT_SECTION = 'DEFAULT';

/** The exception python would raise for the same text. */
export type PythonParseError =
	| 'DuplicateOptionError'
	| 'DuplicateSectionError'
	| 'MissingSectionHeaderError'
	| 'ParsingError';

/** A secrets file python's configparser refuses; Zulip would not start with it. */
export class SecretsFileError extends ConfigError {
	constructor(
		/** The exception python raises for this file. */
		readonly pythonError: PythonParseError,
		/** 1-based line numbers python reports (several for a ParsingError). */
		readonly lines: readonly number[],
		message: string,
		fix: string,
	) {
		super(
			message,
			fix,
			pythonError.startsWith('Duplicate') ? 'secrets-duplicate' : 'secrets-parse',
		);
		this.name = 'SecretsFileError';
	}
}

/** Every value RawConfigParser holds after reading a file, in file order. */
export interface RawConfig {
	/** `[DEFAULT]` keys: `get()` falls back to them for every section. */
	readonly defaults: ReadonlyMap<string, string>;
	/** Section name (case-sensitive) → lower-cased key → value. */
	readonly sections: ReadonlyMap<string, ReadonlyMap<string, string>>;
}

/**
 * Python's `str.isspace()`, which is also what `str.strip()` and the `\s` in
 * configparser's regexes use. JavaScript's `\s` differs (it has U+FEFF and
 * lacks U+001C–U+001F and U+0085), so it must not be used here.
 */
const PYTHON_WHITESPACE = new Set(
	'\t\n\v\f\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000',
);

export function isPythonWhitespace(character: string): boolean {
	return PYTHON_WHITESPACE.has(character);
}

function pyLeadingSpace(text: string): number {
	let index = 0;
	while (index < text.length && PYTHON_WHITESPACE.has(text[index]!)) index++;
	return index;
}

function pyRstrip(text: string): string {
	let end = text.length;
	while (end > 0 && PYTHON_WHITESPACE.has(text[end - 1]!)) end--;
	return text.slice(0, end);
}

function pyStrip(text: string): string {
	return pyRstrip(text.slice(pyLeadingSpace(text)));
}

interface SourceLine {
	/** The line without its terminator. */
	text: string;
	/** '' only on a last line that has no terminator. */
	eol: string;
}

/** Lines as python's universal-newlines file iteration yields them: \r\n, \r and \n end a line, nothing else does. */
function splitLines(text: string): SourceLine[] {
	const lines: SourceLine[] = [];
	const terminator = /\r\n|\r|\n/g;
	let start = 0;
	for (let match = terminator.exec(text); match; match = terminator.exec(text)) {
		lines.push({text: text.slice(start, match.index), eol: match[0]});
		start = match.index + match[0].length;
	}
	if (start < text.length) lines.push({text: text.slice(start), eol: ''});
	return lines;
}

function joinLines(lines: readonly SourceLine[]): string {
	return lines.map((line) => line.text + line.eol).join('');
}

interface Entry {
	/** Lower-cased, as RawConfigParser's optionxform stores it. */
	readonly key: string;
	/** Index of the `key = value` line. */
	readonly head: number;
	/** Indexes of the indented lines that continue the value. */
	readonly continuations: number[];
	readonly parts: string[];
}

interface Block {
	readonly section: string;
	/** Index of the `[section]` line. */
	readonly header: number;
	readonly entries: Entry[];
}

interface ParsedFile extends RawConfig {
	readonly lines: SourceLine[];
	readonly blocks: Block[];
}

const fileIsRefused =
	"Python's configparser refuses the whole file, so Zulip cannot load its settings (it will not start or restart).";

/**
 * A line-for-line port of `RawConfigParser._read` (CPython 3.8–3.13, default
 * options: strict, empty lines allowed in values, `#`/`;` whole-line
 * comments, no inline comments, `=`/`:` delimiters, no valueless keys).
 * Error messages name lines, never their text: the lines hold secrets.
 */
function parse(text: string): ParsedFile {
	const lines = splitLines(text);
	const blocks: Block[] = [];
	const sectionFirstLine = new Map<string, number>();
	const optionFirstLine = new Map<string, number>();
	const badLines: number[] = [];
	let block: Block | undefined;
	// Python's `optname`: the entry that indented and blank lines extend.
	let entry: Entry | undefined;
	let indentLevel = 0;

	for (const [index, line] of lines.entries()) {
		const lineNumber = index + 1;
		const value = pyStrip(line.text);
		if (value === '') {
			// Blank lines join the value; trailing ones are stripped at the end.
			if (block && entry && entry.key !== '') entry.parts.push('');
			continue;
		}
		if (value.startsWith('#') || value.startsWith(';')) continue;

		const indent = pyLeadingSpace(line.text);
		if (block && entry && entry.key !== '' && indent > indentLevel) {
			entry.parts.push(value);
			entry.continuations.push(index);
			continue;
		}
		indentLevel = indent;

		const headerEnd = value.startsWith('[') ? value.lastIndexOf(']') : -1;
		if (headerEnd >= 2) {
			const section = value.slice(1, headerEnd);
			const first = sectionFirstLine.get(section);
			if (first !== undefined) {
				throw new SecretsFileError(
					'DuplicateSectionError',
					[lineNumber],
					`The secrets file has two [${section}] sections (lines ${first} and ${lineNumber}). ${fileIsRefused}`,
					`Merge them: move the settings under line ${lineNumber} into the first [${section}] section and delete line ${lineNumber}, then run zulip-email-setup again.`,
				);
			}
			if (section !== DEFAULT_SECTION) sectionFirstLine.set(section, lineNumber);
			block = {section, header: index, entries: []};
			blocks.push(block);
			entry = undefined;
			continue;
		}

		if (!block) {
			throw new SecretsFileError(
				'MissingSectionHeaderError',
				[lineNumber],
				`Line ${lineNumber} of the secrets file comes before any [section] header. ${fileIsRefused}`,
				`Put [${SECRETS_SECTION}] on a line of its own above line ${lineNumber} (or delete that line), then run zulip-email-setup again.`,
			);
		}

		const delimiter = value.search(/[=:]/);
		if (delimiter === -1) {
			badLines.push(lineNumber);
			continue;
		}
		const key = pyRstrip(value.slice(0, delimiter)).toLowerCase();
		// Python records the error but still stores the nameless key.
		if (key === '') badLines.push(lineNumber);
		const optionId = `${block.section}\0${key}`;
		const first = optionFirstLine.get(optionId);
		if (first !== undefined) {
			throw new SecretsFileError(
				'DuplicateOptionError',
				[lineNumber],
				`The secrets file sets "${key}" twice in [${block.section}] (lines ${first} and ${lineNumber}). ${fileIsRefused}`,
				`Delete one of the two lines (keep the one with the right value), then run zulip-email-setup again.`,
			);
		}
		optionFirstLine.set(optionId, lineNumber);
		entry = {key, head: index, continuations: [], parts: [pyStrip(value.slice(delimiter + 1))]};
		block.entries.push(entry);
	}

	if (badLines.length > 0) {
		const which = badLines.length === 1 ? `Line ${badLines[0]} is` : `Lines ${badLines.join(', ')} are`;
		throw new SecretsFileError(
			'ParsingError',
			badLines,
			`${which} not a "key = value" setting, a [section] header or a comment in the secrets file. ${fileIsRefused}`,
			`Fix ${badLines.length === 1 ? 'that line' : 'those lines'} (or turn ${badLines.length === 1 ? 'it' : 'them'} into a comment starting with #), then run zulip-email-setup again.`,
		);
	}

	const defaults = new Map<string, string>();
	const sections = new Map<string, Map<string, string>>();
	for (const {section, entries} of blocks) {
		let values = section === DEFAULT_SECTION ? defaults : sections.get(section);
		if (!values) sections.set(section, (values = new Map()));
		for (const {key, parts} of entries) values.set(key, pyRstrip(parts.join('\n')));
	}
	return {lines, blocks, defaults, sections};
}

/** Everything RawConfigParser would hold; throws SecretsFileError where python raises. */
export function parseRawConfig(text: string): RawConfig {
	const {defaults, sections} = parse(text);
	return {defaults, sections};
}

/** `RawConfigParser.get(section, key, fallback=None)`. */
function lookup(config: RawConfig, section: string, key: string): string | undefined {
	const wanted = key.toLowerCase();
	if (section === DEFAULT_SECTION) return config.defaults.get(wanted);
	const values = config.sections.get(section);
	if (!values) return undefined;
	return values.get(wanted) ?? config.defaults.get(wanted);
}

/** The value Zulip's `get_secret(key)` returns, or undefined where it returns None. */
export function readSecret(text: string, key = PASSWORD_KEY, section = SECRETS_SECTION): string | undefined {
	return lookup(parse(text), section, key);
}

/** Why `value` cannot be written as one `key = value` line and read back unchanged, if it can't. */
function valueProblem(value: string): string | undefined {
	if (/[\r\n]/.test(value)) {
		return 'it contains a line break, and a line break ends a value in the secrets file';
	}
	if (value !== '' && isPythonWhitespace(value[0]!)) {
		return `it starts with ${describeCharacter(value[0]!)}, and the secrets file drops whitespace around values`;
	}
	if (value !== '' && isPythonWhitespace(value.at(-1)!)) {
		return `it ends with ${describeCharacter(value.at(-1)!)}, and the secrets file drops whitespace around values`;
	}
	if (/\p{Cs}/u.test(value)) {
		return 'it contains an invalid Unicode character (a lone surrogate) that cannot be saved as UTF-8';
	}
	return undefined;
}

function describeCharacter(character: string): string {
	const names: Record<string, string> = {' ': 'a space', '\t': 'a tab', '\xa0': 'a non-breaking space'};
	const code = character.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
	return names[character] ?? `an invisible character (U+${code})`;
}

/**
 * Undefined if RawConfigParser can hold `password`, else why not, as a
 * sentence for the user. A tab inside is holdable: refused only where it was
 * typed (in the wizard Tab is a key of its own, so one in a typed password is
 * a paste accident); from a file, stdin or the environment it is the password's.
 */
export function passwordProblem(password: string, source: {typed: boolean} = {typed: true}): string | undefined {
	if (password === '') {
		return 'The password is empty; Zulip only logs in to the SMTP server when both the user and the password are set.';
	}
	const problem = valueProblem(password);
	if (problem) return `The password cannot be saved as typed: ${problem}.`;
	// Holdable, but never typed on purpose: a paste accident that the admin cannot see.
	const control = (source.typed ? /[\p{Cc}\u2028\u2029]/u : /[^\P{Cc}\t]|[\u2028\u2029]/u).exec(password);
	if (control) {
		return `The password contains ${describeCharacter(control[0])}, most likely from copy and paste; type it again.`;
	}
	return undefined;
}

function keyProblem(key: string): string | undefined {
	if (key === '' || /[=:\r\n]/.test(key) || pyStrip(key) !== key) return 'it is empty or holds = : or whitespace at an end';
	if (/^[#;[]/.test(key)) return 'it starts with # ; or [';
	return undefined;
}

/**
 * Set (string) or remove (null) `key` in `[section]`, changing only the lines
 * of that one entry; every other byte of `text` stays as it was. Throws
 * SecretsFileError (a ConfigError) for a file python refuses, UsageError for
 * a value the file cannot hold.
 */
export function setSecret(
	text: string,
	value: string | null,
	key = PASSWORD_KEY,
	section = SECRETS_SECTION,
): string {
	const badKey = keyProblem(key);
	if (badKey) throw new UsageError(`"${key}" cannot be a key in the secrets file: ${badKey}.`);
	if (value !== null) {
		const problem = valueProblem(value);
		if (problem) {
			throw new UsageError(
				`The value for ${key} cannot be saved in the secrets file: ${problem}.`,
				'Use a value without line breaks, leading or trailing whitespace.',
			);
		}
	}

	const before = parse(text);
	const wanted = key.toLowerCase();
	const lines = before.lines.map((line) => ({...line}));
	const blocks = before.blocks.filter((block) => block.section === section);
	const existing = blocks.flatMap((block) => block.entries).find((entry) => entry.key === wanted);
	const eol = lines.find((line) => line.eol !== '')?.eol ?? '\n';
	const drop = new Set<number>();
	// Insertions, as [index to insert before, lines].
	let insertion: [number, SourceLine[]] | undefined;

	if (existing) {
		for (const index of existing.continuations) drop.add(index);
		if (value === null) {
			drop.add(existing.head);
		} else {
			const line = lines[existing.head]!;
			const delimiter = line.text.search(/[=:]/);
			let valueStart = delimiter + 1;
			while (valueStart < line.text.length && isPythonWhitespace(line.text[valueStart]!)) valueStart++;
			const gap = valueStart === delimiter + 1 && value !== '' ? ' ' : '';
			line.text = line.text.slice(0, valueStart) + gap + value;
		}
	} else if (value !== null) {
		const entryLine = {text: value === '' ? `${key} =` : `${key} = ${value}`, eol};
		const block = blocks.at(-1);
		if (block) {
			// A loop, not Math.max(...spread): a file with 150,000 keys would overflow the call stack.
			let last = block.header;
			for (const entry of block.entries) {
				last = Math.max(last, entry.head);
				for (const continuation of entry.continuations) last = Math.max(last, continuation);
			}
			// Indent like the next header so that header cannot turn into a continuation of the new line.
			const next = lines.slice(last + 1).find((line) => {
				const stripped = pyStrip(line.text);
				return stripped !== '' && !stripped.startsWith('#') && !stripped.startsWith(';');
			});
			entryLine.text = (next ? next.text.slice(0, pyLeadingSpace(next.text)) : '') + entryLine.text;
			const previous = lines[last]!;
			if (previous.eol === '') previous.eol = eol;
			insertion = [last + 1, [entryLine]];
		} else {
			const added: SourceLine[] = [];
			const previous = lines.at(-1);
			if (previous) {
				if (previous.eol === '') previous.eol = eol;
				if (pyStrip(previous.text) !== '') added.push({text: '', eol});
			}
			added.push({text: `[${section}]`, eol}, entryLine);
			insertion = [lines.length, added];
		}
	}

	const edited: SourceLine[] = [];
	for (const [index, line] of lines.entries()) {
		if (insertion && insertion[0] === index) edited.push(...insertion[1]);
		if (!drop.has(index)) edited.push(line);
	}
	if (insertion && insertion[0] === lines.length) edited.push(...insertion[1]);
	const result = joinLines(edited);
	verifyEdit(before, result, section, wanted, value);
	return result;
}

/** Re-read the edited text: exactly the one value changed, or nothing is written. */
function verifyEdit(before: RawConfig, result: string, section: string, key: string, value: string | null): void {
	const after = parse(result);
	const expected = new Map([...before.sections].map(([name, values]) => [name, new Map(values)]));
	const expectedDefaults = new Map(before.defaults);
	let target = expectedDefaults;
	if (section !== DEFAULT_SECTION) {
		if (!expected.has(section) && value !== null) expected.set(section, new Map());
		target = expected.get(section) ?? new Map();
	}
	if (value === null) target.delete(key);
	else target.set(key, value);
	const same = (a: ReadonlyMap<string, string>, b: ReadonlyMap<string, string>) =>
		a.size === b.size && [...a].every(([name, text]) => b.get(name) === text);
	const unchanged =
		same(after.defaults, expectedDefaults) &&
		after.sections.size === expected.size &&
		[...expected].every(([name, values]) => {
			const actual = after.sections.get(name);
			return actual !== undefined && same(actual, values);
		});
	if (!unchanged) {
		throw new ConfigError(
			`Editing ${key} would have changed other settings in the secrets file, so nothing was written.`,
			`Set ${key} in [${section}] by hand, then run zulip-email-setup again; please report this file's layout (not its secrets) as a bug.`,
			'secrets-edit',
		);
	}
	if (lookup(after, section, key) !== (value ?? undefined)) {
		throw new ConfigError(
			`${key} is also set in the [${DEFAULT_SECTION}] section of the secrets file, and Zulip falls back to that value.`,
			`Delete ${key} from [${DEFAULT_SECTION}] by hand, then run zulip-email-setup again.`,
			'secrets-edit',
		);
	}
}
