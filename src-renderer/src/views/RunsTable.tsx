// The live run table: one row per arm × seed, updated from host events.
import { useRef, useState, type KeyboardEvent, type MouseEvent } from 'react';
import type { RunSummary } from '@creditlab/api';
import { api } from '../api';
import { armColor } from '../lib/colors';
import { elapsedSeconds, fmtCount, fmtDuration, fmtValue } from '../lib/format';
import { explainVerdict, type HackingVerdict } from '@creditlab/stats';
import { useNow } from '../lib/hooks';
import { patchRun } from '../lib/live';

const RETURN_KEYS = ['charts/episodic_return', 'eval/episodic_return', 'eval/accuracy'];

export function mainMetric(runs: readonly RunSummary[]): string | null {
  const keys = new Set(runs.flatMap((r) => Object.keys(r.final)));
  return RETURN_KEYS.find((k) => keys.has(k)) ?? [...keys].sort()[0] ?? null;
}

interface Props {
  runs: RunSummary[];
  arms: string[];
  selected?: string;
  onSelect: (runId: string | undefined) => void;
  /** Rows ticked for the config diff (at most two). */
  picked: string[];
  onPick: (runId: string) => void;
  hacking: ReadonlyMap<string, HackingVerdict>;
}

const stop = (e: MouseEvent | KeyboardEvent) => e.stopPropagation();

function saveMeta(r: RunSummary, meta: { tags?: string[]; notes?: string }): void {
  patchRun(r.experimentId, r.id, meta);
  void api.setRunMeta(r.id, meta);
}

function TagsCell({ run }: { run: RunSummary }) {
  const [adding, setAdding] = useState(false);
  const [text, setText] = useState('');
  const commit = () => {
    const add = text
      .split(',')
      .map((t) => t.trim())
      .filter((t) => t && !run.tags.includes(t));
    if (add.length) saveMeta(run, { tags: [...run.tags, ...add] });
    setText('');
    setAdding(false);
  };
  return (
    <td className="c-tags" onClick={stop} onKeyDown={stop}>
      {run.tags.map((t) => (
        <span key={t} className="tag">
          {t}
          <button type="button" className="tag-x" aria-label={`Remove tag ${t} from ${run.id}`} onClick={() => saveMeta(run, { tags: run.tags.filter((x) => x !== t) })}>
            ×
          </button>
        </span>
      ))}
      {adding ? (
        <input
          className="inline-input tag-input"
          aria-label={`New tag for ${run.id}`}
          autoFocus
          value={text}
          placeholder="tag, tag…"
          onChange={(e) => setText(e.target.value)}
          onBlur={commit}
          onKeyDown={(e) => {
            if (e.key === 'Enter') commit();
            else if (e.key === 'Escape') {
              setText('');
              setAdding(false);
            }
          }}
        />
      ) : (
        <button type="button" className="tag-add" aria-label={`Add tag to ${run.id}`} title="Add tags (comma-separated)" onClick={() => setAdding(true)}>
          +
        </button>
      )}
    </td>
  );
}

function NotesCell({ run }: { run: RunSummary }) {
  const [editing, setEditing] = useState(false);
  const [text, setText] = useState(run.notes);
  const commit = () => {
    setEditing(false);
    if (text !== run.notes) saveMeta(run, { notes: text });
  };
  return (
    <td className="c-notes" onClick={stop} onKeyDown={stop}>
      {editing ? (
        <input
          className="inline-input"
          aria-label={`Notes for ${run.id}`}
          autoFocus
          value={text}
          onChange={(e) => setText(e.target.value)}
          onBlur={commit}
          onKeyDown={(e) => {
            if (e.key === 'Enter') commit();
            else if (e.key === 'Escape') {
              setText(run.notes);
              setEditing(false);
            }
          }}
        />
      ) : (
        <button
          type="button"
          className={`notes-btn${run.notes ? '' : ' empty'}`}
          aria-label={`Edit notes of ${run.id}`}
          title={run.notes || 'Add a note'}
          onClick={() => {
            setText(run.notes);
            setEditing(true);
          }}
        >
          {run.notes || 'add note'}
        </button>
      )}
    </td>
  );
}

export function RunsTable({ runs, arms, selected, onSelect, picked, onPick, hacking }: Props) {
  const live = runs.some((r) => r.status === 'running' || r.status === 'queued');
  const now = useNow(live);
  const metric = mainMetric(runs);
  const body = useRef<HTMLTableSectionElement>(null);

  // Arrow keys move between rows, Enter opens a run, Escape closes it.
  const onKey = (e: KeyboardEvent<HTMLTableRowElement>, i: number) => {
    const rows = body.current?.querySelectorAll<HTMLTableRowElement>('tr.run-row');
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      rows?.[Math.max(0, Math.min(runs.length - 1, i + (e.key === 'ArrowDown' ? 1 : -1)))]?.focus();
    } else if (e.key === 'Enter') onSelect(runs[i].id === selected ? undefined : runs[i].id);
    else if (e.key === 'Escape') onSelect(undefined);
  };

  return (
    <div className="table-wrap">
      <table className="runs" aria-label="Runs">
        <thead>
          <tr>
            <th className="c-sel" title="Tick two runs to diff their configs" />
            <th className="c-status">Status</th>
            <th>Run</th>
            <th>Arm</th>
            <th className="num">Seed</th>
            <th className="c-progress">Progress</th>
            {live && <th className="num">Steps/s</th>}
            {live && <th className="num">ETA</th>}
            <th title="fused: hand-written kernels; tfjs: TensorFlow.js ops (resolved when the run started)">Compute</th>
            <th title="What does the arithmetic: the tfjs backend, or js+simd for fused kernels">Backend</th>
            <th className="num">Duration</th>
            <th className="num" title={metric ?? undefined}>
              {metric ? metric.split('/').pop() : 'Final'}
            </th>
            <th>Tags</th>
            <th>Notes</th>
            <th className="c-actions" aria-label="Actions" />
          </tr>
        </thead>
        <tbody ref={body}>
          {runs.map((r, i) => {
            const frac = r.status === 'finished' ? 1 : r.total > 0 ? Math.min(1, r.progress / r.total) : 0;
            const active = r.status === 'running' || r.status === 'queued';
            const verdict = hacking.get(r.id);
            return [
              <tr
                key={r.id}
                className={`run-row status-${r.status}${selected === r.id ? ' selected' : ''}`}
                tabIndex={0}
                data-run={r.id}
                data-status={r.status}
                onClick={() => onSelect(r.id === selected ? undefined : r.id)}
                onKeyDown={(e) => onKey(e, i)}
              >
                <td className="c-sel" onClick={stop}>
                  <input type="checkbox" aria-label={`Select ${r.id} for config diff`} checked={picked.includes(r.id)} onChange={() => onPick(r.id)} onKeyDown={stop} />
                </td>
                <td className="c-status">
                  <span className={`status status-${r.status}`}>{r.status}</span>
                </td>
                <td className="mono">{r.id}</td>
                <td>
                  <span className="arm-chip" style={{ background: armColor(arms, r.arm) }} />
                  {r.arm}
                </td>
                <td className="num mono">{r.seed}</td>
                <td className="c-progress">
                  <div className="progress" role="progressbar" aria-valuemin={0} aria-valuemax={r.total} aria-valuenow={r.progress}>
                    <div className={`bar status-${r.status}`} style={{ width: `${(frac * 100).toFixed(1)}%` }} />
                  </div>
                  <span className="progress-text mono">
                    {fmtCount(r.progress)} / {fmtCount(r.total)}
                  </span>
                </td>
                {/* Rate and ETA only mean something while something runs; finished tables keep the room for notes. */}
                {live && <td className="num mono">{r.status === 'running' && r.sps != null ? fmtCount(r.sps) : '—'}</td>}
                {live && <td className="num mono">{r.status === 'running' ? fmtDuration(r.etaSeconds) : '—'}</td>}
                <td className="mono dim">{r.compute ?? '—'}</td>
                <td className="mono dim">{r.backend ?? '—'}</td>
                <td className="num mono">{fmtDuration(elapsedSeconds(r.startedAt, r.endedAt, now))}</td>
                <td className="num mono">
                  {verdict?.flagged && (
                    <span className="hack-flag" title={explainVerdict(verdict)} aria-label="possible reward hacking" data-testid="hack-flag">
                      ⚠
                    </span>
                  )}
                  {metric ? fmtValue(r.final[metric]) : '—'}
                </td>
                <TagsCell run={r} />
                <NotesCell key={r.notes} run={r} />
                <td className="c-actions">
                  {active && (
                    <button
                      type="button"
                      className="icon-btn"
                      title="Cancel run"
                      aria-label={`Cancel run ${r.id}`}
                      onClick={(e) => {
                        e.stopPropagation();
                        void api.cancelRun(r.id);
                      }}
                    >
                      ✕
                    </button>
                  )}
                  {r.status === 'interrupted' && (
                    <button
                      type="button"
                      className="icon-btn"
                      title="Resume from its last checkpoint"
                      aria-label={`Resume run ${r.id}`}
                      onClick={(e) => {
                        e.stopPropagation();
                        void api.resume(r.id);
                      }}
                    >
                      ⟳
                    </button>
                  )}
                </td>
              </tr>,
              r.status === 'failed' && r.error ? (
                <tr key={r.id + ':err'} className="error-row" onClick={() => onSelect(r.id)}>
                  <td />
                  <td />
                  <td colSpan={live ? 13 : 11}>
                    <span className="error-text">
                      {r.errorLine != null && <span className="line-tag">reward.ts:{r.errorLine}</span>}
                      {r.error}
                    </span>
                  </td>
                </tr>
              ) : null,
            ];
          })}
        </tbody>
      </table>
    </div>
  );
}
