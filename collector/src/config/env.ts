import type { ConfigProblem } from './problems';
import { keyPath } from './problems';

/**
 * `${NAME}` references to environment variables in config strings, so that secrets stay out of
 * config files: `${NAME}` stands for the variable NAME, `$${` is a literal `${`. One syntax for the
 * collector config loader, `config from-terraform` and the sink headers.
 *
 * The strings under `sink.headers` are left as written by the config walk: the sink resolves them
 * itself ({@link replaceEnvRefs}), and so knows those values are secrets to redact.
 */

const REFERENCE = /\$?\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/** Where the config walk leaves strings as written: the sink resolves its headers itself. */
export const SINK_HEADERS_PATH = '$.sink.headers';

type Env = Readonly<Record<string, string | undefined>>;

/**
 * A string with its references replaced. `missing` names each reference to an unset variable, in
 * order (the reference stays as written); `used` holds the values put in.
 */
export function replaceEnvRefs(text: string, env: Env): { value: string; missing: string[]; used: string[] } {
  const missing: string[] = [];
  const used: string[] = [];
  const value = text.replace(REFERENCE, (match, name: string) => {
    if (match.startsWith('$$')) return match.slice(1);
    const v = env[name];
    if (v === undefined) {
      missing.push(name);
      return match;
    }
    used.push(v);
    return v;
  });
  return { value, missing, used };
}

/** The variables a string refers to, in order (`$${` escapes refer to none). */
function referencedNames(text: string): string[] {
  return [...text.matchAll(REFERENCE)].filter((m) => !m[0].startsWith('$$')).map((m) => m[1]);
}

/** A copy of a config with `f` applied to each string (with its JSONPath), sink headers left as they are. */
function mapStrings(value: unknown, path: string, f: (text: string, path: string) => string): unknown {
  if (path === SINK_HEADERS_PATH) return value;
  if (typeof value === 'string') return f(value, path);
  if (Array.isArray(value)) return value.map((v, i) => mapStrings(v, `${path}[${i}]`, f));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, mapStrings(v, keyPath(path, k), f)]));
  return value;
}

/**
 * A config with every reference replaced, and one problem per reference to an unset variable, at the
 * path of its string. Sink headers are left as written.
 */
export function substituteEnv(config: unknown, env: Env): { config: unknown; problems: ConfigProblem[] } {
  const problems: ConfigProblem[] = [];
  const result = mapStrings(config, '$', (text, path) => {
    const { value, missing } = replaceEnvRefs(text, env);
    for (const name of missing) problems.push({ path, message: `refers to the environment variable ${name}, which is not set` });
    return value;
  });
  return { config: result, problems };
}

/** The variables a config refers to and the JSONPaths of the strings that refer to one (sink headers left out). */
export function envReferences(config: unknown): { names: Set<string>; paths: Set<string> } {
  const names = new Set<string>();
  const paths = new Set<string>();
  mapStrings(config, '$', (text, path) => {
    for (const name of referencedNames(text)) {
      names.add(name);
      paths.add(path);
    }
    return text;
  });
  return { names, paths };
}
