import { spawnSync } from 'child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'fs';
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

function writeConfig(config: unknown): string {
  const path = join(work, 'config.json');
  writeFileSync(path, JSON.stringify(config));
  return path;
}

describe('main.ts', () => {
  test('synthesizes the default example and prints each stack with its resource counts and outputs', () => {
    const r = runMain();
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/synthesized 1 stack from examples\/default\.json/);
    expect(r.stdout).toMatch(/cwl-siem-main {2}\(aws us-east-1, account 111122223333, backend local\): \d+ resources/);
    expect(r.stdout).toMatch(/^\s+1 {2}aws_kinesis_stream$/m);
    expect(r.stdout).toMatch(/outputs: region, account_id, export_bucket/);
    const tf = JSON.parse(readFileSync(join(r.outdir, 'stacks', 'cwl-siem-main', 'cdk.tf.json'), 'utf8'));
    expect(Object.keys(tf.resource)).toContain('aws_kinesis_firehose_delivery_stream');
  });

  test('a config with a bad account id exits 2, names the JSON path, and writes nothing', () => {
    const r = runMain(
      writeConfig({ stacks: [{ name: 'a', region: 'us-east-1', accountId: '123', kinesis: { streamName: 's', subscription: { logGroupNames: ['/a'] } } }] }),
    );
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/\$\.stacks\[0\]\.accountId: /);
    expect(existsSync(r.outdir)).toBe(false);
    expect(readdirSync(work).filter((f) => f.startsWith('.out-'))).toEqual([]);
  });

  test('a failure leaves the previous output as it was', () => {
    const first = runMain();
    expect(first.status).toBe(0);
    const before = readFileSync(join(first.outdir, 'stacks', 'cwl-siem-main', 'cdk.tf.json'), 'utf8');
    const r = runMain(
      writeConfig({
        stacks: [{ name: 'a', region: 'mars-1', accountId: '111122223333', kinesis: { streamName: 's', subscription: { logGroupNames: ['/a'] } } }],
      }),
    );
    expect(r.status).toBe(2);
    expect(readFileSync(join(r.outdir, 'stacks', 'cwl-siem-main', 'cdk.tf.json'), 'utf8')).toBe(before);
    expect(existsSync(join(r.outdir, 'stacks', 'a'))).toBe(false);
  });

  test('a collector role that trusts a whole account gets a note in the summary; the default example names a role and gets none', () => {
    const wide = runMain(join(root, 'examples', 'account-policy.json'));
    expect(wide.status).toBe(0);
    expect(wide.stdout).toContain(
      "note: role cwl-siem-kinesis-reader trusts the whole account 111122223333 (any of its principals whose own policy allows sts:AssumeRole on it); set kinesis.reader.trustedPrincipalArns to the collector's role",
    );
    const named = runMain();
    expect(named.status).toBe(0);
    expect(named.stdout).not.toContain('note:');
  });

  test('the cdktf CLI switches between configs: each synth leaves exactly the stacks of its config', () => {
    const outdir = join(work, 'cli-out');
    const synth = (config: string) =>
      spawnSync(process.execPath, [join(root, 'node_modules', 'cdktf-cli', 'bundle', 'bin', 'cdktf'), 'synth', '--output', outdir], {
        cwd: root,
        env: { ...process.env, CWL_SIEM_CONFIG: config, CHECKPOINT_DISABLE: '1' },
        encoding: 'utf8',
      });
    for (const [config, stacks] of [
      ['examples/default.json', ['cwl-siem-main']],
      ['examples/firehose-central.json', ['central', 'source']],
      ['examples/account-policy.json', ['account-policy']],
    ] as const) {
      const r = synth(config);
      expect({ config, status: r.status, lstat: /ENOENT/.test(r.stderr + r.stdout) }).toEqual({ config, status: 0, lstat: false });
      expect(readdirSync(join(outdir, 'stacks')).sort()).toEqual([...stacks]);
    }
  });

  test('a missing config file exits 2 and says which file', () => {
    mkdirSync(join(work, 'x'));
    const r = runMain(join(work, 'x', 'nope.json'));
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('nope.json');
  });
});
