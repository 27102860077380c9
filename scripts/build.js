// Bundles the CLI so the first frame comes fast over SSH: one file to parse
// for the startup path; nodemailer, execa and the UI load as separate chunks
// only when a step needs them.
import {existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {build} from 'esbuild';
import {PATCHES, patchDependencies} from './dependency-patches.js';
import {bundledPackages, noticesText} from './notices.js';

/**
 * `import process from 'node:process'` (chalk, Ink, execa) makes Node build
 * an ES module facade of process, which reads every property once: that
 * loads the diagnostic-report module and the list of allowed flags, ~4 ms of
 * the first frame for an object that is a global anyway. The bundle gets the
 * global, with the few named exports its packages import; a package that
 * imports another name fails the build here rather than at run time.
 */
const processGlobal = {
	name: 'process-global',
	setup(esbuild) {
		esbuild.onResolve({filter: /^(?:node:)?process$/}, () => ({path: 'process', namespace: 'process-global'}));
		esbuild.onLoad({filter: /.*/, namespace: 'process-global'}, () => ({
			contents: [
				'const process = globalThis.process;',
				'export default process;',
				'export const {cwd, env, execArgv, execPath, hrtime, platform} = process;',
			].join('\n'),
			loader: 'js',
		}));
	},
};

// `--sea`: the copy that scripts/package.js embeds in the single executable,
// where no file sits beside the bundle: require() can reach only Node's own modules.
const sea = process.argv.includes('--sea');
const outdir = sea ? 'build/sea/bundle' : 'dist';
const requireFromFile = "import {createRequire as __createRequire} from 'node:module';let __requireOnce;function require(id){return (__requireOnce??=__createRequire(import.meta.url))(id)}";
const requireBuiltin = "function require(id){const m=process.getBuiltinModule(id);if(m===undefined)throw new Error('The single executable has no module '+id);return m}";

const patches = patchDependencies(PATCHES);
const result = await build({
	entryPoints: ['source/cli.tsx'],
	outdir,
	bundle: true,
	splitting: true,
	format: 'esm',
	platform: 'node',
	target: 'node20',
	minify: true,
	// No licence comments in the chunks (less to parse before the first frame): THIRD-PARTY-NOTICES,
	// written below from the metafile, carries every bundled package's licence beside them.
	legalComments: 'none',
	sourcemap: false,
	// Ink imports react-devtools-core only when DEV=true; it is not shipped.
	external: ['react-devtools-core'],
	define: {'process.env.NODE_ENV': '"production"'},
	// Some bundled CommonJS (yoga, signal-exit) calls require(); give ESM one, made on first call
	// (every chunk gets the banner, and most never call it).
	banner: {js: sea ? requireBuiltin : requireFromFile},
	// Ink asks is-in-ci once, when it loads, and then paints only the last frame: a wizard on a real
	// terminal would show nothing to answer. It only renders on a terminal, so in the bundle it never is.
	alias: {'is-in-ci': './source/ui/never-in-ci.ts'},
	plugins: [patches.plugin, processGlobal],
	logLevel: 'warning',
	write: false,
	metafile: true,
});

const unmatched = patches.unmatched();
if (unmatched.length > 0) {
	throw new Error(`A dependency patch no longer matches (update it in scripts/dependency-patches.js): ${unmatched.join('; ')}`);
}

// A build may run while the program runs from dist/ (npm start beside the
// test suite, or an admin's second terminal): each file is replaced
// atomically and only when it changed, and stale chunks from earlier builds
// go last, so a running process never reads a half-written or missing chunk.
mkdirSync(outdir, {recursive: true});
const written = new Set();
function put(name, contents) {
	written.add(name);
	const target = path.join(outdir, name);
	if (existsSync(target) && readFileSync(target).equals(contents)) return;
	const temporary = `${target}.${process.pid}.tmp`;
	writeFileSync(temporary, contents);
	renameSync(temporary, target);
}

for (const file of result.outputFiles) put(path.basename(file.path), file.contents);
// The licences of what was bundled (fails the build on a package without one, or under a licence not allowed).
// The executables' copy adds Node's licence (scripts/package.js), from the package list kept here.
const packages = bundledPackages(result.metafile);
const {version} = JSON.parse(readFileSync('package.json', 'utf8'));
put('THIRD-PARTY-NOTICES', Buffer.from(noticesText(packages, {product: `zulip-email-setup ${version}, npm package (dist/)`})));
if (sea) put('packages.json', Buffer.from(JSON.stringify(packages, null, '\t') + '\n'));
// What went into dist/, for test/licences.test.ts to check the notices against (build/ is not shipped).
else {
	mkdirSync('build', {recursive: true});
	writeFileSync(`build/dist-metafile.json.${process.pid}`, JSON.stringify(result.metafile));
	renameSync(`build/dist-metafile.json.${process.pid}`, 'build/dist-metafile.json');
}

for (const name of readdirSync(outdir)) {
	if (!written.has(name) && !name.endsWith('.tmp')) rmSync(path.join(outdir, name), {force: true});
}
