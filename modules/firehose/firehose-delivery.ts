import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { CloudwatchLogStream } from '@cdktf/provider-aws/lib/cloudwatch-log-stream';
import { KinesisFirehoseDeliveryStream } from '@cdktf/provider-aws/lib/kinesis-firehose-delivery-stream';
import { Construct } from 'constructs';
import { defaultCompression, defaultErrorLogGroupName, defaultFilterName, TOOLKIT_DEFAULTS } from '../../config/defaults';
import {
  cloudWatchLogsTrustPolicy,
  firehoseDeliveryRolePolicy,
  firehoseDeliveryTrustPolicy,
  firehoseStreamArn,
  InputCheck,
  logsToFirehosePolicy,
  Partition,
  s3BucketArn,
} from '../../policies';
import { PolicyRole } from '../iam/policy-role';
import { SubscriptionFilters } from '../logs/subscription-filters';
import { iamName } from '../names';
import { FIREHOSE_DEFAULTS } from './defaults';

export type FirehoseCompression = 'UNCOMPRESSED' | 'GZIP' | 'ZIP' | 'Snappy' | 'HADOOP_SNAPPY';

export interface FirehoseDeliveryProps {
  readonly partition: Partition;
  readonly region: string;
  /** The source account (this stack's). */
  readonly accountId: string;
  /** Prefix of generated role names; the delivery role is "<namePrefix>-firehose-<stream>". */
  readonly namePrefix: string;
  readonly deliveryStreamName: string;
  /** Destination bucket, possibly in another account (the central logging account). */
  readonly bucketName: string;
  /** Prefix of delivered objects, without trailing slash. */
  readonly prefix: string;
  /** Prefix of objects Firehose failed to process, without trailing slash. */
  readonly errorOutputPrefix: string;
  /** The bucket's KMS key, when its ARN is known. @default none */
  readonly bucketKmsKeyArn?: string;
  /** Or the bucket's KMS key by alias in its account (see firehoseDeliveryRolePolicy). @default none */
  readonly bucketKmsKeyAlias?: { readonly accountId: string; readonly aliasName: string };
  /** 1-128. @default 5 */
  readonly bufferingSizeMiB?: number;
  /** 0-900. @default 300 */
  readonly bufferingIntervalSeconds?: number;
  /** @default "GZIP" with decompression, "UNCOMPRESSED" without (records are gzip already) */
  readonly compression?: FirehoseCompression;
  /** Firehose gunzips the CloudWatch Logs records. @default false */
  readonly decompress?: boolean;
  /**
   * With decompress: keep only the log messages, drop the CloudWatch envelope (log group, stream,
   * owner). Then at most one log group may feed the stream, the one the collector names on its events.
   * @default false
   */
  readonly extractMessages?: boolean;
  /** @default "/aws/kinesisfirehose/<deliveryStreamName>" */
  readonly errorLogGroupName?: string;
  /** @default 14 */
  readonly errorLogRetentionDays?: number;
  /** Log groups of this account to subscribe, one filter each. @default none */
  readonly logGroupNames?: readonly string[];
  /** @default "<namePrefix>-firehose" */
  readonly filterName?: string;
  /** @default "" */
  readonly filterPattern?: string;
}

/**
 * Firehose path, source account: a delivery stream (encrypted, buffered) writing CloudWatch Logs
 * subscription data to a bucket, its delivery role and error log, the role CloudWatch Logs assumes
 * to put into it, and optional subscription filters.
 */
export class FirehoseDelivery extends Construct {
  readonly deliveryStream: KinesisFirehoseDeliveryStream;
  /** Resolved from the config. */
  readonly deliveryStreamArn: string;
  readonly deliveryRole: PolicyRole;
  /** The role CloudWatch Logs assumes to put records (filters, account policy). */
  readonly subscriptionRole: PolicyRole;
  readonly errorLogGroupName: string;

  constructor(scope: Construct, id: string, props: FirehoseDeliveryProps) {
    super(scope, id);
    const sizeMiB = props.bufferingSizeMiB ?? TOOLKIT_DEFAULTS.firehose.bufferingSizeMiB;
    const intervalSeconds = props.bufferingIntervalSeconds ?? TOOLKIT_DEFAULTS.firehose.bufferingIntervalSeconds;
    const decompress = props.decompress ?? TOOLKIT_DEFAULTS.firehose.decompress;
    const extract = props.extractMessages ?? TOOLKIT_DEFAULTS.firehose.extractMessages;
    const compression = props.compression ?? defaultCompression(decompress);
    const check = new InputCheck(`FirehoseDelivery ${this.node.path}`);
    check.deliveryStreamName('deliveryStreamName', props.deliveryStreamName);
    check.wholeNumber('bufferingSizeMiB', sizeMiB, 'whole MiB from 1 to 128', 1, 128);
    check.wholeNumber('bufferingIntervalSeconds', intervalSeconds, 'whole seconds from 0 to 900', 0, 900);
    check.require(!extract || decompress, 'extractMessages', extract, 'decompress: true as well (Firehose extracts messages only from decompressed records)');
    check.require(
      !extract || (props.logGroupNames?.length ?? 0) <= 1,
      'logGroupNames',
      props.logGroupNames,
      'at most one log group with extractMessages (extracted messages lose their log group and stream, so they cannot be told apart)',
    );
    check.require(
      !(decompress === false && compression !== 'UNCOMPRESSED'),
      'compression',
      compression,
      'UNCOMPRESSED without decompression: CloudWatch Logs records are gzip already, compressing again would nest gzip in gzip',
    );
    check.done();

    this.errorLogGroupName = props.errorLogGroupName ?? defaultErrorLogGroupName(props.deliveryStreamName);
    this.deliveryStreamArn = firehoseStreamArn(props.partition, props.region, props.accountId, props.deliveryStreamName);

    const errorGroup = new CloudwatchLogGroup(this, 'error_log_group', {
      name: this.errorLogGroupName,
      retentionInDays: props.errorLogRetentionDays ?? TOOLKIT_DEFAULTS.firehose.errorLogRetentionDays,
    });
    const errorStream = new CloudwatchLogStream(this, 'error_log_stream', { name: FIREHOSE_DEFAULTS.errorLogStreamName, logGroupName: errorGroup.name });

    this.deliveryRole = new PolicyRole(this, 'delivery_role', {
      partition: props.partition,
      accountId: props.accountId,
      roleName: iamName(`${props.namePrefix}-firehose-${props.deliveryStreamName}`),
      description: `Firehose ${props.deliveryStreamName} delivers to s3://${props.bucketName}/${props.prefix}/`,
      trustPolicy: firehoseDeliveryTrustPolicy({ partition: props.partition, accountId: props.accountId }),
      policies: {
        delivery: firehoseDeliveryRolePolicy({
          partition: props.partition,
          region: props.region,
          accountId: props.accountId,
          bucketName: props.bucketName,
          prefix: props.prefix,
          errorOutputPrefix: props.errorOutputPrefix,
          kmsKeyArn: props.bucketKmsKeyArn,
          kmsKeyAlias: props.bucketKmsKeyAlias,
          errorLogGroupName: this.errorLogGroupName,
          errorLogStreamName: FIREHOSE_DEFAULTS.errorLogStreamName,
        }),
      },
    });

    const processors = decompress
      ? [
          { type: 'Decompression', parameters: [{ parameterName: 'CompressionFormat', parameterValue: 'GZIP' }] },
          ...(extract ? [{ type: 'CloudWatchLogProcessing', parameters: [{ parameterName: 'DataMessageExtraction', parameterValue: 'true' }] }] : []),
        ]
      : [];
    this.deliveryStream = new KinesisFirehoseDeliveryStream(this, 'stream', {
      name: props.deliveryStreamName,
      destination: 'extended_s3',
      serverSideEncryption: { enabled: true, keyType: 'AWS_OWNED_CMK' },
      extendedS3Configuration: {
        roleArn: this.deliveryRole.roleArn,
        bucketArn: s3BucketArn(props.partition, props.bucketName),
        prefix: `${props.prefix}/`,
        errorOutputPrefix: `${props.errorOutputPrefix}/`,
        bufferingSize: sizeMiB,
        bufferingInterval: intervalSeconds,
        compressionFormat: compression,
        kmsKeyArn: props.bucketKmsKeyArn,
        cloudwatchLoggingOptions: { enabled: true, logGroupName: errorGroup.name, logStreamName: errorStream.name },
        processingConfiguration: processors.length ? { enabled: true, processors } : undefined,
      },
      dependsOn: this.deliveryRole.dependables,
    });

    this.subscriptionRole = new PolicyRole(this, 'subscription_role', {
      partition: props.partition,
      accountId: props.accountId,
      roleName: iamName(`${props.namePrefix}-cwl-to-firehose-${props.deliveryStreamName}`),
      description: `CloudWatch Logs puts subscription data into Firehose ${props.deliveryStreamName}`,
      trustPolicy: cloudWatchLogsTrustPolicy({ partition: props.partition, region: props.region, sourceAccountIds: [props.accountId] }),
      policies: {
        'put-records': logsToFirehosePolicy({
          partition: props.partition,
          region: props.region,
          accountId: props.accountId,
          deliveryStreamName: props.deliveryStreamName,
        }),
      },
    });

    if (props.logGroupNames?.length) {
      new SubscriptionFilters(this, 'subscriptions', {
        logGroupNames: props.logGroupNames,
        filterName: props.filterName ?? defaultFilterName(props.namePrefix, 'firehose'),
        filterPattern: props.filterPattern,
        destinationArn: this.deliveryStreamArn,
        roleArn: this.subscriptionRole.roleArn,
        dependsOn: [this.deliveryStream, ...this.subscriptionRole.dependables],
      });
    }
  }
}
