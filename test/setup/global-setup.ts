import { useProviderMirrorFromEnv } from '../../scripts/terraform';

/**
 * Points Terraform at a provider filesystem mirror when CWL_SIEM_TF_PLUGIN_MIRROR is set, so tests
 * that run `terraform init` work with no registry; otherwise Terraform uses the registry as usual.
 * Runs in jest's parent process before the workers start; workers inherit these variables.
 */
export default function globalSetup(): void {
  process.env.CHECKPOINT_DISABLE = '1';
  process.env.TF_IN_AUTOMATION = '1';
  useProviderMirrorFromEnv();
}
