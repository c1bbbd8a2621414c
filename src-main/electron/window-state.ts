// Window bounds and maximized state, kept in userData/window-state.json between launches.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface WindowState {
  x?: number;
  y?: number;
  width: number;
  height: number;
  maximized: boolean;
}

export const DEFAULT_WINDOW_STATE: WindowState = { width: 1400, height: 900, maximized: false };
const MIN = { width: 800, height: 560 };

const num = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

export function loadWindowState(file: string): WindowState {
  try {
    const s = JSON.parse(readFileSync(file, 'utf8')) as Partial<WindowState>;
    if (!num(s.width) || !num(s.height)) return { ...DEFAULT_WINDOW_STATE };
    return {
      ...(num(s.x) && num(s.y) ? { x: s.x, y: s.y } : {}),
      width: Math.max(MIN.width, Math.round(s.width)),
      height: Math.max(MIN.height, Math.round(s.height)),
      maximized: s.maximized === true,
    };
  } catch {
    return { ...DEFAULT_WINDOW_STATE };
  }
}

export function saveWindowState(file: string, state: WindowState): void {
  // Write-then-rename: a crash mid-write must not leave a truncated file behind.
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(state));
  renameSync(tmp, file);
}

/**
 * Keeps a remembered window reachable when a monitor went away or the resolution shrank: the title
 * bar must overlap some display's work area, else the position is dropped (the OS centres it).
 */
export function fitToDisplays(state: WindowState, workAreas: Rect[]): WindowState {
  if (workAreas.length === 0) return state;
  const largest = workAreas.reduce((a, b) => (b.width * b.height > a.width * a.height ? b : a));
  const width = Math.min(state.width, Math.max(MIN.width, largest.width));
  const height = Math.min(state.height, Math.max(MIN.height, largest.height));
  if (state.x === undefined || state.y === undefined) return { width, height, maximized: state.maximized };
  const { x, y } = state;
  const titleBar = { x, y, width, height: 32 };
  const visible = workAreas.some(
    (a) => titleBar.x + titleBar.width > a.x + 40 && titleBar.x < a.x + a.width - 40 && titleBar.y >= a.y - 8 && titleBar.y < a.y + a.height - 32,
  );
  return visible ? { x, y, width, height, maximized: state.maximized } : { width, height, maximized: state.maximized };
}
