// The one CSV field writer (RFC 4180): every CSV the workbench writes (the long-format export, the
// aggregated curves of `creditlab export --aggregate` and the comparison view's curve CSV) goes through it.

/** A field as written: quoted, with quotes doubled, when it holds a quote, comma or line break. */
export function csvField(v: string | number): string {
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** One record (no line terminator). */
export function csvRow(fields: readonly (string | number)[]): string {
  return fields.map(csvField).join(',');
}
