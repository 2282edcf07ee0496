import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { completeLines, COLLECTOR_BIN } from '../support/ops';
import { createStream, hashKeyIn, listShards, putRecords, PutRecord, RunningKinesalite, startKinesalite, waitFor } from '../kinesis/kinesalite';

/**
 * `cwl-siem-collector run` as a process against kinesalite with a file sink: started through npx,
 * a SIGTERM to npx reaches the collector (it drains, checkpoints and exits, no orphan left); its
 * standard error carries JSON log lines only, the process's warnings (the AWS SDK's Node version
 * notice on Node 20) among them.
 */

const STREAM = 'cwl-run-process';
const root = resolve(__dirname, '..', '..', '..');
const AWS_ENV = { AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'x', AWS_REGION: 'us-east-1' };

let kinesis: RunningKinesalite;
let puts: PutRecord[];
let dir: string;
const started: ChildProcess[] = [];
/** Collector processes found under npx: killed at the end if a test left one behind. */
const collectors: number[] = [];

beforeAll(async () => {
  kinesis = await startKinesalite();
  await createStream(kinesis.client(), STREAM, 1);
  const [shard] = await listShards(kinesis.client(), STREAM);
  puts = await putRecords(kinesis.client(), STREAM, [hashKeyIn(shard)], 5, 'run');
});
afterAll(async () => {
  for (const c of started) if (c.exitCode === null) c.kill('SIGKILL');
  for (const pid of collectors) if (alive(pid)) process.kill(pid, 'SIGKILL');
  await kinesis.close();
});
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cwl-run-process-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function writeConfig(): string {
  const path = join(dir, 'collector.json');
  writeFileSync(
    path,
    JSON.stringify({
      source: {
        type: 'kinesis',
        streamName: STREAM,
        region: 'us-east-1',
        endpoint: `http://127.0.0.1:${kinesis.port}`,
        startPosition: 'TRIM_HORIZON',
        pollIntervalMs: 200,
      },
      state: { type: 'file', dir: join(dir, 'state') },
      deadLetter: { path: join(dir, 'state', 'dead-letter.ndjson') },
      sink: { type: 'file', path: join(dir, 'out', 'events.ndjson') },
      ops: { host: '127.0.0.1', port: 0 },
      logLevel: 'info',
    }),
  );
  return path;
}

interface Started {
  readonly child: ChildProcess;
  readonly stdout: () => string;
  readonly stderr: () => string;
  readonly exited: Promise<number | null>;
}

function start(command: string, args: string[]): Started {
  const child = spawn(command, args, { cwd: root, env: { ...process.env, ...AWS_ENV }, stdio: ['ignore', 'pipe', 'pipe'] });
  started.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return { child, stdout: () => stdout, stderr: () => stderr, exited };
}

/** Every event id in the file sink's output. */
function deliveredIds(): Set<string> {
  const out = join(dir, 'out');
  if (!existsSync(out)) return new Set();
  return new Set(
    readdirSync(out)
      .flatMap((f) => completeLines(readFileSync(join(out, f), 'utf8')))
      .map((l) => (JSON.parse(l) as { id: string }).id),
  );
}
const allDelivered = () => {
  const have = deliveredIds();
  return puts.every((p) => have.has(p.id));
};

/** A process that exists and is not a zombie. */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/** The descendants of `pid` (Linux /proc), with their command lines. */
function descendants(pid: number): { pid: number; cmdline: string }[] {
  const parents = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // gone meanwhile
    }
  }
  const found: { pid: number; cmdline: string }[] = [];
  const walk = (p: number) => {
    for (const [child, parent] of parents) {
      if (parent !== p) continue;
      let cmdline: string;
      try {
        cmdline = readFileSync(`/proc/${child}/cmdline`, 'utf8').split('\0').join(' ');
      } catch {
        continue;
      }
      found.push({ pid: child, cmdline });
      walk(child);
    }
  };
  walk(pid);
  return found;
}

const lastSequenceNumber = () => puts[puts.length - 1].sequenceNumber;
const checkpoints = () => JSON.parse(readFileSync(join(dir, 'state', 'checkpoints.json'), 'utf8')) as Record<string, string>;

describe('cwl-siem-collector run, a process', () => {
  test('started with npx, a SIGTERM to npx reaches the collector: it drains, checkpoints and exits, leaving no orphan', async () => {
    const npx = start('npx', ['cwl-siem-collector', 'run', '--config', writeConfig()]);
    await waitFor('every record delivered', 45000, allDelivered);
    let collector: number | undefined;
    await waitFor('the collector process under npx', 10000, () => {
      collector = descendants(npx.child.pid!).find((p) => /^\S*node\S* .*cwl-siem-collector\S* run --config /.test(p.cmdline))?.pid;
      return collector !== undefined;
    });
    collectors.push(collector!);

    npx.child.kill('SIGTERM');
    await npx.exited;
    await waitFor(`collector ${collector} to exit after SIGTERM to npx`, 20000, () => !alive(collector!));

    expect(npx.stderr()).toMatch(/"msg":"shutting down: stop reading, deliver in-flight batches, checkpoint"/);
    expect(npx.stderr()).toMatch(/"code":0,"msg":"collector stopped"/);
    expect(checkpoints()).toEqual({ [`kinesis/${STREAM}/${puts[0].shard}`]: lastSequenceNumber() });
  });

  test('standard error holds JSON log lines only: process warnings (the AWS SDK Node version notice on Node 20) are log lines too', async () => {
    const run = start(process.execPath, [COLLECTOR_BIN, 'run', '--config', writeConfig()]);
    await waitFor('every record delivered', 45000, allDelivered);
    await waitFor(
      'checkpoint of the last record',
      10000,
      () => existsSync(join(dir, 'state', 'checkpoints.json')) && Object.values(checkpoints())[0] === lastSequenceNumber(),
    );
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);

    const lines = run
      .stderr()
      .split('\n')
      .filter((l) => l !== '');
    const notJson = lines.filter((l) => {
      try {
        return typeof JSON.parse(l) !== 'object';
      } catch {
        return true;
      }
    });
    expect(notJson).toEqual([]);
    expect(run.stdout()).toBe('');
    if (Number(process.versions.node.split('.')[0]) < 22) {
      const warnings = lines.map((l) => JSON.parse(l) as { level: number; msg: string; warning?: { name: string } }).filter((l) => l.warning);
      expect(warnings).toEqual([
        expect.objectContaining({ level: 40, warning: { name: 'Warning' }, msg: expect.stringMatching(/^NodeVersionSupportWarning: /) }),
      ]);
    }
  });
});
