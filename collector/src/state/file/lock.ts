/**
 * One process per state file: an exclusive lock held for the life of the process that uses the
 * file, so a second collector (a second replica, a second `run` by mistake) on the same checkpoint
 * file refuses to start instead of reading everything again and delivering it twice. Replicas
 * that share the work use the DynamoDB state store (state/dynamodb/) instead.
 *
 * The lock is `<file>.lock`, created exclusively (`open(…, 'wx')`, mode 0600) and holding JSON
 * `{ pid, host, startedAt }`; the holder touches it every {@link REFRESH_MS} and removes it when it
 * closes. A lock left by a process that is gone is taken over (and the caller logs it):
 * - same host (os.hostname()): the pid no longer runs (or is a zombie); or the pid is this
 *   process's own while this process does not hold it (a container restarted with the same pid);
 * - another host (a shared volume): not touched for {@link STALE_MS}, since its pid cannot be checked.
 * A lock file that is not JSON yet is being written: tried again shortly, taken over once older than
 * {@link STALE_MS}. Taking over goes through `<file>.lock.takeover`, created exclusively, and
 * re-reads the lock first, so of two processes taking over the same stale lock one wins.
 */
import { promises as fsp, readFileSync } from 'fs';
import { hostname } from 'os';
import { ERROR_CODES } from '../../types';
import { PRIVATE_FILE_MODE } from '../../ops/private-files';

/** How often the holder touches its lock. */
export const REFRESH_MS = 10_000;
/** A lock of another host untouched this long is stale; so is an unreadable lock. */
export const STALE_MS = 60_000;

export interface LockHolder {
  readonly pid: number;
  readonly host: string;
  /** ISO time the holder took the lock. */
  readonly startedAt: string;
}

/** The state file is in use by another process. */
export class StateLockedError extends Error {
  readonly code = ERROR_CODES.checkpoint;
  constructor(
    /** The state file. */
    readonly file: string,
    readonly lockFile: string,
    readonly holder: LockHolder | undefined,
  ) {
    const who = holder ? `pid ${holder.pid} on ${holder.host} (since ${holder.startedAt})` : 'another process';
    super(
      `${file} is in use: its lock ${lockFile} is held by ${who}. Only one collector may use a state file at a time: ` +
        'a second one would read everything again and deliver it twice. Stop the other collector, or give this one its own state.dir; ' +
        'for several replicas sharing the work, use a "dynamodb" state (README: Running several replicas). ' +
        `If that process no longer runs, delete ${lockFile}.`,
    );
    this.name = 'StateLockedError';
  }
}

/** What the lock tells the caller to log. */
export interface LockEvents {
  /** A stale lock was taken over. */
  tookOver?(previous: LockHolder | undefined, why: string): void;
  /** Refreshing the lock failed (it was removed or the volume is gone); the lock is kept held. */
  refreshFailed?(error: Error): void;
}

/**
 * Lock files this process holds or is taking: a second open of the same file in one process is
 * refused too, also while the first is still writing the lock (it names this pid, and would
 * otherwise look left by an earlier process).
 */
const heldHere = new Set<string>();

/** A held lock; {@link release} it when the state file is closed. */
export class StateLock {
  private timer?: NodeJS.Timeout;
  private released = false;

  private constructor(
    readonly lockFile: string,
    readonly holder: LockHolder,
    private readonly events: LockEvents,
  ) {
    heldHere.add(lockFile);
    this.timer = setInterval(() => void this.refresh(), REFRESH_MS);
    this.timer.unref();
  }

  /** Takes the lock of `file` (at `<file>.lock`, whose folder must exist), or throws StateLockedError. */
  static async acquire(file: string, events: LockEvents = {}): Promise<StateLock> {
    const lockFile = `${file}.lock`;
    const holder: LockHolder = { pid: process.pid, host: hostname(), startedAt: new Date().toISOString() };
    if (heldHere.has(lockFile)) throw new StateLockedError(file, lockFile, (await readLock(lockFile))?.holder ?? holder);
    heldHere.add(lockFile);
    try {
      return await StateLock.take(file, lockFile, holder, events);
    } catch (e) {
      heldHere.delete(lockFile);
      throw e;
    }
  }

  private static async take(file: string, lockFile: string, holder: LockHolder, events: LockEvents): Promise<StateLock> {
    for (let attempt = 0; attempt < 20; attempt++) {
      if (await createExclusive(lockFile, `${JSON.stringify(holder)}\n`)) return new StateLock(lockFile, holder, events);
      const seen = await readLock(lockFile);
      if (!seen) continue; // removed meanwhile: create it
      const why = staleness(seen, holder);
      if (why === 'held') throw new StateLockedError(file, lockFile, seen.holder);
      if (why === 'being written') {
        await new Promise((r) => setTimeout(r, 50));
        continue;
      }
      if (await takeOver(lockFile, seen.text)) events.tookOver?.(seen.holder, why);
    }
    throw new StateLockedError(file, lockFile, (await readLock(lockFile))?.holder);
  }

  /** Removes the lock if it is still this process's. Idempotent. */
  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    clearInterval(this.timer);
    heldHere.delete(this.lockFile);
    const seen = await readLock(this.lockFile);
    if (seen?.holder?.pid === this.holder.pid && seen.holder.startedAt === this.holder.startedAt) await fsp.unlink(this.lockFile).catch(() => undefined);
  }

  private async refresh(): Promise<void> {
    const now = new Date();
    try {
      await fsp.utimes(this.lockFile, now, now);
    } catch (e) {
      this.events.refreshFailed?.(e as Error);
    }
  }
}

/** Creates the lock with its content; false when it exists. */
async function createExclusive(lockFile: string, text: string): Promise<boolean> {
  let handle: fsp.FileHandle;
  try {
    handle = await fsp.open(lockFile, 'wx', PRIVATE_FILE_MODE);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  }
  try {
    await handle.writeFile(text, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  return true;
}

interface SeenLock {
  readonly text: string;
  /** Undefined when the text is not a holder (being written, or damaged). */
  readonly holder: LockHolder | undefined;
  readonly mtimeMs: number;
}

async function readLock(lockFile: string): Promise<SeenLock | undefined> {
  try {
    const [text, st] = await Promise.all([fsp.readFile(lockFile, 'utf8'), fsp.stat(lockFile)]);
    return { text, holder: parseHolder(text), mtimeMs: st.mtimeMs };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

function parseHolder(text: string): LockHolder | undefined {
  try {
    const h = JSON.parse(text) as Partial<LockHolder>;
    return Number.isInteger(h.pid) && typeof h.host === 'string' && typeof h.startedAt === 'string' ? (h as LockHolder) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * 'held', 'being written', or why the lock is stale, as `taker` (this process, taking it) sees it.
 * Nothing else in this process holds it (acquire checked), so a lock naming this pid was left by
 * an earlier process with the same pid (pid 1 of a restarted container).
 */
function staleness(seen: SeenLock, taker: LockHolder): string {
  const age = Date.now() - seen.mtimeMs;
  const h = seen.holder;
  if (!h)
    return age > STALE_MS ? `the lock file is not a lock (${JSON.stringify(seen.text.slice(0, 80))}) and is ${Math.round(age / 1000)} s old` : 'being written';
  if (h.host !== hostname()) return age > STALE_MS ? `its holder on ${h.host} has not refreshed it for ${Math.round(age / 1000)} s` : 'held';
  if (h.pid === taker.pid) return `it names this process's pid ${h.pid}, left by an earlier process (a restarted container)`;
  return isRunning(h.pid) ? 'held' : `pid ${h.pid} no longer runs`;
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
  // A zombie (exited, not yet reaped by its parent) still answers signal 0.
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true;
  }
}

/** Removes the stale lock if it still reads `staleText`, under the takeover guard. True when removed. */
async function takeOver(lockFile: string, staleText: string): Promise<boolean> {
  const guard = `${lockFile}.takeover`;
  if (!(await createExclusive(guard, `${process.pid}\n`))) {
    // Another process is taking over; a guard left by a crash during takeover is removed after STALE_MS.
    const st = await fsp.stat(guard).catch(() => undefined);
    if (st && Date.now() - st.mtimeMs > STALE_MS) await fsp.unlink(guard).catch(() => undefined);
    else await new Promise((r) => setTimeout(r, 50));
    return false;
  }
  try {
    const now = await readLock(lockFile);
    if (now?.text !== staleText) return false;
    await fsp.unlink(lockFile);
    return true;
  } finally {
    await fsp.unlink(guard).catch(() => undefined);
  }
}
