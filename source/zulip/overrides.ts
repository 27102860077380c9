/**
 * Statements that can change settings without naming them: `exec(…)`,
 * `from x import *`, `globals()[…] =`, `vars().update(…)`. After the email
 * settings, they may replace what this tool reads and writes, so the live
 * test would check a configuration Zulip does not use. Found by a line scan
 * that skips comments and triple-quoted strings; reported, never evaluated.
 */
import {visibleControls} from '../engine/shown-text.js';
import type {SettingsSnapshot} from './settings-file.js';

const DYNAMIC: ReadonlyArray<[RegExp, string]> = [
	[/\b(?:exec|execfile)\s*\(/, 'runs code from elsewhere'],
	[/^\s*from\s+[\w.]+\s+import\s+\*/, 'imports every name of another module'],
	[/\b(?:globals|vars|locals)\s*\(\s*\)\s*(?:\[|\.\s*(?:update|__setitem__|setdefault)\b)/, 'sets names it does not spell out'],
	[/\bsetattr\s*\(\s*sys\.modules\b/, 'sets names it does not spell out'],
];

/** 1-based line where the email settings begin: the section header, or the first email setting, whichever comes first. */
function emailBlockStart(lines: readonly string[], snapshot: SettingsSnapshot): number | undefined {
	const header = lines.findIndex(line => /^#+\s*Outgoing email\b/i.test(line));
	const candidates = [header === -1 ? Number.POSITIVE_INFINITY : header + 1];
	for (const [name, numbers] of Object.entries(snapshot.lines)) {
		if (name.startsWith('EMAIL_') && numbers && numbers.length > 0) candidates.push(Math.min(...numbers));
	}

	const start = Math.min(...candidates);
	return Number.isFinite(start) ? start : undefined;
}

/** Warnings for each dynamic statement after the email settings, naming its line. */
export function laterOverrides(text: string, snapshot: SettingsSnapshot): string[] {
	const lines = text.split(/\r\n|\r|\n/);
	const start = emailBlockStart(lines, snapshot);
	// No email settings yet: the tool appends them at the end, after everything.
	if (start === undefined) return [];
	const warnings: string[] = [];
	let inString: string | undefined;
	for (const [index, line] of lines.entries()) {
		let code = line;
		if (inString) {
			const end = code.indexOf(inString);
			if (end === -1) continue;
			code = code.slice(end + 3);
			inString = undefined;
		}

		// Drop complete triple-quoted strings on the line, then note one left open.
		code = code.replace(/("""|''')[\s\S]*?\1/g, '""');
		const open = /("""|''')/.exec(code);
		if (open) {
			inString = open[1];
			code = code.slice(0, open.index);
		}

		if (/^\s*#/.test(code) || index + 1 <= start) continue;
		const found = DYNAMIC.find(([pattern]) => pattern.test(code));
		if (!found) continue;
		const statement = visibleControls(line.trim());
		const shown = statement.length > 60 ? `${statement.slice(0, 59)}…` : statement;
		warnings.push(`Line ${index + 1} of settings.py (${shown}) ${found[1]} after the email settings, so it may change them: this tool reads and tests what the file sets by name, which may not be what Zulip ends up using.`);
	}

	return warnings;
}
