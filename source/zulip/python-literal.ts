import {UsageError} from '../engine/errors.js';

/** A value read from settings.py: a Python literal, or the source of anything else. */
export type PyValue =
	| {kind: 'str'; value: string}
	| {kind: 'int'; value: number}
	| {kind: 'bool'; value: boolean}
	| {kind: 'none'}
	| {kind: 'expression'; source: string};

// ---------------------------------------------------------------------------
// Writing literals

/**
 * Why a value cannot be written into settings.py, or undefined if it can.
 * Control characters (C0, DEL, C1 incl. U+0085, and U+2028/2029) are refused
 * outright: escaping them would be correct Python, but such a value is never a
 * real host or address, and a raw one would break the line. Lone surrogates
 * cannot be encoded as UTF-8, so Python would read something else.
 */
export function unwritableCharacter(value: string): string | undefined {
	// eslint-disable-next-line no-control-regex
	const control = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/u.exec(value);
	if (control) {
		const code = control[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
		const name = control[0] === '\n' ? 'a line break' : control[0] === '\t' ? 'a tab' : 'a control character';
		return `it contains ${name} (U+${code})`;
	}

	if (/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(value)) {
		return 'it contains an unpaired surrogate, which is not valid text';
	}

	return undefined;
}

/**
 * Python source for a str literal; double quotes by default, or single if
 * preferred; escapes backslash and the quote. Throws UsageError for any
 * control character (incl. newline, tab, DEL, U+0085, U+2028/2029): never writable.
 */
export function formatPythonString(value: string, quote: '"' | "'" = '"'): string {
	const problem = unwritableCharacter(value);
	if (problem) {
		throw new UsageError(`This value cannot be written to settings.py: ${problem}.`, 'Type the value again without special characters.');
	}

	// Escaping every backslash and every quote is enough: nothing else is special inside a one-line literal.
	const body = value.replaceAll('\\', '\\\\').replaceAll(quote, `\\${quote}`);
	return `${quote}${body}${quote}`;
}

/** Python source for a setting's value: True/False, an int, or a str literal. */
export function formatPythonValue(value: string | number | boolean, quote: '"' | "'" = '"'): string {
	if (typeof value === 'boolean') return value ? 'True' : 'False';
	if (typeof value === 'number') {
		if (!Number.isSafeInteger(value)) {
			throw new UsageError(`${value} is not a whole number, so it cannot be written as a Python int.`, 'Use a whole number.');
		}

		return String(value);
	}

	return formatPythonString(value, quote);
}

// ---------------------------------------------------------------------------
// Tokenizing

export type TokenType = 'name' | 'number' | 'string' | 'op' | 'comment' | 'error';

export interface Token {
	readonly type: TokenType;
	readonly text: string;
	/** Offsets into the tokenized text. */
	readonly start: number;
	readonly end: number;
	/** 0-based physical line of the token's first character. */
	readonly line: number;
}

/** One Python logical line: a statement (or several joined by `;`), possibly spanning physical lines. */
export interface LogicalLine {
	/** Every token, trailing and embedded comments included. */
	readonly tokens: readonly Token[];
	/** 0-based physical lines the logical line covers. */
	readonly firstLine: number;
	readonly lastLine: number;
	/** The whitespace before the first token. */
	readonly indent: string;
}

export interface TokenizedSource {
	readonly logicalLines: readonly LogicalLine[];
	/** Per physical line: the index of the logical line covering it, or -1 for blank and comment-only lines. */
	readonly lineOwner: readonly number[];
	/** Offset at which each physical line starts (lines split on \n; a \r before it stays part of the line). */
	readonly lineStarts: readonly number[];
	/** The first thing that is not valid Python, if the tokenizer met one. */
	readonly error?: {readonly line: number; readonly message: string};
}

// Longest first, so `**=` is not read as `**` then `=`.
const OPERATORS = [
	'**=', '//=', '>>=', '<<=', '...',
	'->', ':=', '**', '//', '>>', '<<', '<=', '>=', '==', '!=', '+=', '-=', '*=', '/=', '%=', '&=', '|=', '^=', '@=',
	'+', '-', '*', '/', '%', '@', '&', '|', '^', '~', '<', '>', '(', ')', '[', ']', '{', '}', ',', ':', '.', ';', '=',
];

const NAME = /[\p{L}\p{Nl}_][\p{L}\p{Nl}\p{Mn}\p{Mc}\p{Nd}\p{Pc}]*/uy;
// The same set within ASCII. NAME's Unicode classes make each of its first runs cost ~0.4 ms, and names are nearly always ASCII.
const ASCII_NAME = /[A-Za-z_][A-Za-z0-9_]*/y;
const STRING_START = /[rRbBuUfF]{0,2}(?=['"])/y;
const NUMBER = /(?:\d[\w]*(?:\.[\w]*)?|\.\d[\w]*)(?:(?<=[eE])[+-][\w.]*)?/y;

/** The identifier starting at `pos`, if one does. */
function nameAt(text: string, pos: number): string | undefined {
	ASCII_NAME.lastIndex = pos;
	const ascii = ASCII_NAME.exec(text)?.[0];
	// An ASCII run that ends where a non-ASCII character follows may go on: only NAME can tell.
	if (ascii !== undefined && !(text.charCodeAt(pos + ascii.length) >= 0x80)) return ascii;
	if (ascii === undefined && !(text.charCodeAt(pos) >= 0x80)) return undefined;
	NAME.lastIndex = pos;
	return NAME.exec(text)?.[0];
}

/**
 * A small Python tokenizer: enough to find statements, strings, comments,
 * bracket and backslash continuations, the way CPython's tokenizer splits
 * them. It never evaluates anything.
 */
export function tokenizePython(text: string): TokenizedSource {
	const lineStarts = [0];
	for (let index = text.indexOf('\n'); index !== -1; index = text.indexOf('\n', index + 1)) lineStarts.push(index + 1);
	const lineOwner = Array.from({length: lineStarts.length}, () => -1);
	const logicalLines: LogicalLine[] = [];
	let error: TokenizedSource['error'];
	const fail = (line: number, message: string) => {
		error ??= {line, message};
	};

	let pos = text.charCodeAt(0) === 0xfe_ff ? 1 : 0;
	let line = 0;
	let depth = 0;
	let current: Token[] | undefined;
	let indent = '';
	let firstLine = 0;
	const finish = (lastLine: number) => {
		if (current && current.length > 0) {
			for (let index = firstLine; index <= lastLine; index++) lineOwner[index] = logicalLines.length;
			logicalLines.push({tokens: current, firstLine, lastLine, indent});
		}

		current = undefined;
	};

	const isNewlineAt = (at: number) => text[at] === '\n' || (text[at] === '\r' && text[at + 1] === '\n');
	while (pos < text.length) {
		if (current === undefined) {
			// Start of a physical line outside any statement.
			let after = pos;
			while (after < text.length && (text[after] === ' ' || text[after] === '\t' || text[after] === '\f')) after++;
			if (after >= text.length) break;
			if (text[after] === '#' || isNewlineAt(after)) {
				// Blank or comment-only: no statement here.
				const newline = text.indexOf('\n', after);
				if (newline === -1) break;
				pos = newline + 1;
				line++;
				continue;
			}

			current = [];
			indent = text.slice(pos, after);
			firstLine = line;
			pos = after;
		}

		const tokens: Token[] = current;
		const ch = text[pos]!;
		if (ch === ' ' || ch === '\t' || ch === '\f' || ch === '\r') {
			pos++;
			continue;
		}

		if (ch === '\n') {
			pos++;
			line++;
			// Inside brackets a newline only continues the statement.
			if (depth === 0) finish(line - 1);
			continue;
		}

		if (ch === '\\') {
			const next = text[pos + 1] === '\r' ? pos + 2 : pos + 1;
			if (text[next] === '\n') {
				pos = next + 1;
				line++;
				continue;
			}

			fail(line, 'a stray backslash');
			tokens.push({type: 'error', text: ch, start: pos, end: pos + 1, line});
			pos++;
			continue;
		}

		if (ch === '#') {
			let end = text.indexOf('\n', pos);
			if (end === -1) end = text.length;
			if (text[end - 1] === '\r') end--;
			tokens.push({type: 'comment', text: text.slice(pos, end), start: pos, end, line});
			pos = end;
			continue;
		}

		STRING_START.lastIndex = pos;
		const prefix = STRING_START.exec(text);
		if (prefix && (prefix[0] === '' || /^(?:[rRuUfFbB]|[rR][bBfF]|[bBfF][rR])$/.test(prefix[0]))) {
			const start = pos;
			const startLine = line;
			const quote = text[pos + prefix[0].length]!;
			const triple = text.startsWith(quote.repeat(3), pos + prefix[0].length);
			let at = pos + prefix[0].length + (triple ? 3 : 1);
			let closed = false;
			while (at < text.length) {
				const c = text[at]!;
				if (c === '\\') {
					// An escaped character never ends the string, in raw strings too.
					if (text[at + 1] === '\n' || (text[at + 1] === '\r' && text[at + 2] === '\n')) line++;
					at += text[at + 1] === '\r' && text[at + 2] === '\n' ? 3 : 2;
					continue;
				}

				if (triple ? text.startsWith(quote.repeat(3), at) : c === quote) {
					at += triple ? 3 : 1;
					closed = true;
					break;
				}

				if (c === '\n') {
					if (!triple) break;
					line++;
				}

				at++;
			}

			if (!closed) {
				fail(startLine, 'a string that is never closed');
				tokens.push({type: 'error', text: text.slice(start, at), start, end: at, line: startLine});
				pos = at;
				continue;
			}

			tokens.push({type: 'string', text: text.slice(start, at), start, end: at, line: startLine});
			pos = at;
			continue;
		}

		const name = nameAt(text, pos);
		if (name) {
			tokens.push({type: 'name', text: name, start: pos, end: pos + name.length, line});
			pos += name.length;
			continue;
		}

		if (/\d/.test(ch) || (ch === '.' && /\d/.test(text[pos + 1] ?? ''))) {
			NUMBER.lastIndex = pos;
			const number = NUMBER.exec(text)!;
			tokens.push({type: 'number', text: number[0], start: pos, end: pos + number[0].length, line});
			pos += number[0].length;
			continue;
		}

		const op = OPERATORS.find(candidate => text.startsWith(candidate, pos));
		if (op) {
			if (op === '(' || op === '[' || op === '{') depth++;
			else if (op === ')' || op === ']' || op === '}') {
				if (depth === 0) fail(line, `an unmatched "${op}"`);
				else depth--;
			}

			tokens.push({type: 'op', text: op, start: pos, end: pos + op.length, line});
			pos += op.length;
			continue;
		}

		fail(line, `an unexpected character "${ch}"`);
		tokens.push({type: 'error', text: ch, start: pos, end: pos + 1, line});
		pos++;
	}

	if (depth > 0) fail(line, 'a bracket that is never closed');
	finish(Math.min(line, lineStarts.length - 1));
	return {logicalLines, lineOwner, lineStarts, error};
}

// ---------------------------------------------------------------------------
// Reading literals

const SIMPLE_ESCAPES: Record<string, string> = {
	'\\': '\\', '\'': '\'', '"': '"', a: '\u0007', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v',
};

/** The value of one str literal token, or undefined for bytes, f-strings and escapes we cannot resolve (\N{...}). */
export function decodeStringToken(source: string): string | undefined {
	const prefix = /^[a-zA-Z]*/.exec(source)![0].toLowerCase();
	if (prefix.includes('b') || prefix.includes('f')) return undefined;
	const rest = source.slice(prefix.length);
	const quote = rest[0];
	if (quote !== '"' && quote !== '\'') return undefined;
	const triple = rest.length >= 6 && rest.startsWith(quote.repeat(3));
	// Python reads source files with universal newlines: CRLF inside a triple-quoted string is one \n.
	const body = rest.slice(triple ? 3 : 1, triple ? -3 : -1).replace(/\r\n?/g, '\n');
	if (prefix.includes('r')) return body;
	let out = '';
	for (let at = 0; at < body.length; at++) {
		const c = body[at]!;
		if (c !== '\\') {
			out += c;
			continue;
		}

		const next = body[at + 1];
		if (next === undefined) return undefined;
		if (next === '\n') {
			at++;
			continue;
		}

		if (next in SIMPLE_ESCAPES) {
			out += SIMPLE_ESCAPES[next];
			at++;
			continue;
		}

		const octal = /^[0-7]{1,3}/.exec(body.slice(at + 1, at + 4));
		if (octal) {
			out += String.fromCodePoint(Number.parseInt(octal[0], 8));
			at += octal[0].length;
			continue;
		}

		const hexLength = next === 'x' ? 2 : next === 'u' ? 4 : next === 'U' ? 8 : 0;
		if (hexLength > 0) {
			const hex = body.slice(at + 2, at + 2 + hexLength);
			if (!new RegExp(`^[0-9a-fA-F]{${hexLength}}$`).test(hex)) return undefined;
			const code = Number.parseInt(hex, 16);
			if (code > 0x10_ff_ff) return undefined;
			// \ud800 is a lone surrogate in Python too; fromCharCode keeps it as one.
			out += code <= 0xff_ff ? String.fromCharCode(code) : String.fromCodePoint(code);
			at += 1 + hexLength;
			continue;
		}

		if (next === 'N') return undefined;
		// Unknown escapes keep their backslash (Python warns, but the value is this).
		out += c;
	}

	return out;
}

function parseIntToken(source: string): number | undefined {
	const valid = /^(?:[1-9](?:_?\d)*|0(?:_?0)*|0[xX](?:_?[0-9a-fA-F])+|0[oO](?:_?[0-7])+|0[bB](?:_?[01])+)$/;
	if (!valid.test(source)) return undefined;
	const digits = source.replaceAll('_', '');
	const value = /^0[oO]/.test(digits) ? BigInt(`0o${digits.slice(2)}`) : BigInt(digits);
	const number = Number(value);
	return Number.isSafeInteger(number) ? number : undefined;
}

/** Index of the bracket closing the one at `open`, or -1. */
function closingBracket(tokens: readonly Token[], open: number): number {
	let depth = 0;
	for (let index = open; index < tokens.length; index++) {
		const text = tokens[index]!.type === 'op' ? tokens[index]!.text : '';
		if (text === '(' || text === '[' || text === '{') depth++;
		else if (text === ')' || text === ']' || text === '}') {
			depth--;
			if (depth === 0) return index;
		}
	}

	return -1;
}

/** The literal an expression's tokens spell (comments already removed), or undefined if it is not one. */
export function literalFromTokens(input: readonly Token[]): PyValue | undefined {
	let tokens = input;
	while (tokens.length >= 2 && tokens[0]!.text === '(' && tokens[0]!.type === 'op' && closingBracket(tokens, 0) === tokens.length - 1) {
		tokens = tokens.slice(1, -1);
	}

	if (tokens.length === 0) return undefined;
	if (tokens.every(token => token.type === 'string')) {
		let value = '';
		for (const token of tokens) {
			const part = decodeStringToken(token.text);
			if (part === undefined) return undefined;
			value += part;
		}

		return {kind: 'str', value};
	}

	if (tokens.length === 1 && tokens[0]!.type === 'name') {
		const word = tokens[0]!.text;
		if (word === 'True' || word === 'False') return {kind: 'bool', value: word === 'True'};
		if (word === 'None') return {kind: 'none'};
		return undefined;
	}

	let sign = 1;
	let index = 0;
	while (index < tokens.length - 1 && tokens[index]!.type === 'op' && (tokens[index]!.text === '-' || tokens[index]!.text === '+')) {
		if (tokens[index]!.text === '-') sign = -sign;
		index++;
	}

	if (index === tokens.length - 1 && tokens[index]!.type === 'number') {
		const value = parseIntToken(tokens[index]!.text);
		// -0 is 0 in Python.
		return value === undefined ? undefined : {kind: 'int', value: sign * value || 0};
	}

	return undefined;
}

/**
 * Parse one Python literal expression: str (u/r prefixes, implicit
 * concatenation of adjacent strings, parentheses and line breaks inside
 * them), int (any base, underscores, sign), True/False/None. Anything else,
 * including bytes, f-strings, floats and tuples, is undefined: an expression.
 */
export function parsePythonLiteral(source: string): PyValue | undefined {
	const tokenized = tokenizePython(source.trim());
	if (tokenized.error || tokenized.logicalLines.length !== 1) return undefined;
	return literalFromTokens(tokenized.logicalLines[0]!.tokens.filter(token => token.type !== 'comment'));
}
