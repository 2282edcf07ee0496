import { mkdtempSync, statSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';

/**
 * Points Terraform at a provider filesystem mirror when one is configured, so tests that run
 * `terraform init` work with no registry. Without CWL_SIEM_TF_PLUGIN_MIRROR Terraform keeps its
 * usual configuration (the registry, or whatever TF_CLI_CONFIG_FILE the user set).
 *
 * Runs in jest's parent process before the workers start; workers inherit these variables.
 */
export default function globalSetup(): void {
  process.env.CHECKPOINT_DISABLE = '1';
  process.env.TF_IN_AUTOMATION = '1';
  const mirror = process.env.CWL_SIEM_TF_PLUGIN_MIRROR;
  if (!mirror) return;
  let isDir = false;
  try {
    isDir = statSync(mirror).isDirectory();
  } catch {
    isDir = false;
  }
  if (!isDir) {
    throw new Error(
      `CWL_SIEM_TF_PLUGIN_MIRROR=${mirror} is not a directory. Point it at the folder that contains registry.terraform.io/, or unset it to use the registry.`,
    );
  }
  const dir = mkdtempSync(join(tmpdir(), 'cwl-siem-tf-'));
  const file = join(dir, 'terraform.rc');
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
  process.env.TF_CLI_CONFIG_FILE = file;
}
