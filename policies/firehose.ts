import { firehoseStreamArn, logStreamArn, s3BucketArn, s3PrefixObjectsArn } from './arns';
import { finishDocument } from './document';
import { InputCheck } from './inputs';
import { globalServicePrincipal, Partition, viaService } from './partitions';
import * as perms from './perms';
import { PolicyDocument, Statement } from './types';

export interface LogsToFirehosePolicyProps {
  readonly partition: Partition;
  readonly region: string;
  /** Account that owns the delivery stream. */
  readonly accountId: string;
  readonly deliveryStreamName: string;
}

/**
 * Permissions of the role CloudWatch Logs assumes to put subscription data into Firehose
 * (document 8; its trust policy is {@link cloudWatchLogsTrustPolicy}): PutRecord/PutRecordBatch on
 * that one delivery stream, where AWS's example grants `firehose:*` on every stream of the account.
 */
export function logsToFirehosePolicy(props: LogsToFirehosePolicyProps): PolicyDocument {
  const fn = 'logsToFirehosePolicy';
  const check = new InputCheck(fn);
  const partition = check.partition('partition', props.partition);
  const region = check.region('region', props.region, partition);
  const account = check.accountId('accountId', props.accountId);
  const name = check.deliveryStreamName('deliveryStreamName', props.deliveryStreamName);
  check.done();
  return finishDocument(fn, 'identity', partition, [
    { Sid: 'PutSubscriptionRecords', Effect: 'Allow', Action: perms.FIREHOSE_WRITE, Resource: firehoseStreamArn(partition, region, account, name) },
  ]);
}

export interface FirehoseDeliveryTrustPolicyProps {
  readonly partition: Partition;
  /** Account that owns the delivery stream and its role. */
  readonly accountId: string;
}

/**
 * Trust policy of the Firehose delivery role: Firehose acting for this account only, in the form
 * Firehose's developer guide documents for S3 destinations (`sts:ExternalId` = the account id,
 * which Firehose presents when it assumes a delivery role). Firehose does not document
 * `aws:SourceAccount` for this call; a condition on a key it does not send would make creating the
 * delivery stream fail with "unable to assume role".
 */
export function firehoseDeliveryTrustPolicy(props: FirehoseDeliveryTrustPolicyProps): PolicyDocument {
  const fn = 'firehoseDeliveryTrustPolicy';
  const check = new InputCheck(fn);
  const partition = check.partition('partition', props.partition);
  const account = check.accountId('accountId', props.accountId);
  check.done();
  return finishDocument(fn, 'trust', partition, [
    {
      Sid: 'FirehoseAssumeRole',
      Effect: 'Allow',
      Principal: { Service: globalServicePrincipal('firehose') },
      Action: perms.ASSUME_ROLE,
      Condition: { StringEquals: { 'sts:ExternalId': account } },
    },
  ]);
}

export interface FirehoseDeliveryRolePolicyProps {
  readonly partition: Partition;
  /** Region of the delivery stream (and of the bucket: Firehose delivers within a region). */
  readonly region: string;
  /** Account that owns the delivery stream and its error log group. */
  readonly accountId: string;
  /** Destination bucket; may belong to another account (the central logging account). */
  readonly bucketName: string;
  /** Prefix of delivered objects, without trailing slash. */
  readonly prefix: string;
  /** Prefix of objects Firehose could not process, without trailing slash. */
  readonly errorOutputPrefix: string;
  /**
   * Customer managed KMS key of the bucket (ARN or Terraform reference).
   * @default no key statement (SSE-S3)
   */
  readonly kmsKeyArn?: string;
  /**
   * Or the bucket's key named by its alias in the key's account, for a key created in another stack
   * whose ARN is not known yet: grants on that account's keys carrying the alias
   * (`kms:ResourceAliases`). Ignored when kmsKeyArn is given.
   * @default no key statement
   */
  readonly kmsKeyAlias?: { readonly accountId: string; readonly aliasName: string };
  readonly errorLogGroupName: string;
  readonly errorLogStreamName: string;
}

/**
 * Permissions of the Firehose delivery role (document 9): write objects under the delivery and
 * error prefixes, the bucket-level calls Firehose makes, data keys through S3 for those objects only,
 * and PutLogEvents to its own error log stream.
 */
export function firehoseDeliveryRolePolicy(props: FirehoseDeliveryRolePolicyProps): PolicyDocument {
  const fn = 'firehoseDeliveryRolePolicy';
  const check = new InputCheck(fn);
  const partition = check.partition('partition', props.partition);
  const region = check.region('region', props.region, partition);
  const account = check.accountId('accountId', props.accountId);
  const bucket = check.bucketName('bucketName', props.bucketName);
  const prefix = check.keyPrefix('prefix', props.prefix);
  const errorPrefix = check.keyPrefix('errorOutputPrefix', props.errorOutputPrefix);
  const key = props.kmsKeyArn === undefined ? undefined : check.arnOrReference('kmsKeyArn', props.kmsKeyArn, partition, 'kms');
  const alias =
    key === undefined && props.kmsKeyAlias !== undefined
      ? {
          account: check.accountId('kmsKeyAlias.accountId', props.kmsKeyAlias.accountId),
          name: check.kmsAliasName('kmsKeyAlias.aliasName', props.kmsKeyAlias.aliasName),
        }
      : undefined;
  const group = check.logGroupName('errorLogGroupName', props.errorLogGroupName);
  const stream = check.logStreamName('errorLogStreamName', props.errorLogStreamName);
  check.done();

  const bucketArn = s3BucketArn(partition, bucket);
  const objects = [...new Set([s3PrefixObjectsArn(partition, bucket, prefix), s3PrefixObjectsArn(partition, bucket, errorPrefix)])];
  const statements: Statement[] = [
    { Sid: 'WriteDeliveredObjects', Effect: 'Allow', Action: perms.FIREHOSE_OBJECT_WRITE, Resource: objects },
    { Sid: 'AccessDestinationBucket', Effect: 'Allow', Action: perms.FIREHOSE_BUCKET_ACCESS, Resource: bucketArn },
  ];
  if (key || alias) {
    statements.push({
      Sid: 'EncryptDeliveredObjects',
      Effect: 'Allow',
      Action: perms.KMS_ENCRYPT_VIA_SERVICE,
      Resource: key ?? `arn:${partition}:kms:${region}:${alias!.account}:key/*`,
      Condition: {
        StringEquals: { 'kms:ViaService': viaService(partition, 's3', region) },
        // With S3 Bucket Keys the encryption context is the bucket ARN, otherwise the object ARN.
        StringLike: { 'kms:EncryptionContext:aws:s3:arn': [bucketArn, ...objects] },
        ...(alias ? { 'ForAnyValue:StringEquals': { 'kms:ResourceAliases': alias.name } } : {}),
      },
    });
  }
  statements.push({ Sid: 'WriteErrorLog', Effect: 'Allow', Action: perms.ERROR_LOG_WRITE, Resource: logStreamArn(partition, region, account, group, stream) });
  return finishDocument(fn, 'identity', partition, statements);
}
