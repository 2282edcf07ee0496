import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { S3Emulator, SqsEmulator, startS3, startSqs, TEST_CREDENTIALS, TEST_REGION } from '../support/emulators';
import { RunningCollector, startCollectorProcess } from '../support/ops';
import { SqsRecorder, startSqsRecorder } from './sqs-recorder';
import {
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
  TestQueue,
  waitFor,
} from './support';

/**
 * SQS mode scales out with no coordination: three `cwl-siem-collector run` processes (competing
 * consumers, each with its own file sink and state folder) share one fauxqs queue announcing
 * Firehose objects on s3rver. Every event arrives, the work is shared, and an event is delivered
 * twice only when its whole message was received twice. A replica SIGKILLed while it holds
 * delivered but undeleted messages loses nothing: after the visibility timeout the others deliver
 * them, and the duplicates are exactly those messages, at most the victim's `concurrency`.
 *
 * Each replica talks to the queue through a recorder (sqs-recorder.ts), which sees, as the queue
 * does, what the replica received and deleted. At every DeleteMessage it checks the ack rule from
 * outside the process: the replica's own output already holds every event of the message's
 * object. A collector that deleted a message before delivering it fails that check at its first
 * delete (and, killed in between, would fail the no-loss check: its deleted message is never
 * redelivered, so no other replica writes those events).
 */

jest.setTimeout(60000);

const BUCKET = 'cwl-replicas';
const REPLICAS = 3;
const OBJECTS = 60;
/** Messages a replica works on at once: it never holds more in flight (a receive asks only for the free slots). */
const CONCURRENCY = 4;
/** The schema's minimum; the source asks for it on every ReceiveMessage, whatever the queue's own. */
const VISIBILITY_TIMEOUT_SECONDS = 10;

let s3: S3Emulator;
let sqs: SqsEmulator;
let dir: string;
let replicas: Replica[] = [];

beforeAll(async () => {
  [s3, sqs] = await Promise.all([startS3(), startSqs()]);
  await ensureBucket(s3.client, BUCKET);
});
afterAll(async () => {
  await Promise.all([s3?.close(), sqs?.close()]);
});
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cwl-replicas-'));
});
afterEach(async () => {
  for (const r of replicas) if (r.running.child.exitCode === null && r.running.child.signalCode === null) r.running.child.kill('SIGKILL');
  await Promise.all(replicas.map((r) => r.running.exited));
  await Promise.all(replicas.map((r) => r.recorder.close()));
  replicas = [];
  rmSync(dir, { recursive: true, force: true });
});

interface Replica {
  readonly name: string;
  readonly running: RunningCollector;
  readonly recorder: SqsRecorder;
  readonly delivered: () => DeliveredEvent[];
}

/** Event ids of each object, by key. */
type Objects = Map<string, readonly string[]>;

/** `OBJECTS` Firehose objects (two CloudWatch payloads, 10 events each) under `prefix/`, one notification message each, not yet sent. */
async function putObjects(prefix: string): Promise<{ objects: Objects; bodies: string[] }> {
  const objects: Objects = new Map();
  const bodies: string[] = [];
  for (let n = 0; n < OBJECTS; n++) {
    const key = `${prefix}/2026/11/22/10/object-${String(n).padStart(2, '0')}`;
    const envelopes = [dataEnvelope(`${prefix}-${n}-a`, 6), dataEnvelope(`${prefix}-${n}-b`, 4, '/aws/lambda/fn')];
    await putObject(s3.client, BUCKET, key, gzipMembers(envelopes));
    objects.set(
      key,
      expectedEvents(envelopes).map((e) => e.id),
    );
    bodies.push(JSON.stringify(s3Notification(BUCKET, [key])));
  }
  return { objects, bodies };
}

/** SendMessageBatch, ten at a time. */
async function send(queue: TestQueue, bodies: readonly string[]): Promise<void> {
  for (let i = 0; i < bodies.length; i += 10) {
    const entries = bodies.slice(i, i + 10).map((b, j) => ({ Id: `m${i + j}`, MessageBody: b }));
    const out = await sqs.client.send(new SendMessageBatchCommand({ QueueUrl: queue.url, Entries: entries }));
    if (out.Failed?.length) throw new Error(`SendMessageBatch failed: ${JSON.stringify(out.Failed)}`);
  }
}

/** The object a notification message announces (one per message here). */
const keyOf = (body: string): string => (JSON.parse(body) as { Records: { s3: { object: { key: string } } }[] }).Records[0].s3.object.key;

/**
 * Starts REPLICAS collector processes on `queue`, each behind its own recorder, and waits until each
 * is long-polling. At every DeleteMessage a replica sends, `violations` gets an entry if its output
 * does not already hold every event of the message's object.
 */
async function startReplicas(queue: TestQueue, objects: Objects, violations: string[]): Promise<Replica[]> {
  const started = await Promise.all(
    Array.from({ length: REPLICAS }, async (_, i) => {
      const name = `r${i}`;
      const out = join(dir, name, 'out');
      const delivered = () => readNdjson<DeliveredEvent>(out, 'events.ndjson');
      const recorder = await startSqsRecorder({
        upstream: sqs.endpoint,
        beforeDelete: (m) => {
          const key = keyOf(m.body);
          const have = new Set(delivered().flatMap((e) => (e.source.key === key ? [e.id] : [])));
          const missing = (objects.get(key) ?? []).filter((id) => !have.has(id));
          if (missing.length) violations.push(`${name} deleted the message of ${key} before delivering ${missing.length} of its events`);
        },
      });
      const config = join(dir, `${name}.json`);
      writeFileSync(
        config,
        JSON.stringify({
          source: {
            type: 'sqs',
            queueUrl: queue.url,
            region: TEST_REGION,
            endpoint: recorder.endpoint,
            s3: { endpoint: s3.endpoint, forcePathStyle: true },
            concurrency: CONCURRENCY,
            maxMessages: 10,
            waitTimeSeconds: 1,
            visibilityTimeoutSeconds: VISIBILITY_TIMEOUT_SECONDS,
          },
          state: { type: 'file', dir: join(dir, name, 'state') },
          deadLetter: { path: join(dir, name, 'state', 'dead-letter.ndjson') },
          sink: { type: 'file', path: join(out, 'events.ndjson') },
          ops: { host: '127.0.0.1', port: 0 },
          shutdownTimeoutMs: 10000,
        }),
      );
      const running = startCollectorProcess(config, {
        AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
        AWS_REGION: TEST_REGION,
      });
      return { name, running, recorder, delivered };
    }),
  );
  replicas = started;
  await withLogs(started, () => waitFor('every replica long-polling', 30000, () => started.every((r) => r.recorder.polling > 0)));
  return started;
}

/** Runs `check`; on failure, adds the end of each replica's output to the error. */
async function withLogs(rs: readonly Replica[], check: () => Promise<void>): Promise<void> {
  try {
    await check();
  } catch (e) {
    const logs = rs.map((r) => `--- ${r.name}:\n${r.running.logs().slice(-3000)}`).join('\n');
    throw new Error(`${(e as Error).message}\n${logs}`, { cause: e });
  }
}

/** How often each event of each object is in `outputs`, by key then id. */
function tally(outputs: readonly DeliveredEvent[][]): Map<string, Map<string, number>> {
  const byKey = new Map<string, Map<string, number>>();
  for (const e of outputs.flat()) {
    const ids = byKey.get(e.source.key!) ?? new Map<string, number>();
    ids.set(e.id, (ids.get(e.id) ?? 0) + 1);
    byKey.set(e.source.key!, ids);
  }
  return byKey;
}

/**
 * Times each object was delivered in `outputs`, by key: an object whose events were not all
 * delivered equally often (a part of an object, or of a message, twice) is reported as `partial`.
 */
function deliveries(objects: Objects, outputs: readonly DeliveredEvent[][]): { times: Map<string, number>; partial: string[] } {
  const counts = tally(outputs);
  const times = new Map<string, number>();
  const partial: string[] = [];
  for (const [key, ids] of objects) {
    const seen = ids.map((id) => counts.get(key)?.get(id) ?? 0);
    if (new Set(seen).size > 1) partial.push(`${key}: ${seen.join(',')}`);
    times.set(key, Math.min(...seen));
  }
  return { times, partial };
}

const keysWhere = (times: Map<string, number>, test: (n: number) => boolean): string[] => [...times].filter(([, n]) => test(n)).map(([k]) => k);

test('three replicas share one queue: every event arrives, at least two replicas get work, an event is repeated only with its whole message, SIGTERM drains each', async () => {
  const queue = await createQueue(sqs.client, 'cwl-replicas-share', VISIBILITY_TIMEOUT_SECONDS);
  const { objects, bodies } = await putObjects('share');
  const violations: string[] = [];
  const rs = await startReplicas(queue, objects, violations);
  await send(queue, bodies);

  await withLogs(rs, () =>
    waitFor('every message deleted', 30000, async () => {
      const n = await queueCounts(sqs.client, queue);
      return n.visible === 0 && n.inFlight === 0;
    }),
  );
  const outputs = rs.map((r) => r.delivered());
  const { times, partial } = deliveries(objects, outputs);
  expect(keysWhere(times, (n) => n === 0)).toEqual([]);
  expect(partial).toEqual([]);
  // Per replica too: each delivered whole objects only.
  for (const out of outputs) expect(deliveries(new Map([...objects].filter(([k]) => out.some((e) => e.source.key === k))), [out]).partial).toEqual([]);
  // A duplicate needs a redelivery: an object is delivered as often as its message was received at most.
  const receives = new Map<string, number>();
  for (const m of rs.flatMap((r) => r.recorder.received)) receives.set(keyOf(m.body), (receives.get(keyOf(m.body)) ?? 0) + 1);
  expect(keysWhere(times, (n) => n > 1).filter((k) => times.get(k)! > receives.get(k)!)).toEqual([]);
  expect(violations).toEqual([]);
  expect(rs.flatMap((r) => r.recorder.problems)).toEqual([]);

  // All three were long-polling when the first ten messages arrived (one SendMessageBatch); fauxqs
  // wakes every waiting poll at once, and a replica takes at most CONCURRENCY (4) before it must
  // deliver and delete one and ask again: so at least one other woken poll finds messages left,
  // whatever the timing. All three get about a third in practice; only "at least two" is asserted.
  const worked = rs.filter((r, i) => outputs[i].length > 0 && r.recorder.deleted.length > 0);
  expect(worked.length).toBeGreaterThanOrEqual(2);
  expect(rs.reduce((n, r) => n + r.recorder.deleted.length, 0)).toBe(OBJECTS);

  for (const r of rs) r.running.child.kill('SIGTERM');
  expect(await Promise.all(rs.map((r) => r.running.exited))).toEqual(rs.map(() => 0));
});

test('a replica SIGKILLed with delivered but undeleted messages loses nothing: the others deliver them after the visibility timeout, and only they are duplicated (at most its concurrency)', async () => {
  const queue = await createQueue(sqs.client, 'cwl-replicas-kill', VISIBILITY_TIMEOUT_SECONDS);
  const { objects, bodies } = await putObjects('kill');
  const violations: string[] = [];
  const rs = await startReplicas(queue, objects, violations);
  const [victim, ...survivors] = rs;
  const deletedByAll = () => rs.reduce((n, r) => n + r.recorder.deleted.length, 0);

  // A first third runs normally, then the victim's deletes are held: it delivers, acknowledges, and
  // hangs before the queue hears of it, its messages in flight (visibility extended) - the window a
  // crash between delivering and deleting falls in, held open so the kill always lands in it.
  const first = OBJECTS / 3;
  await send(queue, bodies.slice(0, first));
  await withLogs(rs, () => waitFor('the first third deleted', 20000, () => deletedByAll() === first));
  victim.recorder.holdDeletes();
  await send(queue, bodies.slice(first));
  await withLogs(rs, () =>
    waitFor('the victim holding its full concurrency, or every other message deleted', 20000, () => {
      const held = victim.recorder.held.length;
      return held === CONCURRENCY || (held > 0 && deletedByAll() + held === OBJECTS);
    }),
  );
  const killedAt = Date.now();
  victim.running.child.kill('SIGKILL');
  await victim.running.exited;

  // What the queue saw the victim receive and not delete: its messages in flight when it died.
  const deletedHandles = new Set(victim.recorder.deleted.map((m) => m.receiptHandle));
  const inFlight = victim.recorder.received.filter((m) => !deletedHandles.has(m.receiptHandle));
  expect(inFlight.length).toBeGreaterThan(0);
  expect(inFlight.length).toBeLessThanOrEqual(CONCURRENCY);
  expect(inFlight.map((m) => m.messageId).sort()).toEqual(victim.recorder.held.map((m) => m.messageId).sort());

  await withLogs(survivors, () =>
    waitFor('the victim’s messages delivered by the others and the queue empty', 30000, async () => {
      const n = await queueCounts(sqs.client, queue);
      return n.visible === 0 && n.inFlight === 0;
    }),
  );

  const victimOut = victim.delivered();
  const survivorOuts = survivors.map((r) => r.delivered());
  // Nothing lost: every event is in the outputs (the victim's is what the SIEM got from it before it died) ...
  const all = deliveries(objects, [victimOut, ...survivorOuts]);
  expect(keysWhere(all.times, (n) => n === 0)).toEqual([]);
  expect(all.partial).toEqual([]);
  // ... and every message the victim held was delivered again by a survivor, which also deleted it.
  const heldKeys = inFlight.map((m) => keyOf(m.body)).sort();
  const bySurvivors = deliveries(objects, survivorOuts);
  expect(heldKeys.filter((k) => bySurvivors.times.get(k) !== 1)).toEqual([]);
  const survivorDeleted = new Set(survivors.flatMap((r) => r.recorder.deleted.map((m) => m.messageId)));
  expect(inFlight.filter((m) => !survivorDeleted.has(m.messageId))).toEqual([]);
  // Not before the kill: while the victim lived, its extensions kept them invisible.
  const heldIds = new Set(inFlight.map((m) => m.messageId));
  const redelivered = survivors.flatMap((r) => r.recorder.received.filter((m) => heldIds.has(m.messageId)));
  expect(redelivered.filter((m) => m.at < killedAt)).toEqual([]);
  // Survivors never repeat each other (each message was theirs once), and the victim's deleted messages never come back.
  expect(keysWhere(bySurvivors.times, (n) => n > 1)).toEqual([]);
  const victimDeletedKeys = victim.recorder.deleted.map((m) => keyOf(m.body));
  expect(victimDeletedKeys.filter((k) => bySurvivors.times.get(k) !== 0)).toEqual([]);

  // The duplicates: exactly the held messages (each delivered by the victim, then by a survivor),
  // so bounded by what the victim had received and not deleted, at most its CONCURRENCY.
  const duplicated = keysWhere(all.times, (n) => n > 1).sort();
  expect(duplicated).toEqual(heldKeys);
  expect(duplicated.length).toBeLessThanOrEqual(inFlight.length);
  expect(keysWhere(all.times, (n) => n > 2)).toEqual([]);

  expect(violations).toEqual([]);
  expect(rs.flatMap((r) => r.recorder.problems)).toEqual([]);
  for (const r of survivors) r.running.child.kill('SIGTERM');
  expect(await Promise.all(survivors.map((r) => r.running.exited))).toEqual([0, 0]);
});
