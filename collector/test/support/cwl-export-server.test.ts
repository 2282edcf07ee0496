import {
  CancelExportTaskCommand,
  CloudWatchLogsClient,
  CreateExportTaskCommand,
  CreateExportTaskCommandInput,
  DescribeExportTasksCommand,
  DescribeLogGroupsCommand,
  ExportTask,
  paginateDescribeLogGroups,
} from '@aws-sdk/client-cloudwatch-logs';
import { gunzipSync } from 'node:zlib';
import { CwlExportServer, exportLines, memoryObjectWriter, s3ObjectWriter, startCwlExportServer } from './cwl-export-server';

jest.setTimeout(15000);

const BUCKET = 'export-bucket';
const T0 = Date.UTC(2026, 0, 2, 3, 4, 5, 6);

function client(server: CwlExportServer, maxAttempts?: number): CloudWatchLogsClient {
  return new CloudWatchLogsClient({
    endpoint: server.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' },
    ...(maxAttempts !== undefined ? { maxAttempts } : {}),
  });
}

async function describeUntilDone(cwl: CloudWatchLogsClient, taskId: string): Promise<ExportTask> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const out = await cwl.send(new DescribeExportTasksCommand({ taskId }));
    const task = out.exportTasks?.[0];
    if (!task) throw new Error(`task ${taskId} not described`);
    if (task.status?.code !== 'PENDING' && task.status?.code !== 'RUNNING') return task;
    if (Date.now() > deadline) throw new Error(`task still ${task.status?.code}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function exportInput(overrides: Partial<CreateExportTaskCommandInput> = {}): CreateExportTaskCommandInput {
  return {
    taskName: 'export-1',
    logGroupName: '/app/api',
    from: T0,
    to: T0 + 10_000,
    destination: BUCKET,
    destinationPrefix: 'exports/api',
    ...overrides,
  };
}

describe('CloudWatch Logs export test server', () => {
  let server: CwlExportServer;
  let cwl: CloudWatchLogsClient;
  let store: ReturnType<typeof memoryObjectWriter>;

  beforeEach(async () => {
    store = memoryObjectWriter();
    server = await startCwlExportServer({ writeObject: store.writeObject, taskDelayMs: 20 });
    cwl = client(server);
  });

  afterEach(async () => {
    cwl.destroy();
    await server.close();
  });

  it('describes log groups with a prefix and pages with nextToken/limit', async () => {
    for (let i = 0; i < 7; i++) server.addLogGroup(`/app/g${i}`, T0 + i);
    server.addLogGroup('/other/x');

    const first = await cwl.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: '/app/', limit: 3 }));
    expect(first.logGroups?.map((g) => g.logGroupName)).toEqual(['/app/g0', '/app/g1', '/app/g2']);
    expect(first.logGroups?.[0]).toMatchObject({
      creationTime: T0,
      arn: 'arn:aws:logs:us-east-1:123456789012:log-group:/app/g0:*',
      logGroupArn: 'arn:aws:logs:us-east-1:123456789012:log-group:/app/g0',
    });
    expect(first.nextToken).toEqual(expect.any(String));

    const names: string[] = [];
    for await (const page of paginateDescribeLogGroups({ client: cwl, pageSize: 3 }, { logGroupNamePrefix: '/app/' })) {
      expect(page.logGroups!.length).toBeLessThanOrEqual(3);
      names.push(...page.logGroups!.map((g) => g.logGroupName!));
    }
    expect(names).toEqual(['/app/g0', '/app/g1', '/app/g2', '/app/g3', '/app/g4', '/app/g5', '/app/g6']);

    const all = await cwl.send(new DescribeLogGroupsCommand({}));
    expect(all.logGroups).toHaveLength(8);
    expect(all.nextToken).toBeUndefined();
    expect(server.calls.DescribeLogGroups).toBe(5);

    await expect(cwl.send(new DescribeLogGroupsCommand({ nextToken: 'garbage!' }))).rejects.toMatchObject({
      name: 'InvalidParameterException',
    });
  });

  it('runs an export task PENDING → RUNNING → COMPLETED and writes the AWS layout', async () => {
    server.taskDelayMs = 100;
    server.addLogGroup('/app/api');
    server.putEvents('/app/api', 'i-b', [
      { timestamp: T0 + 3000, message: 'b third' },
      { timestamp: T0 + 1000, message: 'b first' },
      { timestamp: T0 + 10_000, message: 'b at to: included' },
      { timestamp: T0 + 10_001, message: 'b after to: excluded' },
      { timestamp: T0 - 1, message: 'b before from: excluded' },
    ]);
    server.putEvents('/app/api', 'i-a', [{ timestamp: T0, message: 'a at from: included {"k":1}' }]);
    server.putEvents('/app/api', 'i-empty', [{ timestamp: T0 + 20_000, message: 'outside' }]);
    server.putEvents('/app/api', 'i-b', [{ timestamp: T0 + 2000, message: 'b second' }]);

    const { taskId } = await cwl.send(new CreateExportTaskCommand(exportInput()));
    expect(taskId).toMatch(/^[0-9a-f-]{36}$/);
    // The write-test marker is written at creation.
    expect(store.objects.get(`${BUCKET}/exports/api/aws-logs-write-test`)?.toString()).toBe('Permission Check Successful');

    const seen = new Set<string>();
    const deadline = Date.now() + 5000;
    let task: ExportTask | undefined;
    while (Date.now() < deadline) {
      task = (await cwl.send(new DescribeExportTasksCommand({ taskId }))).exportTasks?.[0];
      seen.add(task!.status!.code!);
      if (task!.status!.code === 'COMPLETED') break;
      await new Promise((r) => setTimeout(r, 5));
    }
    expect([...seen]).toEqual(['PENDING', 'RUNNING', 'COMPLETED']);
    expect(task).toMatchObject({
      taskId,
      taskName: 'export-1',
      logGroupName: '/app/api',
      from: T0,
      to: T0 + 10_000,
      destination: BUCKET,
      destinationPrefix: 'exports/api',
      status: { code: 'COMPLETED' },
    });
    expect(task!.executionInfo!.completionTime).toBeGreaterThanOrEqual(task!.executionInfo!.creationTime!);

    expect([...store.objects.keys()].sort()).toEqual(
      [`${BUCKET}/exports/api/${taskId}/i-a/000000.gz`, `${BUCKET}/exports/api/${taskId}/i-b/000000.gz`, `${BUCKET}/exports/api/aws-logs-write-test`].sort(),
    );
    const text = (key: string) => gunzipSync(store.objects.get(`${BUCKET}/exports/api/${taskId}/${key}`)!).toString('utf8');
    expect(text('i-b/000000.gz')).toBe(
      '2026-01-02T03:04:06.006Z b first\n2026-01-02T03:04:07.006Z b second\n2026-01-02T03:04:08.006Z b third\n2026-01-02T03:04:15.006Z b at to: included\n',
    );
    expect(text('i-a/000000.gz')).toBe('2026-01-02T03:04:05.006Z a at from: included {"k":1}\n');
    expect(exportLines([{ timestamp: T0, message: 'x' }])).toBe('2026-01-02T03:04:05.006Z x\n');
    expect(server.calls.CreateExportTask).toBe(1);
  });

  it('honours logStreamNamePrefix, the default in-memory store and eventsPerObject', async () => {
    const own = await startCwlExportServer({ taskDelayMs: 5, eventsPerObject: 2 });
    const c = client(own);
    try {
      own.addLogGroup('g');
      own.putEvents(
        'g',
        'web-1',
        [1, 2, 3].map((n) => ({ timestamp: T0 + n, message: `m${n}` })),
      );
      own.putEvents('g', 'db-1', [{ timestamp: T0, message: 'db' }]);
      const { taskId } = await c.send(
        new CreateExportTaskCommand({ logGroupName: 'g', from: T0, to: T0 + 100, destination: 'b', logStreamNamePrefix: 'web-' }),
      );
      expect((await describeUntilDone(c, taskId!)).status?.code).toBe('COMPLETED');
      expect([...own.objects.keys()].sort()).toEqual(
        [`b/exportedlogs/${taskId}/web-1/000000.gz`, `b/exportedlogs/${taskId}/web-1/000001.gz`, 'b/exportedlogs/aws-logs-write-test'].sort(),
      );
      expect(gunzipSync(own.objects.get(`b/exportedlogs/${taskId}/web-1/000001.gz`)!).toString()).toBe('2026-01-02T03:04:05.009Z m3\n');
    } finally {
      c.destroy();
      await own.close();
    }
  });

  it('allows one active task per account: a second concurrent task gets LimitExceededException', async () => {
    server.stuck = true;
    server.addLogGroup('/app/api');
    server.addLogGroup('/app/web');
    const { taskId } = await cwl.send(new CreateExportTaskCommand(exportInput()));
    await expect(cwl.send(new CreateExportTaskCommand(exportInput({ logGroupName: '/app/web' })))).rejects.toMatchObject({
      name: 'LimitExceededException',
      $metadata: { httpStatusCode: 400 },
    });
    // The SDK classifies LimitExceededException as throttling and retries it (3 attempts by default).
    expect(server.calls.CreateExportTask).toBe(1 + 3);
    // Stuck: reaches RUNNING and stays there.
    await new Promise((r) => setTimeout(r, 150));
    const running = await cwl.send(new DescribeExportTasksCommand({ statusCode: 'RUNNING' }));
    expect(running.exportTasks?.map((t) => t.taskId)).toEqual([taskId]);
    expect(store.objects.size).toBe(1); // only the marker

    // Unstick: it completes, and a new task may start.
    server.stuck = false;
    expect((await describeUntilDone(cwl, taskId!)).status?.code).toBe('COMPLETED');
    const second = await cwl.send(new CreateExportTaskCommand(exportInput({ logGroupName: '/app/web' })));
    expect(second.taskId).toBeDefined();
  });

  it('cancels an active task and rejects cancelling a finished one', async () => {
    server.stuck = true;
    server.addLogGroup('/app/api');
    server.putEvents('/app/api', 's', [{ timestamp: T0, message: 'x' }]);
    const { taskId } = await cwl.send(new CreateExportTaskCommand(exportInput()));
    await cwl.send(new CancelExportTaskCommand({ taskId }));
    const task = (await cwl.send(new DescribeExportTasksCommand({ taskId }))).exportTasks![0]!;
    expect(task.status?.code).toBe('CANCELLED');

    await expect(cwl.send(new CancelExportTaskCommand({ taskId }))).rejects.toMatchObject({ name: 'InvalidOperationException' });
    await expect(cwl.send(new CancelExportTaskCommand({ taskId: 'nope' }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });

    // The slot is free again; the cancelled task never writes data.
    server.stuck = false;
    const next = await cwl.send(new CreateExportTaskCommand(exportInput()));
    expect((await describeUntilDone(cwl, next.taskId!)).status?.code).toBe('COMPLETED');
    expect([...store.objects.keys()].filter((k) => k.includes(taskId!))).toEqual([]);
    expect(server.calls.CancelExportTask).toBe(3);
  });

  it('fails tasks on request: the next one, or a given active one', async () => {
    server.addLogGroup('/app/api');
    server.putEvents('/app/api', 's', [{ timestamp: T0, message: 'x' }]);

    server.failTask('next');
    const a = await cwl.send(new CreateExportTaskCommand(exportInput()));
    const failed = await describeUntilDone(cwl, a.taskId!);
    expect(failed.status?.code).toBe('FAILED');
    expect(failed.status?.message).toEqual(expect.any(String));
    expect([...store.objects.keys()].filter((k) => k.endsWith('.gz'))).toEqual([]);

    server.stuck = true;
    const b = await cwl.send(new CreateExportTaskCommand(exportInput()));
    server.failTask(b.taskId!);
    expect(server.task(b.taskId!)?.status.code).toBe('FAILED');
    expect(() => server.failTask(b.taskId!)).toThrow(/already FAILED/);

    const byStatus = await cwl.send(new DescribeExportTasksCommand({ statusCode: 'FAILED', limit: 1 }));
    expect(byStatus.exportTasks?.map((t) => t.taskId)).toEqual([a.taskId]);
    const rest = await cwl.send(new DescribeExportTasksCommand({ statusCode: 'FAILED', limit: 1, nextToken: byStatus.nextToken }));
    expect(rest.exportTasks?.map((t) => t.taskId)).toEqual([b.taskId]);
    expect(rest.nextToken).toBeUndefined();
  });

  it('fails a task whose data cannot be written', async () => {
    let calls = 0;
    const flaky = await startCwlExportServer({
      taskDelayMs: 5,
      writeObject: async () => {
        if (++calls > 1) throw new Error('AccessDenied');
      },
    });
    const c = client(flaky);
    try {
      flaky.addLogGroup('g');
      flaky.putEvents('g', 's', [{ timestamp: T0, message: 'x' }]);
      const { taskId } = await c.send(new CreateExportTaskCommand({ logGroupName: 'g', from: T0, to: T0 + 1, destination: 'b' }));
      const done = await describeUntilDone(c, taskId!);
      expect(done.status).toMatchObject({ code: 'FAILED', message: expect.stringContaining('AccessDenied') });
    } finally {
      c.destroy();
      await flaky.close();
    }
  });

  it('injects ThrottlingException and LimitExceededException on the next call', async () => {
    server.addLogGroup('/app/api');
    const once = client(server, 1);
    try {
      server.failNext('Throttling', 'DescribeLogGroups');
      await expect(once.send(new DescribeLogGroupsCommand({}))).rejects.toMatchObject({
        name: 'ThrottlingException',
        message: 'Rate exceeded',
        $metadata: { httpStatusCode: 400 },
      });
      await expect(once.send(new DescribeLogGroupsCommand({}))).resolves.toBeDefined();

      // Bound to an operation: other operations are not affected.
      server.failNext('LimitExceeded', 'DescribeExportTasks');
      await expect(once.send(new DescribeLogGroupsCommand({}))).resolves.toBeDefined();
      await expect(once.send(new DescribeExportTasksCommand({}))).rejects.toMatchObject({ name: 'LimitExceededException' });

      // Unbound: hits whichever call comes next.
      server.failNext('Throttling');
      await expect(once.send(new CancelExportTaskCommand({ taskId: 'x' }))).rejects.toMatchObject({ name: 'ThrottlingException' });
    } finally {
      once.destroy();
    }

    // The SDK's default retry strategy retries throttling: the call succeeds on the second attempt.
    const before = server.calls.DescribeLogGroups!;
    server.failNext('Throttling', 'DescribeLogGroups');
    const out = await cwl.send(new DescribeLogGroupsCommand({}));
    expect(out.logGroups).toHaveLength(1);
    expect(server.calls.DescribeLogGroups! - before).toBe(2);
  });

  it('validates CreateExportTask like the service', async () => {
    server.addLogGroup('/app/api');
    await expect(cwl.send(new CreateExportTaskCommand(exportInput({ logGroupName: '/missing' })))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
    await expect(cwl.send(new CreateExportTaskCommand(exportInput({ from: T0 + 5, to: T0 })))).rejects.toMatchObject({
      name: 'InvalidParameterException',
    });
    expect(server.tasks()).toEqual([]);
  });

  it('s3ObjectWriter sends PutObject commands through an S3-like client', async () => {
    const sent: unknown[] = [];
    class FakePut {
      constructor(readonly input: { Bucket: string; Key: string; Body: Buffer }) {}
    }
    const write = s3ObjectWriter({ send: async (cmd: unknown) => sent.push(cmd) }, FakePut);
    await write('b', 'k/1.gz', Buffer.from('x'));
    expect(sent).toHaveLength(1);
    expect((sent[0] as FakePut).input).toMatchObject({ Bucket: 'b', Key: 'k/1.gz', Body: Buffer.from('x') });
  });
});
