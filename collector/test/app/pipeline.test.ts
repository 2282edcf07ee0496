import { mkdtempSync, readFileSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { DeadLetterFile } from '../../src/ops/dead-letter';
import { silentLogger } from '../../src/ops/log';
import { createMetrics } from '../../src/ops/metrics';
import { Pipeline } from '../../src/pipeline';
import { DecodeError, NormalizedEvent, Sink, SinkError, SourceBatch } from '../../src/types';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cwl-pipeline-'));
});
/** Every dead-letter file a test made, closed after it (an open handle left to GC draws Node's DEP0137 warning). */
const deadLetterFiles: DeadLetterFile[] = [];
function deadLetterFile(): DeadLetterFile {
  const f = new DeadLetterFile(join(dir, 'dead.ndjson'));
  deadLetterFiles.push(f);
  return f;
}
afterEach(async () => {
  await Promise.all(deadLetterFiles.splice(0).map((f) => f.close()));
  rmSync(dir, { recursive: true, force: true });
});

const origin = (n: number) => ({ kind: 'kinesis' as const, stream: 's', shard: 'shardId-000000000000', sequenceNumber: String(n) });
const event = (n: number): NormalizedEvent => ({
  id: `e${n}`,
  timestamp: n,
  owner: '111122223333',
  logGroup: 'g',
  logStream: 's',
  message: `m${n}`,
  source: origin(n),
});

/** A batch whose records carry their event number as text; "bad" records fail to decode. */
function batch(values: string[], acks: string[], label = 'b'): SourceBatch {
  return {
    records: values.map((v, i) => ({ data: Buffer.from(v), origin: origin(i) })),
    labels: { shard: label },
    ack: async () => {
      acks.push(label);
    },
  };
}

const decode = (r: SourceBatch['records'][number]): NormalizedEvent[] => {
  const text = Buffer.from(r.data).toString();
  if (text === 'bad') throw new DecodeError('not-gzip', 'not gzip: incorrect header check', 0);
  return [event(Number(text))];
};

class FlakySink implements Sink {
  readonly name = 'flaky';
  readonly delivered: NormalizedEvent[] = [];
  calls = 0;
  constructor(private failures: number) {}
  async send(events: readonly NormalizedEvent[]): Promise<void> {
    this.calls++;
    if (this.failures-- > 0) throw new SinkError('connection refused');
    this.delivered.push(...events);
  }
  async close(): Promise<void> {}
}

function pipeline(sink: Sink, metrics = createMetrics()) {
  const deadLetters = deadLetterFile();
  const p = new Pipeline({
    sink,
    decode,
    deadLetters,
    metrics,
    logger: silentLogger(),
    sourceKind: 'kinesis',
    retryInitialDelayMs: 1,
    retryMaxDelayMs: 2,
    sleep: () => new Promise<void>((resolve) => setImmediate(resolve)),
  });
  return { p, deadLetters, metrics };
}

describe('Pipeline', () => {
  test('acknowledges a batch only after the sink delivered its events', async () => {
    const acks: string[] = [];
    const order: string[] = [];
    const sink: Sink = { name: 'x', send: async () => void order.push('sent'), close: async () => undefined };
    const { p } = pipeline(sink);
    await p.handle({ ...batch(['1', '2'], acks), ack: async () => void order.push('ack') });
    expect(order).toEqual(['sent', 'ack']);
  });

  test('a failing sink never loses the batch: it is held and retried until delivered, then acknowledged once', async () => {
    const acks: string[] = [];
    const sink = new FlakySink(3);
    const { p, metrics } = pipeline(sink);
    await p.handle(batch(['1', '2', '3'], acks));
    expect(sink.calls).toBe(4);
    expect(sink.delivered.map((e) => e.id)).toEqual(['e1', 'e2', 'e3']);
    expect(acks).toEqual(['b']);
    expect((await metrics.retries.get()).values.find((v) => v.labels.component === 'pipeline')?.value).toBe(3);
  });

  test('stopped while the sink keeps failing: the batch is left unacknowledged and the handler rejects', async () => {
    const acks: string[] = [];
    const sink = new FlakySink(Number.MAX_SAFE_INTEGER);
    const { p } = pipeline(sink);
    const handled = p.handle(batch(['1'], acks));
    await new Promise((r) => setTimeout(r, 20));
    p.stop();
    await expect(handled).rejects.toThrow(/will be read again/);
    expect(acks).toEqual([]);
  });

  test('an undecodable record is dead-lettered with its origin and bytes, counted, and the rest delivered', async () => {
    const acks: string[] = [];
    const sink = new FlakySink(0);
    const { p, deadLetters, metrics } = pipeline(sink);
    await p.handle(batch(['1', 'bad', '3'], acks));
    await deadLetters.close();
    expect(sink.delivered.map((e) => e.id)).toEqual(['e1', 'e3']);
    expect(acks).toEqual(['b']);
    const dead = readFileSync(join(dir, 'dead.ndjson'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(dead).toEqual([
      expect.objectContaining({
        code: 'CWL_COLLECTOR_DECODE',
        error: 'not gzip: incorrect header check',
        offset: 0,
        origin: origin(1),
        data: Buffer.from('bad').toString('base64'),
      }),
    ]);
    expect((await metrics.decodeErrors.get()).values).toEqual([expect.objectContaining({ labels: { reason: 'gzip' }, value: 1 })]);
  });

  test('a batch with only control messages or bad records is still acknowledged, without calling the sink', async () => {
    const acks: string[] = [];
    const sink = new FlakySink(0);
    const { p } = pipeline(sink);
    await p.handle(batch(['bad'], acks));
    expect(sink.calls).toBe(0);
    expect(acks).toEqual(['b']);
  });

  test('a batch marked retainOnDecodeError with an undecodable record: the record is dead-lettered, the rest delivered, and the batch NOT acknowledged', async () => {
    const acks: string[] = [];
    const sink = new FlakySink(0);
    const { p, deadLetters, metrics } = pipeline(sink);
    await expect(p.handle({ ...batch(['1', 'bad', '3'], acks), retainOnDecodeError: true })).resolves.toBeUndefined();
    await deadLetters.close();
    expect(sink.delivered.map((e) => e.id)).toEqual(['e1', 'e3']);
    expect(acks).toEqual([]);
    const dead = readFileSync(join(dir, 'dead.ndjson'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(dead).toEqual([expect.objectContaining({ origin: origin(1), data: Buffer.from('bad').toString('base64') })]);
    expect((await metrics.decodeErrors.get()).values).toEqual([expect.objectContaining({ labels: { reason: 'gzip' }, value: 1 })]);
  });

  test('a batch marked retainOnDecodeError holding only undecodable records is neither sent nor acknowledged', async () => {
    const acks: string[] = [];
    const sink = new FlakySink(0);
    const { p } = pipeline(sink);
    await p.handle({ ...batch(['bad', 'bad'], acks), retainOnDecodeError: true });
    expect(sink.calls).toBe(0);
    expect(acks).toEqual([]);
  });

  test('a batch marked retainOnDecodeError that decodes cleanly is delivered and acknowledged as usual', async () => {
    const acks: string[] = [];
    const sink = new FlakySink(1);
    const { p } = pipeline(sink);
    await p.handle({ ...batch(['1', '2'], acks), retainOnDecodeError: true });
    expect(sink.delivered.map((e) => e.id)).toEqual(['e1', 'e2']);
    expect(acks).toEqual(['b']);
  });

  test('counts the events decoded', async () => {
    const { p, metrics } = pipeline(new FlakySink(0));
    await p.handle(batch(['1', '22'], []));
    expect((await metrics.eventsIn.get()).values[0].value).toBe(2);
  });

  describe('records decoded in chunks (S3 objects)', () => {
    /** A record of `chunks` chunks of `size` events; with `failAfter`, a DecodeError once that many chunks were yielded. */
    function chunked(chunks: number, size: number, failAfter?: number) {
      let pulled = 0;
      const gen = function* (): Generator<NormalizedEvent[]> {
        for (let c = 0; c < chunks; c++) {
          if (failAfter !== undefined && c === failAfter) throw new DecodeError('gzip-truncated', 'unexpected end of gzip member', 123);
          pulled++;
          yield Array.from({ length: size }, (_, i) => event(c * size + i));
        }
      };
      return { decode: () => gen(), pulled: () => pulled };
    }

    function chunkPipeline(sink: Sink, decodeFn: () => Iterable<readonly NormalizedEvent[]>, maxPendingEvents: number) {
      return new Pipeline({
        sink,
        decode: decodeFn,
        deadLetters: deadLetterFile(),
        metrics: createMetrics(),
        logger: silentLogger(),
        sourceKind: 'sqs',
        retryInitialDelayMs: 1,
        retryMaxDelayMs: 2,
        maxPendingEvents,
      });
    }

    test('delivers as chunks come, never holding more than about maxPendingEvents, and acknowledges after the last', async () => {
      const src = chunked(10, 1000);
      const sizes: number[] = [];
      const pulledAtSend: number[] = [];
      const acks: string[] = [];
      const sink: Sink = { name: 'x', send: async (evs) => void (sizes.push(evs.length), pulledAtSend.push(src.pulled())), close: async () => undefined };
      await chunkPipeline(sink, src.decode, 3000).handle({ ...batch(['x'], acks) });
      expect(sizes).toEqual([3000, 3000, 3000, 1000]);
      // The decoder had produced only what was about to be delivered: it is consumed lazily.
      expect(pulledAtSend).toEqual([3, 6, 9, 10]);
      expect(acks).toEqual(['b']);
    });

    test('a decode error part way: the chunks before it are delivered, the record is dead-lettered, a retaining batch is not acknowledged', async () => {
      const src = chunked(5, 100, 3);
      const delivered: NormalizedEvent[] = [];
      const acks: string[] = [];
      const sink: Sink = { name: 'x', send: async (evs) => void delivered.push(...evs), close: async () => undefined };
      await chunkPipeline(sink, src.decode, 150).handle({ ...batch(['x'], acks), retainOnDecodeError: true });
      expect(delivered.map((e) => e.id)).toEqual(Array.from({ length: 300 }, (_, i) => `e${i}`));
      expect(acks).toEqual([]);
      const dead = readFileSync(join(dir, 'dead.ndjson'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      expect(dead).toHaveLength(1);
      expect(dead[0]).toMatchObject({ error: 'unexpected end of gzip member', offset: 123 });
    });
  });
});
