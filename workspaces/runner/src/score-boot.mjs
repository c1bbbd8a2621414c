// See worker-boot.mjs: register tsx in this thread, then load the TS entry.
import { register } from 'tsx/esm/api';
register();
await import('./score-entry.ts');
