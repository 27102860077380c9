// The check that every provider fact names its source (scripts/check-provider-sources.ts,
// run by `npm run lint` and so by CI): it passes on the repository and fails on each kind of gap.
import assert from 'node:assert/strict';
import {execFile} from 'node:child_process';
import {readFile} from 'node:fs/promises';
import path from 'node:path';
import {test} from 'node:test';
import {promisify} from 'node:util';
import {checkProviderSources, FACT_CONSTANTS} from '../scripts/check-provider-sources.js';

const root = path.join(import.meta.dirname, '..');
const providers = await readFile(path.join(root, 'source', 'engine', 'providers.ts'), 'utf8');
const readme = await readFile(path.join(root, 'README.md'), 'utf8');

test('every catalog entry and fact constant names a source and a date, and the README lists them', () => {
	assert.deepEqual(checkProviderSources(providers, readme), []);
});

test('an entry without its Source comment fails, naming the provider', () => {
	const mailjet = providers.indexOf("id: 'mailjet'");
	const comment = providers.lastIndexOf('// Source:', mailjet);
	const end = providers.indexOf('\n', comment);
	const stripped = providers.slice(0, comment) + providers.slice(end + 1);
	const problems = checkProviderSources(stripped, readme);
	assert.ok(problems.some(problem => /mailjet has no "Source:" comment/.test(problem)), problems.join('\n'));
});

test('a source without "checked YYYY-MM", a constant without its comment, or a source with no URL or path fails', () => {
	const undated = providers.replace('RFC 6409 (587 submission), checked 2026-12', 'RFC 6409 (587 submission)');
	assert.notEqual(undated, providers);
	assert.ok(checkProviderSources(undated, readme).some(problem => /custom's source does not say when it was checked/.test(problem)));
	const bare = providers.replace(/\/\*\n \* Source: Postmark Support[^]*?\*\/\n(export const POSTMARK_LOGIN)/, '$1');
	assert.notEqual(bare, providers);
	const problems = checkProviderSources(bare, readme);
	assert.ok(problems.some(problem => /POSTMARK_LOGIN is gone or has no comment/.test(problem)), problems.join('\n'));
	const nowhere = providers.replace('// Source: RFC 8314 (465 implicit TLS) and RFC 6409 (587 submission), checked 2026-12', '// Source: common knowledge, checked 2026-12');
	assert.ok(checkProviderSources(nowhere, readme).some(problem => /custom's source names no URL or upstream path/.test(problem)));
	assert.ok(FACT_CONSTANTS.includes('MAILJET_HOST'));
});

test('the README table must have each provider, with its source and date, and no stray row', () => {
	const withoutZoho = readme.replace(/^\| `zoho` .*\n/m, '');
	assert.ok(checkProviderSources(providers, withoutZoho).some(problem => /no row for `zoho`/.test(problem)));
	const wrongSource = readme.replace('https://postmarkapp.com/support/article/811-what-are-the-smtp-details-api-tokens-i-should-be-using |', 'https://example.com/ |');
	assert.ok(checkProviderSources(providers, wrongSource).some(problem => /row of `postmark` names none of its sources/.test(problem)));
	const stray = readme.replace('<!-- provider-sources:end -->', '| `pigeon` | carrier | https://example.com | 2026-12 |\n<!-- provider-sources:end -->');
	assert.ok(checkProviderSources(providers, stray).some(problem => /row for `pigeon`, which is not in the catalog/.test(problem)));
	assert.ok(checkProviderSources(providers, readme.replace('<!-- provider-sources:begin -->', '')).some(problem => /no provider table/.test(problem)));
});

test('npm run lint runs it, so CI does; on the repository it exits 0 and says nothing', async () => {
	const pkg = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8')) as {scripts: Record<string, string>};
	assert.match(pkg.scripts.lint!, /scripts\/check-provider-sources\.ts/);
	assert.match(await readFile(path.join(root, '.ci', 'run'), 'utf8'), /^npm run lint$/m);
	const run = await promisify(execFile)(process.execPath, ['--import', 'tsx', path.join(root, 'scripts', 'check-provider-sources.ts')], {cwd: root});
	assert.equal(run.stderr, '');
});
