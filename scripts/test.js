// npm test's runner: node's test runner over test/, TAP on stdout as before (CI reads its
// "# pass N" and "# fail N" lines), and at the end the ten slowest files
// (test/helpers/slowest-files.mjs).
//
// `node scripts/test.js` runs every file; `--node-specific` only those whose result can differ
// with the Node that runs them (CI's second pass, on the Node the executables embed): the
// program started as a process in a terminal (start-up, first frame, keys, resize, signals) and
// the --licenses output. The rest is TypeScript run in-process on code that does not look at
// Node's version; the executables embed Node 24 whichever Node builds them, so the first pass
// already runs them on it (single-executable.test.ts). Further arguments are test files, instead
// of all.
import {spawnSync} from 'node:child_process';
import {readdirSync} from 'node:fs';

/** Files whose outcome depends on the Node version: they run the built program (bin/) as a process. */
export const NODE_SPECIFIC = [
	'cli.test.ts',
	'dumb-terminal.test.ts',
	'emulator-screens.test.ts',
	'first-frame.test.ts',
	'input-ready.test.tsx',
	'licences.test.ts',
	'rerun-pty.test.ts',
	'sandbox-pty.test.ts',
	'sandbox-rerun-pty.test.ts',
	'terminal-resize.test.ts',
	'ui-pty.test.ts',
].map(name => `test/${name}`);

const args = process.argv.slice(2);
const nodeSpecific = args.includes('--node-specific');
const named = args.filter(arg => !arg.startsWith('--'));
const all = readdirSync('test').filter(name => /\.test\.tsx?$/.test(name)).sort().map(name => `test/${name}`);
const files = named.length > 0 ? named : nodeSpecific ? NODE_SPECIFIC : all;
const missing = files.filter(file => !all.includes(file));
if (missing.length > 0) throw new Error(`No such test file: ${missing.join(', ')}`);

const result = spawnSync(process.execPath, [
	'--import', 'tsx',
	'--test',
	'--test-concurrency=2',
	'--test-reporter=tap', '--test-reporter-destination=stdout',
	'--test-reporter=./test/helpers/slowest-files.mjs', '--test-reporter-destination=stdout',
	...files,
], {
	stdio: 'inherit',
	// Tests reach loopback only: a DNS check that names no resolver asks a closed loopback port, never
	// the system's resolver (an address off this machine). A test that wants answers names its own
	// loopback server, as --dns-server or as this variable.
	env: {...process.env, ZULIP_EMAIL_SETUP_DNS_SERVER: process.env.ZULIP_EMAIL_SETUP_DNS_SERVER || '127.0.0.1:9'},
});
if (result.error) throw result.error;
process.exitCode = result.status ?? 1;
