// One warm run process, started as the CLI and `creditlab serve` start them (ProcessPool.prewarm):
// prints the seconds from fork to a worker ready for a run, and the CPU seconds the child used to get
// there (Linux: read from /proc before it exits; null elsewhere). CREDITLAB_WORKER_RUNTIME picks the
// runtime: unset for the bundles, `tsx` for the TypeScript through tsx.
import { readdirSync } from 'node:fs';
import { ProcessPool } from '@creditlab/runner';
import { procStat } from './machine';

/** CPU seconds (user + system) of this process's children still alive (Linux /proc; null elsewhere). */
function childCpuSeconds(): number | null {
  let dirs: string[];
  try {
    dirs = readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  } catch {
    return null;
  }
  let total = 0;
  for (const d of dirs) {
    const st = procStat(Number(d));
    if (st?.ppid === process.pid) total += st.cpuSeconds;
  }
  return total;
}

const keepAlive = setInterval(() => {}, 1000);
const pool = new ProcessPool({ workers: 1 });
const t0 = performance.now();
await pool.prewarm(1);
const seconds = (performance.now() - t0) / 1000;
const cpu = childCpuSeconds();
await pool.shutdown();
clearInterval(keepAlive);
console.log(JSON.stringify({ seconds, cpu }));
