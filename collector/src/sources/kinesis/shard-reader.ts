/**
 * Reads one shard of the Kinesis source, while its lease is held: gets an iterator (after the
 * shard's checkpoint, else at its start position), calls GetRecords within the shard's call and byte
 * budgets, hands each non-empty result as one batch and waits until it is acknowledged (handing it
 * again after a back-off when the handler fails), and ends when the shard is closed and read to its
 * end, when the lease is lost (at once: nothing more of it is handed or acknowledged), or when the
 * run stops.
 */
import type { _Record } from '@aws-sdk/client-kinesis';
import { awsErrorName, classifyAwsError } from '../../aws/errors';
import type { Sleep } from '../../ops/backoff';
import type { Logger } from '../../ops/log';
import type { CollectorMetrics } from '../../ops/metrics';
import { HeldShard, START_CHECKPOINTS, StartCheckpoint, ShardLeases } from '../../state/store';
import type { SourceBatch } from '../../types';
import type { KinesisSourceLimits } from './config';
import type { StreamParams } from './discovery';
import { errMessage, KinesisSourceError } from './errors';
import type { KinesisPort } from './ports';

/** Where an iterator starts. */
export type Position =
  | { readonly type: 'TRIM_HORIZON' }
  | { readonly type: 'LATEST' }
  | { readonly type: 'AT_TIMESTAMP'; readonly timestamp: Date }
  | { readonly type: 'AFTER_SEQUENCE_NUMBER'; readonly sequenceNumber: string };

/** What a shard reader uses of the source's run (source.ts). */
export interface ReadContext {
  readonly port: KinesisPort;
  readonly stream: string;
  readonly streamParams: StreamParams;
  readonly limits: KinesisSourceLimits;
  readonly clock: () => number;
  readonly sleep: Sleep;
  readonly log: Logger;
  readonly metrics: CollectorMetrics;
  readonly leases: ShardLeases;
  /** The configured start time, for shards whose checkpoint is AT_TIMESTAMP. */
  readonly atTimestamp?: Date;
  readonly handle: (batch: SourceBatch) => Promise<void>;
  /** Aborted when the run stops (asked to, or on a fatal error). */
  readonly stop: AbortSignal;
  /** A back-off delay (ops/backoff.ts) for retry `attempt` (0 = the first). */
  backoffMs(attempt: number): number;
  /** Counts the retry, logs it and waits a back-off. */
  retryPause(log: Logger, what: string, e: unknown, attempt: number): Promise<void>;
  fatalError(what: string, e: unknown, shardId?: string): KinesisSourceError;
  /** True when the stream exists but no longer lists the shard; rejects when the stream itself is gone. */
  shardGone(shardId: string): Promise<boolean>;
  /** Checkpoints SHARD_END (unless the lease is lost first), then starts the children that may start. */
  finishShard(shardId: string, childShardIds: readonly string[], lost: AbortSignal): Promise<void>;
}

export class ShardReader {
  private readonly log: Logger;
  private readonly shardId: string;
  /** The run's stop or the lease's loss, whichever comes first. */
  private readonly stop: AbortSignal;
  /** The last checkpoint written (or the lease's when taken): where a new iterator starts. */
  private checkpoint: string;

  constructor(
    private readonly c: ReadContext,
    private readonly lease: HeldShard,
  ) {
    this.shardId = lease.shardId;
    this.checkpoint = lease.checkpoint;
    this.stop = AbortSignal.any([c.stop, lease.lost]);
    this.log = c.log.child({ shard: lease.shardId });
  }

  /** Where an iterator starts for a checkpoint: after a sequence number, or a start sentinel. */
  private position(): Position {
    const cp = this.checkpoint;
    if (!(START_CHECKPOINTS as readonly string[]).includes(cp)) return { type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: cp };
    const start = cp as StartCheckpoint;
    if (start !== 'AT_TIMESTAMP') return { type: start };
    // A table written elsewhere (KCL) may say AT_TIMESTAMP without this collector's time: reading from the start re-delivers, never skips.
    return this.c.atTimestamp ? { type: 'AT_TIMESTAMP', timestamp: this.c.atTimestamp } : { type: 'TRIM_HORIZON' };
  }

  async run(): Promise<void> {
    const { c, shardId, log, stop } = this;
    const labels = { stream: c.stream, shard: shardId };
    const minSpacingMs = 1000 / c.limits.getRecordsPerSecond;
    let iterator: string | undefined;
    let nextCallAt = 0;
    let errors = 0;
    for (;;) {
      if (stop.aborted) return this.stopped();
      if (iterator === undefined) {
        const got = await this.getIterator(this.position());
        if (got === undefined) return this.stopped();
        if (got === 'gone') {
          log.warn('shard no longer exists (expired before it was read to the end); treating it as finished');
          await c.finishShard(shardId, [], this.lease.lost);
          return;
        }
        iterator = got;
      }

      const wait = nextCallAt - c.clock();
      if (wait > 0) await c.sleep(wait, stop);
      if (stop.aborted) return this.stopped();

      const startedAt = c.clock();
      let out: Awaited<ReturnType<typeof c.port.getRecords>>;
      try {
        out = await c.port.getRecords({ ShardIterator: iterator, Limit: c.limits.maxRecordsPerCall }, stop);
      } catch (e) {
        nextCallAt = startedAt + minSpacingMs;
        if (stop.aborted) return this.stopped();
        if (awsErrorName(e) === 'ExpiredIteratorException') {
          log.info({ err: e }, 'shard iterator expired; re-acquiring it from the last checkpoint');
          iterator = undefined;
          continue;
        }
        const cls = classifyAwsError(e);
        if (cls === 'not-found' && (await c.shardGone(shardId))) {
          log.warn('shard no longer exists (expired before it was read to the end); treating it as finished');
          await c.finishShard(shardId, [], this.lease.lost);
          return;
        }
        if (cls === 'fatal') throw c.fatalError('GetRecords', e, shardId);
        await c.retryPause(log, 'GetRecords', e, errors++);
        continue;
      }
      errors = 0;

      const records = out.Records ?? [];
      let bytes = 0;
      for (const r of records) bytes += (r.Data?.byteLength ?? 0) + Buffer.byteLength(r.PartitionKey ?? '');
      nextCallAt = startedAt + Math.max(minSpacingMs, (bytes / c.limits.bytesPerSecond) * 1000);
      if (out.MillisBehindLatest !== undefined) c.metrics.shardLagMs.set(labels, out.MillisBehindLatest);

      if (records.length) {
        c.metrics.bytesIn.inc(
          { source: 'kinesis' },
          records.reduce((n, r) => n + (r.Data?.byteLength ?? 0), 0),
        );
        if (!(await this.deliver(records))) return this.stopped();
      }
      if (!out.NextShardIterator) {
        const children = (out.ChildShards ?? []).map((s) => s.ShardId).filter((id): id is string => !!id);
        await c.finishShard(shardId, children, this.lease.lost);
        return;
      }
      iterator = out.NextShardIterator;
      if (!records.length && !out.MillisBehindLatest) await c.sleep(c.limits.pollIntervalMs, stop);
    }
  }

  private stopped(): void {
    if (this.lease.lost.aborted && !this.c.stop.aborted) this.log.warn({ checkpoint: this.checkpoint }, 'lease lost: stopped reading the shard');
  }

  /** Resolves undefined when stopped, 'gone' when the shard is not listed any more. */
  private async getIterator(position: Position): Promise<string | 'gone' | undefined> {
    const { c, shardId } = this;
    const input = {
      ...c.streamParams,
      ShardId: shardId,
      ShardIteratorType: position.type,
      ...(position.type === 'AFTER_SEQUENCE_NUMBER' ? { StartingSequenceNumber: position.sequenceNumber } : {}),
      ...(position.type === 'AT_TIMESTAMP' ? { Timestamp: position.timestamp } : {}),
    };
    for (let attempt = 0; ; attempt++) {
      if (this.stop.aborted) return undefined;
      try {
        const out = await c.port.getShardIterator(input, this.stop);
        if (out.ShardIterator) return out.ShardIterator;
        // Retried like a transient failure: the answer lacked what every answer carries.
        throw Object.assign(new Error(`GetShardIterator for ${shardId} returned no iterator`), { name: 'MissingShardIterator' });
      } catch (e) {
        if (this.stop.aborted) return undefined;
        const cls = classifyAwsError(e);
        if (cls === 'not-found') {
          if (await c.shardGone(shardId)) return 'gone';
        } else if (awsErrorName(e) === 'InvalidArgumentException' && position.type === 'AFTER_SEQUENCE_NUMBER') {
          throw new KinesisSourceError(
            `GetShardIterator for shard ${shardId} of stream ${c.stream} rejected checkpoint ${position.sequenceNumber} (${errMessage(e)}). ` +
              `If the stream was deleted and re-created, remove the checkpoint of shard ${shardId} from the state store (the file's key kinesis/${c.stream}/${shardId}, or the lease table's item ${shardId}).`,
            { cause: e },
          );
        } else if (cls === 'fatal') {
          throw c.fatalError('GetShardIterator', e, shardId);
        }
        await c.retryPause(this.log, 'GetShardIterator', e, attempt);
      }
    }
  }

  /** Hands the batch to `handle` until it is acknowledged; false when stopped first. */
  private async deliver(records: _Record[]): Promise<boolean> {
    const { c, shardId, log } = this;
    const last = records[records.length - 1].SequenceNumber!;
    let acked = false;
    const batch: SourceBatch = {
      records: records.map((r) => ({
        data: r.Data ?? new Uint8Array(0),
        origin: { kind: 'kinesis', stream: c.stream, shard: shardId, sequenceNumber: r.SequenceNumber! },
      })),
      labels: { stream: c.stream, shard: shardId },
      ack: async () => {
        // A lost lease acknowledges nothing more: the next holder reads the batch again.
        await c.leases.checkpoint(shardId, last);
        acked = true;
        if (BigInt(last) > BigInt(/^\d+$/.test(this.checkpoint) ? this.checkpoint : '0')) this.checkpoint = last;
      },
    };
    for (let attempt = 0; ; attempt++) {
      if (this.stop.aborted) return false;
      let failure: unknown;
      try {
        await c.handle(batch);
      } catch (e) {
        failure = e;
      }
      if (acked) return true;
      if (this.stop.aborted) return false;
      c.metrics.retries.inc({ component: 'kinesis' });
      const delayMs = c.backoffMs(attempt);
      log.warn(
        {
          err: failure,
          records: records.length,
          firstSequenceNumber: records[0].SequenceNumber,
          lastSequenceNumber: last,
          attempt: attempt + 1,
          retryInMs: Math.round(delayMs),
        },
        failure === undefined
          ? 'batch handler resolved without acknowledging the batch; handing it again'
          : 'batch handler failed; handing the same batch again',
      );
      await c.sleep(delayMs, this.stop);
    }
  }
}
