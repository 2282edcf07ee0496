/**
 * Reads one shard of the Kinesis source: gets an iterator (after the shard's checkpoint, else at its
 * start position), calls GetRecords within the shard's call and byte budgets, hands each non-empty
 * result as one batch and waits until it is acknowledged (handing it again after a back-off when the
 * handler fails), and ends when the shard is closed and read to its end, or when the run stops.
 */
import type { _Record } from '@aws-sdk/client-kinesis';
import { awsErrorName, classifyAwsError } from '../../aws/errors';
import type { Sleep } from '../../ops/backoff';
import type { Logger } from '../../ops/log';
import type { CollectorMetrics } from '../../ops/metrics';
import type { SourceBatch } from '../../types';
import { kinesisCheckpointKey, ShardCheckpoints } from './checkpoints';
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
  readonly checkpoints: ShardCheckpoints;
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
  /** Checkpoints SHARD_END, then starts the children that may start. */
  finishShard(shardId: string): Promise<void>;
}

export class ShardReader {
  private readonly log: Logger;

  constructor(
    private readonly c: ReadContext,
    private readonly shardId: string,
    private readonly initial: Position,
  ) {
    this.log = c.log.child({ shard: shardId });
  }

  async run(): Promise<void> {
    const { c, shardId, log } = this;
    const labels = { stream: c.stream, shard: shardId };
    const minSpacingMs = 1000 / c.limits.getRecordsPerSecond;
    let iterator: string | undefined;
    let nextCallAt = 0;
    let errors = 0;
    for (;;) {
      if (c.stop.aborted) return;
      if (iterator === undefined) {
        const after = c.checkpoints.resumeAfter(shardId);
        const got = await this.getIterator(after !== undefined ? { type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: after } : this.initial);
        if (got === undefined) return;
        if (got === 'gone') {
          log.warn('shard no longer exists (expired before it was read to the end); treating it as finished');
          await c.finishShard(shardId);
          return;
        }
        iterator = got;
      }

      const wait = nextCallAt - c.clock();
      if (wait > 0) await c.sleep(wait, c.stop);
      if (c.stop.aborted) return;

      const startedAt = c.clock();
      let out: Awaited<ReturnType<typeof c.port.getRecords>>;
      try {
        out = await c.port.getRecords({ ShardIterator: iterator, Limit: c.limits.maxRecordsPerCall }, c.stop);
      } catch (e) {
        nextCallAt = startedAt + minSpacingMs;
        if (c.stop.aborted) return;
        if (awsErrorName(e) === 'ExpiredIteratorException') {
          log.info({ err: e }, 'shard iterator expired; re-acquiring it from the last checkpoint');
          iterator = undefined;
          continue;
        }
        const cls = classifyAwsError(e);
        if (cls === 'not-found' && (await c.shardGone(shardId))) {
          log.warn('shard no longer exists (expired before it was read to the end); treating it as finished');
          await c.finishShard(shardId);
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
        if (!(await this.deliver(records))) return;
      }
      if (!out.NextShardIterator) {
        await c.finishShard(shardId);
        return;
      }
      iterator = out.NextShardIterator;
      if (!records.length && !out.MillisBehindLatest) await c.sleep(c.limits.pollIntervalMs, c.stop);
    }
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
      if (c.stop.aborted) return undefined;
      try {
        const out = await c.port.getShardIterator(input, c.stop);
        if (out.ShardIterator) return out.ShardIterator;
        // Retried like a transient failure: the answer lacked what every answer carries.
        throw Object.assign(new Error(`GetShardIterator for ${shardId} returned no iterator`), { name: 'MissingShardIterator' });
      } catch (e) {
        if (c.stop.aborted) return undefined;
        const cls = classifyAwsError(e);
        if (cls === 'not-found') {
          if (await c.shardGone(shardId)) return 'gone';
        } else if (awsErrorName(e) === 'InvalidArgumentException' && position.type === 'AFTER_SEQUENCE_NUMBER') {
          throw new KinesisSourceError(
            `GetShardIterator for shard ${shardId} of stream ${c.stream} rejected checkpoint ${position.sequenceNumber} (${errMessage(e)}). ` +
              `If the stream was deleted and re-created, remove the key ${kinesisCheckpointKey(c.stream, shardId)} from the checkpoint store.`,
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
        await c.checkpoints.advance(shardId, last);
        acked = true;
      },
    };
    for (let attempt = 0; ; attempt++) {
      if (c.stop.aborted) return false;
      let failure: unknown;
      try {
        await c.handle(batch);
      } catch (e) {
        failure = e;
      }
      if (acked) return true;
      if (c.stop.aborted) return false;
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
      await c.sleep(delayMs, c.stop);
    }
  }
}
