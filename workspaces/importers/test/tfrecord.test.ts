import { test } from 'node:test';
import assert from 'node:assert/strict';
import { frameRecord, maskedCrc32c, readRecords } from '../src/tfrecord';

const bytes = (s: string) => new TextEncoder().encode(s);
const concat = (parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) out.set(p, (o += p.length) - p.length);
  return out;
};

test('CRC-32C is masked the way TensorFlow masks it', () => {
  // CRC-32C("123456789") = 0xE3069283 (the standard check value); masking rotates right by 15 and adds 0xa282ead8.
  const crc = 0xe3069283;
  const expected = ((((crc >>> 15) | (crc << 17)) >>> 0) + 0xa282ead8) >>> 0;
  assert.equal(maskedCrc32c(bytes('123456789')), expected);
  assert.equal(maskedCrc32c(new Uint8Array(0)), (0 + 0xa282ead8) >>> 0);
});

test('framed records read back, in order, including an empty one', () => {
  const recs = [bytes('first'), new Uint8Array(0), bytes('x'.repeat(1000))];
  const scan = readRecords(concat(recs.map(frameRecord)));
  assert.equal(scan.problem, null);
  assert.deepEqual(scan.records.map((r) => new TextDecoder().decode(r)), ['first', '', 'x'.repeat(1000)]);
});

test('a flipped data byte, a flipped length byte and a cut tail are each found, with the readable prefix', () => {
  const file = concat([frameRecord(bytes('aaaa')), frameRecord(bytes('bbbb')), frameRecord(bytes('cccc'))]);
  const second = 20; // 16 bytes of framing + 4 of data per record
  const data = file.slice();
  data[second + 13] ^= 1;
  assert.deepEqual(readRecords(data).problem, { offset: second, reason: 'data-crc' });
  assert.equal(readRecords(data).records.length, 1);
  const len = file.slice();
  len[second] ^= 4;
  assert.deepEqual(readRecords(len).problem, { offset: second, reason: 'length-crc' });
  for (const cut of [1, 4, 12, 19]) {
    const scan = readRecords(file.subarray(0, file.length - cut));
    assert.deepEqual(scan.problem, { offset: 2 * second, reason: 'truncated' }, `cut ${cut}`);
    assert.equal(scan.records.length, 2);
  }
});
