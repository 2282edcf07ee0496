/**
 * The Kinesis source: reads a data stream, one reader per shard whose lease this replica holds
 * (state/store.ts ShardLeases: the file store holds every shard, the DynamoDB store shares them
 * between replicas the KCL way), children only after their parents were read to the end and
 * acknowledged, each batch checkpointed only when the pipeline acknowledges it, so every record is
 * delivered at least once and, per shard, in order.
 */
import type { Shard } from '@aws-sdk/client-kinesis';
import { awsErrorName, classifyAwsError, isTransientAwsError } from '../../aws/errors';
import { abortableSleep, backoffDelayMs, Sleep } from '../../ops/backoff';
import { Logger } from '../../ops/log';
import { CollectorMetrics } from '../../ops/metrics';
import { LeaseLostError, SHARD_END, ShardLeases, StartCheckpoint, StateStoreError } from '../../state/store';
import { ERROR_CODES, Source, SourceBatch } from '../../types';
import { KINESIS_DEFAULT_LIMITS, KinesisSourceLimits, KinesisStartPosition } from './config';
import { ShardDiscovery, StreamParams } from './discovery';
import { kinesisCallError, KinesisSourceError } from './errors';
import type { KinesisPort } from './ports';
import { ReadContext, ShardReader } from './shard-reader';

export interface KinesisSourceOptions {
  readonly kinesis: KinesisPort;
  /** The stream's name; give this or `streamArn`. */
  readonly streamName?: string;
  /** The stream's ARN; give this or `streamName`. */
  readonly streamArn?: string;
  /** The stream's shard leases and checkpoints (state/store.ts), from the configured state store. */
  readonly leases: ShardLeases;
  /**
   * Where a shard without a checkpoint starts. A shard whose parent has a checkpoint entry always
   * starts at TRIM_HORIZON, so nothing written after a split or merge is missed. With LATEST,
   * closed shards that were never read are skipped.
   */
  readonly startPosition: KinesisStartPosition;
  readonly limits?: Partial<KinesisSourceLimits>;
  readonly logger: Logger;
  readonly metrics: CollectorMetrics;
  /** Milliseconds since the epoch, for tests. @default Date.now */
  readonly clock?: () => number;
  /** Waits `ms`, resolving early (never rejecting) when `signal` aborts; for tests. @default timers */
  readonly sleep?: Sleep;
  /** Uniform in [0, 1), for the back-off jitter; for tests. @default Math.random */
  readonly random?: () => number;
}

/**
 * Reads a Kinesis data stream (see the file comment).
 *
 * - Shard sync: ListShards (all pages) at start, every `shardDiscoveryIntervalMs`, and whenever a
 *   shard reaches its end; the listing goes to `leases.sync`. Shards at SHARD_END are not read
 *   again. A parent that is no longer listed (expired) counts as finished.
 * - A reader runs for each shard `leases.held()` lists, and stops the moment its lease is lost
 *   (nothing more of it is acknowledged). When the run ends, every reader stops, its last
 *   checkpoint is written, and the leases are released.
 * - A shard with a checkpoint resumes AFTER_SEQUENCE_NUMBER; see `startPosition` for the others.
 * - Per shard: at most `getRecordsPerSecond` calls, spaced further by bytes read (`bytesPerSecond`);
 *   `MillisBehindLatest` is exported as `shardLagMs{stream,shard}`; an empty, caught-up call waits
 *   `pollIntervalMs`.
 * - Throttling and transient errors (aws/errors.ts) back off (ops/backoff.ts) and count
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
  private running = false;

  constructor(private readonly o: KinesisSourceOptions) {
    const problems: string[] = [];
    if (!o.streamName === !o.streamArn)
      problems.push(`give exactly one of streamName and streamArn (got streamName=${JSON.stringify(o.streamName)}, streamArn=${JSON.stringify(o.streamArn)})`);
    if (o.streamArn !== undefined && !/^arn:[^:]+:kinesis:[^:]*:[^:]*:stream\/.+/.test(o.streamArn))
      problems.push(`streamArn must look like arn:aws:kinesis:<region>:<account>:stream/<name>, got ${JSON.stringify(o.streamArn)}`);
    const sp = o.startPosition as KinesisStartPosition | undefined;
    if (!sp || !['TRIM_HORIZON', 'LATEST', 'AT_TIMESTAMP'].includes(sp.type))
      problems.push(`startPosition.type must be TRIM_HORIZON, LATEST or AT_TIMESTAMP, got ${JSON.stringify(sp)}`);
    else if (sp.type === 'AT_TIMESTAMP' && !(sp.timestamp instanceof Date && !Number.isNaN(sp.timestamp.getTime())))
      problems.push(`startPosition.timestamp must be a valid Date, got ${String(sp.timestamp)}`);
    const limits = { ...KINESIS_DEFAULT_LIMITS, ...stripUndefined(o.limits ?? {}) };
    for (const [k, v] of Object.entries(limits)) {
      if (!(typeof v === 'number' && Number.isFinite(v) && v > 0)) problems.push(`limits.${k} must be a positive number, got ${JSON.stringify(v)}`);
    }
    if (!(Number.isInteger(limits.maxRecordsPerCall) && limits.maxRecordsPerCall <= 10000))
      problems.push(`limits.maxRecordsPerCall must be an integer from 1 to 10000, got ${JSON.stringify(limits.maxRecordsPerCall)}`);
    if (problems.length) throw new KinesisSourceError(`invalid KinesisSource options: ${problems.join('; ')}`);
    this.limits = limits;
    this.streamName = o.streamName ?? o.streamArn!.slice(o.streamArn!.indexOf(':stream/') + ':stream/'.length);
  }

  async run(handle: (batch: SourceBatch) => Promise<void>, signal: AbortSignal): Promise<void> {
    if (this.running) throw new KinesisSourceError(`KinesisSource for ${this.streamName} is already running`);
    this.running = true;
    try {
      await new ReadRun(this.o, this.streamName, this.limits, handle).run(signal);
    } finally {
      this.running = false;
    }
  }
}

/** The state of one `run`: the shards being read. */
class ReadRun implements ReadContext {
  readonly port: KinesisPort;
  readonly streamParams: StreamParams;
  readonly clock: () => number;
  readonly sleep: Sleep;
  readonly log: Logger;
  readonly metrics: CollectorMetrics;
  readonly leases: ShardLeases;
  readonly atTimestamp?: Date;
  private readonly stopper = new AbortController();
  private readonly random: () => number;
  private readonly discovery: ShardDiscovery;
  private readonly start: StartCheckpoint;
  private fatal?: Error;
  private readonly readers = new Map<string, Promise<void>>();

  constructor(
    o: KinesisSourceOptions,
    readonly stream: string,
    readonly limits: KinesisSourceLimits,
    readonly handle: (batch: SourceBatch) => Promise<void>,
  ) {
    this.port = o.kinesis;
    this.streamParams = o.streamArn ? { StreamARN: o.streamArn } : { StreamName: o.streamName! };
    this.clock = o.clock ?? Date.now;
    this.sleep = o.sleep ?? abortableSleep;
    this.random = o.random ?? Math.random;
    this.log = o.logger.child({ stream });
    this.metrics = o.metrics;
    this.leases = o.leases;
    this.start = o.startPosition.type;
    if (o.startPosition.type === 'AT_TIMESTAMP') this.atTimestamp = o.startPosition.timestamp;
    this.discovery = new ShardDiscovery(this.port, this.streamParams, stream, limits.shardDiscoveryIntervalMs, this.sleep, this.stop);
  }

  get stop(): AbortSignal {
    return this.stopper.signal;
  }

  async run(signal: AbortSignal): Promise<void> {
    if (signal.aborted) return;
    const onAbort = () => this.stopper.abort();
    signal.addEventListener('abort', onAbort, { once: true });
    let unsubscribe = () => {};
    let started = false;
    // The leases are kept (renewed) until the readers stopped and released them, not only until the run is asked to stop.
    const leaseLife = new AbortController();
    try {
      await this.leases.start(leaseLife.signal);
      started = true;
      unsubscribe = this.leases.onChange(() => this.schedule());
      while (!this.stop.aborted) {
        const shards = await this.withRetries('ListShards', () => this.discovery.listAll());
        if (shards === undefined) break;
        const synced = await this.withRetries('shard sync', () => this.leases.sync(shards, this.start).then(() => true), stateCallError);
        if (synced === undefined) break;
        this.schedule();
        await this.discovery.waitForNext();
      }
    } catch (e) {
      this.fail(e);
    } finally {
      signal.removeEventListener('abort', onAbort);
      unsubscribe();
      // Readers end on their own once stopped; in-flight handles are awaited, never aborted.
      while (this.readers.size) await Promise.allSettled([...this.readers.values()]);
      if (started)
        await this.leases
          .release()
          .catch((e: unknown) => this.log.warn({ err: e }, 'releasing the shard leases failed; other replicas take them once they expire'));
      leaseLife.abort();
    }
    if (this.fatal) throw this.fatal;
  }

  private fail(e: unknown): void {
    if (!this.fatal) {
      this.fatal = e instanceof Error ? e : new KinesisSourceError(String(e));
      this.log.error(
        { err: this.fatal, code: (this.fatal as { code?: string }).code ?? ERROR_CODES.source },
        'Kinesis source stopping on an error retrying cannot fix',
      );
    }
    this.stopper.abort();
  }

  /** Starts a reader for every held shard that is not being read. */
  private schedule(): void {
    if (this.stop.aborted) return;
    for (const held of this.leases.held()) {
      const id = held.shardId;
      if (this.readers.has(id) || held.lost.aborted) continue;
      this.log.info({ shard: id, checkpoint: held.checkpoint }, 'starting shard reader');
      const reader = new ShardReader(this, held)
        .run()
        .catch((e) => this.fail(e))
        .finally(() => {
          this.readers.delete(id);
          // A reader that stopped on a lost lease may hold the shard again later (taken back).
          if (!this.stop.aborted) queueMicrotask(() => this.schedule());
        });
      this.readers.set(id, reader);
    }
  }

  async shardGone(shardId: string): Promise<boolean> {
    let shards: Shard[];
    try {
      shards = await this.discovery.listAll();
    } catch (e) {
      if (isFatal(e)) throw this.fatalError('ListShards', e);
      return false;
    }
    return !shards.some((s) => s.ShardId === shardId);
  }

  async finishShard(shardId: string, childShardIds: readonly string[], lost: AbortSignal): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      if (lost.aborted) return;
      try {
        await this.leases.checkpoint(shardId, SHARD_END, childShardIds);
        break;
      } catch (e) {
        // Unsaved, the shard is read again (from its checkpoint) by whoever holds it next: safe, so stopping may give up.
        if (e instanceof LeaseLostError || this.stop.aborted) return;
        await this.retryPause(this.log.child({ shard: shardId }), 'saving the SHARD_END checkpoint', e, attempt);
      }
    }
    this.metrics.shardLagMs.remove({ stream: this.stream, shard: shardId });
    this.log.info({ shard: shardId, children: childShardIds }, 'shard read to its end and acknowledged');
    this.schedule();
    // Its children may not be listed yet.
    this.discovery.request();
  }

  private async withRetries<T>(
    what: string,
    call: () => Promise<T>,
    fatalError: (e: unknown) => Error = (e) => this.fatalError(what, e),
  ): Promise<T | undefined> {
    for (let attempt = 0; ; attempt++) {
      if (this.stop.aborted) return undefined;
      try {
        return await call();
      } catch (e) {
        if (this.stop.aborted) return undefined;
        if (isFatal(e)) throw fatalError(e);
        await this.retryPause(this.log, what, e, attempt);
      }
    }
  }

  async retryPause(log: Logger, what: string, e: unknown, attempt: number): Promise<void> {
    this.metrics.retries.inc({ component: 'kinesis' });
    const delayMs = this.backoffMs(attempt);
    log.warn({ err: e, errorName: awsErrorName(e), attempt: attempt + 1, retryInMs: Math.round(delayMs) }, `${what} failed (${classifyAwsError(e)}); retrying`);
    await this.sleep(delayMs, this.stop);
  }

  backoffMs(attempt: number): number {
    return backoffDelayMs({ baseMs: this.limits.backoffBaseMs, capMs: this.limits.backoffMaxMs }, attempt, this.random);
  }

  fatalError(what: string, e: unknown, shardId?: string): KinesisSourceError {
    return kinesisCallError(what, e, this.stream, shardId);
  }
}

/** Stream-level calls: a missing stream is as final as access denied. */
function isFatal(e: unknown): boolean {
  return !isTransientAwsError(e);
}

/** A state-store call (the lease table) that retrying cannot fix. */
function stateCallError(e: unknown): Error {
  if (e instanceof Error && (e as { code?: string }).code === ERROR_CODES.checkpoint) return e;
  return new StateStoreError(`the shard sync could not write the state store (${awsErrorName(e) || 'error'}): ${e instanceof Error ? e.message : String(e)}`, {
    cause: e,
  });
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
