/**
 * Credentials never travel in plain text unnoticed: a sink that carries a token (Splunk HEC, an
 * HTTP sink with an Authorization header, a header from the environment or URL credentials) over
 * http:// is refused at config load and at start unless `allowInsecure: true`; when allowed, and
 * when certificate checks are off, the start logs a warning naming the sink (never the token) and
 * /metrics shows `cwl_siem_collector_insecure_sink{sink,reason} 1`.
 */
import { CollectorConfigError, parseCollectorConfig } from '../../src/config/load';
import { OpsServer } from '../../src/ops/server';
import { createSink, SinkConfig, SinkConfigError } from '../../src/sinks';
import { getText } from '../support/ops';
import { testDeps } from './helpers';

const TOKEN = '9c8b7a65-hec-token-plain-4321fedcba09';
const source = { type: 'kinesis', streamName: 'cwl-siem-logs', region: 'us-east-1' };
const plainHec = { type: 'splunk-hec', url: 'http://splunk.example.com:8088/services/collector/event' } as const;

function problems(sink: unknown, env: NodeJS.ProcessEnv = {}): string[] {
  try {
    parseCollectorConfig({ source, sink }, 'collector.json', env);
  } catch (e) {
    if (e instanceof CollectorConfigError) return e.problems.map((p) => `${p.path}: ${p.message}`);
    throw e;
  }
  return [];
}

function startError(sink: SinkConfig, env: Record<string, string> = { SPLUNK_HEC_TOKEN: TOKEN, API_TOKEN: TOKEN }): SinkConfigError {
  try {
    createSink(sink, testDeps({ env }));
  } catch (e) {
    expect(e).toBeInstanceOf(SinkConfigError);
    return e as SinkConfigError;
  }
  throw new Error('expected a SinkConfigError');
}

describe('credentials over plain HTTP', () => {
  test('a HEC sink on http:// is refused at config load, naming $.sink.url and allowInsecure', () => {
    const found = problems(plainHec, { SPLUNK_HEC_TOKEN: TOKEN });
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(/^\$\.sink\.url: sends the HEC token .*plain http:\/\/.*https:\/\/.*"allowInsecure": true/);
    expect(found[0]).not.toContain(TOKEN);
  });

  test('an http sink with an Authorization header, a header from the environment or URL credentials is refused on http://', () => {
    expect(problems({ type: 'http', url: 'http://siem.example.com/ingest', headers: { Authorization: 'Bearer ${API_TOKEN}' } }, { API_TOKEN: TOKEN })).toEqual([
      expect.stringMatching(/^\$\.sink\.url: sends credentials \(the header Authorization\) over plain http:\/\//),
    ]);
    expect(problems({ type: 'http', url: 'http://siem.example.com/ingest', headers: { 'X-Api-Key': '${API_TOKEN}' } })).toEqual([
      expect.stringMatching(/^\$\.sink\.url: sends credentials \(the header X-Api-Key\)/),
    ]);
    expect(problems({ type: 'http', url: 'http://user:pw@siem.example.com/ingest' })).toEqual([
      expect.stringMatching(/^\$\.sink\.url: sends credentials \(the URL's user and password\)/),
    ]);
  });

  test('plain HTTP without credentials, https:// and allowInsecure: true are accepted', () => {
    expect(problems({ type: 'http', url: 'http://siem.example.com/ingest', headers: { 'X-Org': 'acme' } })).toEqual([]);
    expect(problems({ ...plainHec, url: 'https://splunk.example.com:8088/services/collector/event' })).toEqual([]);
    expect(problems({ ...plainHec, allowInsecure: true })).toEqual([]);
    expect(parseCollectorConfig({ source, sink: { type: 'http', url: 'https://x.example.com/' } }, 't', {}).sink).toMatchObject({ allowInsecure: false });
  });

  test('allowInsecure is a boolean and only exists on the HTTP sinks', () => {
    expect(problems({ ...plainHec, allowInsecure: 'yes' })).toContain('$.sink.allowInsecure: must be boolean, got "yes"');
    expect(problems({ type: 'stdout', allowInsecure: true })).toEqual(['$.sink.allowInsecure: is not a known key here']);
  });

  test('createSink refuses the same configs at start (library use, configs not loaded by the loader)', () => {
    const e = startError({ ...plainHec });
    expect(e.path).toBe('$.sink.url');
    expect(e.message).not.toContain(TOKEN);
    expect(startError({ type: 'http', url: 'http://siem.example.com/', headers: { authorization: 'Bearer ${API_TOKEN}' } }).path).toBe('$.sink.url');
  });
});

describe('accepted insecure settings are visible', () => {
  async function metricsText(sink: SinkConfig): Promise<{ text: string; logs: string[] }> {
    const deps = testDeps({ env: { SPLUNK_HEC_TOKEN: TOKEN, API_TOKEN: TOKEN } });
    const s = createSink(sink, deps);
    const ops = new OpsServer({ host: '127.0.0.1', port: 0, metrics: deps.metrics, ready: () => true });
    const { port } = await ops.start();
    try {
      return { text: await getText(port, '/metrics'), logs: deps.logs };
    } finally {
      await ops.stop();
      await s.close();
    }
  }

  const warnings = (logs: string[]) =>
    logs.map((l) => JSON.parse(l) as { level: number; msg: string; sink?: string; reason?: string }).filter((l) => l.level === 40);

  test('allowInsecure: true on a HEC sink: a warning naming the sink, never the token, and the gauge on /metrics', async () => {
    const { text, logs } = await metricsText({ ...plainHec, allowInsecure: true });
    expect(warnings(logs)).toEqual([expect.objectContaining({ sink: 'splunk-hec', reason: 'plain-http', msg: expect.stringMatching(/plain http/) })]);
    expect(logs.join('')).not.toContain(TOKEN);
    expect(text).toContain('cwl_siem_collector_insecure_sink{sink="splunk-hec",reason="plain-http"} 1');
  });

  test('rejectUnauthorized: false on HTTPS and on syslog over TLS: a warning and the gauge', async () => {
    const https = await metricsText({ type: 'http', url: 'https://siem.example.com/', tls: { rejectUnauthorized: false } });
    expect(warnings(https.logs)).toEqual([expect.objectContaining({ sink: 'http', reason: 'tls-unverified' })]);
    expect(https.text).toContain('cwl_siem_collector_insecure_sink{sink="http",reason="tls-unverified"} 1');
    const syslog = await metricsText({ type: 'syslog', protocol: 'tls', host: 'siem.example.com', tls: { rejectUnauthorized: false } });
    expect(warnings(syslog.logs)).toEqual([expect.objectContaining({ sink: 'syslog', reason: 'tls-unverified' })]);
    expect(syslog.text).toContain('cwl_siem_collector_insecure_sink{sink="syslog",reason="tls-unverified"} 1');
  });

  test('secure settings: no warning, no insecure_sink series', async () => {
    const { text, logs } = await metricsText({ type: 'splunk-hec', url: 'https://splunk.example.com:8088/services/collector/event' });
    expect(warnings(logs)).toEqual([]);
    expect(text).not.toMatch(/cwl_siem_collector_insecure_sink\{/);
  });
});
