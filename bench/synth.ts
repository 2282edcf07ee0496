/**
 * `npm run bench:synth`: a config with 1,000 explicit log groups on the Kinesis path and 1,000 on
 * the Firehose path (plus the central bucket they deliver to), synthesized by main.ts in its own
 * process, then `terraform init` + `terraform validate` on the result. Prints wall time and peak
 * memory (max RSS) of each step. Figures only; nothing is asserted.
 */
import { spawnSync } from 'child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join, resolve } from 'path';
import { useProviderMirrorFromEnv } from '../scripts/terraform';

useProviderMirrorFromEnv();
const GROUPS = Number(process.env.BENCH_LOG_GROUPS ?? 1000);
const root = resolve(__dirname, '..');
const work = mkdtempSync(join(tmpdir(), 'cwl-siem-bench-synth-'));
const account = '111122223333';
const groups = (path: string) => Array.from({ length: GROUPS }, (_, i) => `/bench/${path}/service-${String(i).padStart(4, '0')}`);

const config = {
  namePrefix: 'bench',
  stacks: [
    {
      name: 'bench',
      region: 'us-east-1',
      accountId: account,
      kinesis: { streamName: 'bench-logs', subscription: { logGroupNames: groups('kinesis') } },
      central: { bucketName: `bench-central-${account}`, organizationId: 'o-a1b2c3d4e5' },
      firehose: {
        deliveryStreamName: 'bench-central',
        destination: { bucketName: `bench-central-${account}` },
        subscription: { logGroupNames: groups('firehose') },
      },
    },
  ],
};
const configPath = join(work, 'config.json');
writeFileSync(configPath, JSON.stringify(config));
const outdir = join(work, 'out');

/** Runs a command under /usr/bin/time when it exists, for the child's peak memory. */
function measure(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}, cwd = root): { seconds: number; maxRssMiB?: number } {
  const gnuTime = existsSync('/usr/bin/time');
  const timeFile = join(work, 'time.txt');
  const t0 = process.hrtime.bigint();
  const r = gnuTime
    ? spawnSync('/usr/bin/time', ['-f', '%M', '-o', timeFile, cmd, ...args], {
        cwd,
        env: { ...process.env, ...env },
        encoding: 'utf8',
        maxBuffer: 256 * 1024 * 1024,
      })
    : spawnSync(cmd, args, { cwd, env: { ...process.env, ...env }, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed:\n${r.stdout}\n${r.stderr}`);
  const maxRssMiB = gnuTime ? Number(readFileSync(timeFile, 'utf8').trim().split('\n').pop()) / 1024 : undefined;
  return { seconds, maxRssMiB };
}

const fmt = (m: { seconds: number; maxRssMiB?: number }) =>
  `${m.seconds.toFixed(2).padStart(7)} s   peak ${m.maxRssMiB === undefined ? 'n/a' : `${m.maxRssMiB.toFixed(0)} MiB`}`;

try {
  console.log(`bench:synth  ${GROUPS} log groups on Kinesis + ${GROUPS} on Firehose, one stack`);
  const synth = measure(process.execPath, ['--require', 'tsx/cjs', 'main.ts'], { CWL_SIEM_CONFIG: configPath, CDKTF_OUTDIR: outdir });
  const tf = JSON.parse(readFileSync(join(outdir, 'stacks', 'bench', 'cdk.tf.json'), 'utf8')) as { resource: Record<string, object> };
  const resources = Object.values(tf.resource).reduce((n, byId) => n + Object.keys(byId).length, 0);
  console.log(`  synth (main.ts, whole process)   ${fmt(synth)}   ${resources} resources`);
  const stackDir = join(outdir, 'stacks', 'bench');
  const init = measure('terraform', [`-chdir=${stackDir}`, 'init', '-backend=false', '-input=false', '-no-color'], { CHECKPOINT_DISABLE: '1' });
  console.log(`  terraform init -backend=false    ${fmt(init)}`);
  const validate = measure('terraform', [`-chdir=${stackDir}`, 'validate', '-no-color'], { CHECKPOINT_DISABLE: '1' });
  console.log(`  terraform validate               ${fmt(validate)}`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
