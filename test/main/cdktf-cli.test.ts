import { spawnSync } from 'child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'fs';
import { join } from 'path';
import { root, ScratchProject, scratchProject } from './scratch-project';

/**
 * `npm start` and `npx cdktf synth` as a user runs them, in a scratch copy of the project:
 * switching CWL_SIEM_CONFIG between examples in any order leaves cdktf.out with exactly the stacks
 * of the current one; `--hcl` output gets its summary; Terraform's working files and local state
 * in cdktf.out survive a synthesis; no npm error offline.
 */

let project: ScratchProject;
beforeAll(() => {
  project = scratchProject();
});
afterAll(() => project.remove());

const stacksOf = (example: string): string[] =>
  (JSON.parse(readFileSync(join(root, 'examples', example), 'utf8')) as { stacks: { name: string }[] }).stacks.map((s) => s.name).sort();

const listed = (dir: string): string[] => readdirSync(dir).sort();

test('npm start and cdktf synth switch between every example and back: each exits 0 and cdktf.out holds exactly its stacks', () => {
  // Every example once, with switches back to a smaller and to a larger set of stacks.
  const sequence = [
    'default.json',
    'kinesis-destination.json',
    'firehose-central.json',
    'default.json',
    'export-cross-account-user.json',
    'export-same-account.json',
    'export-cross-account-role.json',
    'kinesis.json',
    'replicas.json',
    'account-policy.json',
    'kinesis-with-collector.json',
    'firehose-central-with-collector.json',
    'export-with-collector.json',
    'kinesis-destination.json',
  ];
  const seen = new Set(sequence);
  expect(seen.size).toBe(listed(join(root, 'examples')).filter((f) => f.endsWith('.json')).length);
  // Alternately `npm start` and the cdktf CLI itself (`npx cdktf synth`, where the ENOENT was seen).
  for (const [i, example] of sequence.entries()) {
    const env = { CWL_SIEM_CONFIG: `examples/${example}` };
    const r = i % 2 === 0 ? project.npm(['start'], env) : project.cdktf(['synth'], env);
    const out = join(project.dir, 'cdktf.out');
    expect({ example, status: r.status, stderr: r.status === 0 ? '' : r.stderr }).toEqual({ example, status: 0, stderr: '' });
    expect({ example, stacks: listed(join(out, 'stacks')) }).toEqual({ example, stacks: stacksOf(example) });
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as { stacks: Record<string, unknown> };
    expect({ example, manifest: Object.keys(manifest.stacks).sort() }).toEqual({ example, manifest: stacksOf(example) });
  }
}, 900000);

// `script` (util-linux) gives the CLI a terminal: cdktf checks its version with npm only in one.
const hasScript = spawnSync('script', ['--version']).status === 0;
if (!hasScript) console.warn('SKIPPED the terminal test of npm start: `script` (util-linux) is not installed');

(hasScript ? test : test.skip)(
  "npm start in a terminal with no npm registry prints no npm error (cdktf's version check is off)",
  () => {
    const p = scratchProject();
    try {
      const home = join(p.dir, 'home');
      mkdirSync(home);
      const r = spawnSync('script', ['-qec', 'npm --silent start', '/dev/null'], {
        cwd: p.dir,
        // A fresh HOME: cdktf checks at most once a day, remembered in ~/.cdktf.
        env: { ...process.env, HOME: home, npm_config_registry: 'http://127.0.0.1:9/', CHECKPOINT_DISABLE: undefined, DISABLE_VERSION_CHECK: undefined },
        encoding: 'utf8',
      });
      expect(r.status).toBe(0);
      expect(r.stdout).toContain('synthesized 1 stack from examples/default.json');
      expect(r.stdout).not.toMatch(/npm error|npm ERR!|Could not run version check/);
    } finally {
      p.remove();
    }
  },
  300000,
);

/** The summary's "N resources" per stack, as `npm start` printed it. */
const resourceCounts = (stdout: string): Record<string, number> =>
  Object.fromEntries([...stdout.matchAll(/^ {2}(\S+) {2}\(.*\): (\d+) resources$/gm)].map((m) => [m[1], Number(m[2])]));

test('npx cdktf synth --hcl writes cdk.tf, prints the summary with the same counts as JSON, and says the HCL is not for Terraform', () => {
  const p = scratchProject();
  try {
    const json = p.npm(['start'], { CWL_SIEM_CONFIG: 'examples/firehose-central.json' });
    expect(json.status).toBe(0);
    const hcl = p.cdktf(['synth', '--hcl'], { CWL_SIEM_CONFIG: 'examples/firehose-central.json' });
    expect({ status: hcl.status, enoent: /ENOENT/.test(hcl.stdout + hcl.stderr) }).toEqual({ status: 0, enoent: false });
    expect(hcl.stdout).toMatch(/synthesized 2 stacks from examples\/firehose-central\.json into cdktf\.out\/stacks \(HCL: cdk\.tf\)/);
    expect(resourceCounts(hcl.stdout)).toEqual(resourceCounts(json.stdout));
    expect(Object.keys(resourceCounts(hcl.stdout)).sort()).toEqual(['central', 'source']);
    expect(hcl.stdout).toContain('not valid HCL');
    expect(readdirSync(join(p.dir, 'cdktf.out', 'stacks', 'central'))).toContain('cdk.tf');
  } finally {
    p.remove();
  }
}, 300000);

test("npm start keeps Terraform's working files and local state in each stack folder, and refuses to drop a stack whose state still holds resources", () => {
  const p = scratchProject();
  try {
    const start = (example: string) => p.npm(['start'], { CWL_SIEM_CONFIG: `examples/${example}` });
    expect(start('default.json').status).toBe(0);
    const stack = join(p.dir, 'cdktf.out', 'stacks', 'cwl-siem-main');
    const state = (resources: unknown[]) => JSON.stringify({ version: 4, terraform_version: '1.11.4', serial: 3, lineage: 'l', outputs: {}, resources });
    writeFileSync(join(stack, 'terraform.cwl-siem-main.tfstate'), state([{ mode: 'managed', type: 'aws_s3_bucket', name: 'b', instances: [{}] }]));
    writeFileSync(join(stack, '.terraform.lock.hcl'), '# lock\n');
    mkdirSync(join(stack, '.terraform', 'providers'), { recursive: true });
    writeFileSync(join(stack, 'tfplan'), 'plan');

    const again = start('default.json');
    expect(again.status).toBe(0);
    expect(readdirSync(stack).sort()).toEqual(['.terraform', '.terraform.lock.hcl', 'cdk.tf.json', 'terraform.cwl-siem-main.tfstate', 'tfplan']);

    const other = start('kinesis.json');
    expect(other.status).not.toBe(0);
    expect(other.stdout + other.stderr).toContain(
      '  - cdktf.out/stacks/cwl-siem-main/terraform.cwl-siem-main.tfstate holds the Terraform state of 1 resource of the stack cwl-siem-main, which this config does not have',
    );
    expect(readdirSync(join(p.dir, 'cdktf.out', 'stacks'))).toEqual(['cwl-siem-main']);
    expect(readFileSync(join(stack, 'terraform.cwl-siem-main.tfstate'), 'utf8')).toContain('aws_s3_bucket');

    // Destroyed (the state holds no resources): switching drops the folder.
    writeFileSync(join(stack, 'terraform.cwl-siem-main.tfstate'), state([]));
    expect(start('kinesis.json').status).toBe(0);
    expect(readdirSync(join(p.dir, 'cdktf.out', 'stacks'))).toEqual(['kinesis']);
  } finally {
    p.remove();
  }
}, 300000);
