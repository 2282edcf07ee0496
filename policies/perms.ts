/** Action lists, one constant per grant, so each policy names what it allows in one place. */

import { LEASE_TABLE_ACTIONS } from '../collector/src/state/dynamodb/names';

export const EXPORT_SERVICE_ACL_CHECK = ['s3:GetBucketAcl'] as const;
export const OBJECT_WRITE = ['s3:PutObject'] as const;
export const COLLECTOR_OBJECT_READ = ['s3:GetObject', 's3:DeleteObject'] as const;
export const BUCKET_LIST = ['s3:ListBucket'] as const;
export const EXPORT_TASK_CREATE = ['logs:CreateExportTask'] as const;
/** Export-task bookkeeping; these actions support no resource-level permissions, so their Resource is `*`. */
export const EXPORT_TASK_TRACK = ['logs:DescribeExportTasks', 'logs:CancelExportTask', 'logs:DescribeLogGroups'] as const;

export const KINESIS_WRITE = ['kinesis:PutRecord', 'kinesis:PutRecords'] as const;
export const KINESIS_READ = [
  'kinesis:GetShardIterator',
  'kinesis:GetRecords',
  'kinesis:DescribeStream',
  'kinesis:DescribeStreamSummary',
  'kinesis:ListShards',
] as const;
export const PASS_ROLE = ['iam:PassRole'] as const;

export const FIREHOSE_WRITE = ['firehose:PutRecord', 'firehose:PutRecordBatch'] as const;
export const FIREHOSE_OBJECT_WRITE = ['s3:PutObject', 's3:AbortMultipartUpload'] as const;
export const FIREHOSE_BUCKET_ACCESS = ['s3:GetBucketLocation', 's3:ListBucketMultipartUploads'] as const;
export const ERROR_LOG_WRITE = ['logs:PutLogEvents'] as const;

export const SQS_SEND = ['sqs:SendMessage'] as const;
export const SQS_CONSUME = ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:ChangeMessageVisibility', 'sqs:GetQueueAttributes'] as const;
export const OBJECT_READ = ['s3:GetObject'] as const;

export const ASSUME_ROLE = ['sts:AssumeRole'] as const;
export const PUT_SUBSCRIPTION_FILTER = ['logs:PutSubscriptionFilter'] as const;

/** What the collector calls on its DynamoDB state table, and nothing more (the calls of its LeaseTable). */
export const STATE_TABLE_USE = LEASE_TABLE_ACTIONS;

export const KMS_DECRYPT = ['kms:Decrypt'] as const;
/** What a writer through S3, SQS or Kinesis needs: a data key to encrypt, Decrypt for multipart uploads. */
export const KMS_ENCRYPT_VIA_SERVICE = ['kms:GenerateDataKey', 'kms:Decrypt'] as const;
/** Key use that the key policy delegates to the account's IAM policies. */
export const KMS_KEY_USE = [
  'kms:Encrypt',
  'kms:Decrypt',
  'kms:ReEncryptFrom',
  'kms:ReEncryptTo',
  'kms:GenerateDataKey',
  'kms:GenerateDataKeyWithoutPlaintext',
  'kms:DescribeKey',
] as const;
/** Key administration, listed action by action: no wildcards, and no use of the key for data. */
export const KMS_KEY_ADMIN = [
  'kms:CancelKeyDeletion',
  'kms:CreateAlias',
  'kms:CreateGrant',
  'kms:DeleteAlias',
  'kms:DescribeKey',
  'kms:DisableKey',
  'kms:DisableKeyRotation',
  'kms:EnableKey',
  'kms:EnableKeyRotation',
  'kms:GetKeyPolicy',
  'kms:GetKeyRotationStatus',
  'kms:ListGrants',
  'kms:ListKeyPolicies',
  'kms:ListResourceTags',
  'kms:PutKeyPolicy',
  'kms:RetireGrant',
  'kms:RevokeGrant',
  'kms:ScheduleKeyDeletion',
  'kms:TagResource',
  'kms:UntagResource',
  'kms:UpdateAlias',
  'kms:UpdateKeyDescription',
] as const;
export const KMS_GENERATE_DATA_KEY = ['kms:GenerateDataKey'] as const;

/**
 * What ECS needs of a task execution role to pull a private ECR image: a registry token (an action
 * with no resource-level permissions, so on `*`), then the layers and the manifest of one repository.
 */
export const ECR_AUTHORIZATION = ['ecr:GetAuthorizationToken'] as const;
export const ECR_PULL = ['ecr:BatchCheckLayerAvailability', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchGetImage'] as const;
/** The `awslogs` log driver: a stream per task in the container's log group, and its events. */
export const CONTAINER_LOG_WRITE = ['logs:CreateLogStream', 'logs:PutLogEvents'] as const;
/** Container `secrets` of ECS: a Secrets Manager secret's value, or SSM parameters (with decryption). */
export const SECRET_VALUE_READ = ['secretsmanager:GetSecretValue'] as const;
export const PARAMETER_READ = ['ssm:GetParameters'] as const;
