import { AccountSubscriptionPolicy } from '../../modules/logs/account-subscription-policy';
import { CentralLogging } from '../../modules/central/central-logging';
import { ExportDestination, ExportSender } from '../../modules/s3/export-destination';
import { FirehoseDelivery } from '../../modules/firehose/firehose-delivery';
import { KinesisLogStream } from '../../modules/kinesis/log-stream';
import { LogBucket } from '../../modules/s3/log-bucket';
import { LogDestination } from '../../modules/logs/log-destination';
import { SubscriptionFilters } from '../../modules/logs/subscription-filters';
import { doc, ofType, only, synthResources } from './helpers';

const A = '111122223333';
const B = '444455556666';
const env = { partition: 'aws' as const, region: 'us-east-1', accountId: A };

describe('LogBucket', () => {
  test('private, owner-enforced, SSE-S3 by default, TLS deny in its one policy, uploads aborted after a day', () => {
    const r = synthResources((s) => new LogBucket(s, 'logs', { partition: 'aws', bucketName: 'acme-logs', expirationDays: 9 }));
    expect(only(r, 'aws_s3_bucket')).toMatchObject({ bucket: 'acme-logs', force_destroy: false });
    expect(only(r, 'aws_s3_bucket_public_access_block')).toMatchObject({ block_public_acls: true, block_public_policy: true, ignore_public_acls: true, restrict_public_buckets: true });
    expect(only(r, 'aws_s3_bucket_ownership_controls')).toMatchObject({ rule: { object_ownership: 'BucketOwnerEnforced' } });
    expect(JSON.stringify(only(r, 'aws_s3_bucket_server_side_encryption_configuration'))).toContain('"sse_algorithm":"AES256"');
    const rules = (only(r, 'aws_s3_bucket_lifecycle_configuration') as { rule: { id: string }[] }).rule;
    expect(rules.map((x) => x.id)).toEqual(['abort-incomplete-uploads', 'expire-objects']);
    expect(JSON.stringify(rules[1])).toContain('"days":9');
    expect(doc(only(r, 'aws_s3_bucket_policy').policy).Statement.map((s) => s.Sid)).toEqual(['DenyInsecureTransport']);
    expect(r.aws_s3_bucket_versioning).toBeUndefined();
  });

  test('KMS with bucket keys, versioning with noncurrent expiry', () => {
    const r = synthResources((s) => new LogBucket(s, 'logs', { partition: 'aws', bucketName: 'acme-logs', kmsKeyArn: `arn:aws:kms:us-east-1:${A}:key/k-1`, versioning: true }));
    expect(JSON.stringify(only(r, 'aws_s3_bucket_server_side_encryption_configuration'))).toContain('"bucket_key_enabled":true');
    expect(only(r, 'aws_s3_bucket_versioning')).toMatchObject({ versioning_configuration: { status: 'Enabled' } });
    const rules = (only(r, 'aws_s3_bucket_lifecycle_configuration') as { rule: { id: string }[] }).rule.map((x) => x.id);
    expect(rules).toEqual(['abort-incomplete-uploads', 'expire-noncurrent-versions']);
  });

  test('statements added by other constructs join the one policy, denies last; a conflicting Sid throws', () => {
    let bucket!: LogBucket;
    const r = synthResources((s) => {
      bucket = new LogBucket(s, 'logs', { partition: 'aws', bucketName: 'acme-logs' });
      bucket.addPolicy({ Version: '2012-10-17', Statement: [{ Sid: 'ReadForAuditor', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${A}:role/auditor` }, Action: 's3:GetObject', Resource: 'arn:aws:s3:::acme-logs/*' }] });
    });
    expect(ofType(r, 'aws_s3_bucket_policy')).toHaveLength(1);
    expect(doc(only(r, 'aws_s3_bucket_policy').policy).Statement.map((s) => s.Sid)).toEqual(['ReadForAuditor', 'DenyInsecureTransport']);
    expect(() =>
      bucket.addPolicy({ Version: '2012-10-17', Statement: [{ Sid: 'ReadForAuditor', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${A}:role/other` }, Action: 's3:GetObject', Resource: 'arn:aws:s3:::acme-logs/*' }] }),
    ).toThrow(/two different statements share the Sid "ReadForAuditor"/);
  });

  test('bad props fail together, naming each', () => {
    expect(() => synthResources((s) => new LogBucket(s, 'logs', { partition: 'aws', bucketName: 'Acme', expirationDays: 0 }))).toThrow(/bucketName: got "Acme"[\s\S]*expirationDays: got 0/);
  });
});

describe('ExportDestination and ExportSender', () => {
  test('same account: export policy on the bucket, 7-day expiry, a collector role trusted by the account', () => {
    const r = synthResources((s) => new ExportDestination(s, 'export', { ...env, bucketName: 'acme-exports', collector: { type: 'role', roleName: 'cwl-collector' } }));
    const sids = doc(only(r, 'aws_s3_bucket_policy').policy).Statement.map((s) => s.Sid);
    expect(sids).toEqual(['CloudWatchLogsExportAclCheck', 'CloudWatchLogsExportWrite', 'DenyInsecureTransport']);
    expect(JSON.stringify(only(r, 'aws_s3_bucket_lifecycle_configuration'))).toContain('"days":7');
    const role = only(r, 'aws_iam_role');
    expect(role.name).toBe('cwl-collector');
    expect(doc(role.assume_role_policy).Statement[0].Principal).toEqual({ AWS: `arn:aws:iam::${A}:root` });
    expect(doc(only(r, 'aws_iam_role_policy').policy).Statement.map((s) => s.Sid)).toEqual(['CreateExportTasks', 'TrackExportTasks', 'ListExportedObjects', 'ReadAndDeleteExportedObjects']);
  });

  test('cross-account role: no collector here (it belongs to the sender); asking for one throws with the fix', () => {
    const access = { mode: 'cross-account-role' as const, sendingAccountId: B, roleName: 'cwl-exporter' };
    const r = synthResources((s) => new ExportDestination(s, 'export', { ...env, bucketName: 'acme-exports', access }));
    expect(r.aws_iam_role).toBeUndefined();
    expect(() => synthResources((s) => new ExportDestination(s, 'export', { ...env, bucketName: 'acme-exports', access, collector: { type: 'user', userName: 'u' } }))).toThrow(/use ExportSender there/);
  });

  test('sender: an IAM user with the collector policy, allowed to write the other account bucket with the ACL', () => {
    const r = synthResources((s) => new ExportSender(s, 'sender', { ...env, accountId: B, bucketName: 'acme-exports', identity: { type: 'user', userName: 'cwl-exporter' } }));
    expect(only(r, 'aws_iam_user').name).toBe('cwl-exporter');
    expect(r.aws_iam_access_key).toBeUndefined();
    const sids = doc(only(r, 'aws_iam_user_policy').policy).Statement.map((s) => s.Sid);
    expect(sids).toContain('WriteExportedObjects');
    expect(sids).not.toContain('DecryptExportedObjects');
  });

  test('same account with a bucket key: SSE-KMS with that key, and the collector may decrypt through S3', () => {
    const key = `arn:aws:kms:us-east-1:${A}:key/k-1`;
    const r = synthResources((s) => new ExportDestination(s, 'export', { ...env, bucketName: 'acme-exports', kmsKeyArn: key, collector: { type: 'role', roleName: 'cwl-collector' } }));
    expect(JSON.stringify(only(r, 'aws_s3_bucket_server_side_encryption_configuration'))).toContain(`"kms_master_key_id":"${key}"`);
    const policy = doc(only(r, 'aws_iam_role_policy').policy);
    expect(policy.Statement.find((s) => s.Sid === 'DecryptExportedObjects')).toEqual({
      Sid: 'DecryptExportedObjects',
      Effect: 'Allow',
      Action: 'kms:Decrypt',
      Resource: key,
      Condition: { StringEquals: { 'kms:ViaService': 's3.us-east-1.amazonaws.com' } },
    });
  });

  test('sender with the bucket key: the collector policy decrypts with that key through S3', () => {
    const key = `arn:aws:kms:us-east-1:${A}:key/k-1`;
    const r = synthResources((s) =>
      new ExportSender(s, 'sender', { ...env, accountId: B, bucketName: 'acme-exports', identity: { type: 'role', roleName: 'cwl-exporter' }, bucketKmsKeyArn: key }),
    );
    const statement = doc(only(r, 'aws_iam_role_policy').policy).Statement.find((s) => s.Sid === 'DecryptExportedObjects');
    expect(statement).toMatchObject({ Action: 'kms:Decrypt', Resource: key, Condition: { StringEquals: { 'kms:ViaService': 's3.us-east-1.amazonaws.com' } } });
  });

  test('a bucket key that is no KMS ARN fails naming bucketKmsKeyArn', () => {
    expect(() =>
      synthResources((s) => new ExportSender(s, 'sender', { ...env, accountId: B, bucketName: 'acme-exports', identity: { type: 'user', userName: 'u' }, bucketKmsKeyArn: 'k-1' })),
    ).toThrow(/bucketKmsKeyArn: got "k-1"/);
  });
});

describe('KinesisLogStream', () => {
  const props = { ...env, namePrefix: 'cwl-siem', streamName: 'cwl-stream' };

  test('on-demand, KMS with the AWS managed key, 24 h; delivery role trusted by this account logs; reader role', () => {
    const r = synthResources((s) => new KinesisLogStream(s, 'k', { ...props, reader: { roleName: 'cwl-reader' } }));
    expect(only(r, 'aws_kinesis_stream')).toMatchObject({
      name: 'cwl-stream',
      encryption_type: 'KMS',
      kms_key_id: 'alias/aws/kinesis',
      retention_period: 24,
      stream_mode_details: { stream_mode: 'ON_DEMAND' },
    });
    const roles = ofType(r, 'aws_iam_role');
    expect(roles.map((x) => x.name).sort()).toEqual(['cwl-reader', 'cwl-siem-cwl-to-kinesis-cwl-stream']);
    const delivery = roles.find((x) => x.name === 'cwl-siem-cwl-to-kinesis-cwl-stream')!;
    expect(JSON.stringify(doc(delivery.assume_role_policy).Statement[0].Condition)).toContain(`arn:aws:logs:us-east-1:${A}:*`);
  });

  test('provisioned shards, customer key in both policies, destination senders trusted, filters depend on the stream and role', () => {
    const key = `arn:aws:kms:us-east-1:${A}:key/k-1`;
    const r = synthResources((s) =>
      new KinesisLogStream(s, 'k', { ...props, capacity: { mode: 'provisioned', shardCount: 3 }, kmsKeyArn: key, senderAccountIds: [B], logGroupNames: ['/aws/lambda/a', '/aws/lambda/b'], reader: { roleName: 'existing-reader', create: false } }),
    );
    expect(only(r, 'aws_kinesis_stream')).toMatchObject({ shard_count: 3, kms_key_id: key, stream_mode_details: { stream_mode: 'PROVISIONED' } });
    const trust = JSON.stringify(doc(only(r, 'aws_iam_role').assume_role_policy));
    expect(trust).toContain(`arn:aws:logs:us-east-1:${B}:*`);
    const filters = ofType(r, 'aws_cloudwatch_log_subscription_filter');
    expect(filters.map((f) => f.log_group_name)).toEqual(['/aws/lambda/a', '/aws/lambda/b']);
    expect(filters[0]).toMatchObject({ name: 'cwl-siem-kinesis', filter_pattern: '', destination_arn: `arn:aws:kinesis:us-east-1:${A}:stream/cwl-stream` });
    expect((filters[0].depends_on as string[]).some((d) => d.startsWith('aws_kinesis_stream.'))).toBe(true);
    const grant = ofType(r, 'aws_iam_role_policy').find((p) => p.role === 'existing-reader')!;
    expect(JSON.stringify(doc(grant.policy))).toContain('kms:Decrypt');
  });

  test('adding a log group does not rename the filters of the others', () => {
    const ids = (groups: string[]) => Object.keys(synthResources((s) => new KinesisLogStream(s, 'k', { ...props, logGroupNames: groups })).aws_cloudwatch_log_subscription_filter);
    const before = ids(['/a', '/b']);
    const after = ids(['/0', '/a', '/b']);
    expect(after).toEqual(expect.arrayContaining(before));
  });

  test('bad props name the problem', () => {
    expect(() => synthResources((s) => new KinesisLogStream(s, 'k', { ...props, retentionHours: 12 }))).toThrow(/retentionHours: got 12; expected whole hours from 24 to 8760/);
    expect(() => synthResources((s) => new SubscriptionFilters(s, 'f', { logGroupNames: ['/a', '/a'], filterName: 'f', destinationArn: 'arn:aws:kinesis:us-east-1:111122223333:stream/s', roleArn: 'arn:aws:iam::111122223333:role/r' }))).toThrow(/each log group once/);
  });
});

describe('AccountSubscriptionPolicy and LogDestination', () => {
  test('account policy excludes the given groups with selection criteria, sorted and deduplicated', () => {
    const r = synthResources((s) => new AccountSubscriptionPolicy(s, 'p', { policyName: 'cwl-siem', destinationArn: 'arn:aws:kinesis:us-east-1:111122223333:stream/s', roleArn: 'arn:aws:iam::111122223333:role/r', excludeLogGroupNames: ['/z', '/cwl-siem/collector', '/z'], distribution: 'Random' }));
    const policy = only(r, 'aws_cloudwatch_log_account_policy');
    expect(policy).toMatchObject({ policy_type: 'SUBSCRIPTION_FILTER_POLICY', scope: 'ALL', selection_criteria: 'LogGroupName NOT IN ["/cwl-siem/collector","/z"]' });
    expect(JSON.parse(policy.policy_document as string)).toEqual({ DestinationArn: 'arn:aws:kinesis:us-east-1:111122223333:stream/s', RoleArn: 'arn:aws:iam::111122223333:role/r', FilterPattern: '', Distribution: 'Random' });
  });

  test('account policy without any exclusion is refused (the destination would subscribe its own logs)', () => {
    expect(() => synthResources((s) => new AccountSubscriptionPolicy(s, 'p', { policyName: 'x', destinationArn: 'a', roleArn: 'r', excludeLogGroupNames: [] }))).toThrow(/excludeLogGroupNames: got \[\]; expected a list of at least 1 item/);
  });

  test('destination with its access policy for sender accounts and the organization', () => {
    const r = synthResources((s) => new LogDestination(s, 'd', { ...env, destinationName: 'cwl-dest', targetArn: `arn:aws:kinesis:us-east-1:${A}:stream/s`, roleArn: `arn:aws:iam::${A}:role/r`, senderAccountIds: [B], organizationId: 'o-a1b2c3d4e5' }));
    expect(only(r, 'aws_cloudwatch_log_destination')).toMatchObject({ name: 'cwl-dest', target_arn: `arn:aws:kinesis:us-east-1:${A}:stream/s` });
    expect(doc(only(r, 'aws_cloudwatch_log_destination_policy').access_policy).Statement.map((s) => s.Sid)).toEqual(['SenderAccountsSubscribe', 'OrganizationSubscribe']);
  });
});

describe('FirehoseDelivery', () => {
  const props = { ...env, accountId: B, namePrefix: 'cwl-siem', deliveryStreamName: 'cwl-to-central', bucketName: 'acme-central', prefix: `cwl/${B}`, errorOutputPrefix: `cwl-errors/${B}` };

  test('encrypted stream to the bucket ARN, uncompressed without processing, error log with retention, roles by name', () => {
    const r = synthResources((s) => new FirehoseDelivery(s, 'f', { ...props, logGroupNames: ['/app'] }));
    const stream = only(r, 'aws_kinesis_firehose_delivery_stream') as { server_side_encryption: unknown; extended_s3_configuration: Record<string, unknown> };
    expect(stream.server_side_encryption).toEqual({ enabled: true, key_type: 'AWS_OWNED_CMK' });
    expect(stream.extended_s3_configuration).toMatchObject({
      bucket_arn: 'arn:aws:s3:::acme-central',
      prefix: `cwl/${B}/`,
      error_output_prefix: `cwl-errors/${B}/`,
      buffering_size: 5,
      buffering_interval: 300,
      compression_format: 'UNCOMPRESSED',
      role_arn: `arn:aws:iam::${B}:role/cwl-siem-firehose-cwl-to-central`,
    });
    expect(stream.extended_s3_configuration.processing_configuration).toBeUndefined();
    expect(only(r, 'aws_cloudwatch_log_group')).toMatchObject({ name: '/aws/kinesisfirehose/cwl-to-central', retention_in_days: 14 });
    expect(only(r, 'aws_cloudwatch_log_subscription_filter')).toMatchObject({ destination_arn: `arn:aws:firehose:us-east-1:${B}:deliverystream/cwl-to-central` });
  });

  test('decompression and message extraction, GZIP by default then; the central key by alias', () => {
    const r = synthResources((s) => new FirehoseDelivery(s, 'f', { ...props, decompress: true, extractMessages: true, bucketKmsKeyAlias: { accountId: A, aliasName: 'alias/cwl-siem-central' } }));
    const s3 = (only(r, 'aws_kinesis_firehose_delivery_stream') as { extended_s3_configuration: { compression_format: string; processing_configuration: { processors: { type: string }[] } } }).extended_s3_configuration;
    expect(s3.compression_format).toBe('GZIP');
    expect(s3.processing_configuration.processors.map((p) => p.type)).toEqual(['Decompression', 'CloudWatchLogProcessing']);
    const delivery = ofType(r, 'aws_iam_role_policy').find((p) => String(p.name) === 'delivery')!;
    expect(JSON.stringify(doc(delivery.policy))).toContain('"kms:ResourceAliases":"alias/cwl-siem-central"');
  });

  test('refuses gzip over gzip and extraction without decompression', () => {
    expect(() => synthResources((s) => new FirehoseDelivery(s, 'f', { ...props, compression: 'GZIP' }))).toThrow(/nest gzip in gzip/);
    expect(() => synthResources((s) => new FirehoseDelivery(s, 'f', { ...props, extractMessages: true }))).toThrow(/extractMessages: got true; expected decompress: true as well/);
  });
});

describe('CentralLogging', () => {
  const props = { ...env, organizationId: 'o-a1b2c3d4e5', bucketName: 'acme-central', queueName: 'cwl-siem-objects', keyAlias: 'alias/cwl-siem-central' };

  test('rotating key, bucket under the key, queue and DLQ encrypted, redrive, notification after the queue policy, SIEM role', () => {
    const r = synthResources((s) => new CentralLogging(s, 'c', { ...props, writerRoleNames: ['cwl-siem-firehose-*'], siem: { accountId: '777788889999', externalId: 'tenant-42-secret', roleName: 'cwl-siem-siem-reader' } }));
    expect(only(r, 'aws_kms_key')).toMatchObject({ enable_key_rotation: true, deletion_window_in_days: 30 });
    expect(only(r, 'aws_kms_alias')).toMatchObject({ name: 'alias/cwl-siem-central' });
    const queues = ofType(r, 'aws_sqs_queue');
    expect(queues.map((q) => q.name).sort()).toEqual(['cwl-siem-objects', 'cwl-siem-objects-dlq']);
    const queue = queues.find((q) => q.name === 'cwl-siem-objects')!;
    expect(queue).toMatchObject({ visibility_timeout_seconds: 300, receive_wait_time_seconds: 20 });
    expect(JSON.parse(queue.redrive_policy as string)).toEqual({ deadLetterTargetArn: `arn:aws:sqs:us-east-1:${A}:cwl-siem-objects-dlq`, maxReceiveCount: 5 });
    for (const q of queues) expect(String(q.kms_master_key_id)).toMatch(/^\$\{aws_kms_key\./);
    const notification = only(r, 'aws_s3_bucket_notification') as { queue: { events: string[]; filter_prefix: string }[]; depends_on: string[] };
    expect(notification.queue[0]).toMatchObject({ events: ['s3:ObjectCreated:*'], filter_prefix: 'cwl/' });
    expect(notification.depends_on.some((d) => d.startsWith('aws_sqs_queue_policy.'))).toBe(true);
    const bucketPolicy = doc(only(r, 'aws_s3_bucket_policy').policy).Statement.map((s) => s.Sid);
    expect(bucketPolicy[bucketPolicy.length - 1]).toBe('DenyInsecureTransport');
    expect(bucketPolicy).toContain('OrganizationDeliveryWrite');
    const siem = ofType(r, 'aws_iam_role').find((x) => x.name === 'cwl-siem-siem-reader')!;
    expect(JSON.stringify(doc(siem.assume_role_policy))).toContain('"sts:ExternalId":"tenant-42-secret"');
    const siemPolicy = ofType(r, 'aws_iam_role_policy').find((p) => p.name === 'siem-reader')!;
    expect(String(siemPolicy.policy)).toMatch(/"Resource":"\$\{aws_kms_key\.[^}]+\.arn\}"/);
  });

  test('bad alias and receive count are reported together', () => {
    expect(() => synthResources((s) => new CentralLogging(s, 'c', { ...props, keyAlias: 'alias/aws/s3', maxReceiveCount: 0 }))).toThrow(/keyAlias: got "alias\/aws\/s3"[\s\S]*maxReceiveCount: got 0/);
  });
});
