import { DynamoDBClient, GetItemCommand, PutItemCommand, ScanCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import type { Shard } from '@aws-sdk/client-kinesis';
import { Counter, Registry } from 'prom-client';
import { silentLogger } from '../../src/ops/log';
import { CollectorMetrics, createMetrics } from '../../src/ops/metrics';
import type { LeaseUpdate } from '../../src/state/dynamodb/items';
import { DynamoDbShardLeases } from '../../src/state/dynamodb/leases';
import { Item, LeaseTable } from '../../src/state/dynamodb/table';
import { LeaseLostError, SHARD_END } from '../../src/state/store';
import { waitFor } from '../kinesis/kinesalite';
import { createLeaseTable, RunningDynalite, startDynalite } from '../support/dynalite';

/**
 * The DynamoDB shard lease coordinator against dynalite: several coordinators (replicas) in one
 * process, short lease durations, real timers.
 */

const D = 600;
const SEQ = '49590338271490256608559692538361571095921575989136588898';
const seq = (n: number) => (BigInt(SEQ) + BigInt(n)).toString();
const id = (n: number) => `shardId-${String(n).padStart(12, '0')}`;

let dynamo: RunningDynalite;
let client: DynamoDBClient;
beforeAll(async () => {
  dynamo = await startDynalite();
  client = dynamo.client();
});
afterAll(() => dynamo.close());

let tables = 0;
async function freshTable(): Promise<string> {
  const name = `leases-${++tables}`;
  await createLeaseTable(client, name);
  return name;
}

/** A LeaseTable whose calls a test can fail, hold or follow. */
class TestTable extends LeaseTable {
  /** Runs before each UpdateItem is sent; throwing fails the call unsent. */
  beforeUpdate?: (input: LeaseUpdate) => Promise<void> | void;
  /** Runs after an UpdateItem was applied; throwing loses its answer. */
  afterUpdate?: (input: LeaseUpdate) => void;
  failScans = 0;
  /** Every UpdateItem asked for, sent or not. */
  readonly updates: LeaseUpdate[] = [];

  override async update(input: LeaseUpdate): Promise<Item> {
    this.updates.push(input);
    await this.beforeUpdate?.(input);
    const out = await super.update(input);
    this.afterUpdate?.(input);
    return out;
  }

  override async scan(prefix?: string): Promise<Item[]> {
    if (this.failScans > 0) {
      this.failScans--;
      throw networkError();
    }
    return super.scan(prefix);
  }
}

function networkError(): Error {
  return Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' });
}

const isRenew = (u: LeaseUpdate) => u.UpdateExpression === 'SET #counter = :next';
const isTake = (u: LeaseUpdate) => u.UpdateExpression!.startsWith('SET #owner = :me');
const isCheckpoint = (u: LeaseUpdate) => u.UpdateExpression!.startsWith('SET #checkpoint');

interface Worker {
  readonly id: string;
  readonly leases: DynamoDbShardLeases;
  readonly metrics: CollectorMetrics;
  readonly table: TestTable;
  readonly controller: AbortController;
}

const workers: Worker[] = [];
const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
  for (const w of workers.splice(0)) w.controller.abort();
});

function worker(tableName: string, workerId: string, durationMs = D): Worker {
  const metrics = createMetrics(new Registry());
  const table = new TestTable(client, tableName, metrics);
  const w = {
    id: workerId,
    leases: new DynamoDbShardLeases({ table, workerId, leaseDurationMs: durationMs, stream: 'logs', logger: silentLogger(), metrics }),
    metrics,
    table,
    controller: new AbortController(),
  };
  workers.push(w);
  return w;
}

const start = (...ws: Worker[]) => Promise.all(ws.map((w) => w.leases.start(w.controller.signal)));
const heldIds = (w: Worker) => w.leases.held().map((s) => s.shardId);

async function count(counter: Counter<string>, labels: Record<string, string>): Promise<number> {
  const values = (await counter.get()).values.filter((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l));
  return values.reduce((n, v) => n + v.value, 0);
}

async function items(tableName: string): Promise<Map<string, Item>> {
  const out = await client.send(new ScanCommand({ TableName: tableName, ConsistentRead: true }));
  return new Map((out.Items ?? []).map((i) => [i.leaseKey.S!, i]));
}

async function item(tableName: string, key: string): Promise<Item | undefined> {
  return (await client.send(new GetItemCommand({ TableName: tableName, Key: { leaseKey: { S: key } }, ConsistentRead: true }))).Item;
}

async function owners(tableName: string): Promise<Map<string, string | undefined>> {
  return new Map([...(await items(tableName))].map(([k, i]) => [k, i.leaseOwner?.S]));
}

function shard(n: number, o: { parents?: number[]; closed?: boolean } = {}): Shard {
  return {
    ShardId: id(n),
    ParentShardId: o.parents?.[0] !== undefined ? id(o.parents[0]) : undefined,
    AdjacentParentShardId: o.parents?.[1] !== undefined ? id(o.parents[1]) : undefined,
    HashKeyRange: { StartingHashKey: String(n * 1000), EndingHashKey: String(n * 1000 + 999) },
    SequenceNumberRange: { StartingSequenceNumber: seq(0), EndingSequenceNumber: o.closed ? seq(100) : undefined },
  };
}
const shards = (n: number) => Array.from({ length: n }, (_, i) => shard(i));

/** Fails the test if two workers ever list one shard in held() (checked on every change and every few ms). */
function watchSingleOwnership(ws: readonly Worker[]): { violations: string[]; stop(): void } {
  const violations: string[] = [];
  const check = () => {
    const holder = new Map<string, string>();
    for (const w of ws)
      for (const s of heldIds(w)) {
        if (holder.has(s)) violations.push(`${s} held by ${holder.get(s)} and ${w.id}`);
        holder.set(s, w.id);
      }
  };
  const unsubscribe = ws.map((w) => w.leases.onChange(check));
  const timer = setInterval(check, 5);
  const stop = () => {
    clearInterval(timer);
    unsubscribe.forEach((u) => u());
  };
  cleanups.push(stop);
  return { violations, stop };
}

/** Every shard held by exactly the worker the table names as its owner. */
async function heldMatchesTable(tableName: string, ws: readonly Worker[]): Promise<boolean> {
  const table = await owners(tableName);
  const held = new Map<string, string>();
  for (const w of ws) for (const s of heldIds(w)) held.set(s, w.id);
  return [...table].every(([s, owner]) => held.get(s) === owner) && held.size === table.size;
}

describe('sync', () => {
  test('creates one KCL-shaped item per new shard with its first checkpoint, keeps existing items, and tolerates a replica creating them too', async () => {
    const t = await freshTable();
    await client.send(
      new PutItemCommand({
        TableName: t,
        Item: {
          leaseKey: { S: id(4) },
          leaseCounter: { N: '7' },
          checkpoint: { S: seq(5) },
          checkpointSubSequenceNumber: { N: '0' },
          ownerSwitchesSinceCheckpoint: { N: '0' },
        },
      }),
    );
    const [a, b] = [worker(t, 'a'), worker(t, 'b')];
    await start(a, b);
    const listed = [
      shard(0, { closed: true }), // closed, never read, under LATEST: nothing to read
      shard(1, { parents: [0] }), // its parent gets an entry in this sync
      shard(2),
      shard(3, { parents: [9], closed: true }), // parent past retention, no entry
      shard(4),
      shard(5, { parents: [4] }), // parent has an entry from before
    ];
    await Promise.all([a.leases.sync(listed, 'LATEST'), b.leases.sync(listed, 'LATEST')]);

    const all = await items(t);
    expect([...all.keys()].sort()).toEqual([0, 1, 2, 3, 4, 5].map(id));
    const first = (n: number) => all.get(id(n))!.checkpoint.S;
    expect([0, 1, 2, 3, 5].map(first)).toEqual([SHARD_END, 'TRIM_HORIZON', 'LATEST', SHARD_END, 'TRIM_HORIZON']);
    expect(all.get(id(4))!.checkpoint).toEqual({ S: seq(5) });
    const created = all.get(id(1))!;
    // Leases may have been taken meanwhile (owner and counter then set); the rest is as created.
    const { leaseOwner, leaseCounter, ...rest } = created;
    expect(rest).toEqual({
      leaseKey: { S: id(1) },
      checkpoint: { S: 'TRIM_HORIZON' },
      checkpointSubSequenceNumber: { N: '0' },
      ownerSwitchesSinceCheckpoint: { N: '0' },
      parentShardId: { SS: [id(0)] },
      startingHashKey: { S: '1000' },
      endingHashKey: { S: '1999' },
    });
    expect(leaseCounter.N).toMatch(/^\d+$/);
    if (leaseOwner) expect(['a', 'b']).toContain(leaseOwner.S);
    expect(all.get(id(2))).not.toHaveProperty('parentShardId');
  });

  test('deletes finished items of shards no longer listed, and only those', async () => {
    const t = await freshTable();
    const put = (n: number, checkpoint: string) =>
      client.send(new PutItemCommand({ TableName: t, Item: { leaseKey: { S: id(n) }, leaseCounter: { N: '3' }, checkpoint: { S: checkpoint } } }));
    await Promise.all([put(0, SHARD_END), put(1, SHARD_END), put(2, seq(1))]);
    const a = worker(t, 'a');
    await start(a);
    await a.leases.sync([shard(1, { closed: true }), shard(3, { parents: [0, 1] })], 'TRIM_HORIZON');
    const all = await items(t);
    expect([...all.keys()].sort()).toEqual([1, 2, 3].map(id));
    // The deleted parent had an entry when the child was created: the child starts at TRIM_HORIZON.
    expect(all.get(id(3))!.checkpoint).toEqual({ S: 'TRIM_HORIZON' });
  });
});

describe('ownership', () => {
  test('three replicas converge to two of six shards each, never holding one shard twice, and then stay put', async () => {
    const t = await freshTable();
    const ws = ['w1', 'w2', 'w3'].map((n) => worker(t, n));
    const watch = watchSingleOwnership(ws);
    await start(...ws);
    await ws[0].leases.sync(shards(6), 'TRIM_HORIZON');
    await waitFor('2/2/2 matching the table', 20000, async () => ws.every((w) => heldIds(w).length === 2) && (await heldMatchesTable(t, ws)));
    const takes = async () => (await Promise.all(ws.map((w) => count(w.metrics.leaseTakes, {})))).reduce((a, b) => a + b);
    const settled = await takes();
    await new Promise((r) => setTimeout(r, 2 * D));
    expect(await takes()).toBe(settled);
    expect(ws.map(heldIds).flat().sort()).toEqual(shards(6).map((s) => s.ShardId));
    watch.stop();
    expect(watch.violations).toEqual([]);
  });

  test('four shards over three replicas settle at 2/1/1 without stealing back and forth', async () => {
    const t = await freshTable();
    const ws = ['w1', 'w2', 'w3'].map((n) => worker(t, n));
    const watch = watchSingleOwnership(ws);
    await start(...ws);
    await ws[0].leases.sync(shards(4), 'TRIM_HORIZON');
    await waitFor(
      '2/1/1',
      20000,
      async () =>
        ws
          .map((w) => heldIds(w).length)
          .sort()
          .join() === '1,1,2' && (await heldMatchesTable(t, ws)),
    );
    const steals = async () => (await Promise.all(ws.map((w) => count(w.metrics.leaseTakes, { how: 'stolen' })))).reduce((a, b) => a + b);
    const settled = await steals();
    await new Promise((r) => setTimeout(r, 2 * D));
    expect(await steals()).toBe(settled);
    watch.stop();
    expect(watch.violations).toEqual([]);
  });

  test('the shards of a replica that stops renewing (a crash) are taken over within two lease durations', async () => {
    const t = await freshTable();
    const lease = 2 * D;
    const [a, b] = [worker(t, 'a', lease), worker(t, 'b', lease)];
    const watch = watchSingleOwnership([a, b]);
    await start(a, b);
    await a.leases.sync(shards(4), 'TRIM_HORIZON');
    await waitFor('2/2', 20000, async () => heldIds(a).length === 2 && heldIds(b).length === 2 && (await heldMatchesTable(t, [a, b])));
    const lostSignals = a.leases.held().map((s) => s.lost);

    const crashedAt = performance.now();
    a.controller.abort();
    await waitFor('b holds all', 4 * lease, () => heldIds(b).length === 4);
    expect(performance.now() - crashedAt).toBeLessThan(2 * lease);
    // The crashed replica dropped them itself once it could not have renewed them for a lease duration.
    expect(heldIds(a)).toEqual([]);
    expect(lostSignals.every((s) => s.aborted)).toBe(true);
    expect(await count(a.metrics.leasesLost, { why: 'expired' })).toBe(2);
    expect(await count(b.metrics.leaseTakes, { how: 'expired' })).toBe(2);
    expect([...(await owners(t)).values()]).toEqual(['b', 'b', 'b', 'b']);
    watch.stop();
    expect(watch.violations).toEqual([]);
  });

  test('released leases are unowned at once and taken by another replica at its next cycle', async () => {
    const t = await freshTable();
    const [a, b] = [worker(t, 'a'), worker(t, 'b')];
    const watch = watchSingleOwnership([a, b]);
    await start(a, b);
    await a.leases.sync(shards(4), 'TRIM_HORIZON');
    await waitFor('2/2', 20000, async () => heldIds(a).length === 2 && heldIds(b).length === 2);
    const released = heldIds(a);
    const lostSignals = a.leases.held().map((s) => s.lost);
    const unownedBefore = await count(b.metrics.leaseTakes, { how: 'unowned' });
    // b takes nothing until the table was read after the release.
    let open!: () => void;
    const opened = new Promise<void>((r) => (open = r));
    b.table.beforeUpdate = async (u) => {
      if (isTake(u)) await opened;
    };

    await a.leases.release();
    const releasedAt = performance.now();
    expect(heldIds(a)).toEqual([]);
    expect(lostSignals.every((s) => s.aborted)).toBe(true);
    expect(await count(a.metrics.leasesLost, { why: 'released' })).toBe(2);
    const table = await owners(t);
    for (const s of released) expect(table.get(s)).toBeUndefined();
    open();

    await waitFor('b holds all', 3 * D, () => heldIds(b).length === 4);
    // The next take cycle comes within a third of a lease duration: no waiting for an expiry.
    expect(performance.now() - releasedAt).toBeLessThan(D);
    expect(await count(b.metrics.leaseTakes, { how: 'unowned' })).toBe(unownedBefore + 2);
    await expect(a.leases.checkpoint(released[0], seq(1))).rejects.toBeInstanceOf(LeaseLostError);
    watch.stop();
    expect(watch.violations).toEqual([]);
  });

  test('two replicas taking the same expired lease at the same moment: exactly one wins', async () => {
    const t = await freshTable();
    await client.send(
      new PutItemCommand({ TableName: t, Item: { leaseKey: { S: id(0) }, leaseOwner: { S: 'dead' }, leaseCounter: { N: '5' }, checkpoint: { S: seq(3) } } }),
    );
    const [a, b] = [worker(t, 'a'), worker(t, 'b')];
    // Each take waits until the other replica's take is ready too, then both are sent.
    let arrived = 0;
    let go!: () => void;
    const together = new Promise<void>((r) => (go = r));
    for (const w of [a, b])
      w.table.beforeUpdate = async (u) => {
        if (!isTake(u) || arrived >= 2) return;
        if (++arrived === 2) go();
        await together;
      };
    await start(a, b);
    await waitFor('one holds it', 5 * D, () => heldIds(a).length + heldIds(b).length === 1);
    await new Promise((r) => setTimeout(r, D));
    expect(arrived).toBe(2);
    const winner = heldIds(a).length === 1 ? a : b;
    const loser = winner === a ? b : a;
    expect(heldIds(loser)).toEqual([]);
    expect(await count(winner.metrics.leaseTakes, { how: 'expired' })).toBe(1);
    expect(await count(loser.metrics.leaseTakes, {})).toBe(0);
    expect(await count(loser.metrics.leaseTableCalls, { operation: 'UpdateItem', result: 'condition' })).toBe(1);
    expect((await item(t, id(0)))!.leaseOwner).toEqual({ S: winner.id });
    expect(winner.leases.held()[0].checkpoint).toBe(seq(3));
  });
});

describe('renewal', () => {
  test('a network error keeps the lease until no write succeeded for a lease duration; then it is dropped (expired)', async () => {
    const t = await freshTable();
    const a = worker(t, 'a');
    let lastOk = 0;
    let failing = false;
    // The table unreachable: every write and scan fails.
    a.table.beforeUpdate = () => {
      if (failing) throw networkError();
    };
    a.table.afterUpdate = () => (lastOk = performance.now());
    await start(a);
    await a.leases.sync(shards(1), 'TRIM_HORIZON');
    await waitFor('held', 5000, () => heldIds(a).length === 1);
    const lost = a.leases.held()[0].lost;
    failing = true;
    a.table.failScans = 1e9;
    await waitFor('a failed renewal', 2 * D, async () => (await count(a.metrics.leaseRenewFailures, { why: 'error' })) >= 1);
    expect(heldIds(a)).toEqual([id(0)]);
    expect(lost.aborted).toBe(false);
    await waitFor('dropped', 3 * D, () => heldIds(a).length === 0);
    const dropped = performance.now();
    expect(dropped - lastOk).toBeGreaterThanOrEqual(D - 50);
    expect(lost.aborted).toBe(true);
    expect(await count(a.metrics.leasesLost, { why: 'expired' })).toBe(1);
    expect(await count(a.metrics.leaseRenewFailures, { why: 'condition' })).toBe(0);
  });

  test('a refused condition (another writer moved the counter) drops the lease at the next renewal', async () => {
    const t = await freshTable();
    const a = worker(t, 'a');
    await start(a);
    await a.leases.sync(shards(1), 'TRIM_HORIZON');
    await waitFor('held', 5000, () => heldIds(a).length === 1);
    const lost = a.leases.held()[0].lost;
    // The owner stays 'a', so only the renewal's condition can tell.
    await client.send(
      new UpdateItemCommand({
        TableName: t,
        Key: { leaseKey: { S: id(0) } },
        UpdateExpression: 'SET leaseCounter = leaseCounter + :k',
        ExpressionAttributeValues: { ':k': { N: '100' } },
      }),
    );
    const bumped = performance.now();
    await waitFor('dropped', 2 * D, () => lost.aborted);
    expect(performance.now() - bumped).toBeLessThan(D / 2 + 100);
    // (The table names it ours, so it may be taken again: with a new signal.)
    expect(a.leases.held().every((s) => !s.lost.aborted)).toBe(true);
    expect(await count(a.metrics.leaseRenewFailures, { why: 'condition' })).toBe(1);
    expect(await count(a.metrics.leasesLost, { why: 'condition' })).toBe(1);
  });

  test('a renewal applied whose answer was lost is recognised at the next write: the lease is kept', async () => {
    const t = await freshTable();
    const a = worker(t, 'a');
    let loseAnswers = 0;
    a.table.afterUpdate = (u) => {
      if (loseAnswers > 0 && isRenew(u)) {
        loseAnswers--;
        throw networkError();
      }
    };
    await start(a);
    await a.leases.sync(shards(1), 'TRIM_HORIZON');
    await waitFor('held', 5000, () => heldIds(a).length === 1);
    loseAnswers = 1;
    await waitFor('the answer lost', 2 * D, () => loseAnswers === 0);
    await a.leases.checkpoint(id(0), seq(1));
    await new Promise((r) => setTimeout(r, 2 * D));
    expect(heldIds(a)).toEqual([id(0)]);
    expect(await count(a.metrics.leasesLost, {})).toBe(0);
    expect((await item(t, id(0)))!.checkpoint).toEqual({ S: seq(1) });
  });

  test('a scan that fails is retried at the next cycle', async () => {
    const t = await freshTable();
    await worker(t, 'seed').leases.sync(shards(2), 'TRIM_HORIZON');
    const a = worker(t, 'a');
    a.table.failScans = 2;
    await start(a);
    expect(heldIds(a)).toEqual([]);
    await waitFor('taken after the scans recover', 3 * D, () => heldIds(a).length === 2);
  });
});

describe('checkpoints', () => {
  async function holding(n = 1) {
    const t = await freshTable();
    const a = worker(t, 'a');
    await start(a);
    await a.leases.sync(shards(n), 'TRIM_HORIZON');
    await waitFor('held', 5000, () => heldIds(a).length === n);
    return { t, a };
  }

  test('after the lease was taken by another replica a checkpoint is refused and not written', async () => {
    const { t, a } = await holding();
    await a.leases.checkpoint(id(0), seq(1));
    const lost = a.leases.held()[0].lost;
    // From here only the checkpoint's own condition can tell: renewals fail unsent, scans fail.
    a.table.beforeUpdate = (u) => {
      if (isRenew(u)) throw networkError();
    };
    a.table.failScans = 1e9;
    // Another replica steals it, as its take writes it.
    const current = (await item(t, id(0)))!;
    await client.send(
      new UpdateItemCommand({
        TableName: t,
        Key: { leaseKey: { S: id(0) } },
        UpdateExpression: 'SET leaseOwner = :b, leaseCounter = :next',
        ConditionExpression: 'leaseCounter = :c',
        ExpressionAttributeValues: { ':b': { S: 'b' }, ':c': current.leaseCounter, ':next': { N: String(Number(current.leaseCounter.N) + 1) } },
      }),
    );
    await expect(a.leases.checkpoint(id(0), seq(2))).rejects.toBeInstanceOf(LeaseLostError);
    expect(lost.aborted).toBe(true);
    expect(heldIds(a)).toEqual([]);
    const after = (await item(t, id(0)))!;
    expect(after.checkpoint).toEqual({ S: seq(1) });
    expect(after.leaseOwner).toEqual({ S: 'b' });
    expect(await count(a.metrics.leasesLost, { why: 'condition' })).toBe(1);
    // Not held: refused without a call.
    const calls = a.table.updates.length;
    await expect(a.leases.checkpoint(id(0), seq(3))).rejects.toBeInstanceOf(LeaseLostError);
    expect(a.table.updates.length).toBe(calls);
  });

  test('checkpoints only move forward; while one is written, later ones wait and only the newest is written next', async () => {
    const { t, a } = await holding();
    await a.leases.checkpoint(id(0), seq(10));
    const written = () => a.table.updates.filter(isCheckpoint).map((u) => u.ExpressionAttributeValues![':checkpoint'].S);
    expect(written()).toEqual([seq(10)]);
    await a.leases.checkpoint(id(0), seq(9));
    await a.leases.checkpoint(id(0), seq(10));
    expect(written()).toEqual([seq(10)]);

    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    a.table.beforeUpdate = async (u) => {
      if (isCheckpoint(u) && u.ExpressionAttributeValues![':checkpoint'].S === seq(11)) await held;
    };
    const calls = [11, 13, 15, 12, 14].map((n) => a.leases.checkpoint(id(0), seq(n)));
    await new Promise((r) => setTimeout(r, 50));
    expect(written()).toEqual([seq(10), seq(11)]);
    release();
    await Promise.all(calls);
    expect(written()).toEqual([seq(10), seq(11), seq(15)]);
    expect(a.leases.held()[0].checkpoint).toBe(seq(15));
    expect((await item(t, id(0)))!.checkpoint).toEqual({ S: seq(15) });
  });

  test('renewals and checkpoints of one lease never overlap', async () => {
    const { a } = await holding();
    let inFlight = 0;
    let overlapped = false;
    a.table.beforeUpdate = async () => {
      if (++inFlight > 1) overlapped = true;
      await new Promise((r) => setTimeout(r, D / 4));
    };
    a.table.afterUpdate = () => void inFlight--;
    const calls: Promise<void>[] = [];
    for (let n = 1; n <= 8; n++) {
      calls.push(a.leases.checkpoint(id(0), seq(n)));
      await new Promise((r) => setTimeout(r, D / 3));
    }
    await Promise.all(calls);
    expect(a.table.updates.filter(isRenew).length).toBeGreaterThan(0);
    expect(overlapped).toBe(false);
    expect(heldIds(a)).toEqual([id(0)]);
  });

  test('SHARD_END records the children, ends the lease, and makes the children readable; a merged child waits for both parents', async () => {
    const t = await freshTable();
    const a = worker(t, 'a');
    await start(a);
    // 0 split into 1 and 2; 2 and 3 merged into 4.
    await a.leases.sync(
      [
        shard(0, { closed: true }),
        shard(1, { parents: [0] }),
        shard(2, { parents: [0], closed: true }),
        shard(3, { closed: true }),
        shard(4, { parents: [2, 3] }),
      ],
      'TRIM_HORIZON',
    );
    await waitFor('parents held', 5000, () => heldIds(a).join() === [0, 3].map(id).join());
    await new Promise((r) => setTimeout(r, D));
    const table = await owners(t);
    expect(a.leases.status()).toMatchObject({ held: 2, readable: 2 });
    // Children are not even taken while a parent is being read.
    expect([1, 2, 4].map((n) => table.get(id(n)))).toEqual([undefined, undefined, undefined]);
    let changes = 0;
    a.leases.onChange(() => changes++);

    await a.leases.checkpoint(id(0), SHARD_END, [id(1), id(2)]);
    expect(heldIds(a)).toEqual([id(3)]);
    expect(changes).toBeGreaterThan(0);
    const ended = (await item(t, id(0)))!;
    expect(ended.checkpoint).toEqual({ S: SHARD_END });
    expect(ended.childShardIds).toEqual({ SS: [id(1), id(2)] });
    await waitFor('children held', 3 * D, () => heldIds(a).join() === [1, 2, 3].map(id).join());
    expect(a.leases.held().find((s) => s.shardId === id(1))!.checkpoint).toBe('TRIM_HORIZON');

    await a.leases.checkpoint(id(2), SHARD_END, [id(4)]);
    await new Promise((r) => setTimeout(r, D));
    expect(heldIds(a)).not.toContain(id(4));
    await a.leases.checkpoint(id(3), SHARD_END, [id(4)]);
    await waitFor('merged child held', 3 * D, () => heldIds(a).join() === [1, 4].map(id).join());
  });
});

describe('KCL compatibility', () => {
  test('takes over a table written by KCL 2.x workers once their leases expire, resuming from their checkpoints', async () => {
    const t = await freshTable();
    const kclLease = (n: number, extra: Item = {}): Item => ({
      leaseKey: { S: id(n) },
      leaseOwner: { S: 'kcl-worker-1' },
      leaseCounter: { N: String(40 + n) },
      checkpoint: { S: seq(n) },
      checkpointSubSequenceNumber: { N: '0' },
      ownerSwitchesSinceCheckpoint: { N: '3' },
      ...extra,
    });
    const rows: Item[] = [
      kclLease(0),
      kclLease(1, { parentShardId: { SS: [id(9)] } }), // parent cleaned up long ago
      kclLease(2, { pendingCheckpoint: { S: seq(99) }, pendingCheckpointSubSequenceNumber: { N: '0' } }),
      kclLease(3, { checkpoint: { S: SHARD_END }, childShardIds: { SS: [id(4)] } }),
      { ...kclLease(4, { parentShardId: { SS: [id(3)] } }), leaseOwner: { S: 'kcl-worker-2' }, checkpoint: { S: 'TRIM_HORIZON' } },
      { leaseKey: { S: 'Leader' }, entityType: { S: 'LEADER' }, leaseOwner: { S: 'kcl-worker-1' }, leaseCounter: { N: '1' } },
      { leaseKey: { S: 'export/leader' }, leaseOwner: { S: 'x' }, leaseCounter: { N: '1' }, checkpoint: { S: 'LATEST' } },
    ];
    for (const Item of rows) await client.send(new PutItemCommand({ TableName: t, Item }));
    const a = worker(t, 'a');
    await start(a);
    expect(heldIds(a)).toEqual([]);
    await waitFor('KCL leases taken', 4 * D, () => heldIds(a).length === 4);
    expect(a.leases.held().map((s) => [s.shardId, s.checkpoint])).toEqual([
      [id(0), seq(0)],
      [id(1), seq(1)],
      // A KCL two-phase checkpoint not completed: resumed from the checkpoint (re-delivering, never skipping).
      [id(2), seq(2)],
      [id(4), 'TRIM_HORIZON'],
    ]);
    const all = await items(t);
    const { leaseCounter, ...taken } = all.get(id(0))!;
    const { leaseCounter: _, ...written } = kclLease(0);
    expect(taken).toEqual({ ...written, leaseOwner: { S: 'a' }, ownerSwitchesSinceCheckpoint: { N: '4' } });
    expect(Number(leaseCounter.N)).toBeGreaterThan(40);
    expect(all.get(id(3))).toEqual(kclLease(3, { checkpoint: { S: SHARD_END }, childShardIds: { SS: [id(4)] } }));
    expect(all.get('Leader')).toEqual(rows[5]);
    expect(all.get('export/leader')).toEqual(rows[6]);

    await a.leases.checkpoint(id(2), seq(100));
    const checkpointed = (await item(t, id(2)))!;
    expect(checkpointed.checkpoint).toEqual({ S: seq(100) });
    expect(checkpointed).not.toHaveProperty('pendingCheckpoint');
    expect(checkpointed.ownerSwitchesSinceCheckpoint).toEqual({ N: '0' });
  });

  test('an item written by us has exactly the attribute names and types KCL 2.x reads', async () => {
    const t = await freshTable();
    const a = worker(t, 'a');
    await start(a);
    await a.leases.sync([shard(0, { closed: true }), shard(1, { parents: [0] })], 'TRIM_HORIZON');
    await waitFor('held', 5000, () => heldIds(a).length === 1);
    await a.leases.checkpoint(id(0), seq(7));
    const types = (i: Item) => Object.fromEntries(Object.entries(i).map(([k, v]) => [k, Object.keys(v)[0]]));
    expect(types((await item(t, id(0)))!)).toEqual({
      leaseKey: 'S',
      leaseOwner: 'S',
      leaseCounter: 'N',
      checkpoint: 'S',
      checkpointSubSequenceNumber: 'N',
      ownerSwitchesSinceCheckpoint: 'N',
      startingHashKey: 'S',
      endingHashKey: 'S',
    });
    await a.leases.checkpoint(id(0), SHARD_END, [id(1)]);
    await waitFor('child held', 3 * D, () => heldIds(a).join() === id(1));
    const parent = (await item(t, id(0)))!;
    expect(types(parent)).toMatchObject({ checkpoint: 'S', childShardIds: 'SS' });
    expect(parent.checkpoint).toEqual({ S: SHARD_END });
    expect(parent.checkpointSubSequenceNumber).toEqual({ N: '0' });
    expect(types((await item(t, id(1)))!)).toMatchObject({ parentShardId: 'SS', leaseCounter: 'N', leaseOwner: 'S' });
  });
});
