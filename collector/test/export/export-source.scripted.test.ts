import { silentLogger } from '../../src/ops/log';
import { createMetrics } from '../../src/ops/metrics';
import { CreateExportTaskParams, ExportTaskInfo, ExportTaskStatus, LogGroupInfo, LogsPort, ObjectStore, StoredObject } from '../../src/sources/export/ports';
import { ExportProgress, ExportSource, ExportSourceOptions } from '../../src/sources/export/source';
import { exportTaskName } from '../../src/sources/export/tasks';
import { DiscoveryState, GroupState, parseGroups, parseTask, TASK_KEY, TaskState } from '../../src/sources/export/state';
import type { ExportStore } from '../../src/state/export';
import { FileExportStore } from '../../src/state/file/export';
import { LeaseLostError } from '../../src/state/store';
import { CheckpointStore, SourceBatch } from '../../src/types';

/**
 * ExportSource against scripted in-memory CloudWatch Logs and S3 fakes, with a virtual clock: every
 * sleep moves the clock forward at once, so back-offs, polls and too-long tasks take no real time.
 */

jest.setTimeout(10000);

const W = 1000;
const T0 = 1_700_000_000_000; // a multiple of every window used here
const BUCKET = 'cwl-exports';
const PREFIX = 'exportedlogs';
const ARN = (name: string) => `arn:aws:logs:us-east-1:123456789012:log-group:${name}:*`;

const tick = () => new Promise<void>((r) => setImmediate(r));

function awsError(name: string): Error {
  return Object.assign(new Error(`${name}: scripted`), { name, $metadata: { httpStatusCode: 400 } });
}

/** The shared virtual clock and call log of one test. */
class World {
  now: number;
  readonly log: string[] = [];
  readonly ac = new AbortController();
  stopWhen: () => boolean = () => false;

  constructor(now: number) {
    this.now = now;
  }

  readonly clock = (): number => this.now;

  readonly sleep = async (ms: number, signal: AbortSignal): Promise<void> => {
    this.now += Math.max(0, ms);
    await tick();
    this.check(signal);
  };

  check(signal?: AbortSignal): void {
    if (!(signal ?? this.ac.signal).aborted && this.stopWhen()) this.ac.abort();
  }
}

interface FakeTask {
  readonly id: string;
  readonly params: CreateExportTaskParams;
  readonly createdAt: number;
  statuses: ExportTaskStatus[];
  polls: number;
  /** The status last reported. */
  status: ExportTaskStatus;
  readonly reported: ExportTaskStatus[];
  unknown?: boolean;
}

type LogsOp = 'describeLogGroups' | 'createExportTask' | 'describeExportTask' | 'findExportTask' | 'cancelExportTask';

/** CloudWatch Logs with log groups (paged), export tasks whose statuses follow a script, and errors injected per call. */
class FakeLogs implements LogsPort {
  groups: LogGroupInfo[] = [];
  pageSize = 50;
  readonly tasks: FakeTask[] = [];
  readonly calls: { op: LogsOp; arg: unknown; at: number }[] = [];
  /** Returns an error to throw for this call (n: how many calls of that op before it), or undefined. */
  fail: (op: LogsOp, arg: unknown, n: number) => unknown = () => undefined;
  /** Status sequence of a new task: each DescribeExportTasks reports the next one, the last one forever. */
  script: (p: CreateExportTaskParams, n: number) => ExportTaskStatus[] = () => ['PENDING', 'RUNNING', 'COMPLETED'];
  /** Objects a task writes (keys relative to `<prefix>/<taskId>/`), written when it is created. */
  objectsOf: (p: CreateExportTaskParams, taskId: string) => Record<string, string> = (p, id) => ({
    'aws-logs-write-test': 'Permission Check Successful',
    'i-0001/000000.gz': `${p.logGroupName} ${id} a`,
    'i-0002/000000.gz': `${p.logGroupName} ${id} b`,
  });

  constructor(
    private readonly world: World,
    private readonly store: FakeObjects,
  ) {}

  groupsNamed(...names: string[]): this {
    this.groups = names.map((name) => ({ name, arn: ARN(name) }));
    return this;
  }

  creates(): CreateExportTaskParams[] {
    return this.calls.filter((c) => c.op === 'createExportTask').map((c) => c.arg as CreateExportTaskParams);
  }

  tasksFor(group: string): FakeTask[] {
    return this.tasks.filter((t) => t.params.logGroupName === group);
  }

  private async call(op: LogsOp, arg: unknown): Promise<void> {
    await tick();
    const n = this.calls.filter((c) => c.op === op).length;
    this.calls.push({ op, arg, at: this.world.now });
    this.world.log.push(`${op} ${typeof arg === 'string' ? arg : JSON.stringify(arg)}`);
    const e = this.fail(op, arg, n);
    if (e) throw e;
  }

  async describeLogGroups(nextToken: string | undefined): Promise<{ groups: LogGroupInfo[]; nextToken?: string }> {
    await this.call('describeLogGroups', nextToken);
    const i = nextToken === undefined ? 0 : Number(nextToken.replace('page-', ''));
    const next = i + this.pageSize;
    return { groups: this.groups.slice(i, next), ...(next < this.groups.length ? { nextToken: `page-${next}` } : {}) };
  }

  async createExportTask(p: CreateExportTaskParams): Promise<string> {
    const n = this.tasks.length;
    await this.call('createExportTask', p);
    const id = `task-${n + 1}`;
    const statuses = this.script(p, n);
    this.tasks.push({ id, params: p, createdAt: this.world.now, statuses, polls: 0, status: 'PENDING', reported: [] });
    for (const [k, v] of Object.entries(this.objectsOf(p, id))) this.store.put(`${p.destinationPrefix}/${id}/${k}`, v);
    return id;
  }

  async describeExportTask(taskId: string): Promise<ExportTaskInfo | undefined> {
    await this.call('describeExportTask', taskId);
    const t = this.tasks.find((x) => x.id === taskId);
    if (!t || t.unknown) return undefined;
    t.status = t.statuses[Math.min(t.polls, t.statuses.length - 1)];
    t.polls++;
    t.reported.push(t.status);
    return { taskId, taskName: t.params.taskName, logGroupName: t.params.logGroupName, from: t.params.from, to: t.params.to, status: t.status };
  }

  async findExportTask(taskName: string, statuses: readonly ExportTaskStatus[]): Promise<ExportTaskInfo | undefined> {
    await this.call('findExportTask', taskName);
    const t = [...this.tasks].reverse().find((x) => x.params.taskName === taskName && statuses.includes(x.status));
    return t && { taskId: t.id, taskName, status: t.status };
  }

  async cancelExportTask(taskId: string): Promise<void> {
    await this.call('cancelExportTask', taskId);
    const t = this.tasks.find((x) => x.id === taskId)!;
    t.statuses = ['PENDING_CANCEL', 'CANCELLED'];
    t.polls = 0;
  }
}

/** An S3 bucket as a map; list in key order, like S3. */
class FakeObjects implements ObjectStore {
  readonly bucket = BUCKET;
  readonly objects = new Map<string, Uint8Array>();
  readonly deleted: string[][] = [];
  readonly gets: string[] = [];

  constructor(private readonly world: World) {}

  put(key: string, text: string): void {
    this.objects.set(key, new TextEncoder().encode(text));
  }

  keys(prefix = ''): string[] {
    return [...this.objects.keys()].filter((k) => k.startsWith(prefix)).sort();
  }

  async list(prefix: string): Promise<StoredObject[]> {
    await tick();
    this.world.log.push(`list ${prefix}`);
    return this.keys(prefix).map((key) => ({ key, size: this.objects.get(key)!.length }));
  }

  async get(key: string): Promise<Uint8Array> {
    await tick();
    this.gets.push(key);
    const v = this.objects.get(key);
    if (!v) throw Object.assign(new Error('NoSuchKey'), { name: 'NoSuchKey' });
    return v;
  }

  async delete(keys: readonly string[]): Promise<void> {
    await tick();
    this.world.log.push(`delete ${keys.join(',')}`);
    this.deleted.push([...keys]);
    for (const k of keys) this.objects.delete(k);
  }
}

/** A CheckpointStore in memory, with every save in the world's log. */
class MemStore implements CheckpointStore {
  readonly values = new Map<string, string>();
  readonly saves: { key: string; value: string; at: number }[] = [];

  constructor(private readonly world: World) {}

  async load(key: string): Promise<string | undefined> {
    return this.values.get(key);
  }

  async loadAll(): Promise<Readonly<Record<string, string>>> {
    return Object.fromEntries(this.values);
  }

  async save(key: string, value: string): Promise<void> {
    await tick();
    this.values.set(key, value);
    this.saves.push({ key, value, at: this.world.now });
    this.world.log.push(`save ${key} ${value}`);
  }

  async close(): Promise<void> {}

  group(name: string): GroupState | undefined {
    return parseGroups(Object.fromEntries(this.values)).get(name);
  }

  task(): TaskState | undefined {
    return parseTask(this.values.get(TASK_KEY));
  }

  groupHistory(name: string): GroupState[] {
    return this.saves.filter((s) => s.key === `export/group/${name}`).map((s) => JSON.parse(s.value) as GroupState);
  }
}

interface Harness {
  readonly world: World;
  readonly logs: FakeLogs;
  readonly objects: FakeObjects;
  readonly store: MemStore;
  readonly batches: SourceBatch[];
  /** Decides whether a batch is acknowledged (default: always). */
  ack: (b: SourceBatch, n: number) => boolean;
  onBatch: (b: SourceBatch) => void;
  source(o?: Partial<ExportSourceOptions>): ExportSource;
  /** Runs until run() resolves by itself, or `stop` holds at a sleep; fails when the real-time guard fires. */
  run(source: ExportSource, stop?: () => boolean, guardMs?: number): Promise<void>;
}

function harness(now = T0 + 20 * W, world = new World(now), store = new MemStore(world)): Harness {
  const objects = new FakeObjects(world);
  const logs = new FakeLogs(world, objects);
  const batches: SourceBatch[] = [];
  const h: Harness = {
    world,
    logs,
    objects,
    store,
    batches,
    ack: () => true,
    onBatch: () => {},
    source: (o = {}) =>
      new ExportSource({
        logs,
        objects,
        // The file store's export state over the in-memory checkpoints; no pause file (nothing paused).
        state: new FileExportStore({ checkpoints: store, controlFile: '/nonexistent/export-control.json', logger: silentLogger(), metrics: createMetrics() }),
        prefix: PREFIX,
        startTime: T0,
        windowMs: W,
        settleMs: 0,
        discoveryIntervalMs: 1e9,
        pollIntervalMs: 100,
        maxPollIntervalMs: 400,
        maxTaskMs: 1e9,
        // One window per task unless a test says otherwise (the config's default is larger).
        maxWindowsPerTask: 1,
        logger: silentLogger(),
        metrics: createMetrics(),
        sleep: world.sleep,
        clock: world.clock,
        ...o,
      }),
    run: async (source, stop = () => false, guardMs = 5000) => {
      world.stopWhen = stop;
      let guard = false;
      const timer = setTimeout(() => {
        guard = true;
        world.ac.abort();
      }, guardMs);
      try {
        await source.run(async (b) => {
          batches.push(b);
          world.log.push(`handle ${b.records[0].origin.kind === 'export-object' ? b.records[0].origin.key : '?'}`);
          h.onBatch(b);
          if (h.ack(b, batches.length - 1)) await b.ack();
        }, world.ac.signal);
      } finally {
        clearTimeout(timer);
        if (!world.ac.signal.aborted) world.ac.abort();
      }
      expect({ guardFired: guard }).toEqual({ guardFired: false });
    },
  };
  return h;
}

const keysOf = (h: Harness) => h.batches.map((b) => (b.records[0].origin as { key: string }).key);
const range = (p: CreateExportTaskParams) => [p.from - T0, p.to + 1 - T0];

// ---- discovery ----------------------------------------------------------------------------------

describe('discovery', () => {
  const NAMES = ['/g/1', '/g/2', '/g/3', '/g/4', '/g/5', '/g/6', '/g/7'];

  test('DescribeLogGroups pages are all read; a throttled page is retried with the same token, not taken as the end', async () => {
    const h = harness();
    h.logs.groupsNamed(...NAMES).pageSize = 3;
    h.logs.fail = (op, arg, n) => (op === 'describeLogGroups' && arg === 'page-3' && n === 1 ? awsError('ThrottlingException') : undefined);
    const src = h.source({ backfill: { since: T0, until: T0 + W } });
    await h.run(src);
    const tokens = h.logs.calls.filter((c) => c.op === 'describeLogGroups').map((c) => c.arg);
    expect(tokens).toEqual([undefined, 'page-3', 'page-3', 'page-6']);
    expect(
      h.logs
        .creates()
        .map((p) => p.logGroupName)
        .sort(),
    ).toEqual(NAMES);
    expect(src.status()).toMatchObject({ groups: 7, groupsDone: 7, remainingMs: 0 });
    for (const n of NAMES) expect(h.store.group(n)).toEqual({ exportedUntil: T0 + W });
  });

  test('a fatal error on a later page does not shrink the group list: discovery starts over', async () => {
    const h = harness();
    h.logs.groupsNamed(...NAMES).pageSize = 3;
    h.logs.fail = (op, arg, n) => (op === 'describeLogGroups' && arg === 'page-3' && n === 1 ? awsError('AccessDeniedException') : undefined);
    await h.run(h.source({ backfill: { since: T0, until: T0 + W } }));
    const tokens = h.logs.calls.filter((c) => c.op === 'describeLogGroups').map((c) => c.arg);
    expect(tokens).toEqual([undefined, 'page-3', undefined, 'page-3', 'page-6']);
    expect(
      h.logs
        .creates()
        .map((p) => p.logGroupName)
        .sort(),
    ).toEqual(NAMES);
  });

  test('include and exclude patterns apply to every page', async () => {
    const h = harness();
    h.logs.groupsNamed('/app/a', '/other/x', '/app/skip-1', '/app/b', '/app/skip-2', '/app/c').pageSize = 2;
    await h.run(h.source({ include: ['/app/*'], exclude: ['/app/skip-*'], backfill: { since: T0, until: T0 + W } }));
    expect(
      h.logs
        .creates()
        .map((p) => p.logGroupName)
        .sort(),
    ).toEqual(['/app/a', '/app/b', '/app/c']);
  });
});

// ---- task creation and outcomes -----------------------------------------------------------------

describe('tasks', () => {
  test('CreateExportTask asks for [from, windowEnd − 1] with the deterministic name, bucket and prefix', async () => {
    const h = harness();
    h.logs.groupsNamed('/app/api');
    await h.run(h.source({ backfill: { since: T0, until: T0 + 2 * W + 500 } }));
    const creates = h.logs.creates();
    expect(creates.map(range)).toEqual([
      [0, W],
      [W, 2 * W],
      [2 * W, 2 * W + 500],
    ]);
    const ends = [T0 + W, T0 + 2 * W, T0 + 2 * W + 500];
    creates.forEach((p, i) => {
      expect(p).toEqual({
        taskName: exportTaskName('/app/api', p.from, ends[i]),
        logGroupName: '/app/api',
        from: p.from,
        to: ends[i] - 1,
        destination: BUCKET,
        destinationPrefix: PREFIX,
      });
    });
    // The task state records the half-open window, not AWS's inclusive end.
    const taskSaves = h.store.saves.filter((s) => s.key === TASK_KEY && s.value !== '').map((s) => JSON.parse(s.value) as TaskState);
    expect(new Set(taskSaves.map((t) => t.to))).toEqual(new Set(ends));
  });

  test('a fatal CreateExportTask error backs off that group only (failures counted, retryAt set); the other group keeps going', async () => {
    const h = harness(T0 + 100 * W);
    h.logs.groupsNamed('/a', '/b');
    h.logs.fail = (op, arg) =>
      op === 'createExportTask' && (arg as CreateExportTaskParams).logGroupName === '/a' ? awsError('AccessDeniedException') : undefined;
    await h.run(h.source(), () => (h.store.group('/b')?.exportedUntil ?? 0) >= T0 + 8 * W);
    const aCalls = h.logs.calls.filter((c) => c.op === 'createExportTask' && (c.arg as CreateExportTaskParams).logGroupName === '/a');
    expect(aCalls.length).toBeGreaterThanOrEqual(3);
    // Every attempt is for the same window, each after the previous back-off (pollIntervalMs × 2^failures).
    for (const c of aCalls) expect(range(c.arg as CreateExportTaskParams)).toEqual([0, W]);
    for (let i = 1; i < aCalls.length; i++) expect(aCalls[i].at - aCalls[i - 1].at).toBeGreaterThanOrEqual(100 * 2 ** i);
    const a = h.store.group('/a')!;
    expect(a.exportedUntil).toBe(T0);
    expect(a.failures).toBe(aCalls.length);
    expect(a.retryAt).toBe(aCalls[aCalls.length - 1].at + 100 * 2 ** aCalls.length);
    // /b: consecutive windows, never backed off.
    const b = h.logs.creates().filter((p) => p.logGroupName === '/b');
    expect(b.slice(0, 8).map(range)).toEqual([0, 1, 2, 3, 4, 5, 6, 7].map((i) => [i * W, (i + 1) * W]));
    expect(h.store.groupHistory('/b').every((s) => s.failures === undefined && s.retryAt === undefined)).toBe(true);
    // No task was ever polled for /a.
    expect(h.logs.tasksFor('/a')).toEqual([]);
  });

  test.each<[string, (h: Harness) => void]>([
    [
      'unknown to DescribeExportTasks',
      (h) => {
        const create = h.logs.createExportTask.bind(h.logs);
        h.logs.createExportTask = async (p) => {
          const id = await create(p);
          if (id === 'task-1') h.logs.tasks[0].unknown = true;
          return id;
        };
      },
    ],
    ['FAILED', (h) => (h.logs.script = (_p, n) => (n === 0 ? ['PENDING', 'FAILED'] : ['COMPLETED']))],
    ['CANCELLED by someone else', (h) => (h.logs.script = (_p, n) => (n === 0 ? ['RUNNING', 'CANCELLED'] : ['COMPLETED']))],
  ])('a task %s: nothing of it is read, its objects are deleted, the window is exported again after a back-off', async (_what, setup) => {
    const h = harness();
    h.logs.groupsNamed('/app/api');
    setup(h);
    await h.run(h.source({ backfill: { since: T0, until: T0 + 2 * W } }));
    expect(h.logs.creates().map(range)).toEqual([
      [0, W],
      [0, W],
      [W, 2 * W],
    ]);
    expect(keysOf(h).every((k) => !k.includes('/task-1/'))).toBe(true);
    expect(keysOf(h)).toHaveLength(4);
    expect(h.objects.keys(`${PREFIX}/task-1/`)).toEqual([]);
    // Backed off once, then cleared by the commit.
    const hist = h.store.groupHistory('/app/api');
    expect(hist.find((s) => s.failures === 1)).toMatchObject({ exportedUntil: T0, failures: 1 });
    expect(h.store.group('/app/api')).toEqual({ exportedUntil: T0 + 2 * W });
    expect(h.store.task()).toBeUndefined();
    const second = h.logs.calls.filter((c) => c.op === 'createExportTask')[1];
    const failedAt = h.store.saves.find((s) => s.key === 'export/group//app/api' && JSON.parse(s.value).failures === 1)!.at;
    expect(second.at - failedAt).toBeGreaterThanOrEqual(200);
  });

  test('LimitExceeded (another task is active) is waited out with growing delays; the same window is created once it clears', async () => {
    const h = harness();
    h.logs.groupsNamed('/app/api');
    h.logs.fail = (op, _arg, n) => (op === 'createExportTask' && n < 3 ? awsError('LimitExceededException') : undefined);
    await h.run(h.source({ backfill: { since: T0, until: T0 + W } }));
    const creates = h.logs.calls.filter((c) => c.op === 'createExportTask');
    expect(creates.map((c) => range(c.arg as CreateExportTaskParams))).toEqual([
      [0, W],
      [0, W],
      [0, W],
      [0, W],
    ]);
    // Each refusal looks for a task of ours first (adopted after a restart), then waits.
    expect(h.logs.calls.filter((c) => c.op === 'findExportTask')).toHaveLength(3);
    expect(h.store.group('/app/api')).toEqual({ exportedUntil: T0 + W });
    expect(h.logs.tasks).toHaveLength(1);
  });
});

// ---- too-long tasks -------------------------------------------------------------------------------

describe('a task running longer than maxTaskMs', () => {
  /** Tasks longer than `max` ms of log time run forever; the others complete. */
  const slowAbove =
    (max: number) =>
    (p: CreateExportTaskParams): ExportTaskStatus[] =>
      p.to + 1 - p.from > max ? ['PENDING', 'RUNNING'] : ['PENDING', 'COMPLETED'];

  test('is cancelled once, goes PENDING_CANCEL then CANCELLED, and its window is done in halves, then full windows again', async () => {
    const h = harness(T0 + 20 * 2000);
    h.logs.groupsNamed('/app/api');
    h.logs.script = slowAbove(1000);
    await h.run(h.source({ windowMs: 2000, maxTaskMs: 1000 }), () => h.logs.tasks.length >= 4);
    expect(h.logs.creates().map(range)).toEqual([
      [0, 2000],
      [0, 1000],
      [1000, 2000],
      [2000, 4000],
    ]);
    const first = h.logs.tasks[0];
    expect(h.logs.calls.filter((c) => c.op === 'cancelExportTask').map((c) => c.arg)).toEqual(['task-1']);
    // Cancelled once it ran longer than maxTaskMs, not before.
    const cancelAt = h.logs.calls.find((c) => c.op === 'cancelExportTask')!.at;
    expect(cancelAt - first.createdAt).toBeGreaterThan(1000);
    const tail = first.reported.slice(first.reported.indexOf('PENDING_CANCEL'));
    expect(tail).toEqual(['PENDING_CANCEL', 'CANCELLED']);
    expect(first.reported.slice(0, first.reported.indexOf('PENDING_CANCEL')).every((s) => s === 'PENDING' || s === 'RUNNING')).toBe(true);
    // The split was recorded, kept for the first half, and dropped once splitUntil was reached.
    const hist = h.store.groupHistory('/app/api');
    expect(hist).toContainEqual({ exportedUntil: T0, windowMs: 1000, splitUntil: T0 + 2000 });
    expect(hist).toContainEqual({ exportedUntil: T0 + 1000, windowMs: 1000, splitUntil: T0 + 2000 });
    expect(hist).toContainEqual({ exportedUntil: T0 + 2000 });
    expect(h.objects.keys(`${PREFIX}/task-1/`)).toEqual([]);
    expect(keysOf(h).filter((k) => k.includes('/task-1/'))).toEqual([]);
  });

  test('a split that is still too long is halved again; splitUntil stays the end of the first window', async () => {
    const h = harness(T0 + 20 * 4000);
    h.logs.groupsNamed('/app/api');
    h.logs.script = slowAbove(1000);
    await h.run(h.source({ windowMs: 4000, maxTaskMs: 1000 }), () => h.logs.tasks.length >= 7);
    expect(h.logs.creates().map(range)).toEqual([
      [0, 4000],
      [0, 2000],
      [0, 1000],
      [1000, 2000],
      [2000, 3000],
      [3000, 4000],
      [4000, 8000],
    ]);
    expect(h.logs.calls.filter((c) => c.op === 'cancelExportTask').map((c) => c.arg)).toEqual(['task-1', 'task-2']);
    expect(h.store.groupHistory('/app/api')).toContainEqual({ exportedUntil: T0, windowMs: 1000, splitUntil: T0 + 4000 });
  });

  test('halving stops at minWindowMs', async () => {
    const h = harness(T0 + 20 * 4000);
    h.logs.groupsNamed('/app/api');
    h.logs.script = () => ['RUNNING'];
    await h.run(h.source({ windowMs: 4000, maxTaskMs: 1000, minWindowMs: 1500 }), () => h.logs.tasks.length >= 6);
    expect(h.logs.creates().map((p) => p.to + 1 - p.from)).toEqual([4000, 2000, 1500, 1500, 1500, 1500]);
    expect(h.logs.creates().every((p) => p.from === T0)).toBe(true);
    expect(h.store.group('/app/api')).toMatchObject({ exportedUntil: T0, windowMs: 1500, splitUntil: T0 + 4000 });
    // Too long at the smallest window: the group backs off (growing delays) instead of taking the account's one slot again at once.
    const state = h.store.group('/app/api') as { failures?: number; retryAt?: number };
    expect(state.failures).toBeGreaterThanOrEqual(3);
    expect(state.retryAt).toBeGreaterThan(0);
  });
});

// ---- reading objects and committing ------------------------------------------------------------

describe('objects', () => {
  const layout = (): Record<string, string> => ({
    'zz-stream/000000.gz': 'z0',
    'i-0001/000001.gz': 'i1',
    'aws-logs-write-test': 'Permission Check Successful',
    'i-0001/000000.gz': 'i0',
    'b/000000.gz': 'b0',
  });

  test('the aws-logs-write-test marker is never handed over; objects go in key order, one batch each, with origin and labels', async () => {
    const h = harness();
    h.logs.groupsNamed('/app/api');
    h.logs.objectsOf = layout;
    h.objects.put(`${PREFIX}/task-10/i-0001/000000.gz`, 'another task');
    h.objects.put(`other/task-1/i-0001/000000.gz`, 'another prefix');
    const src = h.source({ backfill: { since: T0, until: T0 + W } });
    const contexts: unknown[] = [];
    h.onBatch = (b) => contexts.push(src.taskContext(b.labels.taskId));
    await h.run(src);
    const expectedKeys = ['b/000000.gz', 'i-0001/000000.gz', 'i-0001/000001.gz', 'zz-stream/000000.gz'].map((k) => `${PREFIX}/task-1/${k}`);
    expect(keysOf(h)).toEqual(expectedKeys);
    expect(h.objects.gets).not.toContain(`${PREFIX}/task-1/aws-logs-write-test`);
    h.batches.forEach((b, i) => {
      expect(b.records).toHaveLength(1);
      expect(b.records[0].origin).toEqual({ kind: 'export-object', bucket: BUCKET, key: expectedKeys[i], offset: 0 });
      expect(new TextDecoder().decode(b.records[0].data)).toBe(layout()[expectedKeys[i].slice(`${PREFIX}/task-1/`.length)]);
      expect(b.labels).toEqual({ group: '/app/api', taskId: 'task-1' });
    });
    expect(contexts).toEqual(expectedKeys.map(() => ({ logGroup: '/app/api', owner: '123456789012' })));
    expect(src.taskIdOfKey(expectedKeys[0])).toBe('task-1');
    // After the commit, the task's objects (marker too) are gone; others are not touched; the context is dropped.
    expect(h.objects.keys(`${PREFIX}/task-1/`)).toEqual([]);
    expect(h.objects.keys()).toEqual([`${PREFIX}/task-10/i-0001/000000.gz`, 'other/task-1/i-0001/000000.gz']);
    expect(src.taskContext('task-1')).toBeUndefined();
  });

  test('commit order: each ack is recorded in the task → exportedUntil → objects deleted → task cleared', async () => {
    const h = harness();
    h.logs.groupsNamed('/app/api');
    await h.run(h.source({ backfill: { since: T0, until: T0 + W } }));
    const log = h.world.log.filter((l) => /^(handle|save|delete)/.test(l)).map((l) => l.replace(/"createdAt":[\d.]+/, '"createdAt":X'));
    const k0 = `${PREFIX}/task-1/i-0001/000000.gz`;
    const k1 = `${PREFIX}/task-1/i-0002/000000.gz`;
    const task = (done: string[]) =>
      `save ${TASK_KEY} ${JSON.stringify({ taskId: 'task-1', taskName: exportTaskName('/app/api', T0, T0 + W), group: '/app/api', from: T0, to: T0 + W, createdAt: 'X', done })}`.replace(
        '"X"',
        'X',
      );
    expect(log.slice(-9)).toEqual([
      task([]).replace('"taskId":"task-1"', '"taskId":""'),
      task([]),
      `handle ${k0}`,
      task([k0]),
      `handle ${k1}`,
      task([k0, k1]),
      `save export/group//app/api {"exportedUntil":${T0 + W}}`,
      `delete ${PREFIX}/task-1/aws-logs-write-test,${k0},${k1}`,
      `save ${TASK_KEY} `,
    ]);
  });

  test('a batch that is not acknowledged stops the task without committing; a restart reads only what was not acknowledged', async () => {
    const h = harness();
    h.logs.groupsNamed('/app/api');
    h.logs.objectsOf = () => ({ 'a.gz': 'a', 'b.gz': 'b', 'c.gz': 'c' });
    // The first object is acknowledged, the second is not (the pipeline could not deliver it).
    h.ack = (_b, n) => n === 0;
    // ... and the process stops right then.
    h.onBatch = () => {
      if (h.batches.length === 2) h.world.ac.abort();
    };
    await h.run(h.source({ backfill: { since: T0, until: T0 + W } }));
    expect(keysOf(h)).toEqual([`${PREFIX}/task-1/a.gz`, `${PREFIX}/task-1/b.gz`]);
    expect(h.store.group('/app/api')).toEqual({ exportedUntil: T0 });
    expect(h.store.task()).toMatchObject({ taskId: 'task-1', from: T0, to: T0 + W, done: [`${PREFIX}/task-1/a.gz`] });
    expect(h.objects.deleted).toEqual([]);
    expect(h.objects.keys(`${PREFIX}/task-1/`)).toHaveLength(3);

    // A restart on the same state resumes task-1 and hands over b and c only.
    const h2 = harness(h.world.now, new World(h.world.now), h.store);
    h2.logs.groupsNamed('/app/api');
    h2.logs.tasks.push(...h.logs.tasks);
    for (const [k, v] of h.objects.objects) h2.objects.objects.set(k, v);
    await h2.run(h2.source({ backfill: { since: T0, until: T0 + W } }));
    expect(h2.logs.creates()).toEqual([]);
    expect(keysOf(h2)).toEqual([`${PREFIX}/task-1/b.gz`, `${PREFIX}/task-1/c.gz`]);
    expect(h.store.group('/app/api')).toEqual({ exportedUntil: T0 + W });
    expect(h.store.task()).toBeUndefined();
  });

  test('without a restart, an unacknowledged batch leaves the window uncommitted: the next task is for the same window', async () => {
    const h = harness();
    h.logs.groupsNamed('/app/api');
    h.ack = (_b, n) => n !== 1;
    await h.run(h.source(), () => h.logs.tasks.length >= 3);
    // task-1: first object acked, second not → no third object from it, no commit; task-2 repeats the window.
    expect(h.logs.creates().slice(0, 2).map(range)).toEqual([
      [0, W],
      [0, W],
    ]);
    expect(keysOf(h).slice(0, 3)).toEqual([`${PREFIX}/task-1/i-0001/000000.gz`, `${PREFIX}/task-1/i-0002/000000.gz`, `${PREFIX}/task-2/i-0001/000000.gz`]);
    expect(h.store.groupHistory('/app/api')[0]).toEqual({ exportedUntil: T0 });
    const firstCommit = h.store.groupHistory('/app/api').find((s) => s.exportedUntil > T0);
    expect(firstCommit).toEqual({ exportedUntil: T0 + W });
    expect(h.objects.deleted.flat().some((k) => k.includes('/task-1/'))).toBe(false);
  });

  test('deleteObjects: false keeps the objects, and the task is still cleared', async () => {
    const h = harness();
    h.logs.groupsNamed('/app/api');
    await h.run(h.source({ deleteObjects: false, backfill: { since: T0, until: T0 + 2 * W } }));
    expect(h.objects.deleted).toEqual([]);
    expect(h.objects.keys(`${PREFIX}/task-1/`)).toHaveLength(3);
    expect(h.objects.keys(`${PREFIX}/task-2/`)).toHaveLength(3);
    expect(keysOf(h)).toHaveLength(4);
    expect(h.store.group('/app/api')).toEqual({ exportedUntil: T0 + 2 * W });
    expect(h.store.task()).toBeUndefined();
  });
});

// ---- backfill and multi-window tasks -----------------------------------------------------------

describe('backfill', () => {
  test('groups start at since, no window ends after until, run resolves by itself; progress grows to remainingMs 0', async () => {
    const h = harness(T0 + 3 * W);
    h.logs.groupsNamed('/a', '/b-1', '/b-2', '/c');
    const progress: ExportProgress[] = [];
    const since = T0 + 2 * W;
    const until = T0 + 5 * W + 500;
    const src = h.source({ startTime: T0, backfill: { since, until, groups: ['/a', '/b-*'] }, onProgress: (p) => progress.push(p) });
    await h.run(src);
    const creates = h.logs.creates();
    expect([...new Set(creates.map((p) => p.logGroupName))].sort()).toEqual(['/a', '/b-1', '/b-2']);
    for (const g of ['/a', '/b-1', '/b-2']) {
      const mine = creates.filter((p) => p.logGroupName === g);
      expect(mine.map(range)).toEqual([
        [2 * W, 3 * W],
        [3 * W, 4 * W],
        [4 * W, 5 * W],
        [5 * W, 5 * W + 500],
      ]);
      expect(h.store.group(g)).toEqual({ exportedUntil: until });
    }
    expect(creates.every((p) => p.to < until)).toBe(true);
    expect(h.store.group('/c')).toBeUndefined();
    // Progress: after every commit, exportedMs grows, remainingMs falls to 0.
    expect(progress.length).toBeGreaterThanOrEqual(12);
    for (let i = 1; i < progress.length; i++) {
      expect(progress[i].exportedMs).toBeGreaterThanOrEqual(progress[i - 1].exportedMs);
      expect(progress[i].remainingMs).toBeLessThanOrEqual(progress[i - 1].remainingMs);
    }
    // Once at start, then after each commit.
    expect(progress[0]).toMatchObject({ tasksCompleted: 0, exportedMs: 0, remainingMs: 3 * (until - since) });
    expect(progress[1].exportedMs).toBe(W);
    expect(progress[1].remainingMs).toBe(3 * (until - since) - W);
    expect(progress[progress.length - 1]).toMatchObject({
      groups: 3,
      groupsDone: 3,
      tasksCompleted: 12,
      exportedMs: 3 * (until - since),
      remainingMs: 0,
      objects: 24,
    });
    expect(src.status().remainingMs).toBe(0);
  });

  test('onProgress is called once at start, before the first commit', async () => {
    const h = harness();
    h.logs.groupsNamed('/a');
    const progress: ExportProgress[] = [];
    await h.run(h.source({ backfill: { since: T0, until: T0 + 2 * W }, onProgress: (p) => progress.push(p) }));
    expect(progress[0]).toMatchObject({ tasksCompleted: 0, exportedMs: 0, remainingMs: 2 * W });
  });

  test('a backfill with no matching group resolves at once', async () => {
    const h = harness();
    h.logs.groupsNamed('/a', '/b');
    const progress: ExportProgress[] = [];
    await h.run(h.source({ backfill: { since: T0, until: T0 + 10 * W, groups: ['/nope', '/x*'] }, onProgress: (p) => progress.push(p) }));
    expect(h.logs.creates()).toEqual([]);
    expect(h.logs.calls.filter((c) => c.op === 'describeLogGroups')).toHaveLength(1);
    expect(progress.length).toBeGreaterThanOrEqual(1);
    for (const p of progress) expect(p).toMatchObject({ groups: 0, groupsDone: 0, remainingMs: 0, tasksCompleted: 0 });
  });

  test('a backfill that starts where a group already is ends at once', async () => {
    const h = harness();
    h.logs.groupsNamed('/a');
    await h.store.save('export/group//a', JSON.stringify({ exportedUntil: T0 + 5 * W }));
    await h.run(h.source({ backfill: { since: T0, until: T0 + 5 * W } }));
    expect(h.logs.creates()).toEqual([]);
  });
});

describe('maxWindowsPerTask', () => {
  test('a group behind by 5 whole windows with maxWindowsPerTask 3 gets tasks of 3 then 2 windows', async () => {
    const WIN = 60_000;
    const h = harness(T0 + 5 * WIN);
    h.logs.groupsNamed('/app/api');
    await h.run(h.source({ windowMs: WIN, maxWindowsPerTask: 3 }), () => (h.store.group('/app/api')?.exportedUntil ?? 0) >= T0 + 5 * WIN);
    expect(h.logs.creates().map(range)).toEqual([
      [0, 3 * WIN],
      [3 * WIN, 5 * WIN],
    ]);
    expect(h.store.group('/app/api')).toEqual({ exportedUntil: T0 + 5 * WIN });
  });

  test('a partial window (not yet settled) is never exported in live mode', async () => {
    const h = harness(T0 + 2 * W + 999);
    h.logs.groupsNamed('/app/api');
    await h.run(h.source({ maxWindowsPerTask: 10, settleMs: 0 }), () => h.logs.tasks.length >= 3);
    expect(h.logs.creates().map(range)[0]).toEqual([0, 2 * W]);
    for (const p of h.logs.creates()) expect(p.to + 1).toBeLessThanOrEqual(h.logs.calls.find((c) => c.arg === p)!.at);
  });
});

describe('recovery by the deterministic task name', () => {
  async function intent(h: Harness, from: number, to: number): Promise<void> {
    await h.store.save('export/group//app/api', JSON.stringify({ exportedUntil: from }));
    await h.store.save(
      TASK_KEY,
      JSON.stringify({ taskId: '', taskName: exportTaskName('/app/api', from, to), group: '/app/api', from, to, createdAt: h.world.now, done: [] }),
    );
  }

  test('a task created just before a crash (its id not saved) is found by name and adopted, not created again', async () => {
    const h = harness();
    h.logs.groupsNamed('/app/api');
    await intent(h, T0, T0 + W);
    // The task the previous run created.
    await h.logs.createExportTask({
      taskName: exportTaskName('/app/api', T0, T0 + W),
      logGroupName: '/app/api',
      from: T0,
      to: T0 + W - 1,
      destination: BUCKET,
      destinationPrefix: PREFIX,
    });
    h.logs.tasks[0].status = 'RUNNING';
    await h.run(h.source({ backfill: { since: T0, until: T0 + W } }));
    expect(h.logs.creates()).toHaveLength(1);
    expect(h.logs.calls.find((c) => c.op === 'findExportTask')?.arg).toBe(exportTaskName('/app/api', T0, T0 + W));
    expect(keysOf(h)).toEqual([`${PREFIX}/task-1/i-0001/000000.gz`, `${PREFIX}/task-1/i-0002/000000.gz`]);
    expect(h.store.group('/app/api')).toEqual({ exportedUntil: T0 + W });
  });

  test('an intent whose task was never created gets it created for the same window', async () => {
    const h = harness();
    h.logs.groupsNamed('/app/api');
    await intent(h, T0, T0 + W);
    await h.run(h.source({ backfill: { since: T0, until: T0 + W } }));
    expect(h.logs.creates().map(range)).toEqual([[0, W]]);
    expect(h.store.group('/app/api')).toEqual({ exportedUntil: T0 + W });
    expect(h.store.task()).toBeUndefined();
  });

  test('LimitExceeded while our own task (same name) is active adopts it', async () => {
    const h = harness();
    h.logs.groupsNamed('/app/api');
    const name = exportTaskName('/app/api', T0, T0 + W);
    await h.logs.createExportTask({ taskName: name, logGroupName: '/app/api', from: T0, to: T0 + W - 1, destination: BUCKET, destinationPrefix: PREFIX });
    h.logs.tasks[0].status = 'PENDING';
    h.logs.fail = (op, _a, n) => (op === 'createExportTask' && n === 1 ? awsError('LimitExceededException') : undefined);
    await h.run(h.source({ backfill: { since: T0, until: T0 + W } }));
    expect(h.logs.tasks).toHaveLength(1);
    expect(keysOf(h)).toEqual([`${PREFIX}/task-1/i-0001/000000.gz`, `${PREFIX}/task-1/i-0002/000000.gz`]);
    expect(h.store.group('/app/api')).toEqual({ exportedUntil: T0 + W });
  });
});

// ---- the leader lease ---------------------------------------------------------------------------

/**
 * The file store's export state with a leader lease the test gives and takes: while not held,
 * every write is refused (LeaseLostError), as the DynamoDB store refuses a replica that lost it.
 */
class LeasedState {
  readonly inner: FileExportStore;
  held = false;
  /** Tries of acquire() that waited; the lease is given back after `waitTries` of them. */
  tries = 0;
  waitTries = 3;
  acquires = 0;
  releases = 0;
  private lease?: AbortController;
  readonly state: ExportStore;

  constructor(
    private readonly world: World,
    store: MemStore,
  ) {
    this.inner = new FileExportStore({ checkpoints: store, controlFile: '/nonexistent/export-control.json', logger: silentLogger(), metrics: createMetrics() });
    const guard =
      <A extends unknown[]>(write: (...a: A) => Promise<void>) =>
      async (...a: A): Promise<void> => {
        if (!this.held) throw new LeaseLostError('not the leader', 'export/leader');
        await write(...a);
      };
    const inner = this.inner;
    this.state = {
      leadership: {
        workerId: 'me',
        acquire: async (signal) => {
          this.acquires++;
          while (!signal.aborted && !this.held) {
            if (++this.tries >= this.waitTries) this.held = true;
            else await world.sleep(1000, signal);
          }
          if (signal.aborted) return undefined;
          this.world.log.push('lease taken');
          this.lease = new AbortController();
          return this.lease.signal;
        },
        release: async () => {
          this.releases++;
          this.world.log.push('lease released');
        },
        holder: async () => (this.held ? 'me' : undefined),
      },
      groups: () => inner.groups(),
      saveGroup: guard((n: string, s: GroupState) => inner.saveGroup(n, s)),
      task: () => inner.task(),
      saveTask: guard((t: TaskState | undefined) => inner.saveTask(t)),
      discovery: () => inner.discovery(),
      saveDiscovery: guard((d: DiscoveryState) => inner.saveDiscovery(d)),
      control: () => inner.control(),
      updateControl: (c) => inner.updateControl(c),
    };
  }

  /** Another replica took the lease. */
  lose(): void {
    this.held = false;
    this.tries = 0;
    this.world.log.push('lease lost');
    this.lease?.abort(new LeaseLostError('taken by another replica', 'export/leader'));
  }
}

describe('the leader lease', () => {
  test('the source waits for the lease before any call; lost mid-task it stops at once (no task, no write), waits again, and then adopts the task in progress', async () => {
    const h = harness();
    h.logs.groupsNamed('/app/api');
    const leased = new LeasedState(h.world, h.store);
    // Lost while the first object of the second task is being delivered: its acknowledgement is refused.
    h.onBatch = () => {
      if (h.batches.length === 3) leased.lose();
    };
    await h.run(h.source({ state: leased.state }), () => (h.store.group('/app/api')?.exportedUntil ?? 0) >= T0 + 3 * W);
    const log = h.world.log;
    // Nothing before the lease.
    expect(log.indexOf('lease taken')).toBe(0);
    const lost = log.indexOf('lease lost');
    const again = log.indexOf('lease taken', lost);
    expect(lost).toBeGreaterThan(0);
    expect(again).toBeGreaterThan(lost);
    // Between losing and taking the lease again: no AWS call and no state written (a refused ack writes nothing).
    expect(log.slice(lost + 1, again).filter((l) => !l.startsWith('handle'))).toEqual([]);
    expect(leased.acquires).toBe(2);
    // The task of the second window was adopted, not created again: each window has one task.
    expect(h.logs.creates().map(range).slice(0, 3)).toEqual([
      [0, W],
      [W, 2 * W],
      [2 * W, 3 * W],
    ]);
    expect(new Set(h.logs.creates().map((p) => p.from)).size).toBe(h.logs.creates().length);
    // Its first object, not acknowledged, is handed over again (at least once); nothing else is.
    const keys = keysOf(h);
    expect(keys.filter((k) => k === `${PREFIX}/task-2/i-0001/000000.gz`)).toHaveLength(2);
    expect(new Set(keys).size).toBe(keys.length - 1);
  });

  test('a graceful stop releases the lease after the last state write; a lost lease is not released', async () => {
    const h = harness();
    h.logs.groupsNamed('/app/api');
    const leased = new LeasedState(h.world, h.store);
    leased.waitTries = 1;
    await h.run(h.source({ state: leased.state, backfill: { since: T0, until: T0 + 2 * W } }));
    expect(leased.releases).toBe(1);
    const log = h.world.log;
    expect(log[log.length - 1]).toBe('lease released');
    expect(
      log
        .slice(0, -1)
        .reverse()
        .find((l) => l.startsWith('save')),
    ).toBe(`save ${TASK_KEY} `);
  });
});
