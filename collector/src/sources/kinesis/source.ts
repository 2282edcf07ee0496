import {
  GetRecordsCommand,
  GetRecordsCommandOutput,
  GetShardIteratorCommand,
  GetShardIteratorCommandInput,
  KinesisClient,
  ListShardsCommand,
  ListShardsCommandInput,
  Shard,
  _Record,
} from '@aws-sdk/client-kinesis';
import { abortableSleep } from '../ops/sleep';
import { Logger } from '../ops/log';
import { CollectorMetrics } from '../ops/metrics';
import { CheckpointStore, ERROR_CODES, Source, SourceBatch } from '../types';

/** Where a shard without a checkpoint starts reading. */
export type KinesisStartPosition =
  | { readonly type: 'TRIM_HORIZON' }
  | { readonly type: 'LATEST' }
  | { readonly type: 'AT_TIMESTAMP'; readonly timestamp: Date };

/** Per-shard pacing, polling and retry settings. */
export interface KinesisSourceLimits {
  /** Records asked for per GetRecords call (1–10000). @default 10000 */
  readonly maxRecordsPerCall: number;
  /** Wait after a GetRecords call that returned nothing while the shard is caught up. @default 1000 */
  readonly pollIntervalMs: number;
  /** How often ListShards runs to find new shards (a shard reaching its end also triggers it). @default 60000 */
  readonly shardDiscoveryIntervalMs: number;
  /** GetRecords calls per second per shard (Kinesis allows 5, shared by every consumer of the shard). @default 5 */
  readonly getRecordsPerSecond: number;
  /** Bytes read per second per shard; calls are spaced by the bytes the previous one returned (Kinesis allows 2 MB/s). @default 2000000 */
  readonly bytesPerSecond: number;
  /** Base of the exponential back-off with full jitter after throttling, errors and failed batches. @default 100 */
  readonly backoffBaseMs: number;
  /** Cap of that back-off. @default 10000 */
  readonly backoffMaxMs: number;
}

export interface KinesisSourceOptions {
  readonly client: KinesisClient;
  /** The stream's name; give this or `streamArn`. */
  readonly streamName?: string;
  /** The stream's ARN; give this or `streamName`. */
  readonly streamArn?: string;
  /** Holds one key per shard (see `kinesisCheckpointKey`): the last acknowledged sequence number, or SHARD_END. */
  readonly checkpoints: CheckpointStore;
  /**
   * Where a shard without a checkpoint starts. A shard whose parent this collector has read (the
   * parent has a checkpoint) always starts at TRIM_HORIZON, so nothing written after a split or
   * merge is missed. With LATEST, closed shards that were never read are skipped.
   */
  readonly startPosition: KinesisStartPosition;
  readonly limits?: Partial<KinesisSourceLimits>;
  readonly logger: Logger;
  readonly metrics: CollectorMetrics;
  /** Milliseconds since the epoch, for tests. @default Date.now */
  readonly clock?: () => number;
  /** Waits `ms`, resolving early (never rejecting) when `signal` aborts; for tests. @default timers */
  readonly sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  /** Uniform in [0, 1), for the back-off jitter; for tests. @default Math.random */
  readonly random?: () => number;
}

/** The checkpoint value of a shard that was read to its end and every batch of it acknowledged. */
export const SHARD_END = 'SHARD_END';

/** The checkpoint key of a shard. */
export function kinesisCheckpointKey(stream: string, shardId: string): string {
  return `kinesis/${stream}/${shardId}`;
}

/** A Kinesis error retrying cannot fix (the stream does not exist, access denied, a checkpoint from another stream). */
export class KinesisSourceError extends Error {
  readonly code = ERROR_CODES.source;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'KinesisSourceError';
  }
}

export const KINESIS_DEFAULT_LIMITS: KinesisSourceLimits = {
  maxRecordsPerCall: 10000,
  pollIntervalMs: 1000,
  shardDiscoveryIntervalMs: 60000,
  getRecordsPerSecond: 5,
  bytesPerSecond: 2_000_000,
  backoffBaseMs: 100,
  backoffMaxMs: 10000,
};

type Position =
  | { readonly type: 'TRIM_HORIZON' }
  | { readonly type: 'LATEST' }
  | { readonly type: 'AT_TIMESTAMP'; readonly timestamp: Date }
  | { readonly type: 'AFTER_SEQUENCE_NUMBER'; readonly sequenceNumber: string };

type ErrorClass = 'expired' | 'throttled' | 'transient' | 'fatal';

const THROTTLING = new Set([
  'ProvisionedThroughputExceededException',
  'LimitExceededException',
  'KMSThrottlingException',
  'ThrottlingException',
  'Throttling',
  'TooManyRequestsException',
  'RequestLimitExceeded',
]);
const TRANSIENT_CLIENT_ERRORS = new Set([
  'ExpiredTokenException',
  'ExpiredNextTokenException',
  'ResourceInUseException',
  'RequestTimeout',
  'RequestTimeoutException',
  'IDPCommunicationError',
]);
const FATAL = new Set([
  'ResourceNotFoundException',
  'AccessDeniedException',
  'KMSAccessDeniedException',
  'KMSDisabledException',
  'KMSInvalidStateException',
  'KMSNotFoundException',
  'KMSOptInRequired',
  'InvalidArgumentException',
  'ValidationException',
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'IncompleteSignature',
  'MissingAuthenticationToken',
  'InvalidClientTokenId',
]);

/**
 * Reads a Kinesis data stream: one reader per shard, children only after their parents were read to
 * the end and acknowledged, each batch checkpointed (per shard, in the CheckpointStore) only when the
 * pipeline acknowledges it, so every record is delivered at least once and, per shard, in order.
 *
 * - Discovery: ListShards (all pages) at start, every `shardDiscoveryIntervalMs`, and whenever a
 *   shard reaches its end. Shards whose checkpoint is SHARD_END are not read again. A parent that is
 *   no longer listed (expired) counts as finished.
 * - A shard with a checkpoint resumes AFTER_SEQUENCE_NUMBER; see `startPosition` for the others.
 * - Per shard: at most `getRecordsPerSecond` calls, spaced further by bytes read (`bytesPerSecond`);
 *   `MillisBehindLatest` is exported as `shardLagMs{stream,shard}`; an empty, caught-up call waits
 *   `pollIntervalMs`.
 * - Throttling and transient errors back off (exponential, full jitter) and count
 *   `retries{component="kinesis"}`; an expired iterator is re-acquired from the last checkpoint (or
 *   the shard's start position); errors retrying cannot fix reject `run` with a KinesisSourceError.
 * - `handle` must acknowledge the batch (`batch.ack()`) before it resolves. A batch whose `handle`
 *   rejects, or resolves without acknowledging, is handed again after a back-off: never skipped.
 *   The shard's reader waits for that before reading on, so each shard has at most one batch in flight.
 * - Counts `bytesIn{source="kinesis"}` (record data bytes, once per read).
 */
export class KinesisSource implements Source {
  readonly streamName: string;
  private readonly limits: KinesisSourceLimits;
  private readonly clock: () => number;
  private readonly sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  private readonly random: () => number;
  private readonly log: Logger;
  private running = false;

  constructor(private readonly o: KinesisSourceOptions) {
    const problems: string[] = [];
    if (!o.streamName === !o.streamArn) problems.push(`give exactly one of streamName and streamArn (got streamName=${JSON.stringify(o.streamName)}, streamArn=${JSON.stringify(o.streamArn)})`);
    if (o.streamArn !== undefined && !/^arn:[^:]+:kinesis:[^:]*:[^:]*:stream\/.+/.test(o.streamArn)) problems.push(`streamArn must look like arn:aws:kinesis:<region>:<account>:stream/<name>, got ${JSON.stringify(o.streamArn)}`);
    const sp = o.startPosition as KinesisStartPosition | undefined;
    if (!sp || !['TRIM_HORIZON', 'LATEST', 'AT_TIMESTAMP'].includes(sp.type)) problems.push(`startPosition.type must be TRIM_HORIZON, LATEST or AT_TIMESTAMP, got ${JSON.stringify(sp)}`);
    else if (sp.type === 'AT_TIMESTAMP' && !(sp.timestamp instanceof Date && !Number.isNaN(sp.timestamp.getTime()))) problems.push(`startPosition.timestamp must be a valid Date, got ${String(sp.timestamp)}`);
    const limits = { ...KINESIS_DEFAULT_LIMITS, ...stripUndefined(o.limits ?? {}) };
    for (const [k, v] of Object.entries(limits)) {
      if (!(typeof v === 'number' && Number.isFinite(v) && v > 0)) problems.push(`limits.${k} must be a positive number, got ${JSON.stringify(v)}`);
    }
    if (!(Number.isInteger(limits.maxRecordsPerCall) && limits.maxRecordsPerCall <= 10000)) problems.push(`limits.maxRecordsPerCall must be an integer from 1 to 10000, got ${JSON.stringify(limits.maxRecordsPerCall)}`);
    if (problems.length) throw new KinesisSourceError(`invalid KinesisSource options: ${problems.join('; ')}`);
    this.limits = limits;
    this.streamName = o.streamName ?? o.streamArn!.slice(o.streamArn!.indexOf(':stream/') + ':stream/'.length);
    this.clock = o.clock ?? Date.now;
    this.sleep = o.sleep ?? abortableSleep;
    this.random = o.random ?? Math.random;
    this.log = o.logger.child({ stream: this.streamName });
  }

  async run(handle: (batch: SourceBatch) => Promise<void>, signal: AbortSignal): Promise<void> {
    if (this.running) throw new KinesisSourceError(`KinesisSource for ${this.streamName} is already running`);
    this.running = true;
    try {
      await new ReadRun(this, this.o, this.limits, this.clock, this.sleep, this.random, this.log, handle, signal).run();
    } finally {
      this.running = false;
    }
  }
}

/** The state of one `run`: shards listed, finished and being read. */
class ReadRun {
  private readonly stop = new AbortController();
  private fatal?: Error;
  /** Checkpoints of this stream's shards that are durable. */
  private readonly checkpoints = new Map<string, string>();
  private listed = new Map<string, Shard>();
  private readonly finished = new Set<string>();
  private readonly readers = new Map<string, Promise<void>>();
  private wakeRequested = false;
  private wake?: () => void;
  private readonly stream: string;
  private readonly streamParams: { StreamName: string } | { StreamARN: string };

  constructor(
    source: KinesisSource,
    private readonly o: KinesisSourceOptions,
    private readonly limits: KinesisSourceLimits,
    private readonly clock: () => number,
    private readonly sleep: (ms: number, signal: AbortSignal) => Promise<void>,
    private readonly random: () => number,
    private readonly log: Logger,
    private readonly handle: (batch: SourceBatch) => Promise<void>,
    private readonly signal: AbortSignal,
  ) {
    this.stream = source.streamName;
    this.streamParams = o.streamArn ? { StreamARN: o.streamArn } : { StreamName: o.streamName! };
  }

  private get stopped(): boolean {
    return this.stop.signal.aborted;
  }

  async run(): Promise<void> {
    if (this.signal.aborted) return;
    const onAbort = () => this.stop.abort();
    this.signal.addEventListener('abort', onAbort, { once: true });
    try {
      await this.loadCheckpoints();
      await this.discoveryLoop();
    } catch (e) {
      this.fail(e);
    } finally {
      this.signal.removeEventListener('abort', onAbort);
      // Readers end on their own once stopped; in-flight handles are awaited, never aborted.
      while (this.readers.size) await Promise.allSettled([...this.readers.values()]);
    }
    if (this.fatal) throw this.fatal;
  }

  private fail(e: unknown): void {
    if (!this.fatal) {
      this.fatal = e instanceof Error ? e : new KinesisSourceError(String(e));
      this.log.error({ err: this.fatal, code: (this.fatal as { code?: string }).code ?? ERROR_CODES.source }, 'Kinesis source stopping on an error retrying cannot fix');
    }
    this.stop.abort();
  }

  private async loadCheckpoints(): Promise<void> {
    const prefix = kinesisCheckpointKey(this.stream, '');
    const all = await this.o.checkpoints.loadAll();
    for (const [key, value] of Object.entries(all)) {
      if (!key.startsWith(prefix)) continue;
      const shardId = key.slice(prefix.length);
      this.checkpoints.set(shardId, value);
      if (value === SHARD_END) this.finished.add(shardId);
    }
  }

  private async discoveryLoop(): Promise<void> {
    while (!this.stopped) {
      const shards = await this.withRetries('ListShards', () => this.listAllShards());
      if (shards === undefined) return;
      this.listed = new Map(shards.map((s) => [s.ShardId!, s]));
      this.schedule();
      if (this.wakeRequested) {
        this.wakeRequested = false;
        continue;
      }
      const waker = new AbortController();
      const onStop = () => waker.abort();
      this.stop.signal.addEventListener('abort', onStop, { once: true });
      this.wake = () => waker.abort();
      try {
        await this.sleep(this.limits.shardDiscoveryIntervalMs, waker.signal);
      } finally {
        this.wake = undefined;
        this.wakeRequested = false;
        this.stop.signal.removeEventListener('abort', onStop);
      }
    }
  }

  private requestDiscovery(): void {
    this.wakeRequested = true;
    this.wake?.();
  }

  private async listAllShards(): Promise<Shard[]> {
    const shards: Shard[] = [];
    let nextToken: string | undefined;
    for (let page = 0; page < 100_000; page++) {
      // ListShards rejects a NextToken given together with the stream's name.
      const input: ListShardsCommandInput = nextToken ? { NextToken: nextToken } : { ...this.streamParams };
      const out = await this.o.client.send(new ListShardsCommand(input), { abortSignal: this.stop.signal });
      for (const s of out.Shards ?? []) if (s.ShardId) shards.push(s);
      nextToken = out.NextToken;
      if (!nextToken) return shards;
    }
    throw new KinesisSourceError(`ListShards of ${this.stream} returned more than 100000 pages`);
  }

  /** Starts a reader for every shard that is not finished, not being read, and whose parents are all finished. */
  private schedule(): void {
    for (let changed = true; changed && !this.stopped; ) {
      changed = false;
      for (const shard of [...this.listed.values()].sort((a, b) => a.ShardId!.localeCompare(b.ShardId!))) {
        const id = shard.ShardId!;
        if (this.finished.has(id) || this.readers.has(id)) continue;
        const parents = parentsOf(shard);
        if (!parents.every((p) => this.finished.has(p) || !this.listed.has(p))) continue;
        const position = this.initialPosition(shard, parents);
        if (position === 'skip') {
          // Under LATEST, a closed shard never read holds only records from before the collector started.
          this.log.info({ shard: id }, 'skipping closed shard never read (start position LATEST)');
          this.finished.add(id);
          changed = true;
          continue;
        }
        this.log.info({ shard: id, parents, position }, 'starting shard reader');
        const reader = this.readShard(id, position)
          .catch((e) => this.fail(e))
          .finally(() => this.readers.delete(id));
        this.readers.set(id, reader);
      }
    }
  }

  private initialPosition(shard: Shard, parents: string[]): Position | 'skip' {
    const cp = this.checkpoints.get(shard.ShardId!);
    if (cp !== undefined && cp !== SHARD_END) return { type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: cp };
    if (parents.some((p) => this.checkpoints.has(p))) return { type: 'TRIM_HORIZON' };
    const start = this.o.startPosition;
    if (start.type === 'LATEST' && shard.SequenceNumberRange?.EndingSequenceNumber) return 'skip';
    return start;
  }

  private async readShard(shardId: string, initial: Position): Promise<void> {
    const log = this.log.child({ shard: shardId });
    const labels = { stream: this.stream, shard: shardId };
    const minSpacingMs = 1000 / this.limits.getRecordsPerSecond;
    let iterator: string | undefined;
    let nextCallAt = 0;
    let errors = 0;
    for (;;) {
      if (this.stopped) return;
      if (iterator === undefined) {
        const cp = this.checkpoints.get(shardId);
        const position: Position = cp !== undefined && cp !== SHARD_END ? { type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: cp } : initial;
        const got = await this.getIterator(shardId, position);
        if (got === undefined) return;
        if (got === 'gone') {
          log.warn('shard no longer exists (expired before it was read to the end); treating it as finished');
          await this.finishShard(shardId);
          return;
        }
        iterator = got;
      }

      const wait = nextCallAt - this.clock();
      if (wait > 0) await this.sleep(wait, this.stop.signal);
      if (this.stopped) return;

      const startedAt = this.clock();
      let out: GetRecordsCommandOutput;
      try {
        out = await this.o.client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: this.limits.maxRecordsPerCall }), { abortSignal: this.stop.signal });
      } catch (e) {
        nextCallAt = startedAt + minSpacingMs;
        if (this.stopped) return;
        const cls = classify(e);
        if (cls === 'expired') {
          log.info({ err: e }, 'shard iterator expired; re-acquiring it from the last checkpoint');
          iterator = undefined;
          continue;
        }
        if (cls === 'fatal') {
          if (errorName(e) === 'ResourceNotFoundException' && (await this.shardGone(shardId))) {
            log.warn('shard no longer exists (expired before it was read to the end); treating it as finished');
            await this.finishShard(shardId);
            return;
          }
          if (errorName(e) !== 'ResourceNotFoundException') throw this.fatalError('GetRecords', e, shardId);
        }
        await this.retryPause(log, 'GetRecords', e, errors++);
        continue;
      }
      errors = 0;

      const records = out.Records ?? [];
      let bytes = 0;
      for (const r of records) bytes += (r.Data?.byteLength ?? 0) + Buffer.byteLength(r.PartitionKey ?? '');
      nextCallAt = startedAt + Math.max(minSpacingMs, (bytes / this.limits.bytesPerSecond) * 1000);
      if (out.MillisBehindLatest !== undefined) this.o.metrics.shardLagMs.set(labels, out.MillisBehindLatest);

      if (records.length) {
        this.o.metrics.bytesIn.inc({ source: 'kinesis' }, records.reduce((n, r) => n + (r.Data?.byteLength ?? 0), 0));
        if (!(await this.deliver(shardId, records, log))) return;
      }
      if (!out.NextShardIterator) {
        await this.finishShard(shardId);
        return;
      }
      iterator = out.NextShardIterator;
      if (!records.length && !out.MillisBehindLatest) await this.sleep(this.limits.pollIntervalMs, this.stop.signal);
    }
  }

  /** Resolves undefined when stopped, 'gone' when the shard is not listed any more. */
  private async getIterator(shardId: string, position: Position): Promise<string | 'gone' | undefined> {
    const input: GetShardIteratorCommandInput = { ...this.streamParams, ShardId: shardId, ShardIteratorType: position.type };
    if (position.type === 'AFTER_SEQUENCE_NUMBER') input.StartingSequenceNumber = position.sequenceNumber;
    if (position.type === 'AT_TIMESTAMP') input.Timestamp = position.timestamp;
    for (let attempt = 0; ; attempt++) {
      if (this.stopped) return undefined;
      try {
        const out = await this.o.client.send(new GetShardIteratorCommand(input), { abortSignal: this.stop.signal });
        if (out.ShardIterator) return out.ShardIterator;
        throw Object.assign(new Error(`GetShardIterator for ${shardId} returned no iterator`), { name: 'MissingShardIterator' });
      } catch (e) {
        if (this.stopped) return undefined;
        const name = errorName(e);
        if (name === 'ResourceNotFoundException') {
          if (await this.shardGone(shardId)) return 'gone';
        } else if (name === 'InvalidArgumentException' && position.type === 'AFTER_SEQUENCE_NUMBER') {
          throw new KinesisSourceError(
            `GetShardIterator for shard ${shardId} of stream ${this.stream} rejected checkpoint ${position.sequenceNumber} (${errMessage(e)}). ` +
              `If the stream was deleted and re-created, remove the key ${kinesisCheckpointKey(this.stream, shardId)} from the checkpoint store.`,
            { cause: e },
          );
        } else if (classify(e) === 'fatal') {
          throw this.fatalError('GetShardIterator', e, shardId);
        }
        await this.retryPause(this.log.child({ shard: shardId }), 'GetShardIterator', e, attempt);
      }
    }
  }

  /** True when the stream exists but no longer lists the shard; rejects when the stream itself is gone. */
  private async shardGone(shardId: string): Promise<boolean> {
    let shards: Shard[];
    try {
      shards = await this.listAllShards();
    } catch (e) {
      if (classify(e) === 'fatal') throw this.fatalError('ListShards', e);
      return false;
    }
    return !shards.some((s) => s.ShardId === shardId);
  }

  /** Hands the batch to `handle` until it is acknowledged; false when stopped first. */
  private async deliver(shardId: string, records: _Record[], log: Logger): Promise<boolean> {
    const last = records[records.length - 1].SequenceNumber!;
    let acked = false;
    const batch: SourceBatch = {
      records: records.map((r) => ({
        data: r.Data ?? new Uint8Array(0),
        origin: { kind: 'kinesis', stream: this.stream, shard: shardId, sequenceNumber: r.SequenceNumber! },
      })),
      labels: { stream: this.stream, shard: shardId },
      ack: async () => {
        const current = this.checkpoints.get(shardId);
        // A late ack of an older batch must not move the checkpoint back.
        if (current === undefined || (current !== SHARD_END && BigInt(current) < BigInt(last))) {
          await this.o.checkpoints.save(kinesisCheckpointKey(this.stream, shardId), last);
          const now = this.checkpoints.get(shardId);
          if (now === undefined || (now !== SHARD_END && BigInt(now) < BigInt(last))) this.checkpoints.set(shardId, last);
        }
        acked = true;
      },
    };
    for (let attempt = 0; ; attempt++) {
      if (this.stopped) return false;
      let failure: unknown;
      try {
        await this.handle(batch);
      } catch (e) {
        failure = e;
      }
      if (acked) return true;
      if (this.stopped) return false;
      this.o.metrics.retries.inc({ component: 'kinesis' });
      const delayMs = this.backoffMs(attempt);
      log.warn(
        { err: failure, records: records.length, firstSequenceNumber: records[0].SequenceNumber, lastSequenceNumber: last, attempt: attempt + 1, retryInMs: Math.round(delayMs) },
        failure === undefined ? 'batch handler resolved without acknowledging the batch; handing it again' : 'batch handler failed; handing the same batch again',
      );
      await this.sleep(delayMs, this.stop.signal);
    }
  }

  private async finishShard(shardId: string): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.o.checkpoints.save(kinesisCheckpointKey(this.stream, shardId), SHARD_END);
        break;
      } catch (e) {
        // Unsaved, the shard is read again (from its checkpoint) after a restart: safe, so stopping may give up.
        if (this.stopped) return;
        await this.retryPause(this.log.child({ shard: shardId }), 'saving the SHARD_END checkpoint', e, attempt);
      }
    }
    this.checkpoints.set(shardId, SHARD_END);
    this.finished.add(shardId);
    this.o.metrics.shardLagMs.remove({ stream: this.stream, shard: shardId });
    this.log.info({ shard: shardId }, 'shard read to its end and acknowledged');
    this.schedule();
    // Its children may not be listed yet.
    this.requestDiscovery();
  }

  private async withRetries<T>(what: string, call: () => Promise<T>): Promise<T | undefined> {
    for (let attempt = 0; ; attempt++) {
      if (this.stopped) return undefined;
      try {
        return await call();
      } catch (e) {
        if (this.stopped) return undefined;
        if (classify(e) === 'fatal') throw this.fatalError(what, e);
        await this.retryPause(this.log, what, e, attempt);
      }
    }
  }

  private async retryPause(log: Logger, what: string, e: unknown, attempt: number): Promise<void> {
    this.o.metrics.retries.inc({ component: 'kinesis' });
    const delayMs = this.backoffMs(attempt);
    log.warn({ err: e, errorName: errorName(e), attempt: attempt + 1, retryInMs: Math.round(delayMs) }, `${what} failed (${classify(e)}); retrying`);
    await this.sleep(delayMs, this.stop.signal);
  }

  private backoffMs(attempt: number): number {
    const cap = Math.min(this.limits.backoffMaxMs, this.limits.backoffBaseMs * 2 ** Math.min(attempt, 30));
    return this.random() * cap;
  }

  private fatalError(what: string, e: unknown, shardId?: string): KinesisSourceError {
    const name = errorName(e);
    const where = shardId ? `shard ${shardId} of stream ${this.stream}` : `stream ${this.stream}`;
    const hint =
      name === 'ResourceNotFoundException'
        ? ' The stream does not exist: check the stream name, region and endpoint.'
        : name.includes('AccessDenied') || name.startsWith('KMS')
          ? ' Check the collector role: it needs kinesis:ListShards, GetShardIterator, GetRecords and kms:Decrypt on the stream key.'
          : '';
    return new KinesisSourceError(`Kinesis ${what} on ${where} failed with ${name || 'an error'}: ${errMessage(e)}.${hint}`, { cause: e });
  }
}

function parentsOf(shard: Shard): string[] {
  return [shard.ParentShardId, shard.AdjacentParentShardId].filter((p): p is string => !!p);
}

function errorName(e: unknown): string {
  const err = e as { name?: unknown; code?: unknown } | undefined;
  if (typeof err?.name === 'string' && err.name !== 'Error') return err.name;
  if (typeof err?.code === 'string') return err.code;
  return typeof err?.name === 'string' ? err.name : '';
}

function errMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function classify(e: unknown): ErrorClass {
  const name = errorName(e);
  if (name === 'ExpiredIteratorException') return 'expired';
  const err = e as { $metadata?: { httpStatusCode?: number }; $retryable?: { throttling?: boolean } } | undefined;
  const status = err?.$metadata?.httpStatusCode;
  if (THROTTLING.has(name) || status === 429 || err?.$retryable?.throttling) return 'throttled';
  if (FATAL.has(name)) return 'fatal';
  if (TRANSIENT_CLIENT_ERRORS.has(name)) return 'transient';
  // A client error we do not know would fail the same way forever.
  if (status !== undefined && status >= 400 && status < 500) return 'fatal';
  return 'transient';
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
