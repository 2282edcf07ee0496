import { silentLogger } from '../../src/ops/log';
import { createMetrics } from '../../src/ops/metrics';
import type { S3Port, SqsMessage, SqsPort } from '../../src/sources/sqs/ports';
import { SqsSource, SqsSourceError, SqsSourceOptions, sqsQueueName } from '../../src/sources/sqs/source';
import { SourceBatch } from '../../src/types';

jest.setTimeout(10000);

// ---- fakes ------------------------------------------------------------------------------------

async function flush(): Promise<void> {
  for (let i = 0; i < 6; i++) await new Promise<void>((r) => setImmediate(r));
}

/** A fake clock with timers: `sleep` resolves when `advance` passes its deadline, or on abort. */
class FakeTime {
  now = 1_700_000_000_000;
  private seq = 0;
  private timers: { at: number; seq: number; fire: () => void }[] = [];

  readonly clock = (): number => this.now;

  readonly sleep = (ms: number, signal: AbortSignal): Promise<void> =>
    new Promise<void>((resolve) => {
      if (signal.aborted) return resolve();
      const timer = { at: this.now + ms, seq: this.seq++, fire: () => {} };
      const onAbort = () => {
        this.timers = this.timers.filter((t) => t !== timer);
        resolve();
      };
      timer.fire = () => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.timers.push(timer);
    });

  /** Moves time forward by `ms`, firing due timers in order and letting the code they wake run. */
  async advance(ms: number): Promise<void> {
    const target = this.now + ms;
    for (;;) {
      await flush();
      this.timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
      const next = this.timers[0];
      if (!next || next.at > target) break;
      this.timers.shift();
      this.now = Math.max(this.now, next.at);
      next.fire();
    }
    this.now = target;
    await flush();
  }
}

interface QueuedMessage {
  readonly id: string;
  readonly body: string;
  visibleAt: number;
  receiveCount: number;
  receiptHandle?: string;
  deleted: boolean;
  /** Receive times, to check a message is never received again while in flight. */
  readonly receivedAt: number[];
}

/** An in-memory SQS queue honouring visibility timeouts against the fake clock. */
class FakeQueue implements SqsPort {
  readonly messages: QueuedMessage[] = [];
  readonly receives: { maxMessages: number; at: number }[] = [];
  readonly visibilityChanges: { id: string; seconds: number; at: number }[] = [];
  readonly deletes: { id: string; at: number }[] = [];
  private nextId = 1;

  constructor(
    private readonly time: FakeTime,
    readonly visibilityTimeoutSeconds: number,
  ) {}

  send(body: string): string {
    const id = `m-${this.nextId++}`;
    this.messages.push({ id, body, visibleAt: 0, receiveCount: 0, deleted: false, receivedAt: [] });
    return id;
  }

  get(id: string): QueuedMessage {
    const m = this.messages.find((x) => x.id === id);
    if (!m) throw new Error(`no message ${id}`);
    return m;
  }

  private take(max: number): SqsMessage[] {
    const out: SqsMessage[] = [];
    for (const m of this.messages) {
      if (out.length >= max) break;
      if (m.deleted || m.visibleAt > this.time.now) continue;
      m.receiveCount++;
      m.receiptHandle = `${m.id}#${m.receiveCount}`;
      m.visibleAt = this.time.now + this.visibilityTimeoutSeconds * 1000;
      m.receivedAt.push(this.time.now);
      out.push({ messageId: m.id, receiptHandle: m.receiptHandle, body: m.body, receiveCount: m.receiveCount });
    }
    return out;
  }

  async receive(p: { maxMessages: number; waitTimeSeconds: number; signal: AbortSignal }): Promise<SqsMessage[]> {
    if (p.signal.aborted) throw new Error('aborted');
    this.receives.push({ maxMessages: p.maxMessages, at: this.time.now });
    const got = this.take(p.maxMessages);
    if (got.length || p.waitTimeSeconds === 0) return got;
    await this.time.sleep(p.waitTimeSeconds * 1000, p.signal);
    if (p.signal.aborted) return [];
    return this.take(p.maxMessages);
  }

  private byHandle(receiptHandle: string): QueuedMessage {
    const m = this.messages.find((x) => x.receiptHandle === receiptHandle && !x.deleted);
    if (!m) throw Object.assign(new Error(`receipt handle ${receiptHandle} is not valid`), { name: 'ReceiptHandleIsInvalid' });
    return m;
  }

  async delete(receiptHandle: string): Promise<void> {
    const m = this.byHandle(receiptHandle);
    m.deleted = true;
    this.deletes.push({ id: m.id, at: this.time.now });
  }

  async changeVisibility(receiptHandle: string, seconds: number): Promise<void> {
    const m = this.byHandle(receiptHandle);
    if (m.visibleAt <= this.time.now) throw Object.assign(new Error('message is not in flight'), { name: 'MessageNotInflight' });
    m.visibleAt = this.time.now + seconds * 1000;
    this.visibilityChanges.push({ id: m.id, seconds, at: this.time.now });
  }
}

/** An in-memory bucket; `failures` makes the next N fetches of a key fail. */
class FakeBucket implements S3Port {
  readonly objects = new Map<string, Uint8Array>();
  readonly failures = new Map<string, number>();
  readonly fetches: string[] = [];

  put(bucket: string, key: string, text: string): void {
    this.objects.set(`${bucket}/${key}`, new TextEncoder().encode(text));
  }

  async getObject(bucket: string, key: string, signal: AbortSignal): Promise<{ body: Uint8Array }> {
    const id = `${bucket}/${key}`;
    this.fetches.push(id);
    if (signal.aborted) throw new Error('aborted');
    const failing = this.failures.get(id) ?? 0;
    if (failing > 0) {
      this.failures.set(id, failing - 1);
      throw Object.assign(new Error('We encountered an internal error. Please try again.'), { name: 'InternalError' });
    }
    const body = this.objects.get(id);
    if (!body) throw Object.assign(new Error('The specified key does not exist.'), { name: 'NoSuchKey' });
    return { body };
  }
}

function s3Body(objects: { bucket?: string; key: string; sequencer?: string }[]): string {
  return JSON.stringify({
    Records: objects.map((o) => ({
      eventVersion: '2.1',
      eventSource: 'aws:s3',
      awsRegion: 'eu-west-1',
      eventTime: '2026-11-22T10:15:30.123Z',
      eventName: 'ObjectCreated:Put',
      s3: { bucket: { name: o.bucket ?? 'cwl-bucket' }, object: { key: encodeURIComponent(o.key), size: 10, sequencer: o.sequencer ?? '0A1B' } },
    })),
  });
}

const TEST_EVENT = JSON.stringify({
  Service: 'Amazon S3',
  Event: 's3:TestEvent',
  Time: '2026-11-22T10:00:00.000Z',
  Bucket: 'cwl-bucket',
  RequestId: 'R',
  HostId: 'H',
});

const text = (b: Uint8Array) => new TextDecoder().decode(b);

function deferred(): { promise: Promise<void>; resolve: () => void; reject: (e: unknown) => void } {
  let resolve!: () => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

interface Readable {
  get(): Promise<{ values: readonly { labels: object; value: number }[] }>;
}

async function counter(c: Readable, labels: Record<string, string>): Promise<number> {
  const got = await c.get();
  return got.values.filter((v) => Object.entries(labels).every(([k, x]) => (v.labels as Record<string, unknown>)[k] === x)).reduce((n, v) => n + v.value, 0);
}

const VISIBILITY = 30;

function setup(over: Partial<SqsSourceOptions> = {}) {
  const time = new FakeTime();
  const queue = new FakeQueue(time, VISIBILITY);
  const bucket = new FakeBucket();
  const metrics = createMetrics();
  const source = new SqsSource({
    sqs: queue,
    s3: bucket,
    queueUrl: 'https://sqs.eu-west-1.amazonaws.com/123456789012/cwl-objects',
    waitTimeSeconds: 1,
    visibilityTimeoutSeconds: VISIBILITY,
    logger: silentLogger(),
    metrics,
    sleep: time.sleep,
    clock: time.clock,
    ...over,
  });
  const stop = new AbortController();
  return { time, queue, bucket, metrics, source, stop };
}

// ---- tests ------------------------------------------------------------------------------------

describe('SqsSource', () => {
  it('hands one batch per message with every announced object, deduplicated, and deletes the message only on ack', async () => {
    const { time, queue, bucket, metrics, source, stop } = setup();
    bucket.put('cwl-bucket', 'fh/2026/11/22/a.gz', 'AAA');
    bucket.put('cwl-bucket', 'fh/2026/11/22/b c.gz', 'BBBB');
    bucket.put('other', 'x.gz', 'X');
    const m1 = queue.send(s3Body([{ key: 'fh/2026/11/22/a.gz' }, { key: 'fh/2026/11/22/b c.gz' }, { key: 'fh/2026/11/22/a.gz' }]));
    const m2 = queue.send(s3Body([{ bucket: 'other', key: 'x.gz' }]));

    const batches: SourceBatch[] = [];
    const deletedBeforeAck: boolean[] = [];
    const run = source.run(async (b) => {
      batches.push(b);
      deletedBeforeAck.push(queue.get(b.labels.messageId).deleted);
      await b.ack();
      expect(queue.get(b.labels.messageId).deleted).toBe(true);
    }, stop.signal);
    await time.advance(0);
    stop.abort();
    await run;

    // Messages are worked on concurrently: order the batches by message.
    batches.sort((a, b) => a.labels.messageId.localeCompare(b.labels.messageId));
    expect(batches.map((b) => b.labels)).toEqual([
      { queue: 'cwl-objects', messageId: m1 },
      { queue: 'cwl-objects', messageId: m2 },
    ]);
    expect(deletedBeforeAck).toEqual([false, false]);
    expect(batches[0].records.map((r) => [text(r.data), r.origin])).toEqual([
      ['AAA', { kind: 'firehose-object', bucket: 'cwl-bucket', key: 'fh/2026/11/22/a.gz', offset: 0 }],
      ['BBBB', { kind: 'firehose-object', bucket: 'cwl-bucket', key: 'fh/2026/11/22/b c.gz', offset: 0 }],
    ]);
    expect(batches[1].records.map((r) => [text(r.data), r.origin])).toEqual([['X', { kind: 'firehose-object', bucket: 'other', key: 'x.gz', offset: 0 }]]);
    expect(queue.get(m1).deleted && queue.get(m2).deleted).toBe(true);
    expect(bucket.fetches).toHaveLength(3);
    expect(await counter(metrics.bytesIn, { source: 'sqs' })).toBe(8);
    expect(source.stats).toMatchObject({ received: 2, acked: 2 });
  });

  it('deletes an s3:TestEvent without handing anything', async () => {
    const { time, queue, source, stop } = setup();
    const id = queue.send(TEST_EVENT);
    const handle = jest.fn(async () => {});
    const run = source.run(handle, stop.signal);
    await time.advance(0);
    stop.abort();
    await run;
    expect(handle).not.toHaveBeenCalled();
    expect(queue.get(id).deleted).toBe(true);
    expect(source.stats.testEvents).toBe(1);
  });

  it('never deletes an unparseable body: it is received again and again (for the DLQ redrive) and counted', async () => {
    const { time, queue, metrics, source, stop } = setup();
    const bad = queue.send('{"hello":"world"}');
    const handle = jest.fn(async (b: SourceBatch) => b.ack());
    const run = source.run(handle, stop.signal);
    await time.advance(VISIBILITY * 1000 * 3 + 5000);
    stop.abort();
    await run;
    expect(handle).not.toHaveBeenCalled();
    expect(queue.get(bad).deleted).toBe(false);
    expect(queue.get(bad).receiveCount).toBe(4);
    expect(await counter(metrics.decodeErrors, { reason: 'notification' })).toBe(4);
    expect(queue.visibilityChanges).toEqual([]);
  });

  it('leaves a message whose object fetch fails, and delivers it once it is received again', async () => {
    const { time, queue, bucket, source, stop } = setup();
    bucket.put('cwl-bucket', 'a.gz', 'A');
    bucket.put('cwl-bucket', 'b.gz', 'B');
    bucket.failures.set('cwl-bucket/b.gz', 1);
    const id = queue.send(s3Body([{ key: 'a.gz' }, { key: 'b.gz' }]));
    const batches: SourceBatch[] = [];
    const run = source.run(async (b) => {
      batches.push(b);
      await b.ack();
    }, stop.signal);
    await time.advance(1000);
    expect(batches).toHaveLength(0);
    expect(queue.get(id).deleted).toBe(false);
    expect(source.stats.fetchErrors).toBe(1);

    await time.advance(VISIBILITY * 1000);
    stop.abort();
    await run;
    expect(batches).toHaveLength(1);
    expect(batches[0].records.map((r) => text(r.data))).toEqual(['A', 'B']);
    expect(queue.get(id)).toMatchObject({ deleted: true, receiveCount: 2 });
  });

  it('leaves a message whose handler rejects (or does not ack), and delivers it when received again', async () => {
    const { time, queue, bucket, source, stop } = setup();
    bucket.put('cwl-bucket', 'a.gz', 'A');
    const id = queue.send(s3Body([{ key: 'a.gz' }]));
    let calls = 0;
    const run = source.run(async (b) => {
      calls++;
      if (calls === 1) throw new Error('sink down');
      if (calls === 2) return; // resolves without acknowledging
      await b.ack();
    }, stop.signal);
    await time.advance(1000);
    expect(calls).toBe(1);
    expect(queue.get(id).deleted).toBe(false);
    await time.advance(VISIBILITY * 1000);
    expect(calls).toBe(2);
    expect(queue.get(id).deleted).toBe(false);
    await time.advance(VISIBILITY * 1000);
    stop.abort();
    await run;
    expect(calls).toBe(3);
    expect(queue.get(id)).toMatchObject({ deleted: true, receiveCount: 3 });
    expect(source.stats.handlerErrors).toBe(2);
  });

  it('extends the visibility of a message while its handler is slow, and stops once it is done', async () => {
    const { time, queue, bucket, source, stop } = setup();
    bucket.put('cwl-bucket', 'a.gz', 'A');
    const id = queue.send(s3Body([{ key: 'a.gz' }]));
    const slow = deferred();
    const handle = jest.fn(async (b: SourceBatch) => {
      await slow.promise;
      await b.ack();
    });
    const run = source.run(handle, stop.signal);
    const start = time.now;
    // Four visibility timeouts: without extension it would be received again three times.
    await time.advance(VISIBILITY * 1000 * 4);
    expect(handle).toHaveBeenCalledTimes(1);
    expect(queue.get(id).receiveCount).toBe(1);
    expect(queue.visibilityChanges.length).toBe(8);
    expect(queue.visibilityChanges.every((c) => c.id === id && c.seconds === VISIBILITY)).toBe(true);
    expect(queue.visibilityChanges.map((c) => c.at - start)).toEqual([1, 2, 3, 4, 5, 6, 7, 8].map((i) => (i * VISIBILITY * 1000) / 2));

    slow.resolve();
    await time.advance(0);
    expect(queue.get(id).deleted).toBe(true);
    const changes = queue.visibilityChanges.length;
    await time.advance(VISIBILITY * 1000 * 2);
    expect(queue.visibilityChanges.length).toBe(changes);
    stop.abort();
    await run;
    expect(queue.get(id).receivedAt).toHaveLength(1);
    expect(source.stats.extensions).toBe(8);
  });

  it('keeps at most `concurrency` messages in flight', async () => {
    const { time, queue, bucket, source, stop } = setup({ concurrency: 3, maxMessages: 10 });
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) {
      bucket.put('cwl-bucket', `o${i}.gz`, `object ${i}`);
      ids.push(queue.send(s3Body([{ key: `o${i}.gz` }])));
    }
    const gates = new Map<string, ReturnType<typeof deferred>>();
    let active = 0;
    let maxActive = 0;
    const run = source.run(async (b) => {
      active++;
      maxActive = Math.max(maxActive, active);
      const gate = deferred();
      gates.set(b.labels.messageId, gate);
      try {
        await gate.promise;
        await b.ack();
      } finally {
        active--;
      }
    }, stop.signal);
    await time.advance(5000);
    expect(active).toBe(3);
    expect(queue.messages.filter((m) => m.receiveCount > 0)).toHaveLength(3);
    expect(queue.receives.every((r) => r.maxMessages <= 3)).toBe(true);

    // Free one slot: exactly one more message is received.
    gates.get(ids[0])!.resolve();
    await time.advance(1000);
    expect(active).toBe(3);
    expect(queue.messages.filter((m) => m.receiveCount > 0)).toHaveLength(4);

    for (let round = 0; round < 10 && queue.messages.some((m) => !m.deleted); round++) {
      for (const g of gates.values()) g.resolve();
      await time.advance(1000);
    }
    stop.abort();
    await run;
    expect(queue.messages.every((m) => m.deleted && m.receiveCount === 1)).toBe(true);
    expect(maxActive).toBe(3);
  });

  it('stops receiving on abort and resolves only after in-flight messages are finished', async () => {
    const { time, queue, bucket, source, stop } = setup({ concurrency: 2 });
    bucket.put('cwl-bucket', 'a.gz', 'A');
    const id = queue.send(s3Body([{ key: 'a.gz' }]));
    const gate = deferred();
    const run = source.run(async (b) => {
      await gate.promise;
      await b.ack();
    }, stop.signal);
    let finished = false;
    void run.then(() => (finished = true));
    await time.advance(2000);
    const receives = queue.receives.length;
    stop.abort();
    const later = queue.send(s3Body([{ key: 'a.gz' }]));
    await time.advance(VISIBILITY * 1000);
    expect(finished).toBe(false);
    expect(queue.receives.length).toBe(receives);

    gate.resolve();
    await time.advance(0);
    await run;
    expect(finished).toBe(true);
    expect(queue.get(id).deleted).toBe(true);
    expect(queue.get(later).receiveCount).toBe(0);
    // The extender kept the in-flight message invisible during shutdown.
    expect(queue.get(id).receivedAt).toHaveLength(1);
  });

  it('retries a failing receive after a full-jitter back-off: random() × base × 2^attempt', async () => {
    const { time, queue, bucket, source, stop, metrics } = setup({ backoffBaseMs: 1000, random: () => 0.5 });
    bucket.put('cwl-bucket', 'a.gz', 'A');
    const id = queue.send(s3Body([{ key: 'a.gz' }]));
    const real = queue.receive.bind(queue);
    let failures = 2;
    queue.receive = async (p) => {
      if (failures-- > 0) throw Object.assign(new Error('throttled'), { name: 'ThrottlingException' });
      return real(p);
    };
    const startedAt = time.now;
    const run = source.run(async (b) => b.ack(), stop.signal);
    // Waits 0.5 × 1000 ms after the first failure and 0.5 × 2000 ms after the second: the third receive is at 1500 ms.
    await time.advance(1499);
    expect(queue.receives).toHaveLength(0);
    expect(queue.get(id).deleted).toBe(false);
    await time.advance(1);
    expect(queue.receives[0].at - startedAt).toBe(1500);
    expect(queue.get(id).deleted).toBe(true);
    stop.abort();
    await run;
    expect(await counter(metrics.retries, { component: 'sqs' })).toBe(2);
  });

  it('validates its options and names the queue from its URL', () => {
    expect(sqsQueueName('https://sqs.eu-west-1.amazonaws.com/123456789012/cwl-objects')).toBe('cwl-objects');
    expect(() => setup({ concurrency: 0 })).toThrow(SqsSourceError);
    expect(() => setup({ maxMessages: 11 })).toThrow(/maxMessages/);
    expect(() => setup({ waitTimeSeconds: 21 })).toThrow(/waitTimeSeconds/);
    expect(() => setup({ visibilityTimeoutSeconds: 1 })).toThrow(/visibilityTimeoutSeconds/);
  });
});
