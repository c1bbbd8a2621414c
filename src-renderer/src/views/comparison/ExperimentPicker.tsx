// Adds other experiments' runs to the comparison; those without the current metric are listed but add no curves.
import { useRef, useState } from 'react';
import { useDismiss } from '../../lib/hooks';
import { useLive } from '../../lib/live';

export function ExperimentPicker({ current, metric, selected, onChange }: { current: string; metric: string; selected: string[]; onChange(ids: string[]): void }) {
  const { experiments } = useLive();
  const [open, setOpen] = useState(false);
  const root = useRef<HTMLDivElement>(null);
  useDismiss(open, () => setOpen(false), root);
  const others = experiments.filter((e) => e.id !== current);
  return (
    <div className="tmenu exp-picker" ref={root}>
      <button type="button" aria-haspopup="dialog" aria-expanded={open} onClick={() => setOpen(!open)} title="Add runs from other experiments (same metric)">
        Experiments{selected.length ? ` +${selected.length}` : ''} ▾
      </button>
      {open && (
        <div className="tmenu-pop exp-picker-pop" role="dialog" aria-label="Compare with experiments" data-testid="experiment-picker">
          <div className="tmenu-group-head">Add runs from (arms are labelled experiment/arm)</div>
          {others.length === 0 && <div className="muted small tmenu-empty">No other experiments yet.</div>}
          {others.map((e) => (
            <label key={e.id} className="tmenu-check">
              <input
                type="checkbox"
                aria-label={`Compare with ${e.name} (${e.id})`}
                checked={selected.includes(e.id)}
                onChange={(ev) => onChange(ev.target.checked ? [...selected, e.id] : selected.filter((x) => x !== e.id))}
              />
              <span className="tmenu-title">{e.name}</span>
              <span className="tmenu-paper">
                {e.id} · {e.arms.join(', ')} · {e.status}
              </span>
            </label>
          ))}
          <div className="muted small tmenu-empty">Experiments without “{metric}” add no curves.</div>
        </div>
      )}
    </div>
  );
}
