/**
 * The file store's export state (state/export.ts), for one process per state folder:
 *
 * - Progress in the collector's checkpoint file, under the keys and JSON values of
 *   sources/export/state.ts (the format of every earlier version). A `scope` (a backfill's) keeps the
 *   same keys under `export/scope/<scope>/` instead of `export/`.
 * - Pause entries in the control file, export-control.json in the state folder:
 *
 *     { "paused": { "<log group name or * pattern>": { "since": "<ISO time>", "reason": "…" } } }
 *
 *   The `export pause|resume` commands change it under its lock (`<file>.lock`, the state lock of
 *   lock.ts), writing a temporary file that replaces it, so a reader never sees half a
 *   file; a running collector re-reads it whenever its size, mtime or inode changed. A scoped store
 *   has no pause entries: the collector's pauses do not apply to a backfill.
 * - The leader lease is always this process's: the folder's lock already allows one process.
 */
import { promises as fsp, readFileSync, statSync } from 'fs';
import { hostname } from 'os';
import * as path from 'path';
import { LockEvents, StateLock, StateLockedError } from './lock';
import { writeFileAtomic } from '../../ops/atomic-file';
import { abortableSleep, backoffDelayMs } from '../../ops/backoff';
import type { Logger } from '../../ops/log';
import type { CollectorMetrics } from '../../ops/metrics';
import { EMPTY_CONTROL, ExportControl, PauseEntry } from '../../sources/export/control';
import {
  compactGroup,
  DISCOVERY_KEY,
  DiscoveryState,
  GROUP_KEY_PREFIX,
  GroupState,
  parseDiscovery,
  parseGroups,
  parseTask,
  TASK_KEY,
  TaskState,
} from '../../sources/export/state';
import { CheckpointStore, ERROR_CODES } from '../../types';
import type { ExportStore, Leadership } from '../export';
import { StateStoreError } from '../store';

export interface FileExportStoreOptions {
  /** The collector's checkpoint file. */
  readonly checkpoints: CheckpointStore;
  /** The pause file (export-control.json in the state folder). */
  readonly controlFile: string;
  /** A namespace of its own (a backfill's id). @default the collector's */
  readonly scope?: string;
  readonly logger: Logger;
  readonly metrics: CollectorMetrics;
}

/** The pause file is not the documented shape, or cannot be read or locked. */
export class ExportControlError extends Error {
  readonly code = ERROR_CODES.config;
  constructor(
    message: string,
    readonly file: string,
  ) {
    super(`${file}: ${message}`);
    this.name = 'ExportControlError';
  }
}

export class FileExportStore implements ExportStore {
  readonly leadership: Leadership;
  private readonly prefix: string;
  private readonly watcher?: ControlWatcher;

  constructor(private readonly o: FileExportStoreOptions) {
    this.prefix = o.scope === undefined ? 'export/' : `export/scope/${o.scope}/`;
    this.leadership = new ProcessLeadership(o.metrics);
    if (o.scope === undefined) this.watcher = new ControlWatcher(o.controlFile);
  }

  get controlError(): Error | undefined {
    return this.watcher?.error;
  }

  async groups(): Promise<Map<string, GroupState>> {
    return parseGroups(await this.o.checkpoints.loadAll(), this.key(GROUP_KEY_PREFIX));
  }

  async saveGroup(name: string, state: GroupState): Promise<void> {
    await this.o.checkpoints.save(this.key(GROUP_KEY_PREFIX) + name, JSON.stringify(compactGroup(state)));
  }

  async task(): Promise<TaskState | undefined> {
    const key = this.key(TASK_KEY);
    return parseTask(await this.o.checkpoints.load(key), key);
  }

  async saveTask(task: TaskState | undefined): Promise<void> {
    await this.o.checkpoints.save(this.key(TASK_KEY), task ? JSON.stringify(task) : '');
  }

  async discovery(): Promise<DiscoveryState | undefined> {
    return parseDiscovery(await this.o.checkpoints.load(this.key(DISCOVERY_KEY)));
  }

  async saveDiscovery(d: DiscoveryState): Promise<void> {
    await this.o.checkpoints.save(this.key(DISCOVERY_KEY), JSON.stringify(d));
  }

  async control(): Promise<ExportControl> {
    return this.watcher?.current() ?? EMPTY_CONTROL;
  }

  async updateControl(change: (c: ExportControl) => ExportControl): Promise<ExportControl> {
    if (this.o.scope !== undefined) throw new StateStoreError(`the export state of scope ${this.o.scope} has no pause entries`);
    return updateControlFile(this.o.controlFile, change);
  }

  /** A key of sources/export/state.ts in this store's namespace. */
  private key(key: string): string {
    return this.prefix + key.slice('export/'.length);
  }
}

/** The file store's leader lease: this process holds it from `acquire` until `release`. */
class ProcessLeadership implements Leadership {
  readonly workerId = `${hostname()}:${process.pid}`;
  private held?: AbortController;

  constructor(private readonly metrics: CollectorMetrics) {}

  async acquire(signal: AbortSignal): Promise<AbortSignal | undefined> {
    if (signal.aborted) return undefined;
    this.held ??= new AbortController();
    this.metrics.leasesHeld.set({ kind: 'leader' }, 1);
    return this.held.signal;
  }

  async release(): Promise<void> {
    if (!this.held) return;
    this.held.abort();
    this.held = undefined;
    this.metrics.leasesHeld.set({ kind: 'leader' }, 0);
  }

  async holder(): Promise<string | undefined> {
    return this.held ? this.workerId : undefined;
  }
}

// ---- the control file -------------------------------------------------------------------------

/** Waits between tries to take the lock of another `export pause|resume`. */
const LOCK_BACKOFF = { baseMs: 50, capMs: 1000 } as const;
/** How long a change waits for the lock. */
const LOCK_WAIT_MS = 10_000;

/** Parses the control file's text; throws ExportControlError for anything but the documented shape. */
export function parseControl(text: string, file: string): ExportControl {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new ExportControlError(`is not valid JSON: ${(e as Error).message}`, file);
  }
  const paused = (v as { paused?: unknown })?.paused;
  if (typeof v !== 'object' || v === null || Array.isArray(v) || typeof paused !== 'object' || paused === null || Array.isArray(paused)) {
    throw new ExportControlError('must be an object with a "paused" object', file);
  }
  for (const [k, e] of Object.entries(paused)) {
    if (typeof (e as PauseEntry)?.since !== 'string') throw new ExportControlError(`paused[${JSON.stringify(k)}] needs a "since" time`, file);
  }
  return { paused: paused as Record<string, PauseEntry> };
}

/** Reads the control file; a missing file means nothing is paused. */
export function readControl(file: string): ExportControl {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return EMPTY_CONTROL;
    throw new ExportControlError(`cannot be read: ${(e as Error).message}`, file);
  }
  return parseControl(text, file);
}

/**
 * The control file as a running collector sees it: re-read when its size, mtime or inode changed.
 * A file that turns bad keeps the last good content (and `error` says why), so a typo made by hand
 * cannot resume every paused group at once.
 */
export class ControlWatcher {
  private stamp = '';
  private control: ExportControl = EMPTY_CONTROL;
  error: ExportControlError | undefined;

  constructor(readonly file: string) {}

  current(): ExportControl {
    let stamp: string;
    try {
      const st = statSync(this.file);
      stamp = `${st.ino}:${st.size}:${st.mtimeMs}`;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') return this.control;
      stamp = 'missing';
    }
    if (stamp === this.stamp) return this.control;
    try {
      this.control = stamp === 'missing' ? EMPTY_CONTROL : readControl(this.file);
      this.error = undefined;
      this.stamp = stamp;
    } catch (e) {
      this.error = e instanceof ExportControlError ? e : new ExportControlError((e as Error).message, this.file);
    }
    return this.control;
  }
}

/** Changes of one control file made by this process, settled, by file: they run one after the other (the lock is per process). */
const inProcess = new Map<string, Promise<void>>();

/**
 * Changes the control file under its lock: reads it, applies `change`, writes it atomically
 * (ops/atomic-file.ts). Returns the new content. A lock held by another command is waited for up to
 * 10 s; a lock its holder left behind (a process that is gone) is taken over, by the state lock's rules.
 */
export function updateControlFile(file: string, change: (c: ExportControl) => ExportControl, events?: LockEvents): Promise<ExportControl> {
  const key = path.resolve(file);
  const run = (inProcess.get(key) ?? Promise.resolve()).then(() => changeLocked(key, change, events));
  const settled = run.then(
    () => undefined,
    () => undefined,
  );
  inProcess.set(key, settled);
  void settled.then(() => {
    if (inProcess.get(key) === settled) inProcess.delete(key);
  });
  return run;
}

async function changeLocked(file: string, change: (c: ExportControl) => ExportControl, events?: LockEvents): Promise<ExportControl> {
  await fsp.mkdir(path.dirname(file), { recursive: true });
  const lock = await lockControl(file, events);
  try {
    const next = change(readControl(file));
    await writeFileAtomic(file, `${JSON.stringify(next, null, 2)}\n`, { replace: true });
    return next;
  } finally {
    await lock.release();
  }
}

async function lockControl(file: string, events?: LockEvents): Promise<StateLock> {
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (let attempt = 0; ; attempt++) {
    try {
      return await StateLock.acquire(file, events);
    } catch (e) {
      if (!(e instanceof StateLockedError)) throw new ExportControlError(`cannot lock: ${(e as Error).message}`, file);
      if (Date.now() > deadline)
        throw new ExportControlError(`is locked by another command (${e.lockFile}); try again, or remove the lock file if no command is running`, file);
      await abortableSleep(backoffDelayMs(LOCK_BACKOFF, attempt));
    }
  }
}
