/**
 * `npm run test:apply`: every example applied to a local AWS (moto_server), its paths delivering
 * log events to the real collector, and every stack destroyed. Prints a summary per stack and path;
 * exits 1 if anything failed, and fails with a message when moto_server is missing.
 *
 *   npm run test:apply                      # every example
 *   npm run test:apply -- kinesis default   # the examples whose file names start with these
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { useProviderMirrorFromEnv } from '../../scripts/terraform';
import { Aws } from './aws';
import { MOTO_MISSING, Moto, motoAvailable } from './moto';
import { exportPath, firehosePath } from './paths-objects';
import { Context, destinationStandInGroup, kinesisPath, PathResult, subscribedGroups, UNSUBSCRIBED_GROUP } from './paths';
import { apply, destroy, MotoStack, stateTables, synthesizeForMoto } from './stacks';

const EXAMPLES_DIR = resolve(__dirname, '..', '..', 'examples');
/** Examples applied at once, each on its own moto_server: most of an apply is waiting on the provider. */
const CONCURRENCY = Number(process.env.CWL_SIEM_APPLY_CONCURRENCY ?? 4);

interface StackResult {
  readonly stack: string;
  readonly account: string;
  applied?: string;
  destroyed?: string;
  leftOut?: string;
}

interface ExampleResult {
  readonly example: string;
  readonly stacks: StackResult[];
  readonly paths: PathResult[];
  readonly errors: string[];
  seconds: number;
}

const seconds = (since: number): string => `${((Date.now() - since) / 1000).toFixed(0)} s`;

async function runExample(file: string): Promise<ExampleResult> {
  const example = file.replace(/\.json$/, '');
  const result: ExampleResult = { example, stacks: [], paths: [], errors: [], seconds: 0 };
  const started = Date.now();
  const workDir = mkdtempSync(join(tmpdir(), `cwl-siem-apply-${example}-`));
  const moto = await Moto.start();
  const clients = new Map<string, Aws>();
  let applied: MotoStack[] = [];
  try {
    const { config, stacks } = await synthesizeForMoto(join(EXAMPLES_DIR, file), moto);
    const aws = async (s: { accountId: string; region: string }): Promise<Aws> => {
      const key = `${s.accountId}/${s.region}`;
      if (!clients.has(key)) clients.set(key, new Aws(moto.endpoint, s.region, await moto.account(s.accountId)));
      return clients.get(key)!;
    };
    for (const s of stacks) {
      result.stacks.push({
        stack: s.config.name,
        account: s.config.accountId,
        leftOut: Object.keys(s.leftOut).length
          ? Object.entries(s.leftOut)
              .map(([t, n]) => `${n} ${t}`)
              .join(', ')
          : undefined,
      });
      const a = await aws(s.config);
      for (const group of [...subscribedGroups(s.config), UNSUBSCRIBED_GROUP]) await a.createLogGroup(group);
      if (s.config.destination) await a.createLogGroup(destinationStandInGroup(s.config));
    }
    for (const s of stacks) {
      const t = Date.now();
      await apply(s);
      applied = [...applied, s];
      result.stacks.find((r) => r.stack === s.config.name)!.applied = `${s.resources} resources in ${seconds(t)}`;
      for (const { tableName, deletionProtection, pointInTimeRecovery } of stateTables(s.config)) {
        const table = await (await aws(s.config)).table(tableName);
        const want = { key: 'leaseKey HASH', sse: 'KMS', deletionProtection, pointInTimeRecovery };
        if (JSON.stringify(table) !== JSON.stringify(want))
          throw new Error(`${s.config.name}: state table ${tableName} is ${JSON.stringify(table)} after apply, expected ${JSON.stringify(want)}`);
      }
    }
    const ctx: Context = { example, config, stacks, moto, workDir, aws };
    for (const s of stacks) {
      const runs: [string, () => Promise<PathResult>][] = [];
      if (s.config.kinesis) runs.push(['kinesis', () => kinesisPath(ctx, s)]);
      if (s.config.central) runs.push(['firehose', () => firehosePath(ctx, s)]);
      if (s.config.export?.collector || s.config.exportSender) runs.push(['export', () => exportPath(ctx, s)]);
      for (const [path, go] of runs) {
        try {
          result.paths.push(await go());
        } catch (e) {
          result.errors.push(`${s.config.name} ${path}: ${(e as Error).message}`);
          result.paths.push({ path, stack: s.config.name, put: 0, arrived: 'FAILED', delivered: 0 });
        }
      }
    }
  } catch (e) {
    result.errors.push((e as Error).message);
  } finally {
    for (const s of [...applied].reverse()) {
      const t = Date.now();
      try {
        const a = clients.get(`${s.config.accountId}/${s.config.region}`)!;
        for (const bucket of [s.config.export?.bucketName, s.config.central?.bucketName]) {
          if (!bucket) continue;
          // moto applies the TLS-only deny to every request (no request context): lift it to empty the bucket.
          await a.deleteBucketPolicy(bucket).catch(() => undefined);
          await a.emptyBucket(bucket);
        }
        // Deletion protection holds off terraform destroy, on moto as on AWS: an operator lifts it first.
        for (const { tableName } of stateTables(s.config)) await a.liftDeletionProtection(tableName);
        await destroy(s);
        result.stacks.find((r) => r.stack === s.config.name)!.destroyed = seconds(t);
      } catch (e) {
        result.errors.push(`destroying ${s.config.name}: ${(e as Error).message}`);
      }
    }
    clients.forEach((c) => c.destroy());
    await moto.stop();
    if (result.errors.length === 0) rmSync(workDir, { recursive: true, force: true });
    else result.errors.push(`work folder kept: ${workDir}`);
    result.seconds = (Date.now() - started) / 1000;
  }
  return result;
}

async function pool<T, R>(items: readonly T[], n: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]);
      }
    }),
  );
  return out;
}

function summary(results: readonly ExampleResult[], totalSeconds: number): string {
  const lines: string[] = ['', 'cwl-siem apply tests (moto_server as AWS)', ''];
  for (const r of results) {
    lines.push(`${r.errors.length ? 'FAIL' : 'ok  '}  ${r.example}  (${r.seconds.toFixed(0)} s)`);
    for (const s of r.stacks) {
      lines.push(
        `      stack ${s.stack} (account ${s.account}): applied ${s.applied ?? 'NO'}; destroyed ${s.destroyed ?? 'NO'}${s.leftOut ? `; not on moto: ${s.leftOut}` : ''}`,
      );
    }
    for (const p of r.paths)
      lines.push(`      path ${p.path} (${p.stack}): put ${p.put}, arrived ${p.arrived}, collector delivered ${p.delivered}${p.note ? ` (${p.note})` : ''}`);
    for (const e of r.errors) lines.push(`      ERROR ${e.split('\n').join('\n            ')}`);
  }
  const failed = results.filter((r) => r.errors.length).length;
  lines.push('', `${results.length - failed} of ${results.length} examples passed in ${totalSeconds.toFixed(0)} s`);
  return lines.join('\n');
}

async function main(): Promise<number> {
  if (!motoAvailable()) {
    console.error(`test:apply: ${MOTO_MISSING}`);
    return 1;
  }
  useProviderMirrorFromEnv();
  const filters = process.argv.slice(2);
  const examples = readdirSync(EXAMPLES_DIR)
    .filter((f) => f.endsWith('.json'))
    .filter((f) => filters.length === 0 || filters.some((p) => f.startsWith(p)))
    .sort();
  if (examples.length === 0) {
    console.error(`test:apply: no example matches ${filters.join(' ')}`);
    return 1;
  }
  const started = Date.now();
  const results = await pool(examples, CONCURRENCY, (f) =>
    runExample(f).then((r) => {
      console.log(`${r.errors.length ? 'FAIL' : 'ok'} ${r.example} in ${r.seconds.toFixed(0)} s`);
      return r;
    }),
  );
  console.log(summary(results, (Date.now() - started) / 1000));
  return results.every((r) => r.errors.length === 0) ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(`test:apply: ${(e as Error).stack ?? e}`);
    process.exit(1);
  },
);
