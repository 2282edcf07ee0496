/**
 * `npm run plan`: synthesize the config (CWL_SIEM_CONFIG, default examples/default.json), then
 * `terraform init` and `terraform plan` in each stack with your own AWS credentials, and print
 * what each stack would add, change and destroy. Exits 1 if any stack fails to plan.
 */
import { join } from 'path';
import { ConfigError, loadConfig } from '../config/load';
import { formatSummary, synthesize } from '../modules/stacks/app';
import { initAndPlan, useProviderMirrorFromEnv } from './terraform';

const source = process.env.CWL_SIEM_CONFIG ?? 'examples/default.json';
const outdir = process.env.CDKTF_OUTDIR ?? 'cdktf.out';

let failed = 0;
try {
  process.env.CHECKPOINT_DISABLE ??= '1'; // as scripts/cdktf.ts: no version calls to HashiCorp
  useProviderMirrorFromEnv();
  const summaries = synthesize(loadConfig(source), outdir);
  console.log(formatSummary(summaries, source, outdir));
  console.log('\nterraform plan per stack:');
  for (const s of summaries) {
    const dir = join(outdir, 'stacks', s.name);
    try {
      const plan = initAndPlan(dir);
      console.log(
        `  ${s.name.padEnd(24)} ${plan.add} to add, ${plan.change} to change, ${plan.destroy} to destroy   (review: terraform -chdir=${dir} show tfplan)`,
      );
    } catch (e) {
      failed++;
      console.log(`  ${s.name.padEnd(24)} FAILED\n${(e as Error).message.replace(/^/gm, '      ')}`);
    }
  }
} catch (e) {
  console.error(`cwl-siem: ${e instanceof ConfigError ? e.message : (e as Error).message}`);
  process.exit(2);
}
process.exit(failed ? 1 : 0);
