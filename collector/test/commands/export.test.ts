import { AttributeValue, DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { PassThrough } from 'stream';
import { formatDuration, formatProgress, runExportCommand } from '../../src/commands/export';
import { type Logger, silentLogger } from '../../src/ops/log';
import { FileCheckpointStore } from '../../src/state/file/checkpoint-file';
import { readControl } from '../../src/state/file/export';
import { replica } from '../export/dynamo-helpers';
import { CwlExportServer, s3ObjectWriter, startCwlExportServer } from '../support/cwl-export-server';
import { createLeaseTable, RunningDynalite, startDynalite } from '../support/dynalite';
import { S3Emulator, startS3, TEST_CREDENTIALS } from '../support/emulators';

/** `cwl-siem-collector export status|pause|resume|backfill`, in process. */

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cwl-export-cmd-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const NOW = Date.parse('2026-11-22T12:00:00Z');

function capture(tty = false) {
  const out = new PassThrough();
  const err = Object.assign(new PassThrough(), { isTTY: tty, columns: 120 });
  let o = '';
  let e = '';
  out.on('data', (c: Buffer) => (o += c.toString()));
  err.on('data', (c: Buffer) => (e += c.toString()));
  return { io: { stdout: out, stderr: err, clock: () => NOW, env: { ...process.env, ...TEST_ENV } }, out: () => o, err: () => e };
}

const TEST_ENV = { AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey };

function writeConfig(source: Record<string, unknown> = {}, extra: Record<string, unknown> = {}): string {
  const path = join(dir, 'collector.json');
  writeFileSync(
    path,
    JSON.stringify({
      source: { type: 'export', region: 'us-east-1', bucket: 'cwl-export-cmd', ...source },
      state: { type: 'file', dir: join(dir, 'state') },
      deadLetter: { path: join(dir, 'state', 'dead-letter.ndjson') },
      sink: { type: 'file', path: join(dir, 'out', 'events.ndjson') },
      ...extra,
    }),
  );
  return path;
}

function writeCheckpoints(map: Record<string, string>): void {
  mkdirSync(join(dir, 'state'), { recursive: true });
  writeFileSync(join(dir, 'state', 'checkpoints.json'), JSON.stringify(map));
}

describe('export status, pause and resume', () => {
  test('status prints each group with its state, exported-until and lag, and the task in progress', async () => {
    const config = writeConfig();
    writeCheckpoints({
      'export/group//app/api': JSON.stringify({ exportedUntil: NOW - 5 * 60_000 }),
      'export/group//app/web': JSON.stringify({ exportedUntil: NOW - 3 * 3600_000, failures: 2, retryAt: NOW + 60_000 }),
      'export/group//aws/vpc/flow': JSON.stringify({ exportedUntil: NOW - 45_000 }),
      'export/task': JSON.stringify({ taskId: 't-123', taskName: 'n', group: '/app/api', from: NOW - 5 * 60_000, to: NOW, createdAt: NOW, done: ['a', 'b'] }),
      'kinesis/other': 'x',
    });
    const c0 = capture();
    expect(await runExportCommand(['pause', '/aws/*', '--config', config, '--reason', 'noisy'], c0.io)).toBe(0);
    const c = capture();
    expect(await runExportCommand(['status', '--config', config], c.io)).toBe(0);
    const lines = c.out().split('\n');
    expect(lines[0]).toMatch(/^GROUP\s+STATE\s+EXPORTED UNTIL\s+LAG$/);
    expect(lines[1]).toMatch(/^\/app\/api\s+active\s+2026-11-22T11:55:00.000Z\s+5m 00s$/);
    expect(lines[2]).toMatch(/^\/app\/web\s+backing off\s+2026-11-22T09:00:00.000Z\s+3h 00m$/);
    expect(lines[3]).toMatch(/^\/aws\/vpc\/flow\s+paused \(\/aws\/\*\)\s+2026-11-22T11:59:15.000Z\s+45s$/);
    expect(c.out()).toContain('Task t-123 for /app/api: 2026-11-22T11:55:00.000Z to 2026-11-22T12:00:00.000Z, 2 objects delivered');

    const j = capture();
    expect(await runExportCommand(['status', '--config', config, '--json'], j.io)).toBe(0);
    const json = JSON.parse(j.out());
    expect(json.groups).toHaveLength(3);
    expect(json.groups[2]).toMatchObject({ group: '/aws/vpc/flow', state: 'paused', pausedBy: '/aws/*', reason: 'noisy', lagSeconds: 45 });
    expect(json.task).toMatchObject({ taskId: 't-123', done: ['a', 'b'] });
  });

  test('groups the last discovery did not find are "gone", with their progress kept', async () => {
    const config = writeConfig();
    writeCheckpoints({
      'export/group//app/api': JSON.stringify({ exportedUntil: NOW - 60_000 }),
      'export/group//app/deleted': JSON.stringify({ exportedUntil: NOW - 86400_000 }),
      'export/discovery': JSON.stringify({ at: NOW - 30_000, groups: ['/app/api', '/app/new'] }),
    });
    const c = capture();
    expect(await runExportCommand(['status', '--config', config], c.io)).toBe(0);
    expect(c.out()).toMatch(/^\/app\/api\s+active\s/m);
    expect(c.out()).toMatch(/^\/app\/deleted\s+gone\s+2026-11-21T12:00:00.000Z\s+1d 00h$/m);
    expect(c.out()).toContain('"gone": not found (or no longer included) at the last discovery, 2026-11-22T11:59:30.000Z');
    const j = capture();
    await runExportCommand(['status', '--config', config, '--json'], j.io);
    expect(JSON.parse(j.out())).toMatchObject({
      lastDiscovery: '2026-11-22T11:59:30.000Z',
      groups: [
        { group: '/app/api', state: 'active' },
        { group: '/app/deleted', state: 'gone' },
      ],
    });
  });

  test('status without progress says so; a pause matching no group is listed', async () => {
    const config = writeConfig();
    expect(await runExportCommand(['pause', '/not/yet', '--config', config], capture().io)).toBe(0);
    const c = capture();
    expect(await runExportCommand(['status', '--config', config], c.io)).toBe(0);
    expect(c.out()).toContain('No log group exported yet');
    expect(c.out()).toContain('Paused, matching no group yet: /not/yet');
  });

  test('pause and resume edit the control file; pausing twice or resuming a group that is not paused is harmless', async () => {
    const config = writeConfig();
    const control = join(dir, 'state', 'export-control.json');
    const p = capture();
    expect(await runExportCommand(['pause', '/app/web', '--config', config, '--reason', 'maintenance'], p.io)).toBe(0);
    expect(p.out()).toContain('Paused /app/web');
    expect(readControl(control).paused['/app/web']).toEqual({ since: new Date(NOW).toISOString(), reason: 'maintenance' });
    const again = capture();
    expect(await runExportCommand(['pause', '/app/web', '--config', config], again.io)).toBe(0);
    expect(again.out()).toContain('already paused');
    expect(await runExportCommand(['resume', '/app/web', '--config', config], capture().io)).toBe(0);
    expect(readControl(control).paused).toEqual({});
    const none = capture();
    expect(await runExportCommand(['resume', '/app/web', '--config', config], none.io)).toBe(0);
    expect(none.out()).toContain('is not paused');
    expect(readdirSync(join(dir, 'state')).sort()).toEqual(['export-control.json']);
  });

  test('resuming a group paused by a pattern names the pattern and fails', async () => {
    const config = writeConfig();
    await runExportCommand(['pause', '/app/*', '--config', config], capture().io);
    const c = capture();
    expect(await runExportCommand(['resume', '/app/web', '--config', config], c.io)).toBe(1);
    expect(c.err()).toContain('paused by the pattern /app/*');
  });

  test('concurrent pauses are all kept (the control file is changed under a lock)', async () => {
    const config = writeConfig();
    const groups = Array.from({ length: 12 }, (_, i) => `/app/g${i}`);
    const codes = await Promise.all(groups.map((g) => runExportCommand(['pause', g, '--config', config], capture().io)));
    expect(codes.every((x) => x === 0)).toBe(true);
    expect(Object.keys(readControl(join(dir, 'state', 'export-control.json')).paused).sort()).toEqual([...groups].sort());
  });

  test.each([
    [['status'], '--config FILE is required'],
    [['pause', '--config', 'X'], 'pause takes one log group name or pattern'],
    [['pause', 'bad name!', '--config', 'X'], 'is not a log group name or pattern'],
    [['frobnicate'], 'unknown export command "frobnicate"'],
    [['status', '--bogus'], 'unknown option --bogus'],
    [['backfill', '--config', 'CONFIG'], 'backfill needs --since DATE'],
    [['backfill', '--config', 'CONFIG', '--since', 'yesterday'], '--since must be a date or time in ISO 8601'],
    [['backfill', '--config', 'CONFIG', '--since', '2026-11-02', '--until', '2026-11-01'], 'must be after --since'],
    [['backfill', '--config', 'CONFIG', '--since', '2026-11-01', '--window', '0'], '--window must be a whole number of seconds'],
  ])('usage problems exit 2: %j', async (args, message) => {
    const config = writeConfig();
    const c = capture();
    expect(
      await runExportCommand(
        args.map((a) => (a === 'CONFIG' ? config : a)),
        c.io,
      ),
    ).toBe(2);
    expect(c.err()).toContain(message);
  });

  test('a config of another mode, or an invalid config, exits 2 with the reason', async () => {
    const kinesis = join(dir, 'kinesis.json');
    writeFileSync(kinesis, JSON.stringify({ source: { type: 'kinesis', streamName: 's', region: 'us-east-1' }, sink: { type: 'stdout' } }));
    const c = capture();
    expect(await runExportCommand(['status', '--config', kinesis], c.io)).toBe(2);
    expect(c.err()).toContain('export commands need an export-mode config (source.type "export"), this one is "kinesis"');
    const bad = writeConfig({ windowSeconds: 5 });
    const b = capture();
    expect(await runExportCommand(['status', '--config', bad], b.io)).toBe(2);
    expect(b.err()).toContain('$.source.windowSeconds');
  });
});

describe('export status, pause and resume beside a running collector', () => {
  test('they do not need the lock of the state folder, which a running collector holds', async () => {
    const config = writeConfig();
    writeCheckpoints({ 'export/group//app/api': JSON.stringify({ exportedUntil: NOW - 60_000 }) });
    // The running collector's lock.
    const running = new FileCheckpointStore(join(dir, 'state', 'checkpoints.json'));
    await running.open();
    try {
      expect(await runExportCommand(['pause', '/app/api', '--config', config], capture().io)).toBe(0);
      const c = capture();
      expect(await runExportCommand(['status', '--config', config], c.io)).toBe(0);
      expect(c.out()).toMatch(/^\/app\/api\s+paused\s/m);
      expect(c.out()).not.toContain('Leader');
    } finally {
      await running.close();
    }
  });
});

describe('export status, pause and resume on a DynamoDB state', () => {
  let db: RunningDynalite;
  let tables = 0;
  beforeAll(async () => {
    db = await startDynalite();
  });
  afterAll(async () => {
    await db?.close();
  });

  async function dynamoConfig(): Promise<{ config: string; table: string; client: DynamoDBClient }> {
    const table = `export-cmd-${++tables}`;
    const client = db.client();
    await createLeaseTable(client, table);
    return { config: writeConfig({}, { state: { type: 'dynamodb', table, region: 'us-east-1', endpoint: db.endpoint } }), table, client };
  }

  test('pause and resume write pause items a collector on another machine reads; status shows the groups and the leader', async () => {
    const { config, table, client } = await dynamoConfig();
    const deps = { clients: { dynamodb: client } };
    // The leader, elsewhere, with some progress.
    const leader = replica(client, table, 'replica-7');
    await leader.store.leadership.acquire(new AbortController().signal);
    await leader.store.saveGroup('/app/api', { exportedUntil: NOW - 5 * 60_000 });
    await leader.store.saveGroup('/app/web', { exportedUntil: NOW - 60_000 });
    await leader.store.saveTask({ taskId: 't-9', taskName: 'n', group: '/app/api', from: NOW - 5 * 60_000, to: NOW, createdAt: NOW, done: ['k/a', 'k/b'] });

    const p = capture();
    expect(await runExportCommand(['pause', '/app/web', '--config', config, '--reason', 'maintenance'], { ...p.io, deps })).toBe(0);
    expect(p.out()).toContain(`Paused /app/web`);
    expect(p.out()).toContain(`DynamoDB table ${table}`);
    const reader = replica(client, table, 'another-machine');
    expect((await reader.store.control()).paused).toEqual({ '/app/web': { since: new Date(NOW).toISOString(), reason: 'maintenance' } });

    const c = capture();
    expect(await runExportCommand(['status', '--config', config], { ...c.io, deps })).toBe(0);
    expect(c.out()).toMatch(/^\/app\/api\s+active\s+2026-11-22T11:55:00.000Z\s+5m 00s$/m);
    expect(c.out()).toMatch(/^\/app\/web\s+paused\s/m);
    expect(c.out()).toContain('Task t-9 for /app/api: 2026-11-22T11:55:00.000Z to 2026-11-22T12:00:00.000Z, 2 objects delivered');
    expect(c.out()).toContain('Leader: replica-7');
    const j = capture();
    expect(await runExportCommand(['status', '--config', config, '--json'], { ...j.io, deps })).toBe(0);
    expect(JSON.parse(j.out())).toMatchObject({
      leader: 'replica-7',
      groups: [{ group: '/app/api' }, { group: '/app/web', state: 'paused', reason: 'maintenance' }],
    });

    expect(await runExportCommand(['resume', '/app/web', '--config', config], { ...capture().io, deps })).toBe(0);
    expect((await replica(client, table, 'x').store.control()).paused).toEqual({});
    await leader.store.leadership.release();
    const after = capture();
    expect(await runExportCommand(['status', '--config', config], { ...after.io, deps })).toBe(0);
    expect(after.out()).toContain('Leader: none');
  });

  test('a missing table is an error naming it, exit 1', async () => {
    const config = writeConfig({}, { state: { type: 'dynamodb', table: 'no-such-table', region: 'us-east-1', endpoint: db.endpoint } });
    const c = capture();
    expect(await runExportCommand(['status', '--config', config], { ...c.io, deps: { clients: { dynamodb: db.client() } } })).toBe(1);
    expect(c.err()).toContain('no-such-table');
  });
});

describe('progress formatting', () => {
  test('durations', () => {
    expect([0, 45_000, 725_000, 3 * 3600_000 + 7 * 60_000, 2 * 86400_000 + 4 * 3600_000].map(formatDuration)).toEqual([
      '0s',
      '45s',
      '12m 05s',
      '3h 07m',
      '2d 04h',
    ]);
  });
  test('a progress line: share, groups, windows, bytes, ETA from the rate so far', () => {
    const p = { groups: 4, groupsDone: 1, tasksCompleted: 10, exportedMs: 10 * 3600_000, remainingMs: 30 * 3600_000, bytes: 5 * 1024 * 1024, objects: 12 };
    expect(formatProgress(p, 60_000, 3600_000, 20)).toBe('[#####---------------] 25%  groups 1/4  windows 10/40  5.0 MiB  ETA 3m 00s');
    expect(formatProgress({ ...p, exportedMs: 0, tasksCompleted: 0 }, 1000, 3600_000, 0)).toBe('0%  groups 1/4  windows 0/30  5.0 MiB  ETA ?');
    expect(formatProgress({ ...p, remainingMs: 0, groupsDone: 4 }, 1000, 3600_000, 0)).toBe('100%  groups 4/4  windows 10/10  5.0 MiB  ETA 0s');
  });
});

describe('export backfill', () => {
  let s3: S3Emulator;
  let server: CwlExportServer;
  const BUCKET = 'cwl-backfill-it';
  const SINCE = Date.parse('2026-11-01T00:00:00Z');
  const HOUR = 3600_000;

  const savedEnv = { ...process.env };
  beforeAll(async () => {
    // The SDK clients the command builds take their credentials from the process environment.
    Object.assign(process.env, TEST_ENV);
    s3 = await startS3();
    await s3.client.send(new CreateBucketCommand({ Bucket: BUCKET }));
  });
  afterAll(async () => {
    process.env = savedEnv;
    await s3?.close();
  });
  beforeEach(async () => {
    server = await startCwlExportServer({ writeObject: s3ObjectWriter(s3.client, PutObjectCommand), taskDelayMs: 5 });
    for (const g of ['/app/api', '/app/web', '/other/x']) {
      server.addLogGroup(g);
      // Every 20 minutes for 6 hours, plus one event just before SINCE and one at the end (excluded).
      const events = Array.from({ length: 18 }, (_, i) => ({ timestamp: SINCE + i * 20 * 60_000, message: `${g} ${i}` }));
      events.push({ timestamp: SINCE - 1, message: `${g} before` }, { timestamp: SINCE + 6 * HOUR, message: `${g} at until` });
      server.putEvents(g, 's1', events);
    }
  });
  afterEach(async () => {
    await server.close();
  });

  const events = () =>
    existsSync(join(dir, 'out', 'events.ndjson'))
      ? readFileSync(join(dir, 'out', 'events.ndjson'), 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l) as { message: string; logGroup: string })
      : [];

  function backfillConfig(extra: Record<string, unknown> = {}): string {
    return writeConfig({ endpoint: server.endpoint, bucket: BUCKET, s3: { endpoint: s3.endpoint, forcePathStyle: true }, pollIntervalSeconds: 0.01 }, extra);
  }

  test('exports the range of the matching groups into the sink, with progress lines, and a second run has nothing to do', async () => {
    const config = backfillConfig();
    const args = ['backfill', '--config', config, '--since', '2026-11-01', '--until', '2026-11-01T06:00:00Z', '--group', '/app/*', '--window', '7200'];
    const c = capture(false);
    const never = new Promise<void>(() => undefined);
    expect(await runExportCommand(args, { ...c.io, clock: Date.now, deps: { logger: silentLogger() }, interrupted: never })).toBe(0);
    const got = events();
    const want = ['/app/api', '/app/web'].flatMap((g) => Array.from({ length: 18 }, (_, i) => `${g} ${i}`));
    expect(got.map((e) => e.message).sort()).toEqual(want.sort());
    expect(
      server
        .tasks()
        .map((t) => t.logGroupName)
        .every((g) => g.startsWith('/app/')),
    ).toBe(true);
    expect(server.tasks()).toHaveLength(6);
    expect(c.err()).toMatch(/Starting backfill 2026-11-01T00:00:00.000Z → 2026-11-01T06:00:00.000Z, 7200 s windows, groups \/app\/\*/);
    expect(c.err()).toMatch(/100%\s+groups 2\/2\s+windows 6\/6/);
    expect(c.err()).toMatch(/Backfill complete: 6 windows of 2 groups/);

    const again = capture(false);
    expect(await runExportCommand(args, { ...again.io, clock: Date.now, deps: { logger: silentLogger() }, interrupted: never })).toBe(0);
    expect(again.err()).toContain('Resuming backfill');
    expect(events()).toHaveLength(got.length);
    expect(server.tasks()).toHaveLength(6);
  });

  test('on a terminal the progress is one redrawn bar', async () => {
    const config = backfillConfig();
    const c = capture(true);
    expect(
      await runExportCommand(
        ['backfill', '--config', config, '--since', '2026-11-01', '--until', '2026-11-01T06:00:00Z', '--group', '/other/x', '--window', '10800'],
        {
          ...c.io,
          clock: Date.now,
          deps: { logger: silentLogger() },
          interrupted: new Promise<void>(() => undefined),
        },
      ),
    ).toBe(0);
    expect(c.err()).toMatch(/\r\[#+\] 100%\s+groups 1\/1\s+windows 2\/2.*\x1b\[K\n/);
    expect(events()).toHaveLength(18);
  });

  test('an interrupted backfill resumes where it stopped, delivering each window once', async () => {
    const config = backfillConfig();
    const args = ['backfill', '--config', config, '--since', '2026-11-01', '--until', '2026-11-01T06:00:00Z', '--group', '/app/api', '--window', '3600'];
    let interrupt!: () => void;
    const interrupted = new Promise<void>((r) => (interrupt = r));
    const watcher = setInterval(() => {
      if (server.tasks().filter((t) => t.status.code === 'COMPLETED').length >= 2) interrupt();
    }, 5);
    const c = capture(false);
    expect(await runExportCommand(args, { ...c.io, clock: Date.now, deps: { logger: silentLogger() }, interrupted })).toBe(1);
    clearInterval(watcher);
    expect(c.err()).toContain('Run the same command to resume');
    const firstRun = events().length;
    expect(firstRun).toBeLessThan(18);
    const c2 = capture(false);
    expect(await runExportCommand(args, { ...c2.io, clock: Date.now, deps: { logger: silentLogger() }, interrupted: new Promise<void>(() => undefined) })).toBe(
      0,
    );
    const msgs = events().map((e) => e.message);
    expect(msgs.sort()).toEqual(Array.from({ length: 18 }, (_, i) => `/app/api ${i}`).sort());
  });

  describe('on a DynamoDB state', () => {
    let db: RunningDynalite;
    let tables = 0;
    beforeAll(async () => {
      db = await startDynalite();
    });
    afterAll(async () => {
      await db?.close();
    });

    async function dynamoBackfill(): Promise<{
      config: string;
      table: string;
      client: DynamoDBClient;
      deps: { logger: Logger; clients: { dynamodb: DynamoDBClient } };
    }> {
      const table = `backfill-${++tables}`;
      const client = db.client();
      await createLeaseTable(client, table);
      const config = backfillConfig({ state: { type: 'dynamodb', table, region: 'us-east-1', endpoint: db.endpoint } });
      return { config, table, client, deps: { logger: silentLogger(), clients: { dynamodb: client } } };
    }

    /** Every item of the table by key, as stored. */
    async function scanTable(client: DynamoDBClient, table: string): Promise<Map<string, Record<string, AttributeValue>>> {
      const out = new Map<string, Record<string, AttributeValue>>();
      let start: Record<string, AttributeValue> | undefined;
      do {
        const page = await client.send(new ScanCommand({ TableName: table, ExclusiveStartKey: start }));
        for (const item of page.Items ?? []) out.set(item.leaseKey.S!, item);
        start = page.LastEvaluatedKey;
      } while (start);
      return out;
    }

    /** The items of the table outside every scope (the collector's), by key. */
    const unscoped = (items: Map<string, Record<string, AttributeValue>>) => new Map([...items].filter(([k]) => !k.startsWith('export/scope/')));

    /** Resolves after `ms`: a backfill stuck behind something is interrupted (exit 1) rather than left to the test's timeout. */
    function deadline(ms: number): { interrupted: Promise<void>; clear: () => void } {
      let timer: NodeJS.Timeout | undefined;
      const interrupted = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)));
      return { interrupted, clear: () => clearTimeout(timer) };
    }

    async function waitUntil(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 60_000): Promise<void> {
      const end = Date.now() + timeoutMs;
      while (!(await check())) {
        if (Date.now() > end) throw new Error(`timed out waiting until ${what}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    }

    const scopeOf = (stderr: string) => /scope (backfill-[0-9a-f]{12})\)/.exec(stderr)?.[1];

    /** CreateExportTask calls per window (`group from`). */
    const createsPerWindow = () => {
      const n: Record<string, number> = {};
      for (const t of server.tasks()) {
        const window = `${t.logGroupName} ${new Date(t.from).toISOString()}`;
        n[window] = (n[window] ?? 0) + 1;
      }
      return n;
    };
    const hourly = (group: string, hours: number) =>
      Object.fromEntries(Array.from({ length: hours }, (_, i) => [`${group} ${new Date(SINCE + i * HOUR).toISOString()}`, 1]));

    test('runs beside a collector whose leader lease another replica holds, and writes only under its own scope', async () => {
      const { config, table, client, deps } = await dynamoBackfill();
      // The collector's leader, on another machine, with progress, a task in progress and a discovery.
      const leader = replica(client, table, 'collector-replica-1');
      const lease = await leader.store.leadership.acquire(new AbortController().signal);
      try {
        await leader.store.saveDiscovery({ at: NOW - 60_000, groups: ['/app/api', '/app/web'] });
        await leader.store.saveGroup('/app/api', { exportedUntil: NOW - 5 * 60_000 });
        await leader.store.saveGroup('/app/web', { exportedUntil: NOW - 60_000, failures: 1, retryAt: NOW + 60_000 });
        await leader.store.saveTask({ taskId: 't-live', taskName: 'n', group: '/app/api', from: NOW - 5 * 60_000, to: NOW, createdAt: NOW, done: ['k/a'] });
        const before = unscoped(await scanTable(client, table));

        const args = ['backfill', '--config', config, '--since', '2026-11-01', '--until', '2026-11-01T06:00:00Z', '--group', '/app/*', '--window', '7200'];
        const c = capture(false);
        const stop = deadline(120_000);
        const code = await runExportCommand(args, { ...c.io, clock: Date.now, deps, interrupted: stop.interrupted });
        stop.clear();
        expect(c.err()).not.toContain('Backfill interrupted');
        expect(code).toBe(0);
        expect(c.err()).toMatch(/Backfill complete: 6 windows of 2 groups/);
        const want = ['/app/api', '/app/web'].flatMap((g) => Array.from({ length: 18 }, (_, i) => `${g} ${i}`));
        expect(
          events()
            .map((e) => e.message)
            .sort(),
        ).toEqual(want.sort());

        // The collector's items as they were (its leader lease renewed by its holder, still that replica's).
        const after = await scanTable(client, table);
        const mine = unscoped(after);
        expect(mine.get('export/leader')?.leaseOwner).toEqual({ S: 'collector-replica-1' });
        for (const m of [before, mine]) m.delete('export/leader');
        expect(mine).toEqual(before);
        expect(lease?.aborted).toBe(false);

        // The backfill's progress, discovery and (released) lease, all in its scope; its task cleared.
        const scope = scopeOf(c.err());
        expect(scope).toBeDefined();
        const base = `export/scope/${scope}/`;
        const scoped = [...after.keys()].filter((k) => !mine.has(k) && k !== 'export/leader');
        expect(scoped.every((k) => k.startsWith(base))).toBe(true);
        expect(scoped.map((k) => k.slice(base.length)).sort()).toEqual(['discovery', 'group//app/api', 'group//app/web', 'leader']);
        for (const g of ['/app/api', '/app/web']) expect(after.get(`${base}group/${g}`)?.exportedUntil).toEqual({ N: String(SINCE + 6 * HOUR) });
        expect(after.get(`${base}leader`)?.leaseOwner).toBeUndefined();
      } finally {
        await leader.store.leadership.release();
      }
    });

    test('an interrupted backfill resumes from its scoped progress, adopting its task: no window exported twice', async () => {
      const { config, table, client, deps } = await dynamoBackfill();
      const args = ['backfill', '--config', config, '--since', '2026-11-01', '--until', '2026-11-01T06:00:00Z', '--group', '/app/api', '--window', '3600'];
      let interrupt!: () => void;
      const interrupted = new Promise<void>((r) => (interrupt = r));
      // After the second window is committed, the next task stays running until the first run is stopped.
      const first = runExportCommand(args, {
        ...capture(false).io,
        clock: Date.now,
        deps: { ...deps, exportOverrides: { onProgress: (p) => void (p.tasksCompleted >= 2 && (server.stuck = true)) } },
        interrupted,
      });
      let scope: string | undefined;
      let stuckTask: string | undefined;
      // Interrupted whatever happens, so that a failing wait does not leave the first run going.
      let waited: unknown;
      await waitUntil('the third window has a running task recorded in the scope', async () => {
        const running = server.tasks().filter((t) => t.status.code === 'RUNNING');
        if (running.length !== 1 || server.tasks().length !== 3) return false;
        const items = await scanTable(client, table);
        const task = [...items].find(([k]) => /^export\/scope\/backfill-[0-9a-f]{12}\/task$/.test(k));
        if (task?.[1].taskId?.S !== running[0].taskId) return false;
        scope = task[0].split('/')[2];
        stuckTask = running[0].taskId;
        return true;
      }).catch((e: unknown) => (waited = e));
      interrupt();
      expect(await first).toBe(1);
      expect(waited).toBeUndefined();
      const stopped = await scanTable(client, table);
      const base = `export/scope/${scope}/`;
      expect(stopped.get(`${base}group//app/api`)?.exportedUntil).toEqual({ N: String(SINCE + 2 * HOUR) });
      expect(stopped.get(`${base}task`)).toMatchObject({ taskId: { S: stuckTask }, from: { N: String(SINCE + 2 * HOUR) } });
      expect(stopped.get(`${base}leader`)?.leaseOwner).toBeUndefined();
      expect(unscoped(stopped).size).toBe(0);
      // The two windows committed, three events each; nothing of the third.
      expect(events()).toHaveLength(6);

      server.stuck = false;
      const c2 = capture(false);
      const stop = deadline(120_000);
      const code = await runExportCommand(args, { ...c2.io, clock: Date.now, deps, interrupted: stop.interrupted });
      stop.clear();
      expect(c2.err()).toContain('Resuming backfill');
      expect(scopeOf(c2.err())).toBe(scope);
      expect(code).toBe(0);
      expect(createsPerWindow()).toEqual(hourly('/app/api', 6));
      expect(server.calls.CreateExportTask).toBe(6);
      expect(
        events()
          .map((e) => e.message)
          .sort(),
      ).toEqual(Array.from({ length: 18 }, (_, i) => `/app/api ${i}`).sort());
      const done = await scanTable(client, table);
      expect(done.get(`${base}group//app/api`)?.exportedUntil).toEqual({ N: String(SINCE + 6 * HOUR) });
      expect(done.has(`${base}task`)).toBe(false);
    });

    test("the collector's pause entries do not apply to a backfill, and stay as they were", async () => {
      const { config, table, client, deps } = await dynamoBackfill();
      for (const g of ['/app/*', '*']) expect(await runExportCommand(['pause', g, '--config', config, '--reason', 'quiet'], { ...capture().io, deps })).toBe(0);
      const before = await scanTable(client, table);
      expect([...unscoped(before).keys()].filter((k) => k.startsWith('export/pause'))).toEqual(
        expect.arrayContaining(['export/pause//app/*', 'export/pause/*', 'export/pauses']),
      );

      const c = capture(false);
      const stop = deadline(120_000);
      const code = await runExportCommand(
        ['backfill', '--config', config, '--since', '2026-11-01', '--until', '2026-11-01T06:00:00Z', '--group', '/app/api', '--window', '10800'],
        { ...c.io, clock: Date.now, deps, interrupted: stop.interrupted },
      );
      stop.clear();
      expect(c.err()).not.toContain('Backfill interrupted');
      expect(code).toBe(0);
      expect(createsPerWindow()).toEqual({ '/app/api 2026-11-01T00:00:00.000Z': 1, '/app/api 2026-11-01T03:00:00.000Z': 1 });
      expect(events()).toHaveLength(18);

      const after = await scanTable(client, table);
      expect(unscoped(after)).toEqual(unscoped(before));
      expect([...after.keys()].filter((k) => /^export\/scope\/[^/]+\/pause/.test(k))).toEqual([]);
      expect((await replica(client, table, 'another-machine').store.control()).paused).toEqual({
        '/app/*': { since: new Date(NOW).toISOString(), reason: 'quiet' },
        '*': { since: new Date(NOW).toISOString(), reason: 'quiet' },
      });
    });
  });
});
