import { CloudwatchLogAccountPolicy } from '@cdktf/provider-aws/lib/cloudwatch-log-account-policy';
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { CloudwatchLogSubscriptionFilter } from '@cdktf/provider-aws/lib/cloudwatch-log-subscription-filter';
import { EcsService } from '@cdktf/provider-aws/lib/ecs-service';
import { EcsTaskDefinition } from '@cdktf/provider-aws/lib/ecs-task-definition';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { App, Fn, Testing, TerraformStack } from 'cdktf';
import 'cdktf/lib/testing/adapters/jest';
import { Construct } from 'constructs';
import { mkdtempSync, readFileSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import {
  collectorAlarms,
  collectorContainerDefinitions,
  collectorDashboardBody,
  CollectorService,
  CollectorServiceProps,
  DashboardInput,
  terraformLiteral,
} from '../../modules/collector/collector-service';
import { loadConfig } from '../../config/load';
import { Guardrails } from '../../modules/guardrails';
import { collectorLogGroupUnsubscribed, ecsCircuitBreaker, ecsContainersHardened, Rule } from '../../modules/guardrails/rules';
import { SubscriptionFilters } from '../../modules/logs/subscription-filters';
import { addStacks } from '../../modules/stacks/app';
import { AccountSubscriptionPolicy } from '../../modules/logs/account-subscription-policy';
import { describeWithTerraform, offlineProvider, plan as planOffline, terraform } from '../terraform/terraform';
import { doc, ofType, only, Resources, synthResources } from './helpers';

/** The collector on ECS Fargate (modules/collector/collector-service.ts): what it synthesizes for each pipeline, its checks, its guardrails. */

const A = '111122223333';
const REGION = 'us-east-1';
const env = { partition: 'aws' as const, region: REGION, accountId: A };
const IMAGE = `${A}.dkr.ecr.${REGION}.amazonaws.com/cwl-siem-collector:1.4.0`;
const DIGEST_IMAGE = `ghcr.io/acme/cwl-siem-collector@sha256:${'0123456789abcdef'.repeat(4)}`;
const HEC_SECRET = `arn:aws:secretsmanager:${REGION}:${A}:secret:cwl-siem/hec-token-AbCdEf`;
const CA_PARAMETER = `arn:aws:ssm:${REGION}:${A}:parameter/cwl-siem/ca-bundle`;
const SECRETS_KEY = `arn:aws:kms:${REGION}:${A}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const LOG_KEY = `arn:aws:kms:${REGION}:${A}:key/5678efab-56ef-78ab-90cd-567890abcdef`;
const TOPIC = `arn:aws:sns:${REGION}:${A}:cwl-siem-alarms`;
const SUBNETS = ['subnet-0123456789abcdef0', 'subnet-0fedcba9876543210'];
const VPC = 'vpc-0123456789abcdef0';
const SG = 'sg-0123456789abcdef0';
const STREAM = `arn:aws:kinesis:${REGION}:${A}:stream/s`;
const LOGS_ROLE = `arn:aws:iam::${A}:role/cwl-to-kinesis`;

const sqsConfig = {
  source: { type: 'sqs', queueUrl: `https://sqs.${REGION}.amazonaws.com/${A}/cwl-siem-notifications`, region: REGION },
  sink: { type: 'splunk-hec', url: 'https://splunk.example.com:8088', token: '${HEC_TOKEN}', tls: { caFile: '/etc/ssl/ca.pem' } },
};

/** Central path: SQS, backlog-per-task scaling from 2 to 6 tasks, an egress-only security group created in the VPC, every alarm. */
const sqsProps: CollectorServiceProps = {
  ...env,
  namePrefix: 'cwl-siem',
  pipeline: 'sqs',
  image: IMAGE,
  cpu: 1024,
  memoryMiB: 2048,
  desiredCount: 2,
  minCount: 2,
  maxCount: 6,
  subnetIds: SUBNETS,
  vpcId: VPC,
  taskRoleArn: `arn:aws:iam::${A}:role/cwl-siem-siem-reader`,
  collectorConfigJson: JSON.stringify(sqsConfig),
  secrets: { HEC_TOKEN: HEC_SECRET },
  fileState: false,
  singleton: false,
  logRetentionDays: 90,
  scaling: { kind: 'sqs', queueName: 'cwl-siem-notifications', backlogPerTask: 500 },
  alarms: {
    topicArn: TOPIC,
    queueName: 'cwl-siem-notifications',
    deadLetterQueueName: 'cwl-siem-notifications-dlq',
    oldestMessageAgeSeconds: 600,
    firehoseDeliveryStreamNames: ['cwl-siem-central'],
  },
};

/** Kinesis path: an existing cluster and security group, scaling capped by the shard count, SSM and Secrets Manager secrets with their key, a KMS-encrypted log group. */
const kinesisProps: CollectorServiceProps = {
  ...env,
  namePrefix: 'acme',
  pipeline: 'kinesis',
  image: DIGEST_IMAGE,
  desiredCount: 2,
  minCount: 1,
  maxCount: 10,
  subnetIds: [SUBNETS[0]],
  securityGroupIds: [SG],
  assignPublicIp: true,
  clusterArn: `arn:aws:ecs:${REGION}:${A}:cluster/platform`,
  taskRoleArn: `arn:aws:iam::${A}:role/acme-kinesis-reader`,
  collectorConfigJson: JSON.stringify({
    source: { type: 'kinesis', streamName: 'acme-logs', region: REGION },
    state: { type: 'dynamodb', table: 'acme-kinesis-state', region: REGION },
    sink: { type: 'syslog', host: 'siem.example.com', port: 6514, password: '${SYSLOG_PASSWORD}', appName: '%{not-a-template}' },
    ops: { port: 9191 },
    shutdownTimeoutMs: 60000,
  }),
  secrets: { SYSLOG_PASSWORD: CA_PARAMETER, HEC_TOKEN: HEC_SECRET },
  secretsKmsKeyArn: SECRETS_KEY,
  fileState: false,
  singleton: false,
  logKmsKeyArn: LOG_KEY,
  scaling: { kind: 'kinesis', streamName: 'acme-logs', maxTasks: 4, iteratorAgeMs: 30000 },
  alarms: { kinesisStreamName: 'acme-logs', iteratorAgeMs: 120000 },
};

/** Export path without a DynamoDB leader: one task, file state, deployments that never run two, no autoscaling and no alarm topic. */
const exportProps: CollectorServiceProps = {
  ...env,
  namePrefix: 'exp',
  pipeline: 'export',
  image: IMAGE,
  subnetIds: [SUBNETS[1]],
  securityGroupIds: [SG],
  taskRoleArn: `arn:aws:iam::${A}:role/exp-export-collector`,
  collectorConfigJson: JSON.stringify({
    source: { type: 'export', bucket: 'acme-exports' },
    state: { type: 'file', dir: '/var/lib/cwl-siem' },
    sink: { type: 'stdout' },
  }),
  fileState: true,
  singleton: true,
  alarms: {},
};

const service = (props: CollectorServiceProps) => {
  let construct!: CollectorService;
  const resources = synthResources((s) => (construct = new CollectorService(s, 'collector', props)));
  return { construct, r: resources };
};

type Container = Record<string, unknown> & { environment: { name: string; value: string }[]; secrets: { name: string; valueFrom: string }[] };
/** The container definitions of the one task definition, as ECS reads them (Terraform's `$${` escapes undone). */
const containers = (r: Resources): Container[] =>
  JSON.parse((only(r, 'aws_ecs_task_definition').container_definitions as string).replace(/\$\$\{/g, '${').replace(/%%\{/g, '%{'));

describe('CollectorService, SQS path', () => {
  const { construct, r } = service(sqsProps);

  test('a cluster <namePrefix>-collector with Container Insights, whose running-task metric scaling and alarms read', () => {
    expect(only(r, 'aws_ecs_cluster')).toEqual({ name: 'cwl-siem-collector', setting: [{ name: 'containerInsights', value: 'enabled' }] });
    expect(construct.clusterArn).toBe(`arn:aws:ecs:${REGION}:${A}:cluster/cwl-siem-collector`);
    expect(construct.clusterName).toBe('cwl-siem-collector');
  });

  test('a Fargate task definition: awsvpc, the task size, linux/X86_64, the execution role and the path role, one data volume', () => {
    expect(only(r, 'aws_ecs_task_definition')).toMatchObject({
      family: 'cwl-siem-collector',
      requires_compatibilities: ['FARGATE'],
      network_mode: 'awsvpc',
      cpu: '1024',
      memory: '2048',
      runtime_platform: { operating_system_family: 'LINUX', cpu_architecture: 'X86_64' },
      execution_role_arn: `arn:aws:iam::${A}:role/cwl-siem-collector-execution`,
      task_role_arn: `arn:aws:iam::${A}:role/cwl-siem-siem-reader`,
      volume: [{ name: 'collector-data' }],
    });
    // Literal role ARNs carry no reference: the task waits for the role, its policy and the log group explicitly.
    expect(only(r, 'aws_ecs_task_definition').depends_on).toEqual([
      expect.stringMatching(/^aws_iam_role\.collector_execution_role_/),
      expect.stringMatching(/^aws_iam_role_policy\.collector_execution_role_policy_collector-execution_/),
      expect.stringMatching(/^aws_cloudwatch_log_group\.collector_log_group_/),
    ]);
  });

  test('one container: `run` reading its config from the environment, non-root, read-only root, the secret by ARN, health on /healthz (liveness)', () => {
    const [c] = containers(r);
    expect(c).toMatchObject({
      name: 'collector',
      image: IMAGE,
      essential: true,
      command: ['run'],
      user: '1000',
      readonlyRootFilesystem: true,
      secrets: [{ name: 'HEC_TOKEN', valueFrom: HEC_SECRET }],
      mountPoints: [{ sourceVolume: 'collector-data', containerPath: '/var/lib/cwl-siem', readOnly: false }],
      portMappings: [{ name: 'ops', containerPort: 9090, protocol: 'tcp' }],
      stopTimeout: 60,
      linuxParameters: { initProcessEnabled: true, capabilities: { drop: ['ALL'] } },
      logConfiguration: {
        logDriver: 'awslogs',
        options: {
          'awslogs-group': '/cwl-siem/collector',
          'awslogs-region': REGION,
          'awslogs-stream-prefix': 'collector',
          mode: 'non-blocking',
          'max-buffer-size': '25m',
        },
      },
    });
    expect(c.environment).toEqual([{ name: 'CWL_SIEM_COLLECTOR_CONFIG', value: JSON.stringify(sqsConfig) }]);
    expect(JSON.parse(c.environment[0].value).sink.token).toBe('${HEC_TOKEN}');
    expect(c.healthCheck).toEqual({
      command: ['CMD', 'node', '-e', expect.stringContaining("'http://127.0.0.1:9090/healthz'")],
      interval: 30,
      timeout: 5,
      retries: 3,
      startPeriod: 60,
    });
  });

  test("the config's ${NAME} references reach ECS as written: Terraform is given $${NAME}, never a template", () => {
    const raw = only(r, 'aws_ecs_task_definition').container_definitions as string;
    expect(raw).toContain('$${HEC_TOKEN}');
    expect(raw.replace(/\$\$\{/g, '')).not.toContain('${');
  });

  test('the health check probe exits 0 on 200 and 1 otherwise, as the Dockerfile HEALTHCHECK does', () => {
    const probe = (containers(r)[0].healthCheck as { command: string[] }).command[3];
    expect(probe).toBe(
      "require('http').get('http://127.0.0.1:9090/healthz', (r) => process.exit(r.statusCode === 200 ? 0 : 1)).on('error', () => process.exit(1))",
    );
    expect(() => new Function('require', 'process', probe)).not.toThrow();
  });

  test('a log group /<namePrefix>/collector with the retention given', () => {
    expect(only(r, 'aws_cloudwatch_log_group')).toEqual({ name: '/cwl-siem/collector', retention_in_days: 90 });
    expect(construct.logGroupName).toBe('/cwl-siem/collector');
  });

  test('an egress-only security group in the VPC: no inbound rule, all outbound', () => {
    expect(only(r, 'aws_security_group')).toMatchObject({
      name: 'cwl-siem-collector',
      vpc_id: VPC,
      ingress: [],
      egress: [{ protocol: '-1', from_port: 0, to_port: 0, cidr_blocks: ['0.0.0.0/0'], ipv6_cidr_blocks: ['::/0'] }],
    });
    expect(construct.securityGroupId).toMatch(/^\$\{TfToken\[/);
  });

  test('a Fargate service: circuit breaker with rollback, rolling 100/200, no exec, and the task count left to autoscaling', () => {
    const svc = only(r, 'aws_ecs_service');
    expect(svc).toMatchObject({
      name: 'cwl-siem-collector',
      launch_type: 'FARGATE',
      desired_count: 2,
      deployment_circuit_breaker: { enable: true, rollback: true },
      deployment_minimum_healthy_percent: 100,
      deployment_maximum_percent: 200,
      enable_execute_command: false,
      propagate_tags: 'SERVICE',
      wait_for_steady_state: false,
      lifecycle: { ignore_changes: ['desired_count'] },
      network_configuration: { subnets: SUBNETS, assign_public_ip: false },
    });
    expect(svc.cluster).toMatch(/^\$\{aws_ecs_cluster\.collector_cluster_[A-Z0-9]+\.arn\}$/);
    expect(svc.task_definition).toMatch(/^\$\{aws_ecs_task_definition\.collector_task_[A-Z0-9]+\.arn\}$/);
    expect((svc.network_configuration as { security_groups: string[] }).security_groups).toEqual([
      expect.stringMatching(/^\$\{aws_security_group\.collector_security_group_[A-Z0-9]+\.id\}$/),
    ]);
    expect(svc).not.toHaveProperty('load_balancer');
  });

  test('an execution role trusted by ECS tasks of this account, holding the execution policy', () => {
    const role = only(r, 'aws_iam_role');
    expect(role.name).toBe('cwl-siem-collector-execution');
    expect(doc(role.assume_role_policy).Statement).toEqual([
      expect.objectContaining({ Principal: { Service: 'ecs-tasks.amazonaws.com' }, Condition: { StringEquals: { 'aws:SourceAccount': A } } }),
    ]);
    const policy = only(r, 'aws_iam_role_policy');
    expect(policy.name).toBe('collector-execution');
    expect(doc(policy.policy).Statement.map((s) => [s.Sid, s.Resource])).toEqual([
      ['PullImageAuthorization', '*'],
      ['PullImage', `arn:aws:ecr:${REGION}:${A}:repository/cwl-siem-collector`],
      ['WriteCollectorLogs', `arn:aws:logs:${REGION}:${A}:log-group:/cwl-siem/collector:log-stream:*`],
      ['ReadSecrets', HEC_SECRET],
    ]);
    expect(construct.executionRoleArn).toBe(`arn:aws:iam::${A}:role/cwl-siem-collector-execution`);
  });

  test('autoscaling from minCount to maxCount on the backlog per task: visible messages divided by running tasks', () => {
    expect(only(r, 'aws_appautoscaling_target')).toMatchObject({
      service_namespace: 'ecs',
      scalable_dimension: 'ecs:service:DesiredCount',
      resource_id: 'service/cwl-siem-collector/cwl-siem-collector',
      min_capacity: 2,
      max_capacity: 6,
      depends_on: [expect.stringMatching(/^aws_ecs_service\.collector_service_/)],
    });
    const policy = only(r, 'aws_appautoscaling_policy');
    expect(policy).toMatchObject({ name: 'cwl-siem-collector-backlog-per-task', policy_type: 'TargetTrackingScaling' });
    const tracking = policy.target_tracking_scaling_policy_configuration as Record<string, unknown>;
    expect(tracking).toMatchObject({ target_value: 500, scale_out_cooldown: 60, scale_in_cooldown: 300 });
    expect(tracking.customized_metric_specification).toEqual({
      metrics: [
        {
          id: 'visible',
          label: 'Messages visible',
          return_data: false,
          metric_stat: {
            stat: 'Sum',
            metric: {
              namespace: 'AWS/SQS',
              metric_name: 'ApproximateNumberOfMessagesVisible',
              dimensions: [{ name: 'QueueName', value: 'cwl-siem-notifications' }],
            },
          },
        },
        {
          id: 'tasks',
          label: 'Running tasks',
          return_data: false,
          metric_stat: {
            stat: 'Average',
            metric: {
              namespace: 'ECS/ContainerInsights',
              metric_name: 'RunningTaskCount',
              dimensions: [
                { name: 'ClusterName', value: 'cwl-siem-collector' },
                { name: 'ServiceName', value: 'cwl-siem-collector' },
              ],
            },
          },
        },
        { id: 'backlog', label: 'Backlog per task', expression: 'visible / tasks', return_data: true },
      ],
    });
  });

  test('alarms on running tasks below minCount, the oldest message, the dead letters and Firehose freshness, each notifying the topic', () => {
    const alarms = Object.fromEntries(ofType(r, 'aws_cloudwatch_metric_alarm').map((a) => [a.alarm_name as string, a]));
    expect(Object.keys(alarms).sort()).toEqual([
      'cwl-siem-collector-dead-letters',
      'cwl-siem-collector-firehose-freshness-cwl-siem-central',
      'cwl-siem-collector-oldest-message',
      'cwl-siem-collector-running-tasks',
    ]);
    expect(construct.alarmNames).toHaveLength(4);
    for (const a of Object.values(alarms)) expect([a.alarm_actions, a.ok_actions]).toEqual([[TOPIC], [TOPIC]]);
    expect(alarms['cwl-siem-collector-running-tasks']).toMatchObject({
      namespace: 'ECS/ContainerInsights',
      metric_name: 'RunningTaskCount',
      dimensions: { ClusterName: 'cwl-siem-collector', ServiceName: 'cwl-siem-collector' },
      comparison_operator: 'LessThanThreshold',
      threshold: 2,
      treat_missing_data: 'breaching',
    });
    expect(alarms['cwl-siem-collector-oldest-message']).toMatchObject({
      namespace: 'AWS/SQS',
      metric_name: 'ApproximateAgeOfOldestMessage',
      dimensions: { QueueName: 'cwl-siem-notifications' },
      comparison_operator: 'GreaterThanThreshold',
      threshold: 600,
    });
    expect(alarms['cwl-siem-collector-dead-letters']).toMatchObject({
      metric_name: 'ApproximateNumberOfMessagesVisible',
      dimensions: { QueueName: 'cwl-siem-notifications-dlq' },
      comparison_operator: 'GreaterThanThreshold',
      threshold: 0,
    });
    expect(alarms['cwl-siem-collector-firehose-freshness-cwl-siem-central']).toMatchObject({
      namespace: 'AWS/Firehose',
      metric_name: 'DeliveryToS3.DataFreshness',
      dimensions: { DeliveryStreamName: 'cwl-siem-central' },
      threshold: 1800,
    });
  });

  test('a dashboard <namePrefix>-collector graphing every alarmed metric with its threshold, and the tasks, CPU and memory', () => {
    const dashboard = only(r, 'aws_cloudwatch_dashboard');
    expect(dashboard.dashboard_name).toBe('cwl-siem-collector');
    expect(construct.dashboardName).toBe('cwl-siem-collector');
    const widgets = (JSON.parse(dashboard.dashboard_body as string) as { widgets: { properties: { title: string; metrics: string[][] } }[] }).widgets;
    expect(widgets.map((w) => w.properties.title)).toEqual([
      'Running tasks',
      'CPU and memory (% of the task size)',
      'SQS cwl-siem-notifications: messages visible',
      'SQS cwl-siem-notifications: age of the oldest message (s)',
      'SQS cwl-siem-notifications-dlq: dead letters',
      'Firehose: age of the oldest undelivered data (s)',
    ]);
    expect(widgets[1].properties.metrics.map((m) => m.slice(0, 2))).toEqual([
      ['AWS/ECS', 'CPUUtilization'],
      ['AWS/ECS', 'MemoryUtilization'],
    ]);
  });

  test('passes every guardrail', () => {
    const app = Testing.app();
    const stack = new TerraformStack(app, 'test');
    new AwsProvider(stack, 'aws', { region: REGION });
    new CollectorService(stack, 'collector', sqsProps);
    const findings = Guardrails.report(stack);
    expect(findings.filter((f) => f.status !== 'compliant')).toEqual([]);
    expect(findings.filter((f) => f.ruleId.startsWith('CWL-ECS-') || f.ruleId === 'CWL-LOG-2').map((f) => [f.ruleId, f.path])).toEqual([
      ['CWL-LOG-2', 'test/collector/log_group'],
      ['CWL-ECS-1', 'test/collector/task'],
      ['CWL-ECS-2', 'test/collector/service'],
    ]);
  });
});

describe('CollectorService, Kinesis path', () => {
  const { construct, r } = service(kinesisProps);

  test('an existing cluster: no cluster is created, the service and the metrics name it', () => {
    expect(r.aws_ecs_cluster).toBeUndefined();
    expect(only(r, 'aws_ecs_service').cluster).toBe(`arn:aws:ecs:${REGION}:${A}:cluster/platform`);
    expect(construct.clusterName).toBe('platform');
    expect(only(r, 'aws_appautoscaling_target').resource_id).toBe('service/platform/acme-collector');
  });

  test('existing security groups: none is created; a public IP when asked', () => {
    expect(r.aws_security_group).toBeUndefined();
    expect(construct.securityGroupId).toBeUndefined();
    expect(only(r, 'aws_ecs_service').network_configuration).toEqual({ subnets: [SUBNETS[0]], security_groups: [SG], assign_public_ip: true });
  });

  test('never more tasks than shards: maxCapacity is the smaller of maxCount and maxTasks; target tracking on the iterator age', () => {
    expect(only(r, 'aws_appautoscaling_target')).toMatchObject({ min_capacity: 1, max_capacity: 4 });
    const tracking = only(r, 'aws_appautoscaling_policy').target_tracking_scaling_policy_configuration as Record<string, unknown>;
    expect(tracking.target_value).toBe(30000);
    expect(tracking.customized_metric_specification).toEqual({
      namespace: 'AWS/Kinesis',
      metric_name: 'GetRecords.IteratorAgeMilliseconds',
      statistic: 'Maximum',
      dimensions: [{ name: 'StreamName', value: 'acme-logs' }],
    });
    expect(only(r, 'aws_appautoscaling_policy').name).toBe('acme-collector-iterator-age');
  });

  test("the config's ops port and drain time decide the port, the probe and the stop timeout; secrets sorted by name", () => {
    const [c] = containers(r);
    expect(c.portMappings).toEqual([{ name: 'ops', containerPort: 9191, protocol: 'tcp' }]);
    expect((c.healthCheck as { command: string[] }).command[3]).toContain("'http://127.0.0.1:9191/healthz'");
    expect(c.stopTimeout).toBe(90);
    expect(c.secrets).toEqual([
      { name: 'HEC_TOKEN', valueFrom: HEC_SECRET },
      { name: 'SYSLOG_PASSWORD', valueFrom: CA_PARAMETER },
    ]);
    const raw = only(r, 'aws_ecs_task_definition').container_definitions as string;
    expect(raw).toContain('$${SYSLOG_PASSWORD}');
    expect(raw).toContain('%%{not-a-template}');
  });

  test('the execution role reads the parameter and the secret and decrypts with their key through SSM and Secrets Manager; no ECR grant for ghcr.io', () => {
    const statements = doc(only(r, 'aws_iam_role_policy').policy).Statement;
    expect(statements.map((s) => s.Sid)).toEqual(['WriteCollectorLogs', 'ReadSecrets', 'ReadParameters', 'DecryptSecrets']);
    expect(statements[3]).toMatchObject({
      Resource: SECRETS_KEY,
      Condition: { StringEquals: { 'kms:ViaService': ['secretsmanager.us-east-1.amazonaws.com', 'ssm.us-east-1.amazonaws.com'] } },
    });
  });

  test('the log group is encrypted with the key given, kept 30 days by default', () => {
    expect(only(r, 'aws_cloudwatch_log_group')).toEqual({ name: '/acme/collector', retention_in_days: 30, kms_key_id: LOG_KEY });
  });

  test('the iterator age alarm at its threshold, no actions without a topic; the dashboard graphs the stream', () => {
    const alarms = ofType(r, 'aws_cloudwatch_metric_alarm');
    expect(alarms.map((a) => a.alarm_name).sort()).toEqual(['acme-collector-iterator-age', 'acme-collector-running-tasks']);
    expect(alarms.find((a) => a.alarm_name === 'acme-collector-iterator-age')).toMatchObject({
      namespace: 'AWS/Kinesis',
      metric_name: 'GetRecords.IteratorAgeMilliseconds',
      dimensions: { StreamName: 'acme-logs' },
      statistic: 'Maximum',
      threshold: 120000,
    });
    expect(alarms.find((a) => a.alarm_name === 'acme-collector-running-tasks')).toMatchObject({
      dimensions: { ClusterName: 'platform', ServiceName: 'acme-collector' },
      threshold: 1,
    });
    for (const a of alarms) expect(a).not.toHaveProperty('alarm_actions');
    expect(only(r, 'aws_cloudwatch_dashboard').dashboard_body).toContain('"GetRecords.IteratorAgeMilliseconds","StreamName","acme-logs"');
  });
});

describe('CollectorService, export singleton', () => {
  const { r } = service(exportProps);

  test("one task, stopped before its replacement starts (0/100): never two exporters; no autoscaling, the task count is Terraform's", () => {
    expect(only(r, 'aws_ecs_service')).toMatchObject({ desired_count: 1, deployment_minimum_healthy_percent: 0, deployment_maximum_percent: 100 });
    expect(only(r, 'aws_ecs_service')).not.toHaveProperty('lifecycle');
    expect(r.aws_appautoscaling_target).toBeUndefined();
    expect(r.aws_appautoscaling_policy).toBeUndefined();
  });

  test('the file state lives in the writable volume; the root file system stays read-only', () => {
    const [c] = containers(r);
    expect(c).toMatchObject({
      readonlyRootFilesystem: true,
      mountPoints: [{ sourceVolume: 'collector-data', containerPath: '/var/lib/cwl-siem', readOnly: false }],
    });
    expect(c.secrets).toEqual([]);
    expect(JSON.parse(c.environment[0].value).state).toEqual({ type: 'file', dir: '/var/lib/cwl-siem' });
  });

  test('defaults: 512 CPU units and 1024 MiB, 30 days of logs, one running-task alarm at the desired count', () => {
    expect(only(r, 'aws_ecs_task_definition')).toMatchObject({ cpu: '512', memory: '1024' });
    expect(only(r, 'aws_cloudwatch_log_group').retention_in_days).toBe(30);
    expect(ofType(r, 'aws_cloudwatch_metric_alarm').map((a) => [a.alarm_name, a.threshold])).toEqual([['exp-collector-running-tasks', 1]]);
  });

  test('no alarms block, no alarms; the dashboard is there all the same', () => {
    const { r: quiet } = service({ ...exportProps, alarms: undefined });
    expect(quiet.aws_cloudwatch_metric_alarm).toBeUndefined();
    expect(only(quiet, 'aws_cloudwatch_dashboard').dashboard_name).toBe('exp-collector');
  });
});

describe('CollectorService props', () => {
  test('without autoscaling (maxCount = minCount) there is no scaling target and no lifecycle rule', () => {
    const { r } = service({ ...sqsProps, desiredCount: 2, minCount: 2, maxCount: 2 });
    expect(r.aws_appautoscaling_target).toBeUndefined();
    expect(only(r, 'aws_ecs_service')).not.toHaveProperty('lifecycle');
  });

  test('a Kinesis stream with as many shards as minCount: maxTasks caps the tasks at minCount, so no autoscaling', () => {
    const { r } = service({
      ...kinesisProps,
      desiredCount: 2,
      minCount: 2,
      scaling: { kind: 'kinesis', streamName: 'acme-logs', maxTasks: 2, iteratorAgeMs: 30000 },
    });
    expect(r.aws_appautoscaling_target).toBeUndefined();
  });

  test('the one error lists every problem with what was given and what to do', () => {
    let message = '';
    try {
      synthResources(
        (s) =>
          new CollectorService(s, 'collector', {
            ...sqsProps,
            region: 'us-east-7',
            namePrefix: 'CWL',
            image: 'cwl-siem-collector',
            cpu: 256,
            memoryMiB: 4096,
            desiredCount: 8,
            maxCount: 6,
            vpcId: VPC,
            securityGroupIds: ['sg-1'],
            subnetIds: [],
            clusterArn: `arn:aws:ecs:eu-west-1:${A}:cluster/platform`,
            collectorConfigJson: '{"source":',
            secrets: { CWL_SIEM_OPS_HOST: HEC_SECRET, TOKEN: 'plain-text-token' },
            logRetentionDays: 10,
            scaling: { kind: 'kinesis', streamName: 'acme-logs', maxTasks: 4, iteratorAgeMs: 10 },
            alarms: { queueName: 'bad queue name', firehoseDeliveryStreamNames: ['ok', 'not ok'] },
          }),
      );
    } catch (e) {
      message = (e as Error).message;
    }
    const lines = message.split('\n').slice(1);
    expect(message.split('\n')[0]).toBe(`CollectorService test/collector: ${lines.length} invalid inputs:`);
    expect(lines.map((l) => l.replace(/^ {2}- ([^:]+):.*$/, '$1'))).toEqual([
      'region',
      'namePrefix',
      'image',
      'memoryMiB',
      'desiredCount',
      'scaling.kind',
      'scaling.iteratorAgeMs',
      'scaling.maxTasks',
      'subnetIds',
      'securityGroupIds',
      'securityGroupIds[0]',
      'clusterArn',
      'collectorConfigJson',
      'secrets name "CWL_SIEM_OPS_HOST"',
      'secrets.TOKEN',
      'logRetentionDays',
      'alarms.queueName',
      'alarms.firehoseDeliveryStreamNames[1]',
    ]);
    expect(message).toContain('memoryMiB: got 4096; expected for 256 CPU units, 512, 1024 or 2048 MiB');
    expect(message).toContain('desiredCount: got 8; expected from minCount (2) to maxCount (6)');
    expect(message).toContain('scaling.kind: got "kinesis"; expected "sqs", the pipeline\'s');
    expect(message).toContain('secrets.TOKEN: got "plain-text-token"; expected a literal Secrets Manager secret ARN or SSM parameter ARN');
    expect(message).toContain(`clusterArn: got "arn:aws:ecs:eu-west-1:${A}:cluster/platform"; expected an ECS cluster ARN of this account and region`);
    expect(message).not.toContain('plain-text-token"; expected an environment');
  });

  test('scaling is required above minCount; export cannot scale; a singleton and a file state are one task; a drain longer than Fargate waits is refused', () => {
    const problems = (props: Partial<CollectorServiceProps>): string => {
      try {
        service({ ...exportProps, ...props });
      } catch (e) {
        return (e as Error).message;
      }
      return '';
    };
    expect(problems({ maxCount: 3, singleton: false, fileState: false })).toMatch(
      /scaling: got nothing; expected a scaling target: maxCount \(3\) is above minCount \(1\)/,
    );
    expect(problems({ maxCount: 3, singleton: false, fileState: false, scaling: { kind: 'sqs', queueName: 'q', backlogPerTask: 10 } })).toMatch(
      /scaling.kind: got "sqs"; expected none: one export task runs at a time/,
    );
    expect(problems({ desiredCount: 2, maxCount: 2 })).toMatch(/singleton: got true; expected one task: desiredCount and maxCount 1 \(got 2 and 2\)/);
    expect(problems({ desiredCount: 2, maxCount: 2, singleton: false })).toMatch(/fileState: got true; expected one task \(tasks do not share their storage\)/);
    expect(problems({ collectorConfigJson: JSON.stringify({ source: {}, sink: {}, shutdownTimeoutMs: 100000 }) })).toMatch(
      /collectorConfigJson: got "shutdownTimeoutMs 100000"; expected shutdownTimeoutMs at most 90000/,
    );
  });
});

describe('the pure renderers', () => {
  const input: DashboardInput = {
    region: REGION,
    clusterName: 'c',
    serviceName: 's',
    minRunningTasks: 1,
    iteratorAgeMs: 60000,
    oldestMessageAgeSeconds: 900,
    deadLetterAlarm: true,
    firehoseDeliveryStreamNames: [],
    firehoseFreshnessSeconds: 1800,
  };

  test('terraformLiteral escapes ${ and %{ but keeps CDKTF tokens', () => {
    expect(terraformLiteral('a ${X} b %{if} ${TfToken[TOKEN.1]}')).toBe('a $${X} b %%{if} ${TfToken[TOKEN.1]}');
  });

  test('container definitions: exactly one container, the config as one variable, nothing else in its environment', () => {
    const defs = collectorContainerDefinitions({
      image: IMAGE,
      region: REGION,
      logGroupName: '/x/collector',
      collectorConfigJson: '{}',
      secrets: { B: HEC_SECRET, A: CA_PARAMETER },
      opsPort: 9090,
      stopTimeoutSeconds: 60,
    });
    expect(defs).toHaveLength(1);
    expect(defs[0].environment).toEqual([{ name: 'CWL_SIEM_COLLECTOR_CONFIG', value: '{}' }]);
    expect((defs[0].secrets as { name: string }[]).map((s) => s.name)).toEqual(['A', 'B']);
  });

  test('the dashboard lays its widgets out two by two; without a pipeline metric it shows the service only', () => {
    const widgets = (JSON.parse(collectorDashboardBody(input)) as { widgets: { x: number; y: number; properties: { region: string } }[] }).widgets;
    expect(widgets.map((w) => [w.x, w.y, w.properties.region])).toEqual([
      [0, 0, REGION],
      [12, 0, REGION],
    ]);
    expect(collectorAlarms('p', input).map((a) => a.alarmName)).toEqual(['p-collector-running-tasks']);
  });
});

// ---------------------------------------------------------------------------------------------------
// Guardrails.

describe('CWL-ECS-1, CWL-ECS-2, CWL-LOG-2', () => {
  const check = (rule: Rule, build: (s: Construct) => Construct) => {
    const app = Testing.app();
    const stack = new TerraformStack(app, 'test');
    new AwsProvider(stack, 'aws', { region: REGION });
    return rule.check(build(stack));
  };
  const task = (s: Construct, containerDefinitions: string) =>
    new EcsTaskDefinition(s, 'task', {
      family: 'f',
      containerDefinitions,
      requiresCompatibilities: ['FARGATE'],
      networkMode: 'awsvpc',
      cpu: '256',
      memory: '512',
    });
  const defs = (...containers: Record<string, unknown>[]) => JSON.stringify(containers.map((c, i) => ({ name: `c${i}`, image: 'x:1', ...c })));

  test('CWL-ECS-1: every container read-only and non-root is compliant; a writable root, no user, uid 0 or root are not; other resources are not applicable', () => {
    expect(
      check(ecsContainersHardened, (s) => task(s, defs({ readonlyRootFilesystem: true, user: '1000' }, { readonlyRootFilesystem: true, user: 'node:node' }))),
    ).toEqual({
      status: 'compliant',
    });
    const result = check(ecsContainersHardened, (s) =>
      task(s, defs({ readonlyRootFilesystem: true }, { readonlyRootFilesystem: false, user: '0:0' }, { user: 'root', readonlyRootFilesystem: true })),
    );
    expect(result.status).toBe('non-compliant');
    const reason = (result as { reason: string }).reason;
    expect(reason.split('; ')).toEqual([
      `container "c0" runs as root (no user is set, so the image's user, root unless the image says otherwise): set user to a non-root uid such as "1000"`,
      'container "c1" has a writable root file system (readonlyRootFilesystem is false, expected true)',
      'container "c1" runs as root (user "0:0"): set user to a non-root uid such as "1000"',
      'container "c2" runs as root (user "root"): set user to a non-root uid such as "1000"',
    ]);
    expect(check(ecsContainersHardened, (s) => task(s, Fn.jsonencode([{ name: 'c' }])))).toMatchObject({
      status: 'non-compliant',
      reason: expect.stringContaining('is a Terraform expression, not literal JSON'),
    });
    expect(check(ecsContainersHardened, (s) => new CloudwatchLogGroup(s, 'g', { name: '/app' }))).toEqual({ status: 'not-applicable' });
  });

  test('CWL-ECS-2: the circuit breaker with rollback is compliant; without it, or without rollback, not; a CodeDeploy service is not applicable', () => {
    const svc = (s: Construct, extra: Partial<ConstructorParameters<typeof EcsService>[2]>) => new EcsService(s, 'svc', { name: 's', ...extra });
    expect(check(ecsCircuitBreaker, (s) => svc(s, { deploymentCircuitBreaker: { enable: true, rollback: true } }))).toEqual({ status: 'compliant' });
    expect(check(ecsCircuitBreaker, (s) => svc(s, {}))).toMatchObject({
      status: 'non-compliant',
      reason: expect.stringContaining('deployment_circuit_breaker is not set'),
    });
    expect(check(ecsCircuitBreaker, (s) => svc(s, { deploymentCircuitBreaker: { enable: true, rollback: false } }))).toEqual({
      status: 'non-compliant',
      reason: 'deployment_circuit_breaker is enable true, rollback false; expected both true',
    });
    expect(check(ecsCircuitBreaker, (s) => svc(s, { deploymentController: { type: 'CODE_DEPLOY' } }))).toEqual({ status: 'not-applicable' });
    expect(check(ecsCircuitBreaker, (s) => task(s, defs({})))).toEqual({ status: 'not-applicable' });
  });

  describe('CWL-LOG-2', () => {
    const group = (s: Construct, name = '/cwl-siem/collector') => new CloudwatchLogGroup(s, 'collector_logs', { name, retentionInDays: 30 });

    test("compliant: the collector's log group, subscribed by nothing, excluded from the account policy", () => {
      expect(
        check(collectorLogGroupUnsubscribed, (s) => {
          new SubscriptionFilters(s, 'filters', { logGroupNames: ['/app/api'], filterName: 'f', destinationArn: STREAM, roleArn: LOGS_ROLE });
          new AccountSubscriptionPolicy(s, 'policy', {
            policyName: 'p',
            destinationArn: STREAM,
            roleArn: LOGS_ROLE,
            excludeLogGroupNames: ['/cwl-siem/collector'],
          });
          return group(s);
        }),
      ).toEqual({ status: 'compliant' });
    });

    test('non-compliant: a subscription filter on it, by name or by reference; an account policy that does not exclude it', () => {
      const byName = check(collectorLogGroupUnsubscribed, (s) => {
        new CloudwatchLogSubscriptionFilter(s, 'loop', {
          name: 'f',
          logGroupName: '/cwl-siem/collector',
          destinationArn: 'arn:aws:kinesis:us-east-1:111122223333:stream/s',
          filterPattern: '',
        });
        return group(s);
      });
      expect(byName).toEqual({
        status: 'non-compliant',
        reason: "log group /cwl-siem/collector is the collector's own: subscription filter test/loop subscribes it",
      });
      const byReference = check(collectorLogGroupUnsubscribed, (s) => {
        const g = group(s);
        new CloudwatchLogSubscriptionFilter(s, 'loop', {
          name: 'f',
          logGroupName: g.name,
          destinationArn: 'arn:aws:kinesis:us-east-1:111122223333:stream/s',
          filterPattern: '',
        });
        return g;
      });
      expect(byReference.status).toBe('non-compliant');
      const policy = check(collectorLogGroupUnsubscribed, (s) => {
        new CloudwatchLogAccountPolicy(s, 'all', {
          policyName: 'p',
          policyType: 'SUBSCRIPTION_FILTER_POLICY',
          scope: 'ALL',
          policyDocument: '{}',
          selectionCriteria: 'LogGroupName NOT IN ["/other"]',
        });
        return group(s);
      });
      expect(policy).toMatchObject({ status: 'non-compliant', reason: expect.stringContaining('account subscription policy test/all does not exclude it') });
    });

    test('not applicable: other log groups, and a subscription filter itself', () => {
      expect(check(collectorLogGroupUnsubscribed, (s) => group(s, '/app/api'))).toEqual({ status: 'not-applicable' });
      expect(check(collectorLogGroupUnsubscribed, (s) => group(s, '/a/b/collector'))).toEqual({ status: 'not-applicable' });
      expect(
        check(
          collectorLogGroupUnsubscribed,
          (s) =>
            new CloudwatchLogSubscriptionFilter(s, 'f', {
              name: 'f',
              logGroupName: '/x/collector',
              destinationArn: 'arn:aws:kinesis:us-east-1:111122223333:stream/s',
              filterPattern: '',
            }),
        ),
      ).toEqual({ status: 'not-applicable' });
    });

    test('the collector beside a subscription of its own log group fails synth with the rule id', () => {
      const outdir = mkdtempSync(join(tmpdir(), 'cwl-siem-collector-loop-'));
      const previous = process.env.CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS;
      delete process.env.CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS;
      try {
        const app = new App({ outdir });
        const stack = new TerraformStack(app, 'test');
        new AwsProvider(stack, 'aws', { region: REGION });
        new CollectorService(stack, 'collector', sqsProps);
        new SubscriptionFilters(stack, 'filters', { logGroupNames: ['/cwl-siem/collector'], filterName: 'f', destinationArn: STREAM, roleArn: LOGS_ROLE });
        Guardrails.apply(stack);
        expect(() => app.synth()).toThrow(/\[CWL-LOG-2\] test\/collector\/log_group: log group \/cwl-siem\/collector is the collector's own/);
      } finally {
        if (previous !== undefined) process.env.CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS = previous;
        rmSync(outdir, { recursive: true, force: true });
      }
    });
  });
});

// ---------------------------------------------------------------------------------------------------
// Terraform.

describeWithTerraform('the three variants with terraform', () => {
  const outdir = mkdtempSync(join(tmpdir(), 'cwl-siem-collector-tf-'));
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  test('pass terraform validate and plan offline: only additions, one per resource, the escapes undone in the planned task definition', () => {
    const app = new App({ outdir });
    const stack = new TerraformStack(app, 'collectors');
    offlineProvider(new AwsProvider(stack, 'aws', { region: REGION }));
    new CollectorService(stack, 'sqs', sqsProps);
    new CollectorService(stack, 'kinesis', kinesisProps);
    new CollectorService(stack, 'export', exportProps);
    Guardrails.apply(stack);
    app.synth();
    const dir = join(outdir, 'stacks', 'collectors');
    const tf = JSON.parse(readFileSync(join(dir, 'cdk.tf.json'), 'utf8')) as { resource: Resources };
    const count = Object.values(tf.resource).reduce((n, byId) => n + Object.keys(byId).length, 0);

    terraform(dir, ['init', '-input=false', '-no-color']);
    const validation = JSON.parse(terraform(dir, ['validate', '-json', '-no-color'])) as {
      valid: boolean;
      diagnostics: { severity: string; summary: string }[];
    };
    expect({ valid: validation.valid, errors: validation.diagnostics.filter((d) => d.severity === 'error') }).toEqual({ valid: true, errors: [] });
    const plan = planOffline(dir);
    expect({ add: plan.add, change: plan.change, destroy: plan.destroy }).toEqual({ add: count, change: 0, destroy: 0 });

    const planned = [...plan.created.entries()].find(([address]) => address.startsWith('aws_ecs_task_definition.kinesis_task'))![1];
    const [c] = JSON.parse(planned.container_definitions as string) as Container[];
    expect(JSON.parse(c.environment[0].value).sink).toMatchObject({ password: '${SYSLOG_PASSWORD}', appName: '%{not-a-template}' });
  });
});

// ---------------------------------------------------------------------------------------------------
// In the stacks of the examples.

describe('the central example with its collector', () => {
  const outdir = mkdtempSync(join(tmpdir(), 'cwl-siem-collector-central-'));
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  test('one alarm on the dead-letter queue (the central one), which the dashboard still graphs; the rest are the collector alarms', () => {
    const config = loadConfig(join(__dirname, '..', '..', 'examples', 'firehose-central-with-collector.json'));
    const app = new App({ outdir });
    addStacks(app, config);
    app.synth();
    const central = config.stacks.find((s) => s.central)!;
    const tf = JSON.parse(readFileSync(join(outdir, 'stacks', central.name, 'cdk.tf.json'), 'utf8')) as { resource: Resources };
    const alarms = ofType(tf.resource, 'aws_cloudwatch_metric_alarm');
    const dlq = `${central.central!.queueName}-dlq`;
    const onDlq = alarms.filter((a) => (a.dimensions as Record<string, string> | undefined)?.QueueName === dlq).map((a) => a.alarm_name);
    expect(onDlq).toEqual([`${dlq}-not-empty`]);
    expect(alarms.map((a) => a.alarm_name)).toEqual(expect.arrayContaining(['cwl-siem-collector-running-tasks', 'cwl-siem-collector-oldest-message']));
    const body = JSON.parse(only(tf.resource, 'aws_cloudwatch_dashboard').dashboard_body as string) as { widgets: { properties: { title: string } }[] };
    expect(body.widgets.map((w) => w.properties.title)).toContain(`SQS ${dlq}: dead letters`);
  });
});
