import { PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { completeLines, getText, opsPortFromLogs, RunningCollector, startCollectorProcess } from '../support/ops';
import { ChildProcess } from 'child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { gzipSync } from 'zlib';
import { createStream, listShards, RunningKinesalite, startKinesalite, waitFor } from '../kinesis/kinesalite';

/**
 * The collector as users run it (`cwl-siem-collector run --config FILE`, a separate process) against
 * kinesalite, delivering to a file sink: every event arrives; a SIGKILL mid-stream loses nothing and
 * duplicates at most the unacknowledged batch per shard; SIGTERM drains, checkpoints and exits 0.
 */

const STREAM = 'cwl-e2e';
const SHARDS = 3;
const EVENTS_PER_RECORD = 5;

let kinesis: RunningKinesalite;
let dir: string;
const children: ChildProcess[] = [];

beforeAll(async () => {
  kinesis = await startKinesalite();
  await createStream(kinesis.client(), STREAM, SHARDS);
});
afterAll(async () => {
  children.forEach((c) => c.kill('SIGKILL'));
  await kinesis.close();
});
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cwl-e2e-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** CloudWatch subscription records: record r carries events `${tag}-${r}-${i}`. */
async function put(tag: string, records: number): Promise<string[]> {
  const client = kinesis.client();
  const shards = await listShards(client, STREAM);
  const ids: string[] = [];
  const entries = Array.from({ length: records }, (_, r) => {
    const logEvents = Array.from({ length: EVENTS_PER_RECORD }, (_, i) => {
      const id = `${tag}-${r}-${i}`;
      ids.push(id);
      return {
        id,
        timestamp: 1763800000000 + r * 10 + i,
        message: `2 111122223333 eni-0a1b2c3d 10.0.0.${i} 10.0.1.${r % 250} 443 ${40000 + i} 6 10 840 1763800000 1763800060 ACCEPT OK`,
      };
    });
    const payload = {
      messageType: 'DATA_MESSAGE',
      owner: '111122223333',
      logGroup: '/aws/vpc/flow-logs',
      logStream: `eni-${r % 7}-all`,
      subscriptionFilters: ['cwl-siem-kinesis'],
      logEvents,
    };
    const shard = shards[r % shards.length];
    return { Data: gzipSync(JSON.stringify(payload)), PartitionKey: `p${r}`, ExplicitHashKey: shard.HashKeyRange!.StartingHashKey };
  });
  for (let i = 0; i < entries.length; i += 100) {
    const out = await client.send(new PutRecordsCommand({ StreamName: STREAM, Records: entries.slice(i, i + 100) }));
    if (out.FailedRecordCount) throw new Error(`${out.FailedRecordCount} records failed to put`);
  }
  return ids;
}

/** A CONTROL_MESSAGE and a record that is not gzip: neither produces an event. */
async function putJunk(): Promise<void> {
  const control = {
    messageType: 'CONTROL_MESSAGE',
    owner: 'CloudwatchLogs',
    logGroup: '',
    logStream: '',
    subscriptionFilters: [],
    logEvents: [{ id: '', timestamp: 1763800000000, message: 'CWL CONTROL MESSAGE: Checking health of destination Kinesis stream.' }],
  };
  await kinesis.client().send(
    new PutRecordsCommand({
      StreamName: STREAM,
      Records: [
        { Data: gzipSync(JSON.stringify(control)), PartitionKey: 'c' },
        { Data: Buffer.from('not gzip at all'), PartitionKey: 'd' },
      ],
    }),
  );
}

function writeConfig(options: { startPosition?: string; batchSize?: number } = {}): string {
  const path = join(dir, 'collector.json');
  writeFileSync(
    path,
    JSON.stringify({
      source: {
        type: 'kinesis',
        streamName: STREAM,
        region: 'us-east-1',
        endpoint: `http://127.0.0.1:${kinesis.port}`,
        startPosition: options.startPosition ?? 'TRIM_HORIZON',
        maxRecordsPerCall: 4,
        pollIntervalMs: 200,
        shardDiscoveryIntervalMs: 1000,
      },
      state: { type: 'file', dir: join(dir, 'state') },
      deadLetter: { path: join(dir, 'state', 'dead-letter.ndjson') },
      sink: { type: 'file', path: join(dir, 'out', 'events.ndjson'), batchSize: options.batchSize ?? 50 },
      ops: { host: '127.0.0.1', port: 0 },
      shutdownTimeoutMs: 10000,
      logLevel: 'info',
    }),
  );
  return path;
}

type Running = RunningCollector;

function startCollector(config: string): Running {
  const running = startCollectorProcess(config, { AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'x', AWS_REGION: 'us-east-1' });
  children.push(running.child);
  return running;
}

/** Every event line delivered to the file sink (rotated files included). */
function delivered(): { id: string; fields?: Record<string, unknown>; type?: string }[] {
  const out = join(dir, 'out');
  if (!existsSync(out)) return [];
  return readdirSync(out)
    .flatMap((f) => completeLines(readFileSync(join(out, f), 'utf8')))
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l));
}

async function waitForIds(ids: readonly string[], running: Running, timeoutMs = 45000): Promise<void> {
  try {
    await waitFor(`${ids.length} events delivered`, timeoutMs, () => {
      const have = new Set(delivered().map((e) => e.id));
      return ids.every((id) => have.has(id));
    });
  } catch (e) {
    throw new Error(`${(e as Error).message}\ncollector output:\n${running.logs().slice(-4000)}`, { cause: e });
  }
}

const opsPort = (running: Running): number | undefined => opsPortFromLogs(running.logs());

describe('cwl-siem-collector run against kinesalite', () => {
  test('delivers every event of a multi-shard stream, parsed; control messages dropped, bad records dead-lettered; drains on SIGTERM with exit 0', async () => {
    const ids = await put('a', 60);
    await putJunk();
    const running = startCollector(writeConfig());
    await waitForIds(ids, running);
    const events = delivered();
    expect(events.filter((e) => ids.includes(e.id))).toHaveLength(ids.length);
    expect(events).toHaveLength(ids.length);
    expect(events[0]).toMatchObject({
      type: 'vpcflow',
      fields: expect.objectContaining({ version: 2, account_id: '111122223333', dstport: expect.any(Number), action: 'ACCEPT' }),
    });

    const port = opsPort(running);
    expect(port).toBeDefined();
    await waitFor('dead letter written', 10000, () => existsSync(join(dir, 'state', 'dead-letter.ndjson')));
    const metrics = await getText(port!, '/metrics');
    expect(metrics).toMatch(new RegExp(`cwl_siem_collector_events_out_total\\{sink="file"\\} ${ids.length}`));
    expect(metrics).toMatch(/cwl_siem_collector_control_messages_total 1/);
    expect(metrics).toMatch(/cwl_siem_collector_decode_errors_total\{reason="\w+"\} 1/);
    expect(metrics).toMatch(/cwl_siem_collector_shard_lag_milliseconds\{stream="cwl-e2e",shard="shardId-\d+"\}/);
    const dead = JSON.parse(readFileSync(join(dir, 'state', 'dead-letter.ndjson'), 'utf8').trim());
    expect(dead).toMatchObject({ origin: { kind: 'kinesis', stream: STREAM }, data: Buffer.from('not gzip at all').toString('base64') });

    const t0 = Date.now();
    running.child.kill('SIGTERM');
    expect(await running.exited).toBe(0);
    expect(Date.now() - t0).toBeLessThan(10000);
    const checkpoints = JSON.parse(readFileSync(join(dir, 'state', 'checkpoints.json'), 'utf8'));
    expect(Object.keys(checkpoints).length).toBeGreaterThanOrEqual(SHARDS);

    // Restarted after a clean drain: nothing is delivered twice, new records arrive.
    const more = await put('b', 9);
    const again = startCollector(writeConfig());
    await waitForIds(more, again);
    await new Promise((r) => setTimeout(r, 1500));
    expect(delivered().filter((e) => ids.includes(e.id))).toHaveLength(ids.length);
    again.child.kill('SIGTERM');
    expect(await again.exited).toBe(0);
  });

  test('killed with SIGKILL mid-stream and restarted: nothing lost, duplicates limited to unacknowledged batches', async () => {
    // A stream of its own, so the first test's records do not count here.
    const ids = await put('k1', 90);
    const config = writeConfig({ batchSize: 20 });
    const first = startCollector(config);
    await waitFor('some events delivered', 45000, () => delivered().length >= 60);
    first.child.kill('SIGKILL');
    await first.exited;
    const more = await put('k2', 30);
    const second = startCollector(config);
    const all = [...ids, ...more];
    await waitForIds(all, second);
    await new Promise((r) => setTimeout(r, 1500));
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);

    const counts = new Map<string, number>();
    for (const e of delivered()) counts.set(e.id, (counts.get(e.id) ?? 0) + 1);
    const relevant = [...counts.entries()].filter(([id]) => id.startsWith('k'));
    expect(all.every((id) => counts.has(id))).toBe(true);
    const duplicates = relevant.filter(([, n]) => n > 1).length;
    // At most one unacknowledged GetRecords batch per shard (maxRecordsPerCall 4 records x 5 events).
    expect(duplicates).toBeLessThanOrEqual(SHARDS * 4 * EVENTS_PER_RECORD);
  });
});
