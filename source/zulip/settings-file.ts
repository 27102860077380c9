import {ConfigError, UsageError} from '../engine/errors.js';
import {
	formatPythonValue,
	literalFromTokens,
	tokenizePython,
	unwritableCharacter,
	type LogicalLine,
	type PyValue,
	type Token,
	type TokenizedSource,
} from './python-literal.js';

export type {PyValue} from './python-literal.js';

/** The settings this wizard writes. */
export const OWNED_SETTINGS = [
	'EMAIL_HOST',
	'EMAIL_HOST_USER',
	'EMAIL_PORT',
	'EMAIL_USE_TLS',
	'EMAIL_USE_SSL',
	'EMAIL_BACKEND',
	'EMAIL_FILE_PATH',
	'NOREPLY_EMAIL_ADDRESS',
	'ADD_TOKENS_TO_NOREPLY_ADDRESS',
	'TOKENIZED_NOREPLY_EMAIL_ADDRESS',
] as const;
export type OwnedSetting = (typeof OWNED_SETTINGS)[number];

/** The settings this wizard reads (it never writes the last two). */
export const READ_SETTINGS = [...OWNED_SETTINGS, 'ZULIP_ADMINISTRATOR', 'EXTERNAL_HOST'] as const;
export type ReadSetting = (typeof READ_SETTINGS)[number];

export interface SettingsSnapshot {
	/** Effective value per Python semantics (last top-level assignment wins); absent = never assigned (Django/Zulip default applies). */
	readonly values: Partial<Record<ReadSetting, PyValue>>;
	/**
	 * 1-based line numbers of every live assignment per read setting, in file
	 * order, for messages. Includes assignments inside if-blocks (see warnings);
	 * excludes commented-out lines and function bodies.
	 */
	readonly lines: Partial<Record<ReadSetting, number[]>>;
	/** Human-readable warnings (e.g. an owned setting assigned inside an if-block / indented, assigned twice). */
	readonly warnings: string[];
}

/** undefined/absent key = leave alone; null = remove every live assignment (comment it out) so Django's default applies; else the value to hold. */
export type DesiredSettings = Partial<Record<OwnedSetting, string | number | boolean | null>>;

/** Values considered equal to "absent": what Django/Zulip use when the setting is never assigned. */
export const SETTINGS_DEFAULTS = {
	EMAIL_HOST_USER: '',
	EMAIL_PORT: 25,
	EMAIL_USE_TLS: false,
	EMAIL_USE_SSL: false,
	ADD_TOKENS_TO_NOREPLY_ADDRESS: true,
} as const;

/** The header of the block appended when the file has no outgoing-email section. */
export const MARKER_HEADER = '## Outgoing email settings written by zulip-email-setup.';

/** Set in settings.py, but Zulip overrides them: say so rather than let the admin believe them. */
export const IGNORED_SETTINGS: Readonly<Record<string, string>> = {
	EMAIL_HOST_PASSWORD: 'EMAIL_HOST_PASSWORD in settings.py is ignored by Zulip: the SMTP password comes from email_password in /etc/zulip/zulip-secrets.conf.',
	EMAIL_TIMEOUT: 'EMAIL_TIMEOUT in settings.py is ignored by Zulip, which always waits 15 seconds.',
};

const READ_SET = new Set<string>(READ_SETTINGS);
const TRACKED = new Set<string>([...READ_SETTINGS, ...Object.keys(IGNORED_SETTINGS)]);

/** Where a new line goes relative to the others: the template's own order, with the settings it lacks slotted in. */
const PLACEMENT_ORDER: readonly OwnedSetting[] = [
	'EMAIL_HOST',
	'EMAIL_HOST_USER',
	'EMAIL_BACKEND',
	'EMAIL_FILE_PATH',
	'EMAIL_USE_TLS',
	'EMAIL_USE_SSL',
	'EMAIL_PORT',
	'ADD_TOKENS_TO_NOREPLY_ADDRESS',
	'TOKENIZED_NOREPLY_EMAIL_ADDRESS',
	'NOREPLY_EMAIL_ADDRESS',
];

const VALUE_KIND: Readonly<Record<OwnedSetting, 'string' | 'port' | 'boolean'>> = {
	EMAIL_HOST: 'string',
	EMAIL_HOST_USER: 'string',
	EMAIL_PORT: 'port',
	EMAIL_USE_TLS: 'boolean',
	EMAIL_USE_SSL: 'boolean',
	EMAIL_BACKEND: 'string',
	EMAIL_FILE_PATH: 'string',
	NOREPLY_EMAIL_ADDRESS: 'string',
	ADD_TOKENS_TO_NOREPLY_ADDRESS: 'boolean',
	TOKENIZED_NOREPLY_EMAIL_ADDRESS: 'string',
};

// ---------------------------------------------------------------------------
// Reading

const COMPOUND_KEYWORDS = new Set(['if', 'elif', 'else', 'for', 'while', 'with', 'try', 'except', 'finally', 'def', 'class', 'async', 'match', 'case']);
const SOFT_KEYWORDS = new Set(['match', 'case']);
/** Clauses that continue the compound statement above them: nothing may be inserted before one. */
const CLAUSE_KEYWORDS = new Set(['elif', 'else', 'except', 'finally']);
const AUGMENTED = new Set(['+=', '-=', '*=', '/=', '//=', '%=', '**=', '>>=', '<<=', '&=', '|=', '^=', '@=']);

type AssignmentForm = 'plain' | 'annotated' | 'chained' | 'augmented' | 'unpacking' | 'import';

interface Assignment {
	readonly name: string;
	/** Index of its logical line. */
	readonly logical: number;
	/** Inside a block (if/for/try/with…) or after a compound header on the same line: it may or may not run. */
	readonly nested: boolean;
	/** The only statement of its logical line (no `;`, not after `if …:`). */
	readonly ownLine: boolean;
	readonly form: AssignmentForm;
	/** The value as written: a literal, or the expression's source. */
	readonly value: PyValue;
	/** The source of the value (of the whole statement for imports and augmented assignments). */
	readonly source: string;
	/** For plain and annotated forms: the `=` and the value's tokens (comments excluded). */
	readonly equals?: Token;
	readonly valueTokens?: readonly Token[];
}

interface Analysis {
	readonly text: string;
	readonly tokenized: TokenizedSource;
	readonly assignments: readonly Assignment[];
}

function columns(indent: string): number {
	let column = 0;
	for (const ch of indent) column = ch === '\t' ? (Math.floor(column / 8) + 1) * 8 : column + 1;
	return column;
}

const sourceOf = (text: string, tokens: readonly Token[]): string => text.slice(tokens[0]!.start, tokens.at(-1)!.end);

function bracketDelta(token: Token): number {
	if (token.type !== 'op') return 0;
	if (token.text === '(' || token.text === '[' || token.text === '{') return 1;
	if (token.text === ')' || token.text === ']' || token.text === '}') return -1;
	return 0;
}

/** Split tokens at top-level occurrences of an operator. */
function splitTopLevel(tokens: readonly Token[], op: string): Token[][] {
	const parts: Token[][] = [[]];
	let depth = 0;
	for (const token of tokens) {
		depth += bracketDelta(token);
		if (depth === 0 && token.type === 'op' && token.text === op) parts.push([]);
		else parts.at(-1)!.push(token);
	}

	return parts;
}

function analyze(text: string): Analysis {
	const tokenized = tokenizePython(text);
	const assignments: Assignment[] = [];
	const blocks: Array<{column: number; local: boolean}> = [];

	const statement = (tokens: readonly Token[], logical: number, nested: boolean, ownLine: boolean) => {
		// Every name recorded below is one of the statement's own name tokens: without a tracked one, nothing is.
		if (!tokens.some(token => token.type === 'name' && TRACKED.has(token.text))) return;
		const first = tokens[0]!;
		const record = (name: string, form: AssignmentForm, value: PyValue, extra: Partial<Assignment> = {}) => {
			const source = value.kind === 'expression' ? value.source : extra.valueTokens ? sourceOf(text, extra.valueTokens) : '';
			if (TRACKED.has(name)) assignments.push({name, logical, nested, ownLine, form, value, source, ...extra});
		};

		const wholeExpression: PyValue = {kind: 'expression', source: sourceOf(text, tokens)};
		if (first.type === 'name' && (first.text === 'import' || first.text === 'from')) {
			// `from x import EMAIL_HOST` or `import x as EMAIL_HOST` binds the name too.
			const importAt = tokens.findIndex(token => token.type === 'name' && token.text === 'import');
			for (const token of tokens.slice(importAt + 1)) {
				if (token.type === 'name') record(token.text, 'import', wholeExpression);
			}

			return;
		}

		if (first.type === 'name' && tokens[1]?.type === 'op' && AUGMENTED.has(tokens[1].text)) {
			record(first.text, 'augmented', wholeExpression);
			return;
		}

		// Top-level `=` before any lambda (whose defaults also use `=`).
		const equals: number[] = [];
		let depth = 0;
		for (const [index, token] of tokens.entries()) {
			depth += bracketDelta(token);
			if (depth !== 0) continue;
			if (token.type === 'name' && token.text === 'lambda') break;
			if (token.type === 'op' && token.text === '=') equals.push(index);
		}

		if (equals.length === 0) return;
		const valueTokens = tokens.slice(equals.at(-1)! + 1);
		if (valueTokens.length === 0) return;
		const valueSource = sourceOf(text, valueTokens);
		const value = literalFromTokens(valueTokens) ?? {kind: 'expression', source: valueSource};
		const equalsToken = tokens[equals.at(-1)!]!;
		let start = 0;
		for (const [index, end] of equals.entries()) {
			const target = tokens.slice(start, end);
			start = end + 1;
			const head = target[0];
			if (!head) continue;
			if (target.length === 1 && head.type === 'name') {
				const form = equals.length > 1 ? 'chained' : 'plain';
				record(head.text, form, value, form === 'plain' ? {equals: equalsToken, valueTokens} : {source: valueSource});
			} else if (index === 0 && equals.length === 1 && head.type === 'name' && target[1]?.type === 'op' && target[1].text === ':') {
				record(head.text, 'annotated', value, {equals: equalsToken, valueTokens});
			} else if (splitTopLevel(target, ',').length > 1 || head.text === '(' || head.text === '[' || head.text === '*') {
				// Unpacking: which element lands where is left to Python.
				for (const [at, token] of target.entries()) {
					const before = target[at - 1];
					const after = target[at + 1];
					const bareName = token.type === 'name' && before?.text !== '.' && after?.text !== '.' && after?.text !== '(' && after?.text !== '[';
					if (bareName) record(token.text, 'unpacking', {kind: 'expression', source: valueSource});
				}
			}
		}
	};

	for (const [index, logical] of tokenized.logicalLines.entries()) {
		const tokens = logical.tokens.filter(token => token.type !== 'comment');
		if (tokens.length === 0) continue;
		const column = columns(logical.indent);
		while (blocks.length > 0 && blocks.at(-1)!.column >= column) blocks.pop();
		const local = blocks.some(block => block.local);
		const nested = blocks.length > 0 || column > 0;
		const first = tokens[0]!;
		const header = first.type === 'name'
			&& COMPOUND_KEYWORDS.has(first.text)
			&& (!SOFT_KEYWORDS.has(first.text) || (tokens.at(-1)!.text === ':' && tokens[1]?.type !== 'op'));
		if (header) {
			let depth = 0;
			const colon = tokens.findIndex(token => {
				depth += bracketDelta(token);
				return depth === 0 && token.type === 'op' && token.text === ':';
			});
			// Assignments in a function or class body are local, not settings.
			const definesScope = first.text === 'def' || first.text === 'class' || (first.text === 'async' && tokens[1]?.text === 'def');
			if (colon === -1 || colon === tokens.length - 1) {
				blocks.push({column, local: local || definesScope});
				continue;
			}

			if (local || definesScope) continue;
			for (const part of splitTopLevel(tokens.slice(colon + 1), ';')) statement(part, index, true, false);
			continue;
		}

		if (local) continue;
		const parts = splitTopLevel(tokens, ';').filter(part => part.length > 0);
		for (const part of parts) statement(part, index, nested, parts.length === 1);
	}

	return {text, tokenized, assignments};
}

function snapshotOf(analysis: Analysis): SettingsSnapshot {
	const values: Partial<Record<ReadSetting, PyValue>> = {};
	const lines: Partial<Record<ReadSetting, number[]>> = {};
	const warnings: string[] = [];
	const {logicalLines, error} = analysis.tokenized;
	const lineOf = (assignment: Assignment) => logicalLines[assignment.logical]!.firstLine + 1;
	if (error) warnings.push(`settings.py is not valid Python at line ${error.line + 1} (${error.message}); what is read from it may be incomplete.`);
	for (const name of TRACKED) {
		const list = analysis.assignments.filter(assignment => assignment.name === name);
		if (list.length === 0) continue;
		if (!READ_SET.has(name)) {
			warnings.push(`${IGNORED_SETTINGS[name]!} (line ${list.map(lineOf).join(', ')})`);
			continue;
		}

		const setting = name as ReadSetting;
		lines[setting] = list.map(lineOf);
		const last = list.at(-1)!;
		// A line inside a block may or may not run: report it as an expression, never guess.
		values[setting] = last.nested ? {kind: 'expression', source: last.source} : last.value;
		const topLevel = list.filter(assignment => !assignment.nested);
		if (topLevel.length > 1) {
			warnings.push(`${name} is set ${topLevel.length} times (lines ${topLevel.map(lineOf).join(', ')}); Python uses the last one, on line ${lineOf(topLevel.at(-1)!)}.`);
		}

		for (const assignment of list.filter(item => item.nested)) {
			warnings.push(`${name} is set inside an indented block on line ${lineOf(assignment)}, so whether that line runs depends on the block.`);
		}

		for (const assignment of list.filter(item => item.form === 'import' || item.form === 'unpacking')) {
			warnings.push(`${name} is set by an ${assignment.form === 'import' ? 'import' : 'unpacking assignment'} on line ${lineOf(assignment)}.`);
		}
	}

	return {values, lines, warnings};
}

/** Read what settings.py sets, the way Python would, without running it. */
export function parseSettings(text: string): SettingsSnapshot {
	return snapshotOf(analyze(text));
}

// ---------------------------------------------------------------------------
// Editing

function validateDesired(desired: DesiredSettings): void {
	for (const [name, value] of Object.entries(desired)) {
		if (!(name in VALUE_KIND)) throw new UsageError(`${name} is not a setting this wizard writes.`);
		if (value === undefined || value === null) continue;
		const kind = VALUE_KIND[name as OwnedSetting];
		if (kind === 'boolean' && typeof value !== 'boolean') throw new UsageError(`${name} must be True or False, not ${JSON.stringify(value)}.`);
		if (kind === 'port' && (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 65_535)) {
			throw new UsageError(`${name} must be a port number from 1 to 65535, not ${JSON.stringify(value)}.`, 'Pass a whole number, e.g. 587.');
		}

		if (kind === 'string') {
			if (typeof value !== 'string') throw new UsageError(`${name} must be text, not ${JSON.stringify(value)}.`);
			const problem = unwritableCharacter(value);
			if (problem) {
				throw new UsageError(`${name} cannot be written to settings.py: ${problem}.`, 'Enter the value again without line breaks or control characters.');
			}
		}
	}
}

function sameValue(current: PyValue, wanted: string | number | boolean): boolean {
	if (current.kind === 'str') return current.value === wanted;
	if (current.kind === 'int' || current.kind === 'bool') return current.value === wanted && typeof wanted === (current.kind === 'int' ? 'number' : 'boolean');
	return false;
}

function isSatisfied(name: OwnedSetting, wanted: string | number | boolean | null, current: PyValue | undefined): boolean {
	const fallback = (SETTINGS_DEFAULTS as Partial<Record<OwnedSetting, string | number | boolean>>)[name];
	if (wanted === null) return current === undefined || (fallback !== undefined && sameValue(current, fallback));
	if (current === undefined) return fallback === wanted;
	return sameValue(current, wanted);
}

/** Python truthiness of a current value; undefined when only running the file would tell. */
function truthy(value: PyValue | undefined): boolean | undefined {
	if (value === undefined || value.kind === 'none') return false;
	if (value.kind === 'expression') return undefined;
	return value.kind === 'str' ? value.value !== '' : value.kind === 'int' ? value.value !== 0 : value.value;
}

/** Django refuses to send with both: never write a file that ends up that way. */
function checkTlsAndSsl(desired: DesiredSettings, values: SettingsSnapshot['values']): void {
	const fix = 'Pass EMAIL_USE_TLS and EMAIL_USE_SSL together: port 465 wants SSL, 587 wants TLS (STARTTLS).';
	if (desired.EMAIL_USE_TLS === true && desired.EMAIL_USE_SSL === true) {
		throw new UsageError('EMAIL_USE_TLS and EMAIL_USE_SSL cannot both be True.', fix);
	}

	for (const [setting, other] of [['EMAIL_USE_TLS', 'EMAIL_USE_SSL'], ['EMAIL_USE_SSL', 'EMAIL_USE_TLS']] as const) {
		const otherOn = truthy(values[other]);
		if (desired[setting] === true && desired[other] === undefined && otherOn !== false) {
			const keeps = otherOn ? `keeps ${other} = True` : `computes ${other}, which may be True,`;
			throw new UsageError(`Setting ${setting} = True while settings.py ${keeps} could leave both on.`, fix);
		}
	}
}

interface Insertion {
	readonly name: string;
	readonly text: string;
}

/** Collects line-level edits against the original lines, then applies them in one pass. */
class SettingsEdit {
	private readonly lines: string[];
	private readonly logicalLines: readonly LogicalLine[];
	private readonly lineOwner: readonly number[];
	private readonly replacements = new Map<number, {readonly end: number; readonly lines: readonly string[]}>();
	private readonly before = new Map<number, Insertion[]>();
	private readonly after = new Map<number, Insertion[]>();
	private readonly appended: Insertion[] = [];
	private readonly inserted = new Map<string, Insertion[]>();
	/** Settings placed inside the email section: later ones may line up after them. */
	private readonly placedInSection = new Set<string>();
	private readonly quote: '"' | '\'';
	private readonly crlf: boolean;
	private readonly section: {readonly start: number; readonly end: number} | undefined;

	constructor(private readonly analysis: Analysis) {
		const {text, tokenized} = analysis;
		this.lines = text.split('\n');
		this.logicalLines = tokenized.logicalLines;
		this.lineOwner = tokenized.lineOwner;
		const crlfCount = text.split('\r\n').length - 1;
		this.crlf = crlfCount > this.lines.length - 1 - crlfCount;
		this.quote = this.fileQuote();
		this.section = this.findSection();
	}

	/** The line without its CR, for matching. */
	private content(line: number): string {
		const raw = this.lines[line] ?? '';
		return raw.endsWith('\r') ? raw.slice(0, -1) : raw;
	}

	private cr(line: number): string {
		return this.lines[line]?.endsWith('\r') ? '\r' : '';
	}

	/** The quote style of the file's era: from its commented-out template settings, else its live strings. */
	private fileQuote(): '"' | '\'' {
		const count = {'"': 0, '\'': 0};
		for (const [line, owner] of this.lineOwner.entries()) {
			const quote = owner === -1 ? /^# ?[A-Z][A-Z\d_]*\s*=\s*[rRuU]?(["'])/.exec(this.content(line))?.[1] : undefined;
			if (quote) count[quote as '"' | '\'']++;
		}

		if (count['"'] + count['\''] === 0) {
			for (const logical of this.logicalLines) {
				// The installer writes these two with single quotes in every era.
				const first = logical.tokens[0]?.text;
				if (first === 'EXTERNAL_HOST' || first === 'ZULIP_ADMINISTRATOR') continue;
				for (const token of logical.tokens) {
					if (token.type === 'string') count[/["']/.exec(token.text)![0] as '"' | '\'']++;
				}
			}
		}

		return count['\''] > count['"'] ? '\'' : '"';
	}

	private findSection(): {start: number; end: number} | undefined {
		const headers = this.lines.map((_, line) => line).filter(line => this.lineOwner[line] === -1 && /^#+\s*Outgoing email\b/i.test(this.content(line)));
		const isMarker = (line: number) => this.content(line).trim() === MARKER_HEADER;
		const zulip = headers.find(line => !isMarker(line));
		const start = zulip ?? headers.find(line => isMarker(line));
		if (start === undefined) return undefined;
		let end = start + 1;
		// Zulip's section runs to the next rule of #s; the marked block to its first blank line.
		const ends = zulip === undefined ? (line: number) => this.content(line).trim() === '' : (line: number) => /^#{4,}\s*$/.test(this.content(line));
		while (end < this.lines.length && !ends(end)) end++;
		return {start, end};
	}

	private nextLogical(afterLine: number): LogicalLine | undefined {
		return this.logicalLines.find(logical => logical.firstLine > afterLine);
	}

	private previousLogical(beforeLine: number): LogicalLine | undefined {
		return this.logicalLines.findLast(logical => logical.lastLine < beforeLine);
	}

	/** Whether a new top-level statement may go right after `line` (or replace it, for a comment-only line) without changing what the code around it means. */
	private topLevelGapAfter(line: number): boolean {
		const owner = this.lineOwner[line] ?? -1;
		if (owner !== -1 && this.logicalLines[owner]!.lastLine !== line) return false;
		const next = this.nextLogical(line);
		if (next && (next.indent !== '' || CLAUSE_KEYWORDS.has(next.tokens[0]!.text))) return false;
		const previous = owner === -1 ? this.previousLogical(line) : this.logicalLines[owner];
		return previous?.tokens[0]?.text !== '@';
	}

	private canReplaceComment(line: number): boolean {
		return this.lineOwner[line] === -1 && this.topLevelGapAfter(line);
	}

	private replace(start: number, end: number, lines: readonly string[]): void {
		for (const [otherStart, other] of this.replacements) {
			if (start <= other.end && otherStart <= end) throw new Error(`settings edit: overlapping edits at line ${start + 1}`);
		}

		this.replacements.set(start, {end, lines});
	}

	private insert(where: 'before' | 'after', line: number, entry: Insertion): void {
		const map = where === 'before' ? this.before : this.after;
		const list = map.get(line) ?? [];
		map.set(line, list);
		list.push(entry);
		this.inserted.set(entry.name, list);
	}

	private append(entry: Insertion): void {
		this.appended.push(entry);
		this.inserted.set(entry.name, this.appended);
	}

	/** Column-0 comment lines that are the template's (or an admin's) commented-out assignment of `name`, with a literal value. */
	private commentedLines(name: string): Array<{line: number; text: string}> {
		const found: Array<{line: number; text: string}> = [];
		const pattern = new RegExp(`^# ?(${name}\\s*[:=].*)$`);
		for (let line = 0; line < this.lines.length; line++) {
			if (this.lineOwner[line] !== -1) continue;
			const match = pattern.exec(this.content(line));
			if (!match) continue;
			const inner = analyze(match[1]!);
			const [only] = inner.assignments;
			const valid = !inner.tokenized.error
				&& inner.tokenized.logicalLines.length === 1
				&& inner.assignments.length === 1
				&& only!.name === name
				&& only!.ownLine
				&& !only!.nested
				&& (only!.form === 'plain' || only!.form === 'annotated')
				&& only!.value.kind !== 'expression';
			if (valid) found.push({line, text: match[1]!});
		}

		return found;
	}

	private inSection(line: number): boolean {
		return this.section !== undefined && line >= this.section.start && line < this.section.end;
	}

	/** The quote a str literal was written with, if the value is one. */
	private static quoteOf(tokens: readonly Token[] | undefined): '"' | '\'' | undefined {
		const strings = tokens?.filter(token => token.type === 'string') ?? [];
		if (strings.length === 0 || strings.length !== tokens?.filter(token => !(token.type === 'op' && (token.text === '(' || token.text === ')'))).length) return undefined;
		return /["']/.exec(strings[0]!.text)![0] as '"' | '\'';
	}

	private assignmentsOf(name: string): Assignment[] {
		return this.analysis.assignments.filter(assignment => assignment.name === name);
	}

	/** Make `name` hold `value`, touching as little as possible. */
	set(name: OwnedSetting, value: string | number | boolean): void {
		const live = this.assignmentsOf(name);
		const last = live.at(-1);
		if (last) {
			const logical = this.logicalLines[last.logical]!;
			if (!last.nested && last.ownLine && last.valueTokens && last.equals) {
				this.rewriteValue(last, logical, value);
				return;
			}

			// Cannot edit that statement alone: add one after it (after its whole block if nested) so it wins.
			const after = last.nested ? this.endOfCompound(last.logical) : logical.lastLine;
			const statement = `${name} = ${formatPythonValue(value, this.quote)}`;
			if (this.topLevelGapAfter(after)) this.insert('after', after, {name, text: statement});
			else this.append({name, text: statement});
			return;
		}

		const commented = this.commentedLines(name).filter(candidate => this.canReplaceComment(candidate.line));
		const candidate = commented.findLast(item => this.inSection(item.line)) ?? commented.at(-1);
		if (candidate) {
			// The template's own line: uncomment it and fill in the value, keeping its spacing and quotes.
			const inner = analyze(candidate.text).assignments[0]!;
			const tokens = inner.valueTokens!;
			const literal = formatPythonValue(value, SettingsEdit.quoteOf(tokens) ?? this.quote);
			const text = candidate.text.slice(0, tokens[0]!.start) + literal + candidate.text.slice(tokens.at(-1)!.end);
			this.replace(candidate.line, candidate.line, [text + this.cr(candidate.line)]);
			return;
		}

		this.place({name, text: `${name} = ${formatPythonValue(value, this.quote)}`});
	}

	private rewriteValue(assignment: Assignment, logical: LogicalLine, value: string | number | boolean): void {
		const {text, tokenized} = this.analysis;
		const tokens = assignment.valueTokens!;
		const lineStart = tokenized.lineStarts[logical.firstLine]!;
		const lineEnd = tokenized.lineStarts[logical.lastLine]! + this.lines[logical.lastLine]!.length;
		const literal = formatPythonValue(value, SettingsEdit.quoteOf(tokens) ?? this.quote);
		let head = text.slice(lineStart, tokens[0]!.start);
		let tail = text.slice(tokens.at(-1)!.end, lineEnd);
		// A value that started or ended on another physical line collapses onto the assignment's line.
		if (head.includes('\n')) head = `${text.slice(lineStart, assignment.equals!.end)} `;
		if (tail.includes('\n')) {
			const comment = logical.tokens.findLast(token => token.type === 'comment' && token.start > tokens.at(-1)!.end);
			tail = (comment ? `  ${comment.text}` : '') + this.cr(logical.lastLine);
		}

		this.replace(logical.firstLine, logical.lastLine, [head + literal + tail]);
	}

	/** The last physical line of the top-level compound statement holding logical line `index`. */
	private endOfCompound(index: number): number {
		const next = this.logicalLines.slice(index + 1).find(logical => logical.indent === '' && !CLAUSE_KEYWORDS.has(logical.tokens[0]!.text));
		return next ? this.previousLogical(next.firstLine)!.lastLine : this.logicalLines.at(-1)!.lastLine;
	}

	/** A new line for a setting the file never mentions: next to its neighbours in the email section, else in the marked block. */
	private place(entry: Insertion): void {
		const section = this.section;
		if (section) {
			const order = PLACEMENT_ORDER.indexOf(entry.name as OwnedSetting);
			const linesOf = (other: string): number[] => {
				const live = this.assignmentsOf(other)
					.filter(assignment => !assignment.nested && assignment.ownLine)
					.map(assignment => this.logicalLines[assignment.logical]!)
					.filter(logical => this.inSection(logical.firstLine))
					.map(logical => [logical.firstLine, logical.lastLine]);
				const commented = this.commentedLines(other).filter(item => this.inSection(item.line)).map(item => [item.line, item.line]);
				return [...live, ...commented].flat();
			};

			for (let index = order - 1; index >= 0; index--) {
				const other = PLACEMENT_ORDER[index]!;
				const list = this.inserted.get(other);
				if (list && this.placedInSection.has(other)) {
					list.splice(list.findIndex(item => item.name === other) + 1, 0, entry);
					this.inserted.set(entry.name, list);
					this.placedInSection.add(entry.name);
					return;
				}

				const lines = linesOf(other);
				if (lines.length > 0 && this.topLevelGapAfter(Math.max(...lines))) {
					this.insert('after', Math.max(...lines), entry);
					this.placedInSection.add(entry.name);
					return;
				}
			}

			for (const other of PLACEMENT_ORDER.slice(order + 1)) {
				const lines = linesOf(other);
				if (lines.length > 0 && this.topLevelGapAfter(Math.min(...lines) - 1)) {
					this.insert('before', Math.min(...lines), entry);
					this.placedInSection.add(entry.name);
					return;
				}
			}

			let last = section.end - 1;
			while (last > section.start && this.content(last).trim() === '') last--;
			const owner = this.lineOwner[last] ?? -1;
			if (owner !== -1) last = this.logicalLines[owner]!.lastLine;
			if (this.topLevelGapAfter(last)) {
				this.insert('after', last, entry);
				this.placedInSection.add(entry.name);
				return;
			}
		}

		this.append(entry);
	}

	/** Comment out every live assignment of `name` so the default applies. */
	remove(name: OwnedSetting): void {
		for (const assignment of this.assignmentsOf(name)) {
			const logical = this.logicalLines[assignment.logical]!;
			if (!assignment.ownLine || !(assignment.form === 'plain' || assignment.form === 'annotated')) {
				throw new ConfigError(
					`${name} is set on line ${logical.firstLine + 1} of settings.py together with other code, so the wizard cannot take it out safely.`,
					`Comment out ${name} on line ${logical.firstLine + 1} by hand, then run the wizard again.`,
					'settings-uneditable',
				);
			}

			const lines = this.lines.slice(logical.firstLine, logical.lastLine + 1).map(line => `# ${line}`);
			// A byte-order mark must stay the file's first character.
			if (lines[0]!.startsWith('# \ufeff')) lines[0] = `\ufeff# ${lines[0]!.slice(3)}`;
			if (assignment.nested) {
				// The block may hold nothing else: keep it valid with `pass`, the old line stays readable as its comment.
				const first = this.lines[logical.firstLine]!;
				lines[0] = `${logical.indent}pass  # ${first.slice(logical.indent.length)}`;
			}

			this.replace(logical.firstLine, logical.lastLine, lines);
		}
	}

	apply(): string {
		const {text} = this.analysis;
		const eol = this.crlf ? '\r' : '';
		if (text === '' && this.appended.length > 0) {
			const newline = this.crlf ? '\r\n' : '\n';
			return [MARKER_HEADER, ...this.appended.map(entry => entry.text)].join(newline) + newline;
		}

		const endsWithNewline = text.endsWith('\n');
		const lastLine = endsWithNewline ? this.lines.length - 2 : this.lines.length - 1;
		const out: Array<{text: string; generated: boolean; last?: boolean}> = [];
		const emitInserted = (list: readonly Insertion[] | undefined) => {
			for (const entry of list ?? []) out.push({text: entry.text + eol, generated: true});
		};

		const emitAppended = () => {
			if (this.appended.length === 0) return;
			if (lastLine >= 0 && this.content(lastLine).trim() !== '') out.push({text: eol, generated: true});
			out.push({text: MARKER_HEADER + eol, generated: true});
			emitInserted(this.appended);
		};

		for (let line = 0; line <= lastLine; line++) {
			emitInserted(this.before.get(line));
			const replacement = this.replacements.get(line);
			if (replacement) {
				for (const replaced of replacement.lines) out.push({text: replaced, generated: false, last: replacement.end === lastLine});
				line = replacement.end;
			} else {
				out.push({text: this.lines[line]!, generated: false, last: line === lastLine});
			}

			emitInserted(this.after.get(line));
		}

		emitAppended();
		if (!endsWithNewline) {
			// Keep "no newline at end of file" while giving every line that is no longer last its line ending.
			for (const [index, item] of out.entries()) {
				const isLast = index === out.length - 1;
				if (isLast && item.generated && eol) item.text = item.text.slice(0, -1);
				if (!isLast && item.last && this.crlf && !item.text.endsWith('\r')) item.text += '\r';
			}
		}

		return out.map(item => item.text).join('\n') + (endsWithNewline ? '\n' : '');
	}
}

/**
 * Set the chosen values with the smallest possible diff: rewrite the value of
 * the last live assignment; else uncomment the template's own line; else add a
 * line next to its neighbours in the outgoing-email section; else append a
 * marked block. Every other line stays byte-identical, line endings and the
 * final newline included.
 */
export function editSettings(text: string, desired: DesiredSettings): string {
	validateDesired(desired);
	const analysis = analyze(text);
	const {error} = analysis.tokenized;
	if (error) {
		throw new ConfigError(
			`settings.py is not valid Python at line ${error.line + 1} (${error.message}), so the wizard will not edit it.`,
			'Fix that line (python3 -m py_compile /etc/zulip/settings.py shows the problem), then run the wizard again.',
			'settings-syntax',
		);
	}

	if (/\r(?!\n)/.test(text)) {
		// Python treats a lone CR as a line break; the editor does not, so it would misplace lines.
		throw new ConfigError(
			'settings.py has old Mac line endings (a CR without LF), so the wizard will not edit it.',
			'Convert the file to LF line endings (e.g. with dos2unix -c mac), then run the wizard again.',
			'settings-line-endings',
		);
	}

	const {values} = snapshotOf(analysis);
	checkTlsAndSsl(desired, values);
	const edit = new SettingsEdit(analysis);
	let changed = false;
	for (const name of PLACEMENT_ORDER) {
		const wanted = desired[name];
		if (wanted === undefined || isSatisfied(name, wanted, values[name])) continue;
		changed = true;
		if (wanted === null) edit.remove(name);
		else edit.set(name, wanted);
	}

	return changed ? edit.apply() : text;
}
