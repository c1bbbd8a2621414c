// Details of one run: its failure with the reward line highlighted, config, log tail, tags and notes.
import { useEffect, useState } from 'react';
import type { RunDetail } from '@creditlab/api';
import { api } from '../api';
import { desktop } from '../lib/desktop';
import { fmtValue } from '../lib/format';
import { explainVerdict, type HackingVerdict } from '@creditlab/stats';
import { patchRun } from '../lib/live';
import { CreditView } from './CreditView';

function rewardSource(run: RunDetail): { filename: string; code: string } | null {
  const reward = (run.resolved.config as { reward?: { source?: { filename: string; code: string } } }).reward;
  return reward?.source ?? null;
}

interface Props {
  runId: string;
  status: string;
  onClose: () => void;
  hacking?: HackingVerdict | null;
}

export function RunPanel({ runId, status, onClose, hacking }: Props) {
  const [run, setRun] = useState<RunDetail | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notes, setNotes] = useState('');
  const [hasGenerations, setHasGenerations] = useState(false);

  // RL runs can still carry generation samples (e.g. an LM policy); one cheap probe decides.
  useEffect(() => {
    let live = true;
    api.getSamples(runId, 'generation', 1).then(
      (l) => live && setHasGenerations(l.length > 0),
      () => live && setHasGenerations(false),
    );
    return () => {
      live = false;
    };
  }, [runId]);

  // Refetch when the status changes: the error, final values and log arrive with the transition.
  useEffect(() => {
    let live = true;
    api.getRun(runId).then(
      (r) => {
        if (!live) return;
        setRun(r);
        setNotes(r.notes);
      },
      (e: Error) => live && setError(e.message),
    );
    return () => {
      live = false;
    };
  }, [runId, status]);

  if (error) return <aside className="run-panel">{error}</aside>;
  if (!run) return <aside className="run-panel muted">Loading {runId}…</aside>;
  const src = rewardSource(run);
  const lines = src?.code.split('\n') ?? [];
  const errLine = run.errorLine;
  const from = errLine ? Math.max(1, errLine - 4) : 1;
  const to = errLine ? Math.min(lines.length, errLine + 4) : Math.min(lines.length, 30);
  const finals = Object.entries(run.final).sort(([a], [b]) => a.localeCompare(b));
  const isRlhf = (run.resolved.config as { kind?: string }).kind === 'rlhf';
  const liveRun = run.status === 'running' || run.status === 'queued';
  const saveNotes = () => {
    if (notes === run.notes) return;
    patchRun(run.experimentId, run.id, { notes });
    setRun({ ...run, notes });
    void api.setRunMeta(run.id, { notes });
  };

  return (
    <aside className="run-panel" aria-label={`Run ${run.id}`} data-testid="run-panel">
      <div className="run-panel-head">
        <h2>
          Run <span className="mono">{run.id}</span>
        </h2>
        <span className={`status status-${run.status}`}>{run.status}</span>
        <span className="muted">
          {run.arm} · seed {run.seed} · {run.executor}
          {run.compute ? ` · ${run.compute}` : ''}
          {run.backend ? ` · ${run.backend}` : ''}
        </span>
        {run.tags.map((t) => (
          <span key={t} className="tag">
            {t}
          </span>
        ))}
        <span className="toolbar-gap" />
        {desktop && (
          <button type="button" className="small-btn" onClick={() => void desktop!.revealInFolder(run.runDir)} title={run.runDir}>
            Reveal folder
          </button>
        )}
        <button type="button" className="icon-btn" onClick={onClose} aria-label="Close run details" title="Close (Esc)">
          ✕
        </button>
      </div>
      {run.status === 'failed' && (
        <div className="failure" data-testid="run-failure">
          <div className="failure-msg">{run.error ?? 'failed'}</div>
          {src && (
            <div className="excerpt-head mono">
              {src.filename}
              {errLine != null ? `:${errLine}` : ' (the host did not name a line)'}
            </div>
          )}
          {src && (
            <pre className="code-excerpt" aria-label="Reward code around the failing line">
              {lines.slice(from - 1, to).map((l, i) => {
                const n = from + i;
                return (
                  <div key={n} className={n === errLine ? 'hl' : undefined}>
                    <span className="ln">{n}</span>
                    {l || ' '}
                  </div>
                );
              })}
            </pre>
          )}
        </div>
      )}
      {hacking?.flagged && (
        <div className="hack-alarm" role="alert" data-testid="run-hacking">
          <span className="hack-badge">⚠ possible reward hacking</span>
          <span>{explainVerdict(hacking)}</span>
        </div>
      )}
      {(isRlhf || hasGenerations) && <CreditView runId={run.id} live={liveRun} />}
      <div className="run-panel-grid">
        <section>
          <h3>Final values</h3>
          <table className="kv">
            <tbody>
              {finals.map(([k, v]) => (
                <tr key={k}>
                  <th>{k}</th>
                  <td className="mono num">{fmtValue(v)}</td>
                </tr>
              ))}
              {finals.length === 0 && (
                <tr>
                  <td className="muted">nothing logged yet</td>
                </tr>
              )}
            </tbody>
          </table>
          <h3>Notes</h3>
          <textarea
            className="notes"
            value={notes}
            placeholder="What was this run about?"
            onChange={(e) => setNotes(e.target.value)}
            onBlur={saveNotes}
          />
          <div className="muted small mono">hash {run.hash.slice(0, 12)} · {run.runDir}</div>
        </section>
        <section>
          <h3>Log</h3>
          <pre className="log">{run.log.slice(-40).join('\n') || '—'}</pre>
        </section>
      </div>
    </aside>
  );
}
