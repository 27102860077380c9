// npm run bench: every figure the issues ask for, in one run on this machine.
import benchStartup from './startup.js';

const only = process.argv[2];
const results: Record<string, unknown> = {};
if (!only || only === 'startup') results.startup = await benchStartup();
if (!only || only === 'smtp') {
	const {default: benchSmtp} = await import('./smtp.js');
	results.smtp = await benchSmtp();
}

if (!only || only === 'engine') {
	const {default: benchEngine} = await import('./engine.js');
	results.engine = await benchEngine();
}

if (!only || only === 'dns') {
	const {default: benchDns} = await import('./dns.js');
	results.dns = await benchDns();
}

if (!only || only === 'executable') {
	const {default: benchExecutable} = await import('./executable.js');
	results.executable = await benchExecutable();
}

console.log(JSON.stringify(results));
