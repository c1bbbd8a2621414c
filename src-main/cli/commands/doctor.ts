// `creditlab doctor`: what this machine gives Creditlab.
import { join } from 'node:path';
import { Host } from '../../host/host';
import { parseArgs } from '../args';
import { EXIT, type CliIO } from '../io';

export async function doctorCommand(argv: string[], io: CliIO): Promise<number> {
  const { flags } = parseArgs(argv, { workspace: 'string', json: 'boolean', workers: 'number' });
  const host = new Host({ workspace: flags.workspace as string | undefined, workers: flags.workers as number | undefined });
  try {
    const d = await host.doctor();
    const { probePython } = await import('@creditlab/gym/python');
    const py = probePython({ cacheDir: join(d.workspace, 'cache') });
    if (flags.json) {
      io.out(JSON.stringify({ ...d, python: py }));
      return EXIT.ok;
    }
    io.out(`creditlab ${d.version}`);
    io.out(`node        ${d.node}`);
    io.out(`tfjs        ${d.backend}${d.backendsTried.filter((t) => t.error).map((t) => `  (${t.name} unavailable: ${t.error})`).join('')}`);
    io.out(`electron    ${d.electron.installed ? 'installed' : `not available: ${d.electron.reason}`}`);
    io.out(`workspace   ${d.workspace}`);
    io.out(`workers     ${d.workers} (cores ${d.cores})`);
    io.out(
      `python      ${py.version ? `${py.version} (${py.executable}, from ${py.source})` : `${py.python} (from ${py.source}): ${py.error}`}` +
        `\ngymnasium   ${py.gymnasium ?? 'not available'}${py.numpy === null ? ' (numpy missing)' : ''}` +
        `\nmujoco      ${py.mujoco ?? 'not available'}${py.ok ? '' : '  (gymnasium: envs need it: creditlab env setup-python, or CREDITLAB_PYTHON)'}`,
    );
    return EXIT.ok;
  } finally {
    await host.close();
  }
}
