import { KmsAlias } from '@cdktf/provider-aws/lib/kms-alias';
import { KmsKey } from '@cdktf/provider-aws/lib/kms-key';
import { S3BucketNotification } from '@cdktf/provider-aws/lib/s3-bucket-notification';
import { SqsQueue } from '@cdktf/provider-aws/lib/sqs-queue';
import { SqsQueuePolicy } from '@cdktf/provider-aws/lib/sqs-queue-policy';
import { Construct } from 'constructs';
import {
  centralBucketPolicy,
  centralKeyPolicy,
  InputCheck,
  notificationQueuePolicy,
  Partition,
  renderPolicy,
  siemReaderPolicy,
  siemReaderTrustPolicy,
  sqsQueueArn,
} from '../../policies';
import { PolicyRole } from '../iam/policy-role';
import { S3_DEFAULTS } from '../s3/defaults';
import { LogBucket } from '../s3/log-bucket';
import { CENTRAL_DEFAULTS } from './defaults';

export interface SiemReaderProps {
  /** The SIEM's AWS account. */
  readonly accountId: string;
  readonly externalId: string;
  readonly roleName: string;
}

export interface CentralLoggingProps {
  readonly partition: Partition;
  readonly region: string;
  /** The logging account (this stack's). */
  readonly accountId: string;
  readonly organizationId: string;
  readonly bucketName: string;
  /** Prefix the organization delivers under, without trailing slash. @default "cwl" */
  readonly prefix?: string;
  /** @default 30 */
  readonly expirationDays?: number;
  /** Narrow the organization's writers to these role names or patterns. @default any principal of the organization */
  readonly writerRoleNames?: readonly string[];
  readonly queueName: string;
  /** @default 300 */
  readonly visibilityTimeoutSeconds?: number;
  /** @default 5 */
  readonly maxReceiveCount?: number;
  /** @default 345600 */
  readonly messageRetentionSeconds?: number;
  /** Alias of the central key, e.g. alias/cwl-siem-central. */
  readonly keyAlias: string;
  /** The SIEM reader role. @default none */
  readonly siem?: SiemReaderProps;
}

/**
 * Firehose path, logging account: a KMS key, the organization-writable central bucket encrypted
 * with it, a notification queue (and its dead-letter queue) fed by the bucket's ObjectCreated
 * events, and the role the SIEM assumes to read them.
 */
export class CentralLogging extends Construct {
  readonly key: KmsKey;
  readonly bucket: LogBucket;
  readonly prefix: string;
  readonly queue: SqsQueue;
  readonly deadLetterQueue: SqsQueue;
  /** Resolved from the config. */
  readonly queueArn: string;
  readonly siemRoleArn?: string;

  constructor(scope: Construct, id: string, props: CentralLoggingProps) {
    super(scope, id);
    const check = new InputCheck(`CentralLogging ${this.node.path}`);
    check.queueName('queueName', props.queueName);
    check.kmsAliasName('keyAlias', props.keyAlias);
    const maxReceive = props.maxReceiveCount ?? CENTRAL_DEFAULTS.maxReceiveCount;
    check.require(Number.isInteger(maxReceive) && maxReceive >= 1 && maxReceive <= 1000, 'maxReceiveCount', maxReceive, 'a whole number from 1 to 1000');
    check.done();

    const { partition, region, accountId } = props;
    this.prefix = (props.prefix ?? 'cwl').replace(/\/$/, '');

    this.key = new KmsKey(this, 'key', {
      description: `cwl-siem central logging key (bucket ${props.bucketName}, queue ${props.queueName})`,
      enableKeyRotation: true,
      deletionWindowInDays: CENTRAL_DEFAULTS.keyDeletionWindowDays,
      policy: renderPolicy(centralKeyPolicy({ partition, region, accountId, organizationId: props.organizationId })),
    });
    new KmsAlias(this, 'key_alias', { name: props.keyAlias, targetKeyId: this.key.keyId });

    this.bucket = new LogBucket(this, 'bucket', {
      partition,
      bucketName: props.bucketName,
      kmsKeyArn: this.key.arn,
      expirationDays: props.expirationDays ?? S3_DEFAULTS.centralExpirationDays,
    });
    this.bucket.addPolicy(
      centralBucketPolicy({ partition, region, bucketName: props.bucketName, prefix: this.prefix, organizationId: props.organizationId, writerRoleNames: props.writerRoleNames }),
    );

    const dlqName = `${props.queueName.replace(/\.fifo$/, '')}-dlq${props.queueName.endsWith('.fifo') ? '.fifo' : ''}`;
    this.deadLetterQueue = new SqsQueue(this, 'dead_letter_queue', {
      name: dlqName,
      kmsMasterKeyId: this.key.arn,
      messageRetentionSeconds: CENTRAL_DEFAULTS.dlqRetentionSeconds,
    });
    this.queueArn = sqsQueueArn(partition, region, accountId, props.queueName);
    this.queue = new SqsQueue(this, 'queue', {
      name: props.queueName,
      kmsMasterKeyId: this.key.arn,
      visibilityTimeoutSeconds: props.visibilityTimeoutSeconds ?? CENTRAL_DEFAULTS.visibilityTimeoutSeconds,
      messageRetentionSeconds: props.messageRetentionSeconds ?? CENTRAL_DEFAULTS.messageRetentionSeconds,
      receiveWaitTimeSeconds: CENTRAL_DEFAULTS.receiveWaitTimeSeconds,
      redrivePolicy: JSON.stringify({ deadLetterTargetArn: sqsQueueArn(partition, region, accountId, dlqName), maxReceiveCount: maxReceive }),
      dependsOn: [this.deadLetterQueue],
    });
    const queuePolicy = new SqsQueuePolicy(this, 'queue_policy', {
      queueUrl: this.queue.url,
      policy: renderPolicy(notificationQueuePolicy({ partition, region, accountId, queueName: props.queueName, bucketName: props.bucketName })),
    });
    new S3BucketNotification(this, 'notification', {
      bucket: this.bucket.bucket.id,
      queue: [{ id: 'cwl-siem-objects', queueArn: this.queueArn, events: ['s3:ObjectCreated:*'], filterPrefix: `${this.prefix}/` }],
      // S3 sends a test event when the notification is set; the queue must accept it by then.
      dependsOn: [this.queue, queuePolicy],
    });

    if (props.siem) {
      this.siemRoleArn = new PolicyRole(this, 'siem_reader', {
        partition,
        accountId,
        roleName: props.siem.roleName,
        description: 'The SIEM reads CloudWatch Logs objects announced on the notification queue',
        trustPolicy: siemReaderTrustPolicy({ partition, siemAccountId: props.siem.accountId, externalId: props.siem.externalId }),
        policies: {
          'siem-reader': siemReaderPolicy({ partition, region, accountId, queueName: props.queueName, bucketName: props.bucketName, prefix: this.prefix, kmsKeyArn: this.key.arn }),
        },
      }).roleArn;
    }
  }
}
