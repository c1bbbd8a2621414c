// The builder's template menu: reward-code starting points (replace the editor's code) and every method
// of the reward registry (appends a spec entry to a reward section). A popover rather than a <select>
// because each item needs two lines (title, paper) and a doc tooltip.
import { useRef, useState } from 'react';
import { useDismiss } from '../lib/hooks';
import type { RewardMethodInfo } from '@creditlab/api';
import type { RewardTemplate } from '../lib/templates';
import type { EntryTarget } from '../lib/method-templates';

export interface TemplateMenuProps {
  codeTemplates: RewardTemplate[];
  methods: RewardMethodInfo[];
  arms: string[];
  /** Where method entries go unless the user picks another section in the menu. */
  defaultTarget: EntryTarget;
  onCode(t: RewardTemplate): void;
  onMethod(m: RewardMethodInfo, target: EntryTarget): void;
}

const targetKey = (t: EntryTarget) => (t.kind === 'arm' ? `arm:${t.name}` : 'base');

export function TemplateMenu({ codeTemplates, methods, arms, defaultTarget, onCode, onMethod }: TemplateMenuProps) {
  const [open, setOpen] = useState(false);
  // The pane header clips overflow, so the popover is fixed-positioned under the button.
  const [at, setAt] = useState({ top: 0, right: 0 });
  const [into, setInto] = useState(targetKey(defaultTarget));
  const root = useRef<HTMLDivElement>(null);

  useDismiss(open, () => setOpen(false), root);

  const target: EntryTarget = into.startsWith('arm:') ? { kind: 'arm', name: into.slice(4) } : { kind: 'base' };
  const groups = [
    { id: 'shaping', label: 'Shaping terms → reward.shaping', items: methods.filter((m) => m.kind === 'shaping') },
    { id: 'transforms', label: 'Transforms → reward.transforms', items: methods.filter((m) => m.kind !== 'shaping') },
  ];

  return (
    <div className="tmenu" ref={root}>
      <button type="button" className="small-btn" aria-haspopup="menu" aria-expanded={open}
        onClick={(e) => {
          // Follows the reward editor's target each time the menu opens; the user may still override it inside.
          if (!open) {
            setInto(targetKey(defaultTarget));
            const r = (e.currentTarget as HTMLElement).getBoundingClientRect();
            setAt({ top: r.bottom + 4, right: Math.max(8, window.innerWidth - r.right) });
          }
          setOpen(!open);
        }}
      >
        Template ▾
      </button>
      {open && (
        <div className="tmenu-pop" style={{ top: at.top, right: at.right }} role="menu" aria-label="Templates" data-testid="template-menu">
          <div className="tmenu-group">
            <div className="tmenu-group-head">Reward code → reward.ts (replaces the editor)</div>
            {codeTemplates.map((t) => (
              <button
                key={t.id}
                type="button"
                role="menuitem"
                className="tmenu-item"
                data-template={t.id}
                onClick={() => {
                  onCode(t);
                  setOpen(false);
                }}
              >
                <span className="tmenu-title">{t.name}</span>
                <span className="tmenu-paper">{t.cite}</span>
              </button>
            ))}
          </div>
          {methods.length > 0 && (
            <div className="tmenu-into">
              <label className="field compact">
                <span>Spec entries go into</span>
                <select aria-label="Insert spec entry into" value={into} onChange={(e) => setInto(e.target.value)}>
                  <option value="base">base (all arms)</option>
                  {arms.map((a) => (
                    <option key={a} value={`arm:${a}`}>
                      arm “{a}”
                    </option>
                  ))}
                </select>
              </label>
            </div>
          )}
          {groups.map(
            (g) =>
              g.items.length > 0 && (
                <div key={g.id} className="tmenu-group" data-group={g.id}>
                  <div className="tmenu-group-head">{g.label}</div>
                  {g.items.map((m) => (
                    <button
                      key={m.type}
                      type="button"
                      role="menuitem"
                      className="tmenu-item"
                      data-method={m.type}
                      title={m.doc}
                      onClick={() => {
                        onMethod(m, target);
                        setOpen(false);
                      }}
                    >
                      <span className="tmenu-title">
                        {m.title} <code>{m.type}</code>
                      </span>
                      <span className="tmenu-paper">{m.paper}</span>
                    </button>
                  ))}
                </div>
              ),
          )}
        </div>
      )}
    </div>
  );
}
