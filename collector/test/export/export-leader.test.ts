import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import type { ExportSourceConfig } from '../../src/config/load';
import { exportMode } from '../../src/modes/export';
import { DeadLetterFile } from '../../src/ops/dead-letter';
import { silentLogger } from '../../src/ops/log';
import { createParser } from '../../src/parsers';
import { Pipeline } from '../../src/pipeline';
import type { StateStore } from '../../src/state/store';
import type { NormalizedEvent } from '../../src/types';
import { CwlExportServer, s3ObjectWriter, startCwlExportServer } from '../support/cwl-export-server';
import { createLeaseTable, RunningDynalite, startDynalite } from '../support/dynalite';
import { S3Emulator, startS3, TEST_CREDENTIALS, TEST_REGION } from '../support/emulators';
import { metricValue, replica, Replica } from './dynamo-helpers';

/**
 * Export mode with several replicas on one DynamoDB table (dynalite), against the in-process
 * CloudWatch Logs export API writing into s3rver: one leader exports, the others wait; the leader
 * killed in the middle of a task is replaced by a standby that adopts the task, and every window is
 * exported exactly once; pause entries written from elsewhere reach the running leader.
 */

jest.setTimeout(60_000);

const BUCKET = 'cwl-export-leader';
const PREFIX = 'exportedlogs';
const WINDOW = 60_000;
const ACCOUNT = '123456789012';
const GROUPS = ['/app/api', '/app/web', '/aws/vpc'];
const STREAMS = ['i-0001', 'i-0002'];
/** Short, so that a takeover takes about a second. */
const LEASE_MS = 800;

let s3: S3Emulator;
let db: RunningDynalite;
let dynamo: DynamoDBClient;
let server: CwlExportServer;
let dir: string;
let table: string;
let tables = 0;
let T0: number;
const expected = new Set<string>();

beforeAll(async () => {
  s3 = await startS3();
  await s3.client.send(new CreateBucketCommand({ Bucket: BUCKET }));
  db = await startDynalite();
  dynamo = db.client();
});
afterAll(async () => {
  await db?.close();
  await s3?.close();
});
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cwl-export-leader-'));
  table = `export-leader-${++tables}`;
  await createLeaseTable(dynamo, table);
  server = await startCwlExportServer({ writeObject: s3ObjectWriter(s3.client, PutObjectCommand), taskDelayMs: 10, accountId: ACCOUNT });
  // Four whole windows with events, ended a while ago.
  T0 = Math.floor((Date.now() - 6 * WINDOW) / WINDOW) * WINDOW;
  expected.clear();
  for (const group of GROUPS) {
    server.addLogGroup(group);
    for (const stream of STREAMS) {
      const events = Array.from({ length: 8 }, (_, i) => ({ timestamp: T0 + i * (WINDOW / 2) + 7, message: `${group} ${stream} ${i}` }));
      events.forEach((e) => expected.add(e.message));
      server.putEvents(group, stream, events);
    }
  }
});
afterEach(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Exporter {
  readonly name: string;
  readonly replica: Replica;
  readonly delivered: NormalizedEvent[];
  /** AWS calls this replica made, by command name. */
  readonly calls: Map<string, number>;
  /** From now on, every call of this replica (AWS, table, sink) never returns: the process was killed. */
  kill(): void;
  /** Resolves when the source returned; a killed one never does. */
  readonly running: Promise<void>;
  /** Graceful stop (SIGTERM): waits for the source to return. */
  stop(): Promise<void>;
}

/** One collector replica in export mode, running. `freezeAt` freezes it by itself at that call. */
function startExporter(
  name: string,
  options: { controlRefreshMs?: number; freezeAt?: (command: string, calls: Map<string, number>) => boolean } = {},
): Exporter {
  const r = replica(dynamo, table, `replica-${name}`, { leaseDurationMs: LEASE_MS, controlRefreshMs: options.controlRefreshMs });
  const delivered: NormalizedEvent[] = [];
  const calls = new Map<string, number>();
  let frozen = false;
  const freeze = (): Promise<never> => new Promise<never>(() => undefined);
  const kill = () => {
    frozen = true;
    r.link.mode = 'frozen';
  };
  const through = <C extends { send(c: never, o?: never): Promise<unknown> }>(client: C) =>
    ({
      async send(command: { constructor: { name: string } }, opts?: unknown) {
        if (frozen) return freeze();
        const n = command.constructor.name;
        calls.set(n, (calls.get(n) ?? 0) + 1);
        if (options.freezeAt?.(n, calls)) {
          kill();
          return freeze();
        }
        return client.send(command as never, opts as never);
      },
    }) as unknown as C;
  const logsClient = new CloudWatchLogsClient({
    region: TEST_REGION,
    endpoint: server.endpoint,
    credentials: TEST_CREDENTIALS,
    maxAttempts: 1,
    requestHandler: new NodeHttpHandler(),
  });
  const state: StateStore = {
    type: 'dynamodb',
    describe: { table },
    open: async () => undefined,
    close: async () => undefined,
    shardLeases: () => {
      throw new Error('not used');
    },
    exportState: () => r.store,
  };
  const config: ExportSourceConfig = {
    type: 'export',
    region: TEST_REGION,
    bucket: BUCKET,
    prefix: PREFIX,
    s3: { forcePathStyle: true },
    logGroups: { include: ['*'], exclude: [] },
    startTime: new Date(T0).toISOString(),
    windowSeconds: WINDOW / 1000,
    settleSeconds: 0,
    discoveryIntervalSeconds: 600,
    pollIntervalSeconds: 0.01,
    maxTaskSeconds: 600,
    maxWindowsPerTask: 1,
    deleteObjects: true,
  };
  const mode = exportMode(config, {
    logger: r.logger,
    metrics: r.metrics,
    parser: createParser({}),
    onUnparsed: () => undefined,
    state,
    clients: { logs: through(logsClient), s3: through(s3.client as S3Client) },
  });
  const pipeline = new Pipeline({
    sink: {
      name: 'capture',
      send: async (events) => {
        if (frozen) return freeze();
        delivered.push(...events);
      },
      close: async () => undefined,
    },
    decode: mode.decode,
    deadLetters: new DeadLetterFile(join(dir, `dead-letter-${name}.ndjson`)),
    metrics: r.metrics,
    logger: silentLogger(),
    sourceKind: 'export',
    retryInitialDelayMs: 10,
    retryMaxDelayMs: 100,
  });
  const abort = new AbortController();
  const running = mode.source.run(pipeline.handle, abort.signal);
  return {
    name,
    replica: r,
    delivered,
    calls,
    kill,
    running,
    async stop() {
      abort.abort();
      await running;
      logsClient.destroy();
    },
  };
}

/** The table's view: every group exported up to `until` and no task in progress. */
async function exportedUntil(reader: Replica, until: number): Promise<boolean> {
  const groups = await reader.store.groups();
  return GROUPS.every((g) => (groups.get(g)?.exportedUntil ?? 0) >= until) && (await reader.store.task()) === undefined;
}

async function waitFor(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const END = () => T0 + 4 * WINDOW;
const creates = (e: Exporter) => e.calls.get('CreateExportTaskCommand') ?? 0;

/** Completed tasks by group: each window once, one after the other from T0 to the group's progress (none twice, none skipped). */
async function expectEveryWindowOnce(reader: Replica): Promise<void> {
  const tasks = server.tasks();
  expect(tasks.filter((t) => t.status.code !== 'COMPLETED')).toEqual([]);
  const groups = await reader.store.groups();
  for (const group of GROUPS) {
    const mine = tasks.filter((t) => t.logGroupName === group).sort((a, b) => a.from - b.from);
    let at = T0;
    for (const t of mine) {
      expect(t.from).toBe(at);
      at = t.to + 1;
    }
    expect(at).toBe(groups.get(group)!.exportedUntil);
  }
}

function expectEventsOnce(events: readonly NormalizedEvent[]): void {
  const counts = new Map<string, number>();
  for (const e of events) counts.set(e.message, (counts.get(e.message) ?? 0) + 1);
  expect([...counts.keys()].sort()).toEqual([...expected].sort());
  expect([...counts.values()].every((n) => n === 1)).toBe(true);
}

async function remainingObjects(): Promise<string[]> {
  const out = await s3.client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: `${PREFIX}/` }));
  return (out.Contents ?? []).map((c) => c.Key!).filter((k) => !k.endsWith('/aws-logs-write-test'));
}

describe('export mode with several replicas on one table', () => {
  test('one leader exports; killed mid-task, a standby takes over within two lease durations, adopts the task, and every window is exported once', async () => {
    // Whichever becomes the leader dies while reading the second object of its second task, the first one acknowledged.
    let killed = false;
    const freezeAt = (command: string, calls: Map<string, number>) => !killed && command === 'GetObjectCommand' && calls.get(command) === 4 && (killed = true);
    const a = startExporter('a', { freezeAt });
    const b = startExporter('b', { freezeAt });
    const both = [a, b];
    await waitFor('a first export task', () => both.some((e) => creates(e) > 0));
    const leader = both.find((e) => creates(e) > 0)!;
    const standby = leader === a ? b : a;

    // The hot standby waits for the lease and makes no AWS call meanwhile.
    const killedAt = await new Promise<number>((resolve, reject) => {
      const timer = setInterval(() => {
        if ((leader.calls.get('GetObjectCommand') ?? 0) >= 4) {
          clearInterval(timer);
          resolve(Date.now());
        }
      }, 1);
      leader.running.catch((e: unknown) => {
        clearInterval(timer);
        reject(e);
      });
    });
    expect(standby.calls.size).toBe(0);
    expect(standby.replica.lines().some((l) => l.msg === `waiting for the export leader lease held by replica-${leader.name}`)).toBe(true);
    const inFlight = (await standby.replica.store.task())!;
    expect(inFlight.taskId).not.toBe('');
    expect(inFlight.doneThrough?.count).toBe(1);

    await waitFor('the standby to take the lease', async () => (await metricValue(standby.replica.metrics.leaseTakes, { how: 'expired' })) === 1);
    expect(Date.now() - killedAt).toBeLessThan(2 * LEASE_MS);
    await waitFor('every window', () => exportedUntil(standby.replica, END()));
    await standby.stop();

    // Only the leader created tasks before it died; the standby adopted its task instead of creating one for that window again.
    expect(server.tasks().filter((t) => t.taskId === inFlight.taskId)).toHaveLength(1);
    expect(standby.replica.lines().some((l) => l.msg === 'resuming the export task of the previous run' && l.taskId === inFlight.taskId)).toBe(true);
    await expectEveryWindowOnce(standby.replica);
    expectEventsOnce([...leader.delivered, ...standby.delivered]);
    expect(await remainingObjects()).toEqual([]);
    // Stopped gracefully after its last write, the standby released the lease.
    expect(await standby.replica.store.leadership.holder()).toBeUndefined();
    expect(await metricValue(standby.replica.metrics.leasesLost, { why: 'released' })).toBe(1);
  });

  test('a leader stopped gracefully releases the lease; the standby takes it at its next try and goes on where it stopped', async () => {
    const a = startExporter('a');
    await waitFor('a first commit', async () => ((await a.replica.store.groups()).get('/app/api')?.exportedUntil ?? 0) > T0);
    const b = startExporter('b');
    await a.stop();
    expect(await metricValue(a.replica.metrics.leasesLost, { why: 'released' })).toBe(1);
    await waitFor('the standby to take the lease', async () => (await metricValue(b.replica.metrics.leaseTakes, { how: 'unowned' })) === 1, LEASE_MS);
    await waitFor('every window', () => exportedUntil(b.replica, END()));
    await b.stop();
    await expectEveryWindowOnce(b.replica);
    expectEventsOnce([...a.delivered, ...b.delivered]);
  });

  test('pause and resume written to the table from elsewhere reach the running leader without a restart', async () => {
    const command = replica(dynamo, table, 'cli');
    await command.store.updateControl((c) => ({ paused: { ...c.paused, '/app/web': { since: new Date().toISOString(), reason: 'test' } } }));
    const a = startExporter('a', { controlRefreshMs: 100 });
    const others = async () => {
      const groups = await a.replica.store.groups();
      return ['/app/api', '/aws/vpc'].every((g) => (groups.get(g)?.exportedUntil ?? 0) >= END()) && (await a.replica.store.task()) === undefined;
    };
    await waitFor('the groups not paused', others);
    expect(server.tasks().filter((t) => t.logGroupName === '/app/web')).toEqual([]);
    expect((await a.replica.store.groups()).get('/app/web')).toEqual({ exportedUntil: T0 });
    await command.store.updateControl((c) => ({ paused: Object.fromEntries(Object.entries(c.paused).filter(([k]) => k !== '/app/web')) }));
    await waitFor('every window', () => exportedUntil(a.replica, END()));
    await a.stop();
    expectEventsOnce(a.delivered);
  });
});
