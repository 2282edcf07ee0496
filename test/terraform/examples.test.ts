import { App } from 'cdktf';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join, resolve } from 'path';
import { loadConfig } from '../../config/load';
import { addStacks } from '../../modules/stacks/app';
import { describeWithTerraform, offlineProvider, plan as planOffline, terraform } from './terraform';

/**
 * Every example config synthesizes, passes `terraform validate` and plans offline. The test makes
 * two changes to what it plans, both test-only: the provider skips its network checks and drops
 * the account guard, and remote backends (S3, Terraform Cloud) become local state.
 */

const examplesDir = resolve(__dirname, '..', '..', 'examples');
const examples = readdirSync(examplesDir)
  .filter((f) => f.endsWith('.json'))
  .sort();

type TfJson = { terraform: Record<string, unknown>; resource: Record<string, Record<string, unknown>> };

const outdirs: string[] = [];
afterAll(() => outdirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** Synthesizes an example; returns each stack's folder, with offline overrides when asked. */
function synth(example: string, offline: boolean): Map<string, string> {
  const outdir = mkdtempSync(join(tmpdir(), 'cwl-siem-example-'));
  outdirs.push(outdir);
  const app = new App({ outdir });
  const stacks = addStacks(app, loadConfig(join(examplesDir, example)));
  if (offline) stacks.forEach((s) => offlineProvider(s.provider));
  app.synth();
  return new Map(stacks.map((s) => [s.node.id, join(outdir, 'stacks', s.node.id)]));
}

/** Replaces a remote backend with local state, so init needs no S3 or Terraform Cloud. */
function localBackend(dir: string): void {
  const file = join(dir, 'cdk.tf.json');
  const tf = JSON.parse(readFileSync(file, 'utf8')) as TfJson;
  delete tf.terraform.cloud;
  tf.terraform.backend = { local: { path: 'terraform.tfstate' } };
  writeFileSync(file, JSON.stringify(tf, null, 2));
}

const resourceCount = (dir: string): number =>
  Object.values((JSON.parse(readFileSync(join(dir, 'cdk.tf.json'), 'utf8')) as TfJson).resource).reduce((n, byId) => n + Object.keys(byId).length, 0);

test('there are the documented examples', () => {
  expect(examples).toEqual([
    'account-policy.json',
    'default.json',
    'export-cross-account-role.json',
    'export-cross-account-user.json',
    'export-same-account.json',
    'export-with-collector.json',
    'firehose-central-with-collector.json',
    'firehose-central.json',
    'kinesis-destination.json',
    'kinesis-with-collector.json',
    'kinesis.json',
    'replicas.json',
  ]);
});

describe.each(examples)('%s', (example) => {
  test('synthesizing twice gives byte-identical files', () => {
    const a = synth(example, false);
    const b = synth(example, false);
    for (const [name, dir] of a) {
      expect(readFileSync(join(b.get(name)!, 'cdk.tf.json'), 'utf8')).toBe(readFileSync(join(dir, 'cdk.tf.json'), 'utf8'));
    }
  });

  test('the backend is the one the config asks for', () => {
    const config = loadConfig(join(examplesDir, example));
    for (const [name, dir] of synth(example, false)) {
      const stack = config.stacks.find((s) => s.name === name)!;
      const tf = JSON.parse(readFileSync(join(dir, 'cdk.tf.json'), 'utf8')) as TfJson;
      const kind = stack.backend.type === 'cloud' ? Object.keys(tf.terraform).includes('cloud') : Object.keys((tf.terraform.backend ?? {}) as object)[0];
      expect(kind).toBe(stack.backend.type === 'cloud' ? true : stack.backend.type);
      if (stack.backend.type === 's3') {
        // S3-native locking by default (Terraform 1.10+), DynamoDB locking only when a table is named.
        const s3 = (tf.terraform.backend as { s3: Record<string, unknown> }).s3;
        expect(s3.use_lockfile).toBe(true);
        expect(s3.dynamodb_table).toBe(stack.backend.dynamodbTable);
      }
    }
  });
});

describeWithTerraform('examples with terraform', () => {
  describe.each(examples)('%s', (example) => {
    test('every stack passes terraform validate and plans offline: only additions, one per resource', () => {
      for (const [name, dir] of synth(example, true)) {
        localBackend(dir);
        terraform(dir, ['init', '-input=false', '-no-color']);
        const validation = JSON.parse(terraform(dir, ['validate', '-json', '-no-color'])) as {
          valid: boolean;
          diagnostics: { severity: string; summary: string }[];
        };
        expect({ stack: name, valid: validation.valid, errors: validation.diagnostics.filter((d) => d.severity === 'error') }).toEqual({
          stack: name,
          valid: true,
          errors: [],
        });
        const plan = planOffline(dir);
        expect({ stack: name, add: plan.add, change: plan.change, destroy: plan.destroy }).toEqual({
          stack: name,
          add: resourceCount(dir),
          change: 0,
          destroy: 0,
        });
      }
    });
  });
});
