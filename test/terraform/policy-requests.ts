import { allowedContextKeysForRequest, isWildcardOnlyAction } from '@cloud-copilot/iam-simulate';
import { App } from 'cdktf';
import { mkdtempSync, readFileSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { basename, join } from 'path';
import { loadConfig } from '../../config/load';
import { addStacks } from '../../modules/stacks/app';
import { ConditionValue, Partition, PARTITION_FACTS, PolicyDocument, Statement } from '../../policies';
import { DocumentName, EvaluationCase, NamedPolicy } from '../policies/evaluate';

/**
 * Requests derived from the IAM documents of a synthesized stack, for `synthesized-policies.test.ts`.
 *
 * Every document is read back from the Terraform JSON (where it is a literal JSON string), its
 * Terraform references are replaced by concrete fake ARNs, and for each `Allow` statement this module
 * builds the request the statement exists for (expected `Allowed`) and near misses around it (expected
 * denied). Whatever it cannot turn into a request throws a {@link DerivationError} that names the
 * example, the resource address and the Sid, so the derivation gets extended instead of a statement
 * going unchecked.
 */

// ---- accounts and names the derivation invents --------------------------------------------------

/** An account outside everything the configs name. */
export const OUTSIDER = '999999999999';
/** A member account of the organization, for `Principal: "*"` narrowed by organization conditions. */
export const MEMBER = '210987654321';
export const OTHER_ORG = 'o-zzzzzzzzzz';
const CALLER_ROLE = 'cwl-siem-caller';
const OTHER_ROLE = 'cwl-siem-other';
const SESSION = 'cwl-siem-session';
const SAMPLE = 'sample';

// ---- synthesis ----------------------------------------------------------------------------------

export interface StackInfo {
  readonly name: string;
  readonly partition: Partition;
  readonly region: string;
  readonly accountId: string;
}

type Attributes = Record<string, unknown>;
/** `resource` (or `data`) block of a cdk.tf.json: type → logical id → attributes. */
type Blocks = Record<string, Record<string, Attributes>>;

export interface TerraformJson {
  readonly resource?: Blocks;
  readonly data?: Blocks;
  readonly [key: string]: unknown;
}

export interface SynthesizedStack {
  readonly stack: StackInfo;
  readonly tf: TerraformJson;
}

export interface SynthesizedExample {
  /** File name without `.json`. */
  readonly example: string;
  readonly stacks: readonly SynthesizedStack[];
}

/**
 * Synthesizes one example config with the toolkit (guardrails included) into a fresh temporary
 * folder, reads every stack's cdk.tf.json and removes the folder again.
 */
export function synthesizeExample(path: string): SynthesizedExample {
  const outdir = mkdtempSync(join(tmpdir(), 'cwl-siem-policies-'));
  try {
    const config = loadConfig(path);
    const app = new App({ outdir });
    addStacks(app, config);
    app.synth();
    return {
      example: basename(path, '.json'),
      stacks: config.stacks.map((s) => ({
        stack: { name: s.name, partition: s.partition, region: s.region, accountId: s.accountId },
        tf: JSON.parse(readFileSync(join(outdir, 'stacks', s.name, 'cdk.tf.json'), 'utf8')) as TerraformJson,
      })),
    };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

// ---- documents in the Terraform JSON ------------------------------------------------------------

/** Where IAM documents live in the JSON: resource type → attribute holding the literal document. */
export const POLICY_ATTRIBUTES: Readonly<Record<string, string>> = {
  aws_s3_bucket_policy: 'policy',
  aws_sqs_queue_policy: 'policy',
  aws_kms_key: 'policy',
  aws_iam_role: 'assume_role_policy',
  aws_iam_role_policy: 'policy',
  aws_iam_user_policy: 'policy',
  aws_cloudwatch_log_destination_policy: 'access_policy',
};

export type DocumentKind = 'bucket' | 'queue' | 'key' | 'trust' | 'identity' | 'destination';

/**
 * Outputs that hold a document for a resource the toolkit does not manage (statements its owner adds
 * to a key policy): output name → kind, and how to find the ARN of the resource it is for.
 */
const POLICY_OUTPUTS: Readonly<Record<string, { readonly kind: DocumentKind; readonly subject: (tf: TerraformJson) => string }>> = {
  export_kms_key_policy: { kind: 'key', subject: (tf) => bucketKmsKey(tf) },
};

/** The customer managed key of the (one) bucket whose default encryption names one. */
function bucketKmsKey(tf: TerraformJson): string {
  const keys = Object.values(tf.resource?.aws_s3_bucket_server_side_encryption_configuration ?? {}).flatMap((c) =>
    list<Attributes>((c as { rule?: Attributes | Attributes[] }).rule).map(
      (r) => (r.apply_server_side_encryption_by_default as { kms_master_key_id?: string } | undefined)?.kms_master_key_id,
    ),
  );
  const found = keys.filter((k): k is string => typeof k === 'string');
  if (found.length !== 1) throw new Error(`expected one bucket KMS key in the stack, found ${found.length}`);
  return found[0];
}

const KIND_OF_TYPE: Readonly<Record<string, DocumentKind>> = {
  aws_s3_bucket_policy: 'bucket',
  aws_sqs_queue_policy: 'queue',
  aws_kms_key: 'key',
  aws_iam_role: 'trust',
  aws_iam_role_policy: 'identity',
  aws_iam_user_policy: 'identity',
  aws_cloudwatch_log_destination_policy: 'destination',
};

/** The role or user an identity policy is attached to. */
export interface Holder {
  readonly kind: 'role' | 'user';
  readonly name: string;
  /** Role or user ARN (what `aws:PrincipalArn` is). */
  readonly arn: string;
  /** The calling principal: an assumed-role session for a role, the user ARN for a user. */
  readonly principal: string;
}

export interface FoundDocument {
  readonly example: string;
  readonly stack: StackInfo;
  /** `<type>.<logical id>`. */
  readonly address: string;
  readonly type: string;
  readonly attribute: string;
  readonly kind: DocumentKind;
  /** The document with every Terraform reference replaced by a concrete value; undefined if that failed. */
  readonly document?: PolicyDocument;
  /** Statements as synthesized (references left in), so tests can be named even if substitution failed. */
  readonly statements: readonly Statement[];
  /** Why the document could not be prepared (unparseable JSON, unknown reference, unknown holder). */
  readonly problem?: string;
  /** The Terraform references found and what they were replaced with. */
  readonly references: Readonly<Record<string, string>>;
  /** Resource policies: ARN of the resource the policy is attached to (role, key, queue, bucket, destination). */
  readonly subjectArn?: string;
  /** Identity policies: who holds the policy. */
  readonly holder?: Holder;
}

export interface FoundStatement {
  readonly doc: FoundDocument;
  readonly index: number;
  readonly statement: Statement;
  /** The Sid, or `#<index>` for a statement without one. */
  readonly sid: string;
}

/** How the test names a statement: `<example> <stack> <resource address> <Sid>`. */
export const statementTitle = (s: FoundStatement): string => `${s.doc.example} ${s.doc.stack.name} ${s.doc.address} ${s.sid}`;

export const statementsOf = (doc: FoundDocument): FoundStatement[] =>
  doc.statements.map((statement, index) => ({ doc, index, statement, sid: statement.Sid ?? `#${index}` }));

/**
 * Every string in the JSON that holds a policy document, found without knowing the resource types:
 * strings mentioning `Statement` (literal JSON or a `${jsonencode(...)}` expression), objects with a
 * `Statement` key, and `aws_iam_policy_document` data sources. A document kept anywhere the
 * {@link POLICY_ATTRIBUTES} table does not know is counted here and not there.
 */
export function countPolicyAttributes(tf: TerraformJson): number {
  let count = 0;
  const walk = (value: unknown, key: string): void => {
    if (key === '//') return; // cdktf metadata
    if (typeof value === 'string') {
      if (value.includes('Statement')) count++;
    } else if (Array.isArray(value)) {
      value.forEach((v) => walk(v, ''));
    } else if (value !== null && typeof value === 'object') {
      if (Object.prototype.hasOwnProperty.call(value, 'Statement')) {
        count++;
        return;
      }
      for (const [k, v] of Object.entries(value)) walk(v, k);
    }
  };
  const { data, ...rest } = tf;
  walk(rest, '');
  for (const [type, blocks] of Object.entries(data ?? {})) {
    if (type === 'aws_iam_policy_document') count += Object.keys(blocks).length;
    else walk(blocks, '');
  }
  return count;
}

/** Finds the documents of one synthesized stack, references substituted. */
export function findDocuments(example: string, synthesized: SynthesizedStack): FoundDocument[] {
  const { stack, tf } = synthesized;
  const refs = new References(stack, tf);
  const found: FoundDocument[] = [];
  for (const [type, attribute] of Object.entries(POLICY_ATTRIBUTES)) {
    for (const [id, attrs] of Object.entries(tf.resource?.[type] ?? {})) {
      const raw = attrs[attribute];
      if (raw === undefined) continue;
      const address = `${type}.${id}`;
      const base = { example, stack, address, type, attribute, kind: KIND_OF_TYPE[type] };
      let parsed: PolicyDocument;
      try {
        if (typeof raw !== 'string') throw new Error(`${attribute} is not a literal JSON string: ${JSON.stringify(raw)}`);
        parsed = JSON.parse(raw) as PolicyDocument;
        if (!Array.isArray(parsed.Statement)) throw new Error(`${attribute} has no Statement list`);
      } catch (e) {
        found.push({ ...base, statements: [], references: {}, problem: `cannot read the document: ${(e as Error).message}` });
        continue;
      }
      const substituted: Record<string, string> = {};
      try {
        const document = refs.substitute(parsed, substituted) as PolicyDocument;
        const subject = subjectOf(refs, stack, type, id, attrs);
        found.push({ ...base, statements: parsed.Statement, document, references: substituted, ...subject });
      } catch (e) {
        found.push({ ...base, statements: parsed.Statement, references: substituted, problem: (e as Error).message });
      }
    }
  }
  for (const [name, output] of Object.entries((tf.output ?? {}) as Record<string, { value?: unknown }>)) {
    const known = POLICY_OUTPUTS[name];
    if (!known) continue;
    const base = { example, stack, address: `output.${name}`, type: 'output', attribute: 'value', kind: known.kind };
    try {
      if (typeof output.value !== 'string') throw new Error(`output ${name} is not a literal JSON string`);
      const parsed = JSON.parse(output.value) as PolicyDocument;
      const substituted: Record<string, string> = {};
      const document = refs.substitute(parsed, substituted) as PolicyDocument;
      found.push({ ...base, statements: parsed.Statement, document, references: substituted, subjectArn: known.subject(tf) });
    } catch (e) {
      found.push({ ...base, statements: [], references: {}, problem: `cannot read the document: ${(e as Error).message}` });
    }
  }
  return found;
}

function subjectOf(refs: References, stack: StackInfo, type: string, id: string, attrs: Attributes): { subjectArn?: string; holder?: Holder } {
  const p = stack.partition;
  switch (type) {
    case 'aws_kms_key':
      return { subjectArn: refs.resolve(`aws_kms_key.${id}.arn`) };
    case 'aws_iam_role':
      return { subjectArn: refs.resolve(`aws_iam_role.${id}.arn`) };
    case 'aws_s3_bucket_policy':
      return { subjectArn: `arn:${p}:s3:::${refs.text(attrs.bucket, 'bucket')}` };
    case 'aws_sqs_queue_policy': {
      const url = refs.text(attrs.queue_url, 'queue_url');
      const m = /^https:\/\/sqs\.([a-z0-9-]+)\.[^/]+\/(\d{12})\/([^/]+)$/.exec(url);
      if (!m) throw new Error(`cannot read the queue from queue_url ${url}`);
      return { subjectArn: `arn:${p}:sqs:${m[1]}:${m[2]}:${m[3]}` };
    }
    case 'aws_cloudwatch_log_destination_policy':
      return { subjectArn: `arn:${p}:logs:${stack.region}:${stack.accountId}:destination:${refs.text(attrs.destination_name, 'destination_name')}` };
    case 'aws_iam_role_policy': {
      const name = refs.text(attrs.role, 'role');
      const arn = `arn:${p}:iam::${stack.accountId}:role/${name}`;
      return { holder: { kind: 'role', name, arn, principal: sessionArn(p, stack.accountId, name) } };
    }
    case 'aws_iam_user_policy': {
      const name = refs.text(attrs.user, 'user');
      const arn = `arn:${p}:iam::${stack.accountId}:user/${name}`;
      return { holder: { kind: 'user', name, arn, principal: arn } };
    }
    default:
      throw new Error(`no subject known for ${type}`);
  }
}

const sessionArn = (partition: string, account: string, roleName: string): string => `arn:${partition}:sts::${account}:assumed-role/${roleName}/${SESSION}`;

/** A fake key id, stable for a logical id: `00000000-0000-0000-0000-<12 hex digits>`. */
function fakeKeyId(seed: string): string {
  let h = 0;
  for (const c of seed) h = (h * 31 + c.charCodeAt(0)) % 0xffffffffffff;
  return `00000000-0000-0000-0000-${h.toString(16).padStart(12, '0')}`;
}

/**
 * Replaces `${<type>.<id>.<attribute>}` references with the concrete value the resource will have,
 * built from the referenced resource's own literal attributes.
 */
class References {
  constructor(
    private readonly stack: StackInfo,
    private readonly tf: TerraformJson,
  ) {}

  substitute(value: unknown, seen: Record<string, string>): unknown {
    if (typeof value === 'string') {
      // `$${aws:...}` is Terraform's escape of an IAM policy variable: IAM receives `${aws:...}`.
      return value.replace(/\$?\$\{([^}]*)\}/g, (whole: string, expr: string) => {
        if (whole.startsWith('$$')) return whole.slice(1);
        const concrete = this.resolve(expr);
        seen[expr] = concrete;
        return concrete;
      });
    }
    if (Array.isArray(value)) return value.map((v) => this.substitute(v, seen));
    if (value !== null && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.substitute(v, seen)]));
    }
    return value;
  }

  /** A literal attribute, or a reference resolved. */
  text(value: unknown, attribute: string): string {
    if (typeof value !== 'string') throw new Error(`attribute ${attribute} is not a string: ${JSON.stringify(value)}`);
    return this.substitute(value, {}) as string;
  }

  resolve(expr: string): string {
    const m = /^([a-z0-9_]+)\.([A-Za-z0-9_-]+)\.([a-z_]+)$/.exec(expr.trim());
    if (!m) throw new Error(`cannot substitute the Terraform expression \${${expr}}: extend References in test/terraform/policy-requests.ts`);
    const [, type, id, attribute] = m;
    const attrs = this.tf.resource?.[type]?.[id];
    if (!attrs) throw new Error(`\${${expr}} refers to a resource that is not in the stack`);
    const { partition: p, region: r, accountId: a } = this.stack;
    const own = (name: string): string => this.text(attrs[name], `${type}.${id}.${name}`);
    const arns: Record<string, () => Record<string, string>> = {
      aws_kms_key: () => ({ arn: `arn:${p}:kms:${r}:${a}:key/${fakeKeyId(id)}`, key_id: fakeKeyId(id), id: fakeKeyId(id) }),
      aws_iam_role: () => ({ arn: `arn:${p}:iam::${a}:role${this.path(attrs)}${own('name')}`, name: own('name'), id: own('name') }),
      aws_iam_user: () => ({ arn: `arn:${p}:iam::${a}:user${this.path(attrs)}${own('name')}`, name: own('name'), id: own('name') }),
      aws_s3_bucket: () => ({ arn: `arn:${p}:s3:::${own('bucket')}`, id: own('bucket'), bucket: own('bucket') }),
      aws_sqs_queue: () => ({
        arn: `arn:${p}:sqs:${r}:${a}:${own('name')}`,
        name: own('name'),
        id: `https://sqs.${r}.${PARTITION_FACTS[p].dnsSuffix}/${a}/${own('name')}`,
        url: `https://sqs.${r}.${PARTITION_FACTS[p].dnsSuffix}/${a}/${own('name')}`,
      }),
      aws_kinesis_stream: () => ({ arn: `arn:${p}:kinesis:${r}:${a}:stream/${own('name')}`, name: own('name') }),
      aws_kinesis_firehose_delivery_stream: () => ({ arn: `arn:${p}:firehose:${r}:${a}:deliverystream/${own('name')}`, name: own('name') }),
      aws_cloudwatch_log_group: () => ({ arn: `arn:${p}:logs:${r}:${a}:log-group:${own('name')}`, name: own('name'), id: own('name') }),
      aws_cloudwatch_log_destination: () => ({ arn: `arn:${p}:logs:${r}:${a}:destination:${own('name')}`, name: own('name'), id: own('name') }),
    };
    const value = arns[type]?.()[attribute];
    if (value === undefined) throw new Error(`cannot substitute \${${expr}}: extend References in test/terraform/policy-requests.ts`);
    return value;
  }

  private path(attrs: Attributes): string {
    return typeof attrs.path === 'string' ? attrs.path : '/';
  }
}

// ---- patterns, ARNs and conditions ----------------------------------------------------------------

const list = <T>(v: T | readonly T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? [...(v as readonly T[])] : [v as T]);

const globRegex = (pattern: string, flags = ''): RegExp =>
  new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
    flags,
  );
const globMatch = (pattern: string, value: string): boolean => globRegex(pattern).test(value);
const actionMatch = (pattern: string, action: string): boolean => globRegex(pattern, 'i').test(action);
const hasWildcard = (s: string): boolean => /[*?]/.test(s);

interface Arn {
  readonly partition: string;
  readonly service: string;
  readonly region: string;
  readonly account: string;
  readonly resource: string;
}

function parseArn(s: string): Arn | undefined {
  const parts = s.split(':');
  if (parts.length < 6 || parts[0] !== 'arn') return undefined;
  return { partition: parts[1], service: parts[2], region: parts[3], account: parts[4], resource: parts.slice(5).join(':') };
}
const formatArn = (a: Arn): string => `arn:${a.partition}:${a.service}:${a.region}:${a.account}:${a.resource}`;

const fillText = (s: string): string => s.replace(/\*/g, SAMPLE).replace(/\?/g, 'x');

/** What fills an ARN whose whole resource part is `*`. */
const SAMPLE_RESOURCE: Readonly<Record<string, string>> = {
  logs: 'log-group:/cwl-siem/sample',
  s3: 'cwl-siem-sample-bucket',
  sqs: 'cwl-siem-sample',
  kinesis: 'stream/cwl-siem-sample',
  firehose: 'deliverystream/cwl-siem-sample',
  iam: 'role/cwl-siem-sample',
  kms: `key/${fakeKeyId('sample')}`,
  ecs: 'task/cwl-siem-collector/0f1e2d3c4b5a6978',
  ecr: 'repository/cwl-siem-sample',
  secretsmanager: 'secret:cwl-siem-sample-AbCdEf',
  ssm: 'parameter/cwl-siem/sample',
};

interface Fill {
  readonly partition: string;
  readonly region: string;
  /** Account for a wildcard account field. */
  readonly account: string;
}

/** A concrete value matching a pattern: wildcards of an ARN filled field by field, elsewhere with `sample`. */
function fillPattern(pattern: string, fill: Fill): string {
  if (!hasWildcard(pattern)) return pattern;
  const arn = parseArn(pattern);
  if (!arn) return fillText(pattern);
  if (hasWildcard(arn.service)) throw new Error(`cannot build a value for ${pattern}: the service is a wildcard`);
  let resource: string;
  if (arn.resource === '*') {
    const sample = SAMPLE_RESOURCE[arn.service];
    if (!sample) throw new Error(`cannot build a value for ${pattern}: no sample ${arn.service} resource (extend SAMPLE_RESOURCE)`);
    resource = sample;
  } else if (arn.service === 'kms' && /^key\/[*?]+$/.test(arn.resource)) {
    resource = `key/${fakeKeyId(pattern)}`;
  } else {
    resource = fillText(arn.resource);
  }
  return formatArn({
    partition: hasWildcard(arn.partition) ? fill.partition : arn.partition,
    service: arn.service,
    region: hasWildcard(arn.region) ? fill.region : arn.region,
    account: hasWildcard(arn.account) ? fill.account : arn.account,
    resource,
  });
}

const OTHER_REGION: Readonly<Record<string, [string, string]>> = {
  aws: ['us-east-1', 'us-west-2'],
  'aws-cn': ['cn-north-1', 'cn-northwest-1'],
  'aws-us-gov': ['us-gov-west-1', 'us-gov-east-1'],
};
function otherRegion(partition: string, region: string): string {
  const [a, b] = OTHER_REGION[partition] ?? OTHER_REGION.aws;
  return region === a ? b : a;
}

type ContextValue = string | string[];
type Context = Record<string, ContextValue>;

interface ConditionEntry {
  /** As written, e.g. `ForAnyValue:StringEquals`. */
  readonly operator: string;
  readonly key: string;
  readonly values: readonly string[];
}

const SUPPORTED_OPERATORS = ['StringEquals', 'StringEqualsIgnoreCase', 'StringLike', 'ArnEquals', 'ArnLike', 'Bool'];

/** The base operator, whether it is a set operator, and whether it tolerates a missing key. */
function operatorParts(operator: string): { base: string; anyValue: boolean; ifExists: boolean } {
  let base = operator;
  let anyValue = false;
  if (base.startsWith('ForAnyValue:')) {
    anyValue = true;
    base = base.slice('ForAnyValue:'.length);
  }
  const ifExists = base.endsWith('IfExists');
  if (ifExists) base = base.slice(0, -'IfExists'.length);
  if (!SUPPORTED_OPERATORS.includes(base)) throw new Error(`condition operator ${operator} is not supported by the derivation (extend conditionEntries)`);
  return { base, anyValue, ifExists };
}

function conditionEntries(statement: Statement): ConditionEntry[] {
  const entries: ConditionEntry[] = [];
  for (const [operator, block] of Object.entries(statement.Condition ?? {})) {
    operatorParts(operator);
    for (const [key, value] of Object.entries(block)) {
      entries.push({ operator, key, values: list<ConditionValue>(value).map((v) => String(v)) });
    }
  }
  return entries;
}

/**
 * IAM policy variables (`${aws:PrincipalAccount}`) in a pattern, replaced by the request's values,
 * as IAM does before it matches. A variable the context lacks stays as written and matches nothing.
 */
function expandVariables(pattern: string, context: Context): string {
  return pattern.replace(/\$\{([A-Za-z0-9]+:[A-Za-z0-9]+)\}/g, (whole, key: string) => {
    const value = Object.entries(context).find(([k]) => k.toLowerCase() === key.toLowerCase())?.[1];
    return typeof value === 'string' ? value : whole;
  });
}

function singleMatches(base: string, pattern: string, value: string): boolean {
  switch (base) {
    case 'StringEquals':
      return pattern === value;
    case 'StringEqualsIgnoreCase':
    case 'Bool':
      return pattern.toLowerCase() === value.toLowerCase();
    default: // StringLike, ArnEquals, ArnLike: wildcards match
      return globMatch(pattern, value);
  }
}

/** Whether a context satisfies one condition entry, read the way IAM reads it. */
function satisfies(entry: ConditionEntry, context: Context): boolean {
  const { base, anyValue, ifExists } = operatorParts(entry.operator);
  const actual = Object.entries(context).find(([k]) => k.toLowerCase() === entry.key.toLowerCase())?.[1];
  if (actual === undefined) return ifExists;
  const values = list<string>(actual);
  const one = (v: string): boolean => entry.values.some((p) => singleMatches(base, expandVariables(p, context), v));
  return anyValue ? values.some(one) : values.length === 1 && one(values[0]);
}

const setKey = (context: Context, key: string, value: ContextValue): void => {
  for (const k of Object.keys(context)) if (k.toLowerCase() === key.toLowerCase()) delete context[k];
  context[key] = value;
};

/** Context keys of the `kms:EncryptionContext:` family: the engine's validated entry point drops them. */
const engineDropsKey = (key: string): boolean => /^kms:EncryptionContext:/i.test(key);

// ---- the caller -----------------------------------------------------------------------------------

interface Caller {
  /** Request principal: a service principal, an assumed-role session or a user ARN. */
  readonly principal: string;
  /** AWS callers: account, role/user ARN, and whether their own account must grant the action too. */
  readonly aws?: { readonly account: string; readonly arn: string; readonly needsOwnGrant: boolean };
  /** The Principal value the caller came from (`*` for Principal "*"). */
  readonly from: string;
}

const roleCaller = (partition: string, account: string, roleName: string, from: string, needsOwnGrant: boolean): Caller => ({
  principal: sessionArn(partition, account, roleName),
  aws: { account, arn: `arn:${partition}:iam::${account}:role/${roleName}`, needsOwnGrant },
  from,
});

/** Principal element → the principals it names, by kind. */
function principalsOf(statement: Statement): { service: string[]; aws: string[]; any: boolean } {
  const p = statement.Principal;
  if (p === undefined) return { service: [], aws: [], any: false };
  if (p === '*') return { service: [], aws: [], any: true };
  if (p.Federated !== undefined || p.CanonicalUser !== undefined) throw new Error('Federated and CanonicalUser principals are not supported by the derivation');
  const aws = list(p.AWS);
  return { service: list(p.Service), aws: aws.filter((a) => a !== '*'), any: aws.includes('*') };
}

// ---- requests ---------------------------------------------------------------------------------------

/** One derived request and what the document should decide. */
export type DerivedCase = EvaluationCase;

export interface DerivedStatement {
  readonly allowed: readonly DerivedCase[];
  readonly denied: readonly DerivedCase[];
}

export class DerivationError extends Error {
  constructor(s: FoundStatement, reason: string) {
    super(`${statementTitle(s)}: cannot derive requests from this statement: ${reason}\n(extend test/terraform/policy-requests.ts)`);
    this.name = 'DerivationError';
  }
}

/** The label `evaluate` prints with a failing case; the request itself carries the real context. */
function documentLabel(kind: DocumentKind): DocumentName {
  switch (kind) {
    case 'bucket':
      return '4 TLS-only deny in bucket policies';
    case 'queue':
      return '11 notification queue';
    case 'key':
      return '13 central KMS key';
    case 'destination':
      return '14 log destination';
    case 'trust':
      return '12 SIEM reader role';
    case 'identity':
      return '5 export collector identity';
  }
}

interface Request {
  readonly caller: Caller;
  readonly action: string;
  readonly resource: string;
  readonly resourceAccount: string;
  readonly context: Context;
  readonly identityPolicies: readonly NamedPolicy[];
  readonly resourcePolicy?: PolicyDocument;
}

const allowPolicy = (name: string, action: string): NamedPolicy => ({
  name,
  policy: { Version: '2012-10-17', Statement: [{ Sid: 'CallerAccountGrants', Effect: 'Allow', Action: action, Resource: '*' }] },
});

/** The key policy AWS gives a key by default: its account's IAM policies decide. */
const defaultKeyPolicy = (partition: string, account: string): PolicyDocument => ({
  Version: '2012-10-17',
  Statement: [{ Sid: 'EnableIamPolicies', Effect: 'Allow', Principal: { AWS: `arn:${partition}:iam::${account}:root` }, Action: 'kms:*', Resource: '*' }],
});

/** S3 actions on a bucket (rather than on an object). */
const isBucketAction = (action: string): boolean => /^s3:[A-Za-z]*Bucket/.test(action);

/** Derives the requests of one statement. Async because the engine's action data is read lazily. */
export async function deriveStatement(s: FoundStatement): Promise<DerivedStatement> {
  try {
    return await new Deriver(s).run();
  } catch (e) {
    if (e instanceof DerivationError) throw e;
    throw new DerivationError(s, (e as Error).message);
  }
}

/** The near miss of a document's TLS-only deny: its first Allow's intended request over plain HTTP. */
export async function deriveTlsDeny(s: FoundStatement): Promise<DerivedCase> {
  const firstAllow = statementsOf(s.doc).find((x) => x.statement.Effect === 'Allow');
  if (!firstAllow) throw new DerivationError(s, 'the document has no Allow statement to repeat over plain HTTP');
  try {
    const d = new Deriver(firstAllow);
    const intended = await d.intended(d.actions()[0], d.callers()[0]);
    const context = { ...intended.context };
    setKey(context, 'aws:SecureTransport', 'false');
    return d.toCase({ ...intended, context }, `the intended request of ${firstAllow.sid} over plain HTTP (aws:SecureTransport false)`, 'ExplicitlyDenied');
  } catch (e) {
    throw new DerivationError(s, (e as Error).message);
  }
}

class Deriver {
  private readonly doc: FoundDocument;
  private readonly document: PolicyDocument;
  private readonly statement: Statement;
  private readonly conditions: ConditionEntry[];

  constructor(private readonly s: FoundStatement) {
    this.doc = s.doc;
    if (!s.doc.document) throw new DerivationError(s, s.doc.problem ?? 'the document could not be prepared');
    this.document = s.doc.document;
    this.statement = this.document.Statement[s.index];
    this.conditions = conditionEntries(this.statement);
  }

  async run(): Promise<DerivedStatement> {
    const st = this.statement;
    if (st.Effect !== 'Allow') throw new Error(`no derivation for a ${st.Effect} statement other than DenyInsecureTransport`);
    if (st.NotAction !== undefined || st.NotResource !== undefined || st.NotPrincipal !== undefined) {
      throw new Error('NotAction, NotResource and NotPrincipal are not supported');
    }
    const actions = this.actions();
    const callers = this.callers();
    const allowed: DerivedCase[] = [];
    for (const action of actions) allowed.push(this.toCase(await this.intended(action, callers[0]), 'intended request', 'Allowed'));
    for (const caller of callers.slice(1))
      allowed.push(this.toCase(await this.intended(actions[0], caller), 'intended request of another listed principal', 'Allowed'));

    const base = await this.intended(actions[0], callers[0]);
    const denied: DerivedCase[] = [];
    for (const entry of this.conditions) denied.push(this.toCase(this.wrongCondition(base, entry), this.describeWrong(entry), 'Denied'));
    const outside = this.outsideResource(base);
    if (outside) denied.push(this.toCase(outside.request, outside.what, 'Denied'));
    const ungranted = await this.ungrantedAction(base);
    if (ungranted) denied.push(this.toCase(ungranted.request, ungranted.what, 'Denied'));
    const stranger = this.outsidePrincipal(base);
    if (stranger) denied.push(this.toCase(stranger.request, stranger.what, 'Denied'));
    if (denied.length === 0)
      throw new Error('no near miss could be built (no condition, no resource outside, no action left ungranted, no principal to replace)');
    return { allowed, denied };
  }

  actions(): string[] {
    const actions = list(this.statement.Action);
    if (actions.length === 0) throw new Error('the statement has no Action');
    for (const a of actions) if (hasWildcard(a)) throw new Error(`action ${a} is a wildcard: name the actions it should be tested with`);
    return actions;
  }

  // ---- who calls ----

  callers(): Caller[] {
    if (this.doc.kind === 'identity') {
      const h = this.doc.holder!;
      return [{ principal: h.principal, aws: { account: this.doc.stack.accountId, arn: h.arn, needsOwnGrant: false }, from: h.arn }];
    }
    const { service, aws, any } = principalsOf(this.statement);
    const callers: Caller[] = [];
    for (const svc of service) callers.push({ principal: svc, from: svc });
    for (const a of aws) callers.push(this.awsCaller(a));
    if (any) callers.push(this.anyCaller());
    if (callers.length === 0) throw new Error('the statement of a resource or trust policy has no Principal');
    return callers;
  }

  private awsCaller(value: string): Caller {
    const { partition } = this.doc.stack;
    const account = /^\d{12}$/.test(value) ? value : /^arn:[^:]+:iam::(\d{12}):root$/.exec(value)?.[1];
    if (account) {
      // An account principal narrowed by aws:PrincipalArn: the caller is that role or user.
      const named = this.principalArnOf(account);
      if (named?.startsWith('user/')) {
        const userArn = `arn:${partition}:iam::${account}:${named}`;
        return { principal: userArn, aws: { account, arn: userArn, needsOwnGrant: true }, from: value };
      }
      return roleCaller(partition, account, named?.split('/').pop() ?? CALLER_ROLE, value, true);
    }
    const arn = parseArn(value);
    if (!arn || arn.service !== 'iam' || !/^\d{12}$/.test(arn.account)) throw new Error(`AWS principal ${value} is not an account, role or user ARN`);
    const crossAccount = arn.account !== this.doc.stack.accountId;
    if (arn.resource.startsWith('role/')) {
      const name = arn.resource.split('/').pop()!;
      return { principal: sessionArn(arn.partition, arn.account, name), aws: { account: arn.account, arn: value, needsOwnGrant: crossAccount }, from: value };
    }
    if (arn.resource.startsWith('user/')) return { principal: value, aws: { account: arn.account, arn: value, needsOwnGrant: crossAccount }, from: value };
    throw new Error(`AWS principal ${value} is neither a role nor a user`);
  }

  /** `Principal: "*"`: a role of the account the conditions point to, or of a member account. */
  private anyCaller(): Caller {
    const { partition } = this.doc.stack;
    const accountCondition = this.conditions.find((c) => c.key.toLowerCase() === 'aws:principalaccount');
    const principalArn = this.conditions.find((c) => c.key.toLowerCase() === 'aws:principalarn');
    const arnAccount = principalArn ? parseArn(principalArn.values[0])?.account : undefined;
    const account = accountCondition?.values[0] ?? (arnAccount && !hasWildcard(arnAccount) ? arnAccount : MEMBER);
    const fromArn = principalArn ? fillPattern(principalArn.values[0], { partition, region: this.doc.stack.region, account }) : undefined;
    if (fromArn) {
      const arn = parseArn(fromArn)!;
      if (arn.resource.startsWith('role/')) return roleCaller(partition, account, arn.resource.split('/').pop()!, '*', account !== this.doc.stack.accountId);
      if (arn.resource.startsWith('user/'))
        return { principal: fromArn, aws: { account, arn: fromArn, needsOwnGrant: account !== this.doc.stack.accountId }, from: '*' };
      throw new Error(`aws:PrincipalArn ${principalArn!.values[0]} names neither a role nor a user`);
    }
    return roleCaller(partition, account, CALLER_ROLE, '*', account !== this.doc.stack.accountId);
  }

  /** The resource part (`role/<name>`, `user/<name>`) of the role or user an aws:PrincipalArn condition names. */
  private principalArnOf(account: string): string | undefined {
    const c = this.conditions.find((x) => x.key.toLowerCase() === 'aws:principalarn');
    if (!c) return undefined;
    const arn = parseArn(fillPattern(c.values[0], { partition: this.doc.stack.partition, region: this.doc.stack.region, account }));
    return arn && /^(role|user)\//.test(arn.resource) ? arn.resource : undefined;
  }

  // ---- what is asked for ----

  private async resourceFor(action: string): Promise<string> {
    const [service, name] = action.split(':');
    if (this.doc.kind === 'trust') return this.doc.subjectArn!;
    if (await isWildcardOnlyAction(service, name)) return '*';
    const patterns = list(this.statement.Resource);
    if (patterns.length === 0) throw new Error('the statement has no Resource');
    let pattern = patterns[0];
    if (service === 's3') {
      pattern = patterns.find((p) => parseArn(p)?.resource.includes('/') !== isBucketAction(action)) ?? pattern;
    }
    if (pattern === '*') {
      if (this.doc.kind === 'key' || this.doc.kind === 'destination') return this.doc.subjectArn!;
      if (this.doc.kind === 'identity') return this.sampleArn(action);
      throw new Error(`Resource "*" in a ${this.doc.kind} policy for ${action}: say which resource it stands for`);
    }
    const account = this.doc.kind === 'identity' ? this.doc.stack.accountId : parseArn(this.doc.subjectArn ?? '')?.account || this.doc.stack.accountId;
    return fillPattern(pattern, { partition: this.doc.stack.partition, region: this.doc.stack.region, account });
  }

  /** A resource of the holder's account for an action granted on `Resource: "*"` that needs one. */
  private sampleArn(action: string): string {
    const { partition, region, accountId } = this.doc.stack;
    const service = action.split(':')[0];
    if (service === 's3') return `arn:${partition}:s3:::${SAMPLE_RESOURCE.s3}${isBucketAction(action) ? '' : '/sample-object'}`;
    if (!SAMPLE_RESOURCE[service])
      throw new Error(`Resource "*" for ${action}, which needs a resource: no sample ${service} resource (extend SAMPLE_RESOURCE)`);
    return fillPattern(`arn:${partition}:${service}:${service === 'iam' ? '' : region}:${accountId}:*`, { partition, region, account: accountId });
  }

  /** The request the statement exists for, with `action`, by `caller`. */
  async intended(action: string, caller: Caller): Promise<Request> {
    const { partition, region, accountId } = this.doc.stack;
    const resourceAccount = accountId;

    const context: Context = { 'aws:SecureTransport': 'true' };
    if (caller.aws) {
      context['aws:PrincipalArn'] = caller.aws.arn;
      context['aws:PrincipalAccount'] = caller.aws.account;
    }
    const resource = expandVariables(await this.resourceFor(action), context);
    const sourceAccount = this.conditions.find((c) => c.key.toLowerCase() === 'aws:sourceaccount')?.values[0];
    for (const entry of this.conditions) {
      const key = entry.key.toLowerCase();
      if (caller.aws && (key === 'aws:principalarn' || key === 'aws:principalaccount')) continue; // the caller's own
      const { base, anyValue } = operatorParts(entry.operator);
      const fillAccount = key.startsWith('aws:source') ? (sourceAccount ?? accountId) : accountId;
      const pattern = expandVariables(entry.values[0], context);
      const value =
        base === 'StringLike' || base === 'ArnLike' || base === 'ArnEquals' ? fillPattern(pattern, { partition, region, account: fillAccount }) : pattern;
      setKey(context, entry.key, anyValue ? [value] : value);
    }
    const unmet = this.conditions.filter((c) => !satisfies(c, context));
    if (unmet.length > 0)
      throw new Error(`the derived context does not satisfy ${unmet.map((c) => `${c.operator} ${c.key}`).join(', ')}: ${JSON.stringify(context)}`);

    return { caller, action, resource, resourceAccount, context, ...this.policiesFor(caller, action, resource, resourceAccount) };
  }

  /** Identity policies of the caller and the resource policy the request meets. */
  private policiesFor(caller: Caller, action: string, resource: string, resourceAccount: string): Pick<Request, 'identityPolicies' | 'resourcePolicy'> {
    const { partition } = this.doc.stack;
    if (this.doc.kind === 'identity') {
      const service = action.split(':')[0];
      if (service === 'sts') throw new Error(`${action} from an identity policy needs the target role's trust policy`);
      return {
        identityPolicies: [{ name: this.doc.address, policy: this.document }],
        // A key decides with its key policy; the default one hands the decision to the account's IAM policies.
        resourcePolicy: service === 'kms' && resource !== '*' ? defaultKeyPolicy(partition, resourceAccount) : undefined,
      };
    }
    const ownGrant = caller.aws && (caller.aws.needsOwnGrant || caller.aws.account !== resourceAccount);
    return { identityPolicies: ownGrant ? [allowPolicy(`caller-account-grants-${action.replace(':', '-')}`, action)] : [], resourcePolicy: this.document };
  }

  // ---- near misses ----

  /** The intended request with one condition value made wrong. */
  private wrongCondition(base: Request, entry: ConditionEntry): Request {
    const key = entry.key.toLowerCase();
    const { partition } = this.doc.stack;
    if (key === 'aws:principalarn' && base.caller.aws) {
      const caller = roleCaller(partition, base.caller.aws.account, OTHER_ROLE, base.caller.from, base.caller.aws.needsOwnGrant);
      return this.withCaller(base, caller, entry);
    }
    if (key === 'aws:principalaccount' && base.caller.aws) {
      const name = base.caller.aws.arn.split('/').pop()!;
      return this.withCaller(base, roleCaller(partition, OUTSIDER, name, base.caller.from, true), entry);
    }
    const context = { ...base.context };
    const { anyValue } = operatorParts(entry.operator);
    const wrong = this.wrongValue({ ...entry, values: entry.values.map((v) => expandVariables(v, base.context)) });
    setKey(context, entry.key, anyValue ? [wrong] : wrong);
    if (satisfies(entry, context)) throw new Error(`the wrong value ${wrong} still satisfies ${entry.operator} ${entry.key}`);
    return { ...base, context };
  }

  private withCaller(base: Request, caller: Caller, entry: ConditionEntry): Request {
    const context = { ...base.context, 'aws:PrincipalArn': caller.aws!.arn, 'aws:PrincipalAccount': caller.aws!.account };
    if (satisfies(entry, context)) throw new Error(`the other caller ${caller.aws!.arn} still satisfies ${entry.operator} ${entry.key}`);
    return { ...base, caller, context, ...this.policiesFor(caller, base.action, base.resource, base.resourceAccount) };
  }

  private describeWrong(entry: ConditionEntry): string {
    const key = entry.key.toLowerCase();
    if (key === 'aws:principalarn') return `${entry.key} of another role (${OTHER_ROLE})`;
    if (key === 'aws:principalaccount') return `a caller of another account (${OUTSIDER})`;
    return `${entry.key} ${JSON.stringify(this.wrongValue(entry))} instead of ${JSON.stringify(entry.values.length === 1 ? entry.values[0] : entry.values)}`;
  }

  /** A plausible value the condition must refuse. */
  private wrongValue(entry: ConditionEntry): string {
    const key = entry.key.toLowerCase();
    const { partition, region } = this.doc.stack;
    const suffix = PARTITION_FACTS[partition].dnsSuffix;
    const firstRefused = (candidates: string[]): string => {
      const wrong = candidates.find((c) => !entry.values.some((v) => singleMatches(operatorParts(entry.operator).base, v, c)));
      if (wrong === undefined) throw new Error(`no wrong value for ${entry.key} among ${candidates.join(', ')}`);
      return wrong;
    };
    if (['aws:sourceaccount', 'aws:resourceaccount', 'aws:principalaccount'].includes(key)) return firstRefused([OUTSIDER]);
    if (['aws:sourceorgid', 'aws:resourceorgid', 'aws:principalorgid'].includes(key)) return firstRefused([OTHER_ORG]);
    if (key === 's3:x-amz-acl') return firstRefused(['private', 'public-read']);
    if (key === 'sts:externalid') return firstRefused(['wrong-external-id']);
    if (key === 'kms:viaservice') return firstRefused(['sqs', 's3', 'kinesis', 'lambda'].map((svc) => `${svc}.${region}.${suffix}`));
    if (key === 's3:prefix') return firstRefused(['other/', 'other']);
    if (key === 'kms:resourcealiases') return firstRefused(['alias/other']);
    const { base } = operatorParts(entry.operator);
    if (base.startsWith('Arn') || key === 'aws:sourcearn' || key.endsWith(':arn')) {
      const value = fillPattern(entry.values[0], { partition, region, account: this.doc.stack.accountId });
      return firstRefused(this.otherArns(value, 'first'));
    }
    throw new Error(`no near miss known for condition key ${entry.key} (extend wrongValue)`);
  }

  /**
   * ARNs next to `value`, nearest first: for S3 another prefix, then another bucket; otherwise another
   * name (stream, queue, log stream, key...), another region, and, if allowed, another account
   * (`'first'` puts that first: for a source ARN, another account is the confused deputy).
   */
  private otherArns(value: string, otherAccount: 'no' | 'last' | 'first'): string[] {
    const arn = parseArn(value);
    if (!arn) return [];
    if (arn.service === 's3') {
      const [bucket, ...key] = arn.resource.split('/');
      const out: string[] = [];
      if (key.length > 1) out.push(formatArn({ ...arn, resource: [bucket, 'other-prefix', ...key.slice(1)].join('/') }));
      out.push(formatArn({ ...arn, resource: [`${bucket}-other`, ...key].join('/') }));
      return out;
    }
    const renamed = arn.resource.replace(/[^/:]+$/, (last) =>
      arn.service === 'kms' && arn.resource.startsWith('key/') ? fakeKeyId(`other-${last}`) : `${last}-other`,
    );
    const out = [formatArn({ ...arn, resource: renamed })];
    if (arn.region) out.push(formatArn({ ...arn, region: otherRegion(arn.partition, arn.region) }));
    if (otherAccount !== 'no' && arn.account) {
      const elsewhere = formatArn({ ...arn, account: OUTSIDER });
      if (otherAccount === 'first') out.unshift(elsewhere);
      else out.push(elsewhere);
    }
    return out;
  }

  /** The same request on a resource just outside what the document grants the action on. */
  private outsideResource(base: Request): { request: Request; what: string } | undefined {
    if (base.resource === '*' || this.doc.kind === 'trust') return undefined;
    const granting = this.document.Statement.filter((st) => st.Effect === 'Allow' && list(st.Action).some((a) => actionMatch(a, base.action)));
    // `Resource: "*"` in a key or destination policy is the resource the policy is attached to; no other
    // resource carries the policy, so there is nothing just outside it (`*` matches every candidate).
    const patterns = granting.flatMap((st) => list(st.Resource));
    const candidate = this.otherArns(base.resource, this.doc.kind === 'identity' ? 'last' : 'no').find(
      (c) => !patterns.some((p) => globMatch(expandVariables(p, base.context), c)),
    );
    if (!candidate) return undefined;
    const resourceAccount = parseArn(candidate)?.account === OUTSIDER ? OUTSIDER : base.resourceAccount;
    return {
      request: { ...base, resource: candidate, resourceAccount, ...this.policiesFor(base.caller, base.action, candidate, resourceAccount) },
      what: `${base.action} on ${candidate}, outside what the document grants`,
    };
  }

  /** An action of the same service the document grants to nobody, on the same resource. */
  private async ungrantedAction(base: Request): Promise<{ request: Request; what: string } | undefined> {
    const candidates = UNGRANTED_CANDIDATES[this.doc.kind === 'trust' ? 'trust' : resourceKind(base.resource, base.action)];
    if (!candidates) throw new Error(`no candidate ungranted actions for ${base.action} on ${base.resource} (extend UNGRANTED_CANDIDATES)`);
    const granted = this.document.Statement.filter((st) => st.Effect === 'Allow').flatMap((st) => list(st.Action));
    for (const action of candidates) {
      if (granted.some((g) => actionMatch(g, action))) continue;
      const [service, name] = action.split(':');
      if ((await isWildcardOnlyAction(service, name)) !== (base.resource === '*')) continue;
      const allowedKeys = new Set(await allowedContextKeysForRequest(service, name, base.resource, false, undefined));
      const context = Object.fromEntries(Object.entries(base.context).filter(([k]) => allowedKeys.has(k.toLowerCase()) && !engineDropsKey(k)));
      return {
        request: { ...base, action, context, ...this.policiesFor(base.caller, action, base.resource, base.resourceAccount) },
        what: `${action} (granted by no statement of the document) on ${base.resource}`,
      };
    }
    return undefined;
  }

  /** The same request by a principal the statement does not name. */
  private outsidePrincipal(base: Request): { request: Request; what: string } | undefined {
    if (this.doc.kind === 'identity' || base.caller.from === '*') return undefined;
    const { partition } = this.doc.stack;
    const named = principalsOf(this.statement);
    if (!base.caller.aws) {
      const svc = base.caller.principal;
      const m = /^([a-z0-9-]+)\.([a-z]{2}(?:-[a-z]+)+-\d+)\.(.+)$/.exec(svc);
      const suffix = PARTITION_FACTS[partition].dnsSuffix;
      const candidates = m ? [`${m[1]}.${otherRegion(partition, m[2])}.${m[3]}`] : [`sns.${suffix}`, `lambda.${suffix}`];
      const other = candidates.find((c) => !named.service.includes(c));
      if (!other) return undefined;
      return { request: { ...base, caller: { principal: other, from: other } }, what: `the same request by ${other}` };
    }
    const arn = base.caller.aws.arn;
    const name = arn.split('/').pop()!;
    const userArn = `arn:${partition}:iam::${OUTSIDER}:user/${name}`;
    const caller: Caller = arn.includes(':user/')
      ? { principal: userArn, aws: { account: OUTSIDER, arn: userArn, needsOwnGrant: true }, from: base.caller.from }
      : roleCaller(partition, OUTSIDER, name, base.caller.from, true);
    const callerArn = caller.aws!.arn;
    const context = { ...base.context, 'aws:PrincipalArn': callerArn, 'aws:PrincipalAccount': OUTSIDER };
    return {
      request: { ...base, caller, context, ...this.policiesFor(caller, base.action, base.resource, base.resourceAccount) },
      what: `the same request by ${callerArn}, of an account the statement does not name, allowed by its own account`,
    };
  }

  toCase(r: Request, what: string, expect: EvaluationCase['expect']): DerivedCase {
    const unrecognized = Object.keys(r.context).filter(engineDropsKey);
    return {
      document: documentLabel(this.doc.kind),
      name: `${statementTitle(this.s)}: ${what}: ${r.action} on ${r.resource} by ${r.caller.principal}`,
      principal: r.caller.principal,
      action: r.action,
      resource: r.resource,
      resourceAccount: r.resourceAccount,
      context: r.context,
      identityPolicies: r.identityPolicies,
      ...(r.resourcePolicy ? { resourcePolicy: r.resourcePolicy } : {}),
      ...(unrecognized.length > 0 ? { engineUnrecognizedContextKeys: unrecognized } : {}),
      expect,
    };
  }
}

/** Kind of resource an ARN names, to pick actions of the same service on it. */
function resourceKind(resource: string, action: string): string {
  if (resource === '*') return `${action.split(':')[0]}:*`;
  const arn = parseArn(resource);
  if (!arn) return 'unknown';
  const r = arn.resource;
  switch (arn.service) {
    case 's3':
      return r.includes('/') ? 's3 object' : 's3 bucket';
    case 'logs':
      return r.includes(':log-stream:') ? 'logs log-stream' : r.startsWith('destination:') ? 'logs destination' : 'logs log-group';
    case 'iam':
      return r.startsWith('role/') ? 'iam role' : r.startsWith('user/') ? 'iam user' : 'iam';
    default:
      return arn.service;
  }
}

/** Actions tried, in order, for "an action of the same service the document does not grant". */
const UNGRANTED_CANDIDATES: Readonly<Record<string, readonly string[]>> = {
  's3 object': ['s3:PutObject', 's3:GetObject', 's3:DeleteObject', 's3:PutObjectAcl', 's3:DeleteObjectVersion'],
  's3 bucket': ['s3:ListBucket', 's3:GetBucketAcl', 's3:PutBucketPolicy', 's3:DeleteBucket'],
  sqs: ['sqs:SendMessage', 'sqs:ReceiveMessage', 'sqs:PurgeQueue', 'sqs:DeleteQueue'],
  kinesis: ['kinesis:PutRecord', 'kinesis:GetRecords', 'kinesis:DeleteStream'],
  firehose: ['firehose:PutRecord', 'firehose:DeleteDeliveryStream', 'firehose:UpdateDestination'],
  dynamodb: ['dynamodb:Query', 'dynamodb:BatchWriteItem', 'dynamodb:DeleteTable', 'dynamodb:UpdateTable', 'dynamodb:UpdateContinuousBackups'],
  kms: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey', 'kms:ScheduleKeyDeletion', 'kms:PutKeyPolicy', 'kms:ImportKeyMaterial', 'kms:Sign'],
  'iam role': ['iam:PassRole', 'iam:DeleteRole', 'iam:UpdateAssumeRolePolicy'],
  'iam user': ['iam:DeleteUser', 'iam:CreateAccessKey'],
  'logs log-group': ['logs:CreateExportTask', 'logs:PutSubscriptionFilter', 'logs:DeleteLogGroup'],
  'logs log-stream': ['logs:PutLogEvents', 'logs:GetLogEvents', 'logs:DeleteLogStream'],
  'logs destination': ['logs:PutSubscriptionFilter', 'logs:DeleteDestination', 'logs:PutDestinationPolicy'],
  'logs:*': ['logs:DescribeExportTasks', 'logs:DescribeDestinations', 'logs:DescribeQueryDefinitions'],
  'kms:*': ['kms:ListKeys', 'kms:ListAliases', 'kms:CreateKey'],
  's3:*': ['s3:ListAllMyBuckets'],
  'sqs:*': ['sqs:ListQueues'],
  'kinesis:*': ['kinesis:ListStreams'],
  'firehose:*': ['firehose:ListDeliveryStreams'],
  ecr: ['ecr:PutImage', 'ecr:BatchDeleteImage', 'ecr:DeleteRepository', 'ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'],
  'ecr:*': ['ecr:DescribeRegistry', 'ecr:GetRegistryPolicy', 'ecr:PutRegistryPolicy'],
  secretsmanager: ['secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue', 'secretsmanager:DeleteSecret'],
  ssm: ['ssm:GetParameters', 'ssm:PutParameter', 'ssm:DeleteParameter'],
  trust: ['sts:AssumeRole', 'sts:TagSession', 'sts:SetSourceIdentity'],
};
