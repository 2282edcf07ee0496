/**
 * S3 objects written by Kinesis Data Firehose from a CloudWatch Logs subscription.
 *
 * What Firehose writes depends on its processors:
 * - none (the usual case): each CloudWatch record as it came, a gzip member, the members back to
 *   back with no delimiter (`zcat` prints `...}]}{"messageType":...`);
 * - Decompression: the JSON payloads back to back, with a newline between them when
 *   AppendDelimiterToRecord is on;
 * - Decompression + CloudWatchLogProcessing (message extraction): only each event's message, one
 *   per line; owner, group, stream and timestamp are gone;
 * - S3 compression on top of any of these: the whole object (or each part) gzipped again.
 *
 * decodeFirehoseObject handles any mix of gzip members and plain segments, with or without blanks
 * between documents. The first document decides the mode for the whole object: a JSON object with
 * `messageType` means payloads (every document must then be one), anything else means message lines.
 */
import { CloudWatchEnvelope, DecodeError } from '../types';
import { asBuffer, describeByte } from './bytes';
import { decodeEnvelopeAt } from './cloudwatch';
import { gunzipMember, isGzipAt, nextGzipMember } from './gzip';
import { jsonDocumentEnd, scanJsonEnd, skipBlanks, tryParseJson } from './json-scan';
import { DEFAULT_DECODE_LIMITS, tooLarge } from './limits';

/**
 * One document of a Firehose object. `offset` is the document's position in the object's content
 * stream: the object with each gzip member replaced by its decompressed bytes (what `zcat -f`
 * prints); for an uncompressed object it is the byte offset in the object. Offsets are unique and
 * increasing within an object, so they identify events (see deterministicId in events.ts).
 */
export type FirehoseItem = { readonly envelope: CloudWatchEnvelope; readonly offset: number } | { readonly line: string; readonly offset: number };

export interface FirehoseDecodeOptions {
  /**
   * Accept objects of extracted message lines. When false, content that is not a CloudWatch Logs
   * payload is a DecodeError.
   * @default true
   */
  readonly allowRawLines?: boolean;
  /**
   * Bytes each gzip member may decompress to, and the longest plain JSON document or line
   * (`too-large` beyond). Members are inflated one at a time and the object is never held whole
   * decompressed, so the cap bounds memory per member.
   * @default the config schema's limits.maxDecompressedBytes
   */
  readonly maxDecompressedBytes?: number;
}

type Mode = 'unknown' | 'envelopes' | 'lines';

/**
 * Yields the payloads (or message lines) of a Firehose object in order. Throws a DecodeError at the
 * first bad byte (offset in `data`; for bad content inside a gzip member, the member's offset),
 * after yielding everything before it.
 */
export function* decodeFirehoseObject(data: Uint8Array, options: FirehoseDecodeOptions = {}): Generator<FirehoseItem> {
  const allowRawLines = options.allowRawLines ?? true;
  const maxBytes = options.maxDecompressedBytes ?? DEFAULT_DECODE_LIMITS.maxDecompressedBytes;
  const state = { mode: 'unknown' as Mode };
  let pos = 0;
  let streamOffset = 0;
  const len = data.length;
  while (pos < len) {
    const start = skipBlanks(data, pos, len);
    streamOffset += start - pos;
    pos = start;
    if (pos >= len) break;
    if (isGzipAt(data, pos)) {
      const member = gunzipMember(data, pos, maxBytes);
      yield* decodeContent(member.content, 0, member.content.length, streamOffset, pos, undefined, state, allowRawLines, maxBytes);
      streamOffset += member.content.length;
      pos = member.end;
    } else {
      // A plain segment runs up to the next gzip member.
      let end = nextGzipMember(data, pos);
      if (end === -1) end = len;
      yield* decodeContent(data, pos, end, streamOffset, undefined, pos, state, allowRawLines, maxBytes);
      streamOffset += end - pos;
      pos = end;
    }
  }
}

/**
 * Decodes `buf[start, end)`: the content of the gzip member at `memberOffset`, or a plain segment
 * found at `rawOffset` of the object. `streamBase` is the stream offset of `buf[start]`.
 */
function* decodeContent(
  buf: Uint8Array,
  start: number,
  end: number,
  streamBase: number,
  memberOffset: number | undefined,
  rawOffset: number | undefined,
  state: { mode: Mode },
  allowRawLines: boolean,
  maxBytes: number,
): Generator<FirehoseItem> {
  const errorOffset = (i: number) => (memberOffset !== undefined ? memberOffset : (rawOffset as number) + (i - start));
  const where = (i: number) => (memberOffset !== undefined ? ` at byte ${i} of the gzip member's decompressed data` : '');
  let i = skipBlanks(buf, start, end);
  if (i >= end) return;
  if (state.mode === 'unknown') state.mode = looksLikeEnvelope(buf, i, end, maxBytes) ? 'envelopes' : 'lines';
  if (state.mode === 'lines' && !allowRawLines) {
    throw new DecodeError('bad-envelope', `not a CloudWatch Logs payload${where(i)}: starts with ${describeByte(buf[i])}`, errorOffset(i));
  }

  if (state.mode === 'lines') {
    const text = asBuffer(buf);
    let s = start;
    while (s < end) {
      let nl = text.indexOf(0x0a, s);
      if (nl === -1 || nl >= end) nl = end;
      // CRLF line ends lose the CR too, as in the `lines` object format.
      const lineEnd = nl > s && text[nl - 1] === 0x0d ? nl - 1 : nl;
      if (lineEnd - s > maxBytes) throw tooLarge(`the line at byte ${streamBase + (s - start)}`, lineEnd - s, maxBytes, errorOffset(s));
      if (lineEnd > s) yield { line: text.toString('utf8', s, lineEnd), offset: streamBase + (s - start) };
      s = nl + 1;
    }
    return;
  }

  while (i < end) {
    if (buf[i] !== 0x7b) {
      throw new DecodeError('not-json', `expected a CloudWatch Logs JSON payload${where(i)}, found ${describeByte(buf[i])}`, errorOffset(i));
    }
    const docEnd = jsonDocumentEnd(buf, i, end);
    if (docEnd - i > maxBytes) throw tooLarge(`the JSON document at byte ${streamBase + (i - start)}`, docEnd - i, maxBytes, errorOffset(i));
    const envelope = decodeEnvelopeAt(buf, i, docEnd, memberOffset, errorOffset(i));
    yield { envelope, offset: streamBase + (i - start) };
    i = skipBlanks(buf, docEnd, end);
  }
}

/** Whether the document at `i` is a JSON object with a `messageType` key (a subscription payload). */
function looksLikeEnvelope(buf: Uint8Array, i: number, end: number, maxBytes: number): boolean {
  if (buf[i] !== 0x7b) return false;
  const docEnd = scanJsonEnd(buf, i, end);
  // Truncated, bad or oversized JSON: decide on the bytes we have, so the error names the problem, not the mode.
  const json = docEnd === -1 || docEnd - i > maxBytes ? undefined : tryParseJson(asBuffer(buf).toString('utf8', i, docEnd));
  if (json === undefined)
    return asBuffer(buf)
      .subarray(i, Math.min(docEnd === -1 ? end : docEnd, i + 4096))
      .includes('"messageType"');
  return typeof json === 'object' && json !== null && !Array.isArray(json) && 'messageType' in json;
}
