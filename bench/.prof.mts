import {PtySession, keys} from '../test/helpers/pty.ts';
const s = new PtySession(process.execPath, ['--cpu-prof', '--cpu-prof-dir=/tmp/prof2', '/work/main/bin/zulip-email-setup.js', '--settings', '/work/main/test/fixtures/settings/zulip-2024.py', '--secrets', '/work/main/test/fixtures/secrets/zulip-generated.conf']);
const t = performance.now();
await s.waitFor(/Which service/);
console.log('frame', performance.now() - t);
await s.press(keys.ctrlC); await s.press(keys.ctrlC);
console.log(await s.exit());
