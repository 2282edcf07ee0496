import Ajv from 'ajv';
import { readFileSync } from 'fs';
import { ConfigProblem, ConfigProblemsError } from '../collector/src/config/problems';
import { applyComputedDefaults } from './defaults';
import { jsonErrorText } from './json-syntax';
import { ruleProblems } from './rules';
import { toolkitConfigSchema } from './schema';
import { schemaProblems } from './schema-problems';
import { ToolkitConfig } from './types';

/**
 * The toolkit config loader: reads a config file, validates it against schema.ts (ajv, fixed defaults
 * applied), fills the computed defaults (defaults.ts), checks the rules across fields and stacks
 * (rules.ts) and returns it deep-frozen. Every problem is reported at its JSONPath, all together, in
 * one {@link ConfigError}; the problem type, paths and hints are the collector's config-problem
 * library (collector/src/config/problems.ts), shared by both loaders.
 */

export type { ConfigProblem };
export { destinationArnOf } from './defaults';

/** Stable error code of config errors. */
export const CONFIG_ERROR = 'CWL_SIEM_CONFIG';

/**
 * Thrown when a config cannot be read or is invalid. Lists every problem found, not only the first,
 * so a user can fix them all at once.
 */
export class ConfigError extends ConfigProblemsError {
  readonly code = CONFIG_ERROR;
  constructor(source: string, problems: readonly ConfigProblem[]) {
    super(source, problems);
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
  const problems = ruleProblems(config);
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

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
