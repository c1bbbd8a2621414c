// `creditlab doctor`: what this machine gives Creditlab.
import { Host } from '../../host/host';
import { parseArgs } from '../args';
import { EXIT, type CliIO } from '../io';

export async function doctorCommand(argv: string[], io: CliIO): Promise<number> {
  const { flags } = parseArgs(argv, { workspace: 'string', json: 'boolean', workers: 'number' });
  const host = new Host({ workspace: flags.workspace as string | undefined, workers: flags.workers as number | undefined });
  try {
    const d = await host.doctor();
    if (flags.json) {
      io.out(JSON.stringify(d));
      return EXIT.ok;
    }
    io.out(`creditlab ${d.version}`);
    io.out(`node        ${d.node}`);
    io.out(`tfjs        ${d.backend}${d.backendsTried.filter((t) => t.error).map((t) => `  (${t.name} unavailable: ${t.error})`).join('')}`);
    io.out(`electron    ${d.electron.installed ? 'installed' : `not available: ${d.electron.reason}`}`);
    io.out(`workspace   ${d.workspace}`);
    io.out(`workers     ${d.workers} (cores ${d.cores})`);
    return EXIT.ok;
  } finally {
    await host.close();
  }
}
