/**
 * The bundle patches dependencies at build time (scripts/dependency-patches.js)
 * instead of modules that had to be imported first for their side effects. A
 * patch that stops matching after a dependency update must fail the build,
 * not silently ship the slow or wrong path; and the bundle must carry each.
 */
import assert from 'node:assert/strict';
import {readdir, readFile} from 'node:fs/promises';
import {join} from 'node:path';
import {test} from 'node:test';
import {fileURLToPath} from 'node:url';
import {build} from 'esbuild';
// @ts-expect-error: a plain-JS build script, without types.
import {PATCHES, patchDependencies} from '../scripts/dependency-patches.js';

const repo = fileURLToPath(new URL('..', import.meta.url));

type Patch = {name: string; filter: RegExp; replacements: Array<[string, string]>};

async function bundle(patches: Patch[]): Promise<string[]> {
	const applied = patchDependencies(patches);
	await build({entryPoints: [join(repo, 'source/ui/app.tsx')], bundle: true, write: false, format: 'esm', platform: 'node', external: ['react-devtools-core'], plugins: [applied.plugin], logLevel: 'silent'});
	return applied.unmatched();
}

test('every dependency patch matches the installed dependencies', async () => {
	assert.deepEqual(await bundle(PATCHES as Patch[]), []);
});

test('a patch whose text is gone is reported, and the build refuses it', async () => {
	const moved: Patch = {name: 'moved', filter: /[\\/]node_modules[\\/]yoga-layout[\\/]dist[\\/]binaries[\\/].*\.js$/, replacements: [['typeof fetch', '"undefined"'], ['text no release ever had', 'x']]};
	assert.deepEqual(await bundle([moved]), ['moved: text no release ever had']);
	const build = await readFile(join(repo, 'scripts/build.js'), 'utf8');
	assert.match(build, /if \(unmatched\.length > 0\) \{\n\tthrow new Error/);
});

test('the bundle carries the patches: no is-in-ci, no fetch probe in Yoga, the lazy Unicode stand-ins', async () => {
	const files = (await readdir(join(repo, 'dist'))).filter(name => name.endsWith('.js'));
	const code = (await Promise.all(files.map(async name => readFile(join(repo, 'dist', name), 'utf8')))).join('\n');
	assert.ok(code.includes('instantiateWasm'), 'Yoga is in the bundle');
	assert.doesNotMatch(code, /typeof fetch/);
	assert.doesNotMatch(code, /CONTINUOUS_INTEGRATION"?\s*in/, 'is-in-ci is not bundled');
	assert.equal(code.split('new Intl.Segmenter').length - 1, 1, 'only quick-graphemes builds the real Segmenter, on first need');
	assert.ok(!code.includes(String.raw`/^\p{RGI_Emoji}$/v`), 'no eager emoji pattern');
	assert.match(code, /resized=\(\)=>\{let \w+=this\.getTerminalWidth\(\);\w+\(this\),this\.calculateLayout\(\)/, 'a resize redraws the transcript (resize-redraw.ts) instead of the erase that misses reflowed rows');
	assert.match(code, /clearTerminal\+\w+\(\)\+this\.fullStaticOutput\+/, "Ink's own clear prints the text from before Ink too");
});
