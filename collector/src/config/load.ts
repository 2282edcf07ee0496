/**
 * The collector config loader: `${ENV}` references (./env.ts), validation with the JSON Schema of
 * ./schema.ts (ajv, defaults applied) and the rules across fields, every problem reported at its
 * JSONPath (./problems.ts). The types here are the loaded form.
 */
import Ajv, { ErrorObject } from 'ajv';
import { readFileSync } from 'fs';
import { dirname, join } from 'path';
import type { SinkConfig } from '../sinks/config';
import { ERROR_CODES } from '../types';
import { substituteEnv } from './env';
import { ajvErrorPath, ajvProblems, ConfigProblem, ConfigProblemsError } from './problems';
import { collectorConfigSchema } from './schema';
import type { ExportSourceConfig } from '../sources/export/config';
import type { KinesisSourceConfig } from '../sources/kinesis/config';
import type { SqsSourceConfig } from '../sources/sqs/config';

// Each source's settings are declared with the source (sources/<type>/config.ts).
export type { ExportSourceConfig, KinesisSourceConfig, SqsSourceConfig };

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
  const { config, problems } = substituteEnv(structuredClone(raw), env);
  if (problems.length) throw new CollectorConfigError(source, problems);
  if (!validate(config))
    throw new CollectorConfigError(
      source,
      ajvProblems(validate.errors ?? [], (e) => describe(e, config)),
    );
  const c = config as CollectorConfig;
  const src = c.source;
  if (src.type === 'kinesis') {
    const start = src.startPosition;
    if (typeof start === 'object' && Number.isNaN(Date.parse(start.atTimestamp))) {
      problems.push({
        path: '$.source.startPosition.atTimestamp',
        message: `must be an ISO 8601 time such as 2026-11-22T00:00:00Z, got ${JSON.stringify(start.atTimestamp)}`,
      });
    }
  }
  if (src.type === 'export') {
    if (src.startTime !== 'now' && Number.isNaN(Date.parse(src.startTime))) {
      problems.push({
        path: '$.source.startTime',
        message: `must be "now" or an ISO 8601 time such as 2026-11-22T00:00:00Z, got ${JSON.stringify(src.startTime)}`,
      });
    }
    if (src.maxTaskSeconds < 60 && src.pollIntervalSeconds >= src.maxTaskSeconds) {
      problems.push({
        path: '$.source.pollIntervalSeconds',
        message: `must be shorter than maxTaskSeconds (${src.maxTaskSeconds}), got ${src.pollIntervalSeconds}`,
      });
    }
    if (src.controlPath === undefined) {
      (src as { controlPath: string }).controlPath = join(dirname(c.checkpoint.path), 'export-control.json');
    }
  }
  if (c.delivery.retryMaxDelayMs < c.delivery.retryInitialDelayMs) {
    problems.push({
      path: '$.delivery.retryMaxDelayMs',
      message: `must be at least retryInitialDelayMs (${c.delivery.retryInitialDelayMs}), got ${c.delivery.retryMaxDelayMs}`,
    });
  }
  if (problems.length) throw new CollectorConfigError(source, problems);
  return c;
}

// ajv's own wording, with the path in front and the value given after it.
function describe(e: ErrorObject, root: unknown): ConfigProblem | undefined {
  // A failed `if` and a failed oneOf only repeat the errors of the branch that failed.
  if (e.keyword === 'if' || e.keyword === 'oneOf') return undefined;
  const path = ajvErrorPath(e, root);
  const got = (v: unknown) => (v === undefined ? '' : `, got ${JSON.stringify(v)?.slice(0, 80)}`);
  switch (e.keyword) {
    case 'required':
      return { path, message: 'is required' };
    case 'additionalProperties':
      return { path, message: 'is not a known key here' };
    case 'enum':
      return {
        path,
        message: `must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}${got(e.data)}`,
      };
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
