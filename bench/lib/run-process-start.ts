// One warm run process, started as the CLI and `creditlab serve` start them (ProcessPool.prewarm):
// prints the seconds from fork to a worker ready for a run, and the CPU seconds the child used to get
// there (Linux: read from /proc before it exits; null elsewhere). CREDITLAB_WORKER_RUNTIME picks the
// runtime: unset for the bundles, `tsx` for the TypeScript through tsx.
import { readFileSync, readdirSync } from 'node:fs';
import { ProcessPool } from '@creditlab/runner';

/** CPU seconds (user + system) of this process's children still alive, from /proc. */
function childCpuSeconds(): number | null {
  try {
    const hz = 100; // USER_HZ on Linux
    let ticks = 0;
    for (const d of readdirSync('/proc')) {
      if (!/^\d+$/.test(d)) continue;
      let stat: string;
      try {
        stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      } catch {
        continue;
      }
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(f[1]) !== process.pid) continue;
      ticks += Number(f[11]) + Number(f[12]);
    }
    return ticks / hz;
  } catch {
    return null;
  }
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
