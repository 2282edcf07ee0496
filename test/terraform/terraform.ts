import { spawnSync } from 'child_process';
import { writeFileSync } from 'fs';
import { join } from 'path';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { initAndPlan as initAndPlanWith, plan as planWith, PlanSummary, terraform as runTerraform } from '../../scripts/terraform';

export type { PlanSummary };

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
export const OFFLINE_ENV = {
  AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
  AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  AWS_EC2_METADATA_DISABLED: 'true',
};

/** Runs terraform with the offline credentials. */
export const terraform = (dir: string, args: readonly string[]): string => runTerraform(dir, args, OFFLINE_ENV);

/** `init` + `plan` + `show -json` with the offline credentials. */
export const initAndPlan = (dir: string): PlanSummary => initAndPlanWith(dir, OFFLINE_ENV);

/** `plan` + `show -json` in an initialised directory, with the offline credentials. */
export const plan = (dir: string): PlanSummary => planWith(dir, OFFLINE_ENV);

/** Provider arguments that let `terraform plan` run with no network (with the account guard dropped); tests only. */
const OFFLINE_PROVIDER_SETTINGS = {
  skip_credentials_validation: true,
  skip_requesting_account_id: true,
  skip_metadata_api_check: true,
  skip_region_validation: true,
} as const;

/**
 * Makes a provider plan with no network: skips the credential, account-id, metadata and region
 * checks, and drops the account guard. Applied in tests only; what users deploy keeps every check.
 */
export function offlineProvider(provider: AwsProvider): void {
  // The allowed_account_ids guard needs the caller's real account id, which needs credentials.
  provider.resetAllowedAccountIds();
  for (const [name, value] of Object.entries(OFFLINE_PROVIDER_SETTINGS)) provider.addOverride(name, value);
}

/**
 * The same settings as a Terraform override file in a synthesized stack folder, for tests that run
 * the cdktf CLI (which synthesizes by itself). Returns the file.
 */
export function writeOfflineOverride(stackDir: string): string {
  const file = join(stackDir, 'offline_override.tf.json');
  writeFileSync(file, JSON.stringify({ provider: { aws: [{ allowed_account_ids: null, ...OFFLINE_PROVIDER_SETTINGS }] } }, null, 2));
  return file;
}
