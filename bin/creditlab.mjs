#!/usr/bin/env node
// The CLI runs the TypeScript sources through tsx, so `npx creditlab` works right after `npm ci`
// with no build step. Worker threads get the same loader through their execArgv.
import { register } from 'tsx/esm/api';
register();
const { main } = await import('../src-main/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
