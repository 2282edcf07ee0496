import { AppautoscalingPolicy } from '@cdktf/provider-aws/lib/appautoscaling-policy';
import { AppautoscalingTarget } from '@cdktf/provider-aws/lib/appautoscaling-target';
import { CloudwatchDashboard } from '@cdktf/provider-aws/lib/cloudwatch-dashboard';
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { CloudwatchMetricAlarm, CloudwatchMetricAlarmConfig } from '@cdktf/provider-aws/lib/cloudwatch-metric-alarm';
import { EcsCluster } from '@cdktf/provider-aws/lib/ecs-cluster';
import { EcsService } from '@cdktf/provider-aws/lib/ecs-service';
import { EcsTaskDefinition } from '@cdktf/provider-aws/lib/ecs-task-definition';
import { SecurityGroup } from '@cdktf/provider-aws/lib/security-group';
import { ITerraformDependable, Token } from 'cdktf';
import { Construct } from 'constructs';
import { TOOLKIT_DEFAULTS } from '../../config/defaults';
import { FARGATE_MEMORY_MIB } from '../../config/rules';
import { LOG_RETENTION_DAYS } from '../../config/schema';
import { collectorExecutionPolicy, ecsTasksTrustPolicy, InputCheck, parseImageReference, parseSecretArn, Partition } from '../../policies';
import { PolicyRole } from '../iam/policy-role';
import { collectorLogGroupName, iamName, logicalId } from '../names';
import { COLLECTOR_SERVICE_DEFAULTS as D } from './defaults';

export type CollectorPipeline = 'kinesis' | 'sqs' | 'export';

/** Scale on the SQS backlog per running task, or on the Kinesis iterator age (never past one task per shard). */
export type CollectorScaling =
  | { readonly kind: 'sqs'; readonly queueName: string; readonly backlogPerTask: number }
  | { readonly kind: 'kinesis'; readonly streamName: string; readonly maxTasks: number; readonly iteratorAgeMs: number };

/** The alarms to create: fewer running tasks than expected always, each other one when what it watches is named. */
export interface CollectorAlarms {
  /** SNS topic notified when an alarm fires and when it clears. @default none (the alarms only change state) */
  readonly topicArn?: string;
  /** Alarm when its oldest unread record is older than `iteratorAgeMs`. @default the stream of `scaling`, else no Kinesis alarm */
  readonly kinesisStreamName?: string;
  /** @default TOOLKIT_DEFAULTS.collectorDeploy.iteratorAgeAlarmMs (60000) */
  readonly iteratorAgeMs?: number;
  /** Alarm when its oldest message is older than `oldestMessageAgeSeconds`. @default the queue of `scaling`, else no SQS alarm */
  readonly queueName?: string;
  /** Alarm as soon as it holds a message (a notification the collector could not process), and graph it. @default no DLQ alarm */
  readonly deadLetterQueueName?: string;
  /** Graph `deadLetterQueueName` without an alarm of its own: another alarm (the central path's) already watches it. @default false */
  readonly deadLetterQueueAlarmed?: boolean;
  /** @default TOOLKIT_DEFAULTS.collectorDeploy.oldestMessageAgeAlarmSeconds (900) */
  readonly oldestMessageAgeSeconds?: number;
  /**
   * Delivery streams of this account and region feeding the pipeline: alarm when their oldest
   * undelivered data (DeliveryToS3.DataFreshness) is older than 30 minutes.
   * @default none
   */
  readonly firehoseDeliveryStreamNames?: readonly string[];
}

export interface CollectorServiceProps {
  readonly partition: Partition;
  readonly region: string;
  /** The stack's account: of the service, its roles and its log group. */
  readonly accountId: string;
  /** Prefix of every name: cluster and service `<namePrefix>-collector`, log group `/<namePrefix>/collector`. */
  readonly namePrefix: string;
  /** The collector mode the config runs; export cannot autoscale (one task exports at a time). */
  readonly pipeline: CollectorPipeline;
  /** Full image reference, `<repository>:<tag>` or `<repository>@sha256:<64 hex>`, built for linux/amd64. */
  readonly image: string;
  /** Fargate CPU units: 256, 512, 1024, 2048 or 4096. @default 512 */
  readonly cpu?: number;
  /** One of the sizes Fargate allows for `cpu`. @default 1024 */
  readonly memoryMiB?: number;
  /** Tasks started on deploy (the first deploy only, with autoscaling). @default 1 */
  readonly desiredCount?: number;
  /** Fewest tasks autoscaling leaves. @default 1 */
  readonly minCount?: number;
  /** Most tasks autoscaling starts; autoscaling only when above `minCount`. @default desiredCount */
  readonly maxCount?: number;
  /** Subnets of the tasks (at least one); they need a route to AWS APIs and to the sink. */
  readonly subnetIds: readonly string[];
  /** Existing security groups of the tasks; exactly one of this and `vpcId`. */
  readonly securityGroupIds?: readonly string[];
  /** Create an egress-only security group `<namePrefix>-collector` in this VPC; exactly one of this and `securityGroupIds`. */
  readonly vpcId?: string;
  /** A public IP per task (public subnets without a NAT gateway). @default false */
  readonly assignPublicIp?: boolean;
  /** An existing cluster of this account and region (with Container Insights for the running-task metric). @default a cluster `<namePrefix>-collector` */
  readonly clusterArn?: string;
  /** The task role: the path's collector identity, trusted by `ecs-tasks.amazonaws.com`. */
  readonly taskRoleArn: string;
  /** The whole collector config, as literal JSON; its `${NAME}` references are set by `secrets`. */
  readonly collectorConfigJson: string;
  /** Environment variable → ARN of a Secrets Manager secret or SSM parameter (never a value). @default none */
  readonly secrets?: Readonly<Record<string, string>>;
  /** Customer managed key of the secrets: the execution role may decrypt with it through Secrets Manager and SSM. @default none */
  readonly secretsKmsKeyArn?: string;
  /**
   * The config keeps its state in files under /var/lib/cwl-siem: one task only (tasks do not share
   * their storage). Task storage is lost when a task is replaced. The root file system is read-only
   * either way; /var/lib/cwl-siem is always writable (dead letters are written there).
   */
  readonly fileState: boolean;
  /** Exactly one task, stopped before its replacement starts (export without a DynamoDB leader lease). */
  readonly singleton: boolean;
  /** Retention of `/<namePrefix>/collector`. @default 30 */
  readonly logRetentionDays?: number;
  /** Customer managed key of the log group (its key policy must let CloudWatch Logs use it). @default none */
  readonly logKmsKeyArn?: string;
  /** How to autoscale when `maxCount` is above `minCount` (required then). @default none */
  readonly scaling?: CollectorScaling;
  /** @default none: no alarms */
  readonly alarms?: CollectorAlarms;
  /**
   * What the tasks need before they start and Terraform cannot see through literal ARNs: the task
   * role and its policies, the state table. The task definition depends on them.
   * @default none
   */
  readonly dependsOn?: readonly ITerraformDependable[];
}

/**
 * The collector on ECS Fargate: a cluster (or an existing one), a task definition of one non-root
 * container with a read-only root file system, a service with the deployment circuit breaker and
 * rollback, its log group, its execution role, an egress-only security group (with `vpcId`),
 * autoscaling (SQS backlog per task, Kinesis iterator age), alarms and a dashboard.
 */
export class CollectorService extends Construct {
  /** The cluster the service runs in (created or given), resolved from its name. */
  readonly clusterArn: string;
  readonly clusterName: string;
  readonly serviceName: string;
  /** The current revision, known after apply. */
  readonly taskDefinitionArn: string;
  readonly executionRoleArn: string;
  readonly logGroupName: string;
  /** The security group created with `vpcId`, known after apply. */
  readonly securityGroupId?: string;
  readonly dashboardName: string;
  /** Names of the alarms created. */
  readonly alarmNames: readonly string[];
  readonly taskDefinition: EcsTaskDefinition;
  readonly service: EcsService;

  constructor(scope: Construct, id: string, props: CollectorServiceProps) {
    super(scope, id);
    const p = checkProps(`CollectorService ${this.node.path}`, props);
    const names = {
      cluster: p.cluster?.name ?? `${props.namePrefix}-collector`,
      service: `${props.namePrefix}-collector`,
      executionRole: iamName(`${props.namePrefix}-collector-execution`),
      logGroup: collectorLogGroupName(props.namePrefix),
    };
    this.clusterName = names.cluster;
    this.clusterArn = props.clusterArn ?? `arn:${props.partition}:ecs:${props.region}:${props.accountId}:cluster/${names.cluster}`;
    this.serviceName = names.service;
    this.logGroupName = names.logGroup;
    this.dashboardName = `${props.namePrefix}-collector`;

    const cluster =
      props.clusterArn === undefined
        ? new EcsCluster(this, 'cluster', { name: names.cluster, setting: [{ name: 'containerInsights', value: 'enabled' }] })
        : undefined;

    const logGroup = new CloudwatchLogGroup(this, 'log_group', {
      name: names.logGroup,
      retentionInDays: p.logRetentionDays,
      kmsKeyId: props.logKmsKeyArn,
    });

    const secretEntries = Object.entries(props.secrets ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const executionRole = new PolicyRole(this, 'execution_role', {
      partition: props.partition,
      accountId: props.accountId,
      roleName: names.executionRole,
      description: `ECS starts the cwl-siem collector of ${props.namePrefix}: image pull, its log group, its secrets`,
      trustPolicy: ecsTasksTrustPolicy({ partition: props.partition, accountId: props.accountId }),
      policies: {
        'collector-execution': collectorExecutionPolicy({
          partition: props.partition,
          region: props.region,
          accountId: props.accountId,
          logGroupName: names.logGroup,
          image: props.image,
          secretArns: secretEntries.map(([, arn]) => arn),
          secretsKmsKeyArn: props.secretsKmsKeyArn,
        }),
      },
    });
    this.executionRoleArn = executionRole.roleArn;

    const containerDefinitions = collectorContainerDefinitions({
      image: props.image,
      region: props.region,
      logGroupName: names.logGroup,
      collectorConfigJson: props.collectorConfigJson,
      secrets: Object.fromEntries(secretEntries),
      opsPort: p.opsPort,
      stopTimeoutSeconds: p.stopTimeoutSeconds,
    });
    this.taskDefinition = new EcsTaskDefinition(this, 'task', {
      family: names.service,
      requiresCompatibilities: ['FARGATE'],
      networkMode: 'awsvpc',
      cpu: String(p.cpu),
      memory: String(p.memoryMiB),
      runtimePlatform: { operatingSystemFamily: 'LINUX', cpuArchitecture: D.cpuArchitecture },
      executionRoleArn: executionRole.roleArn,
      taskRoleArn: props.taskRoleArn,
      containerDefinitions: terraformLiteral(JSON.stringify(containerDefinitions)),
      volume: [{ name: D.dataVolumeName }],
      // The ARNs are literal: without these, tasks could start before their roles, policies and log group exist.
      dependsOn: [...executionRole.dependables, logGroup, ...(props.dependsOn ?? [])],
    });
    this.taskDefinitionArn = this.taskDefinition.arn;

    let securityGroups = props.securityGroupIds ? [...props.securityGroupIds] : [];
    if (props.vpcId !== undefined) {
      const group = new SecurityGroup(this, 'security_group', {
        name: `${props.namePrefix}-collector`,
        description: 'cwl-siem collector tasks: no inbound, all outbound (AWS APIs and the sink)',
        vpcId: props.vpcId,
        ingress: [],
        egress: [
          {
            description: 'AWS APIs over HTTPS and the sink on whatever port and protocol it listens',
            protocol: '-1',
            fromPort: 0,
            toPort: 0,
            cidrBlocks: ['0.0.0.0/0'],
            ipv6CidrBlocks: ['::/0'],
          },
        ],
      });
      this.securityGroupId = group.id;
      securityGroups = [group.id];
    }

    const deployment = props.singleton ? D.deployment.singleton : D.deployment.rolling;
    this.service = new EcsService(this, 'service', {
      name: names.service,
      cluster: cluster?.arn ?? this.clusterArn,
      taskDefinition: this.taskDefinition.arn,
      launchType: 'FARGATE',
      desiredCount: p.desiredCount,
      networkConfiguration: {
        subnets: [...props.subnetIds],
        securityGroups,
        assignPublicIp: props.assignPublicIp ?? TOOLKIT_DEFAULTS.collectorDeploy.assignPublicIp,
      },
      deploymentCircuitBreaker: { enable: true, rollback: true },
      deploymentMinimumHealthyPercent: deployment.minimumHealthyPercent,
      deploymentMaximumPercent: deployment.maximumPercent,
      enableExecuteCommand: false,
      enableEcsManagedTags: true,
      propagateTags: 'SERVICE',
      waitForSteadyState: false,
      // Autoscaling owns the task count once it is on: a plan must not set it back.
      lifecycle: p.autoscaling ? { ignoreChanges: ['desired_count'] } : undefined,
    });

    if (p.autoscaling) {
      const target = new AppautoscalingTarget(this, 'scaling_target', {
        serviceNamespace: 'ecs',
        scalableDimension: 'ecs:service:DesiredCount',
        resourceId: `service/${names.cluster}/${names.service}`,
        minCapacity: p.minCount,
        maxCapacity: p.autoscaling.maxCapacity,
        dependsOn: [this.service],
      });
      const scaling = p.autoscaling.scaling;
      new AppautoscalingPolicy(this, 'scaling_policy', {
        name: `${names.service}-${scaling.kind === 'sqs' ? 'backlog-per-task' : 'iterator-age'}`,
        policyType: 'TargetTrackingScaling',
        serviceNamespace: target.serviceNamespace,
        scalableDimension: target.scalableDimension,
        resourceId: target.resourceId,
        targetTrackingScalingPolicyConfiguration: {
          scaleOutCooldown: D.scaling.scaleOutCooldownSeconds,
          scaleInCooldown: D.scaling.scaleInCooldownSeconds,
          ...(scaling.kind === 'sqs'
            ? {
                targetValue: scaling.backlogPerTask,
                customizedMetricSpecification: {
                  metrics: [
                    {
                      id: 'visible',
                      label: 'Messages visible',
                      returnData: false,
                      metricStat: {
                        stat: 'Sum',
                        metric: {
                          namespace: 'AWS/SQS',
                          metricName: 'ApproximateNumberOfMessagesVisible',
                          dimensions: [{ name: 'QueueName', value: scaling.queueName }],
                        },
                      },
                    },
                    {
                      id: 'tasks',
                      label: 'Running tasks',
                      returnData: false,
                      metricStat: {
                        stat: 'Average',
                        metric: {
                          namespace: 'ECS/ContainerInsights',
                          metricName: 'RunningTaskCount',
                          dimensions: [
                            { name: 'ClusterName', value: names.cluster },
                            { name: 'ServiceName', value: names.service },
                          ],
                        },
                      },
                    },
                    { id: 'backlog', label: 'Backlog per task', expression: 'visible / tasks', returnData: true },
                  ],
                },
              }
            : {
                targetValue: scaling.iteratorAgeMs,
                customizedMetricSpecification: {
                  namespace: 'AWS/Kinesis',
                  metricName: 'GetRecords.IteratorAgeMilliseconds',
                  statistic: 'Maximum',
                  dimensions: [{ name: 'StreamName', value: scaling.streamName }],
                },
              }),
        },
      });
    }

    const monitored: DashboardInput = {
      region: props.region,
      clusterName: names.cluster,
      serviceName: names.service,
      minRunningTasks: p.autoscaling ? p.minCount : p.desiredCount,
      kinesisStreamName: props.alarms?.kinesisStreamName ?? (props.scaling?.kind === 'kinesis' ? props.scaling.streamName : undefined),
      iteratorAgeMs: p.iteratorAgeMs,
      queueName: props.alarms?.queueName ?? (props.scaling?.kind === 'sqs' ? props.scaling.queueName : undefined),
      oldestMessageAgeSeconds: p.oldestMessageAgeSeconds,
      deadLetterQueueName: props.alarms?.deadLetterQueueName,
      deadLetterAlarm: props.alarms?.deadLetterQueueAlarmed !== true,
      firehoseDeliveryStreamNames: props.alarms?.firehoseDeliveryStreamNames ?? [],
      firehoseFreshnessSeconds: D.alarms.firehoseFreshnessSeconds,
    };
    const alarms = props.alarms ? collectorAlarms(props.namePrefix, monitored) : [];
    const actions = props.alarms?.topicArn === undefined ? {} : { alarmActions: [props.alarms.topicArn], okActions: [props.alarms.topicArn] };
    for (const alarm of alarms) new CloudwatchMetricAlarm(this, logicalId('alarm', alarm.alarmName), { ...alarm, ...actions });
    this.alarmNames = alarms.map((a) => a.alarmName);

    new CloudwatchDashboard(this, 'dashboard', { dashboardName: this.dashboardName, dashboardBody: collectorDashboardBody(monitored) });
  }
}

// ---------------------------------------------------------------------------------------------------
// Props.

interface CheckedProps {
  readonly cpu: number;
  readonly memoryMiB: number;
  readonly desiredCount: number;
  readonly minCount: number;
  readonly logRetentionDays: number;
  readonly cluster?: { readonly name: string };
  readonly opsPort: number;
  readonly stopTimeoutSeconds: number;
  readonly iteratorAgeMs: number;
  readonly oldestMessageAgeSeconds: number;
  readonly autoscaling?: { readonly scaling: CollectorScaling; readonly maxCapacity: number };
}

const NAME_PREFIX = /^[a-z][a-z0-9-]{0,31}$/;
const SUBNET_ID = /^subnet-([0-9a-f]{8}|[0-9a-f]{17})$/;
const SECURITY_GROUP_ID = /^sg-([0-9a-f]{8}|[0-9a-f]{17})$/;
const VPC_ID = /^vpc-([0-9a-f]{8}|[0-9a-f]{17})$/;
/** A container environment variable the config may refer to; `CWL_SIEM_` is the collector's own. */
const SECRET_ENV_NAME = /^(?!CWL_SIEM_)[A-Za-z_][A-Za-z0-9_]*$/;

/** Checks every prop together and throws one error listing each problem. */
function checkProps(fn: string, props: CollectorServiceProps): CheckedProps {
  const check = new InputCheck(fn);
  const partition = check.partition('partition', props.partition);
  const region = check.region('region', props.region, partition);
  const account = check.accountId('accountId', props.accountId);
  const is = (param: string, value: unknown, pattern: RegExp, expected: string): boolean => {
    const ok = typeof value === 'string' && pattern.test(value);
    check.require(ok, param, value, expected);
    return ok;
  };
  is('namePrefix', props.namePrefix, NAME_PREFIX, '1-32 lowercase letters, digits and hyphens, starting with a letter');
  check.require(['kinesis', 'sqs', 'export'].includes(props.pipeline), 'pipeline', props.pipeline, 'one of kinesis, sqs, export');
  check.require(
    typeof props.image === 'string' && parseImageReference(props.image) !== undefined,
    'image',
    props.image,
    'a full image reference with exactly one of tag and digest, such as 111122223333.dkr.ecr.us-east-1.amazonaws.com/cwl-siem-collector:1.4.0',
  );

  const defaults = TOOLKIT_DEFAULTS.collectorDeploy;
  const cpu = props.cpu ?? defaults.cpu;
  const memoryMiB = props.memoryMiB ?? defaults.memoryMiB;
  const sizes = (FARGATE_MEMORY_MIB as Readonly<Record<number, { values: readonly number[]; words: string } | undefined>>)[cpu];
  check.require(sizes !== undefined, 'cpu', cpu, `Fargate CPU units: one of ${Object.keys(FARGATE_MEMORY_MIB).join(', ')}`);
  if (sizes) check.require(sizes.values.includes(memoryMiB), 'memoryMiB', memoryMiB, `for ${cpu} CPU units, ${sizes.words} MiB`);

  const desiredCount = props.desiredCount ?? defaults.desiredCount;
  const minCount = props.minCount ?? defaults.minCount;
  const maxCount = props.maxCount ?? desiredCount;
  check.wholeNumber('desiredCount', desiredCount, 'a whole number of tasks from 1 to 1000', 1, 1000);
  check.wholeNumber('minCount', minCount, 'a whole number of tasks from 1 to 1000', 1, 1000);
  check.wholeNumber('maxCount', maxCount, 'a whole number of tasks from 1 to 1000', 1, 1000);
  check.require(minCount <= desiredCount && desiredCount <= maxCount, 'desiredCount', desiredCount, `from minCount (${minCount}) to maxCount (${maxCount})`);
  if (props.singleton) {
    check.require(desiredCount === 1 && maxCount === 1, 'singleton', true, `one task: desiredCount and maxCount 1 (got ${desiredCount} and ${maxCount})`);
  }
  if (props.fileState) {
    check.require(maxCount === 1, 'fileState', true, `one task (tasks do not share their storage): maxCount 1, got ${maxCount}`);
  }

  const scaling = props.scaling;
  let autoscaling: CheckedProps['autoscaling'];
  if (scaling !== undefined) {
    const matches = (scaling.kind === 'sqs' && props.pipeline === 'sqs') || (scaling.kind === 'kinesis' && props.pipeline === 'kinesis');
    check.require(
      matches,
      'scaling.kind',
      scaling.kind,
      props.pipeline === 'export' ? 'none: one export task runs at a time, more tasks only wait' : `"${props.pipeline}", the pipeline's`,
    );
    if (scaling.kind === 'sqs') {
      check.queueName('scaling.queueName', scaling.queueName);
      check.wholeNumber('scaling.backlogPerTask', scaling.backlogPerTask, 'a whole number of messages per task, at least 1', 1);
    } else if (scaling.kind === 'kinesis') {
      check.streamName('scaling.streamName', scaling.streamName);
      check.wholeNumber('scaling.maxTasks', scaling.maxTasks, 'a whole number of tasks (the shard count), at least 1', 1);
      check.wholeNumber('scaling.iteratorAgeMs', scaling.iteratorAgeMs, 'whole milliseconds, at least 1000', 1000);
      // A task beyond one per shard holds no lease: it only waits, paid for and idle.
      check.require(
        !(scaling.maxTasks >= 1) || (minCount <= scaling.maxTasks && desiredCount <= scaling.maxTasks),
        'scaling.maxTasks',
        scaling.maxTasks,
        `at least minCount and desiredCount (${minCount}, ${desiredCount}): never more tasks than shards`,
      );
    } else {
      check.require(false, 'scaling.kind', (scaling as { kind: unknown }).kind, 'sqs or kinesis');
    }
    const maxCapacity = scaling.kind === 'kinesis' ? Math.min(maxCount, scaling.maxTasks) : maxCount;
    if (matches && maxCapacity > minCount) autoscaling = { scaling, maxCapacity };
  } else {
    check.require(maxCount <= minCount, 'scaling', undefined, `a scaling target: maxCount (${maxCount}) is above minCount (${minCount})`);
  }

  check.list('subnetIds', props.subnetIds, (param, v) => is(param, v, SUBNET_ID, 'a subnet id such as subnet-0123456789abcdef0'));
  check.require(
    (props.securityGroupIds === undefined) !== (props.vpcId === undefined),
    'securityGroupIds',
    props.securityGroupIds,
    'exactly one of securityGroupIds (existing groups) and vpcId (an egress-only group created in that VPC)',
  );
  if (props.securityGroupIds !== undefined) {
    check.list('securityGroupIds', props.securityGroupIds, (param, v) => is(param, v, SECURITY_GROUP_ID, 'a security group id such as sg-0123456789abcdef0'));
  }
  if (props.vpcId !== undefined) is('vpcId', props.vpcId, VPC_ID, 'a VPC id such as vpc-0123456789abcdef0');

  let cluster: CheckedProps['cluster'];
  if (props.clusterArn !== undefined) {
    const m = /^arn:([\w-]+):ecs:([a-z0-9-]+):(\d{12}):cluster\/([A-Za-z0-9_-]{1,255})$/.exec(String(props.clusterArn));
    const same = m !== null && m[1] === partition && m[2] === region && m[3] === account;
    check.require(
      same,
      'clusterArn',
      props.clusterArn,
      `an ECS cluster ARN of this account and region: arn:${partition}:ecs:${region}:${account}:cluster/<name>`,
    );
    if (m) cluster = { name: m[4] };
  }
  check.arnOrReference('taskRoleArn', props.taskRoleArn, partition, 'iam');

  let config: Record<string, unknown> | undefined;
  // A CDKTF token (a value known at apply time) is passed as it is; literal JSON is read for the ops port and the drain time.
  if (typeof props.collectorConfigJson !== 'string' || !Token.isUnresolved(props.collectorConfigJson)) {
    try {
      const parsed: unknown = JSON.parse(props.collectorConfigJson);
      if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) config = parsed as Record<string, unknown>;
    } catch {
      // reported below
    }
    check.require(config !== undefined, 'collectorConfigJson', props.collectorConfigJson, 'the collector config as a JSON object');
  }
  const ops = config?.ops as { port?: unknown } | undefined;
  const opsPort = typeof ops?.port === 'number' && ops.port > 0 ? ops.port : D.opsPort;
  const shutdownTimeoutMs = typeof config?.shutdownTimeoutMs === 'number' ? config.shutdownTimeoutMs : D.shutdownTimeoutMs;
  const stopTimeoutSeconds = Math.ceil(shutdownTimeoutMs / 1000) + D.stopMarginSeconds;
  check.require(
    stopTimeoutSeconds <= D.maxStopTimeoutSeconds,
    'collectorConfigJson',
    `shutdownTimeoutMs ${shutdownTimeoutMs}`,
    `shutdownTimeoutMs at most ${(D.maxStopTimeoutSeconds - D.stopMarginSeconds) * 1000}: Fargate stops a container at most ${D.maxStopTimeoutSeconds} s after SIGTERM, and ${D.stopMarginSeconds} s are kept for the last checkpoint`,
  );

  for (const [name, arn] of Object.entries(props.secrets ?? {})) {
    is(
      `secrets name ${JSON.stringify(name)}`,
      name,
      SECRET_ENV_NAME,
      "an environment variable name: letters, digits and _, not starting with a digit nor with CWL_SIEM_ (the collector's own)",
    );
    check.require(
      typeof arn === 'string' && parseSecretArn(partition, arn) !== undefined,
      `secrets.${name}`,
      arn,
      `a literal Secrets Manager secret ARN or SSM parameter ARN of partition ${partition}, such as arn:${partition}:secretsmanager:${region}:${account}:secret:hec-token-AbCdEf`,
    );
  }
  if (props.secretsKmsKeyArn !== undefined) check.arnOrReference('secretsKmsKeyArn', props.secretsKmsKeyArn, partition, 'kms');

  const logRetentionDays = props.logRetentionDays ?? defaults.logRetentionDays;
  check.require(
    (LOG_RETENTION_DAYS as readonly number[]).includes(logRetentionDays),
    'logRetentionDays',
    logRetentionDays,
    `one of CloudWatch Logs' retention periods: ${LOG_RETENTION_DAYS.join(', ')}`,
  );
  if (props.logKmsKeyArn !== undefined) check.arnOrReference('logKmsKeyArn', props.logKmsKeyArn, partition, 'kms');

  const alarms = props.alarms ?? {};
  if (alarms.topicArn !== undefined) check.arnOrReference('alarms.topicArn', alarms.topicArn, partition, 'sns');
  if (alarms.kinesisStreamName !== undefined) check.streamName('alarms.kinesisStreamName', alarms.kinesisStreamName);
  if (alarms.queueName !== undefined) check.queueName('alarms.queueName', alarms.queueName);
  if (alarms.deadLetterQueueName !== undefined) check.queueName('alarms.deadLetterQueueName', alarms.deadLetterQueueName);
  const iteratorAgeMs = alarms.iteratorAgeMs ?? defaults.iteratorAgeAlarmMs;
  const oldestMessageAgeSeconds = alarms.oldestMessageAgeSeconds ?? defaults.oldestMessageAgeAlarmSeconds;
  check.wholeNumber('alarms.iteratorAgeMs', iteratorAgeMs, 'whole milliseconds, at least 1000', 1000);
  check.wholeNumber('alarms.oldestMessageAgeSeconds', oldestMessageAgeSeconds, 'whole seconds, at least 60', 60);
  if (alarms.firehoseDeliveryStreamNames !== undefined) {
    check.list('alarms.firehoseDeliveryStreamNames', alarms.firehoseDeliveryStreamNames, (param, v) => check.deliveryStreamName(param, v), { min: 0 });
  }
  check.done();
  return {
    cpu,
    memoryMiB,
    desiredCount,
    minCount,
    logRetentionDays,
    cluster,
    opsPort,
    stopTimeoutSeconds,
    iteratorAgeMs,
    oldestMessageAgeSeconds,
    autoscaling,
  };
}

/**
 * A literal string as Terraform must be given it: `${` and `%{` start Terraform templates, so they
 * are written `$${` and `%%{` (the collector's `${NAME}` references reach the container as written).
 * CDKTF tokens (`${TfToken[...]}`) are left for CDKTF to resolve.
 */
export function terraformLiteral(value: string): string {
  // In a replacement string `$$` is one `$`.
  return value.replace(/\$\{(?!TfToken\[)/g, '$$$${').replace(/%\{/g, '%%{');
}

// ---------------------------------------------------------------------------------------------------
// Container definitions.

export interface ContainerDefinitionsInput {
  readonly image: string;
  readonly region: string;
  readonly logGroupName: string;
  readonly collectorConfigJson: string;
  /** Environment variable → secret or parameter ARN. */
  readonly secrets: Readonly<Record<string, string>>;
  readonly opsPort: number;
  readonly stopTimeoutSeconds: number;
}

/** The task's container definitions, as ECS reads them (before Terraform's escaping). */
export function collectorContainerDefinitions(input: ContainerDefinitionsInput): Record<string, unknown>[] {
  const h = D.healthCheck;
  // Liveness (/healthz), not readiness: ECS replaces a task whose check fails, and /readyz is 503 for a
  // Kinesis task holding no lease, which is normal while a rolling deploy briefly has more tasks than shards.
  const probe =
    `require('http').get('http://127.0.0.1:${input.opsPort}/healthz', (r) => process.exit(r.statusCode === 200 ? 0 : 1))` +
    `.on('error', () => process.exit(1))`;
  return [
    {
      name: D.containerName,
      image: input.image,
      essential: true,
      command: [...D.command],
      user: D.user,
      readonlyRootFilesystem: true,
      environment: [{ name: D.configEnv, value: input.collectorConfigJson }],
      secrets: Object.entries(input.secrets)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([name, valueFrom]) => ({ name, valueFrom })),
      mountPoints: [{ sourceVolume: D.dataVolumeName, containerPath: D.dataDir, readOnly: false }],
      portMappings: [{ name: 'ops', containerPort: input.opsPort, protocol: 'tcp' }],
      healthCheck: {
        command: ['CMD', 'node', '-e', probe],
        interval: h.intervalSeconds,
        timeout: h.timeoutSeconds,
        retries: h.retries,
        startPeriod: h.startPeriodSeconds,
      },
      stopTimeout: input.stopTimeoutSeconds,
      // An init process as PID 1 forwards SIGTERM and reaps the health check's processes; no Linux capability is needed.
      linuxParameters: { initProcessEnabled: true, capabilities: { drop: ['ALL'] } },
      logConfiguration: {
        logDriver: 'awslogs',
        options: {
          'awslogs-group': input.logGroupName,
          'awslogs-region': input.region,
          'awslogs-stream-prefix': D.logStreamPrefix,
          mode: D.logMode,
          'max-buffer-size': D.logMaxBufferSize,
        },
      },
    },
  ];
}

// ---------------------------------------------------------------------------------------------------
// Alarms and dashboard.

export interface DashboardInput {
  readonly region: string;
  readonly clusterName: string;
  readonly serviceName: string;
  /** Fewer running tasks than this alarms: minCount with autoscaling, else desiredCount. */
  readonly minRunningTasks: number;
  readonly kinesisStreamName?: string;
  readonly iteratorAgeMs: number;
  readonly queueName?: string;
  readonly oldestMessageAgeSeconds: number;
  readonly deadLetterQueueName?: string;
  /** Whether the collector alarms on the dead-letter queue itself (false: another alarm does). */
  readonly deadLetterAlarm: boolean;
  readonly firehoseDeliveryStreamNames: readonly string[];
  readonly firehoseFreshnessSeconds: number;
}

type AlarmConfig = Omit<CloudwatchMetricAlarmConfig, 'alarmActions' | 'okActions'> & { readonly alarmName: string };

/** The alarms of a deployed collector, without their actions: each watches one thing it names. */
export function collectorAlarms(namePrefix: string, m: DashboardInput): AlarmConfig[] {
  const a = D.alarms;
  const base = `${namePrefix}-collector`;
  const out: AlarmConfig[] = [
    {
      alarmName: `${base}-running-tasks`,
      alarmDescription: `Fewer than ${m.minRunningTasks} collector tasks of ${m.serviceName} running (no Container Insights data counts as none)`,
      namespace: 'ECS/ContainerInsights',
      metricName: 'RunningTaskCount',
      dimensions: { ClusterName: m.clusterName, ServiceName: m.serviceName },
      statistic: 'Minimum',
      period: a.periodSeconds,
      evaluationPeriods: a.evaluationPeriods,
      comparisonOperator: 'LessThanThreshold',
      threshold: m.minRunningTasks,
      treatMissingData: 'breaching',
    },
  ];
  if (m.kinesisStreamName !== undefined) {
    out.push({
      alarmName: `${base}-iterator-age`,
      alarmDescription: `The collector is more than ${m.iteratorAgeMs} ms behind on Kinesis stream ${m.kinesisStreamName}`,
      namespace: 'AWS/Kinesis',
      metricName: 'GetRecords.IteratorAgeMilliseconds',
      dimensions: { StreamName: m.kinesisStreamName },
      statistic: 'Maximum',
      period: a.periodSeconds,
      evaluationPeriods: a.evaluationPeriods,
      comparisonOperator: 'GreaterThanThreshold',
      threshold: m.iteratorAgeMs,
      // No reads at all is what the running-tasks alarm reports.
      treatMissingData: 'notBreaching',
    });
  }
  if (m.queueName !== undefined) {
    out.push({
      alarmName: `${base}-oldest-message`,
      alarmDescription: `A message of SQS queue ${m.queueName} has waited more than ${m.oldestMessageAgeSeconds} s`,
      namespace: 'AWS/SQS',
      metricName: 'ApproximateAgeOfOldestMessage',
      dimensions: { QueueName: m.queueName },
      statistic: 'Maximum',
      period: a.sqsPeriodSeconds,
      evaluationPeriods: 1,
      comparisonOperator: 'GreaterThanThreshold',
      threshold: m.oldestMessageAgeSeconds,
      treatMissingData: 'notBreaching',
    });
  }
  if (m.deadLetterQueueName !== undefined && m.deadLetterAlarm) {
    out.push({
      alarmName: `${base}-dead-letters`,
      alarmDescription: `SQS dead-letter queue ${m.deadLetterQueueName} holds messages the collector could not process`,
      namespace: 'AWS/SQS',
      metricName: 'ApproximateNumberOfMessagesVisible',
      dimensions: { QueueName: m.deadLetterQueueName },
      statistic: 'Maximum',
      period: a.sqsPeriodSeconds,
      evaluationPeriods: 1,
      comparisonOperator: 'GreaterThanThreshold',
      threshold: 0,
      treatMissingData: 'notBreaching',
    });
  }
  for (const stream of m.firehoseDeliveryStreamNames) {
    out.push({
      alarmName: `${base}-firehose-freshness-${stream}`,
      alarmDescription: `Firehose stream ${stream} holds data older than ${m.firehoseFreshnessSeconds} s not yet delivered to S3`,
      namespace: 'AWS/Firehose',
      metricName: 'DeliveryToS3.DataFreshness',
      dimensions: { DeliveryStreamName: stream },
      statistic: 'Maximum',
      period: a.sqsPeriodSeconds,
      evaluationPeriods: 1,
      comparisonOperator: 'GreaterThanThreshold',
      threshold: m.firehoseFreshnessSeconds,
      treatMissingData: 'notBreaching',
    });
  }
  return out;
}

/** The dashboard body: a graph per watched metric with its alarm threshold, and the service's tasks, CPU and memory. */
export function collectorDashboardBody(m: DashboardInput): string {
  const service = ['ClusterName', m.clusterName, 'ServiceName', m.serviceName];
  const graphs: { title: string; metrics: unknown[][]; stat: string; period: number; threshold?: { label: string; value: number } }[] = [
    {
      title: 'Running tasks',
      metrics: [
        ['ECS/ContainerInsights', 'RunningTaskCount', ...service],
        ['ECS/ContainerInsights', 'DesiredTaskCount', ...service],
      ],
      stat: 'Average',
      period: 60,
      threshold: { label: 'alarm below', value: m.minRunningTasks },
    },
    {
      title: 'CPU and memory (% of the task size)',
      metrics: [
        ['AWS/ECS', 'CPUUtilization', ...service],
        ['AWS/ECS', 'MemoryUtilization', ...service],
      ],
      stat: 'Average',
      period: 60,
    },
  ];
  if (m.kinesisStreamName !== undefined) {
    graphs.push({
      title: `Kinesis ${m.kinesisStreamName}: iterator age (ms)`,
      metrics: [['AWS/Kinesis', 'GetRecords.IteratorAgeMilliseconds', 'StreamName', m.kinesisStreamName]],
      stat: 'Maximum',
      period: 60,
      threshold: { label: 'alarm above', value: m.iteratorAgeMs },
    });
  }
  if (m.queueName !== undefined) {
    graphs.push({
      title: `SQS ${m.queueName}: messages visible`,
      metrics: [['AWS/SQS', 'ApproximateNumberOfMessagesVisible', 'QueueName', m.queueName]],
      stat: 'Maximum',
      period: 300,
    });
    graphs.push({
      title: `SQS ${m.queueName}: age of the oldest message (s)`,
      metrics: [['AWS/SQS', 'ApproximateAgeOfOldestMessage', 'QueueName', m.queueName]],
      stat: 'Maximum',
      period: 300,
      threshold: { label: 'alarm above', value: m.oldestMessageAgeSeconds },
    });
  }
  if (m.deadLetterQueueName !== undefined) {
    graphs.push({
      title: `SQS ${m.deadLetterQueueName}: dead letters`,
      metrics: [['AWS/SQS', 'ApproximateNumberOfMessagesVisible', 'QueueName', m.deadLetterQueueName]],
      stat: 'Maximum',
      period: 300,
      threshold: { label: 'alarm above', value: 0 },
    });
  }
  if (m.firehoseDeliveryStreamNames.length) {
    graphs.push({
      title: 'Firehose: age of the oldest undelivered data (s)',
      metrics: m.firehoseDeliveryStreamNames.map((s) => ['AWS/Firehose', 'DeliveryToS3.DataFreshness', 'DeliveryStreamName', s]),
      stat: 'Maximum',
      period: 300,
      threshold: { label: 'alarm above', value: m.firehoseFreshnessSeconds },
    });
  }
  const width = 12;
  const height = 6;
  const widgets = graphs.map((g, i) => ({
    type: 'metric',
    x: (i % 2) * width,
    y: Math.floor(i / 2) * height,
    width,
    height,
    properties: {
      title: g.title,
      region: m.region,
      view: 'timeSeries',
      stacked: false,
      stat: g.stat,
      period: g.period,
      metrics: g.metrics,
      ...(g.threshold && { annotations: { horizontal: [g.threshold] } }),
    },
  }));
  return JSON.stringify({ widgets });
}
