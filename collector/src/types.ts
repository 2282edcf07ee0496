/**
 * The collector's contracts: the normalized event every sink and test uses, the CloudWatch Logs
 * envelope decoders produce, and the small interfaces sources, sinks and checkpoint stores implement.
 * The pipeline owns the ack rule: a source's batch is acknowledged (and only then checkpointed or
 * deleted) after the sink reported every event of it delivered.
 */

/** Where an event came from: a kind and its position, enough to find the bytes again. */
export type EventOrigin =
  | { readonly kind: 'kinesis'; readonly stream: string; readonly shard: string; readonly sequenceNumber: string }
  | { readonly kind: 'firehose-object'; readonly bucket?: string; readonly key?: string; readonly file?: string; readonly offset: number }
  | { readonly kind: 'export-object'; readonly bucket?: string; readonly key?: string; readonly file?: string; readonly offset: number }
  | { readonly kind: 'file'; readonly file: string; readonly offset: number };

/** What a parser recognized in a message. */
export type EventType = 'vpcflow' | 'cloudtrail' | 'json';

/** One CloudWatch log event, normalized. Serialized as one JSON object per line (NDJSON). */
export interface NormalizedEvent {
  /** The CloudWatch event id; when absent, a deterministic id from origin and offset (see events.ts). */
  readonly id: string;
  /** Milliseconds since the epoch. */
  readonly timestamp: number;
  /** Account id that owns the log group. */
  readonly owner: string;
  readonly logGroup: string;
  readonly logStream: string;
  /** The message, verbatim. */
  readonly message: string;
  readonly source: EventOrigin;
  /** Set when a parser recognized the message. */
  readonly type?: EventType;
  readonly fields?: Readonly<Record<string, unknown>>;
}

/** A CloudWatch Logs subscription payload, as decoded from gzip JSON. */
export interface CloudWatchEnvelope {
  readonly messageType: 'DATA_MESSAGE' | 'CONTROL_MESSAGE';
  readonly owner: string;
  readonly logGroup: string;
  readonly logStream: string;
  readonly subscriptionFilters: readonly string[];
  readonly logEvents: readonly { readonly id?: string; readonly timestamp: number; readonly message: string }[];
}

/** Stable error codes, one per class (DESIGN principle 6). */
export const ERROR_CODES = {
  config: 'CWL_COLLECTOR_CONFIG',
  decode: 'CWL_COLLECTOR_DECODE',
  sink: 'CWL_COLLECTOR_SINK',
  source: 'CWL_COLLECTOR_SOURCE',
  checkpoint: 'CWL_COLLECTOR_CHECKPOINT',
} as const;

/**
 * Why a record could not be decoded, for programs (metrics, tests); the message says it for people.
 * - `not-gzip`: neither gzip (no 1f 8b) nor what the format accepts uncompressed; empty data;
 * - `gzip-truncated`: a gzip header, deflate stream or trailer cut short;
 * - `gzip-corrupt`: bad deflate data, an unknown compression method, a wrong CRC-32 or length;
 * - `too-large`: decompresses beyond limits.maxDecompressedBytes (a decompression bomb, in any gzip
 *   member), or plain text (a line, a JSON document) longer than that;
 * - `not-json`: bad JSON, or something other than the JSON document expected at that place;
 * - `bad-envelope`: JSON (or lines) that is not a CloudWatch Logs subscription payload;
 * - `bad-get-records`: JSON that is not `aws kinesis get-records` output;
 * - `bad-export-line`: an export-task object whose first line carries no timestamp;
 * - `unknown-format`: binary data none of the input formats describes;
 * - `unexpected-format`: a known format where another one is required;
 * - `unexpected-origin`: a record from a place its mode cannot read (another source kind, an unknown export task);
 * - `not-notification`: an SQS message body that is not an S3 event notification;
 * - `unserializable`: an event a decoder produced that cannot be serialized (off the event contract);
 *   dead-lettered on its own, the record's other events are delivered.
 * Metric label values derive from these (ops/metrics.ts).
 */
export type DecodeReason =
  | 'not-gzip'
  | 'gzip-truncated'
  | 'gzip-corrupt'
  | 'too-large'
  | 'not-json'
  | 'bad-envelope'
  | 'bad-get-records'
  | 'bad-export-line'
  | 'unknown-format'
  | 'unexpected-format'
  | 'unexpected-origin'
  | 'not-notification'
  | 'unserializable';

/** A record that cannot be decoded (bad gzip, bad JSON, not a CloudWatch payload): counted, dead-lettered, skipped. */
export class DecodeError extends Error {
  readonly code = ERROR_CODES.decode;
  constructor(
    readonly reason: DecodeReason,
    message: string,
    /** Byte offset in the input where decoding failed, when known. */
    readonly offset?: number,
  ) {
    super(message);
    this.name = 'DecodeError';
  }
}

/** A sink that could not deliver a batch after its own retries; the pipeline keeps the batch and retries. */
export class SinkError extends Error {
  readonly code = ERROR_CODES.sink;
  constructor(
    message: string,
    /** False when retrying cannot help (e.g. a 4xx other than 429 from an HTTP sink). The pipeline still never drops the batch. */
    readonly retryable = true,
  ) {
    super(message);
    this.name = 'SinkError';
  }
}

/** Delivers events to a SIEM (or a file, or stdout). */
export interface Sink {
  readonly name: string;
  /**
   * Delivers every event of the batch, splitting it into requests of the sink's batch size, retrying
   * transient failures with back-off up to the sink's attempt limit. Resolves only when every event
   * was acknowledged by the receiver (written, sent over TCP/TLS and flushed, or answered 2xx);
   * otherwise rejects with a SinkError and the caller must treat the batch as not delivered. Called
   * again with the same array (the pipeline's retry), it resumes after the requests it already
   * delivered, so an outage does not resend what the receiver accepted.
   */
  send(events: readonly NormalizedEvent[]): Promise<void>;
  /** Flushes and releases connections and files. */
  close(): Promise<void>;
}

/** Remembers how far each unit of work (a shard, a log group) got. Values are opaque strings. */
export interface CheckpointStore {
  load(key: string): Promise<string | undefined>;
  loadAll(): Promise<Readonly<Record<string, string>>>;
  /** Durable when it resolves. */
  save(key: string, value: string): Promise<void>;
  close(): Promise<void>;
}

/** A unit of input a source hands to the pipeline. */
export interface SourceBatch {
  /** Raw records (Kinesis record data, object bytes) with their origins. */
  readonly records: readonly {
    readonly data: Uint8Array;
    readonly origin: EventOrigin;
    /** When the bytes were written (e.g. the S3 object's LastModified), in ms since the epoch; the timestamp of lines that carry none. */
    readonly timestamp?: number;
  }[];
  /** Labels for metrics and logs (e.g. { shard }). */
  readonly labels: Readonly<Record<string, string>>;
  /**
   * When true and a record of the batch fails to decode, the pipeline dead-letters that record,
   * delivers the events of the others, and does NOT call ack(): the source leaves the batch to be
   * read again (an SQS message is redelivered, then moved to its queue's DLQ by the redrive policy).
   * When false or absent, an undecodable record is dead-lettered and skipped, and the batch acked.
   */
  readonly retainOnDecodeError?: boolean;
  /** Called by the pipeline after the sink delivered every event of the batch: checkpoints it. */
  ack(): Promise<void>;
}

/** Produces batches until stopped. */
export interface Source {
  /**
   * Calls `handle` with each batch, waiting for it to resolve before reading further from that unit
   * (a shard), and resolves once `signal` is aborted and every in-flight batch was handled.
   */
  run(handle: (batch: SourceBatch) => Promise<void>, signal: AbortSignal): Promise<void>;
}
