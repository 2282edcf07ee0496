/**
 * `cwl-siem-collector export …`: operating the export mode.
 *
 *   export status   --config FILE [--json]            groups, state, exported-until, lag; the task in progress
 *   export pause    GROUP --config FILE [--reason T]  no new export task for GROUP (a name or * pattern)
 *   export resume   GROUP --config FILE
 *   export backfill --config FILE --since DATE [--until DATE] [--group PATTERN]... [--window SECONDS]
 *
 * They work on the config's state store, from any machine that can reach it: pause/resume change
 * the pause entries a running collector re-reads (sources/export/control.ts); status reads the
 * progress, the pause entries and (DynamoDB) the leader, and never writes nor takes the state
 * folder's lock, which a running collector holds. backfill runs the export source over a fixed
 * range in this process, into the config's sink, with its own resumable state (a folder of its
 * own beside the collector's, or its own scope of the table, with its own leader lease).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import type { CollectorDeps } from '../app';
import { CollectorConfig, CollectorConfigError, ExportSourceConfig, loadCollectorConfig } from '../config/load';
import { createMetrics } from '../ops/metrics';
import { createLogger, logProcessWarnings, silentLogger } from '../ops/log';
import { ExportControl, pausedBy } from '../sources/export/control';
import type { ExportProgress } from '../sources/export/source';
import { doneCount } from '../sources/export/state';
import { createStateStore } from '../state';
import { StateConfig, STATE_FILES } from '../state/config';
import type { ExportStore } from '../state/export';
import { ExportControlError } from '../state/file/export';
import type { StateStore } from '../state/store';
import { ParsedArgs, parseCommandArgs, UsageError } from './args';
import { EXIT, usageError } from './conventions';

export interface ExportCommandIo {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  /** @default process.env */
  readonly env?: NodeJS.ProcessEnv;
  /** @default Date.now */
  readonly clock?: () => number;
  /** Extra dependencies of the backfill's collector (tests). */
  readonly deps?: Partial<CollectorDeps>;
  /** Resolves when the user interrupts (SIGINT/SIGTERM); backfill then drains and exits 1. @default process signals */
  readonly interrupted?: Promise<void>;
}

export const EXPORT_USAGE = `Usage: cwl-siem-collector export <command> --config FILE [options]

Commands:
  status                     each log group: state, exported-until, lag; and the task in progress
      --json                 the same as JSON
  pause GROUP                no new export task for GROUP (a log group name, or a pattern with *);
      --reason TEXT          a task already running for it completes; a running collector notices
                             the change without a restart
  resume GROUP               undo a pause (the exact name or pattern that was paused)
  backfill                   export a past range into the config's sink, then exit
      --since DATE           start (ISO 8601, e.g. 2026-11-01 or 2026-11-01T00:00:00Z); required
      --until DATE           end (default: now minus the config's settleSeconds)
      --group PATTERN        only these log groups (repeatable; default: the config's include/exclude)
      --window SECONDS       time range of one export task (default 86400)
      Progress goes to stderr: a bar on a terminal, a line every 10 s otherwise. Interrupted, it
      stops after the window in progress is delivered; the same command resumes it.

The config must be an export-mode config (source.type "export").
`;

const EXPORT_OPTIONS = {
  config: { type: 'string' },
  reason: { type: 'string' },
  since: { type: 'string' },
  until: { type: 'string' },
  group: { type: 'string', repeat: 'list' },
  window: { type: 'string' },
  'log-level': { type: 'string' },
  json: { type: 'boolean' },
} as const;

type Args = ParsedArgs<typeof EXPORT_OPTIONS>;

function exportConfig(a: Args, env: NodeJS.ProcessEnv): { config: CollectorConfig; source: ExportSourceConfig } {
  const path = a.values.config;
  if (!path) throw new UsageError('--config FILE is required');
  const config = loadCollectorConfig(path, env);
  if (config.source.type !== 'export')
    throw new UsageError(`${path}: export commands need an export-mode config (source.type "export"), this one is "${config.source.type}"`);
  return { config, source: config.source };
}

/** Runs `export <command>`; resolves with the exit code (0 ok, 1 failed or interrupted, 2 usage or config problem). */
export async function runExportCommand(argv: readonly string[], io: ExportCommandIo): Promise<number> {
  const [command, ...rest] = argv;
  const env = io.env ?? process.env;
  const clock = io.clock ?? Date.now;
  try {
    const a =
      command === undefined || command === '--help' || command === '-h' || command === 'help'
        ? 'help'
        : parseCommandArgs(rest, { options: EXPORT_OPTIONS, terminator: false });
    if (a === 'help') {
      io.stdout.write(EXPORT_USAGE);
      return EXIT.ok;
    }
    switch (command) {
      case 'status':
        return await status(a, io, env, clock);
      case 'pause':
      case 'resume':
        return await pauseOrResume(command, a, io, env, clock);
      case 'backfill':
        return await backfill(a, io, env, clock);
      default:
        throw new UsageError(`unknown export command "${command}"`);
    }
  } catch (e) {
    if (e instanceof UsageError) return usageError(io.stderr, 'cwl-siem-collector export', e.message, EXPORT_USAGE);
    if (e instanceof CollectorConfigError || e instanceof ExportControlError) {
      io.stderr.write(`${e.message}\n`);
      return EXIT.usage;
    }
    io.stderr.write(`cwl-siem-collector export ${command}: ${(e as Error).message}\n`);
    return EXIT.failed;
  }
}

// ---- status ---------------------------------------------------------------------------------

export interface GroupStatus {
  readonly group: string;
  readonly state: 'active' | 'paused' | 'backing off' | 'gone';
  readonly exportedUntil: string;
  readonly lagSeconds: number;
  readonly pausedBy?: string;
  readonly reason?: string;
}

/** The config's state store, for a command: the file store without its lock (a running collector holds it), the table checked. */
async function withExportState<T>(config: CollectorConfig, io: ExportCommandIo, use: (state: ExportStore, store: StateStore) => Promise<T>): Promise<T> {
  const logger = silentLogger();
  const metrics = createMetrics();
  const store = createStateStore(config.state, { logger, metrics, dynamodb: io.deps?.clients?.dynamodb });
  try {
    if (store.type === 'dynamodb') await store.open();
    return await use(store.exportState({ logger, metrics }), store);
  } finally {
    await store.close();
  }
}

/** Where a state config keeps the export progress, for messages. */
function progressWhere(state: StateConfig): string {
  return state.type === 'file' ? join(state.dir, STATE_FILES.checkpoints) : `DynamoDB table ${state.table} (${state.region})`;
}

/** Where a state config keeps the pause entries, for messages. */
function pausesWhere(state: StateConfig): string {
  return state.type === 'file' ? join(state.dir, STATE_FILES.exportControl) : `DynamoDB table ${state.table} (${state.region})`;
}

/** The pause entries now; an unreadable set is an error here (a running collector keeps its last good one). */
async function currentPauses(state: ExportStore): Promise<ExportControl> {
  const control = await state.control();
  if (state.controlError) throw state.controlError;
  return control;
}

async function status(a: Args, io: ExportCommandIo, env: NodeJS.ProcessEnv, clock: () => number): Promise<number> {
  if (a.positionals.length) throw new UsageError(`status takes no arguments, got ${a.positionals.join(' ')}`);
  const { config } = exportConfig(a, env);
  const { all, task, discovery, control, leader } = await withExportState(config, io, async (state, store) => {
    const [all, task, discovery, control] = await Promise.all([state.groups(), state.task(), state.discovery(), currentPauses(state)]);
    // The file store's lease is the process's that holds the folder: nothing to show.
    const leader = store.type === 'dynamodb' ? ((await state.leadership.holder()) ?? null) : undefined;
    return { all, task, discovery, control, leader };
  });
  const now = clock();
  const found = discovery ? new Set(discovery.groups) : undefined;
  const groups: GroupStatus[] = [...all]
    .sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0))
    .map(([group, s]) => {
      const by = pausedBy(control, group);
      return {
        group,
        state: found && !found.has(group) ? 'gone' : by !== undefined ? 'paused' : s.retryAt !== undefined && s.retryAt > now ? 'backing off' : 'active',
        exportedUntil: new Date(s.exportedUntil).toISOString(),
        lagSeconds: Math.max(0, Math.round((now - s.exportedUntil) / 1000)),
        ...(by !== undefined ? { pausedBy: by, reason: control.paused[by].reason } : {}),
      };
    });
  const unmatched = Object.keys(control.paused).filter((p) => !groups.some((g) => g.pausedBy === p));
  if (a.values.json) {
    io.stdout.write(
      `${JSON.stringify(
        {
          groups,
          task: task ?? null,
          pausedWithoutGroup: unmatched,
          lastDiscovery: discovery ? new Date(discovery.at).toISOString() : null,
          ...(leader !== undefined ? { leader } : {}),
        },
        null,
        2,
      )}\n`,
    );
    return EXIT.ok;
  }
  if (!groups.length) {
    io.stdout.write(`No log group exported yet (${progressWhere(config.state)} holds no export progress).\n`);
  } else {
    const rows = [
      ['GROUP', 'STATE', 'EXPORTED UNTIL', 'LAG'],
      ...groups.map((g) => [
        g.group,
        g.state + (g.pausedBy && g.pausedBy !== g.group ? ` (${g.pausedBy})` : ''),
        g.exportedUntil,
        formatDuration(g.lagSeconds * 1000),
      ]),
    ];
    const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
    for (const r of rows) io.stdout.write(`${r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  ')}\n`);
  }
  if (task) {
    const done = doneCount(task);
    io.stdout.write(
      task.taskId === ''
        ? `\nTask being created for ${task.group}: ${new Date(task.from).toISOString()} to ${new Date(task.to).toISOString()}\n`
        : `\nTask ${task.taskId} for ${task.group}: ${new Date(task.from).toISOString()} to ${new Date(task.to).toISOString()}, ${done} object${done === 1 ? '' : 's'} delivered\n`,
    );
  }
  for (const p of unmatched) io.stdout.write(`Paused, matching no group yet: ${p}\n`);
  if (discovery && groups.some((g) => g.state === 'gone')) {
    io.stdout.write(`"gone": not found (or no longer included) at the last discovery, ${new Date(discovery.at).toISOString()}; its progress is kept.\n`);
  }
  if (leader !== undefined) {
    io.stdout.write(leader === null ? 'Leader: none (the lease is free: a replica takes it at its next try)\n' : `Leader: ${leader}\n`);
  }
  return EXIT.ok;
}

// ---- pause / resume ---------------------------------------------------------------------------

async function pauseOrResume(command: 'pause' | 'resume', a: Args, io: ExportCommandIo, env: NodeJS.ProcessEnv, clock: () => number): Promise<number> {
  if (a.positionals.length !== 1) throw new UsageError(`${command} takes one log group name or pattern`);
  const group = a.positionals[0];
  if (!/^[.\-_/#A-Za-z0-9*]{1,512}$/.test(group))
    throw new UsageError(`${JSON.stringify(group)} is not a log group name or pattern (letters, digits, . - _ / # and *)`);
  const reason = a.values.reason;
  if (reason !== undefined && command === 'resume') throw new UsageError('--reason is for pause');
  const { config } = exportConfig(a, env);
  const where = pausesWhere(config.state);
  if (command === 'pause') {
    let already = false;
    await withExportState(config, io, (state) =>
      state.updateControl((c) => {
        already = Object.prototype.hasOwnProperty.call(c.paused, group);
        return already ? c : { paused: { ...c.paused, [group]: { since: new Date(clock()).toISOString(), ...(reason ? { reason } : {}) } } };
      }),
    );
    io.stdout.write(
      already
        ? `${group} was already paused.\n`
        : `Paused ${group}: no new export task for it; a task already running completes. A running collector notices within seconds (${where}).\n`,
    );
    return EXIT.ok;
  }
  let by: string | undefined;
  let removed = false;
  await withExportState(config, io, (state) =>
    state.updateControl((c) => {
      if (Object.prototype.hasOwnProperty.call(c.paused, group)) {
        removed = true;
        const paused = { ...c.paused };
        delete paused[group];
        return { paused };
      }
      by = pausedBy(c, group);
      return c;
    }),
  );
  if (removed) {
    io.stdout.write(`Resumed ${group}.\n`);
    return EXIT.ok;
  }
  if (by !== undefined) {
    io.stderr.write(`${group} is paused by the pattern ${by}; resume that pattern (or pause the other groups it covers by name).\n`);
    return EXIT.failed;
  }
  io.stdout.write(`${group} is not paused.\n`);
  return EXIT.ok;
}

// ---- backfill -----------------------------------------------------------------------------

function parseDate(flag: string, value: string): number {
  const t = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00Z` : value);
  if (Number.isNaN(t)) throw new UsageError(`${flag} must be a date or time in ISO 8601 (2026-11-01 or 2026-11-01T00:00:00Z), got ${JSON.stringify(value)}`);
  return t;
}

async function backfill(a: Args, io: ExportCommandIo, env: NodeJS.ProcessEnv, clock: () => number): Promise<number> {
  if (a.positionals.length) throw new UsageError(`backfill takes no arguments, got ${a.positionals.join(' ')}`);
  const sinceArg = a.values.since;
  if (!sinceArg) throw new UsageError('backfill needs --since DATE');
  const { config, source } = exportConfig(a, env);
  const since = parseDate('--since', sinceArg);
  const untilArg = a.values.until;
  const until = untilArg !== undefined ? parseDate('--until', untilArg) : clock() - source.settleSeconds * 1000;
  if (until <= since) throw new UsageError(`--until (${new Date(until).toISOString()}) must be after --since (${new Date(since).toISOString()})`);
  const windowArg = a.values.window;
  const windowSeconds = windowArg === undefined ? 86400 : Number(windowArg);
  if (!Number.isInteger(windowSeconds) || windowSeconds < 1 || windowSeconds > 30 * 86400)
    throw new UsageError(`--window must be a whole number of seconds from 1 to 2592000, got ${JSON.stringify(windowArg)}`);
  const groups = a.values.group;
  for (const g of groups ?? [])
    if (!/^[.\-_/#A-Za-z0-9*]{1,512}$/.test(g)) throw new UsageError(`--group ${JSON.stringify(g)} is not a log group name or pattern`);

  // Own state, keyed by what is exported: the same command resumes where it stopped.
  const id = createHash('sha256')
    .update(JSON.stringify([source.bucket, source.prefix, since, until, windowSeconds, groups ?? null]))
    .digest('hex')
    .slice(0, 12);
  const scope = `backfill-${id}`;
  // A folder of its own (its own lock: it runs beside a collector on the same folder), or the table with a scope of its own.
  const shared = config.state;
  const state: StateConfig = shared.type === 'file' ? { type: 'file', dir: join(shared.dir, scope) } : shared;
  if (shared.type === 'file' && state.type === 'file') adoptBackfillFile(join(shared.dir, `${scope}.json`), state.dir);
  const resuming = await backfillStarted(state, scope, io);
  const runConfig: CollectorConfig = {
    ...config,
    state,
    // A collector may be running with the same config: take any free port for this one.
    ops: { host: '127.0.0.1', port: 0 },
    logLevel: (a.values['log-level'] as CollectorConfig['logLevel'] | undefined) ?? 'warn',
  };
  const where = state.type === 'file' ? state.dir : `DynamoDB table ${state.table}, scope ${scope}`;
  const progress = new ProgressReporter(io.stderr, clock, windowSeconds * 1000);
  io.stderr.write(
    `${resuming ? 'Resuming' : 'Starting'} backfill ${new Date(since).toISOString()} → ${new Date(until).toISOString()}, ${windowSeconds} s windows${groups ? `, groups ${groups.join(' ')}` : ''} (state: ${where})\n`,
  );
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { buildCollector } = require('../app') as typeof import('../app');
  let logger = io.deps?.logger;
  if (!logger) {
    logger = createLogger(runConfig.logLevel);
    logProcessWarnings(logger);
  }
  const collector = buildCollector(runConfig, {
    ...io.deps,
    logger,
    exportOverrides: {
      backfill: { since, until, groups },
      windowMs: windowSeconds * 1000,
      maxWindowsPerTask: 1,
      scope: state.type === 'dynamodb' ? scope : undefined,
      onProgress: (p) => progress.update(p),
      ...io.deps?.exportOverrides,
    },
  });
  const interrupted = io.interrupted ?? processInterrupt();
  await collector.start();
  const outcome = await Promise.race([collector.finished.then(() => 'done' as const), interrupted.then(() => 'interrupted' as const)]).catch((e: unknown) => {
    io.stderr.write(`\nbackfill failed: ${(e as Error).message}\n`);
    return 'failed' as const;
  });
  const code = await collector.stop();
  progress.finish();
  if (outcome === 'done' && code === 0) {
    io.stderr.write(`Backfill complete: ${progress.summary()}\n`);
    return EXIT.ok;
  }
  if (outcome === 'interrupted') io.stderr.write(`Backfill interrupted: ${progress.summary()}. Run the same command to resume.\n`);
  return EXIT.failed;
}

/** Moves the state file of a backfill started by an earlier version (`backfill-<id>.json` beside the checkpoints) into its folder. */
function adoptBackfillFile(oldFile: string, dir: string): void {
  const file = join(dir, STATE_FILES.checkpoints);
  if (!existsSync(oldFile) || existsSync(file)) return;
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  renameSync(oldFile, file);
}

/** Whether this backfill has state already (it resumes). */
async function backfillStarted(state: StateConfig, scope: string, io: ExportCommandIo): Promise<boolean> {
  if (state.type === 'file') return existsSync(join(state.dir, STATE_FILES.checkpoints));
  const logger = silentLogger();
  const metrics = createMetrics();
  const store = createStateStore(state, { logger, metrics, dynamodb: io.deps?.clients?.dynamodb });
  try {
    await store.open();
    const s = store.exportState({ scope, logger, metrics });
    return (await s.groups()).size > 0 || (await s.task()) !== undefined;
  } finally {
    await store.close();
  }
}

function processInterrupt(): Promise<void> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
}

/** "45s", "12m 05s", "3h 07m", "2d 04h". */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  return `${Math.floor(s / 86400)}d ${String(Math.floor((s % 86400) / 3600)).padStart(2, '0')}h`;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}

/**
 * One progress line: share of the log time exported, groups done, windows (done / estimated
 * total), bytes read, and the ETA from the rate so far. `barWidth` 0 leaves the bar out.
 */
export function formatProgress(p: ExportProgress, elapsedMs: number, windowMs: number, barWidth: number): string {
  const total = p.exportedMs + p.remainingMs;
  const fraction = total > 0 ? p.exportedMs / total : 1;
  const windowsTotal = p.tasksCompleted + Math.ceil(p.remainingMs / windowMs);
  const eta = p.exportedMs > 0 && p.remainingMs > 0 ? formatDuration((elapsedMs * p.remainingMs) / p.exportedMs) : p.remainingMs > 0 ? '?' : '0s';
  const bar = barWidth > 0 ? `[${'#'.repeat(Math.round(fraction * barWidth)).padEnd(barWidth, '-')}] ` : '';
  return `${bar}${Math.floor(fraction * 100)}%  groups ${p.groupsDone}/${p.groups}  windows ${p.tasksCompleted}/${windowsTotal}  ${formatBytes(p.bytes)}  ETA ${eta}`;
}

class ProgressReporter {
  private readonly started: number;
  private last: ExportProgress | undefined;
  private lastLine = 0;
  private drawn = false;

  constructor(
    private readonly out: NodeJS.WritableStream & { isTTY?: boolean; columns?: number },
    private readonly clock: () => number,
    private readonly windowMs: number,
  ) {
    this.started = clock();
  }

  update(p: ExportProgress): void {
    this.last = p;
    const now = this.clock();
    if (this.out.isTTY) {
      const width = Math.max(10, Math.min(40, (this.out.columns ?? 80) - 70));
      this.out.write(`\r${formatProgress(p, now - this.started, this.windowMs, width)}\x1b[K`);
      this.drawn = true;
    } else if (now - this.lastLine >= 10000 || (p.remainingMs === 0 && p.groupsDone === p.groups)) {
      this.lastLine = now;
      this.out.write(`${new Date(now).toISOString()} ${formatProgress(p, now - this.started, this.windowMs, 0)}\n`);
    }
  }

  finish(): void {
    if (this.drawn) this.out.write('\n');
  }

  summary(): string {
    const p = this.last;
    if (!p) return 'nothing exported';
    return `${p.tasksCompleted} window${p.tasksCompleted === 1 ? '' : 's'} of ${p.groups} group${p.groups === 1 ? '' : 's'}, ${p.objects} object${p.objects === 1 ? '' : 's'}, ${formatBytes(p.bytes)} in ${formatDuration(this.clock() - this.started)}`;
  }
}
