import { App } from 'cdktf';
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'fs';
import { basename, dirname, join, resolve } from 'path';
import { ToolkitConfig } from '../../config/types';
import { Guardrails } from '../guardrails';
import { CwlSiemStack } from './cwl-siem-stack';

export interface StackSummary {
  readonly name: string;
  readonly partition: string;
  readonly region: string;
  readonly accountId: string;
  readonly backend: string;
  readonly resourceCount: number;
  /** Resource counts by Terraform type, sorted by type. */
  readonly resources: Readonly<Record<string, number>>;
  readonly outputs: readonly string[];
}

/** Adds one stack per config entry to an app, each checked by the guardrails at synthesis. */
export function addStacks(app: App, config: ToolkitConfig): CwlSiemStack[] {
  const stacks = config.stacks.map((stack) => new CwlSiemStack(app, stack, config));
  Guardrails.apply(app);
  return stacks;
}

/**
 * Synthesizes the config into `outdir` all or nothing: the stacks are built and written into a
 * fresh sibling folder, which replaces `outdir` only when every stack synthesized (guardrails
 * included). On any error the previous output is left as it was and the error is rethrown.
 */
export function synthesize(config: ToolkitConfig, outdir: string): StackSummary[] {
  const target = resolve(outdir);
  const staging = mkdtempSync(join(dirname(target), `.${basename(target)}-`));
  try {
    const app = new App({ outdir: staging });
    const stacks = addStacks(app, config);
    app.synth();
    const summaries = stacks.map((stack, i) => summarize(staging, config.stacks[i].name, config, stack.outputNames));
    if (existsSync(target)) rmSync(target, { recursive: true, force: true });
    renameSync(staging, target);
    return summaries;
  } catch (e) {
    rmSync(staging, { recursive: true, force: true });
    throw e;
  }
}

function summarize(outdir: string, name: string, config: ToolkitConfig, outputs: readonly string[]): StackSummary {
  const stack = config.stacks.find((s) => s.name === name)!;
  const tf = JSON.parse(readFileSync(join(outdir, 'stacks', name, 'cdk.tf.json'), 'utf8')) as { resource?: Record<string, Record<string, unknown>> };
  const resources: Record<string, number> = {};
  for (const type of Object.keys(tf.resource ?? {}).sort()) resources[type] = Object.keys(tf.resource![type]).length;
  return {
    name,
    partition: stack.partition,
    region: stack.region,
    accountId: stack.accountId,
    backend: stack.backend.type,
    resourceCount: Object.values(resources).reduce((a, b) => a + b, 0),
    resources,
    outputs,
  };
}

/** The summary `npm start` prints. */
export function formatSummary(summaries: readonly StackSummary[], source: string, outdir: string): string {
  const lines = [`cwl-siem: synthesized ${summaries.length} stack${summaries.length === 1 ? '' : 's'} from ${source} into ${outdir}/stacks`];
  for (const s of summaries) {
    lines.push('', `  ${s.name}  (${s.partition} ${s.region}, account ${s.accountId}, backend ${s.backend}): ${s.resourceCount} resources`);
    for (const [type, count] of Object.entries(s.resources)) lines.push(`    ${String(count).padStart(4)}  ${type}`);
    lines.push(`    outputs: ${s.outputs.join(', ')}`);
  }
  return lines.join('\n');
}
