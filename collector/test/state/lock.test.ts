import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'fs';
import { hostname, tmpdir } from 'os';
import { dirname, join } from 'path';
import { FileCheckpointStore } from '../../src/state/file/checkpoint-file';
import { STALE_MS, StateLock, StateLockedError } from '../../src/state/file/lock';
import { createStream, RunningKinesalite, startKinesalite, waitFor } from '../kinesis/kinesalite';
import { RunningCollector, startCollectorProcess } from '../support/ops';

/**
 * One collector per state file: a second process on the same checkpoint file refuses to start and
 * says who holds it; a lock left by a killed process is taken over. Real collector processes on
 * kinesalite for the whole story, the lock itself for the cases a process test cannot stage.
 */

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cwl-lock-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('two collector processes on one state directory', () => {
  const STREAM = 'cwl-lock';
  let kinesis: RunningKinesalite;
  const running: RunningCollector[] = [];
  beforeAll(async () => {
    kinesis = await startKinesalite();
    await createStream(kinesis.client(), STREAM, 1);
  });
  afterAll(async () => {
    running.forEach((r) => r.child.kill('SIGKILL'));
    await kinesis.close();
  });

  const start = (config: string): RunningCollector => {
    const r = startCollectorProcess(config, { AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'x', AWS_REGION: 'us-east-1' });
    running.push(r);
    return r;
  };
  /** Resolves once the process logged "collector started" or exited, saying which. */
  const outcome = async (r: RunningCollector): Promise<{ started: true } | { exit: number | null }> => {
    await waitFor('collector started or exited', 30000, () => r.logs().includes('"collector started"') || r.child.exitCode !== null);
    if (r.logs().includes('"collector started"')) return { started: true };
    const exit = await r.exited;
    await waitFor('its output read', 5000, () => r.child.stdout!.readableEnded && r.child.stderr!.readableEnded);
    return { exit };
  };

  test('the second exits 1 naming the lock, its holder and the lease store; after the first is SIGKILLed a new one takes the stale lock over', async () => {
    const state = join(dir, 'state', 'checkpoints.json');
    const config = join(dir, 'collector.json');
    writeFileSync(
      config,
      JSON.stringify({
        source: { type: 'kinesis', streamName: STREAM, region: 'us-east-1', endpoint: `http://127.0.0.1:${kinesis.port}`, pollIntervalMs: 200 },
        state: { type: 'file', dir: dirname(state) },
        deadLetter: { path: join(dir, 'state', 'dead-letter.ndjson') },
        sink: { type: 'file', path: join(dir, 'out', 'events.ndjson') },
        ops: { host: '127.0.0.1', port: 0 },
      }),
    );
    const first = start(config);
    expect(await outcome(first)).toEqual({ started: true });

    const second = start(config);
    // Without the lock the second one starts too, and reads the stream again.
    expect(await outcome(second)).toEqual({ exit: 1 });
    expect(JSON.parse(readFileSync(`${state}.lock`, 'utf8'))).toMatchObject({ pid: first.child.pid, host: hostname() });
    const logs = second.logs();
    expect(logs).toContain(`${state} is in use: its lock ${state}.lock is held by pid ${first.child.pid} on ${hostname()}`);
    expect(logs).toContain('use a \\"dynamodb\\" state');
    expect(logs).toContain('"code":"CWL_COLLECTOR_CHECKPOINT"');
    expect(logs).not.toContain('"collector started"');

    first.child.kill('SIGKILL');
    await first.exited;
    const third = start(config);
    expect(await outcome(third)).toEqual({ started: true });
    expect(third.logs()).toMatch(new RegExp(`"why":"pid ${first.child.pid} no longer runs".*"msg":"took over the stale lock of the state folder"`));
    expect(JSON.parse(readFileSync(`${state}.lock`, 'utf8'))).toMatchObject({ pid: third.child.pid });
    third.child.kill('SIGTERM');
    expect(await third.exited).toBe(0);
    expect(existsSync(`${state}.lock`)).toBe(false);
  }, 120000);
});

describe('StateLock', () => {
  const file = () => join(dir, 'checkpoints.json');
  const writeLock = (holder: unknown, ageMs = 0) => {
    writeFileSync(`${file()}.lock`, typeof holder === 'string' ? holder : JSON.stringify(holder));
    const t = new Date(Date.now() - ageMs);
    utimesSync(`${file()}.lock`, t, t);
  };

  test('a second open of the same file in one process is refused; after close it opens', async () => {
    const a = new FileCheckpointStore(file());
    await a.open();
    const b = new FileCheckpointStore(file());
    await expect(b.open()).rejects.toBeInstanceOf(StateLockedError);
    await a.close();
    await b.open();
    await b.close();
    expect(existsSync(`${file()}.lock`)).toBe(false);
  });

  test('two opens of one file started together in one process: exactly one takes the lock (the second does not mistake the first for an earlier process)', async () => {
    const results = await Promise.allSettled([StateLock.acquire(file()), StateLock.acquire(file())]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    const refused = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(refused.reason).toBeInstanceOf(StateLockedError);
    await (results.find((r) => r.status === 'fulfilled') as PromiseFulfilledResult<StateLock>).value.release();
    expect(existsSync(`${file()}.lock`)).toBe(false);
  });

  test("a lock naming this process's pid that this process does not hold is an earlier incarnation's (a restarted container): taken over", async () => {
    writeLock({ pid: process.pid, host: hostname(), startedAt: '2026-01-01T00:00:00.000Z' });
    const why: string[] = [];
    const lock = await StateLock.acquire(file(), { tookOver: (_, w) => why.push(w) });
    expect(why).toEqual([`it names this process's pid ${process.pid}, left by an earlier process (a restarted container)`]);
    await lock.release();
  });

  test('a lock of another host is held while it is refreshed, and stale once it is not', async () => {
    writeLock({ pid: 1, host: 'elsewhere', startedAt: '2026-01-01T00:00:00.000Z' }, 1000);
    await expect(StateLock.acquire(file())).rejects.toThrow(/is held by pid 1 on elsewhere \(since 2026-01-01T00:00:00\.000Z\)/);
    writeLock({ pid: 1, host: 'elsewhere', startedAt: '2026-01-01T00:00:00.000Z' }, STALE_MS + 5000);
    const why: string[] = [];
    const lock = await StateLock.acquire(file(), { tookOver: (_, w) => why.push(w) });
    expect(why[0]).toMatch(/^its holder on elsewhere has not refreshed it for \d+ s$/);
    await lock.release();
  });

  test('a damaged lock file is taken over only once it is old (a young one may be being written)', async () => {
    writeLock('', 0);
    await expect(StateLock.acquire(file())).rejects.toThrow(/is held by another process/);
    writeLock('garbage', STALE_MS + 5000);
    const lock = await StateLock.acquire(file());
    expect(JSON.parse(readFileSync(`${file()}.lock`, 'utf8'))).toMatchObject({ pid: process.pid });
    await lock.release();
  });

  test('release leaves a lock that is no longer its own alone', async () => {
    mkdirSync(dir, { recursive: true });
    const lock = await StateLock.acquire(file());
    writeLock({ pid: 4242, host: 'other', startedAt: 'x' });
    await lock.release();
    expect(existsSync(`${file()}.lock`)).toBe(true);
  });
});
