// Under the comparison figure: where a group's pointwise band has zero width (all its runs have one value
// there, e.g. every seed at the maximum return, or all at 0 before any learning), in the words of
// @creditlab/stats interval-notes. A band closed to a line otherwise reads as certainty.
import { bandZeroWidthNote } from '@creditlab/stats';
import { fmtDuration } from '../../lib/format';
import type { Band, GroupCurves, XAxis } from './comparison-stats';

/** One line per group whose band has zero width somewhere; empty when the band is off or has width everywhere. */
export function bandNotes(curves: readonly GroupCurves[], band: Band, xAxis: XAxis, stepLabel: string): { arm: string; color: string; note: string }[] {
  if (band !== 'ci') return [];
  const opts =
    xAxis === 'time'
      ? { unit: 'wall time', format: (x: number) => fmtDuration(x) }
      : { unit: stepLabel, format: (x: number) => Math.round(x).toLocaleString('en-US') };
  return curves.flatMap((c) => {
    const note = c.curve ? bandZeroWidthNote(c.arm, c.curve.zeroWidth, opts) : null;
    return note ? [{ arm: c.arm, color: c.color, note }] : [];
  });
}

export function BandNotes(props: { curves: readonly GroupCurves[]; band: Band; xAxis: XAxis; stepLabel: string }) {
  const lines = bandNotes(props.curves, props.band, props.xAxis, props.stepLabel);
  if (lines.length === 0) return null;
  return (
    <div className="band-notes muted small" data-testid="band-notes">
      {lines.map((l) => (
        <p key={l.arm}>
          <span className="arm-chip" style={{ background: l.color }} />
          {l.note}
        </p>
      ))}
    </div>
  );
}
