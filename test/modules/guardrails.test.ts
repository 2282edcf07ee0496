import { CloudwatchLogDestinationPolicy } from '@cdktf/provider-aws/lib/cloudwatch-log-destination-policy';
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { DynamodbTable, DynamodbTableConfig } from '@cdktf/provider-aws/lib/dynamodb-table';
import { DataAwsIamPolicyDocument } from '@cdktf/provider-aws/lib/data-aws-iam-policy-document';
import { IamPolicy } from '@cdktf/provider-aws/lib/iam-policy';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { IamUserPolicy } from '@cdktf/provider-aws/lib/iam-user-policy';
import { KinesisFirehoseDeliveryStream } from '@cdktf/provider-aws/lib/kinesis-firehose-delivery-stream';
import { KinesisStream } from '@cdktf/provider-aws/lib/kinesis-stream';
import { KmsKey } from '@cdktf/provider-aws/lib/kms-key';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket';
import { S3BucketPolicy } from '@cdktf/provider-aws/lib/s3-bucket-policy';
import { S3BucketServerSideEncryptionConfigurationA } from '@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration';
import { SqsQueue } from '@cdktf/provider-aws/lib/sqs-queue';
import { SqsQueuePolicy } from '@cdktf/provider-aws/lib/sqs-queue-policy';
import { App, Fn, TerraformStack } from 'cdktf';
import { Construct } from 'constructs';
import { mkdtempSync, readFileSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { CentralLogging } from '../../modules/central/central-logging';
import {
  ALL_RULES,
  dynamodbDeletionProtection,
  dynamodbEncryption,
  dynamodbPointInTimeRecovery,
  Guardrails,
  iamDynamodbTablesNamed,
  iamLiteralJson,
  Rule,
  SUPPRESSION_COMMENT_KEY,
} from '../../modules/guardrails';
import {
  centralBucketPolicy,
  centralKeyPolicy,
  cloudWatchLogsTrustPolicy,
  collectorStatePolicy,
  exportBucketPolicy,
  exportCollectorPolicy,
  logDestinationPolicy,
  logsToKinesisPolicy,
  notificationQueuePolicy,
  PolicyDocument,
  renderPolicy,
  Statement,
} from '../../policies';

const ACCOUNT = '111122223333';
const ORG = 'o-abcdef1234';
const REGION = 'eu-west-1';
const BUCKET = 'cwl-siem-export-111122223333';

const outdirs: string[] = [];

beforeAll(() => {
  // cdktf-cli sets this so it can print annotations itself; under it app.synth() would not throw.
  delete process.env.CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS;
});

afterAll(() => outdirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

interface Fixture {
  readonly app: App;
  readonly stack: TerraformStack;
  readonly outdir: string;
}

/** An App with one stack named "test" and an AWS provider; guardrails applied after `build`. */
function stackWith(build: (stack: TerraformStack) => void, rules: readonly Rule[] = ALL_RULES): Fixture {
  const outdir = mkdtempSync(join(tmpdir(), 'cwl-siem-guardrails-'));
  outdirs.push(outdir);
  const app = new App({ outdir });
  const stack = new TerraformStack(app, 'test');
  new AwsProvider(stack, 'aws', { region: REGION });
  build(stack);
  Guardrails.apply(stack, rules);
  return { app, stack, outdir };
}

/** The message app.synth() fails with; fails the test when synth succeeds. */
function synthError(app: App): string {
  try {
    app.synth();
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('expected app.synth() to fail, but it succeeded');
}

function stackJson(f: Fixture): { resource: Record<string, Record<string, Record<string, unknown>>> } {
  return JSON.parse(readFileSync(join(f.outdir, 'stacks', 'test', 'cdk.tf.json'), 'utf8'));
}

const exportPolicy = (): PolicyDocument =>
  exportBucketPolicy({ partition: 'aws', region: REGION, bucketName: BUCKET, prefix: 'exports', access: { mode: 'same-account', accountId: ACCOUNT } });

/** The export bucket policy with statements changed, rendered the way the modules render documents. */
function editedPolicy(edit: (statements: Statement[]) => Statement[]): string {
  const doc = exportPolicy();
  return JSON.stringify({ ...doc, Statement: edit([...doc.Statement]) });
}

/** A bucket, its encryption configuration and a bucket policy. */
function encryptedBucket(stack: Construct, policy: string = renderPolicy(exportPolicy()), id = 'bucket'): S3Bucket {
  const bucket = new S3Bucket(stack, id, { bucket: BUCKET });
  new S3BucketServerSideEncryptionConfigurationA(stack, `${id}-sse`, {
    bucket: bucket.id,
    rule: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: 'AES256' } }],
  });
  new S3BucketPolicy(stack, `${id}-policy`, { bucket: bucket.id, policy });
  return bucket;
}

describe('CWL-IAM-1 IAM documents are literal JSON', () => {
  const garbage = 'not a policy';
  const attributes: [string, (stack: TerraformStack, policy: string) => void][] = [
    ['S3BucketPolicy.policy', (s, policy) => new S3BucketPolicy(s, 'doc', { bucket: BUCKET, policy })],
    ['SqsQueuePolicy.policy', (s, policy) => new SqsQueuePolicy(s, 'doc', { queueUrl: 'https://sqs.eu-west-1.amazonaws.com/111122223333/q', policy })],
    ['KmsKey.policy', (s, policy) => new KmsKey(s, 'doc', { policy })],
    ['IamRole.assumeRolePolicy', (s, policy) => new IamRole(s, 'doc', { assumeRolePolicy: policy })],
    ['IamRolePolicy.policy', (s, policy) => new IamRolePolicy(s, 'doc', { role: 'r', policy })],
    ['IamUserPolicy.policy', (s, policy) => new IamUserPolicy(s, 'doc', { user: 'u', policy })],
    ['IamPolicy.policy', (s, policy) => new IamPolicy(s, 'doc', { policy })],
    [
      'CloudwatchLogDestinationPolicy.accessPolicy',
      (s, policy) => new CloudwatchLogDestinationPolicy(s, 'doc', { destinationName: 'd', accessPolicy: policy }),
    ],
  ];

  test.each(attributes)('%s that is not JSON fails synth with the rule id and construct path', (_name, make) => {
    const f = stackWith((s) => make(s, garbage), [iamLiteralJson]);
    const message = synthError(f.app);
    expect(message).toContain('[CWL-IAM-1] test/doc:');
    expect(message).toContain('is not valid JSON');
    expect(message).toContain('Guardrails.suppress(construct, "CWL-IAM-1", "<why>")');
  });

  test.each(attributes)('%s holding a rendered document synthesizes', (_name, make) => {
    const f = stackWith((s) => make(s, renderPolicy(exportPolicy())), [iamLiteralJson]);
    expect(() => f.app.synth()).not.toThrow();
  });

  test('a Terraform reference inside a value (a KMS key ARN) is allowed', () => {
    const f = stackWith((s) => {
      const key = new KmsKey(s, 'key', {
        enableKeyRotation: true,
        policy: renderPolicy(
          centralKeyPolicy({ partition: 'aws', region: REGION, accountId: ACCOUNT, organizationId: ORG, bucketName: 'acme-central-logs', prefix: 'cwl' }),
        ),
      });
      new IamRolePolicy(s, 'put-records', {
        role: 'cwl-to-kinesis',
        policy: renderPolicy(
          logsToKinesisPolicy({ partition: 'aws', region: REGION, accountId: ACCOUNT, streamName: 'logs', roleName: 'cwl-to-kinesis', kmsKeyArn: key.arn }),
        ),
      });
    });
    expect(() => f.app.synth()).not.toThrow();
    expect(JSON.stringify(stackJson(f).resource.aws_iam_role_policy['put-records'].policy)).toContain('${aws_kms_key.key.arn}');
  });

  test('a document that is a data source or Fn.jsonencode as a whole is a violation', () => {
    const f = stackWith((s) => {
      const doc = new DataAwsIamPolicyDocument(s, 'doc', { statement: [{ actions: ['s3:GetObject'], resources: ['*'] }] });
      new IamRolePolicy(s, 'from-data-source', { role: 'r', policy: doc.json });
      new IamRolePolicy(s, 'from-jsonencode', { role: 'r', policy: Fn.jsonencode({ Version: '2012-10-17', Statement: [] }) });
    });
    const message = synthError(f.app);
    expect(message).toContain('[CWL-IAM-1] test/from-data-source: policy is a Terraform expression');
    expect(message).toContain('[CWL-IAM-1] test/from-jsonencode: policy is a Terraform expression');
  });

  test('JSON that is not a policy document is a violation', () => {
    const f = stackWith((s) => new IamRolePolicy(s, 'doc', { role: 'r', policy: '{"Version":"2012-10-17"}' }));
    expect(synthError(f.app)).toContain('[CWL-IAM-1] test/doc: policy is JSON but not an IAM policy document');
  });
});

describe('CWL-IAM-2 no wildcard principal in an Allow', () => {
  test('Principal "*" with aws:PrincipalOrgID is compliant (central bucket and key policies), and so is a destination policy naming its senders', () => {
    const f = stackWith((s) => {
      encryptedBucket(s, renderPolicy(centralBucketPolicy({ partition: 'aws', region: REGION, bucketName: BUCKET, prefix: 'firehose', organizationId: ORG })));
      new KmsKey(s, 'key', {
        policy: renderPolicy(
          centralKeyPolicy({ partition: 'aws', region: REGION, accountId: ACCOUNT, organizationId: ORG, bucketName: 'acme-central-logs', prefix: 'cwl' }),
        ),
      });
      new CloudwatchLogDestinationPolicy(s, 'destination-policy', {
        destinationName: 'siem',
        accessPolicy: renderPolicy(
          logDestinationPolicy({
            partition: 'aws',
            region: REGION,
            accountId: ACCOUNT,
            destinationName: 'siem',
            senderAccountIds: ['444455556666'],
            organizationId: ORG,
          }),
        ),
      });
    });
    expect(() => f.app.synth()).not.toThrow();
    expect(
      Guardrails.report(f.stack)
        .filter((r) => r.ruleId === 'CWL-IAM-2')
        .map((r) => [r.path, r.status]),
    ).toEqual([
      ['test/bucket-policy', 'compliant'],
      ['test/key', 'compliant'],
      ['test/destination-policy', 'compliant'],
    ]);
  });

  test('Principal "*" with no condition fails synth, naming the statement', () => {
    const policy = editedPolicy((st) => [
      ...st,
      { Sid: 'PublicRead', Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: `arn:aws:s3:::${BUCKET}/*` },
    ]);
    const f = stackWith((s) => encryptedBucket(s, policy));
    const message = synthError(f.app);
    expect(message).toContain('[CWL-IAM-2] test/bucket-policy: policy statement "PublicRead" allows Principal "*"');
  });

  test.each([
    ['{AWS: "*"} with a negated org condition', { StringNotEquals: { 'aws:PrincipalOrgID': ORG } }],
    ['{AWS: "*"} with an IfExists org condition', { StringEqualsIfExists: { 'aws:PrincipalOrgID': ORG } }],
    ['{AWS: "*"} with a condition on another key', { StringEquals: { 's3:x-amz-acl': 'bucket-owner-full-control' } }],
    ['{AWS: "*"} with aws:SourceAccount "*"', { StringLike: { 'aws:SourceAccount': '*' } }],
  ])('%s is a violation', (_name, condition) => {
    const policy = editedPolicy((st) => [
      ...st,
      { Sid: 'Anyone', Effect: 'Allow', Principal: { AWS: '*' }, Action: 's3:PutObject', Resource: `arn:aws:s3:::${BUCKET}/*`, Condition: condition },
    ]);
    const f = stackWith((s) => encryptedBucket(s, policy));
    expect(synthError(f.app)).toContain('[CWL-IAM-2] test/bucket-policy: policy statement "Anyone" allows Principal {"AWS": "*"}');
  });

  test('{AWS: "*"} constrained by aws:SourceArn is compliant', () => {
    const policy = editedPolicy((st) => [
      ...st,
      {
        Sid: 'FromOneLogGroup',
        Effect: 'Allow',
        Principal: { AWS: '*' },
        Action: 's3:PutObject',
        Resource: `arn:aws:s3:::${BUCKET}/*`,
        Condition: { ArnLike: { 'aws:SourceArn': `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:*` } },
      },
    ]);
    const f = stackWith((s) => encryptedBucket(s, policy));
    expect(() => f.app.synth()).not.toThrow();
  });
});

describe('CWL-IAM-3 no wildcard action in an Allow', () => {
  test('the collector and trust policies of the library are compliant', () => {
    const f = stackWith((s) => {
      const role = new IamRole(s, 'collector', {
        name: 'cwl-siem-collector',
        assumeRolePolicy: renderPolicy(cloudWatchLogsTrustPolicy({ partition: 'aws', region: REGION, sourceAccountIds: [ACCOUNT] })),
      });
      new IamRolePolicy(s, 'collector-policy', {
        role: role.name,
        policy: renderPolicy(exportCollectorPolicy({ partition: 'aws', region: REGION, accountId: ACCOUNT, bucketName: BUCKET, prefix: 'exports' })),
      });
    });
    expect(() => f.app.synth()).not.toThrow();
    expect(
      Guardrails.report(f.stack)
        .filter((r) => r.ruleId === 'CWL-IAM-3')
        .every((r) => r.status === 'compliant'),
    ).toBe(true);
  });

  test('"s3:*" and "*" in Allow statements fail synth; the TLS deny on s3:* does not', () => {
    const f = stackWith((s) => {
      new IamRolePolicy(s, 'too-broad', {
        role: 'r',
        policy: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            { Sid: 'AllOfS3', Effect: 'Allow', Action: ['s3:GetObject', 's3:*'], Resource: '*' },
            { Effect: 'Allow', Action: '*', Resource: '*' },
          ],
        }),
      });
      encryptedBucket(s);
    });
    const message = synthError(f.app);
    expect(message).toContain('[CWL-IAM-3] test/too-broad: policy statement "AllOfS3" allows "s3:*"; policy statement #2 allows "*"');
    expect(message).not.toContain('test/bucket-policy');
  });

  test('an Allow with a wildcard inside an action name or with NotAction is a violation', () => {
    const f = stackWith(
      (s) =>
        new IamUserPolicy(s, 'user-policy', {
          user: 'collector',
          policy: JSON.stringify({
            Version: '2012-10-17',
            Statement: [
              { Sid: 'Reads', Effect: 'Allow', Action: 's3:Get*', Resource: '*' },
              { Sid: 'Everything', Effect: 'Allow', NotAction: 'iam:*', Resource: '*' },
            ],
          }),
        }),
    );
    const message = synthError(f.app);
    expect(message).toContain('statement "Reads" allows "s3:Get*"');
    expect(message).toContain('statement "Everything" allows NotAction');
  });
});

describe('CWL-S3-1 TLS deny on every bucket policy', () => {
  test('the export bucket policy (ends with tlsOnlyStatement) is compliant', () => {
    const f = stackWith((s) => encryptedBucket(s));
    expect(() => f.app.synth()).not.toThrow();
  });

  test('a bucket policy without the deny fails synth', () => {
    const f = stackWith((s) =>
      encryptedBucket(
        s,
        editedPolicy((st) => st.filter((x) => x.Effect !== 'Deny')),
      ),
    );
    expect(synthError(f.app)).toContain('[CWL-S3-1] test/bucket-policy: the policy has no Deny statement with Condition Bool "aws:SecureTransport"');
  });

  test('a deny conditioned on aws:SecureTransport "true" (denying TLS instead of plain HTTP) is a violation', () => {
    const policy = editedPolicy((st) => st.map((x) => (x.Effect === 'Deny' ? { ...x, Condition: { Bool: { 'aws:SecureTransport': 'true' } } } : x)));
    const f = stackWith((s) => encryptedBucket(s, policy));
    expect(synthError(f.app)).toContain('[CWL-S3-1] test/bucket-policy: the policy has no Deny statement');
  });

  test('a deny that covers only the objects is a violation', () => {
    const policy = editedPolicy((st) => st.map((x) => (x.Effect === 'Deny' ? { ...x, Resource: `arn:aws:s3:::${BUCKET}/*` } : x)));
    const f = stackWith((s) => encryptedBucket(s, policy));
    expect(synthError(f.app)).toContain('[CWL-S3-1] test/bucket-policy: the aws:SecureTransport deny does not cover the bucket ARN');
  });

  test('a deny of one action only is a violation; a boolean false is accepted as well as "false"', () => {
    const narrow = editedPolicy((st) => st.map((x) => (x.Effect === 'Deny' ? { ...x, Action: 's3:GetObject' } : x)));
    expect(synthError(stackWith((s) => encryptedBucket(s, narrow)).app)).toContain('does not cover Action "s3:*"');
    const boolean = editedPolicy((st) => st.map((x) => (x.Effect === 'Deny' ? { ...x, Condition: { Bool: { 'aws:SecureTransport': false } } } : x)));
    expect(() => stackWith((s) => encryptedBucket(s, boolean)).app.synth()).not.toThrow();
  });
});

describe('CWL-S3-2 bucket encryption', () => {
  test('a bucket whose encryption configuration refers to it by id, or by literal name, is compliant', () => {
    const f = stackWith((s) => {
      encryptedBucket(s);
      new S3Bucket(s, 'by-name', { bucket: 'cwl-siem-by-name' });
      new S3BucketServerSideEncryptionConfigurationA(s, 'by-name-sse', {
        bucket: 'cwl-siem-by-name',
        rule: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: 'AES256' } }],
      });
    });
    expect(() => f.app.synth()).not.toThrow();
  });

  test('a bucket with no encryption configuration fails synth, even when another bucket has one', () => {
    const f = stackWith((s) => {
      encryptedBucket(s);
      new S3Bucket(s, 'plain', { bucket: 'cwl-siem-plain' });
    });
    const message = synthError(f.app);
    expect(message).toContain('[CWL-S3-2] test/plain: no aws_s3_bucket_server_side_encryption_configuration in this stack refers to the bucket');
    expect(message).not.toContain('[CWL-S3-2] test/bucket:');
  });
});

describe('CWL-KIN-1 stream encryption', () => {
  test('a KMS-encrypted stream is compliant', () => {
    const f = stackWith((s) => new KinesisStream(s, 'stream', { name: 'logs', shardCount: 1, encryptionType: 'KMS', kmsKeyId: 'alias/aws/kinesis' }));
    expect(() => f.app.synth()).not.toThrow();
  });

  test('a stream without encryption fails synth', () => {
    const f = stackWith((s) => new KinesisStream(s, 'stream', { name: 'logs', shardCount: 1 }));
    expect(synthError(f.app)).toContain('[CWL-KIN-1] test/stream: encryption_type is not set');
  });
});

describe('CWL-SQS-1 queue encryption', () => {
  test('queues with a KMS key or SQS-managed SSE are compliant, with their queue policy', () => {
    const f = stackWith((s) => {
      const key = new KmsKey(s, 'key', {
        policy: renderPolicy(
          centralKeyPolicy({ partition: 'aws', region: REGION, accountId: ACCOUNT, organizationId: ORG, bucketName: 'acme-central-logs', prefix: 'cwl' }),
        ),
      });
      const queue = new SqsQueue(s, 'notifications', { name: 'cwl-siem-notifications', kmsMasterKeyId: key.arn });
      new SqsQueue(s, 'dlq', { name: 'cwl-siem-dlq', sqsManagedSseEnabled: true });
      new SqsQueuePolicy(s, 'notifications-policy', {
        queueUrl: queue.url,
        policy: renderPolicy(
          notificationQueuePolicy({ partition: 'aws', region: REGION, accountId: ACCOUNT, queueName: 'cwl-siem-notifications', bucketName: BUCKET }),
        ),
      });
    });
    expect(() => f.app.synth()).not.toThrow();
  });

  test('CentralLogging with error notifications and alarms passes every rule, its errors queue checked as encrypted', () => {
    const f = stackWith((s) => {
      new CentralLogging(s, 'central', {
        partition: 'aws',
        region: REGION,
        accountId: ACCOUNT,
        organizationId: ORG,
        bucketName: 'acme-central-logs',
        queueName: 'cwl-siem-objects',
        keyAlias: 'alias/cwl-siem-central',
        siem: { accountId: '777788889999', externalId: 'tenant-42-secret', roleName: 'cwl-siem-siem-reader' },
        errorNotifications: true,
        alarmTopicArn: `arn:aws:sns:${REGION}:${ACCOUNT}:cwl-siem-alarms`,
      });
    });
    const findings = Guardrails.report(f.app);
    expect(findings.filter((x) => x.status !== 'compliant')).toEqual([]);
    expect(findings).toContainEqual({ ruleId: 'CWL-SQS-1', path: 'test/central/error_queue', status: 'compliant' });
    expect(findings).toContainEqual({ ruleId: 'CWL-IAM-1', path: 'test/central/error_queue_policy', status: 'compliant' });
    expect(() => f.app.synth()).not.toThrow();
  });

  test('an unencrypted queue fails synth', () => {
    const f = stackWith((s) => new SqsQueue(s, 'queue', { name: 'plain', sqsManagedSseEnabled: false }));
    expect(synthError(f.app)).toContain('[CWL-SQS-1] test/queue: neither kms_master_key_id nor sqs_managed_sse_enabled = true is set');
  });
});

describe('CWL-FH-1 Firehose encryption', () => {
  const s3 = { roleArn: `arn:aws:iam::${ACCOUNT}:role/firehose`, bucketArn: `arn:aws:s3:::${BUCKET}` };

  test('a direct-PUT stream with server-side encryption is compliant; a Kinesis-sourced one is not applicable', () => {
    const f = stackWith((s) => {
      new KinesisFirehoseDeliveryStream(s, 'delivery', {
        name: 'cwl-siem',
        destination: 'extended_s3',
        extendedS3Configuration: s3,
        serverSideEncryption: { enabled: true, keyType: 'AWS_OWNED_CMK' },
      });
      new KinesisFirehoseDeliveryStream(s, 'from-kinesis', {
        name: 'cwl-siem-from-kinesis',
        destination: 'extended_s3',
        extendedS3Configuration: s3,
        kinesisSourceConfiguration: { kinesisStreamArn: `arn:aws:kinesis:${REGION}:${ACCOUNT}:stream/logs`, roleArn: s3.roleArn },
      });
    });
    expect(() => f.app.synth()).not.toThrow();
    expect(Guardrails.report(f.stack).filter((r) => r.ruleId === 'CWL-FH-1')).toEqual([{ ruleId: 'CWL-FH-1', path: 'test/delivery', status: 'compliant' }]);
  });

  test('a stream without server-side encryption, or with it disabled, fails synth', () => {
    const f = stackWith((s) => {
      new KinesisFirehoseDeliveryStream(s, 'delivery', { name: 'cwl-siem', destination: 'extended_s3', extendedS3Configuration: s3 });
      new KinesisFirehoseDeliveryStream(s, 'disabled', {
        name: 'cwl-siem-2',
        destination: 'extended_s3',
        extendedS3Configuration: s3,
        serverSideEncryption: { enabled: false },
      });
    });
    const message = synthError(f.app);
    expect(message).toContain('[CWL-FH-1] test/delivery: server_side_encryption is not set');
    expect(message).toContain('[CWL-FH-1] test/disabled: server_side_encryption.enabled is false, expected true');
  });
});

describe('CWL-LOG-1 log group retention', () => {
  test('a log group with retention is compliant', () => {
    const f = stackWith((s) => new CloudwatchLogGroup(s, 'errors', { name: '/aws/kinesisfirehose/cwl-siem', retentionInDays: 14 }));
    expect(() => f.app.synth()).not.toThrow();
  });

  test('a log group without retention, or with 0 (never expire), fails synth', () => {
    const f = stackWith((s) => {
      new CloudwatchLogGroup(s, 'errors', { name: '/aws/kinesisfirehose/cwl-siem' });
      new CloudwatchLogGroup(s, 'forever', { name: '/forever', retentionInDays: 0 });
    });
    const message = synthError(f.app);
    expect(message).toContain('[CWL-LOG-1] test/errors: retention_in_days is not set, so events are kept forever');
    expect(message).toContain('[CWL-LOG-1] test/forever: retention_in_days is 0');
  });
});

describe('CWL-DDB-1..3 DynamoDB tables: point-in-time recovery, KMS encryption, deletion protection', () => {
  const protectedTable: DynamodbTableConfig = {
    name: 'cwl-siem-kinesis-state',
    billingMode: 'PAY_PER_REQUEST',
    hashKey: 'leaseKey',
    attribute: [{ name: 'leaseKey', type: 'S' }],
    pointInTimeRecovery: { enabled: true },
    serverSideEncryption: { enabled: true },
    deletionProtectionEnabled: true,
  };
  const rules = [dynamodbPointInTimeRecovery, dynamodbEncryption, dynamodbDeletionProtection];
  const findings = (config: DynamodbTableConfig) => {
    const f = stackWith((s) => new DynamodbTable(s, 'table', config), rules);
    return Guardrails.report(f.stack).map((r) => [r.ruleId, r.status, r.reason]);
  };

  test('a table with all three is compliant with each', () => {
    expect(findings(protectedTable)).toEqual([
      ['CWL-DDB-1', 'compliant', undefined],
      ['CWL-DDB-2', 'compliant', undefined],
      ['CWL-DDB-3', 'compliant', undefined],
    ]);
  });

  test('a table without them fails synth with each rule, saying what is missing', () => {
    const bare: DynamodbTableConfig = { name: 'bare', hashKey: 'leaseKey', attribute: [{ name: 'leaseKey', type: 'S' }] };
    expect(findings(bare)).toEqual([
      ['CWL-DDB-1', 'non-compliant', 'point_in_time_recovery is not set, so the table cannot be restored to an earlier time'],
      ['CWL-DDB-2', 'non-compliant', expect.stringContaining('server_side_encryption is not set, so the table uses an AWS owned key')],
      ['CWL-DDB-3', 'non-compliant', 'deletion_protection_enabled is not set, so one terraform destroy or DeleteTable loses the table'],
    ]);
    const message = synthError(stackWith((s) => new DynamodbTable(s, 'table', bare), rules).app);
    for (const id of ['CWL-DDB-1', 'CWL-DDB-2', 'CWL-DDB-3']) expect(message).toContain(`[${id}] test/table:`);
  });

  test('each turned off explicitly is named with its value', () => {
    expect(
      findings({ ...protectedTable, pointInTimeRecovery: { enabled: false }, serverSideEncryption: { enabled: false }, deletionProtectionEnabled: false }),
    ).toEqual([
      ['CWL-DDB-1', 'non-compliant', 'point_in_time_recovery.enabled is false, expected true'],
      ['CWL-DDB-2', 'non-compliant', 'server_side_encryption.enabled is false, expected true'],
      ['CWL-DDB-3', 'non-compliant', 'deletion_protection_enabled is false, expected true'],
    ]);
  });

  test('they do not apply to anything but a table', () => {
    const f = stackWith((s) => new CloudwatchLogGroup(s, 'group', { name: '/g', retentionInDays: 7 }), rules);
    expect(Guardrails.report(f.stack)).toEqual([]);
  });
});

describe('CWL-IAM-4 DynamoDB actions name their tables', () => {
  const TABLE = `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/cwl-siem-kinesis-state`;
  const withStatement = (statement: Statement) =>
    stackWith(
      (s) => new IamRolePolicy(s, 'grant', { role: 'r', policy: JSON.stringify({ Version: '2012-10-17', Statement: [statement] }) }),
      [iamDynamodbTablesNamed],
    );
  const result = (statement: Statement) => Guardrails.report(withStatement(statement).stack).map((r) => [r.status, r.reason]);

  test("the collector's state policy (one table ARN, and its key through DynamoDB) is compliant", () => {
    const policy = collectorStatePolicy({
      partition: 'aws',
      region: REGION,
      accountId: ACCOUNT,
      tableName: 'cwl-siem-kinesis-state',
      kmsKeyArn: `arn:aws:kms:${REGION}:${ACCOUNT}:key/k-1`,
    });
    const f = stackWith((s) => new IamRolePolicy(s, 'grant', { role: 'r', policy: renderPolicy(policy) }), [iamDynamodbTablesNamed]);
    expect(Guardrails.report(f.stack)).toEqual([{ ruleId: 'CWL-IAM-4', path: 'test/grant', status: 'compliant' }]);
    expect(() => f.app.synth()).not.toThrow();
  });

  test('Resource "*", a wildcard in a table ARN or NotResource fail synth, naming the statement and actions', () => {
    expect(result({ Sid: 'Every', Effect: 'Allow', Action: 'dynamodb:GetItem', Resource: '*' })).toEqual([
      ['non-compliant', 'policy statement "Every" allows "dynamodb:GetItem" on "*": name the table\'s ARN'],
    ]);
    expect(result({ Sid: 'Prefix', Effect: 'Allow', Action: ['dynamodb:PutItem'], Resource: `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/cwl-*` })).toEqual([
      ['non-compliant', `policy statement "Prefix" allows "dynamodb:PutItem" on "arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/cwl-*": name the table's ARN`],
    ]);
    expect(result({ Sid: 'Indexes', Effect: 'Allow', Action: 'dynamodb:Query', Resource: `${TABLE}/index/*` })[0][0]).toBe('non-compliant');
    expect(result({ Sid: 'Others', Effect: 'Allow', Action: 'dynamodb:DeleteTable', NotResource: TABLE })).toEqual([
      ['non-compliant', 'policy statement "Others" allows "dynamodb:DeleteTable" on NotResource, i.e. every other table'],
    ]);
    expect(synthError(withStatement({ Sid: 'Every', Effect: 'Allow', Action: 'dynamodb:Scan', Resource: '*' }).app)).toContain('[CWL-IAM-4] test/grant:');
  });

  test('a Deny on "*", and other services\' actions on "*", are left to the other rules', () => {
    expect(result({ Sid: 'NoDeletes', Effect: 'Deny', Action: 'dynamodb:DeleteTable', Resource: '*' })).toEqual([['compliant', undefined]]);
    expect(result({ Sid: 'Track', Effect: 'Allow', Action: 'logs:DescribeExportTasks', Resource: '*' })).toEqual([['compliant', undefined]]);
  });

  test('"dynamodb:*" is CWL-IAM-3\'s finding as well', () => {
    const f = stackWith(
      (s) =>
        new IamRolePolicy(s, 'grant', {
          role: 'r',
          policy: JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: 'All', Effect: 'Allow', Action: 'dynamodb:*', Resource: TABLE }] }),
        }),
    );
    expect(Guardrails.report(f.stack).filter((r) => r.status === 'non-compliant')).toEqual([
      expect.objectContaining({ ruleId: 'CWL-IAM-3', reason: 'policy statement "All" allows "dynamodb:*"' }),
    ]);
  });
});

describe('reporting', () => {
  test('every violation of a stack is reported in one failure', () => {
    const f = stackWith((s) => {
      new SqsQueue(s, 'queue', { name: 'plain' });
      new CloudwatchLogGroup(s, 'group', { name: '/g' });
      new S3Bucket(s, 'plain-bucket', { bucket: 'cwl-siem-plain' });
    });
    const message = synthError(f.app);
    expect(message).toContain('[CWL-SQS-1] test/queue:');
    expect(message).toContain('[CWL-LOG-1] test/group:');
    expect(message).toContain('[CWL-S3-2] test/plain-bucket:');
    expect(Guardrails.report(f.stack).filter((r) => r.status === 'non-compliant')).toHaveLength(3);
  });

  test('the findings are also in manifest.json, where `cdktf synth` reads and prints them', () => {
    process.env.CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS = 'true';
    let f: Fixture;
    try {
      f = stackWith((s) => new CloudwatchLogGroup(s, 'group', { name: '/g' }));
      f.app.synth(); // the CLI's mode: synth completes and the CLI fails on the error annotations
    } finally {
      delete process.env.CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS;
    }
    const manifest = JSON.parse(readFileSync(join(f.outdir, 'manifest.json'), 'utf8'));
    expect(manifest.stacks.test.annotations).toEqual([
      expect.objectContaining({ constructPath: 'test/group', level: '@cdktf/error', message: expect.stringContaining('[CWL-LOG-1] test/group:') }),
    ]);
  });

  test('report lists compliant, non-compliant and suppressed findings, and not-applicable ones not at all', () => {
    const f = stackWith((s) => {
      new CloudwatchLogGroup(s, 'kept', { name: '/kept', retentionInDays: 7 });
      new CloudwatchLogGroup(s, 'forever', { name: '/forever' });
      const accepted = new CloudwatchLogGroup(s, 'accepted', { name: '/accepted' });
      Guardrails.suppress(accepted, 'CWL-LOG-1', 'Audit trail kept forever by policy');
    });
    expect(Guardrails.report(f.app)).toEqual([
      { ruleId: 'CWL-LOG-1', path: 'test/kept', status: 'compliant' },
      { ruleId: 'CWL-LOG-1', path: 'test/forever', status: 'non-compliant', reason: 'retention_in_days is not set, so events are kept forever' },
      {
        ruleId: 'CWL-LOG-1',
        path: 'test/accepted',
        status: 'suppressed',
        reason: 'Audit trail kept forever by policy',
        finding: 'retention_in_days is not set, so events are kept forever',
        suppressedAt: 'test/accepted',
      },
    ]);
  });

  test('applied to the App after its stacks, the rules check every stack', () => {
    const app = new App({ outdir: mkdtempSync(join(tmpdir(), 'cwl-siem-guardrails-')) });
    outdirs.push(app.outdir);
    for (const id of ['one', 'two']) {
      const stack = new TerraformStack(app, id);
      new AwsProvider(stack, 'aws', { region: REGION });
      new CloudwatchLogGroup(stack, 'group', { name: `/${id}` });
    }
    Guardrails.apply(app);
    expect(synthError(app)).toContain('[CWL-LOG-1] one/group:');
    expect(Guardrails.report(app).map((r) => r.path)).toEqual(['one/group', 'two/group']);
  });

  test('applied to the App before a stack exists, synth fails rather than skip that stack', () => {
    const app = new App({ outdir: mkdtempSync(join(tmpdir(), 'cwl-siem-guardrails-')) });
    outdirs.push(app.outdir);
    Guardrails.apply(app);
    const stack = new TerraformStack(app, 'late');
    new AwsProvider(stack, 'aws', { region: REGION });
    expect(synthError(app)).toContain('ran before stack "late" was created');
  });
});

describe('suppressions', () => {
  const reason = 'Encrypted by the S3 default (SSE-S3) since Jan 2023; no customer key required here';

  test('a suppression with a reason lets synth pass and shows in manifest.json and in the resource JSON', () => {
    const f = stackWith((s) => {
      const bucket = new S3Bucket(s, 'plain', { bucket: 'cwl-siem-plain' });
      Guardrails.suppress(bucket, 'CWL-S3-2', reason);
    });
    expect(() => f.app.synth()).not.toThrow();

    const manifest = JSON.parse(readFileSync(join(f.outdir, 'manifest.json'), 'utf8'));
    expect(manifest.stacks.test.annotations).toEqual([
      expect.objectContaining({ constructPath: 'test/plain', level: '@cdktf/info', message: expect.stringContaining(`[CWL-S3-2] suppressed: ${reason}`) }),
    ]);
    expect(stackJson(f).resource.aws_s3_bucket.plain['//']).toEqual({
      [SUPPRESSION_COMMENT_KEY]: [{ rule: 'CWL-S3-2', reason, suppressedAt: 'test/plain' }],
      metadata: { path: 'test/plain', uniqueId: 'plain' },
    });
  });

  test('a suppression on a construct covers the resources under it, and only that rule', () => {
    const f = stackWith((s) => {
      const legacy = new Construct(s, 'legacy');
      new S3Bucket(legacy, 'archive', { bucket: 'cwl-siem-archive' });
      new CloudwatchLogGroup(legacy, 'group', { name: '/legacy' });
      Guardrails.suppress(legacy, 'CWL-S3-2', reason);
    });
    const message = synthError(f.app);
    expect(message).toContain('[CWL-LOG-1] test/legacy/group:');
    expect(message).not.toContain('CWL-S3-2');
    expect(Guardrails.report(f.stack).find((r) => r.ruleId === 'CWL-S3-2')).toMatchObject({
      path: 'test/legacy/archive',
      status: 'suppressed',
      suppressedAt: 'test/legacy',
    });
  });

  test('a suppression without a reason of at least 10 characters, or with a malformed rule id, throws', () => {
    const app = new App({ outdir: mkdtempSync(join(tmpdir(), 'cwl-siem-guardrails-')) });
    outdirs.push(app.outdir);
    const bucket = new S3Bucket(new TerraformStack(app, 'test'), 'b', { bucket: BUCKET });
    expect(() => Guardrails.suppress(bucket, 'CWL-S3-2', '')).toThrow(/a reason of at least 10 characters is required/);
    expect(() => Guardrails.suppress(bucket, 'CWL-S3-2', '  short   ')).toThrow(/at least 10 characters/);
    expect(() => Guardrails.suppress(bucket, 'CWL-S3-2', undefined as unknown as string)).toThrow(/at least 10 characters/);
    expect(() => Guardrails.suppress(bucket, 's3 rule', reason)).toThrow(/rule id must look like "CWL-S3-1"/);
  });
});
