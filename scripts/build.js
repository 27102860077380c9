// Bundles the CLI so the first frame comes fast over SSH: one file to parse
// for the startup path; nodemailer, execa and the UI load as separate chunks
// only when a step needs them.
import {rmSync} from 'node:fs';
import {build} from 'esbuild';

// Stale chunks from earlier builds would pile up beside the new ones.
rmSync('dist', {recursive: true, force: true});

await build({
	entryPoints: ['source/cli.tsx'],
	outdir: 'dist',
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
	// Some bundled CommonJS (yoga, signal-exit) calls require(); give ESM one.
	banner: {js: "import {createRequire as __createRequire} from 'node:module';const require=__createRequire(import.meta.url);"},
	logLevel: 'warning',
});
