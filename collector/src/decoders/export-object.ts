/**
 * Objects written by a CloudWatch Logs export task (CreateExportTask):
 * `<prefix>/<taskId>/<logStream>/000000.gz`, gzip of lines `<ISO-8601 timestamp, ms, Z> <message>`.
 * A message holding newlines is written as is, so a line that does not start with a timestamp
 * continues the previous message. (A continuation line that itself starts with such a timestamp
 * cannot be told from a new event; the format is ambiguous there.)
 */
import { DecodeError } from '../types';
import { gunzipIfGzipped } from './gzip';

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

/**
 * Decodes an export-task object (gzip, or already decompressed). Throws a DecodeError for bad gzip
 * or when the first line carries no timestamp (nothing for it to continue).
 */
export function decodeExportObject(data: Uint8Array): ExportLine[] {
  const text = gunzipIfGzipped(data);

  const out: ExportLine[] = [];
  let timestamp = 0;
  let message = '';
  let offset = -1;
  let lineNo = 0;
  let s = 0;
  const len = text.length;
  while (s < len) {
    let nl = text.indexOf(0x0a, s);
    if (nl === -1) nl = len;
    const line = text.toString('utf8', s, nl);
    lineNo++;
    const m = STAMP.exec(line);
    const ts = m ? Date.parse(m[1]) : NaN;
    if (m && !Number.isNaN(ts)) {
      if (offset >= 0) out.push({ timestamp, message, offset });
      timestamp = ts;
      message = line.length > m[1].length ? line.slice(m[1].length + 1) : '';
      offset = s;
    } else if (offset >= 0) {
      message += `\n${line}`;
    } else {
      throw new DecodeError('bad-export-line', `line ${lineNo} does not start with an ISO-8601 timestamp (expected "2024-01-01T00:00:00.000Z message")`, s);
    }
    s = nl + 1;
  }
  if (offset >= 0) out.push({ timestamp, message, offset });
  return out;
}
