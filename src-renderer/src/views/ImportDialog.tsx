// "Import runs…": TensorBoard logs or a CSV export on the host's disk become a read-only experiment.
// Nothing is written until the user has seen the detected arms, seeds, metrics and problems.
import { useState } from 'react';
import type { ImportPreview, ImportRequest } from '@creditlab/api';
import { api } from '../api';
import { desktop } from '../lib/desktop';
import { navigate } from '../router';

export function ImportDialog({ onClose }: { onClose: () => void }) {
  const [kind, setKind] = useState<ImportRequest['kind']>('tensorboard');
  const [path, setPath] = useState('');
  const [group, setGroup] = useState('');
  const [name, setName] = useState('');
  const [preview, setPreview] = useState<ImportPreview | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const request = (): ImportRequest => ({ kind, path: path.trim(), ...(group.trim() ? { group: group.trim() } : {}), ...(name.trim() ? { name: name.trim() } : {}) });
  const edit = (f: () => void) => {
    f();
    setPreview(null);
    setError(null);
  };
  const run = async (f: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    try {
      await f();
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="modal-backdrop" role="presentation" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <div className="modal import-modal" role="dialog" aria-modal="true" aria-labelledby="import-title" data-testid="import-dialog">
        <div className="modal-head">
          <h2 id="import-title">Import runs</h2>
          <span className="dim small">trained elsewhere: read-only, compared like any experiment</span>
          <button type="button" className="icon-btn import-close" onClick={onClose} aria-label="Close">
            ✕
          </button>
        </div>
        <div className="import-body">
          <div className="import-kinds" role="radiogroup" aria-label="Source">
            {(
              [
                ['tensorboard', 'TensorBoard log folder'],
                ['csv', 'CSV (creditlab export or W&B Export CSV)'],
              ] as const
            ).map(([k, label]) => (
              <label key={k}>
                <input type="radio" name="import-kind" checked={kind === k} onChange={() => edit(() => setKind(k))} /> {label}
              </label>
            ))}
          </div>
          <label className="import-field">
            <span>{kind === 'tensorboard' ? 'Folder on the host' : 'File on the host'}</span>
            <span className="import-row">
              <input className="mono" value={path} onChange={(e) => edit(() => setPath(e.target.value))} placeholder={kind === 'tensorboard' ? '/home/me/runs' : '/home/me/export.csv'} aria-label="Path" />
              {desktop?.pickImportSource && (
                <button
                  type="button"
                  onClick={() =>
                    void run(async () => {
                      const p = await desktop!.pickImportSource!(kind);
                      if (p) edit(() => setPath(p));
                    })
                  }
                >
                  Browse…
                </button>
              )}
            </span>
          </label>
          <label className="import-field">
            <span>
              Group (optional): a regular expression on each run's {kind === 'tensorboard' ? 'folder path' : 'name'} with named groups <code>arm</code> and <code>seed</code>
            </span>
            <input className="mono" value={group} onChange={(e) => edit(() => setGroup(e.target.value))} placeholder="(?<arm>[^/]+)/seed_(?<seed>\d+)" aria-label="Group" />
          </label>
          <label className="import-field">
            <span>Experiment name (optional)</span>
            <input value={name} onChange={(e) => edit(() => setName(e.target.value))} placeholder="the folder's or file's name" aria-label="Experiment name" />
          </label>
          {error && <div className="error-text" role="alert">{error}</div>}
          {preview && <PreviewTable preview={preview} />}
        </div>
        <div className="modal-foot">
          <button type="button" disabled={busy || !path.trim()} onClick={() => void run(async () => setPreview(await api.previewImport(request())))}>
            Preview
          </button>
          <button
            type="button"
            className="primary"
            disabled={busy || !preview || preview.runs.length === 0}
            onClick={() =>
              void run(async () => {
                const r = await api.importRuns(request());
                onClose();
                navigate(`#/exp/${r.experimentId}`);
              })
            }
          >
            Import {preview ? `${preview.runs.length} run${preview.runs.length === 1 ? '' : 's'}` : ''}
          </button>
        </div>
      </div>
    </div>
  );
}

function PreviewTable({ preview }: { preview: ImportPreview }) {
  return (
    <div className="import-preview" data-testid="import-preview">
      <div className="small">
        {preview.runs.length} run(s), {preview.points.toLocaleString()} point(s), {preview.metrics.length} metric(s)
      </div>
      <table className="import-arms">
        <thead>
          <tr>
            <th>arm</th>
            <th>seeds</th>
          </tr>
        </thead>
        <tbody>
          {preview.arms.map((a) => (
            <tr key={a.name}>
              <td>{a.name}</td>
              <td className="mono">{a.seeds.join(' ')}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="small">
        metrics: <span className="mono">{preview.metrics.join(', ') || '(none)'}</span>
      </div>
      {preview.problems.length > 0 && (
        <ul className="import-problems small">
          {preview.problems.map((p, i) => (
            <li key={i} className={p.skipped ? 'error-text' : 'dim'}>
              {p.skipped ? 'left out' : 'note'}: <span className="mono">{p.path}</span> — {p.message}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
