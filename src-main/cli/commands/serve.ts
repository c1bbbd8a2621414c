// `creditlab serve`: the web host (renderer + typed API), bound to loopback unless told otherwise.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { startWebHost, RENDERER_DIR } from '../../host/web-host';
import { parseArgs } from '../args';
import { EXIT, type CliIO } from '../io';

export async function serveCommand(argv: string[], io: CliIO): Promise<number> {
  const { flags } = parseArgs(argv, { port: 'number', host: 'string', workspace: 'string', workers: 'number' });
  if (!existsSync(join(RENDERER_DIR, 'index.html'))) io.err('note: the renderer is not built yet; run `npm run build` (npm start does it for you)');
  const web = await startWebHost({
    port: (flags.port as number | undefined) ?? 5178,
    host: flags.host as string | undefined,
    workspace: flags.workspace as string | undefined,
    workers: flags.workers as number | undefined,
  });
  io.out(`Creditlab is served at ${web.url} (workspace ${web.host.store.root})`);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await web.close();
  return EXIT.ok;
}
