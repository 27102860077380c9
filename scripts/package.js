// npm run package: release/zulip-email-setup-linux-{x64,arm64}, one file each
// with Node inside (Node's single-executable support, injected with
// postject), and release/SHA256SUMS. `--arch x64` builds one; `--out DIR`
// writes elsewhere than release/ (the tests and the bench).
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
import {ARCHES, NODE_VERSION, seaNode} from './sea-node.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
process.chdir(ROOT);

const chosen = process.argv.flatMap((flag, index) => (flag === '--arch' ? [process.argv[index + 1]] : []));
const arches = chosen.length > 0 ? chosen : ARCHES;
for (const arch of arches) {
	if (!ARCHES.includes(arch)) throw new Error(`--arch ${arch}: the executable is built for ${ARCHES.join(' or ')}.`);
}

const outFlag = process.argv.indexOf('--out');
const out = outFlag === -1 ? 'release' : path.resolve(process.argv[outFlag + 1]);
const work = path.join('build', 'sea');
const bundleDir = path.join(work, 'bundle');
run(process.execPath, ['scripts/build.js', '--sea']);
// The main script's path goes into the blob: one fixed name keeps the executables reproducible
// (same sources, same bytes), and a rename keeps a concurrent build from reading half a file.
const entry = path.join(work, 'entry.cjs');
const [entryFile] = (await build({
	entryPoints: ['source/sea/entry.ts'],
	outfile: entry,
	write: false,
	bundle: true,
	format: 'cjs',
	platform: 'node',
	target: 'node24',
	minify: true,
	legalComments: 'none',
	logLevel: 'warning',
})).outputFiles;
writeFileSync(`${entry}.${process.pid}`, entryFile.contents);
renameSync(`${entry}.${process.pid}`, entry);

const assets = Object.fromEntries(readdirSync(bundleDir).filter(name => name.endsWith('.js')).map(name => [name, path.join(bundleDir, name)]));
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

// Every executable present, so building one architecture keeps the other's line.
const sums = readdirSync(out)
	.filter(name => /^zulip-email-setup-linux-[a-z0-9]+$/.test(name))
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
