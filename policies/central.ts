import { accountRootArn, s3BucketArn, s3PrefixObjectsArn, sqsQueueArn } from './arns';
import { finishDocument, oneOrList } from './document';
import { InputCheck } from './inputs';
import { globalServicePrincipal, logsServicePrincipal, Partition, viaService } from './partitions';
import * as perms from './perms';
import { tlsOnlyStatement } from './statements';
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
  /**
   * Also let CloudWatch Logs export tasks of any organization account write here
   * (`logs.<region>` principal constrained by `aws:SourceOrgID`).
   * @default true
   */
  readonly allowOrganizationExportTasks?: boolean;
}

/**
 * Bucket policy of the central logging bucket (document 10): principals of the organization
 * (Firehose delivery roles in member accounts) may write under the prefix and the error prefix;
 * CloudWatch Logs export
 * tasks of organization accounts may too; plain HTTP is denied.
 */
export function centralBucketPolicy(props: CentralBucketPolicyProps): PolicyDocument {
  const fn = 'centralBucketPolicy';
  const check = new InputCheck(fn);
  const partition = check.partition('partition', props.partition);
  const region = check.region('region', props.region, partition);
  const bucket = check.bucketName('bucketName', props.bucketName);
  const prefix = check.keyPrefix('prefix', props.prefix);
  const errorPrefix = props.errorOutputPrefix === undefined ? `${prefix}-errors` : check.keyPrefix('errorOutputPrefix', props.errorOutputPrefix);
  const org = check.organizationId('organizationId', props.organizationId);
  const writers = props.writerRoleNames?.length ? check.list('writerRoleNames', props.writerRoleNames, (p, v) => check.iamNamePattern(p, v)) : [];
  check.done();

  const bucketArn = s3BucketArn(partition, bucket);
  const objects = s3PrefixObjectsArn(partition, bucket, prefix);
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
      Resource: [objects, s3PrefixObjectsArn(partition, bucket, errorPrefix)],
      Condition: orgPrincipals,
    },
    { Sid: 'OrganizationDeliveryBucketAccess', Effect: 'Allow', Principal: '*', Action: perms.FIREHOSE_BUCKET_ACCESS, Resource: bucketArn, Condition: orgPrincipals },
  ];
  if (props.allowOrganizationExportTasks !== false) {
    const service = { Service: logsServicePrincipal(partition, region) };
    statements.push(
      { Sid: 'OrganizationExportAclCheck', Effect: 'Allow', Principal: service, Action: perms.EXPORT_SERVICE_ACL_CHECK, Resource: bucketArn, Condition: { StringEquals: { 'aws:SourceOrgID': org } } },
      {
        Sid: 'OrganizationExportWrite',
        Effect: 'Allow',
        Principal: service,
        Action: perms.OBJECT_WRITE,
        Resource: objects,
        Condition: { StringEquals: { 'aws:SourceOrgID': org, 's3:x-amz-acl': 'bucket-owner-full-control' } },
      },
    );
  }
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
    { Sid: 'DenyInsecureTransport', Effect: 'Deny', Principal: '*', Action: 'sqs:*', Resource: queueArn, Condition: { Bool: { 'aws:SecureTransport': 'false' } } },
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
  const principal = props.siemPrincipalArn === undefined ? accountRootArn(partition, siemAccount) : check.arnOrReference('siemPrincipalArn', props.siemPrincipalArn, partition, 'iam');
  check.require(!principal.startsWith('arn:') || principal.split(':')[4] === siemAccount, 'siemPrincipalArn', props.siemPrincipalArn, `a principal of account ${siemAccount}`);
  check.done();
  return finishDocument(fn, 'trust', partition, [
    { Sid: 'SiemAssumeRoleWithExternalId', Effect: 'Allow', Principal: { AWS: principal }, Action: perms.ASSUME_ROLE, Condition: { StringEquals: { 'sts:ExternalId': externalId } } },
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
   * Customer managed key of the bucket and queue (ARN or Terraform reference).
   * @default no key statement
   */
  readonly kmsKeyArn?: string;
}

/**
 * Permissions of the SIEM reader role (document 12): consume the notification queue, read the
 * delivered objects, and decrypt through S3 and SQS only.
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
  const key = props.kmsKeyArn === undefined ? undefined : check.arnOrReference('kmsKeyArn', props.kmsKeyArn, partition, 'kms');
  check.done();

  const statements: Statement[] = [
    { Sid: 'ConsumeNotifications', Effect: 'Allow', Action: perms.SQS_CONSUME, Resource: sqsQueueArn(partition, region, account, queue) },
    { Sid: 'ReadDeliveredObjects', Effect: 'Allow', Action: perms.OBJECT_READ, Resource: s3PrefixObjectsArn(partition, bucket, prefix) },
  ];
  if (key) {
    statements.push({
      Sid: 'DecryptViaS3AndSqs',
      Effect: 'Allow',
      Action: perms.KMS_DECRYPT,
      Resource: key,
      Condition: { StringEquals: { 'kms:ViaService': [viaService(partition, 's3', region), viaService(partition, 'sqs', region)] } },
    });
  }
  return finishDocument(fn, 'identity', partition, statements);
}

export interface CentralKeyPolicyProps {
  readonly partition: Partition;
  readonly region: string;
  /** Account that owns the key. */
  readonly accountId: string;
  readonly organizationId: string;
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
 * use delegated to the account's IAM policies, and use by organization principals through S3,
 * by S3 (notifications into the encrypted queue) and by CloudWatch Logs, both limited to the
 * organization with `aws:SourceOrgID`.
 */
export function centralKeyPolicy(props: CentralKeyPolicyProps): PolicyDocument {
  const fn = 'centralKeyPolicy';
  const check = new InputCheck(fn);
  const partition = check.partition('partition', props.partition);
  const region = check.region('region', props.region, partition);
  const account = check.accountId('accountId', props.accountId);
  const org = check.organizationId('organizationId', props.organizationId);
  const admins = props.adminPrincipalArns?.length
    ? check.list('adminPrincipalArns', props.adminPrincipalArns, (p, v) => check.arnOrReference(p, v, partition, 'iam'))
    : [accountRootArn(partition, account)];
  check.done();

  const root = accountRootArn(partition, account);
  const inOrg = { StringEquals: { 'aws:SourceOrgID': org } };
  return finishDocument(fn, 'key', partition, [
    { Sid: 'KeyAdministration', Effect: 'Allow', Principal: { AWS: oneOrList(admins) }, Action: perms.KMS_KEY_ADMIN, Resource: '*' },
    { Sid: 'KeyUseThroughIamPolicies', Effect: 'Allow', Principal: { AWS: root }, Action: perms.KMS_KEY_USE, Resource: '*' },
    {
      Sid: 'OrganizationWritersThroughS3',
      Effect: 'Allow',
      Principal: '*',
      Action: perms.KMS_ENCRYPT_VIA_SERVICE,
      Resource: '*',
      Condition: { StringEquals: { 'aws:PrincipalOrgID': org, 'kms:ViaService': viaService(partition, 's3', region) } },
    },
    { Sid: 'S3ServiceUse', Effect: 'Allow', Principal: { Service: globalServicePrincipal('s3') }, Action: perms.KMS_ENCRYPT_VIA_SERVICE, Resource: '*', Condition: inOrg },
    { Sid: 'CloudWatchLogsServiceUse', Effect: 'Allow', Principal: { Service: logsServicePrincipal(partition, region) }, Action: perms.KMS_LOGS_SERVICE, Resource: '*', Condition: inOrg },
  ]);
}
