import { CreateStreamCommand, DescribeStreamSummaryCommand, KinesisClient, ListShardsCommand, PutRecordsCommand, Shard } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { Server } from 'http';
import type { AddressInfo } from 'net';
import { gunzipSync, gzipSync } from 'zlib';
import { SourceBatch } from '../../src/types';

/** Test helpers: kinesalite in process, CloudWatch-shaped records, bounded waits. */

export interface RunningKinesalite {
  readonly port: number;
  /** A client for this server; destroyed by `close`. */
  client(): KinesisClient;
  close(): Promise<void>;
}

export async function startKinesalite(): Promise<RunningKinesalite> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const kinesalite = require('kinesalite') as (options: object) => Server;
  const server = kinesalite({ createStreamMs: 0, deleteStreamMs: 0, updateStreamMs: 0, shardLimit: 100 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const clients: KinesisClient[] = [];
  return {
    port,
    client() {
      const c = new KinesisClient({
        region: 'us-east-1',
        endpoint: `http://127.0.0.1:${port}`,
        credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
        requestHandler: new NodeHttpHandler({ connectionTimeout: 2000, requestTimeout: 10000 }),
        maxAttempts: 1,
      });
      clients.push(c);
      return c;
    },
    async close() {
      for (const c of clients) c.destroy();
      // Keep-alive sockets would hold server.close open.
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((e) => (e ? reject(e) : resolve())));
    },
  };
}

export async function createStream(client: KinesisClient, name: string, shardCount: number): Promise<void> {
  await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: shardCount }));
  await waitFor(`stream ${name} ACTIVE`, 5000, async () => {
    const s = await client.send(new DescribeStreamSummaryCommand({ StreamName: name }));
    return s.StreamDescriptionSummary?.StreamStatus === 'ACTIVE';
  });
}

export async function listShards(client: KinesisClient, name: string): Promise<Shard[]> {
  return (await client.send(new ListShardsCommand({ StreamName: name }))).Shards ?? [];
}

/** A hash key inside a shard's range: `fraction` 0.5 is its middle. */
export function hashKeyIn(shard: Shard, fraction = 0.5): string {
  const lo = BigInt(shard.HashKeyRange!.StartingHashKey!);
  const hi = BigInt(shard.HashKeyRange!.EndingHashKey!);
  return (lo + ((hi - lo) * BigInt(Math.round(fraction * 1000))) / 1000n).toString();
}

/** A CloudWatch Logs subscription record (gzip JSON) whose first log event's id is `id`. */
export function cloudWatchRecord(id: string): Uint8Array {
  const now = Date.now();
  return gzipSync(
    JSON.stringify({
      messageType: 'DATA_MESSAGE',
      owner: '123456789012',
      logGroup: '/aws/lambda/orders',
      logStream: '2024/05/01/[$LATEST]0123456789abcdef',
      subscriptionFilters: ['to-siem'],
      logEvents: [
        { id, timestamp: now, message: `order ${id} accepted` },
        { id: `${id}-2`, timestamp: now, message: `order ${id} shipped` },
      ],
    }),
  );
}

/** The id cloudWatchRecord put in a record. */
export function recordId(data: Uint8Array): string {
  return (JSON.parse(gunzipSync(data).toString('utf8')) as { logEvents: { id: string }[] }).logEvents[0].id;
}

export interface PutRecord {
  readonly id: string;
  readonly shard: string;
  readonly sequenceNumber: string;
}

let putCounter = 0;

/** Puts one record per hash key, `rounds` times, in order; returns what Kinesis assigned. */
export async function putRecords(client: KinesisClient, stream: string, hashKeys: readonly string[], rounds = 1, tag = 'r'): Promise<PutRecord[]> {
  const entries: { id: string; hashKey: string }[] = [];
  for (let r = 0; r < rounds; r++) for (const hashKey of hashKeys) entries.push({ id: `${tag}-${++putCounter}`, hashKey });
  const out: PutRecord[] = [];
  for (let i = 0; i < entries.length; i += 500) {
    const chunk = entries.slice(i, i + 500);
    const res = await client.send(
      new PutRecordsCommand({
        StreamName: stream,
        Records: chunk.map((e) => ({ Data: cloudWatchRecord(e.id), PartitionKey: e.id, ExplicitHashKey: e.hashKey })),
      }),
    );
    if (res.FailedRecordCount) throw new Error(`PutRecords failed for ${res.FailedRecordCount} records`);
    res.Records!.forEach((r, j) => out.push({ id: chunk[j].id, shard: r.ShardId!, sequenceNumber: r.SequenceNumber! }));
  }
  return out;
}

/** Polls `check` every 20 ms until it is true; throws after `timeoutMs`. */
export async function waitFor(what: string, timeoutMs: number, check: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export interface Handled {
  readonly id: string;
  readonly shard: string;
  readonly sequenceNumber: string;
  /** Ordinal of the handle call that carried it. */
  readonly call: number;
}

/** What a handler saw, in handling order. */
export class Seen {
  readonly handled: Handled[] = [];
  calls = 0;

  record(batch: SourceBatch): Handled[] {
    const call = ++this.calls;
    const items = batch.records.map((r) => {
      if (r.origin.kind !== 'kinesis') throw new Error(`unexpected origin ${r.origin.kind}`);
      return { id: recordId(r.data), shard: r.origin.shard, sequenceNumber: r.origin.sequenceNumber, call };
    });
    this.handled.push(...items);
    return items;
  }

  ids(): Set<string> {
    return new Set(this.handled.map((h) => h.id));
  }
}

/** Every put record handled exactly once, each with the shard and sequence number Kinesis gave it, and per shard in sequence order. */
export function expectExactlyOnceInShardOrder(handled: readonly Handled[], puts: readonly PutRecord[]): void {
  const counts = new Map<string, number>();
  for (const h of handled) counts.set(h.id, (counts.get(h.id) ?? 0) + 1);
  const duplicates = [...counts].filter(([, n]) => n > 1).map(([id]) => id);
  expect(duplicates).toEqual([]);
  expect([...counts.keys()].sort()).toEqual(puts.map((p) => p.id).sort());
  const byId = new Map(puts.map((p) => [p.id, p]));
  for (const h of handled)
    expect({ shard: h.shard, sequenceNumber: h.sequenceNumber }).toEqual({ shard: byId.get(h.id)!.shard, sequenceNumber: byId.get(h.id)!.sequenceNumber });
  expectShardOrder(handled);
}

export function expectShardOrder(handled: readonly Handled[]): void {
  const last = new Map<string, bigint>();
  for (const h of handled) {
    const seq = BigInt(h.sequenceNumber);
    const prev = last.get(h.shard);
    if (prev !== undefined && seq <= prev) throw new Error(`shard ${h.shard}: ${h.id} (${seq}) handled after ${prev}`);
    last.set(h.shard, seq);
  }
}
