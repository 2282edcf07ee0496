import Ajv, { ErrorObject, ValidateFunction } from 'ajv';
import { isUnresolved } from './inputs';
import { Partition } from './partitions';
import { PolicyDocument, PolicyKind, Statement } from './types';

/**
 * JSON Schema of the IAM policy grammar, as this project uses it. ARN and account patterns apply
 * only to resolved strings: a value containing `${` is a Terraform reference and passes as any string.
 */

const REFERENCE = '\\$\\{';
const ARN = '^arn:(aws|aws-us-gov|aws-cn):[a-z0-9-]+:[a-z0-9-]*:(\\d{12}|aws)?:.+$';

const referenceOr = (pattern: string) => ({
  anyOf: [
    { type: 'string', pattern },
    { type: 'string', pattern: REFERENCE },
  ],
});

const oneOrMany = (item: object) => ({
  anyOf: [item, { type: 'array', minItems: 1, items: item }],
});

const ACTION = { type: 'string', pattern: '^([a-z0-9-]+:[A-Za-z0-9*?]+|\\*)$' };
const RESOURCE = { anyOf: [{ type: 'string', const: '*' }, ...referenceOr(ARN).anyOf] };
const AWS_PRINCIPAL = { anyOf: [{ type: 'string', const: '*' }, ...referenceOr(`${ARN}|^\\d{12}$`).anyOf] };
const SERVICE_PRINCIPAL = { type: 'string', pattern: '^[a-z0-9.-]+\\.amazonaws\\.com(\\.cn)?$' };

const PRINCIPAL = {
  anyOf: [
    { type: 'string', const: '*' },
    {
      type: 'object',
      minProperties: 1,
      additionalProperties: false,
      properties: {
        AWS: oneOrMany(AWS_PRINCIPAL),
        Service: oneOrMany(SERVICE_PRINCIPAL),
        Federated: oneOrMany({ type: 'string', minLength: 1 }),
        CanonicalUser: oneOrMany({ type: 'string', minLength: 1 }),
      },
    },
  ],
};

const OPERATOR =
  '^((ForAllValues|ForAnyValue):)?(' +
  [
    'StringEquals',
    'StringNotEquals',
    'StringEqualsIgnoreCase',
    'StringNotEqualsIgnoreCase',
    'StringLike',
    'StringNotLike',
    'NumericEquals',
    'NumericNotEquals',
    'NumericLessThan',
    'NumericLessThanEquals',
    'NumericGreaterThan',
    'NumericGreaterThanEquals',
    'DateEquals',
    'DateNotEquals',
    'DateLessThan',
    'DateLessThanEquals',
    'DateGreaterThan',
    'DateGreaterThanEquals',
    'Bool',
    'BinaryEquals',
    'IpAddress',
    'NotIpAddress',
    'ArnEquals',
    'ArnLike',
    'ArnNotEquals',
    'ArnNotLike',
  ].join('|') +
  ')(IfExists)?$|^Null$';

const CONDITION_VALUE = { type: ['string', 'boolean', 'number'] };
const CONDITION = {
  type: 'object',
  minProperties: 1,
  propertyNames: { pattern: OPERATOR },
  additionalProperties: {
    type: 'object',
    minProperties: 1,
    propertyNames: { pattern: '^[A-Za-z0-9-]+:[^\\s]+$' },
    additionalProperties: oneOrMany(CONDITION_VALUE),
  },
};

/** Strict mode wants every `required` next to its type. */
const has = (key: string) => ({ type: 'object', required: [key] });

const STATEMENT = {
  type: 'object',
  required: ['Effect'],
  additionalProperties: false,
  properties: {
    Sid: { type: 'string', pattern: '^[A-Za-z0-9]+$' },
    Effect: { type: 'string', enum: ['Allow', 'Deny'] },
    Principal: PRINCIPAL,
    NotPrincipal: PRINCIPAL,
    Action: oneOrMany(ACTION),
    NotAction: oneOrMany(ACTION),
    Resource: oneOrMany(RESOURCE),
    NotResource: oneOrMany(RESOURCE),
    Condition: CONDITION,
  },
  oneOf: [has('Action'), has('NotAction')],
};

/** What each kind of document requires of its statements. */
const KIND_RULES: Record<PolicyKind, object> = {
  identity: {
    type: 'object',
    properties: { Principal: false, NotPrincipal: false },
    allOf: [resourceRequired()],
  },
  trust: {
    type: 'object',
    properties: { Resource: false, NotResource: false },
    allOf: [has('Principal')],
  },
  bucket: resourcePolicy(),
  queue: resourcePolicy(),
  key: resourcePolicy(),
  destination: resourcePolicy(),
};

function resourceRequired() {
  return { type: 'object', oneOf: [has('Resource'), has('NotResource')] };
}
function resourcePolicy() {
  return { type: 'object', allOf: [{ type: 'object', anyOf: [has('Principal'), has('NotPrincipal')] }, resourceRequired()] };
}

/** The IAM policy document schema for a kind of document. */
export function policySchema(kind: PolicyKind): object {
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: `https://cwl-siem.dev/schemas/iam-policy-${kind}.json`,
    type: 'object',
    required: ['Version', 'Statement'],
    additionalProperties: false,
    properties: {
      Version: { type: 'string', const: '2012-10-17' },
      Id: { type: 'string', minLength: 1 },
      Statement: { type: 'array', minItems: 1, items: { type: 'object', allOf: [STATEMENT, KIND_RULES[kind]] } },
    },
  };
}

/**
 * Size quotas in characters (whitespace excluded by AWS; we count the compact JSON, which is the same):
 * S3 bucket policies 20 KB, KMS key policies 32 KB, role trust policies 2,048 by default (raisable to 4,096),
 * customer managed IAM policies 6,144, SQS queue policies 8,192 bytes, destination policies 5,120.
 */
export const POLICY_SIZE_LIMITS: Readonly<Record<PolicyKind, number>> = {
  identity: 6144,
  trust: 2048,
  bucket: 20480,
  queue: 8192,
  key: 32768,
  destination: 5120,
};

// Strict mode, except strictRequired: the oneOf/not branches name properties declared one level up.
const ajv = new Ajv({ strict: true, strictRequired: false, allErrors: true, allowUnionTypes: true });
const validators = new Map<PolicyKind, ValidateFunction>();

function validatorFor(kind: PolicyKind): ValidateFunction {
  let validate = validators.get(kind);
  if (!validate) {
    validate = ajv.compile(policySchema(kind));
    validators.set(kind, validate);
  }
  return validate;
}

function formatAjvError(e: ErrorObject, kind: PolicyKind): string {
  if (e.keyword === 'false schema') return `${e.instancePath} is not allowed in ${kind === 'identity' ? 'an' : 'a'} ${kind} policy`;
  return `${e.instancePath || '/'} ${e.message ?? 'is invalid'}${e.params && Object.keys(e.params).length ? ` (${JSON.stringify(e.params)})` : ''}`;
}

/**
 * Every problem with a document: schema errors, then checks JSON Schema cannot express
 * (unique Sids, ARNs of the expected partition, size quota). An empty list means valid.
 */
export function policyProblems(doc: unknown, kind: PolicyKind, partition?: Partition): string[] {
  const validate = validatorFor(kind);
  if (!validate(doc)) return (validate.errors ?? []).map((e) => formatAjvError(e, kind));
  const problems: string[] = [];
  const statements = (doc as PolicyDocument).Statement;
  const sids = statements.map((s) => s.Sid).filter((s): s is string => s !== undefined);
  const duplicate = sids.find((s, i) => sids.indexOf(s) !== i);
  if (duplicate) problems.push(`/Statement Sid "${duplicate}" is used twice`);
  if (partition) {
    statements.forEach((s, i) => {
      for (const arn of arnsOf(s)) {
        if (!isUnresolved(arn) && arn.startsWith('arn:') && !arn.startsWith(`arn:${partition}:`)) {
          problems.push(`/Statement/${i} ${arn} is not in partition ${partition}`);
        }
      }
    });
  }
  const size = JSON.stringify(doc).length;
  if (size > POLICY_SIZE_LIMITS[kind]) {
    problems.push(`document is ${size} characters; a ${kind} policy may have at most ${POLICY_SIZE_LIMITS[kind]}`);
  }
  return problems;
}

function arnsOf(s: Statement): string[] {
  const list = (v: unknown): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v as string]);
  const principalArns = (p: Statement['Principal']): string[] => (p && p !== '*' ? list(p.AWS) : []);
  return [...list(s.Resource), ...list(s.NotResource), ...principalArns(s.Principal), ...principalArns(s.NotPrincipal)];
}
