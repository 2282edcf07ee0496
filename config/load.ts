import Ajv, { ErrorObject } from 'ajv';
import { readFileSync } from 'fs';
import { logDestinationArn } from '../policies/arns';
import { PARTITION_FACTS, partitionOfRegion } from '../policies/partitions';
import { toolkitConfigSchema } from './schema';
import { CentralConfig, DestinationSenderConfig, ExportSenderConfig, FirehoseConfig, KinesisConfig, LogGroupSelectionConfig, StackConfig, ToolkitConfig } from './types';

/** Stable error code of config errors. */
export const CONFIG_ERROR = 'CWL_SIEM_CONFIG';

/** One thing wrong with a config: where (JSONPath, `$.stacks[0].accountId`) and what was expected and given. */
export interface ConfigProblem {
  readonly path: string;
  readonly message: string;
}

/**
 * Thrown when a config cannot be read or is invalid. Lists every problem found, not only the first,
 * so a user can fix them all at once.
 */
export class ConfigError extends Error {
  readonly code = CONFIG_ERROR;
  constructor(
    /** The file path or label the config came from. */
    readonly source: string,
    readonly problems: readonly ConfigProblem[],
  ) {
    super(
      `${source}: ${problems.length} problem${problems.length === 1 ? '' : 's'} in the config:\n` +
        problems.map((p) => `  - ${p.path}: ${p.message}`).join('\n'),
    );
    this.name = 'ConfigError';
  }
}

// strictRequired is off: the `oneOf`/`anyOf` branches `{ required: [key] }` name keys of the enclosing
// object's `properties`, which ajv compiles after those branches and so cannot see. Everything else is strict.
const ajv = new Ajv({ strict: true, strictRequired: false, allErrors: true, useDefaults: true, verbose: true });
// Annotation only: the words error messages (here and in VS Code) use instead of the regex.
ajv.addKeyword('patternErrorMessage');
const validate = ajv.compile(toolkitConfigSchema);

/**
 * Validates a config as users write it (parsed JSON) and returns it with every default applied,
 * deep-frozen. `raw` is never modified. Throws a {@link ConfigError} listing every problem.
 */
export function parseConfig(raw: unknown, source: string): ToolkitConfig {
  let data: unknown;
  try {
    // A JSON round trip is both the deep clone and a check that the value is plain JSON data.
    data = JSON.parse(JSON.stringify(raw) ?? 'null');
  } catch (e) {
    throw new ConfigError(source, [{ path: '$', message: `must be plain JSON data, got a value that cannot be serialized (${(e as Error).message})` }]);
  }
  if (!validate(data)) throw new ConfigError(source, schemaProblems(validate.errors ?? [], data));
  // The editor's schema reference is not part of the loaded config.
  delete (data as { $schema?: string }).$schema;
  const config = data as ToolkitConfig;
  applyComputedDefaults(config);
  const problems = semanticProblems(config);
  if (problems.length > 0) throw new ConfigError(source, problems);
  return deepFreeze(config);
}

/** Reads and parses a config file (see {@link parseConfig}); the file path is the error source. */
export function loadConfig(path: string): ToolkitConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const why = err.code === 'ENOENT' ? 'no such file' : err.code === 'EISDIR' ? 'it is a directory' : err.message;
    throw new ConfigError(path, [{ path: '$', message: `cannot read the config file: ${why}` }]);
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new ConfigError(path, [{ path: '$', message: `the file is not valid JSON: ${jsonErrorText(text, e as Error)}` }]);
  }
  return parseConfig(raw, path);
}

// ---------------------------------------------------------------------------------------------------
// Computed defaults: the ones that depend on other values, so JSON Schema `default` cannot express them.

type Writable<T> = { -readonly [K in keyof T]: T[K] };

function applyComputedDefaults(config: ToolkitConfig): void {
  const p = config.namePrefix;
  for (const stack of config.stacks) {
    if (stack.exportSender) {
      const s = stack.exportSender as Writable<ExportSenderConfig>;
      // Decrypt with the bucket's key when this config describes that bucket: the collector reads the objects.
      const bucketKey = config.stacks.find((b) => b.export?.bucketName === s.bucketName && b.accountId === s.bucketAccountId)?.export?.kmsKeyArn;
      if (s.bucketKmsKeyArn === undefined && bucketKey !== undefined) s.bucketKmsKeyArn = bucketKey;
    }
    if (stack.kinesis) {
      const k = stack.kinesis as Writable<KinesisConfig>;
      (k.subscription as Writable<LogGroupSelectionConfig>).filterName ??= `${p}-kinesis`;
      k.reader ??= { create: true } as KinesisConfig['reader'];
      (k.reader as Writable<KinesisConfig['reader']>).roleName ??= `${p}-kinesis-reader`;
    }
    if (stack.firehose) {
      const f = stack.firehose as Writable<FirehoseConfig>;
      (f.subscription as Writable<LogGroupSelectionConfig>).filterName ??= `${p}-firehose`;
      // Deliver under the central bucket's prefix when this config describes that bucket: its policy
      // admits writes only under <prefix>/ and <prefix>-errors/.
      const centralPrefix = config.stacks.find((c) => c.central?.bucketName === f.destination.bucketName)?.central?.prefix ?? 'cwl';
      f.prefix ??= `${centralPrefix}/${stack.accountId}`;
      f.errorOutputPrefix ??= `${centralPrefix}-errors/${stack.accountId}`;
      f.compression ??= f.processing.decompress ? 'GZIP' : 'UNCOMPRESSED';
      f.errorLogGroupName ??= `/aws/kinesisfirehose/${f.deliveryStreamName}`;
    }
    if (stack.destinationSender) {
      const d = stack.destinationSender as Writable<DestinationSenderConfig>;
      (d.subscription as Writable<LogGroupSelectionConfig>).filterName ??= `${p}-destination`;
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
    }
  }
}

/** The ARN of the CloudWatch Logs destination a stack creates, if it creates one. */
export function destinationArnOf(stack: StackConfig): string | undefined {
  return stack.destination && logDestinationArn(stack.partition, stack.region, stack.accountId, stack.destination.name);
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

// ---------------------------------------------------------------------------------------------------
// Schema errors → one readable line each.

type SchemaNode = Record<string, unknown>;

/** A JSON Pointer (ajv's instancePath) as JSONPath; the data tells array indexes from numeric-looking keys. */
function jsonPath(pointer: string, root: unknown, extra?: string): string {
  const segments = pointer === '' ? [] : pointer.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (extra !== undefined) segments.push(extra);
  let node: unknown = root;
  let path = '$';
  for (const seg of segments) {
    if (Array.isArray(node)) path += `[${seg}]`;
    else path += /^[A-Za-z_$][\w$]*$/.test(seg) ? `.${seg}` : `[${JSON.stringify(seg)}]`;
    node = node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[seg] : undefined;
  }
  return path;
}

function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'boolean') return 'a boolean';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

const TYPE_WORDS: Record<string, string> = {
  string: 'a string',
  integer: 'an integer',
  number: 'a number',
  boolean: 'true or false',
  object: 'an object',
  array: 'a list',
  null: 'null',
};

function lowerFirst(s: string): string {
  return s.charAt(0).toLowerCase() + s.slice(1).replace(/\.$/, '');
}

/** What a subschema expects, as a noun phrase ("a 12-digit AWS account id as a string"). */
function expectation(schema: SchemaNode | undefined, describeObjects = false): string {
  if (!schema) return 'a value';
  if (typeof schema.patternErrorMessage === 'string') return schema.patternErrorMessage.replace(/^must be /, '');
  if (Array.isArray(schema.enum)) return `one of ${schema.enum.join(', ')}`;
  if (schema.type === 'integer' || schema.type === 'number') {
    const noun = TYPE_WORDS[schema.type];
    const { minimum: min, maximum: max } = schema;
    if (typeof min === 'number' && typeof max === 'number') return `${noun} from ${min} to ${max}`;
    if (typeof min === 'number') return `${noun} of at least ${min}`;
    if (typeof max === 'number') return `${noun} of at most ${max}`;
    return noun;
  }
  const tag = unionTag(schema);
  if (tag) return `an object with ${tag.name} one of ${tag.values.join(', ')}`;
  const noun = typeof schema.type === 'string' ? TYPE_WORDS[schema.type] ?? schema.type : 'a value';
  return describeObjects && typeof schema.description === 'string' ? `${noun} (${lowerFirst(schema.description)})` : noun;
}

/** The discriminator of a schema built by `union()` in schema.ts, with its values. */
function unionTag(schema: SchemaNode): { name: string; values: unknown[] } | undefined {
  const props = schema.properties as Record<string, SchemaNode> | undefined;
  if (!Array.isArray(schema.allOf) || !props || !Array.isArray(schema.required) || schema.required.length !== 1) return undefined;
  const name = schema.required[0] as string;
  const values = props[name]?.enum;
  return Array.isArray(values) ? { name, values } : undefined;
}

/** The keys of `oneOf`/`anyOf` branches that are all bare `{ required: [key] }`, else undefined. */
function requiredKeysOfBranches(branches: unknown): string[] | undefined {
  if (!Array.isArray(branches)) return undefined;
  const keys: string[] = [];
  for (const b of branches as SchemaNode[]) {
    if (Object.keys(b).length !== 1 || !Array.isArray(b.required) || b.required.length !== 1) return undefined;
    keys.push(b.required[0] as string);
  }
  return keys;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1].toLowerCase() === b[j - 1].toLowerCase() ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length];
}

function listWords(keys: readonly string[], conjunction: 'and' | 'or'): string {
  return keys.length <= 2 ? keys.join(` ${conjunction} `) : `${keys.slice(0, -1).join(', ')} ${conjunction} ${keys[keys.length - 1]}`;
}

function schemaProblems(errors: readonly ErrorObject[], data: unknown): ConfigProblem[] {
  // oneOf/anyOf over bare `required` branches get one line; their branches' own errors are noise.
  const summarised = errors.filter((e) => (e.keyword === 'oneOf' || e.keyword === 'anyOf') && requiredKeysOfBranches(e.schema));
  const isNoise = (e: ErrorObject): boolean =>
    e.keyword === 'if' || // the error of the variant's own keys is reported
    (e.keyword === 'propertyNames' && errors.some((o) => o.propertyName === e.params.propertyName && o !== e)) ||
    summarised.some((s) => s !== e && s.instancePath === e.instancePath && e.schemaPath.startsWith(`${s.schemaPath}/`));

  const problems: ConfigProblem[] = [];
  const seen = new Set<string>();
  for (const e of errors) {
    if (isNoise(e)) continue;
    const p = describe(e, data);
    const key = `${p.path}\n${p.message}`;
    if (!seen.has(key)) {
      seen.add(key);
      problems.push(p);
    }
  }
  return problems;
}

function describe(e: ErrorObject, root: unknown): ConfigProblem {
  const parent = (e.parentSchema ?? {}) as SchemaNode;
  const value: unknown = e.data;
  const got = `got ${show(value)}`;
  // Errors about a key name (propertyNames) point at the key.
  if (e.propertyName !== undefined) {
    return { path: jsonPath(e.instancePath, root, e.propertyName), message: `the key ${show(e.propertyName)} ${expectationLine(parent)}` };
  }
  const path = jsonPath(e.instancePath, root);
  switch (e.keyword) {
    case 'required': {
      const missing = e.params.missingProperty as string;
      const props = parent.properties as Record<string, SchemaNode> | undefined;
      return { path: jsonPath(e.instancePath, root, missing), message: `is missing; expected ${expectation(props?.[missing], true)}` };
    }
    case 'additionalProperties': {
      const key = e.params.additionalProperty as string;
      const allowed = Object.keys((parent.properties ?? {}) as object);
      const close = allowed.filter((a) => editDistance(a, key) <= Math.max(1, Math.floor(a.length / 4)));
      const hint = close.length ? ` (did you mean ${listWords(close.map((c) => `"${c}"`), 'or')}?)` : '';
      const where = unionTagValue(parent);
      return {
        path: jsonPath(e.instancePath, root, key),
        message: `unknown key "${key}"${hint}; allowed keys${where ? ` with ${where}` : ''}: ${allowed.join(', ')}`,
      };
    }
    case 'type': {
      const expected = expectation(parent);
      const sameKind = value === null || (parent.type === 'integer' && typeof value === 'number');
      return { path, message: `must be ${expected}, ${got}${sameKind ? '' : ` (${kindOf(value)})`}` };
    }
    case 'const':
      return { path, message: `must be ${show(e.params.allowedValue)}, ${got}` };
    case 'minLength':
    case 'maxLength':
      if (typeof parent.patternErrorMessage !== 'string') {
        const limit = e.params.limit as number;
        return { path, message: `must be ${e.keyword === 'minLength' ? 'at least' : 'at most'} ${limit} character${limit === 1 ? '' : 's'} long, ${got}` };
      }
      return { path, message: `must be ${expectation(parent)}, ${got}` };
    case 'pattern':
    case 'enum':
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return { path, message: `must be ${expectation(parent)}, ${got}` };
    case 'minItems':
    case 'maxItems': {
      const n = Array.isArray(value) ? value.length : 0;
      const limit = e.params.limit as number;
      const bound = e.keyword === 'minItems' ? 'at least' : 'at most';
      return { path, message: `must have ${bound} ${limit} item${limit === 1 ? '' : 's'}, got ${n === 0 ? 'none' : n}` };
    }
    case 'uniqueItems': {
      const [first, second] = [e.params.j as number, e.params.i as number].sort((a, b) => a - b);
      const item = Array.isArray(value) ? value[first] : undefined;
      return { path, message: `must not repeat an item: ${show(item)} is at [${first}] and [${second}]` };
    }
    case 'oneOf':
    case 'anyOf': {
      const keys = requiredKeysOfBranches(e.schema);
      if (!keys) return { path, message: `must match ${e.keyword === 'oneOf' ? 'exactly one' : 'at least one'} of the alternatives, ${got}` };
      const present = keys.filter((k) => value !== null && typeof value === 'object' && k in (value as object));
      if (e.keyword === 'anyOf') return { path, message: `must have at least one of ${listWords(keys, 'or')}, got none` };
      const given = present.length === 0 ? (keys.length === 2 ? 'neither' : 'none') : present.length === keys.length && keys.length === 2 ? 'both' : listWords(present, 'and');
      return { path, message: `must have exactly one of ${listWords(keys, 'and')}, got ${given}` };
    }
    default:
      return { path, message: `${e.message ?? 'is invalid'}, ${got}` };
  }
}

function expectationLine(schema: SchemaNode): string {
  const msg = schema.patternErrorMessage;
  return typeof msg === 'string' ? msg : `must be ${expectation(schema)}`;
}

/** For an unknown key inside a union variant: `type "s3"`, so the allowed keys read as that variant's. */
function unionTagValue(variant: SchemaNode): string | undefined {
  const props = variant.properties as Record<string, SchemaNode> | undefined;
  if (!props) return undefined;
  for (const tag of ['type', 'mode']) {
    if (props[tag] && 'const' in props[tag]) return `${tag} "${String(props[tag].const)}"`;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------------
// Rules across fields and stacks, which JSON Schema cannot express.

function semanticProblems(config: ToolkitConfig): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const problem = (path: string, message: string) => problems.push({ path, message });
  const stacks = config.stacks;
  const at = (i: number, rest = '') => `$.stacks[${i}]${rest}`;
  const named = (i: number) => `stack "${stacks[i].name}" at ${at(i)}`;

  const firstByName = new Map<string, number>();
  const bucketCreators = new Map<string, string>();
  stacks.forEach((s, i) => {
    const partition = partitionOfRegion(s.region);
    if (partition !== s.partition) {
      const example = PARTITION_FACTS[s.partition].example;
      problem(
        at(i, '.region'),
        partition
          ? `must be a region of partition ${s.partition} (such as ${example}), got "${s.region}", a region of ${partition}`
          : `must be a region of partition ${s.partition} (such as ${example}), got "${s.region}", which is no region of a supported partition`,
      );
    }

    const first = firstByName.get(s.name);
    if (first === undefined) firstByName.set(s.name, i);
    else problem(at(i, '.name'), `must be unique, got "${s.name}", the name of ${at(first, '.name')} too`);

    for (const [rest, bucket] of [['.export.bucketName', s.export?.bucketName], ['.central.bucketName', s.central?.bucketName]] as const) {
      if (bucket === undefined) continue;
      const other = bucketCreators.get(bucket);
      if (other) problem(at(i, rest), `must be unique (S3 bucket names are global), got "${bucket}", also created by ${other}`);
      else bucketCreators.set(bucket, at(i, rest));
    }

    // A regional ARN comes with what must be of the stack's region and why; a global one (IAM) with false.
    const KEY = `key of region ${s.region}, the stack's (KMS keys are regional)`;
    const TOPIC = `topic of region ${s.region}, the stack's (CloudWatch alarms notify topics of their own region only)`;
    const arns: [string, string | undefined, string | false][] = [
      ['.export.kmsKeyArn', s.export?.kmsKeyArn, KEY],
      ['.kinesis.kmsKeyArn', s.kinesis?.kmsKeyArn, KEY],
      ['.firehose.destination.kmsKeyArn', s.firehose?.destination.kmsKeyArn, KEY],
      ['.exportSender.bucketKmsKeyArn', s.exportSender?.bucketKmsKeyArn, KEY],
      ['.central.alarmTopicArn', s.central?.alarmTopicArn, TOPIC],
    ];
    (s.kinesis?.reader.trustedPrincipalArns ?? []).forEach((a, k) => arns.push([`.kinesis.reader.trustedPrincipalArns[${k}]`, a, false]));
    for (const [base, identity] of [['.export.collector', s.export?.collector], ['.exportSender.identity', s.exportSender?.identity]] as const) {
      if (identity?.type === 'role') identity.trustedPrincipalArns.forEach((a, k) => arns.push([`${base}.trustedPrincipalArns[${k}]`, a, false]));
    }
    for (const [rest, arn, regional] of arns) {
      if (arn === undefined) continue;
      const [, arnPartition, , arnRegion] = arn.split(':');
      if (arnPartition !== s.partition) problem(at(i, rest), `must be an ARN of partition ${s.partition}, the stack's, got "${arn}"`);
      else if (regional && arnRegion !== s.region) problem(at(i, rest), `must be a ${regional}, got "${arn}"`);
    }
    if (s.central?.errorNotifications && s.central.queueName.length > 73) {
      problem(
        at(i, '.central.queueName'),
        `must be at most 73 characters with errorNotifications, so that its errors queue "<queueName>-errors" fits the 80 characters SQS allows, got "${s.central.queueName}" (${s.central.queueName.length} characters)`,
      );
    }

    const access = s.export?.access;
    if (s.export?.collector && access && access.mode !== 'same-account') {
      problem(
        at(i, '.export.collector'),
        `is only for export.access mode same-account, got mode ${access.mode}: with cross-account access the collector is the sending stack's exportSender.identity`,
      );
    }
    if (access && access.mode !== 'same-account' && access.sendingAccountId === s.accountId) {
      problem(
        at(i, '.export.access.sendingAccountId'),
        `must be another account than the stack's own, got "${access.sendingAccountId}"; for exports from this account use mode same-account`,
      );
    }
    if (s.exportSender && s.exportSender.bucketAccountId === s.accountId) {
      problem(
        at(i, '.exportSender.bucketAccountId'),
        `must be another account than the stack's own, got "${s.exportSender.bucketAccountId}"; for a bucket in this account use export with access mode same-account`,
      );
    }
    if (s.destination && !s.kinesis) {
      problem(at(i, '.destination'), 'needs kinesis in the same stack (the destination forwards to its stream), got no kinesis');
    }
    s.destination?.senderAccountIds.forEach((sender, k) => {
      if (sender === s.accountId) {
        problem(
          at(i, `.destination.senderAccountIds[${k}]`),
          `must be another account than the stack's own, got "${sender}"; this account's log groups subscribe to the stream directly with kinesis.subscription`,
        );
      }
    });
    if (s.firehose?.processing.extractMessages && !s.firehose.processing.decompress) {
      problem(at(i, '.firehose.processing.extractMessages'), 'needs decompress true: Firehose extracts messages only from decompressed records, got decompress false');
    }
    if (s.firehose?.processing.extractMessages) {
      const sub = s.firehose.subscription;
      const groups = sub.logGroupNames ?? [];
      if (sub.accountPolicy || groups.length !== 1) {
        problem(
          at(i, '.firehose.processing.extractMessages'),
          'needs exactly one subscribed log group: extracted messages lose their log group and stream, so the collector can name only the one group the stream carries; ' +
            `got ${sub.accountPolicy ? 'subscription.accountPolicy (every log group of the account)' : `${groups.length} log groups in subscription.logGroupNames`}. ` +
            'Keep the envelope (extractMessages false) or give each log group its own delivery stream',
        );
      }
    }
    if (s.kinesis && !s.kinesis.reader.create && s.kinesis.reader.trustedPrincipalArns) {
      problem(at(i, '.kinesis.reader.trustedPrincipalArns'), 'applies only to a reader role the toolkit creates, got reader.create false');
    }

    const central = s.firehose && stacks.find((c) => c.central?.bucketName === s.firehose!.destination.bucketName)?.central;
    if (s.firehose && central) {
      if (!s.firehose.prefix.startsWith(`${central.prefix}/`)) {
        problem(at(i, '.firehose.prefix'), `must start with "${central.prefix}/": the central bucket ${central.bucketName} admits deliveries only under its prefix "${central.prefix}/", got "${s.firehose.prefix}"`);
      }
      if (!s.firehose.errorOutputPrefix.startsWith(`${central.prefix}-errors/`)) {
        problem(
          at(i, '.firehose.errorOutputPrefix'),
          `must start with "${central.prefix}-errors/": the central bucket ${central.bucketName} admits error output only there, got "${s.firehose.errorOutputPrefix}"`,
        );
      }
    }

    const kSub = s.kinesis?.subscription;
    const fSub = s.firehose?.subscription;
    if (kSub?.accountPolicy && fSub?.accountPolicy) {
      problem(
        at(i, '.firehose.subscription.accountPolicy'),
        'cannot be used with kinesis.subscription.accountPolicy in the same stack: an account and region has only one account-level subscription filter policy; list one path\'s log groups in logGroupNames instead',
      );
    }
    const dSub = s.destinationSender?.subscription;
    if (dSub?.accountPolicy) {
      const other = kSub?.accountPolicy ? 'kinesis' : fSub?.accountPolicy ? 'firehose' : undefined;
      if (other) {
        problem(
          at(i, '.destinationSender.subscription.accountPolicy'),
          `cannot be used with ${other}.subscription.accountPolicy in the same stack: an account and region has only one account-level subscription filter policy; list one path's log groups in logGroupNames instead`,
        );
      }
    }
    dSub?.logGroupNames?.forEach((group, k) => {
      const alsoBy = (['kinesis', 'firehose'] as const).filter((path) => s[path]?.subscription.logGroupNames?.includes(group));
      const sameName = alsoBy.find((path) => s[path]!.subscription.filterName === dSub.filterName);
      if (alsoBy.length === 2) {
        problem(at(i, `.destinationSender.subscription.logGroupNames[${k}]`), `is also subscribed by kinesis.subscription and firehose.subscription; a log group holds at most two subscription filters, got "${group}" in all three`);
      } else if (sameName) {
        problem(
          at(i, `.destinationSender.subscription.logGroupNames[${k}]`),
          `is also subscribed by ${sameName}.subscription with the same filter name "${dSub.filterName}"; a log group's filters need distinct names: set another filterName on one of them`,
        );
      }
    });
    if (kSub?.logGroupNames && fSub?.logGroupNames && kSub.filterName === fSub.filterName) {
      fSub.logGroupNames.forEach((group, k) => {
        if (kSub.logGroupNames!.includes(group)) {
          problem(
            at(i, `.firehose.subscription.logGroupNames[${k}]`),
            `is also subscribed by kinesis.subscription with the same filter name "${fSub.filterName}"; a log group's filters need distinct names: set another filterName on one of them`,
          );
        }
      });
    }
  });

  // Export: the sending stack's identity must be the one the bucket stack lets write.
  stacks.forEach((s, i) => {
    const sender = s.exportSender;
    if (!sender) return;
    const b = stacks.findIndex((o, j) => j !== i && o.export?.bucketName === sender.bucketName);
    if (b < 0) return;
    const bucketStack = stacks[b];
    const access = bucketStack.export!.access;
    if (bucketStack.accountId !== sender.bucketAccountId) {
      problem(at(i, '.exportSender.bucketAccountId'), `must be "${bucketStack.accountId}", the account of ${named(b)} that creates bucket "${sender.bucketName}", got "${sender.bucketAccountId}"`);
      return;
    }
    if (bucketStack.region !== s.region) {
      problem(
        at(i, '.exportSender.bucketName'),
        `must be a bucket of region ${s.region}, the stack's: the bucket policy of ${named(b)} lets CloudWatch Logs of ${bucketStack.region} write, got "${sender.bucketName}"`,
      );
    }
    if (access.mode === 'same-account') {
      problem(
        at(i, '.exportSender.identity'),
        `cannot export to bucket "${sender.bucketName}": its ${at(b, '.export.access')} mode is same-account, which lets no other account write; use cross-account-${sender.identity.type}`,
      );
      return;
    }
    const wanted = access.mode === 'cross-account-user' ? 'user' : 'role';
    if (sender.identity.type !== wanted) {
      problem(at(i, '.exportSender.identity.type'), `must be ${wanted}, as ${at(b, '.export.access')} mode ${access.mode} expects, got ${sender.identity.type}`);
    } else {
      const [field, expected, given] =
        access.mode === 'cross-account-user'
          ? ['userName', access.userName, (sender.identity as { userName: string }).userName]
          : ['roleName', access.roleName, (sender.identity as { roleName: string }).roleName];
      if (expected !== given) {
        problem(at(i, `.exportSender.identity.${field}`), `must be "${expected}", the ${field} in ${at(b, '.export.access')}, got "${given}"`);
      }
    }
    if (access.sendingAccountId !== s.accountId) {
      problem(at(b, '.export.access.sendingAccountId'), `must be "${s.accountId}", the account of ${named(i)} whose exportSender writes to this bucket, got "${access.sendingAccountId}"`);
    }
    if (bucketStack.export!.prefix !== sender.prefix) {
      problem(at(i, '.exportSender.prefix'), `must be "${bucketStack.export!.prefix}", the prefix in ${at(b, '.export')} the bucket policy lets it write under, got "${sender.prefix}"`);
    }
    const bucketKey = bucketStack.export!.kmsKeyArn;
    if (sender.bucketKmsKeyArn !== bucketKey) {
      problem(
        at(i, '.exportSender.bucketKmsKeyArn'),
        bucketKey === undefined
          ? `must be left out: ${at(b, '.export')} encrypts bucket "${sender.bucketName}" with SSE-S3 (no kmsKeyArn), got "${sender.bucketKmsKeyArn}"`
          : `must be "${bucketKey}", the ${at(b, '.export.kmsKeyArn')} the exported objects are encrypted with, got "${sender.bucketKmsKeyArn}"`,
      );
    }
  });

  // Firehose delivers to a central bucket of the same region.
  stacks.forEach((s, i) => {
    if (!s.firehose) return;
    const bucket = s.firehose.destination.bucketName;
    const c = stacks.findIndex((o) => o.central?.bucketName === bucket);
    if (c >= 0 && stacks[c].region !== s.region) {
      problem(
        at(i, '.firehose.destination.bucketName'),
        `must be a central bucket in region ${s.region}, the stack's, got "${bucket}" in ${stacks[c].region} (${named(c)}); deploy the source stack in the central bucket's region`,
      );
    }
  });

  // A destination sender subscribes to a destination of another account in its own partition and
  // region (the destination role's trust names CloudWatch Logs of that region), which lists it.
  stacks.forEach((s, i) => {
    const d = s.destinationSender;
    if (!d) return;
    const path = at(i, '.destinationSender.destinationArn');
    if (d.destinationArn === undefined) {
      const listing = stacks.flatMap((r, j) => (j !== i && r.destination?.senderAccountIds.includes(s.accountId) ? [named(j)] : []));
      problem(
        path,
        listing.length === 0
          ? `is missing, and no destination of this config lists ${s.accountId}, the stack's account, in its senderAccountIds; give the ARN of the destination in the receiving account, or add "${s.accountId}" to the receiving stack's destination.senderAccountIds`
          : `is missing, and ${listing.length} destinations of this config list ${s.accountId} in their senderAccountIds (${listing.join(', ')}); give the ARN of the one to subscribe to`,
      );
      return;
    }
    const [, partition, , region, account] = d.destinationArn.split(':');
    const r = stacks.findIndex((o, j) => j !== i && destinationArnOf(o) === d.destinationArn);
    const given = `got "${d.destinationArn}"${r >= 0 ? `, the destination of ${named(r)}` : ''}`;
    if (account === s.accountId) {
      problem(path, `must be a destination of another account than ${s.accountId}, the stack's own, ${given}; this account's log groups subscribe to its stream directly with kinesis.subscription`);
      return;
    }
    if (partition !== s.partition) {
      problem(path, `must be a destination of partition ${s.partition}, the stack's, ${given}`);
    } else if (region !== s.region) {
      problem(
        path,
        `must be a destination of region ${s.region}, the stack's: the destination's role trusts CloudWatch Logs of its own region only, ${given} in ${region}; deploy the sender stack in ${region}`,
      );
    }
    const senders = r >= 0 ? stacks[r].destination!.senderAccountIds : undefined;
    if (senders && !senders.includes(s.accountId)) {
      problem(
        at(r, '.destination.senderAccountIds'),
        `must include "${s.accountId}", the account of ${named(i)} whose destinationSender subscribes to this destination, got ${JSON.stringify(senders)}`,
      );
    }
  });
  return problems;
}

// ---------------------------------------------------------------------------------------------------
// JSON syntax errors with a line and column.

function jsonErrorText(text: string, error: Error): string {
  const reason = error.message
    .replace(/, ".*" is not valid JSON$/s, '')
    .replace(/ in JSON at position \d+.*$/s, '')
    .replace(/^Unexpected end of JSON input$/, 'unexpected end of input');
  const offset = jsonErrorOffset(text) ?? Number(/at position (\d+)/.exec(error.message)?.[1] ?? text.length);
  const before = text.slice(0, offset).split('\n');
  return `${reason} at line ${before.length}, column ${before[before.length - 1].length + 1} (position ${offset})`;
}

/** Where a JSON text stops being valid JSON (V8's messages do not always say), or undefined if it is valid. */
function jsonErrorOffset(text: string): number | undefined {
  let i = 0;
  const fail = (): never => {
    throw i;
  };
  const space = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i])) i++;
  };
  const expect = (c: string) => (text[i] === c ? i++ : fail());
  const string = () => {
    expect('"');
    while (i < text.length && text[i] !== '"') {
      if (text[i] === '\\') {
        i++;
        if (text[i] === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5))) fail();
          i += 4;
        } else if (!'"\\/bfnrt'.includes(text[i] ?? '')) fail();
      } else if (text.charCodeAt(i) < 0x20) fail();
      i++;
    }
    expect('"');
  };
  const value = (): void => {
    space();
    const c = text[i];
    if (c === '{' || c === '[') {
      const close = c === '{' ? '}' : ']';
      i++;
      space();
      if (text[i] === close) {
        i++;
        return;
      }
      for (;;) {
        if (c === '{') {
          space();
          string();
          space();
          expect(':');
        }
        value();
        space();
        if (text[i] === ',') i++;
        else return void expect(close);
      }
    }
    if (c === '"') return string();
    const number = /-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/y;
    number.lastIndex = i;
    if (number.test(text)) {
      i = number.lastIndex;
      return;
    }
    const literal = ['true', 'false', 'null'].find((l) => text.startsWith(l, i));
    if (!literal) fail();
    i += literal!.length;
  };
  try {
    value();
    space();
    if (i < text.length) fail();
    return undefined;
  } catch (at) {
    if (typeof at === 'number') return at;
    throw at;
  }
}
