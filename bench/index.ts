// `npm run bench [-- --json] [-- --only NAME]`: each benchmark prints our figure, a reference figure
// measured in the same invocation, and their ratio. Long runs live here, never in the unit tests.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Host } from '../src-main/host/host';
import { initBackend } from '@creditlab/rl';

export interface BenchResult {
  name: string;
  ours: number;
  reference: number | null;
  ratio: number | null;
  unit: string;
  backend: string;
  note?: string;
}

const args = process.argv.slice(2);
const json = args.includes('--json');
const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : null;
const steps = Number(process.env.BENCH_STEPS ?? 32768);

function cartpoleSpec(seeds: number[]) {
  return {
    version: 1,
    name: 'bench-cartpole-ppo',
    seeds,
    budget: { steps },
    base: { kind: 'rl', env: { id: 'CartPole-v1' }, algo: { name: 'ppo' } },
    arms: [{ name: 'ppo' }],
  };
}

/** Runs an experiment through the real host + worker pool; returns total env steps per wall second. */
async function experimentSps(seeds: number[], workers: number): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'creditlab-bench-'));
  const host = new Host({ workspace: dir, workers });
  try {
    const t0 = performance.now();
    const { done, runIds } = host.launch(cartpoleSpec(seeds));
    await done;
    const seconds = (performance.now() - t0) / 1000;
    for (const id of runIds) {
      const r = host.store.getRunSummary(id);
      if (r.status !== 'finished') throw new Error(`bench run ${id} ${r.status}: ${r.error}`);
    }
    return (steps * seeds.length) / seconds;
  } finally {
    await host.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const BENCHES: Record<string, (backend: string) => Promise<BenchResult>> = {
  async 'ppo-cartpole-1-worker'(backend) {
    const sps = await experimentSps([0], 1);
    return { name: 'ppo-cartpole-1-worker', ours: sps, reference: null, ratio: null, unit: 'env-steps/s', backend, note: `${steps} steps, CleanRL hyperparameters, incl. worker start-up` };
  },
  async scaling(backend) {
    const n = availableParallelism();
    const seeds = [0, 1, 2, 3];
    const one = await experimentSps(seeds, 1);
    const many = await experimentSps(seeds, n);
    return { name: 'scaling', ours: many, reference: one, ratio: many / one, unit: 'env-steps/s', backend, note: `4 runs × ${steps} steps: ${n} workers vs 1 worker` };
  },
};

const { backend } = await initBackend(process.env.CREDITLAB_BACKEND);
const results: BenchResult[] = [];
for (const [name, fn] of Object.entries(BENCHES)) {
  if (only && name !== only) continue;
  const r = await fn(backend);
  results.push(r);
  if (json) console.log(JSON.stringify(r));
  else {
    const f = (v: number | null) => (v === null ? '—' : v >= 100 ? v.toFixed(0) : v.toFixed(3));
    console.log(`${r.name.padEnd(24)} ours ${f(r.ours).padStart(8)}  reference ${f(r.reference).padStart(8)}  ratio ${f(r.ratio).padStart(6)}  ${r.unit}  [${r.backend}]  ${r.note ?? ''}`);
  }
}
