// The single executable's main script (scripts/package.js bundles it as
// CommonJS, the only format Node 24's single-executable support runs). The
// app itself stays an ES module, because Ink's layout engine awaits at the
// top level; its files are assets of the executable, and in-thread module
// hooks serve them from memory under the sea: scheme. Relative imports
// between the bundle's chunks resolve there, so the chunks still load lazily
// as they do from dist/, and nothing is written to disk or read from it.
import * as nodeModule from 'node:module';
import {getAsset} from 'node:sea';

// @types/node follows the oldest Node the npm build supports (20), which lacks these hooks; the embedded Node has them.
type Resolved = {url: string; format?: string; shortCircuit?: boolean};
type Loaded = {format: string; source: string; shortCircuit?: boolean};
type Hooks = {
	resolve(specifier: string, context: {parentURL?: string}, next: (specifier: string, context: {parentURL?: string}) => Resolved): Resolved;
	load(url: string, context: object, next: (url: string, context: object) => Loaded): Loaded;
};
const {registerHooks} = nodeModule as unknown as {registerHooks(hooks: Hooks): void};

const ROOT = 'sea:/';

registerHooks({
	resolve(specifier, context, next) {
		if (!context.parentURL?.startsWith(ROOT) || specifier.startsWith('node:')) return next(specifier, context);
		if (specifier.startsWith('./')) return {url: new URL(specifier, context.parentURL).href, shortCircuit: true};
		// A package the bundle leaves out (react-devtools-core, for Ink's DEV=true only) is not in the executable:
		// the error Ink expects for it, rather than a lookup in whatever node_modules the working directory has.
		const error = new Error(`Cannot find package '${specifier}': the single executable contains only the bundle`) as Error & {code: string};
		error.code = 'ERR_MODULE_NOT_FOUND';
		throw error;
	},
	load(url, context, next) {
		if (!url.startsWith(ROOT)) return next(url, context);
		return {format: 'module', source: getAsset(url.slice(ROOT.length), 'utf8'), shortCircuit: true};
	},
});

// The bundle sets process.exitCode itself; a failure to load it at all is a bug in the build.
import(ROOT + 'cli.js').catch((error: unknown) => {
	process.stderr.write(`zulip-email-setup: the executable's bundle failed to load: ${(error as Error)?.stack ?? String(error)}\n`);
	process.exitCode = 70;
});
