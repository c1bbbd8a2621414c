// Picks the tfjs backend at run time: tfjs-node ("tensorflow") when its native addon loads, else WebAssembly,
// else plain JS ("cpu"). CREDITLAB_BACKEND (or the `preferred` argument) forces one; a forced choice that
// fails throws rather than quietly running on something slower than the user asked for.
import * as tf from '@tensorflow/tfjs';

export type BackendName = 'tensorflow' | 'wasm' | 'cpu';
export interface BackendAttempt {
  name: BackendName;
  error?: string;
}
export interface BackendReport {
  backend: BackendName;
  tried: BackendAttempt[];
}

const AUTO_ORDER: BackendName[] = ['tensorflow', 'wasm', 'cpu'];
const ALIASES: Record<string, BackendName | 'auto'> = {
  auto: 'auto',
  '': 'auto',
  tensorflow: 'tensorflow',
  'tfjs-node': 'tensorflow',
  node: 'tensorflow',
  wasm: 'wasm',
  cpu: 'cpu',
};

const isNode = typeof process !== 'undefined' && typeof process.versions?.node === 'string';

/** Normalises a user-facing backend name; throws on an unknown one. */
export function parseBackendName(name: string): BackendName | 'auto' {
  const n = ALIASES[name.trim().toLowerCase()];
  if (!n) throw new Error(`unknown tfjs backend "${name}"; expected one of tensorflow, wasm, cpu (or auto)`);
  return n;
}

async function activate(name: BackendName): Promise<void> {
  if (name === 'tensorflow') {
    // A variable specifier keeps bundlers and tsc from requiring the optional dependency to exist.
    const spec = '@tensorflow/tfjs-node';
    await import(/* @vite-ignore */ spec);
  } else if (name === 'wasm') {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    if (isNode) {
      // In Node the loader would otherwise look next to the calling script or try fetch(); point it at the
      // package's own binaries so it reads them from disk, also inside a worker_thread or a Slurm task.
      const { createRequire } = await import('node:module');
      const { dirname, sep } = await import('node:path');
      const dist = dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm')) + sep;
      wasm.setWasmPaths(dist);
    }
    // The threaded build needs SharedArrayBuffer workers that tfjs does not support in Node, and on a shared
    // 2-core box extra threads only contend; SIMD is left to tfjs's own feature test (true on Node ≥ 16.4).
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  }
  let ok: boolean;
  try {
    ok = await tf.setBackend(name);
  } catch (e) {
    throw new Error(`tf.setBackend("${name}") failed: ${(e as Error).message}`);
  }
  if (!ok) throw new Error(`the "${name}" backend did not initialise`);
  await tf.ready();
  if (tf.getBackend() !== name) throw new Error(`asked for "${name}" but tfjs is on "${tf.getBackend()}"`);
}

let lastAuto: BackendReport | null = null;

/**
 * Initialises tfjs for this process (or worker thread). Precedence: `preferred`, then CREDITLAB_BACKEND,
 * then auto (tensorflow → wasm → cpu). Repeating a request whose backend is still active is cheap.
 */
export async function initBackend(preferred?: string): Promise<BackendReport> {
  const raw = preferred ?? (isNode ? process.env.CREDITLAB_BACKEND : undefined) ?? 'auto';
  const choice = parseBackendName(raw);
  if (choice === 'auto' && lastAuto && tf.getBackend() === lastAuto.backend) return lastAuto;
  const tried: BackendAttempt[] = [];
  for (const name of choice === 'auto' ? AUTO_ORDER : [choice]) {
    if (choice !== 'auto' && tf.getBackend() === name) return { backend: name, tried: [{ name }] };
    try {
      await activate(name);
      tried.push({ name });
      const report = { backend: name, tried };
      if (choice === 'auto') lastAuto = report;
      return report;
    } catch (e) {
      const error = e instanceof Error ? e.message.split('\n')[0] : String(e);
      tried.push({ name, error });
      if (choice !== 'auto') throw new Error(`tfjs backend "${name}" was requested but failed: ${error}`);
    }
  }
  throw new Error(`no tfjs backend could be initialised: ${tried.map((t) => `${t.name}: ${t.error}`).join('; ')}`);
}

/** Tensors tfjs holds in this thread: a run that ends with more than it started with leaked some. */
export function liveTensors(): number {
  return tf.memory().numTensors;
}

/**
 * Makes sure tfjs runs on the backend a RunContext names; trainers call it first. A no-op when that
 * backend is already active (the usual case: the worker ran initBackend before building the context).
 */
export async function ensureBackend(name: string | undefined): Promise<BackendName> {
  const wanted = name ? ALIASES[name.trim().toLowerCase()] : undefined;
  if (wanted && wanted !== 'auto') return tf.getBackend() === wanted ? wanted : (await initBackend(wanted)).backend;
  return (await initBackend()).backend;
}
