// Hash routes: they work identically from the web host and from Electron's file:// page.
import { useSyncExternalStore } from 'react';

export type Route =
  | { view: 'home' }
  | { view: 'new' }
  | { view: 'experiment'; id: string; tab: 'runs' | 'compare' | 'spec'; run?: string };

export function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
  if (parts[0] === 'new') return { view: 'new' };
  if (parts[0] === 'exp' && parts[1]) {
    const tab = parts[2] === 'compare' || parts[2] === 'spec' ? parts[2] : 'runs';
    return { view: 'experiment', id: parts[1], tab, run: parts[2] === 'run' ? parts[3] : undefined };
  }
  return { view: 'home' };
}

export function navigate(hash: string): void {
  if (location.hash !== hash) location.hash = hash;
}

export function useRoute(): Route {
  const hash = useSyncExternalStore(
    (l) => {
      window.addEventListener('hashchange', l);
      return () => window.removeEventListener('hashchange', l);
    },
    () => location.hash,
  );
  return parseRoute(hash);
}
