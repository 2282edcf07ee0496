import * as fsp from 'fs/promises';
import * as os from 'os';
import * as path from 'path';
import { FileCheckpointStore } from '../../src/checkpoint/file-store';
import { kinesisCheckpointKey, SHARD_END, ShardCheckpoints, shardStateInCheckpoints, ShardStateStore } from '../../src/sources/kinesis/checkpoints';

/** A ShardStateStore whose saves can be held, to interleave acknowledgements. */
class HeldStore implements ShardStateStore {
  readonly saved: [string, string][] = [];
  readonly held: (() => void)[] = [];
  hold = false;
  fail?: Error;
  async loadAll() {
    return new Map<string, string>();
  }
  async save(shardId: string, checkpoint: string) {
    if (this.fail) throw this.fail;
    if (this.hold) await new Promise<void>((resolve) => this.held.push(resolve));
    this.saved.push([shardId, checkpoint]);
  }
}

describe('shardStateInCheckpoints', () => {
  let dir: string;
  beforeEach(async () => (dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'cwl-shards-'))));
  afterEach(async () => fsp.rm(dir, { recursive: true, force: true }));

  test('keeps one key per shard, kinesis/<stream>/<shardId>, in the checkpoint file, and reads only its own stream', async () => {
    const file = path.join(dir, 'checkpoints.json');
    await fsp.writeFile(file, JSON.stringify({ 'kinesis/other/shardId-000000000000': '5', 'export/task': '' }));
    const store = new FileCheckpointStore(file);
    const shards = shardStateInCheckpoints(store, 'logs');
    await shards.save('shardId-000000000001', '49590338271490256608559692538361571095921575989136588898');
    await shards.save('shardId-000000000000', SHARD_END);
    expect(await shards.loadAll()).toEqual(
      new Map([
        ['shardId-000000000000', SHARD_END],
        ['shardId-000000000001', '49590338271490256608559692538361571095921575989136588898'],
      ]),
    );
    await store.close();
    expect(JSON.parse(await fsp.readFile(file, 'utf8'))).toEqual({
      'export/task': '',
      'kinesis/logs/shardId-000000000000': 'SHARD_END',
      'kinesis/logs/shardId-000000000001': '49590338271490256608559692538361571095921575989136588898',
      'kinesis/other/shardId-000000000000': '5',
    });
    expect(kinesisCheckpointKey('logs', 'shardId-000000000001')).toBe('kinesis/logs/shardId-000000000001');
  });
});

describe('ShardCheckpoints', () => {
  test('load reports the shards at SHARD_END; resumeAfter gives a sequence number only for shards not at their end', async () => {
    const store: ShardStateStore = {
      loadAll: async () =>
        new Map([
          ['a', SHARD_END],
          ['b', '42'],
        ]),
      save: async () => undefined,
    };
    const cps = new ShardCheckpoints(store);
    expect(await cps.load()).toEqual(['a']);
    expect([cps.resumeAfter('a'), cps.resumeAfter('b'), cps.resumeAfter('c')]).toEqual([undefined, '42', undefined]);
    expect([cps.has('a'), cps.has('b'), cps.has('c')]).toEqual([true, true, false]);
  });

  test('a checkpoint only moves forward, by sequence number order (not string order), and never past SHARD_END', async () => {
    const store = new HeldStore();
    const cps = new ShardCheckpoints(store);
    await cps.advance('s', '100');
    await cps.advance('s', '99');
    await cps.advance('s', '1000');
    expect(store.saved).toEqual([
      ['s', '100'],
      ['s', '1000'],
    ]);
    await cps.end('s');
    await cps.advance('s', '5000');
    expect(store.saved.at(-1)).toEqual(['s', SHARD_END]);
    expect(cps.resumeAfter('s')).toBeUndefined();
  });

  test('an older ack whose save ends after a newer one does not move the known checkpoint back', async () => {
    const store = new HeldStore();
    const cps = new ShardCheckpoints(store);
    store.hold = true;
    const older = cps.advance('s', '10');
    const newer = cps.advance('s', '20');
    await new Promise((r) => setImmediate(r));
    // The newer save completes first.
    store.held[1]();
    await newer;
    store.held[0]();
    await older;
    expect(cps.resumeAfter('s')).toBe('20');
  });

  test('a failed save leaves the checkpoint where it was', async () => {
    const store = new HeldStore();
    const cps = new ShardCheckpoints(store);
    await cps.advance('s', '7');
    store.fail = new Error('disk full');
    await expect(cps.advance('s', '8')).rejects.toThrow('disk full');
    await expect(cps.end('s')).rejects.toThrow('disk full');
    expect(cps.resumeAfter('s')).toBe('7');
  });
});
