import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, IncomingMessage, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { buildCollector, Collector } from '../../src/app';
import { CollectorConfig, loadCollectorConfig, SqsSourceConfig } from '../../src/config/load';
import { silentLogger } from '../../src/ops/log';
import { S3Emulator, s3ClientFor, SqsEmulator, sqsClientFor, startS3, startSqs } from '../support/emulators';
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
  OWNER,
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
 * The collector in SQS mode, built in process (buildCollector) against s3rver and fauxqs: S3 event
 * notifications announce objects, their events reach a file (or HTTP) sink, and the message is
 * deleted only after delivery; undecodable objects keep their message until the queue's redrive
 * policy moves it to the DLQ; a slow sink keeps the message invisible by extending its visibility.
 */

jest.setTimeout(30000);

const BUCKET = 'cwl-firehose';
let s3: S3Emulator;
let sqs: SqsEmulator;
let dir: string;
let queueSeq = 0;
const collectors: Collector[] = [];

beforeAll(async () => {
  [s3, sqs] = await Promise.all([startS3(), startSqs()]);
  await ensureBucket(s3.client, BUCKET);
});
afterAll(async () => {
  await Promise.all([s3?.close(), sqs?.close()]);
});
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cwl-sqs-mode-'));
});
afterEach(async () => {
  for (const c of collectors.splice(0)) await c.stop();
  rmSync(dir, { recursive: true, force: true });
});

interface Options {
  readonly objects?: Partial<SqsSourceConfig['objects']>;
  /** Set after validation: the schema's minimum (10 s) would make the visibility tests slow. */
  readonly visibilityTimeoutSeconds?: number;
  readonly sink?: Record<string, unknown>;
}

/** A config file for `queue`, loaded and validated as `run --config` does it. */
function config(queue: TestQueue, o: Options = {}): CollectorConfig {
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
        objects: o.objects ?? {},
      },
      state: { type: 'file', dir: join(dir, 'state') },
      deadLetter: { path: join(dir, 'state', 'dead-letter.ndjson') },
      sink: o.sink ?? { type: 'file', path: join(dir, 'out', 'events.ndjson') },
      ops: { host: '127.0.0.1', port: 0 },
      shutdownTimeoutMs: 10000,
    }),
  );
  const loaded = loadCollectorConfig(path, {});
  if (o.visibilityTimeoutSeconds === undefined) return loaded;
  return { ...loaded, source: { ...(loaded.source as SqsSourceConfig), visibilityTimeoutSeconds: o.visibilityTimeoutSeconds } };
}

async function start(cfg: CollectorConfig, sqsClient: SQSClient = sqsClientFor(sqs.endpoint)): Promise<Collector> {
  const collector = buildCollector(cfg, { logger: silentLogger(), env: {}, clients: { sqs: sqsClient, s3: s3ClientFor(s3.endpoint) } });
  collectors.push(collector);
  await collector.start();
  return collector;
}

const newQueue = (visibilityTimeoutSeconds = 10, redrive?: { dlq: TestQueue; maxReceiveCount: number }) =>
  createQueue(sqs.client, `cwl-objects-${++queueSeq}`, visibilityTimeoutSeconds, redrive);
const delivered = (): DeliveredEvent[] => readNdjson<DeliveredEvent>(join(dir, 'out'), 'events.ndjson');
const deadLetters = (): { origin: { kind: string; bucket?: string; key?: string }; code: string; data: string }[] =>
  readNdjson(join(dir, 'state'), 'dead-letter.ndjson');

/** Waits until `count` events were delivered and every message is gone from the queue (deleted). */
async function waitDrained(queue: TestQueue, count: number): Promise<void> {
  await waitFor(`${count} events delivered`, 15000, () => delivered().length >= count);
  await waitFor('the queue to be empty', 15000, async () => {
    const n = await queueCounts(sqs.client, queue);
    return n.visible === 0 && n.inFlight === 0;
  });
}

const metricValue = async (c: Collector, name: 'controlMessages' | 'eventsIn' | 'decodeErrors', labels: Record<string, string> = {}) =>
  (await c.metrics[name].get()).values.filter((v) => Object.entries(labels).every(([k, val]) => v.labels[k as never] === val)).reduce((s, v) => s + v.value, 0);

describe('SQS mode against s3rver and fauxqs', () => {
  test('Firehose objects of 1, 2 and 5 gzip members arrive complete, control messages are dropped and counted, and every message is deleted', async () => {
    const queue = await newQueue();
    const objects = {
      'firehose/2026/11/22/10/cwl-siem-1-2026-11-22-10-00-00-aaaa': [dataEnvelope('one', 3)],
      'firehose/2026/11/22/10/cwl-siem-1-2026-11-22-10-00-05-bbbb': [dataEnvelope('two-a', 2), controlEnvelope(), dataEnvelope('two-b', 1, '/aws/lambda/fn')],
      'firehose/2026/11/22/10/cwl-siem-1-2026-11-22-10-00-10-cccc': ['f0', 'f1', 'f2', 'f3', 'f4'].map((t, i) =>
        dataEnvelope(`five-${t}`, i + 1, `/app/group-${i % 2}`),
      ),
    };
    const expected: (ReturnType<typeof expectedEvents>[number] & { key: string })[] = [];
    for (const [key, envelopes] of Object.entries(objects)) {
      await putObject(s3.client, BUCKET, key, gzipMembers(envelopes));
      expected.push(...expectedEvents(envelopes).map((e) => ({ ...e, key })));
    }
    const collector = await start(config(queue));
    for (const key of Object.keys(objects)) await sendJson(sqs.client, queue, s3Notification(BUCKET, [key]));

    await waitDrained(queue, expected.length);
    const events = delivered();
    expect(events.map(core).sort(byId)).toEqual(expected.map(({ key: _key, ...e }) => e).sort(byId));
    for (const e of events) expect(e.source).toMatchObject({ kind: 'firehose-object', bucket: BUCKET, key: expected.find((x) => x.id === e.id)!.key });
    expect(await metricValue(collector, 'controlMessages')).toBe(1);
    expect(await metricValue(collector, 'eventsIn', { source: 'sqs' })).toBe(expected.length);
    expect(await metricValue(collector, 'decodeErrors')).toBe(0);
    expect(existsSync(join(dir, 'state', 'dead-letter.ndjson'))).toBe(false);
    // Nothing comes back after the messages were deleted.
    const again = await sqs.client.send(new ReceiveMessageCommand({ QueueUrl: queue.url, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }));
    expect(again.Messages ?? []).toEqual([]);
    expect(await collector.stop()).toBe(0);
  });

  test('one notification announcing two objects of JSON payloads back to back without gzip (with and without newlines) delivers both and deletes the message once', async () => {
    const queue = await newQueue();
    const a = [dataEnvelope('plain-a', 2), dataEnvelope('plain-b', 3)];
    const b = [dataEnvelope('nl-a', 1), controlEnvelope(), dataEnvelope('nl-b', 2)];
    await putObject(s3.client, BUCKET, 'json/no-newlines', a.map((e) => JSON.stringify(e)).join(''));
    await putObject(s3.client, BUCKET, 'json/newlines', b.map((e) => JSON.stringify(e) + '\n').join(''));
    const collector = await start(config(queue));
    await sendJson(sqs.client, queue, s3Notification(BUCKET, ['json/no-newlines', 'json/newlines']));

    const expected = expectedEvents([...a, ...b]);
    await waitDrained(queue, expected.length);
    const events = delivered();
    expect(events.map(core).sort(byId)).toEqual(expected.sort(byId));
    expect(new Set(events.filter((e) => e.id.startsWith('plain-')).map((e) => e.source.key))).toEqual(new Set(['json/no-newlines']));
    expect(new Set(events.filter((e) => e.id.startsWith('nl-')).map((e) => e.source.key))).toEqual(new Set(['json/newlines']));
    expect(await metricValue(collector, 'controlMessages')).toBe(1);
  });

  test('an object of extracted message lines gets the configured log group and owner and its LastModified as timestamp; an export-task object is read by its key layout', async () => {
    const queue = await newQueue();
    const linesKey = 'extracted/2026/11/22/lines-0001';
    const linesModified = await putObject(s3.client, BUCKET, linesKey, 'GET /index.html 200\nPOST /login 302\n\nlast line without a newline');
    const exportKey = 'exportedlogs/7c2f1e2a-5b7d-4f7e-9a55-0123456789ab/i-0123456789abcdef0/000000.gz';
    await putObject(s3.client, BUCKET, exportKey, gzipSync('2026-11-22T10:00:00.000Z first\n2026-11-22T10:00:01.500Z second\ncontinued\n'));
    await start(config(queue, { objects: { format: 'auto', logGroup: '/firehose/extracted', owner: OWNER } }));
    await sendJson(sqs.client, queue, s3Notification(BUCKET, [linesKey]));
    await sendJson(sqs.client, queue, s3Notification(BUCKET, [exportKey]));

    await waitDrained(queue, 5);
    const events = delivered();
    expect(events).toHaveLength(5);
    const lines = events.filter((e) => e.source.key === linesKey).sort((x, y) => x.source.offset - y.source.offset);
    expect(lines.map((e) => e.message)).toEqual(['GET /index.html 200', 'POST /login 302', 'last line without a newline']);
    for (const e of lines)
      expect(e).toMatchObject({
        owner: OWNER,
        logGroup: '/firehose/extracted',
        logStream: '',
        timestamp: linesModified,
        source: { kind: 'firehose-object', bucket: BUCKET },
      });
    const exported = events.filter((e) => e.source.key === exportKey).sort((x, y) => x.timestamp - y.timestamp);
    expect(exported.map(({ message, timestamp, logStream, logGroup, owner }) => ({ message, timestamp, logStream, logGroup, owner }))).toEqual([
      { message: 'first', timestamp: Date.parse('2026-11-22T10:00:00.000Z'), logStream: 'i-0123456789abcdef0', logGroup: '/firehose/extracted', owner: OWNER },
      {
        message: 'second\ncontinued',
        timestamp: Date.parse('2026-11-22T10:00:01.500Z'),
        logStream: 'i-0123456789abcdef0',
        logGroup: '/firehose/extracted',
        owner: OWNER,
      },
    ]);
    // Lines carry no CloudWatch id: deterministic ones, distinct per line.
    expect(new Set(events.map((e) => e.id)).size).toBe(5);
    expect(events.every((e) => e.id !== '')).toBe(true);
  });

  test("extracted lines of two source accounts each get their prefix's log group, stream and owner (longest prefix wins, the flat fields fill the rest)", async () => {
    const queue = await newQueue();
    const a = 'cwl/444455556666/2026/11/22/10/central-1-lines';
    const b = 'cwl/555566667777/vpc/2026/11/22/10/central-2-lines';
    const c = 'cwl/555566667777/2026/11/22/10/central-3-lines';
    const other = 'elsewhere/lines';
    for (const key of [a, b, c, other]) await putObject(s3.client, BUCKET, key, gzipSync(`${key} one\n${key} two\n`));
    await start(
      config(queue, {
        objects: {
          format: 'auto',
          logGroup: '/fallback',
          owner: OWNER,
          prefixes: [
            { prefix: 'cwl/444455556666/', logGroup: '/aws/vpc/flow-logs', logStream: 'cwl-siem-central', owner: '444455556666' },
            { prefix: 'cwl/555566667777/', logGroup: '/aws/lambda/orders', owner: '555566667777' },
            { prefix: 'cwl/555566667777/vpc/', logGroup: '/aws/vpc/other' },
          ],
        },
      }),
    );
    await sendJson(sqs.client, queue, s3Notification(BUCKET, [a, b]));
    await sendJson(sqs.client, queue, s3Notification(BUCKET, [c, other]));

    await waitDrained(queue, 8);
    const labels = new Map(delivered().map((e) => [e.source.key, { logGroup: e.logGroup, logStream: e.logStream, owner: e.owner }]));
    expect(Object.fromEntries(labels)).toEqual({
      [a]: { logGroup: '/aws/vpc/flow-logs', logStream: 'cwl-siem-central', owner: '444455556666' },
      [b]: { logGroup: '/aws/vpc/other', logStream: '', owner: OWNER },
      [c]: { logGroup: '/aws/lambda/orders', logStream: '', owner: '555566667777' },
      [other]: { logGroup: '/fallback', logStream: '', owner: OWNER },
    });
  });

  test('SNS-wrapped notifications and keys with spaces, plus signs and percent-encoded characters', async () => {
    const queue = await newQueue();
    const spaced = 'odd keys/with space/a+b=c&d%e ü.gz';
    const plus = 'odd keys/c++ (1)';
    const e1 = [dataEnvelope('spaced', 2)];
    const e2 = [dataEnvelope('plus', 3)];
    await putObject(s3.client, BUCKET, spaced, gzipMembers(e1));
    await putObject(s3.client, BUCKET, plus, gzipMembers(e2));
    await start(config(queue));
    await sendJson(sqs.client, queue, snsWrapped(s3Notification(BUCKET, [spaced])));
    await sendJson(sqs.client, queue, s3Notification(BUCKET, [plus]));

    await waitDrained(queue, 5);
    const events = delivered();
    expect(events.map(core).sort(byId)).toEqual(expectedEvents([...e1, ...e2]).sort(byId));
    expect(new Set(events.map((e) => e.source.key))).toEqual(new Set([spaced, plus]));
  });

  test('an s3:TestEvent (plain or SNS-wrapped) is deleted and produces no events', async () => {
    const queue = await newQueue();
    const collector = await start(config(queue));
    await sendJson(sqs.client, queue, s3TestEvent(BUCKET));
    await sendJson(sqs.client, queue, snsWrapped(s3TestEvent(BUCKET)));
    await waitFor('the test events to be deleted', 15000, async () => {
      const n = await queueCounts(sqs.client, queue);
      return n.visible === 0 && n.inFlight === 0;
    });
    expect(delivered()).toEqual([]);
    expect(await metricValue(collector, 'eventsIn')).toBe(0);
    expect(await metricValue(collector, 'decodeErrors')).toBe(0);
  });

  test('undecodable (and missing) objects: dead-lettered with bucket and key, their messages are not deleted, and the redrive policy moves them to the DLQ', async () => {
    const dlq = await newQueue(30);
    const queue = await newQueue(2, { dlq, maxReceiveCount: 2 });
    const good = [dataEnvelope('beside-bad', 2)];
    await putObject(s3.client, BUCKET, 'bad/good-one', gzipMembers(good));
    const truncated = gzipMembers([dataEnvelope('lost', 20)]);
    await putObject(s3.client, BUCKET, 'bad/truncated.gz', truncated.subarray(0, truncated.length - 12));
    const random = Buffer.from(Array.from({ length: 64 }, (_, i) => (i * 37 + 3) % 256));
    await putObject(s3.client, BUCKET, 'bad/random bytes', random);
    const collector = await start(config(queue, { visibilityTimeoutSeconds: 2 }));
    // A missing object cannot be fetched: its message stays too, without a dead letter (there are no bytes to keep).
    const bodies = [
      s3Notification(BUCKET, ['bad/good-one', 'bad/truncated.gz']),
      s3Notification(BUCKET, ['bad/random bytes']),
      s3Notification(BUCKET, ['bad/never-written']),
    ];
    for (const b of bodies) await sendJson(sqs.client, queue, b);

    await waitFor('the three messages in the DLQ', 20000, async () => (await queueCounts(sqs.client, dlq)).visible === 3);
    const moved = await sqs.client.send(new ReceiveMessageCommand({ QueueUrl: dlq.url, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }));
    expect((moved.Messages ?? []).map((m) => JSON.parse(m.Body!)).sort((x, y) => JSON.stringify(x).localeCompare(JSON.stringify(y)))).toEqual(
      bodies.sort((x, y) => JSON.stringify(x).localeCompare(JSON.stringify(y))),
    );
    expect(await queueCounts(sqs.client, queue)).toEqual({ visible: 0, inFlight: 0 });

    // Each message was received maxReceiveCount (2) times: one dead letter per object per receive.
    const dead = deadLetters();
    const keys = dead.map((d) => d.origin.key).sort();
    expect(keys).toEqual(['bad/random bytes', 'bad/random bytes', 'bad/truncated.gz', 'bad/truncated.gz']);
    for (const d of dead) expect(d.origin).toMatchObject({ kind: 'firehose-object', bucket: BUCKET });
    expect(Buffer.from(dead.find((d) => d.origin.key === 'bad/random bytes')!.data, 'base64')).toEqual(random);
    expect(Buffer.from(dead.find((d) => d.origin.key === 'bad/truncated.gz')!.data, 'base64')).toEqual(truncated.subarray(0, truncated.length - 12));
    expect(dead.every((d) => d.code === 'CWL_COLLECTOR_DECODE')).toBe(true);
    expect(await metricValue(collector, 'decodeErrors')).toBe(4);
    // The good object beside the bad one was delivered with each receive (at least once), never lost.
    const events = delivered();
    expect(events.length).toBe(4);
    expect([...new Map(events.map((e) => [e.id, core(e)])).values()].sort(byId)).toEqual(expectedEvents(good).sort(byId));
  });

  test('a slow sink keeps the message invisible: its visibility is extended while the sink holds the request, it is received once, and deleted after delivery', async () => {
    const queue = await newQueue(2);
    const sink = await holdingServer(5000);
    try {
      const envelopes = [dataEnvelope('slow', 4)];
      await putObject(s3.client, BUCKET, 'slow/object', gzipMembers(envelopes));
      const client = sqsClientFor(sqs.endpoint);
      const calls = countCalls(client);
      await start(
        config(queue, { visibilityTimeoutSeconds: 2, sink: { type: 'http', url: `http://127.0.0.1:${sink.port}/ingest`, timeoutMs: 20000 } }),
        client,
      );
      const t0 = Date.now();
      await sendJson(sqs.client, queue, s3Notification(BUCKET, ['slow/object']));

      await waitFor('the sink to answer', 20000, () => sink.answered >= 1);
      await waitFor('the message to be deleted', 10000, async () => {
        const n = await queueCounts(sqs.client, queue);
        return n.visible === 0 && n.inFlight === 0;
      });
      expect(Date.now() - t0).toBeGreaterThan(2 * 2000);
      expect(sink.requests).toHaveLength(1);
      expect(sink.requests[0].map((e) => e.id).sort()).toEqual(
        expectedEvents(envelopes)
          .map((e) => e.id)
          .sort(),
      );
      expect(calls.received).toEqual([1]);
      // Held 5 s with a 2 s timeout, extended every 1 s.
      expect(calls.changeVisibility).toBeGreaterThanOrEqual(3);
      expect(calls.deleted).toBe(1);
    } finally {
      for (const c of collectors.splice(0)) await c.stop();
      await sink.close();
    }
  });
});

/** Counts the SQS calls a client makes: receive counts of received messages, visibility changes, deletes. */
function countCalls(client: SQSClient) {
  const calls = { received: [] as number[], changeVisibility: 0, deleted: 0 };
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const out = await next(args);
      if (context.commandName === 'ReceiveMessageCommand') {
        for (const m of (out.output as { Messages?: { Attributes?: Record<string, string> }[] }).Messages ?? [])
          calls.received.push(Number(m.Attributes?.ApproximateReceiveCount));
      } else if (context.commandName === 'ChangeMessageVisibilityCommand') calls.changeVisibility++;
      else if (context.commandName === 'DeleteMessageCommand') calls.deleted++;
      return out;
    },
    { step: 'initialize', name: 'countCalls' },
  );
  return calls;
}

interface HoldingServer {
  readonly port: number;
  /** Events of each request, in arrival order. */
  readonly requests: { id: string }[][];
  readonly answered: number;
  close(): Promise<void>;
}

/** An HTTP sink endpoint on 127.0.0.1 that answers every request 200 after holding it `holdMs`. */
async function holdingServer(holdMs: number): Promise<HoldingServer> {
  const requests: { id: string }[][] = [];
  let answered = 0;
  const timers = new Set<NodeJS.Timeout>();
  const server: Server = createServer((req: IncomingMessage, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      requests.push(
        body
          .split('\n')
          .filter((l) => l.trim() !== '')
          .map((l) => JSON.parse(l)),
      );
      const t = setTimeout(() => {
        timers.delete(t);
        res.writeHead(200).end('{}');
        answered++;
      }, holdMs);
      timers.add(t);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    requests,
    get answered() {
      return answered;
    },
    async close() {
      timers.forEach((t) => clearTimeout(t));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Conformance against ../shared/fixtures (see SOURCES.md there) when present; skipped otherwise (a user's clone does not have it). */
const FIXTURES = join(__dirname, '../../..', '../shared/fixtures');
const FIREHOSE_OBJECT = join(FIXTURES, '03-firehose-s3-objects/reconstructed/firehose-s3-object_sam-records-0-3_concatenated-gzip-members');
const withFixtures = existsSync(FIXTURES) ? describe : describe.skip;

withFixtures('SQS mode with real-world payloads (../shared/fixtures)', () => {
  test("AWS's documented ObjectCreated:Put notification, verbatim, announcing a reconstructed Firehose object: every expected event, message deleted", async () => {
    const notification = JSON.parse(readFileSync(join(FIXTURES, '05-s3-notifications/awsdoc-s3-ObjectCreated-Put-example.json'), 'utf8')) as {
      Records: { s3: { bucket: { name: string }; object: { key: string } } }[];
    };
    const { bucket, object } = notification.Records[0].s3;
    await ensureBucket(s3.client, bucket.name);
    await putObject(s3.client, bucket.name, decodeURIComponent(object.key.replace(/\+/g, ' ')), readFileSync(`${FIREHOSE_OBJECT}.gz`));
    const expected = readFileSync(`${FIREHOSE_OBJECT}.expected-data-events.ndjson`, 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => core(JSON.parse(l) as DeliveredEvent));
    const queue = await newQueue();
    await start(config(queue));
    await sendJson(sqs.client, queue, notification);
    await sendJson(sqs.client, queue, JSON.parse(readFileSync(join(FIXTURES, '05-s3-notifications/awsdoc-s3-TestEvent.json'), 'utf8')));

    await waitDrained(queue, expected.length);
    const events = delivered();
    expect(expected.length).toBeGreaterThan(0);
    expect(events.map(core).sort(byId)).toEqual(expected.sort(byId));
  });
});
