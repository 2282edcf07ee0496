import { Partition } from '../policies';

/**
 * The toolkit config, as the loader returns it: validated against `schema.ts` and with every default
 * applied (so optional-looking keys are present here). Users write the JSON form; see README.
 */
export interface ToolkitConfig {
  /** Prefix of every generated name (roles, filters, policies). @default "cwl-siem" */
  readonly namePrefix: string;
  /** Tags on every resource of every stack (provider `default_tags`). @default {} */
  readonly tags: Readonly<Record<string, string>>;
  /** One stack per account/region role. At least one. */
  readonly stacks: readonly StackConfig[];
}

export interface StackConfig {
  /** Stack id and folder name under cdktf.out/stacks: lowercase letters, digits, hyphens. Unique. */
  readonly name: string;
  /** @default "aws" */
  readonly partition: Partition;
  readonly region: string;
  /** The account this stack deploys into (the provider's `allowed_account_ids`). */
  readonly accountId: string;
  /** Tags on this stack's resources, merged over the top-level tags. @default {} */
  readonly tags: Readonly<Record<string, string>>;
  /** @default { "type": "local" } */
  readonly backend: BackendConfig;
  /** Export path, bucket side: the bucket export tasks write to. */
  readonly export?: ExportConfig;
  /** Export path, sending side (cross-account modes): the identity in the log account that exports and collects. */
  readonly exportSender?: ExportSenderConfig;
  /** Kinesis path: stream, subscription, reader. */
  readonly kinesis?: KinesisConfig;
  /** Firehose path, source account: delivery stream to the central bucket, subscription. */
  readonly firehose?: FirehoseConfig;
  /** Firehose path, logging account: central bucket, key, queue, SIEM role. */
  readonly central?: CentralConfig;
  /** Cross-account CloudWatch Logs destination in front of this stack's Kinesis stream. */
  readonly destination?: DestinationConfig;
  /** Sender side of a cross-account destination: this account's log groups subscribe to a destination of another account. */
  readonly destinationSender?: DestinationSenderConfig;
}

export type BackendConfig =
  /** State in a local file. */
  | { readonly type: 'local'; /** @default "terraform.<stack>.tfstate" */ readonly path?: string }
  /** State in S3 with optional DynamoDB locking. */
  | {
      readonly type: 's3';
      readonly bucket: string;
      readonly key: string;
      readonly region: string;
      /** DynamoDB locking, deprecated by Terraform; both may be on while migrating. @default none */
      readonly dynamodbTable?: string;
      /** S3-native locking (`use_lockfile`, Terraform 1.10+). @default true */
      readonly useLockfile: boolean;
      /** @default true */
      readonly encrypt: boolean;
    }
  /** Terraform Cloud / Enterprise `cloud` block. */
  | {
      readonly type: 'cloud';
      readonly organization: string;
      /** @default "app.terraform.io" */
      readonly hostname: string;
      /** One workspace by name, or every workspace with these tags. */
      readonly workspaces: { readonly name: string } | { readonly tags: readonly string[] };
    };

export type ExportAccessConfig =
  | { readonly mode: 'same-account' }
  | { readonly mode: 'cross-account-user'; readonly sendingAccountId: string; readonly userName: string }
  | { readonly mode: 'cross-account-role'; readonly sendingAccountId: string; readonly roleName: string };

/** Who the collector is, when this toolkit creates it. */
export type CollectorIdentityConfig =
  /** An IAM role assumed by the given principals (where the collector runs). */
  | { readonly type: 'role'; readonly roleName: string; readonly trustedPrincipalArns: readonly string[] }
  /** An IAM user, for SaaS collectors that need access keys (keys are not created by the toolkit). */
  | { readonly type: 'user'; readonly userName: string };

/**
 * Where the collector of a path keeps its checkpoints, leases and export progress, when the toolkit
 * creates the store: a DynamoDB table every replica shares (the collector's `state` block of type
 * "dynamodb", which `config from-terraform` writes from the stack outputs).
 */
export interface CollectorStateConfig {
  readonly type: 'dynamodb';
  /** @default "<namePrefix>-kinesis-state" (Kinesis path) or "<namePrefix>-export-state" (export path) */
  readonly tableName: string;
  /** The table cannot be deleted until this is turned off and applied. @default true */
  readonly deletionProtection: boolean;
  /** Continuous backups, restorable to any second of the last 35 days. @default true */
  readonly pointInTimeRecovery: boolean;
}

/**
 * The collector run by the toolkit on ECS Fargate, as the collector role of its path, with a
 * collector config generated from this config (modules/collector/collector-config.ts).
 */
export interface CollectorDeployConfig {
  /** The collector image: a repository and exactly one of tag and digest (`sha256:<64 hex>`). */
  readonly image: { readonly repository: string; readonly tag?: string; readonly digest?: string };
  /** Fargate CPU units of a task: 256, 512, 1024, 2048 or 4096. @default 512 */
  readonly cpu: 256 | 512 | 1024 | 2048 | 4096;
  /** Memory of a task, one of the amounts Fargate allows for `cpu`. @default 1024 */
  readonly memoryMiB: number;
  /** @default 1 */
  readonly desiredCount: number;
  /** @default 1 */
  readonly minCount: number;
  /** Autoscaling only when above minCount. @default desiredCount */
  readonly maxCount: number;
  readonly network: {
    /** At least one. */
    readonly subnetIds: readonly string[];
    /** Existing security groups; exactly one of securityGroupIds and vpcId. */
    readonly securityGroupIds?: readonly string[];
    /** Create an egress-only security group in this VPC; exactly one of securityGroupIds and vpcId. */
    readonly vpcId?: string;
    /** @default false */
    readonly assignPublicIp: boolean;
  };
  /** An existing cluster of the stack's account and region. @default a cluster "<namePrefix>-collector" */
  readonly clusterArn?: string;
  /** The collector's sink block, as its config holds it (collector/src/sinks/config.ts). */
  readonly sink: Readonly<Record<string, unknown>>;
  /** Environment variable name to Secrets Manager secret or SSM parameter ARN. @default none */
  readonly secrets?: Readonly<Record<string, string>>;
  /** Key of the secrets, for the execution role's kms:Decrypt. @default none */
  readonly secretsKmsKeyArn?: string;
  /** Retention of the log group "/<namePrefix>/collector". @default 30 */
  readonly logRetentionDays: number;
  readonly alarms: {
    /** @default central.alarmTopicArn on the central path, else none */
    readonly topicArn?: string;
    /** @default 60000 */
    readonly iteratorAgeMs: number;
    /** @default 900 */
    readonly oldestMessageAgeSeconds: number;
  };
  readonly scaling: {
    /** SQS. @default 1000 */
    readonly backlogPerTask: number;
    /** Kinesis. @default 60000 */
    readonly iteratorAgeMs: number;
  };
}

/** What the toolkit provisions for the collector of a path. */
export interface CollectorConfig {
  /** @default none: the collector keeps its state in files (one replica) */
  readonly state?: CollectorStateConfig;
  /** Run the collector on ECS Fargate (Kinesis path, export bucket's collector role). @default none */
  readonly deploy?: CollectorDeployConfig;
}

export interface ExportConfig {
  readonly bucketName: string;
  /** @default "cwl-exports" */
  readonly prefix: string;
  /** @default { "mode": "same-account" } */
  readonly access: ExportAccessConfig;
  /** Objects expire after this many days: a safety net, the collector deletes what it delivered. @default 7 */
  readonly expirationDays: number;
  /** @default false */
  readonly versioning: boolean;
  /** SSE-KMS with this key instead of SSE-S3. @default SSE-S3 */
  readonly kmsKeyArn?: string;
  /** Same-account mode only: create the collector identity in this stack, and its state table with `state`. @default none */
  readonly collector?: CollectorIdentityConfig & CollectorConfig;
}

export interface ExportSenderConfig {
  /** The export bucket in the other account. */
  readonly bucketName: string;
  readonly bucketAccountId: string;
  /** @default "cwl-exports" */
  readonly prefix: string;
  /** The user or role named in the bucket stack's `export.access`. */
  readonly identity: CollectorIdentityConfig;
  /**
   * The bucket's customer managed key (its `export.kmsKeyArn`): the identity gets `kms:Decrypt` on it
   * through S3 to read the exported objects. The key's policy must allow this account.
   * @default the bucket stack's `export.kmsKeyArn` when that stack is in this config, else none (SSE-S3)
   */
  readonly bucketKmsKeyArn?: string;
  /**
   * The state table of the identity's collector, in this account. Encrypted with the AWS managed key
   * `aws/dynamodb`: the bucket's key belongs to the bucket's account.
   * @default none
   */
  readonly collector?: Pick<CollectorConfig, 'state'>;
}

export interface LogGroupSelectionConfig {
  /** Subscription filter name (per log group) or account policy name. @default "<namePrefix>-kinesis", "<namePrefix>-firehose" or "<namePrefix>-destination" */
  readonly filterName: string;
  /** CloudWatch Logs filter pattern; "" forwards everything. @default "" */
  readonly filterPattern: string;
  /** Subscribe these log groups, one filter each. Exactly one of logGroupNames and accountPolicy. */
  readonly logGroupNames?: readonly string[];
  /** Subscribe every log group of the account and region with one account-level policy. */
  readonly accountPolicy?: {
    /** Log groups left out in addition to the destination's own (always excluded). @default [] */
    readonly excludeLogGroupNames: readonly string[];
  };
}

export interface KinesisConfig {
  readonly streamName: string;
  /** @default { "mode": "on-demand" } */
  readonly capacity: { readonly mode: 'on-demand' } | { readonly mode: 'provisioned'; readonly shardCount: number };
  /** @default 24 */
  readonly retentionHours: number;
  /** Customer managed key. @default the AWS managed key alias/aws/kinesis */
  readonly kmsKeyArn?: string;
  readonly subscription: LogGroupSelectionConfig;
  /** The collector's reader identity. @default a role "<namePrefix>-kinesis-reader" trusted by the account */
  readonly reader: {
    readonly roleName: string;
    /** Create the role; false attaches the reader policy to an existing role of that name. @default true */
    readonly create: boolean;
    /** Principals that may assume a created role. @default the stack's account root */
    readonly trustedPrincipalArns?: readonly string[];
  };
  /** The reader's state table (encrypted with `kmsKeyArn` when given), for several replicas. @default none */
  readonly collector?: CollectorConfig;
}

export interface FirehoseConfig {
  readonly deliveryStreamName: string;
  /** The central bucket (usually in the logging account). */
  readonly destination: { readonly bucketName: string; readonly kmsKeyArn?: string };
  /** @default "<central prefix>/<accountId>" (the central stack of this config with that bucket, else "cwl") */
  readonly prefix: string;
  /** @default "<central prefix>-errors/<accountId>" */
  readonly errorOutputPrefix: string;
  /** 1-128. @default 5 */
  readonly bufferingSizeMiB: number;
  /** 0-900. @default 300 */
  readonly bufferingIntervalSeconds: number;
  /**
   * Firehose decompresses the CloudWatch Logs gzip and (extractMessages) keeps only the log messages.
   * @default { "decompress": false, "extractMessages": false }
   */
  readonly processing: { readonly decompress: boolean; readonly extractMessages: boolean };
  /** @default "GZIP" when decompress is on, else "UNCOMPRESSED" (the records are gzip already) */
  readonly compression: 'UNCOMPRESSED' | 'GZIP' | 'ZIP' | 'Snappy' | 'HADOOP_SNAPPY';
  /** @default "/aws/kinesisfirehose/<deliveryStreamName>" */
  readonly errorLogGroupName: string;
  /** @default 14 */
  readonly errorLogRetentionDays: number;
  readonly subscription: LogGroupSelectionConfig;
}

export interface CentralConfig {
  readonly bucketName: string;
  /** @default "cwl" */
  readonly prefix: string;
  readonly organizationId: string;
  /** @default 30 */
  readonly expirationDays: number;
  /** Narrow the organization's writers to these role names/patterns. @default ["<namePrefix>-firehose-*"] */
  readonly writerRoleNames: readonly string[];
  /** @default "<namePrefix>-objects" */
  readonly queueName: string;
  /** @default 300 */
  readonly visibilityTimeoutSeconds: number;
  /** @default 5 */
  readonly maxReceiveCount: number;
  /** @default 345600 (4 days) */
  readonly messageRetentionSeconds: number;
  /** @default "alias/<namePrefix>-central" */
  readonly keyAlias: string;
  readonly siem?: {
    readonly accountId: string;
    readonly externalId: string;
    /** @default "<namePrefix>-siem-reader" */
    readonly roleName: string;
  };
  /**
   * Announce Firehose error output (`<prefix>-errors/`) on a second queue, `<queueName>-errors` (same
   * DLQ), which the SIEM role may consume, with an alarm when its oldest message waits too long.
   * @default false
   */
  readonly errorNotifications: boolean;
  /**
   * SNS topic of the stack's partition and region the queue alarms notify on ALARM and OK.
   * @default none: the alarms only change state in the CloudWatch console
   */
  readonly alarmTopicArn?: string;
  /** The collector of the notification queue, run by the toolkit (as the SIEM reader role). @default none */
  readonly collector?: { readonly deploy?: CollectorDeployConfig };
}

export interface DestinationConfig {
  readonly name: string;
  /**
   * The one list of sender accounts: the destination policy admits exactly these, and the CloudWatch
   * Logs role's trust lists exactly these (with the stack's account) as sources. At least one, unique.
   */
  readonly senderAccountIds: readonly string[];
  /**
   * An extra guard on the listed senders: each must also be a member of this organization
   * (`aws:PrincipalOrgID`). It never admits an unlisted account. @default none
   */
  readonly organizationId?: string;
}

export interface DestinationSenderConfig {
  /**
   * The CloudWatch Logs destination in the receiving account, same partition and region.
   * @default the ARN of the one destination of this config whose `senderAccountIds` list this stack's account
   */
  readonly destinationArn: string;
  /** `filterName` defaults to "<namePrefix>-destination"; an account policy always leaves out the collector's log group. */
  readonly subscription: LogGroupSelectionConfig;
}
