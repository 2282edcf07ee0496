import { GetRecordsCommandInput, GetRecordsCommandOutput, GetShardIteratorCommandInput, ListShardsCommandInput, Shard } from '@aws-sdk/client-kinesis';
import { silentLogger } from '../../src/ops/log';
import { createMetrics } from '../../src/ops/metrics';
import { FileShardLeases, kinesisCheckpointKey } from '../../src/state/file/kinesis';
import { SHARD_END } from '../../src/state/store';
import { KinesisSourceError } from '../../src/sources/kinesis/errors';
import type { KinesisPort } from '../../src/sources/kinesis/ports';
import { KinesisSource, KinesisSourceOptions } from '../../src/sources/kinesis/source';
import { CheckpointStore, SourceBatch } from '../../src/types';
import { waitFor } from './kinesalite';

/**
 * Behaviour that kinesalite cannot show (pagination, expired parents, MillisBehindLatest, byte pacing,
 * access errors), against a scripted Kinesis port and a fake clock.
 */

jest.setTimeout(15000);

class MemoryStore implements CheckpointStore {
  readonly saves: [string, string][] = [];
  constructor(readonly map: Record<string, string> = {}) {}
  async load(key: string) {
    return this.map[key];
  }
  async loadAll() {
    return { ...this.map };
  }
  async save(key: string, value: string) {
    this.saves.push([key, value]);
    this.map[key] = value;
  }
  async close() {}
}

interface ScriptedShard {
  readonly shard: Shard;
  /** Responses for successive GetRecords calls; after the last one, empty responses (or the end of a closed shard). */
  readonly responses: Partial<GetRecordsCommandOutput>[];
  /** Listed only once this shard was read to its end (as children appear when their parent closes). */
  readonly listedAfterEndOf?: string;
}

const open = (id: string, parents: string[] = []): Shard => ({
  ShardId: id,
  ParentShardId: parents[0],
  AdjacentParentShardId: parents[1],
  HashKeyRange: { StartingHashKey: '0', EndingHashKey: '1' },
  SequenceNumberRange: { StartingSequenceNumber: '1' },
});
const closed = (id: string, parents: string[] = []): Shard => ({
  ...open(id, parents),
  SequenceNumberRange: { StartingSequenceNumber: '1', EndingSequenceNumber: '999' },
});
const rec = (seq: number, bytes = 10) => ({ SequenceNumber: String(seq), Data: new Uint8Array(bytes), PartitionKey: 'k' });

/** A scripted Kinesis port: ListShards in pages of `pageSize`, GetRecords answered from each shard's script. */
class ScriptedKinesis implements KinesisPort {
  readonly calls: { name: string; input: unknown; at: number }[] = [];
  readonly listInputs: ListShardsCommandInput[] = [];
  readonly iteratorInputs: GetShardIteratorCommandInput[] = [];
  private readonly progress = new Map<string, number>();
  private readonly ended = new Set<string>();
  fail?: (name: string, input: unknown) => Error | undefined;

  constructor(
    readonly shards: ScriptedShard[],
    private readonly now: () => number,
    private readonly pageSize = 100,
  ) {}

  private async call(name: string, input: unknown): Promise<void> {
    await Promise.resolve();
    this.calls.push({ name, input, at: this.now() });
    const err = this.fail?.(name, input);
    if (err) throw err;
  }

  async listShards(input: ListShardsCommandInput) {
    await this.call('ListShards', input);
    this.listInputs.push(input);
    const start = input.NextToken ? Number(input.NextToken) : 0;
    const visible = this.shards.filter((s) => !s.listedAfterEndOf || this.ended.has(s.listedAfterEndOf));
    const page = visible.slice(start, start + this.pageSize).map((s) => s.shard);
    const next = start + this.pageSize < visible.length ? String(start + this.pageSize) : undefined;
    return { Shards: page, NextToken: next };
  }

  async getShardIterator(input: GetShardIteratorCommandInput) {
    await this.call('GetShardIterator', input);
    this.iteratorInputs.push(input);
    return { ShardIterator: `${input.ShardId}` };
  }

  async getRecords(input: GetRecordsCommandInput) {
    await this.call('GetRecords', input);
    const id = input.ShardIterator!;
    const script = this.shards.find((s) => s.shard.ShardId === id)!;
    const n = this.progress.get(id) ?? 0;
    this.progress.set(id, n + 1);
    const r = script.responses[n];
    const ended = n >= script.responses.length - 1 && !!script.shard.SequenceNumberRange?.EndingSequenceNumber;
    if (ended) this.ended.add(id);
    return { Records: r?.Records ?? [], MillisBehindLatest: r?.MillisBehindLatest ?? 0, NextShardIterator: ended ? undefined : id };
  }

  getRecordsTimes(shard: string): number[] {
    return this.calls.filter((c) => c.name === 'GetRecords' && (c.input as { ShardIterator: string }).ShardIterator === shard).map((c) => c.at);
  }
}

/** A clock that only moves when the source sleeps; discovery sleeps wait for abort instead. */
function fakeTime() {
  let now = 1_000_000;
  const sleeps: number[] = [];
  return {
    clock: () => now,
    sleeps,
    sleep: (ms: number, signal: AbortSignal) => {
      sleeps.push(ms);
      if (ms >= 60000) return new Promise<void>((resolve) => (signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true })));
      now += ms;
      return new Promise<void>((resolve) => setImmediate(resolve));
    },
  };
}

function source(kinesis: ScriptedKinesis, time: ReturnType<typeof fakeTime>, store: CheckpointStore, overrides: Partial<KinesisSourceOptions> = {}) {
  return new KinesisSource({
    kinesis,
    streamName: 's',
    leases: new FileShardLeases(store, 's'),
    startPosition: { type: 'TRIM_HORIZON' },
    logger: silentLogger(),
    metrics: createMetrics(),
    clock: time.clock,
    sleep: time.sleep,
    random: () => 0.5,
    ...overrides,
  });
}

async function runUntil(src: KinesisSource, until: (handled: SourceBatch[]) => boolean, what: string): Promise<SourceBatch[]> {
  const handled: SourceBatch[] = [];
  const controller = new AbortController();
  const done = src.run(async (b) => {
    handled.push(b);
    await b.ack();
  }, controller.signal);
  let failed: unknown;
  done.catch((e) => (failed = e));
  try {
    await waitFor(what, 5000, () => {
      if (failed) throw failed;
      return until(handled);
    });
  } finally {
    controller.abort();
    await done;
  }
  return handled;
}

const seqs = (batches: SourceBatch[]) => batches.flatMap((b) => b.records.map((r) => (r.origin as { sequenceNumber: string }).sequenceNumber));

describe('KinesisSource with a scripted client', () => {
  test('ListShards follows NextToken without the stream name and reads shards from every page', async () => {
    const time = fakeTime();
    const kinesis = new ScriptedKinesis(
      [0, 1, 2, 3, 4].map((i) => ({ shard: open(`shardId-00000000000${i}`), responses: [{ Records: [rec(i + 1)] }] })),
      time.clock,
      2,
    );
    const handled = await runUntil(source(kinesis, time, new MemoryStore()), (h) => h.length === 5, 'a batch from each of 5 shards');
    expect(seqs(handled).sort()).toEqual(['1', '2', '3', '4', '5']);
    expect(kinesis.listInputs.slice(0, 3)).toEqual([{ StreamName: 's' }, { NextToken: '2' }, { NextToken: '4' }]);
  });

  test('requests name the stream by ARN when given one, and labels use its name', async () => {
    const time = fakeTime();
    const kinesis = new ScriptedKinesis([{ shard: open('shardId-000000000000'), responses: [{ Records: [rec(1)] }] }], time.clock);
    const arn = 'arn:aws:kinesis:eu-west-1:123456789012:stream/central-logs';
    const handled = await runUntil(source(kinesis, time, new MemoryStore(), { streamName: undefined, streamArn: arn }), (h) => h.length === 1, 'one batch');
    expect(kinesis.listInputs[0]).toEqual({ StreamARN: arn });
    expect(kinesis.iteratorInputs[0]).toMatchObject({ StreamARN: arn, ShardId: 'shardId-000000000000' });
    expect(handled[0].labels).toEqual({ stream: 'central-logs', shard: 'shardId-000000000000' });
  });

  test('a child waits for its listed parent to be read to the end and checkpointed, then starts at TRIM_HORIZON whatever the start position', async () => {
    const time = fakeTime();
    const store = new MemoryStore();
    const kinesis = new ScriptedKinesis(
      [
        { shard: closed('shardId-000000000000'), responses: [{ Records: [rec(1)] }, { Records: [rec(2)] }, { Records: [rec(3)] }] },
        { shard: open('shardId-000000000001', ['shardId-000000000000']), responses: [{ Records: [rec(10)] }] },
      ],
      time.clock,
    );
    // The parent has a checkpoint, so it is read (from there) even under LATEST.
    store.map[kinesisCheckpointKey('s', 'shardId-000000000000')] = '0';
    const handled = await runUntil(source(kinesis, time, store, { startPosition: { type: 'LATEST' } }), (h) => h.length === 4, 'parent then child');
    expect(seqs(handled)).toEqual(['1', '2', '3', '10']);
    const endSaved = store.saves.findIndex(([k, v]) => k === kinesisCheckpointKey('s', 'shardId-000000000000') && v === SHARD_END);
    expect(endSaved).toBeGreaterThan(-1);
    expect(kinesis.iteratorInputs.map((i) => [i.ShardId, i.ShardIteratorType, i.StartingSequenceNumber])).toEqual([
      ['shardId-000000000000', 'AFTER_SEQUENCE_NUMBER', '0'],
      ['shardId-000000000001', 'TRIM_HORIZON', undefined],
    ]);
  });

  test('children that appear when their parent ends are found at once, without waiting for the discovery interval', async () => {
    const time = fakeTime();
    const kinesis = new ScriptedKinesis(
      [
        { shard: closed('shardId-000000000000'), responses: [{ Records: [rec(1)] }, { Records: [] }] },
        { shard: open('shardId-000000000001', ['shardId-000000000000']), responses: [{ Records: [rec(2)] }], listedAfterEndOf: 'shardId-000000000000' },
        { shard: open('shardId-000000000002', ['shardId-000000000000']), responses: [{ Records: [rec(3)] }], listedAfterEndOf: 'shardId-000000000000' },
      ],
      time.clock,
    );
    // The fake sleep never ends a 60 s discovery wait: only the parent's end can trigger the listing.
    const handled = await runUntil(
      source(kinesis, time, new MemoryStore(), { limits: { shardDiscoveryIntervalMs: 60000 } }),
      (h) => h.length === 3,
      'parent and both children',
    );
    expect(seqs(handled.slice(0, 1))).toEqual(['1']);
    expect(seqs(handled.slice(1)).sort()).toEqual(['2', '3']);
    expect(kinesis.listInputs.length).toBe(2);
  });

  test('a child whose parents expired out of the stream (not listed) is read; shards checkpointed SHARD_END are not', async () => {
    const time = fakeTime();
    const store = new MemoryStore({ [kinesisCheckpointKey('s', 'shardId-000000000002')]: SHARD_END });
    const kinesis = new ScriptedKinesis(
      [
        { shard: closed('shardId-000000000002'), responses: [{ Records: [rec(99)] }] },
        { shard: open('shardId-000000000003', ['shardId-000000000000', 'shardId-000000000002']), responses: [{ Records: [rec(5)] }] },
      ],
      time.clock,
    );
    const handled = await runUntil(source(kinesis, time, store), (h) => h.length === 1, 'the child');
    expect(seqs(handled)).toEqual(['5']);
    expect(kinesis.iteratorInputs.map((i) => i.ShardId)).toEqual(['shardId-000000000003']);
    // Its parent (shardId-000000000002) has a checkpoint: the child starts at TRIM_HORIZON.
    expect(kinesis.iteratorInputs[0].ShardIteratorType).toBe('TRIM_HORIZON');
  });

  test('under LATEST, closed shards never read are skipped and their open children start at LATEST', async () => {
    const time = fakeTime();
    const kinesis = new ScriptedKinesis(
      [
        { shard: closed('shardId-000000000000'), responses: [{ Records: [rec(1)] }] },
        { shard: open('shardId-000000000001', ['shardId-000000000000']), responses: [{ Records: [rec(7)] }] },
      ],
      time.clock,
    );
    const handled = await runUntil(source(kinesis, time, new MemoryStore(), { startPosition: { type: 'LATEST' } }), (h) => h.length === 1, 'the child');
    expect(seqs(handled)).toEqual(['7']);
    expect(kinesis.iteratorInputs.map((i) => [i.ShardId, i.ShardIteratorType])).toEqual([['shardId-000000000001', 'LATEST']]);
  });

  test('GetRecords calls are spaced by 1/5 s and by the bytes read at 2 MB/s, and an empty caught-up call waits pollIntervalMs', async () => {
    const time = fakeTime();
    const id = 'shardId-000000000000';
    const kinesis = new ScriptedKinesis(
      [
        {
          shard: open(id),
          responses: [
            { Records: [rec(1, 10)], MillisBehindLatest: 5000 },
            { Records: [rec(2, 3_000_000)], MillisBehindLatest: 4000 },
            { Records: [], MillisBehindLatest: 3000 },
            { Records: [], MillisBehindLatest: 0 },
            { Records: [rec(3, 10)], MillisBehindLatest: 0 },
          ],
        },
      ],
      time.clock,
    );
    const metrics = createMetrics();
    await runUntil(source(kinesis, time, new MemoryStore(), { metrics, limits: { pollIntervalMs: 700 } }), (h) => h.length === 3, 'three batches');
    const t = kinesis.getRecordsTimes(id);
    const gaps = t.slice(1, 5).map((x, i) => Math.round(x - t[i]));
    // 10 bytes → 200 ms (5 calls/s); 3 MB → 1500 ms; behind with no records → 200 ms; caught up and empty → 700 ms.
    expect(gaps).toEqual([200, 1500, 200, 700]);
    const lag = await metrics.shardLagMs.get();
    expect(lag.values).toEqual([expect.objectContaining({ labels: { stream: 's', shard: id }, value: 0 })]);
    const bytes = await metrics.bytesIn.get();
    expect(bytes.values[0]).toMatchObject({ labels: { source: 'kinesis' }, value: 3_000_020 });
  });

  test('a network error is retried with back-off; access denied rejects run with a clear error', async () => {
    const time = fakeTime();
    const kinesis = new ScriptedKinesis([{ shard: open('shardId-000000000000'), responses: [{ Records: [rec(1)] }] }], time.clock);
    let resets = 0;
    kinesis.fail = (name) => (name === 'GetRecords' && resets++ < 1 ? Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }) : undefined);
    const metrics = createMetrics();
    const handled = await runUntil(source(kinesis, time, new MemoryStore(), { metrics }), (h) => h.length === 1, 'the batch after a reset');
    expect(seqs(handled)).toEqual(['1']);
    expect((await metrics.retries.get()).values[0]).toMatchObject({ labels: { component: 'kinesis' }, value: 1 });

    const denied = new ScriptedKinesis([{ shard: open('shardId-000000000000'), responses: [] }], time.clock);
    denied.fail = (name) =>
      name === 'GetShardIterator'
        ? Object.assign(new Error('User is not authorized to perform: kinesis:GetShardIterator'), {
            name: 'AccessDeniedException',
            $metadata: { httpStatusCode: 400 },
          })
        : undefined;
    const err = await source(denied, time, new MemoryStore())
      .run(async () => undefined, new AbortController().signal)
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(err).toBeInstanceOf(KinesisSourceError);
    expect((err as Error).message).toMatch(/GetShardIterator on shard shardId-000000000000 of stream s failed with AccessDeniedException.*kinesis:ListShards/);
  });

  test('a checkpoint store that cannot be read rejects run before any shard is read', async () => {
    const time = fakeTime();
    const kinesis = new ScriptedKinesis([{ shard: open('shardId-000000000000'), responses: [{ Records: [rec(1)] }] }], time.clock);
    const store = new MemoryStore();
    store.loadAll = () => Promise.reject(new Error('checkpoint file /state/checkpoints.json is corrupt'));
    await expect(source(kinesis, time, store).run(async () => undefined, new AbortController().signal)).rejects.toThrow(/checkpoints\.json is corrupt/);
    expect(kinesis.calls).toEqual([]);
  });

  test('invalid options are reported together', () => {
    const time = fakeTime();
    expect(
      () =>
        new KinesisSource({
          kinesis: {} as KinesisPort,
          leases: new FileShardLeases(new MemoryStore(), 's'),
          startPosition: { type: 'AT_TIMESTAMP', timestamp: new Date('nope') },
          limits: { maxRecordsPerCall: 20000, pollIntervalMs: -1 },
          logger: silentLogger(),
          metrics: createMetrics(),
          sleep: time.sleep,
        }),
    ).toThrow(
      /streamName and streamArn.*timestamp must be a valid Date.*pollIntervalMs must be a positive number.*maxRecordsPerCall must be an integer from 1 to 10000/,
    );
  });
});
