#!/usr/bin/env node
// The CLI runs the TypeScript sources through tsx, so `npx creditlab` works right after `npm ci`
// with no build step. Worker threads get the same loader through their execArgv.
import { register } from 'tsx/esm/api';
// A reader that stops early (`creditlab show … | head`) closes the pipe: that ends the output, quietly.
process.stdout.on('error', (e) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});
register();
const { main } = await import('../src-main/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
