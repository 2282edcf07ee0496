import { accountRootArn, PRINCIPAL_ACCOUNT, s3BucketArn, s3PrefixObjectsArn, sqsQueueArn } from './arns';
import { finishDocument, oneOrList } from './document';
import { InputCheck } from './inputs';
import { globalServicePrincipal, Partition, viaService } from './partitions';
import * as perms from './perms';
import { keyViaServiceStatement, tlsOnlyStatement } from './statements';
import { PolicyDocument, Statement } from './types';

export interface CentralBucketPolicyProps {
  readonly partition: Partition;
  /** Region of the central bucket. */
  readonly region: string;
  readonly bucketName: string;
  /** Prefix the organization's accounts deliver under, without trailing slash. */
  readonly prefix: string;
  /**
   * Prefix of Firehose error output, without trailing slash; writable by the organization too but
   * outside the prefix, so failed records never reach the notification queue.
   * @default "<prefix>-errors"
   */
  readonly errorOutputPrefix?: string;
  /** The AWS Organization whose accounts may deliver. */
  readonly organizationId: string;
  /**
   * Narrow the organization's writers to roles with these names or name patterns (`*`, `?`) in any member account
   * (`aws:PrincipalArn`), e.g. the Firehose delivery roles the toolkit creates.
   * @default any principal of the organization
   */
  readonly writerRoleNames?: readonly string[];
}

/**
 * Bucket policy of the central logging bucket (document 10): principals of the organization
 * (Firehose delivery roles in member accounts) may write only under their own account's folder of
 * the prefix and of the error prefix (`<prefix>/<their account>/`), so no account can plant objects
 * the SIEM would attribute to another; plain HTTP is denied.
 */
export function centralBucketPolicy(props: CentralBucketPolicyProps): PolicyDocument {
  const fn = 'centralBucketPolicy';
  const check = new InputCheck(fn);
  const partition = check.partition('partition', props.partition);
  check.region('region', props.region, partition);
  const bucket = check.bucketName('bucketName', props.bucketName);
  const prefix = check.keyPrefix('prefix', props.prefix);
  const errorPrefix = props.errorOutputPrefix === undefined ? `${prefix}-errors` : check.keyPrefix('errorOutputPrefix', props.errorOutputPrefix);
  const org = check.organizationId('organizationId', props.organizationId);
  const writers = props.writerRoleNames?.length ? check.list('writerRoleNames', props.writerRoleNames, (p, v) => check.iamNamePattern(p, v)) : [];
  check.done();

  const bucketArn = s3BucketArn(partition, bucket);
  const ownFolder = (p: string) => s3PrefixObjectsArn(partition, bucket, `${p}/${PRINCIPAL_ACCOUNT}`);
  const orgPrincipals = {
    StringEquals: { 'aws:PrincipalOrgID': org },
    ...(writers.length ? { ArnLike: { 'aws:PrincipalArn': oneOrList(writers.map((w) => `arn:${partition}:iam::*:role/${w}`)) } } : {}),
  };
  const statements: Statement[] = [
    {
      Sid: 'OrganizationDeliveryWrite',
      Effect: 'Allow',
      Principal: '*',
      Action: perms.FIREHOSE_OBJECT_WRITE,
      Resource: [ownFolder(prefix), ownFolder(errorPrefix)],
      Condition: orgPrincipals,
    },
    {
      Sid: 'OrganizationDeliveryBucketAccess',
      Effect: 'Allow',
      Principal: '*',
      Action: perms.FIREHOSE_BUCKET_ACCESS,
      Resource: bucketArn,
      Condition: orgPrincipals,
    },
  ];
  statements.push(tlsOnlyStatement({ partition, bucketName: bucket }));
  return finishDocument(fn, 'bucket', partition, statements);
}

export interface NotificationQueuePolicyProps {
  readonly partition: Partition;
  readonly region: string;
  /** Account that owns the queue. */
  readonly accountId: string;
  readonly queueName: string;
  /** The bucket whose ObjectCreated events are sent. */
  readonly bucketName: string;
  /**
   * Account that owns the bucket.
   * @default accountId
   */
  readonly bucketAccountId?: string;
}

/**
 * Queue policy of the S3-notification queue (document 11): S3 may send messages only for that
 * bucket of that account; requests without TLS are denied.
 */
export function notificationQueuePolicy(props: NotificationQueuePolicyProps): PolicyDocument {
  const fn = 'notificationQueuePolicy';
  const check = new InputCheck(fn);
  const partition = check.partition('partition', props.partition);
  const region = check.region('region', props.region, partition);
  const account = check.accountId('accountId', props.accountId);
  const queue = check.queueName('queueName', props.queueName);
  const bucket = check.bucketName('bucketName', props.bucketName);
  const bucketAccount = props.bucketAccountId === undefined ? account : check.accountId('bucketAccountId', props.bucketAccountId);
  check.done();

  const queueArn = sqsQueueArn(partition, region, account, queue);
  return finishDocument(fn, 'queue', partition, [
    {
      Sid: 'BucketNotifications',
      Effect: 'Allow',
      Principal: { Service: globalServicePrincipal('s3') },
      Action: perms.SQS_SEND,
      Resource: queueArn,
      Condition: { ArnEquals: { 'aws:SourceArn': s3BucketArn(partition, bucket) }, StringEquals: { 'aws:SourceAccount': bucketAccount } },
    },
    {
      Sid: 'DenyInsecureTransport',
      Effect: 'Deny',
      Principal: '*',
      Action: 'sqs:*',
      Resource: queueArn,
      Condition: { Bool: { 'aws:SecureTransport': 'false' } },
    },
  ]);
}

export interface SiemReaderTrustPolicyProps {
  readonly partition: Partition;
  /** The SIEM vendor's (or your SIEM's) AWS account. */
  readonly siemAccountId: string;
  /** The external id the SIEM presents; treat it as a shared secret-like identifier. */
  readonly externalId: string;
  /**
   * A specific principal of the SIEM account instead of the whole account.
   * @default the SIEM account (`arn:<partition>:iam::<siemAccountId>:root`)
   */
  readonly siemPrincipalArn?: string;
}

/** Trust policy of the SIEM reader role (document 12): the SIEM account, only with the external id. */
export function siemReaderTrustPolicy(props: SiemReaderTrustPolicyProps): PolicyDocument {
  const fn = 'siemReaderTrustPolicy';
  const check = new InputCheck(fn);
  const partition = check.partition('partition', props.partition);
  const siemAccount = check.accountId('siemAccountId', props.siemAccountId);
  const externalId = check.externalId('externalId', props.externalId);
  const principal =
    props.siemPrincipalArn === undefined
      ? accountRootArn(partition, siemAccount)
      : check.arnOrReference('siemPrincipalArn', props.siemPrincipalArn, partition, 'iam');
  check.require(
    !principal.startsWith('arn:') || principal.split(':')[4] === siemAccount,
    'siemPrincipalArn',
    props.siemPrincipalArn,
    `a principal of account ${siemAccount}`,
  );
  check.done();
  return finishDocument(fn, 'trust', partition, [
    {
      Sid: 'SiemAssumeRoleWithExternalId',
      Effect: 'Allow',
      Principal: { AWS: principal },
      Action: perms.ASSUME_ROLE,
      Condition: { StringEquals: { 'sts:ExternalId': externalId } },
    },
  ]);
}

export interface SiemReaderPolicyProps {
  readonly partition: Partition;
  readonly region: string;
  /** Account that owns the queue. */
  readonly accountId: string;
  readonly queueName: string;
  readonly bucketName: string;
  /** Prefix of the objects the SIEM reads, without trailing slash. */
  readonly prefix: string;
  /**
   * Dead-letter queue of the notification queue (and of the errors queue), in the same account:
   * the SIEM may take poison messages from it to inspect them, but neither send to it nor purge it.
   * @default "<queueName>-dlq" ("<name>-dlq.fifo" for a FIFO queue), the one CentralLogging creates
   */
  readonly deadLetterQueueName?: string;
  /**
   * Queue announcing Firehose error output (records Firehose could not deliver or process). When
   * given, the SIEM also consumes it and reads the objects under `errorOutputPrefix`.
   * @default none: no errors queue, no access to error output
   */
  readonly errorQueueName?: string;
  /**
   * Prefix of Firehose error output, without trailing slash; only with `errorQueueName`.
   * @default "<prefix>-errors"
   */
  readonly errorOutputPrefix?: string;
  /**
   * Customer managed key of the bucket and queue (ARN or Terraform reference).
   * @default no key statement
   */
  readonly kmsKeyArn?: string;
}

/**
 * Permissions of the SIEM reader role (document 12): consume the notification queue, read the
 * delivered objects, take messages from the dead-letter queue, optionally consume the errors queue
 * and read the error output it announces, and decrypt through S3 and SQS only.
 */
export function siemReaderPolicy(props: SiemReaderPolicyProps): PolicyDocument {
  const fn = 'siemReaderPolicy';
  const check = new InputCheck(fn);
  const partition = check.partition('partition', props.partition);
  const region = check.region('region', props.region, partition);
  const account = check.accountId('accountId', props.accountId);
  const queue = check.queueName('queueName', props.queueName);
  const bucket = check.bucketName('bucketName', props.bucketName);
  const prefix = check.keyPrefix('prefix', props.prefix);
  const fifo = typeof queue === 'string' && queue.endsWith('.fifo');
  const dlq =
    props.deadLetterQueueName === undefined
      ? `${String(queue).replace(/\.fifo$/, '')}-dlq${fifo ? '.fifo' : ''}`
      : check.queueName('deadLetterQueueName', props.deadLetterQueueName);
  const errorQueue = props.errorQueueName === undefined ? undefined : check.queueName('errorQueueName', props.errorQueueName);
  const errorPrefix = props.errorOutputPrefix === undefined ? `${prefix}-errors` : check.keyPrefix('errorOutputPrefix', props.errorOutputPrefix);
  check.require(
    props.deadLetterQueueName === undefined || dlq !== queue,
    'deadLetterQueueName',
    props.deadLetterQueueName,
    `another queue than queueName "${queue}"`,
  );
  check.require(
    errorQueue === undefined || (errorQueue !== queue && errorQueue !== dlq),
    'errorQueueName',
    errorQueue,
    `another queue than the notification queue "${queue}" and the dead-letter queue "${dlq}"`,
  );
  check.require(
    props.errorOutputPrefix === undefined || errorQueue !== undefined,
    'errorOutputPrefix',
    props.errorOutputPrefix,
    'errorQueueName as well (error output is read only where it is announced)',
  );
  const key = props.kmsKeyArn === undefined ? undefined : check.arnOrReference('kmsKeyArn', props.kmsKeyArn, partition, 'kms');
  check.done();

  const statements: Statement[] = [
    { Sid: 'ConsumeNotifications', Effect: 'Allow', Action: perms.SQS_CONSUME, Resource: sqsQueueArn(partition, region, account, queue) },
    { Sid: 'ReadDeliveredObjects', Effect: 'Allow', Action: perms.OBJECT_READ, Resource: s3PrefixObjectsArn(partition, bucket, prefix) },
    // Consuming is all a poison message needs: the SIEM reads it, and deletes it once handled; no
    // SendMessage (nothing is planted) and no PurgeQueue (the evidence stays until it expires).
    { Sid: 'ConsumeDeadLetters', Effect: 'Allow', Action: perms.SQS_CONSUME, Resource: sqsQueueArn(partition, region, account, dlq) },
  ];
  if (errorQueue !== undefined) {
    statements.push(
      { Sid: 'ConsumeErrorNotifications', Effect: 'Allow', Action: perms.SQS_CONSUME, Resource: sqsQueueArn(partition, region, account, errorQueue) },
      { Sid: 'ReadErrorObjects', Effect: 'Allow', Action: perms.OBJECT_READ, Resource: s3PrefixObjectsArn(partition, bucket, errorPrefix) },
    );
  }
  if (key) {
    statements.push(keyViaServiceStatement('DecryptViaS3AndSqs', perms.KMS_DECRYPT, key, partition, region, ['s3', 'sqs']));
  }
  return finishDocument(fn, 'identity', partition, statements);
}

export interface CentralKeyPolicyProps {
  readonly partition: Partition;
  readonly region: string;
  /** Account that owns the key. */
  readonly accountId: string;
  readonly organizationId: string;
  /** The central bucket the key encrypts; organization writers and S3 may use the key only for it. */
  readonly bucketName: string;
  /** Prefix the organization delivers under, without trailing slash. */
  readonly prefix: string;
  /**
   * Prefix of Firehose error output, without trailing slash.
   * @default "<prefix>-errors"
   */
  readonly errorOutputPrefix?: string;
  /**
   * Principals that administer the key. When given, only they administer it: the account root no
   * longer does (it keeps delegating key *use* to IAM policies). KMS refuses a key policy that would
   * lock out the principal setting it, so the deploying identity must be one of them.
   * @default the account (`root`), so IAM policies decide who administers it
   */
  readonly adminPrincipalArns?: readonly string[];
}

/**
 * Key policy of the central KMS key (document 13): administration by the account (or named admins),
 * use delegated to the account's IAM policies, use by organization principals through S3 for the
 * central bucket's objects of their own account only (`kms:EncryptionContext:aws:s3:arn`), and use by
 * S3 on behalf of the central bucket (notifications into the encrypted queue; `aws:SourceArn` and
 * `aws:SourceAccount`, as the SQS guide documents).
 */
export function centralKeyPolicy(props: CentralKeyPolicyProps): PolicyDocument {
  const fn = 'centralKeyPolicy';
  const check = new InputCheck(fn);
  const partition = check.partition('partition', props.partition);
  const region = check.region('region', props.region, partition);
  const account = check.accountId('accountId', props.accountId);
  const org = check.organizationId('organizationId', props.organizationId);
  const bucket = check.bucketName('bucketName', props.bucketName);
  const prefix = check.keyPrefix('prefix', props.prefix);
  const errorPrefix = props.errorOutputPrefix === undefined ? `${prefix}-errors` : check.keyPrefix('errorOutputPrefix', props.errorOutputPrefix);
  const admins = props.adminPrincipalArns?.length
    ? check.list('adminPrincipalArns', props.adminPrincipalArns, (p, v) => check.arnOrReference(p, v, partition, 'iam'))
    : [accountRootArn(partition, account)];
  check.done();

  const root = accountRootArn(partition, account);
  const bucketArn = s3BucketArn(partition, bucket);
  const ownObjects = [prefix, errorPrefix].map((p) => s3PrefixObjectsArn(partition, bucket, `${p}/${PRINCIPAL_ACCOUNT}`));
  return finishDocument(fn, 'key', partition, [
    { Sid: 'KeyAdministration', Effect: 'Allow', Principal: { AWS: oneOrList(admins) }, Action: perms.KMS_KEY_ADMIN, Resource: '*' },
    { Sid: 'KeyUseThroughIamPolicies', Effect: 'Allow', Principal: { AWS: root }, Action: perms.KMS_KEY_USE, Resource: '*' },
    {
      Sid: 'OrganizationWritersThroughS3',
      Effect: 'Allow',
      Principal: '*',
      Action: perms.KMS_ENCRYPT_VIA_SERVICE,
      Resource: '*',
      Condition: {
        StringEquals: { 'aws:PrincipalOrgID': org, 'kms:ViaService': viaService(partition, 's3', region) },
        // With S3 Bucket Keys (the central bucket uses them) the context is the bucket ARN, otherwise the object's.
        StringLike: { 'kms:EncryptionContext:aws:s3:arn': [bucketArn, ...ownObjects] },
      },
    },
    {
      Sid: 'S3NotificationsOfTheCentralBucket',
      Effect: 'Allow',
      Principal: { Service: globalServicePrincipal('s3') },
      Action: perms.KMS_ENCRYPT_VIA_SERVICE,
      Resource: '*',
      Condition: { StringEquals: { 'aws:SourceAccount': account }, ArnEquals: { 'aws:SourceArn': bucketArn } },
    },
  ]);
}
