import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { COLLECTOR_BIN, completeLines, startCollectorProcess } from '../../collector/test/support/ops';
import { waitFor } from './aws';
import { Credentials } from './moto';

/**
 * The real collector on what was applied: its config is written by `config from-terraform` from
 * `terraform output -json` (plus the endpoint overrides a local AWS needs, given as --set), and
 * `run` reads with the stack account's keys, assuming the role the stack created.
 */

export interface DeliveredEvent {
  readonly id: string;
  readonly message: string;
  readonly logGroup: string;
  readonly logStream: string;
  readonly owner: string;
}

function run(args: readonly string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [COLLECTOR_BIN, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    child.on('close', (code) => resolve({ code, out }));
  });
}

export interface CollectorRun {
  /** `config from-terraform` arguments besides --outputs, --sink, --path and --out. */
  readonly fromTerraform: readonly string[];
  /** Files of `terraform output -json`, the first as --outputs. */
  readonly outputFiles: readonly string[];
  readonly credentials: Credentials;
  readonly region: string;
  readonly motoEndpoint: string;
  readonly workDir: string;
  /**
   * The outputs name a state table for the mode (the config's state is that DynamoDB table, on moto);
   * otherwise the collector keeps its state in files under workDir.
   */
  readonly stateTable: boolean;
  /**
   * The config the applied stack hands its deployed collector (the task definition's): what it reads
   * (source and state) must be what `config from-terraform` reads from the outputs. @default no deployed collector
   */
  readonly deployed?: Record<string, unknown>;
  /** Messages that must arrive, each once. */
  readonly expected: readonly string[];
  readonly timeoutMs: number;
}

/** Writes the config, runs the collector until every expected message arrived (or the timeout), stops it with SIGTERM. */
export async function collect(r: CollectorRun): Promise<{ events: DeliveredEvent[]; config: unknown; exitCode: number | null }> {
  mkdirSync(r.workDir, { recursive: true });
  const sinkPath = join(r.workDir, 'events.ndjson');
  const configPath = join(r.workDir, 'collector.json');
  const [outputs, ...others] = r.outputFiles;
  const gen = await run(
    [
      'config',
      'from-terraform',
      '--outputs',
      outputs,
      ...others.flatMap((f) => ['--objects-from', f]),
      ...r.fromTerraform,
      '--sink',
      'file',
      '--path',
      sinkPath,
      '--set',
      r.stateTable ? `state.endpoint=${r.motoEndpoint}` : `state.dir=${join(r.workDir, 'state')}`,
      '--set',
      `deadLetter.path=${join(r.workDir, 'state', 'dead-letter.ndjson')}`,
      '--set',
      'ops.port=0',
      '--set',
      'ops.host=127.0.0.1',
      '--out',
      configPath,
      '--force',
    ],
    {},
  );
  if (gen.code !== 0) throw new Error(`config from-terraform exited ${gen.code}:\n${gen.out}`);
  const config = JSON.parse(readFileSync(configPath, 'utf8')) as { state?: { type?: string } };
  const stateType = config.state?.type ?? 'file';
  if (stateType !== (r.stateTable ? 'dynamodb' : 'file'))
    throw new Error(`config from-terraform wrote a ${stateType} state, expected ${r.stateTable ? "the stack's DynamoDB table" : 'files'}`);
  if (r.deployed) {
    const want = readsFrom(config as Record<string, unknown>);
    const got = readsFrom(r.deployed);
    if (JSON.stringify(got) !== JSON.stringify(want))
      throw new Error(`the deployed collector's config reads ${JSON.stringify(got)}, config from-terraform on the outputs reads ${JSON.stringify(want)}`);
  }
  const env = {
    AWS_ACCESS_KEY_ID: r.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: r.credentials.secretAccessKey,
    AWS_REGION: r.region,
    // assumeRole goes to STS: moto's, as every other service.
    AWS_ENDPOINT_URL_STS: r.motoEndpoint,
    AWS_EC2_METADATA_DISABLED: 'true',
  };
  const collector = startCollectorProcess(configPath, env);
  const read = (): DeliveredEvent[] => (existsSync(sinkPath) ? completeLines(readFileSync(sinkPath, 'utf8')).map((l) => JSON.parse(l) as DeliveredEvent) : []);
  try {
    await waitFor(`the collector to deliver ${r.expected.length} events`, r.timeoutMs, async () => {
      if (collector.child.exitCode !== null) throw new Error(`the collector exited ${collector.child.exitCode}:\n${collector.logs().slice(-4000)}`);
      const got = new Set(read().map((e) => e.message));
      return r.expected.every((m) => got.has(m)) ? true : undefined;
    }).catch((e: Error) => {
      throw new Error(`${e.message}\ncollector log (tail):\n${collector.logs().slice(-4000)}`);
    });
    // A little longer, so duplicates delivered late are seen too.
    await new Promise((res) => setTimeout(res, 1500));
  } finally {
    collector.child.kill('SIGTERM');
  }
  const exitCode = await collector.exited;
  writeFileSync(join(r.workDir, 'collector.log'), collector.logs());
  return { events: read(), config, exitCode };
}

/** What a collector config reads: its source's stream, queue or bucket, and its state table (not endpoints, roles or the test's tuning). */
function readsFrom(config: Record<string, unknown>): Record<string, unknown> {
  const pick = (o: unknown, keys: readonly string[]) =>
    Object.fromEntries(keys.filter((k) => (o as Record<string, unknown>)[k] !== undefined).map((k) => [k, (o as Record<string, unknown>)[k]]));
  const state = (config.state ?? { type: 'file' }) as Record<string, unknown>;
  const source = pick(config.source, ['type', 'region', 'streamName', 'queueUrl', 'bucket', 'prefix', 'objects']);
  // moto's GetQueueUrl (the queue_url output) answers with its own host, AWS with https://sqs.<region>.<domain>: the account and queue must match.
  if (typeof source.queueUrl === 'string') source.queueUrl = new URL(source.queueUrl).pathname;
  return {
    source,
    state: pick(state, ['type', 'table', 'region']),
  };
}
