import type { RunContext, ResolvedRun } from '@creditlab/spec';

export interface FakeContext extends RunContext {
  logs: { step: number; metrics: Record<string, number> }[];
  samples: { step: number; kind: string; data: unknown }[];
  progressed: number[];
  infos: string[];
  computes: { compute: string; backend: string; reason: string }[];
}

export function fakeContext(config: unknown, steps: number, seed = 0): FakeContext {
  const run = { schema: 'creditlab.run/1', experiment: 't', arm: 'a', seed, index: 0, budget: { steps }, config, hash: 'x' } as unknown as ResolvedRun;
  const ctx: FakeContext = {
    run,
    runDir: null,
    backend: 'wasm',
    logs: [],
    samples: [],
    progressed: [],
    infos: [],
    computes: [],
    reportCompute(c) {
      ctx.computes.push(c);
    },
    log(step, metrics) {
      ctx.logs.push({ step, metrics });
    },
    progress(step) {
      ctx.progressed.push(step);
    },
    cancelled: () => false,
    info(m) {
      ctx.infos.push(m);
    },
    sample(step, kind, data) {
      ctx.samples.push({ step, kind, data });
    },
    checkpoint() {},
  };
  return ctx;
}
