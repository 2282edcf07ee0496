import { CloudwatchLogAccountPolicy } from '@cdktf/provider-aws/lib/cloudwatch-log-account-policy';
import { CloudwatchLogDestinationPolicy } from '@cdktf/provider-aws/lib/cloudwatch-log-destination-policy';
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { CloudwatchLogSubscriptionFilter } from '@cdktf/provider-aws/lib/cloudwatch-log-subscription-filter';
import { DynamodbTable } from '@cdktf/provider-aws/lib/dynamodb-table';
import { EcsService } from '@cdktf/provider-aws/lib/ecs-service';
import { EcsTaskDefinition } from '@cdktf/provider-aws/lib/ecs-task-definition';
import { IamPolicy } from '@cdktf/provider-aws/lib/iam-policy';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { IamUserPolicy } from '@cdktf/provider-aws/lib/iam-user-policy';
import { KinesisFirehoseDeliveryStream } from '@cdktf/provider-aws/lib/kinesis-firehose-delivery-stream';
import { KinesisStream } from '@cdktf/provider-aws/lib/kinesis-stream';
import { KmsKey } from '@cdktf/provider-aws/lib/kms-key';
import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket';
import { S3BucketPolicy } from '@cdktf/provider-aws/lib/s3-bucket-policy';
import { S3BucketServerSideEncryptionConfigurationA } from '@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration';
import { SqsQueue } from '@cdktf/provider-aws/lib/sqs-queue';
import { SqsQueuePolicy } from '@cdktf/provider-aws/lib/sqs-queue-policy';
import { DefaultTokenResolver, StringConcat, TerraformStack, Token, Tokenization } from 'cdktf';
import { IConstruct } from 'constructs';

/** Outcome of one rule on one construct. */
export type RuleResult =
  { readonly status: 'compliant' } | { readonly status: 'non-compliant'; readonly reason: string } | { readonly status: 'not-applicable' };

/**
 * A guardrail: a pure check of one construct. `check` returns `not-applicable` for constructs it
 * does not look at; a non-compliant reason is one sentence without a final period, saying what is
 * wrong and, where it is not obvious, what to do.
 */
export interface Rule {
  /** Stable id, `CWL-<AREA>-<n>`, used in messages and suppressions. */
  readonly id: string;
  readonly description: string;
  check(node: IConstruct): RuleResult;
}

const COMPLIANT: RuleResult = { status: 'compliant' };
const NOT_APPLICABLE: RuleResult = { status: 'not-applicable' };
const nonCompliant = (reason: string): RuleResult => ({ status: 'non-compliant', reason });

// ---------------------------------------------------------------------------------------------
// Tokens: the only CDKTF calls of the rules.

const RESOLVER = new DefaultTokenResolver(new StringConcat());

/** What a value resolves to in the synthesized JSON of the construct's stack (`${aws_s3_bucket.x.id}`). */
function resolveInStack(node: IConstruct, value: unknown): unknown {
  // preparing: false never creates cross-stack references, so resolving here has no side effects.
  return Tokenization.resolve(value, { scope: TerraformStack.of(node), resolver: RESOLVER, preparing: false });
}

/** True when the whole string is CDKTF tokens with no literal text around them. */
function isWholeToken(value: string): boolean {
  const fragments = Tokenization.reverseString(value);
  return fragments.tokens.length > 0 && fragments.literals.every((l) => String(l) === '');
}

// ---------------------------------------------------------------------------------------------
// IAM documents.

/** One IAM policy attribute of a resource, named as in Terraform. */
interface PolicyAttribute {
  readonly attribute: string;
  readonly value: unknown;
}

/**
 * Every IAM policy attribute a resource sets. Optional attributes that were not set are left out,
 * so a construct with none is not applicable.
 */
function policyAttributes(node: IConstruct): PolicyAttribute[] {
  const one = (attribute: string, value: unknown): PolicyAttribute[] => (value === undefined ? [] : [{ attribute, value }]);
  if (node instanceof S3BucketPolicy) return one('policy', node.policyInput);
  if (node instanceof SqsQueuePolicy) return one('policy', node.policyInput);
  if (node instanceof KmsKey) return one('policy', node.policyInput);
  if (node instanceof IamRolePolicy) return one('policy', node.policyInput);
  if (node instanceof IamUserPolicy) return one('policy', node.policyInput);
  if (node instanceof IamPolicy) return one('policy', node.policyInput);
  if (node instanceof CloudwatchLogDestinationPolicy) return one('access_policy', node.accessPolicyInput);
  // The inline forms some resources still accept carry documents too.
  if (node instanceof SqsQueue) return one('policy', node.policyInput);
  if (node instanceof S3Bucket) return one('policy', node.policyInput);
  if (node instanceof IamRole) {
    const inline = node.inlinePolicyInput;
    const inlineDocs = Array.isArray(inline) ? inline.flatMap((p, i) => one(`inline_policy[${i}].policy`, p.policy)) : [];
    return [...one('assume_role_policy', node.assumeRolePolicyInput), ...inlineDocs];
  }
  return [];
}

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const asList = (v: unknown): unknown[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

type Parsed = { readonly ok: true; readonly statements: Json[] } | { readonly ok: false; readonly reason: string };

/** Parses an attribute as a literal IAM document; tokens are allowed only inside JSON values. */
function parseDocument(attribute: string, value: unknown): Parsed {
  if (typeof value !== 'string') return { ok: false, reason: `${attribute} is not a string` };
  if (isWholeToken(value)) {
    return {
      ok: false,
      reason:
        `${attribute} is a Terraform expression (a data source's json, Fn.jsonencode or a reference), not literal JSON, ` +
        'so terraform plan cannot show the document: render it with renderPolicy() from the policies library',
    };
  }
  let doc: unknown;
  try {
    doc = JSON.parse(value);
  } catch (e) {
    return { ok: false, reason: `${attribute} is not valid JSON (${(e as Error).message})` };
  }
  const statement = isObject(doc) ? doc.Statement : undefined;
  const statements = asList(statement);
  if (statements.length === 0 || !statements.every(isObject)) {
    return { ok: false, reason: `${attribute} is JSON but not an IAM policy document (it needs a Statement object or list of objects)` };
  }
  return { ok: true, statements: statements as Json[] };
}

/** The statements of every attribute that parses; what does not parse is CWL-IAM-1's finding. */
function literalStatements(node: IConstruct): { readonly attribute: string; readonly statement: Json; readonly label: string }[] {
  return policyAttributes(node).flatMap(({ attribute, value }) => {
    const parsed = parseDocument(attribute, value);
    if (!parsed.ok) return [];
    return parsed.statements.map((statement, i) => ({
      attribute,
      statement,
      label: `${attribute} statement ${typeof statement.Sid === 'string' && statement.Sid ? `"${statement.Sid}"` : `#${i + 1}`}`,
    }));
  });
}

/** Condition keys that tie the caller (or the service's caller) to an account, organization or resource. */
const CALLER_KEYS = ['aws:principalorgid', 'aws:principalaccount', 'aws:sourceorgid', 'aws:sourceaccount', 'aws:sourcearn'];
/**
 * Operators that match only when the key is present and equal to a value. `...IfExists` and
 * `ForAllValues:` also match when the key is absent, and the `Not` operators match everyone else.
 */
const MATCHING_OPERATORS = ['StringEquals', 'StringEqualsIgnoreCase', 'StringLike', 'ArnEquals', 'ArnLike'];

/** The condition key that constrains the caller, if any. */
function callerConstraint(condition: unknown): string | undefined {
  if (!isObject(condition)) return undefined;
  for (const [operator, block] of Object.entries(condition)) {
    const base = operator.startsWith('ForAnyValue:') ? operator.slice('ForAnyValue:'.length) : operator;
    if (!MATCHING_OPERATORS.includes(base) || !isObject(block)) continue;
    for (const [key, value] of Object.entries(block)) {
      const values = asList(value);
      const specific = values.length > 0 && values.every((v) => typeof v === 'string' && v.trim() !== '' && v !== '*');
      if (CALLER_KEYS.includes(key.toLowerCase()) && specific) return key;
    }
  }
  return undefined;
}

/** How a statement grants to everyone, if it does. */
function wildcardPrincipal(statement: Json): string | undefined {
  if (statement.NotPrincipal !== undefined) return 'NotPrincipal (everyone but the listed principals)';
  const principal = statement.Principal;
  if (principal === '*') return 'Principal "*"';
  if (isObject(principal) && asList(principal.AWS).includes('*')) return 'Principal {"AWS": "*"}';
  return undefined;
}

const isAllow = (s: Json): boolean => s.Effect === 'Allow';

export const iamLiteralJson: Rule = {
  id: 'CWL-IAM-1',
  description: 'IAM policy documents are literal JSON, so terraform plan shows them verbatim; references only inside values',
  check(node) {
    const attributes = policyAttributes(node);
    if (attributes.length === 0) return NOT_APPLICABLE;
    const problems = attributes.flatMap(({ attribute, value }) => {
      const parsed = parseDocument(attribute, value);
      return parsed.ok ? [] : [parsed.reason];
    });
    return problems.length ? nonCompliant(problems.join('; ')) : COMPLIANT;
  },
};

export const iamNoWildcardPrincipal: Rule = {
  id: 'CWL-IAM-2',
  description:
    'An Allow statement for every principal is constrained by aws:PrincipalOrgID, aws:PrincipalAccount, aws:SourceOrgID, aws:SourceAccount or aws:SourceArn',
  check(node) {
    const statements = literalStatements(node);
    if (statements.length === 0) return NOT_APPLICABLE;
    const problems = statements.flatMap(({ statement, label }) => {
      const wildcard = isAllow(statement) ? wildcardPrincipal(statement) : undefined;
      if (!wildcard || callerConstraint(statement.Condition)) return [];
      return [`${label} allows ${wildcard} with no condition on ${CALLER_KEYS.map((k) => k.replace('aws:', '')).join('/')}`];
    });
    return problems.length ? nonCompliant(problems.join('; ')) : COMPLIANT;
  },
};

export const iamNoWildcardAction: Rule = {
  id: 'CWL-IAM-3',
  description: 'Allow statements name their actions: no "*", no "<service>:*", no wildcard in an action, no NotAction',
  check(node) {
    const statements = literalStatements(node);
    if (statements.length === 0) return NOT_APPLICABLE;
    const problems = statements.flatMap(({ statement, label }) => {
      if (!isAllow(statement)) return [];
      if (statement.NotAction !== undefined) return [`${label} allows NotAction, i.e. every other action`];
      const wild = asList(statement.Action).filter((a) => typeof a === 'string' && a.includes('*'));
      return wild.length ? [`${label} allows ${wild.map((a) => `"${String(a)}"`).join(', ')}`] : [];
    });
    return problems.length ? nonCompliant(problems.join('; ')) : COMPLIANT;
  },
};

export const iamDynamodbTablesNamed: Rule = {
  id: 'CWL-IAM-4',
  description: 'Allow statements with DynamoDB actions name their tables: no Resource "*", no wildcard in a DynamoDB ARN, no NotResource',
  check(node) {
    const statements = literalStatements(node);
    if (statements.length === 0) return NOT_APPLICABLE;
    const problems = statements.flatMap(({ statement, label }) => {
      const dynamodb = asList(statement.Action).filter((a): a is string => typeof a === 'string' && a.toLowerCase().startsWith('dynamodb:'));
      if (!isAllow(statement) || dynamodb.length === 0) return [];
      const what = `${label} allows ${dynamodb.map((a) => `"${a}"`).join(', ')}`;
      if (statement.NotResource !== undefined) return [`${what} on NotResource, i.e. every other table`];
      const wild = asList(statement.Resource).filter((r) => typeof r === 'string' && /[*?]/.test(r));
      return wild.length ? [`${what} on ${wild.map((r) => `"${String(r)}"`).join(', ')}: name the table's ARN`] : [];
    });
    return problems.length ? nonCompliant(problems.join('; ')) : COMPLIANT;
  },
};

// ---------------------------------------------------------------------------------------------
// S3.

/** Whether a statement is the deny of plain HTTP for every principal on every S3 action. */
function tlsDenyGaps(statement: Json): string[] {
  const gaps: string[] = [];
  const principal = statement.Principal;
  if (!(principal === '*' || (isObject(principal) && asList(principal.AWS).includes('*')))) gaps.push('Principal "*"');
  const actions = asList(statement.Action);
  if (!actions.includes('s3:*') && !actions.includes('*')) gaps.push('Action "s3:*"');
  const resources = asList(statement.Resource).filter((r): r is string => typeof r === 'string');
  if (!resources.some((r) => r === '*' || !r.includes('/'))) gaps.push('the bucket ARN');
  if (!resources.some((r) => r === '*' || r.endsWith('/*'))) gaps.push('the bucket\'s objects ("<bucket ARN>/*")');
  return gaps;
}

function deniesPlainHttp(statement: Json): boolean {
  if (statement.Effect !== 'Deny' || !isObject(statement.Condition)) return false;
  const bool = statement.Condition.Bool;
  if (!isObject(bool)) return false;
  const key = Object.keys(bool).find((k) => k.toLowerCase() === 'aws:securetransport');
  return key !== undefined && asList(bool[key]).some((v) => v === false || v === 'false');
}

export const s3TlsOnly: Rule = {
  id: 'CWL-S3-1',
  description: 'Every bucket policy denies s3:* to every principal on the bucket and its objects when aws:SecureTransport is false',
  check(node) {
    if (!(node instanceof S3BucketPolicy)) return NOT_APPLICABLE;
    const parsed = parseDocument('policy', node.policyInput);
    if (!parsed.ok) return nonCompliant(`the TLS-only deny cannot be verified: ${parsed.reason}`);
    const candidates = parsed.statements.filter(deniesPlainHttp);
    if (candidates.some((s) => tlsDenyGaps(s).length === 0)) return COMPLIANT;
    if (candidates.length === 0) {
      return nonCompliant(
        'the policy has no Deny statement with Condition Bool "aws:SecureTransport": "false", so plain HTTP requests are allowed: add tlsOnlyStatement() from the policies library',
      );
    }
    return nonCompliant(`the aws:SecureTransport deny does not cover ${tlsDenyGaps(candidates[0]).join(', ')}`);
  },
};

export const s3BucketEncryption: Rule = {
  id: 'CWL-S3-2',
  description: 'Every S3 bucket has an aws_s3_bucket_server_side_encryption_configuration in its stack',
  check(node) {
    if (!(node instanceof S3Bucket)) return NOT_APPLICABLE;
    // The deprecated inline block still encrypts; CWL-S3-2 is about encryption, not style.
    if (node.serverSideEncryptionConfigurationInput !== undefined) return COMPLIANT;
    const names = new Set([node.id, node.bucket, node.bucketInput].filter((v) => v !== undefined).map((v) => resolveInStack(node, v)));
    const stack = TerraformStack.of(node);
    const configured = stack.node
      .findAll()
      .some((c) => c instanceof S3BucketServerSideEncryptionConfigurationA && TerraformStack.of(c) === stack && names.has(resolveInStack(c, c.bucketInput)));
    return configured
      ? COMPLIANT
      : nonCompliant('no aws_s3_bucket_server_side_encryption_configuration in this stack refers to the bucket (by its id or name)');
  },
};

// ---------------------------------------------------------------------------------------------
// Streams, queues, log groups.

export const kinesisEncryption: Rule = {
  id: 'CWL-KIN-1',
  description: 'Kinesis data streams are encrypted with KMS',
  check(node) {
    if (!(node instanceof KinesisStream)) return NOT_APPLICABLE;
    const type = node.encryptionTypeInput;
    if (typeof type === 'string' && type.toUpperCase() === 'KMS') return COMPLIANT;
    return nonCompliant(
      type === undefined ? 'encryption_type is not set, so records are stored unencrypted (NONE)' : `encryption_type is "${type}", expected "KMS"`,
    );
  },
};

export const sqsEncryption: Rule = {
  id: 'CWL-SQS-1',
  description: 'SQS queues are encrypted with a KMS key or SQS-managed SSE',
  check(node) {
    if (!(node instanceof SqsQueue)) return NOT_APPLICABLE;
    const key = node.kmsMasterKeyIdInput;
    if ((typeof key === 'string' && key !== '') || node.sqsManagedSseEnabledInput === true) return COMPLIANT;
    return nonCompliant('neither kms_master_key_id nor sqs_managed_sse_enabled = true is set');
  },
};

export const firehoseEncryption: Rule = {
  id: 'CWL-FH-1',
  description: 'Firehose delivery streams fed by direct PUT have server-side encryption enabled',
  check(node) {
    if (!(node instanceof KinesisFirehoseDeliveryStream)) return NOT_APPLICABLE;
    // A Kinesis or MSK source keeps records encrypted by the source; AWS rejects SSE on such streams.
    if (node.kinesisSourceConfigurationInput !== undefined || node.mskSourceConfigurationInput !== undefined) return NOT_APPLICABLE;
    const sse = node.serverSideEncryptionInput;
    if (sse?.enabled === true) return COMPLIANT;
    return nonCompliant(
      sse === undefined
        ? 'server_side_encryption is not set: set serverSideEncryption { enabled: true } (with a customer managed key where one exists)'
        : `server_side_encryption.enabled is ${JSON.stringify(sse.enabled ?? null)}, expected true`,
    );
  },
};

export const logGroupRetention: Rule = {
  id: 'CWL-LOG-1',
  description: 'CloudWatch log groups have a bounded retention',
  check(node) {
    if (!(node instanceof CloudwatchLogGroup)) return NOT_APPLICABLE;
    const days = node.retentionInDaysInput;
    if (days !== undefined && Token.isUnresolved(days)) return COMPLIANT; // set from a variable: bounded, value known at plan time
    if (days !== undefined && days > 0) return COMPLIANT;
    return nonCompliant(
      days === undefined ? 'retention_in_days is not set, so events are kept forever' : `retention_in_days is ${days}, which keeps events forever`,
    );
  },
};

// ---------------------------------------------------------------------------------------------
// DynamoDB (the collector's state tables).

export const dynamodbPointInTimeRecovery: Rule = {
  id: 'CWL-DDB-1',
  description: 'DynamoDB tables have point-in-time recovery',
  check(node) {
    if (!(node instanceof DynamodbTable)) return NOT_APPLICABLE;
    const pitr = node.pointInTimeRecoveryInput;
    if (pitr?.enabled === true) return COMPLIANT;
    return nonCompliant(
      pitr === undefined
        ? 'point_in_time_recovery is not set, so the table cannot be restored to an earlier time'
        : `point_in_time_recovery.enabled is ${JSON.stringify(pitr.enabled ?? null)}, expected true`,
    );
  },
};

export const dynamodbEncryption: Rule = {
  id: 'CWL-DDB-2',
  description: 'DynamoDB tables are encrypted with KMS (a customer managed key or the AWS managed key aws/dynamodb), whose use CloudTrail records',
  check(node) {
    if (!(node instanceof DynamodbTable)) return NOT_APPLICABLE;
    const sse = node.serverSideEncryptionInput;
    if (sse?.enabled === true) return COMPLIANT;
    return nonCompliant(
      sse === undefined
        ? 'server_side_encryption is not set, so the table uses an AWS owned key whose use no one can see: set serverSideEncryption { enabled: true } (with a customer managed key where one exists)'
        : `server_side_encryption.enabled is ${JSON.stringify(sse.enabled ?? null)}, expected true`,
    );
  },
};

export const dynamodbDeletionProtection: Rule = {
  id: 'CWL-DDB-3',
  description: 'DynamoDB tables have deletion protection',
  check(node) {
    if (!(node instanceof DynamodbTable)) return NOT_APPLICABLE;
    const on = node.deletionProtectionEnabledInput;
    if (on === true) return COMPLIANT;
    return nonCompliant(
      on === undefined
        ? 'deletion_protection_enabled is not set, so one terraform destroy or DeleteTable loses the table'
        : `deletion_protection_enabled is ${JSON.stringify(on)}, expected true`,
    );
  },
};

// ---------------------------------------------------------------------------------------------
// ECS (the deployed collector) and the collector's own log group.

/** Why a container definition's user is root: none set (the image decides, root unless it says otherwise), or uid/name 0/root. */
function rootUser(user: unknown): string | undefined {
  if (user === undefined || user === null || user === '') return "no user is set, so the image's user, root unless the image says otherwise";
  if (typeof user !== 'string') return `user is ${JSON.stringify(user)}, not a string`;
  return /^(0|root)(:.*)?$/.test(user) ? `user "${user}"` : undefined;
}

export const ecsContainersHardened: Rule = {
  id: 'CWL-ECS-1',
  description: 'ECS task definitions run every container with a read-only root file system (readonlyRootFilesystem: true) as a user other than root',
  check(node) {
    if (!(node instanceof EcsTaskDefinition)) return NOT_APPLICABLE;
    const value = node.containerDefinitionsInput;
    if (typeof value !== 'string' || isWholeToken(value)) {
      return nonCompliant(
        'container_definitions is a Terraform expression, not literal JSON, so its containers cannot be checked: render it with JSON.stringify',
      );
    }
    let containers: unknown;
    try {
      containers = JSON.parse(value);
    } catch (e) {
      return nonCompliant(`container_definitions is not valid JSON (${(e as Error).message})`);
    }
    if (!Array.isArray(containers) || containers.length === 0 || !containers.every(isObject)) {
      return nonCompliant('container_definitions is JSON but not a list of container definitions');
    }
    const problems = (containers as Json[]).flatMap((c, i) => {
      const label = `container ${typeof c.name === 'string' ? `"${c.name}"` : `#${i + 1}`}`;
      const out: string[] = [];
      if (c.readonlyRootFilesystem !== true)
        out.push(`${label} has a writable root file system (readonlyRootFilesystem is ${JSON.stringify(c.readonlyRootFilesystem ?? null)}, expected true)`);
      const root = rootUser(c.user);
      if (root) out.push(`${label} runs as root (${root}): set user to a non-root uid such as "1000"`);
      return out;
    });
    return problems.length ? nonCompliant(problems.join('; ')) : COMPLIANT;
  },
};

export const ecsCircuitBreaker: Rule = {
  id: 'CWL-ECS-2',
  description: 'ECS services deployed by ECS have the deployment circuit breaker with rollback',
  check(node) {
    if (!(node instanceof EcsService)) return NOT_APPLICABLE;
    // CodeDeploy and external controllers deploy by their own rules; the circuit breaker is ECS's.
    const controller = node.deploymentControllerInput?.type;
    if (typeof controller === 'string' && controller.toUpperCase() !== 'ECS') return NOT_APPLICABLE;
    const breaker = node.deploymentCircuitBreakerInput;
    if (breaker?.enable === true && breaker.rollback === true) return COMPLIANT;
    return nonCompliant(
      breaker === undefined
        ? 'deployment_circuit_breaker is not set, so a deploy whose tasks never become healthy replaces them forever: set deploymentCircuitBreaker { enable: true, rollback: true }'
        : `deployment_circuit_breaker is enable ${JSON.stringify(breaker.enable ?? null)}, rollback ${JSON.stringify(breaker.rollback ?? null)}; expected both true`,
    );
  },
};

/** A collector's own log group, as modules/names.ts collectorLogGroupName names it: `/<namePrefix>/collector`. */
const COLLECTOR_LOG_GROUP = /^\/[^/]+\/collector$/;

/** The names an account policy's `LogGroupName NOT IN [...]` selection criteria exclude; undefined when it has none that can be read. */
function excludedLogGroups(criteria: unknown): string[] | undefined {
  if (typeof criteria !== 'string') return undefined;
  const m = /^\s*LogGroupName\s+NOT\s+IN\s+(\[.*\])\s*$/i.exec(criteria);
  if (!m) return undefined;
  try {
    const names: unknown = JSON.parse(m[1]);
    return Array.isArray(names) ? names.filter((n): n is string => typeof n === 'string') : undefined;
  } catch {
    return undefined;
  }
}

export const collectorLogGroupUnsubscribed: Rule = {
  id: 'CWL-LOG-2',
  description:
    "A collector's own log group (/<namePrefix>/collector) is the log group of no subscription filter of its stack and is excluded from every account subscription policy of its stack, or its logs would loop through the collector",
  check(node) {
    if (!(node instanceof CloudwatchLogGroup)) return NOT_APPLICABLE;
    const name = node.nameInput;
    if (typeof name !== 'string' || Token.isUnresolved(name) || !COLLECTOR_LOG_GROUP.test(name)) return NOT_APPLICABLE;
    const refs = new Set([node.id, node.name, name].map((v) => resolveInStack(node, v)));
    const stack = TerraformStack.of(node);
    const problems: string[] = [];
    for (const c of stack.node.findAll()) {
      if (TerraformStack.of(c) !== stack) continue;
      if (c instanceof CloudwatchLogSubscriptionFilter && refs.has(resolveInStack(c, c.logGroupNameInput))) {
        problems.push(`subscription filter ${c.node.path} subscribes it`);
      }
      if (c instanceof CloudwatchLogAccountPolicy && c.policyTypeInput === 'SUBSCRIPTION_FILTER_POLICY') {
        const excluded = excludedLogGroups(c.selectionCriteriaInput);
        if (!excluded?.includes(name)) {
          problems.push(
            `account subscription policy ${c.node.path} does not exclude it (selection_criteria ${JSON.stringify(c.selectionCriteriaInput ?? null)}: add it to LogGroupName NOT IN [...])`,
          );
        }
      }
    }
    return problems.length ? nonCompliant(`log group ${name} is the collector's own: ${problems.join('; ')}`) : COMPLIANT;
  },
};

/** Every rule, in the order they are reported. */
export const ALL_RULES: readonly Rule[] = [
  iamLiteralJson,
  iamNoWildcardPrincipal,
  iamNoWildcardAction,
  iamDynamodbTablesNamed,
  s3TlsOnly,
  s3BucketEncryption,
  kinesisEncryption,
  sqsEncryption,
  firehoseEncryption,
  logGroupRetention,
  dynamodbPointInTimeRecovery,
  dynamodbEncryption,
  dynamodbDeletionProtection,
  ecsContainersHardened,
  ecsCircuitBreaker,
  collectorLogGroupUnsubscribed,
];
