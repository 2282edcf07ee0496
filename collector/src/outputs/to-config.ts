/**
 * Maps the outputs of a deployed cwl-siem toolkit stack to a collector config for one collector
 * mode: the library behind `config from-terraform`. Pure (no file, no environment); the config is
 * validated with the collector's own loader before it is returned.
 */
import { CollectorConfigError, ConfigProblem, parseCollectorConfig } from '../config/load';
import { envReferences } from '../config/env';
import { collectorConfigSchema } from '../config/schema';
import { STACK_OUTPUTS as O } from './names';
import { allStacks, ConfigFromTerraformError, describeType, isObject, otherStacks, Outputs, readOutputs, stringOutput } from './read';
import { buildSink, SinkFlags } from './sink';

/** The collector modes a toolkit stack can feed, each the source type of the config. */
export type CollectorMode = 'kinesis' | 'export' | 'sqs';

export const COLLECTOR_MODES: readonly CollectorMode[] = ['kinesis', 'export', 'sqs'];

/** The outputs each mode cannot do without (besides `region`), in the order they are reported. */
export const MODE_OUTPUTS: Readonly<Record<CollectorMode, readonly string[]>> = {
  kinesis: [O.kinesisStreamName],
  export: [O.exportBucket, O.exportPrefix],
  sqs: [O.queueUrl],
};

/**
 * The state table output of each mode that keeps state: with it the config's state is that DynamoDB
 * table (several replicas), without it the file store of the schema's default (one replica). The SQS
 * mode keeps none: the queue is its state.
 */
export const STATE_TABLE_OUTPUTS: Readonly<Partial<Record<CollectorMode, string>>> = {
  kinesis: O.kinesisStateTableName,
  export: O.exportStateTableName,
};

/** The outputs each mode reads when they are present. */
const OPTIONAL_OUTPUTS: Readonly<Record<CollectorMode, readonly string[]>> = {
  kinesis: [O.kinesisReaderRoleArn, O.kinesisStateTableName],
  export: [O.exportCollectorArn, O.exportStateTableName],
  sqs: [O.siemRoleArn],
};

/** The environment variable the external id of `siem_role_arn` is read from when `--external-id` is not given. */
export const EXTERNAL_ID_ENV = 'CWL_SIEM_EXTERNAL_ID';

export interface ConfigFromTerraformOptions {
  /** The source type to write. Required; checked here so the error can tell which modes the outputs fit. */
  readonly mode?: string;
  /** The stack of a `cdktf deploy --outputs-file` file; required when it holds several stacks. */
  readonly stack?: string;
  /** The sink from flags. @default { type: 'stdout' } */
  readonly sink?: SinkFlags;
  /** A JSON sink block used as is (instead of `sink`). */
  readonly sinkConfig?: unknown;
  /** External id of `siem_role_arn` (sqs mode). @default the reference `${CWL_SIEM_EXTERNAL_ID}` */
  readonly externalId?: string;
  /**
   * `dotted.path=VALUE` overrides applied last, in order. VALUE is parsed as JSON when it is JSON
   * (`8`, `true`, `"8"`, `[…]`), otherwise taken as a string; `null` removes the key.
   */
  readonly set?: readonly string[];
  /**
   * sqs mode: outputs of Firehose source stacks (any of the three formats), read for the log group,
   * stream and owner of extracted messages (`firehose_log_group`). The other stacks of a cdktf
   * outputs file given as `outputs` are read the same way. @default none
   */
  readonly objectsFrom?: readonly unknown[];
  /**
   * The config's `$schema`, for editors: the command gives the package's schema file relative to
   * where the config is written (outputs/schema-file.ts). @default none (no `$schema` key)
   */
  readonly schema?: string;
}

export interface ConfigFromTerraformResult {
  /** The collector config, as it is written (unresolved `${ENV}` references, no defaults filled in). */
  readonly config: Record<string, unknown>;
  /** What the user has to know to run it (credentials, environment variables). */
  readonly notes: string[];
}

const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/;
const USER_ARN = /^arn:aws[a-z-]*:iam::\d{12}:user\/.+$/;

/**
 * Builds a collector config for `options.mode` from toolkit stack outputs and validates it with
 * `parseCollectorConfig` (every `${NAME}` it refers to set to a placeholder). Pure: reads no file
 * and no environment. Throws ConfigFromTerraformError.
 */
export function configFromTerraform(outputs: unknown, options: ConfigFromTerraformOptions): ConfigFromTerraformResult {
  const notes: string[] = [];
  const found = readOutputs(outputs, options.stack);
  const mode = checkMode(found, options.mode);
  /** Config paths filled from an output, so a problem can name the output. */
  const from = new Map<string, string>();
  const take = (name: string, path: string): string => {
    from.set(path, name);
    return stringOutput(found, name);
  };
  const has = (name: string): boolean => found.has(name);

  if (options.objectsFrom?.length && mode !== 'sqs')
    throw new ConfigFromTerraformError(`--objects-from is only for --mode sqs (the Firehose path), got --mode ${mode}`);
  if (options.externalId !== undefined && !(mode === 'sqs' && has(O.siemRoleArn))) {
    throw new ConfigFromTerraformError(
      `--external-id is only for --mode sqs with the output ${O.siemRoleArn}${mode === 'sqs' ? ', which these outputs lack' : ''}`,
    );
  }

  let source: Record<string, unknown>;
  switch (mode) {
    case 'kinesis': {
      source = { type: 'kinesis', streamName: take(O.kinesisStreamName, '$.source.streamName'), region: take(O.region, '$.source.region') };
      if (has(O.kinesisReaderRoleArn)) source.assumeRole = { roleArn: take(O.kinesisReaderRoleArn, '$.source.assumeRole.roleArn') };
      else notes.push(`no ${O.kinesisReaderRoleArn} output: the collector reads the stream with its own credentials (no assumeRole written)`);
      break;
    }
    case 'export': {
      source = {
        type: 'export',
        region: take(O.region, '$.source.region'),
        bucket: take(O.exportBucket, '$.source.bucket'),
        prefix: take(O.exportPrefix, '$.source.prefix'),
      };
      if (has(O.exportCollectorArn)) {
        const arn = stringOutput(found, O.exportCollectorArn);
        if (ROLE_ARN.test(arn)) {
          source.assumeRole = { roleArn: take(O.exportCollectorArn, '$.source.assumeRole.roleArn') };
        } else if (USER_ARN.test(arn)) {
          notes.push(`${O.exportCollectorArn} is an IAM user (${arn}): run the collector with that user's access keys; no assumeRole written`);
        } else {
          throw new ConfigFromTerraformError(`output ${O.exportCollectorArn} must be an IAM role or user ARN, got ${JSON.stringify(arn)}`);
        }
      } else {
        notes.push(
          `no ${O.exportCollectorArn} output (the bucket side of a cross-account export): run the collector in the sending account, with credentials that may create export tasks and read the bucket; no assumeRole written`,
        );
      }
      break;
    }
    case 'sqs': {
      source = { type: 'sqs', queueUrl: take(O.queueUrl, '$.source.queueUrl'), region: take(O.region, '$.source.region') };
      if (has(O.siemRoleArn)) {
        let externalId = options.externalId;
        if (externalId === undefined) {
          externalId = `\${${EXTERNAL_ID_ENV}}`;
          notes.push(
            `${O.siemRoleArn} is assumed with an external id, which is not an output: set ${EXTERNAL_ID_ENV} where the collector runs (the toolkit config's central.siem.externalId), or pass --external-id`,
          );
        } else {
          from.set('$.source.assumeRole.externalId', '--external-id');
        }
        source.assumeRole = { roleArn: take(O.siemRoleArn, '$.source.assumeRole.roleArn'), externalId };
      } else {
        notes.push(`no ${O.siemRoleArn} output: the collector polls the queue and reads the bucket with its own credentials (no assumeRole written)`);
      }
      const prefixes = extractedSources([...otherStacks(outputs, options.stack), ...(options.objectsFrom ?? []).flatMap((o) => allStacks(o))]);
      if (prefixes.length > 0) {
        source.objects = { prefixes };
        notes.push(
          `objects under ${prefixes.map((p) => p.prefix).join(', ')} hold extracted messages (no envelope): their events are named with the log group, stream and owner of the source stack that delivers there`,
        );
      }
      break;
    }
  }

  const tableOutput = STATE_TABLE_OUTPUTS[mode];
  let state: Record<string, unknown> | undefined;
  if (tableOutput !== undefined && has(tableOutput)) {
    state = { type: 'dynamodb', table: take(tableOutput, '$.state.table'), region: take(O.region, '$.state.region') };
    // The identity the source assumes is the one the toolkit granted the table to.
    const role = (source.assumeRole as { roleArn?: string } | undefined)?.roleArn;
    if (role !== undefined) {
      state.assumeRole = { roleArn: role };
      from.set('$.state.assumeRole.roleArn', from.get('$.source.assumeRole.roleArn')!);
    }
  }

  const config: Record<string, unknown> = {
    ...(options.schema !== undefined && { $schema: options.schema }),
    source,
    ...(state && { state }),
    sink: buildSink(options.sink, options.sinkConfig, notes),
  };
  for (const assignment of options.set ?? []) applySet(config, assignment);

  const refs = envReferences(config);
  validate(config, refs, from, notes);
  const others = [...refs.names].filter((n) => n !== EXTERNAL_ID_ENV || options.externalId !== undefined);
  if (others.length) notes.push(`the config refers to environment variables that must be set where the collector runs: ${others.join(', ')}`);
  return { config, notes };
}

/** `objects.prefixes` entries for Firehose source stacks that deliver extracted messages, sorted by prefix. */
function extractedSources(stacks: readonly Outputs[]): { prefix: string; logGroup: string; logStream?: string; owner: string }[] {
  const byPrefix = new Map<string, { prefix: string; logGroup: string; logStream?: string; owner: string }>();
  for (const outputs of stacks) {
    if (!outputs.has(O.firehoseLogGroup)) continue;
    const missing = [O.firehosePrefix, O.accountId].filter((n) => !outputs.has(n));
    if (missing.length) throw new ConfigFromTerraformError(`a source stack with the output ${O.firehoseLogGroup} lacks ${missing.join(' and ')}`);
    const entry = {
      prefix: `${stringOutput(outputs, O.firehosePrefix).replace(/\/$/, '')}/`,
      logGroup: stringOutput(outputs, O.firehoseLogGroup),
      ...(outputs.has(O.firehoseLogStream) ? { logStream: stringOutput(outputs, O.firehoseLogStream) } : {}),
      owner: stringOutput(outputs, O.accountId),
    };
    const seen = byPrefix.get(entry.prefix);
    if (seen && JSON.stringify(seen) !== JSON.stringify(entry)) {
      throw new ConfigFromTerraformError(
        `two source stacks deliver extracted messages under ${entry.prefix} with different log groups (${seen.logGroup}, ${entry.logGroup})`,
      );
    }
    byPrefix.set(entry.prefix, entry);
  }
  return [...byPrefix.values()].sort((a, b) => (a.prefix < b.prefix ? -1 : a.prefix > b.prefix ? 1 : 0));
}

// ---------------------------------------------------------------------------------------------
// The mode

/** The outputs each mode needs, `region` last. */
const needed = (m: CollectorMode): string[] => [...MODE_OUTPUTS[m], O.region];

/** The modes whose outputs are all present. */
function fits(outputs: Outputs): CollectorMode[] {
  return COLLECTOR_MODES.filter((m) => needed(m).every((n) => outputs.has(n)));
}

function fitHint(outputs: Outputs): string {
  const modes = fits(outputs);
  if (modes.length === 0) {
    const need = COLLECTOR_MODES.map((m) => `${m} needs ${needed(m).join(' and ')}`).join('; ');
    return `they fit no mode (${need})`;
  }
  return `they fit ${modes.map((m) => `--mode ${m}`).join(' or ')}`;
}

function checkMode(outputs: Outputs, mode: string | undefined): CollectorMode {
  if (mode === undefined) throw new ConfigFromTerraformError(`--mode kinesis|export|sqs is required; ${fitHint(outputs)}`);
  if (!COLLECTOR_MODES.includes(mode as CollectorMode))
    throw new ConfigFromTerraformError(`--mode must be one of ${COLLECTOR_MODES.join(', ')}, got ${JSON.stringify(mode)}; ${fitHint(outputs)}`);
  const m = mode as CollectorMode;
  const missing = needed(m).filter((n) => !outputs.has(n));
  if (missing.length) {
    const list = missing.length === 1 ? `the output ${missing[0]}` : `the outputs ${missing.join(' and ')}`;
    throw new ConfigFromTerraformError(`--mode ${m} needs ${list}, which these outputs lack; ${fitHint(outputs)}`);
  }
  for (const name of [...needed(m), ...OPTIONAL_OUTPUTS[m]]) {
    if (outputs.get(name)?.sensitive) {
      throw new ConfigFromTerraformError(
        `output ${name} is marked sensitive: it is not written into a config file in clear (pass it with --set and an \${ENV} reference, from outputs without it)`,
      );
    }
  }
  return m;
}

// ---------------------------------------------------------------------------------------------
// --set

const FORBIDDEN_KEYS = new Set(['__proto__', 'prototype', 'constructor']);

/** Applies one `dotted.path=VALUE`. A missing top-level object starts from the schema's default (e.g. state's type). */
function applySet(config: Record<string, unknown>, assignment: string): void {
  const eq = assignment.indexOf('=');
  if (eq <= 0) throw new ConfigFromTerraformError(`--set ${JSON.stringify(assignment)}: must be dotted.path=VALUE, e.g. state.dir=/state`);
  const path = assignment.slice(0, eq).split('.');
  const text = assignment.slice(eq + 1);
  if (path.some((k) => k === '' || FORBIDDEN_KEYS.has(k)))
    throw new ConfigFromTerraformError(`--set ${JSON.stringify(assignment)}: ${JSON.stringify(assignment.slice(0, eq))} is not a dotted path of keys`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = text;
  }
  let target: Record<string, unknown> = config;
  for (let i = 0; i < path.length - 1; i++) {
    const key = path[i];
    let next = target[key];
    if (next === undefined) {
      if (value === null) return;
      const schemaDefault = i === 0 ? (collectorConfigSchema.properties as Record<string, { default?: unknown }>)[key]?.default : undefined;
      next = isObject(schemaDefault) ? structuredClone(schemaDefault) : {};
      target[key] = next;
    }
    if (!isObject(next))
      throw new ConfigFromTerraformError(`--set ${path.join('.')}: ${path.slice(0, i + 1).join('.')} is ${describeType(next)}, not an object`);
    target = next;
  }
  const last = path[path.length - 1];
  if (value === null) delete target[last];
  else target[last] = value;
}

// ---------------------------------------------------------------------------------------------
// Validation

const PLACEHOLDER = 'placeholder';

/**
 * Runs the collector's own validation. A problem at a value that holds a `${NAME}` reference
 * cannot be judged from a placeholder: it becomes a note; any other problem fails.
 */
function validate(config: Record<string, unknown>, refs: { names: Set<string>; paths: Set<string> }, from: ReadonlyMap<string, string>, notes: string[]): void {
  const env: NodeJS.ProcessEnv = Object.fromEntries([...refs.names].map((n) => [n, PLACEHOLDER]));
  let problems: readonly ConfigProblem[] = [];
  try {
    parseCollectorConfig(config, 'config from-terraform', env);
  } catch (e) {
    if (!(e instanceof CollectorConfigError)) throw e;
    problems = e.problems;
  }
  const deferred = problems.filter((p) => refs.paths.has(p.path));
  for (const p of deferred) notes.push(`${p.path} holds an environment reference, checked only when the collector starts (with a placeholder: ${p.message})`);
  const failing = problems.filter((p) => !refs.paths.has(p.path));
  if (failing.length) {
    const lines = failing.map(
      (p) => `  - ${p.path}${from.has(p.path) ? ` (from ${from.get(p.path)!.startsWith('--') ? '' : 'output '}${from.get(p.path)})` : ''}: ${p.message}`,
    );
    throw new ConfigFromTerraformError(`the config would not be valid (${failing.length} problem${failing.length === 1 ? '' : 's'}):\n${lines.join('\n')}`);
  }
}
