import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { COLLECTOR_CONFIG_ENV } from '../../src/commands/conventions';
import { createStream, hashKeyIn, listShards, putRecords, PutRecord, RunningKinesalite, startKinesalite, waitFor } from '../kinesis/kinesalite';
import { COLLECTOR_BIN, completeLines } from '../support/ops';

/**
 * `cwl-siem-collector run` with no --config, as the toolkit's ECS task starts it: the whole config is
 * the JSON in CWL_SIEM_COLLECTOR_CONFIG and the secrets are other variables it refers to as ${NAME}.
 * A real process against kinesalite with a file sink; a bad config in the variable exits 2 naming
 * the variable, without showing a secret; --config given as well wins, with a warning log line.
 */

const STREAM = 'cwl-run-env';
const AWS_ENV = { AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'x', AWS_REGION: 'us-east-1' };

let kinesis: RunningKinesalite;
let puts: PutRecord[];
let dir: string;
const started: ChildProcess[] = [];

beforeAll(async () => {
  kinesis = await startKinesalite();
  await createStream(kinesis.client(), STREAM, 1);
  const [shard] = await listShards(kinesis.client(), STREAM);
  puts = await putRecords(kinesis.client(), STREAM, [hashKeyIn(shard)], 4, 'env');
});
afterAll(async () => {
  for (const c of started) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await kinesis.close();
});
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cwl-run-env-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A kinesis → file config for this test's folder; `stream` and the sink path as given (references allowed). */
function config(stream: string, sinkPath: string): object {
  return {
    source: {
      type: 'kinesis',
      streamName: stream,
      region: 'us-east-1',
      endpoint: `http://127.0.0.1:${kinesis.port}`,
      startPosition: 'TRIM_HORIZON',
      pollIntervalMs: 200,
    },
    state: { type: 'file', dir: join(dir, 'state') },
    deadLetter: { path: join(dir, 'state', 'dead-letter.ndjson') },
    sink: { type: 'file', path: sinkPath },
    ops: { host: '127.0.0.1', port: 0 },
  };
}

interface Run {
  readonly child: ChildProcess;
  readonly stdout: () => string;
  readonly stderr: () => string;
  readonly exited: Promise<number | null>;
}

function run(args: string[], env: Record<string, string>): Run {
  // This process's own environment less the variable: each test says whether it is set.
  const { [COLLECTOR_CONFIG_ENV]: _ignored, ...inherited } = process.env;
  const child = spawn(process.execPath, [COLLECTOR_BIN, 'run', ...args], { env: { ...inherited, ...AWS_ENV, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  started.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return { child, stdout: () => stdout, stderr: () => stderr, exited };
}

/** The JSON log lines of a run's standard error. */
const logLines = (r: Run) =>
  r
    .stderr()
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as { level: number; msg: string; [k: string]: unknown });

function deliveredIds(out: string): Set<string> {
  if (!existsSync(out)) return new Set();
  return new Set(
    readdirSync(out)
      .flatMap((f) => completeLines(readFileSync(join(out, f), 'utf8')))
      .map((l) => (JSON.parse(l) as { id: string }).id),
  );
}

describe('cwl-siem-collector run with the config in CWL_SIEM_COLLECTOR_CONFIG', () => {
  test('without --config it runs the config in the variable, its ${NAME} references resolved from the environment, and drains on SIGTERM', async () => {
    const out = join(dir, 'out');
    const r = run([], { [COLLECTOR_CONFIG_ENV]: JSON.stringify(config('${STREAM_NAME}', '${OUT_DIR}/events.ndjson')), STREAM_NAME: STREAM, OUT_DIR: out });
    await waitFor('every record delivered', 45000, () => {
      const have = deliveredIds(out);
      return puts.every((p) => have.has(p.id));
    });
    await waitFor('the checkpoint of the last record', 10000, () => {
      const file = join(dir, 'state', 'checkpoints.json');
      return existsSync(file) && Object.values(JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>)[0] === puts[puts.length - 1].sequenceNumber;
    });
    r.child.kill('SIGTERM');
    expect(await r.exited).toBe(0);
    const lines = logLines(r);
    expect(lines).toContainEqual(expect.objectContaining({ level: 30, msg: 'config loaded', config: '$CWL_SIEM_COLLECTOR_CONFIG' }));
    expect(lines).toContainEqual(expect.objectContaining({ msg: 'collector started', source: expect.objectContaining({ stream: STREAM }) }));
    expect(lines.filter((l) => l.level >= 40 && !String(l.msg).startsWith('NodeVersionSupportWarning'))).toEqual([]);
    expect(r.stdout()).toBe('');
  });

  test('a bad config in the variable exits 2 before starting, naming $CWL_SIEM_COLLECTOR_CONFIG and the JSON path, and never shows the secret it refers to', async () => {
    const password = 'pa55w0rd-7d1e';
    const bad = { ...config(STREAM, join(dir, 'out', 'events.ndjson')), sink: { type: 'http', url: '${SIEM_URL}' } };
    const r = run([], { [COLLECTOR_CONFIG_ENV]: JSON.stringify(bad), SIEM_URL: `http://ingest:${password}@siem.example/ingest` });
    expect(await r.exited).toBe(2);
    expect(r.stderr()).toMatch(
      /^\$CWL_SIEM_COLLECTOR_CONFIG: 1 problem in the config:\n {2}- \$\.sink\.url: sends credentials \(the URL's user and password\) over plain http:\/\//,
    );
    expect(r.stderr()).not.toContain(password);
    expect(r.stdout()).toBe('');
    expect(existsSync(join(dir, 'state'))).toBe(false);
  });

  test('--config given as well wins: the file runs, and a warning log line says the variable is ignored', async () => {
    const file = join(dir, 'collector.json');
    writeFileSync(file, JSON.stringify(config(STREAM, join(dir, 'out', 'events.ndjson'))));
    const r = run(['--config', file], { [COLLECTOR_CONFIG_ENV]: '{"source": "not this one"}' });
    await waitFor('the collector started', 20000, () => r.stderr().includes('"msg":"collector started"'));
    r.child.kill('SIGTERM');
    expect(await r.exited).toBe(0);
    const lines = logLines(r);
    expect(lines).toContainEqual(
      expect.objectContaining({
        level: 40,
        config: file,
        ignored: 'CWL_SIEM_COLLECTOR_CONFIG',
        msg: '--config given: the environment variable CWL_SIEM_COLLECTOR_CONFIG is ignored',
      }),
    );
    expect(lines).toContainEqual(expect.objectContaining({ msg: 'config loaded', config: file }));
  });

  test('neither --config nor the variable exits 2 with a usage error naming both', async () => {
    const r = run([], {});
    expect(await r.exited).toBe(2);
    expect(r.stderr()).toMatch(
      /^cwl-siem-collector: run needs --config FILE or the environment variable CWL_SIEM_COLLECTOR_CONFIG \(the config's JSON\)\n\nUsage: /,
    );
  });
});
