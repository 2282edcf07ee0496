import type { ConfigProblem } from './problems';
import { keyPath } from './problems';

/**
 * `${NAME}` references to environment variables in config strings, so that secrets stay out of
 * config files: `${NAME}` stands for the variable NAME, `$${` is a literal `${`. One syntax for the
 * collector config loader, `config from-terraform` and the sink headers.
 *
 * The one rule of where references apply: in every string of the config except those at
 * {@link LITERAL_PATHS}, which are taken as written:
 * - `sink.headers`: the sink resolves them itself ({@link replaceEnvRefs}), and so knows those values
 *   are secrets to redact;
 * - `parsers.vpcFlowLogs[].format`: `${version} ${account-id} ...` are the format's own field names
 *   (AWS's syntax), never environment variables.
 *
 * A resolved value is a secret as far as messages go: {@link asWritten} puts the references back
 * into a value before a problem shows it.
 */

const REFERENCE = /\$?\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/** JSONPaths (`[*]`: any index) of the strings, or objects of strings, taken as written (see above). */
export const LITERAL_PATHS: readonly string[] = ['$.sink.headers', '$.parsers.vpcFlowLogs[*].format'];

const isLiteral = (path: string): boolean => LITERAL_PATHS.includes(path.replace(/\[\d+\]/g, '[*]'));

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

/** A copy of a config with `f` applied to each string (with its JSONPath), the literal ones left as they are. */
function mapStrings(value: unknown, path: string, f: (text: string, path: string) => string): unknown {
  if (isLiteral(path)) return value;
  if (typeof value === 'string') return f(value, path);
  if (Array.isArray(value)) return value.map((v, i) => mapStrings(v, `${path}[${i}]`, f));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, mapStrings(v, keyPath(path, k), f)]));
  return value;
}

/**
 * A config with every reference replaced, and one problem per reference to an unset variable, at the
 * path of its string. Literal strings are left as written. `written` holds, by JSONPath, each string
 * a reference was replaced in, as it was written.
 */
export function substituteEnv(config: unknown, env: Env): { config: unknown; problems: ConfigProblem[]; written: ReadonlyMap<string, string> } {
  const problems: ConfigProblem[] = [];
  const written = new Map<string, string>();
  const result = mapStrings(config, '$', (text, path) => {
    const { value, missing, used } = replaceEnvRefs(text, env);
    for (const name of missing) problems.push({ path, message: `refers to the environment variable ${name}, which is not set` });
    if (used.length) written.set(path, text);
    return value;
  });
  return { config: result, problems, written };
}

/**
 * A value of a substituted config (at `path`) with each string that held a reference as it was
 * written, for a message to show; `fromEnv` tells whether any was.
 */
export function asWritten(value: unknown, path: string, written: ReadonlyMap<string, string>): { value: unknown; fromEnv: boolean } {
  let fromEnv = false;
  const shown = mapStrings(value, path, (text, p) => {
    const w = written.get(p);
    if (w === undefined) return text;
    fromEnv = true;
    return w;
  });
  return { value: shown, fromEnv };
}

/** The variables a config refers to and the JSONPaths of the strings that refer to one (literal strings left out). */
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
