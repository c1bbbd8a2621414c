// The comparison's tables of final values: each group's aggregate with its interval, the probability
// that one group beats another, and seed-matched differences against one arm.
import type { StatName } from '@creditlab/stats';
import { SMALL_N } from '@creditlab/stats';
import { withAlpha } from '../../lib/colors';
import { fmtValue } from '../../lib/format';
import { POI_REPS, SCORE_REPS, type ScoreTables as Scores } from './comparison-stats';
import { STAT_LABEL } from './figure';

/**
 * Numbered footnotes of one table: a cell asks for the mark of its note, the same text gets the same
 * number, and the notes are listed under the table in that order.
 */
function footnotes() {
  const texts: string[] = [];
  const number = (text: string) => {
    const i = texts.indexOf(text);
    return i >= 0 ? i + 1 : texts.push(text);
  };
  return {
    texts,
    mark(text: string | undefined) {
      if (!text) return null;
      return (
        <sup className="fn" title={text}>
          {number(text)}
        </sup>
      );
    },
  };
}

/** The notes of one table, under its rows; `cols` is the table's number of columns. */
function Notes({ texts, cols }: { texts: readonly string[]; cols: number }) {
  if (texts.length === 0) return null;
  return (
    <tfoot>
      <tr>
        <td colSpan={cols} className="table-notes">
          <div>
            {texts.map((t, i) => (
              <p key={t}>
                <sup>{i + 1}</sup> {t}
              </p>
            ))}
          </div>
        </td>
      </tr>
    </tfoot>
  );
}

export function ScoreTables({ scores, stat, metric, groupBy, groups, onPairedVs }: { scores: Scores; stat: StatName; metric: string; groupBy: string; groups: readonly string[]; onPairedVs(arm: string): void }) {
  const unit = groupBy === 'arm' ? 'arm' : 'group';
  // A single run has no interval (NaN bounds): its dot still places it, without a bar.
  const ends = scores.est.flatMap((s) => [s.ci.estimate, s.ci.ci[0], s.ci.ci[1]]).filter(Number.isFinite);
  const lo = Math.min(...ends);
  const hi = Math.max(...ends);
  const span = hi - lo || 1;
  // Zero-width intervals are marked with the note `creditlab compare` prints for them, listed under each table.
  const estNotes = footnotes();
  const estMarks = scores.est.map((s) => estNotes.mark(s.zeroWidth && `${s.arm}: ${s.zeroWidth}`));
  const poiNotes = footnotes();
  const poiMarks = new Map(scores.poi.map((p) => [`${p.x}\u0000${p.y}`, poiNotes.mark(p.zeroWidth)]));
  const pairedNotes = footnotes();
  const pairedMarks = scores.paired.map((p) => pairedNotes.mark(p.zeroWidth && `${p.arm}: ${p.zeroWidth}`));
  return (
    <div className="score-tables">
      <table className="scores" aria-label="Final scores">
        <caption>
          Final score ({metric.split('/').pop()}, last value): {STAT_LABEL[stat]} with a 95% percentile-bootstrap interval over each arm’s runs ({SCORE_REPS} resamples)
          {scores.est.some((s) => s.values.length > 1 && s.values.length < SMALL_N) && `; with fewer than ${SMALL_N} runs it undercovers (covers less often than 95%, the more so the fewer the runs)`}
          {scores.est.some((s) => s.values.length === 1) && '; one run gives no interval'}
        </caption>
        <thead>
          <tr>
            <th>{groupBy === 'arm' ? 'Arm' : groupBy}</th>
            <th className="num">Runs</th>
            <th className="num">{STAT_LABEL[stat]}</th>
            <th className="num">95% pct. bootstrap</th>
            <th className="c-ci">Interval</th>
          </tr>
        </thead>
        <tbody>
          {scores.est.map((s, i) => (
            <tr key={s.arm}>
              <td>
                <span className="arm-chip" style={{ background: s.color }} />
                {s.arm}
              </td>
              <td className="num mono">{s.values.length}</td>
              <td className="num mono">{fmtValue(s.ci.estimate)}</td>
              <td className="num mono" title={s.ci.method}>
                {Number.isFinite(s.ci.ci[0]) ? `[${fmtValue(s.ci.ci[0])}, ${fmtValue(s.ci.ci[1])}]` : '—'}
                {estMarks[i]}
              </td>
              <td className="c-ci">
                <div className="ci-track">
                  {Number.isFinite(s.ci.ci[0]) && (
                    <div className="ci-bar" style={{ left: `${((s.ci.ci[0] - lo) / span) * 100}%`, width: `${Math.max(0.5, ((s.ci.ci[1] - s.ci.ci[0]) / span) * 100)}%`, background: withAlpha(s.color, 0.45) }} />
                  )}
                  <div className="ci-dot" style={{ left: `${((s.ci.estimate - lo) / span) * 100}%`, background: s.color }} />
                </div>
              </td>
            </tr>
          ))}
          {scores.est.length === 0 && (
            <tr>
              <td colSpan={5} className="muted">
                No finished values yet.
              </td>
            </tr>
          )}
        </tbody>
        <Notes texts={estNotes.texts} cols={5} />
      </table>
      {scores.poi.length > 0 && (
        <table className="scores poi" aria-label="Probability of improvement">
          <caption>
            P(row {unit} beats column {unit}), with a 95% percentile-bootstrap interval ({POI_REPS} resamples; runs resampled independently)
            {scores.est.some((s) => s.values.length < SMALL_N) && `; with fewer than ${SMALL_N} runs per ${unit} it undercovers`}
          </caption>
          <thead>
            <tr>
              <th />
              {scores.est.map((s) => (
                <th key={s.arm} className="num">
                  {s.arm}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {scores.est.map((x) => (
              <tr key={x.arm}>
                <th>{x.arm}</th>
                {scores.est.map((y) => {
                  const p = scores.poi.find((q) => q.x === x.arm && q.y === y.arm);
                  return (
                    <td key={y.arm} className="num mono" style={p ? { background: withAlpha(p.r.estimate >= 0.5 ? '#59a14f' : '#e15759', Math.abs(p.r.estimate - 0.5) * 0.9) } : undefined}>
                      {p ? `${p.r.estimate.toFixed(2)} [${p.r.ci[0].toFixed(2)}, ${p.r.ci[1].toFixed(2)}]` : '—'}
                      {p && poiMarks.get(`${p.x}\u0000${p.y}`)}
                    </td>
                  );
                })}
              </tr>
            ))}
          </tbody>
          <Notes texts={poiNotes.texts} cols={scores.est.length + 1} />
        </table>
      )}
      {scores.vs && scores.paired.length > 0 && (
        <table className="scores paired" aria-label="Paired differences" data-testid="paired-differences">
          <caption>
            Paired difference (arm − {' '}
            <select aria-label="Paired difference against" value={scores.vs} onChange={(e) => onPairedVs(e.target.value)}>
              {groups.map((a) => (
                <option key={a} value={a}>
                  {a}
                </option>
              ))}
            </select>
            ), matched by seed: {stat === 'optimality-gap' ? 'difference of optimality gaps (mean of the per-seed differences of the shortfall below γ = 1)' : `${STAT_LABEL[stat]} of the per-seed differences`} of the last value. Same as{' '}
            <code>creditlab compare --at last --stat {stat} --vs {scores.vs} --paired</code>
          </caption>
          <thead>
            <tr>
              <th>Arm</th>
              <th className="num">Pairs</th>
              <th className="num">Δ {STAT_LABEL[stat]}</th>
              <th className="num">Interval</th>
              <th>How the interval was made</th>
            </tr>
          </thead>
          <tbody>
            {scores.paired.map((p, i) => (
              <tr key={p.arm}>
                <td>
                  <span className="arm-chip" style={{ background: p.color }} />
                  {p.arm}
                </td>
                <td className="num mono">{p.d?.n ?? 0}</td>
                <td className="num mono">{p.d ? fmtValue(p.d.estimate) : '—'}</td>
                <td className="num mono">
                  {p.d && Number.isFinite(p.d.ci[0]) ? `[${fmtValue(p.d.ci[0])}, ${fmtValue(p.d.ci[1])}]` : '—'}
                  {pairedMarks[i]}
                </td>
                <td className="small">
                  {p.error ?? p.d?.method}
                  {p.d &&
                    Object.entries(p.d.unmatched)
                      .filter(([, xs]) => xs.length > 0)
                      .map(([a, xs]) => `; unmatched ${a} seed(s) ${xs.join(', ')}`)
                      .join('')}
                </td>
              </tr>
            ))}
          </tbody>
          <Notes texts={pairedNotes.texts} cols={5} />
        </table>
      )}
    </div>
  );
}
