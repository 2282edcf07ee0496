import { DOCUMENTS, evaluate, EvaluationCase, isDenial, meets, outcome } from './evaluate';
import { cases } from './evaluation-cases';

/**
 * Evaluates every case in `evaluation-cases.ts` with the IAM policy engine and checks the decision:
 * each document allows the requests it exists for and denies the near misses around them.
 */

describe('the case list', () => {
  test(`has at least 75 cases, and an allowed and a denied request for each of the ${DOCUMENTS.length} documents`, () => {
    expect(cases.length).toBeGreaterThanOrEqual(75);
    const coverage = DOCUMENTS.map((document) => {
      const own = cases.filter((c) => c.document === document);
      return { document, allowed: own.some((c) => c.expect === 'Allowed'), denied: own.some((c) => isDenial(c.expect)) };
    });
    expect(coverage).toEqual(DOCUMENTS.map((document) => ({ document, allowed: true, denied: true })));
  });

  test('names each case once within its document', () => {
    const keys = cases.map((c) => `${c.document} / ${c.name}`);
    expect(keys.filter((k, i) => keys.indexOf(k) !== i)).toEqual([]);
  });
});

describe('the harness', () => {
  const base: EvaluationCase = cases[0];

  test('fails a case the engine cannot run, instead of counting it as a deny', async () => {
    await expect(evaluate({ ...base, action: 's3:PutObjectEverywhere', expect: 'Denied' })).rejects.toThrow(/could not run the simulation/);
  });

  test('fails a case whose context key the engine would silently drop', async () => {
    await expect(evaluate({ ...base, context: { ...base.context, 'kms:ViaService': 's3.us-east-1.amazonaws.com' } })).rejects.toThrow(/dropped context keys/);
  });

  test('fails a case that asks about a wildcard resource rather than one request', async () => {
    await expect(evaluate({ ...base, resource: 'arn:aws:s3:::acme-cwl-exports/exports/cwl/*' })).rejects.toThrow(/'wildcard' simulation/);
  });

  test('reads Denied as either kind of deny, and ExplicitlyDenied as a matching Deny statement only', () => {
    expect([meets('Denied', 'ImplicitlyDenied'), meets('Denied', 'ExplicitlyDenied'), meets('Denied', 'Allowed')]).toEqual([true, true, false]);
    expect([meets('ExplicitlyDenied', 'ExplicitlyDenied'), meets('ExplicitlyDenied', 'ImplicitlyDenied')]).toEqual([true, false]);
    expect([meets('Allowed', 'Allowed'), meets('Allowed', 'ImplicitlyDenied')]).toEqual([true, false]);
  });
});

describe.each(DOCUMENTS.map((document) => [document] as const))('%s', (document) => {
  const own = cases.filter((c) => c.document === document);
  test.each(own.map((c) => [`${c.name} → ${c.expect}`, c] as const))('%s', async (_title, c) => {
    const { decision } = await evaluate(c);
    expect(outcome(c.expect, decision)).toBe(c.expect);
  });
});
