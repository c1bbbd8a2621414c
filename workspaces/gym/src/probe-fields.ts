// What a Gymnasium env gives the reward pipeline by name, asked before any run starts (so that a spec
// whose shaping reads a field the env lacks is refused when it is validated): the bridge's own process
// builds one copy of the env, resets it with seed 0 and takes one step with a neutral action (Discrete:
// its first action; Box: 0 clipped to the bounds), over plain pipes and without blocking the caller.
// The fields are those the bridge would send for that reset and that step.
import { spawn } from 'node:child_process';
import type { StepInfo } from '@creditlab/envs';
import { BRIDGE_SCRIPT, GYM_PREFIX, type GymEnvRef, type Hello } from './bridge';
import { actionFrame, decodeObsFrame, jsonFrame, parseJson } from './frames';
import { resolveWith } from './python';

/** Same shape as @creditlab/spec's EnvFields. */
export interface GymEnvFields {
  obsWidth: number;
  resetInfo: StepInfo;
  /** null when the probe's step terminated the episode (the info of a terminal step is not read by a potential). */
  stepInfo: StepInfo | null;
}

const DEFAULT_PROBE_TIMEOUT_MS = 300_000;

export interface ProbeOptions {
  /** The workspace's cache folder (its venv is used when nothing else names an interpreter). */
  cacheDir?: string;
  timeoutMs?: number;
  /** Instead of a Gymnasium id, a vector-env factory (tests; see GymBatchOptions). */
  factory?: { name: string; path?: string };
}

export function probeGymFields(env: GymEnvRef, opts: ProbeOptions = {}): Promise<GymEnvFields> {
  const { python, source } = resolveWith(env.python, opts.cacheDir);
  const gymId = env.id.startsWith(GYM_PREFIX) ? env.id.slice(GYM_PREFIX.length) : env.id;
  const init = opts.factory
    ? { factory: opts.factory.name, path: opts.factory.path, num: 1, params: env.params ?? {} }
    : { id: gymId, num: 1, params: env.params ?? {}, wrappers: env.wrappers ?? [], vector: 'sync' };
  return new Promise((resolve, reject) => {
    const child = spawn(python, ['-u', BRIDGE_SCRIPT], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, PYTHONUNBUFFERED: '1' }, windowsHide: true });
    let settled = false;
    let stderr = '';
    let pending: Buffer = Buffer.alloc(0);
    let hello: Hello | null = null;
    const names: string[] = [];
    let resetInfo: StepInfo | null = null;
    const fail = (message: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`${env.id}: ${message}`));
    };
    const timeoutMs = opts.timeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS;
    const timer = setTimeout(() => fail(`asking the env for its fields took longer than ${timeoutMs / 1000} s; the Python process was stopped`), timeoutMs);
    const send = (payload: Uint8Array) => {
      const head = Buffer.alloc(4);
      head.writeUInt32LE(payload.length, 0);
      child.stdin.write(Buffer.concat([head, payload]));
    };
    const onFrame = (frame: Uint8Array) => {
      if (frame[0] === 0x45 /* 'E' */) {
        const e = parseJson<{ message: string; traceback: string | null }>(frame);
        return fail(`${e.message}${e.traceback ? `\n${e.traceback.trimEnd()}` : ''}`);
      }
      if (!hello) {
        hello = parseJson<Hello>(frame);
        const a = hello.actionSpace;
        const width = a.type === 'discrete' ? 1 : a.shape.reduce((x, y) => x * y, 1);
        send(jsonFrame('R', { seeds: [0] }));
        send(actionFrame([new Float64Array(width)], width));
        return;
      }
      const f = decodeObsFrame(frame, names);
      if (!resetInfo) {
        resetInfo = f.info[0];
        return;
      }
      settled = true;
      clearTimeout(timer);
      send(Uint8Array.of(0x51)); // 'Q'
      child.stdin.end();
      resolve({ obsWidth: f.obs[0].length, resetInfo, stepInfo: f.terminated[0] ? null : f.info[0] });
    };
    child.stdin.on('error', () => {});
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (s: string) => {
      stderr = (stderr + s).slice(-64 * 1024);
    });
    child.stdout.on('data', (b: Buffer) => {
      pending = pending.length ? Buffer.concat([pending, b]) : b;
      while (!settled && pending.length >= 4 && pending.length >= 4 + pending.readUInt32LE(0)) {
        const len = pending.readUInt32LE(0);
        const frame = new Uint8Array(pending.subarray(4, 4 + len));
        pending = pending.subarray(4 + len);
        onFrame(frame);
      }
    });
    child.on('error', (e: NodeJS.ErrnoException) =>
      fail(e.code === 'ENOENT' ? `Python interpreter "${python}" not found (from ${source})` : `could not start Python "${python}": ${e.message}`),
    );
    child.on('exit', (code, signal) => {
      const tail = stderr.trim().split('\n').slice(-20).join('\n');
      fail(`the Python process ${signal ? `was killed (${signal})` : `exited with code ${code}`} while asked for its fields${tail ? `:\n${tail}` : ''}`);
    });
    send(jsonFrame('I', init));
  });
}
