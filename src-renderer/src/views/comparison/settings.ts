// What the user chose in the comparison's toolbar, as one state object.
import { useCallback, useState } from 'react';
import type { StatName } from '@creditlab/stats';
import type { Band, XAxis } from './comparison-stats';

export interface PlotSettings {
  metric: string;
  stat: StatName;
  band: Band;
  smoothing: number;
  showSeeds: boolean;
  logY: boolean;
  xAxis: XAxis;
  /** "arm" or a dotted config path. */
  groupBy: string;
  /** The arm paired differences are taken against; null: the first. */
  pairedVs: string | null;
  /** Other experiments whose runs join the plot. */
  extraIds: string[];
}

export function defaultSettings(metric: string, compact: boolean): PlotSettings {
  return { metric, stat: 'iqm', band: 'ci', smoothing: 0.6, showSeeds: compact, logY: false, xAxis: 'step', groupBy: 'arm', pairedVs: null, extraIds: [] };
}

export type SetSettings = (patch: Partial<PlotSettings>) => void;

export function usePlotSettings(initial: () => PlotSettings): [PlotSettings, SetSettings] {
  const [settings, setAll] = useState(initial);
  const set = useCallback<SetSettings>((patch) => setAll((s) => ({ ...s, ...patch })), []);
  return [settings, set];
}
