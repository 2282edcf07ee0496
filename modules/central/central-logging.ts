import { CloudwatchMetricAlarm } from '@cdktf/provider-aws/lib/cloudwatch-metric-alarm';
import { KmsAlias } from '@cdktf/provider-aws/lib/kms-alias';
import { KmsKey } from '@cdktf/provider-aws/lib/kms-key';
import { S3BucketNotification } from '@cdktf/provider-aws/lib/s3-bucket-notification';
import { SqsQueue } from '@cdktf/provider-aws/lib/sqs-queue';
import { SqsQueuePolicy } from '@cdktf/provider-aws/lib/sqs-queue-policy';
import { ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';
import { TOOLKIT_DEFAULTS } from '../../config/defaults';
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
import { withEcsTasksTrust } from '../../policies/statements';
import { PolicyRole } from '../iam/policy-role';
import { LogBucket } from '../s3/log-bucket';
import { CENTRAL_DEFAULTS } from './defaults';

export interface SiemReaderProps {
  /** The SIEM's AWS account. */
  readonly accountId: string;
  readonly externalId: string;
  readonly roleName: string;
  /** ECS tasks of this account and region may assume the role too: the collector runs on ECS as it (`CollectorService`). @default false */
  readonly trustEcsTasks?: boolean;
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
  /**
   * Announce Firehose error output (`<prefix>-errors/`) on a second queue, `<queueName>-errors`,
   * which the SIEM role may consume, and alarm when its oldest message waits too long.
   * @default false
   */
  readonly errorNotifications?: boolean;
  /**
   * SNS topic (same partition and region) the queue alarms notify on ALARM and on OK.
   * @default none: the alarms only change state in the CloudWatch console
   */
  readonly alarmTopicArn?: string;
}

/**
 * Firehose path, logging account: a KMS key, the organization-writable central bucket encrypted
 * with it, a notification queue (and its dead-letter queue) fed by the bucket's ObjectCreated
 * events, optionally an errors queue announcing Firehose error output, alarms on the queues, and
 * the role the SIEM assumes to read them.
 */
export class CentralLogging extends Construct {
  readonly key: KmsKey;
  readonly bucket: LogBucket;
  readonly prefix: string;
  readonly queue: SqsQueue;
  /** Dead-letter queue of the notification queue and of the errors queue. */
  readonly deadLetterQueue: SqsQueue;
  /** Resolved from the config. */
  readonly queueArn: string;
  /** Prefix Firehose error output lands under (`<prefix>-errors`); announced only with errorNotifications. */
  readonly errorOutputPrefix: string;
  /** The queue announcing error output, with errorNotifications. */
  readonly errorQueue?: SqsQueue;
  /** Resolved from the config, with errorNotifications. */
  readonly errorQueueArn?: string;
  /** Goes off when the dead-letter queue holds a message. */
  readonly deadLetterAlarm: CloudwatchMetricAlarm;
  /**
   * Goes off when an error notification waits longer than visibility timeout × maxReceiveCount (at
   * least one alarm period), with errorNotifications.
   */
  readonly errorQueueAlarm?: CloudwatchMetricAlarm;
  readonly siemRoleArn?: string;
  /** The SIEM reader role and its policy: what a task running as the role waits for. */
  readonly siemRoleDependables: ITerraformDependable[] = [];

  constructor(scope: Construct, id: string, props: CentralLoggingProps) {
    super(scope, id);
    const check = new InputCheck(`CentralLogging ${this.node.path}`);
    check.queueName('queueName', props.queueName);
    check.kmsAliasName('keyAlias', props.keyAlias);
    const maxReceive = props.maxReceiveCount ?? TOOLKIT_DEFAULTS.central.maxReceiveCount;
    check.wholeNumber('maxReceiveCount', maxReceive, 'a whole number from 1 to 1000', 1, 1000);
    const errorNotifications = props.errorNotifications ?? TOOLKIT_DEFAULTS.central.errorNotifications;
    const queueBase = String(props.queueName).replace(/\.fifo$/, '');
    const withSuffix = (suffix: string) => `${queueBase}-${suffix}${String(props.queueName).endsWith('.fifo') ? '.fifo' : ''}`;
    const errorQueueName = withSuffix('errors');
    check.require(
      !errorNotifications || errorQueueName.length <= 80,
      'queueName',
      props.queueName,
      `a name of at most ${80 - (errorQueueName.length - String(props.queueName).length)} characters with errorNotifications, so that "${errorQueueName}" fits the 80 characters SQS allows`,
    );
    if (props.alarmTopicArn !== undefined) {
      const topic = check.arnOrReference('alarmTopicArn', props.alarmTopicArn, props.partition, 'sns');
      const topicRegion = topic.startsWith('arn:') ? topic.split(':')[3] : props.region;
      check.require(
        topicRegion === props.region,
        'alarmTopicArn',
        topic,
        `a topic of region ${props.region}: CloudWatch alarms notify topics of their own region only`,
      );
    }
    check.done();

    const { partition, region, accountId } = props;
    this.prefix = (props.prefix ?? TOOLKIT_DEFAULTS.central.prefix).replace(/\/$/, '');
    this.errorOutputPrefix = `${this.prefix}-errors`;

    this.key = new KmsKey(this, 'key', {
      description: `cwl-siem central logging key (bucket ${props.bucketName}, queue ${props.queueName})`,
      enableKeyRotation: true,
      deletionWindowInDays: CENTRAL_DEFAULTS.keyDeletionWindowDays,
      policy: renderPolicy(
        centralKeyPolicy({ partition, region, accountId, organizationId: props.organizationId, bucketName: props.bucketName, prefix: this.prefix }),
      ),
    });
    new KmsAlias(this, 'key_alias', { name: props.keyAlias, targetKeyId: this.key.keyId });

    this.bucket = new LogBucket(this, 'bucket', {
      partition,
      bucketName: props.bucketName,
      kmsKeyArn: this.key.arn,
      expirationDays: props.expirationDays ?? TOOLKIT_DEFAULTS.central.expirationDays,
    });
    this.bucket.addPolicy(
      centralBucketPolicy({
        partition,
        region,
        bucketName: props.bucketName,
        prefix: this.prefix,
        organizationId: props.organizationId,
        writerRoleNames: props.writerRoleNames,
      }),
    );

    const dlqName = withSuffix('dlq');
    this.deadLetterQueue = new SqsQueue(this, 'dead_letter_queue', {
      name: dlqName,
      kmsMasterKeyId: this.key.arn,
      messageRetentionSeconds: CENTRAL_DEFAULTS.dlqRetentionSeconds,
    });
    this.queueArn = sqsQueueArn(partition, region, accountId, props.queueName);
    const visibilityTimeoutSeconds = props.visibilityTimeoutSeconds ?? TOOLKIT_DEFAULTS.central.visibilityTimeoutSeconds;
    // One DLQ serves both queues (SQS allows it): a poison message of either waits in one place, under one alarm.
    const notificationQueue = (id: string, name: string): SqsQueue =>
      new SqsQueue(this, id, {
        name,
        kmsMasterKeyId: this.key.arn,
        visibilityTimeoutSeconds,
        messageRetentionSeconds: props.messageRetentionSeconds ?? TOOLKIT_DEFAULTS.central.messageRetentionSeconds,
        receiveWaitTimeSeconds: CENTRAL_DEFAULTS.receiveWaitTimeSeconds,
        redrivePolicy: JSON.stringify({ deadLetterTargetArn: sqsQueueArn(partition, region, accountId, dlqName), maxReceiveCount: maxReceive }),
        dependsOn: [this.deadLetterQueue],
      });
    const queuePolicyOf = (id: string, queue: SqsQueue, name: string): SqsQueuePolicy =>
      new SqsQueuePolicy(this, id, {
        queueUrl: queue.url,
        policy: renderPolicy(notificationQueuePolicy({ partition, region, accountId, queueName: name, bucketName: props.bucketName })),
      });
    this.queue = notificationQueue('queue', props.queueName);
    const queuePolicy = queuePolicyOf('queue_policy', this.queue, props.queueName);
    const entries = [{ id: 'cwl-siem-objects', queueArn: this.queueArn, events: ['s3:ObjectCreated:*'], filterPrefix: `${this.prefix}/` }];
    const ready: (SqsQueue | SqsQueuePolicy)[] = [this.queue, queuePolicy];
    if (errorNotifications) {
      this.errorQueueArn = sqsQueueArn(partition, region, accountId, errorQueueName);
      this.errorQueue = notificationQueue('error_queue', errorQueueName);
      ready.push(this.errorQueue, queuePolicyOf('error_queue_policy', this.errorQueue, errorQueueName));
      // S3 refuses two entries of one event type whose prefixes overlap (one a prefix of the other).
      // "cwl/" and "cwl-errors/" do not: a key under cwl-errors/ does not start with "cwl/".
      entries.push({ id: 'cwl-siem-errors', queueArn: this.errorQueueArn, events: ['s3:ObjectCreated:*'], filterPrefix: `${this.errorOutputPrefix}/` });
    }
    // A bucket has one notification configuration: every queue entry goes into this one resource.
    new S3BucketNotification(this, 'notification', {
      bucket: this.bucket.bucket.id,
      queue: entries,
      // S3 sends a test event when the notification is set; the queues must accept it by then.
      dependsOn: ready,
    });

    const actions = props.alarmTopicArn === undefined ? {} : { alarmActions: [props.alarmTopicArn], okActions: [props.alarmTopicArn] };
    const queueAlarm = (id: string, alarm: { name: string; description: string; queueName: string; metricName: string; threshold: number }) =>
      new CloudwatchMetricAlarm(this, id, {
        alarmName: alarm.name,
        alarmDescription: alarm.description,
        namespace: 'AWS/SQS',
        metricName: alarm.metricName,
        dimensions: { QueueName: alarm.queueName },
        statistic: 'Maximum',
        period: CENTRAL_DEFAULTS.alarmPeriodSeconds,
        evaluationPeriods: CENTRAL_DEFAULTS.alarmEvaluationPeriods,
        comparisonOperator: 'GreaterThanThreshold',
        threshold: alarm.threshold,
        // SQS stops publishing metrics of a queue that stays empty for hours: no data is no trouble.
        treatMissingData: 'notBreaching',
        ...actions,
      });
    // Messages moved by a redrive policy are not "sent", so NumberOfMessagesSent misses them; the visible count does not.
    this.deadLetterAlarm = queueAlarm('dead_letter_alarm', {
      name: `${props.queueName}-dlq-not-empty`,
      description: `${dlqName} holds messages that failed ${maxReceive} receives (objects that could not be read or decoded); inspect them with the SIEM role`,
      queueName: dlqName,
      metricName: 'ApproximateNumberOfMessagesVisible',
      threshold: 0,
    });
    if (this.errorQueue) {
      // A polled message is deleted, or visible again one visibility timeout later and moved to the
      // DLQ after maxReceiveCount receives: one still waiting after all of that is one nobody receives.
      const maxAgeSeconds = Math.max(visibilityTimeoutSeconds * maxReceive, CENTRAL_DEFAULTS.alarmPeriodSeconds);
      this.errorQueueAlarm = queueAlarm('error_queue_alarm', {
        name: `${props.queueName}-errors-not-consumed`,
        description: `${errorQueueName} has held an error notification for over ${maxAgeSeconds} s: Firehose error output under ${this.errorOutputPrefix}/ is not reaching the SIEM`,
        queueName: errorQueueName,
        metricName: 'ApproximateAgeOfOldestMessage',
        threshold: maxAgeSeconds,
      });
    }

    if (props.siem) {
      const siemTrust = siemReaderTrustPolicy({ partition, siemAccountId: props.siem.accountId, externalId: props.siem.externalId });
      const siemRole = new PolicyRole(this, 'siem_reader', {
        partition,
        accountId,
        roleName: props.siem.roleName,
        description: 'The SIEM reads CloudWatch Logs objects announced on the notification queue',
        trustPolicy: props.siem.trustEcsTasks ? withEcsTasksTrust(siemTrust, { partition, region, accountId }) : siemTrust,
        policies: {
          'siem-reader': siemReaderPolicy({
            partition,
            region,
            accountId,
            queueName: props.queueName,
            bucketName: props.bucketName,
            prefix: this.prefix,
            deadLetterQueueName: dlqName,
            ...(errorNotifications ? { errorQueueName, errorOutputPrefix: this.errorOutputPrefix } : {}),
            kmsKeyArn: this.key.arn,
          }),
        },
      });
      this.siemRoleArn = siemRole.roleArn;
      this.siemRoleDependables.push(...siemRole.dependables);
    }
  }
}
