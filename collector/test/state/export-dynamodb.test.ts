import { DynamoDBClient, GetItemCommand, PutItemCommand, ScanCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { doneKeys } from '../../src/sources/export/state';
import { LeaseLostError, StateStoreError } from '../../src/state/store';
import { metricValue, replica, Replica } from '../export/dynamo-helpers';
import { createLeaseTable, RunningDynalite, startDynalite } from '../support/dynalite';

/**
 * The DynamoDB export store on dynalite: one item per group (never one map of them all), the task
 * as one small item, discovery without a write per group, pause entries as items re-read only when
 * changed, and the leader lease: every write needs it, and a replica that lost it writes nothing.
 */

jest.setTimeout(30_000);

let db: RunningDynalite;
let client: DynamoDBClient;
let table: string;
let tables = 0;

beforeAll(async () => {
  db = await startDynalite();
  client = db.client();
});
afterAll(async () => {
  await db?.close();
});
beforeEach(async () => {
  table = `export-state-${++tables}`;
  await createLeaseTable(client, table);
});

/** Signals aborted after each test, so that no replica goes on trying to take a lease. */
const stoppers: AbortController[] = [];
afterEach(() => {
  for (const s of stoppers.splice(0)) s.abort();
});
const stopper = (): AbortSignal => {
  const s = new AbortController();
  stoppers.push(s);
  return s.signal;
};
const never = stopper;

async function items(): Promise<Record<string, Record<string, unknown>>> {
  const out = await client.send(new ScanCommand({ TableName: table, ConsistentRead: true }));
  const byKey: Record<string, Record<string, unknown>> = {};
  for (const item of out.Items ?? []) byKey[item.leaseKey.S!] = item;
  return byKey;
}

async function item(key: string): Promise<Record<string, { S?: string; N?: string }> | undefined> {
  return (await client.send(new GetItemCommand({ TableName: table, Key: { leaseKey: { S: key } }, ConsistentRead: true }))).Item as never;
}

/** A replica that holds the leader lease. */
async function leader(workerId = 'a', options: Parameters<typeof replica>[3] = {}): Promise<Replica & { lost: AbortSignal }> {
  const r = replica(client, table, workerId, { leaseDurationMs: 60_000, ...options });
  const lost = await r.store.leadership.acquire(never());
  return { ...r, lost: lost! };
}

/** A virtual monotonic clock that each sleep moves forward at once. */
function virtualClock() {
  const c = {
    now: 0,
    clock: () => c.now,
    /** Called at each sleep, before the clock moves. */
    onSleep: async (): Promise<void> => undefined,
    sleep: async (ms: number) => {
      await c.onSleep();
      c.now += ms;
      await new Promise((r) => setImmediate(r));
    },
  };
  return c;
}

describe('progress, task and discovery items', () => {
  test('progress is one item per log group with its fields as attributes, read back by groups()', async () => {
    const a = await leader();
    await a.store.saveGroup('/app/api', { exportedUntil: 1000 });
    await a.store.saveGroup('/app/web', { exportedUntil: 2000, windowMs: 500, splitUntil: 3000 });
    await a.store.saveGroup('/aws/vpc', { exportedUntil: 3000, failures: 2, retryAt: 9000 });
    const all = await items();
    expect(Object.keys(all).sort()).toEqual(['export/group//app/api', 'export/group//app/web', 'export/group//aws/vpc', 'export/leader']);
    expect(all['export/group//app/web']).toMatchObject({ exportedUntil: { N: '2000' }, windowMs: { N: '500' }, splitUntil: { N: '3000' } });
    expect(all['export/group//app/api']).not.toHaveProperty('windowMs');
    expect(await a.store.groups()).toEqual(
      new Map([
        ['/app/api', { exportedUntil: 1000 }],
        ['/app/web', { exportedUntil: 2000, windowMs: 500, splitUntil: 3000 }],
        ['/aws/vpc', { exportedUntil: 3000, failures: 2, retryAt: 9000 }],
      ]),
    );
    // A state without the split (or the failures) removes those attributes: the item says what the state says.
    await a.store.saveGroup('/app/web', { exportedUntil: 3000 });
    await a.store.saveGroup('/aws/vpc', { exportedUntil: 3000, failures: 0 });
    expect((await a.store.groups()).get('/app/web')).toEqual({ exportedUntil: 3000 });
    expect((await a.store.groups()).get('/aws/vpc')).toEqual({ exportedUntil: 3000 });
  });

  test('exportedUntil never moves back: an earlier one resolves without writing anything', async () => {
    const a = await leader();
    await a.store.saveGroup('/app/api', { exportedUntil: 5000 });
    await a.store.saveGroup('/app/api', { exportedUntil: 4000, failures: 3, retryAt: 1 });
    expect((await a.store.groups()).get('/app/api')).toEqual({ exportedUntil: 5000 });
    expect(a.lines().some((l) => /exportedUntil .* is later; kept it/.test(l.msg))).toBe(true);
    // The same value again is not moving back.
    await a.store.saveGroup('/app/api', { exportedUntil: 5000, failures: 1, retryAt: 7 });
    expect((await a.store.groups()).get('/app/api')).toEqual({ exportedUntil: 5000, failures: 1, retryAt: 7 });
    expect(a.lost.aborted).toBe(false);
  });

  test('the task in progress is one item: its acknowledged objects as the last key and a count, not a list; removed when none', async () => {
    const a = await leader();
    expect(await a.store.task()).toBeUndefined();
    const task = { taskId: '', taskName: 'n', group: '/app/api', from: 1000, to: 2000, createdAt: 5, done: [] };
    await a.store.saveTask(task);
    expect(await a.store.task()).toEqual(task);
    const keys = ['p/t-1/a/000000.gz', 'p/t-1/b/000000.gz', 'p/t-1/c/000000.gz'];
    await a.store.saveTask({ ...task, taskId: 't-1', done: keys.slice(0, 2) });
    const stored = await item('export/task');
    expect(stored).toMatchObject({ taskId: { S: 't-1' }, doneKey: { S: keys[1] }, doneCount: { N: '2' } });
    expect(stored).not.toHaveProperty('done');
    const read = (await a.store.task())!;
    expect(read).toMatchObject({ taskId: 't-1', group: '/app/api', from: 1000, to: 2000, createdAt: 5, done: [], doneThrough: { key: keys[1], count: 2 } });
    expect(keys.map(doneKeys(read))).toEqual([true, true, false]);
    // Resumed: later acknowledgements go on from the last key.
    await a.store.saveTask({ ...read, done: [keys[2]] });
    expect((await a.store.task())!.doneThrough).toEqual({ key: keys[2], count: 3 });
    await a.store.saveTask(undefined);
    expect(await item('export/task')).toBeUndefined();
    expect(await a.store.task()).toBeUndefined();
  });

  test("S3's key order is by UTF-8 bytes: a key with a character beyond the BMP sorts after one in U+E000–U+FFFF", () => {
    const task = { taskId: 't', taskName: '', group: '/g', from: 0, to: 1, createdAt: 0, done: [], doneThrough: { key: 'p/t/\u{1F600}/0.gz', count: 1 } };
    // In JavaScript's UTF-16 order '\uFF5E' > '\u{1F600}'; in S3's it is before.
    expect(doneKeys(task)('p/t/\uFF5E/0.gz')).toBe(true);
    expect(doneKeys(task)('p/t/\u{1F601}/0.gz')).toBe(false);
  });

  test('the discovery is a small item plus lostAt on the groups it did not find; only changed groups are written', async () => {
    const a = await leader();
    for (const g of ['/a', '/b', '/c']) await a.store.saveGroup(g, { exportedUntil: 1 });
    expect(await a.store.discovery()).toBeUndefined();
    await a.store.saveDiscovery({ at: 100, groups: ['/a', '/b', '/new'] });
    expect(await item('export/group//c')).toMatchObject({ lostAt: { N: '100' } });
    // Discovery saves no item for a group that has no progress yet; the source saves its progress next.
    expect(await item('export/group//new')).toBeUndefined();
    await a.store.saveGroup('/new', { exportedUntil: 1 });
    expect(await a.store.discovery()).toEqual({ at: 100, groups: ['/a', '/b', '/new'] });
    // The lostAt is not progress: groups() and a later saveGroup leave it alone.
    expect((await a.store.groups()).get('/c')).toEqual({ exportedUntil: 1 });

    const updates = () => metricValue(a.metrics.leaseTableCalls, { operation: 'UpdateItem' });
    const before = await updates();
    await a.store.saveDiscovery({ at: 200, groups: ['/a', '/b', '/new'] });
    // The discovery item only: no group changed.
    expect((await updates()) - before).toBe(1);
    await a.store.saveDiscovery({ at: 300, groups: ['/a', '/b', '/c', '/new'] });
    expect((await updates()) - before).toBe(3);
    expect(await item('export/group//c')).not.toHaveProperty('lostAt');
    expect(await a.store.discovery()).toEqual({ at: 300, groups: ['/a', '/b', '/c', '/new'] });
  });

  test('a scoped store (a backfill) has its own keys and leader lease, and no pause entries', async () => {
    const a = await leader();
    await a.store.saveGroup('/app/api', { exportedUntil: 1 });
    const b = replica(client, table, 'b', { scope: 'backfill-abc' });
    // The collector's leader does not hold the backfill's lease: b takes its own at once.
    expect(await b.store.leadership.acquire(never())).toBeDefined();
    await b.store.saveGroup('/app/api', { exportedUntil: 2 });
    await b.store.saveTask({ taskId: 't', taskName: 'n', group: '/app/api', from: 1, to: 2, createdAt: 0, done: [] });
    expect(Object.keys(await items()).sort()).toEqual([
      'export/group//app/api',
      'export/leader',
      'export/scope/backfill-abc/group//app/api',
      'export/scope/backfill-abc/leader',
      'export/scope/backfill-abc/task',
    ]);
    expect((await a.store.groups()).get('/app/api')).toEqual({ exportedUntil: 1 });
    expect((await b.store.groups()).get('/app/api')).toEqual({ exportedUntil: 2 });
    expect(await a.store.task()).toBeUndefined();
    await a.store.updateControl(() => ({ paused: { '/app/api': { since: 'x' } } }));
    expect(await b.store.control()).toEqual({ paused: {} });
    await expect(b.store.updateControl((c) => c)).rejects.toBeInstanceOf(StateStoreError);
  });
});

describe('pause entries', () => {
  test('are one item per name or pattern; control() reads them again at most every controlRefreshMs, and scans only after a change', async () => {
    const clock = virtualClock();
    const reader = replica(client, table, 'reader', { clock: clock.clock, controlRefreshMs: 1000 });
    // The `export pause` command of another machine.
    const command = replica(client, table, 'cli');
    await command.store.updateControl((c) => ({ paused: { ...c.paused, '/app/web': { since: '2026-11-22T00:00:00.000Z', reason: 'noisy' } } }));
    await command.store.updateControl((c) => ({ paused: { ...c.paused, '/aws/*': { since: '2026-11-22T01:00:00.000Z' } } }));
    expect(await item('export/pause//aws/*')).toEqual({ leaseKey: { S: 'export/pause//aws/*' }, since: { S: '2026-11-22T01:00:00.000Z' } });
    expect(await item('export/pause//app/web')).toMatchObject({ reason: { S: 'noisy' } });

    const first = await reader.store.control();
    expect(first).toEqual({
      paused: { '/app/web': { since: '2026-11-22T00:00:00.000Z', reason: 'noisy' }, '/aws/*': { since: '2026-11-22T01:00:00.000Z' } },
    });
    await command.store.updateControl((c) => ({ paused: Object.fromEntries(Object.entries(c.paused).filter(([k]) => k !== '/app/web')) }));
    clock.now = 500;
    const calls = () => metricValue(reader.metrics.leaseTableCalls);
    const before = await calls();
    expect(await reader.store.control()).toBe(first);
    expect(await calls()).toBe(before);
    clock.now = 1000;
    expect(await reader.store.control()).toEqual({ paused: { '/aws/*': { since: '2026-11-22T01:00:00.000Z' } } });
    expect(await item('export/pause//app/web')).toBeUndefined();
    // Nothing changed since: one GetItem of the version, no scan; the same object.
    const unchanged = await reader.store.control();
    clock.now = 2000;
    const scans = await metricValue(reader.metrics.leaseTableCalls, { operation: 'Scan' });
    expect(await reader.store.control()).toBe(unchanged);
    expect(await metricValue(reader.metrics.leaseTableCalls, { operation: 'Scan' })).toBe(scans);
  });

  test('concurrent changes of different entries, from different machines, all stay', async () => {
    const groups = Array.from({ length: 10 }, (_, i) => `/app/g${i}`);
    await Promise.all(
      groups.map((g, i) => replica(client, table, `cli-${i}`).store.updateControl((c) => ({ paused: { ...c.paused, [g]: { since: 'now' } } }))),
    );
    const reader = replica(client, table, 'reader');
    expect(Object.keys((await reader.store.control()).paused).sort()).toEqual([...groups].sort());
  });

  test('a malformed entry keeps the entries read before, with controlError; fixing it clears the error', async () => {
    const clock = virtualClock();
    const reader = replica(client, table, 'reader', { clock: clock.clock, controlRefreshMs: 10 });
    const command = replica(client, table, 'cli');
    await command.store.updateControl(() => ({ paused: { '/a': { since: 'then' } } }));
    const good = await reader.store.control();
    // Written by hand, without "since".
    await client.send(new PutItemCommand({ TableName: table, Item: { leaseKey: { S: 'export/pause//b' }, reason: { S: 'typo' } } }));
    await bumpVersion();
    clock.now += 10;
    expect(await reader.store.control()).toBe(good);
    expect(reader.store.controlError?.message).toMatch(/export\/pause\/\/b needs a "since"/);
    // A change by command refuses to build on it (as the file store refuses to overwrite a corrupt file), writing nothing.
    await expect(command.store.updateControl((c) => ({ paused: { ...c.paused, '/c': { since: 'now' } } }))).rejects.toThrow(/needs a "since"/);
    expect(await item('export/pause//c')).toBeUndefined();
    // Fixed by hand.
    await client.send(new PutItemCommand({ TableName: table, Item: { leaseKey: { S: 'export/pause//b' }, since: { S: 'now' } } }));
    await bumpVersion();
    clock.now += 10;
    expect(Object.keys((await reader.store.control()).paused).sort()).toEqual(['/a', '/b']);
    expect(reader.store.controlError).toBeUndefined();
  });
});

/** What `updateControl` does after changing pause entries, for entries written by hand. */
async function bumpVersion(): Promise<void> {
  await client.send(
    new UpdateItemCommand({
      TableName: table,
      Key: { leaseKey: { S: 'export/pauses' } },
      UpdateExpression: 'ADD version :one',
      ExpressionAttributeValues: { ':one': { N: '1' } },
    }),
  );
}

describe('writes need the leader lease', () => {
  test("a standby's write is refused with LeaseLostError and writes nothing", async () => {
    await leader('a');
    const b = replica(client, table, 'b');
    await expect(b.store.saveGroup('/app/api', { exportedUntil: 1 })).rejects.toBeInstanceOf(LeaseLostError);
    await expect(b.store.saveTask(undefined)).rejects.toBeInstanceOf(LeaseLostError);
    await expect(b.store.saveDiscovery({ at: 1, groups: [] })).rejects.toBeInstanceOf(LeaseLostError);
    expect(Object.keys(await items())).toEqual(['export/leader']);
  });

  test('a leader replaced while it still believes it leads is refused by the items the new leader stamped: the task at once, a group once written', async () => {
    // A's clock stands still: it never sees its own lease as expired (a long pause, a clock that jumps).
    const a = await leader('a', { clock: () => 0 });
    const task = { taskId: 't-1', taskName: 'n', group: '/app/api', from: 0, to: 1000, createdAt: 0, done: ['p/t-1/a.gz'] };
    await a.store.saveGroup('/app/api', { exportedUntil: 0 });
    await a.store.saveGroup('/app/web', { exportedUntil: 0 });
    await a.store.saveTask(task);
    // B waits a whole lease duration on its own clock without seeing A renew, and takes over.
    const clock = virtualClock();
    const b = replica(client, table, 'b', { leaseDurationMs: 60_000, clock: clock.clock, sleep: clock.sleep });
    expect(await b.store.leadership.acquire(never())).toBeDefined();
    expect(clock.now).toBeGreaterThanOrEqual(60_000);
    expect(await metricValue(b.metrics.leaseTakes, { how: 'expired' })).toBe(1);
    expect((await item('export/leader'))?.leaseOwner).toEqual({ S: 'b' });

    // The task was claimed when B took the lease: A cannot change it any more.
    await expect(a.store.saveTask({ ...task, done: [...task.done, 'p/t-1/b.gz'] })).rejects.toBeInstanceOf(LeaseLostError);
    expect(await b.store.task()).toMatchObject({ taskId: 't-1', doneThrough: { key: 'p/t-1/a.gz', count: 1 } });
    expect(a.lost.aborted).toBe(true);
    expect(a.lost.reason).toBeInstanceOf(LeaseLostError);
    expect(await metricValue(a.metrics.leasesLost, { why: 'condition' })).toBe(1);
    expect(await metricValue(a.metrics.leasesHeld, { kind: 'leader' })).toBe(0);
    // Lost once, every later write is refused before it is sent.
    await b.store.saveGroup('/app/api', { exportedUntil: 1000 });
    const sent = await metricValue(a.metrics.leaseTableCalls);
    await expect(a.store.saveGroup('/app/web', { exportedUntil: 5000 })).rejects.toBeInstanceOf(LeaseLostError);
    expect(await metricValue(a.metrics.leaseTableCalls)).toBe(sent);
    expect((await b.store.groups()).get('/app/web')).toEqual({ exportedUntil: 0 });
  });

  test('a group item stamped by a later leader refuses the previous leader, which then counts the lease lost', async () => {
    const a = await leader('a', { clock: () => 0 });
    await a.store.saveGroup('/app/api', { exportedUntil: 0 });
    const clock = virtualClock();
    const b = replica(client, table, 'b', { leaseDurationMs: 60_000, clock: clock.clock, sleep: clock.sleep });
    await b.store.leadership.acquire(never());
    await b.store.saveGroup('/app/api', { exportedUntil: 1000 });
    await expect(a.store.saveGroup('/app/api', { exportedUntil: 2000 })).rejects.toThrow(/another replica is the export leader/);
    expect((await b.store.groups()).get('/app/api')).toEqual({ exportedUntil: 1000 });
    expect(a.lost.aborted).toBe(true);
  });

  test('a leader whose renewals fail for a whole lease duration stops writing, before anyone takes over', async () => {
    const clock = virtualClock();
    const a = await leader('a', { leaseDurationMs: 300, clock: clock.clock });
    a.link.mode = 'failing';
    // Renewals fail on the network; within the lease duration the lease is kept.
    await waitFor(async () => (await metricValue(a.metrics.leaseRenewFailures, { why: 'error' })) >= 1);
    expect(a.lost.aborted).toBe(false);
    clock.now = 300;
    a.link.mode = 'ok';
    await expect(a.store.saveGroup('/app/api', { exportedUntil: 1 })).rejects.toBeInstanceOf(LeaseLostError);
    expect(await item('export/group//app/api')).toBeUndefined();
    expect(a.lost.aborted).toBe(true);
    expect(await metricValue(a.metrics.leasesLost, { why: 'expired' })).toBe(1);
  });
});

describe('the leader lease', () => {
  test('of two replicas one holds it; the other waits, saying once who holds it, and takes it at its next try after a release', async () => {
    const a = replica(client, table, 'a', { leaseDurationMs: 300 });
    const b = replica(client, table, 'b', { leaseDurationMs: 300 });
    const stop = stopper();
    const holding = new Set<Replica>();
    const tries = [a, b].map((r) =>
      r.store.leadership.acquire(stop).then((s) => {
        if (s) holding.add(r);
        return s;
      }),
    );
    const first = await Promise.race([tries[0].then(() => a), tries[1].then(() => b)]);
    const other = first === a ? b : a;
    const second = tries[first === a ? 1 : 0];
    // Several renewals of the holder, several tries of the other.
    await waitFor(async () => (await metricValue(first.metrics.leaseTableCalls, { operation: 'UpdateItem', result: 'ok' })) >= 4);
    expect([...holding]).toEqual([first]);
    expect((await item('export/leader'))?.leaseOwner).toEqual({ S: first.store.leadership.workerId });
    expect(await other.store.leadership.holder()).toBe(first.store.leadership.workerId);
    const waiting = other.lines().filter((l) => l.msg.startsWith('waiting for the export leader lease'));
    expect(waiting.map((l) => l.msg)).toEqual([`waiting for the export leader lease held by ${first.store.leadership.workerId}`]);

    await first.store.leadership.release();
    expect(await item('export/leader')).not.toHaveProperty('leaseOwner');
    expect(await metricValue(first.metrics.leasesLost, { why: 'released' })).toBe(1);
    expect(await second).toBeDefined();
    expect(await metricValue(other.metrics.leaseTakes, { how: 'unowned' })).toBe(1);
    await other.store.leadership.release();
  });

  test('an owned lease is taken only once its counter stayed unchanged for a whole lease duration on the taker’s own clock', async () => {
    const a = await leader('a');
    const clock = virtualClock();
    let renewing = true;
    let counter = 1;
    // A renews (the counter moves) at every try of B, until it stops.
    clock.onSleep = async () => {
      if (!renewing) return;
      await client.send(
        new UpdateItemCommand({
          TableName: table,
          Key: { leaseKey: { S: 'export/leader' } },
          UpdateExpression: 'SET leaseCounter = :n',
          ExpressionAttributeValues: { ':n': { N: String(++counter) } },
        }),
      );
    };
    const b = replica(client, table, 'b', { leaseDurationMs: 900, clock: clock.clock, sleep: clock.sleep });
    const taken = b.store.leadership.acquire(never());
    await waitFor(async () => clock.now >= 9000);
    renewing = false;
    const stoppedAt = clock.now;
    expect(await taken).toBeDefined();
    // Seen unchanged from the first try after the last renewal, for 900 ms of B's clock.
    expect(clock.now - stoppedAt).toBeGreaterThanOrEqual(900);
    expect(clock.now - stoppedAt).toBeLessThanOrEqual(900 + 300);
    expect(await metricValue(b.metrics.leaseTakes, { how: 'expired' })).toBe(1);
    expect((await item('export/leader'))?.leaseCounter).toEqual({ N: String(counter + 1) });
    expect(a.lost.aborted).toBe(false); // A's renew timer has not run yet; its next renew finds the lease gone.
  });

  test('a renew refused on its condition loses the lease at once; a renew whose answer was lost keeps it', async () => {
    const a = await leader('a', { leaseDurationMs: 300 });
    a.link.mode = 'answer-lost';
    await waitFor(async () => (await metricValue(a.metrics.leaseRenewFailures, { why: 'error' })) >= 1);
    a.link.mode = 'ok';
    // The next renew fails on the counter, finds the item still its own, and goes on from there.
    await waitFor(async () => (await metricValue(a.metrics.leaseRenewFailures, { why: 'condition' })) >= 1);
    await waitFor(async () => (await metricValue(a.metrics.leaseTableCalls, { operation: 'UpdateItem', result: 'ok' })) >= 2);
    expect(a.lost.aborted).toBe(false);
    await a.store.saveGroup('/app/api', { exportedUntil: 1 });

    // Someone else takes it: the next renew is refused and the lease is gone.
    await client.send(
      new UpdateItemCommand({
        TableName: table,
        Key: { leaseKey: { S: 'export/leader' } },
        UpdateExpression: 'SET leaseOwner = :b ADD leaseCounter :one',
        ExpressionAttributeValues: { ':b': { S: 'b' }, ':one': { N: '1' } },
      }),
    );
    await waitFor(async () => a.lost.aborted);
    expect(await metricValue(a.metrics.leasesLost, { why: 'condition' })).toBe(1);
    await expect(a.store.saveGroup('/app/api', { exportedUntil: 2 })).rejects.toBeInstanceOf(LeaseLostError);
  });
});

async function waitFor(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}
