/**
 * Edits of an admin's YAML file (compose.override.yaml, docker-compose.yml,
 * Helm values) that change only the lines they own. The `yaml` package's
 * Document API finds the nodes and their source ranges; each edit splices
 * the text at those ranges, so comments, order, quoting and blank lines
 * everywhere else stay byte for byte. The file is never re-serialised.
 */
import {isAlias, isMap, isScalar, isSeq, parseDocument, type Document, type Node, type Pair, type YAMLMap} from 'yaml';
import {BugError, ConfigError} from '../engine/errors.js';

/** A block mapping, or the empty spot (`key:` / `key: {}`) where one is to be. */
type Container =
	| {readonly kind: 'map'; readonly map: YAMLMap<unknown, unknown>; readonly column: number}
	| {readonly kind: 'empty'; readonly from: number; readonly to: number; readonly column: number}
	| {readonly kind: 'missing'};

/** YAML double-quoted scalar: escapes only what the format needs. */
export function yamlQuoted(value: string): string {
	// eslint-disable-next-line no-control-regex
	if (/[\u0000-\u001f\u007f]/.test(value)) throw new ConfigError(`A value for a YAML file cannot hold control characters (${JSON.stringify(value)}).`);
	return `"${value.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
}

export class YamlEditor {
	#text: string;
	#doc!: Document.Parsed;
	readonly #file: string;
	readonly #unit: number;

	constructor(text: string, file: string) {
		this.#text = text;
		this.#file = file;
		this.#parse();
		this.#unit = this.#indentUnit();
	}

	get text(): string {
		return this.#text;
	}

	/** The parsed document, for reading; replaced after every edit. */
	get document(): Document.Parsed {
		return this.#doc;
	}

	#parse(): void {
		const doc = parseDocument(this.#text, {keepSourceTokens: false, uniqueKeys: true, prettyErrors: false});
		const [error] = doc.errors;
		if (error) {
			throw new ConfigError(`${this.#file} is not valid YAML: ${error.message.split('\n')[0]}.`, `Fix ${this.#file} by hand, then run again; nothing was written.`, 'yaml-invalid');
		}

		this.#doc = doc;
	}

	#splice(from: number, to: number, insert: string): void {
		this.#text = this.#text.slice(0, from) + insert + this.#text.slice(to);
		this.#parse();
	}

	#lineStart(offset: number): number {
		return this.#text.lastIndexOf('\n', offset - 1) + 1;
	}

	/** Offset just past the line holding `offset` (past its newline). */
	#lineEnd(offset: number): number {
		const newline = this.#text.indexOf('\n', offset);
		return newline === -1 ? this.#text.length : newline + 1;
	}

	#column(offset: number): number {
		return offset - this.#lineStart(offset);
	}

	/** The file's own indentation step (2 unless its nested maps say otherwise). */
	#indentUnit(): number {
		const root = this.#doc.contents;
		if (!isMap(root)) return 2;
		for (const pair of root.items) {
			if (isMap(pair.value) && !pair.value.flow && pair.value.items[0] && isScalar(pair.value.items[0].key) && pair.value.items[0].key.range) {
				const step = this.#column(pair.value.items[0].key.range[0]) - this.#column((pair.key as Node).range![0]);
				if (step > 0) return step;
			}
		}

		return 2;
	}

	/** End of a node's content (not its trailing comments), newline excluded. */
	#contentEnd(node: Node): number {
		let end = node.range![1];
		while (end > node.range![0] && /\s/.test(this.#text[end - 1]!)) end--;
		return end;
	}

	#colonAfter(pair: Pair<unknown, unknown>): number {
		const key = pair.key as Node;
		const colon = this.#text.indexOf(':', key.range![1]);
		if (colon === -1) throw new ConfigError(`Cannot edit ${this.#file}: unexpected layout near ${String((key as {value?: unknown}).value)}.`);
		return colon;
	}

	#describe(path: readonly string[]): string {
		return path.join('.');
	}

	#resolve(path: readonly string[]): Container {
		const root = this.#doc.contents;
		if (path.length === 0) {
			if (root === null || (isScalar(root) && root.value === null)) return {kind: 'empty', from: this.#text.length, to: this.#text.length, column: -this.#unit};
			if (isMap(root) && !root.flow) return {kind: 'map', map: root, column: root.items[0] ? this.#column((root.items[0].key as Node).range![0]) : 0};
			throw new ConfigError(`${this.#file} does not hold a YAML mapping at its top level.`, `Check that ${this.#file} is the right file.`);
		}

		const parent = this.#resolve(path.slice(0, -1));
		if (parent.kind !== 'map') return {kind: 'missing'};
		const pair = parent.map.items.find(item => isScalar(item.key) && item.key.value === path.at(-1));
		if (!pair) return {kind: 'missing'};
		const value = pair.value as Node | null;
		const keyColumn = this.#column((pair.key as Node).range![0]);
		if (isAlias(value) || (value && (value as {anchor?: string}).anchor)) {
			throw new ConfigError(`${this.#describe(path)} in ${this.#file} uses a YAML anchor or alias, which this tool does not edit.`, `Set the values shown by --dry-run in ${this.#file} by hand.`, 'yaml-unsupported');
		}

		const colon = this.#colonAfter(pair);
		const empty = value === null || (isScalar(value) && value.value === null) || ((isMap(value) || isSeq(value)) && value.flow && value.items.length === 0);
		if (empty) return {kind: 'empty', from: colon + 1, to: value?.range ? this.#contentEnd(value) : colon + 1, column: keyColumn};
		if (isMap(value) && !value.flow) return {kind: 'map', map: value, column: this.#column((value.items[0]!.key as Node).range![0])};
		const form = isSeq(value) ? 'a list (- KEY=value)' : isMap(value) ? 'a one-line {…} mapping' : 'a single value';
		throw new ConfigError(`${this.#describe(path)} in ${this.#file} is ${form}; this tool only edits it as an indented KEY: value mapping.`, `Rewrite ${this.#describe(path)} as "KEY: value" lines, or set the values shown by --dry-run by hand.`, 'yaml-unsupported');
	}

	/** The node at `path` (a chain of mapping keys), or undefined. */
	get(path: readonly string[]): unknown {
		return this.#doc.getIn(path, true);
	}

	/** Make every mapping along `path` exist, adding `key:` lines where missing. */
	ensure(path: readonly string[]): void {
		for (let depth = 1; depth <= path.length; depth++) {
			const here = path.slice(0, depth);
			if (this.#resolve(here).kind !== 'missing') continue;
			const parent = this.#resolve(here.slice(0, -1));
			this.#insertPair(parent, here.at(-1)!, null, []);
		}
	}

	/**
	 * Set `key` in the mapping at `path` to a scalar (YAML source) or, given
	 * lines, to a block below the key. An existing pair keeps its place and
	 * its trailing comment; otherwise a commented-out `# key: …` line of the
	 * mapping is filled in; otherwise a line is added after the last of
	 * `neighbours` present (or the mapping's last pair).
	 */
	set(path: readonly string[], key: string, value: string | readonly string[], neighbours: readonly string[] = []): void {
		this.ensure(path);
		const container = this.#resolve(path);
		if (container.kind === 'map') {
			const pair = container.map.items.find(item => isScalar(item.key) && item.key.value === key);
			if (pair) {
				const colon = this.#colonAfter(pair);
				const old = pair.value as Node | null;
				const end = old?.range ? Math.max(this.#contentEnd(old), colon + 1) : colon + 1;
				this.#splice(colon + 1, end, this.#valueText(value, this.#column((pair.key as Node).range![0])));
				return;
			}

			const commented = this.#commentedLine(container, key);
			if (commented && typeof value === 'string') {
				this.#splice(commented.from, commented.to, `${' '.repeat(container.column)}${key}:${this.#valueText(value, container.column)}`);
				return;
			}
		}

		this.#insertPair(container, key, value, neighbours);
	}

	/** The block list (`- KEY=value` items) at `path`, or undefined when it is something else. */
	#list(path: readonly string[]): {items: Node[]; column: number} | undefined {
		const node = this.#doc.getIn(path, true);
		if (!isSeq(node) || node.flow || node.items.length === 0) return undefined;
		const items = node.items as Node[];
		if (items.some(item => !isScalar(item) || !item.range)) return undefined;
		const first = items[0]!.range![0];
		const dash = this.#text.lastIndexOf('-', first);
		return {items, column: this.#column(dash)};
	}

	/** Whether `path` holds a Compose-style `- KEY=value` list rather than a mapping. */
	isList(path: readonly string[]): boolean {
		return this.#list(path) !== undefined;
	}

	#item(path: readonly string[], key: string): Node | undefined {
		return this.#list(path)?.items.find(item => {
			const text = String((item as {value?: unknown}).value);
			return text === key || text.startsWith(`${key}=`);
		});
	}

	/** The raw text after `KEY=` of a list item, or undefined. */
	itemValue(path: readonly string[], key: string): string | undefined {
		const text = this.#item(path, key) && String((this.#item(path, key) as {value?: unknown}).value);
		return text === undefined || !text.includes('=') ? undefined : text.slice(key.length + 1);
	}

	/** Set `- KEY=value` in a list (the item given as YAML source): in place, else a commented `# - KEY=` line, else after `neighbours`. */
	setItem(path: readonly string[], key: string, item: string, neighbours: readonly string[] = []): void {
		const list = this.#list(path)!;
		const existing = this.#item(path, key);
		if (existing) {
			this.#splice(existing.range![0], this.#contentEnd(existing), item);
			return;
		}

		const pattern = new RegExp(`^ {${list.column}}#+\\s*-\\s*["']?${key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}=.*$`);
		let offset = this.#lineStart(list.items[0]!.range![0]);
		while (offset < this.#text.length) {
			const end = this.#lineEnd(offset);
			const line = this.#text.slice(offset, end).replace(/\r?\n$/, '');
			if (line.trim() !== '' && /^ */.exec(line)![0].length < list.column) break;
			if (pattern.test(line)) {
				this.#splice(offset, offset + line.length, `${' '.repeat(list.column)}- ${item}`);
				return;
			}

			offset = end;
		}

		const anchor = [...list.items].reverse().find(node => neighbours.some(name => String((node as {value?: unknown}).value).startsWith(`${name}=`))) ?? list.items.at(-1)!;
		const at = this.#lineEnd(this.#contentEnd(anchor) - 1);
		const prefix = at === this.#text.length && !this.#text.endsWith('\n') ? '\n' : '';
		this.#splice(at, at, `${prefix}${' '.repeat(list.column)}- ${item}\n`);
	}

	/** Remove the `KEY=` item of a list; an emptied list becomes `[]`. */
	removeItem(path: readonly string[], key: string): boolean {
		const existing = this.#item(path, key);
		if (!existing) return false;
		const list = this.#list(path)!;
		if (list.items.length === 1) {
			const parent = this.#resolve(path.slice(0, -1));
			const pair = parent.kind === 'map' ? parent.map.items.find(entry => isScalar(entry.key) && entry.key.value === path.at(-1)) : undefined;
			if (pair) {
				const colon = this.#colonAfter(pair);
				this.#splice(colon + 1, this.#contentEnd(existing), ' []');
				return true;
			}
		}

		const from = this.#lineStart(this.#text.lastIndexOf('-', existing.range![0]));
		this.#splice(from, this.#lineEnd(this.#contentEnd(existing) - 1), '');
		return true;
	}

	/** Remove `key` from the mapping at `path` (its whole lines); an emptied mapping becomes `{}`. */
	remove(path: readonly string[], key: string): boolean {
		const container = this.#resolve(path);
		if (container.kind !== 'map') return false;
		const pair = container.map.items.find(item => isScalar(item.key) && item.key.value === key);
		if (!pair) return false;
		const from = this.#lineStart((pair.key as Node).range![0]);
		const value = pair.value as Node | null;
		const last = value?.range ? this.#contentEnd(value) : this.#colonAfter(pair) + 1;
		this.#splice(from, this.#lineEnd(Math.max(last - 1, from)), '');
		const after = this.#resolve(path);
		if (after.kind === 'empty' && path.length > 0) this.#splice(after.from, after.to, ' {}');
		return true;
	}

	#valueText(value: string | readonly string[], keyColumn: number): string {
		if (typeof value === 'string') return ` ${value}`;
		const indent = ' '.repeat(keyColumn + this.#unit);
		return value.map(line => `\n${indent}${line}`).join('');
	}

	/** A `# key: …` line at the mapping's own indentation, within the mapping or its trailing comments. */
	#commentedLine(container: Extract<Container, {kind: 'map'}>, key: string): {from: number; to: number} | undefined {
		const pattern = new RegExp(`^ {${container.column}}#+\\s*${key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*:.*$`);
		let offset = this.#lineStart(container.map.range![0]);
		while (offset < this.#text.length) {
			const end = this.#lineEnd(offset);
			const line = this.#text.slice(offset, end).replace(/\r?\n$/, '');
			const indent = /^ */.exec(line)![0].length;
			const blank = line.trim() === '';
			if (!blank && indent < container.column) break;
			if (pattern.test(line)) return {from: offset, to: offset + line.length};
			offset = end;
		}

		return undefined;
	}

	#insertPair(container: Container, key: string, value: string | readonly string[] | null, neighbours: readonly string[]): void {
		if (container.kind === 'missing') throw new BugError(`no container for ${key}`);
		if (container.kind === 'empty') {
			const column = container.column + this.#unit;
			const line = `${' '.repeat(column)}${key}:${value === null ? '' : this.#valueText(value, column)}`;
			if (container.column < 0) {
				// An empty document: the first top-level key.
				const separator = this.#text === '' || this.#text.endsWith('\n') ? '' : '\n';
				this.#splice(this.#text.length, this.#text.length, `${separator}${line}\n`);
			} else {
				this.#splice(container.from, container.to, `\n${line}`);
			}

			return;
		}

		const {map, column} = container;
		const items = map.items;
		const anchor = [...items].reverse().find(item => isScalar(item.key) && neighbours.includes(String(item.key.value))) ?? items.at(-1)!;
		const anchorValue = anchor.value as Node | null;
		const anchorEnd = anchorValue?.range ? this.#contentEnd(anchorValue) : this.#colonAfter(anchor) + 1;
		const at = this.#lineEnd(anchorEnd - 1);
		let prefix = '';
		if (at === this.#text.length && !this.#text.endsWith('\n')) prefix = '\n';
		const line = `${' '.repeat(column)}${key}:${value === null ? '' : this.#valueText(value, column)}`;
		this.#splice(at, at, `${prefix}${line}\n`);
	}
}
