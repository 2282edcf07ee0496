import { readdirSync } from 'fs';
import { basename, join } from 'path';
import { Decision, evaluate, isDenial, meets } from '../policies/evaluate';
import {
  countPolicyAttributes,
  DerivedCase,
  deriveStatement,
  deriveTlsDeny,
  FoundDocument,
  findDocuments,
  FoundStatement,
  statementsOf,
  statementTitle,
  SynthesizedExample,
  synthesizeExample,
} from './policy-requests';

/**
 * Every IAM document of every example config, as synthesized, judged by the IAM policy engine.
 *
 * For each example the toolkit synthesizes every stack; each document found in the Terraform JSON
 * gets, per Allow statement, the requests the statement exists for (expected Allowed) and near misses
 * (a condition value made wrong, a resource just outside, an action nobody is granted, a principal the
 * statement does not name; expected denied), plus, where the document has a TLS-only deny, its first
 * intended request over plain HTTP (expected ExplicitlyDenied). `policy-requests.ts` derives the
 * requests from the statements themselves; a statement it cannot handle fails its test by name.
 *
 * The examples are synthesized while the tests are collected (test names come from the synthesized
 * resource addresses and Sids), each once, into a temporary folder that is removed straight away.
 */

const EXAMPLES_DIR = join(__dirname, '..', '..', 'examples');
const EXAMPLES = readdirSync(EXAMPLES_DIR)
  .filter((f) => f.endsWith('.json'))
  .sort();

interface Outcome {
  readonly case: DerivedCase;
  readonly decision?: Decision;
  readonly error?: string;
  readonly met: boolean;
}

async function judge(cases: readonly DerivedCase[]): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  for (const c of cases) {
    try {
      const { decision } = await evaluate(c);
      outcomes.push({ case: c, decision, met: meets(c.expect, decision) });
    } catch (e) {
      outcomes.push({ case: c, error: (e as Error).message, met: false });
    }
  }
  return outcomes;
}

const describeFailure = (o: Outcome): string =>
  `${o.case.name}\n      expected ${o.case.expect}, ${o.error !== undefined ? `the engine failed: ${o.error}` : `the engine decided ${o.decision}`}`;

/** Outcomes per statement, computed once and shared by the statement's tests and the summary. */
const judged = new Map<string, Promise<{ allowed: Outcome[]; denied: Outcome[] }>>();
function outcomesOf(s: FoundStatement): Promise<{ allowed: Outcome[]; denied: Outcome[] }> {
  const key = statementTitle(s);
  let p = judged.get(key);
  if (!p) {
    p = isTlsDeny(s)
      ? deriveTlsDeny(s).then(async (c) => ({ allowed: [], denied: await judge([c]) }))
      : deriveStatement(s).then(async (d) => ({ allowed: await judge(d.allowed), denied: await judge(d.denied) }));
    judged.set(key, p);
  }
  return p;
}

const isTlsDeny = (s: FoundStatement): boolean => s.statement.Effect === 'Deny' && s.sid === 'DenyInsecureTransport';

function expectAllMet(outcomes: readonly Outcome[]): void {
  expect(outcomes.length).toBeGreaterThan(0);
  expect(outcomes.filter((o) => !o.met).map(describeFailure)).toEqual([]);
}

test('the examples folder has example configs', () => {
  expect(EXAMPLES.length).toBeGreaterThan(0);
});

describe.each(EXAMPLES)('%s', (file) => {
  const example = basename(file, '.json');
  let synthesized: SynthesizedExample | undefined;
  let failure: unknown;
  try {
    synthesized = synthesizeExample(join(EXAMPLES_DIR, file));
  } catch (e) {
    failure = e;
  }
  if (!synthesized) {
    test(`${example} synthesizes`, () => {
      throw failure;
    });
    return;
  }
  const stacks = synthesized.stacks;
  const documents: FoundDocument[] = stacks.flatMap((s) => findDocuments(example, s));

  for (const doc of documents) {
    for (const s of statementsOf(doc)) {
      if (isTlsDeny(s)) {
        test(`${statementTitle(s)} → Denied`, async () => expectAllMet((await outcomesOf(s)).denied));
      } else {
        test(`${statementTitle(s)} → Allowed`, async () => expectAllMet((await outcomesOf(s)).allowed));
        test(`${statementTitle(s)} → Denied`, async () => expectAllMet((await outcomesOf(s)).denied));
      }
    }
  }

  test(`${example}: every IAM document in the JSON is found, and each yields an allowed and a denied case`, async () => {
    const counts = stacks.map((st) => ({
      stack: st.stack.name,
      policyAttributes: countPolicyAttributes(st.tf),
      documentsFound: documents.filter((d) => d.stack.name === st.stack.name).length,
    }));
    expect(counts).toEqual(counts.map((c) => ({ ...c, documentsFound: c.policyAttributes })));

    const rows = await Promise.all(
      documents.map(async (doc) => {
        const outcomes = (
          await Promise.all(
            statementsOf(doc).map((s) =>
              outcomesOf(s).then(
                (o) => [...o.allowed, ...o.denied],
                () => [] as Outcome[],
              ),
            ),
          )
        ).flat();
        return {
          document: `${doc.stack.name} ${doc.address}`,
          allowed: outcomes.some((o) => o.case.expect === 'Allowed' && o.met),
          denied: outcomes.some((o) => isDenial(o.case.expect) && o.met),
          ...(doc.problem !== undefined ? { problem: doc.problem } : {}),
        };
      }),
    );
    expect(rows).toEqual(rows.map((r) => ({ document: r.document, allowed: true, denied: true })));
  });
});
