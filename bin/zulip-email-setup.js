#!/usr/bin/env -S node --v8-pool-size=1
// The shebang's flag (npm links this file as the command, and `npm start` runs
// it the same way): V8 keeps one background thread instead of four. A wizard
// has no work for them and each costs memory: the peak at the first frame goes
// from 75 to 69 MB with the frame no later (bench/startup.ts). `node bin/…`
// still works, without the flag.
import '../dist/cli.js';
