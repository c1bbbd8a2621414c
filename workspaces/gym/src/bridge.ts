// A Gymnasium vector env in a Python process, as a BatchEnv: one process per vector env, one request per
// vector step (python/creditlab_bridge.py holds the env; frames.ts is the wire format; channel.ts
// makes each request a blocking call with a time limit). Errors name the env and say what to do.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BatchEnv, BatchEnvOptions, BatchReset, BatchStep, EnvRef, Space } from '@creditlab/envs';
import { actionFrame, decodeObsFrame, jsonFrame, parseJson } from './frames';
import { ChannelStopped, ChannelTimeout, ChildGoneError, openChannel, type Channel, type ChildGone } from './channel';

export const GYM_PREFIX = 'gymnasium:';
export const BRIDGE_SCRIPT = fileURLToPath(new URL('../python/creditlab_bridge.py', import.meta.url));
const DEFAULT_STEP_TIMEOUT_S = 60;
const DEFAULT_START_TIMEOUT_S = 300;

export interface GymWrapper {
  name: string;
  kwargs?: Record<string, unknown>;
}

/** The `env` section of a run config for a `gymnasium:` id. */
export interface GymEnvRef extends EnvRef {
  python?: string;
  wrappers?: GymWrapper[];
  vector?: 'sync' | 'async';
  stepTimeoutSeconds?: number;
}

export interface GymBatchOptions extends BatchEnvOptions {
  /**
   * Instead of a Gymnasium id: "module:callable" returning a vector env with Gymnasium's API in SAME_STEP
   * autoreset mode, importable from `path` (how the protocol is tested without Gymnasium).
   */
  factory?: { name: string; path?: string };
  /** Forces the channel's transport (tests); see channel.ts. */
  transport?: 'fifo' | 'relay';
  /**
   * The run's cancel word (Int32, index 0): once another thread sets it, the Python process is killed at
   * once, even while this env's thread is blocked in a step, and the call throws an EnvStopped.
   */
  stop?: SharedArrayBuffer;
}

/**
 * A call ended because the run was stopped from outside (see GymBatchOptions.stop), not because the env
 * failed: `envStopped` is what the runner looks for (by property, so that copies of this module in
 * different bundles agree) to end a cancelled run as cancelled.
 */
export class EnvStopped extends Error {
  readonly envStopped = true;
}

/** Which interpreter runs the bridge, and why that one (for messages). */
export function resolvePython(explicit?: string): { python: string; source: string } {
  if (explicit) return { python: explicit, source: 'env.python' };
  if (process.env.CREDITLAB_PYTHON) return { python: process.env.CREDITLAB_PYTHON, source: 'CREDITLAB_PYTHON' };
  const cache = process.env.CREDITLAB_CACHE_DIR;
  if (cache) {
    const venv = workspaceVenvPython(cache);
    if (existsSync(venv)) return { python: venv, source: 'the workspace venv (creditlab env setup-python)' };
  }
  return { python: process.platform === 'win32' ? 'python' : 'python3', source: 'python3 on PATH' };
}

/** Where `creditlab env setup-python` puts its interpreter, inside a workspace's cache folder. */
export function workspaceVenvPython(cacheDir: string): string {
  return process.platform === 'win32' ? join(cacheDir, 'python', 'Scripts', 'python.exe') : join(cacheDir, 'python', 'bin', 'python');
}

export interface Hello {
  protocol: number;
  python: string;
  executable: string;
  numpy: string;
  gymnasium?: string;
  spec?: Record<string, unknown>;
  maxEpisodeSteps?: number | null;
  observationSpace: WireSpace;
  actionSpace: WireSpace;
  warnings: string[];
  pid: number;
  /** "copies": a SyncVectorEnv stepped copy by copy by the bridge (same calls, less batching); "vector": the vector env's own step. */
  stepping?: 'copies' | 'vector';
  [module: string]: unknown;
}

type WireBound = number | 'inf' | '-inf';
type WireSpace = { type: 'discrete'; n: number; joint?: number[] } | { type: 'box'; shape: number[]; low: WireBound[]; high: WireBound[]; layout?: unknown };

const bound = (b: WireBound): number => (b === 'inf' ? Infinity : b === '-inf' ? -Infinity : b);
function toSpace(w: WireSpace): Space {
  return w.type === 'discrete' ? { type: 'discrete', n: w.n } : { type: 'box', shape: w.shape, low: w.low.map(bound), high: w.high.map(bound) };
}

export class GymBatchEnv implements BatchEnv {
  readonly id: string;
  readonly observationSpace: Space;
  readonly actionSpace: Space;
  /** Gymnasium envs emit no subgoal events (only numbers cross the bridge). */
  readonly subgoals: readonly string[] = [];
  readonly hello: Hello;
  readonly python: string;
  private readonly channel: Channel;
  private readonly names: string[] = [];
  private readonly actWidth: number;
  private readonly stepTimeoutMs: number;
  private readonly log: (line: string) => void;
  private actionBytes: Uint8Array | undefined;
  private closed = false;

  constructor(
    env: GymEnvRef,
    readonly num: number,
    opts: GymBatchOptions = {},
  ) {
    this.id = env.id;
    this.log = opts.log ?? (() => {});
    const gymId = env.id.startsWith(GYM_PREFIX) ? env.id.slice(GYM_PREFIX.length) : env.id;
    const { python, source } = resolvePython(env.python);
    this.python = python;
    this.stepTimeoutMs = (env.stepTimeoutSeconds ?? DEFAULT_STEP_TIMEOUT_S) * 1000;
    this.channel = openChannel({
      command: python,
      args: ['-u', BRIDGE_SCRIPT],
      env: { PYTHONUNBUFFERED: '1' },
      transport: opts.transport,
      stop: opts.stop,
      onStderr: (text) => {
        for (const line of text.split('\n')) if (line.trim()) this.log(`${this.id}: python: ${line}`);
      },
    });
    const init = opts.factory
      ? { factory: opts.factory.name, path: opts.factory.path, num, params: env.params ?? {} }
      : { id: gymId, num, params: env.params ?? {}, wrappers: env.wrappers ?? [], vector: env.vector ?? 'sync' };
    try {
      const reply = this.call(jsonFrame('I', init), DEFAULT_START_TIMEOUT_S * 1000, 'starting', source);
      this.hello = parseJson<Hello>(reply);
    } catch (e) {
      this.channel.kill();
      throw e;
    }
    this.observationSpace = toSpace(this.hello.observationSpace);
    this.actionSpace = toSpace(this.hello.actionSpace);
    this.actWidth = this.actionSpace.type === 'discrete' ? 1 : this.actionSpace.shape.reduce((a, b) => a * b, 1);
    const h = this.hello;
    const versions = [`Python ${h.python}`, h.gymnasium ? `gymnasium ${h.gymnasium}` : null, `numpy ${h.numpy}`, h.mujoco ? `mujoco ${h.mujoco}` : null]
      .filter(Boolean)
      .join(', ');
    this.log(`${env.id}: ${num} env copies (${env.vector ?? 'sync'} vector${h.stepping === 'copies' ? ', stepped copy by copy' : ''}) in ${h.executable} (pid ${h.pid}; ${versions})`);
    if (h.spec) this.log(`${env.id}: gym.spec ${JSON.stringify(h.spec)}`);
    if (h.actionSpace.type === 'discrete' && h.actionSpace.joint) {
      this.log(`${env.id}: the ${h.actionSpace.joint.join('×')} action space is learned as one discrete action over its ${h.actionSpace.n} joint values`);
    }
    for (const w of h.warnings) this.log(`${env.id}: warning: ${w}`);
  }

  reset(seeds?: readonly number[]): BatchReset {
    const f = decodeObsFrame(this.call(jsonFrame('R', { seeds: seeds ?? null }), this.stepTimeoutMs, 'reset'), this.names);
    return { obs: f.obs, info: f.info };
  }

  step(actions: readonly (number | ArrayLike<number> | undefined)[]): BatchStep {
    this.actionBytes = actionFrame(actions, this.actWidth, this.actionBytes);
    const f = decodeObsFrame(this.call(this.actionBytes, this.stepTimeoutMs, 'step'), this.names);
    return f;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.channel.close();
  }

  /** One request; returns the bridge's frame, or throws an error that names the env and the cause. */
  private call(payload: Uint8Array, timeoutMs: number, what: string, pythonSource?: string): Uint8Array {
    if (this.closed) throw new Error(`${this.id}: the env was closed`);
    let frame: Uint8Array;
    try {
      frame = this.channel.request(payload, timeoutMs);
    } catch (e) {
      if (e instanceof ChannelStopped) {
        this.closed = true;
        throw new EnvStopped(`${this.id}: the run was stopped during ${what}; its Python process was ended`);
      }
      if (e instanceof ChildGoneError) {
        this.closed = true;
        throw new Error(this.goneMessage(e.gone, what, pythonSource));
      }
      if (!(e instanceof ChannelTimeout)) throw e;
      this.closed = true;
      this.channel.kill();
      const limit = what === 'starting' ? `${timeoutMs / 1000} s` : `${timeoutMs / 1000} s (env.stepTimeoutSeconds)`;
      throw new Error(`${this.id}: ${what} took longer than ${limit}; the Python process was stopped`);
    }
    if (frame[0] === 0x45 /* 'E' */) {
      const err = parseJson<{ message: string; traceback: string | null }>(frame);
      throw new Error(`${this.id}: ${what === 'starting' ? '' : `Python raised in ${what}: `}${err.message}${err.traceback ? `\n${err.traceback.trimEnd()}` : ''}`);
    }
    return frame;
  }

  private goneMessage(g: ChildGone, what: string, source?: string): string {
    if (g.spawnError === 'ENOENT') {
      return (
        `${this.id}: Python interpreter "${this.python}" not found (from ${source ?? 'env.python'}); ` +
        'install Python 3 with gymnasium (creditlab env setup-python), or set env.python or CREDITLAB_PYTHON'
      );
    }
    if (g.spawnError) return `${this.id}: could not start Python "${this.python}": ${g.spawnError}`;
    const tail = g.stderr.trim().split('\n').slice(-20).join('\n');
    const how = g.signal ? `was killed (${g.signal})` : `exited with code ${g.code}`;
    return `${this.id}: the Python process ${how} during ${what}${tail ? `:\n${tail}` : ''}`;
  }
}
