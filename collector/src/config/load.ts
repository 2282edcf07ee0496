/**
 * The collector config loader: `${ENV}` references (./env.ts), validation with the JSON Schema of
 * ./schema.ts (ajv, defaults applied) and the rules across fields, every problem reported at its
 * JSONPath (./problems.ts). The types here are the loaded form.
 */
import Ajv, { ErrorObject } from 'ajv';
import { readFileSync } from 'fs';
import { dirname } from 'path';
import type { DecodeLimits } from '../decoders/limits';
import type { SinkConfig } from '../sinks/config';
import { OPS_HOST_ENV } from '../ops/server';
import { refusedSinkSettings } from '../sinks/insecure';
import { ERROR_CODES } from '../types';
import { asWritten, substituteEnv } from './env';
import { ajvErrorPath, ajvProblems, ConfigProblem, ConfigProblemsError, didYouMean, unknownKey } from './problems';
import { unknownRegionMessage } from './regions';
import { collectorConfigSchema } from './schema';
import type { ExportSourceConfig } from '../sources/export/config';
import type { KinesisSourceConfig } from '../sources/kinesis/config';
import type { SqsSourceConfig } from '../sources/sqs/config';
import type { StateConfig } from '../state/config';

// Each source's settings are declared with the source (sources/<type>/config.ts).
export type { ExportSourceConfig, KinesisSourceConfig, SqsSourceConfig };

export type SourceConfig = KinesisSourceConfig | SqsSourceConfig | ExportSourceConfig;

/** The collector config with defaults applied and `${ENV}` references resolved. */
export interface CollectorConfig {
  readonly source: SourceConfig;
  readonly state: StateConfig;
  readonly sink: SinkConfig;
  readonly parsers: { readonly vpcFlowLogs: readonly { readonly logGroup: string; readonly format?: string }[] };
  readonly deadLetter: { readonly path: string };
  readonly ops: { readonly host: string; readonly port: number };
  readonly delivery: { readonly retryInitialDelayMs: number; readonly retryMaxDelayMs: number };
  readonly limits: DecodeLimits;
  readonly shutdownTimeoutMs: number;
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';
}

export type { ConfigProblem };

/** A config that cannot be used: every problem with its JSON path. Stops the process at start. */
export class CollectorConfigError extends ConfigProblemsError {
  readonly code = ERROR_CODES.config;
  constructor(source: string, problems: readonly ConfigProblem[]) {
    super(source, problems);
    this.name = 'CollectorConfigError';
  }
}

// Strict, except strictRequired: the if/then branches name properties declared one level up.
const ajv = new Ajv({ strict: true, strictRequired: false, allErrors: true, useDefaults: true, allowUnionTypes: true, verbose: true });
const validate = ajv.compile(collectorConfigSchema);

/** Reads, substitutes `${ENV}` references, validates and defaults a config file. */
export function loadCollectorConfig(path: string, env: NodeJS.ProcessEnv = process.env): CollectorConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new CollectorConfigError(path, [{ path: '$', message: `cannot read the file: ${(e as Error).message}` }]);
  }
  return loadCollectorConfigText(text, path, env);
}

/**
 * A config given as JSON text (the environment variable `run` reads, or a file's content), loaded as
 * a file is: `source` names it in every problem (`$CWL_SIEM_COLLECTOR_CONFIG: 1 problem in the config`).
 * Two mistakes of a config passed through an environment variable get their own message: a file path
 * instead of the JSON, and the JSON encoded twice (a JSON string holding the config).
 */
export function loadCollectorConfigText(text: string, source: string, env: NodeJS.ProcessEnv = process.env): CollectorConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    const hint = /^\s*[^\s{["]\S*\s*$/.test(text) && /[/\\]|\.json\s*$/i.test(text) ? '; it looks like a file path, not the config itself' : '';
    throw new CollectorConfigError(source, [{ path: '$', message: `is not valid JSON: ${(e as Error).message}${hint}` }]);
  }
  if (typeof raw === 'string' && isObject(parsedOrUndefined(raw))) {
    throw new CollectorConfigError(source, [{ path: '$', message: 'is a JSON string that holds the config (encoded twice?): give the JSON object itself' }]);
  }
  return parseCollectorConfig(raw, source, env);
}

/** Where a config comes from: a file, or JSON text named `label` in problems (the CLI's `--config` or environment variable). */
export type CollectorConfigInput = { readonly kind: 'file'; readonly path: string } | { readonly kind: 'env'; readonly text: string; readonly label: string };

/** {@link loadCollectorConfig} or {@link loadCollectorConfigText}, by where the config comes from. */
export function loadCollectorConfigFrom(input: CollectorConfigInput, env: NodeJS.ProcessEnv = process.env): CollectorConfig {
  return input.kind === 'file' ? loadCollectorConfig(input.path, env) : loadCollectorConfigText(input.text, input.label, env);
}

function parsedOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Validates an already-parsed config (a deep copy is made; the input is never changed). */
export function parseCollectorConfig(raw: unknown, source: string, env: NodeJS.ProcessEnv = process.env): CollectorConfig {
  const { config, problems, written } = substituteEnv(structuredClone(raw), env);
  if (problems.length) throw new CollectorConfigError(source, problems);
  applyEnvDefaults(config, env);
  const replaced = replacedKeys(config);
  if (replaced.length) throw new CollectorConfigError(source, replaced);
  const show = (value: unknown, path: string) => shown(value, path, written);
  if (!validate(config))
    throw new CollectorConfigError(
      source,
      ajvProblems(innermostUnknownKeys(validate.errors ?? []), (e) => describe(e, config, show)),
    );
  const c = config as CollectorConfig;
  const src = c.source;
  const regions: [string, string | undefined][] = [
    ['$.source.region', src.region],
    ['$.source.s3.region', src.type === 'kinesis' ? undefined : src.s3.region],
  ];
  for (const [path, region] of regions) {
    if (region === undefined) continue;
    const given = show(region, path);
    const message = unknownRegionMessage(region, given.fromEnv ? given.text : undefined);
    if (message) problems.push({ path, message });
  }
  if (src.type === 'kinesis') {
    const start = src.startPosition;
    if (typeof start === 'object' && Number.isNaN(Date.parse(start.atTimestamp))) {
      problems.push({
        path: '$.source.startPosition.atTimestamp',
        message: `must be an ISO 8601 time such as 2026-11-22T00:00:00Z, got ${show(start.atTimestamp, '$.source.startPosition.atTimestamp').text}`,
      });
    }
  }
  if (src.type === 'export') {
    if (src.startTime !== 'now' && Number.isNaN(Date.parse(src.startTime))) {
      problems.push({
        path: '$.source.startTime',
        message: `must be "now" or an ISO 8601 time such as 2026-11-22T00:00:00Z, got ${show(src.startTime, '$.source.startTime').text}`,
      });
    }
    if (src.maxTaskSeconds < 60 && src.pollIntervalSeconds >= src.maxTaskSeconds) {
      problems.push({
        path: '$.source.pollIntervalSeconds',
        message: `must be shorter than maxTaskSeconds (${src.maxTaskSeconds}), got ${src.pollIntervalSeconds}`,
      });
    }
  }
  if (c.delivery.retryMaxDelayMs < c.delivery.retryInitialDelayMs) {
    problems.push({
      path: '$.delivery.retryMaxDelayMs',
      message: `must be at least retryInitialDelayMs (${c.delivery.retryInitialDelayMs}), got ${c.delivery.retryMaxDelayMs}`,
    });
  }
  // Credentials over plain HTTP without allowInsecure: the sinks' own rule (createSink applies it too).
  for (const r of refusedSinkSettings(c.sink)) problems.push({ path: r.path, message: r.message });
  if (problems.length) throw new CollectorConfigError(source, problems);
  return c;
}

/**
 * Environment variables that replace a schema default where the config leaves the key out (the
 * container image sets them without touching the user's config); an empty value counts as unset.
 * Only `CWL_SIEM_OPS_HOST` → `ops.host`.
 */
function applyEnvDefaults(config: unknown, env: NodeJS.ProcessEnv): void {
  const host = env[OPS_HOST_ENV];
  if (!host || !isObject(config)) return;
  config.ops ??= {};
  if (isObject(config.ops) && config.ops.host === undefined) config.ops.host = host;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

type Show = (value: unknown, path: string) => { text: string; fromEnv: boolean };

/**
 * How a message shows the value at `path`: its JSON (at most 80 characters), as written where it
 * holds a `${NAME}` reference: a resolved value is never shown.
 */
function shown(value: unknown, path: string, written: ReadonlyMap<string, string>): { text: string; fromEnv: boolean } {
  const w = asWritten(value, path, written);
  return { text: `${JSON.stringify(w.value)?.slice(0, 80)}${w.fromEnv ? ' (its value from the environment is not shown)' : ''}`, fromEnv: w.fromEnv };
}

/**
 * The errors less an unknown key's error from an enclosing schema: the sink's root lists every
 * sink's keys and the branch of its type only that type's, whose keys are the ones to suggest.
 */
function innermostUnknownKeys(errors: readonly ErrorObject[]): ErrorObject[] {
  const unknown = errors.filter((e) => e.keyword === 'additionalProperties');
  return errors.filter(
    (e) =>
      e.keyword !== 'additionalProperties' ||
      !unknown.some((o) => o.instancePath === e.instancePath && unknownKey(o).key === unknownKey(e).key && o.schemaPath.length > e.schemaPath.length),
  );
}

// ajv's own wording, with the path in front and the value given after it (as written: see `shown`).
function describe(e: ErrorObject, root: unknown, show: Show): ConfigProblem | undefined {
  // A failed `if` and a failed oneOf only repeat the errors of the branch that failed.
  if (e.keyword === 'if' || e.keyword === 'oneOf') return undefined;
  const path = ajvErrorPath(e, root);
  const got = (v: unknown) => (v === undefined ? '' : `, got ${show(v, path).text}`);
  switch (e.keyword) {
    case 'required':
      return { path, message: 'is required' };
    case 'additionalProperties': {
      const { key, allowed } = unknownKey(e);
      return { path, message: `is not a known key here${didYouMean(key, allowed)}` };
    }
    case 'enum': {
      const allowed = (e.params as { allowedValues: unknown[] }).allowedValues;
      const hint = typeof e.data === 'string' && !show(e.data, path).fromEnv ? didYouMean(e.data, allowed.map(String)) : '';
      return { path, message: `must be one of ${allowed.map((v) => JSON.stringify(v)).join(', ')}${got(e.data)}${hint}` };
    }
    case 'const':
      return { path, message: `must be ${JSON.stringify((e.params as { allowedValue: unknown }).allowedValue)}${got(e.data)}` };
    case 'pattern':
      return {
        path,
        message: `${e.parentSchema && (e.parentSchema as { description?: string }).description ? `must be ${(e.parentSchema as { description: string }).description}` : `must match ${(e.params as { pattern: string }).pattern}`}${got(e.data)}`,
      };
    default:
      return { path, message: `${e.message ?? 'is invalid'}${got(e.data)}` };
  }
}

/** Keys of earlier versions, reported with what replaced them rather than as unknown keys. */
function replacedKeys(config: unknown): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  if (typeof config !== 'object' || config === null) return problems;
  const c = config as { checkpoint?: { path?: unknown }; source?: { controlPath?: unknown } };
  if (c.checkpoint !== undefined) {
    const dir = typeof c.checkpoint?.path === 'string' ? dirname(c.checkpoint.path) : './state';
    problems.push({
      path: '$.checkpoint',
      message: `was replaced by "state": write "state": { "type": "file", "dir": ${JSON.stringify(dir)} } (the store keeps checkpoints.json in that folder), or a "dynamodb" state for several replicas`,
    });
  }
  if (typeof c.source === 'object' && c.source !== null && c.source.controlPath !== undefined) {
    problems.push({
      path: '$.source.controlPath',
      message: 'was removed: the pause entries are kept by the state store (export-control.json in the state folder, or the DynamoDB table)',
    });
  }
  return problems;
}
