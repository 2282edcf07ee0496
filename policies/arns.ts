import { Partition } from './partitions';

/** ARN builders. Inputs are validated by the caller; these only spell. */

export const s3BucketArn = (p: Partition, bucket: string): string => `arn:${p}:s3:::${bucket}`;

/** Every object under `prefix/` (the prefix is given without trailing slash). */
export const s3PrefixObjectsArn = (p: Partition, bucket: string, prefix: string): string => `arn:${p}:s3:::${bucket}/${prefix}/*`;

export const iamRoleArn = (p: Partition, account: string, name: string): string => `arn:${p}:iam::${account}:role/${name}`;

export const iamUserArn = (p: Partition, account: string, name: string): string => `arn:${p}:iam::${account}:user/${name}`;

export const accountRootArn = (p: Partition, account: string): string => `arn:${p}:iam::${account}:root`;

export const kinesisStreamArn = (p: Partition, region: string, account: string, name: string): string => `arn:${p}:kinesis:${region}:${account}:stream/${name}`;

export const firehoseStreamArn = (p: Partition, region: string, account: string, name: string): string =>
  `arn:${p}:firehose:${region}:${account}:deliverystream/${name}`;

export const sqsQueueArn = (p: Partition, region: string, account: string, name: string): string => `arn:${p}:sqs:${region}:${account}:${name}`;

/** A DynamoDB table itself: not its indexes (`…/index/*`) or streams (`…/stream/*`), which are resources of their own. */
export const dynamodbTableArn = (p: Partition, region: string, account: string, name: string): string => `arn:${p}:dynamodb:${region}:${account}:table/${name}`;

export const logGroupArn = (p: Partition, region: string, account: string, name: string): string => `arn:${p}:logs:${region}:${account}:log-group:${name}`;

/** Every log group of an account in a region: the `aws:SourceArn` CloudWatch Logs presents for export tasks. */
export const allLogGroupsArn = (p: Partition, region: string, account: string): string => `arn:${p}:logs:${region}:${account}:log-group:*`;

/** Anything CloudWatch Logs owns in an account and region (log groups, destinations, account policies). */
export const allLogsResourcesArn = (p: Partition, region: string, account: string): string => `arn:${p}:logs:${region}:${account}:*`;

export const logStreamArn = (p: Partition, region: string, account: string, group: string, stream: string): string =>
  `arn:${p}:logs:${region}:${account}:log-group:${group}:log-stream:${stream}`;

export const logDestinationArn = (p: Partition, region: string, account: string, name: string): string =>
  `arn:${p}:logs:${region}:${account}:destination:${name}`;

/**
 * The IAM policy variable for the calling principal's account, resolved by IAM per request. In
 * Terraform it must be written `$${...}` (see renderPolicy), or Terraform reads it as interpolation.
 */
export const PRINCIPAL_ACCOUNT = '${aws:PrincipalAccount}';
