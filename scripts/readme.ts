// Regenerates the README's flag and diagnosis tables from the code, so the
// front door never drifts from the program: `npm run readme`. A test checks
// the README is current.
import {readFileSync, writeFileSync} from 'node:fs';
import {FLAGS} from '../source/args.js';
import {FINDINGS} from '../source/engine/deliverability-findings.js';
import {DIAGNOSES} from '../source/smtp/diagnoses.js';

const cell = (text: string) => text.replace(/\|/g, '\\|');

export function flagsTable(): string {
	const rows = Object.entries(FLAGS).map(([name, flag]) => `| \`--${name}${'value' in flag ? ` ${flag.value}` : ''}\` | ${cell(flag.help)} |`);
	return ['| flag | meaning |', '|---|---|', ...rows].join('\n');
}

export function diagnosesTable(): string {
	const rows = Object.entries(DIAGNOSES).map(([id, entry]) => `| \`${id}\` | ${cell(entry.meaning)} | ${cell(entry.fix)} |`);
	return ['| id | meaning | fix |', '|---|---|---|', ...rows].join('\n');
}

export function findingsTable(): string {
	const rows = Object.entries(FINDINGS).map(([id, entry]) => `| \`${id}\` | ${entry.severity} | ${cell(entry.rfc)} | ${cell(entry.meaning)} | ${cell(entry.fix)} |`);
	return ['| id | severity | follows | meaning | fix |', '|---|---|---|---|---|', ...rows].join('\n');
}

export function renderReadme(text: string): string {
	const fill = (source: string, name: string, table: string) =>
		source.replace(new RegExp(`(<!-- ${name}:begin -->)[\\s\\S]*?(<!-- ${name}:end -->)`), `$1\n${table}\n$2`);
	return fill(fill(fill(text, 'flags', flagsTable()), 'diagnoses', diagnosesTable()), 'findings', findingsTable());
}

if (import.meta.url === `file://${process.argv[1]}`) {
	const path = new URL('../README.md', import.meta.url);
	writeFileSync(path, renderReadme(readFileSync(path, 'utf8')));
}
