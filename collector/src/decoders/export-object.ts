/**
 * Objects written by a CloudWatch Logs export task (CreateExportTask):
 * `<prefix>/<taskId>/<logStream>/000000.gz`, gzip of lines `<ISO-8601 timestamp, ms, Z> <message>`.
 * A message holding newlines is written as is, so a line that does not start with a timestamp
 * continues the previous message. (A continuation line that itself starts with such a timestamp
 * cannot be told from a new event; the format is ambiguous there.)
 */
import { DecodeError } from '../types';
import { gunzipIfGzipped } from './gzip';
import { DEFAULT_DECODE_LIMITS, tooLarge } from './limits';

/** One exported event. */
export interface ExportLine {
  /** Milliseconds since the epoch, from the line's timestamp. */
  readonly timestamp: number;
  /** The message; continuation lines joined with `\n`. */
  readonly message: string;
  /** Byte offset of the event's first line in the decompressed object. */
  readonly offset: number;
}

const STAMP = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?Z)(?: |$)/;

/** Every event of an export-task object (see exportObjectLines), in an array. */
export function decodeExportObject(data: Uint8Array, maxBytes: number = DEFAULT_DECODE_LIMITS.maxDecompressedBytes): ExportLine[] {
  return [...exportObjectLines(data, maxBytes)];
}

/**
 * The events of an export-task object (gzip, or already decompressed), one at a time. Throws a
 * DecodeError for bad gzip, when the first line carries no timestamp (nothing for it to continue),
 * and (`too-large`) when the object decompresses to more than `maxBytes` or, uncompressed, holds an
 * event longer than that.
 */
export function* exportObjectLines(data: Uint8Array, maxBytes: number = DEFAULT_DECODE_LIMITS.maxDecompressedBytes): Generator<ExportLine> {
  const text = gunzipIfGzipped(data, maxBytes);

  let timestamp = 0;
  let message = '';
  let offset = -1;
  let lineNo = 0;
  let s = 0;
  const len = text.length;
  while (s < len) {
    let nl = text.indexOf(0x0a, s);
    if (nl === -1) nl = len;
    // Only an uncompressed object can hold more than the cap (gzip stopped at it).
    if (nl - s > maxBytes) throw tooLarge(`line ${lineNo + 1}`, nl - s, maxBytes, s);
    const line = text.toString('utf8', s, nl);
    lineNo++;
    const m = STAMP.exec(line);
    const ts = m ? Date.parse(m[1]) : NaN;
    if (m && !Number.isNaN(ts)) {
      if (offset >= 0) yield { timestamp, message, offset };
      timestamp = ts;
      message = line.length > m[1].length ? line.slice(m[1].length + 1) : '';
      offset = s;
    } else if (offset >= 0) {
      if (nl - offset > maxBytes) throw tooLarge(`the event at byte ${offset}`, nl - offset, maxBytes, offset);
      message += `\n${line}`;
    } else {
      throw new DecodeError('bad-export-line', `line ${lineNo} does not start with an ISO-8601 timestamp (expected "2024-01-01T00:00:00.000Z message")`, s);
    }
    s = nl + 1;
  }
  if (offset >= 0) yield { timestamp, message, offset };
}
