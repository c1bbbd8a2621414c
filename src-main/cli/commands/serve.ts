// `creditlab serve`: the web host (renderer + typed API), bound to loopback unless told otherwise.
// It asks for a token on every request; the URL it prints carries it.
// Like `npm start`, it builds the renderer first when dist/renderer is missing or older than its sources,
// so a fresh clone serves the UI rather than a "not built" page.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { startWebHost, isLoopback, RENDERER_DIR } from '../../host/web-host';
import { checkToken } from '../../host/web-auth';
import { REPO_ROOT } from '../../host/host';
import { buildRenderer, rendererStale } from '../../../scripts/lib.mjs';
import { parseArgs, UsageError } from '../args';
import { EXIT, type CliIO } from '../io';

export interface ServeOptions {
  /** Serve this folder instead of dist/renderer (tests). */
  rendererDir?: string;
  /** Whether the renderer needs building; defaults to the repository's check. */
  stale?: () => boolean;
  /** Builds it and returns the exit status; defaults to `npm run build` with its output on stderr. */
  build?: () => number;
  /** Resolves to stop serving; defaults to SIGINT/SIGTERM. */
  stop?: Promise<void>;
  /** Called once the server listens (tests). */
  onListening?: (url: string) => void;
}

export async function serveCommand(argv: string[], io: CliIO, opts: ServeOptions = {}): Promise<number> {
  const { flags } = parseArgs(argv, { port: 'number', host: 'string', workspace: 'string', workers: 'number', token: 'string' });
  const chosen = (flags.token as string | undefined) ?? process.env.CREDITLAB_TOKEN;
  if (chosen !== undefined) {
    try {
      checkToken(chosen);
    } catch (e) {
      throw new UsageError(`${flags.token !== undefined ? '--token' : 'CREDITLAB_TOKEN'}: ${(e as Error).message}`);
    }
  }
  const rendererDir = opts.rendererDir ?? RENDERER_DIR;
  const index = join(rendererDir, 'index.html');
  if ((opts.stale ?? (() => rendererStale(REPO_ROOT)))()) {
    io.err(existsSync(index) ? 'the renderer is older than its sources: rebuilding it (npm run build)…' : 'the renderer is not built yet: building it (npm run build, a minute or two)…');
    // The build's own output goes to stderr, so stdout keeps only the "served at" lines.
    const status = (opts.build ?? (() => buildRenderer(REPO_ROOT, ['ignore', 2, 2])))();
    if (status !== 0 || !existsSync(index)) io.err(`building the renderer failed (exit ${status}); the API is served, the UI is not: run \`npm run build\` to see why`);
  }
  const bind = flags.host as string | undefined;
  const web = await startWebHost({
    port: (flags.port as number | undefined) ?? 5178,
    host: bind,
    token: chosen,
    workspace: flags.workspace as string | undefined,
    workers: flags.workers as number | undefined,
    // Runs are launched from the page long after start-up: have the workers warm by then.
    prewarm: true,
    rendererDir,
  });
  io.out(`Creditlab is served at ${web.url} (workspace ${web.host.store.root})`);
  if (bind !== undefined && !isLoopback(bind)) {
    for (const u of web.reachableAt) if (u !== web.url) io.out(`  also at ${u}`);
    io.err('warning: listening beyond this machine over plain HTTP: anyone who learns the token can run code as you; prefer an SSH tunnel to a loopback bind');
  }
  opts.onListening?.(web.url);
  await (opts.stop ??
    new Promise<void>((resolve) => {
      const stop = () => resolve();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    }));
  await web.close();
  return EXIT.ok;
}
