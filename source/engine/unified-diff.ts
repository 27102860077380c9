import {visibleControls} from './shown-text.js';

/**
 * A small unified diff (like `diff -u`) for the review screen and --dry-run.
 * Our edits touch a handful of lines, so the common prefix and suffix are
 * trimmed first and the remaining middle is aligned with an LCS table.
 * The lines come from files another user may write: shown through
 * visibleControls, so an escape sequence in them cannot act on a terminal.
 */
export function unifiedDiff(before: string, after: string, path: string, context = 3): string {
	if (before === after) return '';
	const a = splitLines(before);
	const b = splitLines(after);
	const operations = diffLines(a, b);
	const hunks: string[] = [];
	let index = 0;
	while (index < operations.length) {
		if (operations[index]!.kind === ' ') {
			index++;
			continue;
		}

		let start = index;
		let leading = 0;
		while (start > 0 && leading < context && operations[start - 1]!.kind === ' ') {
			start--;
			leading++;
		}

		let end = index;
		let quiet = 0;
		while (end < operations.length) {
			if (operations[end]!.kind === ' ') {
				// A gap longer than twice the context ends the hunk.
				if (quiet === context * 2) break;
				quiet++;
			} else {
				quiet = 0;
			}

			end++;
		}

		end -= Math.max(0, quiet - context);
		const slice = operations.slice(start, end);
		const first = slice[0]!;
		const oldCount = slice.filter(operation => operation.kind !== '+').length;
		const newCount = slice.filter(operation => operation.kind !== '-').length;
		const oldStart = oldCount === 0 ? first.oldLine - 1 : first.oldLine;
		const newStart = newCount === 0 ? first.newLine - 1 : first.newLine;
		hunks.push(`@@ -${oldStart},${oldCount} +${newStart},${newCount} @@`);
		for (const operation of slice) hunks.push(operation.kind + visibleControls(operation.text));
		index = end;
	}

	return [`--- ${visibleControls(path)}`, `+++ ${visibleControls(path)}`, ...hunks].join('\n') + '\n';
}

interface Operation {
	readonly kind: ' ' | '-' | '+';
	readonly text: string;
	/** 1-based line in the old file where this operation sits. */
	readonly oldLine: number;
	readonly newLine: number;
}

function splitLines(text: string): string[] {
	if (text === '') return [];
	const lines = text.split('\n');
	if (lines.at(-1) === '') lines.pop();
	else lines[lines.length - 1] += '\n\\ No newline at end of file';
	return lines.map(line => line.replace(/\r$/, ''));
}

function diffLines(a: string[], b: string[]): Operation[] {
	let prefix = 0;
	while (prefix < a.length && prefix < b.length && a[prefix] === b[prefix]) prefix++;
	let suffix = 0;
	while (suffix < a.length - prefix && suffix < b.length - prefix && a[a.length - 1 - suffix] === b[b.length - 1 - suffix]) suffix++;
	const middleA = a.slice(prefix, a.length - suffix);
	const middleB = b.slice(prefix, b.length - suffix);
	const rows = middleA.length + 1;
	const columns = middleB.length + 1;
	const table = new Uint32Array(rows * columns);
	for (let i = middleA.length - 1; i >= 0; i--) {
		for (let j = middleB.length - 1; j >= 0; j--) {
			table[i * columns + j] = middleA[i] === middleB[j] ? table[(i + 1) * columns + j + 1]! + 1 : Math.max(table[(i + 1) * columns + j]!, table[i * columns + j + 1]!);
		}
	}

	const operations: Operation[] = [];
	let oldLine = 1;
	let newLine = 1;
	const push = (kind: Operation['kind'], text: string) => {
		operations.push({kind, text, oldLine, newLine});
		if (kind !== '+') oldLine++;
		if (kind !== '-') newLine++;
	};

	for (let k = 0; k < prefix; k++) push(' ', a[k]!);
	let i = 0;
	let j = 0;
	while (i < middleA.length || j < middleB.length) {
		if (i < middleA.length && j < middleB.length && middleA[i] === middleB[j]) {
			push(' ', middleA[i++]!);
			j++;
		} else if (i < middleA.length && (j === middleB.length || table[(i + 1) * columns + j]! >= table[i * columns + j + 1]!)) {
			push('-', middleA[i++]!);
		} else {
			push('+', middleB[j++]!);
		}
	}

	for (let k = a.length - suffix; k < a.length; k++) push(' ', a[k]!);
	return operations;
}
