import { TOOLKIT_DEFAULTS } from '../../config/defaults';
import { parseConfig } from '../../config/load';
import { toolkitConfigSchema } from '../../config/schema';
import { central, crossAccount, destinationPair, firehose, kinesis, minimal, withStack } from './fixtures';

/**
 * Defaults (config/defaults.ts): the fixed ones written once, in the schema, applied by the loader and
 * read by the constructs from there; the computed ones named after the prefix and the config's stacks.
 */

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
    const config = parseConfig(
      { namePrefix: 'acme', ...withStack({ central: central({ siem: { accountId: '777788889999', externalId: 'ext-123' } }) }) },
      'test.json',
    );
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
    expect(plain.stacks[1].exportSender).toEqual({
      bucketName: 'acme-exports',
      bucketAccountId: '111122223333',
      prefix: 'cwl-exports',
      identity: { type: 'user', userName: 'exporter' },
    });

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

  test('a collector state table on each path is named after the prefix and the path, with deletion protection and point-in-time recovery', () => {
    const state = { type: 'dynamodb' };
    const config = parseConfig(
      {
        namePrefix: 'acme',
        stacks: [
          {
            name: 'main',
            region: 'us-east-1',
            accountId: '111122223333',
            kinesis: kinesis({ collector: { state } }),
            export: { bucketName: 'acme-exports', collector: { type: 'user', userName: 'collector', state } },
          },
          {
            name: 'sender',
            region: 'us-east-1',
            accountId: '444455556666',
            exportSender: { bucketName: 'other', bucketAccountId: '777788889999', identity: { type: 'user', userName: 'u' }, collector: { state } },
          },
        ],
      },
      'test.json',
    );
    const [main, sender] = config.stacks;
    const expected = (tableName: string) => ({ state: { type: 'dynamodb', tableName, deletionProtection: true, pointInTimeRecovery: true } });
    expect(main.kinesis!.collector).toEqual(expected('acme-kinesis-state'));
    expect(main.export!.collector).toEqual({ type: 'user', userName: 'collector', ...expected('acme-export-state') });
    expect(sender.exportSender!.collector).toEqual(expected('acme-export-state'));
  });

  test('a state table keeps the name and the settings it is given; without a collector block there is none', () => {
    const state = { type: 'dynamodb', tableName: 'leases', deletionProtection: false, pointInTimeRecovery: false };
    const config = parseConfig(withStack({ kinesis: kinesis({ collector: { state } }) }), 'test.json');
    expect(config.stacks[0].kinesis!.collector!.state).toEqual(state);
    expect(parseConfig(withStack({ kinesis: kinesis() }), 'test.json').stacks[0].kinesis!.collector).toBeUndefined();
    expect(parseConfig(withStack({ kinesis: kinesis({ collector: {} }) }), 'test.json').stacks[0].kinesis!.collector).toEqual({});
  });

  test('the $schema key for editors is accepted and left out of the result', () => {
    const config = parseConfig({ $schema: '../config/toolkit-config.schema.json', ...minimal() }, 'test.json');
    expect(config).not.toHaveProperty('$schema');
  });
});

const loaded = parseConfig(
  {
    stacks: [
      {
        name: 'main',
        region: 'us-east-1',
        accountId: '111122223333',
        export: { bucketName: 'acme-exports' },
        kinesis: {
          streamName: 'logs',
          subscription: { accountPolicy: {} },
          collector: {
            state: { type: 'dynamodb' },
            deploy: {
              image: { repository: 'cwl-siem-collector', tag: '1.0.0' },
              network: { subnetIds: ['subnet-0a1b2c3d4e5f60718'], vpcId: 'vpc-0123456789abcdef0' },
              sink: { type: 'stdout' },
            },
          },
        },
        firehose: { deliveryStreamName: 'f', destination: { bucketName: 'acme-central' }, subscription: { logGroupNames: ['/a'] } },
        central: { bucketName: 'acme-central', organizationId: 'o-a1b2c3d4e5' },
      },
      {
        name: 'sender',
        region: 'us-east-1',
        accountId: '444455556666',
        exportSender: { bucketName: 'other', bucketAccountId: '777788889999', identity: { type: 'user', userName: 'u' } },
      },
    ],
  },
  'test.json',
);

test('the defaults the constructs assume are the ones the loader applies from the schema', () => {
  const [s, sender] = loaded.stacks;
  const f = s.firehose!;
  const c = s.central!;
  const d = s.kinesis!.collector!.deploy!;
  expect(TOOLKIT_DEFAULTS).toEqual({
    namePrefix: loaded.namePrefix,
    export: { prefix: s.export!.prefix, access: s.export!.access, expirationDays: s.export!.expirationDays, versioning: s.export!.versioning },
    exportSender: { prefix: sender.exportSender!.prefix },
    subscription: { filterPattern: s.kinesis!.subscription.filterPattern, excludeLogGroupNames: s.kinesis!.subscription.accountPolicy!.excludeLogGroupNames },
    kinesis: { capacity: s.kinesis!.capacity, retentionHours: s.kinesis!.retentionHours },
    collectorState: {
      deletionProtection: s.kinesis!.collector!.state!.deletionProtection,
      pointInTimeRecovery: s.kinesis!.collector!.state!.pointInTimeRecovery,
    },
    collectorDeploy: {
      cpu: d.cpu,
      memoryMiB: d.memoryMiB,
      desiredCount: d.desiredCount,
      minCount: d.minCount,
      assignPublicIp: d.network.assignPublicIp,
      logRetentionDays: d.logRetentionDays,
      iteratorAgeAlarmMs: d.alarms.iteratorAgeMs,
      oldestMessageAgeAlarmSeconds: d.alarms.oldestMessageAgeSeconds,
      backlogPerTask: d.scaling.backlogPerTask,
      iteratorAgeTargetMs: d.scaling.iteratorAgeMs,
    },
    firehose: {
      bufferingSizeMiB: f.bufferingSizeMiB,
      bufferingIntervalSeconds: f.bufferingIntervalSeconds,
      decompress: f.processing.decompress,
      extractMessages: f.processing.extractMessages,
      errorLogRetentionDays: f.errorLogRetentionDays,
    },
    central: {
      prefix: c.prefix,
      expirationDays: c.expirationDays,
      visibilityTimeoutSeconds: c.visibilityTimeoutSeconds,
      maxReceiveCount: c.maxReceiveCount,
      messageRetentionSeconds: c.messageRetentionSeconds,
      errorNotifications: c.errorNotifications,
    },
  });
});

test('they are copies: changing one cannot change the schema', () => {
  expect(Object.isFrozen(TOOLKIT_DEFAULTS.kinesis.capacity)).toBe(true);
  type Node = { properties: Record<string, Node>; items: Node; default?: unknown };
  const kinesis = (toolkitConfigSchema as unknown as Node).properties.stacks.items.properties.kinesis;
  expect(kinesis.properties.capacity.default).not.toBe(TOOLKIT_DEFAULTS.kinesis.capacity);
  expect(kinesis.properties.capacity.default).toEqual(TOOLKIT_DEFAULTS.kinesis.capacity);
});
