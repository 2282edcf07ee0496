/**
 * The collector built from a config file (buildCollector, as `run` does) in SQS mode against s3rver
 * and fauxqs, given what the bad-input suite feeds the decoders: an export-task object whose second
 * gzip member is a 1 GiB bomb (the `auto` format) is refused at limits.maxDecompressedBytes,
 * counted as decode_errors_total{reason="too-large"}, dead-lettered and left to the queue's DLQ;
 * a message nested 5,000 levels is delivered once, unparsed; the objects announced after both are
 * delivered, and their messages deleted.
 */
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as zlib from 'node:zlib';
import { buildCollector, Collector } from '../../src/app';
import { loadCollectorConfig } from '../../src/config/load';
import { silentLogger } from '../../src/ops/log';
import { S3Emulator, s3ClientFor, SqsEmulator, sqsClientFor, startS3, startSqs } from '../support/emulators';
import { createQueue, ensureBucket, putObject, queueCounts, readNdjson, s3Notification, sendJson, waitFor } from '../sqs/support';
import { deepJson, gzipBomb } from './inputs';

jest.setTimeout(30000);

const BUCKET = 'cwl-badinput';
let s3: S3Emulator;
let sqs: SqsEmulator;
let dir: string;
let collector: Collector | undefined;

beforeAll(async () => {
  [s3, sqs] = await Promise.all([startS3(), startSqs()]);
  await ensureBucket(s3.client, BUCKET);
  dir = mkdtempSync(join(tmpdir(), 'cwl-badinput-e2e-'));
});
afterAll(async () => {
  await collector?.stop();
  await Promise.all([s3?.close(), sqs?.close()]);
  rmSync(dir, { recursive: true, force: true });
});

interface Line {
  readonly message: string;
  readonly type?: string;
  readonly fields?: unknown;
  readonly source: { readonly key: string; readonly offset: number };
}

test('a bomb in a later member is refused at the configured cap, counted and dead-lettered; a deep JSON message is delivered unparsed; the next objects are delivered', async () => {
  const dlq = await createQueue(sqs.client, 'cwl-badinput-dlq', 30);
  const queue = await createQueue(sqs.client, 'cwl-badinput', 2, { dlq, maxReceiveCount: 1 });
  const bombKey = 'exportedlogs/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0/i-0bomb/000000.gz';
  await putObject(s3.client, BUCKET, bombKey, Buffer.concat([zlib.gzipSync('2026-11-22T10:00:00.000Z before the bomb\n'), gzipBomb(1024 * 1024 * 1024)]));
  const deep = deepJson(5000);
  const deepKey = 'exportedlogs/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0/i-0deep/000000.gz';
  await putObject(s3.client, BUCKET, deepKey, zlib.gzipSync(`2026-11-22T10:00:01.000Z ${deep}\n2026-11-22T10:00:02.000Z {"after":"deep"}\n`));
  const nextKey = 'exportedlogs/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0/i-0next/000000.gz';
  await putObject(s3.client, BUCKET, nextKey, zlib.gzipSync('2026-11-22T10:00:03.000Z the next object\n'));

  const path = join(dir, 'collector.json');
  writeFileSync(
    path,
    JSON.stringify({
      source: {
        type: 'sqs',
        queueUrl: queue.url,
        region: 'us-east-1',
        endpoint: sqs.endpoint,
        s3: { endpoint: s3.endpoint, forcePathStyle: true },
        waitTimeSeconds: 1,
        visibilityTimeoutSeconds: 10,
        objects: { format: 'auto', logGroup: '/exported' },
      },
      state: { type: 'file', dir: join(dir, 'state') },
      deadLetter: { path: join(dir, 'state', 'dead-letter.ndjson') },
      sink: { type: 'file', path: join(dir, 'out', 'events.ndjson') },
      ops: { host: '127.0.0.1', port: 0 },
      limits: { maxDecompressedBytes: 1048576 },
      shutdownTimeoutMs: 10000,
    }),
  );
  const config = loadCollectorConfig(path, {});
  collector = buildCollector(
    { ...config, source: { ...config.source, visibilityTimeoutSeconds: 2 } as typeof config.source },
    {
      logger: silentLogger(),
      env: {},
      clients: { sqs: sqsClientFor(sqs.endpoint), s3: s3ClientFor(s3.endpoint) },
    },
  );
  await collector.start();
  for (const key of [bombKey, deepKey, nextKey]) await sendJson(sqs.client, queue, s3Notification(BUCKET, [key]));

  const delivered = () => readNdjson<Line>(join(dir, 'out'), 'events.ndjson');
  await waitFor('the bomb message in the DLQ', 20000, async () => (await queueCounts(sqs.client, dlq)).visible === 1);
  await waitFor('the other messages deleted', 20000, async () => {
    const n = await queueCounts(sqs.client, queue);
    return n.visible === 0 && n.inFlight === 0;
  });

  const dead = readNdjson<{ origin: { key: string }; error: string }>(join(dir, 'state'), 'dead-letter.ndjson');
  expect(dead.map((d) => [d.origin.key, d.error])).toEqual([[bombKey, 'gzip data decompresses to more than 1048576 bytes (limits.maxDecompressedBytes)']]);
  const tooLarge = (await collector.metrics.decodeErrors.get()).values.filter((v) => v.labels.reason === 'too-large');
  expect(tooLarge.map((v) => v.value)).toEqual([1]);

  // Messages are worked on concurrently: order by object, then by place in it.
  const lines = delivered().sort((a, b) => a.source.key.localeCompare(b.source.key) || a.source.offset - b.source.offset);
  expect(lines.filter((l) => l.source.key === bombKey)).toEqual([]);
  expect(lines.filter((l) => l.source.key !== bombKey).map((l) => [l.message === deep ? 'deep' : l.message, l.type, l.fields])).toEqual([
    ['deep', undefined, undefined],
    ['{"after":"deep"}', 'json', { after: 'deep' }],
    ['the next object', undefined, undefined],
  ]);
  expect(await collector.stop()).toBe(0);
  collector = undefined;
});
