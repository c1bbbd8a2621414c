// bench import-tb: TensorBoard logs of 100 runs × 5 tags × 10,000 points, imported by `creditlab import`'s
// code path (read, CRC-check, decode, write to a fresh workspace) against TensorBoard's EventAccumulator
// reading the same files into Python lists (the reference; skipped where `tensorboard` does not import).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventMessage, frameRecord } from '@creditlab/importers';
import { RunStore } from '@creditlab/store';
import { runImport } from '../../src-main/host/import-service';

export const IMPORT_TB = { runs: 100, tags: 5, points: 10_000 };

/** Writes the logs the way TensorBoard writers do: one event per tag per step, v1 simple_value scalars. */
export function writeLogs(dir: string): void {
  const { runs, tags, points } = IMPORT_TB;
  for (let r = 0; r < runs; r++) {
    const chunks: Uint8Array[] = [frameRecord(EventMessage.encode(EventMessage.fromObject({ wallTime: 1.7e9, fileVersion: 'brain.Event:2' })).finish())];
    for (let i = 0; i < points; i++) {
      const step = i * 128 + (r % 7);
      for (let t = 0; t < tags; t++) {
        const ev = { wallTime: 1.7e9 + i * 0.5, step, summary: { value: [{ tag: `charts/metric_${t}`, simpleValue: Math.sin(i * 0.01 + r + t) }] } };
        chunks.push(frameRecord(EventMessage.encode(EventMessage.fromObject(ev)).finish()));
      }
    }
    const folder = join(dir, `arm_${r % 4}`, `seed_${Math.floor(r / 4)}`);
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, `events.out.tfevents.1700000000.bench.${r}`), Buffer.concat(chunks));
  }
}

export function referencePython(): string | null {
  for (const py of [process.env.CREDITLAB_TB_PYTHON, 'python3', '/usr/bin/python3'].filter(Boolean) as string[]) {
    if (spawnSync(py, ['-c', 'import tensorboard.backend.event_processing.event_accumulator'], { stdio: 'ignore' }).status === 0) return py;
  }
  return null;
}

export async function measureImportTb(): Promise<{ oursSeconds: number; refSeconds: number | null; points: number; refNote: string }> {
  const root = mkdtempSync(join(tmpdir(), 'creditlab-bench-tb-'));
  try {
    const logs = join(root, 'logs');
    writeLogs(logs);
    const points = IMPORT_TB.runs * IMPORT_TB.tags * IMPORT_TB.points;
    const t0 = performance.now();
    // `creditlab import tensorboard`'s path: runs are written while later folders are still being decoded.
    const store = RunStore.open(join(root, 'ws'));
    const { plan, result } = await runImport({ kind: 'tensorboard', path: logs, name: 'bench' }, () => store);
    store.close();
    const oursSeconds = (performance.now() - t0) / 1000;
    const out = result ?? { pointsAdded: 0 };
    if (out.pointsAdded !== points || plan.problems.length) throw new Error(`import-tb: ${out.pointsAdded} of ${points} points imported; problems ${JSON.stringify(plan.problems.slice(0, 3))}`);
    const py = referencePython();
    if (!py) return { oursSeconds, refSeconds: null, points, refNote: 'reference not run: no python with the tensorboard package (set CREDITLAB_TB_PYTHON)' };
    const r = spawnSync(py, [new URL('../reference/tb_read.py', import.meta.url).pathname, logs], { encoding: 'utf8' });
    if (r.status !== 0) return { oursSeconds, refSeconds: null, points, refNote: `reference failed: ${r.stderr.trim().split('\n').at(-1)}` };
    const ref = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { seconds: number; points: number; tensorboard: string };
    if (ref.points !== points) throw new Error(`import-tb: the reference read ${ref.points} of ${points} points`);
    return { oursSeconds, refSeconds: ref.seconds, points, refNote: `reference: tensorboard ${ref.tensorboard} EventAccumulator (${py})` };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
