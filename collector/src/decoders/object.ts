/**
 * Events of one S3 object, whatever wrote it: Firehose (CloudWatch payloads as gzip members and/or
 * JSON back to back, or extracted message lines), a CloudWatch Logs export task (`<ISO time>
 * <message>` lines), or any gzip/plain text lines. Used by the SQS mode (objects announced by
 * notifications) and the export mode (the objects of an export task).
 */
import { envelopeToEvents, LineContext, lineToEvent, UnparsedHandler } from '../events';
import type { MessageParser } from '../parsers';
import { DecodeError, EventOrigin, NormalizedEvent } from '../types';
import { exportObjectLines } from './export-object';
import { decodeFirehoseObject } from './firehose-object';
import { gunzipIfGzipped } from './gzip';
import { DEFAULT_DECODE_LIMITS, tooLarge } from './limits';
import { sniffFormat } from './sniff';

/** How to read an object: decided from its content (`auto`), or fixed. */
export type ObjectFormat = 'auto' | 'firehose-object' | 'export-object' | 'lines';

export interface ObjectDecodeOptions {
  readonly format: ObjectFormat;
  readonly parser: MessageParser;
  /** Group, stream and owner for lines (events without an envelope). Export objects name their stream in the key. */
  readonly context?: LineContext;
  /** Milliseconds since the epoch given to lines without their own timestamp (the object's LastModified). */
  readonly timestamp?: number;
  readonly onUnparsed?: UnparsedHandler;
  /** Called for each CONTROL_MESSAGE payload (dropped). */
  readonly onControlMessage?: () => void;
  /**
   * The cap on decompressed bytes (see DecodeLimits): per gzip member of a Firehose object, for the
   * whole of an export-task or lines object, and for its first member when `auto` sniffs it.
   * @default the config schema's limits.maxDecompressedBytes
   */
  readonly maxDecompressedBytes?: number;
}

/** The object's location: events' origins carry it with the offset of each payload or line. */
export interface ObjectLocation {
  readonly kind: 'firehose-object' | 'export-object';
  readonly bucket?: string;
  readonly key?: string;
  readonly file?: string;
}

/**
 * The log stream an export-task object belongs to, from its key `<prefix>/<taskId>/<stream>/NNNNNN.gz`
 * (the segment before the file name). A stream name may itself hold `/`, so `taskId` (when known)
 * anchors the start.
 */
export function exportKeyStream(key: string, taskId?: string): string | undefined {
  const parts = key.split('/');
  if (parts.length < 3) return undefined;
  if (taskId !== undefined) {
    const i = parts.indexOf(taskId);
    if (i >= 0 && i < parts.length - 2) return parts.slice(i + 1, -1).join('/');
  }
  return parts[parts.length - 2];
}

/** Decodes one object into events. Throws a DecodeError for content none of the formats accept, or beyond the cap. */
export function decodeObject(data: Uint8Array, location: ObjectLocation, o: ObjectDecodeOptions): NormalizedEvent[] {
  const events: NormalizedEvent[] = [];
  for (const chunk of decodeObjectChunks(data, location, o)) for (const e of chunk) events.push(e);
  return events;
}

/** Lines turned into events per chunk. */
const LINE_CHUNK = 1000;

/**
 * The events of one object in chunks (one per CloudWatch payload, or per LINE_CHUNK lines), decoded
 * lazily: a consumer that delivers each chunk before asking for the next never holds the whole
 * object's events. A DecodeError is thrown when iteration reaches the bad bytes, after the chunks
 * before them.
 */
export function* decodeObjectChunks(data: Uint8Array, location: ObjectLocation, o: ObjectDecodeOptions): Generator<NormalizedEvent[]> {
  const maxBytes = o.maxDecompressedBytes ?? DEFAULT_DECODE_LIMITS.maxDecompressedBytes;
  const format = o.format === 'auto' ? autoFormat(data, location.key ?? location.file, maxBytes) : o.format;
  const at = (kind: 'firehose-object' | 'export-object', offset: number): EventOrigin => ({
    kind,
    bucket: location.bucket,
    key: location.key,
    file: location.file,
    offset,
  });
  const timestamp = o.timestamp ?? 0;
  let lines: NormalizedEvent[] = [];
  switch (format) {
    case 'firehose-object':
      for (const item of decodeFirehoseObject(data, { maxDecompressedBytes: maxBytes })) {
        if ('envelope' in item) {
          if (item.envelope.messageType === 'CONTROL_MESSAGE') o.onControlMessage?.();
          const events = envelopeToEvents(item.envelope, at('firehose-object', item.offset), o.parser, o.onUnparsed);
          if (events.length) yield events;
        } else {
          lines.push(lineToEvent({ message: item.line, timestamp }, o.context ?? {}, at('firehose-object', item.offset), o.parser, o.onUnparsed));
          if (lines.length >= LINE_CHUNK) {
            yield lines;
            lines = [];
          }
        }
      }
      break;
    case 'export-object': {
      const stream = o.context?.logStream ?? (location.key !== undefined ? exportKeyStream(location.key) : undefined);
      const context = { ...o.context, logStream: stream };
      for (const line of exportObjectLines(data, maxBytes)) {
        lines.push(lineToEvent(line, context, at('export-object', line.offset), o.parser, o.onUnparsed));
        if (lines.length >= LINE_CHUNK) {
          yield lines;
          lines = [];
        }
      }
      break;
    }
    case 'lines': {
      const text = gunzipIfGzipped(data, maxBytes);
      let s = 0;
      while (s < text.length) {
        let nl = text.indexOf(0x0a, s);
        if (nl === -1) nl = text.length;
        let end = nl;
        if (end > s && text[end - 1] === 0x0d) end--;
        if (end - s > maxBytes) throw tooLarge(`the line at byte ${s}`, end - s, maxBytes, s);
        if (end > s)
          lines.push(lineToEvent({ message: text.toString('utf8', s, end), timestamp }, o.context ?? {}, at(location.kind, s), o.parser, o.onUnparsed));
        if (lines.length >= LINE_CHUNK) {
          yield lines;
          lines = [];
        }
        s = nl + 1;
      }
      break;
    }
  }
  if (lines.length) yield lines;
}

function autoFormat(data: Uint8Array, name: string | undefined, maxBytes: number): Exclude<ObjectFormat, 'auto'> {
  const sniffed = sniffFormat(data, name, maxBytes);
  switch (sniffed) {
    case 'export-object':
      return 'export-object';
    case 'firehose-object':
    case 'kinesis-record':
      // A single payload is a Firehose object with one member.
      return 'firehose-object';
    case 'get-records':
      throw new DecodeError('unexpected-format', 'holds `aws kinesis get-records` output, not an S3 object written by Firehose or an export task', 0);
  }
}
