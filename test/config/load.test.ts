import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join, resolve } from 'path';
import { ConfigError, ConfigProblem, loadConfig, parseConfig } from '../../config/load';

const examples = resolve(__dirname, '..', '..', 'examples');

type Json = Record<string, any>;

/** A valid config with one stack that has only an export bucket. */
function minimal(): Json {
  return { stacks: [{ name: 'main', region: 'us-east-1', accountId: '111122223333', export: { bucketName: 'acme-exports-111122223333' } }] };
}

/** The minimal config with the first stack's fields replaced (undefined deletes a field). */
function withStack(fields: Json): Json {
  const config = minimal();
  const stack = config.stacks[0];
  for (const [k, v] of Object.entries(fields)) {
    if (v === undefined) delete stack[k];
    else stack[k] = v;
  }
  return config;
}

const kinesis = (extra: Json = {}): Json => ({ streamName: 'logs', subscription: { logGroupNames: ['/app/a'] }, ...extra });
const firehose = (extra: Json = {}): Json => ({
  deliveryStreamName: 'to-central',
  destination: { bucketName: 'acme-central' },
  subscription: { logGroupNames: ['/app/b'] },
  ...extra,
});
const central = (extra: Json = {}): Json => ({ bucketName: 'acme-central', organizationId: 'o-a1b2c3d4e5', ...extra });

/** A bucket stack letting a user or role of 444455556666 export, and that account's sending stack. */
function crossAccount(mode: 'user' | 'role', senderIdentity: Json): Json {
  const access =
    mode === 'user'
      ? { mode: 'cross-account-user', sendingAccountId: '444455556666', userName: 'exporter' }
      : { mode: 'cross-account-role', sendingAccountId: '444455556666', roleName: 'exporter' };
  return {
    stacks: [
      { name: 'bucket', region: 'us-east-1', accountId: '111122223333', export: { bucketName: 'acme-exports', access } },
      {
        name: 'sender',
        region: 'us-east-1',
        accountId: '444455556666',
        exportSender: { bucketName: 'acme-exports', bucketAccountId: '111122223333', identity: senderIdentity },
      },
    ],
  };
}

/** A receiving stack (Kinesis stream behind a destination listing 444455556666) and that account's sending stack. */
function destinationPair(sender: Json = {}): Json {
  return {
    stacks: [
      { name: 'receiver', region: 'us-east-1', accountId: '111122223333', kinesis: kinesis(), destination: { name: 'to-siem', senderAccountIds: ['444455556666'] } },
      { name: 'sender', region: 'us-east-1', accountId: '444455556666', destinationSender: { subscription: { logGroupNames: ['/app/c'] }, ...sender } },
    ],
  };
}

/** The problems a config is rejected with. */
function problemsOf(raw: unknown): readonly ConfigProblem[] {
  try {
    parseConfig(raw, 'test.json');
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  throw new Error('the config was accepted');
}

function loadError(path: string): ConfigError {
  try {
    loadConfig(path);
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error('the config was accepted');
}

describe('defaults', () => {
  test('a minimal config gets every schema default', () => {
    const config = parseConfig(minimal(), 'test.json');
    expect(config.namePrefix).toBe('cwl-siem');
    expect(config.tags).toEqual({});
    const [stack] = config.stacks;
    expect(stack.partition).toBe('aws');
    expect(stack.tags).toEqual({});
    expect(stack.backend).toEqual({ type: 'local' });
    expect(stack.export).toEqual({
      bucketName: 'acme-exports-111122223333',
      prefix: 'cwl-exports',
      access: { mode: 'same-account' },
      expirationDays: 7,
      versioning: false,
    });
  });

  test('kinesis gets on-demand capacity, 24 h retention, a filter named after the prefix and a reader role', () => {
    const config = parseConfig({ namePrefix: 'acme', ...withStack({ kinesis: kinesis() }) }, 'test.json');
    expect(config.stacks[0].kinesis).toEqual({
      streamName: 'logs',
      capacity: { mode: 'on-demand' },
      retentionHours: 24,
      subscription: { filterName: 'acme-kinesis', filterPattern: '', logGroupNames: ['/app/a'] },
      reader: { roleName: 'acme-kinesis-reader', create: true },
    });
  });

  test('an account policy excludes nothing extra by default', () => {
    const config = parseConfig(withStack({ kinesis: { streamName: 'logs', subscription: { accountPolicy: {} } } }), 'test.json');
    expect(config.stacks[0].kinesis!.subscription).toEqual({ filterName: 'cwl-siem-kinesis', filterPattern: '', accountPolicy: { excludeLogGroupNames: [] } });
  });

  test('a reader given only create: false gets the default role name', () => {
    const config = parseConfig(withStack({ kinesis: kinesis({ reader: { create: false } }) }), 'test.json');
    expect(config.stacks[0].kinesis!.reader).toEqual({ roleName: 'cwl-siem-kinesis-reader', create: false });
  });

  test('firehose gets buffering, prefixes by account, an error log group named after the stream and no compression of gzip records', () => {
    const config = parseConfig(withStack({ firehose: firehose() }), 'test.json');
    expect(config.stacks[0].firehose).toEqual({
      deliveryStreamName: 'to-central',
      destination: { bucketName: 'acme-central' },
      prefix: 'cwl/111122223333',
      errorOutputPrefix: 'cwl-errors/111122223333',
      bufferingSizeMiB: 5,
      bufferingIntervalSeconds: 300,
      processing: { decompress: false, extractMessages: false },
      compression: 'UNCOMPRESSED',
      errorLogGroupName: '/aws/kinesisfirehose/to-central',
      errorLogRetentionDays: 14,
      subscription: { filterName: 'cwl-siem-firehose', filterPattern: '', logGroupNames: ['/app/b'] },
    });
  });

  test('firehose compresses with GZIP when it decompresses the records', () => {
    const config = parseConfig(withStack({ firehose: firehose({ processing: { decompress: true } }) }), 'test.json');
    expect(config.stacks[0].firehose!.processing).toEqual({ decompress: true, extractMessages: false });
    expect(config.stacks[0].firehose!.compression).toBe('GZIP');
  });

  test('central gets its queue, key alias, writer pattern and SIEM role named after the prefix', () => {
    const config = parseConfig({ namePrefix: 'acme', ...withStack({ central: central({ siem: { accountId: '777788889999', externalId: 'ext-123' } }) }) }, 'test.json');
    expect(config.stacks[0].central).toEqual({
      bucketName: 'acme-central',
      prefix: 'cwl',
      organizationId: 'o-a1b2c3d4e5',
      expirationDays: 30,
      writerRoleNames: ['acme-firehose-*'],
      queueName: 'acme-objects',
      visibilityTimeoutSeconds: 300,
      maxReceiveCount: 5,
      messageRetentionSeconds: 345600,
      keyAlias: 'alias/acme-central',
      siem: { accountId: '777788889999', externalId: 'ext-123', roleName: 'acme-siem-reader' },
      errorNotifications: false,
    });
  });

  test('central keeps error notifications and an alarm topic of its region when given, and has no topic by default', () => {
    const topic = 'arn:aws:sns:us-east-1:111122223333:cwl-siem-alarms';
    const config = parseConfig(withStack({ central: central({ errorNotifications: true, alarmTopicArn: topic }) }), 'test.json');
    expect(config.stacks[0].central).toMatchObject({ errorNotifications: true, alarmTopicArn: topic });
    expect(parseConfig(withStack({ central: central() }), 'test.json').stacks[0].central).not.toHaveProperty('alarmTopicArn');
  });

  test("an export sender decrypts with the bucket stack's key when that stack is in the config, and keeps a key it is given", () => {
    const key = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    const keyed = crossAccount('role', { type: 'role', roleName: 'exporter', trustedPrincipalArns: ['arn:aws:iam::444455556666:root'] });
    keyed.stacks[0].export.kmsKeyArn = key;
    expect(parseConfig(keyed, 'test.json').stacks[1].exportSender!.bucketKmsKeyArn).toBe(key);

    const plain = parseConfig(crossAccount('user', { type: 'user', userName: 'exporter' }), 'test.json');
    expect(plain.stacks[1].exportSender).toEqual({ bucketName: 'acme-exports', bucketAccountId: '111122223333', prefix: 'cwl-exports', identity: { type: 'user', userName: 'exporter' } });

    const alone = crossAccount('user', { type: 'user', userName: 'exporter' });
    alone.stacks.shift();
    alone.stacks[0].exportSender.bucketKmsKeyArn = key;
    expect(parseConfig(alone, 'test.json').stacks[0].exportSender!.bucketKmsKeyArn).toBe(key);
  });

  test('a destination sender subscribes to the destination of this config that lists its account, with a filter named after the prefix', () => {
    const config = parseConfig({ namePrefix: 'acme', ...destinationPair() }, 'test.json');
    expect(config.stacks[1].destinationSender).toEqual({
      destinationArn: 'arn:aws:logs:us-east-1:111122223333:destination:to-siem',
      subscription: { filterName: 'acme-destination', filterPattern: '', logGroupNames: ['/app/c'] },
    });
  });

  test('a destination sender keeps a destination ARN it is given, also one outside the config', () => {
    const external = 'arn:aws:logs:us-east-1:777788889999:destination:central-siem';
    const alone = destinationPair({ destinationArn: external });
    alone.stacks.shift();
    expect(parseConfig(alone, 'test.json').stacks[0].destinationSender!.destinationArn).toBe(external);
  });

  test('backends get encryption (s3) and the Terraform Cloud host name (cloud)', () => {
    const s3 = parseConfig(withStack({ backend: { type: 's3', bucket: 'acme-state', key: 'cwl.tfstate', region: 'us-east-1' } }), 'test.json');
    expect(s3.stacks[0].backend).toEqual({ type: 's3', bucket: 'acme-state', key: 'cwl.tfstate', region: 'us-east-1', encrypt: true, useLockfile: true });
    const cloud = parseConfig(withStack({ backend: { type: 'cloud', organization: 'acme', workspaces: { tags: ['cwl'] } } }), 'test.json');
    expect(cloud.stacks[0].backend).toEqual({ type: 'cloud', organization: 'acme', hostname: 'app.terraform.io', workspaces: { tags: ['cwl'] } });
  });

  test('given values are kept, defaults fill only what is missing', () => {
    const config = parseConfig(
      withStack({
        kinesis: kinesis({ subscription: { filterName: 'to-siem', filterPattern: '?ERROR', logGroupNames: ['/app/a'] }, retentionHours: 48 }),
        firehose: firehose({ prefix: 'logs/a', compression: 'GZIP', processing: { decompress: false, extractMessages: false } }),
      }),
      'test.json',
    );
    expect(config.stacks[0].kinesis!.subscription).toEqual({ filterName: 'to-siem', filterPattern: '?ERROR', logGroupNames: ['/app/a'] });
    expect(config.stacks[0].kinesis!.retentionHours).toBe(48);
    expect(config.stacks[0].firehose!.prefix).toBe('logs/a');
    expect(config.stacks[0].firehose!.compression).toBe('GZIP');
  });

  test('the $schema key for editors is accepted and left out of the result', () => {
    const config = parseConfig({ $schema: '../config/toolkit-config.schema.json', ...minimal() }, 'test.json');
    expect(config).not.toHaveProperty('$schema');
  });
});

describe('the result', () => {
  test('is deep-frozen', () => {
    const config = parseConfig(withStack({ kinesis: kinesis() }), 'test.json');
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.stacks)).toBe(true);
    expect(Object.isFrozen(config.stacks[0].kinesis!.subscription.logGroupNames)).toBe(true);
    expect(() => {
      (config.stacks[0].kinesis!.capacity as { mode: string }).mode = 'provisioned';
    }).toThrow(TypeError);
  });

  test('the input object is not mutated, whether it is valid or not', () => {
    const valid = withStack({ kinesis: kinesis(), firehose: firehose() });
    const before = JSON.parse(JSON.stringify(valid));
    parseConfig(valid, 'test.json');
    expect(valid).toEqual(before);

    const invalid = withStack({ accountId: '1', kinesis: kinesis() });
    const invalidBefore = JSON.parse(JSON.stringify(invalid));
    expect(() => parseConfig(invalid, 'test.json')).toThrow(ConfigError);
    expect(invalid).toEqual(invalidBefore);
  });

  test('two loads share no objects', () => {
    const a = parseConfig(minimal(), 'a.json');
    const b = parseConfig(minimal(), 'b.json');
    expect(a.stacks[0].backend).not.toBe(b.stacks[0].backend);
    expect(a.tags).not.toBe(b.tags);
  });
});

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
  ['account id of 11 digits', () => withStack({ accountId: '11112222333' }), '$.stacks[0].accountId', 'must be a 12-digit AWS account id as a string, got "11112222333"'],
  ['account id as a number', () => withStack({ accountId: 111122223333 }), '$.stacks[0].accountId', 'must be a 12-digit AWS account id as a string, got 111122223333 (a number)'],
  ['unknown top-level key', () => ({ ...minimal(), stack: [] }), '$.stack', 'unknown key "stack" (did you mean "stacks"?)'],
  ['unknown stack key', () => withStack({ kinesiss: kinesis() }), '$.stacks[0].kinesiss', 'unknown key "kinesiss" (did you mean "kinesis"?)'],
  ['bad region', () => withStack({ region: 'useast1' }), '$.stacks[0].region', 'must be an AWS region name such as us-east-1, got "useast1"'],
  [
    'region of another partition',
    () => withStack({ partition: 'aws-us-gov' }),
    '$.stacks[0].region',
    'must be a region of partition aws-us-gov (such as us-gov-west-1), got "us-east-1", a region of aws',
  ],
  ['region of no supported partition', () => withStack({ region: 'us-iso-east-1' }), '$.stacks[0].region', 'which is no region of a supported partition'],
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
  ['empty logGroupNames', () => withStack({ kinesis: kinesis({ subscription: { logGroupNames: [] } }) }), '$.stacks[0].kinesis.subscription.logGroupNames', 'must have at least 1 item, got none'],
  [
    'a log group listed twice',
    () => withStack({ kinesis: kinesis({ subscription: { logGroupNames: ['/a', '/b', '/a'] } }) }),
    '$.stacks[0].kinesis.subscription.logGroupNames',
    'must not repeat an item: "/a" is at [0] and [2]',
  ],
  [
    'duplicate stack names',
    () => ({ stacks: [minimal().stacks[0], { ...minimal().stacks[0], export: { bucketName: 'other-bucket' } }] }),
    '$.stacks[1].name',
    'must be unique, got "main", the name of $.stacks[0].name too',
  ],
  ['empty stacks list', () => ({ stacks: [] }), '$.stacks', 'must have at least 1 item, got none'],
  ['stacks missing', () => ({ namePrefix: 'acme' }), '$.stacks', 'is missing; expected a list'],
  [
    'stack with no path',
    () => withStack({ export: undefined }),
    '$.stacks[0]',
    'must have at least one of export, exportSender, kinesis, firehose, central or destinationSender, got none',
  ],
  ['bad bucket name', () => withStack({ export: { bucketName: 'Acme_Exports' } }), '$.stacks[0].export.bucketName', 'must be an S3 bucket name: 3-63 lowercase letters'],
  ['bucket name like an IP address', () => withStack({ export: { bucketName: '192.168.1.10' } }), '$.stacks[0].export.bucketName', 'not an IP address, got "192.168.1.10"'],
  ['bufferingSizeMiB 0', () => withStack({ firehose: firehose({ bufferingSizeMiB: 0 }) }), '$.stacks[0].firehose.bufferingSizeMiB', 'must be an integer from 1 to 128, got 0'],
  ['bufferingIntervalSeconds 901', () => withStack({ firehose: firehose({ bufferingIntervalSeconds: 901 }) }), '$.stacks[0].firehose.bufferingIntervalSeconds', 'must be an integer from 0 to 900, got 901'],
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
  ['shardCount not an integer', () => withStack({ kinesis: kinesis({ capacity: { mode: 'provisioned', shardCount: 1.5 } }) }), '$.stacks[0].kinesis.capacity.shardCount', 'must be an integer from 1 to 10000, got 1.5'],
  ['retentionHours below a day', () => withStack({ kinesis: kinesis({ retentionHours: 12 }) }), '$.stacks[0].kinesis.retentionHours', 'must be an integer from 24 to 8760, got 12'],
  ['maxReceiveCount 0', () => withStack({ central: central({ maxReceiveCount: 0 }) }), '$.stacks[0].central.maxReceiveCount', 'must be an integer from 1 to 1000, got 0'],
  ['bad organization id', () => withStack({ central: central({ organizationId: 'o-short' }) }), '$.stacks[0].central.organizationId', 'must be an AWS Organizations id such as o-a1b2c3d4e5, got "o-short"'],
  [
    'an alarm topic that is not an SNS topic ARN',
    () => withStack({ central: central({ alarmTopicArn: 'arn:aws:sqs:us-east-1:111122223333:cwl-siem-alarms' }) }),
    '$.stacks[0].central.alarmTopicArn',
    'must be an SNS topic ARN such as arn:aws:sns:us-east-1:111122223333:cwl-siem-alarms (a standard topic), got "arn:aws:sqs:',
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
  ['errorNotifications not a boolean', () => withStack({ central: central({ errorNotifications: 'yes' }) }), '$.stacks[0].central.errorNotifications', 'must be true or false, got "yes" (a string)'],
  [
    's3 backend without key',
    () => withStack({ backend: { type: 's3', bucket: 'acme-state', region: 'us-east-1' } }),
    '$.stacks[0].backend.key',
    'is missing; expected an S3 object key',
  ],
  ['unknown backend type', () => withStack({ backend: { type: 'gcs' } }), '$.stacks[0].backend.type', 'must be one of local, s3, cloud, got "gcs"'],
  ['backend as a string', () => withStack({ backend: 's3' }), '$.stacks[0].backend', 'must be an object with type one of local, s3, cloud, got "s3" (a string)'],
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
    'destination sender with a Kinesis stream ARN as destination',
    () => destinationPair({ destinationArn: 'arn:aws:kinesis:us-east-1:111122223333:stream/logs' }),
    '$.stacks[1].destinationSender.destinationArn',
    'must be a CloudWatch Logs destination ARN such as arn:aws:logs:us-east-1:111122223333:destination:cwl-siem, got "arn:aws:kinesis:us-east-1:111122223333:stream/logs"',
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
    'sender identity name differs from the bucket stack\'s user',
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
    'must be a key of region us-east-1, the stack\'s',
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
    'kinesis and firehose both with an account policy',
    () => withStack({ kinesis: kinesis({ subscription: { accountPolicy: {} } }), firehose: firehose({ subscription: { accountPolicy: {} } }) }),
    '$.stacks[0].firehose.subscription.accountPolicy',
    'only one account-level subscription filter policy',
  ],
  [
    'account policy excluding an invalid log group name',
    () => withStack({ kinesis: kinesis({ subscription: { accountPolicy: { excludeLogGroupNames: ['/ok', 'bad:name'] } } }) }),
    '$.stacks[0].kinesis.subscription.accountPolicy.excludeLogGroupNames[1]',
    'must be a log group name: 1-512 characters from letters, digits and . - _ / #, got "bad:name"',
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
    'must be a key of region us-east-1, the stack\'s',
  ],
  [
    'a filter pattern over 1024 characters',
    () => withStack({ kinesis: kinesis({ subscription: { filterPattern: 'x'.repeat(1025), logGroupNames: ['/a'] } }) }),
    '$.stacks[0].kinesis.subscription.filterPattern',
    'must be at most 1024 characters long, got "xxx',
  ],
  ['a tag key starting with aws:', () => withStack({ tags: { 'aws:owner': 'me' } }), '$.stacks[0].tags["aws:owner"]', 'the key "aws:owner" must be a tag key'],
  ['a stack name with capitals', () => withStack({ name: 'Main' }), '$.stacks[0].name', 'must be a stack name: 1-63 lowercase letters, digits and hyphens, starting with a letter, got "Main"'],
];

describe('bad configs: one problem each, at its path, saying what was expected and given', () => {
  test('there are at least 18 cases', () => {
    expect(badConfigs.length).toBeGreaterThanOrEqual(18);
    expect(new Set(badConfigs.map(([name]) => name)).size).toBe(badConfigs.length);
  });

  test.each(badConfigs)('%s', (_name, config, path, phrase) => {
    expect(problemsOf(config())).toEqual([{ path, message: expect.stringContaining(phrase) }]);
  });
});

describe('ConfigError', () => {
  test('reports every problem together, one line each under the source', () => {
    let error: unknown;
    try {
      parseConfig(withStack({ accountId: '123', region: 'nowhere', kinesis: kinesis({ retentionHours: 1 }) }), 'configs/prod.json');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const e = error as ConfigError;
    expect(e.code).toBe('CWL_SIEM_CONFIG');
    expect(e.name).toBe('ConfigError');
    expect(e.source).toBe('configs/prod.json');
    expect(e.problems.map((p) => p.path)).toEqual(['$.stacks[0].region', '$.stacks[0].accountId', '$.stacks[0].kinesis.retentionHours']);
    expect(e.message).toBe(
      [
        'configs/prod.json: 3 problems in the config:',
        '  - $.stacks[0].region: must be an AWS region name such as us-east-1, got "nowhere"',
        '  - $.stacks[0].accountId: must be a 12-digit AWS account id as a string, got "123"',
        '  - $.stacks[0].kinesis.retentionHours: must be an integer from 24 to 8760, got 1',
      ].join('\n'),
    );
  });

  test('problems in several stacks are all reported', () => {
    const config = { stacks: [withStack({ accountId: '1' }).stacks[0], { ...minimal().stacks[0], name: 'second', export: { bucketName: 'x' } }] };
    expect(problemsOf(config).map((p) => p.path)).toEqual(['$.stacks[0].accountId', '$.stacks[1].export.bucketName']);
  });

  test('says "1 problem" for one', () => {
    expect(() => parseConfig({ stacks: [] }, 'one.json')).toThrow(/^one\.json: 1 problem in the config:\n {2}- \$\.stacks: /);
  });

  test('a value that is not a JSON object is rejected at $', () => {
    expect(problemsOf([])).toEqual([{ path: '$', message: 'must be an object, got [] (a list)' }]);
    expect(problemsOf(undefined)).toEqual([{ path: '$', message: 'must be an object, got null' }]);
  });
});

describe('loadConfig', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'cwl-siem-config-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('reads a file and names it as the source of its problems', () => {
    const file = join(dir, 'bad-account.json');
    writeFileSync(file, JSON.stringify(withStack({ accountId: '123' })));
    const e = loadError(file);
    expect(e.source).toBe(file);
    expect(e.message).toBe(`${file}: 1 problem in the config:\n  - $.stacks[0].accountId: must be a 12-digit AWS account id as a string, got "123"`);
  });

  test('invalid JSON is reported at $ with its line and column', () => {
    const file = join(dir, 'trailing-comma.json');
    writeFileSync(file, '{\n  "stacks": [\n    { "name": "a", }\n  ]\n}\n');
    const e = loadError(file);
    expect(e.problems).toEqual([{ path: '$', message: expect.stringMatching(/^the file is not valid JSON: .+ at line 3, column 20 \(position 35\)$/) }]);
  });

  test('invalid JSON gets a position even where the JSON parser gives none', () => {
    const file = join(dir, 'bad-literal.json');
    writeFileSync(file, '{\n  "stacks": tru\n}');
    expect(loadError(file).problems).toEqual([{ path: '$', message: expect.stringContaining('at line 2, column 13 (position 14)') }]);
  });

  test('an empty file is invalid JSON at its end', () => {
    const file = join(dir, 'empty.json');
    writeFileSync(file, '');
    expect(loadError(file).problems).toEqual([{ path: '$', message: 'the file is not valid JSON: unexpected end of input at line 1, column 1 (position 0)' }]);
  });

  test('a missing file is reported at $', () => {
    const file = join(dir, 'nope.json');
    const e = loadError(file);
    expect(e.source).toBe(file);
    expect(e.problems).toEqual([{ path: '$', message: 'cannot read the config file: no such file' }]);
  });

  test('a byte order mark is allowed', () => {
    const file = join(dir, 'bom.json');
    writeFileSync(file, `\uFEFF${JSON.stringify(minimal())}`);
    expect(loadConfig(file).stacks[0].name).toBe('main');
  });
});

describe('examples', () => {
  const files = readdirSync(examples).filter((f) => f.endsWith('.json'));

  test('cover every scenario', () => {
    expect(files).toEqual(
      expect.arrayContaining([
        'default.json',
        'export-same-account.json',
        'export-cross-account-user.json',
        'export-cross-account-role.json',
        'kinesis.json',
        'firehose-central.json',
        'account-policy.json',
        'kinesis-destination.json',
      ]),
    );
  });

  test.each(files)('%s loads', (file) => {
    const config = loadConfig(join(examples, file));
    expect(config.stacks.length).toBeGreaterThan(0);
  });

  test('default.json has all three paths in one account, with distinct log groups for kinesis and firehose', () => {
    const [stack, ...rest] = loadConfig(join(examples, 'default.json')).stacks;
    expect(rest).toEqual([]);
    expect(stack.accountId).toBe('111122223333');
    expect(stack.export!.access).toEqual({ mode: 'same-account' });
    // A specific role, not the account root: the example shows what a reviewer should expect to see.
    expect(stack.export!.collector).toEqual({ type: 'role', roleName: expect.any(String), trustedPrincipalArns: ['arn:aws:iam::111122223333:role/cwl-siem-collector-task'] });
    expect(stack.kinesis!.reader.trustedPrincipalArns).toEqual(['arn:aws:iam::111122223333:role/cwl-siem-collector-task']);
    expect(stack.kinesis!.subscription.logGroupNames).toHaveLength(3);
    expect(stack.firehose!.subscription.logGroupNames).toHaveLength(2);
    expect(stack.firehose!.destination.bucketName).toBe(stack.central!.bucketName);
    expect(stack.central!.siem!.accountId).toBe('777788889999');
    const both = stack.firehose!.subscription.logGroupNames!.filter((g) => stack.kinesis!.subscription.logGroupNames!.includes(g));
    expect(both).toEqual([]);
  });
});
