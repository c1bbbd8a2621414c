// "Try on a recorded episode": re-scores a trajectory a finished RL run recorded with the reward in the
// editor (plus the spec's shaping and transforms), as the user types, without training.
import { useEffect, useMemo, useRef, useState } from 'react';
import type { EpisodeRecord, EpisodeScore, ExperimentDetail, SampleRecord } from '@creditlab/api';
import { api } from '../api';
import { fmtValue } from '../lib/format';
import { useLive } from '../lib/live';
import { monaco } from '../lib/monaco';
import { Plotly, type Datum } from '../lib/plotly';
import { rewardDraft } from '../lib/reward-draft';
import type { RewardTarget } from '../lib/spec-text';
import { cssVar, useTheme } from '../lib/theme';

const MARKER_OWNER = 'creditlab-try';
const DEBOUNCE_MS = 250;

interface Props {
  active: boolean;
  spec: unknown;
  rewardModel: monaco.editor.ITextModel;
  rewardVersion: number;
  target: RewardTarget;
}

const STAGE_STYLE: Record<string, { color: string; dash?: string; width?: number; label: string }> = {
  'reward/env': { color: '#8a92a0', label: 'env reward', dash: 'dot' },
  'reward/user': { color: '#4e79a7', label: 'user reward' },
  'reward/total': { color: '#e15759', label: 'total', width: 2.4 },
};
const SHAPING_COLORS = ['#f28e2b', '#59a14f', '#b07aa1', '#76b7b2', '#edc948'];

function stageOrder(keys: string[]): string[] {
  const rank = (k: string) => (k === 'reward/env' ? 0 : k === 'reward/user' ? 1 : k.startsWith('reward/shaping/') ? 2 : k === 'reward/total' ? 4 : 3);
  return [...keys].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

export function TryEpisode({ active, spec, rewardModel, rewardVersion, target }: Props) {
  const live = useLive();
  const { dark } = useTheme();
  const candidates = useMemo(() => live.experiments.filter((e) => e.runCounts.finished > 0), [live.experiments]);
  const [expId, setExpId] = useState('');
  const [detail, setDetail] = useState<ExperimentDetail | null>(null);
  const [runId, setRunId] = useState('');
  const [samples, setSamples] = useState<SampleRecord[] | null>(null);
  const [sampleIdx, setSampleIdx] = useState(0);
  const [score, setScore] = useState<EpisodeScore | null>(null);
  const [scoring, setScoring] = useState(false);
  const [callError, setCallError] = useState<string | null>(null);
  const plotEl = useRef<HTMLDivElement>(null);
  const seq = useRef(0);

  useEffect(() => {
    if (!expId && candidates.length > 0) setExpId(candidates[0].id);
  }, [candidates, expId]);

  useEffect(() => {
    if (!expId || !active) return;
    let alive = true;
    setDetail(null);
    api.getExperiment(expId).then(
      (d) => {
        if (!alive) return;
        setDetail(d);
        const first = d.runs.find((r) => r.status === 'finished');
        setRunId(first?.id ?? '');
      },
      (e: Error) => alive && setCallError(e.message),
    );
    return () => {
      alive = false;
    };
  }, [expId, active]);

  useEffect(() => {
    if (!runId) {
      setSamples(null);
      return;
    }
    let alive = true;
    setSamples(null);
    setSampleIdx(0);
    api.getSamples(runId, 'episode', 50).then(
      (list) => alive && setSamples([...list].sort((a, b) => b.step - a.step)),
      (e: Error) => alive && setCallError(e.message),
    );
    return () => {
      alive = false;
    };
  }, [runId]);

  const isRl = detail ? (detail.spec.base as { kind?: string } | undefined)?.kind !== 'rlhf' : true;
  const run = detail?.runs.find((r) => r.id === runId) ?? null;
  const episode = (samples?.[sampleIdx]?.data ?? null) as EpisodeRecord | null;
  const codeForDraft = useMemo(() => rewardModel.getValue(), [rewardModel, rewardVersion]);
  const { draft, arm } = useMemo(() => rewardDraft(spec, codeForDraft, target, run?.arm ?? null), [spec, codeForDraft, target, run?.arm]);
  const draftKey = JSON.stringify(draft);

  // Debounced re-score; an answer to an older draft is dropped.
  useEffect(() => {
    if (!active || !episode) return;
    const n = ++seq.current;
    setScoring(true);
    const t = setTimeout(() => {
      const started = performance.now();
      api.scoreEpisode(draft, episode).then(
        (r) => {
          if (n !== seq.current) return;
          setScore({ ...r, elapsedMs: r.elapsedMs ?? performance.now() - started });
          setCallError(null);
          setScoring(false);
        },
        (e: Error) => {
          if (n !== seq.current) return;
          setCallError(e.message);
          setScoring(false);
        },
      );
    }, DEBOUNCE_MS);
    return () => clearTimeout(t);
    // Keyed on the draft's JSON: a re-render with an equal draft must not re-score.
  }, [active, episode, draftKey]);

  // A reward error becomes a marker on its line in the reward editor, like a type error.
  useEffect(() => {
    const err = score?.error;
    const fromEditor = target.kind !== 'none';
    if (!err || !err.line || !fromEditor || !active) {
      monaco.editor.setModelMarkers(rewardModel, MARKER_OWNER, []);
      return;
    }
    const line = Math.min(err.line, rewardModel.getLineCount());
    monaco.editor.setModelMarkers(rewardModel, MARKER_OWNER, [
      {
        severity: monaco.MarkerSeverity.Error,
        message: `On the recorded episode${err.step != null ? ` (step ${err.step})` : ''}: ${err.message}`,
        startLineNumber: line,
        startColumn: err.column ?? rewardModel.getLineFirstNonWhitespaceColumn(line) ?? 1,
        endLineNumber: line,
        endColumn: rewardModel.getLineMaxColumn(line),
        source: 'try on episode',
      },
    ]);
  }, [score, rewardModel, target, active]);
  useEffect(() => () => monaco.editor.setModelMarkers(rewardModel, MARKER_OWNER, []), [rewardModel]);

  useEffect(() => {
    const el = plotEl.current;
    if (!el || !active) return;
    const steps = score?.steps ?? [];
    const keys = stageOrder([...new Set(steps.flatMap((s) => Object.keys(s)))]);
    let shapingN = 0;
    const data: Datum[] = keys.map((k) => {
      const st = STAGE_STYLE[k] ?? { color: SHAPING_COLORS[shapingN++ % SHAPING_COLORS.length], label: k.replace(/^reward\//, '') };
      return {
        type: 'scatter',
        mode: steps.length > 60 ? 'lines' : 'lines+markers',
        x: steps.map((_, i) => i),
        y: steps.map((s) => s[k] ?? null),
        name: st.label,
        line: { color: st.color, width: st.width ?? 1.5, dash: st.dash ?? 'solid', shape: 'hv' },
        marker: { size: 3 },
        hovertemplate: `${st.label}: %{y:.4g}<extra></extra>`,
      };
    });
    const fg = cssVar('--fg') || '#222';
    const grid = cssVar('--grid') || '#ddd';
    const muted = cssVar('--fg-muted') || '#666';
    const axis = { gridcolor: grid, zerolinecolor: cssVar('--border-strong') || grid, linecolor: grid, tickfont: { color: muted, size: 10 }, automargin: true };
    void Plotly.react(
      el,
      data,
      {
        paper_bgcolor: 'rgba(0,0,0,0)',
        plot_bgcolor: 'rgba(0,0,0,0)',
        font: { family: 'system-ui, "Segoe UI", "DejaVu Sans", sans-serif', size: 11, color: fg },
        margin: { l: 48, r: 8, t: 26, b: 34 },
        hovermode: 'x unified',
        hoverlabel: { bgcolor: cssVar('--panel'), bordercolor: grid, font: { color: fg } },
        xaxis: { ...axis, title: { text: 'episode step t', font: { color: muted, size: 11 } } },
        yaxis: { ...axis, title: { text: 'reward', font: { color: muted, size: 11 } } },
        legend: { orientation: 'h', x: 0, y: 1.02, xanchor: 'left', yanchor: 'bottom', bgcolor: 'rgba(0,0,0,0)' },
        uirevision: `${runId}:${sampleIdx}`,
      },
      { displaylogo: false, responsive: true, displayModeBar: false },
    );
  }, [score, dark, active, runId, sampleIdx]);

  useEffect(() => {
    const el = plotEl.current;
    return () => {
      if (el) Plotly.purge(el);
    };
  }, []);

  const totals = score ? stageOrder(Object.keys(score.totals)) : [];
  const noEpisodes = samples !== null && samples.length === 0;

  return (
    <div className="dock-body try" data-testid="try-episode">
      <div className="try-side">
        <label className="field">
          <span>Experiment</span>
          <select aria-label="Episode experiment" value={expId} onChange={(e) => setExpId(e.target.value)}>
            {candidates.length === 0 && <option value="">no finished runs yet</option>}
            {candidates.map((e) => (
              <option key={e.id} value={e.id}>
                {e.name} · {e.id}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>Run</span>
          <select aria-label="Episode run" value={runId} onChange={(e) => setRunId(e.target.value)} disabled={!detail}>
            {detail?.runs
              .filter((r) => r.status === 'finished')
              .map((r) => (
                <option key={r.id} value={r.id}>
                  {r.id} · {r.arm} · seed {r.seed}
                </option>
              ))}
          </select>
        </label>
        <label className="field">
          <span>Episode</span>
          <select aria-label="Recorded episode" value={sampleIdx} onChange={(e) => setSampleIdx(Number(e.target.value))} disabled={!samples?.length}>
            {samples?.map((s, i) => {
              const ep = s.data as EpisodeRecord;
              return (
                <option key={i} value={i}>
                  @{s.step.toLocaleString()} · {ep.steps.length} steps · R {fmtValue(ep.envReturn)}
                </option>
              );
            })}
          </select>
        </label>
        <div className="try-draft muted small">
          Scoring with {draft.code ? 'the editor’s code' : 'no user code'}
          {arm ? ` + arm “${arm}”` : ' + base'} shaping ({draft.shaping?.length ?? 0}) and transforms ({draft.transforms?.length ?? 0}), combine “{draft.combine}”.
        </div>
        {!isRl && <div className="muted small">This is an RLHF experiment; its runs record generations, not episodes.</div>}
        {noEpisodes && isRl && <div className="muted small">This run recorded no episodes.</div>}
        {candidates.length === 0 && <div className="muted small">Finish an RL run first: runs record an episode now and then.</div>}
        {callError && <div className="error-text small">host: {callError}</div>}
        {score?.error && (
          <div className="try-error" data-testid="try-error">
            <span className="line-tag">reward.ts{score.error.line != null ? `:${score.error.line}` : ''}</span>
            {score.error.step != null && <span className="dim">step {score.error.step} · </span>}
            {/* The tag already names the location the host prefixes to its message. */}
            {score.error.message.replace(/^[\w./-]+:\d+(:\d+)?:\s*/, '')}
          </div>
        )}
        {score && totals.length > 0 && (
          <table className="kv totals" aria-label="Episode totals" data-testid="try-totals">
            <tbody>
              {totals.map((k) => (
                <tr key={k} className={k === 'reward/total' ? 'strong' : undefined}>
                  <th>{k}</th>
                  <td className="mono num">{fmtValue(score.totals[k])}</td>
                </tr>
              ))}
              {episode && (
                <tr>
                  <th className="dim">recorded env return</th>
                  <td className="mono num dim">{fmtValue(episode.envReturn)}</td>
                </tr>
              )}
            </tbody>
          </table>
        )}
        {score && (
          <div className="dim small mono">
            {scoring ? 'scoring…' : `scored ${score.steps.length} steps in ${score.elapsedMs.toFixed(1)} ms`}
          </div>
        )}
      </div>
      <div className="try-plot-wrap">
        <div className="try-plot" ref={plotEl} data-testid="try-plot" />
        {!episode && <div className="plot-empty muted small">Pick a recorded episode to see each pipeline stage per step.</div>}
      </div>
    </div>
  );
}
