// Preset descriptions quote the figures a script printed from committed raw data between two markers, so
// that the results check can compare that block with the script's output. Readers (the CLI's `show`, the
// workbench) see the block set apart as its own paragraph and never the markers themselves.

export const FIGURES_BEGIN = '[printed figures]';
export const FIGURES_END = '[/printed figures]';

/** A paragraph of a description: prose, or the block of figures a script printed. */
export interface DescriptionPart {
  kind: 'text' | 'figures';
  text: string;
}

/** The section words preset descriptions write in capitals; each starts a paragraph. */
const SECTION = /\s+(?=(?:HYPOTHES[EI]S|METRICS?|RESULTS?)\b[\s:(,])/;

function prose(text: string): DescriptionPart[] {
  return text
    .split(SECTION)
    .map((t) => t.trim())
    .filter((t) => t.length > 0)
    .map((t) => ({ kind: 'text' as const, text: t }));
}

/**
 * The description as paragraphs. With exactly one well-ordered pair of markers, the text between them is
 * one `figures` part; otherwise the markers are not recognised and stay in the prose as written.
 */
export function descriptionParts(description: string): DescriptionPart[] {
  const a = description.indexOf(FIGURES_BEGIN);
  const b = description.indexOf(FIGURES_END);
  const single = a >= 0 && b > a && description.indexOf(FIGURES_BEGIN, a + 1) < 0 && description.indexOf(FIGURES_END, b + 1) < 0;
  if (!single) return prose(description);
  const figures = description.slice(a + FIGURES_BEGIN.length, b).trim();
  return [...prose(description.slice(0, a)), ...(figures ? [{ kind: 'figures' as const, text: figures }] : []), ...prose(description.slice(b + FIGURES_END.length))];
}
