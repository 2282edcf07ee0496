/**
 * The bad-input suite: every input path the collector decodes (a Kinesis record; an S3 object read
 * as a Firehose object, an export-task object, lines, or `auto`; an SQS message body; each format
 * of the `decode` command) fed hostile bytes: decompression bombs in every member position,
 * truncated and corrupt gzip, truncated JSON, JSON nested 100,000 levels, random garbage, lines
 * longer than the cap, empty input. For each: the pipeline ends the record in a DecodeError with a
 * reason (dead-lettered, counted) or delivers its events (a deep JSON message unparsed), never
 * throws, acknowledges the batch, and delivers the good record that follows; memory stays bounded.
 * Modes are built from a validated config (limits.maxDecompressedBytes = 1 MiB), as app.ts does.
 */
import { mkdtempSync, readFileSync, rmSync, existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import * as zlib from 'node:zlib';
import { runDecode } from '../../src/commands/decode';
import { CollectorConfig, parseCollectorConfig } from '../../src/config/load';
import { kinesisMode } from '../../src/modes/kinesis';
import { sqsMode } from '../../src/modes/sqs';
import type { Mode, ModeContext } from '../../src/modes/types';
import { DeadLetterFile } from '../../src/ops/dead-letter';
import { silentLogger } from '../../src/ops/log';
import { createMetrics } from '../../src/ops/metrics';
import { createParser } from '../../src/parsers';
import { Pipeline } from '../../src/pipeline';
import { serializeEvent } from '../../src/serialize';
import { parseS3Notification } from '../../src/sources/sqs/s3-notifications';
import { DecodeError, DecodeReason, EventOrigin, NormalizedEvent, Sink, SourceBatch } from '../../src/types';
import { dataMessage, getRecordsJson, gzipJson } from '../fixtures/payloads';
import { deepJson, garbage, gzipBomb } from './inputs';
import { FileStateStore } from '../../src/state/file/store';

const MIB = 1024 * 1024;
const CAP = MIB;
const REASONS: readonly DecodeReason[] = [
  'not-gzip',
  'gzip-truncated',
  'gzip-corrupt',
  'too-large',
  'not-json',
  'bad-envelope',
  'bad-get-records',
  'bad-export-line',
  'unknown-format',
  'unexpected-format',
  'unexpected-origin',
  'not-notification',
  'unserializable',
];

let dir: string;
let rssStart = 0;
let rssMax = 0;
const sampleMemory = () => {
  rssMax = Math.max(rssMax, process.memoryUsage().rss);
};
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'cwl-badinput-'));
  rssStart = process.memoryUsage().rss;
  rssMax = rssStart;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// ---- the inputs ------------------------------------------------------------------------------

const TS = '2026-11-22T10:00:00.000Z';
const envelopeJson = (messages: string[]) => JSON.stringify(dataMessage(messages, { logGroup: '/app' }));

/** One input path: how its good record looks and how to wrap a payload (a message, a text) in it. */
interface Path {
  readonly name: string;
  /** A valid record with one event whose message is `message`. */
  readonly record: (message: string) => Buffer;
  /** The origin of the path's records. */
  readonly origin: (n: number) => EventOrigin;
  readonly mode: Mode;
}

const objectOrigin = (n: number): EventOrigin => ({ kind: 'firehose-object', bucket: 'b', key: `prefix/task/stream-${n}/000000.gz`, offset: 0 });

function config(source: Record<string, unknown>): CollectorConfig {
  return parseCollectorConfig({ source, sink: { type: 'stdout' }, limits: { maxDecompressedBytes: CAP } }, 'bad-input', {});
}

const context = (c: CollectorConfig): ModeContext => ({
  logger: silentLogger(),
  metrics: createMetrics(),
  parser: createParser({ maxJsonDepth: c.limits.maxJsonDepth }),
  onUnparsed: () => undefined,
  limits: c.limits,
  // Never opened: decoding needs no state.
  state: new FileStateStore({ type: 'file', dir: 'unused-state' }, { logger: silentLogger() }),
  clients: { kinesis: {} as never, sqs: {} as never, s3: {} as never },
});

function objectPath(format: 'auto' | 'firehose-object' | 'export-object' | 'lines', record: (message: string) => Buffer): Path {
  const c = config({ type: 'sqs', queueUrl: 'https://sqs.us-east-1.amazonaws.com/111122223333/q', region: 'us-east-1', objects: { format, logGroup: '/app' } });
  return { name: `S3 object (${format})`, record, origin: objectOrigin, mode: sqsMode(c.source as Parameters<typeof sqsMode>[0], context(c)) };
}

const kinesisConfig = config({ type: 'kinesis', streamName: 'cwl', region: 'us-east-1' });
const PATHS: readonly Path[] = [
  {
    name: 'Kinesis record',
    record: (m) => zlib.gzipSync(envelopeJson([m])),
    origin: (n) => ({ kind: 'kinesis', stream: 'cwl', shard: 'shardId-000000000000', sequenceNumber: String(n) }),
    mode: kinesisMode(kinesisConfig.source as Parameters<typeof kinesisMode>[0], context(kinesisConfig)),
  },
  objectPath('firehose-object', (m) => zlib.gzipSync(envelopeJson([m]))),
  objectPath('auto', (m) => zlib.gzipSync(envelopeJson([m]))),
  objectPath('export-object', (m) => zlib.gzipSync(`${TS} ${m}\n`)),
  objectPath('lines', (m) => zlib.gzipSync(`${m}\n`)),
];

/** A bad input, as a function of the path (for the members around it). */
interface Case {
  readonly name: string;
  readonly data: (p: Path) => Buffer;
  /** What must happen (on the paths named in `on`, else on every path); else the outcome only needs to be a clean one. */
  readonly expect?: 'too-large' | 'unparsed';
  readonly on?: readonly string[];
}

const good = (p: Path, tag = 'member') => p.record(tag);
const members = (p: Path, n: number, at: number, bad: Buffer) => Buffer.concat(Array.from({ length: n }, (_, i) => (i === at ? bad : good(p, `m${i}`))));

const CASES: Case[] = [
  { name: 'empty input', data: () => Buffer.alloc(0) },
  { name: 'a bomb as the only member', data: () => gzipBomb(64 * MIB), expect: 'too-large' },
  { name: 'a bomb in the second member', data: (p) => members(p, 2, 1, gzipBomb(64 * MIB)), expect: 'too-large' },
  { name: 'a bomb in the third of five members', data: (p) => members(p, 5, 2, gzipBomb(64 * MIB)), expect: 'too-large' },
  { name: 'a 1 GiB bomb after a good member', data: (p) => members(p, 2, 1, gzipBomb(1024 * MIB)), expect: 'too-large' },
  { name: 'members each under the cap, together over it', data: (p) => members(p, 3, 1, zlib.gzipSync(Buffer.alloc(CAP - 1000, 0x61))) },
  // Only Firehose objects mix plain segments and gzip members; elsewhere the bomb is never inflated.
  {
    name: 'a bomb after a plain segment',
    data: () => Buffer.concat([Buffer.from(envelopeJson(['plain'])), gzipBomb(64 * MIB)]),
    expect: 'too-large',
    on: ['S3 object (firehose-object)', 'S3 object (auto)'],
  },
  ...[1, 2, 3, 10, 11, 18, 0.5, -9, -8, -4, -1].map((cut) => ({
    name: `gzip truncated at ${cut < 0 ? `${cut} from the end` : cut < 1 ? 'the middle' : `byte ${cut}`}`,
    data: (p: Path) => {
      const g = members(p, 2, -1, Buffer.alloc(0));
      const at = cut < 0 ? g.length + cut : cut < 1 ? Math.floor(g.length * cut) : cut;
      return g.subarray(0, at);
    },
  })),
  ...[12, 20, 0.5, -9, -3].map((at) => ({
    name: `gzip with a corrupt byte at ${at}`,
    data: (p: Path) => {
      const g = Buffer.from(good(p));
      const i = at < 0 ? g.length + at : at < 1 ? Math.floor(g.length * at) : at;
      g[i] ^= 0x55;
      return g;
    },
  })),
  { name: 'truncated JSON', data: () => Buffer.from(envelopeJson(['cut']).slice(0, 60)) },
  { name: 'truncated JSON, gzipped', data: () => zlib.gzipSync(envelopeJson(['cut']).slice(0, 60)) },
  { name: 'a payload nested 100,000 levels', data: () => Buffer.from(deepJson(100000)) },
  { name: 'a payload nested 100,000 levels, gzipped', data: () => zlib.gzipSync(deepJson(100000)) },
  { name: 'messageType nested 100,000 levels', data: () => zlib.gzipSync(`{"messageType":${'['.repeat(100000)}${']'.repeat(100000)}}`) },
  { name: 'a JSON message nested 5,000 levels', data: (p) => p.record(deepJson(5000)), expect: 'unparsed' },
  { name: 'a JSON message nested 100,000 levels', data: (p) => p.record(deepJson(100000)), expect: 'unparsed' },
  { name: 'a line longer than the cap', data: () => Buffer.from(`${TS} short\n${'x'.repeat(2 * CAP)}\n`) },
  { name: 'a JSON document longer than the cap', data: () => Buffer.from(envelopeJson(['y'.repeat(2 * CAP)])), expect: 'too-large' },
  { name: 'invalid UTF-8 and NUL bytes', data: () => zlib.gzipSync(Buffer.from([0xff, 0xfe, 0x00, 0x0a, 0xc3, 0x28, 0x0a])) },
  { name: 'gzip magic followed by garbage', data: () => Buffer.concat([Buffer.from([0x1f, 0x8b, 0x08, 0x00]), garbage(200, 7)]) },
  ...[1, 2, 3, 4, 5, 6, 7, 8].map((seed) => ({ name: `random garbage (seed ${seed})`, data: () => garbage(16 << seed, seed) })),
];

// ---- running a batch -------------------------------------------------------------------------

/** A sink that serializes like the real ones and keeps the lines. */
class RecordingSink implements Sink {
  readonly name = 'recording';
  readonly lines: Record<string, unknown>[] = [];
  async send(events: readonly NormalizedEvent[]): Promise<void> {
    for (const e of events) this.lines.push(JSON.parse(serializeEvent(e)) as Record<string, unknown>);
  }
  async close(): Promise<void> {}
}

interface Outcome {
  readonly reasons: DecodeReason[];
  readonly dead: { origin: EventOrigin; code: string }[];
  readonly delivered: Record<string, unknown>[];
  readonly acks: number;
  readonly retries: number;
}

let run = 0;
/** The bad record then a good one, in one batch, through the path's decoder and the pipeline. */
async function handle(p: Path, bad: Buffer): Promise<Outcome> {
  const reasons: DecodeReason[] = [];
  const note = (e: unknown) => {
    if (e instanceof DecodeError) reasons.push(e.reason);
    throw e;
  };
  // Records the reason of each DecodeError, whether thrown by the call or while iterating its chunks.
  const decode: Mode['decode'] = (record) => {
    let out: ReturnType<Mode['decode']>;
    try {
      out = p.mode.decode(record);
    } catch (e) {
      note(e);
      throw e;
    }
    if (Array.isArray(out)) return out;
    const chunks = out as Iterable<readonly NormalizedEvent[]>;
    return (function* () {
      try {
        yield* chunks;
      } catch (e) {
        note(e);
      }
    })();
  };
  const sink = new RecordingSink();
  const metrics = createMetrics();
  const deadPath = join(dir, `dead-${++run}.ndjson`);
  const deadLetters = new DeadLetterFile(deadPath);
  let retries = 0;
  const pipeline = new Pipeline({
    sink,
    decode,
    deadLetters,
    metrics,
    logger: silentLogger(),
    sourceKind: 'test',
    retryInitialDelayMs: 1,
    retryMaxDelayMs: 1,
    sleep: async () => {
      if (++retries >= 2) pipeline.stop();
    },
  });
  let acks = 0;
  const batch: SourceBatch = {
    records: [
      { data: bad, origin: p.origin(1), timestamp: 1 },
      { data: p.record('the next record'), origin: p.origin(2), timestamp: 1 },
    ],
    labels: {},
    ack: async () => void acks++,
  };
  await pipeline.handle(batch);
  await deadLetters.close();
  sampleMemory();
  const dead = existsSync(deadPath)
    ? readFileSync(deadPath, 'utf8')
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l) as { origin: EventOrigin; code: string })
    : [];
  const counted = (await metrics.decodeErrors.get()).values.reduce((s, v) => s + v.value, 0);
  expect(counted).toBe(dead.length);
  return { reasons, dead, delivered: sink.lines, acks, retries };
}

describe.each(PATHS.map((p) => [p.name, p] as const))('%s', (_name, path) => {
  test.each(CASES.map((c) => [c.name, c] as const))('%s: a clean outcome, and the next record is delivered', async (_case, c) => {
    const o = await handle(path, c.data(path));
    // No crash, no retry as if the sink failed, the batch acknowledged, the next record delivered.
    expect([o.acks, o.retries]).toEqual([1, 0]);
    const next = o.delivered.filter((l) => l.message === 'the next record');
    expect(next).toHaveLength(1);
    // The bad record: dead-lettered with a reason (at most one per record), or delivered.
    expect(o.reasons.length).toBe(o.dead.length);
    expect(o.dead.length).toBeLessThanOrEqual(1);
    for (const r of o.reasons) expect(REASONS).toContain(r);
    for (const d of o.dead) expect([d.origin, d.code]).toEqual([path.origin(1), 'CWL_COLLECTOR_DECODE']);
    const expected = c.on === undefined || c.on.includes(path.name) ? c.expect : undefined;
    if (expected === 'too-large') expect(o.reasons).toEqual(['too-large']);
    if (expected === 'unparsed') {
      expect(o.reasons).toEqual([]);
      const deep = o.delivered.filter((l) => typeof l.message === 'string' && l.message.startsWith('{"a":{"a":'));
      expect(deep).toHaveLength(1);
      expect([deep[0].type, deep[0].fields]).toEqual([undefined, undefined]);
    }
  });
});

describe('SQS message bodies', () => {
  const bodies: [string, string][] = [
    ['empty', ''],
    ['blank', ' \n\t'],
    ['truncated JSON', JSON.stringify({ Records: [{ eventName: 'ObjectCreated:Put' }] }).slice(0, 30)],
    ['nested 100,000 levels', deepJson(100000)],
    ['Records nested 100,000 levels', `{"Records":${'['.repeat(100000)}${']'.repeat(100000)}}`],
    ['an SNS Message nested 100,000 levels', JSON.stringify({ Type: 'Notification', TopicArn: 'arn:aws:sns:us-east-1:1:t', Message: deepJson(100000) })],
    ['garbage', garbage(4096, 3).toString('latin1')],
    ['a long string', JSON.stringify('z'.repeat(2 * MIB))],
    ['an array', '[1,2,3]'],
    ['Records of garbage', JSON.stringify({ Records: [null, 1, 'x', { s3: 5 }, { eventName: 'ObjectCreated:Put', s3: { bucket: {}, object: {} } }] })],
  ];
  test.each(bodies)('%s: a not-notification DecodeError, nothing else', (_name, body) => {
    let thrown: unknown;
    try {
      parseS3Notification(body);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(DecodeError);
    expect((thrown as DecodeError).reason).toBe('not-notification');
    sampleMemory();
  });
});

describe('decode command', () => {
  async function decode(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    stdout.on('data', (c: Buffer) => out.push(c));
    stderr.on('data', (c: Buffer) => err.push(c));
    const code = await runDecode(args, { stdin: Readable.from([]), stdout, stderr });
    return { code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') };
  }
  const kinesisPath = PATHS[0];
  const ALL = ['auto', 'kinesis-record', 'get-records', 'firehose-object', 'export-object'];
  /**
   * Each input with the formats that must refuse it (a Firehose object of text lines, say, accepts
   * garbage as lines), and those that must refuse it for its size.
   */
  const inputs: [string, Buffer, string[], string[]?][] = [
    [
      'a 1 GiB bomb in the second member',
      members(kinesisPath, 2, 1, gzipBomb(1024 * MIB)),
      ALL,
      ['auto', 'kinesis-record', 'firehose-object', 'export-object'],
    ],
    ['truncated gzip', kinesisPath.record('x').subarray(0, 25), ALL],
    ['a payload nested 100,000 levels', Buffer.from(deepJson(100000)), ['kinesis-record', 'get-records', 'export-object']],
    ['garbage', garbage(2048, 5), ['auto', 'kinesis-record', 'get-records', 'export-object']],
    [
      'get-records output with a bomb and garbage as Data',
      Buffer.from(getRecordsJson([gzipBomb(1024 * MIB), garbage(64, 2), gzipJson(dataMessage(['ok']))])),
      ['auto', 'get-records', 'kinesis-record', 'export-object'],
      ['auto', 'get-records'],
    ],
    ['truncated get-records output', Buffer.from(getRecordsJson([gzipJson(dataMessage(['ok']))]).slice(0, 40)), ['auto', 'get-records', 'kinesis-record']],
  ];
  test.each(inputs)(
    '%s: each format decodes it or fails cleanly (exit 1, FILE: what is wrong); --keep-going goes on to the next file',
    async (name, data, refusing, tooLarge = []) => {
      const bad = join(dir, `bad-${name.replace(/\W+/g, '-')}`);
      writeFileSync(bad, data);
      for (const format of ALL) {
        const r = await decode(['--input-format', format, bad]);
        const must = refusing.includes(format);
        expect([format, r.code]).toEqual([format, must ? 1 : r.code === 1 ? 1 : 0]);
        if (r.code === 1) expect(r.stderr).toMatch(new RegExp(`^${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: .+\n$`));
        else for (const line of r.stdout.split('\n').filter(Boolean)) expect(JSON.parse(line)).toHaveProperty('message');
        if (tooLarge.includes(format)) expect(r.stderr).toContain('limits.maxDecompressedBytes');
        sampleMemory();
      }
      const next = join(dir, 'next.gz');
      writeFileSync(next, gzipJson(dataMessage(['the next file'])));
      const r = await decode(['--keep-going', '--input-format', 'kinesis-record', bad, next]);
      expect(r.code).toBe(1);
      expect(r.stdout).toContain('"message":"the next file"');
    },
  );
});

test('memory stayed bounded over the whole suite (peak RSS growth < 200 MB)', () => {
  sampleMemory();
  expect((rssMax - rssStart) / 1e6).toBeLessThan(200);
});
