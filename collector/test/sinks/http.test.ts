import { createSink, HttpSinkConfig, SinkConfig } from '../../src/sinks';
import { SinkError } from '../../src/types';
import { counterValue, event, events, FakeHttpServer, fastRetry, testDeps } from './helpers';

const API_KEY = 'k3y-7f0c1e2d3b4a5968-secret';

let srv: FakeHttpServer;
beforeEach(async () => {
  srv = await new FakeHttpServer({ status: 200, body: '' }).start();
});
afterEach(() => srv.close());

// The fake receiver is plain HTTP: allowInsecure lets secret headers go over it (insecure.test.ts covers the refusal).
const config = (over: Partial<HttpSinkConfig> = {}): SinkConfig => ({
  type: 'http',
  url: srv.url('/ingest'),
  allowInsecure: true,
  retry: fastRetry(),
  ...over,
});

describe('http sink', () => {
  test('ndjson: one JSON object per line, application/x-ndjson, headers with ${ENV} resolved', async () => {
    const deps = testDeps({ env: { API_KEY } });
    const sink = createSink(config({ headers: { 'X-Api-Key': '${API_KEY}', 'X-Literal': 'a $${NOT_A_VAR} b' } }), deps);
    const batch = events(3);
    await sink.send(batch);
    const [req] = srv.requests;
    expect(req.method).toBe('POST');
    expect(req.url).toBe('/ingest');
    expect(req.headers['content-type']).toBe('application/x-ndjson');
    expect(req.headers['x-api-key']).toBe(API_KEY);
    expect(req.headers['x-literal']).toBe('a ${NOT_A_VAR} b');
    expect(req.body).toBe(batch.map((e) => `${JSON.stringify(e)}\n`).join(''));
    expect(await counterValue(deps.metrics.bytesOut, { sink: 'http' })).toBe(Buffer.byteLength(req.body));
    expect(await counterValue(deps.metrics.eventsOut, { sink: 'http' })).toBe(3);
    await sink.close();
  });

  test('json-array: one JSON array per request, application/json', async () => {
    const sink = createSink(config({ format: 'json-array', batchSize: 2 }), testDeps());
    const batch = events(3);
    await sink.send(batch);
    expect(srv.requests.map((r) => r.headers['content-type'])).toEqual(['application/json', 'application/json']);
    expect(srv.requests.map((r) => r.body)).toEqual([JSON.stringify(batch.slice(0, 2)), JSON.stringify(batch.slice(2))]);
    await sink.close();
  });

  test('json-array requests stay within maxBatchBytes and remain valid JSON', async () => {
    const deps = testDeps();
    const sink = createSink(config({ format: 'json-array', maxBatchBytes: 1500 }), deps);
    const batch = events(20);
    await sink.send(batch);
    expect(srv.requests.length).toBeGreaterThan(3);
    for (const r of srv.requests) expect(Buffer.byteLength(r.body)).toBeLessThanOrEqual(1500);
    expect(srv.requests.flatMap((r) => JSON.parse(r.body))).toEqual(batch);
    expect(await counterValue(deps.metrics.bytesOut, { sink: 'http' })).toBe(srv.requests.reduce((n, r) => n + Buffer.byteLength(r.body), 0));
    await sink.close();
  });

  test('a configured header overrides the default content type', async () => {
    const sink = createSink(config({ headers: { 'Content-Type': 'application/vnd.siem+ndjson' } }), testDeps());
    await sink.send([event(0)]);
    expect(srv.requests[0].headers['content-type']).toBe('application/vnd.siem+ndjson');
    await sink.close();
  });

  test('any 2xx is delivery', async () => {
    srv.queue.push({ status: 204 }, { status: 202, body: 'queued' });
    const sink = createSink(config({ batchSize: 1 }), testDeps());
    await sink.send(events(2));
    expect(srv.requests).toHaveLength(2);
    await sink.close();
  });

  test('5xx is retried until delivered', async () => {
    srv.queue.push({ status: 500 }, { status: 502 });
    const deps = testDeps();
    const sink = createSink(config(), deps);
    await sink.send(events(2));
    expect(srv.requests).toHaveLength(3);
    expect(await counterValue(deps.metrics.retries, { component: 'http' })).toBe(2);
    await sink.close();
  });

  test.each([400, 404, 413, 301])('%i fails at once with a non-retryable SinkError', async (status) => {
    srv.queue.push({ status, body: '{"error":"nope"}', headers: status === 301 ? { location: 'http://elsewhere/' } : {} });
    const sink = createSink(config({ retry: fastRetry(5) }), testDeps());
    const err = (await sink.send(events(1)).catch((e: unknown) => e)) as SinkError;
    expect(err).toBeInstanceOf(SinkError);
    expect(err.retryable).toBe(false);
    expect(err.message).toBe(`http: HTTP ${status} from ${srv.url('/ingest')}: {"error":"nope"} (not retryable)`);
    expect(srv.requests).toHaveLength(1);
    await sink.close();
  });

  test('a receiver echoing a secret header back does not put it in the error or the logs', async () => {
    srv.respond = (req) => ({ status: 403, body: `forbidden for key ${String(req.headers['x-api-key'])}` });
    const deps = testDeps({ env: { API_KEY } });
    const sink = createSink(config({ headers: { 'X-Api-Key': '${API_KEY}' } }), deps);
    const err = (await sink.send(events(1)).catch((e: unknown) => e)) as SinkError;
    expect(err.message).toBe(`http: HTTP 403 from ${srv.url('/ingest')}: forbidden for key [redacted] (not retryable)`);
    expect(deps.logs.join('')).not.toContain(API_KEY);
    await sink.close();
  });

  test('credentials and query in the URL stay out of messages', async () => {
    srv.queue.push({ status: 400 });
    const url = srv.url('/ingest').replace('http://', 'http://user:pa55word@') + '?sig=query-secret';
    const sink = createSink({ type: 'http', url, allowInsecure: true, retry: fastRetry() }, testDeps());
    const err = (await sink.send(events(1)).catch((e: unknown) => e)) as SinkError;
    expect(err.message).toBe(`http: HTTP 400 from ${srv.url('/ingest')} (not retryable)`);
    expect(srv.requests[0].url).toBe('/ingest?sig=query-secret');
    expect(srv.requests[0].headers.authorization).toBe(`Basic ${Buffer.from('user:pa55word').toString('base64')}`);
    await sink.close();
  });

  test('a slow receiver times out and the request is retried', async () => {
    srv.queue.push({ status: 200, delayMs: 1500 });
    const deps = testDeps();
    const sink = createSink(config({ timeoutMs: 150 }), deps);
    await sink.send(events(1));
    expect(srv.requests).toHaveLength(2);
    expect(await counterValue(deps.metrics.retries, { component: 'http' })).toBe(1);
    await sink.close();
  });

  test('closing the sink ends a back-off wait at once, with a retryable SinkError', async () => {
    srv.queue.push({ status: 503 }, { status: 503 });
    const sink = createSink(config({ retry: { maxAttempts: 5, initialDelayMs: 60_000, maxDelayMs: 60_000 } }), testDeps());
    const pending = sink.send(events(1)).catch((e: unknown) => e);
    while (srv.requests.length === 0) await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setTimeout(r, 20));
    const started = Date.now();
    await sink.close();
    const err = (await pending) as SinkError;
    expect(Date.now() - started).toBeLessThan(1000);
    expect(err).toBeInstanceOf(SinkError);
    expect(err.retryable).toBe(true);
    expect(err.message).toMatch(/^http: aborted after 1 attempt \(the sink is closing\); last error: HTTP 503/);
  });
});
