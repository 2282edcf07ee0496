import { existsSync, mkdirSync, readdirSync } from 'fs';
import { join } from 'path';
import { ConfigError, loadConfig } from './config/load';
import { formatSummary, synthesize } from './modules/stacks/app';

/**
 * The cdktf app: reads the toolkit config from CWL_SIEM_CONFIG (default examples/default.json),
 * synthesizes one stack per config entry into the cdktf output dir and prints a summary.
 * Any error exits 2 with its message and leaves the output dir as it was.
 */
const source = process.env.CWL_SIEM_CONFIG ?? 'examples/default.json';
const outdir = process.env.CDKTF_OUTDIR ?? 'cdktf.out';

const stacksDir = join(outdir, 'stacks');
const before = existsSync(stacksDir) ? readdirSync(stacksDir) : [];

try {
  const config = loadConfig(source);
  const summaries = synthesize(config, outdir);
  if (process.env.CDKTF_OUTDIR !== undefined) {
    // The cdktf CLI (which sets CDKTF_OUTDIR) lists the stack folders before synth and, after it,
    // deletes those of stacks no longer synthesized without `force`: it fails on a folder the
    // all-or-nothing swap above already removed. An empty folder for each lets its cleanup succeed.
    for (const name of before) if (!summaries.some((s) => s.name === name)) mkdirSync(join(stacksDir, name), { recursive: true });
  }
  console.log(`\n${formatSummary(summaries, source, outdir)}`);
} catch (e) {
  const message = e instanceof ConfigError ? e.message : `${source}: ${(e as Error).message}`;
  console.error(`cwl-siem: ${message}`);
  process.exit(2);
}
