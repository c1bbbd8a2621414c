// Native dialogs when running inside Electron (`window.creditlabDesktop`); browser downloads otherwise.
import type { MenuCommand } from '../../../src-main/electron/channels';
import { api } from '../api';
import { downloadDataUrl, downloadText } from './download';

export const desktop = window.creditlabDesktop;

/** What happened to an export, for a short confirmation next to the button. */
export type SaveOutcome = { kind: 'saved'; path: string } | { kind: 'downloaded'; filename: string } | { kind: 'cancelled' };

export async function saveText(text: string, filename: string, mime: string): Promise<SaveOutcome> {
  if (desktop) {
    const r = await desktop.saveFile({ defaultName: filename, content: text, encoding: 'utf8' });
    return r ? { kind: 'saved', path: r.path } : { kind: 'cancelled' };
  }
  downloadText(text, filename, mime);
  return { kind: 'downloaded', filename };
}

export async function saveDataUrl(dataUrl: string, filename: string): Promise<SaveOutcome> {
  if (desktop) {
    const [head, body] = dataUrl.split(',', 2);
    const base64 = head.includes(';base64');
    const r = await desktop.saveFile({ defaultName: filename, content: base64 ? body : decodeURIComponent(body), encoding: base64 ? 'base64' : 'utf8' });
    return r ? { kind: 'saved', path: r.path } : { kind: 'cancelled' };
  }
  downloadDataUrl(dataUrl, filename);
  return { kind: 'downloaded', filename };
}

export async function saveExperimentData(experimentId: string, format: 'csv' | 'json'): Promise<SaveOutcome> {
  if (desktop) {
    // The main process writes the export itself: a large experiment never crosses IPC twice.
    const r = await desktop.exportExperimentToFile(experimentId, format);
    return r ? { kind: 'saved', path: r.path } : { kind: 'cancelled' };
  }
  const r = await api.exportExperiment(experimentId, format);
  downloadText(r.content, r.filename, r.mime);
  return { kind: 'downloaded', filename: r.filename };
}

export function describeOutcome(o: SaveOutcome): string {
  return o.kind === 'saved' ? `saved to ${o.path}` : o.kind === 'downloaded' ? `downloaded ${o.filename}` : 'cancelled';
}

/** Opens a reward source file: the native dialog in Electron, a file input in the browser. */
export async function openRewardFile(): Promise<{ filename: string; content: string } | null> {
  if (desktop) return desktop.openRewardFile();
  return new Promise((resolve) => {
    const input = document.createElement('input');
    input.type = 'file';
    input.accept = '.ts,.js,.mjs,.mts';
    input.addEventListener('change', () => {
      const f = input.files?.[0];
      if (!f) return resolve(null);
      if (f.size > 1_000_000) return resolve(null);
      void f.text().then((content) => resolve({ filename: f.name, content }));
    });
    // A dismissed picker fires no event; the promise simply stays pending, which is harmless here.
    input.click();
  });
}

// Menu commands go to whichever view is showing the thing they act on; the latest registration wins.
const handlers = new Map<MenuCommand, () => void>();
let subscribed = false;
export function onMenuCommand(command: MenuCommand, handler: () => void): () => void {
  if (desktop && !subscribed) {
    subscribed = true;
    desktop.onMenuCommand((c) => handlers.get(c)?.());
  }
  handlers.set(command, handler);
  return () => {
    if (handlers.get(command) === handler) handlers.delete(command);
  };
}
