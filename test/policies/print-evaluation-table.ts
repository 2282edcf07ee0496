import { evaluate, meets } from './evaluate';
import { cases } from './evaluation-cases';

/**
 * Prints every evaluation case as a markdown table with the decision the IAM policy engine reached
 * (and, where it was not the engine's validated entry point alone, how: see `evaluate.ts`), then
 * `N passed, M failed`. `Denied` expects either kind of deny. Exits 1 on any mismatch or engine error.
 *
 *   npx tsx test/policies/print-evaluation-table.ts
 */

const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

async function main(): Promise<number> {
  const rows = ['| # | document | case | expected | actual |', '|---|---|---|---|---|'];
  let passed = 0;
  let failed = 0;
  const problems: string[] = [];
  for (const [i, c] of cases.entries()) {
    let actual: string;
    try {
      const { decision, engine } = await evaluate(c);
      actual = engine === 'validated' ? decision : `${decision} (${engine})`;
      if (meets(c.expect, decision)) passed++;
      else {
        failed++;
        actual = `**${actual}** (mismatch)`;
      }
    } catch (error) {
      failed++;
      actual = '**engine error**';
      problems.push(`#${i + 1} ${c.document} / ${c.name}:\n${error instanceof Error ? error.message : String(error)}`);
    }
    rows.push(`| ${i + 1} | ${cell(c.document)} | ${cell(c.name)} | ${c.expect} | ${cell(actual)} |`);
  }
  console.log(rows.join('\n'));
  console.log(`\n${passed} passed, ${failed} failed`);
  if (problems.length > 0) console.error(`\n${problems.join('\n\n')}`);
  return failed === 0 ? 0 : 1;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  },
);
