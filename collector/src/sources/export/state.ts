/**
 * The export source's progress, as both state stores keep it (state/export.ts; the file store's
 * keys and JSON values below are also its file format, unchanged since the first release):
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
 * The DynamoDB store keeps the same facts as one item per group (state/dynamodb/export.ts).
 */
import { ERROR_CODES } from '../../types';

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
  /**
   * Keys already delivered and acknowledged, in the order they were handed over. Objects are handed
   * over one at a time in S3's key order, so they are always every object key up to the last one.
   */
  readonly done: readonly string[];
  /**
   * Set by a store that keeps only the last acknowledged key instead of the whole list (DynamoDB,
   * whose items have a size limit): every object key up to and including `key`, in S3's key order
   * ({@link compareObjectKeys}), is done too; `count` of them. The keys in `done` come after it.
   */
  readonly doneThrough?: { readonly key: string; readonly count: number };
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

/** S3's key order (ListObjectsV2 lists keys by their UTF-8 bytes), which JavaScript's string order is not beyond the BMP. */
export function compareObjectKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** Whether an object key of `task` was already delivered and acknowledged. */
export function doneKeys(task: TaskState): (key: string) => boolean {
  const done = new Set(task.done);
  const through = task.doneThrough?.key;
  return (key) => done.has(key) || (through !== undefined && compareObjectKeys(key, through) <= 0);
}

/** How many objects of `task` were delivered and acknowledged. */
export function doneCount(task: TaskState): number {
  return (task.doneThrough?.count ?? 0) + task.done.length;
}

/** Group states from a whole checkpoint map (keys as the file store keeps them, under `prefix`). */
export function parseGroups(all: Readonly<Record<string, string>>, prefix = GROUP_KEY_PREFIX): Map<string, GroupState> {
  const out = new Map<string, GroupState>();
  for (const [key, value] of Object.entries(all)) {
    if (!key.startsWith(prefix)) continue;
    const name = key.slice(prefix.length);
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

export function parseTask(value: string | undefined, key = TASK_KEY): TaskState | undefined {
  if (value === undefined || value === '') return undefined;
  let t: Partial<TaskState>;
  try {
    t = JSON.parse(value) as Partial<TaskState>;
  } catch {
    throw new ExportStateError(`checkpoint ${key} is not JSON: ${value.slice(0, 80)}`);
  }
  if (typeof t?.taskId !== 'string' || typeof t.group !== 'string' || typeof t.from !== 'number' || typeof t.to !== 'number' || !Array.isArray(t.done)) {
    throw new ExportStateError(`checkpoint ${key} is not a task: ${value.slice(0, 120)}`);
  }
  return { taskName: '', createdAt: 0, ...t } as TaskState;
}

/** The group state without empty fields (as the file store writes it). */
export function compactGroup(s: GroupState): GroupState {
  const out: { exportedUntil: number; windowMs?: number; splitUntil?: number; failures?: number; retryAt?: number } = { exportedUntil: s.exportedUntil };
  if (s.windowMs !== undefined) out.windowMs = s.windowMs;
  if (s.splitUntil !== undefined) out.splitUntil = s.splitUntil;
  if (s.failures) out.failures = s.failures;
  if (s.retryAt !== undefined) out.retryAt = s.retryAt;
  return out;
}
