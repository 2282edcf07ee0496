/**
 * TypeScript types mirroring the IAM JSON policy grammar
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html).
 *
 * Only the shapes this project renders are modelled; every document is also checked at run time
 * against the JSON Schema in `schema.ts`.
 */

/** The only policy language version AWS recommends; `2008-10-17` lacks policy variables. */
export type PolicyVersion = '2012-10-17';

export type Effect = 'Allow' | 'Deny';

/** One value or a non-empty list of values, as IAM accepts for most elements. */
export type OneOrMany<T> = T | readonly T[];

/** `"*"` (anyone, narrowed by conditions) or principals grouped by kind. */
export type Principal =
  | '*'
  | {
      readonly AWS?: OneOrMany<string>;
      readonly Service?: OneOrMany<string>;
      readonly Federated?: OneOrMany<string>;
      readonly CanonicalUser?: OneOrMany<string>;
    };

/** A condition value as IAM accepts it: strings, and booleans/numbers for Bool/Numeric operators. */
export type ConditionValue = string | boolean | number;

/** `{ Operator: { "key": value | [values] } }`. */
export type ConditionBlock = Readonly<Record<string, Readonly<Record<string, OneOrMany<ConditionValue>>>>>;

export interface Statement {
  /** Statement id: letters and digits only; unique within a document. */
  readonly Sid?: string;
  readonly Effect: Effect;
  readonly Principal?: Principal;
  readonly NotPrincipal?: Principal;
  readonly Action?: OneOrMany<string>;
  readonly NotAction?: OneOrMany<string>;
  readonly Resource?: OneOrMany<string>;
  readonly NotResource?: OneOrMany<string>;
  readonly Condition?: ConditionBlock;
}

export interface PolicyDocument {
  readonly Version: PolicyVersion;
  readonly Id?: string;
  readonly Statement: readonly Statement[];
}

/**
 * What a document is attached to; decides which elements are required and which size quota applies.
 * - `identity`: attached to a role or user (no Principal; Resource required).
 * - `trust`: a role's assume-role policy (Principal required; no Resource).
 * - `bucket` / `queue` / `key` / `destination`: resource policies (Principal and Resource required).
 */
export type PolicyKind = 'identity' | 'trust' | 'bucket' | 'queue' | 'key' | 'destination';
