// `creditlab env verify FILE.json [--json]`: replays recorded trajectories (the format of
// workspaces/envs/test/fixtures/gymnasium) through our envs and checks them against the reference tolerances.
import { readFile } from 'node:fs/promises';
import { verifyTrajectories, TrajectoryFormatError, type FieldReport, type VerifyReport, type VerifyOptions } from '@creditlab/envs';
import { EXIT, type CliIO } from '../io';

const USAGE = 'usage: creditlab env verify FILE.json [--json]';

/** JSON has no Infinity/NaN; spell them out so the report stays one parseable line. */
function jsonSafe(_key: string, v: unknown): unknown {
  return typeof v === 'number' && !Number.isFinite(v) ? String(v) : v;
}

const fmt = (x: number) => (x === 0 ? '0' : Number.isFinite(x) ? x.toExponential(2) : String(x));
const tol = (t: { rtol: number; atol: number }) => `rtol ${t.rtol.toExponential()} atol ${t.atol.toExponential()}`;
const fieldCell = (f: FieldReport) => `${fmt(f.maxAbs)} / ${fmt(f.maxRel)}${f.shapeMismatches ? ` (${f.shapeMismatches} shape)` : ''}`;

function table(report: VerifyReport, file: string): string[] {
  const head = ['#', 'env', 'seed', 'steps', 'obs abs / rel', 'state abs / rel', 'reward abs / rel', 'flags', 'result'];
  const rows = report.results.map((r) => [
    String(r.index),
    r.env,
    r.resetSeed === null ? '-' : String(r.resetSeed),
    String(r.steps),
    fieldCell(r.observation),
    fieldCell(r.state),
    fieldCell(r.reward),
    r.terminatedMismatches + r.truncatedMismatches === 0 ? 'ok' : `${r.terminatedMismatches}T ${r.truncatedMismatches}Tr`,
    r.pass ? 'PASS' : 'FAIL',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  const t = report.tolerances;
  const out = [
    `${file}: ${report.trajectories} trajectories, ${report.steps} steps replayed step by step`,
    `tolerances: obs ${tol(t.observation)}; state ${tol(t.state)}; reward ${tol(t.reward)}; flags exact`,
    '',
    line(head),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map(line),
  ];
  const failures = report.results.filter((r) => !r.pass);
  if (failures.length) {
    out.push('');
    for (const r of failures) out.push(`trajectory ${r.index} (${r.env}): ${r.firstFailure ?? 'failed'}`);
  }
  out.push('');
  out.push(
    report.pass
      ? `PASS: all ${report.trajectories} trajectories within tolerance`
      : `FAIL: ${report.failed.length} of ${report.trajectories} trajectories out of tolerance`,
  );
  return out;
}

export async function envVerifyCommand(argv: string[], io: CliIO, opts: VerifyOptions = {}): Promise<number> {
  let json = false;
  const files: string[] = [];
  for (const a of argv) {
    if (a === '--json') json = true;
    else if (a === '-h' || a === '--help') {
      io.out(USAGE);
      return EXIT.ok;
    } else if (a.startsWith('-')) {
      io.err(`creditlab env verify: unknown option "${a}"\n${USAGE}`);
      return EXIT.usage;
    } else files.push(a);
  }
  if (files.length !== 1) {
    io.err(`creditlab env verify: expected one FILE.json, got ${files.length}\n${USAGE}`);
    return EXIT.usage;
  }
  const file = files[0];
  let data: unknown;
  try {
    data = JSON.parse(await readFile(file, 'utf8'));
  } catch (e) {
    io.err(`creditlab env verify: cannot read ${file}: ${(e as Error).message}`);
    return EXIT.usage;
  }
  let report: VerifyReport;
  try {
    report = verifyTrajectories(data, opts);
  } catch (e) {
    if (e instanceof TrajectoryFormatError) {
      io.err(`creditlab env verify: ${file}: ${e.message}`);
      return EXIT.usage;
    }
    throw e;
  }
  if (json) io.out(JSON.stringify({ file, ...report }, jsonSafe));
  else for (const l of table(report, file)) io.out(l);
  return report.pass ? EXIT.ok : EXIT.failed;
}
