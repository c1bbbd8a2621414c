// A side-by-side Monaco diff in a modal: reward versions against each other or the draft, run configs.
import { useEffect, useRef, type ReactNode } from 'react';
import { monaco } from '../lib/monaco';

export interface DiffSide {
  label: string;
  text: string;
}

interface Props {
  title: string;
  language: 'typescript' | 'json';
  left: DiffSide;
  right: DiffSide;
  onClose: () => void;
  /** Extra buttons in the header (e.g. "Restore this version"). */
  actions?: ReactNode;
  testId?: string;
}

// Diff models must not collide with the builder's file:/// models (the TS worker would type-check them).
let seq = 0;

export function DiffModal({ title, language, left, right, onClose, actions, testId }: Props) {
  const host = useRef<HTMLDivElement>(null);
  const stats = useRef<HTMLSpanElement>(null);

  useEffect(() => {
    const n = ++seq;
    const ext = language === 'json' ? 'json' : 'ts';
    const original = monaco.editor.createModel(left.text, language, monaco.Uri.parse(`inmemory://diff/${n}/a.${ext}`));
    const modified = monaco.editor.createModel(right.text, language, monaco.Uri.parse(`inmemory://diff/${n}/b.${ext}`));
    const editor = monaco.editor.createDiffEditor(host.current!, {
      readOnly: true,
      originalEditable: false,
      automaticLayout: true,
      renderSideBySide: true,
      minimap: { enabled: false },
      fontSize: 12.5,
      lineHeight: 19,
      fontFamily: 'ui-monospace, "JetBrains Mono", "DejaVu Sans Mono", Menlo, Consolas, monospace',
      scrollBeyondLastLine: false,
      renderOverviewRuler: false,
    });
    editor.setModel({ original, modified });
    const d = editor.onDidUpdateDiff(() => {
      const changes = editor.getLineChanges() ?? [];
      if (stats.current) {
        let add = 0;
        let del = 0;
        for (const c of changes) {
          if (c.modifiedEndLineNumber > 0) add += c.modifiedEndLineNumber - c.modifiedStartLineNumber + 1;
          if (c.originalEndLineNumber > 0) del += c.originalEndLineNumber - c.originalStartLineNumber + 1;
        }
        stats.current.textContent = changes.length === 0 ? 'identical' : `${changes.length} change${changes.length === 1 ? '' : 's'} · +${add} −${del} lines`;
      }
    });
    return () => {
      d.dispose();
      editor.dispose();
      original.dispose();
      modified.dispose();
    };
  }, [left.text, right.text, language]);

  useEffect(() => {
    const h = (e: KeyboardEvent) => {
      if (e.key === 'Escape') {
        e.stopPropagation();
        onClose();
      }
    };
    window.addEventListener('keydown', h, true);
    return () => window.removeEventListener('keydown', h, true);
  }, [onClose]);

  return (
    <div className="modal-backdrop" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <div className="modal diff-modal" role="dialog" aria-modal="true" aria-label={title} data-testid={testId}>
        <div className="modal-head">
          <h2>{title}</h2>
          <span className="muted small" ref={stats} data-testid="diff-stats" />
          <span className="toolbar-gap" />
          {actions}
          <button type="button" className="icon-btn" onClick={onClose} aria-label="Close diff" title="Close (Esc)">
            ✕
          </button>
        </div>
        <div className="diff-labels">
          <span className="mono">{left.label}</span>
          <span className="mono">{right.label}</span>
        </div>
        <div className="diff-host" ref={host} />
      </div>
    </div>
  );
}
