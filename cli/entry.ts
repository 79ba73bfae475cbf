#!/usr/bin/env node
// The entry of the bundled CLI (scripts/bundle-cli.mjs writes it to dist/cli/main.js, the `tongban` bin): the
// compile cache goes on before anything else is compiled, so the program (cli/main.ts, with commander) is loaded
// through it too. The bundle keeps the program and each command in chunks of their own, loaded when used.
import { useCompileCache } from './compile-cache.js';

useCompileCache();
await (await import('./main.js')).main();
