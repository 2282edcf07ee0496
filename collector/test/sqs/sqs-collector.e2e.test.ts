import { ChildProcess, spawnSync } from 'node:child_process';
import { COLLECTOR_BIN, getText, opsPortFromLogs, RunningCollector, startCollectorProcess } from '../support/ops';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { S3Emulator, SqsEmulator, startS3, startSqs, TEST_CREDENTIALS, TEST_REGION } from '../support/emulators';
import {
  byId,
  controlEnvelope,
  core,
  createQueue,
  dataEnvelope,
  DeliveredEvent,
  ensureBucket,
  expectedEvents,
  gzipMembers,
  putObject,
  queueCounts,
  readNdjson,
  s3Notification,
  s3TestEvent,
  sendJson,
  snsWrapped,
  TestQueue,
  waitFor,
} from './support';

/**
 * The collector as users run it (`cwl-siem-collector run --config FILE`, a separate process) in SQS
 * mode against fauxqs and s3rver, with the SDK clients it builds from the config: events of
 * announced objects reach the file sink, messages are deleted, an undecodable object is
 * dead-lettered and keeps its message, /metrics reports it all, and SIGTERM drains with exit 0.
 */

jest.setTimeout(60000);

const bin = COLLECTOR_BIN;
const BUCKET = 'cwl-e2e-objects';
let s3: S3Emulator;
let sqs: SqsEmulator;
let queue: TestQueue;
let dir: string;
const children: ChildProcess[] = [];

beforeAll(async () => {
  [s3, sqs] = await Promise.all([startS3(), startSqs()]);
  await ensureBucket(s3.client, BUCKET);
  queue = await createQueue(sqs.client, 'cwl-e2e-objects', 10);
  dir = mkdtempSync(join(tmpdir(), 'cwl-sqs-e2e-'));
});
afterAll(async () => {
  children.forEach((c) => c.exitCode === null && c.kill('SIGKILL'));
  await Promise.all([s3?.close(), sqs?.close()]);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/**
 * The config as users make it: `config from-terraform` over the central stack's outputs (as
 * `terraform output -json` prints them), with the emulators' endpoints and test paths set on top.
 */
function writeConfig(): string {
  const outputs = join(dir, 'outputs.json');
  const out = (value: string) => ({ sensitive: false, type: 'string', value });
  writeFileSync(
    outputs,
    JSON.stringify({
      region: out(TEST_REGION),
      account_id: out('000000000000'),
      central_bucket: out(BUCKET),
      central_prefix: out('firehose'),
      queue_url: out(queue.url),
      queue_arn: out(`arn:aws:sqs:${TEST_REGION}:000000000000:cwl-e2e-objects`),
    }),
  );
  const path = join(dir, 'collector.json');
  const made = spawnSync(
    process.execPath,
    [
      bin,
      'config',
      'from-terraform',
      '--outputs',
      outputs,
      '--mode',
      'sqs',
      '--sink',
      'file',
      '--path',
      join(dir, 'out', 'events.ndjson'),
      '--set',
      `source.endpoint=${sqs.endpoint}`,
      '--set',
      `source.s3=${JSON.stringify({ endpoint: s3.endpoint, forcePathStyle: true })}`,
      '--set',
      'source.waitTimeSeconds=1',
      '--set',
      'source.visibilityTimeoutSeconds=10',
      '--set',
      `state.dir=${join(dir, 'state')}`,
      '--set',
      `deadLetter.path=${join(dir, 'state', 'dead-letter.ndjson')}`,
      '--set',
      'sink.batchSize=7',
      '--set',
      'ops={"host":"127.0.0.1","port":0}',
      '--set',
      'shutdownTimeoutMs=10000',
      '--out',
      path,
    ],
    { encoding: 'utf8' },
  );
  if (made.status !== 0) throw new Error(`config from-terraform failed (${made.status}): ${made.stderr}`);
  return path;
}

type Running = RunningCollector;

function startCollector(config: string): Running {
  const running = startCollectorProcess(config, {
    AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
    AWS_REGION: TEST_REGION,
  });
  children.push(running.child);
  return running;
}

const delivered = () => readNdjson<DeliveredEvent>(join(dir, 'out'), 'events.ndjson');

const opsPort = (running: Running): number | undefined => opsPortFromLogs(running.logs());

/** Runs `check`; on failure, adds the collector's output to the error. */
async function withLogs(running: Running, check: () => Promise<void>): Promise<void> {
  try {
    await check();
  } catch (e) {
    throw new Error(`${(e as Error).message}\ncollector output:\n${running.logs().slice(-4000)}`, { cause: e });
  }
}

test('cwl-siem-collector run in sqs mode: delivers announced objects to the file sink, deletes their messages, dead-letters a bad object, reports /metrics, exits 0 on SIGTERM', async () => {
  const objects = {
    'firehose/2026/11/22/10/one': [dataEnvelope('e2e-one', 4)],
    'firehose/2026/11/22/10/two': [dataEnvelope('e2e-two-a', 3), controlEnvelope(), dataEnvelope('e2e-two-b', 5, '/aws/lambda/fn')],
    'firehose/2026/11/22/10/with space+plus': [dataEnvelope('e2e-three', 2)],
  };
  for (const [key, envelopes] of Object.entries(objects)) await putObject(s3.client, BUCKET, key, gzipMembers(envelopes));
  await putObject(s3.client, BUCKET, 'firehose/2026/11/22/10/broken', Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0xde, 0xad, 0xbe, 0xef]));
  await sendJson(sqs.client, queue, s3TestEvent(BUCKET));
  await sendJson(sqs.client, queue, s3Notification(BUCKET, ['firehose/2026/11/22/10/one', 'firehose/2026/11/22/10/two']));
  await sendJson(sqs.client, queue, snsWrapped(s3Notification(BUCKET, ['firehose/2026/11/22/10/with space+plus'])));
  await sendJson(sqs.client, queue, s3Notification(BUCKET, ['firehose/2026/11/22/10/broken']));
  const expected = expectedEvents(Object.values(objects).flat());

  const running = startCollector(writeConfig());
  await withLogs(running, async () => {
    await waitFor(`${expected.length} events delivered`, 30000, () => delivered().length >= expected.length);
    await waitFor('the dead letter', 10000, () => existsSync(join(dir, 'state', 'dead-letter.ndjson')));
    // Three messages deleted; the broken object's message stays (in flight until its visibility timeout).
    await waitFor('only the broken message left', 10000, async () => {
      const n = await queueCounts(sqs.client, queue);
      return n.visible + n.inFlight === 1;
    });
  });
  expect(delivered().map(core).sort(byId)).toEqual(expected.sort(byId));
  const dead = readNdjson<{ origin: Record<string, unknown> }>(join(dir, 'state'), 'dead-letter.ndjson');
  expect(dead[0].origin).toMatchObject({ kind: 'firehose-object', bucket: BUCKET, key: 'firehose/2026/11/22/10/broken' });

  const port = opsPort(running);
  expect(port).toBeDefined();
  const metrics = await getText(port!, '/metrics');
  expect(metrics).toMatch(new RegExp(`cwl_siem_collector_events_out_total\\{sink="file"\\} ${expected.length}\\b`));
  expect(metrics).toMatch(new RegExp(`cwl_siem_collector_events_in_total\\{source="sqs"\\} ${expected.length}\\b`));
  expect(metrics).toMatch(/cwl_siem_collector_control_messages_total 1\b/);
  expect(metrics).toMatch(/cwl_siem_collector_decode_errors_total\{reason="gzip"\} 1\b/);
  expect(metrics).toMatch(/cwl_siem_collector_bytes_in_total\{source="sqs"\} [1-9]\d*/);
  expect(running.logs()).toMatch(/"source":\{"type":"sqs","queue":"cwl-e2e-objects","region":"us-east-1"\}/);

  const t0 = Date.now();
  running.child.kill('SIGTERM');
  expect(await running.exited).toBe(0);
  expect(Date.now() - t0).toBeLessThan(10000);
  expect(delivered()).toHaveLength(expected.length);
});
