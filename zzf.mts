import {firstFrame} from './bench/startup.ts';
import {median} from './bench/stats.ts';
const env = {NODE_EXTRA_CA_CERTS: undefined};
const res: Record<string, number[]> = {clack: [], floor: [], ours: []};
for (let r = -1; r < 15; r++) {
  const c = await firstFrame({command: process.execPath, args: ['bench/clack-hello.mjs'], marker: /Which provider sends/}, env);
  const f = await firstFrame({command: process.execPath, args: ['--v8-pool-size=1', '/tmp/floor.mjs'], marker: /Which service/}, env);
  const o = await firstFrame({command: 'bin/zulip-email-setup.js', args: ['--settings', 'test/fixtures/settings/zulip-2024.py', '--secrets', 'test/fixtures/secrets/zulip-generated.conf'], marker: /Which service/}, env);
  if (r >= 0) { res.clack.push(c.ms); res.floor.push(f.ms); res.ours.push(o.ms); }
}
for (const [k, v] of Object.entries(res)) console.log(k.padEnd(12), median(v).toFixed(1));
