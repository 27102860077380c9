// Dependencies patched at build time (scripts/build.js), each failing the build
// when it stops matching. test/build-patches.test.ts checks both.
import {readFile} from 'node:fs/promises';
import {fileURLToPath} from 'node:url';

const quickGraphemes = fileURLToPath(new URL('../source/ui/quick-graphemes.ts', import.meta.url));
const resizeRedraw = fileURLToPath(new URL('../source/ui/resize-redraw.ts', import.meta.url));

/**
 * Dependencies patched in the bundle, loudly: each patch lists the text it
 * replaces, and a replacement that matches no file fails the build, so a
 * dependency update that moves the code cannot silently ship the slow (or
 * wrong) path.
 *
 * - lazy-unicode: Ink's text-width libraries build an Intl.Segmenter,
 *   /^\p{RGI_Emoji}$/v and emoji-regex's pattern: ~35 ms of the first frame
 *   for text that is nearly always ASCII. Their bundled copies get the
 *   stand-ins of source/ui/quick-graphemes.ts, which answer for simple text
 *   and build the real ones on first need.
 * - yoga-without-fetch: Yoga's loader asks `typeof fetch`, and on Node 20 that
 *   getter alone loads undici: 25 ms of the first frame for a wasm file that
 *   is inlined anyway. The bundled loader instantiates from memory directly.
 * - chalk-ignores-ci: chalk (inside Ink) turns colours off when CI is set.
 *   The wizard only renders on a terminal, where CI says nothing about it (CI
 *   runs our pseudo-terminal tests with CI=true, and some admins' shells export
 *   it); colour-support.ts mirrors this for the painted first frame.
 * - ink-without-devtools: Ink connects to React DevTools when DEV=true,
 *   through react-devtools-core, which is not shipped: the npm build printed
 *   a warning about it, and the single executable then failed on Ink's next
 *   step (reading its package.json beside the file). DEV means nothing to
 *   this program, so Ink's isDev is false, and its devtools code is left out.
 * - ink-redraw-on-resize: Ink erases its frame by the lines it wrote, which a
 *   terminal that reflows on resize no longer matches: pieces of old frames
 *   stayed after a narrower-then-wider resize. On every resize the screen is
 *   cleared and the transcript printed again (source/ui/resize-redraw.ts),
 *   and Ink's own clear (a frame taller than the screen) prints the text from
 *   before Ink too.
 */
export const PATCHES = [
	{
		name: 'lazy-unicode',
		filter: /[\\/]node_modules[\\/](?:string-width|slice-ansi|@alcalzone[\\/]ansi-tokenize)[\\/].*\.js$/,
		prelude: `import {QuickSegmenter as __QuickSegmenter, rgiEmojiOnly as __rgiEmojiOnly, emojiRegexTest as __emojiRegexTest} from ${JSON.stringify(quickGraphemes)};\n`,
		replacements: [
			['new Intl.Segmenter(', 'new __QuickSegmenter('],
			['/^\\p{RGI_Emoji}$/v', '__rgiEmojiOnly'],
			// string-width 7 (wrap-ansi's), one grapheme at a time.
			['emojiRegex().test(character)', '__emojiRegexTest(emojiRegex, character)'],
		],
	},
	{
		name: 'yoga-without-fetch',
		filter: /[\\/]node_modules[\\/]yoga-layout[\\/]dist[\\/]binaries[\\/]yoga-wasm-base64-esm\.js$/,
		replacements: [['typeof fetch', '"undefined"']],
	},
	{
		name: 'chalk-ignores-ci',
		filter: /[\\/]node_modules[\\/]chalk[\\/]source[\\/]vendor[\\/]supports-color[\\/]index\.js$/,
		replacements: [["'CI' in env", 'false']],
	},
	{
		name: 'ink-without-devtools',
		filter: /[\\/]node_modules[\\/]ink[\\/]build[\\/]utils\.js$/,
		replacements: [["const isDev = () => process.env['DEV'] === 'true';", 'const isDev = () => false;']],
	},
	{
		name: 'ink-redraw-on-resize',
		filter: /[\\/]node_modules[\\/]ink[\\/]build[\\/]ink\.js$/,
		prelude: `import {redrawAfterResize as __redrawAfterResize, printedBeforeInk as __printedBeforeInk} from ${JSON.stringify(resizeRedraw)};\n`,
		replacements: [
			[
				'        if (currentWidth < this.lastTerminalWidth) {\n            // We clear the screen when decreasing terminal width to prevent duplicate overlapping re-renders.\n            this.log.clear();\n            this.lastOutput = \'\';\n            this.lastOutputToRender = \'\';\n        }\n',
				'        __redrawAfterResize(this);\n',
			],
			['this.options.stdout.write(ansiEscapes.clearTerminal + this.fullStaticOutput + output);', 'this.options.stdout.write(ansiEscapes.clearTerminal + __printedBeforeInk() + this.fullStaticOutput + output);'],
		],
	},
];

/**
 * The esbuild plugin that applies `patches`, and the replacements that
 * matched no file in the build (as `patch: text`), for the build to refuse.
 */
export function patchDependencies(patches) {
	const matched = new Map(patches.flatMap(patch => patch.replacements.map(([from]) => [`${patch.name}: ${from}`, 0])));
	const plugin = {
		name: 'patch-dependencies',
		setup(esbuild) {
			for (const patch of patches) {
				esbuild.onLoad({filter: patch.filter}, async ({path}) => {
					const original = await readFile(path, 'utf8');
					let contents = original;
					for (const [from, to] of patch.replacements) {
						if (!contents.includes(from)) continue;
						matched.set(`${patch.name}: ${from}`, matched.get(`${patch.name}: ${from}`) + 1);
						contents = contents.replaceAll(from, to);
					}

					if (contents === original) return undefined;
					return {contents: (patch.prelude ?? '') + contents, loader: 'js'};
				});
			}
		},
	};
	const unmatched = () => [...matched].filter(([, count]) => count === 0).map(([what]) => what);
	return {plugin, unmatched};
}

