/**
 * Shard "leases" of the file store: one process per state folder, so it holds every shard. The
 * checkpoints are kept in the collector's checkpoint file under `kinesis/<stream>/<shardId>` (a
 * sequence number, or SHARD_END); a shard gets a key only once something of it was acknowledged,
 * so files written by earlier versions read the same.
 */
import type { Shard } from '@aws-sdk/client-kinesis';
import type { CheckpointStore } from '../../types';
import { initialCheckpoint, isReadable, moveForward, parentsOf } from '../kinesis-rules';
import { HeldShard, LeaseStatus, SHARD_END, ShardLeases, StartCheckpoint } from '../store';

/** The checkpoint key of a shard in the collector's checkpoint file. */
export function kinesisCheckpointKey(stream: string, shardId: string): string {
  return `kinesis/${stream}/${shardId}`;
}

export class FileShardLeases implements ShardLeases {
  /** Acknowledged checkpoints (those in the file). */
  private readonly saved = new Map<string, string>();
  /** First checkpoints of listed shards without a saved one (never written: see the file comment). */
  private readonly first = new Map<string, string>();
  private listed = new Map<string, Shard>();
  private readonly shards = new Map<string, HeldShard>();
  private readonly listeners = new Set<() => void>();
  private readonly prefix: string;
  /** Never aborts: nobody can take a shard from the only process. */
  private readonly never = new AbortController().signal;

  constructor(
    private readonly store: CheckpointStore,
    private readonly stream: string,
  ) {
    this.prefix = kinesisCheckpointKey(stream, '');
  }

  async start(): Promise<void> {
    for (const [key, value] of Object.entries(await this.store.loadAll()))
      if (key.startsWith(this.prefix)) this.saved.set(key.slice(this.prefix.length), value);
  }

  async sync(shards: readonly Shard[], start: StartCheckpoint): Promise<void> {
    this.listed = new Map(shards.filter((s) => s.ShardId).map((s) => [s.ShardId!, s]));
    for (const id of [...this.first.keys()]) if (!this.listed.has(id)) this.first.delete(id);
    for (const shard of [...this.listed.values()].sort(byId)) {
      const id = shard.ShardId!;
      if (!this.saved.has(id) && !this.first.has(id))
        this.first.set(
          id,
          initialCheckpoint(shard, (p) => this.saved.has(p), start),
        );
    }
    this.changed();
  }

  held(): readonly HeldShard[] {
    const out: HeldShard[] = [];
    for (const shard of [...this.listed.values()].sort(byId)) {
      const id = shard.ShardId!;
      const checkpoint = this.checkpointOf(id);
      if (checkpoint === undefined || !isReadable(checkpoint, parentsOf(shard), (p) => (this.listed.has(p) ? (this.checkpointOf(p) ?? null) : undefined)))
        continue;
      let held = this.shards.get(id);
      if (held?.checkpoint !== checkpoint) this.shards.set(id, (held = { shardId: id, checkpoint, lost: this.never }));
      out.push(held);
    }
    return out;
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async checkpoint(shardId: string, value: string): Promise<void> {
    if (!moveForward(this.saved.get(shardId), value)) return;
    await this.store.save(kinesisCheckpointKey(this.stream, shardId), value);
    // Another ack may have moved it further while this one was being saved.
    if (moveForward(this.saved.get(shardId), value)) this.saved.set(shardId, value);
    if (value === SHARD_END) this.changed();
  }

  async release(): Promise<void> {}

  status(): LeaseStatus {
    const n = this.held().length;
    return { held: n, readable: n, withoutLeaseMs: 0 };
  }

  private checkpointOf(id: string): string | undefined {
    return this.saved.get(id) ?? this.first.get(id);
  }

  private changed(): void {
    for (const l of this.listeners) l();
  }
}

const byId = (a: Shard, b: Shard) => a.ShardId!.localeCompare(b.ShardId!);
