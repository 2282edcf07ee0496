import { spawnSync } from 'child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join, resolve } from 'path';

const root = resolve(__dirname, '..');
let work: string;
beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), 'cwl-siem-main-'));
});
afterEach(() => rmSync(work, { recursive: true, force: true }));

/** Runs main.ts the way cdktf.json's app does. */
function runMain(config?: string) {
  const outdir = join(work, 'out');
  const env: NodeJS.ProcessEnv = { ...process.env, CDKTF_OUTDIR: outdir };
  if (config) env.CWL_SIEM_CONFIG = config;
  else delete env.CWL_SIEM_CONFIG;
  const r = spawnSync(process.execPath, ['--require', 'tsx/cjs', 'main.ts'], { cwd: root, env, encoding: 'utf8' });
  return { ...r, outdir };
}

describe('main.ts', () => {
  test('synthesizes the default example config into one stack', () => {
    const r = runMain();
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const tf = JSON.parse(readFileSync(join(r.outdir, 'stacks', 'cwl-siem-export', 'cdk.tf.json'), 'utf8'));
    const example = JSON.parse(readFileSync(join(root, 'examples', 'default.json'), 'utf8'));
    expect(Object.values(tf.resource.aws_s3_bucket)).toEqual([expect.objectContaining({ bucket: example.export.bucketName })]);
  });

  test('a config with a bad account id exits 2, names the problem and writes nothing', () => {
    const config = join(work, 'bad.json');
    writeFileSync(config, JSON.stringify({ partition: 'aws', region: 'us-east-1', accountId: '123', export: { bucketName: 'acme-exports', prefix: 'x' } }));
    const r = runMain(config);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/access\.accountId: got "123"; expected a 12-digit AWS account id/);
    expect(existsSync(join(r.outdir, 'stacks'))).toBe(false);
  });

  test('a missing config file exits 2 and says which file', () => {
    const r = runMain(join(work, 'nope.json'));
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('nope.json');
  });
});
