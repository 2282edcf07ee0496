import {
  ExpiredIteratorException,
  GetRecordsCommand,
  GetShardIteratorCommand,
  GetShardIteratorCommandInput,
  KinesisClient,
  LimitExceededException,
  ProvisionedThroughputExceededException,
  SplitShardCommand,
} from '@aws-sdk/client-kinesis';
import * as fsp from 'fs/promises';
import * as os from 'os';
import * as path from 'path';
import { FileCheckpointStore } from '../../src/state/file/checkpoint-file';
import { silentLogger } from '../../src/ops/log';
import { CollectorMetrics, createMetrics } from '../../src/ops/metrics';
import { kinesisPort } from '../../src/aws/kinesis-port';
import { FileShardLeases, kinesisCheckpointKey } from '../../src/state/file/kinesis';
import { SHARD_END } from '../../src/state/store';
import { KinesisSourceError } from '../../src/sources/kinesis/errors';
import { KinesisSource, KinesisSourceOptions } from '../../src/sources/kinesis/source';
import { SourceBatch } from '../../src/types';
import {
  createStream,
  expectExactlyOnceInShardOrder,
  expectShardOrder,
  hashKeyIn,
  listShards,
  PutRecord,
  putRecords,
  RunningKinesalite,
  Seen,
  startKinesalite,
  waitFor,
} from './kinesalite';

jest.setTimeout(30000);

let kinesalite: RunningKinesalite;
let client: KinesisClient;
let dir: string;
let streamCounter = 0;

beforeAll(async () => {
  kinesalite = await startKinesalite();
  client = kinesalite.client();
});

afterAll(async () => {
  await kinesalite.close();
});

beforeEach(async () => {
  dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'cwl-kinesis-'));
});

afterEach(async () => {
  await fsp.rm(dir, { recursive: true, force: true });
});

interface Stream {
  readonly name: string;
  /** The middle hash key of each open shard, in shard order. */
  readonly hashKeys: string[];
  readonly shardIds: string[];
}

async function newStream(shards = 3): Promise<Stream> {
  const name = `logs-${++streamCounter}`;
  await createStream(client, name, shards);
  const listed = await listShards(client, name);
  return { name, hashKeys: listed.map((s) => hashKeyIn(s)), shardIds: listed.map((s) => s.ShardId!) };
}

function newSource(
  stream: Stream,
  store: FileCheckpointStore,
  overrides: Partial<KinesisSourceOptions> = {},
  metrics: CollectorMetrics = createMetrics(),
): KinesisSource {
  return new KinesisSource({
    kinesis: kinesisPort(client),
    streamName: stream.name,
    leases: new FileShardLeases(store, stream.name),
    startPosition: { type: 'TRIM_HORIZON' },
    logger: silentLogger(),
    metrics,
    ...overrides,
    limits: { pollIntervalMs: 50, shardDiscoveryIntervalMs: 5000, backoffBaseMs: 20, backoffMaxMs: 200, ...overrides.limits },
  });
}

/** Runs the source until stopped; `done` resolves (or rejects) as `run` does. */
function start(source: KinesisSource, handle: (batch: SourceBatch) => Promise<void>) {
  const controller = new AbortController();
  const done = source.run(handle, controller.signal);
  return {
    controller,
    done,
    async stop() {
      controller.abort();
      await done;
    },
  };
}

/** A client whose `send` goes through `intercept` first (to inject errors or watch calls). */
function interceptedClient(intercept: (command: unknown, call: () => Promise<unknown>) => Promise<unknown>): KinesisClient {
  const c = kinesalite.client();
  const send = c.send.bind(c) as (command: unknown, options?: unknown) => Promise<unknown>;
  (c as { send: unknown }).send = (command: unknown, options?: unknown) => intercept(command, () => send(command, options));
  return c;
}

/** Follows iterators through GetShardIterator and GetRecords to tell which shard a GetRecords call reads. */
class IteratorTracker {
  private readonly shardOf = new Map<string, string>();
  readonly iteratorRequests: GetShardIteratorCommandInput[] = [];
  readonly getRecordsCalls = new Map<string, number>();

  async track(command: unknown, call: () => Promise<unknown>, inject?: (shard: string, nthGetRecords: number) => Error | undefined): Promise<unknown> {
    if (command instanceof GetShardIteratorCommand) {
      this.iteratorRequests.push(command.input);
      const out = (await call()) as { ShardIterator?: string };
      if (out.ShardIterator) this.shardOf.set(out.ShardIterator, command.input.ShardId!);
      return out;
    }
    if (command instanceof GetRecordsCommand) {
      const shard = this.shardOf.get(command.input.ShardIterator!) ?? '?';
      const n = (this.getRecordsCalls.get(shard) ?? 0) + 1;
      this.getRecordsCalls.set(shard, n);
      const error = inject?.(shard, n);
      if (error) throw error;
      const out = (await call()) as { NextShardIterator?: string };
      if (out.NextShardIterator) this.shardOf.set(out.NextShardIterator, shard);
      return out;
    }
    return call();
  }

  requestsFor(shard: string): { type?: string; sequenceNumber?: string }[] {
    return this.iteratorRequests.filter((r) => r.ShardId === shard).map((r) => ({ type: r.ShardIteratorType, sequenceNumber: r.StartingSequenceNumber }));
  }
}

async function counterValue(metrics: CollectorMetrics, name: 'retries' | 'bytesIn', labels: Record<string, string>): Promise<number> {
  const m = await metrics[name].get();
  return m.values.filter((v) => Object.entries(labels).every(([k, l]) => (v.labels as Record<string, unknown>)[k] === l)).reduce((n, v) => n + v.value, 0);
}

describe('KinesisSource against kinesalite', () => {
  test('delivers every record of a 3-shard stream exactly once, in per-shard order, and checkpoints each shard', async () => {
    const stream = await newStream(3);
    const puts = await putRecords(client, stream.name, stream.hashKeys, 25);
    const file = path.join(dir, 'checkpoints.json');
    const store = new FileCheckpointStore(file);
    const metrics = createMetrics();
    const seen = new Seen();
    const batches: SourceBatch[] = [];
    const run = start(newSource(stream, store, { limits: { maxRecordsPerCall: 10 } }, metrics), async (batch) => {
      batches.push(batch);
      seen.record(batch);
      await batch.ack();
    });
    await waitFor('75 records', 15000, () => seen.handled.length >= puts.length);
    await run.stop();

    expectExactlyOnceInShardOrder(seen.handled, puts);
    for (const b of batches) {
      expect(b.records.length).toBeLessThanOrEqual(10);
      const shard = (b.records[0].origin as { shard: string }).shard;
      expect(b.labels).toEqual({ stream: stream.name, shard });
      for (const r of b.records) expect(r.origin).toMatchObject({ kind: 'kinesis', stream: stream.name, shard });
    }
    const checkpoints = await store.loadAll();
    for (const shard of stream.shardIds) {
      const lastPut = puts.filter((p) => p.shard === shard).pop()!;
      expect(checkpoints[kinesisCheckpointKey(stream.name, shard)]).toBe(lastPut.sequenceNumber);
    }
    const dataBytes = batches.flatMap((b) => b.records).reduce((n, r) => n + r.data.byteLength, 0);
    expect(await counterValue(metrics, 'bytesIn', { source: 'kinesis' })).toBe(dataBytes);
    const lag = await metrics.shardLagMs.get();
    expect(lag.values.map((v) => v.labels.shard).sort()).toEqual(stream.shardIds);
    await store.close();
  });

  test('after a stop with one batch handled but not acknowledged, a new source over the same checkpoint file loses nothing and repeats only that batch', async () => {
    const stream = await newStream(3);
    const puts = await putRecords(client, stream.name, stream.hashKeys, 20);
    const file = path.join(dir, 'checkpoints.json');

    const first = new Seen();
    const acked: string[] = [];
    let unacked: string[] = [];
    const store1 = new FileCheckpointStore(file);
    const run1 = start(newSource(stream, store1, { limits: { maxRecordsPerCall: 4 } }), async (batch) => {
      const items = first.record(batch);
      if (first.calls <= 4) {
        await batch.ack();
        acked.push(...items.map((i) => i.id));
        return;
      }
      // The process "dies" after handling this batch and before acknowledging it.
      unacked = items.map((i) => i.id);
      run1.controller.abort();
    });
    await waitFor('the fifth batch', 15000, () => unacked.length > 0);
    await run1.done;
    expect(first.calls).toBe(5);
    await store1.close();

    const second = new Seen();
    const store2 = new FileCheckpointStore(file);
    const run2 = start(newSource(stream, store2, { limits: { maxRecordsPerCall: 4 } }), async (batch) => {
      second.record(batch);
      await batch.ack();
    });
    await waitFor('every record after the restart', 15000, () => new Set([...acked, ...second.ids()]).size >= puts.length);
    await new Promise((r) => setTimeout(r, 300));
    await run2.stop();
    await store2.close();

    expect(new Set([...acked, ...second.ids()])).toEqual(new Set(puts.map((p) => p.id)));
    const repeated = second.handled.filter((h) => first.ids().has(h.id)).map((h) => h.id);
    expect(repeated.sort()).toEqual([...unacked].sort());
    expect(unacked.length).toBeGreaterThan(0);
    expectShardOrder(second.handled);
    expect(new Set(second.handled.map((h) => h.id)).size).toBe(second.handled.length);
  });

  test('splitting a shard while records keep arriving delivers every record, all of the parent before any of its children, and a restart does not re-read the parent', async () => {
    const stream = await newStream(3);
    const [parent] = await listShards(client, stream.name);
    // Two keys in the parent's range, one on each side of the split point, plus the other shards' keys.
    const keys = [hashKeyIn(parent, 0.25), hashKeyIn(parent, 0.75), ...stream.hashKeys.slice(1)];
    const puts: PutRecord[] = [];
    let producing = true;
    const producer = (async () => {
      for (let i = 0; producing && i < 400; i++) {
        puts.push(...(await putRecords(client, stream.name, keys, 1, 'split')));
        await new Promise((r) => setTimeout(r, 25));
      }
    })();

    const file = path.join(dir, 'checkpoints.json');
    const store = new FileCheckpointStore(file);
    const seen = new Seen();
    // From the split until well after discovery lists the children, the parent's batches are held
    // unfinished: a child read before its parent finished would be recorded before them.
    let holdParent = false;
    let releaseParent!: () => void;
    const parentReleased = new Promise<void>((r) => (releaseParent = r));
    const run = start(newSource(stream, store, { limits: { shardDiscoveryIntervalMs: 100 } }), async (batch) => {
      if (holdParent && (batch.records[0].origin as { shard: string }).shard === parent.ShardId) await parentReleased;
      seen.record(batch);
      await batch.ack();
    });
    try {
      await waitFor('records before the split', 10000, () => seen.handled.length >= 20);
      holdParent = true;
      await client.send(new SplitShardCommand({ StreamName: stream.name, ShardToSplit: parent.ShardId!, NewStartingHashKey: hashKeyIn(parent, 0.5) }));
      await waitFor('the children to be listed', 5000, async () => (await listShards(client, stream.name)).length === 5);
      await new Promise((r) => setTimeout(r, 500));
      releaseParent();
      await new Promise((r) => setTimeout(r, 1000));
    } finally {
      releaseParent();
      producing = false;
      await producer;
    }
    await waitFor('every record', 15000, () => seen.handled.length >= puts.length);
    await run.stop();

    expectExactlyOnceInShardOrder(seen.handled, puts);
    const shards = await listShards(client, stream.name);
    const children = shards.filter((s) => s.ParentShardId === parent.ShardId).map((s) => s.ShardId!);
    expect(children).toHaveLength(2);
    const order = seen.handled.map((h) => h.shard);
    const lastOfParent = order.lastIndexOf(parent.ShardId!);
    for (const child of children) {
      expect(order.indexOf(child)).toBeGreaterThan(lastOfParent);
    }
    expect(await store.load(kinesisCheckpointKey(stream.name, parent.ShardId!))).toBe(SHARD_END);
    await store.close();

    const tracker = new IteratorTracker();
    const store2 = new FileCheckpointStore(file);
    const again = new Seen();
    const run2 = start(newSource(stream, store2, { kinesis: kinesisPort(interceptedClient((c, call) => tracker.track(c, call))) }), async (batch) => {
      again.record(batch);
      await batch.ack();
    });
    await waitFor('readers of the 4 open shards', 5000, () => tracker.getRecordsCalls.size >= 4);
    await run2.stop();
    await store2.close();
    expect(again.handled).toEqual([]);
    expect(tracker.requestsFor(parent.ShardId!)).toEqual([]);
    for (const child of children)
      expect(tracker.requestsFor(child)).toEqual([
        { type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: puts.filter((p) => p.shard === child).pop()!.sequenceNumber },
      ]);
  });

  test('an expired iterator is re-acquired after the last checkpoint, or at the start position before any, without loss or duplicates', async () => {
    const stream = await newStream(3);
    const puts = await putRecords(client, stream.name, stream.hashKeys, 15);
    const [s0, s1] = stream.shardIds;
    const tracker = new IteratorTracker();
    const expired = () => new ExpiredIteratorException({ message: 'Iterator expired.', $metadata: { httpStatusCode: 400 } });
    const expiredClient = interceptedClient((c, call) =>
      tracker.track(c, call, (shard, n) => ((shard === s0 && n === 1) || (shard === s1 && n === 3) ? expired() : undefined)),
    );
    const store = new FileCheckpointStore(path.join(dir, 'checkpoints.json'));
    const seen = new Seen();
    const run = start(newSource(stream, store, { kinesis: kinesisPort(expiredClient), limits: { maxRecordsPerCall: 5 } }), async (batch) => {
      seen.record(batch);
      await batch.ack();
    });
    await waitFor('every record', 15000, () => seen.handled.length >= puts.length);
    await new Promise((r) => setTimeout(r, 200));
    await run.stop();
    await store.close();

    expectExactlyOnceInShardOrder(seen.handled, puts);
    expect(tracker.requestsFor(s0)).toEqual([{ type: 'TRIM_HORIZON' }, { type: 'TRIM_HORIZON' }]);
    // Two batches of 5 were acknowledged before the third call expired.
    const fifthPutOnS1 = puts.filter((p) => p.shard === s1)[9];
    expect(tracker.requestsFor(s1)).toEqual([{ type: 'TRIM_HORIZON' }, { type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: fifthPutOnS1.sequenceNumber }]);
  });

  test('throttling is retried with exponential back-off and full jitter, and counted', async () => {
    const stream = await newStream(3);
    const puts = await putRecords(client, stream.name, stream.hashKeys, 5);
    const [s0, s1] = stream.shardIds;
    const tracker = new IteratorTracker();
    let iteratorThrottles = 0;
    const throttlingClient = interceptedClient(async (c, call) => {
      if (c instanceof GetShardIteratorCommand && c.input.ShardId === s1 && iteratorThrottles++ === 0) {
        throw new LimitExceededException({ message: 'Rate exceeded for shard', $metadata: { httpStatusCode: 400 } });
      }
      return tracker.track(c, call, (shard, n) =>
        shard === s0 && n <= 2
          ? new ProvisionedThroughputExceededException({ message: 'Rate exceeded for shard', $metadata: { httpStatusCode: 400 } })
          : undefined,
      );
    });
    const sleeps: number[] = [];
    const metrics = createMetrics();
    const store = new FileCheckpointStore(path.join(dir, 'checkpoints.json'));
    const seen = new Seen();
    const source = newSource(
      stream,
      store,
      {
        kinesis: kinesisPort(throttlingClient),
        random: () => 0.5,
        // Records what was asked, waits only briefly (and stops waiting on abort).
        sleep: (ms, signal) => {
          sleeps.push(ms);
          return new Promise((resolve) => {
            const t = setTimeout(resolve, Math.min(ms, 10));
            signal.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
          });
        },
        limits: { backoffBaseMs: 1000, backoffMaxMs: 30000, pollIntervalMs: 50 },
      },
      metrics,
    );
    const run = start(source, async (batch) => {
      seen.record(batch);
      await batch.ack();
    });
    await waitFor('every record', 10000, () => seen.handled.length >= puts.length);
    await run.stop();
    await store.close();

    expectExactlyOnceInShardOrder(seen.handled, puts);
    expect(await counterValue(metrics, 'retries', { component: 'kinesis' })).toBe(3);
    // Full jitter: random() × min(cap, base × 2^attempt); the two throttles of shard 0 wait 500 then 1000.
    const backoffs = sleeps.filter((ms) => ms === 500 || ms === 1000);
    expect(backoffs.sort((a, b) => a - b)).toEqual([500, 500, 1000]);
    expect(sleeps.indexOf(1000)).toBeGreaterThan(sleeps.indexOf(500));
    expect(tracker.getRecordsCalls.get(s0)).toBeGreaterThanOrEqual(3);
  });

  test.each([
    ['TRIM_HORIZON', true],
    ['LATEST', false],
    ['AT_TIMESTAMP', false],
  ] as const)('start position %s: a shard without a checkpoint starts there (records written before: %s)', async (type, readsOlder) => {
    const stream = await newStream(3);
    const older = await putRecords(client, stream.name, stream.hashKeys, 3, 'older');
    await new Promise((r) => setTimeout(r, 50));
    const at = new Date();
    await new Promise((r) => setTimeout(r, 50));

    const tracker = new IteratorTracker();
    let newer: PutRecord[] = [];
    // kinesalite never answers AT_TIMESTAMP on a shard without a later record: write the newer ones first.
    if (type === 'AT_TIMESTAMP') newer = await putRecords(client, stream.name, stream.hashKeys, 3, 'newer');
    const store = new FileCheckpointStore(path.join(dir, 'checkpoints.json'));
    const seen = new Seen();
    const startPosition = type === 'AT_TIMESTAMP' ? { type, timestamp: at } : { type };
    const run = start(
      newSource(stream, store, { startPosition, kinesis: kinesisPort(interceptedClient((c, call) => tracker.track(c, call))) }),
      async (batch) => {
        seen.record(batch);
        await batch.ack();
      },
    );
    await waitFor('a GetRecords call on every shard', 5000, () => tracker.getRecordsCalls.size >= 3);
    if (type !== 'AT_TIMESTAMP') newer = await putRecords(client, stream.name, stream.hashKeys, 3, 'newer');
    const expected = readsOlder ? [...older, ...newer] : newer;
    await waitFor('the expected records', 10000, () => seen.handled.length >= expected.length);
    await new Promise((r) => setTimeout(r, 300));
    await run.stop();
    await store.close();

    expectExactlyOnceInShardOrder(seen.handled, expected);
    for (const shard of stream.shardIds) expect(tracker.requestsFor(shard)[0].type).toBe(type);
  });

  test('a batch whose handler fails, or resolves without acknowledging, is handed again unchanged and not checkpointed until acknowledged', async () => {
    const stream = await newStream(3);
    const puts = await putRecords(client, stream.name, stream.hashKeys, 8);
    const s1 = stream.shardIds[1];
    const file = path.join(dir, 'checkpoints.json');
    const store = new FileCheckpointStore(file);
    const metrics = createMetrics();
    const seen = new Seen();
    const attemptsOnS1: string[][] = [];
    const checkpointDuringFailures: (string | undefined)[] = [];
    const run = start(newSource(stream, store, { limits: { maxRecordsPerCall: 4 } }, metrics), async (batch) => {
      const shard = (batch.records[0].origin as { shard: string }).shard;
      if (shard === s1 && attemptsOnS1.length < 2) {
        attemptsOnS1.push(batch.records.map((r) => (r.origin as { sequenceNumber: string }).sequenceNumber));
        checkpointDuringFailures.push(await store.load(kinesisCheckpointKey(stream.name, s1)));
        if (attemptsOnS1.length === 1) throw new Error('sink unavailable');
        return; // resolves without ack()
      }
      seen.record(batch);
      await batch.ack();
    });
    await waitFor('every record', 15000, () => seen.handled.length >= puts.length);
    await run.stop();
    await store.close();

    expectExactlyOnceInShardOrder(seen.handled, puts);
    const firstFour = puts
      .filter((p) => p.shard === s1)
      .slice(0, 4)
      .map((p) => p.sequenceNumber);
    expect(attemptsOnS1).toEqual([firstFour, firstFour]);
    expect(seen.handled.filter((h) => h.shard === s1)[0].sequenceNumber).toBe(firstFour[0]);
    expect(checkpointDuringFailures).toEqual([undefined, undefined]);
    expect(await counterValue(metrics, 'retries', { component: 'kinesis' })).toBe(2);
  });

  test('run resolves on abort only after the in-flight handler finished, and hands no further batch', async () => {
    const stream = await newStream(3);
    await putRecords(client, stream.name, stream.hashKeys, 10);
    const store = new FileCheckpointStore(path.join(dir, 'checkpoints.json'));
    let calls = 0;
    let handlerFinished = false;
    let resolvedAfterHandler: boolean | undefined;
    const run = start(newSource(stream, store, { limits: { maxRecordsPerCall: 2 } }), async (batch) => {
      calls++;
      run.controller.abort();
      await new Promise((r) => setTimeout(r, 300));
      await batch.ack();
      handlerFinished = true;
    });
    await run.done.then(() => (resolvedAfterHandler = handlerFinished));
    expect(resolvedAfterHandler).toBe(true);
    await new Promise((r) => setTimeout(r, 300));
    expect(calls).toBe(1);
    await store.close();
  });

  test('a stream that does not exist rejects run with a clear error', async () => {
    const store = new FileCheckpointStore(path.join(dir, 'checkpoints.json'));
    const source = newSource({ name: 'no-such-stream', hashKeys: [], shardIds: [] }, store);
    const err = await source
      .run(async () => undefined, new AbortController().signal)
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(err).toBeInstanceOf(KinesisSourceError);
    expect((err as Error).message).toMatch(/no-such-stream.*ResourceNotFoundException.*does not exist/s);
    await store.close();
  });
});
