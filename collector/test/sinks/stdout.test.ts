import { Writable } from 'stream';
import { createSink } from '../../src/sinks';
import { SinkError } from '../../src/types';
import { counterValue, events, fastRetry, testDeps } from './helpers';

/** A stream that records each write and can fail the first `failures` of them. */
function recorder(failures = 0) {
  const writes: string[] = [];
  let failed = 0;
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      if (failed < failures) {
        failed++;
        cb(Object.assign(new Error('write EAGAIN'), { code: 'EAGAIN' }));
        return;
      }
      writes.push(chunk.toString('utf8'));
      cb();
    },
  });
  return { stream, writes };
}

describe('stdout sink', () => {
  test('writes one JSON object per line, batchSize events per write', async () => {
    const { stream, writes } = recorder();
    const deps = testDeps({ stdout: stream });
    const sink = createSink({ type: 'stdout', batchSize: 2 }, deps);
    const batch = events(5);
    await sink.send(batch);
    expect(writes).toHaveLength(3);
    const lines = writes.join('').split('\n');
    expect(lines.pop()).toBe('');
    expect(lines.map((l) => JSON.parse(l))).toEqual(batch);
    expect(lines[0]).toBe(JSON.stringify(batch[0]));
    expect(await counterValue(deps.metrics.eventsOut, { sink: 'stdout' })).toBe(5);
    expect(await counterValue(deps.metrics.batches, { sink: 'stdout', result: 'delivered' })).toBe(3);
    expect(await counterValue(deps.metrics.bytesOut, { sink: 'stdout' })).toBe(Buffer.byteLength(writes.join('')));
    await sink.close();
  });

  test('uses the serializer it is given', async () => {
    const { stream, writes } = recorder();
    const sink = createSink({ type: 'stdout' }, testDeps({ stdout: stream, serialize: (e) => `{"id":${JSON.stringify(e.id)}}` }));
    await sink.send(events(2));
    expect(writes.join('')).toBe(`{"id":"${events(2)[0].id}"}\n{"id":"${events(2)[1].id}"}\n`);
    await sink.close();
  });

  test('a failed write is a non-retryable SinkError: stdout cannot be reopened', async () => {
    const { stream } = recorder(1);
    const deps = testDeps({ stdout: stream });
    const sink = createSink({ type: 'stdout', retry: fastRetry() }, deps);
    const err = (await sink.send(events(1)).catch((e: unknown) => e)) as SinkError;
    expect(err).toBeInstanceOf(SinkError);
    expect(err.retryable).toBe(false);
    expect(err.message).toMatch(/^stdout: writing to stdout failed: write EAGAIN/);
    expect(await counterValue(deps.metrics.retries, { component: 'stdout' })).toBe(0);
    expect(await counterValue(deps.metrics.batches, { sink: 'stdout', result: 'failed' })).toBe(1);
    await sink.close();
  });

  test('an empty batch writes nothing; a closed sink refuses batches', async () => {
    const { stream, writes } = recorder();
    const sink = createSink({ type: 'stdout' }, testDeps({ stdout: stream }));
    await sink.send([]);
    expect(writes).toEqual([]);
    await sink.close();
    const err = await sink.send(events(1)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SinkError);
    expect((err as SinkError).retryable).toBe(false);
  });
});
