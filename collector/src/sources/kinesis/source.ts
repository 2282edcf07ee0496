/**
 * The Kinesis source: reads a data stream, one reader per shard (shard-reader.ts), children only
 * after their parents were read to the end and acknowledged (discovery.ts), each batch checkpointed
 * per shard (checkpoints.ts) only when the pipeline acknowledges it, so every record is delivered at
 * least once and, per shard, in order.
 */
import type { Shard } from '@aws-sdk/client-kinesis';
import { awsErrorName, classifyAwsError, isTransientAwsError } from '../../aws/errors';
import { abortableSleep, backoffDelayMs, Sleep } from '../../ops/backoff';
import { Logger } from '../../ops/log';
import { CollectorMetrics } from '../../ops/metrics';
import { ERROR_CODES, Source, SourceBatch } from '../../types';
import { ShardCheckpoints, ShardStateStore } from './checkpoints';
import { KINESIS_DEFAULT_LIMITS, KinesisSourceLimits, KinesisStartPosition } from './config';
import { parentsOf, ShardDiscovery, StreamParams } from './discovery';
import { kinesisCallError, KinesisSourceError } from './errors';
import type { KinesisPort } from './ports';
import { Position, ReadContext, ShardReader } from './shard-reader';

export interface KinesisSourceOptions {
  readonly kinesis: KinesisPort;
  /** The stream's name; give this or `streamArn`. */
  readonly streamName?: string;
  /** The stream's ARN; give this or `streamName`. */
  readonly streamArn?: string;
  /** The stream's shard checkpoints (see checkpoints.ts): the last acknowledged sequence number, or SHARD_END. */
  readonly checkpoints: ShardStateStore;
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
  readonly sleep?: Sleep;
  /** Uniform in [0, 1), for the back-off jitter; for tests. @default Math.random */
  readonly random?: () => number;
}

/**
 * Reads a Kinesis data stream (see the file comment).
 *
 * - Discovery: ListShards (all pages) at start, every `shardDiscoveryIntervalMs`, and whenever a
 *   shard reaches its end. Shards whose checkpoint is SHARD_END are not read again. A parent that is
 *   no longer listed (expired) counts as finished.
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

/** The state of one `run`: shards listed, finished and being read. */
class ReadRun implements ReadContext {
  readonly port: KinesisPort;
  readonly streamParams: StreamParams;
  readonly clock: () => number;
  readonly sleep: Sleep;
  readonly log: Logger;
  readonly metrics: CollectorMetrics;
  readonly checkpoints: ShardCheckpoints;
  private readonly stopper = new AbortController();
  private readonly random: () => number;
  private readonly discovery: ShardDiscovery;
  private fatal?: Error;
  private readonly finished = new Set<string>();
  private readonly readers = new Map<string, Promise<void>>();

  constructor(
    private readonly o: KinesisSourceOptions,
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
    this.checkpoints = new ShardCheckpoints(o.checkpoints);
    this.discovery = new ShardDiscovery(this.port, this.streamParams, stream, limits.shardDiscoveryIntervalMs, this.sleep, this.stop);
  }

  get stop(): AbortSignal {
    return this.stopper.signal;
  }

  async run(signal: AbortSignal): Promise<void> {
    if (signal.aborted) return;
    const onAbort = () => this.stopper.abort();
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      for (const shardId of await this.checkpoints.load()) this.finished.add(shardId);
      while (!this.stop.aborted) {
        const shards = await this.withRetries('ListShards', () => this.discovery.listAll());
        if (shards === undefined) break;
        this.discovery.listed = new Map(shards.map((s) => [s.ShardId!, s]));
        this.schedule();
        await this.discovery.waitForNext();
      }
    } catch (e) {
      this.fail(e);
    } finally {
      signal.removeEventListener('abort', onAbort);
      // Readers end on their own once stopped; in-flight handles are awaited, never aborted.
      while (this.readers.size) await Promise.allSettled([...this.readers.values()]);
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

  /** Starts a reader for every shard that is not finished, not being read, and whose parents are all finished. */
  private schedule(): void {
    for (let changed = true; changed && !this.stop.aborted;) {
      changed = false;
      for (const shard of this.discovery.readyShards(this.finished)) {
        const id = shard.ShardId!;
        if (this.finished.has(id) || this.readers.has(id)) continue;
        const parents = parentsOf(shard);
        const position = this.initialPosition(id, parents, !!shard.SequenceNumberRange?.EndingSequenceNumber);
        if (position === 'skip') {
          // Under LATEST, a closed shard never read holds only records from before the collector started.
          this.log.info({ shard: id }, 'skipping closed shard never read (start position LATEST)');
          this.finished.add(id);
          changed = true;
          continue;
        }
        this.log.info({ shard: id, parents, position }, 'starting shard reader');
        const reader = new ShardReader(this, id, position)
          .run()
          .catch((e) => this.fail(e))
          .finally(() => this.readers.delete(id));
        this.readers.set(id, reader);
      }
    }
  }

  private initialPosition(shardId: string, parents: string[], closed: boolean): Position | 'skip' {
    const after = this.checkpoints.resumeAfter(shardId);
    if (after !== undefined) return { type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: after };
    if (parents.some((p) => this.checkpoints.has(p))) return { type: 'TRIM_HORIZON' };
    const start = this.o.startPosition;
    if (start.type === 'LATEST' && closed) return 'skip';
    return start;
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

  async finishShard(shardId: string): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.checkpoints.end(shardId);
        break;
      } catch (e) {
        // Unsaved, the shard is read again (from its checkpoint) after a restart: safe, so stopping may give up.
        if (this.stop.aborted) return;
        await this.retryPause(this.log.child({ shard: shardId }), 'saving the SHARD_END checkpoint', e, attempt);
      }
    }
    this.finished.add(shardId);
    this.metrics.shardLagMs.remove({ stream: this.stream, shard: shardId });
    this.log.info({ shard: shardId }, 'shard read to its end and acknowledged');
    this.schedule();
    // Its children may not be listed yet.
    this.discovery.request();
  }

  private async withRetries<T>(what: string, call: () => Promise<T>): Promise<T | undefined> {
    for (let attempt = 0; ; attempt++) {
      if (this.stop.aborted) return undefined;
      try {
        return await call();
      } catch (e) {
        if (this.stop.aborted) return undefined;
        if (isFatal(e)) throw this.fatalError(what, e);
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

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
