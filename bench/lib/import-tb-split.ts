// Where import-tb's time goes, per thread: `node --import tsx bench/lib/import-tb-split.ts [serial|pipelined ...]`
// imports the bench's logs (100 runs × 5 tags × 10,000 points) once per mode named, in that order, and
// prints per mode the wall time, the process's CPU time, and the main thread's time on a CPU and waiting
// for one (Linux: /proc/thread-self/schedstat; wall minus both is time blocked). "serial" is the same code
// path with the decoding worker off (everything read, then written); "pipelined" is `runImport` as the
// bench runs it. On a busy machine the wait for a CPU dominates the wall time; the other columns hold.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { planTensorboard } from '@creditlab/importers';
import { RunStore } from '@creditlab/store';
import { runImport } from '../../src-main/host/import-service';
import { writeLogs } from './import-tb';

const modes = process.argv.slice(2).length ? process.argv.slice(2) : ['serial', 'pipelined'];
const sched = () => readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ').map(Number);
const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};
const root = mkdtempSync(join(tmpdir(), 'creditlab-tb-split-'));
try {
  const logs = join(root, 'logs');
  writeLogs(logs);
  for (const [i, mode] of modes.entries()) {
    const ws = join(root, `ws${i}`);
    const load = loadavg()[0].toFixed(2);
    const s0 = sched();
    const c0 = cpu();
    const t0 = performance.now();
    const store = RunStore.open(ws);
    let points = 0;
    if (mode === 'serial') {
      const plan = await planTensorboard(logs, { decodeWorker: false });
      points = store.importRuns({ source: plan.source, name: 'bench', runs: plan.runs }).pointsAdded;
    } else if (mode === 'pipelined') points = (await runImport({ kind: 'tensorboard', path: logs, name: 'bench' }, () => store)).result?.pointsAdded ?? 0;
    else throw new Error(`unknown mode ${mode}: serial or pipelined`);
    store.close();
    const s1 = sched();
    const wall = (performance.now() - t0) / 1000;
    const on = (s1[0] - s0[0]) / 1e9;
    const queued = (s1[1] - s0[1]) / 1e9;
    console.log(
      JSON.stringify({ mode, points, wall: +wall.toFixed(2), processCpu: +(cpu() - c0).toFixed(2), mainOnCpu: +on.toFixed(2), mainWaitingForCpu: +queued.toFixed(2), mainBlocked: +(wall - on - queued).toFixed(2), load: `${load}→${loadavg()[0].toFixed(2)}` }),
    );
    rmSync(ws, { recursive: true, force: true });
  }
} finally {
  rmSync(root, { recursive: true, force: true });
}
