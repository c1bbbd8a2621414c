// One experiment: header with actions, then runs, comparison and spec tabs.
import { useCallback, useEffect, useMemo, useState } from 'react';
import type { ExperimentDetail, RunDetail, RunStatus } from '@creditlab/api';
import { descriptionParts } from '@creditlab/common';
import { api } from '../api';
import { DiffModal } from '../components/DiffModal';
import { fmtTime } from '../lib/format';
import { prettyJson } from '../lib/spec-text';
import { useHacking } from '../lib/use-hacking';
import { loadRuns, onMetrics, refreshExperiments, useLive } from '../lib/live';
import { navigate } from '../router';
import { openInBuilder } from './Builder';
import { Comparison } from './Comparison';
import { RunPanel } from './RunPanel';
import { RunsTable } from './RunsTable';

/** What makes two runs differ: everything resolved except the identity fields every run has its own of. */
function runConfigText(r: RunDetail): string {
  const { hash: _hash, index: _index, experiment: _experiment, ...rest } = r.resolved;
  return prettyJson(rest);
}

const ORDER: RunStatus[] = ['running', 'queued', 'finished', 'failed', 'cancelled', 'interrupted'];

export function ExperimentView({ id, tab, run }: { id: string; tab: 'runs' | 'compare' | 'spec'; run?: string }) {
  const live = useLive();
  const [detail, setDetail] = useState<ExperimentDetail | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [extraMetrics, setExtraMetrics] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);
  /** What the last Resume did with runs it could not continue from a checkpoint. */
  const [resumeNote, setResumeNote] = useState<string[]>([]);
  const [picked, setPicked] = useState<string[]>([]);
  const [configDiff, setConfigDiff] = useState<[RunDetail, RunDetail] | null>(null);
  const [diffError, setDiffError] = useState<string | null>(null);
  const summary = live.experiments.find((e) => e.id === id);
  const runs = live.runs[id] ?? detail?.runs ?? [];
  const endedCount = summary ? summary.runCounts.finished + summary.runCounts.failed + summary.runCounts.cancelled : 0;

  useEffect(() => {
    setDetail(null);
    setError(null);
    setExtraMetrics([]);
    void loadRuns(id).catch((e: Error) => setError(e.message));
  }, [id]);

  // The detail (spec, metric names) is refetched whenever a run ends: new metrics may have appeared.
  useEffect(() => {
    let alive = true;
    api.getExperiment(id).then(
      (d) => alive && setDetail(d),
      (e: Error) => alive && setError(e.message),
    );
    return () => {
      alive = false;
    };
  }, [id, endedCount]);

  useEffect(() => {
    const ids = new Set(runs.map((r) => r.id));
    return onMetrics((runId, points, experiment) => {
      if (experiment !== id && !ids.has(runId)) return;
      setExtraMetrics((prev) => {
        const add = points.map((p) => p.metric).filter((m, i, a) => a.indexOf(m) === i && !prev.includes(m));
        return add.length ? [...prev, ...add] : prev;
      });
    });
  }, [runs, id]);

  // Escape closes the run details from anywhere on the page, not only from a focused row.
  useEffect(() => {
    if (!run) return;
    const h = (ev: KeyboardEvent) => {
      if (ev.key === 'Escape' && !(ev.target instanceof HTMLTextAreaElement)) navigate(`#/exp/${id}`);
    };
    window.addEventListener('keydown', h);
    return () => window.removeEventListener('keydown', h);
  }, [id, run]);

  const metricList = useMemo(() => [...new Set([...(detail?.metrics ?? []), ...extraMetrics])].sort(), [detail?.metrics, extraMetrics]);
  const hacking = useHacking(id, metricList, runs);
  const pick = useCallback((runId: string) => setPicked((p) => (p.includes(runId) ? p.filter((x) => x !== runId) : [...p.slice(-1), runId])), []);
  const openConfigDiff = async () => {
    setDiffError(null);
    try {
      const [a, b] = await Promise.all(picked.map((r) => api.getRun(r)));
      setConfigDiff(a.index <= b.index ? [a, b] : [b, a]);
    } catch (err) {
      setDiffError((err as Error).message);
    }
  };

  const merged = useMemo(() => {
    if (!detail) return null;
    const metrics = [...new Set([...detail.metrics, ...extraMetrics])].sort();
    return { ...detail, ...(summary ?? {}), runs, metrics } as ExperimentDetail;
  }, [detail, summary, runs, extraMetrics]);

  if (error) return <div className="view pad error-text">Could not open experiment {id}: {error}</div>;
  if (!merged) return <div className="view pad muted">Loading experiment {id}…</div>;
  const e = merged;
  // Run events arrive per transition, experiment events only when a run ends: count from the runs.
  const runCounts = { ...e.runCounts };
  if (runs.length > 0) {
    for (const s of ORDER) runCounts[s] = 0;
    for (const r of runs) runCounts[r.status]++;
  }
  const counts = ORDER.filter((s) => runCounts[s] > 0);
  const active = runCounts.running + runCounts.queued > 0;
  const selected = runs.find((r) => r.id === run);

  const act = async (fn: () => Promise<unknown>) => {
    setBusy(true);
    try {
      await fn();
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="view experiment">
      <header className="view-header">
        <div className="title-block">
          <h1>{e.name}</h1>
          <span className={`status status-${e.status}`}>{e.status}</span>
          <span className="mono dim">{e.id}</span>
          <span className="dim">{fmtTime(e.createdAt)}</span>
          <span className="counts">
            {counts.map((s) => (
              <span key={s} className={`count-chip status-${s}`}>
                {runCounts[s]} {s}
              </span>
            ))}
          </span>
        </div>
        <div className="toolbar">
          <button type="button" disabled={!active || busy} onClick={() => void act(() => api.cancelExperiment(e.id))}>
            Cancel all
          </button>
          {runCounts.interrupted > 0 && (
            <button
              type="button"
              disabled={busy}
              title="Continue the interrupted runs from their last checkpoints (runs without one start over)"
              onClick={() =>
                void act(async () => {
                  const r = await api.resume(e.id);
                  setResumeNote([
                    ...r.resumed.map((x) => `${x.run} resumed after step ${x.fromStep}`),
                    ...r.restarted.map((x) => `${x.run} started over from step 0: ${x.reason}`),
                    ...r.skipped.map((x) => `${x.run} not resumed: ${x.reason}`),
                  ]);
                })
              }
            >
              Resume {runCounts.interrupted}
            </button>
          )}
          {e.source ? (
            <span className="imported-badge" data-testid="imported-badge" title={`${e.source.path}\nfirst imported ${e.source.importedAt}, last ${e.source.lastImportAt}`}>
              imported · {e.source.kind === 'tensorboard' ? 'TensorBoard' : e.source.kind === 'wandb-csv' ? 'W&B CSV' : 'CSV'} · read-only
            </span>
          ) : (
          <button
            type="button"
            disabled={busy}
            title="Run the same resolved runs again as a new experiment"
            onClick={() =>
              void act(async () => {
                const r = await api.rerunExperiment(e.id);
                await refreshExperiments();
                navigate(`#/exp/${r.experimentId}`);
              })
            }
          >
            Re-run
          </button>
          )}
          {!e.source && (
            <button type="button" onClick={() => openInBuilder(e.spec)} title="Open this spec in the builder">
              Duplicate
            </button>
          )}
        </div>
      </header>
      {e.description && <Description text={e.description} />}
      {resumeNote.length > 0 && (
        <div className="resume-note" role="status" data-testid="resume-note">
          {resumeNote.map((line) => (
            <div key={line}>{line}</div>
          ))}
        </div>
      )}
      <nav className="tabs" role="tablist">
        {(['runs', 'compare', 'spec'] as const).map((t) => (
          <a key={t} role="tab" aria-selected={tab === t} className={tab === t ? 'active' : undefined} href={`#/exp/${e.id}${t === 'runs' ? '' : '/' + t}`}>
            {t === 'runs' ? `Runs (${runs.length})` : t === 'compare' ? 'Compare' : 'Spec'}
          </a>
        ))}
      </nav>
      <div className="tab-body">
        {tab === 'runs' && (
          <div className={`runs-layout${selected ? ' with-panel' : ''}`}>
            {picked.length > 0 && (
              <div className="selection-bar" data-testid="selection-bar">
                <span>
                  {picked.length === 1 ? (
                    <>
                      <span className="mono">{picked[0]}</span> selected; tick one more run to diff configs
                    </>
                  ) : (
                    <>
                      <span className="mono">{picked[0]}</span> and <span className="mono">{picked[1]}</span> selected
                    </>
                  )}
                </span>
                <button type="button" className="primary" disabled={picked.length !== 2} onClick={() => void openConfigDiff()}>
                  Diff configs
                </button>
                <button type="button" onClick={() => setPicked([])}>
                  Clear
                </button>
                {diffError && <span className="error-text small">{diffError}</span>}
              </div>
            )}
            <RunsTable
              runs={runs}
              arms={e.arms}
              selected={run}
              onSelect={(r) => navigate(r ? `#/exp/${e.id}/run/${r}` : `#/exp/${e.id}`)}
              picked={picked}
              onPick={pick}
              hacking={hacking.byRun}
            />
            {selected && <RunPanel runId={selected.id} status={selected.status} onClose={() => navigate(`#/exp/${e.id}`)} hacking={hacking.byRun.get(selected.id)} />}
            {!selected && e.metrics.length > 0 && <Comparison experiment={e} hacking={hacking} compact />}
          </div>
        )}
        {tab === 'compare' && <Comparison experiment={e} hacking={hacking} />}
        {tab === 'spec' && <pre className="spec-view mono">{JSON.stringify(e.spec, null, 2)}</pre>}
      </div>
      {configDiff && (
        <DiffModal
          title="Config diff"
          language="json"
          testId="config-diff"
          left={{ label: `${configDiff[0].id} · ${configDiff[0].arm} · seed ${configDiff[0].seed}`, text: runConfigText(configDiff[0]) }}
          right={{ label: `${configDiff[1].id} · ${configDiff[1].arm} · seed ${configDiff[1].seed}`, text: runConfigText(configDiff[1]) }}
          onClose={() => setConfigDiff(null)}
        />
      )}
    </div>
  );
}

/** The spec's description: three lines, then "more" (preset descriptions carry whole result paragraphs). */
function Description({ text }: { text: string }) {
  const [open, setOpen] = useState(false);
  const parts = useMemo(() => descriptionParts(text), [text]);
  const long = text.length > 320 || parts.length > 1;
  const shown = open || !long ? parts : parts.slice(0, 1);
  return (
    <div className={`description${open || !long ? '' : ' clamped'}`} data-testid="experiment-description">
      {shown.map((p, i) =>
        p.kind === 'figures' ? (
          <blockquote key={i} className="printed-figures" title="Printed by scripts/results.ts from the experiment's committed raw data; the test suite checks this text against the script's output">
            {p.text}
          </blockquote>
        ) : (
          <p key={i}>{p.text}</p>
        ),
      )}
      {long && (
        <button type="button" className="link" onClick={() => setOpen(!open)} aria-expanded={open}>
          {open ? 'less' : 'more'}
        </button>
      )}
    </div>
  );
}
