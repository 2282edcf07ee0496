import { spawnSync } from 'child_process';
import { mkdtempSync, statSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';

/** Running the terraform CLI from scripts and tests. */

/**
 * When CWL_SIEM_TF_PLUGIN_MIRROR names a provider filesystem mirror (the folder holding
 * registry.terraform.io/), writes a Terraform CLI config that installs providers from it and points
 * TF_CLI_CONFIG_FILE at that config in `env` (this process's, so its children's, by default).
 * Without the variable Terraform keeps its usual configuration (the registry). The generated config
 * replaces yours (TF_CLI_CONFIG_FILE or ~/.terraformrc) for these runs: give Terraform Cloud
 * credentials as TF_TOKEN_<host> variables then. Returns the config file, if written.
 */
export function useProviderMirrorFromEnv(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const mirror = env.CWL_SIEM_TF_PLUGIN_MIRROR;
  if (!mirror) return undefined;
  const isDir = (): boolean => {
    try {
      return statSync(mirror).isDirectory();
    } catch {
      return false;
    }
  };
  if (!isDir()) {
    throw new Error(
      `CWL_SIEM_TF_PLUGIN_MIRROR=${mirror} is not a directory. Point it at the folder that contains registry.terraform.io/, or unset it to use the registry.`,
    );
  }
  const file = join(mkdtempSync(join(tmpdir(), 'cwl-siem-tf-')), 'terraform.rc');
  writeFileSync(
    file,
    [
      'provider_installation {',
      '  filesystem_mirror {',
      `    path    = ${JSON.stringify(mirror)}`,
      '    include = ["registry.terraform.io/*/*"]',
      '  }',
      '}',
      '',
    ].join('\n'),
  );
  env.TF_CLI_CONFIG_FILE = file;
  return file;
}

/** Runs terraform in a directory; throws with its output when it fails. */
export function terraform(dir: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): string {
  const r = spawnSync('terraform', ['-chdir=' + dir, ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...env, TF_INPUT: '0', TF_IN_AUTOMATION: '1' },
    maxBuffer: 256 * 1024 * 1024,
  });
  if (r.error) throw new Error(`cannot run terraform: ${r.error.message}. Install Terraform >= 1.5 and put it on PATH.`);
  if (r.status !== 0) {
    throw new Error(
      `terraform ${args.join(' ')} failed in ${dir} (exit ${r.status}):\n${r.stdout}\n${r.stderr}${registryHint(r.stderr, { ...process.env, ...env })}`,
    );
  }
  return r.stdout;
}

/** What to do when Terraform could not reach its provider registry and no mirror is configured. */
function registryHint(stderr: string, env: NodeJS.ProcessEnv): string {
  if (env.CWL_SIEM_TF_PLUGIN_MIRROR || !/could not connect to registry\.terraform\.io|Failed to query available provider packages/.test(stderr)) return '';
  return (
    '\nTerraform could not reach registry.terraform.io to install hashicorp/aws 5.100.0. Offline, set CWL_SIEM_TF_PLUGIN_MIRROR to a provider ' +
    'filesystem mirror (the folder holding registry.terraform.io/): see the README, "Offline Terraform".'
  );
}

export interface PlanSummary {
  readonly add: number;
  readonly change: number;
  readonly destroy: number;
  /** Planned values of each resource to create, by address. */
  readonly created: ReadonlyMap<string, Record<string, unknown>>;
}

/** `terraform init` + `plan -out` + `show -json`, summarised. */
export function initAndPlan(dir: string, env: NodeJS.ProcessEnv = {}): PlanSummary {
  terraform(dir, ['init', '-input=false', '-no-color'], env);
  return plan(dir, env);
}

/** `plan -out` + `show -json` in an initialised directory, summarised. */
export function plan(dir: string, env: NodeJS.ProcessEnv = {}): PlanSummary {
  terraform(dir, ['plan', '-input=false', '-no-color', '-out=tfplan'], env);
  const plan = JSON.parse(terraform(dir, ['show', '-json', 'tfplan'], env)) as {
    resource_changes?: { address: string; change: { actions: string[]; after: Record<string, unknown> } }[];
  };
  const changes = plan.resource_changes ?? [];
  const count = (action: string) => changes.filter((c) => c.change.actions.includes(action)).length;
  return {
    add: count('create'),
    change: count('update'),
    destroy: count('delete'),
    created: new Map(changes.filter((c) => c.change.actions.includes('create')).map((c) => [c.address, c.change.after])),
  };
}
