/**
 * Hostile inputs built in code, cheaply: gzip bombs (gigabytes of zeros from about a megabyte,
 * without ever holding the zeros), JSON nested thousands of levels, truncated and garbage bytes.
 * Shared by the bad-input suite and the decoder and parser regression tests.
 */
import * as zlib from 'node:zlib';

const MIB = 1024 * 1024;

/**
 * A gzip member that decompresses to `bytes` zero bytes (a whole number of MiB). The deflate data
 * of one MiB of zeros, ended with a full flush (byte-aligned, no back-references across it), is
 * repeated: each copy continues the same stream, so the member is about bytes / 1000 long and is
 * built without the zeros ever existing. Its trailer holds the right CRC-32 and length.
 */
export function gzipBomb(bytes: number): Buffer {
  if (bytes % MIB !== 0 || bytes <= 0) throw new Error('gzipBomb: a whole number of MiB');
  const zeros = Buffer.alloc(MIB);
  const block = zlib.deflateRawSync(zeros, { level: 9, finishFlush: zlib.constants.Z_FULL_FLUSH });
  const copies = bytes / MIB;
  const last = zlib.deflateRawSync(Buffer.alloc(0)); // a final empty block
  let crc = 0;
  for (let i = 0; i < copies; i++) crc = zlib.crc32(zeros, crc);
  const header = Buffer.from([0x1f, 0x8b, 0x08, 0, 0, 0, 0, 0, 0, 0xff]);
  const trailer = Buffer.alloc(8);
  trailer.writeUInt32LE(crc >>> 0, 0);
  trailer.writeUInt32LE(bytes % 0x100000000, 4);
  return Buffer.concat([header, ...new Array<Buffer>(copies).fill(block), last, trailer]);
}

/** A JSON object nested `depth` levels: `{"a":{"a":...{"a":1}...}}`. */
export function deepJson(depth: number): string {
  return '{"a":'.repeat(depth - 1) + '{"a":1' + '}'.repeat(depth);
}

/** Deterministic pseudo-random bytes (a xorshift), so a failing case can be reproduced. */
export function garbage(length: number, seed = 1): Buffer {
  const out = Buffer.alloc(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}
