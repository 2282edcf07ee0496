import type { Shard } from '@aws-sdk/client-kinesis';
import { newLeaseItem, parseLeaseItem, takeUpdate } from '../../src/state/dynamodb/items';
import { initialCheckpoint, isReadable, moveForward, parentsOf } from '../../src/state/kinesis-rules';

const shard = (id: string, o: { parents?: string[]; closed?: boolean } = {}): Shard => ({
  ShardId: id,
  ParentShardId: o.parents?.[0],
  AdjacentParentShardId: o.parents?.[1],
  HashKeyRange: { StartingHashKey: '0', EndingHashKey: '170141183460469231731687303715884105727' },
  SequenceNumberRange: { StartingSequenceNumber: '49590338271490256608559692538361571095921575989136588898', EndingSequenceNumber: o.closed ? '9' : undefined },
});

describe('kinesis rules', () => {
  test('parents are the split parent and the merge partner, when present', () => {
    expect(parentsOf(shard('c', { parents: ['a', 'b'] }))).toEqual(['a', 'b']);
    expect(parentsOf(shard('c'))).toEqual([]);
  });

  test('a shard whose parent has an entry starts at TRIM_HORIZON, whatever the configured start', () => {
    expect(initialCheckpoint(shard('c', { parents: ['p'] }), (id) => id === 'p', 'LATEST')).toBe('TRIM_HORIZON');
    expect(initialCheckpoint(shard('c', { parents: ['p'], closed: true }), (id) => id === 'p', 'LATEST')).toBe('TRIM_HORIZON');
  });

  test('under LATEST a closed shard never read (no parent entry) is finished at once; open ones start at the configured start', () => {
    expect(initialCheckpoint(shard('c', { parents: ['gone'], closed: true }), () => false, 'LATEST')).toBe('SHARD_END');
    expect(initialCheckpoint(shard('c', { closed: true }), () => false, 'TRIM_HORIZON')).toBe('TRIM_HORIZON');
    expect(initialCheckpoint(shard('c'), () => false, 'LATEST')).toBe('LATEST');
    expect(initialCheckpoint(shard('c'), () => false, 'AT_TIMESTAMP')).toBe('AT_TIMESTAMP');
  });

  test('a shard is readable when not finished and every parent is finished or has no entry', () => {
    const cps: Record<string, string> = { done: 'SHARD_END', reading: '123' };
    const of = (id: string) => cps[id];
    expect(isReadable('TRIM_HORIZON', [], of)).toBe(true);
    expect(isReadable('SHARD_END', [], of)).toBe(false);
    expect(isReadable('TRIM_HORIZON', ['done', 'missing'], of)).toBe(true);
    expect(isReadable('TRIM_HORIZON', ['done', 'reading'], of)).toBe(false);
    expect(isReadable('TRIM_HORIZON', ['x'], () => null)).toBe(true);
  });

  test('checkpoints move forward only, comparing sequence numbers beyond 2^53 as integers', () => {
    const a = '49590338271490256608559692538361571095921575989136588898';
    const b = '49590338271490256608559692538361571095921575989136588899';
    expect(moveForward(a, b)).toBe(true);
    expect(moveForward(b, a)).toBe(false);
    expect(moveForward(a, a)).toBe(false);
    expect(moveForward('9', '10')).toBe(true);
    expect(moveForward(undefined, a)).toBe(true);
    expect(moveForward('TRIM_HORIZON', a)).toBe(true);
    expect(moveForward(a, 'SHARD_END')).toBe(true);
    expect(moveForward('SHARD_END', b)).toBe(false);
    expect(moveForward('SHARD_END', 'SHARD_END')).toBe(false);
  });
});

describe('KCL lease items', () => {
  test('a new lease item has exactly KCL 2.x attribute names and types', () => {
    expect(newLeaseItem(shard('shardId-000000000002', { parents: ['shardId-000000000000', 'shardId-000000000001'] }), 'TRIM_HORIZON')).toEqual({
      leaseKey: { S: 'shardId-000000000002' },
      leaseCounter: { N: '0' },
      checkpoint: { S: 'TRIM_HORIZON' },
      checkpointSubSequenceNumber: { N: '0' },
      ownerSwitchesSinceCheckpoint: { N: '0' },
      parentShardId: { SS: ['shardId-000000000000', 'shardId-000000000001'] },
      startingHashKey: { S: '0' },
      endingHashKey: { S: '170141183460469231731687303715884105727' },
    });
    expect(newLeaseItem(shard('shardId-000000000000'), 'LATEST')).not.toHaveProperty('parentShardId');
  });

  test('a KCL item reads as a lease; counters stay exact beyond 2^53', () => {
    const parsed = parseLeaseItem({
      leaseKey: { S: 'shardId-000000000001' },
      leaseOwner: { S: 'kcl-worker-1' },
      leaseCounter: { N: '9007199254740993' },
      checkpoint: { S: '49590338271490256608559692538361571095921575989136588898' },
      checkpointSubSequenceNumber: { N: '0' },
      ownerSwitchesSinceCheckpoint: { N: '3' },
      parentShardId: { SS: ['shardId-000000000000'] },
      pendingCheckpoint: { S: '49590338271490256608559692538361571095921575989136589999' },
    });
    expect(parsed).toEqual({
      kind: 'lease',
      lease: {
        shardId: 'shardId-000000000001',
        owner: 'kcl-worker-1',
        counter: 9007199254740993n,
        checkpoint: '49590338271490256608559692538361571095921575989136588898',
        ownerSwitches: 3,
        parents: ['shardId-000000000000'],
        children: [],
        pendingCheckpoint: '49590338271490256608559692538361571095921575989136589999',
      },
    });
  });

  test('KCL 3.5 metadata rows, export state and multi-stream leases are not leases of this stream; broken lease rows are told apart', () => {
    expect(parseLeaseItem({ leaseKey: { S: 'Leader' }, entityType: { S: 'LEADER' } }).kind).toBe('other');
    expect(parseLeaseItem({ leaseKey: { S: 'Migration3.0' }, entityType: { S: 'CLIENT_VERSION_MIGRATION' } }).kind).toBe('other');
    expect(parseLeaseItem({ leaseKey: { S: 'export/leader' }, leaseCounter: { N: '1' }, checkpoint: { S: 'x' } }).kind).toBe('other');
    expect(
      parseLeaseItem({ leaseKey: { S: '111122223333:logs:1700000000:shardId-000000000000' }, leaseCounter: { N: '1' }, checkpoint: { S: 'LATEST' } }).kind,
    ).toBe('other');
    expect(
      parseLeaseItem({ leaseKey: { S: 'shardId-000000000000' }, entityType: { S: 'LEASE' }, leaseCounter: { N: '1' }, checkpoint: { S: 'LATEST' } }).kind,
    ).toBe('lease');
    expect(parseLeaseItem({ leaseKey: { S: 'shardId-000000000000' }, leaseCounter: { N: '1' } })).toEqual({ kind: 'malformed', why: 'no checkpoint (S)' });
  });

  test('a take counts an owner switch only from another owner, as KCL does', () => {
    const lease = { shardId: 's', counter: 4n, checkpoint: 'LATEST', ownerSwitches: 0, parents: [], children: [] };
    expect(takeUpdate(lease, 'me').UpdateExpression).not.toContain('#switches');
    expect(takeUpdate({ ...lease, owner: 'me' }, 'me').UpdateExpression).not.toContain('#switches');
    expect(takeUpdate({ ...lease, owner: 'other' }, 'me').UpdateExpression).toContain('#switches = if_not_exists(#switches, :zero) + :one');
  });
});
