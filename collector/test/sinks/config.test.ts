import Ajv from 'ajv';
import { writeFileSync } from 'fs';
import { join } from 'path';
import { mkdtempSync } from 'fs';
import { tmpdir } from 'os';
import { createSink, SINK_DEFAULTS, SinkConfig, SinkConfigError, sinkConfigSchema } from '../../src/sinks';
import { ERROR_CODES } from '../../src/types';
import { removeDir, testDeps } from './helpers';

// The same options the collector's config loader uses.
const ajv = new Ajv({ strict: true, strictRequired: false, allErrors: true, useDefaults: true, allowUnionTypes: true });
const validate = ajv.compile({
  $schema: 'http://json-schema.org/draft-07/schema#',
  type: 'object',
  additionalProperties: false,
  properties: { sink: sinkConfigSchema },
});

function check(sink: unknown): { ok: boolean; sink: Record<string, unknown>; errors: string[] } {
  const doc = { sink: structuredClone(sink) };
  const ok = validate(doc) as boolean;
  return {
    ok,
    sink: doc.sink as Record<string, unknown>,
    errors: (validate.errors ?? []).map((e) => `${e.instancePath} ${e.keyword} ${JSON.stringify(e.params)}`),
  };
}

describe('sinkConfigSchema', () => {
  test('fills in every documented default, retry included', () => {
    expect(check({ type: 'file', path: '/var/lib/cwl/out.ndjson' }).sink).toEqual({
      type: 'file',
      path: '/var/lib/cwl/out.ndjson',
      ...SINK_DEFAULTS.file,
      retry: SINK_DEFAULTS.retry,
    });
    const hec = check({ type: 'splunk-hec', url: 'https://splunk.example.com:8088/services/collector/event' });
    expect(hec.ok).toBe(true);
    expect(hec.sink).toMatchObject({
      tokenEnv: 'SPLUNK_HEC_TOKEN',
      sourcetype: 'aws:cloudwatchlogs',
      batchSize: 500,
      maxBatchBytes: 1_000_000,
      timeoutMs: 30000,
      tls: { rejectUnauthorized: true },
      retry: { maxAttempts: 5, initialDelayMs: 200, maxDelayMs: 30000 },
    });
    expect(hec.sink.ack).toBeUndefined();
    const syslog = check({ type: 'syslog', host: 'siem.example.com', tls: {} });
    expect(syslog.sink).toMatchObject({ protocol: 'tls', format: 'json', facility: 16, severity: 6, tls: { rejectUnauthorized: true } });
    expect(check({ type: 'http', url: 'https://x.example.com/ingest' }).sink).toMatchObject({
      format: 'ndjson',
      headers: {},
      tls: { rejectUnauthorized: true },
    });
    expect(check({ type: 'stdout' }).sink).toEqual({ type: 'stdout', batchSize: 500, retry: SINK_DEFAULTS.retry });
  });

  test('turns indexer acknowledgement on with its own defaults when ack is given', () => {
    expect(check({ type: 'splunk-hec', url: 'https://s:8088/services/collector/event', ack: {} }).sink.ack).toEqual({
      pollIntervalMs: 1000,
      timeoutMs: 120000,
    });
  });

  test('rejects unknown keys, at the root, in retry and in tls', () => {
    expect(check({ type: 'stdout', colour: true }).errors).toContain('/sink additionalProperties {"additionalProperty":"colour"}');
    expect(check({ type: 'stdout', retry: { attempts: 3 } }).errors).toContain('/sink/retry additionalProperties {"additionalProperty":"attempts"}');
    expect(check({ type: 'http', url: 'https://x/', tls: { verify: false } }).errors).toContain(
      '/sink/tls additionalProperties {"additionalProperty":"verify"}',
    );
  });

  test("rejects another type's keys", () => {
    const r = check({ type: 'file', path: '/tmp/x', protocol: 'udp' });
    expect(r.ok).toBe(false);
    expect(r.errors).toContain('/sink additionalProperties {"additionalProperty":"protocol"}');
  });

  test('requires what has no default and checks types and ranges', () => {
    expect(check({ type: 'syslog' }).errors).toContain('/sink required {"missingProperty":"host"}');
    expect(check({ type: 'file' }).errors).toContain('/sink required {"missingProperty":"path"}');
    expect(check({ type: 'syslog', host: 'h', protocol: 'sctp' }).ok).toBe(false);
    expect(check({ type: 'syslog', host: 'h', facility: 24 }).ok).toBe(false);
    expect(check({ type: 'syslog', host: 'h', severity: 8 }).ok).toBe(false);
    expect(check({ type: 'syslog', host: 'h', port: 70000 }).ok).toBe(false);
    expect(check({ type: 'stdout', batchSize: 0 }).ok).toBe(false);
    expect(check({ type: 'stdout', retry: { maxAttempts: 0 } }).ok).toBe(false);
    expect(check({ type: 'kafka' }).errors[0]).toMatch(/^\/sink\/type enum/);
  });

  test('accepts only the HEC event endpoint as HEC url', () => {
    expect(check({ type: 'splunk-hec', url: 'https://s:8088/services/collector/event' }).ok).toBe(true);
    expect(check({ type: 'splunk-hec', url: 'https://s:8088/services/collector/event/1.0' }).ok).toBe(true);
    expect(check({ type: 'splunk-hec', url: 'https://s:8088/services/collector/raw' }).ok).toBe(false);
    expect(check({ type: 'splunk-hec', url: 'ftp://s/services/collector/event' }).ok).toBe(false);
  });

  test('header names must be tokens and values strings', () => {
    expect(check({ type: 'http', url: 'https://x/', headers: { 'X-Api-Key': '${API_KEY}' } }).ok).toBe(true);
    expect(check({ type: 'http', url: 'https://x/', headers: { 'bad header': 'v' } }).ok).toBe(false);
    expect(check({ type: 'http', url: 'https://x/', headers: { 'X-N': 1 } }).ok).toBe(false);
  });
});

describe('createSink config errors (thrown at start)', () => {
  const hec: SinkConfig = { type: 'splunk-hec', url: 'https://splunk.example.com:8088/services/collector/event' };

  function thrown(fn: () => unknown): SinkConfigError {
    try {
      fn();
    } catch (e) {
      expect(e).toBeInstanceOf(SinkConfigError);
      expect((e as SinkConfigError).code).toBe(ERROR_CODES.config);
      return e as SinkConfigError;
    }
    throw new Error('expected a SinkConfigError');
  }

  test('a missing HEC token names the variable', () => {
    expect(thrown(() => createSink(hec, testDeps({ env: {} }))).message).toBe(
      '$.sink.tokenEnv: the HEC token is read from the environment variable SPLUNK_HEC_TOKEN, which is not set',
    );
    expect(thrown(() => createSink({ ...hec, tokenEnv: 'MY_TOKEN' }, testDeps({ env: { MY_TOKEN: ' ' } }))).message).toMatch(/MY_TOKEN, which is empty/);
  });

  test('a header referring to an unset variable names the variable, not other values', () => {
    const e = thrown(() =>
      createSink(
        { type: 'http', url: 'https://x.example.com/', headers: { Authorization: 'Bearer ${API_TOKEN}', 'X-Org': '${ORG}' } },
        testDeps({ env: { ORG: 'org-secret-value' } }),
      ),
    );
    expect(e.message).toBe('$.sink.headers["Authorization"]: refers to the environment variable API_TOKEN, which is not set');
    expect(e.message).not.toContain('org-secret-value');
  });

  test('an unreadable TLS file names the option and the file', () => {
    const e = thrown(() => createSink({ ...hec, tls: { caFile: '/nonexistent/ca.pem' } }, testDeps({ env: { SPLUNK_HEC_TOKEN: 't' } })));
    expect(e.message).toBe('$.sink.tls.caFile: cannot read "/nonexistent/ca.pem": ENOENT');
  });

  test('a client certificate without its key is refused', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cwl-sink-cfg-'));
    try {
      writeFileSync(join(dir, 'c.pem'), 'x');
      const e = thrown(() => createSink({ type: 'syslog', host: 'h', tls: { certFile: join(dir, 'c.pem') } }, testDeps()));
      expect(e.path).toBe('$.sink.tls');
    } finally {
      removeDir(dir);
    }
  });

  test('tls settings with a plain TCP or UDP protocol are refused rather than ignored', () => {
    expect(thrown(() => createSink({ type: 'syslog', protocol: 'tcp', host: 'h', tls: {} }, testDeps())).path).toBe('$.sink.tls');
  });

  test('a retry cap below the initial delay is refused', () => {
    expect(thrown(() => createSink({ type: 'stdout', retry: { initialDelayMs: 1000, maxDelayMs: 10 } }, testDeps())).path).toBe('$.sink.retry.maxDelayMs');
  });

  test('a HEC url that is not the event endpoint is refused', () => {
    expect(thrown(() => createSink({ ...hec, url: 'https://s:8088/services/collector/raw' }, testDeps({ env: { SPLUNK_HEC_TOKEN: 't' } }))).path).toBe(
      '$.sink.url',
    );
  });

  test('nothing connects or opens at creation', async () => {
    const sink = createSink({ type: 'syslog', protocol: 'tcp', host: '127.0.0.1', port: 1 }, testDeps());
    expect(sink.name).toBe('syslog');
    await sink.close();
  });
});
