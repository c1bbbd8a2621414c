// The reward-hacking alarm of a comparison: which arms' runs were flagged, as badges, an explanation
// panel, and the judged step ranges for the figure.
import { explainVerdict, HACKING_RULE, type HackingVerdict } from '@creditlab/stats';
import type { RunSummary } from '@creditlab/api';
import { armColor } from '../../lib/colors';
import type { HackingState } from '../../lib/use-hacking';
import type { AlarmWindow } from './figure';

export interface ArmAlarm {
  arm: string;
  color: string;
  flagged: (HackingVerdict & { seed: number })[];
  judged: number;
}

export function armAlarms(hacking: HackingState | undefined, arms: readonly string[], runs: readonly RunSummary[]): ArmAlarm[] {
  if (!hacking?.pair) return [];
  return arms
    .map((arm) => {
      const mine = runs
        .filter((r) => r.arm === arm)
        .flatMap((r) => {
          const v = hacking.byRun.get(r.id);
          return v ? [{ ...v, seed: r.seed }] : [];
        });
      return { arm, color: armColor(arms, arm), flagged: mine.filter((v) => v.flagged), judged: mine.length };
    })
    .filter((a) => a.flagged.length > 0);
}

export function alarmWindows(alarms: readonly ArmAlarm[]): AlarmWindow[] {
  return alarms.map((a) => ({ arm: a.arm, color: a.color, x0: Math.min(...a.flagged.map((v) => v.window[0])), x1: Math.max(...a.flagged.map((v) => v.window[1])) }));
}

export function AlarmBadges({ alarms }: { alarms: ArmAlarm[] }) {
  return (
    <>
      {alarms.map((a) => (
        <span key={a.arm} className="hack-badge" title={explainVerdict(a.flagged[0])} data-testid="hack-badge">
          ⚠ {a.arm}: reward hacking? ({a.flagged.length}/{a.judged})
        </span>
      ))}
    </>
  );
}

export function AlarmPanel({ alarms }: { alarms: ArmAlarm[] }) {
  return (
    <div className="hack-alarm" role="alert" data-testid="hack-alarm">
      <div className="hack-alarm-head">
        <AlarmBadges alarms={alarms} />
        <span className="muted small">
          The proxy objective keeps rising while the true task metric falls or stalls. Rule: Spearman ρ of each against step over the last{' '}
          {Math.round(HACKING_RULE.windowFraction * 100)}% of training; flag when ρ<sub>proxy</sub> ≥ {HACKING_RULE.rise} and ρ<sub>true</sub> ≤ {HACKING_RULE.stall}{' '}
          (≥ {HACKING_RULE.minPoints} points each), or over the whole run when ρ<sub>proxy</sub> ≥ {HACKING_RULE.rise} and ρ<sub>true</sub> ≤ −{HACKING_RULE.stall} (a hack that finished early). The range judged is shaded on the plot.
        </span>
      </div>
      <ul>
        {alarms.flatMap((a) =>
          a.flagged.slice(0, 3).map((v, i) => (
            <li key={`${a.arm}:${i}`} className="small">
              <span className="arm-chip" style={{ background: a.color }} />
              <b>{a.arm}</b> · seed {v.seed}: {explainVerdict(v, false)}
            </li>
          )),
        )}
      </ul>
    </div>
  );
}
