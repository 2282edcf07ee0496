/**
 * Benchmarks: prints figures, asserts nothing. Run with `npm run bench`.
 * - policies: render + validate each IAM document (the work every synth does per policy)
 * - synth: building and synthesizing the default example in-process
 * - app: `main.ts` as cdktf runs it (process start to exit), the figure behind cdktf.json's choice
 */
import { spawnSync } from 'child_process';
import { mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join, resolve } from 'path';
import { App } from 'cdktf';
import { loadConfig } from '../config/load';
import { addStacks } from '../modules/stacks/app';
import * as p from '../policies';

const A = '111111111111';
const B = '222222222222';
const base = { partition: 'aws' as const, region: 'us-east-1' };
const org = 'o-a1b2c3d4e5';
const key = `arn:aws:kms:us-east-1:${A}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;

const documents: Record<string, () => p.PolicyDocument> = {
  'export bucket (cross-account role)': () =>
    p.exportBucketPolicy({
      ...base,
      bucketName: 'acme-cwl-exports',
      prefix: 'exports',
      access: { mode: 'cross-account-role', sendingAccountId: B, roleName: 'cwl-exporter' },
    }),
  'export collector': () => p.exportCollectorPolicy({ ...base, accountId: A, bucketName: 'acme-cwl-exports', prefix: 'exports' }),
  'logs trust': () => p.cloudWatchLogsTrustPolicy({ ...base, sourceAccountIds: [A, B] }),
  'logs -> kinesis': () => p.logsToKinesisPolicy({ ...base, accountId: A, streamName: 'cwl', roleName: 'cwl-to-kinesis', kmsKeyArn: key }),
  'kinesis reader': () => p.kinesisReaderPolicy({ ...base, accountId: A, streamName: 'cwl', kmsKeyArn: key }),
  'logs -> firehose': () => p.logsToFirehosePolicy({ ...base, accountId: A, deliveryStreamName: 'cwl' }),
  'firehose delivery role': () =>
    p.firehoseDeliveryRolePolicy({
      ...base,
      accountId: A,
      bucketName: 'acme-central',
      prefix: 'cwl',
      errorOutputPrefix: 'errors',
      kmsKeyArn: key,
      errorLogGroupName: '/fh',
      errorLogStreamName: 'S3Delivery',
    }),
  'central bucket': () => p.centralBucketPolicy({ ...base, bucketName: 'acme-central', prefix: 'cwl', organizationId: org }),
  'notification queue': () => p.notificationQueuePolicy({ ...base, accountId: A, queueName: 'cwl-objects', bucketName: 'acme-central' }),
  'siem reader': () => p.siemReaderPolicy({ ...base, accountId: A, queueName: 'cwl-objects', bucketName: 'acme-central', prefix: 'cwl', kmsKeyArn: key }),
  'central key': () => p.centralKeyPolicy({ ...base, accountId: A, organizationId: org, bucketName: 'acme-central', prefix: 'cwl' }),
  'log destination': () => p.logDestinationPolicy({ ...base, accountId: A, destinationName: 'cwl', senderAccountIds: [B], organizationId: org }),
};

function time(fn: () => void, minMs = 300): { perOpUs: number; ops: number } {
  fn(); // warm-up
  let ops = 0;
  const start = process.hrtime.bigint();
  let elapsed = 0;
  while (elapsed < minMs) {
    fn();
    ops++;
    elapsed = Number(process.hrtime.bigint() - start) / 1e6;
  }
  return { perOpUs: (elapsed * 1000) / ops, ops };
}

const pad = (s: string, n: number) => s.padEnd(n);
console.log('policies: render + validate (µs per document)');
for (const [name, fn] of Object.entries(documents)) {
  const { perOpUs } = time(() => p.renderPolicy(fn()));
  console.log(`  ${pad(name, 36)} ${perOpUs.toFixed(1).padStart(8)} µs   ${p.renderPolicy(fn()).length} chars`);
}

const outdir = mkdtempSync(join(tmpdir(), 'cwl-siem-bench-'));
const defaultConfig = loadConfig(resolve(__dirname, '..', 'examples', 'default.json'));
const synth = time(() => {
  const app = new App({ outdir });
  addStacks(app, defaultConfig);
  app.synth();
}, 2000);
rmSync(outdir, { recursive: true, force: true });
console.log(`synth: default example in-process         ${(synth.perOpUs / 1000).toFixed(1).padStart(8)} ms   (${synth.ops} runs)`);

const root = resolve(__dirname, '..');
const runs: number[] = [];
for (let i = 0; i < 5; i++) {
  const out = mkdtempSync(join(tmpdir(), 'cwl-siem-bench-'));
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, ['--require', 'tsx/cjs', 'main.ts'], { cwd: root, env: { ...process.env, CDKTF_OUTDIR: out } });
  runs.push(Number(process.hrtime.bigint() - t0) / 1e6);
  rmSync(out, { recursive: true, force: true });
  if (r.status !== 0) throw new Error(`main.ts failed: ${r.stderr}`);
}
runs.sort((a, b) => a - b);
console.log(
  `app: node --require tsx/cjs main.ts       ${runs[2].toFixed(0).padStart(8)} ms   (median of 5; min ${runs[0].toFixed(0)}, max ${runs[4].toFixed(0)})`,
);
