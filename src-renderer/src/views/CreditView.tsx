// Token-level credit for RLHF runs: a sampled response's tokens coloured by the credit each method gives
// them (per-token reward, advantage, DPO implicit reward…), with step boundaries and the checker's verdict
// per step, so one can see where a process reward model pays for a wrong step.
import { useEffect, useMemo, useState } from 'react';
import type { GenerationSample, SampleRecord } from '@creditlab/api';
import { api } from '../api';
import { fmtValue } from '../lib/format';
import { onSample } from '../lib/live';

const LIMIT = 40;
// Diverging scale (ColorBrewer RdBu ends): blue for positive credit, red for negative; alpha carries the
// magnitude so the same scale reads on light and dark panels.
const POS = [33, 102, 172];
const NEG = [202, 0, 32];

export function creditColor(v: number, maxAbs: number): string {
  if (!Number.isFinite(v) || maxAbs <= 0) return 'transparent';
  const a = Math.min(1, Math.abs(v) / maxAbs);
  const [r, g, b] = v >= 0 ? POS : NEG;
  return `rgba(${r}, ${g}, ${b}, ${(0.08 + 0.72 * a).toFixed(3)})`;
}

function isGeneration(d: unknown): d is GenerationSample {
  const g = d as GenerationSample;
  return !!g && Array.isArray(g.tokens) && !!g.credits && typeof g.credits === 'object';
}

/** Index of the step each token belongs to (tokens after the last step end count as the last step). */
function stepOfToken(n: number, stepEnds: number[] | undefined): number[] {
  const out = new Array<number>(n).fill(0);
  if (!stepEnds?.length) return out;
  let s = 0;
  for (let i = 0; i < n; i++) {
    out[i] = s;
    if (stepEnds[s] === i && s < stepEnds.length - 1) s++;
  }
  return out;
}

function showToken(t: string): string {
  // Whitespace-only tokens must stay visible as coloured cells.
  return t.replace(/ /g, '\u00a0').replace(/\t/g, '\u00a0\u00a0') || '\u00a0';
}

export function CreditView({ runId, live }: { runId: string; live: boolean }) {
  const [samples, setSamples] = useState<SampleRecord[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [idx, setIdx] = useState(0);
  const [series, setSeries] = useState<string | null>(null);
  const [sideBySide, setSideBySide] = useState(false);
  const [hover, setHover] = useState<{ i: number; name: string } | null>(null);

  useEffect(() => {
    let alive = true;
    api.getSamples(runId, 'generation', LIMIT).then(
      (list) => {
        if (!alive) return;
        setSamples(list.filter((s) => isGeneration(s.data)).sort((a, b) => b.step - a.step));
      },
      (e: Error) => alive && setError(e.message),
    );
    if (!live) return () => void (alive = false);
    // New generations arrive as events while the run trains; keep the newest first, and the selection.
    const off = onSample((s) => {
      if (s.run !== runId || s.kind !== 'generation' || !isGeneration(s.data)) return;
      setSamples((prev) => {
        if (!prev) return prev;
        setIdx((i) => (i === 0 ? 0 : i + 1));
        return [s, ...prev].slice(0, LIMIT);
      });
    });
    return () => {
      alive = false;
      off();
    };
  }, [runId, live]);

  const sample = samples?.[idx];
  const gen = sample && isGeneration(sample.data) ? sample.data : null;
  const names = useMemo(() => (gen ? Object.keys(gen.credits) : []), [gen]);
  const current = series && names.includes(series) ? series : names[0] ?? null;
  const shown = sideBySide ? names : current ? [current] : [];

  if (error) return <section className="credit-view error-text small">Could not load generations: {error}</section>;
  if (samples === null) return <section className="credit-view muted small">Loading generations…</section>;
  if (samples.length === 0)
    return (
      <section className="credit-view" data-testid="credit-view">
        <h3>Token-level credit</h3>
        <div className="muted small">No generation samples recorded {live ? 'yet; they appear here as the run samples them' : 'for this run'}.</div>
      </section>
    );

  const stepIdx = gen ? stepOfToken(gen.tokens.length, gen.stepEnds) : [];
  const firstWrong = gen?.stepCorrect ? gen.stepCorrect.findIndex((c) => !c) : -1;
  const hoverValue = hover && gen ? gen.credits[hover.name]?.[hover.i] : undefined;

  return (
    <section className="credit-view" data-testid="credit-view">
      <div className="credit-head">
        <h3>Token-level credit</h3>
        <label className="field">
          <span>Sample</span>
          <select aria-label="Generation sample" value={idx} onChange={(e) => setIdx(Number(e.target.value))}>
            {samples.map((s, i) => {
              const g = s.data as GenerationSample;
              return (
                <option key={`${s.step}:${i}`} value={i}>
                  step {s.step.toLocaleString()}
                  {g.correct != null ? (g.correct ? ' · ✓ correct' : ' · ✗ wrong') : ''}
                  {g.reward != null ? ` · reward ${fmtValue(g.reward)}` : ''}
                </option>
              );
            })}
          </select>
        </label>
        <div className="segmented" role="radiogroup" aria-label="Credit series">
          {names.map((n) => (
            <button
              key={n}
              type="button"
              role="radio"
              aria-checked={!sideBySide && n === current}
              className={!sideBySide && n === current ? 'active' : undefined}
              onClick={() => {
                setSideBySide(false);
                setSeries(n);
              }}
            >
              {n}
            </button>
          ))}
        </div>
        {names.length > 1 && (
          <label className="check">
            <input type="checkbox" checked={sideBySide} onChange={(e) => setSideBySide(e.target.checked)} /> all side by side
          </label>
        )}
      </div>
      {gen && (
        <>
          <div className="credit-prompt">
            <span className="dim small">prompt</span> <span className="mono">{gen.prompt}</span>
            {gen.correct != null && <span className={`verdict ${gen.correct ? 'ok' : 'bad'}`}>{gen.correct ? '✓ correct' : '✗ wrong'}</span>}
            {firstWrong >= 0 && <span className="verdict bad">first wrong step: {firstWrong + 1}</span>}
          </div>
          {shown.map((name) => {
            const vals = gen.credits[name] ?? [];
            const maxAbs = Math.max(1e-12, ...vals.filter(Number.isFinite).map(Math.abs));
            return (
              <div key={name} className="credit-series" data-series={name}>
                <div className="credit-series-head">
                  <span className="mono">{name}</span>
                  <CreditLegend maxAbs={maxAbs} />
                </div>
                <div className="tokens mono" aria-label={`Response tokens coloured by ${name}`} onMouseLeave={() => setHover(null)}>
                  {gen.tokens.map((t, i) => {
                    const v = vals[i];
                    const s = stepIdx[i];
                    const end = gen.stepEnds?.indexOf(i) ?? -1;
                    const ok = end >= 0 ? gen.stepCorrect?.[end] : undefined;
                    return (
                      <span key={i} className="tok-wrap">
                        <span
                          className={`tok${firstWrong >= 0 && s === firstWrong ? ' wrong-step' : ''}${hover?.i === i ? ' hot' : ''}`}
                          style={{ background: creditColor(v, maxAbs) }}
                          title={`#${i} ${JSON.stringify(t)} · ${name} = ${Number.isFinite(v) ? v.toPrecision(4) : '—'}`}
                          data-token={i}
                          onMouseEnter={() => setHover({ i, name })}
                        >
                          {t === '\n' ? '↵' : showToken(t)}
                        </span>
                        {end >= 0 && (
                          <span className={`step-end${ok === true ? ' ok' : ok === false ? ' bad' : ''}`} title={`end of step ${end + 1}${ok === undefined ? '' : ok ? ': correct' : ': wrong'}`}>
                            {ok === true ? '✓' : ok === false ? '✗' : '|'}
                            <sub>{end + 1}</sub>
                          </span>
                        )}
                        {t === '\n' && <br />}
                      </span>
                    );
                  })}
                </div>
              </div>
            );
          })}
          <div className="credit-readout mono small" data-testid="credit-readout">
            {hover && gen ? (
              <>
                token #{hover.i} <b>{JSON.stringify(gen.tokens[hover.i])}</b> · step {stepIdx[hover.i] + 1} · {hover.name} ={' '}
                <b>{hoverValue != null && Number.isFinite(hoverValue) ? hoverValue.toPrecision(4) : '—'}</b>
                {sideBySide ? null : names.filter((n) => n !== hover.name).map((n) => <span key={n} className="dim"> · {n} {fmtValue(gen.credits[n]?.[hover.i])}</span>)}
              </>
            ) : (
              <span className="dim">hover a token for its credit</span>
            )}
          </div>
        </>
      )}
    </section>
  );
}

function CreditLegend({ maxAbs }: { maxAbs: number }) {
  const stops = [-1, -0.5, 0, 0.5, 1].map((f) => creditColor(f * maxAbs, maxAbs));
  return (
    <span className="credit-legend" aria-label={`colour scale from −${fmtValue(maxAbs)} to +${fmtValue(maxAbs)}`}>
      <span className="mono dim">−{fmtValue(maxAbs)}</span>
      <span className="legend-bar" style={{ background: `linear-gradient(to right, ${stops.join(', ')})` }} />
      <span className="mono dim">+{fmtValue(maxAbs)}</span>
    </span>
  );
}
