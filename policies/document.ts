import { PolicyDocumentError } from './errors';
import { Partition } from './partitions';
import { policyProblems } from './schema';
import { ConditionBlock, PolicyDocument, PolicyKind, Statement } from './types';

/**
 * Assembles a document from statements, validates it against the IAM schema for its kind and
 * returns it deeply frozen, so a caller cannot change a policy after it was checked.
 */
export function finishDocument(fn: string, kind: PolicyKind, partition: Partition, statements: readonly Statement[]): PolicyDocument {
  const doc: PolicyDocument = { Version: '2012-10-17', Statement: statements.map(compactStatement) };
  const problems = policyProblems(doc, kind, partition);
  if (problems.length > 0) throw new PolicyDocumentError(fn, problems);
  return deepFreeze(doc);
}

/**
 * Renders a document as the literal JSON that goes into Terraform: stable key order, no whitespace.
 * IAM policy variables (`${aws:PrincipalAccount}`) are written `$${...}`, Terraform's escape, so
 * Terraform passes them to IAM verbatim instead of reading them as interpolation; CDKTF tokens
 * (`${TfToken[...]}`) are left for CDKTF to resolve.
 */
export function renderPolicy(doc: PolicyDocument): string {
  return JSON.stringify(doc).replace(/\$\{(?=[A-Za-z0-9]+:)/g, '$$${');
}

/** Merges condition blocks; the same operator and key in two blocks would silently overwrite, so it throws. */
export function conditions(...blocks: (ConditionBlock | undefined)[]): ConditionBlock | undefined {
  const out: Record<string, Record<string, unknown>> = {};
  for (const block of blocks) {
    if (!block) continue;
    for (const [op, keys] of Object.entries(block)) {
      out[op] ??= {};
      for (const [key, value] of Object.entries(keys)) {
        if (key in out[op]) throw new Error(`condition ${op} ${key} given twice`);
        out[op][key] = value;
      }
    }
  }
  return Object.keys(out).length > 0 ? (out as ConditionBlock) : undefined;
}

/** A single value stays a string; several become a list, as people write policies by hand. */
export function oneOrList<T>(values: readonly T[]): T | readonly T[] {
  return values.length === 1 ? values[0] : values;
}

function compactStatement(s: Statement): Statement {
  // Fixed element order and no undefined members keeps the rendered JSON stable and readable.
  const out: Record<string, unknown> = {};
  for (const key of ['Sid', 'Effect', 'Principal', 'NotPrincipal', 'Action', 'NotAction', 'Resource', 'NotResource', 'Condition'] as const) {
    const value = s[key];
    if (value === undefined) continue;
    out[key] = Array.isArray(value) ? oneOrList(value) : value;
  }
  return out as unknown as Statement;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    Object.values(value).forEach(deepFreeze);
    Object.freeze(value);
  }
  return value;
}
