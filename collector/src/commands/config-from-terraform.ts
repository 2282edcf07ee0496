/**
 * `config from-terraform`: writes a collector config from the outputs of a deployed cwl-siem
 * toolkit stack (`terraform output -json`, `cdktf deploy --outputs-file`, or a flat name → value
 * map), for one collector mode. The config is validated like `check-config` before it is written.
 */
import { promises as fs } from 'node:fs';
import { CollectorConfigError, ConfigProblem, parseCollectorConfig } from './config/load';
import { collectorConfigSchema } from './config/schema';
import { SINK_DEFAULTS, SINK_TYPES, SinkType } from './sinks/config';
import { writeFileAtomic } from './ops/atomic-file';
import { ERROR_CODES } from './types';

/** The collector modes a toolkit stack can feed, each the source type of the config. */
export type CollectorMode = 'kinesis' | 'export' | 'sqs';

export const COLLECTOR_MODES: readonly CollectorMode[] = ['kinesis', 'export', 'sqs'];

/** The outputs each mode cannot do without (besides `region`), in the order they are reported. */
export const MODE_OUTPUTS: Readonly<Record<CollectorMode, readonly string[]>> = {
  kinesis: ['kinesis_stream_name'],
  export: ['export_bucket', 'export_prefix'],
  sqs: ['queue_url'],
};

/** The outputs each mode reads when they are present. */
const OPTIONAL_OUTPUTS: Readonly<Record<CollectorMode, readonly string[]>> = {
  kinesis: ['kinesis_reader_role_arn'],
  export: ['export_collector_arn'],
  sqs: ['siem_role_arn'],
};

/** The environment variable the external id of `siem_role_arn` is read from when `--external-id` is not given. */
export const EXTERNAL_ID_ENV = 'CWL_SIEM_EXTERNAL_ID';

/** The sink, as the command-line flags describe it. */
export interface SinkFlags {
  readonly type: SinkType;
  /** `file`. */
  readonly path?: string;
  /** `syslog`. */
  readonly host?: string;
  /** `syslog`. */
  readonly port?: number;
  /** `syslog`. */
  readonly protocol?: string;
  /** `splunk-hec`, `http`. */
  readonly url?: string;
  /** `splunk-hec`: the environment variable holding the HEC token. @default "SPLUNK_HEC_TOKEN" */
  readonly tokenEnv?: string;
}

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
}

export interface ConfigFromTerraformResult {
  /** The collector config, as it is written (unresolved `${ENV}` references, no defaults filled in). */
  readonly config: Record<string, unknown>;
  /** What the user has to know to run it (credentials, environment variables). */
  readonly notes: string[];
}

/** Outputs or options that cannot make a valid collector config. The command exits 2 with its message. */
export class ConfigFromTerraformError extends Error {
  readonly code = ERROR_CODES.config;
  constructor(message: string) {
    super(message);
    this.name = 'ConfigFromTerraformError';
  }
}

const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/;
const USER_ARN = /^arn:aws[a-z-]*:iam::\d{12}:user\/.+$/;
const ENV_REF = /\$?\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

type Outputs = ReadonlyMap<string, { readonly value: unknown; readonly sensitive: boolean }>;

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

  if (options.objectsFrom?.length && mode !== 'sqs') throw new ConfigFromTerraformError(`--objects-from is only for --mode sqs (the Firehose path), got --mode ${mode}`);
  if (options.externalId !== undefined && !(mode === 'sqs' && has('siem_role_arn'))) {
    throw new ConfigFromTerraformError(`--external-id is only for --mode sqs with the output siem_role_arn${mode === 'sqs' ? ', which these outputs lack' : ''}`);
  }

  let source: Record<string, unknown>;
  switch (mode) {
    case 'kinesis': {
      source = { type: 'kinesis', streamName: take('kinesis_stream_name', '$.source.streamName'), region: take('region', '$.source.region') };
      if (has('kinesis_reader_role_arn')) source.assumeRole = { roleArn: take('kinesis_reader_role_arn', '$.source.assumeRole.roleArn') };
      else notes.push('no kinesis_reader_role_arn output: the collector reads the stream with its own credentials (no assumeRole written)');
      break;
    }
    case 'export': {
      source = {
        type: 'export',
        region: take('region', '$.source.region'),
        bucket: take('export_bucket', '$.source.bucket'),
        prefix: take('export_prefix', '$.source.prefix'),
      };
      if (has('export_collector_arn')) {
        const arn = stringOutput(found, 'export_collector_arn');
        if (ROLE_ARN.test(arn)) {
          source.assumeRole = { roleArn: take('export_collector_arn', '$.source.assumeRole.roleArn') };
        } else if (USER_ARN.test(arn)) {
          notes.push(`export_collector_arn is an IAM user (${arn}): run the collector with that user's access keys; no assumeRole written`);
        } else {
          throw new ConfigFromTerraformError(`output export_collector_arn must be an IAM role or user ARN, got ${JSON.stringify(arn)}`);
        }
      } else {
        notes.push(
          'no export_collector_arn output (the bucket side of a cross-account export): run the collector in the sending account, with credentials that may create export tasks and read the bucket; no assumeRole written',
        );
      }
      break;
    }
    case 'sqs': {
      source = { type: 'sqs', queueUrl: take('queue_url', '$.source.queueUrl'), region: take('region', '$.source.region') };
      if (has('siem_role_arn')) {
        let externalId = options.externalId;
        if (externalId === undefined) {
          externalId = `\${${EXTERNAL_ID_ENV}}`;
          notes.push(`siem_role_arn is assumed with an external id, which is not an output: set ${EXTERNAL_ID_ENV} where the collector runs (the toolkit config's central.siem.externalId), or pass --external-id`);
        } else {
          from.set('$.source.assumeRole.externalId', '--external-id');
        }
        source.assumeRole = { roleArn: take('siem_role_arn', '$.source.assumeRole.roleArn'), externalId };
      } else {
        notes.push('no siem_role_arn output: the collector polls the queue and reads the bucket with its own credentials (no assumeRole written)');
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

  const config: Record<string, unknown> = { $schema: collectorConfigSchema.$id, source, sink: buildSink(options, notes) };
  for (const assignment of options.set ?? []) applySet(config, assignment);

  const refs = envReferences(config);
  validate(config, refs, from, notes);
  const others = [...refs.names].filter((n) => n !== EXTERNAL_ID_ENV || options.externalId !== undefined);
  if (others.length) notes.push(`the config refers to environment variables that must be set where the collector runs: ${others.join(', ')}`);
  return { config, notes };
}

// ---------------------------------------------------------------------------------------------
// Outputs

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** One output as `terraform output -json` prints it: { value, type, sensitive }. */
const isTerraformOutput = (v: unknown): v is { value: unknown; sensitive?: unknown } =>
  isObject(v) && 'value' in v && Object.keys(v).every((k) => k === 'value' || k === 'type' || k === 'sensitive');

/** Tells the three formats apart and returns the outputs of the chosen stack by name. */
function readOutputs(raw: unknown, stack: string | undefined): Outputs {
  if (!isObject(raw)) {
    throw new ConfigFromTerraformError(`the outputs must be a JSON object (terraform output -json, cdktf --outputs-file, or {"name": "value"}), got ${describeType(raw)}`);
  }
  const entries = Object.entries(raw);
  if (entries.length === 0) throw new ConfigFromTerraformError('the outputs are empty: was the stack applied (terraform apply / cdktf deploy)?');

  if (entries.every(([, v]) => isTerraformOutput(v))) {
    noStack(stack, 'terraform output -json');
    return new Map(
      entries.map(([name, v]) => {
        const o = v as { value: unknown; sensitive?: unknown };
        if (o.sensitive !== undefined && typeof o.sensitive !== 'boolean') throw new ConfigFromTerraformError(`output ${name}: "sensitive" must be true or false, got ${JSON.stringify(o.sensitive)}`);
        return [name, { value: o.value, sensitive: o.sensitive === true }];
      }),
    );
  }
  const mixed = entries.find(([, v]) => isTerraformOutput(v));
  if (mixed) {
    const other = entries.find(([, v]) => !isTerraformOutput(v))!;
    throw new ConfigFromTerraformError(
      `these are not Terraform outputs: ${mixed[0]} is a terraform output -json entry ({"value": …}) but ${other[0]} is not (${describeType(other[1])})`,
    );
  }

  if (entries.every(([, v]) => isObject(v))) {
    // cdktf deploy --outputs-file: { "<stack>": { "<output>": value } }.
    const names = entries.map(([n]) => n);
    let chosen: string;
    if (stack !== undefined) {
      if (!(stack in raw)) throw new ConfigFromTerraformError(`--stack ${stack}: no such stack in the outputs; they hold ${names.join(', ')}`);
      chosen = stack;
    } else if (names.length === 1) {
      chosen = names[0];
    } else {
      throw new ConfigFromTerraformError(`the outputs hold several stacks: choose one with --stack NAME (${names.join(', ')})`);
    }
    const outputs = Object.entries(raw[chosen] as Record<string, unknown>);
    if (outputs.length === 0) throw new ConfigFromTerraformError(`stack ${chosen} has no outputs: was it deployed?`);
    return new Map(outputs.map(([name, value]) => [name, { value, sensitive: false }]));
  }

  noStack(stack, 'a {"name": "value"} map');
  return new Map(entries.map(([name, value]) => [name, { value, sensitive: false }]));
}

/** Every stack's outputs in `raw`: each stack of a cdktf outputs file, else the one set. */
function allStacks(raw: unknown): Outputs[] {
  if (isObject(raw) && Object.keys(raw).length > 0 && Object.values(raw).every((v) => isObject(v) && !isTerraformOutput(v))) {
    return Object.keys(raw).map((name) => readOutputs(raw, name));
  }
  return [readOutputs(raw, undefined)];
}

/** The stacks of a cdktf outputs file other than the chosen one (none for the other formats). */
function otherStacks(raw: unknown, chosen: string | undefined): Outputs[] {
  if (!isObject(raw) || !Object.values(raw).every((v) => isObject(v) && !isTerraformOutput(v)) || Object.keys(raw).length < 2) return [];
  return Object.keys(raw)
    .filter((name) => name !== chosen)
    .map((name) => readOutputs(raw, name));
}

/** `objects.prefixes` entries for Firehose source stacks that deliver extracted messages, sorted by prefix. */
function extractedSources(stacks: readonly Outputs[]): { prefix: string; logGroup: string; logStream?: string; owner: string }[] {
  const byPrefix = new Map<string, { prefix: string; logGroup: string; logStream?: string; owner: string }>();
  for (const outputs of stacks) {
    if (!outputs.has('firehose_log_group')) continue;
    const missing = ['firehose_prefix', 'account_id'].filter((n) => !outputs.has(n));
    if (missing.length) throw new ConfigFromTerraformError(`a source stack with the output firehose_log_group lacks ${missing.join(' and ')}`);
    const entry = {
      prefix: `${stringOutput(outputs, 'firehose_prefix').replace(/\/$/, '')}/`,
      logGroup: stringOutput(outputs, 'firehose_log_group'),
      ...(outputs.has('firehose_log_stream') ? { logStream: stringOutput(outputs, 'firehose_log_stream') } : {}),
      owner: stringOutput(outputs, 'account_id'),
    };
    const seen = byPrefix.get(entry.prefix);
    if (seen && JSON.stringify(seen) !== JSON.stringify(entry)) {
      throw new ConfigFromTerraformError(`two source stacks deliver extracted messages under ${entry.prefix} with different log groups (${seen.logGroup}, ${entry.logGroup})`);
    }
    byPrefix.set(entry.prefix, entry);
  }
  return [...byPrefix.values()].sort((a, b) => (a.prefix < b.prefix ? -1 : a.prefix > b.prefix ? 1 : 0));
}

function noStack(stack: string | undefined, format: string): void {
  if (stack !== undefined) throw new ConfigFromTerraformError(`--stack ${stack}: only a cdktf --outputs-file file names stacks, and these outputs are ${format}`);
}

function describeType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  return `${typeof v} ${JSON.stringify(v)?.slice(0, 60)}`;
}

/** The outputs the collector can use. */
function fits(outputs: Outputs): CollectorMode[] {
  return COLLECTOR_MODES.filter((m) => outputs.has('region') && MODE_OUTPUTS[m].every((n) => outputs.has(n)));
}

function fitHint(outputs: Outputs): string {
  const modes = fits(outputs);
  if (modes.length === 0) {
    const need = COLLECTOR_MODES.map((m) => `${m} needs ${[...MODE_OUTPUTS[m], 'region'].join(' and ')}`).join('; ');
    return `they fit no mode (${need})`;
  }
  return `they fit ${modes.map((m) => `--mode ${m}`).join(' or ')}`;
}

function checkMode(outputs: Outputs, mode: string | undefined): CollectorMode {
  if (mode === undefined) throw new ConfigFromTerraformError(`--mode kinesis|export|sqs is required; ${fitHint(outputs)}`);
  if (!COLLECTOR_MODES.includes(mode as CollectorMode)) throw new ConfigFromTerraformError(`--mode must be one of ${COLLECTOR_MODES.join(', ')}, got ${JSON.stringify(mode)}; ${fitHint(outputs)}`);
  const m = mode as CollectorMode;
  const missing = [...MODE_OUTPUTS[m], 'region'].filter((n) => !outputs.has(n));
  if (missing.length) {
    const list = missing.length === 1 ? `the output ${missing[0]}` : `the outputs ${missing.join(' and ')}`;
    throw new ConfigFromTerraformError(`--mode ${m} needs ${list}, which these outputs lack; ${fitHint(outputs)}`);
  }
  for (const name of [...MODE_OUTPUTS[m], 'region', ...OPTIONAL_OUTPUTS[m]]) {
    if (outputs.get(name)?.sensitive) {
      throw new ConfigFromTerraformError(
        `output ${name} is marked sensitive: it is not written into a config file in clear (pass it with --set and an \${ENV} reference, from outputs without it)`,
      );
    }
  }
  return m;
}

function stringOutput(outputs: Outputs, name: string): string {
  const value = outputs.get(name)!.value;
  if (typeof value !== 'string') throw new ConfigFromTerraformError(`output ${name} must be a string, got ${describeType(value)}`);
  if (value === '') throw new ConfigFromTerraformError(`output ${name} is empty`);
  if (value.includes('${')) {
    throw new ConfigFromTerraformError(`output ${name} is an unresolved expression (${JSON.stringify(value)}): read the outputs of the applied stack (terraform output -json), not the synthesized cdk.tf.json`);
  }
  return value;
}

// ---------------------------------------------------------------------------------------------
// Sink

const SINK_FLAGS: Readonly<Record<Exclude<keyof SinkFlags, 'type'>, { readonly flag: string; readonly sinks: readonly SinkType[] }>> = {
  path: { flag: '--path', sinks: ['file'] },
  host: { flag: '--host', sinks: ['syslog'] },
  port: { flag: '--port', sinks: ['syslog'] },
  protocol: { flag: '--protocol', sinks: ['syslog'] },
  url: { flag: '--url', sinks: ['splunk-hec', 'http'] },
  tokenEnv: { flag: '--token-env', sinks: ['splunk-hec'] },
};

function buildSink(options: ConfigFromTerraformOptions, notes: string[]): unknown {
  if (options.sinkConfig !== undefined) {
    if (options.sink !== undefined) throw new ConfigFromTerraformError('--sink-config and --sink (or its flags) exclude each other');
    if (!isObject(options.sinkConfig)) throw new ConfigFromTerraformError(`--sink-config must hold a JSON object (a sink block such as {"type": "stdout"}), got ${describeType(options.sinkConfig)}`);
    return structuredClone(options.sinkConfig);
  }
  const flags: SinkFlags = options.sink ?? { type: 'stdout' };
  if (!SINK_TYPES.includes(flags.type)) throw new ConfigFromTerraformError(`--sink must be one of ${SINK_TYPES.join(', ')}, got ${JSON.stringify(flags.type)}`);
  for (const [key, { flag, sinks }] of Object.entries(SINK_FLAGS)) {
    if (flags[key as keyof SinkFlags] !== undefined && !sinks.includes(flags.type)) {
      throw new ConfigFromTerraformError(`${flag} is only for --sink ${sinks.join(' or ')}, not --sink ${flags.type}`);
    }
  }
  const need = (key: 'path' | 'host' | 'url'): string => {
    const v = flags[key];
    if (v === undefined || v === '') throw new ConfigFromTerraformError(`--sink ${flags.type} needs ${SINK_FLAGS[key].flag}`);
    return v;
  };
  switch (flags.type) {
    case 'stdout':
      return { type: 'stdout' };
    case 'file':
      return { type: 'file', path: need('path') };
    case 'syslog':
      return {
        type: 'syslog',
        host: need('host'),
        ...(flags.protocol !== undefined ? { protocol: flags.protocol } : {}),
        ...(flags.port !== undefined ? { port: flags.port } : {}),
      };
    case 'splunk-hec': {
      const tokenEnv = flags.tokenEnv ?? SINK_DEFAULTS['splunk-hec'].tokenEnv;
      notes.push(`the Splunk HEC token is read from the environment variable ${tokenEnv} when the collector starts; it is not written into the config`);
      return { type: 'splunk-hec', url: need('url'), tokenEnv };
    }
    case 'http':
      return { type: 'http', url: need('url') };
  }
}

// ---------------------------------------------------------------------------------------------
// --set

const FORBIDDEN_KEYS = new Set(['__proto__', 'prototype', 'constructor']);

/** Applies one `dotted.path=VALUE`. A missing top-level object starts from the schema's default (e.g. checkpoint's type). */
function applySet(config: Record<string, unknown>, assignment: string): void {
  const eq = assignment.indexOf('=');
  if (eq <= 0) throw new ConfigFromTerraformError(`--set ${JSON.stringify(assignment)}: must be dotted.path=VALUE, e.g. checkpoint.path=/state/checkpoints.json`);
  const path = assignment.slice(0, eq).split('.');
  const text = assignment.slice(eq + 1);
  if (path.some((k) => k === '' || FORBIDDEN_KEYS.has(k))) throw new ConfigFromTerraformError(`--set ${JSON.stringify(assignment)}: ${JSON.stringify(assignment.slice(0, eq))} is not a dotted path of keys`);
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
    if (!isObject(next)) throw new ConfigFromTerraformError(`--set ${path.join('.')}: ${path.slice(0, i + 1).join('.')} is ${describeType(next)}, not an object`);
    target = next;
  }
  const last = path[path.length - 1];
  if (value === null) delete target[last];
  else target[last] = value;
}

// ---------------------------------------------------------------------------------------------
// Validation

const PLACEHOLDER = 'placeholder';

/** The `${NAME}` references of the config (not `$${`, not sink headers, which the sink resolves) and the JSON paths holding one. */
function envReferences(config: unknown): { names: Set<string>; paths: Set<string> } {
  const names = new Set<string>();
  const paths = new Set<string>();
  const walk = (v: unknown, path: string): void => {
    if (path === '$.sink.headers') return;
    if (typeof v === 'string') {
      for (const m of v.matchAll(ENV_REF)) {
        if (m[0].startsWith('$$')) continue;
        names.add(m[1]);
        paths.add(path);
      }
    } else if (Array.isArray(v)) {
      v.forEach((x, i) => walk(x, `${path}[${i}]`));
    } else if (isObject(v)) {
      for (const [k, x] of Object.entries(v)) walk(x, jsonPath(path, k));
    }
  };
  walk(config, '$');
  return { names, paths };
}

const jsonPath = (base: string, key: string): string => (/^[A-Za-z_$][\w$]*$/.test(key) ? `${base}.${key}` : `${base}[${JSON.stringify(key)}]`);

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
    const lines = failing.map((p) => `  - ${p.path}${from.has(p.path) ? ` (from ${from.get(p.path)!.startsWith('--') ? '' : 'output '}${from.get(p.path)})` : ''}: ${p.message}`);
    throw new ConfigFromTerraformError(`the config would not be valid (${failing.length} problem${failing.length === 1 ? '' : 's'}):\n${lines.join('\n')}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Command line

export interface ConfigCommandIo {
  readonly stdin: NodeJS.ReadableStream;
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
}

export const CONFIG_USAGE = `Usage: cwl-siem-collector config from-terraform --outputs FILE|- --mode MODE [options]

Writes a collector config from the outputs of a deployed cwl-siem toolkit stack, validated
as check-config would. The outputs are any of:
  terraform output -json          {"queue_url": {"value": "...", "type": "string"}, ...}
  cdktf deploy --outputs-file F   {"<stack>": {"queue_url": "...", ...}, ...}
  a flat map                      {"queue_url": "...", ...}

Options:
  --outputs FILE|-       the outputs (- reads standard input)                  (required)
  --mode MODE            kinesis | export | sqs                                (required)
  --stack NAME           the stack of a cdktf outputs file holding several
  --sink TYPE            stdout | file | syslog | splunk-hec | http (default: stdout)
    --path FILE            file: the file events are appended to
    --host HOST            syslog: the receiver
    --port N               syslog: default 6514 for tls, 514 for tcp and udp
    --protocol P           syslog: tls (default) | tcp | udp
    --url URL              splunk-hec (the .../services/collector/event endpoint), http
    --token-env NAME       splunk-hec: variable holding the token (default: SPLUNK_HEC_TOKEN)
  --sink-config FILE     a JSON sink block, instead of --sink and its flags
  --objects-from FILE    sqs: outputs of a Firehose source stack whose messages are extracted
                         (firehose_log_group); repeatable. The other stacks of a cdktf
                         outputs file given as --outputs are read too
  --external-id VALUE    sqs with siem_role_arn: the external id (default: the reference
                         \${${EXTERNAL_ID_ENV}}, resolved when the collector starts)
  --set PATH=VALUE       set a config key, after everything else; repeatable. VALUE is
                         JSON when it parses (8, true, "8", [...]), else a string; null
                         removes the key. E.g. --set source.endpoint=http://127.0.0.1:4566
                         --set checkpoint.path=/state/checkpoints.json
  --out FILE             write FILE (atomically) instead of standard output
  --force                let --out replace an existing file
  -h, --help             print this help

Modes and the outputs they read:
  kinesis  kinesis_stream_name, region; assumes kinesis_reader_role_arn when present
  export   export_bucket, export_prefix, region; assumes export_collector_arn when it is a
           role (an IAM user's access keys are the collector's own credentials)
  sqs      queue_url, region; assumes siem_role_arn with the external id when present;
           names extracted messages by firehose_log_group, firehose_log_stream,
           firehose_prefix and account_id of source stacks

Notes on running the config go to standard error.
Exit status: 0 written, 1 the file could not be written, 2 usage error or bad outputs.
`;

class UsageError extends Error {}

interface CommandOptions {
  readonly outputs: string;
  readonly mode?: string;
  readonly stack?: string;
  readonly sink?: SinkFlags;
  readonly sinkConfigFile?: string;
  readonly externalId?: string;
  readonly set: readonly string[];
  readonly objectsFrom: readonly string[];
  readonly out?: string;
  readonly force: boolean;
}

/** Runs `config SUBCOMMAND ARGS` (only `from-terraform` for now); resolves with the exit status. */
export async function runConfigCommand(args: string[], io: ConfigCommandIo): Promise<number> {
  const [sub, ...rest] = args;
  switch (sub) {
    case 'from-terraform':
      return runConfigFromTerraform(rest, io);
    case '--help':
    case '-h':
    case 'help':
      io.stdout.write(CONFIG_USAGE);
      return 0;
    default:
      io.stderr.write(`config: ${sub === undefined ? 'needs a subcommand' : `unknown subcommand "${sub}"`}\n\n${CONFIG_USAGE}`);
      return 2;
  }
}

/** Runs `config from-terraform ARGS`; resolves with the exit status. Never throws. */
export async function runConfigFromTerraform(args: string[], io: ConfigCommandIo): Promise<number> {
  let options: CommandOptions | 'help';
  try {
    options = parseArgs(args);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    io.stderr.write(`config from-terraform: ${e.message}\n\n${CONFIG_USAGE}`);
    return 2;
  }
  if (options === 'help') {
    io.stdout.write(CONFIG_USAGE);
    return 0;
  }

  let result: ConfigFromTerraformResult;
  try {
    const outputs = await readJson(options.outputs, io.stdin, 'outputs');
    const sinkConfig = options.sinkConfigFile !== undefined ? await readJson(options.sinkConfigFile, io.stdin, 'sink config') : undefined;
    const objectsFrom: unknown[] = [];
    for (const file of options.objectsFrom) objectsFrom.push(await readJson(file, io.stdin, 'outputs'));
    result = configFromTerraform(outputs, {
      objectsFrom,
      mode: options.mode,
      stack: options.stack,
      sink: options.sink,
      sinkConfig,
      externalId: options.externalId,
      set: options.set,
    });
  } catch (e) {
    if (!(e instanceof ConfigFromTerraformError)) throw e;
    io.stderr.write(`config from-terraform: ${e.message}\n`);
    return 2;
  }

  const text = `${JSON.stringify(result.config, null, 2)}\n`;
  if (options.out === undefined) {
    io.stdout.write(text);
  } else {
    try {
      await writeAtomically(options.out, text, options.force);
    } catch (e) {
      if (e instanceof ConfigFromTerraformError) {
        io.stderr.write(`config from-terraform: ${e.message}\n`);
        return 2;
      }
      io.stderr.write(`config from-terraform: cannot write ${options.out}: ${(e as Error).message}\n`);
      return 1;
    }
  }
  for (const note of result.notes) io.stderr.write(`note: ${note}\n`);
  if (options.out !== undefined) io.stderr.write(`wrote ${options.out} (source ${(result.config.source as { type: string }).type}); check it with: cwl-siem-collector check-config --config ${options.out}\n`);
  return 0;
}

function parseArgs(args: readonly string[]): CommandOptions | 'help' {
  let outputs: string | undefined;
  let mode: string | undefined;
  let stack: string | undefined;
  let sinkType: string | undefined;
  const sinkFlags: { -readonly [K in Exclude<keyof SinkFlags, 'type'>]?: SinkFlags[K] } = {};
  let sinkConfigFile: string | undefined;
  let externalId: string | undefined;
  const set: string[] = [];
  const objectsFrom: string[] = [];
  let out: string | undefined;
  let force = false;
  const once = <T>(flag: string, current: T | undefined, v: T): T => {
    if (current !== undefined) throw new UsageError(`${flag} is given twice`);
    return v;
  };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (!arg.startsWith('-')) throw new UsageError(`unexpected argument ${JSON.stringify(arg)}`);
    const eq = arg.indexOf('=');
    const flag = arg.startsWith('--') && eq !== -1 ? arg.slice(0, eq) : arg;
    const value = (): string => {
      if (flag !== arg) return arg.slice(eq + 1);
      if (i + 1 >= args.length) throw new UsageError(`${flag} needs a value`);
      return args[++i];
    };
    switch (flag) {
      case '-h':
      case '--help':
        return 'help';
      case '--outputs':
        outputs = once(flag, outputs, value());
        break;
      case '--mode':
        mode = once(flag, mode, value());
        break;
      case '--stack':
        stack = once(flag, stack, value());
        break;
      case '--sink':
        sinkType = once(flag, sinkType, value());
        break;
      case '--path':
        sinkFlags.path = once(flag, sinkFlags.path, value());
        break;
      case '--host':
        sinkFlags.host = once(flag, sinkFlags.host, value());
        break;
      case '--port': {
        const v = value();
        if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > 65535) throw new UsageError(`--port must be a port number 1-65535, got ${JSON.stringify(v)}`);
        sinkFlags.port = once(flag, sinkFlags.port, Number(v));
        break;
      }
      case '--protocol': {
        const v = value();
        if (!['tls', 'tcp', 'udp'].includes(v)) throw new UsageError(`--protocol must be one of tls, tcp, udp, got ${JSON.stringify(v)}`);
        sinkFlags.protocol = once(flag, sinkFlags.protocol, v);
        break;
      }
      case '--url':
        sinkFlags.url = once(flag, sinkFlags.url, value());
        break;
      case '--token-env':
        sinkFlags.tokenEnv = once(flag, sinkFlags.tokenEnv, value());
        break;
      case '--sink-config':
        sinkConfigFile = once(flag, sinkConfigFile, value());
        break;
      case '--external-id':
        externalId = once(flag, externalId, value());
        break;
      case '--set':
        set.push(value());
        break;
      case '--objects-from':
        objectsFrom.push(value());
        break;
      case '--out':
        out = once(flag, out, value());
        break;
      case '--force':
        if (flag !== arg) throw new UsageError('--force takes no value');
        force = true;
        break;
      default:
        throw new UsageError(`unknown option ${flag}`);
    }
  }
  if (outputs === undefined) throw new UsageError('--outputs FILE|- is required (e.g. terraform output -json > outputs.json)');
  if (force && out === undefined) throw new UsageError('--force is only for --out');
  if (sinkConfigFile !== undefined && outputs === '-' && sinkConfigFile === '-') throw new UsageError('--outputs and --sink-config cannot both read standard input');
  if ([outputs, sinkConfigFile, ...objectsFrom].filter((f) => f === '-').length > 1) throw new UsageError('only one of --outputs, --sink-config and --objects-from may read standard input');
  const anySinkFlag = Object.keys(sinkFlags).length > 0;
  if (sinkConfigFile !== undefined && (sinkType !== undefined || anySinkFlag)) throw new UsageError('--sink-config and --sink (or its flags) exclude each other');
  let sink: SinkFlags | undefined;
  if (sinkType !== undefined || anySinkFlag) {
    const type = sinkType ?? 'stdout';
    if (!SINK_TYPES.includes(type as SinkType)) throw new UsageError(`--sink must be one of ${SINK_TYPES.join(', ')}, got ${JSON.stringify(type)}`);
    sink = { type: type as SinkType, ...sinkFlags };
  }
  return { outputs, mode, stack, sink, sinkConfigFile, externalId, set, objectsFrom, out, force };
}

async function readJson(file: string, stdin: NodeJS.ReadableStream, what: string): Promise<unknown> {
  const name = file === '-' ? '<stdin>' : file;
  let text: string;
  try {
    text = file === '-' ? await readAll(stdin) : await fs.readFile(file, 'utf8');
  } catch (e) {
    throw new ConfigFromTerraformError(`${name}: cannot read the ${what}: ${(e as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    const hint = what === 'outputs' ? '; write them with terraform output -json' : '';
    throw new ConfigFromTerraformError(`${name}: not JSON (${(e as Error).message.replace(/\s+/g, ' ')})${hint}`);
  }
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

/** Writes the config atomically (ops/atomic-file.ts); without `force`, an existing file is never replaced, even one that appears meanwhile. */
async function writeAtomically(path: string, text: string, force: boolean): Promise<void> {
  const exists = await fs.lstat(path).then(
    () => true,
    (e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return false;
      throw e;
    },
  );
  if (exists && !force) throw new ConfigFromTerraformError(`${path} exists: pass --force to replace it`);
  try {
    await writeFileAtomic(path, text, { replace: force });
  } catch (e) {
    if (!force && (e as NodeJS.ErrnoException).code === 'EEXIST') throw new ConfigFromTerraformError(`${path} exists: pass --force to replace it`);
    throw e;
  }
}
