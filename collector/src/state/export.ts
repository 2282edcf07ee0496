/**
 * The export mode's state, as both stores keep it (state/store.ts): which replica exports (the
 * leader lease: AWS allows one active export task per account, so exactly one replica may create
 * tasks), each log group's progress, the task in progress, the last discovery, and pause entries.
 *
 * Writes made after the leader lease was lost reject with LeaseLostError and change nothing.
 */
import type { DiscoveryState, GroupState, TaskState } from '../sources/export/state';
import type { ExportControl } from '../sources/export/control';

export interface ExportStore {
  /** The leader lease of the export mode (the file store: always this process). */
  readonly leadership: Leadership;
  /** Every group's progress, by name. */
  groups(): Promise<Map<string, GroupState>>;
  saveGroup(name: string, state: GroupState): Promise<void>;
  /** The export task in progress, if any. */
  task(): Promise<TaskState | undefined>;
  saveTask(task: TaskState | undefined): Promise<void>;
  /** The last successful discovery, if one was recorded. */
  discovery(): Promise<DiscoveryState | undefined>;
  saveDiscovery(d: DiscoveryState): Promise<void>;
  /**
   * The pause entries now. A running collector calls it before each scheduling decision: it reads
   * again only when they may have changed (the file's stamp; the table at most every few seconds).
   * When they cannot be read, the last good ones are kept and `controlError` says why.
   */
  control(): Promise<ExportControl>;
  /** Why the last `control()` kept older entries, if it did. */
  readonly controlError?: Error;
  /** Changes the pause entries (the `export pause|resume` commands); returns the new entries. */
  updateControl(change: (c: ExportControl) => ExportControl): Promise<ExportControl>;
}

/** One replica's view of a single-holder lease (the export leader). */
export interface Leadership {
  /** This replica's id, as written in the lease (file store: the process). */
  readonly workerId: string;
  /**
   * Waits until this replica holds the lease, renewing it from then on. Resolves with a signal
   * aborted the moment the lease is lost, or with undefined when `signal` aborted first.
   */
  acquire(signal: AbortSignal): Promise<AbortSignal | undefined>;
  /** Gives the lease up (graceful shutdown) so a standby takes it at its next try. */
  release(): Promise<void>;
  /** The holder seen last, if any (for status). */
  holder(): Promise<string | undefined>;
}
