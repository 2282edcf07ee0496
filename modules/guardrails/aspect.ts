import { AnnotationMetadataEntryType, Aspects, IAspect, TerraformElement, TerraformStack } from 'cdktf';
import { IConstruct } from 'constructs';
import { ALL_RULES, Rule, RuleResult } from './rules';

/** Metadata type of a suppression on a construct node (`node.metadata`). */
export const SUPPRESSION_METADATA = 'cwl-siem:suppressed';

/** Key under the `"//"` comment of a synthesized resource listing the suppressions applied to it. */
export const SUPPRESSION_COMMENT_KEY = 'cwl-siem:suppressed';

const MIN_REASON_LENGTH = 10;
const RULE_ID = /^[A-Z][A-Z0-9]*(-[A-Z0-9]+)+$/;

/** A suppression as recorded in construct metadata. */
export interface Suppression {
  readonly rule: string;
  readonly reason: string;
}

/** One rule's verdict on one construct; not-applicable pairs are left out. */
export interface GuardrailFinding {
  readonly ruleId: string;
  /** Construct path, as in cdktf's messages. */
  readonly path: string;
  readonly status: 'compliant' | 'non-compliant' | 'suppressed';
  /** non-compliant: what is wrong. suppressed: why it is accepted. */
  readonly reason?: string;
  /** suppressed: what the rule found, and the path of the construct the suppression is on. */
  readonly finding?: string;
  readonly suppressedAt?: string;
}

/**
 * Runs guardrail rules as a CDKTF Aspect. Every non-compliant, unsuppressed finding becomes an
 * error annotation, which fails `app.synth()` and `cdktf synth` with every finding of the stack.
 */
export class Guardrails {
  /**
   * Checks every construct under `scope` with `rules` when the app is synthesized.
   *
   * cdktf 0.21 invokes Aspects from each stack downwards, so Aspects on the App itself never run:
   * given an App (or any scope above the stacks) the rules are attached to each stack that exists
   * now, and a stack created afterwards fails the App's validation instead of going unchecked.
   */
  static apply(scope: IConstruct, rules: readonly Rule[] = ALL_RULES): void {
    const aspect = new GuardrailsAspect(rules);
    Aspects.of(scope).add(aspect);
    if (scope.node.scopes.some((s) => TerraformStack.isStack(s))) return;
    const covered = new Set(stacksUnder(scope));
    covered.forEach((stack) => Aspects.of(stack).add(aspect));
    scope.node.addValidation({
      validate: () =>
        stacksUnder(scope)
          .filter((stack) => !covered.has(stack))
          .map(
            (stack) =>
              `Guardrails.apply(${describe(scope)}) ran before stack "${stack.node.path}" was created, so its rules did not check it: ` +
              'call Guardrails.apply after creating every stack, or on the stack itself',
          ),
    });
  }

  /**
   * Accepts findings of `ruleId` on `construct` and everything under it. The reason (at least 10
   * characters) is recorded in the construct's metadata, in the synthesized resource's `"//"`
   * comment and as an info annotation in manifest.json, so reviewers see every exception.
   */
  static suppress(construct: IConstruct, ruleId: string, reason: string): void {
    if (typeof ruleId !== 'string' || !RULE_ID.test(ruleId)) {
      throw new Error(`Guardrails.suppress(${describe(construct)}): rule id must look like "CWL-S3-1", got ${JSON.stringify(ruleId)}`);
    }
    if (typeof reason !== 'string' || reason.trim().length < MIN_REASON_LENGTH) {
      throw new Error(
        `Guardrails.suppress(${describe(construct)}, "${ruleId}"): a reason of at least ${MIN_REASON_LENGTH} characters is required ` +
          `saying why the finding is acceptable, got ${JSON.stringify(reason)}`,
      );
    }
    const suppression: Suppression = { rule: ruleId, reason: reason.trim() };
    construct.node.addMetadata(SUPPRESSION_METADATA, suppression);
  }

  /**
   * Every finding of the rules applied (with {@link Guardrails.apply}) to `scope`, its ancestors or
   * the constructs under it, for every construct under `scope`; all rules when none were applied.
   * Computed afresh on each call, before or after synthesis.
   */
  static report(scope: IConstruct): GuardrailFinding[] {
    const nodes = scope.node.findAll();
    const applied = nodes.some((n) => rulesFor(n).length > 0);
    return nodes.flatMap((n) => evaluate(n, applied ? rulesFor(n) : ALL_RULES));
  }
}

class GuardrailsAspect implements IAspect {
  constructor(readonly rules: readonly Rule[]) {}

  visit(node: IConstruct): void {
    for (const finding of evaluate(node, this.rules)) {
      // Guardrails applied twice (App and stack) or a second synth must not repeat a message.
      if (!firstReport(node, finding.ruleId)) continue;
      if (finding.status === 'non-compliant') reportViolation(node, finding);
      if (finding.status === 'suppressed') recordSuppression(node, finding);
    }
  }
}

function evaluate(node: IConstruct, rules: readonly Rule[]): GuardrailFinding[] {
  const path = node.node.path;
  return rules.flatMap((rule): GuardrailFinding[] => {
    let result: RuleResult;
    try {
      result = rule.check(node);
    } catch (e) {
      result = { status: 'non-compliant', reason: `the rule could not check it (${(e as Error).message})` };
    }
    if (result.status === 'not-applicable') return [];
    if (result.status === 'compliant') return [{ ruleId: rule.id, path, status: 'compliant' }];
    const suppression = suppressionFor(node, rule.id);
    if (!suppression) return [{ ruleId: rule.id, path, status: 'non-compliant', reason: result.reason }];
    return [{ ruleId: rule.id, path, status: 'suppressed', reason: suppression.reason, finding: result.reason, suppressedAt: suppression.at }];
  });
}

/** The nearest suppression of `ruleId` on the node or an ancestor. */
function suppressionFor(node: IConstruct, ruleId: string): (Suppression & { at: string }) | undefined {
  for (const scope of [...node.node.scopes].reverse()) {
    const entry = scope.node.metadata.find((m) => m.type === SUPPRESSION_METADATA && (m.data as Suppression | undefined)?.rule === ruleId);
    if (entry) return { ...(entry.data as Suppression), at: scope.node.path };
  }
  return undefined;
}

/** Rules of every Guardrails aspect on the node or its ancestors, each once. */
function rulesFor(node: IConstruct): Rule[] {
  const rules = new Map<string, Rule>();
  for (const scope of node.node.scopes) {
    for (const aspect of Aspects.of(scope).all) {
      if (aspect instanceof GuardrailsAspect) aspect.rules.forEach((r) => rules.set(r.id, r));
    }
  }
  return [...rules.values()];
}

const reported = new WeakMap<IConstruct, Set<string>>();

function firstReport(node: IConstruct, ruleId: string): boolean {
  const seen = reported.get(node) ?? new Set<string>();
  reported.set(node, seen);
  if (seen.has(ruleId)) return false;
  seen.add(ruleId);
  return true;
}

function reportViolation(node: IConstruct, finding: GuardrailFinding): void {
  const reason = (finding.reason ?? '').replace(/\.\s*$/, '');
  const message = `[${finding.ruleId}] ${finding.path}: ${reason}. ` + `Fix it, or suppress with Guardrails.suppress(construct, "${finding.ruleId}", "<why>")`;
  // An error annotation fails app.synth() and is printed by `cdktf synth`; the stack trace would
  // only point into this file, so it is left out.
  node.node.addMetadata(AnnotationMetadataEntryType.ERROR, message, { stackTrace: false });
}

const comments = new WeakMap<IConstruct, { rule: string; reason: string; suppressedAt: string }[]>();

function recordSuppression(node: IConstruct, finding: GuardrailFinding): void {
  const at = finding.suppressedAt ?? finding.path;
  node.node.addMetadata(
    AnnotationMetadataEntryType.INFO,
    `[${finding.ruleId}] suppressed${at === finding.path ? '' : ` by ${at}`}: ${finding.reason} (finding: ${finding.finding})`,
    { stackTrace: false },
  );
  if (!(node instanceof TerraformElement)) return;
  // Terraform ignores "//" in JSON configuration; cdktf already keeps the construct path there.
  const list = comments.get(node) ?? [];
  list.push({ rule: finding.ruleId, reason: finding.reason ?? '', suppressedAt: at });
  comments.set(node, list);
  node.addOverride(`//.${SUPPRESSION_COMMENT_KEY}`, list);
}

function stacksUnder(scope: IConstruct): TerraformStack[] {
  return scope.node.findAll().filter((c): c is TerraformStack => TerraformStack.isStack(c));
}

function describe(construct: IConstruct): string {
  return construct.node.path === '' ? 'the App' : `"${construct.node.path}"`;
}
