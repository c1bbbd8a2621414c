// Saved versions of the reward in the editor: save, list, diff any two (or one against the draft), restore.
import { useCallback, useEffect, useState } from 'react';
import type { RewardVersion } from '@creditlab/api';
import { api } from '../api';
import { DiffModal, type DiffSide } from '../components/DiffModal';
import { fmtTime } from '../lib/format';
import type { monaco } from '../lib/monaco';

interface Props {
  rewardModel: monaco.editor.ITextModel;
  defaultName: string;
  active: boolean;
}

const DRAFT = '__draft';

export function RewardVersions({ rewardModel, defaultName, active }: Props) {
  const [name, setName] = useState(defaultName);
  const [nameTouched, setNameTouched] = useState(false);
  const [note, setNote] = useState('');
  const [allNames, setAllNames] = useState(false);
  const [versions, setVersions] = useState<RewardVersion[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const [picked, setPicked] = useState<string[]>([]);
  const [diff, setDiff] = useState<{ left: string; right: string } | null>(null);

  // Follow the spec's name until the user types their own.
  useEffect(() => {
    if (!nameTouched) setName(defaultName);
  }, [defaultName, nameTouched]);

  const refresh = useCallback(async () => {
    try {
      setVersions(await api.listRewardVersions(allNames ? undefined : name.trim() || undefined));
      setError(null);
    } catch (e) {
      setError((e as Error).message);
    }
  }, [allNames, name]);

  useEffect(() => {
    if (!active) return;
    const t = setTimeout(() => void refresh(), 200);
    return () => clearTimeout(t);
  }, [active, refresh]);

  const save = async () => {
    setSaving(true);
    try {
      await api.saveRewardVersion(name.trim(), rewardModel.getValue(), note.trim() || undefined);
      setNote('');
      await refresh();
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setSaving(false);
    }
  };

  const restore = (v: RewardVersion) => {
    // One undoable edit: Ctrl+Z in the editor brings the draft back.
    rewardModel.pushEditOperations([], [{ range: rewardModel.getFullModelRange(), text: v.code }], () => null);
    setDiff(null);
  };

  const side = (id: string): DiffSide => {
    if (id === DRAFT) return { label: 'current draft (editor)', text: rewardModel.getValue() };
    const v = versions.find((x) => x.id === id);
    return v ? { label: `${v.name} · ${fmtTime(v.createdAt)}${v.note ? ` — ${v.note}` : ''}`, text: v.code } : { label: id, text: '' };
  };
  const toggle = (id: string) => setPicked((p) => (p.includes(id) ? p.filter((x) => x !== id) : [...p.slice(-1), id]));
  // Older on the left, as in a commit diff.
  const order = (a: string, b: string): [string, string] => {
    if (a === DRAFT) return [b, a];
    if (b === DRAFT) return [a, b];
    const ia = versions.findIndex((v) => v.id === a);
    const ib = versions.findIndex((v) => v.id === b);
    return ia > ib ? [a, b] : [b, a];
  };
  const restoreTarget = diff ? versions.find((v) => v.id === diff.left) : undefined;

  return (
    <div className="dock-body versions" data-testid="reward-versions">
      <div className="dock-toolbar">
        <label className="field">
          <span>Name</span>
          <input
            aria-label="Version name"
            className="text"
            value={name}
            onChange={(e) => {
              setNameTouched(true);
              setName(e.target.value);
            }}
          />
        </label>
        <label className="field grow">
          <span>Note</span>
          <input aria-label="Version note" className="text" value={note} placeholder="what changed and why" onChange={(e) => setNote(e.target.value)} onKeyDown={(e) => e.key === 'Enter' && name.trim() && void save()} />
        </label>
        <button type="button" className="primary" disabled={!name.trim() || saving} onClick={() => void save()}>
          {saving ? 'Saving…' : 'Save version'}
        </button>
        <span className="sep" />
        <label className="check">
          <input type="checkbox" checked={allNames} onChange={(e) => setAllNames(e.target.checked)} /> all names
        </label>
        <button type="button" disabled={picked.length !== 2} onClick={() => setDiff((() => { const [l, r] = order(picked[0], picked[1]); return { left: l, right: r }; })())} title="Select two versions (or one and the draft)">
          Diff selected
        </button>
      </div>
      {error && <div className="error-text small pad-s">{error}</div>}
      <div className="dock-scroll">
        <table className="runs versions-table" aria-label="Reward versions">
          <thead>
            <tr>
              <th className="c-sel" />
              <th>Version</th>
              <th>Saved</th>
              <th>Note</th>
              <th className="num">Lines</th>
              <th className="c-row-actions" />
            </tr>
          </thead>
          <tbody>
            <tr className={`version-row draft${picked.includes(DRAFT) ? ' selected' : ''}`}>
              <td className="c-sel">
                <input type="checkbox" aria-label="Select the current draft" checked={picked.includes(DRAFT)} onChange={() => toggle(DRAFT)} />
              </td>
              <td>
                <em>current draft</em>
              </td>
              <td className="dim">editor</td>
              <td className="dim">unsaved changes are diffed as they are now</td>
              <td className="num mono">{rewardModel.getLineCount()}</td>
              <td />
            </tr>
            {versions.map((v, i) => (
              <tr key={v.id} className={`version-row${picked.includes(v.id) ? ' selected' : ''}`} data-version={v.id}>
                <td className="c-sel">
                  <input type="checkbox" aria-label={`Select version ${v.id}`} checked={picked.includes(v.id)} onChange={() => toggle(v.id)} />
                </td>
                <td>
                  <span className="mono">{v.name}</span>
                  <span className="version-no mono">#{versions.length - i}</span>
                </td>
                <td className="dim">{fmtTime(v.createdAt)}</td>
                <td className="note-cell" title={v.note}>
                  {v.note || <span className="dim">—</span>}
                </td>
                <td className="num mono">{v.code.split('\n').length}</td>
                <td className="c-row-actions">
                  <button type="button" className="small-btn" onClick={() => setDiff({ left: v.id, right: DRAFT })}>
                    Diff vs draft
                  </button>
                  <button type="button" className="small-btn" onClick={() => restore(v)} title="Put this version in the editor (undo with Ctrl+Z)">
                    Restore
                  </button>
                </td>
              </tr>
            ))}
            {versions.length === 0 && !error && (
              <tr>
                <td />
                <td colSpan={5} className="muted">
                  No saved versions{allNames ? '' : ` named “${name.trim()}”`} yet. Save one to diff against it later.
                </td>
              </tr>
            )}
          </tbody>
        </table>
      </div>
      {diff && (
        <DiffModal
          title="Reward diff"
          language="typescript"
          left={side(diff.left)}
          right={side(diff.right)}
          onClose={() => setDiff(null)}
          testId="reward-diff"
          actions={
            restoreTarget && (
              <button type="button" onClick={() => restore(restoreTarget)}>
                Restore left version
              </button>
            )
          }
        />
      )}
    </div>
  );
}
