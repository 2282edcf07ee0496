import Ajv, { ErrorObject } from 'ajv';
import { readFileSync } from 'fs';
import { dirname, join } from 'path';
import type { SinkConfig } from '../sinks/config';
import { ERROR_CODES } from '../types';
import { collectorConfigSchema } from './schema';

/** A role assumed for the source's AWS calls. */
export interface AssumeRoleConfig {
  readonly roleArn: string;
  readonly externalId?: string;
  readonly sessionName: string;
  readonly durationSeconds: number;
}

export interface KinesisSourceConfig {
  readonly type: 'kinesis';
  readonly streamName: string;
  readonly region: string;
  readonly endpoint?: string;
  readonly assumeRole?: AssumeRoleConfig;
  readonly startPosition: 'TRIM_HORIZON' | 'LATEST' | { readonly atTimestamp: string };
  readonly maxRecordsPerCall: number;
  readonly pollIntervalMs: number;
  readonly shardDiscoveryIntervalMs: number;
}

/** How the collector reaches S3. */
export interface S3ClientConfig {
  readonly endpoint?: string;
  readonly forcePathStyle: boolean;
  /** The bucket's region when it differs from the source's. */
  readonly region?: string;
}

export interface SqsSourceConfig {
  readonly type: 'sqs';
  readonly queueUrl: string;
  readonly region: string;
  readonly endpoint?: string;
  readonly assumeRole?: AssumeRoleConfig;
  readonly s3: S3ClientConfig;
  readonly concurrency: number;
  readonly waitTimeSeconds: number;
  readonly maxMessages: number;
  readonly visibilityTimeoutSeconds: number;
  readonly objects: {
    readonly format: 'auto' | 'firehose-object' | 'export-object' | 'lines';
    readonly logGroup?: string;
    readonly logStream?: string;
    readonly owner?: string;
    /**
     * Per key prefix (the longest that matches wins), the group, stream and owner of line objects
     * under it, over the three above: one source account's extracted messages each.
     */
    readonly prefixes?: readonly { readonly prefix: string; readonly logGroup?: string; readonly logStream?: string; readonly owner?: string }[];
  };
}

export interface ExportSourceConfig {
  readonly type: 'export';
  readonly region: string;
  readonly endpoint?: string;
  readonly assumeRole?: AssumeRoleConfig;
  readonly bucket: string;
  readonly prefix: string;
  readonly s3: S3ClientConfig;
  readonly logGroups: { readonly include: readonly string[]; readonly exclude: readonly string[] };
  /** "now" or an ISO 8601 time. */
  readonly startTime: string;
  readonly windowSeconds: number;
  readonly settleSeconds: number;
  readonly discoveryIntervalSeconds: number;
  readonly pollIntervalSeconds: number;
  readonly maxTaskSeconds: number;
  readonly maxWindowsPerTask: number;
  readonly deleteObjects: boolean;
  /** Always set after loading (defaulted next to the checkpoint file). */
  readonly controlPath: string;
}

export type SourceConfig = KinesisSourceConfig | SqsSourceConfig | ExportSourceConfig;

/** The collector config with defaults applied and `${ENV}` references resolved. */
export interface CollectorConfig {
  readonly source: SourceConfig;
  readonly checkpoint: { readonly type: 'file'; readonly path: string };
  readonly sink: SinkConfig;
  readonly parsers: { readonly vpcFlowLogs: readonly { readonly logGroup: string; readonly format?: string }[] };
  readonly deadLetter: { readonly path: string };
  readonly ops: { readonly host: string; readonly port: number };
  readonly delivery: { readonly retryInitialDelayMs: number; readonly retryMaxDelayMs: number };
  readonly shutdownTimeoutMs: number;
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';
}

export interface ConfigProblem {
  /** JSONPath of the offending value, e.g. `$.sink.port`. */
  readonly path: string;
  readonly message: string;
}

/** A config that cannot be used: every problem with its JSON path. Stops the process at start. */
export class CollectorConfigError extends Error {
  readonly code = ERROR_CODES.config;
  constructor(
    readonly source: string,
    readonly problems: readonly ConfigProblem[],
  ) {
    super(`${source}: ${problems.length} problem${problems.length === 1 ? '' : 's'} in the config:\n${problems.map((p) => `  - ${p.path}: ${p.message}`).join('\n')}`);
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
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new CollectorConfigError(path, [{ path: '$', message: `is not valid JSON: ${(e as Error).message}` }]);
  }
  return parseCollectorConfig(raw, path, env);
}

/** Validates an already-parsed config (a deep copy is made; the input is never changed). */
export function parseCollectorConfig(raw: unknown, source: string, env: NodeJS.ProcessEnv = process.env): CollectorConfig {
  const problems: ConfigProblem[] = [];
  const config = substituteEnv(structuredClone(raw), '$', env, problems);
  if (problems.length) throw new CollectorConfigError(source, problems);
  if (!validate(config)) throw new CollectorConfigError(source, dedupe((validate.errors ?? []).map(describe)));
  const c = config as CollectorConfig;
  const src = c.source;
  if (src.type === 'kinesis') {
    const start = src.startPosition;
    if (typeof start === 'object' && Number.isNaN(Date.parse(start.atTimestamp))) {
      problems.push({ path: '$.source.startPosition.atTimestamp', message: `must be an ISO 8601 time such as 2026-11-22T00:00:00Z, got ${JSON.stringify(start.atTimestamp)}` });
    }
  }
  if (src.type === 'export') {
    if (src.startTime !== 'now' && Number.isNaN(Date.parse(src.startTime))) {
      problems.push({ path: '$.source.startTime', message: `must be "now" or an ISO 8601 time such as 2026-11-22T00:00:00Z, got ${JSON.stringify(src.startTime)}` });
    }
    if (src.maxTaskSeconds < 60 && src.pollIntervalSeconds >= src.maxTaskSeconds) {
      problems.push({ path: '$.source.pollIntervalSeconds', message: `must be shorter than maxTaskSeconds (${src.maxTaskSeconds}), got ${src.pollIntervalSeconds}` });
    }
    if (src.controlPath === undefined) {
      (src as { controlPath: string }).controlPath = join(dirname(c.checkpoint.path), 'export-control.json');
    }
  }
  if (c.delivery.retryMaxDelayMs < c.delivery.retryInitialDelayMs) {
    problems.push({ path: '$.delivery.retryMaxDelayMs', message: `must be at least retryInitialDelayMs (${c.delivery.retryInitialDelayMs}), got ${c.delivery.retryMaxDelayMs}` });
  }
  if (problems.length) throw new CollectorConfigError(source, problems);
  return c;
}

/**
 * Replaces `${NAME}` in every string with the environment variable NAME, so secrets stay out of the
 * file. `$${` is a literal `${`. A reference to an unset variable is a problem at that path.
 * `sink.headers` is left to the sink (see sinks/config.ts).
 */
function substituteEnv(value: unknown, path: string, env: NodeJS.ProcessEnv, problems: ConfigProblem[]): unknown {
  // Sink headers are resolved by the sink itself, which then knows those values are secrets to redact.
  if (path === '$.sink.headers') return value;
  if (typeof value === 'string') {
    return value.replace(/\$?\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (match, name: string) => {
      if (match.startsWith('$$')) return match.slice(1);
      const v = env[name];
      if (v === undefined) {
        problems.push({ path, message: `refers to the environment variable ${name}, which is not set` });
        return match;
      }
      return v;
    });
  }
  if (Array.isArray(value)) return value.map((v, i) => substituteEnv(v, `${path}[${i}]`, env, problems));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substituteEnv(v, jsonPath(path, k), env, problems)]));
  }
  return value;
}

const jsonPath = (base: string, key: string): string => (/^[A-Za-z_$][\w$]*$/.test(key) ? `${base}.${key}` : `${base}[${JSON.stringify(key)}]`);

function pointerToPath(pointer: string): string {
  return pointer
    .split('/')
    .slice(1)
    .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((p, t) => (/^\d+$/.test(t) ? `${p}[${t}]` : jsonPath(p, t)), '$');
}

function describe(e: ErrorObject): ConfigProblem {
  const path = pointerToPath(e.instancePath);
  const got = (v: unknown) => (v === undefined ? '' : `, got ${JSON.stringify(v)?.slice(0, 80)}`);
  switch (e.keyword) {
    case 'required':
      return { path: jsonPath(path, (e.params as { missingProperty: string }).missingProperty), message: 'is required' };
    case 'additionalProperties':
      return { path: jsonPath(path, (e.params as { additionalProperty: string }).additionalProperty), message: 'is not a known key here' };
    case 'enum':
      return { path, message: `must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}${got(e.data)}` };
    case 'const':
      return { path, message: `must be ${JSON.stringify((e.params as { allowedValue: unknown }).allowedValue)}${got(e.data)}` };
    case 'pattern':
      return { path, message: `${e.parentSchema && (e.parentSchema as { description?: string }).description ? `must be ${(e.parentSchema as { description: string }).description}` : `must match ${(e.params as { pattern: string }).pattern}`}${got(e.data)}` };
    default:
      return { path, message: `${e.message ?? 'is invalid'}${got(e.data)}` };
  }
}

function dedupe(problems: ConfigProblem[]): ConfigProblem[] {
  // oneOf/if-then report the same spot several times; one line per path and message is enough.
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${p.path} ${p.message}`;
    if (seen.has(key) || p.message.startsWith('must match "then" schema') || p.message.startsWith('must match exactly one schema in oneOf')) return false;
    seen.add(key);
    return true;
  });
}
