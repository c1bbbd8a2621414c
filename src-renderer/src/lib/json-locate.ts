// Maps a spec error's JSON path (`arms[1].algo.learningRate`) to a text range in the JSON the user
// typed, so validation errors become editor markers. A tolerant scanner, not a parser: on broken JSON it
// returns what it found so far and the caller falls back to the nearest ancestor.

export interface Span {
  /** Offset of the property key (or of the value for array items and the root). */
  start: number;
  end: number;
}

type Seg = string | number;

export function parsePath(path: string): Seg[] {
  const out: Seg[] = [];
  const re = /([^.[\]]+)|\[(\d+)\]/g;
  for (let m = re.exec(path); m; m = re.exec(path)) out.push(m[2] !== undefined ? Number(m[2]) : m[1]);
  return out;
}

/** Every value's path (joined with \u0000) → span of its key+value. */
export function indexJson(text: string): Map<string, Span> {
  const spans = new Map<string, Span>();
  let i = 0;
  const ws = () => {
    while (i < text.length && /\s/.test(text[i])) i++;
  };
  const str = (): string => {
    const s = i;
    i++;
    while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    i++;
    try {
      return JSON.parse(text.slice(s, i)) as string;
    } catch {
      return text.slice(s + 1, i - 1);
    }
  };
  const value = (path: Seg[], keyStart: number): void => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      for (;;) {
        ws();
        if (text[i] === '}') {
          i++;
          break;
        }
        if (text[i] !== '"') return;
        const ks = i;
        const key = str();
        ws();
        if (text[i] !== ':') return;
        i++;
        value([...path, key], ks);
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === '}') {
          i++;
          break;
        } else return;
      }
    } else if (c === '[') {
      i++;
      let n = 0;
      for (;;) {
        ws();
        if (text[i] === ']') {
          i++;
          break;
        }
        const vs = i;
        value([...path, n++], vs);
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === ']') {
          i++;
          break;
        } else return;
      }
    } else if (c === '"') str();
    else {
      while (i < text.length && /[^\s,\]}]/.test(text[i])) i++;
    }
    spans.set(path.join('\u0000'), { start: keyStart, end: i });
  };
  ws();
  value([], i);
  return spans;
}

/** The span of the deepest existing ancestor of `path` (a missing field is reported at its parent). */
export function locatePath(text: string, path: string, index = indexJson(text)): Span & { exact: boolean } {
  const segs = parsePath(path);
  for (let k = segs.length; k >= 0; k--) {
    const s = index.get(segs.slice(0, k).join('\u0000'));
    if (s) return { ...s, exact: k === segs.length };
  }
  return { start: 0, end: Math.min(1, text.length), exact: false };
}
