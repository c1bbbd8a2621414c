// Reads a run's events.jsonl from where the host last stopped. The worker appends (one line per
// batch, fsynced); the host forwards complete lines in order and only then records how far it got,
// in ingest.json next to the events, so a restarted host neither skips nor repeats (up to the one
// poll in flight at a crash, which the index's own high-water steps then filter out, see StoredSteps).
// A requeued task restarts the run in the same folder: points it logs again for steps already
// ingested are dropped, so a series never holds a step twice.
import { closeSync, existsSync, fstatSync, openSync, readFileSync, readSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { WorkerEvent } from '../protocol';

export const EVENTS_FILE = 'events.jsonl';
export const INGEST_FILE = 'ingest.json';

/** What is persisted per run. */
export interface IngestState {
  offset: number;
  /** `started` lines seen: 2+ means the task was restarted (requeue). */
  attempts: number;
  /** Highest step ingested per metric, and per sample kind. */
  high: Record<string, number>;
  highSamples: Record<string, number>;
  /** The `high` maps when the latest attempt started: that attempt's points at or below are repeats. */
  floor: Record<string, number>;
  floorSamples: Record<string, number>;
  /** The run's final event once forwarded: a re-attaching host re-sends it instead of waiting for a line it already consumed. */
  final?: WorkerEvent | null;
  /** The file's size when it was last read: beyond `offset` only when it ended in part of a line. */
  readTo?: number;
}

const KNOWN = new Set(['started', 'compute', 'sandbox', 'metrics', 'progress', 'log', 'sample', 'heartbeat', 'done', 'failed']);
/** Bounds the memory of one read; the rest comes on the next read. */
const CHUNK = 8 * 1024 * 1024;

/**
 * The highest step the index already holds per metric and per sample kind. ingest.json is written
 * after the index took the lines, so a reader killed in between left lines the index has but the
 * offset does not cover: a reader started with these drops them instead of storing them twice.
 */
export interface StoredSteps {
  metrics: Record<string, number>;
  samples: Record<string, number>;
}

export function emptyIngestState(): IngestState {
  return { offset: 0, attempts: 0, high: {}, highSamples: {}, floor: {}, floorSamples: {} };
}

export function readIngestState(runDir: string): IngestState {
  const f = join(runDir, INGEST_FILE);
  if (!existsSync(f)) return emptyIngestState();
  try {
    return { ...emptyIngestState(), ...(JSON.parse(readFileSync(f, 'utf8')) as Partial<IngestState>) };
  } catch {
    // A torn write cannot happen (rename), but a hand-edited file can: start over rather than stop.
    return emptyIngestState();
  }
}

export class RunTail {
  readonly runDir: string;
  state: IngestState;
  /** A final event (`done`/`failed`) was read; nothing after it is forwarded. */
  final: WorkerEvent | null = null;

  constructor(runDir: string, stored?: StoredSteps) {
    this.runDir = runDir;
    this.state = readIngestState(runDir);
    this.final = this.state.final ?? null;
    if (stored) {
      // Raised as a floor (this attempt's points up to there are stored) and as the high-water mark
      // (a later attempt's floor starts at least there).
      const s = this.state;
      s.floor = raise(s.floor, stored.metrics);
      s.high = raise(s.high, stored.metrics);
      s.floorSamples = raise(s.floorSamples, stored.samples);
      s.highSamples = raise(s.highSamples, stored.samples);
    }
  }

  get eventsPath(): string {
    return join(this.runDir, EVENTS_FILE);
  }

  /** Whether the events file grew since it was last read and no final event was read: a stat, no read. */
  behind(): boolean {
    if (this.final) return false;
    try {
      return statSync(this.eventsPath).size > Math.max(this.state.offset, this.state.readTo ?? 0);
    } catch {
      return false;
    }
  }

  /**
   * Forwards complete new lines to `forward` in file order, then persists the offset. A partial
   * last line waits for the next call. Returns how many events were forwarded.
   */
  poll(forward: (e: WorkerEvent) => void): number {
    if (this.final) return 0;
    let fd: number;
    try {
      fd = openSync(this.eventsPath, 'r');
    } catch {
      return 0;
    }
    let forwarded = 0;
    try {
      const size = fstatSync(fd).size;
      while (!this.final && this.state.offset < size) {
        const len = Math.min(CHUNK, size - this.state.offset);
        const buf = Buffer.alloc(len);
        const n = readSync(fd, buf, 0, len, this.state.offset);
        const end = buf.subarray(0, n).lastIndexOf(0x0a);
        if (end < 0) {
          if (n === CHUNK) throw new Error(`${this.eventsPath}: a line longer than ${CHUNK} bytes at byte ${this.state.offset}`);
          break;
        }
        let start = 0;
        const base = this.state.offset;
        while (start <= end && !this.final) {
          const nl = buf.indexOf(0x0a, start);
          const line = buf.subarray(start, nl).toString('utf8');
          const at = base + start;
          start = nl + 1;
          for (const e of this.accept(line, at)) {
            forward(e);
            forwarded++;
          }
          this.state.offset = base + start;
        }
        this.save();
      }
      if (!this.final && size !== this.state.readTo) {
        // A partial last line is read again when the file grows, not on every look.
        this.state.readTo = size;
        this.save();
      }
    } finally {
      closeSync(fd);
    }
    return forwarded;
  }

  /** The events one line yields after de-duplication of a restarted attempt. */
  private accept(line: string, at: number): WorkerEvent[] {
    if (line.trim() === '') return [];
    let raw: { type?: string; t?: number } & Record<string, unknown>;
    try {
      raw = JSON.parse(line);
    } catch {
      // A task killed mid-write leaves half a line, and its requeued attempt appends after it.
      return [{ type: 'log', line: `events.jsonl: skipped an incomplete line at byte ${at} (the task was killed while writing it)` }];
    }
    if (!raw || typeof raw.type !== 'string' || !KNOWN.has(raw.type)) return [];
    const { t: _t, ...rest } = raw;
    // A heartbeat's time is its content; every other event's `t` is only a trace for people reading the file.
    const e = (raw.type === 'heartbeat' ? { type: 'heartbeat', t: Number(raw.t) } : rest) as unknown as WorkerEvent;
    const s = this.state;
    switch (e.type) {
      case 'started': {
        s.attempts++;
        if (s.attempts > 1) {
          s.floor = { ...s.high };
          s.floorSamples = { ...s.highSamples };
          return [{ type: 'log', line: `the task restarted (attempt ${s.attempts}); steps already ingested are not ingested again` }, e];
        }
        return [e];
      }
      case 'metrics': {
        const points = e.points.filter((p) => !(p.step <= (s.floor[p.metric] ?? -Infinity)));
        for (const p of points) if (!(p.step <= (s.high[p.metric] ?? -Infinity))) s.high[p.metric] = p.step;
        return points.length ? [{ type: 'metrics', points }] : [];
      }
      case 'sample': {
        if (e.step <= (s.floorSamples[e.kind] ?? -Infinity)) return [];
        if (!(e.step <= (s.highSamples[e.kind] ?? -Infinity))) s.highSamples[e.kind] = e.step;
        return [e];
      }
      case 'done':
      case 'failed':
        this.final = e;
        s.final = e;
        return [e];
      default:
        return [e];
    }
  }

  private save(): void {
    const f = join(this.runDir, INGEST_FILE);
    const tmp = `${f}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(this.state));
    renameSync(tmp, f);
  }
}

function raise(into: Record<string, number>, by: Record<string, number>): Record<string, number> {
  const out = { ...into };
  for (const [k, v] of Object.entries(by)) if (!(v <= (out[k] ?? -Infinity))) out[k] = v;
  return out;
}
