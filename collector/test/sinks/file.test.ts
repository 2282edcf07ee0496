import { existsSync, mkdirSync, mkdtempSync, promises as fsp, readdirSync, readFileSync, statSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { createSink } from '../../src/sinks';
import { NormalizedEvent, SinkError } from '../../src/types';
import { counterValue, event, events, fastRetry, removeDir, testDeps } from './helpers';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cwl-file-sink-'));
});
afterEach(() => {
  jest.restoreAllMocks();
  removeDir(dir);
});

/** The prototype every FileHandle shares, to spy on write and sync. */
async function fileHandlePrototype(): Promise<{ sync(): Promise<void>; write: (...a: unknown[]) => Promise<{ bytesWritten: number }> }> {
  const fh = await fsp.open(join(dir, '.probe'), 'w');
  const proto = Object.getPrototypeOf(fh);
  await fh.close();
  return proto;
}

const lineBytes = (e: NormalizedEvent) => Buffer.byteLength(JSON.stringify(e)) + 1;
const readLines = (path: string): string[] => readFileSync(path, 'utf8').split('\n').slice(0, -1);

/** Every file of the rotation set, oldest first: path.N … path.1, path. */
function rotationSet(path: string): string[] {
  const rotated = readdirSync(dir)
    .filter((f) => /\.\d+$/.test(f))
    .map((f) => Number(/\.(\d+)$/.exec(f)![1]))
    .sort((a, b) => b - a)
    .map((n) => `${path}.${n}`);
  return [...rotated, path].filter((p) => existsSync(p));
}

describe('file sink', () => {
  test('appends one JSON object per line and fsyncs before resolving', async () => {
    const proto = await fileHandlePrototype();
    const sync = jest.spyOn(proto, 'sync');
    const path = join(dir, 'out', 'events.ndjson');
    const deps = testDeps();
    const sink = createSink({ type: 'file', path }, deps);
    await sink.send(events(3));
    expect(sync).toHaveBeenCalledTimes(1);
    await sink.send([event(3)]);
    expect(sync).toHaveBeenCalledTimes(2);
    expect(readLines(path).map((l) => JSON.parse(l))).toEqual(events(4));
    expect(await counterValue(deps.metrics.bytesOut, { sink: 'file' })).toBe(statSync(path).size);
    expect(await counterValue(deps.metrics.eventsOut, { sink: 'file' })).toBe(4);
    await sink.close();
  });

  test('with fsync false, never fsyncs', async () => {
    const proto = await fileHandlePrototype();
    const sync = jest.spyOn(proto, 'sync');
    const path = join(dir, 'events.ndjson');
    const sink = createSink({ type: 'file', path, fsync: false }, testDeps());
    await sink.send(events(3));
    await sink.close();
    expect(sync).not.toHaveBeenCalled();
    expect(readLines(path)).toHaveLength(3);
  });

  test('appends to an existing file', async () => {
    const path = join(dir, 'events.ndjson');
    writeFileSync(path, '{"earlier":true}\n');
    const sink = createSink({ type: 'file', path }, testDeps());
    await sink.send(events(1));
    await sink.close();
    expect(readLines(path)).toEqual(['{"earlier":true}', JSON.stringify(event(0))]);
  });

  test('rotates before a file would exceed maxBytes: sizes, numbering, no event lost or split', async () => {
    const path = join(dir, 'events.ndjson');
    const batch = events(50);
    const size = lineBytes(batch[0]);
    expect(batch.every((e) => lineBytes(e) === size)).toBe(true);
    const maxBytes = size * 4 + Math.floor(size / 2); // four lines fit, the fifth would not
    const sink = createSink({ type: 'file', path, maxBytes, maxFiles: 20, batchSize: 7 }, testDeps());
    await sink.send(batch.slice(0, 23));
    await sink.send(batch.slice(23));
    await sink.close();

    const files = rotationSet(path);
    expect(files).toEqual([...Array.from({ length: 12 }, (_, i) => `${path}.${12 - i}`), path]);
    for (const f of files.slice(0, -1)) expect(statSync(f).size).toBe(size * 4);
    expect(statSync(path).size).toBe(size * 2);
    const lines = files.flatMap(readLines);
    expect(lines.map((l) => JSON.parse(l))).toEqual(batch);
  });

  test('keeps maxFiles rotated files and deletes the oldest', async () => {
    const path = join(dir, 'events.ndjson');
    const batch = events(10);
    const sink = createSink({ type: 'file', path, maxBytes: lineBytes(batch[0]) * 2, maxFiles: 2 }, testDeps());
    await sink.send(batch);
    await sink.close();
    expect(
      readdirSync(dir)
        .filter((f) => f.startsWith('events'))
        .sort(),
    ).toEqual(['events.ndjson', 'events.ndjson.1', 'events.ndjson.2']);
    expect(
      rotationSet(path)
        .flatMap(readLines)
        .map((l) => JSON.parse(l).id),
    ).toEqual(batch.slice(4).map((e) => e.id));
  });

  test('an event larger than maxBytes gets a file of its own, whole', async () => {
    const path = join(dir, 'events.ndjson');
    const big = event(1, { message: 'x'.repeat(5000) });
    const sink = createSink({ type: 'file', path, maxBytes: 1000 }, testDeps());
    await sink.send([event(0), big, event(2)]);
    await sink.close();
    expect(rotationSet(path).map((f) => readLines(f).map((l) => JSON.parse(l).id))).toEqual([[event(0).id], [big.id], [event(2).id]]);
  });

  test('an existing file already over maxBytes is rotated before the first write', async () => {
    const path = join(dir, 'events.ndjson');
    writeFileSync(path, `${'y'.repeat(2000)}\n`);
    const sink = createSink({ type: 'file', path, maxBytes: 1000 }, testDeps());
    await sink.send(events(1));
    await sink.close();
    expect(readFileSync(`${path}.1`, 'utf8')).toBe(`${'y'.repeat(2000)}\n`);
    expect(readLines(path)).toEqual([JSON.stringify(event(0))]);
  });

  test('a write that fails half way is cut off and retried: no torn line, no duplicate', async () => {
    const proto = await fileHandlePrototype();
    const original = proto.write;
    let failures = 0;
    jest.spyOn(proto, 'write').mockImplementation(async function (this: unknown, ...args: unknown[]) {
      if (failures++ === 0) {
        const [buf, off, len] = args as [Buffer, number, number];
        await original.call(this, buf, off, Math.floor(len / 2));
        throw Object.assign(new Error('EIO: i/o error, write'), { code: 'EIO' });
      }
      return original.apply(this, args);
    });
    const path = join(dir, 'events.ndjson');
    const deps = testDeps();
    const sink = createSink({ type: 'file', path, retry: fastRetry() }, deps);
    await sink.send(events(4));
    await sink.close();
    expect(readLines(path).map((l) => JSON.parse(l))).toEqual(events(4));
    expect(await counterValue(deps.metrics.retries, { component: 'file' })).toBe(1);
  });

  test('a path that is a directory fails at once with a non-retryable SinkError', async () => {
    const path = join(dir, 'a-directory');
    mkdirSync(path);
    const deps = testDeps();
    const sink = createSink({ type: 'file', path, retry: fastRetry(5) }, deps);
    const err = (await sink.send(events(1)).catch((e: unknown) => e)) as SinkError;
    expect(err).toBeInstanceOf(SinkError);
    expect(err.retryable).toBe(false);
    expect(err.message).toMatch(/^file: EISDIR/);
    expect(await counterValue(deps.metrics.retries, { component: 'file' })).toBe(0);
    expect(await counterValue(deps.metrics.batches, { sink: 'file', result: 'failed' })).toBe(1);
    await sink.close();
  });

  test('concurrent batches never interleave inside a line', async () => {
    const path = join(dir, 'events.ndjson');
    const sink = createSink({ type: 'file', path, maxBytes: 3000, maxFiles: 100, batchSize: 3, fsync: false }, testDeps());
    const a = events(30, { logGroup: 'a' });
    const b = events(30, { logGroup: 'b', message: 'é'.repeat(40) });
    await Promise.all([sink.send(a), sink.send(b)]);
    await sink.close();
    const got = rotationSet(path)
      .flatMap(readLines)
      .map((l) => JSON.parse(l) as NormalizedEvent);
    expect(got.filter((e) => e.logGroup === 'a')).toEqual(a);
    expect(got.filter((e) => e.logGroup === 'b')).toEqual(b);
    for (const f of rotationSet(path)) expect(statSync(f).size).toBeLessThanOrEqual(3000);
  });
});
