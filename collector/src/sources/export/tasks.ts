/**
 * One export window's task, from CreateExportTask to its commit (the commit order is the export
 * source's, see source.ts): the task is created (the account's one-task limit waited out, a task of
 * ours from before a restart adopted), polled until it ends (cancelled when it runs too long), its
 * objects handed one batch each and recorded as done when acknowledged, then the group's
 * exportedUntil advances, the objects are deleted and the task state cleared. A task that did not
 * complete is abandoned: its objects are deleted and its window tried again (split, when too long).
 */
import { createHash } from 'node:crypto';
import { awsErrorName, isTransientAwsError } from '../../aws/errors';
import { backoffCeilingMs, backoffDelayMs, BackoffPolicy, Sleep } from '../../ops/backoff';
import type { Logger } from '../../ops/log';
import type { CollectorMetrics } from '../../ops/metrics';
import { ERROR_CODES, SourceBatch } from '../../types';
import { EXPORT_DEFAULTS } from './config';
import type { ExportTaskInfo, LogsPort, ObjectStore } from './ports';
import type { ExportStore } from '../../state/export';
import { doneCount, doneKeys, GroupState, TaskState } from './state';

/** The export source's options (source.ts) that a window's task uses. */
export interface ExportTaskOptions {
  readonly logs: LogsPort;
  readonly objects: ObjectStore;
  /** destinationPrefix of the tasks (no leading or trailing `/`). */
  readonly prefix: string;
  /** First delay between DescribeExportTasks calls (and of CreateExportTask retries); doubles up to maxPollIntervalMs. */
  readonly pollIntervalMs: number;
  /** @default EXPORT_DEFAULTS.maxPollIntervalMs */
  readonly maxPollIntervalMs?: number;
  /** A task still active this long after creation is cancelled and its window split. */
  readonly maxTaskMs: number;
  /** Smallest window a split produces. @default EXPORT_DEFAULTS.minWindowMs */
  readonly minWindowMs?: number;
  /** Delete a task's objects after its commit. @default the config schema's */
  readonly deleteObjects?: boolean;
  readonly logger: Logger;
  readonly metrics: CollectorMetrics;
}

/** The group and owner of an export task the source is reading, for the decoder. */
export interface ExportTaskContext {
  readonly logGroup: string;
  readonly owner: string;
}

/** What the task runner shares with its export source. */
export interface ExportTaskShared {
  readonly o: ExportTaskOptions;
  readonly state: ExportStore;
  /** Every group's state, by name. */
  readonly states: Map<string, GroupState>;
  /** Tasks being read, by id. */
  readonly contexts: Map<string, ExportTaskContext>;
  readonly progress: { tasksCompleted: number; bytes: number; objects: number };
  readonly clock: () => number;
  readonly sleep: Sleep;
  readonly random: () => number;
  /** The ARN of a discovered group (it holds the events' owner). */
  groupArn(group: string): string | undefined;
  /** Called after each commit. */
  committed(): void;
}

const MARKER = 'aws-logs-write-test';
const MISSING = Symbol('missing object');
/** Calls retried until they succeed (list, get, find). */
const CALL_BACKOFF: BackoffPolicy = { baseMs: 200, capMs: 60000 };
/** A group whose tasks keep failing waits at most this long. */
const GROUP_BACKOFF_CAP_MS = 15 * 60000;

function isNoSuchKey(e: unknown): boolean {
  return awsErrorName(e) === 'NoSuchKey' || (e as { Code?: unknown } | undefined)?.Code === 'NoSuchKey';
}

/** The task name used for a window, the same after a restart (so a task created before a crash is recognized). */
export function exportTaskName(group: string, from: number, to: number): string {
  const h = createHash('sha256').update(group).digest('hex').slice(0, 12);
  return `cwl-siem-${h}-${from}-${to}`;
}

/** The account id in a log group ARN, or '' when there is none. */
export function ownerFromArn(arn: string | undefined): string {
  const account = arn?.split(':')[4];
  return account && /^\d{12}$/.test(account) ? account : '';
}

export class ExportTasks {
  /** CreateExportTask retries and DescribeExportTasks polls: from pollIntervalMs, doubling. */
  private readonly pollBackoff: BackoffPolicy;

  constructor(private readonly c: ExportTaskShared) {
    this.pollBackoff = { baseMs: c.o.pollIntervalMs, capMs: c.o.maxPollIntervalMs ?? EXPORT_DEFAULTS.maxPollIntervalMs };
  }

  async runWindow(group: string, from: number, to: number, handle: (b: SourceBatch) => Promise<void>, signal: AbortSignal): Promise<void> {
    const taskName = exportTaskName(group, from, to);
    // The intent is recorded first, so a task created just before a crash is found again by its name.
    const intent: TaskState = { taskId: '', taskName, group, from, to, createdAt: this.c.clock(), done: [] };
    await this.c.state.saveTask(intent);
    await this.createAndFinish(intent, handle, signal);
  }

  private async createAndFinish(intent: TaskState, handle: (b: SourceBatch) => Promise<void>, signal: AbortSignal): Promise<void> {
    const { group, from, to, taskName } = intent;
    const taskId = await this.createTask(group, from, to, taskName, signal);
    if (taskId === undefined) {
      if (!signal.aborted) await this.c.state.saveTask(undefined);
      return;
    }
    const task: TaskState = { ...intent, taskId, createdAt: this.c.clock() };
    await this.c.state.saveTask(task);
    this.c.o.logger.info({ group, taskId, from: new Date(from).toISOString(), to: new Date(to).toISOString() }, 'export task created');
    await this.finishTask(task, handle, signal);
  }

  /** CreateExportTask, waiting out the one-active-task limit; undefined when aborted or failed (the group backs off). */
  private async createTask(group: string, from: number, to: number, taskName: string, signal: AbortSignal): Promise<string | undefined> {
    for (let attempt = 0; !signal.aborted; attempt++) {
      try {
        return await this.c.o.logs.createExportTask(
          { taskName, logGroupName: group, from, to: to - 1, destination: this.c.o.objects.bucket, destinationPrefix: this.c.o.prefix },
          signal,
        );
      } catch (e) {
        if (signal.aborted) return undefined;
        const delay = backoffDelayMs(this.pollBackoff, attempt, this.c.random);
        if (!isTransientAwsError(e)) {
          this.c.o.logger.error(
            { err: e, code: ERROR_CODES.source, group },
            'CreateExportTask failed; the group backs off and its window is tried again later',
          );
          await this.groupFailed(group, 'create');
          return undefined;
        }
        if (awsErrorName(e) === 'LimitExceededException') {
          // Ours from before a crash? Then adopt it rather than wait for it.
          const mine = await this.findActive(taskName, signal);
          if (mine) {
            this.c.o.metrics.exportTasks.inc({ result: 'adopted' });
            this.c.o.logger.info({ group, taskId: mine.taskId }, 'adopting the export task created before a restart');
            return mine.taskId;
          }
          this.c.o.metrics.exportLimitWaits.inc();
          this.c.o.logger.debug({ group, retryInMs: Math.round(delay) }, 'another export task is active in the account; waiting');
        } else {
          this.c.o.metrics.retries.inc({ component: 'export' });
        }
        await this.c.sleep(delay, signal);
      }
    }
    return undefined;
  }

  private async findActive(taskName: string, signal: AbortSignal): Promise<ExportTaskInfo | undefined> {
    try {
      return await this.c.o.logs.findExportTask(taskName, ['PENDING', 'RUNNING'], signal);
    } catch (e) {
      this.c.o.logger.debug({ err: e }, 'DescribeExportTasks (active) failed');
      return undefined;
    }
  }

  /** On start, and on taking the leader lease: finish the task the previous run or leader left (read what was not yet acknowledged, commit), or just clean up after its commit. */
  async recover(handle: (b: SourceBatch) => Promise<void>, signal: AbortSignal): Promise<void> {
    const task = await this.c.state.task();
    if (!task) return;
    const s = this.c.states.get(task.group);
    if (task.taskId === '') {
      // The previous run stopped around CreateExportTask: adopt the task if it was created, else create it.
      const found = await this.retrying('find', () => this.c.o.logs.findExportTask(task.taskName, ['PENDING', 'RUNNING', 'COMPLETED'], signal), signal);
      if (signal.aborted) return;
      if (!found) {
        this.c.o.logger.info({ group: task.group }, 'the previous run stopped before its export task was created; creating it');
        await this.createAndFinish(task, handle, signal);
        return;
      }
      this.c.o.metrics.exportTasks.inc({ result: 'adopted' });
      this.c.o.logger.info({ group: task.group, taskId: found.taskId }, 'adopting the export task the previous run created');
      const adopted: TaskState = { ...task, taskId: found.taskId };
      await this.c.state.saveTask(adopted);
      await this.finishTask(adopted, handle, signal);
      return;
    }
    if (s && s.exportedUntil >= task.to) {
      this.c.o.logger.info({ group: task.group, taskId: task.taskId }, 'the previous run committed its last export task; deleting its objects');
      await this.cleanup(task, signal);
      return;
    }
    this.c.o.logger.info({ group: task.group, taskId: task.taskId, done: doneCount(task) }, 'resuming the export task of the previous run');
    await this.finishTask(task, handle, signal);
  }

  private async finishTask(task: TaskState, handle: (b: SourceBatch) => Promise<void>, signal: AbortSignal): Promise<void> {
    const outcome = await this.waitForTask(task, signal);
    if (outcome === 'aborted') return;
    if (outcome !== 'COMPLETED') {
      await this.abandonTask(task, outcome, signal);
      return;
    }
    const objects = await this.retrying('list', () => this.c.o.objects.list(`${this.c.o.prefix}/${task.taskId}/`, signal), signal);
    if (!objects) return;
    this.c.contexts.set(task.taskId, { logGroup: task.group, owner: ownerFromArn(this.c.groupArn(task.group)) });
    const done = doneKeys(task);
    let current = task;
    for (const obj of objects) {
      if (obj.key.endsWith(`/${MARKER}`) || done(obj.key)) continue;
      const data = await this.retrying(
        'get',
        () => this.c.o.objects.get(obj.key, signal).catch((e: unknown) => (isNoSuchKey(e) ? MISSING : Promise.reject(e))),
        signal,
      );
      if (!data) return;
      if (data === MISSING) {
        // Listed a moment ago, gone now (a lifecycle rule, a person): its events cannot be delivered; say so loudly and go on.
        this.c.o.metrics.decodeErrors.inc({ reason: 'missing-object' });
        this.c.o.logger.error(
          { code: ERROR_CODES.source, group: task.group, taskId: task.taskId, object: obj.key },
          'an exported object disappeared before it was read; its events are lost',
        );
        current = { ...current, done: [...current.done, obj.key] };
        await this.c.state.saveTask(current);
        continue;
      }
      this.c.o.metrics.bytesIn.inc({ source: 'export' }, data.length);
      this.c.progress.bytes += data.length;
      this.c.progress.objects++;
      let acked = false;
      const batch: SourceBatch = {
        records: [{ data, origin: { kind: 'export-object', bucket: this.c.o.objects.bucket, key: obj.key, offset: 0 } }],
        labels: { group: task.group, taskId: task.taskId },
        ack: async () => {
          current = { ...current, done: [...current.done, obj.key] };
          await this.c.state.saveTask(current);
          acked = true;
        },
      };
      try {
        await handle(batch);
      } catch (e) {
        if (signal.aborted) return;
        throw e;
      }
      if (!acked) return;
      if (signal.aborted) return;
    }
    await this.commit(current, signal);
  }

  /** Polls the task until it is no longer active; cancels it when it ran too long. */
  private async waitForTask(task: TaskState, signal: AbortSignal): Promise<'COMPLETED' | 'FAILED' | 'CANCELLED' | 'SPLIT' | 'aborted'> {
    let cancelled = false;
    for (let poll = 0; !signal.aborted; poll++) {
      const delay = backoffCeilingMs(this.pollBackoff, poll);
      let info: ExportTaskInfo | undefined;
      try {
        info = await this.c.o.logs.describeExportTask(task.taskId, signal);
      } catch (e) {
        if (signal.aborted) break;
        this.c.o.metrics.retries.inc({ component: 'export' });
        if (!isTransientAwsError(e)) this.c.o.logger.error({ err: e, taskId: task.taskId }, 'DescribeExportTasks failed; retrying');
        await this.c.sleep(delay, signal);
        continue;
      }
      if (!info) {
        this.c.o.logger.warn({ taskId: task.taskId, group: task.group }, 'CloudWatch Logs no longer knows the export task; its window is exported again');
        return 'FAILED';
      }
      if (info.status === 'COMPLETED') return 'COMPLETED';
      if (info.status === 'FAILED') {
        this.c.o.logger.warn({ taskId: task.taskId, group: task.group, reason: info.statusMessage }, 'export task failed; its window is exported again later');
        return 'FAILED';
      }
      if (info.status === 'CANCELLED') return cancelled ? 'SPLIT' : 'CANCELLED';
      if (!cancelled && info.status !== 'PENDING_CANCEL' && this.c.clock() - task.createdAt > this.c.o.maxTaskMs) {
        try {
          await this.c.o.logs.cancelExportTask(task.taskId, signal);
          cancelled = true;
          this.c.o.logger.warn(
            { taskId: task.taskId, group: task.group, maxTaskMs: this.c.o.maxTaskMs },
            'export task ran too long; cancelled, its window will be split',
          );
        } catch (e) {
          // It may have finished meanwhile (InvalidOperationException): the next poll tells.
          this.c.o.logger.debug({ err: e, taskId: task.taskId }, 'CancelExportTask failed');
        }
      }
      await this.c.sleep(delay, signal);
    }
    return 'aborted';
  }

  /** A task that did not complete: nothing of it is read; its partial objects are deleted; the window is tried again. */
  private async abandonTask(task: TaskState, outcome: 'FAILED' | 'CANCELLED' | 'SPLIT', signal: AbortSignal): Promise<void> {
    const minWindow = this.c.o.minWindowMs ?? EXPORT_DEFAULTS.minWindowMs;
    const unsplittable = outcome === 'SPLIT' && task.to - task.from <= minWindow;
    this.c.o.metrics.exportTasks.inc({ result: unsplittable ? 'too_long' : outcome === 'SPLIT' ? 'split' : outcome === 'FAILED' ? 'failed' : 'cancelled' });
    if (unsplittable) {
      // Too long even at the smallest window: back the group off, so it does not hold the account's one task slot round after round.
      this.c.o.logger.error(
        { group: task.group, windowMs: task.to - task.from, maxTaskMs: this.c.o.maxTaskMs },
        'export task too long even at the smallest window; the group backs off',
      );
      await this.groupFailed(task.group, 'too long at the smallest window');
    } else if (outcome === 'SPLIT') {
      const s = this.c.states.get(task.group) ?? { exportedUntil: task.from };
      const half = Math.max(minWindow, Math.floor((task.to - task.from) / 2));
      // The too-long window is covered in halves (halved again if need be), then windows are normal again.
      const next: GroupState = { ...s, windowMs: half, splitUntil: Math.max(s.splitUntil ?? 0, task.to) };
      this.c.states.set(task.group, next);
      await this.c.state.saveGroup(task.group, next);
    } else {
      await this.groupFailed(task.group, outcome.toLowerCase());
    }
    await this.deleteTaskObjects(task, signal);
    await this.c.state.saveTask(undefined);
  }

  private async groupFailed(group: string, why: string): Promise<void> {
    const s = this.c.states.get(group);
    if (!s) return;
    const failures = (s.failures ?? 0) + 1;
    const backoff = backoffCeilingMs({ baseMs: this.c.o.pollIntervalMs, capMs: GROUP_BACKOFF_CAP_MS }, Math.min(failures, 16));
    const next: GroupState = { ...s, failures, retryAt: this.c.clock() + backoff };
    this.c.states.set(group, next);
    await this.c.state.saveGroup(group, next);
    this.c.o.logger.debug({ group, why, failures, retryInMs: backoff }, 'group backs off');
  }

  private async commit(task: TaskState, signal: AbortSignal): Promise<void> {
    const s = this.c.states.get(task.group) ?? { exportedUntil: task.from };
    const stillSplit = s.splitUntil !== undefined && task.to < s.splitUntil;
    const next: GroupState = { exportedUntil: task.to, ...(stillSplit ? { windowMs: s.windowMs, splitUntil: s.splitUntil } : {}) };
    this.c.states.set(task.group, next);
    await this.c.state.saveGroup(task.group, next);
    this.c.o.metrics.exportTasks.inc({ result: 'completed' });
    this.c.progress.tasksCompleted++;
    this.c.o.logger.info({ group: task.group, taskId: task.taskId, exportedUntil: new Date(task.to).toISOString() }, 'export window delivered');
    this.c.committed();
    await this.cleanup(task, signal);
  }

  private async cleanup(task: TaskState, signal: AbortSignal): Promise<void> {
    await this.deleteTaskObjects(task, signal);
    if (signal.aborted) return;
    await this.c.state.saveTask(undefined);
    this.c.contexts.delete(task.taskId);
  }

  private async deleteTaskObjects(task: TaskState, signal: AbortSignal): Promise<void> {
    if (!(this.c.o.deleteObjects ?? EXPORT_DEFAULTS.deleteObjects)) return;
    try {
      const objects = await this.c.o.objects.list(`${this.c.o.prefix}/${task.taskId}/`, signal);
      if (objects.length)
        await this.c.o.objects.delete(
          objects.map((x) => x.key),
          signal,
        );
    } catch (e) {
      if (signal.aborted) return;
      // Left behind, they cost storage but are never read again (the task is done or abandoned).
      this.c.o.logger.warn(
        { err: e, taskId: task.taskId, prefix: `${this.c.o.prefix}/${task.taskId}/` },
        'could not delete the objects of an export task; delete them by hand or with a lifecycle rule',
      );
    }
  }

  /** Runs a call until it succeeds (back-off; errors logged), or undefined when aborted. */
  private async retrying<T>(what: string, call: () => Promise<T>, signal: AbortSignal): Promise<T | undefined> {
    for (let attempt = 0; !signal.aborted; attempt++) {
      try {
        return await call();
      } catch (e) {
        if (signal.aborted) return undefined;
        this.c.o.metrics.retries.inc({ component: 'export' });
        const delay = backoffDelayMs(CALL_BACKOFF, attempt, this.c.random);
        const log = this.c.o.logger;
        (isTransientAwsError(e) ? log.warn.bind(log) : log.error.bind(log))({ err: e, what, retryInMs: Math.round(delay) }, 'call failed; retrying');
        await this.c.sleep(delay, signal);
      }
    }
    return undefined;
  }
}
