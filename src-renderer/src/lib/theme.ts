// Light/dark follows the OS unless the user pinned one; Monaco and Plotly read the result.
import { useSyncExternalStore } from 'react';
import { setMonacoTheme } from './monaco';

export type ThemeMode = 'system' | 'light' | 'dark';
const KEY = 'creditlab.theme';
const media = window.matchMedia('(prefers-color-scheme: dark)');
const listeners = new Set<() => void>();
let mode: ThemeMode = (localStorage.getItem(KEY) as ThemeMode | null) ?? 'system';

const isDark = () => (mode === 'system' ? media.matches : mode === 'dark');
function apply(): void {
  document.documentElement.dataset.theme = isDark() ? 'dark' : 'light';
  setMonacoTheme(isDark());
  for (const l of listeners) l();
}
media.addEventListener('change', apply);
apply();

export function setThemeMode(m: ThemeMode): void {
  mode = m;
  localStorage.setItem(KEY, m);
  apply();
}

export function useTheme(): { mode: ThemeMode; dark: boolean } {
  const dark = useSyncExternalStore(
    (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    isDark,
  );
  return { mode, dark };
}

/** Reads a CSS custom property from the root, for canvases and plots that cannot use var(). */
export function cssVar(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
}
