// `creditlab` — the command line of the workbench. Each command is a module under ./commands.
import { processIO, EXIT, type CliIO } from './io';
import { UsageError } from './args';

const USAGE = `creditlab — reward design and credit assignment workbench

Usage:
  creditlab run SPEC.json [--workspace DIR] [--workers N] [--set key.path=value ...] [--json]
        [--executor local|slurm] [--slurm-partition P] [--slurm-time HH:MM:SS] [--slurm-cpus N]
        [--slurm-mem M] [--slurm-account A] [--slurm-max-concurrent K] [--slurm-requeue]
  creditlab resume RUN|EXPERIMENT [--workspace DIR] [--workers N] [--json]
        (continues interrupted runs from their last checkpoints)
  creditlab validate SPEC.json
  creditlab list [--json]
  creditlab show ID [--json]
  creditlab export EXPERIMENT --format csv|json --out FILE
  creditlab compare EXPERIMENT --metric M [--at last|mean-last:K|max|auc] [--stat mean|median|iqm|optimality-gap] [--json]
  creditlab import tensorboard LOGDIR | csv FILE [--name NAME] [--group REGEX] [--dry-run] [--json]
        (runs trained elsewhere; --group is a regex on the run's path with named groups arm, seed)
  creditlab env verify FILE.json [--json]
  creditlab env list [--json] [--workspace DIR]   (built-in ids, and Gymnasium ids when Python has gymnasium)
  creditlab env setup-python [--workspace DIR] [--python BASE]   (a venv with gymnasium + mujoco in the workspace cache)
  creditlab serve [--port P] [--host H] [--token T] [--workspace DIR]   (token: else $CREDITLAB_TOKEN, else random)
  creditlab doctor [--json] [--repair] [--workspace DIR]   (--repair: rebuild a damaged index from runs/)
  creditlab slurm doctor [--workspace DIR] [--slurm-partition P] [--json]
  creditlab slurm attach [EXPERIMENT|RUN] [--workspace DIR] [--once] [--json]
        (reads in what Slurm tasks logged while no creditlab run watched them, then watches the
        ones still going until they end; --once: read what is there and return)
  creditlab worker RUN.json --run-dir DIR   (one resolved run in this process; what a Slurm task runs)
  creditlab schema            (prints the spec's JSON Schema)

Workspace: --workspace DIR, else $CREDITLAB_WORKSPACE, else ~/.creditlab.
Exit codes: 0 ok, 1 a run or check failed, 2 invalid spec or arguments.`;

type Loader = () => Promise<(argv: string[], io: CliIO) => Promise<number>>;

const COMMANDS: Record<string, Loader> = {
  run: async () => (await import('./commands/run')).runCommand,
  resume: async () => (await import('./commands/resume')).resumeCommand,
  validate: async () => (await import('./commands/validate')).validateCommand,
  list: async () => (await import('./commands/list')).listCommand,
  show: async () => (await import('./commands/show')).showCommand,
  export: async () => (await import('./commands/export')).exportCommand,
  compare: async () => (await import('./commands/compare-cli')).compareCli,
  serve: async () => (await import('./commands/serve')).serveCommand,
  doctor: async () => (await import('./commands/doctor')).doctorCommand,
  schema: async () => (await import('./commands/schema')).schemaCommand,
  worker: async () => (await import('./commands/worker')).workerCommand,
  slurm: async () => (await import('./commands/slurm')).slurmCommand,
  import: async () => (await import('./commands/import')).importCommand,
  env: async () => async (argv, io) => {
    if (argv[0] === 'list') return (await import('./commands/env-gym')).envListCommand(argv.slice(1), io);
    if (argv[0] === 'setup-python') return (await import('./commands/env-gym')).setupPythonCommand(argv.slice(1), io);
    if (argv[0] !== 'verify') {
      io.err('usage: creditlab env verify FILE.json [--json] | env list [--json] | env setup-python [--python BASE]');
      return EXIT.usage;
    }
    const { envVerifyCommand } = await import('./commands/env-verify');
    return envVerifyCommand(argv.slice(1), io);
  },
};

export async function main(argv: string[], io: CliIO = processIO): Promise<number> {
  const [cmd, ...rest] = argv;
  if (!cmd || cmd === '--help' || cmd === '-h' || cmd === 'help') {
    io.out(USAGE);
    return cmd ? EXIT.ok : EXIT.usage;
  }
  const load = COMMANDS[cmd];
  if (!load) {
    io.err(`creditlab: unknown command "${cmd}"\n\n${USAGE}`);
    return EXIT.usage;
  }
  try {
    return await (await load())(rest, io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`creditlab ${cmd}: ${e.message}`);
      return EXIT.usage;
    }
    io.err(`creditlab ${cmd}: ${(e as Error).message}`);
    return EXIT.failed;
  }
}
