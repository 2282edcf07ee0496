import { central, crossAccount, destinationPair, firehose, kinesis, minimal, problemsOf, withStack } from './fixtures';

/** Rules across fields and stacks (config/rules.ts), checked after the schema and the computed defaults. */

/** [case, config, path, key phrase of the message]: each config has exactly this one problem. */
const badConfigs: [string, () => unknown, string, string][] = [
  [
    'region of another partition',
    () => withStack({ partition: 'aws-us-gov' }),
    '$.stacks[0].region',
    'must be a region of partition aws-us-gov (such as us-gov-west-1), got "us-east-1", a region of aws',
  ],
  ['region of no supported partition', () => withStack({ region: 'us-iso-east-1' }), '$.stacks[0].region', 'which is no region of a supported partition'],
  [
    'duplicate stack names',
    () => ({ stacks: [minimal().stacks[0], { ...minimal().stacks[0], export: { bucketName: 'other-bucket' } }] }),
    '$.stacks[1].name',
    'must be unique, got "main", the name of $.stacks[0].name too',
  ],
  [
    'an alarm topic of another region',
    () => withStack({ central: central({ alarmTopicArn: 'arn:aws:sns:eu-west-1:111122223333:cwl-siem-alarms' }) }),
    '$.stacks[0].central.alarmTopicArn',
    'must be a topic of region us-east-1, the stack\'s (CloudWatch alarms notify topics of their own region only), got "arn:aws:sns:eu-west-1:',
  ],
  [
    'an alarm topic of another partition',
    () => withStack({ central: central({ alarmTopicArn: 'arn:aws-us-gov:sns:us-gov-west-1:111122223333:cwl-siem-alarms' }) }),
    '$.stacks[0].central.alarmTopicArn',
    'must be an ARN of partition aws, the stack\'s, got "arn:aws-us-gov:sns:',
  ],
  [
    'a queue name too long for its errors queue with error notifications',
    () => withStack({ central: central({ queueName: 'q'.repeat(74), errorNotifications: true }) }),
    '$.stacks[0].central.queueName',
    'must be at most 73 characters with errorNotifications',
  ],
  [
    'destination without kinesis',
    () => withStack({ destination: { name: 'to-siem', senderAccountIds: ['444455556666'] } }),
    '$.stacks[0].destination',
    'needs kinesis in the same stack',
  ],
  [
    'destination listing its own account as a sender',
    () => withStack({ kinesis: kinesis(), destination: { name: 'to-siem', senderAccountIds: ['444455556666', '111122223333'] } }),
    '$.stacks[0].destination.senderAccountIds[1]',
    'must be another account than the stack\'s own, got "111122223333"',
  ],
  [
    'destination sender without a destination ARN, and no destination of the config lists its account',
    () => {
      const config = destinationPair();
      config.stacks[0].destination.senderAccountIds = ['777788889999'];
      return config;
    },
    '$.stacks[1].destinationSender.destinationArn',
    'is missing, and no destination of this config lists 444455556666, the stack\'s account, in its senderAccountIds; give the ARN of the destination in the receiving account, or add "444455556666"',
  ],
  [
    'destination sender without a destination ARN, and two destinations list its account',
    () => {
      const config = destinationPair();
      config.stacks.push({ ...config.stacks[0], name: 'receiver-2', accountId: '777788889999' });
      return config;
    },
    '$.stacks[1].destinationSender.destinationArn',
    'is missing, and 2 destinations of this config list 444455556666 in their senderAccountIds (stack "receiver" at $.stacks[0], stack "receiver-2" at $.stacks[2]); give the ARN of the one to subscribe to',
  ],
  [
    'destination sender whose account the destination of the config does not list',
    () => {
      const config = destinationPair({ destinationArn: 'arn:aws:logs:us-east-1:111122223333:destination:to-siem' });
      config.stacks[0].destination.senderAccountIds = ['777788889999'];
      return config;
    },
    '$.stacks[0].destination.senderAccountIds',
    'must include "444455556666", the account of stack "sender" at $.stacks[1] whose destinationSender subscribes to this destination, got ["777788889999"]',
  ],
  [
    'destination sender in another region than the destination',
    () => {
      const config = destinationPair();
      config.stacks[0].region = 'eu-west-1';
      return config;
    },
    '$.stacks[1].destinationSender.destinationArn',
    'must be a destination of region us-east-1, the stack\'s: the destination\'s role trusts CloudWatch Logs of its own region only, got "arn:aws:logs:eu-west-1:111122223333:destination:to-siem", the destination of stack "receiver" at $.stacks[0] in eu-west-1',
  ],
  [
    'destination sender subscribing to a destination of its own account',
    () => destinationPair({ destinationArn: 'arn:aws:logs:us-east-1:444455556666:destination:mine' }),
    '$.stacks[1].destinationSender.destinationArn',
    'must be a destination of another account than 444455556666, the stack\'s own, got "arn:aws:logs:us-east-1:444455556666:destination:mine"',
  ],
  [
    'destination sender with a destination of another partition',
    () => destinationPair({ destinationArn: 'arn:aws-cn:logs:us-east-1:111122223333:destination:to-siem' }),
    '$.stacks[1].destinationSender.destinationArn',
    'must be a destination of partition aws, the stack\'s, got "arn:aws-cn:logs:us-east-1:111122223333:destination:to-siem"',
  ],
  [
    'destination sender and kinesis both with an account policy',
    () => {
      const config = destinationPair({ subscription: { accountPolicy: {} } });
      config.stacks[1].kinesis = kinesis({ subscription: { accountPolicy: {} } });
      return config;
    },
    '$.stacks[1].destinationSender.subscription.accountPolicy',
    'cannot be used with kinesis.subscription.accountPolicy in the same stack',
  ],
  [
    'destination sender and firehose subscribing a log group with the same filter name',
    () => {
      const config = destinationPair({ subscription: { logGroupNames: ['/app/b'], filterName: 'to-siem' } });
      config.stacks[1].firehose = firehose({ subscription: { logGroupNames: ['/app/b'], filterName: 'to-siem' } });
      return config;
    },
    '$.stacks[1].destinationSender.subscription.logGroupNames[0]',
    'is also subscribed by firehose.subscription with the same filter name "to-siem"',
  ],
  [
    'a log group subscribed by kinesis, firehose and a destination sender',
    () => {
      const config = destinationPair({ subscription: { logGroupNames: ['/app/a'] } });
      config.stacks[1].kinesis = kinesis();
      config.stacks[1].firehose = firehose({ subscription: { logGroupNames: ['/app/a'] } });
      return config;
    },
    '$.stacks[1].destinationSender.subscription.logGroupNames[0]',
    'a log group holds at most two subscription filters, got "/app/a" in all three',
  ],
  [
    'export.collector with a cross-account mode',
    () =>
      withStack({
        export: {
          bucketName: 'acme-exports',
          access: { mode: 'cross-account-role', sendingAccountId: '444455556666', roleName: 'exporter' },
          collector: { type: 'user', userName: 'collector' },
        },
      }),
    '$.stacks[0].export.collector',
    'is only for export.access mode same-account, got mode cross-account-role',
  ],
  [
    'cross-account export from the bucket account itself',
    () => withStack({ export: { bucketName: 'acme-exports', access: { mode: 'cross-account-user', sendingAccountId: '111122223333', userName: 'exporter' } } }),
    '$.stacks[0].export.access.sendingAccountId',
    'must be another account than the stack\'s own, got "111122223333"',
  ],
  [
    "sender identity name differs from the bucket stack's user",
    () => crossAccount('user', { type: 'user', userName: 'someone-else' }),
    '$.stacks[1].exportSender.identity.userName',
    'must be "exporter", the userName in $.stacks[0].export.access, got "someone-else"',
  ],
  [
    'sender identity is a user where the bucket stack lets a role write',
    () => crossAccount('role', { type: 'user', userName: 'exporter' }),
    '$.stacks[1].exportSender.identity.type',
    'must be role, as $.stacks[0].export.access mode cross-account-role expects, got user',
  ],
  [
    'sender names another bucket account than the stack creating that bucket',
    () => {
      const config = crossAccount('user', { type: 'user', userName: 'exporter' });
      config.stacks[1].exportSender.bucketAccountId = '777788889999';
      return config;
    },
    '$.stacks[1].exportSender.bucketAccountId',
    'must be "111122223333", the account of stack "bucket" at $.stacks[0] that creates bucket "acme-exports", got "777788889999"',
  ],
  [
    "sender's bucket key differs from the bucket stack's",
    () => {
      const config = crossAccount('user', { type: 'user', userName: 'exporter' });
      config.stacks[0].export.kmsKeyArn = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
      config.stacks[1].exportSender.bucketKmsKeyArn = 'arn:aws:kms:us-east-1:111122223333:key/9999aaaa-99aa-99aa-99aa-999999999999';
      return config;
    },
    '$.stacks[1].exportSender.bucketKmsKeyArn',
    'must be "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab", the $.stacks[0].export.kmsKeyArn the exported objects are encrypted with',
  ],
  [
    'sender names a bucket key for a bucket stack with SSE-S3',
    () => {
      const config = crossAccount('user', { type: 'user', userName: 'exporter' });
      config.stacks[1].exportSender.bucketKmsKeyArn = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
      return config;
    },
    '$.stacks[1].exportSender.bucketKmsKeyArn',
    'must be left out: $.stacks[0].export encrypts bucket "acme-exports" with SSE-S3',
  ],
  [
    'sender bucket key of another region',
    () => {
      const config = crossAccount('user', { type: 'user', userName: 'exporter' });
      config.stacks.shift();
      config.stacks[0].exportSender.bucketKmsKeyArn = 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
      return config;
    },
    '$.stacks[0].exportSender.bucketKmsKeyArn',
    "must be a key of region us-east-1, the stack's",
  ],
  [
    'kinesis and firehose both with an account policy',
    () => withStack({ kinesis: kinesis({ subscription: { accountPolicy: {} } }), firehose: firehose({ subscription: { accountPolicy: {} } }) }),
    '$.stacks[0].firehose.subscription.accountPolicy',
    'only one account-level subscription filter policy',
  ],
  [
    'the same log group with the same filter name on kinesis and firehose',
    () =>
      withStack({
        kinesis: kinesis({ subscription: { logGroupNames: ['/a', '/b'], filterName: 'to-siem' } }),
        firehose: firehose({ subscription: { logGroupNames: ['/b'], filterName: 'to-siem' } }),
      }),
    '$.stacks[0].firehose.subscription.logGroupNames[0]',
    'is also subscribed by kinesis.subscription with the same filter name "to-siem"',
  ],
  [
    'firehose to a central bucket of another region',
    () => ({
      stacks: [
        { name: 'central', region: 'eu-west-1', accountId: '111122223333', central: central() },
        { name: 'source', region: 'us-east-1', accountId: '444455556666', firehose: firehose() },
      ],
    }),
    '$.stacks[1].firehose.destination.bucketName',
    'must be a central bucket in region us-east-1, the stack\'s, got "acme-central" in eu-west-1',
  ],
  [
    'extractMessages without decompress',
    () => withStack({ firehose: firehose({ processing: { extractMessages: true } }) }),
    '$.stacks[0].firehose.processing.extractMessages',
    'needs decompress true',
  ],
  [
    'extractMessages with two subscribed log groups (their events could not be told apart)',
    () => withStack({ firehose: firehose({ processing: { decompress: true, extractMessages: true }, subscription: { logGroupNames: ['/app/a', '/app/b'] } }) }),
    '$.stacks[0].firehose.processing.extractMessages',
    'needs exactly one subscribed log group: extracted messages lose their log group and stream, so the collector can name only the one group the stream carries; got 2 log groups in subscription.logGroupNames',
  ],
  [
    'extractMessages with an account-level subscription policy',
    () => withStack({ firehose: firehose({ processing: { decompress: true, extractMessages: true }, subscription: { accountPolicy: {} } }) }),
    '$.stacks[0].firehose.processing.extractMessages',
    'got subscription.accountPolicy (every log group of the account). Keep the envelope (extractMessages false) or give each log group its own delivery stream',
  ],
  [
    'a KMS key of another region',
    () => withStack({ kinesis: kinesis({ kmsKeyArn: 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab' }) }),
    '$.stacks[0].kinesis.kmsKeyArn',
    "must be a key of region us-east-1, the stack's",
  ],
];

describe('configs the rules reject: one problem each, at its path, saying what was expected and given', () => {
  test('there are at least 18 cases', () => {
    expect(badConfigs.length).toBeGreaterThanOrEqual(18);
    expect(new Set(badConfigs.map(([name]) => name)).size).toBe(badConfigs.length);
  });

  test.each(badConfigs)('%s', (_name, config, path, phrase) => {
    expect(problemsOf(config())).toEqual([{ path, message: expect.stringContaining(phrase) }]);
  });
});
