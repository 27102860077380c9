/**
 * Docker Compose's `.env` file and `$` interpolation, as compose-go (the
 * Compose v2 implementation) reads them: dotenv/parser.go and
 * template/template.go. The password for docker-zulip's
 * `zulip__email_password` secret goes into `.env`, so it must come back out
 * of Compose's parser exactly as typed: `#`, spaces, quotes, `$` included.
 */
import {ConfigError} from '../engine/errors.js';

/** One `KEY=value` statement, with where it sits in the text. */
export interface EnvEntry {
	readonly key: string;
	readonly value: string;
	/** Offset of the statement's first character (after leading blanks). */
	readonly start: number;
	/** Offset just past the statement's last line (its newline included, when there is one). */
	readonly end: number;
}

const isSpace = (character: string) => ['\t', '\v', '\f', '\r', ' ', '\u0085', '\u00a0'].includes(character);
const isUnicodeSpace = (character: string) => /\s/u.test(character);

/** compose-go's escape sequences inside double quotes. */
const ESCAPE = /\\(?:[abcfnrtv$"\\]|0\d{0,3})/g;

function expandEscapes(value: string): string {
	return value.replace(ESCAPE, match => {
		// `\$` becomes `$$`, which interpolation turns into a literal `$`.
		if (match === '\\$') return '$$';
		const simple: Record<string, string> = {'\\a': '\x07', '\\b': '\b', '\\f': '\f', '\\n': '\n', '\\r': '\r', '\\t': '\t', '\\v': '\v', '\\"': '"', '\\\\': '\\'};
		if (match in simple) return simple[match]!;
		// \c is not a Go escape: left as written.
		if (match === '\\c') return match;
		// \0, \0NNN: Go's octal \NNN needs exactly three digits.
		const digits = match.slice(2);
		if (digits.length === 3 && /^[0-7]{3}$/.test(digits) && Number.parseInt(digits, 8) <= 255) return String.fromCharCode(Number.parseInt(digits, 8));
		return match;
	});
}

/** Variables looked up during interpolation: later entries of the same file, then the process environment. */
export type Lookup = (name: string) => string | undefined;

/**
 * compose-go's template.Substitute: `$$` is a `$`, `$NAME` and `${NAME}`
 * take the variable (empty when unset), with `:-`, `-`, `:+`, `+`, `:?`,
 * `?` modifiers. A `$` before anything else stays as it is.
 */
export function interpolate(value: string, lookup: Lookup, where = 'a value'): string {
	return value.replace(/\$(?:(\$)|([_a-z][_a-z0-9]*)|\{([^}]*)\}|(\{))/gi, (match, escaped: string | undefined, named: string | undefined, braced: string | undefined, invalid: string | undefined) => {
		if (escaped) return '$';
		if (named) return lookup(named) ?? '';
		if (invalid !== undefined || braced === undefined) throw new ConfigError(`Invalid interpolation ${match} in ${where}.`, 'Write a literal $ as $$.');
		const modifier = /^([_a-z][_a-z0-9]*)(?:(:?[-+?])(.*))?$/is.exec(braced);
		if (!modifier) throw new ConfigError(`Invalid interpolation ${match} in ${where}.`, 'Write a literal $ as $$.');
		const [, name, operator, argument = ''] = modifier;
		const value = lookup(name!);
		const empty = value === undefined || value === '';
		switch (operator) {
			case undefined: return value ?? '';
			case ':-': return empty ? interpolate(argument, lookup, where) : value!;
			case '-': return value === undefined ? interpolate(argument, lookup, where) : value;
			case ':+': return empty ? '' : interpolate(argument, lookup, where);
			case '+': return value === undefined ? '' : interpolate(argument, lookup, where);
			case ':?':
			case '?':
				if (operator === ':?' ? empty : value === undefined) throw new ConfigError(`Required variable ${name} is missing a value${argument ? `: ${argument}` : ''}.`);
				return value!;
			default: return match;
		}
	});
}

/** Parse a `.env` file as compose-go does; later keys win; `${VAR}` sees earlier keys, then `outside`. */
export function parseEnvFile(text: string, outside: Lookup = () => undefined, file = '.env'): EnvEntry[] {
	const entries: EnvEntry[] = [];
	const seen = new Map<string, string>();
	const lookup: Lookup = name => outside(name) ?? seen.get(name);
	let position = 0;
	const fail = (message: string) => {
		throw new ConfigError(`${file} cannot be read the way Docker Compose reads it: ${message}.`, `Fix ${file} by hand (docker compose config shows Compose's own error).`, 'docker-env-invalid');
	};

	for (;;) {
		// Skip blanks and comment lines.
		while (position < text.length) {
			if (isUnicodeSpace(text[position]!)) {
				position++;
			} else if (text[position] === '#') {
				const newline = text.indexOf('\n', position);
				if (newline === -1) position = text.length;
				else position = newline;
			} else {
				break;
			}
		}

		if (position >= text.length) break;
		const start = position;
		let rest = text.slice(position);
		if (/^export\s+/.test(rest)) rest = rest.slice('export'.length).replace(/^[\t\v\f\r \u0085\u00a0]+/, '');
		let offset = text.length - rest.length;
		// The key runs to `=`, `:` (YAML style) or a line break (inherited from the environment).
		let keyEnd = -1;
		let separator = '';
		for (let index = 0; index < rest.length; index++) {
			const character = rest[index]!;
			if (isSpace(character)) continue;
			if (character === '=' || character === ':' || character === '\n') {
				keyEnd = index;
				separator = character;
				break;
			}

			if (!/[\p{L}\p{N}_.\-[\]]/u.test(character)) fail(`unexpected character "${character}" in a variable name`);
		}

		if (keyEnd === -1) {
			keyEnd = rest.length;
			separator = '\n';
		}

		const key = rest.slice(0, keyEnd).replace(/\s+$/u, '');
		if (key.includes(' ')) fail('a key cannot contain a space');
		offset += Math.min(keyEnd + 1, rest.length);
		if (separator === '\n') {
			const value = outside(key);
			if (value !== undefined) seen.set(key, value);
			position = offset;
			continue;
		}

		while (offset < text.length && isSpace(text[offset]!)) offset++;
		const quote = text[offset];
		let value: string;
		if (quote === '"' || quote === "'") {
			let escaped = false;
			let chars = '';
			let index = offset + 1;
			for (; index < text.length; index++) {
				const character = text[index]!;
				if (character !== quote) {
					if (!escaped && character === '\\') {
						escaped = true;
						continue;
					}

					if (escaped) {
						escaped = false;
						chars += '\\';
					}

					chars += character;
					continue;
				}

				if (escaped) {
					escaped = false;
					chars += character;
					continue;
				}

				break;
			}

			if (index >= text.length) fail(`unterminated quoted value for ${key}`);
			value = quote === '"' ? interpolate(expandEscapes(chars), lookup, `${file} (${key})`) : chars;
			position = index + 1;
		} else {
			const newline = text.indexOf('\n', offset);
			const line = text.slice(offset, newline === -1 ? text.length : newline);
			const uncommented = line.split(' #')[0]!.replace(/\s+$/u, '');
			value = interpolate(uncommented, lookup, `${file} (${key})`);
			position = newline === -1 ? text.length : newline + 1;
		}

		// The statement owns the rest of its last line (a comment after a quoted value).
		const lineEnd = text.indexOf('\n', Math.max(position - 1, 0));
		const end = text[position - 1] === '\n' ? position : lineEnd === -1 ? text.length : lineEnd + 1;
		seen.set(key, value);
		entries.push({key, value, start, end});
		position = Math.max(position, end);
	}

	return entries;
}

/** The variables of a parsed `.env`, the last assignment of each key winning. */
export function envValues(entries: readonly EnvEntry[]): Map<string, string> {
	return new Map(entries.map(entry => [entry.key, entry.value]));
}

/**
 * `.env` source for a value that compose-go reads back exactly. Single
 * quotes take everything literally (no escapes, no `$`), and older Compose
 * releases read them the same way; a value with a single quote, or ending in
 * a backslash, goes between double quotes with `\`, `"` and `$` escaped.
 */
export function formatEnvValue(value: string): string {
	if (/[\n\r]/.test(value)) throw new ConfigError('A value in .env cannot hold a line break.');
	if (!value.includes("'") && !value.endsWith('\\')) return `'${value}'`;
	return `"${value.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('$', () => '\\$')}"`;
}

/**
 * Set (or with null, empty) `key` in `.env` text: the last assignment is
 * rewritten in place, earlier ones removed (Compose takes the last), every
 * other byte kept.
 */
export function setEnvValue(text: string, key: string, value: string): string {
	const entries = parseEnvFile(text).filter(entry => entry.key === key);
	const line = `${key}=${formatEnvValue(value)}`;
	if (entries.length === 0) {
		const separator = text === '' || text.endsWith('\n') ? '' : '\n';
		return `${text}${separator}${line}\n`;
	}

	let result = text;
	// From the end, so earlier offsets stay valid.
	for (const [index, entry] of [...entries.entries()].reverse()) {
		const last = index === entries.length - 1;
		const newline = result.slice(entry.start, entry.end).endsWith('\n') ? '\n' : '';
		result = result.slice(0, entry.start) + (last ? line + newline : '') + result.slice(entry.end);
	}

	return result;
}
