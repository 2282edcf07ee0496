/**
 * Shard lease items as the Kinesis Client Library 2.x writes them, both ways: the item of a shard
 * (key `leaseKey` = the shard id) and the conditional writes of the lease protocol (leases.ts).
 * Attribute names and types are KCL's, so a table can pass from KCL workers to ours and back (one
 * fleet at a time):
 *
 * | attribute | type | |
 * |---|---|---|
 * | leaseKey | S | the shard id |
 * | leaseOwner | S | the worker holding it; absent = unowned |
 * | leaseCounter | N | bumped by every write of the lease (renew, take, checkpoint, release) |
 * | checkpoint | S | a sequence number, or TRIM_HORIZON, LATEST, AT_TIMESTAMP, SHARD_END |
 * | checkpointSubSequenceNumber | N | KPL sub-records; always 0 here (records are read whole) |
 * | ownerSwitchesSinceCheckpoint | N | takes from another owner since the last checkpoint |
 * | parentShardId | SS | only when the shard has parents |
 * | childShardIds | SS | written with SHARD_END when the children are known |
 * | startingHashKey, endingHashKey | S | the shard's hash key range |
 *
 * Read but never written: `entityType` (KCL 3.5 single-table rows: any value but LEASE is not a
 * lease), `pendingCheckpoint` (a two-phase KCL checkpoint not completed: we resume from `checkpoint`,
 * which re-delivers and never skips, and a checkpoint of ours removes the pending one, as KCL's
 * does), `checkpointOwner` (KCL 3 graceful hand-off: a take removes it).
 */
import type { Shard } from '@aws-sdk/client-kinesis';
import type { UpdateItemCommandInput } from '@aws-sdk/client-dynamodb';
import { parentsOf } from '../kinesis-rules';
import { attr, Item, LEASE_KEY } from './table';

/** KCL's attribute names. */
export const LEASE_ATTR = {
  owner: 'leaseOwner',
  counter: 'leaseCounter',
  checkpoint: 'checkpoint',
  subSequenceNumber: 'checkpointSubSequenceNumber',
  ownerSwitches: 'ownerSwitchesSinceCheckpoint',
  parents: 'parentShardId',
  children: 'childShardIds',
  startingHashKey: 'startingHashKey',
  endingHashKey: 'endingHashKey',
  pendingCheckpoint: 'pendingCheckpoint',
  pendingSubSequenceNumber: 'pendingCheckpointSubSequenceNumber',
  pendingState: 'pendingCheckpointState',
  checkpointOwner: 'checkpointOwner',
  entityType: 'entityType',
} as const;

/** A shard lease as read from its item. */
export interface ShardLeaseItem {
  readonly shardId: string;
  /** Undefined when unowned. */
  readonly owner?: string;
  readonly counter: bigint;
  readonly checkpoint: string;
  readonly ownerSwitches: number;
  readonly parents: readonly string[];
  readonly children: readonly string[];
  /** A KCL two-phase checkpoint not completed, if any (see the file comment). */
  readonly pendingCheckpoint?: string;
  /** KCL 3's previous owner during a graceful hand-off, if any. */
  readonly checkpointOwner?: string;
}

/** What an item of the table is: a shard lease, a row of something else, or a lease row we cannot read. */
export type ParsedItem =
  { readonly kind: 'lease'; readonly lease: ShardLeaseItem } | { readonly kind: 'other' } | { readonly kind: 'malformed'; readonly why: string };

/**
 * Reads an item. Not shard leases of this stream (`other`): export state (keys `export/…`), KCL 3.5
 * metadata rows (`entityType` other than LEASE), and KCL multi-stream leases (keys
 * `account:stream:epoch:shardId`), which a single-stream application never reads.
 */
export function parseLeaseItem(item: Item): ParsedItem {
  const key = attr.str(item, LEASE_KEY);
  if (key === undefined || key.startsWith('export/') || key.includes(':')) return { kind: 'other' };
  const entityType = attr.str(item, LEASE_ATTR.entityType);
  if (item[LEASE_ATTR.entityType] !== undefined && entityType !== 'LEASE') return { kind: 'other' };
  const checkpoint = attr.str(item, LEASE_ATTR.checkpoint);
  if (checkpoint === undefined) return { kind: 'malformed', why: 'no checkpoint (S)' };
  const counter = item[LEASE_ATTR.counter]?.N;
  if (counter === undefined || !/^\d+$/.test(counter)) return { kind: 'malformed', why: 'no whole leaseCounter (N)' };
  const owner = attr.str(item, LEASE_ATTR.owner);
  return {
    kind: 'lease',
    lease: {
      shardId: key,
      ...(owner !== undefined && owner !== '' && { owner }),
      counter: BigInt(counter),
      checkpoint,
      ownerSwitches: attr.num(item, LEASE_ATTR.ownerSwitches) ?? 0,
      parents: attr.strs(item, LEASE_ATTR.parents),
      children: attr.strs(item, LEASE_ATTR.children),
      ...(attr.str(item, LEASE_ATTR.pendingCheckpoint) !== undefined && { pendingCheckpoint: attr.str(item, LEASE_ATTR.pendingCheckpoint) }),
      ...(attr.str(item, LEASE_ATTR.checkpointOwner) !== undefined && { checkpointOwner: attr.str(item, LEASE_ATTR.checkpointOwner) }),
    },
  };
}

/** The item of a shard's new lease: unowned, counter 0, at `checkpoint` (written with attribute_not_exists(leaseKey)). */
export function newLeaseItem(shard: Shard, checkpoint: string): Item {
  const parents = parentsOf(shard);
  const range = shard.HashKeyRange;
  return {
    [LEASE_KEY]: attr.s(shard.ShardId!),
    [LEASE_ATTR.counter]: attr.n(0),
    [LEASE_ATTR.checkpoint]: attr.s(checkpoint),
    [LEASE_ATTR.subSequenceNumber]: attr.n(0),
    [LEASE_ATTR.ownerSwitches]: attr.n(0),
    ...(parents.length > 0 && { [LEASE_ATTR.parents]: attr.ss(parents) }),
    ...(range?.StartingHashKey !== undefined && { [LEASE_ATTR.startingHashKey]: attr.s(range.StartingHashKey) }),
    ...(range?.EndingHashKey !== undefined && { [LEASE_ATTR.endingHashKey]: attr.s(range.EndingHashKey) }),
  };
}

/** An UpdateItem input of the lease protocol (LeaseTable.update adds the table and ALL_NEW). */
export type LeaseUpdate = Omit<UpdateItemCommandInput, 'TableName' | 'ReturnValues'>;

const key = (shardId: string) => ({ [LEASE_KEY]: attr.s(shardId) });

/** Renew: the counter bumped, if the lease is still `owner`'s at `counter`. */
export function renewUpdate(shardId: string, counter: bigint, owner: string): LeaseUpdate {
  return {
    Key: key(shardId),
    UpdateExpression: 'SET #counter = :next',
    ConditionExpression: '#counter = :counter AND #owner = :me',
    ExpressionAttributeNames: { '#counter': LEASE_ATTR.counter, '#owner': LEASE_ATTR.owner },
    ExpressionAttributeValues: { ':counter': attr.n(counter), ':next': attr.n(counter + 1n), ':me': attr.s(owner) },
  };
}

/**
 * Take (unowned or expired) or steal: `owner` becomes the owner, if the counter is still the one seen.
 * A switch from another owner counts in ownerSwitchesSinceCheckpoint (not a take of an unowned lease, as in KCL).
 */
export function takeUpdate(lease: ShardLeaseItem, owner: string): LeaseUpdate {
  const switches = lease.owner !== undefined && lease.owner !== owner;
  return {
    Key: key(lease.shardId),
    UpdateExpression: `SET #owner = :me, #counter = :next${switches ? ', #switches = if_not_exists(#switches, :zero) + :one' : ''} REMOVE #checkpointOwner`,
    ConditionExpression: '#counter = :counter',
    ExpressionAttributeNames: {
      '#counter': LEASE_ATTR.counter,
      '#owner': LEASE_ATTR.owner,
      '#checkpointOwner': LEASE_ATTR.checkpointOwner,
      ...(switches && { '#switches': LEASE_ATTR.ownerSwitches }),
    },
    ExpressionAttributeValues: {
      ':counter': attr.n(lease.counter),
      ':next': attr.n(lease.counter + 1n),
      ':me': attr.s(owner),
      ...(switches && { ':zero': attr.n(0), ':one': attr.n(1) }),
    },
  };
}

/**
 * Checkpoint (also a renew): the checkpoint written, sub-sequence number and owner switches reset,
 * a pending KCL checkpoint removed, the children recorded when given; if `owner`'s at `counter`.
 */
export function checkpointUpdate(shardId: string, counter: bigint, owner: string, checkpoint: string, children?: readonly string[]): LeaseUpdate {
  const withChildren = children !== undefined && children.length > 0;
  return {
    Key: key(shardId),
    UpdateExpression:
      `SET #checkpoint = :checkpoint, #sub = :zero, #switches = :zero, #counter = :next${withChildren ? ', #children = :children' : ''}` +
      ' REMOVE #pending, #pendingSub, #pendingState',
    ConditionExpression: '#counter = :counter AND #owner = :me',
    ExpressionAttributeNames: {
      '#checkpoint': LEASE_ATTR.checkpoint,
      '#sub': LEASE_ATTR.subSequenceNumber,
      '#switches': LEASE_ATTR.ownerSwitches,
      '#counter': LEASE_ATTR.counter,
      '#owner': LEASE_ATTR.owner,
      '#pending': LEASE_ATTR.pendingCheckpoint,
      '#pendingSub': LEASE_ATTR.pendingSubSequenceNumber,
      '#pendingState': LEASE_ATTR.pendingState,
      ...(withChildren && { '#children': LEASE_ATTR.children }),
    },
    ExpressionAttributeValues: {
      ':checkpoint': attr.s(checkpoint),
      ':zero': attr.n(0),
      ':counter': attr.n(counter),
      ':next': attr.n(counter + 1n),
      ':me': attr.s(owner),
      ...(withChildren && { ':children': attr.ss(children) }),
    },
  };
}

/** Release (graceful shutdown): unowned, counter bumped, if still `owner`'s at `counter`. */
export function releaseUpdate(shardId: string, counter: bigint, owner: string): LeaseUpdate {
  return {
    Key: key(shardId),
    UpdateExpression: 'SET #counter = :next REMOVE #owner',
    ConditionExpression: '#counter = :counter AND #owner = :me',
    ExpressionAttributeNames: { '#counter': LEASE_ATTR.counter, '#owner': LEASE_ATTR.owner },
    ExpressionAttributeValues: { ':counter': attr.n(counter), ':next': attr.n(counter + 1n), ':me': attr.s(owner) },
  };
}

/** Delete of a finished lease, if nobody wrote it since it was seen at `counter`. */
export function deleteCondition(shardId: string, counter: bigint) {
  return {
    Key: key(shardId),
    ConditionExpression: '#counter = :counter',
    ExpressionAttributeNames: { '#counter': LEASE_ATTR.counter },
    ExpressionAttributeValues: { ':counter': attr.n(counter) },
  };
}
