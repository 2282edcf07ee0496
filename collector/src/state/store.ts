/**
 * Where the collector keeps its state: the one interface every mode uses (no mode writes files of
 * its own). Two stores implement it:
 *
 * - `file` (state/file/): a folder on the collector's disk, one process per folder (an exclusive
 *   lock), for one machine and for local runs. It "holds" every lease: there is nobody to share with.
 * - `dynamodb` (state/dynamodb/): a DynamoDB table shared by every replica. Kinesis shards are
 *   leased the way the Kinesis Client Library 2.x leases them (one item per shard, KCL's attribute
 *   names), export mode elects one leader, and export progress is one item per log group.
 *
 * What a mode sees is the same for both: leases it holds (`ShardLeases`, `Leadership`) and state
 * writes that reject when the lease they depend on was lost.
 */
import type { Shard } from '@aws-sdk/client-kinesis';
import type { Logger } from '../ops/log';
import type { CollectorMetrics } from '../ops/metrics';
import { ERROR_CODES } from '../types';
import type { ExportStore } from './export';

/** The checkpoint of a shard read to its end with every batch of it acknowledged (KCL's sentinel). */
export const SHARD_END = 'SHARD_END';

/** Checkpoints a shard has before anything of it was acknowledged: where reading starts (KCL's sentinels). */
export type StartCheckpoint = 'TRIM_HORIZON' | 'LATEST' | 'AT_TIMESTAMP';

export const START_CHECKPOINTS: readonly StartCheckpoint[] = ['TRIM_HORIZON', 'LATEST', 'AT_TIMESTAMP'];

/**
 * A write refused because this replica no longer holds the lease it needs (another replica took it,
 * or it expired while the table could not be reached). Nothing was written.
 */
export class LeaseLostError extends Error {
  readonly code = ERROR_CODES.checkpoint;
  constructor(
    message: string,
    /** The lease concerned: a shard id, or the export leader's key. */
    readonly leaseKey: string,
  ) {
    super(message);
    this.name = 'LeaseLostError';
  }
}

/** A store that cannot be opened, read or written (missing table, access denied, corrupt file). */
export class StateStoreError extends Error {
  readonly code = ERROR_CODES.checkpoint;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StateStoreError';
  }
}

export interface StateStore {
  readonly type: 'file' | 'dynamodb';
  /** What the start-up log line says about the store (folder, or table and region). */
  readonly describe: Readonly<Record<string, unknown>>;
  /**
   * Makes the store usable. file: takes the folder's exclusive lock (StateLockedError when another
   * process holds it). dynamodb: checks the table exists and has the lease key schema
   * (StateStoreError saying what is wrong otherwise).
   */
  open(): Promise<void>;
  /** Waits for pending writes and closes. Leases should be released by their owners first. */
  close(): Promise<void>;
  /** The shard leases of one Kinesis stream, for this replica. */
  shardLeases(options: ShardLeaseOptions): ShardLeases;
  /** The export mode's state: its leader lease, per-group progress and pause entries. */
  exportState(options: ExportStateOptions): ExportStore;
}

export interface ShardLeaseOptions {
  /** The stream's name (the file store's keys; logs). */
  readonly stream: string;
  readonly logger: Logger;
  readonly metrics: CollectorMetrics;
}

export interface ExportStateOptions {
  /**
   * A namespace of its own (an `export backfill` run's id), apart from the collector's progress and
   * leader lease; a scoped store has no pause entries (the collector's pauses do not apply to a
   * backfill). @default the collector's
   */
  readonly scope?: string;
  readonly logger: Logger;
  readonly metrics: CollectorMetrics;
}

/** A shard this replica holds the lease of and may read now. */
export interface HeldShard {
  readonly shardId: string;
  /** Where to read from: after this sequence number, or a StartCheckpoint. Never SHARD_END. */
  readonly checkpoint: string;
  /** Aborted the moment the lease is lost: stop reading the shard and acknowledge nothing more of it. */
  readonly lost: AbortSignal;
}

/**
 * The leases of one stream's shards, as one replica sees them.
 *
 * Rules both stores follow (state/kinesis-rules.ts has the shared ones):
 * - A shard is readable when its checkpoint is not SHARD_END and every parent is at SHARD_END or
 *   has no entry (never read, or cleaned up after it expired).
 * - A new shard's first checkpoint: TRIM_HORIZON when a parent has an entry (nothing after a split
 *   or merge is missed); under LATEST a closed shard never read is SHARD_END at once; otherwise the
 *   configured start.
 * - `held()` lists readable shards whose lease this replica holds. The file store holds them all.
 */
export interface ShardLeases {
  /** Loads the state and starts keeping the leases (renewing, taking, balancing); resolves when loaded. */
  start(signal: AbortSignal): Promise<void>;
  /**
   * Shard sync, with every shard ListShards gave: entries for shards without one (their first
   * checkpoint by the rules above, `start` being the configured start); entries at SHARD_END of
   * shards no longer listed are removed (past retention).
   */
  sync(shards: readonly Shard[], start: StartCheckpoint): Promise<void>;
  /** The readable shards this replica holds, in shard id order. */
  held(): readonly HeldShard[];
  /** Called whenever `held()` may have changed (a lease taken, lost or released, a parent ended). Returns an unsubscribe. */
  onChange(listener: () => void): () => void;
  /**
   * Records a checkpoint of a held shard: a sequence number (only forward: an older one resolves
   * without writing) or SHARD_END (with the child shards, when known). Durable when it resolves;
   * rejects with LeaseLostError, nothing written, when the lease is not held any more.
   */
  checkpoint(shardId: string, value: string, childShardIds?: readonly string[]): Promise<void>;
  /**
   * Graceful shutdown, once every reader stopped and its last checkpoint was written: gives the
   * leases up so that other replicas take them at their next cycle. The file store does nothing.
   */
  release(): Promise<void>;
  /** For /ready and metrics: leases held now, readable entries in total, and how long this replica has held none (ms) while there were some. */
  status(): LeaseStatus;
}

export interface LeaseStatus {
  readonly held: number;
  readonly readable: number;
  /** Milliseconds this replica has held no lease while readable entries existed; 0 when it holds some. */
  readonly withoutLeaseMs: number;
}

export type { ExportStore };
