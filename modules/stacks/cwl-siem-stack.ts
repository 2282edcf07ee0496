import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import {
  CloudBackend,
  ITerraformDependable,
  LocalBackend,
  NamedCloudWorkspace,
  S3Backend,
  TaggedCloudWorkspaces,
  TerraformOutput,
  TerraformStack,
} from 'cdktf';
import { Construct } from 'constructs';
import { DeployedPipeline } from '../../config/rules';
import { CentralConfig, CollectorConfig, CollectorDeployConfig, StackConfig, ToolkitConfig } from '../../config/types';
import { ExportAccess } from '../../policies';
import { CentralLogging } from '../central/central-logging';
import { collectorConfigJson, deadLetterQueueName } from '../collector/collector-config';
import { CollectorAlarms, CollectorScaling, CollectorService } from '../collector/collector-service';
import { FirehoseDelivery } from '../firehose/firehose-delivery';
import { KinesisLogStream } from '../kinesis/log-stream';
import { AccountSubscriptionPolicy } from '../logs/account-subscription-policy';
import { LogDestination } from '../logs/log-destination';
import { DestinationSubscription } from '../logs/destination-subscription';
import { STACK_OUTPUTS as O, StackOutputName } from '../../collector/src/outputs/names';
import { collectorLogGroupName } from '../names';
import { ExportDestination, ExportSender } from '../s3/export-destination';
import { CollectorStateTable } from '../state/state-table';

export { collectorLogGroupName };

/**
 * One account/region role of the config: the provider (pinned to the account), the backend, the
 * constructs of each path the stack configures, and the outputs a collector reads (their names:
 * collector/src/outputs/names.ts, shared with `config from-terraform`).
 */
export class CwlSiemStack extends TerraformStack {
  readonly provider: AwsProvider;
  /** Output names, in the order they were added, for the summary. */
  readonly outputNames: string[] = [];

  constructor(scope: Construct, config: StackConfig, toolkit: ToolkitConfig) {
    super(scope, config.name);
    const { partition, region, accountId } = config;
    const { namePrefix } = toolkit;
    const tags = { ...toolkit.tags, ...config.tags, 'cwl-siem:stack': config.name };

    this.provider = new AwsProvider(this, 'aws', { region, allowedAccountIds: [accountId], defaultTags: [{ tags }] });
    this.configureBackend(config);
    this.output(O.region, region, 'Region of this stack');
    this.output(O.accountId, accountId, 'Account of this stack');

    if (config.export) {
      const e = config.export;
      const stateTable = this.stateTable('export_state', config, e.collector, e.kmsKeyArn);
      const access: ExportAccess =
        e.access.mode === 'same-account'
          ? { mode: 'same-account', accountId }
          : e.access.mode === 'cross-account-user'
            ? { mode: 'cross-account-user', sendingAccountId: e.access.sendingAccountId, userName: e.access.userName }
            : { mode: 'cross-account-role', sendingAccountId: e.access.sendingAccountId, roleName: e.access.roleName };
      const dest = new ExportDestination(this, 'export', {
        partition,
        region,
        accountId,
        bucketName: e.bucketName,
        prefix: e.prefix,
        access,
        expirationDays: e.expirationDays,
        versioning: e.versioning,
        kmsKeyArn: e.kmsKeyArn,
        collector: e.collector?.type === 'role' ? { ...e.collector, trustEcsTasks: e.collector.deploy !== undefined } : e.collector,
        stateTable,
      });
      this.output(O.exportBucket, e.bucketName, 'Bucket export tasks write to');
      this.output(O.exportPrefix, dest.prefix, 'Key prefix of the export tasks (destinationPrefix)');
      if (dest.collectorArn) this.output(O.exportCollectorArn, dest.collectorArn, 'Collector identity for export mode');
      if (stateTable) this.output(O.exportStateTableName, stateTable.tableName, "DynamoDB table of the export collector's state (leader lease, progress)");
      if (dest.keyPolicyStatements) {
        this.output(
          O.exportKmsKeyPolicy,
          dest.keyPolicyStatements,
          'Key policy grants to add to export.kmsKeyArn: export tasks write with the key, a cross-account sender reads with it',
        );
      }
      const deploy = e.collector?.deploy;
      if (deploy && dest.collectorArn) {
        this.collectorService(config, toolkit, 'export', deploy, {
          taskRoleArn: dest.collectorArn,
          dependsOn: [...dest.collectorDependables, ...(stateTable ? [stateTable.table] : [])],
          // Without the DynamoDB leader lease, one task exports at a time, never two during a deploy.
          stateTable: stateTable !== undefined,
        });
      }
    }

    if (config.exportSender) {
      const s = config.exportSender;
      // The bucket's key belongs to the bucket's account: the table uses the AWS managed key of this one.
      const stateTable = this.stateTable('export_sender_state', config, s.collector, undefined);
      const sender = new ExportSender(this, 'export_sender', {
        partition,
        region,
        accountId,
        bucketName: s.bucketName,
        prefix: s.prefix,
        identity: s.identity,
        bucketKmsKeyArn: s.bucketKmsKeyArn,
        stateTable,
      });
      this.output(O.exportBucket, s.bucketName, 'Bucket (in another account) export tasks write to');
      this.output(O.exportPrefix, sender.prefix, 'Key prefix of the export tasks (destinationPrefix)');
      this.output(O.exportCollectorArn, sender.arn, 'Collector identity for export mode');
      if (stateTable) this.output(O.exportStateTableName, stateTable.tableName, "DynamoDB table of the export collector's state (leader lease, progress)");
    }

    if (config.kinesis) {
      const k = config.kinesis;
      // One list for both halves: the destination policy admits these senders, the delivery role trusts them.
      const senderAccountIds = config.destination?.senderAccountIds;
      const stateTable = this.stateTable('kinesis_state', config, k.collector, k.kmsKeyArn);
      const stream = new KinesisLogStream(this, 'kinesis', {
        partition,
        region,
        accountId,
        namePrefix,
        streamName: k.streamName,
        capacity: k.capacity,
        retentionHours: k.retentionHours,
        kmsKeyArn: k.kmsKeyArn,
        senderAccountIds,
        logGroupNames: k.subscription.logGroupNames,
        filterName: k.subscription.filterName,
        filterPattern: k.subscription.filterPattern,
        reader: { ...k.reader, trustEcsTasks: k.collector?.deploy !== undefined },
        stateTable,
      });
      if (k.subscription.accountPolicy) {
        new AccountSubscriptionPolicy(this, 'kinesis_account_policy', {
          policyName: k.subscription.filterName,
          destinationArn: stream.streamArn,
          roleArn: stream.deliveryRole.roleArn,
          filterPattern: k.subscription.filterPattern,
          excludeLogGroupNames: [collectorLogGroupName(namePrefix), ...k.subscription.accountPolicy.excludeLogGroupNames],
          distribution: 'Random',
          dependsOn: [stream.stream, ...stream.deliveryRole.dependables],
        });
      }
      this.output(O.kinesisStreamName, stream.streamName, 'Kinesis stream the collector reads');
      this.output(O.kinesisStreamArn, stream.streamArn, 'Kinesis stream ARN');
      if (stream.readerRoleArn) this.output(O.kinesisReaderRoleArn, stream.readerRoleArn, 'Role the collector assumes to read the stream');
      if (stateTable) this.output(O.kinesisStateTableName, stateTable.tableName, "DynamoDB table of the Kinesis collector's leases and checkpoints");
      const deploy = k.collector?.deploy;
      if (deploy && stream.readerRoleArn) {
        this.collectorService(config, toolkit, 'kinesis', deploy, {
          taskRoleArn: stream.readerRoleArn,
          dependsOn: [stream.stream, ...stream.readerDependables, ...(stateTable ? [stateTable.table] : [])],
          stateTable: stateTable !== undefined,
          scaling: {
            kind: 'kinesis',
            streamName: stream.streamName,
            // A shard is leased to one task: more tasks than shards would wait.
            maxTasks: k.capacity.mode === 'provisioned' ? Math.min(k.capacity.shardCount, deploy.maxCount) : deploy.maxCount,
            iteratorAgeMs: deploy.scaling.iteratorAgeMs,
          },
          alarms: { kinesisStreamName: stream.streamName, iteratorAgeMs: deploy.alarms.iteratorAgeMs },
        });
      }

      if (config.destination && senderAccountIds) {
        const d = config.destination;
        const destination = new LogDestination(this, 'destination', {
          partition,
          region,
          accountId,
          destinationName: d.name,
          targetArn: stream.streamArn,
          roleArn: stream.deliveryRole.roleArn,
          senderAccountIds,
          organizationId: d.organizationId,
          dependsOn: [stream.stream, ...stream.deliveryRole.dependables],
        });
        this.output(O.logDestinationArn, destination.destinationArn, 'CloudWatch Logs destination sender accounts subscribe to');
      }
    }

    if (config.destinationSender) {
      const d = config.destinationSender;
      new DestinationSubscription(this, 'destination_sender', {
        partition,
        region,
        accountId,
        namePrefix,
        destinationArn: d.destinationArn,
        logGroupNames: d.subscription.logGroupNames,
        accountPolicy: d.subscription.accountPolicy,
        filterName: d.subscription.filterName,
        filterPattern: d.subscription.filterPattern,
      });
      this.output(
        O.subscriptionDestinationArn,
        d.destinationArn,
        "CloudWatch Logs destination (in the receiving account) this account's log groups subscribe to",
      );
    }

    if (config.central) {
      const c = config.central;
      const central = new CentralLogging(this, 'central', {
        partition,
        region,
        accountId,
        organizationId: c.organizationId,
        bucketName: c.bucketName,
        prefix: c.prefix,
        expirationDays: c.expirationDays,
        writerRoleNames: c.writerRoleNames,
        queueName: c.queueName,
        visibilityTimeoutSeconds: c.visibilityTimeoutSeconds,
        maxReceiveCount: c.maxReceiveCount,
        messageRetentionSeconds: c.messageRetentionSeconds,
        keyAlias: c.keyAlias,
        siem: c.siem && { ...c.siem, trustEcsTasks: c.collector?.deploy !== undefined },
        errorNotifications: c.errorNotifications,
        alarmTopicArn: c.alarmTopicArn,
      });
      this.output(O.centralBucket, c.bucketName, 'Central bucket Firehose delivers to');
      this.output(O.centralPrefix, central.prefix, 'Prefix of delivered objects');
      this.output(O.centralKmsKeyArn, central.key.arn, 'Central KMS key');
      this.output(O.queueUrl, central.queue.url, 'Queue of S3 ObjectCreated notifications the collector polls');
      this.output(O.queueArn, central.queueArn, 'Notification queue ARN');
      this.output(O.deadLetterQueueUrl, central.deadLetterQueue.url, 'Dead-letter queue of the notification queue (and of the errors queue)');
      if (central.errorQueue && central.errorQueueArn) {
        this.output(O.errorQueueUrl, central.errorQueue.url, 'Queue announcing Firehose error output (records Firehose could not deliver or process)');
        this.output(O.errorQueueArn, central.errorQueueArn, 'Errors queue ARN');
      }
      if (central.siemRoleArn) this.output(O.siemRoleArn, central.siemRoleArn, 'Role the SIEM assumes (with the external id)');
      const deploy = c.collector?.deploy;
      if (deploy && central.siemRoleArn) {
        this.collectorService(config, toolkit, 'sqs', deploy, {
          taskRoleArn: central.siemRoleArn,
          dependsOn: [central.queue, ...central.siemRoleDependables],
          // The queue is the state of the SQS mode: tasks compete for messages.
          stateTable: true,
          scaling: { kind: 'sqs', queueName: c.queueName, backlogPerTask: deploy.scaling.backlogPerTask },
          alarms: {
            queueName: c.queueName,
            deadLetterQueueName: deadLetterQueueName(c.queueName),
            // CentralLogging's own `<queue>-dlq-not-empty` alarm watches it; the dashboard graphs it.
            deadLetterQueueAlarmed: true,
            oldestMessageAgeSeconds: deploy.alarms.oldestMessageAgeSeconds,
            // A delivery stream of this stack feeding the central bucket: stuck delivery is missing data too.
            firehoseDeliveryStreamNames: config.firehose?.destination.bucketName === c.bucketName ? [config.firehose.deliveryStreamName] : undefined,
          },
        });
      }
    }

    if (config.firehose) {
      const f = config.firehose;
      const central = findCentral(toolkit, f.destination.bucketName);
      const delivery = new FirehoseDelivery(this, 'firehose', {
        partition,
        region,
        accountId,
        namePrefix,
        deliveryStreamName: f.deliveryStreamName,
        bucketName: f.destination.bucketName,
        prefix: f.prefix,
        errorOutputPrefix: f.errorOutputPrefix,
        bucketKmsKeyArn: f.destination.kmsKeyArn,
        bucketKmsKeyAlias: !f.destination.kmsKeyArn && central ? { accountId: central.stack.accountId, aliasName: central.central.keyAlias } : undefined,
        bufferingSizeMiB: f.bufferingSizeMiB,
        bufferingIntervalSeconds: f.bufferingIntervalSeconds,
        compression: f.compression,
        decompress: f.processing.decompress,
        extractMessages: f.processing.extractMessages,
        errorLogGroupName: f.errorLogGroupName,
        errorLogRetentionDays: f.errorLogRetentionDays,
        logGroupNames: f.subscription.logGroupNames,
        filterName: f.subscription.filterName,
        filterPattern: f.subscription.filterPattern,
      });
      if (f.subscription.accountPolicy) {
        new AccountSubscriptionPolicy(this, 'firehose_account_policy', {
          policyName: f.subscription.filterName,
          destinationArn: delivery.deliveryStreamArn,
          roleArn: delivery.subscriptionRole.roleArn,
          filterPattern: f.subscription.filterPattern,
          excludeLogGroupNames: [delivery.errorLogGroupName, collectorLogGroupName(namePrefix), ...f.subscription.accountPolicy.excludeLogGroupNames],
          dependsOn: [delivery.deliveryStream, ...delivery.subscriptionRole.dependables],
        });
      }
      this.output(O.firehoseDeliveryStreamArn, delivery.deliveryStreamArn, 'Firehose delivery stream');
      this.output(O.firehosePrefix, f.prefix, 'Prefix this account delivers under in the central bucket');
      if (f.processing.extractMessages && f.subscription.logGroupNames?.length === 1) {
        // Extracted messages carry no envelope: the collector stamps these on the events of this prefix.
        this.output(O.firehoseLogGroup, f.subscription.logGroupNames[0], 'The one log group whose extracted messages this account delivers');
        this.output(O.firehoseLogStream, f.deliveryStreamName, 'Log stream named on extracted messages (they carry none): the delivery stream');
      }
    }
  }

  /** The state table a path's collector block asks for, encrypted with the path's key when it has one. */
  private stateTable(id: string, config: StackConfig, collector: CollectorConfig | undefined, kmsKeyArn: string | undefined): CollectorStateTable | undefined {
    const state = collector?.state;
    if (!state) return undefined;
    return new CollectorStateTable(this, id, {
      partition: config.partition,
      region: config.region,
      accountId: config.accountId,
      tableName: state.tableName,
      kmsKeyArn,
      deletionProtection: state.deletionProtection,
      pointInTimeRecovery: state.pointInTimeRecovery,
    });
  }

  /**
   * The collector of one path on ECS Fargate (`collector.deploy`), running as the path's collector role
   * with the collector config generated from this config, and the outputs naming it.
   */
  private collectorService(
    config: StackConfig,
    toolkit: ToolkitConfig,
    pipeline: DeployedPipeline,
    deploy: CollectorDeployConfig,
    path: {
      readonly taskRoleArn: string;
      readonly dependsOn: ITerraformDependable[];
      /** Whether the tasks share their state (a DynamoDB table, or the SQS queue) rather than keep it in files. */
      readonly stateTable: boolean;
      readonly scaling?: CollectorScaling;
      readonly alarms?: Omit<CollectorAlarms, 'topicArn'>;
    },
  ): void {
    const { image } = deploy;
    const service = new CollectorService(this, `${pipeline}_collector`, {
      partition: config.partition,
      region: config.region,
      accountId: config.accountId,
      namePrefix: toolkit.namePrefix,
      pipeline,
      image: image.digest !== undefined ? `${image.repository}@${image.digest}` : `${image.repository}:${image.tag!}`,
      cpu: deploy.cpu,
      memoryMiB: deploy.memoryMiB,
      desiredCount: deploy.desiredCount,
      minCount: deploy.minCount,
      maxCount: deploy.maxCount,
      subnetIds: deploy.network.subnetIds,
      securityGroupIds: deploy.network.securityGroupIds,
      vpcId: deploy.network.vpcId,
      assignPublicIp: deploy.network.assignPublicIp,
      clusterArn: deploy.clusterArn,
      taskRoleArn: path.taskRoleArn,
      collectorConfigJson: collectorConfigJson(config, toolkit, pipeline),
      secrets: deploy.secrets,
      secretsKmsKeyArn: deploy.secretsKmsKeyArn,
      fileState: !path.stateTable,
      singleton: pipeline === 'export' && !path.stateTable,
      logRetentionDays: deploy.logRetentionDays,
      // No logKmsKeyArn: no path key is known to let CloudWatch Logs use it, so the log group keeps CloudWatch's own encryption.
      scaling: deploy.maxCount > deploy.minCount ? path.scaling : undefined,
      alarms: { topicArn: deploy.alarms.topicArn, ...path.alarms },
      dependsOn: path.dependsOn,
    });
    this.output(O.collectorServiceName, service.serviceName, `ECS service of the ${pipeline} collector`);
    this.output(O.collectorClusterArn, service.clusterArn, 'ECS cluster the collector runs in');
    this.output(O.collectorLogGroup, service.logGroupName, "The collector's own log group (never subscribed)");
    this.output(O.collectorDashboardName, service.dashboardName, "CloudWatch dashboard of the collector's pipeline");
  }

  private output(name: StackOutputName, value: string, description: string): void {
    new TerraformOutput(this, name, { value, description });
    this.outputNames.push(name);
  }

  private configureBackend(config: StackConfig): void {
    const b = config.backend;
    switch (b.type) {
      case 'local':
        new LocalBackend(this, { path: b.path ?? `terraform.${config.name}.tfstate` });
        break;
      case 's3':
        new S3Backend(this, { bucket: b.bucket, key: b.key, region: b.region, dynamodbTable: b.dynamodbTable, encrypt: b.encrypt });
        // CDKTF 0.21 predates use_lockfile (Terraform 1.10); it is a plain backend argument.
        if (b.useLockfile) this.addOverride('terraform.backend.s3.use_lockfile', true);
        break;
      case 'cloud':
        new CloudBackend(this, {
          organization: b.organization,
          hostname: b.hostname,
          workspaces: 'name' in b.workspaces ? new NamedCloudWorkspace(b.workspaces.name) : new TaggedCloudWorkspaces([...b.workspaces.tags]),
        });
        break;
    }
  }
}

/** The config's central stack that owns a bucket, when the same config describes it. */
function findCentral(toolkit: ToolkitConfig, bucketName: string): { stack: StackConfig; central: CentralConfig } | undefined {
  const stack = toolkit.stacks.find((s) => s.central?.bucketName === bucketName);
  return stack?.central ? { stack, central: stack.central } : undefined;
}
