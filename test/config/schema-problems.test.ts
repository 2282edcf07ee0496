import { central, crossAccount, destinationPair, firehose, kinesis, minimal, problemsOf, withStack } from './fixtures';

/** Schema errors (config/schema-problems.ts): one readable line each, at its JSONPath. */

describe('unknown keys', () => {
  test('are rejected with the key named, the allowed keys listed and a close match suggested', () => {
    expect(problemsOf(withStack({ exprt: {} }))).toEqual([
      {
        path: '$.stacks[0].exprt',
        message:
          'unknown key "exprt" (did you mean "export"?); allowed keys: name, partition, region, accountId, tags, backend, export, exportSender, kinesis, firehose, central, destination, destinationSender',
      },
    ]);
  });

  test('inside a union, the allowed keys are those of the variant the discriminator names', () => {
    expect(problemsOf(withStack({ backend: { type: 'local', bucket: 'acme-state' } }))).toEqual([
      { path: '$.stacks[0].backend.bucket', message: 'unknown key "bucket"; allowed keys with type "local": type, path' },
    ]);
  });

  test('are found at every depth', () => {
    const problems = problemsOf(withStack({ kinesis: kinesis({ subscription: { logGroupNames: ['/a'], logGroups: ['/b'] } }) }));
    expect(problems).toEqual([{ path: '$.stacks[0].kinesis.subscription.logGroups', message: expect.stringContaining('unknown key "logGroups"') }]);
  });
});

/** [case, config, path, key phrase of the message]: each config has exactly this one problem. */
const badConfigs: [string, () => unknown, string, string][] = [
  ['missing accountId', () => withStack({ accountId: undefined }), '$.stacks[0].accountId', 'is missing; expected a 12-digit AWS account id as a string'],
  [
    'account id of 11 digits',
    () => withStack({ accountId: '11112222333' }),
    '$.stacks[0].accountId',
    'must be a 12-digit AWS account id as a string, got "11112222333"',
  ],
  [
    'account id as a number',
    () => withStack({ accountId: 111122223333 }),
    '$.stacks[0].accountId',
    'must be a 12-digit AWS account id as a string, got 111122223333 (a number)',
  ],
  ['unknown top-level key', () => ({ ...minimal(), stack: [] }), '$.stack', 'unknown key "stack" (did you mean "stacks"?)'],
  ['unknown stack key', () => withStack({ kinesiss: kinesis() }), '$.stacks[0].kinesiss', 'unknown key "kinesiss" (did you mean "kinesis"?)'],
  ['bad region', () => withStack({ region: 'useast1' }), '$.stacks[0].region', 'must be an AWS region name such as us-east-1, got "useast1"'],
  ['unknown partition', () => withStack({ partition: 'aws-eu' }), '$.stacks[0].partition', 'must be one of aws, aws-us-gov, aws-cn, got "aws-eu"'],
  [
    'cross-account-user export without sendingAccountId',
    () => withStack({ export: { bucketName: 'acme-exports', access: { mode: 'cross-account-user', userName: 'exporter' } } }),
    '$.stacks[0].export.access.sendingAccountId',
    'is missing; expected a 12-digit AWS account id',
  ],
  [
    'unknown export access mode',
    () => withStack({ export: { bucketName: 'acme-exports', access: { mode: 'cross-account' } } }),
    '$.stacks[0].export.access.mode',
    'must be one of same-account, cross-account-user, cross-account-role, got "cross-account"',
  ],
  [
    'both logGroupNames and accountPolicy',
    () => withStack({ kinesis: kinesis({ subscription: { logGroupNames: ['/a'], accountPolicy: {} } }) }),
    '$.stacks[0].kinesis.subscription',
    'must have exactly one of logGroupNames and accountPolicy, got both',
  ],
  [
    'neither logGroupNames nor accountPolicy',
    () => withStack({ kinesis: kinesis({ subscription: { filterPattern: '' } }) }),
    '$.stacks[0].kinesis.subscription',
    'must have exactly one of logGroupNames and accountPolicy, got neither',
  ],
  [
    'empty logGroupNames',
    () => withStack({ kinesis: kinesis({ subscription: { logGroupNames: [] } }) }),
    '$.stacks[0].kinesis.subscription.logGroupNames',
    'must have at least 1 item, got none',
  ],
  [
    'a log group listed twice',
    () => withStack({ kinesis: kinesis({ subscription: { logGroupNames: ['/a', '/b', '/a'] } }) }),
    '$.stacks[0].kinesis.subscription.logGroupNames',
    'must not repeat an item: "/a" is at [0] and [2]',
  ],
  ['empty stacks list', () => ({ stacks: [] }), '$.stacks', 'must have at least 1 item, got none'],
  ['stacks missing', () => ({ namePrefix: 'acme' }), '$.stacks', 'is missing; expected a list'],
  [
    'stack with no path',
    () => withStack({ export: undefined }),
    '$.stacks[0]',
    'must have at least one of export, exportSender, kinesis, firehose, central or destinationSender, got none',
  ],
  [
    'bad bucket name',
    () => withStack({ export: { bucketName: 'Acme_Exports' } }),
    '$.stacks[0].export.bucketName',
    'must be an S3 bucket name: 3-63 lowercase letters',
  ],
  [
    'bucket name like an IP address',
    () => withStack({ export: { bucketName: '192.168.1.10' } }),
    '$.stacks[0].export.bucketName',
    'not an IP address, got "192.168.1.10"',
  ],
  [
    'bufferingSizeMiB 0',
    () => withStack({ firehose: firehose({ bufferingSizeMiB: 0 }) }),
    '$.stacks[0].firehose.bufferingSizeMiB',
    'must be an integer from 1 to 128, got 0',
  ],
  [
    'bufferingIntervalSeconds 901',
    () => withStack({ firehose: firehose({ bufferingIntervalSeconds: 901 }) }),
    '$.stacks[0].firehose.bufferingIntervalSeconds',
    'must be an integer from 0 to 900, got 901',
  ],
  [
    'errorLogRetentionDays not a CloudWatch value',
    () => withStack({ firehose: firehose({ errorLogRetentionDays: 10 }) }),
    '$.stacks[0].firehose.errorLogRetentionDays',
    'must be one of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653, got 10',
  ],
  [
    'shardCount missing in provisioned mode',
    () => withStack({ kinesis: kinesis({ capacity: { mode: 'provisioned' } }) }),
    '$.stacks[0].kinesis.capacity.shardCount',
    'is missing; expected an integer from 1 to 10000',
  ],
  [
    'shardCount not an integer',
    () => withStack({ kinesis: kinesis({ capacity: { mode: 'provisioned', shardCount: 1.5 } }) }),
    '$.stacks[0].kinesis.capacity.shardCount',
    'must be an integer from 1 to 10000, got 1.5',
  ],
  [
    'retentionHours below a day',
    () => withStack({ kinesis: kinesis({ retentionHours: 12 }) }),
    '$.stacks[0].kinesis.retentionHours',
    'must be an integer from 24 to 8760, got 12',
  ],
  [
    'maxReceiveCount 0',
    () => withStack({ central: central({ maxReceiveCount: 0 }) }),
    '$.stacks[0].central.maxReceiveCount',
    'must be an integer from 1 to 1000, got 0',
  ],
  [
    'bad organization id',
    () => withStack({ central: central({ organizationId: 'o-short' }) }),
    '$.stacks[0].central.organizationId',
    'must be an AWS Organizations id such as o-a1b2c3d4e5, got "o-short"',
  ],
  [
    'an alarm topic that is not an SNS topic ARN',
    () => withStack({ central: central({ alarmTopicArn: 'arn:aws:sqs:us-east-1:111122223333:cwl-siem-alarms' }) }),
    '$.stacks[0].central.alarmTopicArn',
    'must be an SNS topic ARN such as arn:aws:sns:us-east-1:111122223333:cwl-siem-alarms (a standard topic), got "arn:aws:sqs:',
  ],
  [
    'errorNotifications not a boolean',
    () => withStack({ central: central({ errorNotifications: 'yes' }) }),
    '$.stacks[0].central.errorNotifications',
    'must be true or false, got "yes" (a string)',
  ],
  [
    's3 backend without key',
    () => withStack({ backend: { type: 's3', bucket: 'acme-state', region: 'us-east-1' } }),
    '$.stacks[0].backend.key',
    'is missing; expected an S3 object key',
  ],
  ['unknown backend type', () => withStack({ backend: { type: 'gcs' } }), '$.stacks[0].backend.type', 'must be one of local, s3, cloud, got "gcs"'],
  [
    'backend as a string',
    () => withStack({ backend: 's3' }),
    '$.stacks[0].backend',
    'must be an object with type one of local, s3, cloud, got "s3" (a string)',
  ],
  [
    'cloud backend with both workspace name and tags',
    () => withStack({ backend: { type: 'cloud', organization: 'acme', workspaces: { name: 'cwl', tags: ['cwl'] } } }),
    '$.stacks[0].backend.workspaces',
    'must have exactly one of name and tags, got both',
  ],
  [
    'role collector without trusted principals',
    () => withStack({ export: { bucketName: 'acme-exports', collector: { type: 'role', roleName: 'collector' } } }),
    '$.stacks[0].export.collector.trustedPrincipalArns',
    'is missing; expected a list',
  ],
  [
    'destination without senderAccountIds',
    () => withStack({ kinesis: kinesis(), destination: { name: 'to-siem' } }),
    '$.stacks[0].destination.senderAccountIds',
    'is missing; expected a list',
  ],
  [
    'destination sender with a Kinesis stream ARN as destination',
    () => destinationPair({ destinationArn: 'arn:aws:kinesis:us-east-1:111122223333:stream/logs' }),
    '$.stacks[1].destinationSender.destinationArn',
    'must be a CloudWatch Logs destination ARN such as arn:aws:logs:us-east-1:111122223333:destination:cwl-siem, got "arn:aws:kinesis:us-east-1:111122223333:stream/logs"',
  ],
  [
    'sender bucket key given as a key id',
    () => {
      const config = crossAccount('user', { type: 'user', userName: 'exporter' });
      config.stacks.shift();
      config.stacks[0].exportSender.bucketKmsKeyArn = '1234abcd-12ab-34cd-56ef-1234567890ab';
      return config;
    },
    '$.stacks[0].exportSender.bucketKmsKeyArn',
    'must be a KMS key ARN such as',
  ],
  [
    'account policy excluding an invalid log group name',
    () => withStack({ kinesis: kinesis({ subscription: { accountPolicy: { excludeLogGroupNames: ['/ok', 'bad:name'] } } }) }),
    '$.stacks[0].kinesis.subscription.accountPolicy.excludeLogGroupNames[1]',
    'must be a log group name: 1-512 characters from letters, digits and . - _ / #, got "bad:name"',
  ],
  [
    'a filter pattern over 1024 characters',
    () => withStack({ kinesis: kinesis({ subscription: { filterPattern: 'x'.repeat(1025), logGroupNames: ['/a'] } }) }),
    '$.stacks[0].kinesis.subscription.filterPattern',
    'must be at most 1024 characters long, got "xxx',
  ],
  ['a tag key starting with aws:', () => withStack({ tags: { 'aws:owner': 'me' } }), '$.stacks[0].tags["aws:owner"]', 'the key "aws:owner" must be a tag key'],
  [
    'a stack name with capitals',
    () => withStack({ name: 'Main' }),
    '$.stacks[0].name',
    'must be a stack name: 1-63 lowercase letters, digits and hyphens, starting with a letter, got "Main"',
  ],
];

describe('configs the schema rejects: one problem each, at its path, saying what was expected and given', () => {
  test('there are at least 18 cases', () => {
    expect(badConfigs.length).toBeGreaterThanOrEqual(18);
    expect(new Set(badConfigs.map(([name]) => name)).size).toBe(badConfigs.length);
  });

  test.each(badConfigs)('%s', (_name, config, path, phrase) => {
    expect(problemsOf(config())).toEqual([{ path, message: expect.stringContaining(phrase) }]);
  });
});
