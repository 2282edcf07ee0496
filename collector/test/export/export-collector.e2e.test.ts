import { CreateBucketCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { completeLines, getText, opsPortFromLogs } from '../support/ops';
import { ChildProcess, spawn, spawnSync } from 'child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join, resolve } from 'path';
import { CwlExportServer, s3ObjectWriter, startCwlExportServer } from '../support/cwl-export-server';
import { S3Emulator, startS3, TEST_CREDENTIALS } from '../support/emulators';

/**
 * The export mode as users run it: a config written by `config from-terraform` from a stack's
 * outputs, `cwl-siem-collector run` as a separate process against the export API server (objects
 * in s3rver), and the `export pause|resume|status` commands changing a running collector.
 */

const bin = resolve(__dirname, '..', '..', 'bin', 'cwl-siem-collector.js');
const BUCKET = 'cwl-export-e2e';
const ACCOUNT = '123456789012';
const WINDOW = 60_000;
const env = {
  ...process.env,
  AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
  AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
  AWS_REGION: 'us-east-1',
};

let s3: S3Emulator;
let server: CwlExportServer;
let dir: string;
let child: ChildProcess | undefined;

beforeAll(async () => {
  s3 = await startS3();
  await s3.client.send(new CreateBucketCommand({ Bucket: BUCKET }));
  server = await startCwlExportServer({ writeObject: s3ObjectWriter(s3.client, PutObjectCommand), taskDelayMs: 20, accountId: ACCOUNT });
  dir = mkdtempSync(join(tmpdir(), 'cwl-export-e2e-'));
});
afterAll(async () => {
  child?.kill('SIGKILL');
  await server?.close();
  await s3?.close();
  rmSync(dir, { recursive: true, force: true });
});

const cli = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env });

function delivered(): { message: string; logGroup: string; logStream: string; owner: string; id: string }[] {
  const file = join(dir, 'out', 'events.ndjson');
  if (!existsSync(file)) return [];
  return completeLines(readFileSync(file, 'utf8')).map((l) => JSON.parse(l));
}

async function waitFor(what: string, timeoutMs: number, check: () => boolean, logs: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\ncollector output:\n${logs().slice(-4000)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('config from-terraform → run → pause/resume/status, every event once, objects deleted, SIGTERM exits 0', async () => {
  const T0 = Math.floor(Date.now() / WINDOW) * WINDOW - 4 * WINDOW;
  const expected: string[] = [];
  for (const group of ['/app/api', '/app/web']) {
    server.addLogGroup(group);
    for (const stream of ['a', 'b']) {
      const events = Array.from({ length: 12 }, (_, i) => ({ timestamp: T0 + i * 20_000, message: `${group} ${stream} ${i}` }));
      events.forEach((e) => expected.push(e.message));
      server.putEvents(group, stream, events);
    }
  }

  // The stack's outputs, as `terraform output -json` prints them (an IAM user: the collector runs with its keys).
  const outputs = join(dir, 'outputs.json');
  const out = (value: string) => ({ sensitive: false, type: 'string', value });
  writeFileSync(
    outputs,
    JSON.stringify({
      region: out('us-east-1'),
      account_id: out(ACCOUNT),
      export_bucket: out(BUCKET),
      export_prefix: out('exportedlogs'),
      export_collector_arn: out(`arn:aws:iam::${ACCOUNT}:user/cwl-siem-export-collector`),
    }),
  );
  const config = join(dir, 'collector.json');
  const made = cli(
    'config',
    'from-terraform',
    '--outputs',
    outputs,
    '--mode',
    'export',
    '--sink',
    'file',
    '--path',
    join(dir, 'out', 'events.ndjson'),
    '--set',
    `source.endpoint=${server.endpoint}`,
    '--set',
    `source.s3=${JSON.stringify({ endpoint: s3.endpoint, forcePathStyle: true })}`,
    '--set',
    `source.startTime=${new Date(T0).toISOString()}`,
    '--set',
    'source.settleSeconds=0',
    '--set',
    'source.windowSeconds=60',
    '--set',
    'source.maxWindowsPerTask=1',
    '--set',
    'source.pollIntervalSeconds=0.05',
    '--set',
    `state.dir=${join(dir, 'state')}`,
    '--set',
    `deadLetter.path=${join(dir, 'state', 'dead-letter.ndjson')}`,
    '--set',
    'ops={"host":"127.0.0.1","port":0}',
    '--out',
    config,
  );
  expect(made.stderr).toContain('export_collector_arn is an IAM user');
  expect(made.status).toBe(0);
  expect(JSON.parse(readFileSync(config, 'utf8')).source).toMatchObject({ type: 'export', bucket: BUCKET, prefix: 'exportedlogs', region: 'us-east-1' });

  // Paused before the collector starts: /app/web gets no task.
  const paused = cli('export', 'pause', '/app/web', '--config', config, '--reason', 'e2e');
  expect(paused.status).toBe(0);

  child = spawn(process.execPath, [bin, 'run', '--config', config], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let logs = '';
  child.stdout!.on('data', (c: Buffer) => (logs += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (logs += c.toString()));
  const exited = new Promise<number | null>((r) => child!.once('exit', (code) => r(code)));

  const api = expected.filter((m) => m.startsWith('/app/api'));
  await waitFor(
    'the /app/api events',
    30_000,
    () => api.every((m) => delivered().some((e) => e.message === m)),
    () => logs,
  );
  expect(server.tasks().filter((t) => t.logGroupName === '/app/web')).toEqual([]);

  const status = cli('export', 'status', '--config', config);
  expect(status.status).toBe(0);
  expect(status.stdout).toMatch(/\/app\/web\s+paused\s/);
  expect(status.stdout).toMatch(/\/app\/api\s+active\s/);

  // Resumed while running: picked up without a restart.
  expect(cli('export', 'resume', '/app/web', '--config', config).status).toBe(0);
  await waitFor(
    'every event',
    30_000,
    () => expected.every((m) => delivered().some((e) => e.message === m)),
    () => logs,
  );

  const events = delivered();
  expect(events.map((e) => e.message).sort()).toEqual([...expected].sort());
  expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
  expect(events.every((e) => e.owner === ACCOUNT && ['a', 'b'].includes(e.logStream) && e.message.startsWith(e.logGroup))).toBe(true);

  const port = opsPortFromLogs(logs)!;
  const metrics = await getText(port, '/metrics');
  expect(metrics).toMatch(/cwl_siem_collector_export_tasks_total\{result="completed"\} \d+/);
  expect(metrics).toMatch(new RegExp(`cwl_siem_collector_events_in_total\\{source="export"\\} ${expected.length}`));

  // Deleted after each window's commit, which follows its delivery.
  const left = async () =>
    ((await s3.client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'exportedlogs/' }))).Contents ?? [])
      .map((c) => c.Key!)
      .filter((k) => !k.endsWith('aws-logs-write-test'));
  for (let i = 0; i < 100 && (await left()).length; i++) await new Promise((r) => setTimeout(r, 100));
  expect(await left()).toEqual([]);

  const stoppedAt = Date.now();
  child.kill('SIGTERM');
  expect(await exited).toBe(0);
  expect(Date.now() - stoppedAt).toBeLessThan(10_000);
  child = undefined;
});
