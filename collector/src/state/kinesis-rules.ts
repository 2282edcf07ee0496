/**
 * The rules of Kinesis shard entries that both state stores follow (state/store.ts, ShardLeases):
 * pure functions, so the file store and the DynamoDB lease coordinator decide alike.
 */
import type { Shard } from '@aws-sdk/client-kinesis';
import { SHARD_END, StartCheckpoint } from './store';

/** A shard's parents: the parent of a split, both parents of a merge, none for a shard of the stream's creation. */
export function parentsOf(shard: Shard): string[] {
  return [shard.ParentShardId, shard.AdjacentParentShardId].filter((p): p is string => !!p);
}

/**
 * The first checkpoint of a shard that has no entry yet:
 * - TRIM_HORIZON when a parent has an entry (the parent was read here, so nothing written after the
 *   split or merge may be missed);
 * - SHARD_END when `start` is LATEST and the shard is closed (LATEST of a closed shard is nothing);
 * - otherwise `start`.
 * `hasEntry` answers for the entries that exist, including those created earlier in the same sync
 * (so sync should create parents before their children).
 */
export function initialCheckpoint(shard: Shard, hasEntry: (shardId: string) => boolean, start: StartCheckpoint): string {
  if (parentsOf(shard).some(hasEntry)) return 'TRIM_HORIZON';
  if (start === 'LATEST' && shard.SequenceNumberRange?.EndingSequenceNumber) return SHARD_END;
  return start;
}

/**
 * Whether an entry may be read now: its checkpoint is not SHARD_END, and every parent is at SHARD_END
 * or has no entry (never read here, or cleaned up after the shard expired). `parentCheckpoint` gives
 * a parent's checkpoint; undefined or null when the parent has no entry.
 */
export function isReadable(checkpoint: string, parents: readonly string[], parentCheckpoint: (shardId: string) => string | undefined | null): boolean {
  if (checkpoint === SHARD_END) return false;
  return parents.every((p) => {
    const cp = parentCheckpoint(p);
    return cp === undefined || cp === null || cp === SHARD_END;
  });
}

/** A Kinesis sequence number (decimal digits, up to 128). */
export function isSequenceNumber(value: string): boolean {
  return /^\d{1,128}$/.test(value);
}

/**
 * Whether checkpoint `next` (a sequence number or SHARD_END) moves a shard forward from `current`:
 * nothing moves past SHARD_END; SHARD_END and any sequence number move past a start checkpoint or no
 * entry; sequence numbers compare as integers (they exceed 2^53), an equal one is not forward.
 */
export function moveForward(current: string | undefined, next: string): boolean {
  if (current === SHARD_END) return false;
  if (next === SHARD_END || current === undefined || !isSequenceNumber(current)) return true;
  return BigInt(current) < BigInt(next);
}
