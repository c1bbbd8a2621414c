// The plotted curves as CSV data, DOM-free so that a test can read it (exporters.ts saves it).
import { bandPointZeroWidthNote, percentileIntervalLabel, zeroWidthSpanAt } from '@creditlab/stats';
import { csvRow } from '@creditlab/common';
import { CURVE_REPS, type Band, type GroupCurves, type XAxis } from './comparison-stats';

/**
 * The plotted curves, a row per group and grid point. `interval` says how the band was made and, where
 * it has zero width, why (the figure's note under the plot, per point), so the columns stay the same.
 */
export function curveCsv(curves: readonly GroupCurves[], groupBy: string, xAxis: XAxis, band: Band): string {
  const rows = [csvRow([groupBy === 'arm' ? 'arm' : 'group', xAxis === 'time' ? 'seconds' : 'step', 'n', 'estimate', 'low', 'high', 'interval'])];
  for (const a of curves) {
    const c = a.curve;
    if (!c) continue;
    c.steps.forEach((s, i) => {
      let interval = 'no interval (band off)';
      if (band === 'ci') {
        const zero = zeroWidthSpanAt(c, i);
        interval = percentileIntervalLabel(c.n[i], 0.95, CURVE_REPS) + (zero ? `; ${bandPointZeroWidthNote(zero)}` : '');
      }
      rows.push(csvRow([a.arm, s, c.n[i], c.estimate[i], c.low[i], c.high[i], interval]));
    });
  }
  return rows.join('\n') + '\n';
}
