// The shell: experiments in a sidebar, the builder or one experiment in the main area.
import { useEffect, useState } from 'react';
import type { DoctorInfo, ExperimentSummary, RewardMethodInfo } from '@creditlab/api';
import { api } from './api';
import { configureLanguages } from './lib/monaco';
import { fmtTime } from './lib/format';
import { startLive, useLive } from './lib/live';
import { setThemeMode, useTheme, type ThemeMode } from './lib/theme';
import { useRoute } from './router';
import { Builder } from './views/Builder';
import { ExperimentView } from './views/ExperimentView';
import { ImportDialog } from './views/ImportDialog';

function progressOf(e: ExperimentSummary): { done: number; total: number } {
  const c = e.runCounts;
  const total = Object.values(c).reduce((a, b) => a + b, 0);
  return { done: c.finished + c.failed + c.cancelled + c.interrupted, total };
}

export function App() {
  const route = useRoute();
  const live = useLive();
  const { mode } = useTheme();
  const [supportReady, setSupportReady] = useState(false);
  const [methods, setMethods] = useState<RewardMethodInfo[]>([]);
  const [doctor, setDoctor] = useState<DoctorInfo | null>(null);
  const [hostError, setHostError] = useState<string | null>(null);
  const [importing, setImporting] = useState(false);

  useEffect(() => {
    startLive();
    api.editorSupport().then(
      (s) => {
        configureLanguages(s);
        // An older host answers without the method catalog; the builder then offers code templates only.
        setMethods(s.methods ?? []);
        setSupportReady(true);
      },
      (e: Error) => setHostError(e.message),
    );
    api.doctor().then(setDoctor, () => setDoctor(null));
  }, []);

  const currentExp = route.view === 'experiment' ? route.id : null;
  const nextMode: Record<ThemeMode, ThemeMode> = { system: 'light', light: 'dark', dark: 'system' };

  return (
    <div className="app">
      <aside className="sidebar">
        <div className="brand">
          <span className="logo" aria-hidden>
            ◧
          </span>
          <span className="brand-name">Creditlab</span>
          {doctor && <span className="brand-version">v{doctor.version}</span>}
        </div>
        <a className={`new-btn${route.view === 'new' ? ' active' : ''}`} href="#/new">
          + New experiment
        </a>
        <button type="button" className="new-btn import-btn" onClick={() => setImporting(true)} title="TensorBoard logs or a CSV export of runs trained elsewhere">
          Import runs…
        </button>
        <div className="side-head">Experiments</div>
        <nav className="exp-list" aria-label="Experiments">
          {live.experiments.map((e) => {
            const p = progressOf(e);
            return (
              <a key={e.id} href={`#/exp/${e.id}`} className={`exp-item${currentExp === e.id ? ' active' : ''}`} data-exp={e.id}>
                <span className={`dot status-${e.status}`} aria-label={e.status} />
                <span className="exp-name">{e.name}</span>
                <span className="exp-meta mono">
                  {p.done}/{p.total}
                </span>
                <span className="exp-sub">
                  {e.arms.length} arm{e.arms.length === 1 ? '' : 's'} × {e.seeds.length} · {fmtTime(e.createdAt)}
                </span>
              </a>
            );
          })}
          {live.loaded && live.experiments.length === 0 && <div className="muted small pad-s">No experiments yet.</div>}
        </nav>
        <div className="side-foot">
          {doctor ? (
            <span title={`workspace ${doctor.workspace}`}>
              {doctor.backend} · {doctor.workers} workers
            </span>
          ) : (
            <span>{hostError ? 'host unreachable' : 'connecting…'}</span>
          )}
          <button type="button" className="icon-btn" onClick={() => setThemeMode(nextMode[mode])} title={`Theme: ${mode} (click to change)`} aria-label={`Theme: ${mode}`}>
            {mode === 'system' ? '◐' : mode === 'light' ? '☀' : '☾'}
          </button>
        </div>
      </aside>
      <main className="app-main">
        {hostError && <div className="banner error-text">Cannot reach the Creditlab host: {hostError}</div>}
        {/* The builder stays mounted so its editors, undo history and validation survive navigation. */}
        <Builder active={route.view === 'new'} supportReady={supportReady} methods={methods} />
        {route.view === 'experiment' && <ExperimentView key={route.id} id={route.id} tab={route.tab} run={route.run} />}
        {route.view === 'home' && <Home experiments={live.experiments} />}
      </main>
      {importing && <ImportDialog onClose={() => setImporting(false)} />}
    </div>
  );
}

function Home({ experiments }: { experiments: ExperimentSummary[] }) {
  return (
    <div className="view home">
      <header className="view-header">
        <div className="title-block">
          <h1>Experiments</h1>
        </div>
        <div className="toolbar">
          <a className="button primary" href="#/new">
            New experiment
          </a>
        </div>
      </header>
      {experiments.length === 0 ? (
        <div className="empty-state">
          <h2>Design a reward, run arms × seeds, compare honestly.</h2>
          <p className="muted">Start from a preset or write a spec; the reward editor knows the reward API, and every run is validated before it starts.</p>
          <a className="button primary" href="#/new">
            Create an experiment
          </a>
        </div>
      ) : (
        <div className="table-wrap">
          <table className="runs">
            <thead>
              <tr>
                <th>Status</th>
                <th>Name</th>
                <th>Id</th>
                <th>Arms</th>
                <th className="num">Seeds</th>
                <th className="num">Runs</th>
                <th>Created</th>
              </tr>
            </thead>
            <tbody>
              {experiments.map((e) => {
                const p = progressOf(e);
                return (
                  <tr key={e.id} className="run-row" onClick={() => (location.hash = `#/exp/${e.id}`)}>
                    <td>
                      <span className={`status status-${e.status}`}>{e.status}</span>
                    </td>
                    <td>
                      <a href={`#/exp/${e.id}`}>{e.name}</a>
                    </td>
                    <td className="mono dim">{e.id}</td>
                    <td>{e.arms.join(', ')}</td>
                    <td className="num mono">{e.seeds.length}</td>
                    <td className="num mono">
                      {p.done}/{p.total}
                      {e.runCounts.failed ? <span className="error-text"> · {e.runCounts.failed} failed</span> : null}
                    </td>
                    <td className="dim">{fmtTime(e.createdAt)}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
