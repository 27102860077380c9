/**
 * `npm pack` gives a tarball that installs with no registry at all
 * (`npm install -g --offline`, an empty cache) and a working command:
 * everything the program needs is in dist/, bundled.
 */
import assert from 'node:assert/strict';
import {execFile, execFileSync} from 'node:child_process';
import {mkdir, mkdtemp, readdir, readFile, rm, symlink, realpath} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {delimiter, dirname, join} from 'node:path';
import {after, before, test} from 'node:test';
import {fileURLToPath} from 'node:url';
import {promisify} from 'node:util';
import packageJson from '../package.json' with {type: 'json'};

const run = promisify(execFile);
const repo = fileURLToPath(new URL('..', import.meta.url));
let root: string;
let prefix: string;
let tarball: string;

before(async () => {
	root = await mkdtemp(join(tmpdir(), 'npm-pack-test-'));
	const {stdout} = await run('npm', ['pack', '--json', '--pack-destination', root], {cwd: repo, maxBuffer: 16 * 1024 * 1024});
	tarball = join(root, (JSON.parse(stdout) as Array<{filename: string}>)[0]!.filename);
	prefix = join(root, 'prefix');
	// --offline with a cache that does not exist yet: any dependency to fetch fails the install.
	await run('npm', ['install', '--global', '--offline', '--prefix', prefix, '--cache', join(root, 'empty-cache'), '--no-audit', '--no-fund', tarball], {cwd: root});
}, {timeout: 300_000});

after(async () => {
	await rm(root, {recursive: true, force: true});
});

test('the tarball declares no dependency to install: the bundle holds them', async () => {
	const {stdout} = await run('tar', ['-xOzf', tarball, 'package/package.json']);
	const packed = JSON.parse(stdout) as {dependencies?: object; name: string; version: string};
	assert.deepEqual(packed.dependencies ?? {}, {}, 'a runtime dependency breaks the offline install; bundle it (scripts/build.js) and list it under devDependencies');
	assert.equal(`${packed.name}-${packed.version}.tgz`, tarball.slice(root.length + 1));
	// Only the command, the bundle (with its THIRD-PARTY-NOTICES), the licence and npm's own files: no sources, tests or release binaries.
	const {stdout: listing} = await run('tar', ['-tzf', tarball]);
	const tops = [...new Set(listing.trim().split('\n').map(entry => entry.split('/')[1]))].sort();
	assert.deepEqual(tops, ['LICENSE', 'README.md', 'bin', 'dist', 'package.json']);
	assert.ok(listing.split('\n').includes('package/dist/THIRD-PARTY-NOTICES'), listing);
});

test('the installed command runs the whole sandbox job from outside the repository', {timeout: 300_000}, async () => {
	const bin = join(prefix, 'bin');
	assert.deepEqual(await readdir(bin), ['zulip-email-setup']);
	// Only node, the installed command and the tools a Zulip server has.
	const tools = join(root, 'tools');
	await mkdir(tools);
	for (const name of ['openssl', 'sh']) await symlink(await realpath(execFileSync('sh', ['-c', `command -v ${name}`], {encoding: 'utf8'}).trim()), join(tools, name));
	const python = execFileSync('python3', ['-c', 'import sys; print(sys.executable)'], {encoding: 'utf8'}).trim();
	await symlink(await realpath(python), join(tools, 'python3'));
	const temporary = join(root, 'tmp');
	await mkdir(temporary);
	const env = {PATH: [bin, dirname(process.execPath), tools].join(delimiter), HOME: root, TMPDIR: temporary};

	const version = await run('zulip-email-setup', ['--version'], {cwd: temporary, env});
	assert.equal(version.stdout, `${packageJson.version}\nNode.js ${process.version}\n`);
	// The installed copy finds its licence and notices beside the bundle.
	const licences = await run('zulip-email-setup', ['--licenses'], {cwd: temporary, env, maxBuffer: 8 * 1024 * 1024});
	assert.match(licences.stdout, /^MIT License\n\nCopyright \(c\) 2026 the zulip-email-setup authors\n/);
	assert.match(licences.stdout, /\nTHIRD-PARTY NOTICES: zulip-email-setup [^\n]*\n[\s\S]*\nink 6\.\d+\.\d+\nLicence: MIT\n/);

	const {stdout, stderr} = await run('zulip-email-setup', ['--sandbox', '--non-interactive', '--json'], {cwd: temporary, env, timeout: 120_000});
	const report = JSON.parse(stdout) as {ok: boolean; restart: {confirmed: boolean}; sandbox: {received: Array<{subject: string}>}};
	assert.equal(report.ok, true, stderr);
	assert.equal(report.restart.confirmed, true, stderr);
	assert.deepEqual(report.sandbox.received.map(mail => mail.subject), ['Zulip email test', 'Zulip email test (sent the way Zulip sends invitations)', 'Zulip noreply email test']);
	assert.match(await readFile(join(prefix, 'lib', 'node_modules', 'zulip-email-setup', 'package.json'), 'utf8'), /"name": "zulip-email-setup"/);
});
