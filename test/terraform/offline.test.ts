import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { dirname, join, resolve } from 'path';
import { prepareCdktf } from '../../scripts/cdktf';
import { terraform as runTerraform } from '../../scripts/terraform';
import { ScratchProject, scratchProject } from '../main/scratch-project';
import { describeWithTerraform, OFFLINE_ENV, writeOfflineOverride } from './terraform';

/**
 * Terraform with no registry. `npm run diff` (the cdktf CLI through scripts/cdktf.ts) installs and
 * locks the providers from the CWL_SIEM_TF_PLUGIN_MIRROR filesystem mirror; the plan runs with the
 * fake credentials and an override file with the provider's skip settings, both test-only (the
 * override sits in the stack folder and survives the CLI's own synthesis, as Terraform's working
 * files do). Without a mirror, a failed `terraform init` says what to set.
 */

const mirror = process.env.CWL_SIEM_TF_PLUGIN_MIRROR;
const work: string[] = [];
afterAll(() => work.forEach((d) => rmSync(d, { recursive: true, force: true })));
const tempDir = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'cwl-siem-offline-'));
  work.push(d);
  return d;
};

describe('scripts/cdktf.ts (npm start, npm run synth|diff|deploy|destroy)', () => {
  test('turns off the checkpoint and npm version calls unless set, and leaves Terraform alone without a mirror', () => {
    const rc = join(tempDir(), 'terraform.rc');
    writeFileSync(rc, '');
    const env: NodeJS.ProcessEnv = { TF_CLI_CONFIG_FILE: rc };
    const run = prepareCdktf(['diff', 'main'], env);
    expect(env).toEqual({ TF_CLI_CONFIG_FILE: rc, CHECKPOINT_DISABLE: '1', DISABLE_VERSION_CHECK: 'true' });
    expect(run.args).toEqual(['diff', 'main']);
    // One naming no file (as on machines that set it for a file they never wrote) is dropped, once, with a note.
    const none = join(tempDir(), 'none.rc');
    const missing: NodeJS.ProcessEnv = { TF_CLI_CONFIG_FILE: none };
    expect(prepareCdktf(['synth'], missing).notes).toEqual([`cwl-siem: TF_CLI_CONFIG_FILE=${none} does not exist; Terraform runs without it`]);
    expect(missing.TF_CLI_CONFIG_FILE).toBeUndefined();
    const mine: NodeJS.ProcessEnv = { CHECKPOINT_DISABLE: '', DISABLE_VERSION_CHECK: 'false' };
    prepareCdktf(['synth'], mine);
    expect(mine).toEqual({ CHECKPOINT_DISABLE: '', DISABLE_VERSION_CHECK: 'false' });
  });

  test('with a mirror: a CLI config installing from it, and no registry lock step for the commands that init', () => {
    const dir = tempDir();
    const prepare = (args: string[], env: NodeJS.ProcessEnv = { CWL_SIEM_TF_PLUGIN_MIRROR: dir }) => {
      const run = prepareCdktf(args, env);
      if (run.cliConfig) work.push(dirname(run.cliConfig));
      return run;
    };
    const env: NodeJS.ProcessEnv = { CWL_SIEM_TF_PLUGIN_MIRROR: dir };
    const diff = prepare(['diff', '--no-color'], env);
    expect(diff.args).toEqual(['diff', '--no-color', '--skip-provider-lock']);
    expect(env.TF_CLI_CONFIG_FILE).toBe(diff.cliConfig);
    expect(readFileSync(diff.cliConfig!, 'utf8')).toContain(`filesystem_mirror {\n    path    = ${JSON.stringify(dir)}`);
    expect(prepare(['deploy', 'a', '--skip-provider-lock']).args).toEqual(['deploy', 'a', '--skip-provider-lock']);
    // synth runs the app itself: its options become the variables the app reads.
    const synthEnv: NodeJS.ProcessEnv = { CWL_SIEM_TF_PLUGIN_MIRROR: dir };
    const synth = prepare(['synth', '--hcl', '--output', 'elsewhere'], synthEnv);
    expect({ args: synth.args, app: synth.app, hcl: synthEnv.SYNTH_HCL_OUTPUT, outdir: synthEnv.CDKTF_OUTDIR }).toEqual({
      args: [resolve(__dirname, '..', '..', 'main.ts')],
      app: true,
      hcl: 'true',
      outdir: 'elsewhere',
    });
    expect(() => prepare(['synth', '--json'])).toThrow(/synth takes --hcl and --output DIR, not "--json"/);
    expect(() => prepare(['diff'], { CWL_SIEM_TF_PLUGIN_MIRROR: join(dir, 'nope') })).toThrow(/CWL_SIEM_TF_PLUGIN_MIRROR=.*nope is not a directory/);
  });
});

describeWithTerraform('Terraform offline', () => {
  let project: ScratchProject;
  beforeAll(() => {
    project = scratchProject();
    work.push(project.dir);
  });

  (mirror ? test : test.skip)('npm run diff plans the default example, with the providers installed and locked from the mirror', () => {
    expect(project.npm(['start']).status).toBe(0);
    const stack = join(project.dir, 'cdktf.out', 'stacks', 'cwl-siem-main');
    writeOfflineOverride(stack);
    // As on these machines: a TF_CLI_CONFIG_FILE naming no file; the script writes its own.
    const r = project.npm(['run', 'diff', '--', '--no-color'], {
      ...OFFLINE_ENV,
      TF_CLI_CONFIG_FILE: join(project.dir, 'missing.rc'),
      CHECKPOINT_DISABLE: undefined,
    });
    expect({ status: r.status, out: r.status === 0 ? '' : `${r.stdout}\n${r.stderr}` }).toEqual({ status: 0, out: '' });
    expect(r.stdout).toMatch(/Plan: \d+ to add, 0 to change, 0 to destroy/);
    expect(r.stderr).toContain(`cwl-siem: providers from the mirror ${mirror}`);
    const lock = readFileSync(join(stack, '.terraform.lock.hcl'), 'utf8');
    expect(lock).toMatch(/provider "registry\.terraform\.io\/hashicorp\/aws" \{\s+version\s+= "5\.100\.0"/);
    expect(lock).toMatch(/"h1:[A-Za-z0-9+/=]+"/);
    expect(existsSync(join(stack, 'offline_override.tf.json'))).toBe(true);
  });

  test('terraform init that cannot reach the registry, with no mirror set, says to set CWL_SIEM_TF_PLUGIN_MIRROR', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'main.tf.json'), JSON.stringify({ terraform: { required_providers: { aws: { source: 'hashicorp/aws', version: '5.100.0' } } } }));
    // A registry that refuses connections, wherever the test runs.
    const rc = join(dir, 'unreachable.rc');
    writeFileSync(rc, 'host "registry.terraform.io" {\n  services = {\n    "providers.v1" = "http://127.0.0.1:9/v1/providers/"\n  }\n}\n');
    expect(() => runTerraform(dir, ['init', '-input=false', '-no-color'], { TF_CLI_CONFIG_FILE: rc, CWL_SIEM_TF_PLUGIN_MIRROR: '' })).toThrow(
      /Offline, set CWL_SIEM_TF_PLUGIN_MIRROR to a provider filesystem mirror \(the folder holding registry\.terraform\.io\/\): see the README, "Offline Terraform"\./,
    );
  });
});
