import { AccountSubscriptionPolicy } from '../../modules/logs/account-subscription-policy';
import { CentralLogging } from '../../modules/central/central-logging';
import { ExportDestination, ExportSender } from '../../modules/s3/export-destination';
import { FirehoseDelivery } from '../../modules/firehose/firehose-delivery';
import { KinesisLogStream } from '../../modules/kinesis/log-stream';
import { LogBucket } from '../../modules/s3/log-bucket';
import { LogDestination } from '../../modules/logs/log-destination';
import { DestinationSubscription } from '../../modules/logs/destination-subscription';
import { SubscriptionFilters } from '../../modules/logs/subscription-filters';
import { doc, ofType, only, synthResources } from './helpers';

const A = '111122223333';
const B = '444455556666';
const env = { partition: 'aws' as const, region: 'us-east-1', accountId: A };

describe('LogBucket', () => {
  test('private, owner-enforced, SSE-S3 by default, TLS deny in its one policy, uploads aborted after a day', () => {
    const r = synthResources((s) => new LogBucket(s, 'logs', { partition: 'aws', bucketName: 'acme-logs', expirationDays: 9 }));
    expect(only(r, 'aws_s3_bucket')).toMatchObject({ bucket: 'acme-logs', force_destroy: false });
    expect(only(r, 'aws_s3_bucket_public_access_block')).toMatchObject({
      block_public_acls: true,
      block_public_policy: true,
      ignore_public_acls: true,
      restrict_public_buckets: true,
    });
    expect(only(r, 'aws_s3_bucket_ownership_controls')).toMatchObject({ rule: { object_ownership: 'BucketOwnerEnforced' } });
    expect(JSON.stringify(only(r, 'aws_s3_bucket_server_side_encryption_configuration'))).toContain('"sse_algorithm":"AES256"');
    const rules = (only(r, 'aws_s3_bucket_lifecycle_configuration') as { rule: { id: string }[] }).rule;
    expect(rules.map((x) => x.id)).toEqual(['abort-incomplete-uploads', 'expire-objects']);
    expect(JSON.stringify(rules[1])).toContain('"days":9');
    expect(doc(only(r, 'aws_s3_bucket_policy').policy).Statement.map((s) => s.Sid)).toEqual(['DenyInsecureTransport']);
    expect(r.aws_s3_bucket_versioning).toBeUndefined();
  });

  test('KMS with bucket keys, versioning with noncurrent expiry', () => {
    const r = synthResources(
      (s) => new LogBucket(s, 'logs', { partition: 'aws', bucketName: 'acme-logs', kmsKeyArn: `arn:aws:kms:us-east-1:${A}:key/k-1`, versioning: true }),
    );
    expect(JSON.stringify(only(r, 'aws_s3_bucket_server_side_encryption_configuration'))).toContain('"bucket_key_enabled":true');
    expect(only(r, 'aws_s3_bucket_versioning')).toMatchObject({ versioning_configuration: { status: 'Enabled' } });
    const rules = (only(r, 'aws_s3_bucket_lifecycle_configuration') as { rule: { id: string }[] }).rule.map((x) => x.id);
    expect(rules).toEqual(['abort-incomplete-uploads', 'expire-noncurrent-versions']);
  });

  test('statements added by other constructs join the one policy, denies last; a conflicting Sid throws', () => {
    let bucket!: LogBucket;
    const r = synthResources((s) => {
      bucket = new LogBucket(s, 'logs', { partition: 'aws', bucketName: 'acme-logs' });
      bucket.addPolicy({
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'ReadForAuditor',
            Effect: 'Allow',
            Principal: { AWS: `arn:aws:iam::${A}:role/auditor` },
            Action: 's3:GetObject',
            Resource: 'arn:aws:s3:::acme-logs/*',
          },
        ],
      });
    });
    expect(ofType(r, 'aws_s3_bucket_policy')).toHaveLength(1);
    expect(doc(only(r, 'aws_s3_bucket_policy').policy).Statement.map((s) => s.Sid)).toEqual(['ReadForAuditor', 'DenyInsecureTransport']);
    expect(() =>
      bucket.addPolicy({
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'ReadForAuditor',
            Effect: 'Allow',
            Principal: { AWS: `arn:aws:iam::${A}:role/other` },
            Action: 's3:GetObject',
            Resource: 'arn:aws:s3:::acme-logs/*',
          },
        ],
      }),
    ).toThrow(/two different statements share the Sid "ReadForAuditor"/);
  });

  test('bad props fail together, naming each', () => {
    expect(() => synthResources((s) => new LogBucket(s, 'logs', { partition: 'aws', bucketName: 'Acme', expirationDays: 0 }))).toThrow(
      /bucketName: got "Acme"[\s\S]*expirationDays: got 0/,
    );
  });
});

describe('ExportDestination and ExportSender', () => {
  test('same account: export policy on the bucket, 7-day expiry, a collector role trusted by the account', () => {
    const r = synthResources(
      (s) => new ExportDestination(s, 'export', { ...env, bucketName: 'acme-exports', collector: { type: 'role', roleName: 'cwl-collector' } }),
    );
    const sids = doc(only(r, 'aws_s3_bucket_policy').policy).Statement.map((s) => s.Sid);
    expect(sids).toEqual(['CloudWatchLogsExportAclCheck', 'CloudWatchLogsExportWrite', 'DenyInsecureTransport']);
    expect(JSON.stringify(only(r, 'aws_s3_bucket_lifecycle_configuration'))).toContain('"days":7');
    const role = only(r, 'aws_iam_role');
    expect(role.name).toBe('cwl-collector');
    expect(doc(role.assume_role_policy).Statement[0].Principal).toEqual({ AWS: `arn:aws:iam::${A}:root` });
    // The collector calls CreateExportTask, and AWS requires that caller to be allowed to write the destination.
    expect(doc(only(r, 'aws_iam_role_policy').policy).Statement.map((s) => s.Sid)).toEqual([
      'CreateExportTasks',
      'TrackExportTasks',
      'ListExportedObjects',
      'ReadAndDeleteExportedObjects',
      'WriteExportedObjects',
    ]);
  });

  test('with a bucket key it does not manage, the construct renders the key policy statements export tasks need', () => {
    const key = `arn:aws:kms:us-east-1:${A}:key/k-1`;
    let same: ExportDestination | undefined;
    synthResources((s) => (same = new ExportDestination(s, 'export', { ...env, bucketName: 'acme-exports', kmsKeyArn: key })));
    expect(doc(same!.keyPolicyStatements!).Statement.map((s) => s.Sid)).toEqual(['CloudWatchLogsExportEncrypt']);
    let cross: ExportDestination | undefined;
    const access = { mode: 'cross-account-role' as const, sendingAccountId: B, roleName: 'cwl-exporter' };
    synthResources((s) => (cross = new ExportDestination(s, 'export', { ...env, bucketName: 'acme-exports', kmsKeyArn: key, access })));
    const statements = doc(cross!.keyPolicyStatements!).Statement;
    expect(statements.map((s) => s.Sid)).toEqual(['CloudWatchLogsExportEncrypt', 'SendingPrincipalDecryptExports']);
    expect(statements[1]).toMatchObject({
      Principal: { AWS: `arn:aws:iam::${B}:root` },
      Condition: { ArnEquals: { 'aws:PrincipalArn': `arn:aws:iam::${B}:role/cwl-exporter` } },
    });
    let none: ExportDestination | undefined;
    synthResources((s) => (none = new ExportDestination(s, 'export', { ...env, bucketName: 'acme-exports' })));
    expect(none!.keyPolicyStatements).toBeUndefined();
  });

  test('cross-account role: no collector here (it belongs to the sender); asking for one throws with the fix', () => {
    const access = { mode: 'cross-account-role' as const, sendingAccountId: B, roleName: 'cwl-exporter' };
    const r = synthResources((s) => new ExportDestination(s, 'export', { ...env, bucketName: 'acme-exports', access }));
    expect(r.aws_iam_role).toBeUndefined();
    expect(() =>
      synthResources((s) => new ExportDestination(s, 'export', { ...env, bucketName: 'acme-exports', access, collector: { type: 'user', userName: 'u' } })),
    ).toThrow(/use ExportSender there/);
  });

  test('sender: an IAM user with the collector policy, allowed to write the other account bucket with the ACL', () => {
    const r = synthResources(
      (s) => new ExportSender(s, 'sender', { ...env, accountId: B, bucketName: 'acme-exports', identity: { type: 'user', userName: 'cwl-exporter' } }),
    );
    expect(only(r, 'aws_iam_user').name).toBe('cwl-exporter');
    expect(r.aws_iam_access_key).toBeUndefined();
    const sids = doc(only(r, 'aws_iam_user_policy').policy).Statement.map((s) => s.Sid);
    expect(sids).toContain('WriteExportedObjects');
    expect(sids).not.toContain('DecryptExportedObjects');
  });

  test('same account with a bucket key: SSE-KMS with that key, and the collector may decrypt through S3', () => {
    const key = `arn:aws:kms:us-east-1:${A}:key/k-1`;
    const r = synthResources(
      (s) => new ExportDestination(s, 'export', { ...env, bucketName: 'acme-exports', kmsKeyArn: key, collector: { type: 'role', roleName: 'cwl-collector' } }),
    );
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
    const r = synthResources(
      (s) =>
        new ExportSender(s, 'sender', {
          ...env,
          accountId: B,
          bucketName: 'acme-exports',
          identity: { type: 'role', roleName: 'cwl-exporter' },
          bucketKmsKeyArn: key,
        }),
    );
    const statement = doc(only(r, 'aws_iam_role_policy').policy).Statement.find((s) => s.Sid === 'DecryptExportedObjects');
    expect(statement).toMatchObject({ Action: 'kms:Decrypt', Resource: key, Condition: { StringEquals: { 'kms:ViaService': 's3.us-east-1.amazonaws.com' } } });
  });

  test('a bucket key that is no KMS ARN fails naming bucketKmsKeyArn', () => {
    expect(() =>
      synthResources(
        (s) =>
          new ExportSender(s, 'sender', {
            ...env,
            accountId: B,
            bucketName: 'acme-exports',
            identity: { type: 'user', userName: 'u' },
            bucketKmsKeyArn: 'k-1',
          }),
      ),
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
    const r = synthResources(
      (s) =>
        new KinesisLogStream(s, 'k', {
          ...props,
          capacity: { mode: 'provisioned', shardCount: 3 },
          kmsKeyArn: key,
          senderAccountIds: [B],
          logGroupNames: ['/aws/lambda/a', '/aws/lambda/b'],
          reader: { roleName: 'existing-reader', create: false },
        }),
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
    const ids = (groups: string[]) =>
      Object.keys(synthResources((s) => new KinesisLogStream(s, 'k', { ...props, logGroupNames: groups })).aws_cloudwatch_log_subscription_filter);
    const before = ids(['/a', '/b']);
    const after = ids(['/0', '/a', '/b']);
    expect(after).toEqual(expect.arrayContaining(before));
  });

  test('bad props name the problem', () => {
    expect(() => synthResources((s) => new KinesisLogStream(s, 'k', { ...props, retentionHours: 12 }))).toThrow(
      /retentionHours: got 12; expected whole hours from 24 to 8760/,
    );
    expect(() =>
      synthResources(
        (s) =>
          new SubscriptionFilters(s, 'f', {
            logGroupNames: ['/a', '/a'],
            filterName: 'f',
            destinationArn: 'arn:aws:kinesis:us-east-1:111122223333:stream/s',
            roleArn: 'arn:aws:iam::111122223333:role/r',
          }),
      ),
    ).toThrow(/each log group once/);
  });
});

describe('AccountSubscriptionPolicy and LogDestination', () => {
  test('account policy excludes the given groups with selection criteria, sorted and deduplicated', () => {
    const r = synthResources(
      (s) =>
        new AccountSubscriptionPolicy(s, 'p', {
          policyName: 'cwl-siem',
          destinationArn: 'arn:aws:kinesis:us-east-1:111122223333:stream/s',
          roleArn: 'arn:aws:iam::111122223333:role/r',
          excludeLogGroupNames: ['/z', '/cwl-siem/collector', '/z'],
          distribution: 'Random',
        }),
    );
    const policy = only(r, 'aws_cloudwatch_log_account_policy');
    expect(policy).toMatchObject({
      policy_type: 'SUBSCRIPTION_FILTER_POLICY',
      scope: 'ALL',
      selection_criteria: 'LogGroupName NOT IN ["/cwl-siem/collector","/z"]',
    });
    expect(JSON.parse(policy.policy_document as string)).toEqual({
      DestinationArn: 'arn:aws:kinesis:us-east-1:111122223333:stream/s',
      RoleArn: 'arn:aws:iam::111122223333:role/r',
      FilterPattern: '',
      Distribution: 'Random',
    });
  });

  test('with a role, the policy waits for it to propagate (terraform_data sleeping after the dependencies); without a role or with 0 s, no wait', () => {
    const stream = 'arn:aws:kinesis:us-east-1:111122223333:stream/s';
    const role = 'arn:aws:iam::111122223333:role/r';
    const r = synthResources(
      (s) => new AccountSubscriptionPolicy(s, 'p', { policyName: 'cwl-siem', destinationArn: stream, roleArn: role, excludeLogGroupNames: ['/z'] }),
    );
    const wait = only(r, 'terraform_data') as { provisioner: unknown; triggers_replace: unknown };
    expect(wait.provisioner).toEqual([{ 'local-exec': { command: 'sleep 15' } }]);
    expect(wait.triggers_replace).toEqual({ role_arn: role });
    expect(only(r, 'aws_cloudwatch_log_account_policy').depends_on).toEqual([expect.stringMatching(/^terraform_data\./)]);
    const quick = synthResources(
      (s) =>
        new AccountSubscriptionPolicy(s, 'p', {
          policyName: 'x',
          destinationArn: stream,
          roleArn: role,
          excludeLogGroupNames: ['/z'],
          rolePropagationSeconds: 0,
        }),
    );
    expect(quick.terraform_data).toBeUndefined();
    const noRole = synthResources(
      (s) =>
        new AccountSubscriptionPolicy(s, 'p', { policyName: 'x', destinationArn: `arn:aws:logs:us-east-1:${B}:destination:d`, excludeLogGroupNames: ['/z'] }),
    );
    expect(noRole.terraform_data).toBeUndefined();
    expect(() =>
      synthResources(
        (s) =>
          new AccountSubscriptionPolicy(s, 'p', {
            policyName: 'x',
            destinationArn: stream,
            roleArn: role,
            excludeLogGroupNames: ['/z'],
            rolePropagationSeconds: 1.5,
          }),
      ),
    ).toThrow(/rolePropagationSeconds: got 1.5; expected whole seconds from 0 to 300/);
  });

  test('account policy without any exclusion is refused (the destination would subscribe its own logs)', () => {
    expect(() =>
      synthResources((s) => new AccountSubscriptionPolicy(s, 'p', { policyName: 'x', destinationArn: 'a', roleArn: 'r', excludeLogGroupNames: [] })),
    ).toThrow(/excludeLogGroupNames: got \[\]; expected a list of at least 1 item/);
  });

  test('destination with one access statement for the sender accounts, guarded by the organization', () => {
    const r = synthResources(
      (s) =>
        new LogDestination(s, 'd', {
          ...env,
          destinationName: 'cwl-dest',
          targetArn: `arn:aws:kinesis:us-east-1:${A}:stream/s`,
          roleArn: `arn:aws:iam::${A}:role/r`,
          senderAccountIds: [B],
          organizationId: 'o-a1b2c3d4e5',
        }),
    );
    expect(only(r, 'aws_cloudwatch_log_destination')).toMatchObject({ name: 'cwl-dest', target_arn: `arn:aws:kinesis:us-east-1:${A}:stream/s` });
    expect(doc(only(r, 'aws_cloudwatch_log_destination_policy').access_policy).Statement).toEqual([
      expect.objectContaining({
        Sid: 'SenderAccountsSubscribe',
        Principal: { AWS: `arn:aws:iam::${B}:root` },
        Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-a1b2c3d4e5' } },
      }),
    ]);
  });

  test('account policy to a Kinesis stream without a role is refused', () => {
    expect(() =>
      synthResources(
        (s) =>
          new AccountSubscriptionPolicy(s, 'p', { policyName: 'x', destinationArn: `arn:aws:kinesis:us-east-1:${A}:stream/s`, excludeLogGroupNames: ['/z'] }),
      ),
    ).toThrow(/roleArn: got nothing; expected a role ARN/);
  });
});

describe('DestinationSubscription', () => {
  const destinationArn = `arn:aws:logs:us-east-1:${A}:destination:cwl-dest`;
  const sender = { ...env, accountId: B, destinationArn };

  test('one filter per log group to the destination of the receiving account, with no role', () => {
    const r = synthResources((s) => new DestinationSubscription(s, 'd', { ...sender, logGroupNames: ['/aws/lambda/orders', '/ecs/web'] }));
    const filters = ofType(r, 'aws_cloudwatch_log_subscription_filter');
    expect(filters.map((f) => f.log_group_name)).toEqual(['/aws/lambda/orders', '/ecs/web']);
    for (const f of filters) {
      expect(f).toMatchObject({ name: 'cwl-siem-destination', filter_pattern: '', destination_arn: destinationArn });
      expect(f).not.toHaveProperty('role_arn');
    }
    expect(r.aws_iam_role).toBeUndefined();
    expect(r.aws_cloudwatch_log_account_policy).toBeUndefined();
  });

  test('the account-wide form is one account policy without RoleArn that always leaves out the collector log group', () => {
    const r = synthResources(
      (s) =>
        new DestinationSubscription(s, 'd', {
          ...sender,
          namePrefix: 'acme',
          filterPattern: '?ERROR',
          accountPolicy: { excludeLogGroupNames: ['/app/noisy'] },
        }),
    );
    const policy = only(r, 'aws_cloudwatch_log_account_policy');
    expect(policy).toMatchObject({
      policy_name: 'acme-destination',
      policy_type: 'SUBSCRIPTION_FILTER_POLICY',
      scope: 'ALL',
      selection_criteria: 'LogGroupName NOT IN ["/acme/collector","/app/noisy"]',
    });
    expect(JSON.parse(policy.policy_document as string)).toEqual({ DestinationArn: destinationArn, FilterPattern: '?ERROR' });
    expect(r.aws_cloudwatch_log_subscription_filter).toBeUndefined();
  });

  test('bad props fail together: a destination of the own account and another region, both forms, a bad filter name', () => {
    const own = `arn:aws:logs:eu-west-1:${B}:destination:cwl-dest`;
    let message = '';
    try {
      synthResources(
        (s) => new DestinationSubscription(s, 'd', { ...sender, destinationArn: own, logGroupNames: ['/a'], accountPolicy: {}, filterName: 'a:b' }),
      );
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/destinationArn: got "arn:aws:logs:eu-west-1:444455556666:destination:cwl-dest"; expected a destination of region us-east-1/);
    expect(message).toMatch(/destinationArn: got .*; expected a destination of another account than 444455556666/);
    expect(message).toMatch(/logGroupNames: got \["\/a"\]; expected exactly one of logGroupNames and accountPolicy/);
    expect(message).toMatch(/filterName: got "a:b"/);
    expect(() =>
      synthResources(
        (s) => new DestinationSubscription(s, 'd', { ...sender, destinationArn: `arn:aws:kinesis:us-east-1:${A}:stream/s`, logGroupNames: ['/a'] }),
      ),
    ).toThrow(/destinationArn: got "arn:aws:kinesis:us-east-1:111122223333:stream\/s"; expected a CloudWatch Logs destination ARN/);
  });
});

describe('FirehoseDelivery', () => {
  const props = {
    ...env,
    accountId: B,
    namePrefix: 'cwl-siem',
    deliveryStreamName: 'cwl-to-central',
    bucketName: 'acme-central',
    prefix: `cwl/${B}`,
    errorOutputPrefix: `cwl-errors/${B}`,
  };

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
    expect(only(r, 'aws_cloudwatch_log_subscription_filter')).toMatchObject({
      destination_arn: `arn:aws:firehose:us-east-1:${B}:deliverystream/cwl-to-central`,
    });
  });

  test('decompression and message extraction, GZIP by default then; the central key by alias', () => {
    const r = synthResources(
      (s) =>
        new FirehoseDelivery(s, 'f', {
          ...props,
          decompress: true,
          extractMessages: true,
          bucketKmsKeyAlias: { accountId: A, aliasName: 'alias/cwl-siem-central' },
        }),
    );
    const s3 = (
      only(r, 'aws_kinesis_firehose_delivery_stream') as {
        extended_s3_configuration: { compression_format: string; processing_configuration: { processors: { type: string }[] } };
      }
    ).extended_s3_configuration;
    expect(s3.compression_format).toBe('GZIP');
    expect(s3.processing_configuration.processors.map((p) => p.type)).toEqual(['Decompression', 'CloudWatchLogProcessing']);
    const delivery = ofType(r, 'aws_iam_role_policy').find((p) => String(p.name) === 'delivery')!;
    expect(JSON.stringify(doc(delivery.policy))).toContain('"kms:ResourceAliases":"alias/cwl-siem-central"');
  });

  test('refuses gzip over gzip and extraction without decompression', () => {
    expect(() => synthResources((s) => new FirehoseDelivery(s, 'f', { ...props, compression: 'GZIP' }))).toThrow(/nest gzip in gzip/);
    expect(() => synthResources((s) => new FirehoseDelivery(s, 'f', { ...props, extractMessages: true }))).toThrow(
      /extractMessages: got true; expected decompress: true as well/,
    );
    expect(() =>
      synthResources((s) => new FirehoseDelivery(s, 'f', { ...props, decompress: true, extractMessages: true, logGroupNames: ['/app/a', '/app/b'] })),
    ).toThrow(/logGroupNames: got \["\/app\/a","\/app\/b"\]; expected at most one log group with extractMessages/);
  });
});

describe('CentralLogging', () => {
  const props = { ...env, organizationId: 'o-a1b2c3d4e5', bucketName: 'acme-central', queueName: 'cwl-siem-objects', keyAlias: 'alias/cwl-siem-central' };

  test('rotating key, bucket under the key, queue and DLQ encrypted, redrive, notification after the queue policy, SIEM role', () => {
    const r = synthResources(
      (s) =>
        new CentralLogging(s, 'c', {
          ...props,
          writerRoleNames: ['cwl-siem-firehose-*'],
          siem: { accountId: '777788889999', externalId: 'tenant-42-secret', roleName: 'cwl-siem-siem-reader' },
        }),
    );
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
    expect(() => synthResources((s) => new CentralLogging(s, 'c', { ...props, keyAlias: 'alias/aws/s3', maxReceiveCount: 0 }))).toThrow(
      /keyAlias: got "alias\/aws\/s3"[\s\S]*maxReceiveCount: got 0/,
    );
  });

  const TOPIC = `arn:aws:sns:us-east-1:${A}:cwl-siem-alarms`;
  type Alarm = {
    alarm_name: string;
    namespace: string;
    metric_name: string;
    dimensions: Record<string, string>;
    statistic: string;
    period: number;
    evaluation_periods: number;
    comparison_operator: string;
    threshold: number;
    treat_missing_data: string;
    alarm_actions?: string[];
    ok_actions?: string[];
  };
  const alarms = (r: ReturnType<typeof synthResources>) => ofType(r, 'aws_cloudwatch_metric_alarm') as unknown as Alarm[];
  const siemStatements = (r: ReturnType<typeof synthResources>) =>
    doc(ofType(r, 'aws_iam_role_policy').find((p) => p.name === 'siem-reader')!.policy).Statement;
  const siem = { accountId: '777788889999', externalId: 'tenant-42-secret', roleName: 'cwl-siem-siem-reader' };

  test('error notifications off by default: one queue entry, no errors queue, only the DLQ alarm, without actions', () => {
    const r = synthResources((s) => new CentralLogging(s, 'c', { ...props, siem }));
    expect(
      ofType(r, 'aws_sqs_queue')
        .map((q) => q.name)
        .sort(),
    ).toEqual(['cwl-siem-objects', 'cwl-siem-objects-dlq']);
    expect(ofType(r, 'aws_sqs_queue_policy')).toHaveLength(1);
    expect((only(r, 'aws_s3_bucket_notification') as { queue: unknown[] }).queue).toHaveLength(1);
    expect(alarms(r).map((a) => a.alarm_name)).toEqual(['cwl-siem-objects-dlq-not-empty']);
    expect(alarms(r)[0].alarm_actions).toBeUndefined();
    expect(alarms(r)[0].ok_actions).toBeUndefined();
    const sids = siemStatements(r).map((st) => st.Sid);
    expect(sids).toContain('ConsumeDeadLetters');
    expect(sids).not.toContain('ConsumeErrorNotifications');
    expect(sids).not.toContain('ReadErrorObjects');
  });

  test('error notifications: a second entry for the errors prefix in the one notification, after the errors queue and its policy', () => {
    const r = synthResources((s) => new CentralLogging(s, 'c', { ...props, errorNotifications: true }));
    const notification = only(r, 'aws_s3_bucket_notification') as {
      queue: { id: string; events: string[]; filter_prefix: string; queue_arn: string }[];
      depends_on: string[];
    };
    expect(notification.queue).toEqual([
      { id: 'cwl-siem-objects', events: ['s3:ObjectCreated:*'], filter_prefix: 'cwl/', queue_arn: `arn:aws:sqs:us-east-1:${A}:cwl-siem-objects` },
      { id: 'cwl-siem-errors', events: ['s3:ObjectCreated:*'], filter_prefix: 'cwl-errors/', queue_arn: `arn:aws:sqs:us-east-1:${A}:cwl-siem-objects-errors` },
    ]);
    expect(notification.depends_on.filter((d) => d.startsWith('aws_sqs_queue_policy.'))).toHaveLength(2);
    const policies = ofType(r, 'aws_sqs_queue_policy').map((p) => doc(p.policy).Statement[0].Resource);
    expect(policies.sort()).toEqual([`arn:aws:sqs:us-east-1:${A}:cwl-siem-objects`, `arn:aws:sqs:us-east-1:${A}:cwl-siem-objects-errors`]);
  });

  test('error notifications: the errors queue is encrypted with the central key and redrives to the shared DLQ', () => {
    const r = synthResources((s) => new CentralLogging(s, 'c', { ...props, errorNotifications: true, maxReceiveCount: 3 }));
    const queues = ofType(r, 'aws_sqs_queue');
    expect(queues.map((q) => q.name).sort()).toEqual(['cwl-siem-objects', 'cwl-siem-objects-dlq', 'cwl-siem-objects-errors']);
    const errors = queues.find((q) => q.name === 'cwl-siem-objects-errors')!;
    expect(String(errors.kms_master_key_id)).toMatch(/^\$\{aws_kms_key\.[^}]+\.arn\}$/);
    expect(errors.kms_master_key_id).toBe(queues.find((q) => q.name === 'cwl-siem-objects')!.kms_master_key_id);
    expect(JSON.parse(errors.redrive_policy as string)).toEqual({ deadLetterTargetArn: `arn:aws:sqs:us-east-1:${A}:cwl-siem-objects-dlq`, maxReceiveCount: 3 });
  });

  test('alarms: DLQ visible messages above 0 and errors-queue age above visibility x receives, each notifying the topic on ALARM and OK', () => {
    const r = synthResources((s) => new CentralLogging(s, 'c', { ...props, errorNotifications: true, visibilityTimeoutSeconds: 120, alarmTopicArn: TOPIC }));
    const byName = Object.fromEntries(alarms(r).map((a) => [a.alarm_name, a]));
    expect(Object.keys(byName).sort()).toEqual(['cwl-siem-objects-dlq-not-empty', 'cwl-siem-objects-errors-not-consumed']);
    const common = {
      namespace: 'AWS/SQS',
      statistic: 'Maximum',
      period: 300,
      evaluation_periods: 1,
      comparison_operator: 'GreaterThanThreshold',
      treat_missing_data: 'notBreaching',
      alarm_actions: [TOPIC],
      ok_actions: [TOPIC],
    };
    expect(byName['cwl-siem-objects-dlq-not-empty']).toMatchObject({
      ...common,
      metric_name: 'ApproximateNumberOfMessagesVisible',
      dimensions: { QueueName: 'cwl-siem-objects-dlq' },
      threshold: 0,
    });
    expect(byName['cwl-siem-objects-errors-not-consumed']).toMatchObject({
      ...common,
      metric_name: 'ApproximateAgeOfOldestMessage',
      dimensions: { QueueName: 'cwl-siem-objects-errors' },
      threshold: 600,
    });
  });

  test('error notifications: the SIEM role consumes the errors queue and reads the error output', () => {
    const r = synthResources((s) => new CentralLogging(s, 'c', { ...props, errorNotifications: true, siem }));
    const bySid = Object.fromEntries(siemStatements(r).map((st) => [st.Sid, st.Resource]));
    expect(bySid).toMatchObject({
      ConsumeDeadLetters: `arn:aws:sqs:us-east-1:${A}:cwl-siem-objects-dlq`,
      ConsumeErrorNotifications: `arn:aws:sqs:us-east-1:${A}:cwl-siem-objects-errors`,
      ReadErrorObjects: 'arn:aws:s3:::acme-central/cwl-errors/*',
    });
  });

  test('an alarm topic of another region or service, and a queue name too long for its errors queue, are reported together', () => {
    const long = 'q'.repeat(74);
    expect(() =>
      synthResources(
        (s) => new CentralLogging(s, 'c', { ...props, queueName: long, errorNotifications: true, alarmTopicArn: `arn:aws:sns:eu-west-1:${A}:alarms` }),
      ),
    ).toThrow(
      /queueName: got "q{74}"; expected a name of at most 73 characters[\s\S]*alarmTopicArn: got "arn:aws:sns:eu-west-1:[^"]+"; expected a topic of region us-east-1/,
    );
    expect(() => synthResources((s) => new CentralLogging(s, 'c', { ...props, alarmTopicArn: `arn:aws:sqs:us-east-1:${A}:alarms` }))).toThrow(
      /alarmTopicArn: got "arn:aws:sqs[^"]+"; expected an ARN of sns/,
    );
  });
});
