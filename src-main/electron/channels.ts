// Channel names and the desktop-only API, shared by the main process and the preload.
// Type-only apart from string constants, so the sandboxed preload bundle stays tiny.

export const RPC_CHANNEL = 'creditlab:rpc';
export const EVENTS_CHANNEL = 'creditlab:events';
export const DESKTOP_CHANNEL = 'creditlab:desktop';
export const MENU_CHANNEL = 'creditlab:menu';

/** Commands the application menu sends to the renderer; the renderer knows the current selection. */
export type MenuCommand = 'open-reward-file' | 'export-data' | 'export-figure';

export interface SaveFileRequest {
  /** Suggested file name, e.g. the `filename` of an ExportResult or `returns.svg`. */
  defaultName: string;
  content: string;
  /** `base64` for binary payloads such as a PNG taken from a data: URL. */
  encoding?: 'utf8' | 'base64';
  /** File type filters of the dialog; derived from defaultName's extension when omitted. */
  filters?: { name: string; extensions: string[] }[];
}

export interface OpenedFile {
  path: string;
  filename: string;
  content: string;
}

/**
 * Native features that only the Electron shell has (`window.creditlabDesktop`). The web host has no
 * equivalent: when it is undefined the renderer falls back to browser downloads and <input type=file>.
 * A cancelled dialog resolves to null.
 */
export interface CreditlabDesktopApi {
  readonly platform: string;
  /** Save dialog, then writes the content; resolves to the chosen path. */
  saveFile(req: SaveFileRequest): Promise<{ path: string } | null>;
  /**
   * Folder dialog, then writes every file into the chosen folder ("export all figures"). Names must be
   * plain file names; an existing file is not overwritten silently: the call fails naming it.
   */
  saveFiles(req: SaveFilesRequest): Promise<{ folder: string; paths: string[] } | null>;
  /** Exports an experiment (as CreditlabApi.exportExperiment) straight to a file chosen in a save dialog. */
  exportExperimentToFile(experimentId: string, format: 'csv' | 'json'): Promise<{ path: string } | null>;
  /** Open dialog for a reward file (.ts/.js/.mjs, at most 1 MB); resolves to its path and source. */
  openRewardFile(): Promise<OpenedFile | null>;
  /** Folder dialog (TensorBoard logs) or open dialog (a CSV file) for "Import runs…"; resolves to the path. */
  pickImportSource?(kind: 'tensorboard' | 'csv'): Promise<string | null>;
  /** Shows a file or folder in the system file manager: only paths in the workspace or chosen in a dialog. */
  revealInFolder(path: string): Promise<void>;
  /** Application menu commands (File ▸ Open reward file…, Export…); returns an unsubscribe function. */
  onMenuCommand(listener: (command: MenuCommand) => void): () => void;
}

export interface SaveFilesRequest {
  title?: string;
  files: { name: string; content: string; encoding?: 'utf8' | 'base64' }[];
}

export const DESKTOP_METHODS = ['saveFile', 'saveFiles', 'exportExperimentToFile', 'openRewardFile', 'pickImportSource', 'revealInFolder'] as const satisfies readonly (keyof CreditlabDesktopApi)[];
export type DesktopMethod = (typeof DESKTOP_METHODS)[number];

/** The subset of Electron's ipcMain the bridge uses (a fake in tests). */
export interface IpcMainLike {
  handle(channel: string, listener: (event: IpcInvokeEventLike, ...args: any[]) => unknown): void;
  removeHandler(channel: string): void;
}

export interface IpcInvokeEventLike {
  senderFrame?: { url: string } | null;
}

/** The subset of Electron's ipcRenderer the preload uses (a fake in tests). */
export interface IpcRendererLike {
  invoke(channel: string, ...args: any[]): Promise<any>;
  on(channel: string, listener: (event: unknown, ...args: any[]) => void): unknown;
  removeListener(channel: string, listener: (event: unknown, ...args: any[]) => void): unknown;
}
