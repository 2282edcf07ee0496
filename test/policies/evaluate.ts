import { runSimulation, runUnsafeSimulation, type RunSimulationResults, type Simulation } from '@cloud-copilot/iam-simulate';
import { PolicyDocument } from '../../policies';

/**
 * A small harness around the IAM policy engine `@cloud-copilot/iam-simulate` (AGPL, a test-only
 * dependency): one {@link EvaluationCase} is one request, the policies that decide it, and the decision
 * we expect. Anything the engine cannot evaluate faithfully throws, so it fails the test instead of
 * passing for a deny.
 */

/** The sixteen documents the policies library renders, numbered as in its documentation. */
export const DOCUMENTS = [
  '1 export bucket, same account',
  '2 export bucket, cross-account user',
  '3 export bucket, cross-account role',
  '4 TLS-only deny in bucket policies',
  '5 export collector identity',
  '6 CloudWatch Logs to Kinesis role',
  '7 Kinesis reader',
  '8 CloudWatch Logs to Firehose role',
  '9 Firehose delivery role',
  '10 central bucket',
  '11 notification queue',
  '12 SIEM reader role',
  '13 central KMS key',
  '14 log destination',
  '15 export bucket key statements',
  '16 collector state table',
  '17 collector execution role',
] as const;
export type DocumentName = (typeof DOCUMENTS)[number];

export type Decision = 'Allowed' | 'ExplicitlyDenied' | 'ImplicitlyDenied';
/** `Denied` accepts either kind of deny; `ExplicitlyDenied` requires a matching Deny statement. */
export type Expectation = 'Allowed' | 'Denied' | 'ExplicitlyDenied';

export interface NamedPolicy {
  readonly name: string;
  readonly policy: PolicyDocument;
}

export interface EvaluationCase {
  readonly document: DocumentName;
  /** The behaviour, in words: who does what, and what makes the case differ from the intended request. */
  readonly name: string;
  /** Calling principal: an IAM user, role or assumed-role session ARN, or a service principal. */
  readonly principal: string;
  readonly action: string;
  /** ARN of the resource, or `*` for actions that support no resource types. */
  readonly resource: string;
  /** Account that owns the resource. */
  readonly resourceAccount: string;
  /** Request context, passed exactly as given (nothing is added). */
  readonly context?: Readonly<Record<string, string | readonly string[]>>;
  /** Policies attached to the calling principal; none for service principals. */
  readonly identityPolicies?: readonly NamedPolicy[];
  /** Bucket, queue, key, destination or trust policy of the resource. */
  readonly resourcePolicy?: PolicyDocument;
  /**
   * Context keys the engine's validated entry point does not recognise and silently drops
   * (it only expands `${...}` key families separated by `/`, so `kms:EncryptionContext:aws:s3:arn`
   * is lost). For such a case the validated simulation still runs and must drop exactly these keys;
   * the decision then comes from the engine's unvalidated entry point, which keeps every key.
   */
  readonly engineUnrecognizedContextKeys?: readonly string[];
  readonly expect: Expectation;
}

export interface Evaluation {
  readonly decision: Decision;
  /**
   * How the decision was reached: the engine's validated entry point as is; the same with the
   * service-principal rule applied to a China service principal (see {@link CHINA_SERVICE_PRINCIPAL});
   * or the unvalidated entry point for context keys the validated one drops.
   */
  readonly engine: 'validated' | 'validated, service-principal rule' | 'unvalidated';
  /** The engine's full answer, for diagnosis. */
  readonly raw: unknown;
}

/**
 * Service principals of the China partition (`logs.cn-north-1.amazonaws.com.cn`). The engine only
 * recognises a service principal by the suffix `amazonaws.com`, so it takes these for principals of
 * an unknown account and demands an identity policy they cannot have. For them the harness applies the
 * rule the engine applies to every other service principal: explicit denies as evaluated, otherwise
 * allowed exactly when the resource policy allows.
 */
export const CHINA_SERVICE_PRINCIPAL = /^[a-z0-9-]+(\.[a-z0-9-]+)*\.amazonaws\.com\.cn$/;

/** Thrown when the engine could not evaluate a case as written; never to be read as a deny. */
export class EngineError extends Error {
  constructor(
    readonly evaluationCase: EvaluationCase,
    readonly details: unknown,
    reason: string,
  ) {
    super(`${evaluationCase.document} / ${evaluationCase.name}: ${reason}\n${JSON.stringify(details, null, 2)}`);
    this.name = 'EngineError';
  }
}

function simulation(c: EvaluationCase, context: Record<string, string | string[]>): Simulation {
  return {
    request: {
      principal: c.principal,
      action: c.action,
      resource: { resource: c.resource, accountId: c.resourceAccount },
      contextVariables: context,
    },
    // The engine's types say `any` for documents; ours are deeply frozen, which it only reads.
    identityPolicies: (c.identityPolicies ?? []).map((p) => ({ name: p.name, policy: p.policy })),
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    resourcePolicy: c.resourcePolicy,
  };
}

function copyContext(context: EvaluationCase['context']): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [key, value] of Object.entries(context ?? {})) out[key] = typeof value === 'string' ? value : [...value];
  return out;
}

const sameKeys = (a: readonly string[], b: readonly string[]): boolean =>
  a.length === b.length &&
  [...a]
    .map((k) => k.toLowerCase())
    .sort()
    .join('\n') ===
    [...b]
      .map((k) => k.toLowerCase())
      .sort()
      .join('\n');

/**
 * Evaluates one case. Throws {@link EngineError} when the engine reports an error, answers for a
 * wildcard resource instead of the one concrete request, or drops a context key the case did not
 * declare as unrecognised: in each of those the decision would not be about the request as written.
 */
export async function evaluate(c: EvaluationCase): Promise<Evaluation> {
  const context = copyContext(c.context);
  const result: RunSimulationResults = await runSimulation(simulation(c, context), {});
  if (result.resultType === 'error') throw new EngineError(c, result.errors, 'the engine could not run the simulation');
  if (result.resultType !== 'single') {
    throw new EngineError(c, result, `expected one concrete request, the engine ran a '${result.resultType}' simulation`);
  }

  const ignored = result.result.ignoredContextKeys ?? [];
  const declared = c.engineUnrecognizedContextKeys ?? [];
  if (!sameKeys(ignored, declared)) {
    throw new EngineError(
      c,
      { ignoredByEngine: ignored, declaredUnrecognized: declared },
      'the engine dropped context keys other than those the case declares (or recognised a declared one): the case would not test what it says',
    );
  }
  if (CHINA_SERVICE_PRINCIPAL.test(c.principal)) {
    if ((c.identityPolicies ?? []).length > 0 || declared.length > 0) {
      throw new EngineError(c, {}, 'a China service principal case can have no identity policies and no unrecognised context keys');
    }
    const resourceResult = result.result.analysis.resourceAnalysis?.result;
    const decision: Decision = result.overallResult === 'ExplicitlyDenied' ? 'ExplicitlyDenied' : resourceResult === 'Allowed' ? 'Allowed' : 'ImplicitlyDenied';
    return { decision, engine: 'validated, service-principal rule', raw: result };
  }
  if (declared.length === 0) return { decision: result.overallResult, engine: 'validated', raw: result };

  // The validated run above checked the policies, the action and the resource; repeat the request
  // with every context key through the unvalidated entry point. It loads the resource policy without
  // a name and then reads that name, so the policy goes in the engine's "validated policy" wrapper,
  // which carries one.
  const unvalidated: Simulation = {
    ...simulation(c, context),
    resourcePolicy: c.resourcePolicy === undefined ? undefined : { __validated: true, policyDocument: c.resourcePolicy, metadata: { name: 'resource policy' } },
  };
  let decision: Decision;
  try {
    decision = runUnsafeSimulation(unvalidated, {});
  } catch (error) {
    throw new EngineError(c, { error: String(error) }, 'the unvalidated engine run failed');
  }
  return { decision, engine: 'unvalidated', raw: { validated: result, unvalidatedDecision: decision } };
}

/** Whether a decision meets an expectation. */
export function meets(expectation: Expectation, decision: Decision): boolean {
  return expectation === 'Denied' ? decision !== 'Allowed' : decision === expectation;
}

/**
 * The decision as it compares to the expectation: `Denied` when a deny of either kind was expected
 * and happened, the engine's decision otherwise. Tests compare this with the expectation so a failure
 * prints both.
 */
export function outcome(expectation: Expectation, decision: Decision): Expectation | Decision {
  return expectation === 'Denied' && decision !== 'Allowed' ? 'Denied' : decision;
}

export const isDenial = (e: Expectation): boolean => e !== 'Allowed';
