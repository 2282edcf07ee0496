/**
 * Deeply nested JSON messages: the parser leaves a message nested deeper than limits.maxJsonDepth
 * raw (delivered unparsed, message verbatim), serialization never throws, and an event that cannot
 * be serialized is dead-lettered on its own; none of these is retried as a sink outage.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCollectorConfig } from '../../src/config/load';
import { kinesisMode } from '../../src/modes/kinesis';
import { DeadLetterFile } from '../../src/ops/dead-letter';
import { silentLogger } from '../../src/ops/log';
import { createMetrics } from '../../src/ops/metrics';
import { createParser } from '../../src/parsers';
import { parseJsonObject } from '../../src/parsers/json';
import { Pipeline } from '../../src/pipeline';
import { serializeBatch, serializeEvent } from '../../src/serialize';
import { createSink } from '../../src/sinks';
import { NormalizedEvent, SourceBatch } from '../../src/types';
import { deepJson } from '../badinput/inputs';
import { dataMessage, gzipJson } from '../fixtures/payloads';
import { FileStateStore } from '../../src/state/file/store';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cwl-json-depth-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const readLines = (path: string): Record<string, unknown>[] =>
  readFileSync(path, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);

/** A pipeline as app.ts builds it for the Kinesis mode, with a real file sink; gives up (stop()) after 3 sink retries. */
function kinesisPipeline() {
  const config = parseCollectorConfig(
    {
      source: { type: 'kinesis', streamName: 'cwl', region: 'us-east-1' },
      sink: { type: 'file', path: join(dir, 'events.ndjson') },
      deadLetter: { path: join(dir, 'dead.ndjson') },
    },
    'test',
    {},
  );
  const metrics = createMetrics();
  const parser = createParser({ vpcFlowLogs: config.parsers.vpcFlowLogs, maxJsonDepth: config.limits.maxJsonDepth });
  const mode = kinesisMode(config.source as Parameters<typeof kinesisMode>[0], {
    logger: silentLogger(),
    metrics,
    parser,
    onUnparsed: () => undefined,
    limits: config.limits,
    // Never opened: decoding needs no state.
    state: new FileStateStore({ type: 'file', dir: 'unused-state' }, { logger: silentLogger() }),
    clients: { kinesis: {} as never },
  });
  const sink = createSink(config.sink, { logger: silentLogger(), metrics, env: {}, serialize: serializeEvent });
  let retries = 0;
  const p: Pipeline = new Pipeline({
    sink,
    decode: mode.decode,
    deadLetters: new DeadLetterFile(config.deadLetter.path),
    metrics,
    logger: silentLogger(),
    sourceKind: 'kinesis',
    retryInitialDelayMs: 1,
    retryMaxDelayMs: 1,
    sleep: async () => {
      if (++retries >= 3) p.stop();
    },
  });
  return { p, sink, metrics, retries: () => retries, out: join(dir, 'events.ndjson'), dead: join(dir, 'dead.ndjson') };
}

const origin = (n: number) => ({ kind: 'kinesis' as const, stream: 'cwl', shard: 'shardId-000000000000', sequenceNumber: String(n) });

describe('a message nested 5,000 levels deep', () => {
  test('is delivered once, unparsed (message verbatim, no type, no fields), and the batch is acknowledged', async () => {
    const deep = deepJson(5000);
    const { p, sink, metrics, retries, out } = kinesisPipeline();
    const acks: string[] = [];
    const batch: SourceBatch = {
      records: [
        { data: gzipJson(dataMessage([deep, '{"level":"info"}'], { logGroup: '/app' })), origin: origin(1) },
        { data: gzipJson(dataMessage(['after'], { logGroup: '/app' })), origin: origin(2) },
      ],
      labels: { shard: 'shardId-000000000000' },
      ack: async () => void acks.push('acked'),
    };
    await p.handle(batch);
    await sink.close();
    expect(retries()).toBe(0);
    expect(acks).toEqual(['acked']);
    const lines = readLines(out);
    expect(lines.map((l) => [l.message === deep ? 'deep' : l.message, l.type, l.fields])).toEqual([
      ['deep', undefined, undefined],
      ['{"level":"info"}', 'json', { level: 'info' }],
      ['after', undefined, undefined],
    ]);
    expect((await metrics.retries.get()).values.reduce((s, v) => s + v.value, 0)).toBe(0);
  });
});

describe('the JSON depth limit', () => {
  test('is limits.maxJsonDepth of the config, 64 unless set: 64 levels are parsed, 65 are not', () => {
    const base = { source: { type: 'kinesis', streamName: 's', region: 'us-east-1' }, sink: { type: 'stdout' } };
    expect(parseCollectorConfig(base, 't', {}).limits.maxJsonDepth).toBe(64);
    expect(parseJsonObject(deepJson(64))).toBeDefined();
    expect(parseJsonObject(deepJson(65))).toBeUndefined();
    expect(parseJsonObject('{"a":[[[1]]]}', 4)).toEqual({ a: [[[1]]] });
    expect(parseJsonObject('{"a":[[[1]]]}', 3)).toBeUndefined();
    const parser = createParser({ maxJsonDepth: 3 });
    expect(parser.parse('{"a":{"b":{}}}', '/app')).toEqual({ type: 'json', fields: { a: { b: {} } } });
    expect(parser.parse('{"a":{"b":{"c":{}}}}', '/app')).toBeUndefined();
    // CloudTrail records go through the same limit.
    expect(parser.parse(JSON.stringify({ eventVersion: '1.08', eventSource: 's3.amazonaws.com', x: { y: { z: {} } } }), '/ct')).toBeUndefined();
  });
});

/** Fields nested `depth` levels, built without recursion. */
function nested(depth: number): Record<string, unknown> {
  let v: Record<string, unknown> = { leaf: 1 };
  for (let i = 1; i < depth; i++) v = { a: v };
  return v;
}

const base: NormalizedEvent = { id: 'e1', timestamp: 1, owner: '1', logGroup: 'g', logStream: 's', message: 'm "q"', source: origin(1) };
const unparsedJson = JSON.stringify(base);

describe('serialization', () => {
  test('never throws: fields it cannot serialize (too deep, a BigInt, a cycle) leave the event unparsed', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    for (const fields of [nested(20000), { n: 10n }, cyclic]) {
      const e: NormalizedEvent = { ...base, type: 'json', fields };
      expect(serializeEvent(e)).toBe(unparsedJson);
      expect(serializeBatch([e, base])).toBe(`${unparsedJson}\n${unparsedJson}\n`);
    }
  });

  test('never throws for an event off the contract either (a BigInt in its origin, a non-string id)', () => {
    const odd = { ...base, id: 5 as unknown as string, source: { kind: 'file', file: 'f', offset: 1n } as unknown as NormalizedEvent['source'] };
    expect(() => serializeEvent(odd)).not.toThrow();
    expect(JSON.parse(serializeEvent(odd))).toMatchObject({ id: 5, message: 'm "q"' });
  });

  test('an event that cannot be serialized is dead-lettered on its own; the rest are delivered and the batch acknowledged', async () => {
    const sinkPath = join(dir, 'events.ndjson');
    const metrics = createMetrics();
    const sink = createSink({ type: 'file', path: sinkPath }, { logger: silentLogger(), metrics, env: {}, serialize: serializeEvent });
    const broken = { ...base, id: 'broken', source: { kind: 'file', file: 'f', offset: 1n } as unknown as NormalizedEvent['source'] };
    let retries = 0;
    const deadLetters = new DeadLetterFile(join(dir, 'dead.ndjson'));
    const p = new Pipeline({
      sink,
      decode: () => [{ ...base, id: 'ok-1' }, broken, { ...base, id: 'ok-2' }],
      deadLetters,
      metrics,
      logger: silentLogger(),
      sourceKind: 'kinesis',
      retryInitialDelayMs: 1,
      retryMaxDelayMs: 1,
      sleep: async () => {
        if (++retries >= 3) p.stop();
      },
    });
    const acks: string[] = [];
    await p.handle({ records: [{ data: Buffer.from('x'), origin: origin(7) }], labels: {}, ack: async () => void acks.push('acked') });
    await Promise.all([sink.close(), deadLetters.close()]);
    expect([retries, acks]).toEqual([0, ['acked']]);
    expect(readLines(sinkPath).map((l) => l.id)).toEqual(['ok-1', 'ok-2']);
    const dead = readLines(join(dir, 'dead.ndjson'));
    expect(dead).toEqual([
      expect.objectContaining({
        origin: origin(7),
        code: 'CWL_COLLECTOR_DECODE',
        error: expect.stringMatching(/^event 1 of the record cannot be serialized: /),
      }),
    ]);
    expect(Buffer.from(dead[0].data as string, 'base64').toString()).toBe('m "q"');
    expect((await metrics.decodeErrors.get()).values).toEqual([expect.objectContaining({ labels: { reason: 'shape' }, value: 1 })]);
  });
});
