/**
 * The event model below the decoders: turning decoded payloads into NormalizedEvents (one per
 * DATA_MESSAGE log event, none for a CONTROL_MESSAGE; a line from an export task or Firehose
 * message extraction becomes one event), the deterministic ids of events CloudWatch gave none, and
 * the escape-free marks that let serialize.ts skip per-string escape checks. Decoders import this
 * module; it imports no decoder.
 */
import * as crypto from 'node:crypto';
import type { MessageParser, VpcFlowFormat } from './parsers';
import { CloudWatchEnvelope, EventOrigin, EventType, NormalizedEvent } from './types';

/** Called for an event whose message its log group's parser could not parse (e.g. a VPC line not in the group's format). */
export type UnparsedHandler = (parser: EventType, event: NormalizedEvent) => void;

/**
 * The events of one payload, in order. Ids are CloudWatch's, else deterministic from `origin` and
 * the event's index in logEvents (see deterministicId).
 */
export function envelopeToEvents(envelope: CloudWatchEnvelope, origin: EventOrigin, parser: MessageParser, onUnparsed?: UnparsedHandler): NormalizedEvent[] {
  if (envelope.messageType === 'CONTROL_MESSAGE') return [];
  const { owner, logGroup, logStream, logEvents } = envelope;
  const clean = isEnvelopeEscapeFree(envelope);
  const expected = onUnparsed ? parser.expectedType(logGroup) : undefined;
  // The hot path: a flow log group's messages go straight to its first format.
  const vpc = parser.vpcFormats(logGroup)?.[0];
  const out: NormalizedEvent[] = new Array(logEvents.length);
  for (let i = 0; i < logEvents.length; i++) {
    const e = logEvents[i];
    const message = e.message;
    const id = typeof e.id === 'string' && e.id !== '' ? e.id : deterministicId(origin, i);
    out[i] = buildEvent(id, e.timestamp, owner, logGroup, logStream, message, origin, clean, parser, vpc, expected, onUnparsed);
  }
  return out;
}

/** One event: the group's first VPC format tried first (the hot path), then the parser's checks; an unexpected type reported. */
function buildEvent(
  id: string,
  timestamp: number,
  owner: string,
  logGroup: string,
  logStream: string,
  message: string,
  origin: EventOrigin,
  clean: boolean,
  parser: MessageParser,
  vpc: VpcFlowFormat | undefined,
  expected: EventType | undefined,
  onUnparsed: UnparsedHandler | undefined,
): DecodedEvent {
  const record = vpc?.parse(message);
  if (record !== undefined) return new DecodedEvent(id, timestamp, owner, logGroup, logStream, message, origin, 'vpcflow', record, clean);
  const parsed = parser.parse(message, logGroup);
  const ev = new DecodedEvent(id, timestamp, owner, logGroup, logStream, message, origin, parsed?.type, parsed?.fields, clean);
  if (expected !== undefined && parsed?.type !== expected) onUnparsed!(expected, ev);
  return ev;
}

/** A message that arrived without its CloudWatch envelope. */
export interface RawLine {
  readonly message: string;
  /** Milliseconds since the epoch: the line's own timestamp, else when it was delivered (e.g. the S3 object's time). */
  readonly timestamp: number;
  /** CloudWatch's id, when known. @default a deterministic id from the origin */
  readonly id?: string;
}

/** What is known about where raw lines came from; unknown parts are empty strings. */
export interface LineContext {
  readonly owner?: string;
  readonly logGroup?: string;
  readonly logStream?: string;
}

/**
 * One event from a line. `origin` should locate the line itself (its offset), so the deterministic
 * id (index 0) tells lines apart.
 */
export function lineToEvent(line: RawLine, context: LineContext, origin: EventOrigin, parser: MessageParser, onUnparsed?: UnparsedHandler): NormalizedEvent {
  const logGroup = context.logGroup ?? '';
  const owner = context.owner ?? '';
  const logStream = context.logStream ?? '';
  const message = line.message;
  const id = line.id !== undefined && line.id !== '' ? line.id : deterministicId(origin, 0);
  // Strings without quotes, backslashes or control characters need no JSON escaping (serialize.ts).
  const clean =
    !NEEDS_ESCAPE.test(message) && !NEEDS_ESCAPE.test(logGroup) && !NEEDS_ESCAPE.test(logStream) && !NEEDS_ESCAPE.test(owner) && !NEEDS_ESCAPE.test(id);
  return buildEvent(
    id,
    line.timestamp,
    owner,
    logGroup,
    logStream,
    message,
    origin,
    clean,
    parser,
    parser.vpcFormats(logGroup)?.[0],
    onUnparsed ? parser.expectedType(logGroup) : undefined,
    onUnparsed,
  );
}

// Surrogates too: JSON.stringify escapes a lone one (a string from the config could hold one); pairs merely take the slow path.
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/**
 * Events built here are instances of this class: same own properties, in the serialized key order,
 * plus an invisible mark that every string came from escape-free JSON, which lets serialize.ts
 * skip per-string escape checks.
 */
class DecodedEvent implements NormalizedEvent {
  readonly id: string;
  readonly timestamp: number;
  readonly owner: string;
  readonly logGroup: string;
  readonly logStream: string;
  readonly message: string;
  readonly source: EventOrigin;
  readonly type?: EventType;
  readonly fields?: Readonly<Record<string, unknown>>;
  readonly #escapeFree: boolean;

  constructor(
    id: string,
    timestamp: number,
    owner: string,
    logGroup: string,
    logStream: string,
    message: string,
    source: EventOrigin,
    type: EventType | undefined,
    fields: Readonly<Record<string, unknown>> | undefined,
    escapeFree: boolean,
  ) {
    this.id = id;
    this.timestamp = timestamp;
    this.owner = owner;
    this.logGroup = logGroup;
    this.logStream = logStream;
    this.message = message;
    this.source = source;
    this.type = type;
    this.fields = fields;
    this.#escapeFree = escapeFree;
  }

  static escapeFree(e: NormalizedEvent): boolean {
    return #escapeFree in e && (e as DecodedEvent).#escapeFree;
  }

  static built(e: NormalizedEvent): boolean {
    return #escapeFree in e;
  }
}

/**
 * True when `e` was built here (by envelopeToEvents or lineToEvent): its strings are strings (the
 * envelope's shape was checked, line contexts are strings), its timestamp a number, its origin the
 * decoder's, and its fields a parser's.
 */
export function isBuiltEvent(e: NormalizedEvent): boolean {
  return DecodedEvent.built(e);
}

/**
 * True when `e` was built from an escape-free payload: its id, owner, logGroup, logStream and
 * message need no JSON escaping.
 */
export function isEscapeFree(e: NormalizedEvent): boolean {
  return DecodedEvent.escapeFree(e);
}

const escapeFreeEnvelopes = new WeakSet<object>();

/**
 * Records that every string of `envelope` came from JSON text without a single backslash, so none
 * holds a quote, backslash, control character or lone surrogate and each serializes as `"` + s + `"`.
 * Decoders call it; envelopeToEvents passes the mark on to the events it builds.
 */
export function markEnvelopeEscapeFree(envelope: CloudWatchEnvelope): void {
  escapeFreeEnvelopes.add(envelope);
}

/** Whether markEnvelopeEscapeFree was called for this envelope. */
export function isEnvelopeEscapeFree(envelope: CloudWatchEnvelope): boolean {
  return escapeFreeEnvelopes.has(envelope);
}

/*
 * Deterministic event ids, for events CloudWatch gave none (export-task lines, lines Firehose
 * extracted, envelopes whose events lack `id`). Reading the same bytes from the same place again
 * yields the same ids, so a SIEM can drop the duplicates that at-least-once delivery produces.
 *
 * id = the first 32 hex characters (128 bits) of SHA-256 over the UTF-8 bytes of
 * `JSON.stringify([...originParts(origin), index])`, where originParts is
 *
 * | origin.kind       | parts                                                          |
 * |-------------------|----------------------------------------------------------------|
 * | `kinesis`         | `"kinesis", stream, shard, sequenceNumber`                     |
 * | `firehose-object` | `"firehose-object", bucket ?? "", key ?? "", file ?? "", offset` |
 * | `export-object`   | `"export-object", bucket ?? "", key ?? "", file ?? "", offset`   |
 * | `file`            | `"file", file, offset`                                         |
 *
 * and `index` is the event's position in its envelope's logEvents (0 for a line, whose origin
 * offset already tells it apart). Example: origin `{ kind: 'file', file: 'a.gz', offset: 0 }`,
 * index 2 hashes the string `["file","a.gz",0,2]`.
 */

/** The parts of an origin that enter the id, in order (see the table above). */
export function originParts(origin: EventOrigin): (string | number)[] {
  switch (origin.kind) {
    case 'kinesis':
      return ['kinesis', origin.stream, origin.shard, origin.sequenceNumber];
    case 'firehose-object':
    case 'export-object':
      return [origin.kind, origin.bucket ?? '', origin.key ?? '', origin.file ?? '', origin.offset];
    case 'file':
      return ['file', origin.file, origin.offset];
  }
}

/** The exact string that is hashed for the event at `index` of `origin`. */
export function idInput(origin: EventOrigin, index: number): string {
  const parts = originParts(origin);
  parts.push(index);
  return JSON.stringify(parts);
}

type OneShotHash = (algorithm: string, data: string, encoding: 'hex') => string;
// crypto.hash (Node >= 20.12) avoids a Hash object per id.
const oneShot: OneShotHash | undefined = (crypto as unknown as { hash?: OneShotHash }).hash;

/** The deterministic id of the event at `index` of `origin` (see the table above). */
export function deterministicId(origin: EventOrigin, index: number): string {
  const input = idInput(origin, index);
  const hex = oneShot ? oneShot('sha256', input, 'hex') : crypto.createHash('sha256').update(input).digest('hex');
  return hex.slice(0, 32);
}
