// TFRecord framing, the container of TensorBoard event files: each record is
//   uint64 length (LE) · uint32 masked CRC-32C of the length bytes · data · uint32 masked CRC-32C of data.
// Every CRC is checked; the reader stops at the first damaged or incomplete record and says where.
import CRC32C from 'crc-32/crc32c';

const MASK_DELTA = 0xa282ead8;

/** TensorFlow stores CRCs rotated and offset so that a CRC over data holding CRCs stays well spread. */
export function maskedCrc32c(bytes: Uint8Array): number {
  const crc = CRC32C.buf(bytes) >>> 0;
  return ((((crc >>> 15) | (crc << 17)) >>> 0) + MASK_DELTA) >>> 0;
}

export interface RecordProblem {
  /** Byte offset of the record that could not be read. */
  offset: number;
  reason: 'truncated' | 'length-crc' | 'data-crc';
}

export interface RecordScan {
  records: Uint8Array[];
  /** Null when the whole file was read. */
  problem: RecordProblem | null;
}

export function readRecords(buf: Uint8Array): RecordScan {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const records: Uint8Array[] = [];
  let off = 0;
  while (off < buf.length) {
    if (off + 12 > buf.length) return { records, problem: { offset: off, reason: 'truncated' } };
    const lo = view.getUint32(off, true);
    const hi = view.getUint32(off + 4, true);
    if (maskedCrc32c(buf.subarray(off, off + 8)) !== view.getUint32(off + 8, true)) return { records, problem: { offset: off, reason: 'length-crc' } };
    const len = hi * 2 ** 32 + lo;
    const start = off + 12;
    if (start + len + 4 > buf.length) return { records, problem: { offset: off, reason: 'truncated' } };
    const data = buf.subarray(start, start + len);
    if (maskedCrc32c(data) !== view.getUint32(start + len, true)) return { records, problem: { offset: off, reason: 'data-crc' } };
    records.push(data);
    off = start + len + 4;
  }
  return { records, problem: null };
}

/** Frames one record (used by tests and the benchmark to write event files). */
export function frameRecord(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(data.length + 16);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length >>> 0, true);
  view.setUint32(4, Math.floor(data.length / 2 ** 32), true);
  view.setUint32(8, maskedCrc32c(out.subarray(0, 8)), true);
  out.set(data, 12);
  view.setUint32(12 + data.length, maskedCrc32c(data), true);
  return out;
}
