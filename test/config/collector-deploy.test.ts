import { parseConfig } from '../../config/load';
import { central, firehose, Json, kinesis, problemsOf, withStack } from './fixtures';

/**
 * The deployed collector (`collector.deploy` of the Kinesis path, the export bucket's collector and
 * the central path): its defaults, and each rule the schema or config/rules.ts holds it to, every
 * problem once at its JSONPath.
 */

const ACCOUNT = '111122223333';
const DIGEST = `sha256:${'4f53cda18c2baa0c'.repeat(4)}`;
const HEC_ARN = `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:cwl-siem/hec-token-AbCdEf`;
const HEC = { type: 'splunk-hec', url: 'https://splunk.example.com:8088/services/collector/event', tokenEnv: 'HEC_TOKEN' };

const deploy = (extra: Json = {}): Json => ({
  image: { repository: `${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/cwl-siem-collector`, digest: DIGEST },
  network: { subnetIds: ['subnet-0a1b2c3d4e5f60718'], vpcId: 'vpc-0123456789abcdef0' },
  sink: HEC,
  secrets: { HEC_TOKEN: HEC_ARN },
  ...extra,
});
const STATE = { type: 'dynamodb' };
/** A stack with only a Kinesis path whose collector is deployed, with its state table unless `collector` says otherwise. */
const onKinesis = (d: Json = {}, k: Json = {}, collector: Json = {}): Json =>
  withStack({ export: undefined, kinesis: kinesis({ collector: { state: STATE, deploy: deploy(d), ...collector }, ...k }) });
const role = { type: 'role', roleName: 'cwl-siem-export-collector', trustedPrincipalArns: [`arn:aws:iam::${ACCOUNT}:root`], state: STATE };
const onExport = (d: Json = {}, collector: Json = role): Json =>
  withStack({ export: { bucketName: 'acme-exports', collector: { ...collector, deploy: deploy(d) } } });
const SIEM = { accountId: ACCOUNT, externalId: 'acme-collector-5d1e8b7a' };
const onCentral = (d: Json = {}, c: Json = { siem: SIEM }): Json =>
  withStack({ export: undefined, central: central({ ...c, collector: { deploy: deploy(d) } }) });

const base = '$.stacks[0].kinesis.collector.deploy';

describe('defaults', () => {
  test('a task of 512 CPU units and 1 GiB, one task, no autoscaling, no public IP, 30 days of logs, the alarm and scaling thresholds', () => {
    const d = parseConfig(onKinesis(), 'test.json').stacks[0].kinesis!.collector!.deploy!;
    expect(d).toMatchObject({
      cpu: 512,
      memoryMiB: 1024,
      desiredCount: 1,
      minCount: 1,
      maxCount: 1,
      network: { assignPublicIp: false },
      logRetentionDays: 30,
      alarms: { iteratorAgeMs: 60000, oldestMessageAgeSeconds: 900 },
      scaling: { backlogPerTask: 1000, iteratorAgeMs: 60000 },
    });
    expect(d.alarms.topicArn).toBeUndefined();
    expect(d.clusterArn).toBeUndefined();
  });

  test('maxCount is desiredCount unless given', () => {
    const d = parseConfig(onKinesis({ desiredCount: 3 }), 'test.json').stacks[0].kinesis!.collector!.deploy!;
    expect([d.minCount, d.desiredCount, d.maxCount]).toEqual([1, 3, 3]);
  });

  test('on the central path the alarms notify central.alarmTopicArn unless the deploy block names a topic', () => {
    const topic = `arn:aws:sns:us-east-1:${ACCOUNT}:cwl-siem-alarms`;
    const other = `arn:aws:sns:us-east-1:${ACCOUNT}:collector-alarms`;
    const c = (d: Json) => parseConfig(onCentral(d, { siem: SIEM, alarmTopicArn: topic }), 'test.json').stacks[0].central!.collector!.deploy!;
    expect(c({}).alarms.topicArn).toBe(topic);
    expect(c({ alarms: { topicArn: other } }).alarms.topicArn).toBe(other);
  });

  test('an image by tag, existing security groups, an existing cluster and an SSM parameter are accepted', () => {
    const config = onKinesis({
      image: { repository: 'ghcr.io/acme/cwl-siem-collector', tag: '1.4.2' },
      network: { subnetIds: ['subnet-0a1b2c3d'], securityGroupIds: ['sg-0123456789abcdef0'], assignPublicIp: true },
      clusterArn: `arn:aws:ecs:us-east-1:${ACCOUNT}:cluster/platform`,
      secrets: { HEC_TOKEN: `arn:aws:ssm:us-east-1:${ACCOUNT}:parameter/cwl-siem/hec-token` },
    });
    expect(parseConfig(config, 'test.json').stacks[0].kinesis!.collector!.deploy!.network.securityGroupIds).toEqual(['sg-0123456789abcdef0']);
  });

  test('a sink referring to several secrets, in its URL and its headers, with each declared', () => {
    const sink = { type: 'http', url: 'https://${SIEM_HOST}/ingest', headers: { Authorization: 'Bearer ${SIEM_TOKEN}' } };
    const secrets = { SIEM_HOST: `arn:aws:ssm:us-east-1:${ACCOUNT}:parameter/siem-host`, SIEM_TOKEN: HEC_ARN };
    expect(() => parseConfig(onKinesis({ sink, secrets }), 'test.json')).not.toThrow();
  });

  test('every path takes a deploy block: Kinesis, the export collector role, the central queue with its SIEM role', () => {
    expect(parseConfig(onExport(), 'test.json').stacks[0].export!.collector!.deploy!.cpu).toBe(512);
    expect(parseConfig(onCentral({ desiredCount: 4 }), 'test.json').stacks[0].central!.collector!.deploy!.maxCount).toBe(4);
  });
});

/** [case, config, path, message]: each config has exactly this one problem. */
const refused: [string, () => Json, string, string][] = [
  [
    'memory Fargate does not pair with the CPU',
    () => onKinesis({ cpu: 512, memoryMiB: 512 }),
    `${base}.memoryMiB`,
    'must be from 1024 to 4096 in steps of 1024 with cpu 512 (the combinations Fargate runs), got 512',
  ],
  ['too much memory for 256 CPU units', () => onKinesis({ cpu: 256, memoryMiB: 4096 }), `${base}.memoryMiB`, 'must be 512, 1024 or 2048 with cpu 256'],
  [
    'memory between the steps',
    () => onKinesis({ cpu: 2048, memoryMiB: 5000 }),
    `${base}.memoryMiB`,
    'must be from 4096 to 16384 in steps of 1024 with cpu 2048',
  ],
  ['the default memory with 2048 CPU units', () => onKinesis({ cpu: 2048 }), `${base}.memoryMiB`, 'got 1024'],
  ['a CPU size Fargate has not', () => onKinesis({ cpu: 3000 }), `${base}.cpu`, 'must be one of 256, 512, 1024, 2048, 4096, got 3000'],
  [
    'both a tag and a digest',
    () => onKinesis({ image: { repository: 'cwl-siem-collector', tag: '1', digest: DIGEST } }),
    `${base}.image`,
    'must have exactly one of tag and digest, got both',
  ],
  [
    'neither tag nor digest',
    () => onKinesis({ image: { repository: 'cwl-siem-collector' } }),
    `${base}.image`,
    'must have exactly one of tag and digest, got neither',
  ],
  [
    'a digest that is not sha256',
    () => onKinesis({ image: { repository: 'cwl-siem-collector', digest: 'sha1:abc' } }),
    `${base}.image.digest`,
    'must be an image digest',
  ],
  [
    'a repository with its tag',
    () => onKinesis({ image: { repository: 'cwl-siem-collector:1', tag: '1' } }),
    `${base}.image.repository`,
    'must be an image repository without tag or digest',
  ],
  [
    'both security groups and a VPC',
    () => onKinesis({ network: { subnetIds: ['subnet-0a1b2c3d'], securityGroupIds: ['sg-0a1b2c3d'], vpcId: 'vpc-0a1b2c3d' } }),
    `${base}.network`,
    'must have exactly one of securityGroupIds and vpcId, got both',
  ],
  ['neither security groups nor a VPC', () => onKinesis({ network: { subnetIds: ['subnet-0a1b2c3d'] } }), `${base}.network`, 'got neither'],
  ['no subnet', () => onKinesis({ network: { subnetIds: [], vpcId: 'vpc-0a1b2c3d' } }), `${base}.network.subnetIds`, 'must have at least 1 item, got none'],
  [
    'a subnet name instead of its id',
    () => onKinesis({ network: { subnetIds: ['private-a'], vpcId: 'vpc-0a1b2c3d' } }),
    `${base}.network.subnetIds[0]`,
    'must be a subnet id',
  ],
  ['no sink', () => onKinesis({ sink: undefined }), `${base}.sink`, 'is missing'],
  [
    'fewer tasks than the minimum',
    () => onKinesis({ minCount: 2, desiredCount: 1, maxCount: 2 }),
    `${base}.desiredCount`,
    'must be at least minCount (2), got 1',
  ],
  [
    'a maximum below the desired count',
    () => onKinesis({ desiredCount: 2, maxCount: 1 }),
    `${base}.maxCount`,
    'must be at least desiredCount (2) and minCount (1), got 1',
  ],
  [
    'a Kinesis collector without a state table (its checkpoints would be lost with each task)',
    () => onKinesis({}, {}, { state: undefined }),
    '$.stacks[0].kinesis.collector.state',
    "is required with kinesis.collector.deploy: a task's storage is lost whenever ECS replaces it (every deploy, scale-in, host retirement), so its checkpoints would restart at the source's startPosition",
  ],
  [
    'an export collector without a state table (its progress would be lost with each task)',
    () => onExport({}, { ...role, state: undefined }),
    '$.stacks[0].export.collector.state',
    'is required with export.collector.deploy: a task\'s storage is lost whenever ECS replaces it (every deploy, scale-in, host retirement), so its export progress would restart at startTime "now"',
  ],
  [
    'more tasks than shards',
    () => onKinesis({ maxCount: 3 }, { capacity: { mode: 'provisioned', shardCount: 2 } }, { state: STATE }),
    `${base}.maxCount`,
    "must be at most 2, the stream's shardCount (kinesis.capacity): a shard is read by one task, more tasks would only wait, got 3",
  ],
  ['a Splunk sink without its URL', () => onKinesis({ sink: { type: 'splunk-hec', tokenEnv: 'HEC_TOKEN' } }), `${base}.sink.url`, 'is required'],
  ['a sink key the collector does not know', () => onKinesis({ sink: { ...HEC, batchsize: 10 } }), `${base}.sink.batchsize`, 'is not a known key here'],
  [
    'the HEC token over plain http',
    () => onKinesis({ sink: { ...HEC, url: 'http://splunk.example.com:8088/services/collector/event' } }),
    `${base}.sink.url`,
    'allowInsecure',
  ],
  [
    'a header secret that is not declared',
    () => onKinesis({ sink: { type: 'http', url: 'https://siem.example.com/ingest', headers: { Authorization: 'Bearer ${API_TOKEN}' } }, secrets: undefined }),
    `${base}.secrets`,
    'must declare API_TOKEN, which the sink reads from the environment (${NAME} or tokenEnv), got none',
  ],
  [
    "the Splunk token's default variable, not declared",
    () => onKinesis({ sink: { type: 'splunk-hec', url: HEC.url } }),
    `${base}.secrets`,
    'must declare SPLUNK_HEC_TOKEN, which the sink reads from the environment (${NAME} or tokenEnv), got HEC_TOKEN',
  ],
  [
    'a secret given as its value',
    () => onKinesis({ secrets: { HEC_TOKEN: '5f2c8e4a-0d1b-4c3e-9a7f-2b6d8e1c0a9f' } }),
    `${base}.secrets.HEC_TOKEN`,
    'must be a Secrets Manager secret ARN',
  ],
  [
    'a secret of another partition',
    () => onKinesis({ secrets: { HEC_TOKEN: `arn:aws-us-gov:secretsmanager:us-gov-west-1:${ACCOUNT}:secret:hec-AbCdEf` } }),
    `${base}.secrets.HEC_TOKEN`,
    "must be an ARN of partition aws, the stack's",
  ],
  [
    "a secret named like the collector's own settings",
    () => onKinesis({ secrets: { HEC_TOKEN: HEC_ARN, CWL_SIEM_COLLECTOR_CONFIG: HEC_ARN } }),
    `${base}.secrets.CWL_SIEM_COLLECTOR_CONFIG`,
    'the key "CWL_SIEM_COLLECTOR_CONFIG" must be an environment variable name',
  ],
  [
    'a secrets key of another partition',
    () => onKinesis({ secretsKmsKeyArn: 'arn:aws-cn:kms:cn-north-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab' }),
    `${base}.secretsKmsKeyArn`,
    "must be an ARN of partition aws, the stack's",
  ],
  [
    'a cluster of another region',
    () => onKinesis({ clusterArn: `arn:aws:ecs:eu-west-1:${ACCOUNT}:cluster/platform` }),
    `${base}.clusterArn`,
    'must be a cluster of region us-east-1',
  ],
  [
    'a cluster of another account',
    () => onKinesis({ clusterArn: 'arn:aws:ecs:us-east-1:444455556666:cluster/platform' }),
    `${base}.clusterArn`,
    'must be a cluster of account 111122223333',
  ],
  [
    'an alarm topic of another region',
    () => onKinesis({ alarms: { topicArn: `arn:aws:sns:eu-west-1:${ACCOUNT}:alarms` } }),
    `${base}.alarms.topicArn`,
    'must be a topic of region us-east-1',
  ],
  [
    'an existing reader role',
    () => onKinesis({}, { reader: { roleName: 'collector', create: false } }),
    '$.stacks[0].kinesis.reader.create',
    'must be true with kinesis.collector.deploy, got false: the tasks run as the reader role "collector"',
  ],
  [
    'an export collector user',
    () => onExport({}, { type: 'user', userName: 'collector', state: STATE }),
    '$.stacks[0].export.collector.type',
    'must be role with export.collector.deploy, got user',
  ],
  ['the central path without its SIEM role', () => onCentral({}, {}), '$.stacks[0].central.siem', 'is required with central.collector.deploy'],
  [
    'a deploy block on the export sender',
    () => ({
      stacks: [
        {
          name: 'sender',
          region: 'us-east-1',
          accountId: '444455556666',
          exportSender: { bucketName: 'other', bucketAccountId: '777788889999', identity: { type: 'user', userName: 'u' }, collector: { deploy: deploy() } },
        },
      ],
    }),
    '$.stacks[0].exportSender.collector.deploy',
    'unknown key "deploy"',
  ],
  [
    'two deployed collectors in one account',
    () => {
      const config = onKinesis();
      config.stacks.push({
        name: 'eu',
        region: 'eu-west-1',
        accountId: ACCOUNT,
        kinesis: kinesis({ collector: { state: STATE, deploy: deploy({ secrets: { HEC_TOKEN: HEC_ARN.replace('us-east-1', 'eu-west-1') } }) } }),
      });
      return config;
    },
    '$.stacks[1].kinesis.collector.deploy',
    'cannot be a second deployed collector in account 111122223333, besides $.stacks[0].kinesis.collector.deploy',
  ],
  [
    "the collector's log group in a subscription",
    () => withStack({ export: undefined, firehose: firehose({ subscription: { logGroupNames: ['/app/b', '/cwl-siem/collector'] } }) }),
    '$.stacks[0].firehose.subscription.logGroupNames[1]',
    'must not be "/cwl-siem/collector", the collector\'s own log group: its logs would flow back through the pipeline it reads',
  ],
  [
    "the collector's log group under another name prefix",
    () => ({ ...withStack({ export: undefined, kinesis: kinesis({ subscription: { logGroupNames: ['/acme/collector'] } }) }), namePrefix: 'acme' }),
    '$.stacks[0].kinesis.subscription.logGroupNames[0]',
    'must not be "/acme/collector"',
  ],
];

test.each(refused)('%s is refused', (_name, config, path, message) => {
  expect(problemsOf(config())).toEqual([{ path, message: expect.stringContaining(message) }]);
});

test('problems of several deploy blocks are reported together', () => {
  const config = withStack({
    kinesis: kinesis({ collector: { state: STATE, deploy: deploy({ cpu: 1024, memoryMiB: 1024 }) } }),
    export: { bucketName: 'acme-exports', collector: { ...role, deploy: deploy({ sink: { type: 'file' } }) } },
  });
  expect(problemsOf(config).map((p) => p.path)).toEqual([
    '$.stacks[0].kinesis.collector.deploy.memoryMiB',
    '$.stacks[0].export.collector.deploy',
    '$.stacks[0].export.collector.deploy.sink.path',
  ]);
});
