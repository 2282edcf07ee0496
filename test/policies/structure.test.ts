import {
  centralBucketPolicy,
  centralKeyPolicy,
  cloudWatchLogsTrustPolicy,
  exportBucketPolicy,
  exportCollectorPolicy,
  firehoseDeliveryRolePolicy,
  firehoseDeliveryTrustPolicy,
  kinesisReaderPolicy,
  logDestinationPolicy,
  logsToFirehosePolicy,
  logsToKinesisPolicy,
  notificationQueuePolicy,
  PolicyDocument,
  renderPolicy,
  siemReaderPolicy,
  siemReaderTrustPolicy,
  Statement,
  tlsOnlyStatement,
} from '../../policies';

const A = '111111111111';
const B = '222222222222';
const base = { partition: 'aws' as const, region: 'us-east-1' };

const bySid = (doc: PolicyDocument, sid: string): Statement => {
  const s = doc.Statement.find((x) => x.Sid === sid);
  if (!s) throw new Error(`no statement ${sid} in ${renderPolicy(doc)}`);
  return s;
};
const sids = (doc: PolicyDocument) => doc.Statement.map((s) => s.Sid);

describe('export bucket policy (documents 1-4)', () => {
  const same = exportBucketPolicy({ ...base, bucketName: 'acme-cwl-exports', prefix: 'exports/', access: { mode: 'same-account', accountId: A } });

  test('same account: ACL check on the bucket, write under the prefix with the ACL and confused-deputy conditions, TLS deny last', () => {
    expect(sids(same)).toEqual(['CloudWatchLogsExportAclCheck', 'CloudWatchLogsExportWrite', 'DenyInsecureTransport']);
    expect(bySid(same, 'CloudWatchLogsExportAclCheck')).toEqual({
      Sid: 'CloudWatchLogsExportAclCheck',
      Effect: 'Allow',
      Principal: { Service: 'logs.us-east-1.amazonaws.com' },
      Action: 's3:GetBucketAcl',
      Resource: 'arn:aws:s3:::acme-cwl-exports',
      Condition: { StringEquals: { 'aws:SourceAccount': A }, ArnLike: { 'aws:SourceArn': `arn:aws:logs:us-east-1:${A}:log-group:*` } },
    });
    expect(bySid(same, 'CloudWatchLogsExportWrite')).toMatchObject({
      Action: 's3:PutObject',
      Resource: 'arn:aws:s3:::acme-cwl-exports/exports/*',
      Condition: { StringEquals: { 's3:x-amz-acl': 'bucket-owner-full-control', 'aws:SourceAccount': A } },
    });
  });

  test('the trailing slash of a prefix is dropped, never doubled', () => {
    expect(renderPolicy(same)).not.toContain('exports//');
  });

  test('confused-deputy conditions can be switched off, the ACL condition cannot', () => {
    const off = exportBucketPolicy({
      ...base,
      bucketName: 'acme-cwl-exports',
      prefix: 'exports',
      access: { mode: 'same-account', accountId: A },
      confusedDeputyConditions: false,
    });
    expect(bySid(off, 'CloudWatchLogsExportAclCheck').Condition).toBeUndefined();
    expect(bySid(off, 'CloudWatchLogsExportWrite').Condition).toEqual({ StringEquals: { 's3:x-amz-acl': 'bucket-owner-full-control' } });
  });

  test('cross-account user: the sending user may write with the ACL, list and read back the prefix; the source account is the sender', () => {
    const doc = exportBucketPolicy({
      ...base,
      bucketName: 'acme-cwl-exports',
      prefix: 'exports',
      access: { mode: 'cross-account-user', sendingAccountId: B, userName: 'cwl-export' },
    });
    const user = { ArnEquals: { 'aws:PrincipalArn': `arn:aws:iam::${B}:user/cwl-export` } };
    expect(bySid(doc, 'SendingPrincipalExportWrite')).toMatchObject({
      Principal: { AWS: `arn:aws:iam::${B}:root` },
      Action: 's3:PutObject',
      Condition: { StringEquals: { 's3:x-amz-acl': 'bucket-owner-full-control' }, ...user },
    });
    expect(bySid(doc, 'SendingPrincipalListExports')).toMatchObject({
      Action: 's3:ListBucket',
      Condition: { StringLike: { 's3:prefix': 'exports/*' }, ...user },
    });
    expect(bySid(doc, 'SendingPrincipalReadExports')).toMatchObject({
      Action: ['s3:GetObject', 's3:DeleteObject'],
      Resource: 'arn:aws:s3:::acme-cwl-exports/exports/*',
      Condition: user,
    });
    expect(bySid(doc, 'CloudWatchLogsExportWrite').Condition).toMatchObject({ StringEquals: { 'aws:SourceAccount': B } });
    expect(doc.Statement[doc.Statement.length - 1].Sid).toBe('DenyInsecureTransport');
  });

  test('cross-account role: the principal is the sending account, pinned to the role by aws:PrincipalArn; read-back can be left out', () => {
    const doc = exportBucketPolicy({
      ...base,
      bucketName: 'acme-cwl-exports',
      prefix: 'exports',
      access: { mode: 'cross-account-role', sendingAccountId: B, roleName: 'cwl-exporter' },
      grantCollectorRead: false,
    });
    expect(bySid(doc, 'SendingPrincipalExportWrite').Principal).toEqual({ AWS: `arn:aws:iam::${B}:root` });
    expect(bySid(doc, 'SendingPrincipalExportWrite').Condition).toMatchObject({ ArnEquals: { 'aws:PrincipalArn': `arn:aws:iam::${B}:role/cwl-exporter` } });
    // No principal that another stack creates: S3 would refuse the policy until that stack ran.
    expect(renderPolicy(doc)).not.toMatch(/"AWS":"arn:aws:iam::\d{12}:(role|user)\//);
    expect(sids(doc)).not.toContain('SendingPrincipalReadExports');
  });

  test('China: regional principal ends in amazonaws.com.cn and every ARN is aws-cn', () => {
    const doc = exportBucketPolicy({
      partition: 'aws-cn',
      region: 'cn-north-1',
      bucketName: 'acme-cwl-exports',
      prefix: 'exports',
      access: { mode: 'same-account', accountId: A },
    });
    expect(bySid(doc, 'CloudWatchLogsExportWrite').Principal).toEqual({ Service: 'logs.cn-north-1.amazonaws.com.cn' });
    expect(renderPolicy(doc)).not.toMatch(/arn:aws:/);
  });

  test('GovCloud: ARNs are aws-us-gov, principal keeps amazonaws.com', () => {
    const doc = exportBucketPolicy({
      partition: 'aws-us-gov',
      region: 'us-gov-west-1',
      bucketName: 'acme-cwl-exports',
      prefix: 'exports',
      access: { mode: 'same-account', accountId: A },
    });
    expect(bySid(doc, 'CloudWatchLogsExportAclCheck')).toMatchObject({
      Principal: { Service: 'logs.us-gov-west-1.amazonaws.com' },
      Resource: 'arn:aws-us-gov:s3:::acme-cwl-exports',
    });
  });

  test('TLS-only statement denies every S3 action on the bucket and its objects without TLS', () => {
    expect(tlsOnlyStatement({ partition: 'aws', bucketName: 'acme-cwl-exports' })).toEqual({
      Sid: 'DenyInsecureTransport',
      Effect: 'Deny',
      Principal: '*',
      Action: 's3:*',
      Resource: ['arn:aws:s3:::acme-cwl-exports', 'arn:aws:s3:::acme-cwl-exports/*'],
      Condition: { Bool: { 'aws:SecureTransport': 'false' } },
    });
  });

  test('documents are frozen once validated', () => {
    expect(Object.isFrozen(same)).toBe(true);
    expect(Object.isFrozen(same.Statement[0])).toBe(true);
    expect(() => (same.Statement as Statement[]).push(same.Statement[0])).toThrow();
  });

  test('rendering is deterministic', () => {
    const again = exportBucketPolicy({ ...base, bucketName: 'acme-cwl-exports', prefix: 'exports/', access: { mode: 'same-account', accountId: A } });
    expect(renderPolicy(again)).toBe(renderPolicy(same));
  });
});

describe('collector identity for export mode (document 5)', () => {
  test('task actions without resource-level permissions use *, CreateExportTask is limited to the account log groups', () => {
    const doc = exportCollectorPolicy({ ...base, accountId: A, bucketName: 'acme-cwl-exports', prefix: 'exports' });
    expect(bySid(doc, 'CreateExportTasks').Resource).toBe(`arn:aws:logs:us-east-1:${A}:log-group:*`);
    expect(bySid(doc, 'TrackExportTasks')).toMatchObject({
      Action: ['logs:DescribeExportTasks', 'logs:CancelExportTask', 'logs:DescribeLogGroups'],
      Resource: '*',
    });
    expect(bySid(doc, 'ListExportedObjects').Condition).toEqual({ StringLike: { 's3:prefix': 'exports/*' } });
  });

  test('the CreateExportTask caller may write under the prefix with bucket-owner-full-control, whatever account holds the bucket', () => {
    const doc = exportCollectorPolicy({ ...base, accountId: A, bucketName: 'acme-cwl-exports', prefix: 'exports', logGroupNames: ['/aws/lambda/app'] });
    expect(bySid(doc, 'CreateExportTasks').Resource).toEqual([
      `arn:aws:logs:us-east-1:${A}:log-group:/aws/lambda/app`,
      `arn:aws:logs:us-east-1:${A}:log-group:/aws/lambda/app:*`,
    ]);
    expect(bySid(doc, 'WriteExportedObjects').Condition).toEqual({ StringEquals: { 's3:x-amz-acl': 'bucket-owner-full-control' } });
  });

  test('no bucket key: no KMS statement, no kms action anywhere', () => {
    const doc = exportCollectorPolicy({ ...base, accountId: A, bucketName: 'acme-cwl-exports', prefix: 'exports' });
    expect(sids(doc)).toEqual(['CreateExportTasks', 'TrackExportTasks', 'ListExportedObjects', 'ReadAndDeleteExportedObjects', 'WriteExportedObjects']);
    expect(renderPolicy(doc)).not.toContain('kms:');
  });

  test('a bucket key: Decrypt on that key through S3 of the region, after the object statements', () => {
    const key = `arn:aws:kms:us-east-1:${A}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
    const doc = exportCollectorPolicy({ ...base, accountId: A, bucketName: 'acme-cwl-exports', prefix: 'exports', bucketKmsKeyArn: key });
    expect(sids(doc)).toEqual([
      'CreateExportTasks',
      'TrackExportTasks',
      'ListExportedObjects',
      'ReadAndDeleteExportedObjects',
      'WriteExportedObjects',
      'DecryptExportedObjects',
    ]);
    expect(bySid(doc, 'DecryptExportedObjects')).toEqual({
      Sid: 'DecryptExportedObjects',
      Effect: 'Allow',
      Action: 'kms:Decrypt',
      Resource: key,
      Condition: { StringEquals: { 'kms:ViaService': 's3.us-east-1.amazonaws.com' } },
    });
  });

  test('a bucket key given as a Terraform reference is kept as is', () => {
    const doc = exportCollectorPolicy({
      ...base,
      accountId: B,
      bucketName: 'acme-cwl-exports',
      prefix: 'exports',
      bucketKmsKeyArn: '${aws_kms_key.exports.arn}',
    });
    expect(sids(doc)).toEqual([
      'CreateExportTasks',
      'TrackExportTasks',
      'ListExportedObjects',
      'ReadAndDeleteExportedObjects',
      'WriteExportedObjects',
      'DecryptExportedObjects',
    ]);
    expect(bySid(doc, 'DecryptExportedObjects').Resource).toBe('${aws_kms_key.exports.arn}');
  });

  test('China: kms:ViaService and the key ARN use the aws-cn spelling', () => {
    const key = `arn:aws-cn:kms:cn-north-1:${A}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
    const doc = exportCollectorPolicy({
      partition: 'aws-cn',
      region: 'cn-north-1',
      accountId: A,
      bucketName: 'acme-cwl-exports',
      prefix: 'exports',
      bucketKmsKeyArn: key,
    });
    expect(bySid(doc, 'DecryptExportedObjects')).toMatchObject({
      Resource: key,
      Condition: { StringEquals: { 'kms:ViaService': 's3.cn-north-1.amazonaws.com.cn' } },
    });
    expect(bySid(doc, 'ReadAndDeleteExportedObjects').Resource).toBe('arn:aws-cn:s3:::acme-cwl-exports/exports/*');
  });
});

describe('CloudWatch Logs -> Kinesis and the reader (documents 6-7)', () => {
  test('trust: regional logs principal, aws:SourceArn per source account', () => {
    const doc = cloudWatchLogsTrustPolicy({ ...base, sourceAccountIds: [A, B, A] });
    expect(doc.Statement).toEqual([
      {
        Sid: 'CloudWatchLogsAssumeRole',
        Effect: 'Allow',
        Principal: { Service: 'logs.us-east-1.amazonaws.com' },
        Action: 'sts:AssumeRole',
        Condition: { ArnLike: { 'aws:SourceArn': [`arn:aws:logs:us-east-1:${A}:*`, `arn:aws:logs:us-east-1:${B}:*`] } },
      },
    ]);
  });

  test('permissions: put records on the one stream, pass only this role', () => {
    const doc = logsToKinesisPolicy({ ...base, accountId: A, streamName: 'cwl', roleName: 'cwl-to-kinesis' });
    expect(bySid(doc, 'PutSubscriptionRecords')).toMatchObject({
      Action: ['kinesis:PutRecord', 'kinesis:PutRecords'],
      Resource: `arn:aws:kinesis:us-east-1:${A}:stream/cwl`,
    });
    expect(bySid(doc, 'PassThisRole').Resource).toBe(`arn:aws:iam::${A}:role/cwl-to-kinesis`);
  });

  test('reader: read actions on the stream; Decrypt through Kinesis only when a key is given, a Terraform reference kept as is', () => {
    const plain = kinesisReaderPolicy({ ...base, accountId: A, streamName: 'cwl' });
    expect(sids(plain)).toEqual(['ReadStream']);
    const keyed = kinesisReaderPolicy({ ...base, accountId: A, streamName: 'cwl', kmsKeyArn: '${aws_kms_key.stream.arn}' });
    expect(bySid(keyed, 'DecryptStreamRecords')).toEqual({
      Sid: 'DecryptStreamRecords',
      Effect: 'Allow',
      Action: 'kms:Decrypt',
      Resource: '${aws_kms_key.stream.arn}',
      Condition: { StringEquals: { 'kms:ViaService': 'kinesis.us-east-1.amazonaws.com' } },
    });
  });
});

describe('Firehose (documents 8-9)', () => {
  test('CloudWatch Logs may put into the one delivery stream', () => {
    const doc = logsToFirehosePolicy({ ...base, accountId: A, deliveryStreamName: 'cwl-to-central' });
    expect(doc.Statement).toEqual([
      {
        Sid: 'PutSubscriptionRecords',
        Effect: 'Allow',
        Action: ['firehose:PutRecord', 'firehose:PutRecordBatch'],
        Resource: `arn:aws:firehose:us-east-1:${A}:deliverystream/cwl-to-central`,
      },
    ]);
  });

  test('delivery role: both prefixes, bucket calls, data keys through S3 for this bucket, its own error stream', () => {
    const doc = firehoseDeliveryRolePolicy({
      ...base,
      accountId: A,
      bucketName: 'acme-central-logs',
      prefix: `cwl/${A}`,
      errorOutputPrefix: `cwl-errors/${A}`,
      kmsKeyArn: `arn:aws:kms:us-east-1:${B}:key/1234abcd-12ab-34cd-56ef-1234567890ab`,
      errorLogGroupName: '/cwl-siem/firehose',
      errorLogStreamName: 'S3Delivery',
    });
    expect(bySid(doc, 'WriteDeliveredObjects').Resource).toEqual([
      `arn:aws:s3:::acme-central-logs/cwl/${A}/*`,
      `arn:aws:s3:::acme-central-logs/cwl-errors/${A}/*`,
    ]);
    expect(bySid(doc, 'EncryptDeliveredObjects').Condition).toMatchObject({ StringEquals: { 'kms:ViaService': 's3.us-east-1.amazonaws.com' } });
    expect(bySid(doc, 'WriteErrorLog').Resource).toBe(`arn:aws:logs:us-east-1:${A}:log-group:/cwl-siem/firehose:log-stream:S3Delivery`);
  });

  test('delivery trust: Firehose for this account only, by sts:ExternalId as Firehose documents', () => {
    expect(firehoseDeliveryTrustPolicy({ partition: 'aws', accountId: A }).Statement[0]).toMatchObject({
      Principal: { Service: 'firehose.amazonaws.com' },
      Condition: { StringEquals: { 'sts:ExternalId': A } },
    });
  });
});

describe('central account (documents 10-13)', () => {
  test('central bucket: organization writers only under their own account folder, no export tasks, TLS deny', () => {
    const doc = centralBucketPolicy({
      ...base,
      bucketName: 'acme-central-logs',
      prefix: 'cwl',
      organizationId: 'o-a1b2c3d4e5',
      writerRoleNames: ['cwl-siem-firehose-*'],
    });
    expect(sids(doc)).toEqual(['OrganizationDeliveryWrite', 'OrganizationDeliveryBucketAccess', 'DenyInsecureTransport']);
    expect(bySid(doc, 'OrganizationDeliveryWrite').Resource).toEqual([
      'arn:aws:s3:::acme-central-logs/cwl/${aws:PrincipalAccount}/*',
      'arn:aws:s3:::acme-central-logs/cwl-errors/${aws:PrincipalAccount}/*',
    ]);
    expect(bySid(doc, 'OrganizationDeliveryWrite').Condition).toEqual({
      StringEquals: { 'aws:PrincipalOrgID': 'o-a1b2c3d4e5' },
      ArnLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:role/cwl-siem-firehose-*' },
    });
    expect(renderPolicy(doc)).not.toContain('logs.');
  });

  test('rendered for Terraform, an IAM policy variable is escaped as $${...} and reads back as the variable', () => {
    const doc = centralBucketPolicy({ ...base, bucketName: 'acme-central-logs', prefix: 'cwl', organizationId: 'o-a1b2c3d4e5' });
    const rendered = renderPolicy(doc);
    expect(rendered).toContain('cwl/$${aws:PrincipalAccount}/*');
    expect(rendered).not.toMatch(/[^$]\$\{aws:/);
    expect(JSON.parse(rendered.replace(/\$\$\{/g, '${'))).toEqual(doc);
    const withReference = siemReaderPolicy({
      ...base,
      accountId: A,
      queueName: 'cwl-objects',
      bucketName: 'acme-central-logs',
      prefix: 'cwl',
      kmsKeyArn: '${aws_kms_key.central.arn}',
    });
    expect(renderPolicy(withReference)).toContain('"Resource":"${aws_kms_key.central.arn}"');
  });

  test('queue: S3 sends only for the bucket and its account; insecure transport denied', () => {
    const doc = notificationQueuePolicy({ ...base, accountId: A, queueName: 'cwl-objects', bucketName: 'acme-central-logs' });
    expect(doc.Statement[0]).toEqual({
      Sid: 'BucketNotifications',
      Effect: 'Allow',
      Principal: { Service: 's3.amazonaws.com' },
      Action: 'sqs:SendMessage',
      Resource: `arn:aws:sqs:us-east-1:${A}:cwl-objects`,
      Condition: { ArnEquals: { 'aws:SourceArn': 'arn:aws:s3:::acme-central-logs' }, StringEquals: { 'aws:SourceAccount': A } },
    });
    expect(doc.Statement[1]).toMatchObject({ Effect: 'Deny', Action: 'sqs:*' });
  });

  test('SIEM role: external id required; reads queue, objects and decrypts only via S3 and SQS', () => {
    expect(siemReaderTrustPolicy({ partition: 'aws', siemAccountId: B, externalId: 'siem-tenant-42' }).Statement[0]).toEqual({
      Sid: 'SiemAssumeRoleWithExternalId',
      Effect: 'Allow',
      Principal: { AWS: `arn:aws:iam::${B}:root` },
      Action: 'sts:AssumeRole',
      Condition: { StringEquals: { 'sts:ExternalId': 'siem-tenant-42' } },
    });
    const doc = siemReaderPolicy({
      ...base,
      accountId: A,
      queueName: 'cwl-objects',
      bucketName: 'acme-central-logs',
      prefix: 'cwl',
      kmsKeyArn: '${aws_kms_key.central.arn}',
    });
    expect(bySid(doc, 'ConsumeNotifications').Action).toEqual([
      'sqs:ReceiveMessage',
      'sqs:DeleteMessage',
      'sqs:ChangeMessageVisibility',
      'sqs:GetQueueAttributes',
    ]);
    expect(bySid(doc, 'DecryptViaS3AndSqs').Condition).toEqual({
      StringEquals: { 'kms:ViaService': ['s3.us-east-1.amazonaws.com', 'sqs.us-east-1.amazonaws.com'] },
    });
  });

  test('key policy: explicit admin actions, no wildcard actions, writers and S3 tied to the central bucket, no CloudWatch Logs', () => {
    const doc = centralKeyPolicy({ ...base, accountId: A, organizationId: 'o-a1b2c3d4e5', bucketName: 'acme-central-logs', prefix: 'cwl' });
    const actions = doc.Statement.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));
    expect(actions.filter((a) => String(a).includes('*'))).toEqual([]);
    expect(bySid(doc, 'KeyAdministration').Action).not.toContain('kms:Decrypt');
    expect(bySid(doc, 'S3NotificationsOfTheCentralBucket').Condition).toEqual({
      StringEquals: { 'aws:SourceAccount': A },
      ArnEquals: { 'aws:SourceArn': 'arn:aws:s3:::acme-central-logs' },
    });
    expect(bySid(doc, 'OrganizationWritersThroughS3').Condition).toMatchObject({
      StringLike: {
        'kms:EncryptionContext:aws:s3:arn': [
          'arn:aws:s3:::acme-central-logs',
          'arn:aws:s3:::acme-central-logs/cwl/${aws:PrincipalAccount}/*',
          'arn:aws:s3:::acme-central-logs/cwl-errors/${aws:PrincipalAccount}/*',
        ],
      },
    });
    expect(renderPolicy(doc)).not.toContain('logs.');
  });
});

describe('log destination policy (document 14)', () => {
  test('one statement admits the sender accounts by root ARN; organizationId only guards it with aws:PrincipalOrgID', () => {
    const plain = logDestinationPolicy({ ...base, accountId: A, destinationName: 'cwl-siem', senderAccountIds: [B] });
    expect(plain.Statement).toEqual([
      {
        Sid: 'SenderAccountsSubscribe',
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${B}:root` },
        Action: 'logs:PutSubscriptionFilter',
        Resource: `arn:aws:logs:us-east-1:${A}:destination:cwl-siem`,
      },
    ]);
    const guarded = logDestinationPolicy({ ...base, accountId: A, destinationName: 'cwl-siem', senderAccountIds: [B], organizationId: 'o-a1b2c3d4e5' });
    expect(guarded.Statement).toEqual([{ ...plain.Statement[0], Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-a1b2c3d4e5' } } }]);
  });
});

describe('allow statements never use wildcard principals without a narrowing condition', () => {
  const all: PolicyDocument[] = [
    centralBucketPolicy({ ...base, bucketName: 'acme-central-logs', prefix: 'cwl', organizationId: 'o-a1b2c3d4e5' }),
    centralKeyPolicy({ ...base, accountId: A, organizationId: 'o-a1b2c3d4e5', bucketName: 'acme-central-logs', prefix: 'cwl' }),
    logDestinationPolicy({ ...base, accountId: A, destinationName: 'cwl-siem', senderAccountIds: [B], organizationId: 'o-a1b2c3d4e5' }),
    exportBucketPolicy({ ...base, bucketName: 'acme-cwl-exports', prefix: 'exports', access: { mode: 'same-account', accountId: A } }),
    notificationQueuePolicy({ ...base, accountId: A, queueName: 'cwl-objects', bucketName: 'acme-central-logs' }),
  ];
  test.each(all.map((d, i) => [i, d] as const))('document %i', (_i, doc) => {
    for (const s of doc.Statement.filter((x) => x.Effect === 'Allow' && x.Principal === '*')) {
      expect(JSON.stringify(s.Condition)).toMatch(/aws:PrincipalOrgID/);
    }
  });
});
