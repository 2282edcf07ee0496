import { App } from 'cdktf';
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'fs';
import { basename, dirname, join, resolve } from 'path';
import { destinationArnOf, trustedPrincipalArnsOrAccount } from '../../config/defaults';
import { collectorDeploys } from '../../config/rules';
import { StackConfig, ToolkitConfig } from '../../config/types';
import { Guardrails } from '../guardrails';
import { CwlSiemStack } from './cwl-siem-stack';
import { carryOverWorkingFiles, strandedStateMessage, strandedStates, undoMoves } from './outdir';

export interface StackSummary {
  readonly name: string;
  readonly partition: string;
  readonly region: string;
  readonly accountId: string;
  readonly backend: string;
  /** The file written for the stack in its folder: `cdk.tf.json`, or `cdk.tf` for HCL output. */
  readonly file: string;
  readonly resourceCount: number;
  /** Resource counts by Terraform type, sorted by type. */
  readonly resources: Readonly<Record<string, number>>;
  readonly outputs: readonly string[];
  /** What a reviewer should know about the stack (roles that trust a whole account). */
  readonly notes: readonly string[];
}

/**
 * Adds one stack per config entry to an app, each checked by the guardrails at synthesis, with the
 * deploy order of {@link stackDependencies} recorded (`cdktf deploy` follows it).
 */
export function addStacks(app: App, config: ToolkitConfig): CwlSiemStack[] {
  const stacks = config.stacks.map((stack) => new CwlSiemStack(app, stack, config));
  const byName = new Map(stacks.map((s) => [s.node.id, s]));
  for (const d of stackDependencies(config)) byName.get(d.stack)!.addDependency(byName.get(d.dependsOn)!);
  Guardrails.apply(app);
  return stacks;
}

export interface StackDependency {
  /** The stack deployed second. */
  readonly stack: string;
  /** The stack deployed first: it creates what `stack` points at. */
  readonly dependsOn: string;
  readonly reason: string;
}

/**
 * The natural deploy order of a config's stacks: a stack depends on the other stack of the config
 * that creates what it points at, when the config has it:
 * - `destinationSender` on the stack whose `destination` it subscribes to (CloudWatch Logs sends a
 *   test message through the destination when a filter is created, so it must exist);
 * - `firehose` on the stack whose `central.bucketName` is its `firehose.destination.bucketName`;
 * - `exportSender` on the stack whose `export.bucketName` is its `exportSender.bucketName`.
 * A stack never depends on itself (one account may hold both ends).
 */
export function stackDependencies(config: ToolkitConfig): StackDependency[] {
  const out: StackDependency[] = [];
  const add = (stack: StackConfig, owner: StackConfig | undefined, reason: string) => {
    if (owner && owner !== stack) out.push({ stack: stack.name, dependsOn: owner.name, reason });
  };
  for (const s of config.stacks) {
    const d = s.destinationSender;
    if (d)
      add(
        s,
        config.stacks.find((o) => destinationArnOf(o) === d.destinationArn),
        `subscribes to the destination ${d.destinationArn}`,
      );
    const f = s.firehose;
    if (f)
      add(
        s,
        config.stacks.find((o) => o.central?.bucketName === f.destination.bucketName),
        `delivers to the central bucket ${f.destination.bucketName}`,
      );
    const e = s.exportSender;
    if (e)
      add(
        s,
        config.stacks.find((o) => o.export?.bucketName === e.bucketName),
        `exports to the bucket ${e.bucketName}`,
      );
  }
  return out;
}

/**
 * Synthesizes the config into `outdir` all or nothing: the stacks are built and written into a
 * fresh sibling folder, which replaces `outdir` only when every stack synthesized (guardrails
 * included). Terraform's working files and local state in the previous stack folders move along
 * (outdir.ts); a previous folder of a stack the config no longer has, whose state still holds
 * resources, stops it. On any error the previous output is left as it was and the error is rethrown.
 */
export function synthesize(config: ToolkitConfig, outdir: string): StackSummary[] {
  const target = resolve(outdir);
  const staging = mkdtempSync(join(dirname(target), `.${basename(target)}-`));
  const names = config.stacks.map((s) => s.name);
  let previous: string | undefined;
  let moves: [string, string][] = [];
  let summaries: StackSummary[];
  try {
    const app = new App({ outdir: staging });
    const stacks = addStacks(app, config);
    app.synth();
    summaries = stacks.map((stack, i) => summarize(staging, config.stacks[i].name, config, stack.outputNames));
    if (existsSync(target)) {
      const stranded = strandedStates(target, names);
      if (stranded.length) throw new Error(strandedStateMessage(stranded));
      previous = `${staging}.previous`;
      renameSync(target, previous);
      moves = carryOverWorkingFiles(previous, staging, names);
    }
    renameSync(staging, target);
  } catch (e) {
    undoMoves(moves);
    if (previous && !existsSync(target)) renameSync(previous, target);
    rmSync(staging, { recursive: true, force: true });
    throw e;
  }
  if (previous) rmSync(previous, { recursive: true, force: true });
  return summaries;
}

function summarize(outdir: string, name: string, config: ToolkitConfig, outputs: readonly string[]): StackSummary {
  const stack = config.stacks.find((s) => s.name === name)!;
  const file = synthesizedFile(outdir, name);
  const resources = resourceCounts(readFileSync(file, 'utf8'), file.endsWith('.json') ? 'json' : 'hcl');
  return {
    name,
    partition: stack.partition,
    region: stack.region,
    accountId: stack.accountId,
    backend: stack.backend.type,
    file: basename(file),
    resourceCount: Object.values(resources).reduce((a, b) => a + b, 0),
    resources,
    outputs,
    notes: [
      ...accountWideTrusts(stack).map(
        (t) =>
          `role ${t.roleName} trusts the whole account ${t.account} (any of its principals whose own policy allows sts:AssumeRole on it); ` +
          (t.deployed
            ? `the deployed collector's ECS tasks need no such trust: set ${t.path}.trustedPrincipalArns to the principals that should assume it besides them`
            : `set ${t.path}.trustedPrincipalArns to the collector's role`),
      ),
      ...unprotectedStateTables(stack),
    ],
  };
}

/** A note for each collector state table whose deletion protection or point-in-time recovery the config turned off. */
function unprotectedStateTables(stack: StackConfig): string[] {
  const states = [
    ['kinesis.collector.state', stack.kinesis?.collector?.state],
    ['export.collector.state', stack.export?.collector?.state],
    ['exportSender.collector.state', stack.exportSender?.collector?.state],
  ] as const;
  return states.flatMap(([path, state]) => {
    const off = [state && !state.deletionProtection && 'deletion protection', state && !state.pointInTimeRecovery && 'point-in-time recovery'].filter(Boolean);
    return state && off.length
      ? [`state table ${state.tableName} has ${off.join(' and ')} turned off (${path}): its leases and checkpoints can be lost with the table`]
      : [];
  });
}

/** The file the app wrote for a stack, as its manifest records it: cdk.tf.json, or cdk.tf with --hcl (SYNTH_HCL_OUTPUT). */
function synthesizedFile(outdir: string, name: string): string {
  const manifest = JSON.parse(readFileSync(join(outdir, 'manifest.json'), 'utf8')) as { stacks: Record<string, { synthesizedStackPath: string }> };
  return join(outdir, manifest.stacks[name].synthesizedStackPath);
}

/**
 * Resource counts by type, sorted by type, of a synthesized stack: from the JSON, or from the HCL
 * cdktf renders (every block opens at the start of a line, `resource "<type>" "<name>" {`).
 */
function resourceCounts(text: string, format: 'json' | 'hcl'): Record<string, number> {
  const byType: Record<string, number> = {};
  if (format === 'json') {
    const tf = JSON.parse(text) as { resource?: Record<string, Record<string, unknown>> };
    for (const [type, byName] of Object.entries(tf.resource ?? {})) byType[type] = Object.keys(byName).length;
  } else {
    for (const m of text.matchAll(/^resource "([^"]+)" "[^"]+" \{$/gm)) byType[m[1]] = (byType[m[1]] ?? 0) + 1;
  }
  return Object.fromEntries(
    Object.keys(byType)
      .sort()
      .map((type) => [type, byType[type]]),
  );
}

/** The collector roles of a stack that trust an account root, by default or as configured. */
function accountWideTrusts(stack: StackConfig): { roleName: string; account: string; path: string; deployed: boolean }[] {
  const out: { roleName: string; account: string; path: string; deployed: boolean }[] = [];
  const roots = (arns: readonly string[] | undefined): string[] =>
    trustedPrincipalArnsOrAccount(stack.partition, stack.accountId, arns).flatMap((a) => /^arn:[^:]+:iam::(\d{12}):root$/.exec(a)?.[1] ?? []);
  const roles: [string, string | undefined, readonly string[] | undefined][] = [];
  if (stack.export?.collector?.type === 'role') roles.push(['export.collector', stack.export.collector.roleName, stack.export.collector.trustedPrincipalArns]);
  if (stack.exportSender?.identity.type === 'role')
    roles.push(['exportSender.identity', stack.exportSender.identity.roleName, stack.exportSender.identity.trustedPrincipalArns]);
  if (stack.kinesis?.reader.create) roles.push(['kinesis.reader', stack.kinesis.reader.roleName, stack.kinesis.reader.trustedPrincipalArns]);
  const deployed = new Set(collectorDeploys(stack).map((d) => ({ kinesis: 'kinesis.reader', export: 'export.collector', sqs: 'central.siem' })[d.pipeline]));
  for (const [path, roleName, arns] of roles) for (const account of roots(arns)) out.push({ roleName: roleName!, account, path, deployed: deployed.has(path) });
  return out;
}

/** The summary `npm start` prints. */
export function formatSummary(summaries: readonly StackSummary[], source: string, outdir: string): string {
  const hcl = summaries.some((s) => s.file === 'cdk.tf');
  const lines = [
    `cwl-siem: synthesized ${summaries.length} stack${summaries.length === 1 ? '' : 's'} from ${source} into ${outdir}/stacks${hcl ? ' (HCL: cdk.tf)' : ''}`,
  ];
  if (hcl) {
    lines.push(
      "note: cdktf 0.21's HCL renderer writes JSON strings such as the IAM policies without escaping their quotes, so these cdk.tf files are not valid HCL " +
        'and Terraform cannot read them: review them, but plan and deploy the default JSON output (npm start without --hcl).',
    );
  }
  for (const s of summaries) {
    lines.push('', `  ${s.name}  (${s.partition} ${s.region}, account ${s.accountId}, backend ${s.backend}): ${s.resourceCount} resources`);
    for (const [type, count] of Object.entries(s.resources)) lines.push(`    ${String(count).padStart(4)}  ${type}`);
    lines.push(`    outputs: ${s.outputs.join(', ')}`);
    for (const note of s.notes) lines.push(`    note: ${note}`);
  }
  return lines.join('\n');
}
