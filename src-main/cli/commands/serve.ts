// `creditlab serve`: the web host (renderer + typed API), bound to loopback unless told otherwise.
// It asks for a token on every request; the URL it prints carries it.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { startWebHost, isLoopback, RENDERER_DIR } from '../../host/web-host';
import { checkToken } from '../../host/web-auth';
import { parseArgs, UsageError } from '../args';
import { EXIT, type CliIO } from '../io';

export async function serveCommand(argv: string[], io: CliIO): Promise<number> {
  const { flags } = parseArgs(argv, { port: 'number', host: 'string', workspace: 'string', workers: 'number', token: 'string' });
  const chosen = (flags.token as string | undefined) ?? process.env.CREDITLAB_TOKEN;
  if (chosen !== undefined) {
    try {
      checkToken(chosen);
    } catch (e) {
      throw new UsageError(`${flags.token !== undefined ? '--token' : 'CREDITLAB_TOKEN'}: ${(e as Error).message}`);
    }
  }
  if (!existsSync(join(RENDERER_DIR, 'index.html'))) io.err('note: the renderer is not built yet; run `npm run build` (npm start does it for you)');
  const bind = flags.host as string | undefined;
  const web = await startWebHost({
    port: (flags.port as number | undefined) ?? 5178,
    host: bind,
    token: chosen,
    workspace: flags.workspace as string | undefined,
    workers: flags.workers as number | undefined,
  });
  io.out(`Creditlab is served at ${web.url} (workspace ${web.host.store.root})`);
  if (bind !== undefined && !isLoopback(bind)) {
    for (const u of web.reachableAt) if (u !== web.url) io.out(`  also at ${u}`);
    io.err('warning: listening beyond this machine over plain HTTP: anyone who learns the token can run code as you; prefer an SSH tunnel to a loopback bind');
  }
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await web.close();
  return EXIT.ok;
}
