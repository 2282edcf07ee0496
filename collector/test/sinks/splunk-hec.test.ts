import { readFileSync } from 'fs';
import { createSink, SinkConfig, SplunkHecSinkConfig } from '../../src/sinks';
import { formatHecEvent } from '../../src/sinks/splunk-hec';
import { NormalizedEvent, SinkError } from '../../src/types';
import { counterValue, event, events, FakeHttpServer, fastRetry, generatePki, opensslAvailable, removeDir, TestPki, testDeps } from './helpers';

const TOKEN = '0b1a2c3d-hec-token-4e5f-6789abcdef01';
const env = { SPLUNK_HEC_TOKEN: TOKEN };
const ok = { status: 200, body: '{"text":"Success","code":0}' };
const busy = { status: 503, body: '{"text":"Server is busy","code":9}' };
const hecLine = (e: NormalizedEvent, time: string) =>
  `{"time":${time},"source":${JSON.stringify(e.logGroup)},"sourcetype":"aws:cloudwatchlogs","event":${JSON.stringify(e)}}`;

let hec: FakeHttpServer;
beforeEach(async () => {
  hec = await new FakeHttpServer(ok).start();
  // Answers 401 to anything but the right token, as HEC does.
  const fromQueue = hec.respond;
  hec.respond = (req) =>
    req.headers.authorization === `Splunk ${TOKEN}` ? fromQueue(req) : { status: 401, body: '{"text":"Invalid authorization","code":3}' };
});
afterEach(() => hec.close());

// The fake HEC is plain HTTP: allowInsecure lets the token go over it (insecure.test.ts covers the refusal).
const config = (over: Partial<SplunkHecSinkConfig> = {}): SinkConfig => ({
  type: 'splunk-hec',
  url: hec.url('/services/collector/event'),
  allowInsecure: true,
  retry: fastRetry(),
  ...over,
});

/** Every message and log line a failing sink produced must be free of the token. */
function expectNoSecret(err: unknown, logs: string[]): void {
  expect(String((err as Error).message)).not.toContain(TOKEN);
  expect(String((err as Error).stack)).not.toContain(TOKEN);
  expect(logs.join('')).not.toContain(TOKEN);
}

describe('HEC event format', () => {
  test('time is seconds with exact milliseconds; host, index and a fixed source when configured', () => {
    const e = event(0);
    expect(formatHecEvent(e, { sourcetype: 'st' }, JSON.stringify)).toBe(
      `{"time":1700000000.123,"source":"/aws/lambda/orders","sourcetype":"st","event":${JSON.stringify(e)}}`,
    );
    expect(formatHecEvent({ ...e, timestamp: 1_700_000_000_005 }, { host: 'collector-1', source: 'cwl', sourcetype: 'st', index: 'aws' }, () => '{}')).toBe(
      '{"time":1700000000.005,"host":"collector-1","source":"cwl","sourcetype":"st","index":"aws","event":{}}',
    );
  });
});

describe('splunk-hec sink', () => {
  test('posts concatenated event objects with the Splunk token; delivered on 200 with code 0', async () => {
    const deps = testDeps({ env });
    const sink = createSink(config(), deps);
    const batch = events(2);
    await sink.send(batch);
    expect(hec.requests).toHaveLength(1);
    const [req] = hec.requests;
    expect(req.method).toBe('POST');
    expect(req.url).toBe('/services/collector/event');
    expect(req.headers.authorization).toBe(`Splunk ${TOKEN}`);
    expect(req.headers['content-type']).toBe('application/json');
    expect(req.headers['x-splunk-request-channel']).toBeUndefined();
    expect(req.body).toBe(hecLine(batch[0], '1700000000.123') + hecLine(batch[1], '1700000000.124'));
    expect(await counterValue(deps.metrics.eventsOut, { sink: 'splunk-hec' })).toBe(2);
    expect(await counterValue(deps.metrics.bytesOut, { sink: 'splunk-hec' })).toBe(Buffer.byteLength(req.body));
    expect(await counterValue(deps.metrics.batches, { sink: 'splunk-hec', result: 'delivered' })).toBe(1);
    await sink.close();
  });

  test('reads the token from the variable tokenEnv names and sends index, host, source and sourcetype', async () => {
    const sink = createSink(
      config({ tokenEnv: 'HEC_TOKEN_PROD', index: 'aws', host: 'collector-1', source: 'cwl', sourcetype: 'aws:cwl' }),
      testDeps({ env: { HEC_TOKEN_PROD: TOKEN } }),
    );
    await sink.send([event(0)]);
    expect(JSON.parse(hec.requests[0].body)).toMatchObject({ host: 'collector-1', source: 'cwl', sourcetype: 'aws:cwl', index: 'aws', event: event(0) });
    await sink.close();
  });

  test('splits a batch into requests of batchSize events', async () => {
    const deps = testDeps({ env });
    const sink = createSink(config({ batchSize: 2 }), deps);
    await sink.send(events(5));
    expect(hec.requests.map((r) => r.body.split('{"time"').length - 1)).toEqual([2, 2, 1]);
    expect(await counterValue(deps.metrics.batches, { sink: 'splunk-hec', result: 'delivered' })).toBe(3);
    await sink.close();
  });

  test('splits by maxBatchBytes, an oversized event alone', async () => {
    const sink = createSink(config({ maxBatchBytes: 2000 }), testDeps({ env }));
    const batch = [...events(6), event(6, { message: 'z'.repeat(3000) }), event(7)];
    await sink.send(batch);
    const sizes = hec.requests.map((r) => Buffer.byteLength(r.body));
    expect(sizes.filter((s) => s > 2000)).toHaveLength(1);
    expect(hec.requests.flatMap((r) => r.body.match(/"id":"\d+"/g) ?? [])).toEqual(batch.map((e) => `"id":"${e.id}"`));
    await sink.close();
  });

  test('503 twice then 200: delivered after two retries, the same body each time', async () => {
    hec.queue.push(busy, busy);
    const deps = testDeps({ env });
    const sink = createSink(config(), deps);
    await sink.send(events(3));
    expect(hec.requests).toHaveLength(3);
    expect(new Set(hec.requests.map((r) => r.body)).size).toBe(1);
    expect(await counterValue(deps.metrics.retries, { component: 'splunk-hec' })).toBe(2);
    expect(await counterValue(deps.metrics.batches, { sink: 'splunk-hec', result: 'delivered' })).toBe(1);
    await sink.close();
  });

  test('503 until the attempts run out: a retryable SinkError without the token', async () => {
    hec.queue.push(busy, busy, busy);
    const deps = testDeps({ env });
    const sink = createSink(config({ retry: fastRetry(3) }), deps);
    const err = (await sink.send(events(1)).catch((e: unknown) => e)) as SinkError;
    expect(err).toBeInstanceOf(SinkError);
    expect(err.retryable).toBe(true);
    expect(err.message).toBe(`splunk-hec: HTTP 503 from ${hec.url('/services/collector/event')}: Server is busy, code 9; gave up after 3 attempts`);
    expectNoSecret(err, deps.logs);
    expect(await counterValue(deps.metrics.batches, { sink: 'splunk-hec', result: 'failed' })).toBe(1);
    await sink.close();
  });

  test('400 fails at once with a non-retryable SinkError', async () => {
    hec.queue.push({ status: 400, body: '{"text":"Invalid data format","code":6,"invalid-event-number":0}' });
    const deps = testDeps({ env });
    const sink = createSink(config({ retry: fastRetry(5) }), deps);
    const err = (await sink.send(events(1)).catch((e: unknown) => e)) as SinkError;
    expect(err.retryable).toBe(false);
    expect(err.message).toBe(`splunk-hec: HTTP 400 from ${hec.url('/services/collector/event')}: Invalid data format, code 6 (not retryable)`);
    expect(hec.requests).toHaveLength(1);
    expect(await counterValue(deps.metrics.retries, { component: 'splunk-hec' })).toBe(0);
    await sink.close();
  });

  test('a wrong token gets 401: non-retryable, and the message never holds the token', async () => {
    const wrong = 'wrong-token-value-123456';
    const deps = testDeps({ env: { SPLUNK_HEC_TOKEN: wrong } });
    const sink = createSink(config(), deps);
    const err = (await sink.send(events(1)).catch((e: unknown) => e)) as SinkError;
    expect(err.retryable).toBe(false);
    expect(err.message).toMatch(/HTTP 401 .*Invalid authorization, code 3 \(check the HEC token\)/);
    expect(err.message).not.toContain(wrong);
    expect(deps.logs.join('')).not.toContain(wrong);
    expect(hec.requests[0].headers.authorization).toBe(`Splunk ${wrong}`);
    await sink.close();
  });

  test('a slow answer times out and the request is sent again', async () => {
    hec.queue.push({ ...ok, delayMs: 1500 });
    const deps = testDeps({ env });
    const sink = createSink(config({ timeoutMs: 200 }), deps);
    const started = Date.now();
    await sink.send(events(1));
    expect(Date.now() - started).toBeLessThan(1500);
    expect(hec.requests).toHaveLength(2);
    expect(await counterValue(deps.metrics.retries, { component: 'splunk-hec' })).toBe(1);
    await sink.close();
  });

  test('429 is retried', async () => {
    hec.queue.push({ status: 429, body: '{"text":"Too many requests"}', headers: { 'retry-after': '1' } });
    const sink = createSink(config(), testDeps({ env }));
    await sink.send(events(1));
    expect(hec.requests).toHaveLength(2);
    await sink.close();
  });

  test('a 200 without code 0 is not success', async () => {
    hec.queue.push({ status: 200, body: '<html>login page</html>' });
    const sink = createSink(config(), testDeps({ env }));
    const err = (await sink.send(events(1)).catch((e: unknown) => e)) as SinkError;
    expect(err.retryable).toBe(false);
    expect(err.message).toMatch(/HTTP 200 .* without HEC success \(code 0\): <html>login page<\/html>/);
    await sink.close();
  });

  test('connection refused is retried and never leaks the token', async () => {
    const url = hec.url('/services/collector/event');
    await hec.close();
    const deps = testDeps({ env });
    const sink = createSink({ type: 'splunk-hec', url, allowInsecure: true, retry: fastRetry(2) }, deps);
    const err = (await sink.send(events(1)).catch((e: unknown) => e)) as SinkError;
    expect(err.retryable).toBe(true);
    expect(err.message).toMatch(/ECONNREFUSED/);
    expectNoSecret(err, deps.logs);
    await sink.close();
    hec = await new FakeHttpServer(ok).start();
  });

  describe('with indexer acknowledgement', () => {
    test('polls /services/collector/ack on its channel until the ackId is true', async () => {
      let polls = 0;
      hec.respond = (req) => {
        if (req.url.startsWith('/services/collector/event')) return { status: 200, body: '{"text":"Success","code":0,"ackId":7}' };
        polls++;
        return { status: 200, body: JSON.stringify({ acks: { 7: polls >= 3 } }) };
      };
      const sink = createSink(config({ ack: { pollIntervalMs: 10, timeoutMs: 5000 } }), testDeps({ env }));
      await sink.send(events(2));
      const channel = hec.requests[0].headers['x-splunk-request-channel'];
      expect(channel).toMatch(/^[0-9a-f-]{36}$/);
      expect(hec.requests.slice(1).map((r) => [r.url, r.body, r.headers['x-splunk-request-channel'], r.headers.authorization])).toEqual(
        Array(3).fill([`/services/collector/ack?channel=${channel}`, '{"acks":[7]}', channel, `Splunk ${TOKEN}`]),
      );
      await sink.close();
    });

    test('an ack that never comes makes the request go again', async () => {
      let posted = 0;
      hec.respond = (req) => {
        if (req.url.startsWith('/services/collector/event')) return { status: 200, body: `{"text":"Success","code":0,"ackId":${posted++}}` };
        return { status: 200, body: JSON.stringify({ acks: { 0: false, 1: true } }) };
      };
      const deps = testDeps({ env });
      const sink = createSink(config({ ack: { pollIntervalMs: 10, timeoutMs: 100 } }), deps);
      await sink.send(events(1));
      expect(posted).toBe(2);
      expect(await counterValue(deps.metrics.retries, { component: 'splunk-hec' })).toBe(1);
      await sink.close();
    });

    test('a token without acknowledgement (no ackId) is a non-retryable error', async () => {
      const sink = createSink(config({ ack: {} }), testDeps({ env }));
      const err = (await sink.send(events(1)).catch((e: unknown) => e)) as SinkError;
      expect(err.retryable).toBe(false);
      expect(err.message).toMatch(/no ackId/);
      await sink.close();
    });
  });
});

const describeTls = opensslAvailable() ? describe : describe.skip;

describeTls('splunk-hec sink over HTTPS', () => {
  let pki: TestPki;
  let secure: FakeHttpServer;
  beforeAll(async () => {
    pki = generatePki();
    secure = await new FakeHttpServer(ok, { key: readFileSync(pki.serverKey), cert: readFileSync(pki.serverCert) }).start();
  });
  afterAll(async () => {
    await secure.close();
    removeDir(pki.dir);
  });

  test('verifies the server against the configured CA', async () => {
    const sink = createSink(
      { type: 'splunk-hec', url: secure.url('/services/collector/event', 'localhost'), tls: { caFile: pki.caCert }, retry: fastRetry() },
      testDeps({ env }),
    );
    await sink.send(events(1));
    expect(secure.requests.at(-1)?.headers.authorization).toBe(`Splunk ${TOKEN}`);
    await sink.close();
  });

  test('an untrusted certificate (verification on by default) fails at once, non-retryable, without the token', async () => {
    const deps = testDeps({ env });
    const before = secure.requests.length;
    const sink = createSink({ type: 'splunk-hec', url: secure.url('/services/collector/event', 'localhost'), retry: fastRetry(5) }, deps);
    const err = (await sink.send(events(1)).catch((e: unknown) => e)) as SinkError;
    expect(err).toBeInstanceOf(SinkError);
    expect(err.retryable).toBe(false);
    expect(err.message).toMatch(/certificate/);
    expectNoSecret(err, deps.logs);
    expect(secure.requests.length).toBe(before);
    expect(await counterValue(deps.metrics.retries, { component: 'splunk-hec' })).toBe(0);
    await sink.close();
  });
});
