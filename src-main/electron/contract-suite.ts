// The API contract, written once and run against every transport (web host, Electron IPC bridge).
// A behaviour that differs between the two shells is a bug in one of them.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ApiEvent, CreditlabApi, ExperimentStatus } from '@creditlab/api';

export const TINY_SPEC = {
  version: 1,
  name: 't',
  seeds: [0],
  budget: { steps: 256 },
  base: { kind: 'rl', env: { id: 'CartPole-v1' }, algo: { name: 'ppo', numEnvs: 2, numSteps: 64 } },
};

export interface Transport {
  api: CreditlabApi;
  workspace: string;
  close(): Promise<void>;
}

/** The message plus any structured error paths: a transport may carry the paths either way. */
function errorText(e: unknown): string {
  const err = e as { message?: string; errors?: { path: string; message: string }[] };
  return [err.message ?? String(e), ...(err.errors ?? []).map((x) => `${x.path}: ${x.message}`)].join('\n');
}

async function rejects(p: Promise<unknown>, pattern: RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.match(errorText(e), pattern);
    return true;
  });
}

const loose = (api: CreditlabApi, m: keyof CreditlabApi) => api[m] as unknown as (...a: unknown[]) => Promise<unknown>;

export function apiContractSuite(name: string, open: () => Promise<Transport>): void {
  describe(`API contract: ${name}`, () => {
    let t: Transport;
    before(async () => {
      t = await open();
    });
    after(async () => {
      await t?.close();
    });

    it('doctor describes the host and its workspace', async () => {
      const d = await t.api.doctor();
      assert.match(d.version, /^\d+\.\d+\.\d+/);
      assert.equal(d.node, process.version);
      assert.equal(d.workspace, t.workspace);
      assert.equal(typeof d.electron.installed, 'boolean');
      assert.ok(d.workers >= 1 && d.cores >= 1);
      assert.ok(d.backend.length > 0);
    });

    it('listPresets returns specs with ids', async () => {
      const presets = await t.api.listPresets();
      assert.ok(Array.isArray(presets));
      for (const p of presets) {
        assert.equal(typeof p.id, 'string');
        assert.equal(typeof p.name, 'string');
        assert.equal(typeof p.spec, 'object');
      }
    });

    it('validateSpec accepts a valid spec', async () => {
      const r = await t.api.validateSpec(TINY_SPEC);
      assert.deepEqual(r.ok && { ok: r.ok, runs: r.runs }, { ok: true, runs: 1 });
    });

    it('validateSpec reports every error at its JSON path', async () => {
      const bad = { ...TINY_SPEC, budget: { steps: -1 }, extra: 1 };
      const r = await t.api.validateSpec(bad);
      assert.equal(r.ok, false);
      const paths = r.ok ? [] : r.errors.map((e) => e.path);
      assert.ok(paths.includes('budget.steps'), paths.join(', '));
      assert.ok(paths.includes('extra'), paths.join(', '));
      assert.ok(!r.ok && r.errors.every((e) => typeof e.message === 'string' && e.message.length > 0));
    });

    it('rejects invalid arguments, naming the argument', async () => {
      await rejects(loose(t.api, 'getExperiment')(42), /getExperiment: invalid arguments: args\[0\]/);
      await rejects(loose(t.api, 'startExperiment')('not a spec'), /args\[0\]/);
      await rejects(loose(t.api, 'exportExperiment')('abc', 'xml'), /args\[1\]/);
      await rejects(loose(t.api, 'getRun')('../../etc/passwd'), /args\[0\]/);
      await rejects(loose(t.api, 'setRunMeta')('abc', { tags: ['x'], evil: true }), /args\[1\]/);
    });

    it('rejects an invalid spec in startExperiment with its paths', async () => {
      await rejects(t.api.startExperiment({ ...TINY_SPEC, budget: { steps: 'many' } }), /budget\.steps/);
    });

    it('reports an unknown experiment as an error', async () => {
      await assert.rejects(t.api.getExperiment('no-such-experiment'));
    });

    it('runs a tiny experiment, streams its events, and exports it', async () => {
      const events: ApiEvent[] = [];
      let finish!: (s: ExperimentStatus) => void;
      const finished = new Promise<ExperimentStatus>((r) => (finish = r));
      let experimentId = '';
      const unsubscribe = t.api.subscribe((e) => {
        events.push(e);
        if (e.type === 'experiment' && e.experiment.id === experimentId && e.experiment.status !== 'running') finish(e.experiment.status);
      });
      try {
        // Let the event channel (a WebSocket for the web host) connect before anything is emitted.
        await new Promise((r) => setTimeout(r, 150));
        const started = await t.api.startExperiment(TINY_SPEC, { workers: 1 });
        experimentId = started.experimentId;
        assert.equal(started.runIds.length, 1);
        const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no final experiment event; got ${events.map((e) => e.type).join(',')}`)), 20_000).unref());
        assert.equal(await Promise.race([finished, timeout]), 'finished');
      } finally {
        unsubscribe();
      }
      const types = new Set(events.map((e) => e.type));
      assert.ok(types.has('run') && types.has('experiment'), [...types].join(','));
      assert.ok(events.some((e) => e.type === 'run' && e.run.status === 'finished'));

      const exp = await t.api.getExperiment(experimentId);
      assert.equal(exp.status, 'finished');
      assert.equal(exp.runs.length, 1);
      assert.equal(exp.runs[0].status, 'finished');
      assert.ok(exp.metrics.length > 0);
      const metric = exp.metrics.includes('charts/episodic_return') ? 'charts/episodic_return' : exp.metrics[0];
      const series = await t.api.getSeries(experimentId, metric);
      assert.equal(series.length, 1);
      assert.equal(series[0].metric, metric);
      assert.equal(series[0].steps.length, series[0].values.length);
      assert.ok(series[0].steps.length > 0);

      const run = await t.api.getRun(exp.runs[0].id);
      assert.equal(run.experimentId, experimentId);

      const csv = await t.api.exportExperiment(experimentId, 'csv');
      assert.equal(csv.mime, 'text/csv');
      assert.ok(csv.filename.endsWith('.csv'));
      assert.equal(csv.content.split('\n')[0], 'experiment,arm,seed,run,step,metric,value');
      assert.ok(csv.content.split('\n').length > 2);

      const list = await t.api.listExperiments();
      assert.ok(list.some((e) => e.id === experimentId));
    });
  });
}
