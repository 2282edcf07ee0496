import type { ErrorObject } from 'ajv';

/**
 * Config problems, one library for the collector's config loader and the toolkit's (config/load.ts
 * imports it from here: the collector's image carries only the collector, so the library lives in
 * it and must never import cdktf or anything outside collector/src).
 *
 * A problem is a JSONPath (`$.stacks[0].kinesis.subscription`) and a message saying what was expected
 * and what was given. A config error lists every problem of a config at once, one line each. Each
 * loader words the ajv errors of its own schema; the paths, the error text, the "did you mean" hints
 * and the de-duplication are these.
 */

/** One thing wrong with a config. */
export interface ConfigProblem {
  /** JSONPath of the offending value, missing key or unknown key, e.g. `$.stacks[0].accountId`. */
  readonly path: string;
  /** What was expected and what was given, e.g. `must be an integer, got "4" (a string)`. */
  readonly message: string;
}

/**
 * A config that cannot be used: every problem found, not only the first, so that a user can fix them
 * all at once. Each loader's error class extends it with its stable error code and name.
 */
export class ConfigProblemsError extends Error {
  constructor(
    /** The file path or label the config came from. */
    readonly source: string,
    readonly problems: readonly ConfigProblem[],
  ) {
    super(
      `${source}: ${problems.length} problem${problems.length === 1 ? '' : 's'} in the config:\n${problems.map((p) => `  - ${p.path}: ${p.message}`).join('\n')}`,
    );
  }
}

// ---------------------------------------------------------------------------------------------------
// JSONPath

/** `base` and an object key below it: `.key` for an identifier, `["key"]` for any other key. */
export function keyPath(base: string, key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `${base}.${key}` : `${base}[${JSON.stringify(key)}]`;
}

/**
 * A JSON Pointer (ajv's `instancePath`) as JSONPath, with an optional key below it. The data tells
 * array indexes (`[0]`) from object keys that look like numbers (`["0"]`).
 */
export function pointerPath(pointer: string, root: unknown, key?: string): string {
  const segments =
    pointer === ''
      ? []
      : pointer
          .slice(1)
          .split('/')
          .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (key !== undefined) segments.push(key);
  let node: unknown = root;
  let path = '$';
  for (const seg of segments) {
    path = Array.isArray(node) ? `${path}[${seg}]` : keyPath(path, seg);
    node = node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[seg] : undefined;
  }
  return path;
}

// ---------------------------------------------------------------------------------------------------
// ajv errors

/**
 * The path an ajv error is about: the missing key of a `required` error, the unknown key of an
 * `additionalProperties` error, else the value that failed. `root` is the data that was validated.
 */
export function ajvErrorPath(e: ErrorObject, root: unknown): string {
  if (e.keyword === 'required') return pointerPath(e.instancePath, root, (e.params as { missingProperty: string }).missingProperty);
  if (e.keyword === 'additionalProperties') return pointerPath(e.instancePath, root, (e.params as { additionalProperty: string }).additionalProperty);
  return pointerPath(e.instancePath, root);
}

/** The key an `additionalProperties` error is about and the keys its object allows (ajv `verbose` gives the schema). */
export function unknownKey(e: ErrorObject): { key: string; allowed: string[] } {
  const parent = (e.parentSchema ?? {}) as { properties?: object };
  return { key: (e.params as { additionalProperty: string }).additionalProperty, allowed: Object.keys(parent.properties ?? {}) };
}

/**
 * The problems of a validation's ajv errors, in their order: `describe` words each one (undefined
 * drops an error that only repeats another, such as a failed `if`), and a path reported twice with
 * the same message is reported once.
 */
export function ajvProblems(errors: readonly ErrorObject[], describe: (e: ErrorObject) => ConfigProblem | undefined): ConfigProblem[] {
  const seen = new Set<string>();
  const problems: ConfigProblem[] = [];
  for (const e of errors) {
    const p = describe(e);
    if (p === undefined) continue;
    const key = `${p.path}\n${p.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    problems.push(p);
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------------
// Words

/** `a`, `a or b`, `a, b or c` (or `and`). */
export function listWords(words: readonly string[], conjunction: 'and' | 'or'): string {
  return words.length <= 2 ? words.join(` ${conjunction} `) : `${words.slice(0, -1).join(', ')} ${conjunction} ${words[words.length - 1]}`;
}

/** Edits (insert, delete, substitute; case ignored) that turn one word into the other. */
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

/** How close a candidate must be to be suggested. */
export interface MatchOptions {
  /** Only the candidates nearest to the word (for names that differ in a digit, such as regions). @default false */
  readonly nearestOnly?: boolean;
}

/** The candidates a mistyped word is close to: at most one edit per four letters of the candidate (at least one). */
export function closeMatches(word: string, candidates: readonly string[], { nearestOnly = false }: MatchOptions = {}): string[] {
  const close = candidates.map((c) => ({ c, d: editDistance(c, word) })).filter(({ c, d }) => d <= Math.max(1, Math.floor(c.length / 4)));
  const nearest = Math.min(...close.map(({ d }) => d));
  return close.filter(({ d }) => !nearestOnly || d === nearest).map(({ c }) => c);
}

/** ` (did you mean "a" or "b"?)` for the candidates close to a mistyped key or value, or "" when none is. */
export function didYouMean(word: string, candidates: readonly string[], options: MatchOptions = {}): string {
  const close = closeMatches(word, candidates, options);
  return close.length
    ? ` (did you mean ${listWords(
        close.map((c) => `"${c}"`),
        'or',
      )}?)`
    : '';
}
