// `creditlab env list [--json]` (native ids, and registered Gymnasium ids when the bridge's Python can
// import gymnasium) and `creditlab env setup-python` (a venv with gymnasium and mujoco in the workspace cache).
import { join, resolve } from 'node:path';
import { ENVS } from '@creditlab/envs';
import { probePython, setupPython, SETUP_PACKAGES } from '@creditlab/gym/python';
import { defaultWorkspace } from '@creditlab/store';
import { parseArgs } from '../args';
import { EXIT, type CliIO } from '../io';

export const cacheDirOf = (workspace?: string): string => join(resolve(workspace ?? defaultWorkspace()), 'cache');

export async function envListCommand(argv: string[], io: CliIO): Promise<number> {
  const { flags } = parseArgs(argv, { json: 'boolean', workspace: 'string', python: 'string' });
  const probe = probePython({ python: flags.python as string | undefined, cacheDir: cacheDirOf(flags.workspace as string | undefined), ids: true });
  const native = Object.values(ENVS).map((e) => ({ id: e.id, description: e.description }));
  const gymnasium = (probe.ids ?? []).map((id) => `gymnasium:${id}`);
  if (flags.json) {
    io.out(JSON.stringify({ native, gymnasium, python: { ...probe, ids: undefined } }));
    return EXIT.ok;
  }
  io.out('Built-in (TypeScript):');
  for (const e of native) io.out(`  ${e.id.padEnd(16)} ${e.description}`);
  if (probe.ok) {
    io.out(`\nGymnasium ${probe.gymnasium} (${probe.executable}), use as "gymnasium:<ID>":`);
    for (const id of gymnasium) io.out(`  ${id}`);
  } else {
    io.out(`\nGymnasium ids: unavailable (${probe.python}, from ${probe.source}: ${probe.error}); run \`creditlab env setup-python\` or set CREDITLAB_PYTHON`);
  }
  return EXIT.ok;
}

export async function setupPythonCommand(argv: string[], io: CliIO): Promise<number> {
  const { flags } = parseArgs(argv, { workspace: 'string', python: 'string' });
  const cache = cacheDirOf(flags.workspace as string | undefined);
  try {
    const py = setupPython(cache, { base: flags.python as string | undefined, progress: (l) => io.err(l) });
    const probe = probePython({ python: py });
    if (!probe.ok) {
      io.err(`the venv at ${py} is not usable: ${probe.error}`);
      return EXIT.failed;
    }
    io.out(`${py}: Python ${probe.version}, gymnasium ${probe.gymnasium}, numpy ${probe.numpy}, mujoco ${probe.mujoco ?? 'not installed'}`);
    io.out(`Runs in this workspace use it for "gymnasium:" envs unless env.python or CREDITLAB_PYTHON says otherwise.`);
    return EXIT.ok;
  } catch (e) {
    io.err(`creditlab env setup-python: ${(e as Error).message} (it installs ${SETUP_PACKAGES.join(', ')})`);
    return EXIT.failed;
  }
}
