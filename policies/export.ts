import { accountRootArn, allLogGroupsArn, iamRoleArn, iamUserArn, logGroupArn, s3BucketArn, s3PrefixObjectsArn } from './arns';
import { conditions, finishDocument } from './document';
import { InputCheck } from './inputs';
import { logsServicePrincipal, Partition, viaService } from './partitions';
import * as perms from './perms';
import { keyViaServiceStatement, tlsOnlyStatement } from './statements';
import { ConditionBlock, PolicyDocument, Statement } from './types';

/** Who runs CreateExportTask, relative to the bucket's account. */
export type ExportAccess =
  /** The log groups and the bucket are in the same account. */
  | { readonly mode: 'same-account'; readonly accountId: string }
  /** An IAM user of the account that owns the log groups exports into this bucket. */
  | { readonly mode: 'cross-account-user'; readonly sendingAccountId: string; readonly userName: string }
  /** An IAM role of the account that owns the log groups exports into this bucket. */
  | { readonly mode: 'cross-account-role'; readonly sendingAccountId: string; readonly roleName: string };

export const EXPORT_ACCESS_MODES = ['same-account', 'cross-account-user', 'cross-account-role'] as const;

export interface ExportBucketPolicyProps {
  readonly partition: Partition;
  /** Region of the bucket; CloudWatch Logs exports only to a bucket in the log group's region. */
  readonly region: string;
  readonly bucketName: string;
  /** Key prefix the export tasks write under (`destinationPrefix`), without trailing slash. */
  readonly prefix: string;
  readonly access: ExportAccess;
  /**
   * Add `aws:SourceAccount` and `aws:SourceArn` (the sending account's log groups) to the
   * CloudWatch Logs statements, so no other account can make the service write here.
   * @default true
   */
  readonly confusedDeputyConditions?: boolean;
  /**
   * Cross-account modes only: also let the sending user or role list the prefix and read and
   * delete the exported objects, which the collector does with the same identity.
   * @default true
   */
  readonly grantCollectorRead?: boolean;
}

/**
 * Bucket policy for CloudWatch Logs export tasks (documents 1-3): the regional CloudWatch Logs
 * principal may check the bucket ACL and write under the prefix with `bucket-owner-full-control`;
 * in the cross-account modes the sending user or role may write (and, by default, read back) too.
 * The sender is named as its account's root narrowed by `aws:PrincipalArn`, so the policy applies
 * before the sending stack has created that user or role. Always ends with the TLS-only deny.
 */
export function exportBucketPolicy(props: ExportBucketPolicyProps): PolicyDocument {
  const fn = 'exportBucketPolicy';
  const check = new InputCheck(fn);
  const partition = check.partition('partition', props.partition);
  const region = check.region('region', props.region, partition);
  const bucket = check.bucketName('bucketName', props.bucketName);
  const prefix = check.keyPrefix('prefix', props.prefix);
  const { sourceAccount, sender } = exporter(check, partition, props.access);
  check.done();

  const bucketArn = s3BucketArn(partition, bucket);
  const objects = s3PrefixObjectsArn(partition, bucket, prefix);
  const service = { Service: logsServicePrincipal(partition, region) };
  const ownerFullControl: ConditionBlock = { StringEquals: { 's3:x-amz-acl': 'bucket-owner-full-control' } };
  const deputy: ConditionBlock | undefined =
    props.confusedDeputyConditions === false
      ? undefined
      : {
          StringEquals: { 'aws:SourceAccount': sourceAccount },
          ArnLike: { 'aws:SourceArn': allLogGroupsArn(partition, region, sourceAccount) },
        };

  const statements: Statement[] = [
    {
      Sid: 'CloudWatchLogsExportAclCheck',
      Effect: 'Allow',
      Principal: service,
      Action: perms.EXPORT_SERVICE_ACL_CHECK,
      Resource: bucketArn,
      Condition: deputy,
    },
    {
      Sid: 'CloudWatchLogsExportWrite',
      Effect: 'Allow',
      Principal: service,
      Action: perms.OBJECT_WRITE,
      Resource: objects,
      Condition: conditions(ownerFullControl, deputy),
    },
  ];
  if (sender) {
    // The sender's user or role is created by the sending account's stack, possibly after this policy:
    // S3 refuses a policy naming a principal that does not exist yet ("Invalid principal in policy").
    // The account root always exists; aws:PrincipalArn pins the grant to that one identity.
    const fromSender: ConditionBlock = { ArnEquals: { 'aws:PrincipalArn': sender } };
    const senderAccount = { AWS: accountRootArn(partition, sourceAccount) };
    statements.push({
      Sid: 'SendingPrincipalExportWrite',
      Effect: 'Allow',
      Principal: senderAccount,
      Action: perms.OBJECT_WRITE,
      Resource: objects,
      Condition: conditions(ownerFullControl, fromSender),
    });
    if (props.grantCollectorRead !== false) {
      statements.push(
        {
          Sid: 'SendingPrincipalListExports',
          Effect: 'Allow',
          Principal: senderAccount,
          Action: perms.BUCKET_LIST,
          Resource: bucketArn,
          Condition: conditions({ StringLike: { 's3:prefix': `${prefix}/*` } }, fromSender),
        },
        {
          Sid: 'SendingPrincipalReadExports',
          Effect: 'Allow',
          Principal: senderAccount,
          Action: perms.COLLECTOR_OBJECT_READ,
          Resource: objects,
          Condition: fromSender,
        },
      );
    }
  }
  statements.push(tlsOnlyStatement({ partition, bucketName: bucket }));
  return finishDocument(fn, 'bucket', partition, statements);
}

/**
 * The account whose export tasks write (the bucket's own, or the sending account) and, in the
 * cross-account modes, the sending user's or role's ARN; problems go to `check`.
 */
function exporter(check: InputCheck, partition: Partition, given: ExportAccess): { sourceAccount: string; sender?: string } {
  const access = given as ExportAccess | undefined;
  switch (access?.mode) {
    case 'same-account':
      return { sourceAccount: check.accountId('access.accountId', access.accountId) };
    case 'cross-account-user': {
      const account = check.accountId('access.sendingAccountId', access.sendingAccountId);
      return { sourceAccount: account, sender: iamUserArn(partition, account, check.iamName('access.userName', access.userName)) };
    }
    case 'cross-account-role': {
      const account = check.accountId('access.sendingAccountId', access.sendingAccountId);
      return { sourceAccount: account, sender: iamRoleArn(partition, account, check.iamName('access.roleName', access.roleName)) };
    }
    default:
      check.require(false, 'access.mode', (access as { mode?: unknown } | undefined)?.mode, `one of ${EXPORT_ACCESS_MODES.join(', ')}`);
      return { sourceAccount: '' };
  }
}

export interface ExportCollectorPolicyProps {
  readonly partition: Partition;
  readonly region: string;
  /** Account that owns the log groups (where export tasks are created). */
  readonly accountId: string;
  readonly bucketName: string;
  readonly prefix: string;
  /**
   * Log groups the collector may export. Empty or absent: every log group of the account and region,
   * which the collector discovers itself.
   * @default all log groups
   */
  readonly logGroupNames?: readonly string[];
  /**
   * Customer managed key the bucket encrypts with (ARN or Terraform reference). S3 decrypts each
   * exported object with it on GetObject, so the collector needs `kms:Decrypt` on it through S3.
   * The key's own policy must also let CloudWatch Logs use it for the export tasks.
   * @default no key statement (SSE-S3)
   */
  readonly bucketKmsKeyArn?: string;
}

/**
 * Identity policy of the collector in export mode (document 5): create and track export tasks,
 * write under the prefix with `bucket-owner-full-control` (AWS requires the caller of
 * CreateExportTask to be allowed to write to the destination), list the prefix, read and delete what
 * was exported, and decrypt it through S3 when the bucket has a customer managed key.
 */
export function exportCollectorPolicy(props: ExportCollectorPolicyProps): PolicyDocument {
  const fn = 'exportCollectorPolicy';
  const check = new InputCheck(fn);
  const partition = check.partition('partition', props.partition);
  const region = check.region('region', props.region, partition);
  const account = check.accountId('accountId', props.accountId);
  const bucket = check.bucketName('bucketName', props.bucketName);
  const prefix = check.keyPrefix('prefix', props.prefix);
  const groups = props.logGroupNames?.length ? check.list('logGroupNames', props.logGroupNames, (p, v) => check.logGroupName(p, v)) : [];
  const key = props.bucketKmsKeyArn === undefined ? undefined : check.arnOrReference('bucketKmsKeyArn', props.bucketKmsKeyArn, partition, 'kms');
  check.done();

  const objects = s3PrefixObjectsArn(partition, bucket, prefix);
  const groupArns = groups.length
    ? groups.flatMap((g) => [logGroupArn(partition, region, account, g), `${logGroupArn(partition, region, account, g)}:*`])
    : [allLogGroupsArn(partition, region, account)];
  const statements: Statement[] = [
    { Sid: 'CreateExportTasks', Effect: 'Allow', Action: perms.EXPORT_TASK_CREATE, Resource: groupArns },
    { Sid: 'TrackExportTasks', Effect: 'Allow', Action: perms.EXPORT_TASK_TRACK, Resource: '*' },
    {
      Sid: 'ListExportedObjects',
      Effect: 'Allow',
      Action: perms.BUCKET_LIST,
      Resource: s3BucketArn(partition, bucket),
      Condition: { StringLike: { 's3:prefix': `${prefix}/*` } },
    },
    { Sid: 'ReadAndDeleteExportedObjects', Effect: 'Allow', Action: perms.COLLECTOR_OBJECT_READ, Resource: objects },
  ];
  // CreateExportTask checks that its caller may write to the destination, in every mode: without this
  // grant AWS refuses the task ("ensure that the CreateExportTask caller has been granted s3:PutObject").
  statements.push({
    Sid: 'WriteExportedObjects',
    Effect: 'Allow',
    Action: perms.OBJECT_WRITE,
    Resource: objects,
    Condition: { StringEquals: { 's3:x-amz-acl': 'bucket-owner-full-control' } },
  });
  if (key) {
    statements.push(keyViaServiceStatement('DecryptExportedObjects', perms.KMS_DECRYPT, key, partition, region, ['s3']));
  }
  return finishDocument(fn, 'identity', partition, statements);
}

export interface ExportKeyPolicyProps {
  readonly partition: Partition;
  /** Region of the bucket and its key. */
  readonly region: string;
  readonly bucketName: string;
  readonly prefix: string;
  /** Who exports into the bucket, as for {@link exportBucketPolicy}. */
  readonly access: ExportAccess;
}

/**
 * What the key policy of an export bucket's customer managed key must add (document 15), for a key
 * the toolkit does not manage: CloudWatch Logs of the exporting account may get data keys and
 * decrypt (with `aws:SourceAccount` and `aws:SourceArn`, as for the bucket), and in the
 * cross-account modes the sending user or role may decrypt the exported objects through S3 of that
 * bucket. The account's own collector needs no statement here as long as the key policy delegates
 * to IAM policies (AWS's default key policy does).
 */
export function exportKeyPolicy(props: ExportKeyPolicyProps): PolicyDocument {
  const fn = 'exportKeyPolicy';
  const check = new InputCheck(fn);
  const partition = check.partition('partition', props.partition);
  const region = check.region('region', props.region, partition);
  const bucket = check.bucketName('bucketName', props.bucketName);
  const prefix = check.keyPrefix('prefix', props.prefix);
  const { sourceAccount, sender } = exporter(check, partition, props.access);
  check.done();

  const bucketArn = s3BucketArn(partition, bucket);
  const statements: Statement[] = [
    {
      Sid: 'CloudWatchLogsExportEncrypt',
      Effect: 'Allow',
      Principal: { Service: logsServicePrincipal(partition, region) },
      Action: perms.KMS_ENCRYPT_VIA_SERVICE,
      Resource: '*',
      Condition: {
        StringEquals: { 'aws:SourceAccount': sourceAccount },
        ArnLike: { 'aws:SourceArn': allLogGroupsArn(partition, region, sourceAccount) },
      },
    },
  ];
  if (sender) {
    statements.push({
      Sid: 'SendingPrincipalDecryptExports',
      Effect: 'Allow',
      Principal: { AWS: accountRootArn(partition, sourceAccount) },
      Action: perms.KMS_DECRYPT,
      Resource: '*',
      Condition: {
        StringEquals: { 'kms:ViaService': viaService(partition, 's3', region) },
        // With S3 Bucket Keys (the toolkit's buckets use them) the context is the bucket ARN, otherwise the object's.
        StringLike: { 'kms:EncryptionContext:aws:s3:arn': [bucketArn, s3PrefixObjectsArn(partition, bucket, prefix)] },
        ArnEquals: { 'aws:PrincipalArn': sender },
      },
    });
  }
  return finishDocument(fn, 'key', partition, statements);
}
