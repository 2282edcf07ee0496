/** Telling the input formats apart by content, for `auto` (the decode command, S3 objects of unknown origin). */
import { DecodeError } from '../types';
import { asBuffer } from './bytes';
import { gunzipMember, isGzipAt } from './gzip';
import { scanJsonEnd, skipBlanks, tryParseJson } from './json-scan';
import { DEFAULT_DECODE_LIMITS } from './limits';

/** The inputs the decoders understand. */
export type InputFormat = 'kinesis-record' | 'get-records' | 'firehose-object' | 'export-object';

const STAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?Z(?: |\n|\r|$)/;

/**
 * Tells what `data` is from its content:
 * - one gzip member holding one JSON object → `kinesis-record` (plain JSON with `messageType`, too);
 * - several gzip members, or several JSON documents, or lines that are not JSON → `firehose-object`;
 * - lines starting with an ISO-8601 timestamp (gzipped or not) → `export-object`;
 * - JSON with a `Records` array → `get-records`.
 * `fileName` only breaks ties: an empty `NNNNNN.gz` is an `export-object`. Empty input is a
 * `firehose-object` (it holds nothing). Throws a DecodeError for binary data that is none of these,
 * and for a first gzip member that decompresses to more than `maxBytes` (`too-large`).
 */
export function sniffFormat(data: Uint8Array, fileName?: string, maxBytes: number = DEFAULT_DECODE_LIMITS.maxDecompressedBytes): InputFormat {
  let content: Uint8Array = data;
  let moreMembers = false;
  if (isGzipAt(data)) {
    const first = gunzipMember(data, 0, maxBytes);
    content = first.content;
    moreMembers = skipBlanks(data, first.end, data.length) < data.length;
  }
  const i = skipBlanks(content, 0, content.length);
  if (i >= content.length) {
    return fileName !== undefined && /(^|[\\/])\d{6}\.gz$/.test(fileName) ? 'export-object' : 'firehose-object';
  }
  if (content[i] === 0x7b) {
    const end = scanJsonEnd(content, i);
    const headEnd = Math.min(end === -1 ? content.length : end, i + (1 << 20));
    const head = asBuffer(content).toString('utf8', i, headEnd);
    const doc = end === -1 ? undefined : tryParseJson(head);
    const keys = typeof doc === 'object' && doc !== null ? doc : undefined;
    if (keys ? Array.isArray((keys as { Records?: unknown }).Records) : /^\{\s*"Records"\s*:/.test(head)) return 'get-records';
    if (keys ? !('messageType' in keys) : !head.includes('"messageType"')) return 'firehose-object';
    const single = !moreMembers && end !== -1 && skipBlanks(content, end, content.length) >= content.length;
    return single ? 'kinesis-record' : 'firehose-object';
  }
  const firstLine = asBuffer(content).toString('latin1', i, Math.min(content.length, i + 64));
  if (STAMP.test(firstLine)) return 'export-object';
  if (looksLikeText(content, i)) return 'firehose-object';
  throw new DecodeError('unknown-format', 'cannot tell the input format: not gzip, JSON, get-records output, export-task lines or text lines', i);
}

/** No NUL or other C0 control bytes (tab, CR, LF aside) in the first KiB. */
function looksLikeText(data: Uint8Array, start: number): boolean {
  const end = Math.min(data.length, start + 1024);
  for (let i = start; i < end; i++) {
    const c = data[i];
    if (c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) return false;
  }
  return true;
}
