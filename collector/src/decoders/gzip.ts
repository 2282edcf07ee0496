/**
 * Gzip for the decoders: whole streams (one member or several back to back), single members of a
 * run (to know where each starts), and DecodeErrors that name the first bad byte.
 *
 * Every inflation here is capped (limits.maxDecompressedBytes, ./limits.ts): zlib's
 * maxOutputLength stops it as soon as the output passes the cap, so a decompression bomb costs at
 * most the cap in memory, in whichever member it sits; a whole stream's members count together.
 * No function here inflates without a cap, the error path (locating a bad byte) included.
 *
 * Offsets: a DecodeError's `offset` is a byte offset in the bytes the caller passed in (for a bad
 * member, inside that member), never in decompressed data.
 */
import * as zlib from 'node:zlib';
import { DecodeError } from '../types';
import { asBuffer, describeByte } from './bytes';
import { DEFAULT_DECODE_LIMITS } from './limits';

const DEFAULT_MAX = DEFAULT_DECODE_LIMITS.maxDecompressedBytes;

/** True when `data` holds the gzip magic bytes (1f 8b) at `offset`. */
export function isGzipAt(data: Uint8Array, offset = 0): boolean {
  return data[offset] === 0x1f && data[offset + 1] === 0x8b;
}

/**
 * Index of the next gzip member header (1f 8b 08: magic and deflate) at or after `from`, or -1.
 * Those three bytes cannot occur in JSON or in text lines, so they delimit plain segments.
 */
export function nextGzipMember(data: Uint8Array, from: number): number {
  let i = data.indexOf(0x1f, from);
  while (i !== -1 && !(data[i + 1] === 0x8b && data[i + 2] === 0x08)) i = data.indexOf(0x1f, i + 1);
  return i;
}

/**
 * Gunzips `data` (one gzip member or several back to back, their contents concatenated), with a
 * DecodeError naming the first bad byte when it is corrupt or truncated, and a `too-large` one when
 * the members together decompress to more than `maxBytes`.
 */
export function gunzipAll(data: Uint8Array, maxBytes: number = DEFAULT_MAX): Buffer {
  try {
    return zlib.gunzipSync(data, { maxOutputLength: maxBytes });
  } catch (e) {
    throw gzipError(data, 0, data.length, e, maxBytes);
  }
}

/** `data` gunzipped (see gunzipAll) when it starts with the gzip magic bytes, else as it is (no copy). */
export function gunzipIfGzipped(data: Uint8Array, maxBytes: number = DEFAULT_MAX): Buffer {
  return isGzipAt(data) ? gunzipAll(data, maxBytes) : asBuffer(data);
}

/** One gzip member decoded out of a run of members: its content and where the next one starts. */
export interface GzipMember {
  readonly content: Buffer;
  /** Offset just past the member's trailer. */
  readonly end: number;
}

/**
 * Decodes the single gzip member starting at `offset` (zlib's gunzip would run on into the next
 * member, hiding where each one starts). Verifies the trailer's CRC-32 and length.
 */
export function gunzipMember(data: Uint8Array, offset: number, maxBytes: number = DEFAULT_MAX): GzipMember {
  const len = data.length;
  if (!isGzipAt(data, offset)) throw new DecodeError('not-gzip', `not a gzip member: starts with ${describeByte(data[offset])}`, offset);
  if (len - offset < 18) throw new DecodeError('gzip-truncated', 'truncated gzip member (shorter than a gzip header and trailer)', len);
  if (data[offset + 2] !== 8)
    throw new DecodeError('gzip-corrupt', `unsupported gzip compression method ${data[offset + 2]} (only deflate, 8, exists)`, offset + 2);
  const flags = data[offset + 3];
  let pos = offset + 10;
  if (flags & 0x04) pos += 2 + (data[pos] | (data[pos + 1] << 8));
  if (flags & 0x08) pos = afterZero(data, pos);
  if (flags & 0x10) pos = afterZero(data, pos);
  if (flags & 0x02) pos += 2;
  if (pos < 0 || pos >= len) throw new DecodeError('gzip-truncated', 'truncated gzip member header', len);

  let content: Buffer;
  let consumed: number;
  try {
    // `info` exposes the engine, whose bytesWritten is how much input the deflate stream used.
    const r = zlib.inflateRawSync(data.subarray(pos), { info: true, maxOutputLength: maxBytes } as zlib.ZlibOptions) as unknown as {
      buffer: Buffer;
      engine: { bytesWritten: number };
    };
    content = r.buffer;
    consumed = r.engine.bytesWritten;
  } catch (e) {
    throw gzipError(data, offset, len, e, maxBytes, pos);
  }
  const trailer = pos + consumed;
  if (trailer + 8 > len) throw new DecodeError('gzip-truncated', 'truncated gzip member: the trailer (CRC-32 and length) is missing', len);
  const crc = (data[trailer] | (data[trailer + 1] << 8) | (data[trailer + 2] << 16) | (data[trailer + 3] << 24)) >>> 0;
  const size = (data[trailer + 4] | (data[trailer + 5] << 8) | (data[trailer + 6] << 16) | (data[trailer + 7] << 24)) >>> 0;
  if (size !== content.length % 0x100000000) {
    throw new DecodeError('gzip-corrupt', `bad gzip member: the trailer says ${size} bytes, the data decompressed to ${content.length}`, trailer + 4);
  }
  if (!crcMatches(data, offset, trailer + 8, content, crc, maxBytes))
    throw new DecodeError('gzip-corrupt', 'bad gzip member: CRC-32 mismatch (corrupt data)', trailer);
  return { content, end: trailer + 8 };
}

function afterZero(data: Uint8Array, pos: number): number {
  const z = data.indexOf(0, pos);
  return z === -1 ? -1 : z + 1;
}

type Crc32 = (data: Uint8Array, value?: number) => number;
const crc32: Crc32 | undefined = (zlib as unknown as { crc32?: Crc32 }).crc32;

function crcMatches(data: Uint8Array, start: number, end: number, content: Buffer, crc: number, maxBytes: number): boolean {
  if (crc32) return crc32(content) >>> 0 === crc;
  // Node before 20.15 has no zlib.crc32: let gunzip check the member's trailer instead.
  try {
    zlib.gunzipSync(data.subarray(start, end), { maxOutputLength: maxBytes });
    return true;
  } catch {
    return false;
  }
}

/** A DecodeError for a zlib failure on the gzip data `data[start, end)`, locating the bad byte. */
function gzipError(data: Uint8Array, start: number, end: number, e: unknown, maxBytes: number, rawStart?: number): DecodeError {
  const err = e as NodeJS.ErrnoException;
  if (err.code === 'ERR_BUFFER_TOO_LARGE' || e instanceof RangeError) {
    return new DecodeError('too-large', `gzip data decompresses to more than ${maxBytes} bytes (limits.maxDecompressedBytes)`, start);
  }
  if (err.code === 'Z_BUF_ERROR' || /unexpected end/i.test(err.message)) {
    return new DecodeError('gzip-truncated', 'truncated gzip data (unexpected end of input)', end);
  }
  return new DecodeError('gzip-corrupt', `bad gzip data (${err.message})`, firstBadByte(data, start, end, maxBytes, rawStart));
}

/**
 * Offset of the first byte zlib rejects: the shortest failing prefix, by bisection, decoding with
 * Z_SYNC_FLUSH so that a valid but incomplete prefix is not an error. Error path only; each try is
 * capped too (a prefix that only passes the cap is no error: the bad byte comes later).
 */
function firstBadByte(data: Uint8Array, start: number, end: number, maxBytes: number, rawStart?: number): number {
  const options = { finishFlush: zlib.constants.Z_SYNC_FLUSH, maxOutputLength: maxBytes };
  const ok = (n: number): boolean => {
    try {
      if (rawStart === undefined) zlib.gunzipSync(data.subarray(start, start + n), options);
      else zlib.inflateRawSync(data.subarray(rawStart, rawStart + n), options);
      return true;
    } catch (e) {
      return (e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE';
    }
  };
  const base = rawStart ?? start;
  let lo = 0; // a prefix of lo bytes decodes
  let hi = end - base; // a prefix of hi bytes fails
  if (ok(hi)) return end;
  while (hi - lo > 1) {
    const mid = (lo + hi) >>> 1;
    if (ok(mid)) lo = mid;
    else hi = mid;
  }
  return base + hi - 1;
}
