import {readFileSync} from 'node:fs';
import {PtySession, keys} from '../test/helpers/pty.ts';
const extra = process.argv.slice(2);
for (let i = 0; i < 3; i++) {
const s = new PtySession(process.execPath, [...extra, '/work/main/bin/zulip-email-setup.js', '--settings', '/work/main/test/fixtures/settings/zulip-2024.py', '--secrets', '/work/main/test/fixtures/secrets/zulip-generated.conf']);
const t = performance.now();
await s.waitFor(/Which service/);
const ms = performance.now() - t;
await new Promise(r => setTimeout(r, 150));
const st = readFileSync(`/proc/${s.pty.pid}/status`, 'utf8');
console.log(extra.join(' '), 'frame', ms.toFixed(0), 'HWM', /VmHWM:\s+(\d+)/.exec(st)![1], 'RSS', /VmRSS:\s+(\d+)/.exec(st)![1]);
s.kill(); await s.exit().catch(() => 0);
}
