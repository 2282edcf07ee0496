import type { Shard } from '@aws-sdk/client-kinesis';
import * as fsp from 'fs/promises';
import * as os from 'os';
import * as path from 'path';
import { FileCheckpointStore } from '../../src/state/file/checkpoint-file';
import { FileShardLeases, kinesisCheckpointKey } from '../../src/state/file/kinesis';
import { SHARD_END } from '../../src/state/store';
import type { CheckpointStore } from '../../src/types';

/** A CheckpointStore whose saves can be held, to interleave acknowledgements. */
class HeldStore implements CheckpointStore {
  readonly saved: [string, string][] = [];
  readonly held: (() => void)[] = [];
  hold = false;
  fail?: Error;
  constructor(private readonly initial: Record<string, string> = {}) {}
  async load(key: string) {
    return this.initial[key];
  }
  async loadAll() {
    return { ...this.initial };
  }
  async save(key: string, value: string) {
    if (this.fail) throw this.fail;
    if (this.hold) await new Promise<void>((resolve) => this.held.push(resolve));
    this.saved.push([key, value]);
  }
  async close() {}
}

const shard = (id: string, o: { parents?: string[]; closed?: boolean } = {}): Shard => ({
  ShardId: id,
  ParentShardId: o.parents?.[0],
  AdjacentParentShardId: o.parents?.[1],
  HashKeyRange: { StartingHashKey: '0', EndingHashKey: '1' },
  SequenceNumberRange: { StartingSequenceNumber: '1', EndingSequenceNumber: o.closed ? '9' : undefined },
});

const key = (id: string) => kinesisCheckpointKey('logs', id);

describe('FileShardLeases', () => {
  let dir: string;
  beforeEach(async () => (dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'cwl-shards-'))));
  afterEach(async () => fsp.rm(dir, { recursive: true, force: true }));

  test('keeps one key per shard, kinesis/<stream>/<shardId>, in the checkpoint file, and reads only its own stream', async () => {
    const file = path.join(dir, 'checkpoints.json');
    await fsp.writeFile(file, JSON.stringify({ 'kinesis/other/shardId-000000000001': '5', 'export/task': '' }));
    const store = new FileCheckpointStore(file);
    const leases = new FileShardLeases(store, 'logs');
    await leases.start();
    await leases.sync([shard('shardId-000000000000', { closed: true }), shard('shardId-000000000001')], 'TRIM_HORIZON');
    // Only the parentless shards are held; the other stream's checkpoint is not this stream's.
    expect(leases.held().map((h) => [h.shardId, h.checkpoint])).toEqual([
      ['shardId-000000000000', 'TRIM_HORIZON'],
      ['shardId-000000000001', 'TRIM_HORIZON'],
    ]);
    await leases.checkpoint('shardId-000000000001', '49590338271490256608559692538361571095921575989136588898');
    await leases.checkpoint('shardId-000000000000', SHARD_END);
    await store.close();
    expect(JSON.parse(await fsp.readFile(file, 'utf8'))).toEqual({
      'export/task': '',
      'kinesis/logs/shardId-000000000000': 'SHARD_END',
      'kinesis/logs/shardId-000000000001': '49590338271490256608559692538361571095921575989136588898',
      'kinesis/other/shardId-000000000001': '5',
    });
  });

  test('resumes from the file: a shard at SHARD_END is not held, one with a sequence number is held from it', async () => {
    const leases = new FileShardLeases(new HeldStore({ [key('a')]: SHARD_END, [key('b')]: '42' }), 'logs');
    await leases.start();
    await leases.sync([shard('a', { closed: true }), shard('b'), shard('c')], 'LATEST');
    expect(leases.held().map((h) => [h.shardId, h.checkpoint])).toEqual([
      ['b', '42'],
      ['c', 'LATEST'],
    ]);
    expect(leases.status()).toEqual({ held: 2, readable: 2, withoutLeaseMs: 0 });
  });

  test('a child is held only once every listed parent is at SHARD_END, and starts at TRIM_HORIZON when a parent has a checkpoint', async () => {
    const store = new HeldStore({ [key('p1')]: '7' });
    const leases = new FileShardLeases(store, 'logs');
    const changes: string[][] = [];
    leases.onChange(() => changes.push(leases.held().map((h) => h.shardId)));
    await leases.start();
    await leases.sync([shard('p1', { closed: true }), shard('p2', { closed: true }), shard('c', { parents: ['p1', 'p2'] })], 'LATEST');
    // p2 was never read and is closed: under LATEST it is skipped (SHARD_END), p1 is read on from its checkpoint.
    expect(leases.held().map((h) => h.shardId)).toEqual(['p1']);
    await leases.checkpoint('p1', SHARD_END);
    expect(leases.held().map((h) => [h.shardId, h.checkpoint])).toEqual([['c', 'TRIM_HORIZON']]);
    expect(changes.at(-1)).toEqual(['c']);
  });

  test('a parent no longer listed (expired) does not hold its child back', async () => {
    const leases = new FileShardLeases(new HeldStore(), 'logs');
    await leases.start();
    await leases.sync([shard('c', { parents: ['gone'] })], 'TRIM_HORIZON');
    expect(leases.held().map((h) => h.shardId)).toEqual(['c']);
  });

  test('a checkpoint only moves forward, by sequence number order (not string order), and never past SHARD_END', async () => {
    const store = new HeldStore();
    const leases = new FileShardLeases(store, 'logs');
    await leases.start();
    await leases.checkpoint('s', '100');
    await leases.checkpoint('s', '99');
    await leases.checkpoint('s', '1000');
    expect(store.saved).toEqual([
      [key('s'), '100'],
      [key('s'), '1000'],
    ]);
    await leases.checkpoint('s', SHARD_END);
    await leases.checkpoint('s', '5000');
    expect(store.saved.at(-1)).toEqual([key('s'), SHARD_END]);
  });

  test('an older ack whose save ends after a newer one does not move the checkpoint back', async () => {
    const store = new HeldStore();
    const leases = new FileShardLeases(store, 'logs');
    await leases.start();
    await leases.sync([shard('s')], 'TRIM_HORIZON');
    store.hold = true;
    const older = leases.checkpoint('s', '10');
    const newer = leases.checkpoint('s', '20');
    await new Promise((r) => setImmediate(r));
    // The newer save completes first.
    store.held[1]();
    await newer;
    store.held[0]();
    await older;
    expect(leases.held()[0].checkpoint).toBe('20');
  });

  test('a failed save rejects and leaves the checkpoint where it was; the file store never loses a lease', async () => {
    const store = new HeldStore();
    const leases = new FileShardLeases(store, 'logs');
    await leases.start();
    await leases.sync([shard('s', { closed: true })], 'TRIM_HORIZON');
    await leases.checkpoint('s', '7');
    store.fail = new Error('disk full');
    await expect(leases.checkpoint('s', '8')).rejects.toThrow('disk full');
    await expect(leases.checkpoint('s', SHARD_END)).rejects.toThrow('disk full');
    const [held] = leases.held();
    expect(held.checkpoint).toBe('7');
    expect(held.lost.aborted).toBe(false);
    await leases.release();
    expect(held.lost.aborted).toBe(false);
  });
});
