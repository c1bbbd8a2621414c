// Native dialogs and "reveal in folder", with Electron's dialog/shell injected so the policy (what
// may be written, read or revealed) is testable in plain Node.
import { realpath, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { basename, dirname, extname, isAbsolute, join, relative, resolve } from 'node:path';
import type { CreditlabApi } from '@creditlab/api';
import type { OpenedFile, SaveFileRequest, SaveFilesRequest } from './channels';
import type { DesktopService } from './ipc-bridge';
import { readRewardFile } from '../host/reward-files';

type Filter = { name: string; extensions: string[] };

export interface NativeShell {
  showSaveDialog(opts: { defaultPath: string; filters: Filter[] }): Promise<{ canceled: boolean; filePath?: string }>;
  showOpenDialog(opts: { title?: string; filters?: Filter[]; properties: ('openFile' | 'openDirectory' | 'createDirectory')[] }): Promise<{ canceled: boolean; filePaths: string[] }>;
  showItemInFolder(path: string): void;
  /** Folder the save dialog starts in (Electron: app.getPath('documents')). */
  defaultDir(): string;
}

const FILTERS: Record<string, Filter> = {
  '.csv': { name: 'CSV', extensions: ['csv'] },
  '.json': { name: 'JSON', extensions: ['json'] },
  '.svg': { name: 'SVG image', extensions: ['svg'] },
  '.png': { name: 'PNG image', extensions: ['png'] },
  '.pdf': { name: 'PDF', extensions: ['pdf'] },
  '.txt': { name: 'Text', extensions: ['txt'] },
};

export function filtersFor(name: string): Filter[] {
  const f = FILTERS[extname(name).toLowerCase()];
  return f ? [f, { name: 'All files', extensions: ['*'] }] : [{ name: 'All files', extensions: ['*'] }];
}

const inside = (dir: string, p: string) => {
  const rel = relative(resolve(dir), resolve(p));
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
};

export function createDesktopService(
  api: Pick<CreditlabApi, 'exportExperiment'> & { allowPickedRewardFile?(path: string): void },
  native: NativeShell,
  workspaceRoot: string,
): DesktopService {
  // Paths the user picked in a dialog may be revealed later, besides anything in the workspace.
  const chosen = new Set<string>();

  const save = async (req: SaveFileRequest): Promise<{ path: string } | null> => {
    const defaultName = basename(req.defaultName).replace(/[<>:"|?*\u0000-\u001f]/g, '_') || 'export';
    const r = await native.showSaveDialog({ defaultPath: resolve(native.defaultDir(), defaultName), filters: req.filters ?? filtersFor(defaultName) });
    if (r.canceled || !r.filePath) return null;
    const data = req.encoding === 'base64' ? Buffer.from(req.content, 'base64') : req.content;
    await writeFile(r.filePath, data);
    chosen.add(resolve(r.filePath));
    return { path: r.filePath };
  };

  return {
    saveFile: save,

    async saveFiles(req: SaveFilesRequest) {
      const r = await native.showOpenDialog({ title: req.title ?? 'Choose a folder for the exported files', properties: ['openDirectory', 'createDirectory'] });
      const folder = r.filePaths[0];
      if (r.canceled || !folder) return null;
      const paths = req.files.map((f) => join(folder, basename(f.name)));
      const taken = paths.filter((p) => existsSync(p));
      if (taken.length) throw new Error(`not overwriting ${taken.map((p) => basename(p)).join(', ')} in ${folder}: choose an empty folder`);
      for (const [i, f] of req.files.entries()) await writeFile(paths[i], f.encoding === 'base64' ? Buffer.from(f.content, 'base64') : f.content);
      chosen.add(resolve(folder));
      for (const p of paths) chosen.add(resolve(p));
      return { folder, paths };
    },

    async exportExperimentToFile(experimentId, format) {
      const out = await api.exportExperiment(experimentId, format);
      return save({ defaultName: out.filename, content: out.content });
    },

    async openRewardFile(): Promise<OpenedFile | null> {
      const r = await native.showOpenDialog({
        filters: [{ name: 'Reward code', extensions: ['ts', 'js', 'mjs'] }, { name: 'All files', extensions: ['*'] }],
        properties: ['openFile'],
      });
      const path = r.filePaths[0];
      if (r.canceled || !path) return null;
      // The same rules as a spec's reward.file (regular file, at most 1 MB, never blocking on a FIFO).
      let file;
      try {
        const real = await realpath(path);
        file = await readRewardFile(real, { specDir: dirname(real), roots: [], picked: new Set([real]) });
      } catch (e) {
        throw new Error(`${basename(path)}: ${(e as Error).message}`);
      }
      chosen.add(resolve(path));
      // A spec may now name this file in reward.file although it lies outside its folder and the workspace.
      api.allowPickedRewardFile?.(path);
      return { path, filename: basename(path), content: file.code };
    },

    async pickImportSource(kind) {
      const r = await native.showOpenDialog(
        kind === 'tensorboard'
          ? { title: 'Choose a TensorBoard log folder', properties: ['openDirectory'] }
          : { title: 'Choose a CSV export', filters: [{ name: 'CSV', extensions: ['csv'] }, { name: 'All files', extensions: ['*'] }], properties: ['openFile'] },
      );
      const path = r.filePaths[0];
      if (r.canceled || !path) return null;
      chosen.add(resolve(path));
      return path;
    },

    async revealInFolder(path) {
      const full = resolve(path);
      if (!inside(workspaceRoot, full) && !chosen.has(full)) throw new Error('only files in the workspace or chosen in a dialog can be revealed');
      native.showItemInFolder(full);
    },
  };
}
