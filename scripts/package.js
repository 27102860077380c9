// npm run package: release/zulip-email-setup-linux-{x64,arm64}, one file each
// with Node inside (Node's single-executable support, injected with
// postject), each also compressed (.xz, the download), THIRD-PARTY-NOTICES
// and LICENSE, and release/SHA256SUMS over all of them. `--arch x64` builds
// one; `--out DIR` writes elsewhere than release/ (the tests and the bench);
// `--no-xz` leaves out the compressed copies.
// `--arch x64 --arch arm64` is both, as is no --arch.
//
// The bundle inside is built like dist/ (scripts/build.js --sea), its chunks
// kept apart as assets so they still load only when needed; source/sea/entry.ts
// serves them to Node's module loader from memory.
import {spawnSync} from 'node:child_process';
import {createHash} from 'node:crypto';
import {chmodSync, copyFileSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {build} from 'esbuild';
import {inject} from 'postject';
import {ARCHES, NODE_VERSION, seaNode, seaNodeLicence} from './sea-node.js';
import {bundledPackages, noticesText} from './notices.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** What release/ holds, and SHA256SUMS lists. */
const RELEASE_FILE = /^(?:zulip-email-setup-linux-[a-z0-9]+(?:\.xz)?|THIRD-PARTY-NOTICES|LICENSE)$/;

/**
 * xz's options for the download. Threaded mode with a fixed block size: the
 * output is the same whatever the number of threads (xz 5.4's multi-threaded
 * encoder is used even on one core, for that reason), and four blocks let an
 * xz ≥ 5.4 unpack on several cores. -6, not -9: with 32 MiB blocks a bigger
 * dictionary finds nothing more (x64: 30.16 MB at -6, 30.02 MB at -9, of
 * 128.4 MB), and unpacking -6 needs 10 MB of memory instead of 65, which a
 * small server has to spare; either unpacks in about 2 s of one core here.
 */
const XZ_ARGS = ['--threads=0', '--block-size=32MiB', '-6', '--check=crc64'];
process.chdir(ROOT);

const chosen = process.argv.flatMap((flag, index) => (flag === '--arch' ? [process.argv[index + 1]] : []));
const arches = chosen.length > 0 ? chosen : ARCHES;
for (const arch of arches) {
	if (!ARCHES.includes(arch)) throw new Error(`--arch ${arch}: the executable is built for ${ARCHES.join(' or ')}.`);
}

// `--no-xz`: the executables only (the bench, which runs them and does not download them).
const compress = !process.argv.includes('--no-xz');
const outFlag = process.argv.indexOf('--out');
const out = outFlag === -1 ? 'release' : path.resolve(process.argv[outFlag + 1]);
const work = path.join('build', 'sea');
const bundleDir = path.join(work, 'bundle');
run(process.execPath, ['scripts/build.js', '--sea']);
// The main script's path goes into the blob: one fixed name keeps the executables reproducible
// (same sources, same bytes), and a rename keeps a concurrent build from reading half a file.
const entry = path.join(work, 'entry.cjs');
const entryBuild = (await build({
	entryPoints: ['source/sea/entry.ts'],
	outfile: entry,
	write: false,
	bundle: true,
	format: 'cjs',
	platform: 'node',
	target: 'node24',
	minify: true,
	// As scripts/build.js: the notices are in THIRD-PARTY-NOTICES, an asset of the executable.
	legalComments: 'none',
	logLevel: 'warning',
	metafile: true,
}));
const [entryFile] = entryBuild.outputFiles;
writeFileSync(`${entry}.${process.pid}`, entryFile.contents);
renameSync(`${entry}.${process.pid}`, entry);

// The executables' notices: the bundle's packages (scripts/build.js listed them), the entry's, and the Node inside.
// Node's LICENSE is the same file in every architecture's package; x64's is the one named.
const {version} = JSON.parse(readFileSync('package.json', 'utf8'));
const packages = [...JSON.parse(readFileSync(path.join(bundleDir, 'packages.json'), 'utf8')), ...bundledPackages(entryBuild.metafile)];
const notices = noticesText(packages, {
	product: `zulip-email-setup ${version}, single executables (linux-${ARCHES.join(', linux-')})`,
	extra: [{title: `Node.js ${NODE_VERSION}, the runtime inside the executable`, licence: 'MIT, with the licences of its parts below', text: readFileSync(seaNodeLicence('x64'), 'utf8')}],
});
const noticesFile = path.join(work, 'THIRD-PARTY-NOTICES');
writeFileSync(`${noticesFile}.${process.pid}`, notices);
renameSync(`${noticesFile}.${process.pid}`, noticesFile);

const assets = {
	...Object.fromEntries(readdirSync(bundleDir).filter(name => name.endsWith('.js')).map(name => [name, path.join(bundleDir, name)])),
	// --licenses prints these two (source/licences.ts).
	'LICENSE': 'LICENSE',
	'THIRD-PARTY-NOTICES': noticesFile,
};
const config = {
	main: entry,
	// Per process: the tests and the bench package while someone else may run `npm run package`.
	output: path.join(work, `sea-prep.${process.pid}.blob`),
	disableExperimentalSEAWarning: true,
	// One V8 background thread, as the npm build's shebang. And optimizing compiles on the main
	// thread: Node 24's background compiler holds ~6 MB at the first frame, and a wizard's code
	// seldom gets hot (bench/executable.ts: 61 MB instead of 68, the frame no later).
	execArgv: ['--v8-pool-size=1', '--no-concurrent-recompilation'],
	assets,
};
const configFile = path.join(work, `sea-config.${process.pid}.json`);
writeFileSync(configFile, JSON.stringify(config, null, '\t') + '\n');
// The blob must come from the Node it goes into (same version); without a code cache or snapshot it is the same for every architecture.
const hostArch = ARCHES.includes(process.arch) ? process.arch : 'x64';
run(seaNode(hostArch), ['--experimental-sea-config', configFile]);
const blob = readFileSync(config.output);
for (const file of [config.output, configFile]) rmSync(file);

mkdirSync(out, {recursive: true});
for (const arch of arches) {
	const name = `zulip-email-setup-linux-${arch}`;
	const target = path.join(out, name);
	const partial = `${target}.partial`;
	const injected = path.join(work, `${name}.${process.pid}`);
	copyFileSync(seaNode(arch), injected);
	// The fuse is Node's documented sentinel; postject flips it so Node looks for the blob.
	await quietly(() => inject(injected, 'NODE_SEA_BLOB', blob, {sentinelFuse: 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2', overwrite: true}));
	// Copied rather than moved: postject writes the file in one piece, which the kernel caches in
	// large folios and maps whole on every page fault (16 MB more resident at the first frame,
	// bench/executable.ts). A copy, like a download, has the ordinary page cache of any program.
	copyFileSync(injected, partial);
	rmSync(injected);
	chmodSync(partial, 0o755);
	renameSync(partial, target);
	console.log(`${target}: Node ${NODE_VERSION}, ${(readFileSync(target).length / 1e6).toFixed(1)} MB`);
}

// The licences beside them: the executables' notices (Node's included) and the tool's own.
for (const [name, from] of [['THIRD-PARTY-NOTICES', noticesFile], ['LICENSE', 'LICENSE']]) {
	copyFileSync(from, `${path.join(out, name)}.partial`);
	renameSync(`${path.join(out, name)}.partial`, path.join(out, name));
}

// The download: each executable compressed with xz, which every Zulip server can unpack (xz-utils is
// in every Debian and Ubuntu). XZ_ARGS says why these options; the bytes depend only on the input and
// xz's version, so the release stays reproducible.
for (const arch of compress ? arches : []) {
	const name = `zulip-email-setup-linux-${arch}`;
	const target = path.join(out, `${name}.xz`);
	const partial = `${target}.partial`;
	const compressed = spawnSync('xz', [...XZ_ARGS, '--stdout', path.join(out, name)], {stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 30});
	if (compressed.error) throw new Error(`xz is needed to compress the executables (apt-get install xz-utils): ${compressed.error.message}`);
	if (compressed.status !== 0) throw new Error(`xz failed on ${name}: ${compressed.stderr}`);
	writeFileSync(partial, compressed.stdout);
	renameSync(partial, target);
	console.log(`${target}: ${(compressed.stdout.length / 1e6).toFixed(1)} MB`);
}

// Every file present, so building one architecture keeps the other's lines.
const sums = readdirSync(out)
	.filter(name => RELEASE_FILE.test(name))
	.sort()
	.map(name => `${createHash('sha256').update(readFileSync(path.join(out, name))).digest('hex')}  ${name}\n`)
	.join('');
writeFileSync(path.join(out, 'SHA256SUMS'), sums);

/**
 * postject's ELF library warns once per note of Node's binary that it cannot
 * name ("Can't find string offset for section name '.note.100'"): the notes
 * are kept as they are, so only that line is dropped; any other goes through.
 */
async function quietly(action) {
	const warn = console.warn;
	console.warn = (...parts) => {
		if (!/^warning: Can't find string offset for section name '\.note[\w.]*'$/.test(parts.join(' '))) warn(...parts);
	};
	try {
		return await action();
	} finally {
		console.warn = warn;
	}
}

function run(command, args) {
	// Their output is shown only on failure (Node announces "Wrote single executable preparation blob").
	const result = spawnSync(command, args, {stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8'});
	if (result.error) throw result.error;
	if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed with exit code ${result.status}:\n${result.stdout}${result.stderr}`);
}
