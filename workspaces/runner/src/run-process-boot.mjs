// See worker-boot.mjs: register tsx in this process, then load the TS entry.
import { register } from 'tsx/esm/api';
register();
await import('./run-process.ts');
