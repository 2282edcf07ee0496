import { spawnSync } from 'child_process';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';

/**
 * Running Terraform from tests. Where terraform is missing, tests that need it fail in CI
 * (CI=true) with a message saying so, and are skipped (visibly) on a developer's machine.
 */

export function terraformVersion(): string | undefined {
  const r = spawnSync('terraform', ['version', '-json'], { encoding: 'utf8' });
  if (r.status !== 0) return undefined;
  return (JSON.parse(r.stdout) as { terraform_version: string }).terraform_version;
}

const MISSING =
  'terraform is not on PATH. Install Terraform >= 1.5 (https://developer.hashicorp.com/terraform/install); ' +
  'offline, also set CWL_SIEM_TF_PLUGIN_MIRROR to a provider mirror holding hashicorp/aws 5.100.0.';

/** `describe` for tests that run terraform. */
export function describeWithTerraform(name: string, body: () => void): void {
  if (terraformVersion()) {
    describe(name, body);
  } else if (process.env.CI === 'true' || process.env.CI === '1') {
    describe(name, () => {
      test('terraform is available', () => {
        throw new Error(MISSING);
      });
    });
  } else {
    console.warn(`SKIPPED "${name}": ${MISSING}`);
    describe.skip(name, body);
  }
}

/** Fake credentials so `terraform plan` never looks for real ones; tests only. */
const OFFLINE_ENV = {
  AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
  AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  AWS_EC2_METADATA_DISABLED: 'true',
};

/** Runs terraform in a directory; throws with its output when it fails. */
export function terraform(dir: string, args: readonly string[]): string {
  const r = spawnSync('terraform', ['-chdir=' + dir, ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...OFFLINE_ENV, TF_INPUT: '0' },
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.status !== 0) {
    throw new Error(`terraform ${args.join(' ')} failed in ${dir} (exit ${r.status}):\n${r.stdout}\n${r.stderr}`);
  }
  return r.stdout;
}

/**
 * Makes a provider plan with no network: skips the credential, account-id, metadata and region
 * checks, and drops the account guard. Applied in tests only; what users deploy keeps every check.
 */
export function offlineProvider(provider: AwsProvider): void {
  // The allowed_account_ids guard needs the caller's real account id, which needs credentials.
  provider.resetAllowedAccountIds();
  provider.addOverride('skip_credentials_validation', true);
  provider.addOverride('skip_requesting_account_id', true);
  provider.addOverride('skip_metadata_api_check', true);
  provider.addOverride('skip_region_validation', true);
}

export interface PlanSummary {
  readonly add: number;
  readonly change: number;
  readonly destroy: number;
  /** Planned values of each resource to create, by address. */
  readonly created: ReadonlyMap<string, Record<string, unknown>>;
}

/** `terraform init` + `plan -out` + `show -json`, summarised. */
export function initAndPlan(dir: string): PlanSummary {
  terraform(dir, ['init', '-input=false', '-no-color']);
  terraform(dir, ['plan', '-input=false', '-lock=false', '-no-color', '-out=tfplan']);
  const plan = JSON.parse(terraform(dir, ['show', '-json', 'tfplan'])) as {
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
