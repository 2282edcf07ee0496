/**
 * The names of a cwl-siem toolkit stack's Terraform outputs: the one place they are spelled. The
 * toolkit declares them (modules/stacks/cwl-siem-stack.ts) and `config from-terraform` reads them
 * (outputs/to-config.ts), so renaming one renames both. It imports nothing: the toolkit imports it
 * from the collector workspace, whose image carries neither the toolkit nor cdktf.
 */
export const STACK_OUTPUTS = {
  region: 'region',
  accountId: 'account_id',
  exportBucket: 'export_bucket',
  exportPrefix: 'export_prefix',
  exportCollectorArn: 'export_collector_arn',
  exportKmsKeyPolicy: 'export_kms_key_policy',
  /** The DynamoDB table the export collector's replicas share (`export.collector.state` or `exportSender.collector.state`). */
  exportStateTableName: 'export_state_table_name',
  kinesisStreamName: 'kinesis_stream_name',
  kinesisStreamArn: 'kinesis_stream_arn',
  kinesisReaderRoleArn: 'kinesis_reader_role_arn',
  /** The DynamoDB table the Kinesis collector's replicas share (the toolkit's `kinesis.collector.state`). */
  kinesisStateTableName: 'kinesis_state_table_name',
  logDestinationArn: 'log_destination_arn',
  subscriptionDestinationArn: 'subscription_destination_arn',
  centralBucket: 'central_bucket',
  centralPrefix: 'central_prefix',
  centralKmsKeyArn: 'central_kms_key_arn',
  queueUrl: 'queue_url',
  queueArn: 'queue_arn',
  deadLetterQueueUrl: 'dead_letter_queue_url',
  errorQueueUrl: 'error_queue_url',
  errorQueueArn: 'error_queue_arn',
  siemRoleArn: 'siem_role_arn',
  firehoseDeliveryStreamArn: 'firehose_delivery_stream_arn',
  firehosePrefix: 'firehose_prefix',
  firehoseLogGroup: 'firehose_log_group',
  firehoseLogStream: 'firehose_log_stream',
  /** The collector the toolkit runs on ECS Fargate (a path's `collector.deploy`): its service, cluster, log group and dashboard. */
  collectorServiceName: 'collector_service_name',
  collectorClusterArn: 'collector_cluster_arn',
  collectorLogGroup: 'collector_log_group',
  collectorDashboardName: 'collector_dashboard_name',
} as const;

/** The name of one stack output. */
export type StackOutputName = (typeof STACK_OUTPUTS)[keyof typeof STACK_OUTPUTS];
