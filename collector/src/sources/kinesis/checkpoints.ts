/**
 * Checkpointing of the Kinesis source. The source depends only on `ShardStateStore`, one checkpoint
 * per shard: today the collector's checkpoint file (`shardStateInCheckpoints` over a CheckpointStore
 * such as checkpoint/file-store.ts, keys `kinesis/<stream>/<shardId>`); a lease table can stand
 * behind the same interface (its `save` rejecting once the lease is lost).
 *
 * Invariants: a checkpoint is the sequence number of the last record of an acknowledged batch, or
 * SHARD_END once the shard was read to its end and every batch of it acknowledged; it never moves
 * back (a late ack of an older batch is ignored); what `ShardCheckpoints` reports is durable.
 */
import type { CheckpointStore } from '../../types';

/** The checkpoint value of a shard that was read to its end and every batch of it acknowledged. */
export const SHARD_END = 'SHARD_END';

/** The checkpoint key of a shard in the collector's checkpoint store. */
export function kinesisCheckpointKey(stream: string, shardId: string): string {
  return `kinesis/${stream}/${shardId}`;
}

/** Where one stream's shard checkpoints are kept. */
export interface ShardStateStore {
  /** Every shard's checkpoint: shard id → sequence number or SHARD_END. */
  loadAll(): Promise<ReadonlyMap<string, string>>;
  /** Durable when it resolves; a rejection means the checkpoint was not written. */
  save(shardId: string, checkpoint: string): Promise<void>;
}

/** The ShardStateStore of `stream` in a CheckpointStore (the checkpoint file). */
export function shardStateInCheckpoints(store: CheckpointStore, stream: string): ShardStateStore {
  const prefix = kinesisCheckpointKey(stream, '');
  return {
    async loadAll() {
      const out = new Map<string, string>();
      for (const [key, value] of Object.entries(await store.loadAll())) if (key.startsWith(prefix)) out.set(key.slice(prefix.length), value);
      return out;
    },
    save: (shardId, checkpoint) => store.save(kinesisCheckpointKey(stream, shardId), checkpoint),
  };
}

/** The durable checkpoints of one run of the source. */
export class ShardCheckpoints {
  private readonly known = new Map<string, string>();

  constructor(private readonly store: ShardStateStore) {}

  /** Reads every checkpoint; resolves with the shards already at SHARD_END. */
  async load(): Promise<string[]> {
    const ended: string[] = [];
    for (const [shardId, value] of await this.store.loadAll()) {
      this.known.set(shardId, value);
      if (value === SHARD_END) ended.push(shardId);
    }
    return ended;
  }

  /** Whether the shard has a checkpoint (it was read by this collector). */
  has(shardId: string): boolean {
    return this.known.has(shardId);
  }

  /** The sequence number to resume after, when the shard has one (not at SHARD_END). */
  resumeAfter(shardId: string): string | undefined {
    const cp = this.known.get(shardId);
    return cp !== undefined && cp !== SHARD_END ? cp : undefined;
  }

  /** Saves `sequenceNumber` as the shard's checkpoint unless it already is at or past it. */
  async advance(shardId: string, sequenceNumber: string): Promise<void> {
    if (!this.isBehind(shardId, sequenceNumber)) return;
    await this.store.save(shardId, sequenceNumber);
    // Another ack may have moved it further while this one was being saved.
    if (this.isBehind(shardId, sequenceNumber)) this.known.set(shardId, sequenceNumber);
  }

  /** Saves SHARD_END; rejects (the checkpoint unchanged) when the store does. */
  async end(shardId: string): Promise<void> {
    await this.store.save(shardId, SHARD_END);
    this.known.set(shardId, SHARD_END);
  }

  private isBehind(shardId: string, sequenceNumber: string): boolean {
    const current = this.known.get(shardId);
    return current === undefined || (current !== SHARD_END && BigInt(current) < BigInt(sequenceNumber));
  }
}
