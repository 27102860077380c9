// Bundles the CLI so the first frame comes fast over SSH: one file to parse
// for the startup path; nodemailer, execa and the UI load as separate chunks
// only when a step needs them.
import {existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {readFile} from 'node:fs/promises';
import {fileURLToPath} from 'node:url';
import {build} from 'esbuild';

const quickGraphemes = fileURLToPath(new URL('../source/ui/quick-graphemes.ts', import.meta.url));

/**
 * Ink's text-width libraries build an Intl.Segmenter, /^\p{RGI_Emoji}$/v and
 * emoji-regex's pattern: ~35 ms of the first frame for text that is nearly
 * always ASCII. Their bundled copies get the stand-ins of source/ui/quick-graphemes.ts,
 * which answer for simple text and build the real ones on first need.
 */
const lazyUnicode = {
	name: 'lazy-unicode',
	setup(esbuild) {
		esbuild.onLoad({filter: /[\\/]node_modules[\\/](?:string-width|slice-ansi|@alcalzone[\\/]ansi-tokenize)[\\/].*\.js$/}, async ({path}) => {
			const original = await readFile(path, 'utf8');
			const contents = original
				.replaceAll('new Intl.Segmenter(', 'new __QuickSegmenter(')
				.replaceAll('/^\\p{RGI_Emoji}$/v', '__rgiEmojiOnly')
				// string-width 7 (wrap-ansi's), one grapheme at a time.
				.replaceAll('emojiRegex().test(character)', '__emojiRegexTest(emojiRegex, character)');
			if (contents === original) return undefined;
			return {contents: `import {QuickSegmenter as __QuickSegmenter, rgiEmojiOnly as __rgiEmojiOnly, emojiRegexTest as __emojiRegexTest} from ${JSON.stringify(quickGraphemes)};\n${contents}`, loader: 'js'};
		});
	},
};

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

/**
 * Ink connects to React DevTools when DEV=true, through react-devtools-core,
 * which is not shipped: the npm build printed a warning about it, and the
 * single executable then failed on Ink's next step (reading its
 * package.json beside the file). DEV means nothing to this program, so Ink's
 * isDev is false, and its devtools code is left out of the bundle.
 */
const inkWithoutDevtools = {
	name: 'ink-without-devtools',
	setup(esbuild) {
		esbuild.onLoad({filter: /[\\/]node_modules[\\/]ink[\\/]build[\\/]utils\.js$/}, async ({path}) => {
			const original = await readFile(path, 'utf8');
			const contents = original.replace("const isDev = () => process.env['DEV'] === 'true';", 'const isDev = () => false;');
			if (contents === original) throw new Error(`${path}: Ink's isDev changed; update the ink-without-devtools plugin in scripts/build.js`);
			return {contents, loader: 'js'};
		});
	},
};

const result = await build({
	entryPoints: ['source/cli.tsx'],
	outdir,
	bundle: true,
	splitting: true,
	format: 'esm',
	platform: 'node',
	target: 'node20',
	minify: true,
	legalComments: 'none',
	sourcemap: false,
	// Ink imports react-devtools-core only when DEV=true; it is not shipped.
	external: ['react-devtools-core'],
	define: {'process.env.NODE_ENV': '"production"'},
	// Some bundled CommonJS (yoga, signal-exit) calls require(); give ESM one, made on first call
	// (every chunk gets the banner, and most never call it).
	banner: {js: sea ? requireBuiltin : requireFromFile},
	plugins: [lazyUnicode, processGlobal, inkWithoutDevtools],
	logLevel: 'warning',
	write: false,
});

// A build may run while the program runs from dist/ (npm start beside the
// test suite, or an admin's second terminal): each file is replaced
// atomically and only when it changed, and stale chunks from earlier builds
// go last, so a running process never reads a half-written or missing chunk.
mkdirSync(outdir, {recursive: true});
const written = new Set();
for (const file of result.outputFiles) {
	const name = path.basename(file.path);
	written.add(name);
	const target = path.join(outdir, name);
	if (existsSync(target) && readFileSync(target).equals(file.contents)) continue;
	const temporary = `${target}.${process.pid}.tmp`;
	writeFileSync(temporary, file.contents);
	renameSync(temporary, target);
}

for (const name of readdirSync(outdir)) {
	if (!written.has(name) && !name.endsWith('.tmp')) rmSync(path.join(outdir, name), {force: true});
}
