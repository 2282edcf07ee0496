import { STACK_OUTPUTS as O } from '../../collector/src/outputs/names';
import { configFromTerraform } from '../../collector/src/outputs/to-config';
import { collectorDeploys, DeployedPipeline } from '../../config/rules';
import { StackConfig, ToolkitConfig } from '../../config/types';
import { destinationArnOf } from '../../config/defaults';
import { firehoseStreamArn, iamRoleArn, iamUserArn, kinesisStreamArn, PARTITION_FACTS, sqsQueueArn } from '../../policies';

/**
 * The collector config of a path's deployed collector (`collector.deploy`), generated at synthesis
 * by the logic of `cwl-siem-collector config from-terraform` (collector/src/outputs/to-config.ts):
 * the stack's outputs, as they will be after apply, are built here from the config, and turned into a
 * collector config for the path's mode with the deploy block's sink. The task runs as the path's
 * collector role, so the config assumes no role; without a state table its state is a file store in
 * the task's writable volume.
 */

/** Where the deployed collector keeps its file state: the image's working directory, a writable volume in the task. */
export const COLLECTOR_STATE_DIR = '/var/lib/cwl-siem';

/** The URL SQS gives a queue (`GetQueueUrl`), which the stack outputs as `queue_url`. */
export const sqsQueueUrl = (stack: StackConfig, queueName: string): string =>
  `https://sqs.${stack.region}.${PARTITION_FACTS[stack.partition].dnsSuffix}/${stack.accountId}/${queueName}`;

/** The dead-letter queue CentralLogging puts behind the notification queue. */
export const deadLetterQueueName = (queueName: string): string => `${queueName}-dlq`;

/**
 * The outputs of a stack whose values follow from the config, by output name, equal to what
 * `terraform output` prints after apply. Left out: the outputs whose value AWS chooses (the central
 * KMS key's ARN) and the export key policy statements; the collector reads neither.
 */
export function stackOutputsAtSynth(stack: StackConfig): Record<string, string> {
  const { partition: p, region, accountId } = stack;
  const out: Record<string, string> = { [O.region]: region, [O.accountId]: accountId };
  const e = stack.export;
  if (e) {
    out[O.exportBucket] = e.bucketName;
    out[O.exportPrefix] = e.prefix.replace(/\/$/, '');
    if (e.collector) {
      out[O.exportCollectorArn] = e.collector.type === 'role' ? iamRoleArn(p, accountId, e.collector.roleName) : iamUserArn(p, accountId, e.collector.userName);
    }
    if (e.collector?.state) out[O.exportStateTableName] = e.collector.state.tableName;
  }
  const s = stack.exportSender;
  if (s) {
    out[O.exportBucket] = s.bucketName;
    out[O.exportPrefix] = s.prefix.replace(/\/$/, '');
    out[O.exportCollectorArn] = s.identity.type === 'role' ? iamRoleArn(p, accountId, s.identity.roleName) : iamUserArn(p, accountId, s.identity.userName);
    if (s.collector?.state) out[O.exportStateTableName] = s.collector.state.tableName;
  }
  const k = stack.kinesis;
  if (k) {
    out[O.kinesisStreamName] = k.streamName;
    out[O.kinesisStreamArn] = kinesisStreamArn(p, region, accountId, k.streamName);
    out[O.kinesisReaderRoleArn] = iamRoleArn(p, accountId, k.reader.roleName);
    if (k.collector?.state) out[O.kinesisStateTableName] = k.collector.state.tableName;
    const destination = destinationArnOf(stack);
    if (destination) out[O.logDestinationArn] = destination;
  }
  if (stack.destinationSender) out[O.subscriptionDestinationArn] = stack.destinationSender.destinationArn;
  const c = stack.central;
  if (c) {
    const prefix = c.prefix.replace(/\/$/, '');
    out[O.centralBucket] = c.bucketName;
    out[O.centralPrefix] = prefix;
    out[O.queueUrl] = sqsQueueUrl(stack, c.queueName);
    out[O.queueArn] = sqsQueueArn(p, region, accountId, c.queueName);
    out[O.deadLetterQueueUrl] = sqsQueueUrl(stack, deadLetterQueueName(c.queueName));
    if (c.errorNotifications) {
      out[O.errorQueueUrl] = sqsQueueUrl(stack, `${c.queueName}-errors`);
      out[O.errorQueueArn] = sqsQueueArn(p, region, accountId, `${c.queueName}-errors`);
    }
    if (c.siem) out[O.siemRoleArn] = iamRoleArn(p, accountId, c.siem.roleName);
  }
  const f = stack.firehose;
  if (f) {
    out[O.firehoseDeliveryStreamArn] = firehoseStreamArn(p, region, accountId, f.deliveryStreamName);
    out[O.firehosePrefix] = f.prefix;
    if (f.processing.extractMessages && f.subscription.logGroupNames?.length === 1) {
      out[O.firehoseLogGroup] = f.subscription.logGroupNames[0];
      out[O.firehoseLogStream] = f.deliveryStreamName;
    }
  }
  return out;
}

/**
 * The collector config JSON of one deployed path of a stack: `config from-terraform --mode <mode>
 * --sink-config <deploy.sink>` on the stack's outputs (for the SQS mode with the outputs of the
 * config's Firehose stacks delivering to its bucket, which name the events of extracted messages),
 * without `assumeRole`, and with a file state in {@link COLLECTOR_STATE_DIR} when the path has no
 * state table. The sink's `${NAME}` references stay as written: the task's secrets set them.
 * Throws when the stack does not deploy a collector on that path.
 */
export function collectorConfigJson(stack: StackConfig, toolkit: ToolkitConfig, pipeline: DeployedPipeline): string {
  const deployed = collectorDeploys(stack).find((d) => d.pipeline === pipeline);
  if (!deployed) throw new Error(`collectorConfigJson: stack ${stack.name} deploys no ${pipeline} collector`);
  const objectsFrom =
    pipeline === 'sqs'
      ? toolkit.stacks.filter((o) => o !== stack && o.firehose?.destination.bucketName === stack.central!.bucketName).map((o) => stackOutputsAtSynth(o))
      : undefined;
  const { config } = configFromTerraform(stackOutputsAtSynth(stack), {
    mode: pipeline,
    sinkConfig: deployed.deploy.sink,
    ...(objectsFrom?.length ? { objectsFrom } : {}),
  });
  // The task's own credentials are the path's collector role.
  delete (config.source as { assumeRole?: unknown }).assumeRole;
  if (config.state) delete (config.state as { assumeRole?: unknown }).assumeRole;
  const { source, state = { type: 'file', dir: COLLECTOR_STATE_DIR }, ...rest } = config;
  return JSON.stringify({ source, state, ...rest });
}
