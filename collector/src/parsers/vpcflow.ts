/**
 * VPC Flow Logs (and Transit Gateway flow logs) records: space-separated values in the order of
 * the flow log's format. Output keys are the AWS field names with `-` replaced by `_`; integer
 * fields become numbers; `-` (not applicable) becomes null.
 *
 * A format is compiled once into a parser and a serializer specialised for its fields (generated
 * code: the parser is the collector's hot path, see bench/decode.ts).
 */

export type VpcFieldType = 'int' | 'string';

/**
 * Every field AWS documents, by AWS name, with its type (Parquet INT_32/INT_64 → `int`).
 * v2 (the default format), v3, v4, v5, v6 (Transit Gateway flow logs), v7 (ECS) and later.
 */
export const VPC_FLOW_LOG_FIELDS: Readonly<Record<string, VpcFieldType>> = {
  // v2
  version: 'int',
  'account-id': 'string',
  'interface-id': 'string',
  srcaddr: 'string',
  dstaddr: 'string',
  srcport: 'int',
  dstport: 'int',
  protocol: 'int',
  packets: 'int',
  bytes: 'int',
  start: 'int',
  end: 'int',
  action: 'string',
  'log-status': 'string',
  // v3
  'vpc-id': 'string',
  'subnet-id': 'string',
  'instance-id': 'string',
  'tcp-flags': 'int',
  type: 'string',
  'pkt-srcaddr': 'string',
  'pkt-dstaddr': 'string',
  // v4
  region: 'string',
  'az-id': 'string',
  'sublocation-type': 'string',
  'sublocation-id': 'string',
  // v5
  'pkt-src-aws-service': 'string',
  'pkt-dst-aws-service': 'string',
  'flow-direction': 'string',
  'traffic-path': 'int',
  // v6: Transit Gateway flow logs
  'resource-type': 'string',
  'tgw-id': 'string',
  'tgw-attachment-id': 'string',
  'tgw-src-vpc-account-id': 'string',
  'tgw-dst-vpc-account-id': 'string',
  'tgw-src-vpc-id': 'string',
  'tgw-dst-vpc-id': 'string',
  'tgw-src-subnet-id': 'string',
  'tgw-dst-subnet-id': 'string',
  'tgw-src-eni': 'string',
  'tgw-dst-eni': 'string',
  'tgw-src-az-id': 'string',
  'tgw-dst-az-id': 'string',
  'tgw-pair-attachment-id': 'string',
  'packets-lost-no-route': 'int',
  'packets-lost-blackhole': 'int',
  'packets-lost-mtu-exceeded': 'int',
  'packets-lost-ttl-expired': 'int',
  // v7: ECS
  'ecs-cluster-arn': 'string',
  'ecs-cluster-name': 'string',
  'ecs-container-instance-arn': 'string',
  'ecs-container-instance-id': 'string',
  'ecs-container-id': 'string',
  'ecs-second-container-id': 'string',
  'ecs-service-name': 'string',
  'ecs-task-definition-arn': 'string',
  'ecs-task-arn': 'string',
  'ecs-task-id': 'string',
  // v8 and later
  'reject-reason': 'string',
  'resource-id': 'string',
  'encryption-status': 'int',
  'interface-type': 'string',
  'instance-tag': 'string',
  'instance-tag-2': 'string',
  'interface-tag': 'string',
  'interface-tag-2': 'string',
  'asg-tag': 'string',
  'asg-tag-2': 'string',
  'next-hop-interface-id': 'string',
  'next-hop-subnet-id': 'string',
  'next-hop-az-id': 'string',
  'next-hop-vpc-id': 'string',
  'next-hop-interface-type': 'string',
};

/** The default format (version 2), which AWS uses when a flow log names none. */
export const DEFAULT_VPC_FORMAT =
  '${version} ${account-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${packets} ${bytes} ${start} ${end} ${action} ${log-status}';

/** The fields of one parsed record: own enumerable properties in format order. */
export type VpcFlowRecord = Readonly<Record<string, string | number | null>>;

/** A compiled format. */
export interface VpcFlowFormat {
  /** The format as given. */
  readonly format: string;
  /** AWS field names, in order. */
  readonly fields: readonly string[];
  /** Output keys (`-` → `_`), in order. */
  readonly keys: readonly string[];
  /** Fields not in VPC_FLOW_LOG_FIELDS (kept as strings): newer than this list, or typos. */
  readonly unknownFields: readonly string[];
  /**
   * The record's fields, or undefined when the line does not match the format (field count, or a
   * non-integer in an integer field). Never throws. Fields may be separated by runs of blanks.
   */
  parse(line: string): VpcFlowRecord | undefined;
}

/** Thrown by compileVpcFormat for a format that cannot be used (a configuration error). */
export class VpcFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'VpcFormatError';
  }
}

/** How the serializer writes strings and integers as JSON (see serialize.ts). */
export interface JsonWriters {
  /** JSON.stringify(s). */
  readonly quote: (s: string) => string;
  /** JSON.stringify(n) for a number or null. */
  readonly integer: (n: number | null) => string;
  /** String(i) for i in 0..9999. */
  readonly digits: readonly string[];
  /** String(i).padStart(4, '0') for i in 0..9999. */
  readonly digits4: readonly string[];
}

type Serialize = (fields: object, json: JsonWriters) => string;

interface CompiledFormat extends VpcFlowFormat {
  /** JSON text of a record of this format; its strings are not checked when it was parsed from `trustedLine`. */
  readonly json: (fields: object, json: JsonWriters, trustedLine: string | undefined) => string;
}

/**
 * Records are instances of a class generated per format (see generateRecordClass): the fields are
 * its only own properties, so JSON.stringify, Object.keys, spreading and deep equality see nothing
 * else; the format hangs off the prototype under this symbol, the line in a private field.
 */
const FORMAT = Symbol('vpcFlowLogFormat');

const NAME = /^[a-z][a-z0-9]*(?:[-_][a-z0-9]+)*$/;

/**
 * Compiles a format: `${version} ${account-id} ...` (as AWS shows it) or plain names
 * `version account-id ...`; `_` may stand for `-` (Vector's VRL spells them so). Throws a
 * VpcFormatError for an empty format, a malformed or repeated field.
 */
export function compileVpcFormat(format: string): VpcFlowFormat {
  const tokens = format
    .trim()
    .split(/\s+/)
    .filter((t) => t !== '');
  if (tokens.length === 0) throw new VpcFormatError('invalid VPC flow log format: it names no field');
  const fields: string[] = [];
  const unknownFields: string[] = [];
  for (const token of tokens) {
    const bare = token.startsWith('${') && token.endsWith('}') ? token.slice(2, -1) : token;
    const name = bare.toLowerCase();
    if (!NAME.test(name)) {
      throw new VpcFormatError(`invalid VPC flow log format: ${JSON.stringify(token)} is not a field name (expected e.g. \${srcaddr} or srcaddr)`);
    }
    const aws = name.replace(/_/g, '-');
    if (fields.includes(aws)) throw new VpcFormatError(`invalid VPC flow log format: field ${JSON.stringify(aws)} appears twice`);
    if (!(aws in VPC_FLOW_LOG_FIELDS)) unknownFields.push(aws);
    fields.push(aws);
  }
  const keys = fields.map((f) => f.replace(/-/g, '_'));
  const ints = fields.map((f) => VPC_FLOW_LOG_FIELDS[f] === 'int');
  const gen: GeneratedRecord = generateRecordClass(keys, ints, (line) => parseTokens(line, ints, gen.build), generateSerializer(keys, ints));
  const compiled: CompiledFormat = {
    format,
    fields,
    keys,
    unknownFields,
    parse: gen.parse,
    json: gen.json,
  };
  Object.defineProperty(gen.prototype, FORMAT, { value: compiled });
  return compiled;
}

const cache = new Map<string, VpcFlowFormat>();

/** compileVpcFormat, memoised by format text. */
export function vpcFormat(format: string = DEFAULT_VPC_FORMAT): VpcFlowFormat {
  let f = cache.get(format);
  if (!f) {
    f = compileVpcFormat(format);
    if (cache.size > 1000) cache.clear();
    cache.set(format, f);
  }
  return f;
}

/** Parses one record with `format` (default: the version 2 default format). */
export function parseVpcFlowLog(line: string, format?: string): VpcFlowRecord | undefined {
  return vpcFormat(format).parse(line);
}

/**
 * The JSON text of `fields` (equal to JSON.stringify(fields)) when they are a record parsed by this
 * module, else undefined. `trustedLine`: a string known to need no JSON escaping; when it is the
 * very line the record was parsed from, the record's strings (substrings of it) are not checked.
 */
export function serializeVpcRecord(fields: object, json: JsonWriters, trustedLine?: string): string | undefined {
  const format = (fields as { [FORMAT]?: CompiledFormat })[FORMAT];
  if (format === undefined) return undefined;
  return format.json(fields, json, trustedLine);
}

/** Whether `fields` is a record parsed by this module. */
export function isVpcRecord(fields: object): boolean {
  return (fields as { [FORMAT]?: CompiledFormat })[FORMAT] !== undefined;
}

interface GeneratedRecord {
  /** The fast path, handing anything unusual to `fallback`. */
  readonly parse: (line: string) => VpcFlowRecord | undefined;
  readonly build: (line: string, values: readonly (string | number | null)[]) => VpcFlowRecord;
  readonly json: CompiledFormat['json'];
  readonly prototype: object;
}

/**
 * Generates, for one format, the record class (its constructor assigns every field, so V8 sizes
 * the objects right and keeps one shape) and the fast parser: it reads integers digit by digit
 * straight from the line (no substring) and finds the end of string fields with indexOf. Anything
 * unusual (runs of blanks, trailing blanks, a bad or very long integer) goes to `fallback`, which
 * decides. Keys were checked against NAME and are quoted with JSON.stringify.
 */
function generateRecordClass(
  keys: readonly string[],
  ints: readonly boolean[],
  fallback: (line: string) => VpcFlowRecord | undefined,
  serializers: { readonly serialize: Serialize; readonly serializeTrusted: Serialize },
): GeneratedRecord {
  const n = keys.length;
  const vs = keys.map((_, i) => `v${i}`).join(', ');
  let cls = `class VpcFlowRecord {\n  #line;\n  constructor(line, ${vs}) {\n    this.#line = line;\n`;
  for (let i = 0; i < n; i++) cls += `    this[${JSON.stringify(keys[i])}] = v${i};\n`;
  // Strings need no check when they are substrings of a line known to need no escaping.
  cls += '  }\n  static json(f, w, line) { return line !== undefined && #line in f && f.#line === line ? trusted(f, w) : checked(f, w); }\n}\n';

  let parse = `function parse(m) {\nconst n = m.length;\nlet s = 0, p = 0, c = 0, x = 0;\n`;
  for (let i = 0; i < n; i++) {
    const last = i === n - 1;
    if (ints[i]) {
      parse += `s = p; x = 0;
for (;;) { c = m.charCodeAt(p); if (c >= 48 && c <= 57) { x = x * 10 + c - 48; p++; } else break; }
let v${i};
if (p === s) { if (c === 45 && ${last ? 'p + 1 === n' : 'm.charCodeAt(p + 1) === 32'}) { v${i} = null; p++; } else return fallback(m); }
else if (p - s > 15) return fallback(m);
else v${i} = x;
${last ? 'if (p !== n) return fallback(m);' : 'if (m.charCodeAt(p) !== 32) return fallback(m);\np++;'}
`;
    } else {
      parse += last
        ? `s = p; p = n; if (s >= n || m.indexOf(' ', s) !== -1) return fallback(m);\n`
        : `s = p; p = m.indexOf(' ', s); if (p <= s) return fallback(m);\n`;
      parse += `let v${i};
if (p - s === 1 && m.charCodeAt(s) === 45) v${i} = null;
else v${i} = m.substring(s, p);
${last ? '' : 'p++;'}
`;
    }
  }
  parse += `return new VpcFlowRecord(m, ${vs});\n}\n`;
  const body = `${cls}${parse}
return {
  parse,
  build: (line, values) => new VpcFlowRecord(line, ...values),
  json: VpcFlowRecord.json,
  prototype: VpcFlowRecord.prototype,
};`;
  return new Function('fallback', 'trusted', 'checked', body)(fallback, serializers.serializeTrusted, serializers.serialize) as GeneratedRecord;
}

/** The general path: blank-separated tokens, checked one by one. */
function parseTokens(line: string, ints: readonly boolean[], build: GeneratedRecord['build']): VpcFlowRecord | undefined {
  const trimmed = line.trim();
  if (trimmed === '') return undefined;
  const tokens = trimmed.split(/\s+/);
  if (tokens.length !== ints.length) return undefined;
  const values: (string | number | null)[] = new Array(tokens.length);
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (t === '-') values[i] = null;
    else if (!ints[i]) values[i] = t;
    else if (/^\d+$/.test(t)) values[i] = Number(t);
    else return undefined;
  }
  return build(line, values);
}

/**
 * One function per format reading each field by name, as template literals over locals (V8 builds
 * them faster than chains of +). Integers (non-negative or null, by construction) below 10^12 are
 * assembled from 4-digit strings, for the reason serialize.ts gives; larger ones go to
 * `json.integer`. String fields are quoted unless null; the common case, no null string, gets a
 * template with the quotes built in. `trusted`: the strings need no escaping.
 */
function generateSerializer(keys: readonly string[], ints: readonly boolean[]): { serialize: Serialize; serializeTrusted: Serialize } {
  const reads = keys.map((k, i) => `const x${i} = f[${JSON.stringify(k)}];`).join('\n');
  const head = (i: number) => `${i === 0 ? '{' : ','}${JSON.stringify(keys[i])}:`.replace(/[`\\$]/g, '\\$&');
  const int = (x: string) =>
    `${x} === null ? 'null' : ${x} < 1e4 ? D[${x}] : ${x} < 1e8 ? D[(${x} / 1e4) | 0] + D4[${x} % 1e4] : ${x} < 1e12 ? D[(${x} / 1e8) | 0] + D4[((${x} / 1e4) | 0) % 1e4] + D4[${x} % 1e4] : json.integer(${x})`;
  const strings = keys.map((_, i) => i).filter((i) => !ints[i]);
  const noNull = strings.length ? strings.map((i) => `x${i} !== null`).join(' && ') : 'true';
  const body = (trusted: boolean) => {
    const plain = keys
      .map((_, i) => (ints[i] ? `${head(i)}\${${int(`x${i}`)}}` : trusted ? `${head(i)}"\${x${i}}"` : `${head(i)}\${json.quote(x${i})}`))
      .join('');
    const general = keys
      .map((_, i) =>
        ints[i] ? `${head(i)}\${${int(`x${i}`)}}` : `${head(i)}\${x${i} === null ? 'null' : ${trusted ? `'"' + x${i} + '"'` : `json.quote(x${i})`}}`,
      )
      .join('');
    return `const D = json.digits, D4 = json.digits4;\n${reads}\nif (${noNull}) return \`${plain}}\`;\nreturn \`${general}}\`;`;
  };
  return {
    serialize: new Function('f', 'json', body(false)) as Serialize,
    serializeTrusted: new Function('f', 'json', body(true)) as Serialize,
  };
}
