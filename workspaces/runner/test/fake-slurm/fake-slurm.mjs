// A fake Slurm for the tests: sbatch, squeue, sacct, scontrol, scancel, sinfo and df as one script.
// sbatch really runs each array task (bash JOB_SCRIPT with SLURM_ARRAY_* set) from a detached
// scheduler process, at most %K at a time, so the real `creditlab worker` path runs end to end.
// State lives in $FAKE_SLURM_DIR: jobs/<id>.json is written only by that job's scheduler; other
// commands leave requests in jobs/<id>.req/ (as scancel asks slurmctld). Files that steer it:
//   hold           no task starts (PENDING, reason Priority)
//   down           every command fails as with an unreachable controller
//   no-accounting  sacct fails as with AccountingStorageType=none
//   min-job-age    ms after which squeue/scontrol forget ended tasks (default: never)
//   fstype         what `df -PT` reports as the filesystem type (default: the real df)
//   partitions     sinfo lines "%P %a %l %D" (default: debug* up 1-00:00:00 2 / long up infinite 1)
// `node fake-slurm.mjs ctl fail JOB_TASK STATE [REASON]` kills a running task as Slurm would on
// NODE_FAIL, TIMEOUT, OUT_OF_MEMORY…; with --requeue, NODE_FAIL/PREEMPTED put it back to PENDING.
import { spawn, execFileSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

const SELF = new URL(import.meta.url).pathname;
const DIR = process.env.FAKE_SLURM_DIR;
const [cmd, ...args] = process.argv.slice(2);
if (!DIR) {
  process.stderr.write(`${cmd}: FAKE_SLURM_DIR is not set\n`);
  process.exit(1);
}
mkdirSync(join(DIR, 'jobs'), { recursive: true });
if (cmd !== '__scheduler') appendFileSync(join(DIR, 'calls.log'), JSON.stringify([cmd, ...args]) + '\n');

const flag = (name) => existsSync(join(DIR, name));
const jobFile = (id) => join(DIR, 'jobs', `${id}.json`);
const loadJob = (id) => (existsSync(jobFile(id)) ? JSON.parse(readFileSync(jobFile(id), 'utf8')) : null);
const allJobs = () => readdirSync(join(DIR, 'jobs')).filter((f) => f.endsWith('.json')).map((f) => JSON.parse(readFileSync(join(DIR, 'jobs', f), 'utf8')));
const saveJob = (job) => {
  const tmp = `${jobFile(job.id)}.tmp`;
  writeFileSync(tmp, JSON.stringify(job));
  renameSync(tmp, jobFile(job.id));
};
const request = (id, req) => {
  const d = join(DIR, 'jobs', `${id}.req`);
  mkdirSync(d, { recursive: true });
  writeFileSync(join(d, `${process.hrtime.bigint()}-${process.pid}.json`), JSON.stringify(req));
};
const fail = (msg, code = 1) => {
  process.stderr.write(msg + '\n');
  process.exit(code);
};
const TERMINAL = new Set(['COMPLETED', 'FAILED', 'CANCELLED', 'TIMEOUT', 'NODE_FAIL', 'OUT_OF_MEMORY', 'PREEMPTED', 'BOOT_FAIL', 'DEADLINE']);
const minAge = () => (flag('min-job-age') ? Number(readFileSync(join(DIR, 'min-job-age'), 'utf8')) : Infinity);
const remembered = (t) => !TERMINAL.has(t.state) || Date.now() - (t.end ?? 0) < minAge();
const CONTROLLER_DOWN = 'slurm_load_jobs error: Unable to contact slurm controller (connect failure)';

function parseTime(s) {
  if (!s) return null;
  const m = /^(?:(\d+)-)?(\d+)(?::(\d+))?(?::(\d+))?$/.exec(s);
  if (!m) return null;
  const [d, a, b, c] = [Number(m[1] ?? 0), Number(m[2]), m[3], m[4]];
  if (c !== undefined) return ((d * 24 + a) * 60 + Number(b)) * 60 + Number(c);
  if (b !== undefined) return m[1] ? ((d * 24 + a) * 60 + Number(b)) * 60 : a * 60 + Number(b);
  return m[1] ? (d * 24 + a) * 3600 : a * 60;
}

/** Expands a `-j` list of "123", "123_4" into [{id, task|null}]. */
const selectors = (list) => list.split(',').filter(Boolean).map((s) => {
  const [id, task] = s.split('_');
  return { id: Number(id), task: task === undefined ? null : Number(task) };
});

function taskRows(job, task) {
  const t = job.tasks[task];
  return {
    i: `${job.id}_${task}`, A: String(job.id), a: String(task), T: t.state, t: t.state.slice(0, 2), r: t.reason,
    N: t.state === 'RUNNING' ? 'fakenode1' : '', j: job.name, P: job.partition ?? 'debug', x: job.name,
  };
}

function format(fmt, row) {
  return fmt.replace(/%\.?\d*([a-zA-Z%])/g, (_, c) => (c === '%' ? '%' : row[c] ?? ''));
}

function optValue(list, short, long) {
  for (let i = 0; i < list.length; i++) {
    const a = list[i];
    if (a === short || a === long) return list[i + 1];
    if (long && a.startsWith(long + '=')) return a.slice(long.length + 1);
    if (short && a.startsWith(short) && a.length > short.length && !a.startsWith('--')) return a.slice(short.length);
  }
  return undefined;
}

// ---- commands -----------------------------------------------------------------------------------
const commands = {
  sbatch() {
    if (flag('down')) fail('sbatch: error: Batch job submission failed: Unable to contact slurm controller (connect failure)');
    const script = args.find((a) => !a.startsWith('-'));
    if (!script || !existsSync(script)) fail(`sbatch: error: Unable to open file ${script}`);
    const opts = {};
    for (const line of readFileSync(script, 'utf8').split('\n').slice(1)) {
      if (!line.startsWith('#')) break;
      const m = /^#SBATCH\s+--([\w-]+)(?:=(\S+))?/.exec(line);
      if (m) opts[m[1]] = m[2] ?? true;
    }
    const parts = flag('partitions') ? readFileSync(join(DIR, 'partitions'), 'utf8') : 'debug* up 1-00:00:00 2\nlong up infinite 1';
    const names = parts.split('\n').map((l) => l.split(/\s+/)[0].replace('*', '')).filter(Boolean);
    if (opts.partition && !names.includes(opts.partition)) fail(`sbatch: error: invalid partition specified: ${opts.partition}\nsbatch: error: Batch job submission failed: Invalid partition name specified`);
    const am = /^0-(\d+)(?:%(\d+))?$/.exec(opts.array ?? '');
    if (!am) fail(`sbatch: error: fake sbatch only takes --array=0-N[%K], got ${opts.array}`);
    const count = Number(am[1]) + 1;
    const idFile = join(DIR, 'next-id');
    const id = existsSync(idFile) ? Number(readFileSync(idFile, 'utf8')) : 4100;
    writeFileSync(idFile, String(id + count + 1));
    const tasks = {};
    for (let i = 0; i < count; i++) tasks[i] = { state: 'PENDING', reason: 'None', exit: '0:0', restarts: 0, pid: null, start: null, end: null, notBefore: 0 };
    saveJob({
      id, name: opts['job-name'] ?? basename(script), script, cwd: opts.chdir ?? process.cwd(), max: am[2] ? Number(am[2]) : null,
      output: opts.output, error: opts.error, requeue: opts.requeue === true, partition: opts.partition, timeLimit: parseTime(opts.time), tasks,
    });
    const child = spawn(process.execPath, [SELF, '__scheduler', String(id)], { detached: true, stdio: 'ignore', env: process.env });
    child.unref();
    process.stdout.write(args.includes('--parsable') ? `${id}\n` : `Submitted batch job ${id}\n`);
  },

  squeue() {
    if (flag('down')) fail(CONTROLLER_DOWN);
    const fmt = optValue(args, '-o', '--format') ?? '%i %T';
    const states = optValue(args, '-t', '--states');
    const sel = optValue(args, '-j', '--jobs');
    const selected = sel ? selectors(sel) : null;
    let jobs = allJobs();
    if (selected) {
      const known = selected.filter((s) => jobs.some((j) => j.id === s.id && Object.keys(j.tasks).some((k) => remembered(j.tasks[k]))));
      if (known.length === 0) fail('slurm_load_jobs error: Invalid job id specified');
      jobs = jobs.filter((j) => selected.some((s) => s.id === j.id));
    }
    const showAll = states && states.toLowerCase() === 'all';
    for (const job of jobs)
      for (const k of Object.keys(job.tasks)) {
        const t = job.tasks[k];
        if (!remembered(t)) continue;
        if (!showAll && TERMINAL.has(t.state)) continue;
        if (selected && !selected.some((s) => s.id === job.id && (s.task === null || s.task === Number(k)))) continue;
        process.stdout.write(format(fmt, taskRows(job, k)) + '\n');
      }
  },

  sacct() {
    if (flag('no-accounting')) fail('sacct: error: Slurm accounting storage is disabled');
    const fields = (optValue(args, '-o', '--format') ?? 'JobID,State,ExitCode').split(',');
    const sel = optValue(args, '-j', '--jobs');
    const jobs = allJobs().filter((j) => !sel || selectors(sel).some((s) => s.id === j.id));
    for (const job of jobs)
      for (const k of Object.keys(job.tasks)) {
        const t = job.tasks[k];
        const state = t.state === 'CANCELLED' ? `CANCELLED by ${process.getuid?.() ?? 0}` : t.state;
        const row = { JobID: `${job.id}_${k}`, State: state, ExitCode: t.exit, Reason: t.reason, JobName: job.name };
        process.stdout.write(fields.map((f) => row[f] ?? '').join('|') + '\n');
      }
  },

  scontrol() {
    const words = args.filter((a) => a !== '-o' && a !== '--oneliner');
    if (words[0] === 'ping') {
      if (flag('down')) fail('Slurmctld(primary) at fakectl is DOWN');
      process.stdout.write('Slurmctld(primary) at fakectl is UP\n');
      return;
    }
    if (flag('down')) fail(CONTROLLER_DOWN);
    if (words[0] === 'show' && words[1] === 'config') {
      process.stdout.write('Configuration data as of fake\nMaxArraySize            = 1001\nMinJobAge               = 300 sec\n');
      return;
    }
    if (words[0] === 'show' && words[1] === 'job') {
      const sel = selectors(words[2] ?? '');
      let out = '';
      for (const s of sel) {
        const job = loadJob(s.id);
        if (!job) continue;
        for (const k of Object.keys(job.tasks)) {
          const t = job.tasks[k];
          if ((s.task !== null && s.task !== Number(k)) || !remembered(t)) continue;
          out += `JobId=${job.id + 1 + Number(k)} ArrayJobId=${job.id} ArrayTaskId=${k} JobName=${job.name} JobState=${t.state} Reason=${t.reason} Dependency=(null) Requeue=${job.requeue ? 1 : 0} Restarts=${t.restarts} ExitCode=${t.exit} NodeList=${t.state === 'RUNNING' ? 'fakenode1' : '(null)'} StdErr=${job.error}\n`;
        }
      }
      if (!out) fail('slurm_load_jobs error: Invalid job id specified');
      process.stdout.write(out);
      return;
    }
    fail(`scontrol: fake does not know "${words.join(' ')}"`);
  },

  scancel() {
    if (flag('down')) fail('scancel: error: Kill job error on job id: Unable to contact slurm controller (connect failure)');
    const state = optValue(args, '-t', '--state');
    const ids = args.filter((a) => !a.startsWith('-') && a !== state);
    for (const s of selectors(ids.join(','))) {
      if (!loadJob(s.id)) fail(`scancel: error: Kill job error on job id ${s.id}: Invalid job id specified`);
      request(s.id, { op: 'cancel', task: s.task, state: state?.toUpperCase() ?? null });
    }
  },

  sinfo() {
    if (flag('down')) fail('sinfo: error: Unable to contact slurm controller (connect failure)');
    const parts = flag('partitions') ? readFileSync(join(DIR, 'partitions'), 'utf8').trim() : 'debug* up 1-00:00:00 2\nlong up infinite 1';
    process.stdout.write(parts + '\n');
  },

  df() {
    if (!flag('fstype')) {
      // The real df: the first one on PATH that is not this fake.
      const dirs = (process.env.PATH ?? '').split(':').filter((d) => d && d !== dirname(SELF));
      const real = dirs.map((d) => join(d, 'df')).find((f) => existsSync(f));
      process.stdout.write(execFileSync(real, args, { encoding: 'utf8' }));
      return;
    }
    const type = readFileSync(join(DIR, 'fstype'), 'utf8').trim();
    process.stdout.write(`Filesystem Type 1024-blocks Used Available Capacity Mounted on\nserver:/export ${type} 1000 10 990 1% ${args[args.length - 1]}\n`);
  },

  ctl() {
    const [op, target, state, reason] = args;
    if (op !== 'fail') fail('usage: fake-slurm.mjs ctl fail JOB_TASK STATE [REASON]');
    const [s] = selectors(target);
    request(s.id, { op: 'fail', task: s.task, state, reason: reason ?? { NODE_FAIL: 'NodeDown', TIMEOUT: 'TimeLimit', OUT_OF_MEMORY: 'OutOfMemory', PREEMPTED: 'Preempted' }[state] ?? 'None' });
  },

  // ---- the scheduler of one job ------------------------------------------------------------------
  __scheduler() {
    const id = Number(args[0]);
    const children = new Map();
    const reqDir = join(DIR, 'jobs', `${id}.req`);
    const log = (m) => appendFileSync(join(DIR, `scheduler-${id}.log`), `${new Date().toISOString()} ${m}\n`);
    const kill = (t, sig) => {
      try {
        if (t.pid) process.kill(-t.pid, sig);
      } catch { /* already gone */ }
    };
    const end = (t, state, reason, exit) => Object.assign(t, { state, reason, exit, end: Date.now() });
    const pattern = (job, p, k) => p.replace(/%A/g, String(job.id)).replace(/%a/g, String(k)).replace(/%j/g, String(job.id + 1 + Number(k))).replace(/%x/g, job.name);

    const loop = () => {
      const job = loadJob(id);
      let dirty = false;
      // Requests from scancel / ctl.
      if (existsSync(reqDir))
        for (const f of readdirSync(reqDir).sort()) {
          const req = JSON.parse(readFileSync(join(reqDir, f), 'utf8'));
          rmSync(join(reqDir, f));
          log(`request ${JSON.stringify(req)}`);
          for (const k of Object.keys(job.tasks)) {
            const t = job.tasks[k];
            if ((req.task !== null && req.task !== Number(k)) || TERMINAL.has(t.state)) continue;
            if (req.op === 'cancel') {
              if (req.state && req.state !== t.state) continue;
              if (t.state === 'RUNNING') kill(t, 'SIGTERM');
              end(t, 'CANCELLED', 'None', t.state === 'RUNNING' ? '0:15' : '0:0');
            } else if (req.op === 'fail' && t.state === 'RUNNING') {
              kill(t, 'SIGKILL');
              end(t, req.state, req.reason, '0:9');
              if (job.requeue && (req.state === 'NODE_FAIL' || req.state === 'PREEMPTED')) {
                Object.assign(t, { state: 'PENDING', reason: 'BeginTime', restarts: t.restarts + 1, notBefore: Date.now() + 300, end: null });
              }
            }
            dirty = true;
          }
        }
      // Time limits.
      for (const k of Object.keys(job.tasks)) {
        const t = job.tasks[k];
        if (t.state === 'RUNNING' && job.timeLimit && Date.now() - t.start > job.timeLimit * 1000) {
          kill(t, 'SIGKILL');
          end(t, 'TIMEOUT', 'TimeLimit', '0:9');
          dirty = true;
        }
      }
      // Start what may start.
      const running = Object.values(job.tasks).filter((t) => t.state === 'RUNNING').length;
      let free = (job.max ?? Infinity) - running;
      for (const k of Object.keys(job.tasks)) {
        const t = job.tasks[k];
        if (t.state !== 'PENDING') continue;
        if (flag('hold')) {
          if (t.reason !== 'Priority') dirty = true;
          t.reason = 'Priority';
          continue;
        }
        if (free <= 0 || Date.now() < t.notBefore) {
          if (free <= 0 && t.reason !== 'JobArrayTaskLimit') dirty = true;
          if (free <= 0) t.reason = 'JobArrayTaskLimit';
          continue;
        }
        free--;
        const out = openSync(pattern(job, job.output ?? join(job.cwd, 'slurm-%A_%a.out'), k), 'a');
        const err = openSync(pattern(job, job.error ?? job.output ?? join(job.cwd, 'slurm-%A_%a.out'), k), 'a');
        const child = spawn('bash', [job.script], {
          cwd: job.cwd,
          detached: true,
          stdio: ['ignore', out, err],
          env: { ...process.env, SLURM_JOB_ID: String(job.id + 1 + Number(k)), SLURM_ARRAY_JOB_ID: String(job.id), SLURM_ARRAY_TASK_ID: k, SLURM_ARRAY_TASK_COUNT: String(Object.keys(job.tasks).length), SLURM_RESTART_COUNT: String(t.restarts), SLURM_JOB_NAME: job.name },
        });
        Object.assign(t, { state: 'RUNNING', reason: 'None', pid: child.pid, start: Date.now() });
        children.set(child.pid, k);
        child.on('exit', (code, signal) => exits.push({ k, pid: child.pid, code, signal }));
        dirty = true;
      }
      // Exits observed since the last loop.
      for (const x of exits.splice(0)) {
        const t = job.tasks[x.k];
        if (t.pid !== x.pid || t.state !== 'RUNNING') continue;
        if (x.code === 0) end(t, 'COMPLETED', 'None', '0:0');
        else end(t, 'FAILED', 'NonZeroExitCode', x.signal ? `0:${{ SIGABRT: 6, SIGKILL: 9, SIGTERM: 15, SIGSEGV: 11 }[x.signal] ?? 1}` : `${x.code}:0`);
        dirty = true;
      }
      if (dirty) saveJob(job);
      const done = Object.values(job.tasks).every((t) => TERMINAL.has(t.state));
      if (done && exits.length === 0 && [...children.keys()].every((pid) => !alive(pid))) return;
      setTimeout(loop, 50);
    };
    const exits = [];
    const alive = (pid) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    loop();
  },
};

const fn = commands[cmd];
if (!fn) fail(`fake-slurm: unknown command ${cmd}`, 2);
fn();
