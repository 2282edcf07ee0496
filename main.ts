import { ConfigError, loadConfig } from './config/load';
import { formatSummary, synthesize } from './modules/stacks/app';

/**
 * The cdktf app: reads the toolkit config from CWL_SIEM_CONFIG (default examples/default.json),
 * synthesizes one stack per config entry into the cdktf output dir and prints a summary.
 * Any error exits 2 with its message and leaves the output dir as it was.
 */
const source = process.env.CWL_SIEM_CONFIG ?? 'examples/default.json';
const outdir = process.env.CDKTF_OUTDIR ?? 'cdktf.out';

try {
  const config = loadConfig(source);
  const summaries = synthesize(config, outdir);
  console.log(`\n${formatSummary(summaries, source, outdir)}`);
} catch (e) {
  const message = e instanceof ConfigError ? e.message : `${source}: ${(e as Error).message}`;
  console.error(`cwl-siem: ${message}`);
  process.exit(2);
}
