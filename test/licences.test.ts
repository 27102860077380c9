/**
 * Licences: the tool's LICENSE and THIRD-PARTY-NOTICES (scripts/notices.js)
 * in the npm package, printed by --licenses. The notices' rules on made-up
 * packages in a temp node_modules (a missing text, a licence off the list),
 * and on what the real build bundled. The executables' copy (with Node's
 * licence) is tested in single-executable.test.ts.
 */
import assert from 'node:assert/strict';
import {execFile, spawn} from 'node:child_process';
import {mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, test} from 'node:test';
import {fileURLToPath} from 'node:url';
import {promisify} from 'node:util';
import {ALLOWED_LICENCES, bundledPackages, licenceAllowed, noticeProblems, noticesText} from '../scripts/notices.js';
import {BIN, ensureBuilt} from './helpers/program.js';

const run = promisify(execFile);
const repo = fileURLToPath(new URL('..', import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'licences-test-'));
after(() => rmSync(scratch, {recursive: true, force: true}));

test('a licence expression is allowed when every AND part is, and one OR side is', () => {
	for (const id of ALLOWED_LICENCES) assert.equal(licenceAllowed(id), true, id);
	assert.equal(licenceAllowed('(MIT OR GPL-3.0-only)'), true);
	assert.equal(licenceAllowed('MIT AND ISC'), true);
	assert.equal(licenceAllowed('MIT AND GPL-3.0-only'), false);
	assert.equal(licenceAllowed('(MIT AND GPL-3.0-only) OR (Apache-2.0 AND LGPL-2.1)'), false);
	assert.equal(licenceAllowed('(MIT AND GPL-3.0-only) OR (Apache-2.0 AND ISC)'), true);
	assert.equal(licenceAllowed('GPL-3.0-only'), false);
	assert.equal(licenceAllowed('SEE LICENSE IN LICENSE.txt'), false);
	assert.equal(licenceAllowed(undefined), false);
});

/** A node_modules tree in a temp dir, and a metafile whose inputs come from it, as esbuild writes them. */
function fakeBundle(packages: Array<{folder: string; name: string; version: string; license?: unknown; files?: Record<string, string>}>) {
	const root = mkdtempSync(join(scratch, 'bundle-'));
	const inputs: Record<string, object> = {'source/cli.tsx': {}};
	for (const {folder, name, version, license, files = {}} of packages) {
		mkdirSync(join(root, folder), {recursive: true});
		writeFileSync(join(root, folder, 'package.json'), JSON.stringify({name, version, license}));
		writeFileSync(join(root, folder, 'index.js'), 'export default 1;\n');
		for (const [file, text] of Object.entries(files)) writeFileSync(join(root, folder, file), text);
		inputs[`${folder}/index.js`] = {};
	}

	return {root, metafile: {inputs}};
}

test('each bundled package is listed once with its version, licence and whole licence text; nested copies are their own package', () => {
	const {root, metafile} = fakeBundle([
		{folder: 'node_modules/zeta', name: 'zeta', version: '1.0.0', license: 'ISC', files: {LICENSE: 'ISC text of zeta\n'}},
		{folder: 'node_modules/@scope/alpha', name: '@scope/alpha', version: '2.1.0', license: 'MIT', files: {'LICENSE.md': 'MIT text of alpha', NOTICE: 'alpha notice'}},
		{folder: 'node_modules/zeta/node_modules/alpha-dep', name: 'alpha-dep', version: '0.1.0', license: 'Apache-2.0', files: {'LICENSE-APACHE': 'Apache text'}},
		{folder: 'node_modules/zeta/node_modules/zeta', name: 'zeta', version: '0.9.0', license: 'MIT', files: {licence: 'MIT text of old zeta'}},
	]);
	// A second file of the same package is not a second entry.
	(metafile.inputs as Record<string, object>)['node_modules/zeta/other.js'] = {};
	const packages = bundledPackages(metafile, root);
	assert.deepEqual(packages.map(({name, version, licence}) => `${name}@${version} ${licence}`), ['@scope/alpha@2.1.0 MIT', 'alpha-dep@0.1.0 Apache-2.0', 'zeta@0.9.0 MIT', 'zeta@1.0.0 ISC']);
	assert.equal(packages[0]!.text, 'MIT text of alpha\n\nalpha notice');
	const notices = noticesText(packages, {product: 'test', extra: [{title: 'Node.js 24', licence: 'MIT', text: 'Node licence text\n'}]});
	assert.match(notices, /following 4 packages and Node\.js 24/);
	assert.match(notices, /\n@scope\/alpha 2\.1\.0\nLicence: MIT\n\nMIT text of alpha\n\nalpha notice\n/);
	assert.match(notices, /\nzeta 1\.0\.0\nLicence: ISC\n\nISC text of zeta\n/);
	assert.match(notices, /\nNode\.js 24\nLicence: MIT\n\nNode licence text\n$/);
	// Same packages, same bytes (the release is reproducible).
	assert.equal(noticesText(bundledPackages(metafile, root), {product: 'test', extra: [{title: 'Node.js 24', licence: 'MIT', text: 'Node licence text\n'}]}), notices);
});

test('a bundled package without a licence text, or with a licence off the list, stops the notices (and so the build)', () => {
	const {root, metafile} = fakeBundle([
		{folder: 'node_modules/fine', name: 'fine', version: '1.0.0', license: 'MIT', files: {LICENSE: 'MIT text'}},
		{folder: 'node_modules/textless', name: 'textless', version: '1.2.3', license: 'MIT', files: {'README.md': 'no licence here'}},
		{folder: 'node_modules/copyleft', name: 'copyleft', version: '3.0.0', license: 'GPL-3.0-only', files: {COPYING: 'GPL text'}},
		{folder: 'node_modules/undeclared', name: 'undeclared', version: '0.0.1', files: {LICENSE: 'some text'}},
		{folder: 'node_modules/empty-text', name: 'empty-text', version: '1.0.0', license: 'ISC', files: {LICENSE: '  \n'}},
	]);
	const packages = bundledPackages(metafile, root);
	const problems = noticeProblems(packages);
	assert.equal(problems.length, 4, problems.join('\n'));
	assert.match(problems.join('\n'), /textless@1\.2\.3 \(node_modules\/textless\) has no licence text/);
	assert.match(problems.join('\n'), /empty-text@1\.0\.0 .* has no licence text/);
	assert.match(problems.join('\n'), /copyleft@3\.0\.0 .* is licensed GPL-3\.0-only, not one of MIT, ISC/);
	assert.match(problems.join('\n'), /undeclared@0\.0\.1 .* is licensed \(nothing declared\)/);
	assert.throws(() => noticesText(packages, {product: 'test'}), /Third-party notices cannot be made:\n {2}copyleft@3\.0\.0 .*\n {2}empty-text@1\.0\.0 .*\n {2}textless@1\.2\.3 .*\n {2}undeclared@0\.0\.1 /);
	assert.doesNotThrow(() => noticesText(packages.filter(entry => entry.name === 'fine'), {product: 'test'}));
});

/** The notices file's sections: `name version` and `Licence: X` at the head of each. */
function sections(notices: string): Array<{name: string; version: string; licence: string; text: string}> {
	return notices.split(`${'='.repeat(78)}\n`).slice(1).map(section => {
		const [head, licenceLine, , ...text] = section.split('\n');
		const at = head!.lastIndexOf(' ');
		return {name: head!.slice(0, at), version: head!.slice(at + 1), licence: licenceLine!.replace(/^Licence: /, ''), text: text.join('\n').trim()};
	});
}

test('the npm build\'s THIRD-PARTY-NOTICES covers every package its bundle holds, each with an allowed licence and its text', async () => {
	await ensureBuilt();
	const notices = readFileSync(join(repo, 'dist', 'THIRD-PARTY-NOTICES'), 'utf8');
	const listed = sections(notices);
	// What went into the bundle, by a fresh metafile of the same build (scripts/build.js keeps it in build/).
	const metafile = JSON.parse(readFileSync(join(repo, 'build', 'dist-metafile.json'), 'utf8')) as {inputs: Record<string, unknown>};
	const bundled = bundledPackages(metafile, repo);
	assert.ok(bundled.length >= 50, `only ${bundled.length} packages found in the metafile`);
	assert.deepEqual(listed.map(({name, version}) => `${name}@${version}`), bundled.map(({name, version}) => `${name}@${version}`));
	for (const entry of listed) {
		assert.ok(licenceAllowed(entry.licence), `${entry.name}: ${entry.licence}`);
		assert.ok(entry.text.length > 100, `${entry.name}@${entry.version} has no licence text`);
	}

	// Ink (MIT) and yoga-layout, whose npm package has no LICENSE (its text is kept in scripts/licence-texts).
	assert.ok(listed.some(entry => entry.name === 'ink' && entry.licence === 'MIT' && /Permission is hereby granted/.test(entry.text)));
	assert.match(listed.find(entry => entry.name === 'yoga-layout')?.text ?? '', /Copyright \(c\) Facebook, Inc\. and its affiliates\./);
});

test('--licenses prints the tool\'s MIT licence, then the bundled packages\' notices', async () => {
	await ensureBuilt();
	const {stdout} = await run(process.execPath, [BIN, '--licenses'], {maxBuffer: 8 * 1024 * 1024});
	assert.ok(stdout.startsWith(readFileSync(join(repo, 'LICENSE'), 'utf8').trimEnd() + '\n\n'), stdout.slice(0, 400));
	assert.match(stdout, /^Copyright \(c\) 2026 the zulip-email-setup authors$/m);
	assert.ok(stdout.endsWith(readFileSync(join(repo, 'dist', 'THIRD-PARTY-NOTICES'), 'utf8').trimEnd() + '\n'));
	assert.equal(JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')).license, 'MIT');
});

test('--licenses read only in part (| head, a pager quit early) ends quietly, exit 0', async () => {
	await ensureBuilt();
	const child = spawn(process.execPath, [BIN, '--licenses'], {stdio: ['ignore', 'pipe', 'pipe']});
	let stderr = '';
	child.stderr.on('data', (chunk: Buffer) => {
		stderr += chunk.toString();
	});
	// The first piece read, the pipe is closed: the rest of the ~300 KB has nowhere to go.
	await new Promise(resolve => child.stdout.once('data', resolve));
	child.stdout.destroy();
	const code = await new Promise(resolve => child.once('close', resolve));
	assert.equal(stderr, '');
	assert.equal(code, 0);
});

test('the npm package holds LICENSE and dist/THIRD-PARTY-NOTICES (npm pack --dry-run)', async () => {
	await ensureBuilt();
	// --ignore-scripts: prepack would build again; the build is there.
	const {stdout} = await run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {cwd: repo, maxBuffer: 8 * 1024 * 1024});
	const files = (JSON.parse(stdout) as Array<{files: Array<{path: string}>}>)[0]!.files.map(file => file.path);
	assert.ok(files.includes('LICENSE'), files.join(' '));
	assert.ok(files.includes('dist/THIRD-PARTY-NOTICES'), files.join(' '));
	assert.ok(!files.some(file => file.endsWith('packages.json') || file.endsWith('metafile.json')), files.join(' '));
});
