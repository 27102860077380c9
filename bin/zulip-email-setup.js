#!/usr/bin/env -S node --v8-pool-size=1
// The shebang's flag (npm links this file as the command, and `npm start` runs
// it the same way): V8 keeps one background thread instead of four. A wizard
// has no work for them and each costs memory: the peak at the first frame goes
// from 75 to 69 MB with the frame no later (bench/startup.ts). `node bin/…`
// still works, without the flag.
// NO_COLOR must become FORCE_COLOR=0 before chalk (inside Ink) is loaded.
if (process.env.NO_COLOR) process.env.FORCE_COLOR = '0';
await import('../dist/cli.js');
