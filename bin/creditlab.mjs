#!/usr/bin/env -S node --no-node-snapshot
// --no-node-snapshot: isolated-vm (the reward sandbox) requires it on Node >= 20, where V8 shares heap
// state between isolates started from different snapshots and can crash the process.
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
