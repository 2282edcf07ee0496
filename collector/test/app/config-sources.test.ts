import { CollectorConfigError, ConfigProblem, ExportSourceConfig, parseCollectorConfig, SqsSourceConfig } from '../../src/config/load';
import { collectorConfigSchema } from '../../src/config/schema';

/**
 * The `sqs` and `export` sources and `assumeRole` in the collector config: documented defaults, and
 * exactly one `{path, message}` problem for each bad value.
 */

const sink = { type: 'stdout' };
const SQS = { type: 'sqs', queueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/cwl-siem-objects', region: 'us-east-1' };
const EXPORT = { type: 'export', region: 'eu-west-1', bucket: 'cwl-siem-exports' };
const ROLE = 'arn:aws:iam::123456789012:role/cwl-siem-collector';

function problemsOf(source: unknown, extra: Record<string, unknown> = {}): ConfigProblem[] {
  try {
    parseCollectorConfig({ source, sink, ...extra }, 'test.json', {});
  } catch (e) {
    if (e instanceof CollectorConfigError) return e.problems.map((p) => ({ path: p.path, message: p.message }));
    throw e;
  }
  return [];
}

/** The `default` of every property of the schema's `then` branch for a source type. */
function schemaDefaults(type: 'sqs' | 'export'): Record<string, unknown> {
  const branch = collectorConfigSchema.properties.source.allOf.find((b) => b.if.properties.type.const === type)!;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(branch.then.properties)) if ('default' in v) out[k] = v.default;
  return out;
}

describe('sqs source config', () => {
  test('a minimal config gets the documented defaults', () => {
    const c = parseCollectorConfig({ source: SQS, sink }, 'test.json', {});
    const s = c.source as SqsSourceConfig;
    expect(s).toEqual({
      ...SQS,
      s3: { forcePathStyle: false },
      concurrency: 4,
      waitTimeSeconds: 20,
      maxMessages: 10,
      visibilityTimeoutSeconds: 300,
      objects: { format: 'auto' },
    });
    expect(s.assumeRole).toBeUndefined();
    // The same numbers the schema documents.
    const d = schemaDefaults('sqs');
    expect(d).toMatchObject({ concurrency: 4, waitTimeSeconds: 20, maxMessages: 10, visibilityTimeoutSeconds: 300 });
    for (const k of ['concurrency', 'waitTimeSeconds', 'maxMessages', 'visibilityTimeoutSeconds'] as const) expect(s[k]).toBe(d[k]);
  });

  test('a full valid config is kept as written', () => {
    const full = {
      ...SQS,
      endpoint: 'http://localhost:4566',
      assumeRole: { roleArn: ROLE, externalId: 'ext-123', sessionName: 'me@host', durationSeconds: 900 },
      s3: { endpoint: 'http://localhost:9000', forcePathStyle: true, region: 'us-west-2' },
      concurrency: 64,
      waitTimeSeconds: 0,
      maxMessages: 1,
      visibilityTimeoutSeconds: 43200,
      objects: { format: 'lines', logGroup: '/app/api', logStream: 's', owner: '123456789012' },
    };
    expect(problemsOf(full)).toEqual([]);
    expect(parseCollectorConfig({ source: full, sink }, 't', {}).source).toEqual(full);
  });

  test.each<[string, Record<string, unknown>, ConfigProblem]>([
    ['concurrency as a string', { concurrency: '4' }, { path: '$.source.concurrency', message: 'must be integer, got "4"' }],
    ['concurrency 0', { concurrency: 0 }, { path: '$.source.concurrency', message: 'must be >= 1, got 0' }],
    ['concurrency 65', { concurrency: 65 }, { path: '$.source.concurrency', message: 'must be <= 64, got 65' }],
    ['concurrency 1.5', { concurrency: 1.5 }, { path: '$.source.concurrency', message: 'must be integer, got 1.5' }],
    ['waitTimeSeconds 21', { waitTimeSeconds: 21 }, { path: '$.source.waitTimeSeconds', message: 'must be <= 20, got 21' }],
    ['waitTimeSeconds -1', { waitTimeSeconds: -1 }, { path: '$.source.waitTimeSeconds', message: 'must be >= 0, got -1' }],
    ['maxMessages 11', { maxMessages: 11 }, { path: '$.source.maxMessages', message: 'must be <= 10, got 11' }],
    ['visibilityTimeoutSeconds 5', { visibilityTimeoutSeconds: 5 }, { path: '$.source.visibilityTimeoutSeconds', message: 'must be >= 10, got 5' }],
    [
      'visibilityTimeoutSeconds 43201',
      { visibilityTimeoutSeconds: 43201 },
      { path: '$.source.visibilityTimeoutSeconds', message: 'must be <= 43200, got 43201' },
    ],
    ['an unknown key', { batchSize: 1 }, { path: '$.source.batchSize', message: 'is not a known key here' }],
    ['a kinesis key on sqs', { streamName: 's' }, { path: '$.source.streamName', message: 'is not a known key here' }],
    [
      'a queueUrl that is not http(s)',
      { queueUrl: 'sqs://queue' },
      { path: '$.source.queueUrl', message: 'must be an SQS queue URL such as https://sqs.us-east-1.amazonaws.com/123456789012/name, got "sqs://queue"' },
    ],
    [
      'a queueUrl without a path',
      { queueUrl: 'https://sqs.us-east-1.amazonaws.com/' },
      {
        path: '$.source.queueUrl',
        message: 'must be an SQS queue URL such as https://sqs.us-east-1.amazonaws.com/123456789012/name, got "https://sqs.us-east-1.amazonaws.com/"',
      },
    ],
    ['a bad region', { region: 'US_EAST_1' }, { path: '$.source.region', message: 'must be an AWS region such as us-east-1, got "US_EAST_1"' }],
    [
      'an unknown objects.format',
      { objects: { format: 'gzip' } },
      { path: '$.source.objects.format', message: 'must be one of "auto", "firehose-object", "export-object", "lines", got "gzip"' },
    ],
    [
      'an objects.owner that is not 12 digits',
      { objects: { owner: '1234' } },
      { path: '$.source.objects.owner', message: 'must be a 12-digit account id, got "1234"' },
    ],
    [
      'an empty objects.logGroup',
      { objects: { logGroup: '' } },
      { path: '$.source.objects.logGroup', message: 'must NOT have fewer than 1 characters, got ""' },
    ],
    ['an unknown objects key', { objects: { compression: 'gzip' } }, { path: '$.source.objects.compression', message: 'is not a known key here' }],
    ['an unknown s3 key', { s3: { bucket: 'b' } }, { path: '$.source.s3.bucket', message: 'is not a known key here' }],
    ['s3.forcePathStyle as a string', { s3: { forcePathStyle: 'yes' } }, { path: '$.source.s3.forcePathStyle', message: 'must be boolean, got "yes"' }],
    [
      'an s3.endpoint without a scheme',
      { s3: { endpoint: 'localhost:9000' } },
      { path: '$.source.s3.endpoint', message: 'must be S3 endpoint override (a VPC endpoint, or a local emulator in tests), got "localhost:9000"' },
    ],
  ])('%s', (_what, change, expected) => {
    expect(problemsOf({ ...SQS, ...change })).toEqual([expected]);
  });

  test.each(['queueUrl', 'region'])('a missing %s is required', (key) => {
    const source: Record<string, unknown> = { ...SQS };
    delete source[key];
    expect(problemsOf(source)).toEqual([{ path: `$.source.${key}`, message: 'is required' }]);
  });
});

describe('export source config', () => {
  test('a minimal config gets the documented defaults', () => {
    const c = parseCollectorConfig({ source: EXPORT, sink }, 'test.json', {});
    const s = c.source as ExportSourceConfig;
    expect(s).toEqual({
      ...EXPORT,
      prefix: 'cwl-exports',
      s3: { forcePathStyle: false },
      logGroups: { include: ['*'], exclude: [] },
      startTime: 'now',
      windowSeconds: 300,
      settleSeconds: 300,
      discoveryIntervalSeconds: 600,
      pollIntervalSeconds: 5,
      maxTaskSeconds: 1800,
      maxWindowsPerTask: 12,
      deleteObjects: true,
    });
    const d = schemaDefaults('export');
    for (const k of [
      'prefix',
      'startTime',
      'windowSeconds',
      'settleSeconds',
      'discoveryIntervalSeconds',
      'pollIntervalSeconds',
      'maxTaskSeconds',
      'maxWindowsPerTask',
      'deleteObjects',
    ] as const) {
      expect([k, s[k]]).toEqual([k, d[k]]);
    }
  });

  test('controlPath of earlier versions is refused: the pause entries are kept by the state store', () => {
    expect(() => parseCollectorConfig({ source: { ...EXPORT, controlPath: '/etc/cwl/pause.json' }, sink }, 't', {})).toThrow(
      /\$\.source\.controlPath: was removed: the pause entries are kept by the state store/,
    );
  });

  test('the input object is not changed by defaulting', () => {
    const raw = { source: { ...EXPORT }, sink: { ...sink } };
    parseCollectorConfig(raw, 't', {});
    expect(raw).toEqual({ source: EXPORT, sink });
  });

  test.each(['now', '2026-11-22T00:00:00Z', '2026-11-22T00:00:00.000+02:00', '2026-11-22'])('startTime %s is valid', (startTime) => {
    expect(problemsOf({ ...EXPORT, startTime })).toEqual([]);
  });

  test.each(['a', 'logs/cwl', 'a/b/c'])('prefix %s is valid', (prefix) => {
    expect(problemsOf({ ...EXPORT, prefix })).toEqual([]);
  });

  const PREFIX_MSG = 'must be a key prefix without leading or trailing "/"';
  test.each<[string, Record<string, unknown>, ConfigProblem]>([
    ['a bucket with upper case and _', { bucket: 'My_Bucket' }, { path: '$.source.bucket', message: 'must be an S3 bucket name, got "My_Bucket"' }],
    ['a bucket of 2 characters', { bucket: 'ab' }, { path: '$.source.bucket', message: 'must be an S3 bucket name, got "ab"' }],
    ['a bucket ending with -', { bucket: 'bucket-' }, { path: '$.source.bucket', message: 'must be an S3 bucket name, got "bucket-"' }],
    ['a bucket as a number', { bucket: 42 }, { path: '$.source.bucket', message: 'must be string, got 42' }],
    ['a prefix with a leading /', { prefix: '/logs' }, { path: '$.source.prefix', message: `${PREFIX_MSG}, got "/logs"` }],
    ['a prefix with a trailing /', { prefix: 'logs/' }, { path: '$.source.prefix', message: `${PREFIX_MSG}, got "logs/"` }],
    ['a prefix that is just /', { prefix: '/' }, { path: '$.source.prefix', message: `${PREFIX_MSG}, got "/"` }],
    ['an empty prefix', { prefix: '' }, { path: '$.source.prefix', message: `${PREFIX_MSG}, got ""` }],
    [
      'a startTime that is not ISO',
      { startTime: 'yesterday' },
      { path: '$.source.startTime', message: 'must be "now" or an ISO 8601 time such as 2026-11-22T00:00:00Z, got "yesterday"' },
    ],
    ['a startTime as a number', { startTime: 1700000000000 }, { path: '$.source.startTime', message: 'must be string, got 1700000000000' }],
    ['windowSeconds 59', { windowSeconds: 59 }, { path: '$.source.windowSeconds', message: 'must be >= 60, got 59' }],
    ['windowSeconds 86401', { windowSeconds: 86401 }, { path: '$.source.windowSeconds', message: 'must be <= 86400, got 86401' }],
    ['windowSeconds as a string', { windowSeconds: '300' }, { path: '$.source.windowSeconds', message: 'must be integer, got "300"' }],
    ['settleSeconds -1', { settleSeconds: -1 }, { path: '$.source.settleSeconds', message: 'must be >= 0, got -1' }],
    ['discoveryIntervalSeconds 9', { discoveryIntervalSeconds: 9 }, { path: '$.source.discoveryIntervalSeconds', message: 'must be >= 10, got 9' }],
    ['pollIntervalSeconds 0', { pollIntervalSeconds: 0 }, { path: '$.source.pollIntervalSeconds', message: 'must be >= 0.01, got 0' }],
    ['pollIntervalSeconds 301', { pollIntervalSeconds: 301 }, { path: '$.source.pollIntervalSeconds', message: 'must be <= 300, got 301' }],
    ['maxTaskSeconds 0', { maxTaskSeconds: 0 }, { path: '$.source.maxTaskSeconds', message: 'must be >= 1, got 0' }],
    [
      'pollIntervalSeconds not shorter than a short maxTaskSeconds',
      { maxTaskSeconds: 10, pollIntervalSeconds: 10 },
      { path: '$.source.pollIntervalSeconds', message: 'must be shorter than maxTaskSeconds (10), got 10' },
    ],
    ['maxWindowsPerTask 0', { maxWindowsPerTask: 0 }, { path: '$.source.maxWindowsPerTask', message: 'must be >= 1, got 0' }],
    ['maxWindowsPerTask 289', { maxWindowsPerTask: 289 }, { path: '$.source.maxWindowsPerTask', message: 'must be <= 288, got 289' }],
    ['deleteObjects as a string', { deleteObjects: 'false' }, { path: '$.source.deleteObjects', message: 'must be boolean, got "false"' }],
    ['an empty include list', { logGroups: { include: [] } }, { path: '$.source.logGroups.include', message: 'must NOT have fewer than 1 items, got []' }],
    [
      'an empty exclude pattern',
      { logGroups: { exclude: [''] } },
      { path: '$.source.logGroups.exclude[0]', message: 'must NOT have fewer than 1 characters, got ""' },
    ],
    ['an unknown logGroups key', { logGroups: { only: ['x'] } }, { path: '$.source.logGroups.only', message: 'is not a known key here' }],
    ['an unknown key', { queueUrl: SQS.queueUrl }, { path: '$.source.queueUrl', message: 'is not a known key here' }],
    [
      'a bad endpoint',
      { endpoint: 'logs.local' },
      { path: '$.source.endpoint', message: 'must be CloudWatch Logs endpoint override (a VPC endpoint, or a test server), got "logs.local"' },
    ],
  ])('%s', (_what, change, expected) => {
    expect(problemsOf({ ...EXPORT, ...change })).toEqual([expected]);
  });

  test('a long maxTaskSeconds allows any poll interval', () => {
    expect(problemsOf({ ...EXPORT, maxTaskSeconds: 60, pollIntervalSeconds: 120 })).toEqual([]);
  });

  test.each(['bucket', 'region'])('a missing %s is required', (key) => {
    const source: Record<string, unknown> = { ...EXPORT };
    delete source[key];
    expect(problemsOf(source)).toEqual([{ path: `$.source.${key}`, message: 'is required' }]);
  });
});

describe('assumeRole', () => {
  const ROLE_MSG = 'must be an IAM role ARN such as arn:aws:iam::123456789012:role/name';
  const SESSION_MSG = 'must be a role session name (2-64 characters of letters, digits and +=,.@_-)';

  test.each([
    ['kinesis', { type: 'kinesis', streamName: 'cwl-siem-logs', region: 'us-east-1' }],
    ['sqs', SQS],
    ['export', EXPORT],
  ])('a %s config with assumeRole is valid and gets the default session name and duration', (_type, source) => {
    const c = parseCollectorConfig({ source: { ...source, assumeRole: { roleArn: ROLE } }, sink }, 't', {});
    expect((c.source as { assumeRole?: unknown }).assumeRole).toEqual({ roleArn: ROLE, sessionName: 'cwl-siem-collector', durationSeconds: 3600 });
  });

  test.each(['arn:aws:iam::123456789012:role/a/b/c', 'arn:aws-us-gov:iam::123456789012:role/r', 'arn:aws-cn:iam::123456789012:role/r'])(
    'role ARN %s is valid',
    (roleArn) => {
      expect(problemsOf({ ...EXPORT, assumeRole: { roleArn, externalId: 'ab', sessionName: 'a.b@c=d,e+f_g-h', durationSeconds: 43200 } })).toEqual([]);
    },
  );

  test.each<[string, Record<string, unknown>, ConfigProblem]>([
    [
      'a role ARN with a short account',
      { roleArn: 'arn:aws:iam::1234:role/x' },
      { path: '$.source.assumeRole.roleArn', message: `${ROLE_MSG}, got "arn:aws:iam::1234:role/x"` },
    ],
    [
      'a user ARN',
      { roleArn: 'arn:aws:iam::123456789012:user/x' },
      { path: '$.source.assumeRole.roleArn', message: `${ROLE_MSG}, got "arn:aws:iam::123456789012:user/x"` },
    ],
    [
      'a role ARN without a name',
      { roleArn: 'arn:aws:iam::123456789012:role/' },
      { path: '$.source.assumeRole.roleArn', message: `${ROLE_MSG}, got "arn:aws:iam::123456789012:role/"` },
    ],
    ['a role name alone', { roleArn: 'cwl-siem-collector' }, { path: '$.source.assumeRole.roleArn', message: `${ROLE_MSG}, got "cwl-siem-collector"` }],
    ['a session name with a space', { roleArn: ROLE, sessionName: 'a b' }, { path: '$.source.assumeRole.sessionName', message: `${SESSION_MSG}, got "a b"` }],
    ['a session name of 1 character', { roleArn: ROLE, sessionName: 'a' }, { path: '$.source.assumeRole.sessionName', message: `${SESSION_MSG}, got "a"` }],
    [
      'a session name of 65 characters',
      { roleArn: ROLE, sessionName: 'x'.repeat(65) },
      { path: '$.source.assumeRole.sessionName', message: `${SESSION_MSG}, got ${JSON.stringify('x'.repeat(65))}` },
    ],
    ['durationSeconds 899', { roleArn: ROLE, durationSeconds: 899 }, { path: '$.source.assumeRole.durationSeconds', message: 'must be >= 900, got 899' }],
    [
      'durationSeconds 43201',
      { roleArn: ROLE, durationSeconds: 43201 },
      { path: '$.source.assumeRole.durationSeconds', message: 'must be <= 43200, got 43201' },
    ],
    [
      'an externalId of 1 character',
      { roleArn: ROLE, externalId: 'x' },
      { path: '$.source.assumeRole.externalId', message: 'must NOT have fewer than 2 characters, got "x"' },
    ],
    ['an unknown key', { roleArn: ROLE, policy: '{}' }, { path: '$.source.assumeRole.policy', message: 'is not a known key here' }],
    ['no roleArn', {}, { path: '$.source.assumeRole.roleArn', message: 'is required' }],
  ])('%s', (_what, assumeRole, expected) => {
    expect(problemsOf({ ...SQS, assumeRole })).toEqual([expected]);
    expect(problemsOf({ ...EXPORT, assumeRole })).toEqual([expected]);
  });

  test('a roleArn from the environment is substituted before validation', () => {
    const c = parseCollectorConfig({ source: { ...EXPORT, assumeRole: { roleArn: '${ROLE_ARN}' } }, sink }, 't', { ROLE_ARN: ROLE });
    expect((c.source as ExportSourceConfig).assumeRole?.roleArn).toBe(ROLE);
  });
});
