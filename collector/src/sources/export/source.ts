/**
 * The export source: CloudWatch Logs export tasks (CreateExportTask) to an S3 bucket, read back and
 * handed to the pipeline, for every log group of an account/region without subscription filters.
 *
 * Loop: discover log groups (at start and every discoveryIntervalMs; include/exclude patterns; a new
 * group starts at the configured start time) → pick the next window round robin over the groups
 * that are not paused, not backing off and have a whole window older than now − settle → one export
 * task (AWS allows one active task per account: LimitExceededException is waited out) → poll
 * DescribeExportTasks with back-off → read `<prefix>/<taskId>/…` object by object, one batch each →
 * commit. A task that FAILED or was CANCELLED is retried later (the window stays); a task running
 * longer than maxTaskMs is cancelled and the group's window halved.
 *
 * Commit order (never a gap): every object delivered (each acknowledged object is recorded in the
 * task state, so a restart re-reads only the rest) → the group's exportedUntil advances (the commit
 * point) → the task's objects are deleted → the task state is cleared. A crash before the commit
 * point re-delivers at most that window; after it, nothing is delivered twice. A task created just
 * before a crash is found again by its deterministic name and adopted.
 *
 * Windows are half-open [from, to): the task is asked for [from, to − 1 ms], since AWS exports the
 * events at both ends of its range.
 */
import { createHash } from 'node:crypto';
import { Logger } from '../../ops/log';
import { CollectorMetrics } from '../../ops/metrics';
import { abortableSleep } from '../../ops/sleep';
import { CheckpointStore, ERROR_CODES, Source, SourceBatch } from '../../types';
import { ControlWatcher, EMPTY_CONTROL, ExportControl, nameMatcher, pausedBy } from './control';
import { exportErrorKind, ExportTaskInfo, LogGroupInfo, LogsPort, ObjectStore } from './ports';
import { ExportState, GroupState, TaskState } from './state';

export interface ExportSourceOptions {
  readonly logs: LogsPort;
  readonly objects: ObjectStore;
  readonly checkpoints: CheckpointStore;
  /** destinationPrefix of the tasks (no leading or trailing `/`). */
  readonly prefix: string;
  /** Name patterns (`*` wildcards) of the groups to export. @default ['*'] */
  readonly include?: readonly string[];
  readonly exclude?: readonly string[];
  /** Where a newly found group starts (ms), or 'now' (the current time, rounded down to a window). */
  readonly startTime: number | 'now';
  readonly windowMs: number;
  readonly settleMs: number;
  readonly discoveryIntervalMs: number;
  /** First delay between DescribeExportTasks calls; doubles up to maxPollIntervalMs. */
  readonly pollIntervalMs: number;
  /** @default 60000 */
  readonly maxPollIntervalMs?: number;
  /** A task still active this long after creation is cancelled and its window split. */
  readonly maxTaskMs: number;
  /** A group behind by several whole windows gets them in one task, up to this many. @default 1 */
  readonly maxWindowsPerTask?: number;
  /** Smallest window a split produces. @default 1000 */
  readonly minWindowMs?: number;
  /** Delete a task's objects after its commit. @default true */
  readonly deleteObjects?: boolean;
  /** Pause/resume file, re-read when it changes. @default nothing is ever paused */
  readonly control?: ControlWatcher;
  /**
   * A one-off export of a fixed range (the `export backfill` command): groups start at `since`
   * (whatever the store says for new groups), no window ends after `until`, `run` resolves once
   * every group reached `until`. Discovery runs once.
   */
  readonly backfill?: { readonly since: number; readonly until: number; readonly groups?: readonly string[] };
  /** Progress after each commit (and once at start). */
  readonly onProgress?: (p: ExportProgress) => void;
  readonly logger: Logger;
  readonly metrics: CollectorMetrics;
  /** @default real timers */
  readonly sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  /** @default Date.now */
  readonly clock?: () => number;
}

/** Where an export run stands (for `export backfill`'s progress and for tests). */
export interface ExportProgress {
  readonly groups: number;
  /** Groups that reached the end (backfill), or are within one window of now (live). */
  readonly groupsDone: number;
  readonly tasksCompleted: number;
  /** Milliseconds of log time exported, summed over groups, since the source started. */
  readonly exportedMs: number;
  /** Milliseconds of log time still to export (backfill: up to `until`; live: up to now − settle). */
  readonly remainingMs: number;
  readonly bytes: number;
  readonly objects: number;
}

/** The group and owner of an export task the source is reading, for the decoder. */
export interface ExportTaskContext {
  readonly logGroup: string;
  readonly owner: string;
}

export class ExportSourceError extends Error {
  readonly code = ERROR_CODES.source;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ExportSourceError';
  }
}

const MARKER = 'aws-logs-write-test';
const MISSING = Symbol('missing object');

function isNoSuchKey(e: unknown): boolean {
  const err = e as { name?: string; Code?: string; $metadata?: { httpStatusCode?: number } };
  return err?.name === 'NoSuchKey' || err?.Code === 'NoSuchKey';
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

export class ExportSource implements Source {
  private readonly state: ExportState;
  private readonly include: ((n: string) => boolean)[];
  private readonly exclude: ((n: string) => boolean)[];
  private readonly onlyGroups: ((n: string) => boolean)[] | undefined;
  private readonly clock: () => number;
  private readonly sleepFn: (ms: number, signal: AbortSignal) => Promise<void>;
  /** Discovered groups that pass the filters, by name. */
  private groups = new Map<string, LogGroupInfo>();
  private states = new Map<string, GroupState>();
  private nextDiscovery = 0;
  private cursor = '';
  private readonly contexts = new Map<string, ExportTaskContext>();
  private control: ExportControl = EMPTY_CONTROL;
  private readonly startedAt: Map<string, number> = new Map();
  private progress = { tasksCompleted: 0, bytes: 0, objects: 0 };
  private discoveredOnce = false;

  constructor(private readonly o: ExportSourceOptions) {
    if (o.windowMs < 1) throw new ExportSourceError(`windowMs must be at least 1, got ${o.windowMs}`);
    if (o.prefix.startsWith('/') || o.prefix.endsWith('/')) throw new ExportSourceError(`prefix must not start or end with "/", got ${JSON.stringify(o.prefix)}`);
    this.state = new ExportState(o.checkpoints);
    this.include = (o.include ?? ['*']).map(nameMatcher);
    this.exclude = (o.exclude ?? []).map(nameMatcher);
    this.onlyGroups = o.backfill?.groups?.map(nameMatcher);
    this.clock = o.clock ?? Date.now;
    this.sleepFn = o.sleep ?? abortableSleep;
  }

  /** Group and owner of a task being read (undefined for an unknown task id). */
  taskContext(taskId: string): ExportTaskContext | undefined {
    return this.contexts.get(taskId);
  }

  /** The task id in an object key `<prefix>/<taskId>/…`. */
  taskIdOfKey(key: string): string | undefined {
    const rest = key.startsWith(`${this.o.prefix}/`) ? key.slice(this.o.prefix.length + 1) : undefined;
    const id = rest?.split('/')[0];
    return id || undefined;
  }

  async run(handle: (batch: SourceBatch) => Promise<void>, signal: AbortSignal): Promise<void> {
    this.states = await this.state.groups();
    // Groups first (a task left by the previous run needs its group's owner), then that task.
    while (!signal.aborted && !this.discoveredOnce) {
      if (!(await this.discover(signal))) await this.sleepFn(Math.min(this.o.discoveryIntervalMs, 30000), signal);
    }
    this.nextDiscovery = this.clock() + this.o.discoveryIntervalMs;
    this.refreshControl();
    if (!signal.aborted) this.reportProgress();
    if (!signal.aborted) await this.recover(handle, signal);
    while (!signal.aborted) {
      if (!this.o.backfill && this.clock() >= this.nextDiscovery) {
        const ok = await this.discover(signal);
        this.nextDiscovery = this.clock() + (ok ? this.o.discoveryIntervalMs : Math.min(this.o.discoveryIntervalMs, 30000));
      }
      this.refreshControl();
      this.updateGauges();
      if (this.o.backfill && this.backfillDone()) {
        this.reportProgress();
        return;
      }
      const pick = this.pick(this.clock());
      if (!pick) {
        await this.sleepFn(this.idleDelay(this.clock()), signal);
        continue;
      }
      await this.runWindow(pick.group, pick.from, pick.to, handle, signal);
    }
  }

  // ---- discovery ----------------------------------------------------------------------------

  /** Lists every log group (all pages). False when it failed (logged; retried sooner). */
  private async discover(signal: AbortSignal): Promise<boolean> {
    const found = new Map<string, LogGroupInfo>();
    let token: string | undefined;
    let delay = 500;
    let more = true;
    while (more && !signal.aborted) {
      try {
        const page = await this.o.logs.describeLogGroups(token, signal);
        for (const g of page.groups) if (this.wanted(g.name)) found.set(g.name, g);
        token = page.nextToken;
        more = token !== undefined;
        delay = 500;
      } catch (e) {
        if (signal.aborted) return false;
        const kind = exportErrorKind(e);
        this.o.metrics.retries.inc({ component: 'export' });
        if (kind !== 'throttled') {
          this.o.logger.error({ err: e, code: ERROR_CODES.source }, 'DescribeLogGroups failed; keeping the groups known so far and retrying discovery later');
          return false;
        }
        await this.sleepFn(Math.random() * delay, signal);
        delay = Math.min(delay * 2, 20000);
      }
    }
    if (signal.aborted) return false;
    const added = [...found.keys()].filter((n) => !this.groups.has(n));
    this.groups = found;
    this.discoveredOnce = true;
    await this.state.saveDiscovery({ at: this.clock(), groups: [...found.keys()].sort() });
    const fresh: Promise<void>[] = [];
    const start = this.o.backfill ? this.o.backfill.since : this.o.startTime === 'now' ? Math.floor(this.clock() / this.o.windowMs) * this.o.windowMs : this.o.startTime;
    for (const name of found.keys()) {
      if (this.states.has(name)) continue;
      const s: GroupState = { exportedUntil: start };
      this.states.set(name, s);
      fresh.push(this.state.saveGroup(name, s));
    }
    // Saves made together are written together by the checkpoint store.
    await Promise.all(fresh);
    for (const name of found.keys()) if (!this.startedAt.has(name)) this.startedAt.set(name, this.states.get(name)!.exportedUntil);
    if (added.length) this.o.logger.info({ added: added.length, total: found.size, sample: added.slice(0, 5) }, 'log groups discovered');
    this.updateGauges();
    return true;
  }

  private wanted(name: string): boolean {
    if (!this.include.some((m) => m(name)) || this.exclude.some((m) => m(name))) return false;
    return this.onlyGroups ? this.onlyGroups.some((m) => m(name)) : true;
  }

  private refreshControl(): void {
    if (!this.o.control) return;
    const before = this.control;
    this.control = this.o.control.current();
    if (this.o.control.error) this.o.logger.error({ err: this.o.control.error }, 'the export control file is invalid; keeping the pauses read before');
    if (before !== this.control) {
      this.o.logger.info({ paused: Object.keys(this.control.paused) }, 'export control file read');
      this.updateGauges();
    }
  }

  private isPaused(group: string): boolean {
    return pausedBy(this.control, group) !== undefined;
  }

  // ---- scheduling -------------------------------------------------------------------------

  /** The end of the time that may be exported now. */
  private limit(now: number): number {
    // A backfill's end was chosen by the user (by default now − settle, when it started).
    return this.o.backfill ? this.o.backfill.until : now - this.o.settleMs;
  }

  private windowOf(s: GroupState): number {
    return s.windowMs !== undefined && s.splitUntil !== undefined && s.exportedUntil < s.splitUntil ? Math.min(this.o.windowMs, s.windowMs) : this.o.windowMs;
  }

  /** The next window, round robin from the group after the last one scheduled. */
  private pick(now: number): { group: string; from: number; to: number } | undefined {
    const names = [...this.groups.keys()].sort();
    if (!names.length) return undefined;
    let start = names.findIndex((n) => n > this.cursor);
    if (start < 0) start = 0;
    const limit = this.limit(now);
    for (let i = 0; i < names.length; i++) {
      const group = names[(start + i) % names.length];
      if (this.isPaused(group)) continue;
      const s = this.states.get(group);
      if (!s || (s.retryAt !== undefined && s.retryAt > now)) continue;
      const from = s.exportedUntil;
      const win = this.windowOf(s);
      let to: number;
      if (this.o.backfill) {
        if (from >= limit) continue;
        to = Math.min(from + win, limit);
      } else {
        if (from + win > limit) continue;
        const whole = s.windowMs === undefined ? Math.max(1, Math.min(this.o.maxWindowsPerTask ?? 1, Math.floor((limit - from) / win))) : 1;
        to = from + whole * win;
      }
      if (s.splitUntil !== undefined) to = Math.min(to, s.splitUntil);
      this.cursor = group;
      return { group, from, to };
    }
    return undefined;
  }

  /** How long to wait when no window is ready: until the first one is, bounded so pauses, resumes and discovery are noticed. */
  private idleDelay(now: number): number {
    let next = this.nextDiscovery;
    for (const [group, s] of this.states) {
      if (!this.groups.has(group) || this.isPaused(group)) continue;
      const ready = Math.max(s.retryAt ?? 0, s.exportedUntil + this.windowOf(s) + this.o.settleMs);
      next = Math.min(next, ready);
    }
    return Math.max(50, Math.min(next - now, 5000));
  }

  private backfillDone(): boolean {
    const until = this.o.backfill!.until;
    for (const g of this.groups.keys()) if ((this.states.get(g)?.exportedUntil ?? 0) < until) return false;
    return true;
  }

  // ---- one window -------------------------------------------------------------------------

  private async runWindow(group: string, from: number, to: number, handle: (b: SourceBatch) => Promise<void>, signal: AbortSignal): Promise<void> {
    const taskName = exportTaskName(group, from, to);
    // The intent is recorded first, so a task created just before a crash is found again by its name.
    const intent: TaskState = { taskId: '', taskName, group, from, to, createdAt: this.clock(), done: [] };
    await this.state.saveTask(intent);
    await this.createAndFinish(intent, handle, signal);
  }

  private async createAndFinish(intent: TaskState, handle: (b: SourceBatch) => Promise<void>, signal: AbortSignal): Promise<void> {
    const { group, from, to, taskName } = intent;
    const taskId = await this.createTask(group, from, to, taskName, signal);
    if (taskId === undefined) {
      if (!signal.aborted) await this.state.saveTask(undefined);
      return;
    }
    const task: TaskState = { ...intent, taskId, createdAt: this.clock() };
    await this.state.saveTask(task);
    this.o.logger.info({ group, taskId, from: new Date(from).toISOString(), to: new Date(to).toISOString() }, 'export task created');
    await this.finishTask(task, handle, signal);
  }

  /** CreateExportTask, waiting out the one-active-task limit; undefined when aborted or failed (the group backs off). */
  private async createTask(group: string, from: number, to: number, taskName: string, signal: AbortSignal): Promise<string | undefined> {
    let delay = this.o.pollIntervalMs;
    while (!signal.aborted) {
      try {
        return await this.o.logs.createExportTask({ taskName, logGroupName: group, from, to: to - 1, destination: this.o.objects.bucket, destinationPrefix: this.o.prefix }, signal);
      } catch (e) {
        if (signal.aborted) return undefined;
        const kind = exportErrorKind(e);
        if (kind === 'fatal') {
          this.o.logger.error({ err: e, code: ERROR_CODES.source, group }, 'CreateExportTask failed; the group backs off and its window is tried again later');
          await this.groupFailed(group, 'create');
          return undefined;
        }
        if (kind === 'limit') {
          // Ours from before a crash? Then adopt it rather than wait for it.
          const mine = await this.findActive(taskName, signal);
          if (mine) {
            this.o.metrics.exportTasks.inc({ result: 'adopted' });
            this.o.logger.info({ group, taskId: mine.taskId }, 'adopting the export task created before a restart');
            return mine.taskId;
          }
          this.o.metrics.exportLimitWaits.inc();
          this.o.logger.debug({ group, retryInMs: delay }, 'another export task is active in the account; waiting');
        } else {
          this.o.metrics.retries.inc({ component: 'export' });
        }
        await this.sleepFn(delay * (0.5 + Math.random() / 2), signal);
        delay = Math.min(delay * 2, this.o.maxPollIntervalMs ?? 60000);
      }
    }
    return undefined;
  }

  private async findActive(taskName: string, signal: AbortSignal): Promise<ExportTaskInfo | undefined> {
    try {
      return await this.o.logs.findExportTask(taskName, ['PENDING', 'RUNNING'], signal);
    } catch (e) {
      this.o.logger.debug({ err: e }, 'DescribeExportTasks (active) failed');
      return undefined;
    }
  }

  /** On start: finish the task a previous run left (read what was not yet acknowledged, commit), or just clean up after its commit. */
  private async recover(handle: (b: SourceBatch) => Promise<void>, signal: AbortSignal): Promise<void> {
    const task = await this.state.task();
    if (!task) return;
    const s = this.states.get(task.group);
    if (task.taskId === '') {
      // The previous run stopped around CreateExportTask: adopt the task if it was created, else create it.
      const found = await this.retrying('find', () => this.o.logs.findExportTask(task.taskName, ['PENDING', 'RUNNING', 'COMPLETED'], signal), signal);
      if (signal.aborted) return;
      if (!found) {
        this.o.logger.info({ group: task.group }, 'the previous run stopped before its export task was created; creating it');
        await this.createAndFinish(task, handle, signal);
        return;
      }
      this.o.metrics.exportTasks.inc({ result: 'adopted' });
      this.o.logger.info({ group: task.group, taskId: found.taskId }, 'adopting the export task the previous run created');
      const adopted: TaskState = { ...task, taskId: found.taskId };
      await this.state.saveTask(adopted);
      await this.finishTask(adopted, handle, signal);
      return;
    }
    if (s && s.exportedUntil >= task.to) {
      this.o.logger.info({ group: task.group, taskId: task.taskId }, 'the previous run committed its last export task; deleting its objects');
      await this.cleanup(task, signal);
      return;
    }
    this.o.logger.info({ group: task.group, taskId: task.taskId, done: task.done.length }, 'resuming the export task of the previous run');
    await this.finishTask(task, handle, signal);
  }

  private async finishTask(task: TaskState, handle: (b: SourceBatch) => Promise<void>, signal: AbortSignal): Promise<void> {
    const outcome = await this.waitForTask(task, signal);
    if (outcome === 'aborted') return;
    if (outcome !== 'COMPLETED') {
      await this.abandonTask(task, outcome, signal);
      return;
    }
    const objects = await this.retrying('list', () => this.o.objects.list(`${this.o.prefix}/${task.taskId}/`, signal), signal);
    if (!objects) return;
    const info = this.groups.get(task.group);
    this.contexts.set(task.taskId, { logGroup: task.group, owner: ownerFromArn(info?.arn) });
    const done = new Set(task.done);
    let current = task;
    for (const obj of objects) {
      if (obj.key.endsWith(`/${MARKER}`) || done.has(obj.key)) continue;
      const data = await this.retrying('get', () => this.o.objects.get(obj.key, signal).catch((e: unknown) => (isNoSuchKey(e) ? MISSING : Promise.reject(e))), signal);
      if (!data) return;
      if (data === MISSING) {
        // Listed a moment ago, gone now (a lifecycle rule, a person): its events cannot be delivered; say so loudly and go on.
        this.o.metrics.decodeErrors.inc({ reason: 'missing-object' });
        this.o.logger.error({ code: ERROR_CODES.source, group: task.group, taskId: task.taskId, object: obj.key }, 'an exported object disappeared before it was read; its events are lost');
        current = { ...current, done: [...current.done, obj.key] };
        await this.state.saveTask(current);
        continue;
      }
      this.o.metrics.bytesIn.inc({ source: 'export' }, data.length);
      this.progress.bytes += data.length;
      this.progress.objects++;
      let acked = false;
      const batch: SourceBatch = {
        records: [{ data, origin: { kind: 'export-object', bucket: this.o.objects.bucket, key: obj.key, offset: 0 } }],
        labels: { group: task.group, taskId: task.taskId },
        ack: async () => {
          current = { ...current, done: [...current.done, obj.key] };
          await this.state.saveTask(current);
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
    let delay = this.o.pollIntervalMs;
    let cancelled = false;
    while (!signal.aborted) {
      let info: ExportTaskInfo | undefined;
      try {
        info = await this.o.logs.describeExportTask(task.taskId, signal);
      } catch (e) {
        if (signal.aborted) break;
        this.o.metrics.retries.inc({ component: 'export' });
        if (exportErrorKind(e) === 'fatal') this.o.logger.error({ err: e, taskId: task.taskId }, 'DescribeExportTasks failed; retrying');
        await this.sleepFn(delay, signal);
        delay = Math.min(delay * 2, this.o.maxPollIntervalMs ?? 60000);
        continue;
      }
      if (!info) {
        this.o.logger.warn({ taskId: task.taskId, group: task.group }, 'CloudWatch Logs no longer knows the export task; its window is exported again');
        return 'FAILED';
      }
      if (info.status === 'COMPLETED') return 'COMPLETED';
      if (info.status === 'FAILED') {
        this.o.logger.warn({ taskId: task.taskId, group: task.group, reason: info.statusMessage }, 'export task failed; its window is exported again later');
        return 'FAILED';
      }
      if (info.status === 'CANCELLED') return cancelled ? 'SPLIT' : 'CANCELLED';
      if (!cancelled && info.status !== 'PENDING_CANCEL' && this.clock() - task.createdAt > this.o.maxTaskMs) {
        try {
          await this.o.logs.cancelExportTask(task.taskId, signal);
          cancelled = true;
          this.o.logger.warn({ taskId: task.taskId, group: task.group, maxTaskMs: this.o.maxTaskMs }, 'export task ran too long; cancelled, its window will be split');
        } catch (e) {
          // It may have finished meanwhile (InvalidOperationException): the next poll tells.
          this.o.logger.debug({ err: e, taskId: task.taskId }, 'CancelExportTask failed');
        }
      }
      await this.sleepFn(delay, signal);
      delay = Math.min(delay * 2, this.o.maxPollIntervalMs ?? 60000);
    }
    return 'aborted';
  }

  /** A task that did not complete: nothing of it is read; its partial objects are deleted; the window is tried again. */
  private async abandonTask(task: TaskState, outcome: 'FAILED' | 'CANCELLED' | 'SPLIT', signal: AbortSignal): Promise<void> {
    const minWindow = this.o.minWindowMs ?? 1000;
    const unsplittable = outcome === 'SPLIT' && task.to - task.from <= minWindow;
    this.o.metrics.exportTasks.inc({ result: unsplittable ? 'too_long' : outcome === 'SPLIT' ? 'split' : outcome === 'FAILED' ? 'failed' : 'cancelled' });
    if (unsplittable) {
      // Too long even at the smallest window: back the group off, so it does not hold the account's one task slot round after round.
      this.o.logger.error({ group: task.group, windowMs: task.to - task.from, maxTaskMs: this.o.maxTaskMs }, 'export task too long even at the smallest window; the group backs off');
      await this.groupFailed(task.group, 'too long at the smallest window');
    } else if (outcome === 'SPLIT') {
      const s = this.states.get(task.group) ?? { exportedUntil: task.from };
      const half = Math.max(minWindow, Math.floor((task.to - task.from) / 2));
      // The too-long window is covered in halves (halved again if need be), then windows are normal again.
      const next: GroupState = { ...s, windowMs: half, splitUntil: Math.max(s.splitUntil ?? 0, task.to) };
      this.states.set(task.group, next);
      await this.state.saveGroup(task.group, next);
    } else {
      await this.groupFailed(task.group, outcome.toLowerCase());
    }
    await this.deleteTaskObjects(task, signal);
    await this.state.saveTask(undefined);
  }

  private async groupFailed(group: string, why: string): Promise<void> {
    const s = this.states.get(group);
    if (!s) return;
    const failures = (s.failures ?? 0) + 1;
    const backoff = Math.min(this.o.pollIntervalMs * 2 ** Math.min(failures, 16), 15 * 60000);
    const next: GroupState = { ...s, failures, retryAt: this.clock() + backoff };
    this.states.set(group, next);
    await this.state.saveGroup(group, next);
    this.o.logger.debug({ group, why, failures, retryInMs: backoff }, 'group backs off');
  }

  private async commit(task: TaskState, signal: AbortSignal): Promise<void> {
    const s = this.states.get(task.group) ?? { exportedUntil: task.from };
    const stillSplit = s.splitUntil !== undefined && task.to < s.splitUntil;
    const next: GroupState = { exportedUntil: task.to, ...(stillSplit ? { windowMs: s.windowMs, splitUntil: s.splitUntil } : {}) };
    this.states.set(task.group, next);
    await this.state.saveGroup(task.group, next);
    this.o.metrics.exportTasks.inc({ result: 'completed' });
    this.progress.tasksCompleted++;
    this.o.logger.info({ group: task.group, taskId: task.taskId, exportedUntil: new Date(task.to).toISOString() }, 'export window delivered');
    this.updateGauges();
    this.reportProgress();
    await this.cleanup(task, signal);
  }

  private async cleanup(task: TaskState, signal: AbortSignal): Promise<void> {
    await this.deleteTaskObjects(task, signal);
    if (signal.aborted) return;
    await this.state.saveTask(undefined);
    this.contexts.delete(task.taskId);
  }

  private async deleteTaskObjects(task: TaskState, signal: AbortSignal): Promise<void> {
    if (this.o.deleteObjects === false) return;
    try {
      const objects = await this.o.objects.list(`${this.o.prefix}/${task.taskId}/`, signal);
      if (objects.length) await this.o.objects.delete(objects.map((x) => x.key), signal);
    } catch (e) {
      if (signal.aborted) return;
      // Left behind, they cost storage but are never read again (the task is done or abandoned).
      this.o.logger.warn({ err: e, taskId: task.taskId, prefix: `${this.o.prefix}/${task.taskId}/` }, 'could not delete the objects of an export task; delete them by hand or with a lifecycle rule');
    }
  }

  /** Runs a call until it succeeds (back-off; errors logged), or undefined when aborted. */
  private async retrying<T>(what: string, call: () => Promise<T>, signal: AbortSignal): Promise<T | undefined> {
    let delay = 200;
    while (!signal.aborted) {
      try {
        return await call();
      } catch (e) {
        if (signal.aborted) return undefined;
        this.o.metrics.retries.inc({ component: 'export' });
        const kind = exportErrorKind(e);
        (kind === 'fatal' ? this.o.logger.error.bind(this.o.logger) : this.o.logger.warn.bind(this.o.logger))({ err: e, what, retryInMs: delay }, 'call failed; retrying');
        await this.sleepFn(delay * (0.5 + Math.random() / 2), signal);
        delay = Math.min(delay * 2, 60000);
      }
    }
    return undefined;
  }

  // ---- reporting --------------------------------------------------------------------------

  private updateGauges(): void {
    let active = 0;
    let paused = 0;
    let oldest = Infinity;
    for (const g of this.groups.keys()) {
      if (this.isPaused(g)) {
        paused++;
        continue;
      }
      active++;
      oldest = Math.min(oldest, this.states.get(g)?.exportedUntil ?? Infinity);
    }
    this.o.metrics.exportGroups.set({ state: 'active' }, active);
    this.o.metrics.exportGroups.set({ state: 'paused' }, paused);
    if (Number.isFinite(oldest)) this.o.metrics.exportLagSeconds.set(Math.max(0, (this.clock() - oldest) / 1000));
  }

  /** Where the run stands now. */
  status(): ExportProgress {
    const limit = this.limit(this.clock());
    let exportedMs = 0;
    let remainingMs = 0;
    let groupsDone = 0;
    for (const g of this.groups.keys()) {
      const s = this.states.get(g);
      if (!s) continue;
      const start = this.startedAt.get(g) ?? s.exportedUntil;
      exportedMs += Math.max(0, s.exportedUntil - start);
      const left = Math.max(0, limit - s.exportedUntil);
      remainingMs += left;
      if (this.o.backfill ? s.exportedUntil >= this.o.backfill.until : left < this.windowOf(s)) groupsDone++;
    }
    return { groups: this.groups.size, groupsDone, exportedMs, remainingMs, ...this.progress };
  }

  private reportProgress(): void {
    this.o.onProgress?.(this.status());
  }
}
