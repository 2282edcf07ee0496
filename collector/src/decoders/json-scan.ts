/**
 * Finding and parsing JSON documents in bytes: where a document ends (documents back to back, as
 * Firehose and a get-records loop write them), JSON.parse with a DecodeError that locates the first
 * bad byte, and the byte tests the escape-free fast path relies on. The scanner tracks only nesting
 * and strings; JSON.parse checks everything else.
 *
 * Offsets: a DecodeError's `offset` is a byte offset in the bytes the caller passed in; for JSON
 * inside decompressed data, the caller passes the gzip member's offset (`memberOffset`) and the
 * message gives the position in the decompressed data.
 */
import { DecodeError } from '../types';
import { asBuffer } from './bytes';

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
    if (memberOffset === undefined) throw new DecodeError('not-json', `bad JSON: ${bad.what}`, at);
    throw new DecodeError('not-json', `bad JSON at byte ${at} of the decompressed data: ${bad.what}`, memberOffset);
  }
}

/**
 * Where the JSON object or array starting at `start` ends, among documents back to back in
 * `data[start, end)`: scanJsonEnd, or `end` when the document does not close before it (then
 * parseJsonAt of that range fails and names the first bad byte, or the end).
 */
export function jsonDocumentEnd(data: Uint8Array, start: number, end: number): number {
  const docEnd = scanJsonEnd(data, start, end);
  return docEnd === -1 ? end : docEnd;
}

/** JSON.parse of `text`, or undefined when it is not JSON: for sniffing, where a failure is an answer, not an error. */
export function tryParseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
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
