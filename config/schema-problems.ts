import { ErrorObject } from 'ajv';
import { ajvErrorPath, ajvProblems, ConfigProblem, didYouMean, listWords, pointerPath, unknownKey } from '../collector/src/config/problems';

/**
 * The toolkit's wording of schema errors: one readable line each, saying what was expected (in the
 * words of the schema's `patternErrorMessage`, enum, bounds, union tag or description) and what was
 * given. It relies on the conventions written at the top of schema.ts; the paths, the hints and the
 * de-duplication are the shared config-problem library's.
 */

type SchemaNode = Record<string, unknown>;

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
  const noun = typeof schema.type === 'string' ? (TYPE_WORDS[schema.type] ?? schema.type) : 'a value';
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

/** The problems of the toolkit schema's ajv errors, each worded after the schema's conventions (see schema.ts). */
export function schemaProblems(errors: readonly ErrorObject[], data: unknown): ConfigProblem[] {
  // oneOf/anyOf over bare `required` branches get one line; their branches' own errors are noise.
  const summarised = errors.filter((e) => (e.keyword === 'oneOf' || e.keyword === 'anyOf') && requiredKeysOfBranches(e.schema));
  const isNoise = (e: ErrorObject): boolean =>
    e.keyword === 'if' || // the error of the variant's own keys is reported
    (e.keyword === 'propertyNames' && errors.some((o) => o.propertyName === e.params.propertyName && o !== e)) ||
    summarised.some((s) => s !== e && s.instancePath === e.instancePath && e.schemaPath.startsWith(`${s.schemaPath}/`));
  return ajvProblems(errors, (e) => (isNoise(e) ? undefined : describe(e, data)));
}

function describe(e: ErrorObject, root: unknown): ConfigProblem {
  const parent = (e.parentSchema ?? {}) as SchemaNode;
  const value: unknown = e.data;
  const got = `got ${show(value)}`;
  // Errors about a key name (propertyNames) point at the key.
  if (e.propertyName !== undefined) {
    return { path: pointerPath(e.instancePath, root, e.propertyName), message: `the key ${show(e.propertyName)} ${expectationLine(parent)}` };
  }
  const path = ajvErrorPath(e, root);
  switch (e.keyword) {
    case 'required': {
      const missing = e.params.missingProperty as string;
      const props = parent.properties as Record<string, SchemaNode> | undefined;
      return { path, message: `is missing; expected ${expectation(props?.[missing], true)}` };
    }
    case 'additionalProperties': {
      const { key, allowed } = unknownKey(e);
      const where = unionTagValue(parent);
      return {
        path,
        message: `unknown key "${key}"${didYouMean(key, allowed)}; allowed keys${where ? ` with ${where}` : ''}: ${allowed.join(', ')}`,
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
      const given =
        present.length === 0
          ? keys.length === 2
            ? 'neither'
            : 'none'
          : present.length === keys.length && keys.length === 2
            ? 'both'
            : listWords(present, 'and');
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
