import { App } from 'cdktf';
import { mkdtempSync, readFileSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { FoundationStack, FoundationStackProps } from '../../modules/stacks/foundation-stack';
import { exportBucketPolicy, renderPolicy } from '../../policies';
import { describeWithTerraform, initAndPlan, offlineProvider, terraform } from './terraform';

const props: FoundationStackProps = {
  partition: 'aws',
  region: 'eu-west-1',
  accountId: '111122223333',
  bucketName: 'acme-cwl-exports-111122223333',
  prefix: 'cwl-exports',
};

const outdirs: string[] = [];
afterAll(() => outdirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function freshOutdir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'cwl-siem-synth-'));
  outdirs.push(dir);
  return dir;
}

/** Synthesizes the stack into a fresh directory and returns that stack's folder. */
function synth(offline: boolean): string {
  const outdir = freshOutdir();
  const app = new App({ outdir });
  const stack = new FoundationStack(app, 'export', props);
  if (offline) offlineProvider(stack.provider);
  app.synth();
  return join(outdir, 'stacks', 'export');
}

type TfJson = { resource: Record<string, Record<string, Record<string, unknown>>> };
const tfJson = (dir: string): TfJson => JSON.parse(readFileSync(join(dir, 'cdk.tf.json'), 'utf8'));

describe('FoundationStack synthesis', () => {
  test('renders the export bucket policy as the literal JSON the policies library produces', () => {
    const resources = tfJson(synth(false)).resource;
    const [policy] = Object.values(resources.aws_s3_bucket_policy);
    const expected = renderPolicy(
      exportBucketPolicy({ ...props, access: { mode: 'same-account', accountId: props.accountId } }),
    );
    expect(policy.policy).toBe(expected);
    expect(policy.policy).not.toContain('${');
  });

  test('blocks public access, enforces bucket-owner ownership and encrypts at rest', () => {
    const resources = tfJson(synth(false)).resource;
    const [pab] = Object.values(resources.aws_s3_bucket_public_access_block);
    expect(pab).toMatchObject({ block_public_acls: true, block_public_policy: true, ignore_public_acls: true, restrict_public_buckets: true });
    const [own] = Object.values(resources.aws_s3_bucket_ownership_controls);
    expect(own).toMatchObject({ rule: { object_ownership: 'BucketOwnerEnforced' } });
    const [sse] = Object.values(resources.aws_s3_bucket_server_side_encryption_configuration);
    expect(JSON.stringify(sse)).toContain('AES256');
  });

  test('re-synthesizing the same input gives byte-identical Terraform', () => {
    const a = readFileSync(join(synth(false), 'cdk.tf.json'), 'utf8');
    const b = readFileSync(join(synth(false), 'cdk.tf.json'), 'utf8');
    expect(a).toBe(b);
  });

  test('rejects a bad bucket name before writing anything, naming the parameter', () => {
    const app = new App({ outdir: freshOutdir() });
    expect(() => new FoundationStack(app, 'bad', { ...props, bucketName: 'Not_A_Bucket' })).toThrow(/bucketName: got "Not_A_Bucket"/);
  });
});

describeWithTerraform('FoundationStack with terraform', () => {
  test('passes terraform validate', () => {
    const dir = synth(true);
    terraform(dir, ['init', '-input=false', '-backend=false', '-no-color']);
    const result = JSON.parse(terraform(dir, ['validate', '-json', '-no-color'])) as { valid: boolean; diagnostics: unknown[] };
    expect(result.diagnostics).toEqual([]);
    expect(result.valid).toBe(true);
  });

  test('plans offline: five resources to add, the bucket policy verbatim', () => {
    const plan = initAndPlan(synth(true));
    expect({ add: plan.add, change: plan.change, destroy: plan.destroy }).toEqual({ add: 5, change: 0, destroy: 0 });
    const [policy] = [...plan.created.entries()].filter(([address]) => address.startsWith('aws_s3_bucket_policy.')).map(([, after]) => after);
    expect(JSON.parse(policy.policy as string)).toEqual(
      exportBucketPolicy({ ...props, access: { mode: 'same-account', accountId: props.accountId } }),
    );
  });
});
