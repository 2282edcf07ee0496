import { mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { CollectorConfigError, loadCollectorConfig, parseCollectorConfig } from '../../src/config/load';

const minimal = {
  source: { type: 'kinesis', streamName: 'cwl-siem-logs', region: 'us-east-1' },
  sink: { type: 'stdout' },
};

function problems(raw: unknown, env: NodeJS.ProcessEnv = {}): string[] {
  try {
    parseCollectorConfig(raw, 'test.json', env);
  } catch (e) {
    if (e instanceof CollectorConfigError) return e.problems.map((p) => `${p.path}: ${p.message}`);
    throw e;
  }
  return [];
}

describe('collector config', () => {
  test('defaults: TRIM_HORIZON, file checkpoints and dead letters under ./state, ops on 127.0.0.1:9090, 30 s shutdown', () => {
    const c = parseCollectorConfig(minimal, 'test.json', {});
    expect(c.source).toMatchObject({ startPosition: 'TRIM_HORIZON', maxRecordsPerCall: 10000, pollIntervalMs: 1000 });
    expect(c.state).toEqual({ type: 'file', dir: './state' });
    expect(c.deadLetter).toEqual({ path: './state/dead-letter.ndjson' });
    expect(c.ops).toEqual({ host: '127.0.0.1', port: 9090 });
    expect(c.shutdownTimeoutMs).toBe(30000);
    expect(c.parsers.vpcFlowLogs).toEqual([]);
  });

  test('the input object is not changed', () => {
    const raw = JSON.parse(JSON.stringify(minimal));
    parseCollectorConfig(raw, 'test.json', {});
    expect(raw).toEqual(minimal);
  });

  test('${ENV} references are replaced; $${ is a literal; an unset variable is an error at its path', () => {
    const raw = { ...minimal, source: { ...minimal.source, streamName: '${STREAM}' }, state: { type: 'file', dir: '/var/$${x}/${MISSING_VAR}' } };
    expect(problems(raw, { STREAM: 's' })).toEqual(['$.state.dir: refers to the environment variable MISSING_VAR, which is not set']);
    const c = parseCollectorConfig({ ...raw, state: { type: 'file', dir: '/var/$${x}/${DIR}' } }, 't', { STREAM: 'from-env', DIR: 'state' });
    expect((c.source as { streamName: string }).streamName).toBe('from-env');
    expect(c.state).toEqual({ type: 'file', dir: '/var/${x}/state' });
  });

  test('state: the DynamoDB store needs a table and a region, gets the 10 s lease by default, and rejects keys of the file store', () => {
    const c = parseCollectorConfig({ ...minimal, state: { type: 'dynamodb', table: 'cwl-siem-leases', region: 'eu-west-1' } }, 't', {});
    expect(c.state).toEqual({ type: 'dynamodb', table: 'cwl-siem-leases', region: 'eu-west-1', leaseDurationMs: 10000 });
    expect(problems({ ...minimal, state: { type: 'dynamodb', dir: './state' } }, {})).toEqual([
      '$.state.table: is required',
      '$.state.region: is required',
      '$.state.dir: is not a known key here',
    ]);
    expect(problems({ ...minimal, state: { type: 'dynamodb', table: 't!', region: 'eu-west-1', leaseDurationMs: 10 } }, {})).toEqual([
      expect.stringMatching(/^\$\.state\.table: /),
      expect.stringMatching(/^\$\.state\.leaseDurationMs: must be >= 1000/),
    ]);
    expect(problems({ ...minimal, state: { type: 'redis' } }, {})).toEqual(['$.state.type: must be one of "file", "dynamodb", got "redis"']);
  });

  test('the checkpoint key of earlier versions is reported with what replaced it', () => {
    expect(problems({ ...minimal, checkpoint: { type: 'file', path: '/var/lib/cwl/checkpoints.json' } }, {})).toEqual([
      '$.checkpoint: was replaced by "state": write "state": { "type": "file", "dir": "/var/lib/cwl" } (the store keeps checkpoints.json in that folder), or a "dynamodb" state for several replicas',
    ]);
  });

  test.each([
    ['an unknown top-level key', { ...minimal, extra: 1 }, '$.extra: is not a known key here'],
    ['an unknown source key', { ...minimal, source: { ...minimal.source, shards: 2 } }, '$.source.shards: is not a known key here'],
    ['a missing stream name', { ...minimal, source: { type: 'kinesis', region: 'us-east-1' } }, '$.source.streamName: is required'],
    ['an unknown source type', { ...minimal, source: { type: 'pubsub' } }, '$.source.type: must be one of "kinesis", "sqs", "export"'],
    [
      'a bad start timestamp',
      { ...minimal, source: { ...minimal.source, startPosition: { atTimestamp: 'yesterday' } } },
      '$.source.startPosition.atTimestamp: must be an ISO 8601 time',
    ],
    ['a missing sink', { source: minimal.source }, '$.sink: is required'],
    ['an ops port out of range', { ...minimal, ops: { port: 70000 } }, '$.ops.port: must be <= 65535'],
    [
      'retry delays upside down',
      { ...minimal, delivery: { retryInitialDelayMs: 5000, retryMaxDelayMs: 10 } },
      '$.delivery.retryMaxDelayMs: must be at least retryInitialDelayMs',
    ],
  ])('%s is reported at its path', (_what, raw, expected) => {
    expect(problems(raw).join('\n')).toContain(expected);
  });

  test('a file that is not JSON names the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cwl-cfg-'));
    try {
      const path = join(dir, 'c.json');
      writeFileSync(path, '{ "source": ');
      expect(() => loadCollectorConfig(path, {})).toThrow(new RegExp(`${path}: 1 problem in the config:\\n  - \\$: is not valid JSON`));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
