// The bridge's binary frames, host side (the layout is documented in python/creditlab_bridge.py).
import type { StepInfo } from '@creditlab/envs';

export interface ObsFrame {
  obs: Float64Array[];
  reward: Float64Array;
  terminated: Uint8Array;
  truncated: Uint8Array;
  finalObs: (Float64Array | null)[];
  /** This step's info per env (for a reset frame: the reset's info). */
  info: StepInfo[];
  /** Per env that just ended: the info of the reset that began its next episode. */
  resetInfo: (StepInfo | null)[];
}

const utf8 = new TextDecoder();

export function jsonFrame(kind: string, body: unknown): Uint8Array {
  const text = new TextEncoder().encode(JSON.stringify(body));
  const out = new Uint8Array(1 + text.length);
  out[0] = kind.charCodeAt(0);
  out.set(text, 1);
  return out;
}

export function parseJson<T>(frame: Uint8Array, offset = 1): T {
  return JSON.parse(utf8.decode(frame.subarray(offset))) as T;
}

/** 'A' + float64 actions, row-major [N, width]; a missing action is all zeros. */
export function actionFrame(actions: readonly (number | ArrayLike<number> | undefined)[], width: number, out?: Uint8Array): Uint8Array {
  const bytes = out && out.length === 8 + actions.length * width * 8 ? out : new Uint8Array(8 + actions.length * width * 8);
  bytes[0] = 0x41; // 'A'; the payload starts at byte 8 so the float view is aligned (the bridge skips 7 pad bytes)
  const f = new Float64Array(bytes.buffer, bytes.byteOffset + 8, actions.length * width);
  actions.forEach((a, i) => {
    if (a === undefined) f.fill(0, i * width, (i + 1) * width);
    else if (typeof a === 'number') f[i * width] = a;
    else for (let k = 0; k < width; k++) f[i * width + k] = a[k];
  });
  return bytes;
}

function setPath(target: Record<string, unknown>, name: string, value: unknown): void {
  const parts = name.split('.');
  let cur = target;
  for (let k = 0; k < parts.length - 1; k++) {
    const next = cur[parts[k]];
    cur = (cur[parts[k]] = next !== null && typeof next === 'object' ? next : {}) as Record<string, unknown>;
  }
  cur[parts[parts.length - 1]] = value;
}

/** Decodes an 'O' frame; `names` is the info-name table, extended in place by the frame's new names. */
export function decodeObsFrame(frame: Uint8Array, names: string[]): ObsFrame {
  const dv = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  let at = 1;
  const u32 = () => {
    const v = dv.getUint32(at, true);
    at += 4;
    return v;
  };
  const f64s = (n: number) => {
    const out = new Float64Array(n);
    for (let k = 0; k < n; k++) out[k] = dv.getFloat64(at + 8 * k, true);
    at += 8 * n;
    return out;
  };
  const u8s = (n: number) => {
    const out = frame.slice(at, at + n);
    at += n;
    return out;
  };
  const N = u32();
  const D = u32();
  const obs: Float64Array[] = [];
  for (let i = 0; i < N; i++) obs.push(f64s(D));
  const reward = f64s(N);
  const terminated = u8s(N);
  const truncated = u8s(N);
  const finalObs: (Float64Array | null)[] = new Array(N).fill(null);
  const F = u32();
  for (let k = 0; k < F; k++) {
    const i = u32();
    finalObs[i] = f64s(D);
  }
  const K = u32();
  for (let k = 0; k < K; k++) {
    const len = dv.getUint16(at, true);
    at += 2;
    names.push(utf8.decode(frame.subarray(at, at + len)));
    at += len;
  }
  const info: StepInfo[] = Array.from({ length: N }, () => ({}));
  const resetInfo: (StepInfo | null)[] = Array.from({ length: N }, (_, i) => (finalObs[i] ? {} : null));
  const M = u32();
  for (let k = 0; k < M; k++) {
    const name = names[u32()];
    const flags = frame[at++];
    const present = u8s(N);
    const values = f64s(N);
    const isReset = (flags & 1) === 1;
    const isBool = (flags & 2) === 2;
    for (let i = 0; i < N; i++) {
      if (!present[i]) continue;
      const target = isReset ? resetInfo[i] : info[i];
      if (target) setPath(target as Record<string, unknown>, name, isBool ? values[i] !== 0 : values[i]);
    }
  }
  return { obs, reward, terminated, truncated, finalObs, info, resetInfo };
}
