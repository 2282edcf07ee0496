/**
 * `npm start` and `npm run synth|diff|deploy|destroy -- [cdktf options]`: the cdktf CLI with the
 * settings this project makes for you, the same on every platform:
 *
 * - CHECKPOINT_DISABLE=1 (no version and telemetry calls of cdktf and Terraform to
 *   checkpoint-api.hashicorp.com) and DISABLE_VERSION_CHECK=true (in a terminal cdktf runs `npm view
 *   cdktf-cli version` once a day, which prints npm's raw error offline), each unless already set;
 * - TF_CLI_CONFIG_FILE naming no file is dropped (Terraform warns about it on every call);
 * - with CWL_SIEM_TF_PLUGIN_MIRROR set, a generated Terraform CLI config (TF_CLI_CONFIG_FILE) that
 *   installs providers from that filesystem mirror and, for the commands that run `terraform init`,
 *   `--skip-provider-lock`: cdktf's extra `terraform providers lock` step always asks the registry,
 *   while `terraform init` itself records the mirror's hashes in each stack's .terraform.lock.hcl.
 *
 * `synth` (and so `npm start`) runs the app, main.ts, itself rather than through the cdktf CLI: the CLI
 * prints the app's stderr twice on a failure and exits 1, where main.ts prints each config problem
 * once and exits 2. Its options map to the variables the app reads: `--hcl` to SYNTH_HCL_OUTPUT=true,
 * `--output DIR` (`-o DIR`) to CDKTF_OUTDIR; other synth options are refused (use `npx cdktf synth`).
 *
 * Exits with the child's status; SIGTERM and SIGHUP are passed on to it.
 */
import { spawn } from 'child_process';
import { existsSync, rmSync } from 'fs';
import { constants } from 'os';
import { dirname, join } from 'path';
import { useProviderMirrorFromEnv } from './terraform';

/** cdktf commands that run `terraform init` (and so the provider lock step). */
const INITIALIZING = new Set(['diff', 'plan', 'deploy', 'apply', 'destroy', 'output', 'outputs']);

export interface CdktfInvocation {
  /** The command and its arguments: the cdktf CLI's, or for synth the app's (main.ts). */
  readonly args: string[];
  /** Whether `args` runs the app directly (synth) rather than the cdktf CLI. */
  readonly app: boolean;
  /** The generated Terraform CLI config, if any (removed after the run). */
  readonly cliConfig?: string;
  /** Whether the command runs `terraform init`. */
  readonly initializes: boolean;
  /** What was set, for the user (stderr). */
  readonly notes: string[];
}

/** Sets this project's variables in `env` and returns the CLI's arguments. Throws for a bad mirror setting. */
export function prepareCdktf(args: readonly string[], env: NodeJS.ProcessEnv): CdktfInvocation {
  env.CHECKPOINT_DISABLE ??= '1';
  env.DISABLE_VERSION_CHECK ??= 'true';
  const cliConfig = useProviderMirrorFromEnv(env);
  const initializes = INITIALIZING.has(args[0]);
  const out = [...args];
  const notes: string[] = [];
  if (!cliConfig && env.TF_CLI_CONFIG_FILE && !existsSync(env.TF_CLI_CONFIG_FILE)) {
    // Terraform would warn about it on every call, and cdktf print each warning as an ERROR.
    notes.push(`cwl-siem: TF_CLI_CONFIG_FILE=${env.TF_CLI_CONFIG_FILE} does not exist; Terraform runs without it`);
    delete env.TF_CLI_CONFIG_FILE;
  }
  if (args[0] === 'synth') return { args: [synthApp(args.slice(1), env)], app: true, cliConfig, initializes: false, notes };
  if (cliConfig && initializes && !out.includes('--skip-provider-lock')) {
    out.push('--skip-provider-lock');
    notes.push(
      `cwl-siem: providers from the mirror ${env.CWL_SIEM_TF_PLUGIN_MIRROR} (TF_CLI_CONFIG_FILE=${cliConfig}); ` +
        "cdktf's registry lock step is skipped, terraform init records the mirror's hashes in .terraform.lock.hcl",
    );
  }
  return { args: out, app: false, cliConfig, initializes, notes };
}

/** Maps `synth` options to the app's variables in `env`; returns the app's entry file. */
function synthApp(options: readonly string[], env: NodeJS.ProcessEnv): string {
  for (let i = 0; i < options.length; i++) {
    const o = options[i];
    if (o === '--hcl') env.SYNTH_HCL_OUTPUT = 'true';
    else if ((o === '--output' || o === '-o') && options[i + 1] !== undefined) env.CDKTF_OUTDIR = options[++i];
    else if (o.startsWith('--output=')) env.CDKTF_OUTDIR = o.slice('--output='.length);
    else throw new Error(`synth takes --hcl and --output DIR, not ${JSON.stringify(o)}; for other cdktf synth options run npx cdktf synth`);
  }
  return join(__dirname, '..', 'main.ts');
}

function main(): void {
  let run: CdktfInvocation;
  try {
    run = prepareCdktf(process.argv.slice(2), process.env);
  } catch (e) {
    console.error(`cwl-siem: ${(e as Error).message}`);
    process.exit(2);
  }
  run.notes.forEach((n) => console.error(n));
  const cli = run.app ? run.args[0] : join(dirname(require.resolve('cdktf-cli/package.json')), 'bundle', 'bin', 'cdktf');
  const child = spawn(process.execPath, run.app ? ['--require', 'tsx/cjs', ...run.args] : [cli, ...run.args], { stdio: 'inherit' });
  // Ctrl-C reaches the CLI from the terminal (same process group): wait for it to stop. Others are passed on.
  process.on('SIGINT', () => undefined);
  for (const signal of ['SIGTERM', 'SIGHUP'] as const) process.on(signal, () => child.kill(signal));
  child.on('error', (e) => {
    console.error(`cwl-siem: cannot run the cdktf CLI (${cli}): ${e.message}. Run npm ci first.`);
    process.exit(1);
  });
  child.on('exit', (code, signal) => {
    if (run.cliConfig) rmSync(dirname(run.cliConfig), { recursive: true, force: true });
    if (code !== 0 && run.initializes && !run.cliConfig) {
      console.error(
        'cwl-siem: if Terraform could not reach registry.terraform.io, point CWL_SIEM_TF_PLUGIN_MIRROR at a provider mirror (README: "Offline Terraform").',
      );
    }
    process.exit(code ?? (signal ? 128 + constants.signals[signal] : 1));
  });
}

if (require.main === module) main();
