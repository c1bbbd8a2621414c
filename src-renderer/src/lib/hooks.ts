import { useEffect, useRef, useState, type RefObject } from 'react';

/** Current time, re-rendering every `ms` while `enabled` (live durations and ETAs). */
export function useNow(enabled: boolean, ms = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!enabled) return;
    const t = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(t);
  }, [enabled, ms]);
  return now;
}

/** Closes a popover on a mouse-down outside `root` or on Escape, while it is open. */
export function useDismiss(open: boolean, close: () => void, root: RefObject<HTMLElement | null>): void {
  // The latest callback, so an inline arrow does not re-subscribe the listeners on every render.
  const closeRef = useRef(close);
  closeRef.current = close;
  useEffect(() => {
    if (!open) return;
    const outside = (e: MouseEvent) => {
      if (root.current && !root.current.contains(e.target as Node)) closeRef.current();
    };
    const esc = (e: KeyboardEvent) => e.key === 'Escape' && closeRef.current();
    document.addEventListener('mousedown', outside);
    document.addEventListener('keydown', esc);
    return () => {
      document.removeEventListener('mousedown', outside);
      document.removeEventListener('keydown', esc);
    };
  }, [open, root]);
}
