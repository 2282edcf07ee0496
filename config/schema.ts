import { EXPORT_PREFIX_DEFAULT } from '../collector/src/config/schema';
import { PARTITIONS } from '../policies/partitions';

/**
 * JSON Schema (draft-07) of the toolkit config as users write it. `load.ts` validates with it (ajv,
 * `useDefaults`) and then applies the defaults that depend on other values; `types.ts` is the loaded form.
 * Every fixed default is written here only: the constructs of modules/ read theirs from this schema
 * (defaults.ts `TOOLKIT_DEFAULTS`); the export prefix, which both halves share, is the collector's
 * (`EXPORT_PREFIX_DEFAULT` of collector/src/config/schema.ts).
 *
 * Conventions, relied on by the loader's error messages:
 * - every object has `additionalProperties: false` (the `tags` maps constrain their values instead);
 * - every string with a `pattern` has a `patternErrorMessage` (a keyword VS Code's JSON editor also
 *   shows) that starts with "must be" and describes the value in words;
 * - a union discriminated by `mode`/`type` is {@link union}: `if`/`then` per variant, each `then` listing
 *   that variant's keys, so errors come from the variant the discriminator names;
 * - "exactly one of" / "at least one of" are `oneOf`/`anyOf` of bare `{ required: [key] }` branches.
 *
 * The name rules are those of `policies/inputs.ts`, written here as JSON patterns;
 * test/config/schema.test.ts checks that both accept and reject the same names.
 */

type Schema = Record<string, unknown>;

/** A string matching `pattern`, described by `expected` ("must be ...") in error messages. */
const text = (pattern: string, expected: string, extra: Schema = {}): Schema => ({
  type: 'string',
  pattern,
  patternErrorMessage: expected,
  ...extra,
});

const integer = (minimum: number, maximum?: number, extra: Schema = {}): Schema => ({
  type: 'integer',
  minimum,
  ...(maximum === undefined ? {} : { maximum }),
  ...extra,
});

const list = (items: Schema, extra: Schema = {}): Schema => ({ type: 'array', minItems: 1, uniqueItems: true, items, ...extra });

/** An object whose keys are all listed: unknown keys are errors. */
const object = (properties: Record<string, Schema>, required: string[] = [], extra: Schema = {}): Schema => ({
  type: 'object',
  additionalProperties: false,
  ...(required.length ? { required } : {}),
  properties,
  ...extra,
});

interface Variant {
  readonly properties?: Record<string, Schema>;
  readonly required?: string[];
}

/**
 * A discriminated union: `tag` names the variant; each variant lists its own keys (anything else is
 * an unknown key of that variant). Defaults inside a variant apply, since `then` is not a composite rule.
 */
function union(tag: string, variants: Record<string, Variant>, extra: Schema = {}): Schema {
  const names = Object.keys(variants);
  return {
    type: 'object',
    required: [tag],
    properties: { [tag]: { type: 'string', enum: names } },
    allOf: names.map((name) => ({
      if: { properties: { [tag]: { const: name } }, required: [tag] },
      then: {
        additionalProperties: false,
        required: [tag, ...(variants[name].required ?? [])],
        properties: { [tag]: { const: name }, ...variants[name].properties },
      },
    })),
    ...extra,
  };
}

const exactlyOneOf = (...keys: string[]): Schema => ({ oneOf: keys.map((k) => ({ required: [k] })) });

// Name rules (policies/inputs.ts).
const ACCOUNT_ID = text('^\\d{12}$', 'must be a 12-digit AWS account id as a string');
const REGION = text('^[a-z]{2}(-[a-z]+)+-\\d{1,2}$', 'must be an AWS region name such as us-east-1');
const BUCKET_NAME = text(
  '^(?!\\d{1,3}(\\.\\d{1,3}){3}$)(?!.*\\.\\.)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$',
  'must be an S3 bucket name: 3-63 lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit, not an IP address',
);
const KEY_PREFIX = text(
  "^(?!/)(?!.*//)(?!.*/$)[A-Za-z0-9!_.'()/=-]{1,512}$",
  'must be an S3 key prefix such as "cwl-exports": 1-512 letters, digits and / ! _ . \' ( ) = -, no leading or trailing slash, no empty path segment',
);
const STREAM_NAME = text('^[a-zA-Z0-9_.-]{1,128}$', 'must be a Kinesis stream name: 1-128 letters, digits, _ . -');
const DELIVERY_STREAM_NAME = text('^[a-zA-Z0-9_.-]{1,64}$', 'must be a Firehose stream name: 1-64 letters, digits, _ . -');
// Standard queues only (S3 cannot notify FIFO queues); 75 leaves room for the "-dlq" of the dead-letter queue.
const QUEUE_NAME = text('^[a-zA-Z0-9_-]{1,75}$', 'must be an SQS queue name: 1-75 letters, digits, _ - (a standard queue, not .fifo)');
const IAM_NAME = text('^[\\w+=,.@-]{1,64}$', 'must be an IAM user or role name: 1-64 characters from letters, digits and +=,.@_-');
const IAM_NAME_PATTERN = text(
  '^[\\w+=,.@*?-]{1,64}$',
  'must be an IAM role name or pattern: 1-64 characters from letters, digits, +=,.@_- and the wildcards * ?',
);
const LOG_GROUP_NAME = text('^[.\\-_/#A-Za-z0-9]{1,512}$', 'must be a log group name: 1-512 characters from letters, digits and . - _ / #');
const FILTER_NAME = text('^[^:*]{1,256}$', 'must be a subscription filter or account policy name: 1-256 characters, without : or *');
const DESTINATION_NAME = text('^[^:*]{1,512}$', 'must be a log destination name: 1-512 characters, without : or *');
const DESTINATION_ARN = text(
  '^arn:(aws|aws-us-gov|aws-cn):logs:[a-z0-9-]+:\\d{12}:destination:[^:*]{1,512}$',
  'must be a CloudWatch Logs destination ARN such as arn:aws:logs:us-east-1:111122223333:destination:cwl-siem',
);
const ORG_ID = text('^o-[a-z0-9]{10,32}$', 'must be an AWS Organizations id such as o-a1b2c3d4e5');
const EXTERNAL_ID = text('^[\\w+=,.@:/-]{2,1224}$', 'must be an external id: 2-1224 characters from letters, digits and +=,.@:/-_');
const KMS_ALIAS = text('^alias/(?!aws/)[a-zA-Z0-9/_-]{1,250}$', 'must be a KMS alias name such as alias/cwl-siem-central (not alias/aws/...)');
const KMS_KEY_ARN = text(
  '^arn:(aws|aws-us-gov|aws-cn):kms:[a-z0-9-]+:\\d{12}:key/[A-Za-z0-9-]{1,128}$',
  'must be a KMS key ARN such as arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab',
);
const SNS_TOPIC_ARN = text(
  '^arn:(aws|aws-us-gov|aws-cn):sns:[a-z0-9-]+:\\d{12}:[A-Za-z0-9_-]{1,256}$',
  'must be an SNS topic ARN such as arn:aws:sns:us-east-1:111122223333:cwl-siem-alarms (a standard topic)',
);
const PRINCIPAL_ARN = text(
  '^arn:(aws|aws-us-gov|aws-cn):iam::\\d{12}:(root|(role|user)/[\\w+=,.@/-]{1,512})$',
  'must be an IAM principal ARN such as arn:aws:iam::111122223333:root or arn:aws:iam::111122223333:role/collector',
);

const TABLE_NAME = text('^[a-zA-Z0-9_.-]{3,255}$', 'must be a DynamoDB table name: 3-255 letters, digits, _ . -');

const STACK_NAME = text('^[a-z][a-z0-9-]{0,62}$', 'must be a stack name: 1-63 lowercase letters, digits and hyphens, starting with a letter');
const NAME_PREFIX = text('^[a-z][a-z0-9-]{0,31}$', 'must be a name prefix: 1-32 lowercase letters, digits and hyphens, starting with a letter', {
  default: 'cwl-siem',
});

const TAGS: Schema = {
  type: 'object',
  description: 'Resource tags: key to value.',
  propertyNames: text(
    '^(?!aws:)[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]{1,128}$',
    'must be a tag key: 1-128 letters, digits, spaces and _ . : / = + - @, not starting with aws:',
  ),
  additionalProperties: text('^[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]{0,256}$', 'must be a tag value: 0-256 letters, digits, spaces and _ . : / = + - @'),
  default: {},
};

/** Retention periods CloudWatch Logs accepts. */
export const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653] as const;

const BACKEND = union(
  'type',
  {
    local: { properties: { path: { type: 'string', minLength: 1, description: 'State file path. Default terraform.<stack>.tfstate.' } } },
    s3: {
      required: ['bucket', 'key', 'region'],
      properties: {
        bucket: BUCKET_NAME,
        key: text('^(?!/).{1,1024}$', 'must be an S3 object key such as cwl-siem/prod.tfstate, without a leading slash'),
        region: REGION,
        dynamodbTable: {
          ...TABLE_NAME,
          description: 'DynamoDB state locking, deprecated by Terraform in favour of useLockfile; both may be on while migrating.',
        },
        useLockfile: { type: 'boolean', default: true, description: 'S3-native state locking with a lock object beside the state (Terraform 1.10 or newer).' },
        encrypt: { type: 'boolean', default: true },
      },
    },
    cloud: {
      required: ['organization', 'workspaces'],
      properties: {
        organization: text('^[A-Za-z0-9_-]{1,255}$', 'must be a Terraform Cloud organization name: letters, digits, _ -'),
        hostname: text('^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?(:\\d{1,5})?$', 'must be a host name such as app.terraform.io', {
          default: 'app.terraform.io',
        }),
        workspaces: object(
          {
            name: text('^[A-Za-z0-9_-]{1,90}$', 'must be a workspace name: 1-90 letters, digits, _ -'),
            tags: list(
              text(
                '^[A-Za-z0-9]([A-Za-z0-9:_-]{0,253}[A-Za-z0-9])?$',
                'must be a workspace tag: letters, digits, : _ -, starting and ending with a letter or digit',
              ),
            ),
          },
          [],
          { description: 'One workspace by name, or every workspace with these tags.', ...exactlyOneOf('name', 'tags') },
        ),
      },
    },
  },
  { description: "Where Terraform keeps this stack's state.", default: { type: 'local' } },
);

/** Where the collector of a path keeps its checkpoints, leases and export progress, when the toolkit creates the store. */
const COLLECTOR_STATE = union(
  'type',
  {
    dynamodb: {
      properties: {
        tableName: { ...TABLE_NAME, description: 'Default: <namePrefix>-kinesis-state or <namePrefix>-export-state.' },
        deletionProtection: {
          type: 'boolean',
          default: true,
          description: 'The table cannot be deleted (terraform destroy fails) until this is turned off and applied.',
        },
        pointInTimeRecovery: {
          type: 'boolean',
          default: true,
          description: 'Continuous backups: the table can be restored to any second of the last 35 days.',
        },
      },
    },
  },
  {
    description:
      'A DynamoDB table every replica of the collector shares (keyed by leaseKey, on-demand, encrypted with kinesis.kmsKeyArn or export.kmsKeyArn when given, ' +
      'else with the AWS managed key aws/dynamodb), granted to the collector identity of the path. Without it the collector keeps its state in files (one replica).',
  },
);

// The collector deployed on ECS Fargate (`deploy`): image, size, task counts, network, sink and its secrets.
const IMAGE_REPOSITORY = text(
  '^(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*(?::\\d{1,5})?/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$',
  'must be an image repository without tag or digest, such as 111122223333.dkr.ecr.us-east-1.amazonaws.com/cwl-siem-collector',
);
const IMAGE_TAG = text('^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$', 'must be an image tag: 1-128 letters, digits, _ . -, not starting with . or -');
const IMAGE_DIGEST = text('^sha256:[a-f0-9]{64}$', 'must be an image digest: sha256: and 64 lowercase hex digits');
const SUBNET_ID = text('^subnet-([0-9a-f]{8}|[0-9a-f]{17})$', 'must be a subnet id such as subnet-0123456789abcdef0');
const SECURITY_GROUP_ID = text('^sg-([0-9a-f]{8}|[0-9a-f]{17})$', 'must be a security group id such as sg-0123456789abcdef0');
const VPC_ID = text('^vpc-([0-9a-f]{8}|[0-9a-f]{17})$', 'must be a VPC id such as vpc-0123456789abcdef0');
const ECS_CLUSTER_ARN = text(
  '^arn:(aws|aws-us-gov|aws-cn):ecs:[a-z0-9-]+:\\d{12}:cluster/[A-Za-z0-9_-]{1,255}$',
  'must be an ECS cluster ARN such as arn:aws:ecs:us-east-1:111122223333:cluster/platform',
);
const SECRET_ENV_NAME = text(
  '^(?!CWL_SIEM_)[A-Za-z_][A-Za-z0-9_]*$',
  "must be an environment variable name: letters, digits and _, not starting with a digit nor with CWL_SIEM_ (the collector's own settings)",
);
const SECRET_ARN = text(
  '^arn:(aws|aws-us-gov|aws-cn):(secretsmanager:[a-z0-9-]+:\\d{12}:secret:[A-Za-z0-9/_+=.@-]{1,512}|ssm:[a-z0-9-]+:\\d{12}:parameter/[A-Za-z0-9_.-][A-Za-z0-9_./-]{0,1010})$',
  'must be a Secrets Manager secret ARN (arn:aws:secretsmanager:us-east-1:111122223333:secret:hec-token-AbCdEf) or an SSM parameter ARN (arn:aws:ssm:us-east-1:111122223333:parameter/cwl-siem/hec-token)',
);
/** The Fargate task sizes (vCPU units); memory combinations are checked by config/rules.ts. */
export const FARGATE_CPU_UNITS = [256, 512, 1024, 2048, 4096] as const;

const DEPLOY = object(
  {
    image: object({ repository: IMAGE_REPOSITORY, tag: IMAGE_TAG, digest: IMAGE_DIGEST }, ['repository'], {
      description: 'The collector image (collector/Dockerfile, pushed to a registry the tasks can pull from): repository and exactly one of tag and digest.',
      ...exactlyOneOf('tag', 'digest'),
    }),
    cpu: { type: 'integer', enum: [...FARGATE_CPU_UNITS], default: 512, description: 'Fargate CPU units of a task (1024 = one vCPU).' },
    memoryMiB: integer(512, 30720, { default: 1024, description: 'Memory of a task; one of the amounts Fargate allows for the cpu.' }),
    desiredCount: integer(1, 1000, { default: 1, description: 'Tasks started on deploy.' }),
    minCount: integer(1, 1000, { default: 1, description: 'Fewest tasks autoscaling leaves running.' }),
    maxCount: integer(1, 1000, { description: 'Most tasks autoscaling starts; autoscaling only when above minCount. Default: desiredCount.' }),
    network: object(
      {
        subnetIds: list(SUBNET_ID),
        securityGroupIds: list(SECURITY_GROUP_ID),
        vpcId: { ...VPC_ID, description: 'Create an egress-only security group for the tasks in this VPC.' },
        assignPublicIp: { type: 'boolean', default: false, description: 'A public IP per task (public subnets without a NAT gateway).' },
      },
      ['subnetIds'],
      {
        description: "The tasks' subnets, and exactly one of securityGroupIds (existing groups) and vpcId (an egress-only group created in that VPC).",
        ...exactlyOneOf('securityGroupIds', 'vpcId'),
      },
    ),
    clusterArn: { ...ECS_CLUSTER_ARN, description: "An existing cluster of the stack's account and region. Default: a cluster <namePrefix>-collector." },
    sink: {
      type: 'object',
      description:
        "The collector's sink block (README: Sinks), checked with the collector's own config schema. Secrets only as ${NAME} references or tokenEnv, each NAME a key of secrets.",
    },
    secrets: {
      type: 'object',
      description:
        'Environment variables of the collector container taken from Secrets Manager secrets or SSM parameters, by ARN: the values never enter the config or the Terraform state.',
      propertyNames: SECRET_ENV_NAME,
      additionalProperties: SECRET_ARN,
    },
    secretsKmsKeyArn: {
      ...KMS_KEY_ARN,
      description: 'Customer managed key of the secrets (kms:Decrypt for the execution role). Default: none (AWS managed keys).',
    },
    logRetentionDays: {
      type: 'integer',
      enum: [...LOG_RETENTION_DAYS],
      default: 30,
      description: "Retention of the collector's log group /<namePrefix>/collector.",
    },
    alarms: object(
      {
        topicArn: {
          ...SNS_TOPIC_ARN,
          description: "SNS topic of the stack's region the collector's alarms notify. Default: central.alarmTopicArn on the central path, else none.",
        },
        iteratorAgeMs: integer(1000, undefined, { default: 60000, description: 'Kinesis: alarm when the oldest unread record is older.' }),
        oldestMessageAgeSeconds: integer(60, undefined, { default: 900, description: 'SQS: alarm when the oldest queued message is older.' }),
      },
      [],
      { default: {}, description: 'CloudWatch alarms on the pipeline the collector reads, and on its running tasks.' },
    ),
    scaling: object(
      {
        backlogPerTask: integer(1, undefined, { default: 1000, description: 'SQS: visible messages per running task that target tracking keeps.' }),
        iteratorAgeMs: integer(1000, undefined, { default: 60000, description: 'Kinesis: iterator age target tracking keeps.' }),
      },
      [],
      { default: {}, description: 'Autoscaling targets, used when maxCount is above minCount.' },
    ),
  },
  ['image', 'network', 'sink'],
  {
    description:
      'Run the collector on ECS Fargate in this stack: as the collector role of the path, with a collector config generated from this config (no hand-written one).',
  },
);

/** The collector of a path, as far as the toolkit provisions for it. */
const COLLECTOR = object({ state: COLLECTOR_STATE, deploy: DEPLOY }, [], { description: 'What the toolkit provisions for the collector of this path.' });
/** The export sender's collector: only its state (the collector of a cross-account export runs where its identity is). */
const SENDER_COLLECTOR = object({ state: COLLECTOR_STATE }, [], { description: 'What the toolkit provisions for the collector of this path.' });
/** The central path's collector: the SQS mode keeps no state (the queue is its state). */
const CENTRAL_COLLECTOR = object({ deploy: DEPLOY }, [], { description: 'The collector of the notification queue, deployed by the toolkit.' });

const IDENTITY_VARIANTS = {
  role: { required: ['roleName', 'trustedPrincipalArns'], properties: { roleName: IAM_NAME, trustedPrincipalArns: list(PRINCIPAL_ARN) } },
  user: { required: ['userName'], properties: { userName: IAM_NAME } },
};
const IDENTITY_DESCRIPTION = "The collector's identity: an IAM role assumed by the given principals, or an IAM user (no keys are created).";

const COLLECTOR_IDENTITY = union('type', IDENTITY_VARIANTS, { description: IDENTITY_DESCRIPTION });

/** The export bucket stack's collector: its identity and, like every path's collector block, its state. */
const EXPORT_COLLECTOR = union(
  'type',
  Object.fromEntries(Object.entries(IDENTITY_VARIANTS).map(([k, v]) => [k, { ...v, properties: { ...v.properties, state: COLLECTOR_STATE, deploy: DEPLOY } }])),
  { description: `${IDENTITY_DESCRIPTION} Same-account mode only. With state, the table its replicas share; with deploy (a role only), the collector on ECS.` },
);

const EXPORT = object(
  {
    bucketName: BUCKET_NAME,
    prefix: { ...KEY_PREFIX, default: EXPORT_PREFIX_DEFAULT },
    access: union(
      'mode',
      {
        'same-account': {},
        'cross-account-user': { required: ['sendingAccountId', 'userName'], properties: { sendingAccountId: ACCOUNT_ID, userName: IAM_NAME } },
        'cross-account-role': { required: ['sendingAccountId', 'roleName'], properties: { sendingAccountId: ACCOUNT_ID, roleName: IAM_NAME } },
      },
      { description: 'Who exports into the bucket: this account, or a user or role of another account.', default: { mode: 'same-account' } },
    ),
    // Export objects are deleted by the collector once delivered; expiry only catches leftovers.
    expirationDays: integer(1, undefined, { default: 7 }),
    versioning: { type: 'boolean', default: false },
    kmsKeyArn: KMS_KEY_ARN,
    collector: EXPORT_COLLECTOR,
  },
  ['bucketName'],
  { description: 'Export path, bucket side: the bucket CloudWatch Logs export tasks write to.' },
);

const EXPORT_SENDER = object(
  {
    bucketName: BUCKET_NAME,
    bucketAccountId: ACCOUNT_ID,
    prefix: { ...KEY_PREFIX, default: EXPORT_PREFIX_DEFAULT },
    identity: COLLECTOR_IDENTITY,
    bucketKmsKeyArn: KMS_KEY_ARN,
    collector: SENDER_COLLECTOR,
  },
  ['bucketName', 'bucketAccountId', 'identity'],
  { description: 'Export path, sending side: the identity in this account that exports to a bucket of another account and collects.' },
);

const SUBSCRIPTION = object(
  {
    filterName: FILTER_NAME,
    filterPattern: { type: 'string', maxLength: 1024, default: '' },
    logGroupNames: list(LOG_GROUP_NAME),
    accountPolicy: object({ excludeLogGroupNames: { type: 'array', uniqueItems: true, items: LOG_GROUP_NAME, default: [] } }, [], {
      description: 'Subscribe every log group of the account and region with one account-level policy.',
    }),
  },
  [],
  { description: 'The log groups to subscribe: exactly one of logGroupNames and accountPolicy.', ...exactlyOneOf('logGroupNames', 'accountPolicy') },
);

const KINESIS = object(
  {
    streamName: STREAM_NAME,
    capacity: union(
      'mode',
      { 'on-demand': {}, provisioned: { required: ['shardCount'], properties: { shardCount: integer(1, 10000) } } },
      { default: { mode: 'on-demand' } },
    ),
    // Kinesis' minimum: the collector checkpoints within minutes, a day covers an outage overnight.
    retentionHours: integer(24, 8760, { default: 24 }),
    kmsKeyArn: KMS_KEY_ARN,
    subscription: SUBSCRIPTION,
    reader: object(
      {
        roleName: IAM_NAME,
        create: { type: 'boolean', default: true },
        trustedPrincipalArns: list(PRINCIPAL_ARN),
      },
      [],
      { description: "The collector's reader role. Default: a role <namePrefix>-kinesis-reader trusted by the account." },
    ),
    collector: COLLECTOR,
  },
  ['streamName', 'subscription'],
  { description: 'Kinesis path: stream, subscription, reader.' },
);

const FIREHOSE = object(
  {
    deliveryStreamName: DELIVERY_STREAM_NAME,
    destination: object({ bucketName: BUCKET_NAME, kmsKeyArn: KMS_KEY_ARN }, ['bucketName'], { description: 'The central bucket.' }),
    prefix: KEY_PREFIX,
    errorOutputPrefix: KEY_PREFIX,
    // Firehose's own defaults: a SIEM sees events within about five minutes.
    bufferingSizeMiB: integer(1, 128, { default: 5 }),
    bufferingIntervalSeconds: integer(0, 900, { default: 300 }),
    processing: object({ decompress: { type: 'boolean', default: false }, extractMessages: { type: 'boolean', default: false } }, [], {
      default: { decompress: false, extractMessages: false },
    }),
    compression: { type: 'string', enum: ['UNCOMPRESSED', 'GZIP', 'ZIP', 'Snappy', 'HADOOP_SNAPPY'] },
    errorLogGroupName: LOG_GROUP_NAME,
    errorLogRetentionDays: { type: 'integer', enum: [...LOG_RETENTION_DAYS], default: 14 },
    subscription: SUBSCRIPTION,
  },
  ['deliveryStreamName', 'destination', 'subscription'],
  { description: 'Firehose path, source account: delivery stream to the central bucket, subscription.' },
);

const CENTRAL = object(
  {
    bucketName: BUCKET_NAME,
    prefix: { ...KEY_PREFIX, default: 'cwl' },
    organizationId: ORG_ID,
    // Long enough to replay a SIEM outage, bounded because the SIEM holds the copy.
    expirationDays: integer(1, undefined, { default: 30 }),
    writerRoleNames: list(IAM_NAME_PATTERN),
    queueName: QUEUE_NAME,
    // Long enough for the collector's largest object; it extends visibility for bigger ones.
    visibilityTimeoutSeconds: integer(0, 43200, { default: 300 }),
    // A message that failed this often goes to the dead-letter queue, not round and round.
    maxReceiveCount: integer(1, 1000, { default: 5 }),
    // 4 days, the SQS default.
    messageRetentionSeconds: integer(60, 1209600, { default: 345600 }),
    keyAlias: KMS_ALIAS,
    siem: object({ accountId: ACCOUNT_ID, externalId: EXTERNAL_ID, roleName: IAM_NAME }, ['accountId', 'externalId'], {
      description: "The SIEM's role: trusted by the SIEM vendor's account with an external id.",
    }),
    errorNotifications: {
      type: 'boolean',
      default: false,
      description: 'Announce Firehose error output (<prefix>-errors/) on a second queue, <queueName>-errors, which the SIEM role may consume.',
    },
    alarmTopicArn: { ...SNS_TOPIC_ARN, description: "SNS topic of the stack's region the queue alarms notify (on ALARM and OK). Default: none." },
    collector: CENTRAL_COLLECTOR,
  },
  ['bucketName', 'organizationId'],
  { description: 'Firehose path, logging account: central bucket, key, queue, SIEM role.' },
);

const DESTINATION = object(
  {
    name: DESTINATION_NAME,
    senderAccountIds: list(ACCOUNT_ID, {
      description: "The accounts that may subscribe: the destination policy and the delivery role's trust both list exactly these.",
    }),
    organizationId: {
      ...ORG_ID,
      description: 'An extra guard: a listed sender may subscribe only while a member of this organization. It admits no unlisted account.',
    },
  },
  ['name', 'senderAccountIds'],
  { description: "Cross-account CloudWatch Logs destination in front of this stack's Kinesis stream." },
);

const DESTINATION_SENDER = object(
  {
    destinationArn: {
      ...DESTINATION_ARN,
      description: "The destination in the receiving account. Default: the destination of this config whose senderAccountIds list this stack's account.",
    },
    subscription: SUBSCRIPTION,
  },
  ['subscription'],
  {
    description:
      "Sender side of a cross-account CloudWatch Logs destination: this account's log groups subscribe to a destination of another account (no role).",
  },
);

const STACK = object(
  {
    name: STACK_NAME,
    partition: { type: 'string', enum: [...PARTITIONS], default: 'aws' },
    region: REGION,
    accountId: ACCOUNT_ID,
    tags: TAGS,
    backend: BACKEND,
    export: EXPORT,
    exportSender: EXPORT_SENDER,
    kinesis: KINESIS,
    firehose: FIREHOSE,
    central: CENTRAL,
    destination: DESTINATION,
    destinationSender: DESTINATION_SENDER,
  },
  ['name', 'region', 'accountId'],
  {
    description:
      'One stack: an account and region, and the paths it provisions (at least one of export, exportSender, kinesis, firehose, central, destinationSender).',
    anyOf: ['export', 'exportSender', 'kinesis', 'firehose', 'central', 'destinationSender'].map((k) => ({ required: [k] })),
  },
);

/** The toolkit config schema (draft-07), as users write the config. */
export const toolkitConfigSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  title: 'cwl-siem toolkit config',
  description: 'Stacks that ship AWS CloudWatch Logs to a SIEM: export to S3, Kinesis, Firehose to a central bucket.',
  ...object(
    {
      $schema: { type: 'string', description: 'The schema of this file, for editors.' },
      namePrefix: NAME_PREFIX,
      tags: TAGS,
      stacks: { type: 'array', minItems: 1, items: STACK },
    },
    ['stacks'],
  ),
} as const;

/** The schema as the committed `config/toolkit-config.schema.json` holds it. */
export function schemaJson(): string {
  return `${JSON.stringify(toolkitConfigSchema, null, 2)}\n`;
}

// `node --require tsx/cjs config/schema.ts > config/toolkit-config.schema.json` regenerates the file.
if (require.main === module) process.stdout.write(schemaJson());
