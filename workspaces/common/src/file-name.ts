// File names built from user text (experiment names, metric names, reward file names): exports, figure
// zips and run folders must never get a path separator, a "..", a control character or a hidden name.

/** A flat, portable file name: letters, digits and . _ - only, no leading dot, at most `max` characters. */
export function safeFileName(text: string, fallback = 'export', max = 120): string {
  const flat = String(text)
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^A-Za-z0-9._-]+/g, '_')
    .replace(/\.{2,}/g, '.')
    .replace(/^[._]+/, '')
    .slice(0, max)
    .replace(/\.+$/, '');
  return flat || fallback;
}

/** True for a name safeFileName would leave as it is: what a zip entry or a saved file may be called. */
export function isSafeFileName(name: string): boolean {
  return name.length > 0 && name.length <= 255 && /^[A-Za-z0-9_-][A-Za-z0-9._-]*$/.test(name) && !name.includes('..');
}
