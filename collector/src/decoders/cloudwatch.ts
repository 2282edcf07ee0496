/**
 * The CloudWatch Logs subscription payload: shape validation, gzip handling (one record, or one
 * member of several back to back) and a JSON document scanner shared by the other decoders.
 *
 * Offsets: a DecodeError's `offset` is always a byte offset in the bytes the caller passed in. When
 * the bad byte lies inside decompressed data, the offset is that of the gzip member holding it and
 * the message gives the position in the decompressed data.
 */
import * as buffer from 'node:buffer';
import * as zlib from 'node:zlib';
import { CloudWatchEnvelope, DecodeError } from '../types';

/**
 * Largest decompressed size accepted for one record or gzip member. A subscription payload holds
 * at most about 1 MiB of events, so this only stops decompression bombs.
 */
export const MAX_DECOMPRESSED_BYTES = 64 * 1024 * 1024;

/** True when `data` holds the gzip magic bytes (1f 8b) at `offset`. */
export function isGzipAt(data: Uint8Array, offset = 0): boolean {
  return data[offset] === 0x1f && data[offset + 1] === 0x8b;
}

/**
 * The JSON text of one subscription record: gunzipped, or returned as is when it is already
 * decompressed JSON (its first non-blank byte is `{`). Throws a DecodeError naming the first bad
 * byte for data that is neither, or whose gzip stream is corrupt or truncated.
 */
export function gunzipRecord(data: Uint8Array, maxBytes = MAX_DECOMPRESSED_BYTES): Buffer {
  const first = skipBlanks(data, 0, data.length);
  if (first < data.length && data[first] === 0x7b) return asBuffer(data);
  if (data.length === 0) throw new DecodeError('empty record: expected gzip data or a JSON object', 0);
  if (!isGzipAt(data)) {
    throw new DecodeError(`not gzip (expected bytes 1f 8b) and not JSON (expected "{"): starts with ${describeByte(data[0])}`, 0);
  }
  return gunzipAll(data, maxBytes);
}

/**
 * Gunzips `data` (one gzip member or several back to back, their contents concatenated), with a
 * DecodeError naming the first bad byte when it is corrupt or truncated.
 */
export function gunzipAll(data: Uint8Array, maxBytes: number = buffer.constants.MAX_LENGTH): Buffer {
  try {
    return zlib.gunzipSync(data, { maxOutputLength: maxBytes });
  } catch (e) {
    throw gzipError(data, 0, data.length, e, maxBytes);
  }
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
export function gunzipMember(data: Uint8Array, offset: number, maxBytes = MAX_DECOMPRESSED_BYTES): GzipMember {
  const len = data.length;
  if (!isGzipAt(data, offset)) throw new DecodeError(`not a gzip member: starts with ${describeByte(data[offset])}`, offset);
  if (len - offset < 18) throw new DecodeError('truncated gzip member (shorter than a gzip header and trailer)', len);
  if (data[offset + 2] !== 8) throw new DecodeError(`unsupported gzip compression method ${data[offset + 2]} (only deflate, 8, exists)`, offset + 2);
  const flags = data[offset + 3];
  let pos = offset + 10;
  if (flags & 0x04) pos += 2 + (data[pos] | (data[pos + 1] << 8));
  if (flags & 0x08) pos = afterZero(data, pos);
  if (flags & 0x10) pos = afterZero(data, pos);
  if (flags & 0x02) pos += 2;
  if (pos < 0 || pos >= len) throw new DecodeError('truncated gzip member header', len);

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
  if (trailer + 8 > len) throw new DecodeError('truncated gzip member: the trailer (CRC-32 and length) is missing', len);
  const crc = (data[trailer] | (data[trailer + 1] << 8) | (data[trailer + 2] << 16) | (data[trailer + 3] << 24)) >>> 0;
  const size = (data[trailer + 4] | (data[trailer + 5] << 8) | (data[trailer + 6] << 16) | (data[trailer + 7] << 24)) >>> 0;
  if (size !== content.length % 0x100000000) {
    throw new DecodeError(`bad gzip member: the trailer says ${size} bytes, the data decompressed to ${content.length}`, trailer + 4);
  }
  if (!crcMatches(data, offset, trailer + 8, content, crc)) throw new DecodeError('bad gzip member: CRC-32 mismatch (corrupt data)', trailer);
  return { content, end: trailer + 8 };
}

/**
 * Index just past the JSON object or array starting at `start` (`data[start]` must be `{` or `[`),
 * or -1 when the input ends first. Tracks only nesting and strings (escapes included); JSON.parse
 * checks everything else.
 */
export function scanJsonEnd(data: Uint8Array, start: number, end = data.length): number {
  let depth = 0;
  let i = start;
  while (i < end) {
    const c = data[i++];
    if (c === 0x22) {
      // Jump from quote to quote natively; a quote preceded by an odd run of backslashes is escaped.
      for (;;) {
        const q = data.indexOf(0x22, i);
        if (q === -1 || q >= end) return -1;
        let k = q - 1;
        while (k >= i && data[k] === 0x5c) k--;
        i = q + 1;
        if ((q - 1 - k) % 2 === 0) break;
      }
    } else if (c === 0x7b || c === 0x5b) {
      depth++;
    } else if (c === 0x7d || c === 0x5d) {
      if (--depth === 0) return i;
    }
  }
  return -1;
}

/**
 * JSON.parse of `data[start, end)`, with a DecodeError carrying the offset of the bad byte: in
 * `data` when `memberOffset` is undefined, else the member's offset (the message gives the position).
 */
export function parseJsonAt(data: Uint8Array, start: number, end: number, memberOffset?: number): unknown {
  const buf = asBuffer(data);
  const text = buf.toString('utf8', start, end);
  try {
    return JSON.parse(text);
  } catch {
    // V8's messages name no position for most errors: find the first bad character ourselves.
    const bad = jsonSyntaxError(text);
    const at = start + Buffer.byteLength(text.slice(0, bad.index));
    if (memberOffset === undefined) throw new DecodeError(`bad JSON: ${bad.what}`, at);
    throw new DecodeError(`bad JSON at byte ${at} of the decompressed data: ${bad.what}`, memberOffset);
  }
}

/**
 * Where and why `text` is not JSON (RFC 8259): index of the first character that cannot continue a
 * valid document (text.length when it ends too early). Only called after JSON.parse failed.
 */
export function jsonSyntaxError(text: string): { index: number; what: string } {
  const n = text.length;
  let i = 0;
  const stack: number[] = []; // 0x7b or 0x5b
  const ws = () => {
    for (let c = text.charCodeAt(i); c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09; c = text.charCodeAt(++i));
  };
  const found = (what: string) => ({ index: i, what: i >= n ? `unexpected end of input (${what})` : `${what}, found ${JSON.stringify(text[i])}` });
  const string = (): string | undefined => {
    i++;
    for (;;) {
      if (i >= n) return 'unterminated string';
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        i++;
        return undefined;
      }
      if (c < 0x20) return 'control character in a string (must be escaped)';
      if (c === 0x5c) {
        const e = text[i + 1];
        if (e !== undefined && '"\\/bfnrt'.includes(e)) i += 2;
        else if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) i += 6;
        else return 'bad escape sequence in a string';
      } else {
        i++;
      }
    }
  };
  /** At `i`, after whitespace: `"name"` and `:`; returns what is wrong, or undefined. */
  const propertyName = (): string | undefined => {
    if (text.charCodeAt(i) !== 0x22) return 'expected a property name';
    const e = string();
    if (e) return e;
    ws();
    if (text.charCodeAt(i) !== 0x3a) return "expected ':'";
    i++;
    return undefined;
  };
  const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
  for (;;) {
    // A value is expected at i.
    ws();
    const c = text.charCodeAt(i);
    if (c === 0x7b || c === 0x5b) {
      i++;
      ws();
      if (text.charCodeAt(i) === c + 2) {
        i++;
      } else {
        stack.push(c);
        if (c === 0x7b) {
          const e = propertyName();
          if (e) return found(e);
        }
        continue;
      }
    } else if (c === 0x22) {
      const e = string();
      if (e) return found(e);
    } else if (text.startsWith('true', i) || text.startsWith('null', i)) {
      i += 4;
    } else if (text.startsWith('false', i)) {
      i += 5;
    } else {
      NUMBER.lastIndex = i;
      if (!NUMBER.test(text)) return found('expected a JSON value');
      i = NUMBER.lastIndex;
    }
    // After a value: close containers, or go on after a comma.
    for (;;) {
      ws();
      if (stack.length === 0) {
        if (i < n) return found('unexpected data after the JSON document');
        return { index: n, what: 'not JSON' };
      }
      const top = stack[stack.length - 1];
      const d = text.charCodeAt(i);
      if (d === top + 2) {
        stack.pop();
        i++;
        continue;
      }
      if (d !== 0x2c) return found(top === 0x7b ? "expected ',' or '}'" : "expected ',' or ']'");
      i++;
      if (top === 0x7b) {
        ws();
        const e = propertyName();
        if (e) return found(e);
      }
      break;
    }
  }
}

/**
 * Checks that `json` has the shape of a CloudWatch Logs subscription payload and returns it typed
 * (the same object, not a copy). `offset` is reported in the DecodeError when it does not.
 */
export function decodeEnvelope(json: unknown, offset?: number): CloudWatchEnvelope {
  const fail = (what: string): never => {
    throw new DecodeError(`not a CloudWatch Logs subscription payload: ${what}`, offset);
  };
  if (typeof json !== 'object' || json === null || Array.isArray(json)) fail(`expected a JSON object, got ${kindOf(json)}`);
  const o = json as Record<string, unknown>;
  if (o.messageType !== 'DATA_MESSAGE' && o.messageType !== 'CONTROL_MESSAGE') {
    fail(`messageType must be "DATA_MESSAGE" or "CONTROL_MESSAGE", got ${preview(o.messageType)}`);
  }
  for (const key of ['owner', 'logGroup', 'logStream'] as const) {
    if (typeof o[key] !== 'string') fail(`${key} must be a string, got ${preview(o[key])}`);
  }
  const filters = o.subscriptionFilters;
  if (!Array.isArray(filters)) fail(`subscriptionFilters must be an array of strings, got ${preview(filters)}`);
  for (let i = 0; i < (filters as unknown[]).length; i++) {
    if (typeof (filters as unknown[])[i] !== 'string') fail(`subscriptionFilters[${i}] must be a string`);
  }
  const events = o.logEvents;
  if (!Array.isArray(events)) fail(`logEvents must be an array, got ${preview(events)}`);
  const list = events as unknown[];
  for (let i = 0; i < list.length; i++) {
    const e = list[i] as Record<string, unknown> | null;
    if (typeof e !== 'object' || e === null || Array.isArray(e)) fail(`logEvents[${i}] must be an object, got ${kindOf(e)}`);
    const ev = e as Record<string, unknown>;
    if (typeof ev.timestamp !== 'number' || !Number.isFinite(ev.timestamp)) fail(`logEvents[${i}].timestamp must be a number, got ${preview(ev.timestamp)}`);
    if (typeof ev.message !== 'string') fail(`logEvents[${i}].message must be a string, got ${preview(ev.message)}`);
    if (ev.id !== undefined && typeof ev.id !== 'string') fail(`logEvents[${i}].id must be a string, got ${preview(ev.id)}`);
  }
  return json as CloudWatchEnvelope;
}

const escapeFree = new WeakSet<object>();

/**
 * Records that every string of `envelope` came from JSON text without a single backslash, so none
 * holds a quote, backslash, control character or lone surrogate and each serializes as `"` + s + `"`.
 * The serializer uses this to skip per-string escape checks (see serialize.ts).
 */
export function markEscapeFree(envelope: CloudWatchEnvelope): void {
  escapeFree.add(envelope);
}

/** Whether markEscapeFree was called for this envelope. */
export function isEscapeFree(envelope: CloudWatchEnvelope): boolean {
  return escapeFree.has(envelope);
}

/** True when `data[start, end)` holds no backslash byte (so its JSON strings have no escapes). */
export function hasNoBackslash(data: Uint8Array, start: number, end: number): boolean {
  const i = data.indexOf(0x5c, start);
  return i === -1 || i >= end;
}

/** Index of the first byte at or after `i` that is not JSON whitespace. */
export function skipBlanks(data: Uint8Array, i: number, end: number): number {
  while (i < end) {
    const c = data[i];
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break;
    i++;
  }
  return i;
}

export function asBuffer(data: Uint8Array): Buffer {
  return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

export function describeByte(b: number | undefined): string {
  if (b === undefined) return 'nothing (end of input)';
  const hex = `0x${b.toString(16).padStart(2, '0')}`;
  return b >= 0x20 && b < 0x7f ? `${hex} (${JSON.stringify(String.fromCharCode(b))})` : hex;
}

function afterZero(data: Uint8Array, pos: number): number {
  const z = data.indexOf(0, pos);
  return z === -1 ? -1 : z + 1;
}

type Crc32 = (data: Uint8Array, value?: number) => number;
const crc32: Crc32 | undefined = (zlib as unknown as { crc32?: Crc32 }).crc32;

function crcMatches(data: Uint8Array, start: number, end: number, content: Buffer, crc: number): boolean {
  if (crc32) return crc32(content) >>> 0 === crc;
  // Node before 20.15 has no zlib.crc32: let gunzip check the member's trailer instead.
  try {
    zlib.gunzipSync(data.subarray(start, end));
    return true;
  } catch {
    return false;
  }
}

/** A DecodeError for a zlib failure on the gzip data `data[start, end)`, locating the bad byte. */
function gzipError(data: Uint8Array, start: number, end: number, e: unknown, maxBytes: number, rawStart?: number): DecodeError {
  const err = e as NodeJS.ErrnoException;
  if (err.code === 'ERR_BUFFER_TOO_LARGE' || e instanceof RangeError) {
    return new DecodeError(`gzip data decompresses to more than ${maxBytes} bytes`, start);
  }
  if (err.code === 'Z_BUF_ERROR' || /unexpected end/i.test(err.message)) {
    return new DecodeError('truncated gzip data (unexpected end of input)', end);
  }
  return new DecodeError(`bad gzip data (${err.message})`, firstBadByte(data, start, end, rawStart));
}

/**
 * Offset of the first byte zlib rejects: the shortest failing prefix, by bisection, decoding with
 * Z_SYNC_FLUSH so that a valid but incomplete prefix is not an error. Error path only.
 */
function firstBadByte(data: Uint8Array, start: number, end: number, rawStart?: number): number {
  const ok = (n: number): boolean => {
    try {
      if (rawStart === undefined) zlib.gunzipSync(data.subarray(start, start + n), { finishFlush: zlib.constants.Z_SYNC_FLUSH });
      else zlib.inflateRawSync(data.subarray(rawStart, rawStart + n), { finishFlush: zlib.constants.Z_SYNC_FLUSH });
      return true;
    } catch {
      return false;
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

function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? 'an object' : `${typeof v} ${preview(v)}`;
}

function preview(v: unknown): string {
  if (v === undefined) return 'nothing (missing)';
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}
