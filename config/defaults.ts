import { logDestinationArn } from '../policies/arns';
import { accountPrincipalArn } from '../policies/compose';
import { Partition } from '../policies/partitions';
import { toolkitConfigSchema } from './schema';
import {
  CentralConfig,
  CollectorConfig,
  CollectorDeployConfig,
  CollectorStateConfig,
  DestinationSenderConfig,
  ExportAccessConfig,
  ExportSenderConfig,
  FirehoseConfig,
  KinesisConfig,
  LogGroupSelectionConfig,
  StackConfig,
  ToolkitConfig,
} from './types';

/**
 * Every default of the toolkit config, in two kinds:
 * - fixed ones, declared once as `default` in schema.ts: ajv (`useDefaults`) applies them when the
 *   loader validates, and {@link TOOLKIT_DEFAULTS} reads them from the schema for the constructs of
 *   modules/ used without a config, so that no module writes a default of its own;
 * - computed ones, which depend on other values (names after `namePrefix`, prefixes of a central
 *   bucket of the same config), applied by {@link applyComputedDefaults} after validation, with the
 *   name rules the constructs share.
 */

type SchemaNode = Record<string, unknown>;

/** The properties of a schema node's union variants (`allOf` of `if`/`then`), which hold the keys of each variant. */
const variantProperties = (node: SchemaNode): Record<string, SchemaNode>[] =>
  ((node.allOf as SchemaNode[] | undefined) ?? []).flatMap((branch) => {
    const then = branch.then as SchemaNode | undefined;
    return then?.properties ? [then.properties as Record<string, SchemaNode>] : [];
  });

/** The `default` schema.ts declares at a dotted key path (list items and union variants looked through); throws if it declares none. */
function schemaDefault(path: string): unknown {
  let node = toolkitConfigSchema as SchemaNode;
  for (const key of path.split('.')) {
    if (node.type === 'array') node = node.items as SchemaNode;
    const next = (node.properties as Record<string, SchemaNode> | undefined)?.[key] ?? variantProperties(node).find((p) => key in p)?.[key];
    if (!next) throw new Error(`config/schema.ts has no key ${path}`);
    node = next;
  }
  if (!('default' in node)) throw new Error(`config/schema.ts declares no default for ${path}`);
  return structuredClone(node.default);
}

function typed<T>(path: string, is: (v: unknown) => boolean): T {
  const value = schemaDefault(path);
  if (!is(value)) throw new Error(`config/schema.ts declares a default of the wrong type for ${path}: ${JSON.stringify(value)}`);
  return Object.freeze(value) as T;
}
const num = (path: string) => typed<number>(path, (v) => typeof v === 'number');
const str = (path: string) => typed<string>(path, (v) => typeof v === 'string');
const bool = (path: string) => typed<boolean>(path, (v) => typeof v === 'boolean');
const obj = <T>(path: string) => typed<T>(path, (v) => v !== null && typeof v === 'object');

/** The fixed defaults of schema.ts, read from it: what a construct assumes when a prop is left out. */
export const TOOLKIT_DEFAULTS = {
  namePrefix: str('namePrefix'),
  export: {
    prefix: str('stacks.export.prefix'),
    // A mode and nothing else: the one mode that names no other account.
    access: typed<Extract<ExportAccessConfig, { mode: 'same-account' }>>(
      'stacks.export.access',
      (v) => v !== null && typeof v === 'object' && Object.keys(v).join() === 'mode',
    ),
    expirationDays: num('stacks.export.expirationDays'),
    versioning: bool('stacks.export.versioning'),
  },
  exportSender: { prefix: str('stacks.exportSender.prefix') },
  /** Of every subscription (kinesis, firehose, destinationSender). */
  subscription: {
    filterPattern: str('stacks.kinesis.subscription.filterPattern'),
    excludeLogGroupNames: obj<readonly string[]>('stacks.kinesis.subscription.accountPolicy.excludeLogGroupNames'),
  },
  kinesis: {
    capacity: obj<KinesisConfig['capacity']>('stacks.kinesis.capacity'),
    retentionHours: num('stacks.kinesis.retentionHours'),
  },
  firehose: {
    bufferingSizeMiB: num('stacks.firehose.bufferingSizeMiB'),
    bufferingIntervalSeconds: num('stacks.firehose.bufferingIntervalSeconds'),
    decompress: bool('stacks.firehose.processing.decompress'),
    extractMessages: bool('stacks.firehose.processing.extractMessages'),
    errorLogRetentionDays: num('stacks.firehose.errorLogRetentionDays'),
  },
  /** Of every collector state table (kinesis, export, exportSender). */
  collectorState: {
    deletionProtection: bool('stacks.kinesis.collector.state.deletionProtection'),
    pointInTimeRecovery: bool('stacks.kinesis.collector.state.pointInTimeRecovery'),
  },
  /** Of every deployed collector (kinesis, export, central `collector.deploy`). */
  collectorDeploy: {
    cpu: num('stacks.kinesis.collector.deploy.cpu'),
    memoryMiB: num('stacks.kinesis.collector.deploy.memoryMiB'),
    desiredCount: num('stacks.kinesis.collector.deploy.desiredCount'),
    minCount: num('stacks.kinesis.collector.deploy.minCount'),
    assignPublicIp: bool('stacks.kinesis.collector.deploy.network.assignPublicIp'),
    logRetentionDays: num('stacks.kinesis.collector.deploy.logRetentionDays'),
    iteratorAgeAlarmMs: num('stacks.kinesis.collector.deploy.alarms.iteratorAgeMs'),
    oldestMessageAgeAlarmSeconds: num('stacks.kinesis.collector.deploy.alarms.oldestMessageAgeSeconds'),
    backlogPerTask: num('stacks.kinesis.collector.deploy.scaling.backlogPerTask'),
    iteratorAgeTargetMs: num('stacks.kinesis.collector.deploy.scaling.iteratorAgeMs'),
  },
  central: {
    prefix: str('stacks.central.prefix'),
    expirationDays: num('stacks.central.expirationDays'),
    visibilityTimeoutSeconds: num('stacks.central.visibilityTimeoutSeconds'),
    maxReceiveCount: num('stacks.central.maxReceiveCount'),
    messageRetentionSeconds: num('stacks.central.messageRetentionSeconds'),
    errorNotifications: bool('stacks.central.errorNotifications'),
  },
} as const;

// ---------------------------------------------------------------------------------------------------
// Name rules of computed defaults, shared with the constructs.

/** The subscription filter (or account policy) name of a path: `<namePrefix>-kinesis`. */
export const defaultFilterName = (namePrefix: string, path: 'kinesis' | 'firehose' | 'destination'): string => `${namePrefix}-${path}`;

/** The collector state table of a path: `<namePrefix>-kinesis-state`, `<namePrefix>-export-state` (both export sides). */
export const defaultStateTableName = (namePrefix: string, path: 'kinesis' | 'export'): string => `${namePrefix}-${path}-state`;

/** Firehose compresses only records it decompressed: CloudWatch Logs records are gzip already. */
export const defaultCompression = (decompress: boolean): FirehoseConfig['compression'] => (decompress ? 'GZIP' : 'UNCOMPRESSED');

/** The log group of a delivery stream's errors, where the Firehose console looks for it. */
export const defaultErrorLogGroupName = (deliveryStreamName: string): string => `/aws/kinesisfirehose/${deliveryStreamName}`;

/** Who may assume a collector role the toolkit creates: the given principals, else the account root. */
export function trustedPrincipalArnsOrAccount(partition: Partition, accountId: string, arns: readonly string[] | undefined): readonly string[] {
  return arns?.length ? arns : [accountPrincipalArn(partition, accountId)];
}

/** The ARN of the CloudWatch Logs destination a stack creates, if it creates one. */
export function destinationArnOf(stack: StackConfig): string | undefined {
  return stack.destination && logDestinationArn(stack.partition, stack.region, stack.accountId, stack.destination.name);
}

// ---------------------------------------------------------------------------------------------------
// Computed defaults: the ones that depend on other values, so JSON Schema `default` cannot express them.

type Writable<T> = { -readonly [K in keyof T]: T[K] };

/** A deployed collector runs as many tasks as it starts with, unless maxCount says more. */
function boundTaskCount(collector: CollectorConfig | undefined): void {
  const d = collector?.deploy as Writable<CollectorDeployConfig> | undefined;
  if (d) d.maxCount ??= d.desiredCount;
}

/** Names the table of a collector state block that names none. */
function nameStateTable(collector: CollectorConfig | undefined, namePrefix: string, path: 'kinesis' | 'export'): void {
  if (collector?.state) (collector.state as Writable<CollectorStateConfig>).tableName ??= defaultStateTableName(namePrefix, path);
}

/** Fills the computed defaults of a validated config, in place. */
export function applyComputedDefaults(config: ToolkitConfig): void {
  const p = config.namePrefix;
  for (const stack of config.stacks) {
    nameStateTable(stack.kinesis?.collector, p, 'kinesis');
    nameStateTable(stack.export?.collector, p, 'export');
    nameStateTable(stack.exportSender?.collector, p, 'export');
    for (const collector of [stack.kinesis?.collector, stack.export?.collector, stack.central?.collector]) boundTaskCount(collector);
    if (stack.exportSender) {
      const s = stack.exportSender as Writable<ExportSenderConfig>;
      // Decrypt with the bucket's key when this config describes that bucket: the collector reads the objects.
      const bucketKey = config.stacks.find((b) => b.export?.bucketName === s.bucketName && b.accountId === s.bucketAccountId)?.export?.kmsKeyArn;
      if (s.bucketKmsKeyArn === undefined && bucketKey !== undefined) s.bucketKmsKeyArn = bucketKey;
    }
    if (stack.kinesis) {
      const k = stack.kinesis as Writable<KinesisConfig>;
      (k.subscription as Writable<LogGroupSelectionConfig>).filterName ??= defaultFilterName(p, 'kinesis');
      k.reader ??= { create: true } as KinesisConfig['reader'];
      (k.reader as Writable<KinesisConfig['reader']>).roleName ??= `${p}-kinesis-reader`;
    }
    if (stack.firehose) {
      const f = stack.firehose as Writable<FirehoseConfig>;
      (f.subscription as Writable<LogGroupSelectionConfig>).filterName ??= defaultFilterName(p, 'firehose');
      // Deliver under the central bucket's prefix when this config describes that bucket: its policy
      // admits writes only under <prefix>/ and <prefix>-errors/.
      const centralPrefix = config.stacks.find((c) => c.central?.bucketName === f.destination.bucketName)?.central?.prefix ?? TOOLKIT_DEFAULTS.central.prefix;
      f.prefix ??= `${centralPrefix}/${stack.accountId}`;
      f.errorOutputPrefix ??= `${centralPrefix}-errors/${stack.accountId}`;
      f.compression ??= defaultCompression(f.processing.decompress);
      f.errorLogGroupName ??= defaultErrorLogGroupName(f.deliveryStreamName);
    }
    if (stack.destinationSender) {
      const d = stack.destinationSender as Writable<DestinationSenderConfig>;
      (d.subscription as Writable<LogGroupSelectionConfig>).filterName ??= defaultFilterName(p, 'destination');
      // The destination of this config that names this account as a sender, when exactly one does.
      const receivers = config.stacks.filter((r) => r !== stack && r.destination?.senderAccountIds.includes(stack.accountId));
      if (d.destinationArn === undefined && receivers.length === 1) d.destinationArn = destinationArnOf(receivers[0])!;
    }
    if (stack.central) {
      const c = stack.central as Writable<CentralConfig>;
      c.queueName ??= `${p}-objects`;
      c.keyAlias ??= `alias/${p}-central`;
      c.writerRoleNames ??= [`${p}-firehose-*`];
      if (c.siem) (c.siem as Writable<typeof c.siem>).roleName ??= `${p}-siem-reader`;
      // The collector of the queue alarms where the queue alarms do.
      const alarms = c.collector?.deploy?.alarms as Writable<CollectorDeployConfig['alarms']> | undefined;
      if (alarms && c.alarmTopicArn !== undefined) alarms.topicArn ??= c.alarmTopicArn;
    }
  }
}
