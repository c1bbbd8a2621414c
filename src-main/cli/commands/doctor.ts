// `creditlab doctor`: what this machine gives Creditlab. `--repair` rebuilds a damaged workspace index.
import { join } from 'node:path';
import { RunStore, WorkspaceIndexError, defaultWorkspace, repairWorkspace } from '@creditlab/store';
import { nodeSnapshotDisabled, sandboxStatus } from '@creditlab/rewards/sandbox';
import { Host } from '../../host/host';
import { parseArgs } from '../args';
import { EXIT, type CliIO } from '../io';

export async function doctorCommand(argv: string[], io: CliIO): Promise<number> {
  const { flags } = parseArgs(argv, { workspace: 'string', json: 'boolean', workers: 'number', repair: 'boolean' });
  if (flags.repair) return repair((flags.workspace as string | undefined) ?? defaultWorkspace(), io);
  const host = new Host({ workspace: flags.workspace as string | undefined, workers: flags.workers as number | undefined });
  try {
    const d = await host.doctor();
    const { probePython } = await import('@creditlab/gym/python');
    const py = probePython({ cacheDir: join(d.workspace, 'cache') });
    const sandbox = { ...(await sandboxStatus()), nodeSnapshotDisabled: nodeSnapshotDisabled() };
    if (flags.json) {
      io.out(JSON.stringify({ ...d, python: py, sandbox }));
      return EXIT.ok;
    }
    io.out(`creditlab ${d.version}`);
    io.out(`node        ${d.node}`);
    io.out(`tfjs        ${d.backend}${d.backendsTried.filter((t) => t.error).map((t) => `  (${t.name} unavailable: ${t.error})`).join('')}`);
    const using = 'error' in sandbox.using ? `none: ${sandbox.using.error}` : `${sandbox.using.name} (${sandbox.using.reason})`;
    const ivm = sandbox.isolatedVm.ok ? 'loads' : `does not load: ${sandbox.isolatedVm.error}`;
    const snapshot =
      sandbox.isolatedVm.ok && !sandbox.nodeSnapshotDisabled
        ? '  (WARNING: this Node was started without --no-node-snapshot, which isolated-vm needs on Node >= 20; run bin/creditlab.mjs directly or set NODE_OPTIONS=--no-node-snapshot)'
        : '';
    io.out(`sandbox     ${using}; isolated-vm ${ivm}${snapshot}; quickjs ${sandbox.quickjs.ok ? 'loads' : `does not load: ${sandbox.quickjs.error}`}`);
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

/**
 * Rebuilds the index only when it cannot be used as it is: a healthy index holds the metrics of local
 * runs, which the run folders do not, so rebuilding it would lose them.
 */
function repair(workspace: string, io: CliIO): number {
  try {
    RunStore.open(workspace).close();
    io.out(`the workspace index in ${workspace} is healthy: nothing to repair`);
    return EXIT.ok;
  } catch (e) {
    if (!(e instanceof WorkspaceIndexError)) throw e;
    io.err(e.message.replace(/; run `creditlab doctor --repair.*$/, ''));
  }
  const r = repairWorkspace(workspace);
  io.out(`rebuilt ${r.indexPath}: ${r.experiments} experiment(s), ${r.runs} run(s), ${r.points} metric point(s) from run folders`);
  if (r.kept) io.out(`the damaged index is kept as ${r.kept}`);
  io.out('metrics that only the damaged index held (those of local runs) cannot be recovered; statuses come from each run folder');
  return EXIT.ok;
}
