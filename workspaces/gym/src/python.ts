// What a Python interpreter offers the bridge (for `creditlab doctor`, `creditlab env list`, the spec
// editor's completions), and the workspace venv `creditlab env setup-python` creates.
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { resolvePython, workspaceVenvPython } from './bridge';

export interface PythonProbe {
  python: string;
  /** Why this interpreter (env.python, CREDITLAB_PYTHON, the workspace venv, python3 on PATH). */
  source: string;
  ok: boolean;
  /** Why it cannot be used (not found, no numpy, ...). */
  error?: string;
  version?: string;
  executable?: string;
  numpy?: string | null;
  gymnasium?: string | null;
  mujoco?: string | null;
  /** Registered Gymnasium ids, sorted (only when asked for and gymnasium imports). */
  ids?: string[];
}

const PROBE = `
import json, sys
out = {"version": sys.version.split()[0], "executable": sys.executable}
for name in ("numpy", "gymnasium", "mujoco"):
    try:
        out[name] = __import__(name).__version__
    except Exception as e:
        out[name] = None
if out["gymnasium"] and "--ids" in sys.argv:
    import gymnasium
    out["ids"] = sorted(gymnasium.registry.keys())
print(json.dumps(out))
`;

function fromOutput(base: Pick<PythonProbe, 'python' | 'source'>, status: number | null, stdout: string, stderr: string, error?: NodeJS.ErrnoException): PythonProbe {
  if (error?.code === 'ENOENT') return { ...base, ok: false, error: `"${base.python}" not found` };
  if (error && status === null) return { ...base, ok: false, error: error.message };
  if (status !== 0) return { ...base, ok: false, error: `"${base.python}" exited with ${status}: ${stderr.trim().split('\n').slice(-1)[0] ?? ''}` };
  try {
    const j = JSON.parse(stdout.trim().split('\n').slice(-1)[0]) as Omit<PythonProbe, 'python' | 'source' | 'ok'>;
    const problem = !j.numpy ? 'numpy is not installed' : !j.gymnasium ? 'gymnasium is not installed' : undefined;
    return { ...base, ...j, ok: !problem, error: problem };
  } catch {
    return { ...base, ok: false, error: `unexpected output from "${base.python}"` };
  }
}

/** Probes the interpreter the bridge would use (blocking; for the CLI). */
export function probePython(opts: { python?: string; cacheDir?: string; ids?: boolean; timeoutMs?: number } = {}): PythonProbe {
  const base = resolveWith(opts.python, opts.cacheDir);
  const r = spawnSync(base.python, ['-c', PROBE, ...(opts.ids ? ['--ids'] : [])], { encoding: 'utf8', timeout: opts.timeoutMs ?? 60000 });
  return fromOutput(base, r.status, r.stdout ?? '', r.stderr ?? '', r.error as NodeJS.ErrnoException | undefined);
}

/** The same, without blocking the caller's event loop (for the host). */
export function probePythonAsync(opts: { python?: string; cacheDir?: string; ids?: boolean; timeoutMs?: number } = {}): Promise<PythonProbe> {
  const base = resolveWith(opts.python, opts.cacheDir);
  return new Promise((resolve) => {
    execFile(base.python, ['-c', PROBE, ...(opts.ids ? ['--ids'] : [])], { encoding: 'utf8', timeout: opts.timeoutMs ?? 60000, maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
      const code = error && typeof (error as NodeJS.ErrnoException).code === 'number' ? ((error as unknown as { code: number }).code as number) : error ? null : 0;
      resolve(fromOutput(base, code, stdout, stderr, error as NodeJS.ErrnoException | undefined));
    });
  });
}

/** resolvePython, with the workspace venv of `cacheDir` when the environment names none. */
export function resolveWith(python: string | undefined, cacheDir: string | undefined): Pick<PythonProbe, 'python' | 'source'> {
  const before = process.env.CREDITLAB_CACHE_DIR;
  if (cacheDir && !before) process.env.CREDITLAB_CACHE_DIR = cacheDir;
  try {
    return resolvePython(python);
  } finally {
    if (cacheDir && !before) delete process.env.CREDITLAB_CACHE_DIR;
  }
}

/** What `creditlab env setup-python` installs into the workspace venv. */
export const SETUP_PACKAGES = ['numpy', 'gymnasium>=1.1', 'mujoco', 'imageio'];

/**
 * Creates (or updates) the venv under `<cacheDir>/python` with `base -m venv` and installs SETUP_PACKAGES
 * with its pip; progress goes to `progress`. Returns the venv's interpreter, or throws naming the step that failed.
 */
export function setupPython(cacheDir: string, opts: { base?: string; progress?: (line: string) => void; extraPipArgs?: string[] } = {}): string {
  const py = workspaceVenvPython(cacheDir);
  const venv = dirname(dirname(py));
  const base = opts.base ?? (process.platform === 'win32' ? 'python' : 'python3');
  const say = opts.progress ?? (() => {});
  mkdirSync(dirname(venv), { recursive: true });
  if (!existsSync(py)) {
    say(`creating ${venv} with ${base} -m venv`);
    const r = spawnSync(base, ['-m', 'venv', venv], { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
    if (r.error || r.status !== 0) {
      throw new Error(`${base} -m venv ${venv} failed: ${r.error?.message ?? r.stderr.trim()}${/ensurepip/.test(r.stderr ?? '') ? ' (on Debian/Ubuntu: apt install python3-venv)' : ''}`);
    }
  }
  say(`installing ${SETUP_PACKAGES.join(' ')} with ${py} -m pip`);
  const r = spawnSync(py, ['-m', 'pip', 'install', '--disable-pip-version-check', ...(opts.extraPipArgs ?? []), ...SETUP_PACKAGES], { stdio: ['ignore', 2, 2] });
  if (r.error || r.status !== 0) throw new Error(`pip install into ${venv} failed (exit ${r.status}); see the output above`);
  return py;
}
