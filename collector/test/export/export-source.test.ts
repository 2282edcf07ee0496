import { CancelExportTaskCommand, CloudWatchLogsClient, CreateExportTaskCommand } from '@aws-sdk/client-cloudwatch-logs';
import { CreateBucketCommand, DeleteObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { FileCheckpointStore } from '../../src/state/file/checkpoint-file';
import { ExportSourceConfig } from '../../src/config/load';
import { exportMode, ExportOverrides } from '../../src/modes/export';
import { DeadLetterFile } from '../../src/ops/dead-letter';
import { silentLogger } from '../../src/ops/log';
import { CollectorMetrics, createMetrics } from '../../src/ops/metrics';
import { createParser } from '../../src/parsers';
import { Pipeline } from '../../src/pipeline';
import { GROUP_KEY_PREFIX, parseGroups, TASK_KEY } from '../../src/sources/export/state';
import { STATE_FILES } from '../../src/state/config';
import { FileExportStore, updateControlFile as updateControl } from '../../src/state/file/export';
import type { StateStore } from '../../src/state/store';
import { CheckpointStore, NormalizedEvent } from '../../src/types';
import { CwlExportServer, s3ObjectWriter, startCwlExportServer } from '../support/cwl-export-server';
import { S3Emulator, startS3, TEST_CREDENTIALS, TEST_REGION } from '../support/emulators';

/**
 * The export source against the in-process CloudWatch Logs export API, which writes its objects
 * into s3rver, read back through the real SDK clients: exactly once in a clean run, round robin,
 * the one-task limit, failed and too-long tasks, pause/resume without a restart, discovery of a new
 * group, and a crash at every step of the commit order.
 */

const BUCKET = 'cwl-export-it';
const PREFIX = 'exportedlogs';
const WINDOW = 60_000;
const ACCOUNT = '123456789012';
const GROUPS = ['/app/api', '/app/web', '/aws/vpc/flow-logs'];
const STREAMS = ['i-0001', 'i-0002'];

let s3: S3Emulator;
let server: CwlExportServer;
let dir: string;
let T0: number;
/** message → expected event */
let expected: Map<string, { group: string; stream: string; timestamp: number }>;

beforeAll(async () => {
  s3 = await startS3();
  await s3.client.send(new CreateBucketCommand({ Bucket: BUCKET }));
});
afterAll(async () => {
  await s3?.close();
});

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cwl-export-'));
  server = await startCwlExportServer({ writeObject: s3ObjectWriter(s3.client, PutObjectCommand), taskDelayMs: 5, accountId: ACCOUNT });
  // Six whole windows that ended a while ago; events in the first five, some exactly on window edges.
  T0 = Math.floor((Date.now() - 7 * WINDOW) / WINDOW) * WINDOW;
  expected = new Map();
  for (const group of GROUPS) {
    server.addLogGroup(group);
    for (const stream of STREAMS) {
      const events = [];
      for (let t = 0; t < 5 * WINDOW; t += 15_000) {
        const timestamp = T0 + t + (t % 2 === 0 ? 0 : 1);
        const message =
          group === '/aws/vpc/flow-logs'
            ? `2 ${ACCOUNT} eni-${stream} 10.0.0.1 10.0.1.${t / 15_000} 443 40000 6 10 840 ${Math.floor(timestamp / 1000)} ${Math.floor(timestamp / 1000) + 60} ACCEPT OK`
            : t === 30_000
              ? `${group} ${stream} ${t} first line\n  continued line`
              : `${group} ${stream} ${t}`;
        expected.set(message, { group, stream, timestamp });
        events.push({ timestamp, message });
      }
      server.putEvents(group, stream, events);
    }
  }
});
afterEach(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Harness {
  readonly delivered: NormalizedEvent[];
  readonly metrics: CollectorMetrics;
  readonly checkpoints: FileCheckpointStore;
  /** Keys deleted behind the collector's back (`vanish`). */
  readonly vanished: readonly string[];
  /** Runs until `done` holds (or the crash point froze it), then stops. */
  run(done: () => boolean | Promise<boolean>, timeoutMs?: number): Promise<'done' | 'crashed'>;
}

type CrashPoint = 'after-create' | 'while-polling' | 'before-ack' | 'mid-read' | 'before-commit' | 'before-delete' | 'before-clear';

function sourceConfig(extra: Partial<ExportSourceConfig> = {}): ExportSourceConfig {
  return {
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
    ...extra,
  };
}

/**
 * The export mode as the app builds it, with a capturing sink. With `crash`, everything freezes at
 * that step (the call never returns, nothing after it runs), as if the process had been killed.
 */
function harness(options: { crash?: CrashPoint; vanish?: boolean; overrides?: ExportOverrides; config?: Partial<ExportSourceConfig> } = {}): Harness {
  const delivered: NormalizedEvent[] = [];
  const metrics = createMetrics();
  const file = join(dir, 'checkpoints.json');
  const store = new FileCheckpointStore(file);
  let frozen = false;
  let onFreeze: () => void = () => undefined;
  const freeze = (): Promise<never> => {
    frozen = true;
    onFreeze();
    return new Promise<never>(() => undefined);
  };
  let gets = 0;
  const vanished: string[] = [];
  const checkpoints: CheckpointStore = {
    load: (k) => store.load(k),
    loadAll: () => store.loadAll(),
    close: () => store.close(),
    async save(key, value) {
      if (frozen) return freeze();
      if (options.crash === 'before-commit' && key.startsWith(GROUP_KEY_PREFIX)) {
        const before = parseGroups(await store.loadAll()).get(key.slice(GROUP_KEY_PREFIX.length));
        if (before && JSON.parse(value).exportedUntil > before.exportedUntil) return freeze();
      }
      if (options.crash === 'before-clear' && key === TASK_KEY && value === '') return freeze();
      // Delivered, not yet recorded as acknowledged.
      if (options.crash === 'before-ack' && key === TASK_KEY && value !== '' && JSON.parse(value).done.length > 0) return freeze();
      return store.save(key, value);
    },
  };
  const logsClient = new CloudWatchLogsClient({
    region: TEST_REGION,
    endpoint: server.endpoint,
    credentials: TEST_CREDENTIALS,
    maxAttempts: 1,
    requestHandler: new NodeHttpHandler(),
  });
  const logs = {
    async send(command: { constructor: { name: string }; input: Record<string, unknown> }, opts?: unknown) {
      if (frozen) return freeze();
      const name = command.constructor.name;
      if (options.crash === 'while-polling' && name === 'DescribeExportTasksCommand' && command.input.taskId) return freeze();
      const out = await logsClient.send(command as never, opts as never);
      if (options.crash === 'after-create' && name === 'CreateExportTaskCommand') return freeze();
      return out;
    },
  } as unknown as CloudWatchLogsClient;
  const s3c = {
    async send(command: { constructor: { name: string } }, opts?: unknown) {
      if (frozen) return freeze();
      const name = command.constructor.name;
      if (name === 'GetObjectCommand' && options.crash === 'mid-read' && ++gets === 2) return freeze();
      if (name === 'GetObjectCommand' && options.vanish && vanished.length === 0) {
        const key = (command as unknown as { input: { Key: string } }).input.Key;
        vanished.push(key);
        await s3.client.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: key }));
      }
      if (name === 'DeleteObjectsCommand' && options.crash === 'before-delete') return freeze();
      return s3.client.send(command as never, opts as never);
    },
  } as unknown as S3Client;
  const parser = createParser({});
  // The file store as FileStateStore builds it, over the checkpoints above (which can crash).
  const state: StateStore = {
    type: 'file',
    describe: { dir },
    open: async () => undefined,
    close: () => store.close(),
    shardLeases: () => {
      throw new Error('not used');
    },
    exportState: (o) =>
      new FileExportStore({ checkpoints, controlFile: join(dir, STATE_FILES.exportControl), scope: o.scope, logger: o.logger, metrics: o.metrics }),
  };
  const mode = exportMode(
    sourceConfig(options.config),
    { logger: silentLogger(), metrics, parser, onUnparsed: () => undefined, state, clients: { logs, s3: s3c } },
    { discoveryIntervalMs: 600_000, ...options.overrides },
  );
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
    deadLetters: new DeadLetterFile(join(dir, 'dead-letter.ndjson')),
    metrics,
    logger: silentLogger(),
    sourceKind: 'export',
    retryInitialDelayMs: 10,
    retryMaxDelayMs: 100,
  });
  return {
    delivered,
    metrics,
    checkpoints: store,
    vanished,
    async run(done, timeoutMs = 30_000) {
      const abort = new AbortController();
      let failure: unknown;
      const running = mode.source.run(pipeline.handle, abort.signal).catch((e: unknown) => {
        failure = e;
      });
      const crashed = new Promise<'crashed'>((resolve) => {
        onFreeze = () => resolve('crashed');
      });
      const deadline = Date.now() + timeoutMs;
      const finished = (async (): Promise<'done'> => {
        for (;;) {
          if (failure) throw failure;
          if (await done()) return 'done';
          if (Date.now() > deadline) throw new Error('timed out');
          await new Promise((r) => setTimeout(r, 20));
        }
      })();
      try {
        const result = await Promise.race([finished, crashed]);
        if (result === 'done') {
          abort.abort();
          await running;
        }
        return result;
      } finally {
        // Also when the check failed: a source left running would keep the test process alive.
        abort.abort();
        logsClient.destroy();
      }
    },
  };
}

const END = () => T0 + 5 * WINDOW;

async function allExported(h: Harness, groups = GROUPS): Promise<boolean> {
  const all = await h.checkpoints.loadAll();
  const states = parseGroups(all);
  return groups.every((g) => (states.get(g)?.exportedUntil ?? 0) >= END()) && (all[TASK_KEY] ?? '') === '';
}

function byMessage(events: readonly NormalizedEvent[]): Map<string, NormalizedEvent[]> {
  const m = new Map<string, NormalizedEvent[]>();
  for (const e of events) m.set(e.message, [...(m.get(e.message) ?? []), e]);
  return m;
}

function expectExactlyOnce(events: readonly NormalizedEvent[], groups = GROUPS): void {
  const want = [...expected].filter(([, v]) => groups.includes(v.group));
  const got = byMessage(events);
  expect([...got.keys()].sort()).toEqual(want.map(([m]) => m).sort());
  for (const [message, e] of want) {
    const evs = got.get(message)!;
    expect(evs).toHaveLength(1);
    expect(evs[0]).toMatchObject({ logGroup: e.group, logStream: e.stream, timestamp: e.timestamp, owner: ACCOUNT });
  }
}

async function remainingObjects(): Promise<string[]> {
  const out = await s3.client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: `${PREFIX}/` }));
  return (out.Contents ?? []).map((c) => c.Key!).filter((k) => !k.endsWith('/aws-logs-write-test'));
}

describe('export source against the export API and s3rver', () => {
  test('a clean run delivers every event of every group exactly once, round robin, and deletes what it read', async () => {
    const h = harness();
    expect(await h.run(() => allExported(h))).toBe('done');
    expectExactlyOnce(h.delivered);
    // Deterministic, distinct ids; the flow log group parsed; a continuation line joined to its message.
    expect(new Set(h.delivered.map((e) => e.id)).size).toBe(h.delivered.length);
    expect(h.delivered.filter((e) => e.logGroup === '/aws/vpc/flow-logs').every((e) => e.type === 'vpcflow')).toBe(true);
    expect(h.delivered.some((e) => e.message.endsWith('first line\n  continued line'))).toBe(true);
    expect(h.delivered.every((e) => e.source.kind === 'export-object' && 'key' in e.source && e.source.key!.startsWith(`${PREFIX}/`))).toBe(true);
    // Round robin: the first tasks go to different groups; every task asks for [from, from + window - 1].
    const tasks = server.tasks().sort((a, b) => a.executionInfo.creationTime - b.executionInfo.creationTime || a.from - b.from);
    expect(new Set(tasks.slice(0, 3).map((t) => t.logGroupName)).size).toBe(3);
    expect(tasks.every((t) => t.to - t.from === WINDOW - 1 && t.from % WINDOW === 0)).toBe(true);
    expect(tasks.every((t) => t.status.code === 'COMPLETED' && t.destination === BUCKET && t.destinationPrefix === PREFIX)).toBe(true);
    expect(await remainingObjects()).toEqual([]);
    // The last discovery is recorded for `export status`.
    expect(JSON.parse((await h.checkpoints.load('export/discovery'))!)).toMatchObject({ groups: [...GROUPS].sort() });
    const metrics = await h.metrics.registry.metrics();
    expect(metrics).toMatch(new RegExp(`cwl_siem_collector_export_tasks_total\\{result="completed"\\} ${tasks.length}`));
    expect(metrics).toMatch(/cwl_siem_collector_export_log_groups\{state="active"\} 3/);
  });

  test('LimitExceeded and throttling are waited out; nothing is lost or repeated', async () => {
    for (let i = 0; i < 3; i++) server.failNext('LimitExceeded', 'CreateExportTask');
    server.failNext('Throttling', 'DescribeLogGroups');
    server.failNext('Throttling', 'DescribeExportTasks');
    const h = harness();
    expect(await h.run(() => allExported(h))).toBe('done');
    expectExactlyOnce(h.delivered);
    expect(await h.metrics.registry.metrics()).toMatch(/cwl_siem_collector_export_limit_waits_total 3/);
  });

  test('a task of another tool holding the account limit is waited for', async () => {
    server.stuck = true;
    const other = new CloudWatchLogsClient({ region: TEST_REGION, endpoint: server.endpoint, credentials: TEST_CREDENTIALS, maxAttempts: 1 });
    const { taskId } = await other.send(
      new CreateExportTaskCommand({ taskName: 'someone-else', logGroupName: '/app/api', from: 0, to: 1, destination: BUCKET, destinationPrefix: 'elsewhere' }),
    );
    const h = harness();
    let released = false;
    expect(
      await h.run(async () => {
        if (!released && Number(/export_limit_waits_total (\d+)/.exec(await h.metrics.registry.metrics())?.[1] ?? 0) >= 2) {
          expect(h.delivered).toEqual([]);
          // Cancelled first: once no longer stuck, the other task could complete by itself.
          await other.send(new CancelExportTaskCommand({ taskId }));
          server.stuck = false;
          released = true;
        }
        return allExported(h);
      }),
    ).toBe('done');
    expectExactlyOnce(h.delivered);
    other.destroy();
  });

  test('a FAILED task is retried: its window is exported again, exactly once', async () => {
    server.failTask('next');
    const h = harness();
    expect(await h.run(() => allExported(h))).toBe('done');
    expectExactlyOnce(h.delivered);
    expect(server.tasks().filter((t) => t.status.code === 'FAILED')).toHaveLength(1);
    expect(await h.metrics.registry.metrics()).toMatch(/export_tasks_total\{result="failed"\} 1/);
  });

  test('a task that runs too long is cancelled and its window split in halves', async () => {
    server.stuck = true;
    const h = harness({ overrides: { maxTaskMs: 150 } });
    expect(
      await h.run(() => {
        if (server.stuck && server.tasks().some((t) => t.status.code === 'CANCELLED')) server.stuck = false;
        return allExported(h);
      }),
    ).toBe('done');
    expectExactlyOnce(h.delivered);
    const cancelled = server.tasks().filter((t) => t.status.code === 'CANCELLED');
    expect(cancelled.length).toBeGreaterThanOrEqual(1);
    const group = cancelled[0].logGroupName;
    const halves = server.tasks().filter((t) => t.logGroupName === group && t.status.code === 'COMPLETED' && t.to - t.from === WINDOW / 2 - 1);
    expect(halves.length).toBeGreaterThanOrEqual(2);
    expect(await h.metrics.registry.metrics()).toMatch(/export_tasks_total\{result="split"\} [1-9]/);
  });

  test('pause stops new tasks for that group only, and resume takes effect without a restart', async () => {
    const control = join(dir, 'export-control.json');
    await updateControl(control, (c) => ({ paused: { ...c.paused, '/app/web': { since: new Date().toISOString(), reason: 'test' } } }));
    const h = harness();
    let resumed = false;
    expect(
      await h.run(async () => {
        if (!resumed && (await allExported(h, ['/app/api', '/aws/vpc/flow-logs']))) {
          expect(server.tasks().filter((t) => t.logGroupName === '/app/web')).toEqual([]);
          expectExactlyOnce(h.delivered, ['/app/api', '/aws/vpc/flow-logs']);
          await updateControl(control, (c) => ({ paused: Object.fromEntries(Object.entries(c.paused).filter(([k]) => k !== '/app/web')) }));
          resumed = true;
        }
        return resumed && allExported(h);
      }),
    ).toBe('done');
    expectExactlyOnce(h.delivered);
  });

  test('a group created while running is picked up at the next discovery', async () => {
    const h = harness({ overrides: { discoveryIntervalMs: 300 } });
    let added = false;
    expect(
      await h.run(async () => {
        if (!added && (await allExported(h))) {
          server.addLogGroup('/app/new');
          server.putEvents('/app/new', 'late', [{ timestamp: T0 + 1000, message: 'from the new group' }]);
          expected.set('from the new group', { group: '/app/new', stream: 'late', timestamp: T0 + 1000 });
          added = true;
        }
        return added && allExported(h, [...GROUPS, '/app/new']);
      }),
    ).toBe('done');
    expectExactlyOnce(h.delivered, [...GROUPS, '/app/new']);
  });

  test('an object deleted behind the collector is reported and skipped; the rest is delivered and the window committed', async () => {
    const h = harness({ vanish: true });
    expect(await h.run(() => allExported(h))).toBe('done');
    expect(h.vanished).toHaveLength(1);
    const lost = h.vanished[0];
    const got = byMessage(h.delivered);
    const missing = [...expected.keys()].filter((m) => !got.has(m));
    expect(missing.length).toBeGreaterThan(0);
    // Exactly the events of that object's stream and window are missing; nothing else, nothing twice.
    const [, taskId, stream] = lost.split('/');
    const task = server.task(taskId)!;
    expect(missing.every((m) => expected.get(m)!.group === task.logGroupName && expected.get(m)!.stream === stream)).toBe(true);
    expect(missing.every((m) => expected.get(m)!.timestamp >= task.from && expected.get(m)!.timestamp <= task.to)).toBe(true);
    expect([...got.values()].every((evs) => evs.length === 1)).toBe(true);
    expect(await h.metrics.registry.metrics()).toMatch(/decode_errors_total\{reason="missing-object"\} 1/);
  });

  test('include and exclude patterns choose the groups', async () => {
    const h = harness({ config: { logGroups: { include: ['/app/*'], exclude: ['*/web'] } } });
    expect(await h.run(() => allExported(h, ['/app/api']))).toBe('done');
    expectExactlyOnce(h.delivered, ['/app/api']);
    expect(new Set(server.tasks().map((t) => t.logGroupName))).toEqual(new Set(['/app/api']));
  });

  test.each<CrashPoint>(['after-create', 'while-polling', 'before-ack', 'mid-read', 'before-commit', 'before-delete', 'before-clear'])(
    'a crash %s loses nothing; a restart repeats at most the window in progress, with the same ids',
    async (crash) => {
      const first = harness({ crash });
      expect(await first.run(() => allExported(first))).toBe('crashed');
      const second = harness();
      expect(await second.run(() => allExported(second))).toBe('done');
      const all = [...first.delivered, ...second.delivered];
      const got = byMessage(all);
      expect([...got.keys()].sort()).toEqual([...expected.keys()].sort());
      const repeated = [...got.values()].filter((evs) => evs.length > 1);
      for (const evs of repeated) {
        expect(evs).toHaveLength(2);
        expect(evs[1].id).toBe(evs[0].id);
      }
      // Repeats only within one window of one group.
      const windows = new Set(repeated.map((evs) => `${evs[0].logGroup} ${Math.floor(evs[0].timestamp / WINDOW)}`));
      expect(windows.size).toBeLessThanOrEqual(1);
      if (crash === 'before-ack') {
        // The object delivered but not recorded is delivered again.
        expect(repeated.length).toBeGreaterThan(0);
      } else {
        // Acknowledged objects are not read again, and after the commit point nothing is repeated.
        expect(repeated).toEqual([]);
      }
      expect(await remainingObjects()).toEqual([]);
      // Adopted or resumed: no window was exported by two completed tasks.
      const completed = server.tasks().filter((t) => t.status.code === 'COMPLETED');
      expect(new Set(completed.map((t) => `${t.logGroupName} ${t.from}`)).size).toBe(completed.length);
    },
  );
});
