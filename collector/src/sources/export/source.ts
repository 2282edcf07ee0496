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
 * events at both ends of its range. One window's task is run by tasks.ts; this file discovers,
 * schedules and reports.
 *
 * One exporter per account (AWS allows one active export task): the source runs only while its
 * replica holds the state store's leader lease (the file store: always). Standbys wait for it. When
 * the lease is lost the source stops at once: no new task, nothing more acknowledged (a state write
 * after the loss is refused); the next leader resumes from the recorded windows and adopts the task
 * in progress, as after a restart. On a graceful stop the lease is released after the last write.
 */
import { isTransientAwsError } from '../../aws/errors';
import { abortableSleep, backoffDelayMs, BackoffPolicy, Sleep } from '../../ops/backoff';
import type { ExportStore } from '../../state/export';
import { LeaseLostError } from '../../state/store';
import { ERROR_CODES, Source, SourceBatch } from '../../types';
import { EXPORT_DEFAULTS } from './config';
import { EMPTY_CONTROL, ExportControl, nameMatcher, pausedBy } from './control';
import type { LogGroupInfo } from './ports';
import { GroupState } from './state';
import { ExportTaskContext, ExportTaskOptions, ExportTasks } from './tasks';

/** The export source's options; those a window's task uses are declared with it (tasks.ts). */
export interface ExportSourceOptions extends ExportTaskOptions {
  /** Progress, the task in progress, the last discovery, the pause entries (re-read before each scheduling decision) and the leader lease. */
  readonly state: ExportStore;
  /** Name patterns (`*` wildcards) of the groups to export. @default the config schema's */
  readonly include?: readonly string[];
  /** @default the config schema's */
  readonly exclude?: readonly string[];
  /** Where a newly found group starts (ms), or 'now' (the current time, rounded down to a window). */
  readonly startTime: number | 'now';
  readonly windowMs: number;
  readonly settleMs: number;
  readonly discoveryIntervalMs: number;
  /** A group behind by several whole windows gets them in one task, up to this many. @default the config schema's */
  readonly maxWindowsPerTask?: number;
  /**
   * A one-off export of a fixed range (the `export backfill` command): groups start at `since`
   * (whatever the store says for new groups), no window ends after `until`, `run` resolves once
   * every group reached `until`. Discovery runs once.
   */
  readonly backfill?: { readonly since: number; readonly until: number; readonly groups?: readonly string[] };
  /** Progress after each commit (and once at start). */
  readonly onProgress?: (p: ExportProgress) => void;
  /** @default real timers */
  readonly sleep?: Sleep;
  /** @default Date.now */
  readonly clock?: () => number;
  /** Uniform in [0, 1), for the back-off jitter; for tests. @default Math.random */
  readonly random?: () => number;
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

export class ExportSourceError extends Error {
  readonly code = ERROR_CODES.source;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ExportSourceError';
  }
}

/** DescribeLogGroups pages retried within one discovery. */
const DISCOVERY_BACKOFF: BackoffPolicy = { baseMs: 500, capMs: 20000 };

export class ExportSource implements Source {
  private readonly state: ExportStore;
  private readonly include: ((n: string) => boolean)[];
  private readonly exclude: ((n: string) => boolean)[];
  private readonly onlyGroups: ((n: string) => boolean)[] | undefined;
  private readonly clock: () => number;
  private readonly sleepFn: Sleep;
  private readonly random: () => number;
  private readonly tasks: ExportTasks;
  /** Discovered groups that pass the filters, by name. */
  private groups = new Map<string, LogGroupInfo>();
  private readonly states = new Map<string, GroupState>();
  private nextDiscovery = 0;
  private cursor = '';
  private readonly contexts = new Map<string, ExportTaskContext>();
  private control: ExportControl = EMPTY_CONTROL;
  private controlError: Error | undefined;
  private readonly startedAt: Map<string, number> = new Map();
  private readonly progress = { tasksCompleted: 0, bytes: 0, objects: 0 };
  private discoveredOnce = false;

  constructor(private readonly o: ExportSourceOptions) {
    if (o.windowMs < 1) throw new ExportSourceError(`windowMs must be at least 1, got ${o.windowMs}`);
    if (o.prefix.startsWith('/') || o.prefix.endsWith('/'))
      throw new ExportSourceError(`prefix must not start or end with "/", got ${JSON.stringify(o.prefix)}`);
    this.state = o.state;
    this.include = (o.include ?? EXPORT_DEFAULTS.include).map(nameMatcher);
    this.exclude = (o.exclude ?? EXPORT_DEFAULTS.exclude).map(nameMatcher);
    this.onlyGroups = o.backfill?.groups?.map(nameMatcher);
    this.clock = o.clock ?? Date.now;
    this.sleepFn = o.sleep ?? abortableSleep;
    this.random = o.random ?? Math.random;
    this.tasks = new ExportTasks({
      o,
      state: this.state,
      states: this.states,
      contexts: this.contexts,
      progress: this.progress,
      clock: this.clock,
      sleep: this.sleepFn,
      random: this.random,
      groupArn: (group) => this.groups.get(group)?.arn,
      committed: () => {
        this.updateGauges();
        this.reportProgress();
      },
    });
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
    const leadership = this.state.leadership;
    let lease: AbortSignal | undefined;
    try {
      while (!signal.aborted) {
        lease = await leadership.acquire(signal);
        if (!lease) return;
        let outcome: 'done' | 'stopped';
        try {
          outcome = await this.lead(handle, AbortSignal.any([signal, lease]));
        } catch (e) {
          if (!(e instanceof LeaseLostError) && !lease.aborted) throw e;
          outcome = 'stopped';
        }
        if (outcome === 'done' || signal.aborted) return;
        this.o.logger.warn(
          { reason: (lease.reason as Error | undefined)?.message },
          'no longer the export leader: stopped creating export tasks; the new leader resumes from the recorded windows',
        );
      }
    } finally {
      // After the last state write: a standby takes the lease at its next try rather than once it expires.
      if (lease && !lease.aborted) await leadership.release();
    }
  }

  /** Exports while `signal` holds (the leader lease and the run); 'done' when a backfill reached its end. */
  private async lead(handle: (batch: SourceBatch) => Promise<void>, signal: AbortSignal): Promise<'done' | 'stopped'> {
    // The state as the previous leader (or run) left it; what this replica knew before may be old.
    this.states.clear();
    this.contexts.clear();
    this.discoveredOnce = false;
    for (const [name, s] of await this.state.groups()) this.states.set(name, s);
    // Groups first (a task left by the previous run needs its group's owner), then that task.
    while (!signal.aborted && !this.discoveredOnce) {
      if (!(await this.discover(signal))) await this.sleepFn(Math.min(this.o.discoveryIntervalMs, 30000), signal);
    }
    this.nextDiscovery = this.clock() + this.o.discoveryIntervalMs;
    await this.refreshControl();
    if (!signal.aborted) this.reportProgress();
    if (!signal.aborted) await this.tasks.recover(handle, signal);
    while (!signal.aborted) {
      if (!this.o.backfill && this.clock() >= this.nextDiscovery) {
        const ok = await this.discover(signal);
        this.nextDiscovery = this.clock() + (ok ? this.o.discoveryIntervalMs : Math.min(this.o.discoveryIntervalMs, 30000));
      }
      await this.refreshControl();
      this.updateGauges();
      if (this.o.backfill && this.backfillDone()) {
        this.reportProgress();
        return 'done';
      }
      const pick = this.pick(this.clock());
      if (!pick) {
        await this.sleepFn(this.idleDelay(this.clock()), signal);
        continue;
      }
      await this.tasks.runWindow(pick.group, pick.from, pick.to, handle, signal);
    }
    return 'stopped';
  }

  // ---- discovery ----------------------------------------------------------------------------

  /** Lists every log group (all pages). False when it failed (logged; retried sooner). */
  private async discover(signal: AbortSignal): Promise<boolean> {
    const found = new Map<string, LogGroupInfo>();
    let token: string | undefined;
    let failures = 0;
    let more = true;
    while (more && !signal.aborted) {
      try {
        const page = await this.o.logs.describeLogGroups(token, signal);
        for (const g of page.groups) if (this.wanted(g.name)) found.set(g.name, g);
        token = page.nextToken;
        more = token !== undefined;
        failures = 0;
      } catch (e) {
        if (signal.aborted) return false;
        this.o.metrics.retries.inc({ component: 'export' });
        if (!isTransientAwsError(e)) {
          this.o.logger.error({ err: e, code: ERROR_CODES.source }, 'DescribeLogGroups failed; keeping the groups known so far and retrying discovery later');
          return false;
        }
        await this.sleepFn(backoffDelayMs(DISCOVERY_BACKOFF, failures++, this.random), signal);
      }
    }
    if (signal.aborted) return false;
    const added = [...found.keys()].filter((n) => !this.groups.has(n));
    this.groups = found;
    this.discoveredOnce = true;
    await this.state.saveDiscovery({ at: this.clock(), groups: [...found.keys()].sort() });
    const fresh: Promise<void>[] = [];
    const start = this.o.backfill
      ? this.o.backfill.since
      : this.o.startTime === 'now'
        ? Math.floor(this.clock() / this.o.windowMs) * this.o.windowMs
        : this.o.startTime;
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

  private async refreshControl(): Promise<void> {
    const before = this.control;
    this.control = await this.state.control();
    const error = this.state.controlError;
    if (error && error.message !== this.controlError?.message)
      this.o.logger.error({ err: error }, 'the export pause entries cannot be read; keeping the ones read before');
    this.controlError = error;
    if (before !== this.control) {
      this.o.logger.info({ paused: Object.keys(this.control.paused) }, 'export pause entries read');
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
        const whole =
          s.windowMs === undefined ? Math.max(1, Math.min(this.o.maxWindowsPerTask ?? EXPORT_DEFAULTS.maxWindowsPerTask, Math.floor((limit - from) / win))) : 1;
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
