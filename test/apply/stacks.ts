import { App } from 'cdktf';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../config/load';
import { CollectorStateConfig, StackConfig, ToolkitConfig } from '../../config/types';
import { addStacks, stackDependencies } from '../../modules/stacks/app';
import { Credentials, Moto } from './moto';
import { COLLECTOR_CONFIG_ENV } from '../../collector/src/commands/conventions';

/**
 * The example's stacks as synthesized for users, then changed for moto in the copy that is applied
 * (test-only; what users get is never changed): local state, the provider pointed at moto with the
 * stack account's keys, and the resources moto cannot serve left out, each named with why.
 */

/** Every service the stacks call, pointed at moto. */
const SERVICES = ['appautoscaling', 'cloudwatch', 'dynamodb', 'ec2', 'ecs', 'firehose', 'iam', 'kinesis', 'kms', 'logs', 's3', 'sns', 'sqs', 'sts'];

/** The collector state tables a stack creates, as the toolkit config asks for them. */
export function stateTables(stack: StackConfig): CollectorStateConfig[] {
  return [stack.kinesis?.collector?.state, (stack.export?.collector ?? stack.exportSender?.collector)?.state].filter((s) => s !== undefined);
}

/**
 * Resource types left out of what is applied, with the AWS behaviour each stands for.
 * - moto 5.2 has no PutAccountPolicy: an account-level subscription filter policy (and the wait
 *   before it) cannot be applied; its Terraform is still validated and planned by `npm test`.
 * - moto 5.2 does not answer Application Auto Scaling's ListTagsForResource, which the provider calls
 *   after creating a scalable target: the collector's autoscaling is validated and planned only.
 */
export const NOT_ON_MOTO: Readonly<Record<string, string>> = {
  aws_cloudwatch_log_account_policy: 'moto has no PutAccountPolicy (the account-level subscription filter policy)',
  terraform_data: 'only waits before the account policy, which moto cannot apply',
  // The provider reads a scalable target's tags back (ListTagsForResource), which moto 5.2 does not answer: apply never ends.
  aws_appautoscaling_target: "moto has no Application Auto Scaling ListTagsForResource (the collector's scaling target)",
  aws_appautoscaling_policy: 'attaches to the scaling target, which moto cannot apply',
};

export interface MotoStack {
  readonly config: StackConfig;
  readonly dir: string;
  /** Resources applied, and resources left out for moto (type → count). */
  readonly resources: number;
  readonly leftOut: Readonly<Record<string, number>>;
}

export interface SynthesizedForMoto {
  readonly config: ToolkitConfig;
  /** In dependency order: a stack comes after every stack it depends on. */
  readonly stacks: readonly MotoStack[];
}

export async function synthesizeForMoto(examplePath: string, moto: Moto): Promise<SynthesizedForMoto> {
  const config = loadConfig(examplePath);
  const outdir = mkdtempSync(join(tmpdir(), 'cwl-siem-apply-'));
  const app = new App({ outdir });
  addStacks(app, config);
  app.synth();
  const stacks: MotoStack[] = [];
  for (const stack of ordered(config)) {
    const dir = join(outdir, 'stacks', stack.name);
    const { resources, leftOut } = forMoto(join(dir, 'cdk.tf.json'), moto.endpoint, await moto.account(stack.accountId));
    stacks.push({ config: stack, dir, resources, leftOut });
  }
  return { config, stacks };
}

/** The config's stacks, each after the stacks it depends on (the order `cdktf deploy` follows). */
export function ordered(config: ToolkitConfig): StackConfig[] {
  const deps = stackDependencies(config);
  const done: StackConfig[] = [];
  const visit = (s: StackConfig, path: string[]) => {
    if (done.includes(s)) return;
    if (path.includes(s.name)) throw new Error(`stack dependency cycle: ${[...path, s.name].join(' -> ')}`);
    for (const d of deps.filter((x) => x.stack === s.name))
      visit(
        config.stacks.find((o) => o.name === d.dependsOn)!,
        [...path, s.name],
      );
    done.push(s);
  };
  config.stacks.forEach((s) => visit(s, []));
  return done;
}

type TfJson = {
  terraform: Record<string, unknown>;
  provider: { aws: Record<string, unknown>[] };
  resource: Record<string, Record<string, Record<string, unknown>>>;
};

function forMoto(file: string, endpoint: string, creds: Credentials): { resources: number; leftOut: Record<string, number> } {
  const tf = JSON.parse(readFileSync(file, 'utf8')) as TfJson;
  delete tf.terraform.cloud;
  tf.terraform.backend = { local: { path: 'terraform.tfstate' } };
  // allowed_account_ids stays: moto answers GetCallerIdentity with the key's account, so the guard is checked.
  Object.assign(tf.provider.aws[0], {
    access_key: creds.accessKeyId,
    secret_key: creds.secretAccessKey,
    skip_credentials_validation: true,
    skip_metadata_api_check: true,
    s3_use_path_style: true,
    endpoints: [Object.fromEntries(SERVICES.map((s) => [s, endpoint]))],
  });
  const leftOut: Record<string, number> = {};
  for (const type of Object.keys(NOT_ON_MOTO)) {
    const n = Object.keys(tf.resource[type] ?? {}).length;
    if (n === 0) continue;
    leftOut[type] = n;
    const removed = new Set(Object.keys(tf.resource[type]).map((id) => `${type}.${id}`));
    delete tf.resource[type];
    for (const byId of Object.values(tf.resource)) {
      for (const r of Object.values(byId)) {
        if (Array.isArray(r.depends_on)) r.depends_on = (r.depends_on as string[]).filter((d) => !removed.has(d));
      }
    }
  }
  inMotoNetwork(tf);
  writeFileSync(file, JSON.stringify(tf, null, 2));
  return { resources: Object.values(tf.resource).reduce((n, byId) => n + Object.keys(byId).length, 0), leftOut };
}

/**
 * The deployed collector's network, in moto's default VPC: AWS (and moto) refuse a service whose
 * subnets or security groups do not exist, and the examples name their users' own. The service gets
 * the default VPC's subnets and, for existing groups, its default security group; a group the stack
 * creates is created in that VPC. Looked up by Terraform itself (data sources), in the copy applied.
 */
function inMotoNetwork(tf: TfJson): void {
  const services = Object.values(tf.resource.aws_ecs_service ?? {});
  if (services.length === 0) return;
  const data = ((tf as { data?: Record<string, Record<string, unknown>> }).data ??= {});
  data.aws_vpc = { ...data.aws_vpc, moto_default: { default: true } };
  data.aws_subnets = { ...data.aws_subnets, moto_default: { filter: [{ name: 'vpc-id', values: ['${data.aws_vpc.moto_default.id}'] }] } };
  data.aws_security_group = { ...data.aws_security_group, moto_default: { vpc_id: '${data.aws_vpc.moto_default.id}', name: 'default' } };
  for (const group of Object.values(tf.resource.aws_security_group ?? {})) group.vpc_id = '${data.aws_vpc.moto_default.id}';
  for (const service of services) {
    const net = service.network_configuration as { subnets: unknown; security_groups: unknown[] };
    net.subnets = '${data.aws_subnets.moto_default.ids}';
    // A group the stack creates is kept (a reference); an existing one becomes the VPC's default group.
    net.security_groups = net.security_groups.map((g) => (typeof g === 'string' && g.startsWith('${') ? g : '${data.aws_security_group.moto_default.id}'));
  }
}

/**
 * The collector config the applied stack hands its deployed collector (the task definition's
 * CWL_SIEM_COLLECTOR_CONFIG, as moto returns it in Terraform's state); undefined without one of that mode.
 */
export async function deployedCollectorConfig(stack: MotoStack, mode: 'kinesis' | 'sqs' | 'export'): Promise<Record<string, unknown> | undefined> {
  type Resource = { type: string; values: { container_definitions?: string } };
  const state = JSON.parse(await terraformAsync(stack.dir, ['show', '-json', '-no-color'])) as { values?: { root_module?: { resources?: Resource[] } } };
  const task = state.values?.root_module?.resources?.find((r) => r.type === 'aws_ecs_task_definition');
  if (!task?.values.container_definitions) return undefined;
  const [container] = JSON.parse(task.values.container_definitions) as { environment?: { name: string; value: string }[] }[];
  const value = container.environment?.find((e) => e.name === COLLECTOR_CONFIG_ENV)?.value;
  if (value === undefined) throw new Error(`${stack.config.name}: the collector task definition has no ${COLLECTOR_CONFIG_ENV}`);
  const config = JSON.parse(value) as { source?: { type?: string } };
  // One deployed collector per account: the stack's may be of another of its paths.
  return config.source?.type === mode ? config : undefined;
}

/** Runs terraform asynchronously (several examples apply at once); rejects with its output. */
export function terraformAsync(dir: string, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('terraform', [`-chdir=${dir}`, ...args], {
      env: { ...process.env, TF_INPUT: '0', TF_IN_AUTOMATION: '1', CHECKPOINT_DISABLE: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    child.on('error', (e) => reject(new Error(`cannot run terraform: ${e.message}`)));
    child.on('close', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`terraform ${args.join(' ')} failed in ${dir} (exit ${code}):\n${out.slice(-6000)}`)),
    );
  });
}

export async function apply(stack: MotoStack): Promise<Record<string, string>> {
  await terraformAsync(stack.dir, ['init', '-input=false', '-no-color']);
  await terraformAsync(stack.dir, ['apply', '-auto-approve', '-input=false', '-no-color']);
  return outputs(stack);
}

/** `terraform output -json`, as the collector's `config from-terraform` reads it. */
export async function outputsJson(stack: MotoStack): Promise<string> {
  return terraformAsync(stack.dir, ['output', '-json']);
}

export async function outputs(stack: MotoStack): Promise<Record<string, string>> {
  const parsed = JSON.parse(await outputsJson(stack)) as Record<string, { value: string }>;
  return Object.fromEntries(Object.entries(parsed).map(([k, v]) => [k, v.value]));
}

export async function destroy(stack: MotoStack): Promise<void> {
  await terraformAsync(stack.dir, ['destroy', '-auto-approve', '-input=false', '-no-color']);
  const state = await terraformAsync(stack.dir, ['state', 'list']).catch(() => '');
  if (state.trim() !== '') throw new Error(`terraform destroy left resources in ${stack.config.name}: ${state.trim()}`);
}
