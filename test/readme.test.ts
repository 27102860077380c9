import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import {test} from 'node:test';
import {renderReadme} from '../scripts/readme.js';

const README = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const CI_RUN = readFileSync(new URL('../.ci/run', import.meta.url), 'utf8');
const PACKAGE = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {scripts: Record<string, string>};

test('the README\'s flag and diagnosis tables are the program\'s own (npm run readme)', () => {
	assert.equal(README, renderReadme(README), 'README.md is stale: run npm run readme');
});

test('every npm command the README tells a newcomer to type exists, and CI runs the same install and test', () => {
	for (const [, script] of README.matchAll(/^npm (?:run )?([a-z]+)/gm)) {
		// npm's own commands, not scripts.
		if (script === 'ci' || script === 'install' || script === 'pack') continue;
		assert.ok(PACKAGE.scripts[script!], `npm ${script} is in the README but not in package.json`);
	}

	assert.match(README, /^npm ci\b/m);
	assert.match(README, /^npm test\b/m);
	assert.match(CI_RUN, /^npm ci$/m);
	assert.match(CI_RUN, /^npm test$/m);
	// The lint the README asks for runs in CI too.
	assert.match(README, /^npm run lint\b/m);
	assert.match(CI_RUN, /^npm run lint$/m);
});
