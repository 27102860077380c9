#!/usr/bin/env node
// NO_COLOR must become FORCE_COLOR=0 before chalk (inside Ink) is loaded.
if (process.env.NO_COLOR) process.env.FORCE_COLOR = '0';
await import('../dist/cli.js');
