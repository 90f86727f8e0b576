#!/usr/bin/env node
// The CLI is compiled to dist/ by `npm ci` (the prepare script) or `npm run build`.
import module from 'node:module';

// Node ≥ 22.1 keeps V8's compiled code of the CLI's modules between runs (most of a short
// command's start-up); Node 20 has no such cache and goes on without it.
module.enableCompileCache?.();
const { main } = await import('../../dist/cli/main.js');

process.exitCode = await main(process.argv.slice(2));
