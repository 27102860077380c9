import {spawn} from '@lydell/node-pty';
await new Promise<void>(resolve => {
const p = spawn(process.execPath, ['--cpu-prof', '--cpu-prof-dir=/tmp/prof', '--cpu-prof-interval', '25', '--v8-pool-size=1', 'dist/cli.js', '--settings', 'test/fixtures/settings/zulip-2024.py', '--secrets', 'test/fixtures/secrets/zulip-generated.conf'], {cols: 80, rows: 24, env: Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'NODE_EXTRA_CA_CERTS')) as any});
let raw = ''; let sent = false;
p.onData(d => { raw += d; if (!sent && raw.includes('Which service')) { sent = true; setTimeout(() => p.write('\x03'), 300); } });
p.onExit(() => resolve());
});
