/**
 * Lease table traffic of the DynamoDB state store at steady state: 3 replicas (coordinators) sharing
 * 8 shards on dynalite with the default 10 s lease, after they converged to 3/3/2. Two phases of
 * equal length:
 *
 * - idle:        no checkpoints (a quiet stream): renewals and scans only;
 * - checkpoints: every shard checkpointed once a second (a busy stream, one acknowledged batch a
 *                second per shard); a checkpoint is also a renewal, so renewals mostly stop.
 *
 * Printed: lease table calls per shard per minute by operation (from lease_table_calls_total), the
 * calls per minute of the whole fleet, and an estimate of DynamoDB request units (on-demand bills
 * write and read request units: a write of an item up to 1 KB is 1 WRU, a strongly consistent read
 * 1 RRU per 4 KB, a Scan by the size of the items it reads, rounded up to 4 KB per page).
 *
 * Run: npm run bench:leases -w collector   (LEASE_BENCH_SECONDS=n for the whole run, default 60)
 */
import type { Shard } from '@aws-sdk/client-kinesis';
import { Registry } from 'prom-client';
import { silentLogger } from '../src/ops/log';
import { CollectorMetrics, createMetrics } from '../src/ops/metrics';
import { DynamoDbShardLeases } from '../src/state/dynamodb/leases';
import { Item, LeaseTable } from '../src/state/dynamodb/table';
import { createLeaseTable, startDynalite } from '../test/support/dynalite';

const REPLICAS = 3;
const SHARDS = 8;
const LEASE_MS = 10_000;
const SECONDS = Number(process.env.LEASE_BENCH_SECONDS ?? 60);
const TABLE = 'bench-leases';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const shardId = (n: number) => `shardId-${String(n).padStart(12, '0')}`;

type Calls = Map<string, number>;

async function callsOf(metrics: readonly CollectorMetrics[]): Promise<Calls> {
  const out: Calls = new Map();
  for (const m of metrics)
    for (const v of (await m.leaseTableCalls.get()).values) {
      const op = String(v.labels.operation);
      out.set(op, (out.get(op) ?? 0) + v.value);
    }
  return out;
}

/** DynamoDB's item size: attribute names plus values (strings by UTF-8 length, numbers about one byte per two digits, plus one). */
function itemBytes(item: Item): number {
  let n = 0;
  for (const [name, v] of Object.entries(item)) {
    n += Buffer.byteLength(name);
    if (v.S !== undefined) n += Buffer.byteLength(v.S);
    else if (v.N !== undefined) n += Math.ceil(v.N.length / 2) + 1;
    else if (v.SS !== undefined) n += v.SS.reduce((k, s) => k + Buffer.byteLength(s), 0);
  }
  return n;
}

async function main(): Promise<void> {
  const dynamo = await startDynalite();
  await createLeaseTable(dynamo.client(), TABLE);
  const replicas = Array.from({ length: REPLICAS }, (_, i) => {
    const metrics = createMetrics(new Registry());
    const table = new LeaseTable(dynamo.client(), TABLE, metrics);
    const leases = new DynamoDbShardLeases({
      table,
      workerId: `replica-${i + 1}`,
      leaseDurationMs: LEASE_MS,
      stream: 'bench',
      logger: silentLogger(),
      metrics,
    });
    return { leases, metrics, table, stop: new AbortController() };
  });
  const shards: Shard[] = Array.from({ length: SHARDS }, (_, n) => ({
    ShardId: shardId(n),
    HashKeyRange: { StartingHashKey: String(BigInt(n) * 2n ** 125n), EndingHashKey: String((BigInt(n) + 1n) * 2n ** 125n - 1n) },
    SequenceNumberRange: { StartingSequenceNumber: '49590338271490256608559692538361571095921575989136588898' },
  }));

  const began = performance.now();
  await Promise.all(replicas.map((r) => r.leases.start(r.stop.signal)));
  await Promise.all(replicas.map((r) => r.leases.sync(shards, 'TRIM_HORIZON')));
  const fair = [...Array(REPLICAS)].map((_, i) => Math.floor(SHARDS / REPLICAS) + (i < SHARDS % REPLICAS ? 1 : 0)).join('/');
  const shares = () =>
    replicas
      .map((r) => r.leases.held().length)
      .sort((a, b) => b - a)
      .join('/');
  while (shares() !== fair) await sleep(200);
  const convergedS = (performance.now() - began) / 1000;
  // Quiet for a lease duration: the last steal's hand-over settled.
  await sleep(LEASE_MS);
  console.log(
    `lease bench: ${REPLICAS} replicas, ${SHARDS} shards, lease ${LEASE_MS / 1000} s (renew every ${(LEASE_MS / 3000).toFixed(1)} s, scan every ${(LEASE_MS / 3000).toFixed(1)} s); fair share ${fair} after ${convergedS.toFixed(1)} s`,
  );

  const metrics = replicas.map((r) => r.metrics);
  const phaseMs = (SECONDS * 1000) / 2;
  const items = await replicas[0].table.scan();
  const bytes = items.reduce((n, i) => n + itemBytes(i), 0);
  for (const phase of ['idle', 'checkpoints'] as const) {
    let sequence = 49590338271490256608559692538361571095921575989136588898n;
    const ticker =
      phase === 'checkpoints'
        ? setInterval(() => {
            for (const r of replicas) for (const s of r.leases.held()) void r.leases.checkpoint(s.shardId, String((sequence += 1n))).catch(() => undefined);
          }, 1000)
        : undefined;
    const before = await callsOf(metrics);
    const t0 = performance.now();
    await sleep(phaseMs);
    clearInterval(ticker);
    const minutes = (performance.now() - t0) / 60_000;
    const after = await callsOf(metrics);
    const perMinute = new Map([...after].map(([op, n]) => [op, (n - (before.get(op) ?? 0)) / minutes]));
    const rate = (op: string) => perMinute.get(op) ?? 0;
    const ops = ['UpdateItem', 'Scan', 'GetItem', 'PutItem', 'DeleteItem'].filter((op) => rate(op) > 0);
    const wru = rate('UpdateItem') + rate('PutItem') + rate('DeleteItem');
    const rru = rate('GetItem') + rate('Scan') * Math.max(1, Math.ceil(bytes / 4096));
    console.log(`\n${phase} (${(phaseMs / 1000).toFixed(0)} s):`);
    console.log(`  per shard per minute:  ${ops.map((op) => `${op} ${(rate(op) / SHARDS).toFixed(1)}`).join('   ')}`);
    console.log(
      `  fleet per minute:      ${ops.map((op) => `${op} ${rate(op).toFixed(0)}`).join('   ')}   (Scan per replica ${(rate('Scan') / REPLICAS).toFixed(1)})`,
    );
    console.log(
      `  request units:         ~${wru.toFixed(0)} WRU/min (${((wru * 60 * 24 * 30) / 1e6).toFixed(2)} M/month), ~${rru.toFixed(0)} RRU/min (${((rru * 60 * 24 * 30) / 1e6).toFixed(2)} M/month)`,
    );
  }
  console.log(
    `\nnote: items here average ${Math.round(bytes / items.length)} bytes (${bytes} in all), so every write is 1 WRU and each Scan reads ${Math.max(1, Math.ceil(bytes / 4096))} x 4 KB (1 RRU each, consistent).` +
      '\n      Writes grow with shards (a renewal every 3.3 s per held lease, or its checkpoints); Scans grow with replicas x table size (every replica reads the whole table every 3.3 s).' +
      '\n      Multiply by the on-demand prices of your region (billed per million WRU / RRU).',
  );
  for (const r of replicas) r.stop.abort();
  await dynamo.close();
}

if (require.main === module)
  main().catch((e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  });
