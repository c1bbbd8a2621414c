// Entry of the decoding worker thread (decode-pool.ts): register tsx in this thread, then load the TS entry.
import { register } from 'tsx/esm/api';
register();
await import('./decode-entry.ts');
