import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { PutRecordsCommand, SplitShardCommand } from '@aws-sdk/client-kinesis';
import { ChildProcess } from 'child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { gzipSync } from 'zlib';
import { createStream, hashKeyIn, listShards, RunningKinesalite, startKinesalite, waitFor } from '../kinesis/kinesalite';
import { createLeaseTable, RunningDynalite, startDynalite } from '../support/dynalite';
import { completeLines, getText, opsPortFromLogs, RunningCollector, startCollectorProcess } from '../support/ops';

/**
 * Several collector processes sharing one Kinesis stream through the DynamoDB state store (KCL
 * leases on dynalite), as users run them: every shard is read by exactly one replica; a replica
 * killed with SIGKILL has its shards taken over within two lease durations; a split keeps
 * parent-before-child order across replicas; nothing is lost, and duplicates stay within one
 * unacknowledged batch per takeover; SIGTERM releases leases so the others take them at once.
 */

const STREAM = 'cwl-replicas';
const TABLE = 'cwl-replicas-leases';
const SHARDS = 4;
const EVENTS_PER_RECORD = 5;
const RECORDS_PER_CALL = 4;
const LEASE_MS = 3000;

let kinesis: RunningKinesalite;
let dynamo: RunningDynalite;
let dir: string;
const children: ChildProcess[] = [];

beforeAll(async () => {
  [kinesis, dynamo] = await Promise.all([startKinesalite(), startDynalite()]);
  await createStream(kinesis.client(), STREAM, SHARDS);
  await createLeaseTable(dynamo.client(), TABLE);
  dir = mkdtempSync(join(tmpdir(), 'cwl-replicas-'));
});
afterAll(async () => {
  children.forEach((c) => c.kill('SIGKILL'));
  await Promise.all([kinesis.close(), dynamo.close()]);
  rmSync(dir, { recursive: true, force: true });
});

let records = 0;
/** CloudWatch subscription records, spread over `hashKeys` (one per record, round robin): record r carries events `${tag}-${r}-${i}`. */
async function put(tag: string, count: number, hashKeys: readonly string[]): Promise<string[]> {
  const ids: string[] = [];
  const entries = Array.from({ length: count }, (_, r) => {
    const logEvents = Array.from({ length: EVENTS_PER_RECORD }, (_, i) => {
      const id = `${tag}-${r}-${i}`;
      ids.push(id);
      return { id, timestamp: 1763800000000 + r, message: `event ${id}` };
    });
    const payload = { messageType: 'DATA_MESSAGE', owner: '111122223333', logGroup: '/app/orders', logStream: 's', subscriptionFilters: ['f'], logEvents };
    return { Data: gzipSync(JSON.stringify(payload)), PartitionKey: `p${++records}`, ExplicitHashKey: hashKeys[r % hashKeys.length] };
  });
  for (let i = 0; i < entries.length; i += 100) {
    const out = await kinesis.client().send(new PutRecordsCommand({ StreamName: STREAM, Records: entries.slice(i, i + 100) }));
    if (out.FailedRecordCount) throw new Error(`${out.FailedRecordCount} records failed to put`);
  }
  return ids;
}

async function shardKeys(): Promise<string[]> {
  return (await listShards(kinesis.client(), STREAM)).filter((s) => !s.SequenceNumberRange?.EndingSequenceNumber).map((s) => hashKeyIn(s));
}

interface Replica {
  readonly name: string;
  readonly run: RunningCollector;
  readonly out: string;
}

function startReplica(name: string): Replica {
  const out = join(dir, name, 'events.ndjson');
  const config = join(dir, `${name}.json`);
  writeFileSync(
    config,
    JSON.stringify({
      source: {
        type: 'kinesis',
        streamName: STREAM,
        region: 'us-east-1',
        endpoint: `http://127.0.0.1:${kinesis.port}`,
        maxRecordsPerCall: RECORDS_PER_CALL,
        pollIntervalMs: 200,
        shardDiscoveryIntervalMs: 1000,
      },
      state: { type: 'dynamodb', table: TABLE, region: 'us-east-1', endpoint: dynamo.endpoint, leaseDurationMs: LEASE_MS, workerId: name },
      deadLetter: { path: join(dir, name, 'dead-letter.ndjson') },
      sink: { type: 'file', path: out, batchSize: 50 },
      ops: { host: '127.0.0.1', port: 0 },
      shutdownTimeoutMs: 10000,
    }),
  );
  const run = startCollectorProcess(config, { AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'x', AWS_REGION: 'us-east-1' });
  children.push(run.child);
  return { name, run, out };
}

/** Lease items of the table: shard id → owner (undefined when none) and checkpoint. */
async function leases(): Promise<Map<string, { owner?: string; checkpoint?: string; parents: string[] }>> {
  const out = await dynamo.client().send(new ScanCommand({ TableName: TABLE, ConsistentRead: true }));
  return new Map(
    (out.Items ?? []).map((i) => [i.leaseKey.S!, { owner: i.leaseOwner?.S, checkpoint: i.checkpoint?.S, parents: i.parentShardId?.SS ?? [] }] as const),
  );
}

async function metric(r: Replica, pattern: RegExp): Promise<number> {
  const port = opsPortFromLogs(r.run.logs());
  if (port === undefined) return NaN;
  const text = await getText(port, '/metrics');
  return [...text.matchAll(new RegExp(pattern.source, 'gm'))].reduce((n, m) => n + Number(m[1]), 0);
}

const held = (r: Replica) => metric(r, /^cwl_siem_collector_leases_held\{kind="shard"\} (\d+)$/);
const takeovers = (r: Replica) => metric(r, /^cwl_siem_collector_lease_takes_total\{how="(?:expired|stolen)"\} (\d+)$/);

function delivered(replicas: readonly Replica[]): string[] {
  return replicas.flatMap((r) => (existsSync(r.out) ? completeLines(readFileSync(r.out, 'utf8')).map((l) => (JSON.parse(l) as { id: string }).id) : []));
}

/** The "time" of the first log line of `r` matching `msg` and `fields`, if any. */
function logTime(r: Replica, msg: string, fields: Record<string, string>): number | undefined {
  for (const line of r.run.logs().split('\n')) {
    if (!line.startsWith('{')) continue;
    const entry = JSON.parse(line) as Record<string, unknown>;
    if (entry.msg === msg && Object.entries(fields).every(([k, v]) => entry[k] === v)) return entry.time as number;
  }
  return undefined;
}

describe('three collector replicas on one stream, leases in DynamoDB', () => {
  test('share the shards, survive a SIGKILL and a split, lose nothing, and hand leases over on SIGTERM', async () => {
    const before = await put('a', 80, await shardKeys());
    const replicas = ['r1', 'r2', 'r3'].map(startReplica);
    const all = [...replicas];
    const fail = (what: string) => (e: unknown) => {
      throw new Error(`${what}: ${(e as Error).message}\n${replicas.map((r) => `--- ${r.name}\n${r.run.logs().slice(-3000)}`).join('\n')}`, { cause: e });
    };
    await waitFor('every replica started', 30000, () => replicas.every((r) => r.run.logs().includes('"collector started"'))).catch(fail('start'));
    const started = Date.now();

    // Every shard owned by exactly one replica within two lease durations: the table names one owner per shard,
    // and the replicas' own counts add up to the shards (none believes it holds a shard another one holds).
    await waitFor('every shard owned by one replica', 2 * LEASE_MS, async () => {
      const items = await leases();
      const counts = await Promise.all(replicas.map(held));
      return items.size === SHARDS && [...items.values()].every((l) => l.owner) && counts.reduce((a, b) => a + b, 0) === SHARDS;
    }).catch(fail('ownership'));
    expect(Date.now() - started).toBeLessThanOrEqual(2 * LEASE_MS + 500);
    // Balanced to a fair share (ceil(4/3) = 2 at most each) once stealing had a few cycles.
    await waitFor('a fair share each', 10 * LEASE_MS, async () => (await Promise.all(replicas.map(held))).every((n) => n >= 1 && n <= 2)).catch(
      fail('balance'),
    );
    await waitFor('the first records delivered', 30000, () => new Set(delivered(all)).size >= before.length / 2).catch(fail('delivery'));

    // SIGKILL a replica that holds leases: the others take its shards within two lease durations.
    const owners = await leases();
    const victim = replicas.find((r) => [...owners.values()].some((l) => l.owner === r.name))!;
    const takeoversBefore = await takeovers(victim);
    victim.run.child.kill('SIGKILL');
    await victim.run.exited;
    const killedAt = Date.now();
    const survivors = replicas.filter((r) => r !== victim);
    await waitFor('the victim’s shards taken over', 2 * LEASE_MS + 1000, async () => {
      const items = await leases();
      const counts = await Promise.all(survivors.map(held));
      return [...items.values()].every((l) => l.owner && l.owner !== victim.name) && counts.reduce((a, b) => a + b, 0) === SHARDS;
    }).catch(fail('takeover'));
    expect(Date.now() - killedAt).toBeLessThanOrEqual(2 * LEASE_MS + 1000);

    // A split while the survivors read: the children are read only after the parent was read to its end.
    const parent = (await listShards(kinesis.client(), STREAM))[0];
    await kinesis.client().send(new SplitShardCommand({ StreamName: STREAM, ShardToSplit: parent.ShardId!, NewStartingHashKey: hashKeyIn(parent, 0.5) }));
    await waitFor('the split done', 10000, async () => (await listShards(kinesis.client(), STREAM)).length === SHARDS + 2);
    const after = await put('b', 60, await shardKeys());
    const ids = [...before, ...after];
    await waitFor('every event delivered', 60000, () => {
      const have = new Set(delivered(all));
      return ids.every((id) => have.has(id));
    }).catch(fail('all delivered'));

    const items = await leases();
    const kids = [...items.entries()].filter(([, l]) => l.parents.includes(parent.ShardId!)).map(([id]) => id);
    expect(kids).toHaveLength(2);
    expect(items.get(parent.ShardId!)?.checkpoint).toBe('SHARD_END');
    const parentEnded = survivors.map((r) => logTime(r, 'shard read to its end and acknowledged', { shard: parent.ShardId! })).find((t) => t !== undefined);
    expect(parentEnded).toBeDefined();
    for (const kid of kids) {
      const kidStarted = all.map((r) => logTime(r, 'starting shard reader', { shard: kid })).filter((t): t is number => t !== undefined);
      expect(kidStarted.length).toBeGreaterThan(0);
      expect(Math.min(...kidStarted)).toBeGreaterThanOrEqual(parentEnded!);
    }

    // Nothing lost; duplicates at most one unacknowledged GetRecords batch per takeover (the killed replica's shards, and steals).
    const counts = new Map<string, number>();
    for (const id of delivered(all)) counts.set(id, (counts.get(id) ?? 0) + 1);
    expect(ids.filter((id) => !counts.has(id))).toEqual([]);
    const duplicates = [...counts.values()].filter((n) => n > 1).length;
    const takenOver = takeoversBefore + (await Promise.all(survivors.map(takeovers))).reduce((a, b) => a + b, 0);
    expect(takenOver).toBeGreaterThanOrEqual(1);
    expect(duplicates).toBeLessThanOrEqual(takenOver * RECORDS_PER_CALL * EVENTS_PER_RECORD);

    // SIGTERM: the replica checkpoints, releases its leases, and the last one takes them at its next cycle (well within a lease duration).
    const [leaving, staying] = survivors;
    leaving.run.child.kill('SIGTERM');
    expect(await leaving.run.exited).toBe(0);
    const releasedAt = Date.now();
    await waitFor('the released leases taken', LEASE_MS, async () => {
      const open = [...(await leases()).values()].filter((l) => l.checkpoint !== 'SHARD_END');
      return open.every((l) => l.owner === staying.name);
    }).catch(fail('release'));
    expect(Date.now() - releasedAt).toBeLessThan(LEASE_MS);
    staying.run.child.kill('SIGTERM');
    expect(await staying.run.exited).toBe(0);
    // Every lease of a shard still being read is free for the next replica (finished ones keep their last owner, as KCL's do).
    expect([...(await leases()).values()].filter((l) => l.owner && l.checkpoint !== 'SHARD_END')).toEqual([]);
  }, 150000);
});
