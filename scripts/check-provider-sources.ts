// Every provider fact in the catalog names where it comes from: each entry of
// source/engine/providers.ts (and each constant holding provider facts) has a
// "Source:" comment with a URL or an upstream path and the month it was
// checked ("checked 2026-12"), and the README's provider table lists each
// provider with the same source and date. Run by `npm run lint` (CI runs it
// through .ci/run); exits 1 and names what is missing.
import {readFileSync} from 'node:fs';

/** Constants of providers.ts that hold provider facts themselves (hosts, regions, limits, dates). */
export const FACT_CONSTANTS = ['SES_SMTP_REGIONS', 'SES_FIPS_REGIONS', 'ZOHO_DATA_CENTRES', 'MAILJET_HOST', 'GMAIL_LIMITS', 'POSTMARK_LOGIN', 'MICROSOFT_BASIC_AUTH_OFF'] as const;

const CHECKED = /checked (\d{4}-\d{2})/;
/** A URL, or an upstream path such as `nodemailer lib/well-known/services.json` or `zulip/docker-zulip helm/zulip/Chart.yaml`. */
const WHERE = /https?:\/\/\S+|\b[\w.-]+(?:\/[\w.-]+)+\.(?:json|md|py|sh|ya?ml|ts|js)\b|\bRFC \d+/;
const URL_PATTERN = /https?:\/\/[^\s),;]+/g;

interface Sourced {
	readonly name: string;
	/** The comment that names the source, with the ones it points to ("see NAME"). */
	readonly comment: string;
}

/** The comment block right above a line (consecutive // or /* … *\/ lines). */
function commentAbove(lines: readonly string[], index: number): string {
	const block: string[] = [];
	for (let at = index - 1; at >= 0; at--) {
		const line = lines[at]!.trim();
		if (line.startsWith('//') || line.startsWith('*') || line.startsWith('/*') || line.endsWith('*/')) block.unshift(line);
		else break;
	}

	return block.join('\n');
}

/** Each catalog entry's own comment: the // lines between its `{` and its `id:`. */
function entries(text: string): Sourced[] {
	const build = text.slice(text.indexOf('function build(): Provider[] {'));
	const found: Sourced[] = [];
	for (const match of build.matchAll(/\{\n((?:\s*\/\/.*\n)*)\s*id: '([a-z0-9]+)'/g)) {
		found.push({name: match[2]!, comment: match[1]!.trim()});
	}

	return found;
}

function constants(text: string): Sourced[] {
	const lines = text.split('\n');
	return FACT_CONSTANTS.map(name => {
		const index = lines.findIndex(line => new RegExp(`^(?:export )?const ${name}\\b`).test(line));
		return {name, comment: index < 0 ? '' : commentAbove(lines, index)};
	});
}

/** The comment with what it refers to: "see NAME" pulls in NAME's own comment. */
function resolved(item: Sourced, all: readonly Sourced[]): string {
	const see = /\bsee ([A-Z][A-Z_]+)/.exec(item.comment)?.[1];
	const target = see ? all.find(other => other.name === see) : undefined;
	return target ? `${item.comment}\n${target.comment}` : item.comment;
}

/** What is missing, one line each; empty when every fact is sourced. */
export function checkProviderSources(providersText: string, readmeText: string): string[] {
	const problems: string[] = [];
	const catalog = entries(providersText);
	const facts = constants(providersText);
	const all = [...catalog, ...facts];
	if (catalog.length === 0) problems.push('providers.ts: no catalog entries found (has build() changed shape?)');
	for (const item of facts) {
		if (item.comment === '') problems.push(`providers.ts: the constant ${item.name} is gone or has no comment; keep FACT_CONSTANTS in scripts/check-provider-sources.ts current`);
	}

	for (const item of all) {
		const comment = resolved(item, all);
		if (!/Source:/.test(comment)) problems.push(`providers.ts: ${item.name} has no "Source:" comment`);
		else if (!WHERE.test(comment)) problems.push(`providers.ts: ${item.name}'s source names no URL or upstream path`);
		if (!CHECKED.test(comment)) problems.push(`providers.ts: ${item.name}'s source does not say when it was checked ("checked YYYY-MM")`);
	}

	// The README's provider table: one row per catalog entry, with a URL of its comment and the same date.
	const table = /<!-- provider-sources:begin -->([\s\S]*?)<!-- provider-sources:end -->/.exec(readmeText)?.[1];
	if (table === undefined) {
		problems.push('README.md: no provider table between <!-- provider-sources:begin --> and <!-- provider-sources:end -->');
		return problems;
	}

	const rows = new Map(table.split('\n').filter(line => /^\| `[a-z0-9]+` \|/.test(line)).map(line => [/^\| `([a-z0-9]+)`/.exec(line)![1]!, line]));
	for (const item of catalog) {
		const row = rows.get(item.name);
		if (!row) {
			problems.push(`README.md: the provider table has no row for \`${item.name}\``);
			continue;
		}

		const comment = resolved(item, all);
		const urls = [...comment.matchAll(URL_PATTERN)].map(match => match[0].replace(/[.:]$/, ''));
		if (urls.length > 0 && !urls.some(url => row.includes(url))) problems.push(`README.md: the row of \`${item.name}\` names none of its sources (${urls.join(', ')})`);
		const checked = CHECKED.exec(comment)?.[1];
		if (checked && !row.includes(checked)) problems.push(`README.md: the row of \`${item.name}\` does not say ${checked}, when its source was checked`);
	}

	for (const name of rows.keys()) {
		if (!catalog.some(item => item.name === name)) problems.push(`README.md: the provider table has a row for \`${name}\`, which is not in the catalog`);
	}

	return problems;
}

if (import.meta.url === `file://${process.argv[1]}`) {
	const root = new URL('../', import.meta.url);
	const problems = checkProviderSources(readFileSync(new URL('source/engine/providers.ts', root), 'utf8'), readFileSync(new URL('README.md', root), 'utf8'));
	for (const problem of problems) console.error(problem);
	if (problems.length > 0) {
		console.error(`${problems.length} provider fact(s) without a source: add a "Source: <URL or upstream path>, checked YYYY-MM" comment, and the README row.`);
		process.exit(1);
	}
}
