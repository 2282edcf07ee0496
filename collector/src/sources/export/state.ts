/**
 * The export source's progress, kept in the collector's checkpoint store (one JSON value per key):
 *
 * - `export/group/<name>`: `{ "exportedUntil": ms, "windowMs"?: ms, "splitUntil"?: ms, "failures"?: n, "retryAt"?: ms }`.
 *   `exportedUntil` is the commit point: every event before it was delivered. `windowMs` is a
 *   smaller window, used up to `splitUntil`, after a task ran too long and was split;
 *   `failures`/`retryAt` back off a group whose tasks keep failing.
 * - `export/task`: the task in progress, `{ taskId, taskName, group, from, to, createdAt, done: [keys] }`
 *   (`done`: objects already delivered and acknowledged), or `""` when none.
 * - `export/discovery`: `{ at, groups: [names] }` of the last successful discovery, so `export status`
 *   can tell groups that no longer exist (their state is kept).
 *
 * Keys of another store (a backfill's) use the same layout in their own file.
 */
import { CheckpointStore, ERROR_CODES } from '../../types';

export interface GroupState {
  /** Milliseconds since the epoch; events before it were delivered. */
  readonly exportedUntil: number;
  /** Window limit after a split, when smaller than the configured one; applies until `splitUntil`. */
  readonly windowMs?: number;
  /** End of the window that was split: up to it, tasks use `windowMs`. */
  readonly splitUntil?: number;
  /** Consecutive failed tasks. */
  readonly failures?: number;
  /** No new task for the group before this time (after failures). */
  readonly retryAt?: number;
}

export interface TaskState {
  readonly taskId: string;
  readonly taskName: string;
  readonly group: string;
  readonly from: number;
  readonly to: number;
  /** When the task was created (ms), for the too-long check. */
  readonly createdAt: number;
  /** Keys already delivered and acknowledged. */
  readonly done: readonly string[];
}

export const GROUP_KEY_PREFIX = 'export/group/';
export const TASK_KEY = 'export/task';
export const DISCOVERY_KEY = 'export/discovery';

/** The last successful discovery: when, and the names of the groups it found (after include/exclude). */
export interface DiscoveryState {
  readonly at: number;
  readonly groups: readonly string[];
}

export class ExportStateError extends Error {
  readonly code = ERROR_CODES.checkpoint;
  constructor(message: string) {
    super(message);
    this.name = 'ExportStateError';
  }
}

/** Typed access to the export keys of a checkpoint store. */
export class ExportState {
  constructor(private readonly store: CheckpointStore) {}

  /** Every group's state, by name. */
  async groups(): Promise<Map<string, GroupState>> {
    return parseGroups(await this.store.loadAll());
  }

  async saveGroup(name: string, state: GroupState): Promise<void> {
    await this.store.save(GROUP_KEY_PREFIX + name, JSON.stringify(compact(state)));
  }

  async task(): Promise<TaskState | undefined> {
    return parseTask(await this.store.load(TASK_KEY));
  }

  async saveTask(task: TaskState | undefined): Promise<void> {
    await this.store.save(TASK_KEY, task ? JSON.stringify(task) : '');
  }

  async saveDiscovery(d: DiscoveryState): Promise<void> {
    await this.store.save(DISCOVERY_KEY, JSON.stringify(d));
  }
}

/** Group states from a whole checkpoint map (also used by `export status`, which reads the file). */
export function parseGroups(all: Readonly<Record<string, string>>): Map<string, GroupState> {
  const out = new Map<string, GroupState>();
  for (const [key, value] of Object.entries(all)) {
    if (!key.startsWith(GROUP_KEY_PREFIX)) continue;
    const name = key.slice(GROUP_KEY_PREFIX.length);
    let v: unknown;
    try {
      v = JSON.parse(value);
    } catch {
      throw new ExportStateError(`checkpoint ${key} is not JSON: ${value.slice(0, 80)}`);
    }
    const s = v as Partial<GroupState>;
    if (typeof s !== 'object' || s === null || typeof s.exportedUntil !== 'number' || !Number.isFinite(s.exportedUntil)) {
      throw new ExportStateError(`checkpoint ${key} has no numeric exportedUntil: ${value.slice(0, 80)}`);
    }
    out.set(name, s as GroupState);
  }
  return out;
}

/** The last discovery, or undefined (none recorded, or a value that is not one: it is only informative). */
export function parseDiscovery(value: string | undefined): DiscoveryState | undefined {
  if (!value) return undefined;
  try {
    const d = JSON.parse(value) as Partial<DiscoveryState>;
    return typeof d?.at === 'number' && Array.isArray(d.groups) ? (d as DiscoveryState) : undefined;
  } catch {
    return undefined;
  }
}

export function parseTask(value: string | undefined): TaskState | undefined {
  if (value === undefined || value === '') return undefined;
  let t: Partial<TaskState>;
  try {
    t = JSON.parse(value) as Partial<TaskState>;
  } catch {
    throw new ExportStateError(`checkpoint ${TASK_KEY} is not JSON: ${value.slice(0, 80)}`);
  }
  if (typeof t?.taskId !== 'string' || typeof t.group !== 'string' || typeof t.from !== 'number' || typeof t.to !== 'number' || !Array.isArray(t.done)) {
    throw new ExportStateError(`checkpoint ${TASK_KEY} is not a task: ${value.slice(0, 120)}`);
  }
  return { taskName: '', createdAt: 0, ...t } as TaskState;
}

function compact(s: GroupState): GroupState {
  const out: { exportedUntil: number; windowMs?: number; splitUntil?: number; failures?: number; retryAt?: number } = { exportedUntil: s.exportedUntil };
  if (s.windowMs !== undefined) out.windowMs = s.windowMs;
  if (s.splitUntil !== undefined) out.splitUntil = s.splitUntil;
  if (s.failures) out.failures = s.failures;
  if (s.retryAt !== undefined) out.retryAt = s.retryAt;
  return out;
}
