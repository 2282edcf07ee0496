/**
 * A sink outage must not resend what the receiver already accepted: the pipeline retries
 * `sink.send` with the same slice, and the batch sink resumes at the request that failed instead of
 * sending the slice's earlier, already answered, requests again. The checkpoint (ack) still moves
 * only once every event of the batch was accepted.
 */
import { mkdtempSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { DeadLetterFile } from '../../src/ops/dead-letter';
import { silentLogger } from '../../src/ops/log';
import { createMetrics } from '../../src/ops/metrics';
import { Pipeline } from '../../src/pipeline';
import { createSink, SinkConfig } from '../../src/sinks';
import { NormalizedEvent, SourceBatch } from '../../src/types';
import { events, FakeHttpServer, fastRetry, RecordedRequest, removeDir, testDeps } from './helpers';

const TOKEN = '5f1e0c2d-hec-token-outage-9a8b7c6d';
const EVENTS = 2000;
const BATCH_SIZE = 100;
const MAX_ATTEMPTS = 3;

let dir: string;
let srv: FakeHttpServer;
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cwl-outage-'));
  srv = await new FakeHttpServer({ status: 200, body: '{"text":"Success","code":0}' }).start();
});
afterEach(async () => {
  await srv.close();
  removeDir(dir);
});

/** What the receiver accepted (answered 2xx), per event id. */
function acceptedIds(accepted: RecordedRequest[], ids: (body: string) => string[]): Map<string, number> {
  const seen = new Map<string, number>();
  for (const r of accepted) for (const id of ids(r.body)) seen.set(id, (seen.get(id) ?? 0) + 1);
  return seen;
}

/**
 * Delivers one batch of 2,000 events through the real pipeline while the receiver answers 503 to
 * three requests in a row starting with the sixth: with 3 attempts per request, the sixth request
 * runs out of retries and the pipeline retries the slice.
 */
async function outage(sinkConfig: SinkConfig, ids: (body: string) => string[]) {
  const accepted: RecordedRequest[] = [];
  let n = 0;
  srv.respond = (req) => {
    n++;
    if (n >= 6 && n < 6 + MAX_ATTEMPTS) return { status: 503, body: '{"text":"Server is busy","code":9}' };
    accepted.push(req);
    return { status: 200, body: '{"text":"Success","code":0}' };
  };
  const deps = testDeps({ env: { SPLUNK_HEC_TOKEN: TOKEN } });
  const sink = createSink(sinkConfig, deps);
  const all = events(EVENTS);
  const acks: number[] = [];
  const pipeline = new Pipeline({
    sink,
    decode: (): NormalizedEvent[] => all,
    deadLetters: new DeadLetterFile(join(dir, 'dead.ndjson')),
    metrics: createMetrics(),
    logger: silentLogger(),
    sourceKind: 'kinesis',
    retryInitialDelayMs: 1,
    retryMaxDelayMs: 2,
    sleep: async () => undefined,
  });
  const batch: SourceBatch = {
    records: [{ data: Buffer.from('x'), origin: { kind: 'kinesis', stream: 's', shard: 'shardId-000000000000', sequenceNumber: '1' } }],
    labels: { shard: 'shardId-000000000000' },
    ack: async () => {
      acks.push(acceptedIds(accepted, ids).size);
    },
  };
  await pipeline.handle(batch);
  await sink.close();
  const seen = acceptedIds(accepted, ids);
  return {
    requests: n,
    distinct: seen.size,
    duplicates: [...seen.values()].reduce((d, c) => d + c - 1, 0),
    acks,
  };
}

describe('a sink outage in the middle of a slice', () => {
  test('http: 2,000 events in requests of 100, three 503s after five accepted requests: no event accepted twice', async () => {
    const result = await outage({ type: 'http', url: srv.url('/ingest'), batchSize: BATCH_SIZE, retry: fastRetry(MAX_ATTEMPTS) }, (body) =>
      body
        .split('\n')
        .filter(Boolean)
        .map((l) => (JSON.parse(l) as NormalizedEvent).id),
    );
    expect(result.distinct).toBe(EVENTS);
    expect(result.duplicates).toBe(0);
    // 20 accepted requests and the three refused ones: nothing else went over the wire.
    expect(result.requests).toBe(EVENTS / BATCH_SIZE + MAX_ATTEMPTS);
    // Acknowledged once, after every event was accepted.
    expect(result.acks).toEqual([EVENTS]);
  });

  test('splunk-hec: the same outage, no event accepted twice', async () => {
    const result = await outage(
      {
        type: 'splunk-hec',
        url: srv.url('/services/collector/event'),
        allowInsecure: true,
        batchSize: BATCH_SIZE,
        retry: fastRetry(MAX_ATTEMPTS),
      },
      (body) => [...body.matchAll(/"id":"(\d+)"/g)].map((m) => m[1]),
    );
    expect(result.distinct).toBe(EVENTS);
    expect(result.duplicates).toBe(0);
    expect(result.requests).toBe(EVENTS / BATCH_SIZE + MAX_ATTEMPTS);
    expect(result.acks).toEqual([EVENTS]);
  });
});
