import {firstFrame} from './bench/startup.ts';
import {median} from './bench/stats.ts';
const settings = 'test/fixtures/settings/zulip-2024.py', secrets = 'test/fixtures/secrets/zulip-generated.conf';
const variants: Record<string, string[]> = {};
for (const arg of process.argv.slice(2)) { const [name, ...flags] = arg.split(' '); variants[name] = flags; }
const env = {NODE_EXTRA_CA_CERTS: undefined};
const res: Record<string, number[]> = {clack: []};
for (const k of Object.keys(variants)) res[k] = [];
for (let r = -1; r < 15; r++) {
  const c = await firstFrame({command: process.execPath, args: ['bench/clack-hello.mjs'], marker: /Which provider sends/}, env);
  if (r >= 0) res.clack.push(c.ms);
  for (const [k, flags] of Object.entries(variants)) {
    const o = await firstFrame({command: process.execPath, args: [...flags, 'dist/cli.js', '--settings', settings, '--secrets', secrets], marker: /Which service/}, env);
    if (r >= 0) res[k].push(o.ms);
  }
}
for (const [k, v] of Object.entries(res)) console.log(k.padEnd(12), median(v).toFixed(1));
