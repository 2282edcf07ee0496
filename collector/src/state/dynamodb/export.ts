/**
 * The DynamoDB store's export state (state/export.ts): one item per fact, so no item grows with the
 * number of log groups (an item holds at most 400 KB) and no write rewrites a map of them all.
 * Keys start with `export/` (`export/scope/<scope>/` for a scoped store, e.g. a backfill's):
 *
 * | key | attributes | |
 * |---|---|---|
 * | export/leader | leaseOwner (S), leaseCounter (N) | the leader lease (leader.ts) |
 * | export/group/<name> | exportedUntil, windowMs?, splitUntil?, failures?, retryAt? (N), lostAt? (N) | a group's progress (sources/export/state.ts); lostAt: the discovery that first missed it |
 * | export/task | taskId?, taskName, group (S), from, to, createdAt (N), doneKey? (S), doneCount (N) | the task in progress; none when no task |
 * | export/discovery | at (N) | the last discovery: the groups it found are the group items without lostAt |
 * | export/pause/<name or pattern> | since (S), reason? (S) | a pause entry |
 * | export/pauses | version (N) | bumped by every change of the pause entries, so readers scan them only then |
 *
 * Progress, task and discovery items are written by the leader only, each stamped with its epoch
 * (`leaderEpoch`, the lease counter of its take): a write refuses an item stamped by a later leader
 * (LeaseLostError, nothing written), as does any write once the lease is lost or was not renewed for
 * a whole lease duration. On taking the lease, the leader stamps the task item first, so the
 * previous leader can no longer change the task the new one adopts. `exportedUntil` never moves
 * back (a conditional write; an earlier one resolves without writing). Transient errors of the
 * table are tried again: writes (all idempotent) for as long as the lease holds, reads a few times.
 *
 * The task keeps `doneKey`/`doneCount` instead of the list of done objects, which can be thousands
 * of keys: objects are acknowledged one at a time in S3's key order (TaskState.doneThrough).
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { isConditionFailed, isTransientAwsError } from '../../aws/errors';
import { abortableSleep, backoffDelayMs, BackoffPolicy, Sleep } from '../../ops/backoff';
import type { Logger } from '../../ops/log';
import type { CollectorMetrics } from '../../ops/metrics';
import { EMPTY_CONTROL, ExportControl, PauseEntry, sameControl } from '../../sources/export/control';
import { compactGroup, compareObjectKeys, DiscoveryState, ExportStateError, GroupState, TaskState } from '../../sources/export/state';
import type { ExportStore, Leadership } from '../export';
import { StateStoreError } from '../store';
import { DynamoDbLeadership } from './leader';
import { attr, Item, LEASE_KEY, LeaseTable } from './table';

export interface DynamoDbExportStoreOptions {
  readonly table: LeaseTable;
  readonly workerId: string;
  readonly leaseDurationMs: number;
  readonly logger: Logger;
  readonly metrics: CollectorMetrics;
  /** Milliseconds of a monotonic clock. @default performance.now */
  readonly clock?: () => number;
  /** A namespace of its own (a backfill's id): its own leader lease and progress, no pause entries. @default the collector's */
  readonly scope?: string;
  /** `control()` reads the table again at most this often. @default 5000 */
  readonly controlRefreshMs?: number;
  /** Waits of the leader lease; for tests. @default real timers */
  readonly sleep?: Sleep;
}

const EPOCH = 'leaderEpoch';
/** Progress fields of a group item besides exportedUntil, removed when the state has none. */
const OPTIONAL_GROUP_FIELDS = ['windowMs', 'splitUntil', 'failures', 'retryAt'] as const;
/** Writes in flight at once (discovery of thousands of groups saves them together). */
const MAX_WRITES = 16;
/** Transient errors of the table are tried again after these delays; reads give up after READ_ATTEMPTS, writes when the lease ends. */
const RETRY: BackoffPolicy = { baseMs: 100, capMs: 2000 };
const READ_ATTEMPTS = 6;
const NEVER = new AbortController().signal;

export class DynamoDbExportStore implements ExportStore {
  readonly leadership: Leadership;
  controlError?: Error;
  private readonly leader: DynamoDbLeadership;
  private readonly table: LeaseTable;
  private readonly base: string;
  private readonly clock: () => number;
  private readonly sleep: Sleep;
  private control_: ExportControl = EMPTY_CONTROL;
  private controlReadAt?: number;
  private controlVersion?: number;
  private writing = 0;
  private readonly writers: (() => void)[] = [];

  constructor(private readonly o: DynamoDbExportStoreOptions) {
    this.table = o.table;
    this.base = o.scope === undefined ? 'export/' : `export/scope/${o.scope}/`;
    this.clock = o.clock ?? (() => performance.now());
    this.sleep = o.sleep ?? abortableSleep;
    this.leader = new DynamoDbLeadership({
      table: o.table,
      key: `${this.base}leader`,
      workerId: o.workerId,
      leaseDurationMs: o.leaseDurationMs,
      logger: o.logger,
      metrics: o.metrics,
      clock: o.clock,
      sleep: o.sleep,
    });
    const leader = this.leader;
    this.leadership = {
      workerId: leader.workerId,
      acquire: async (signal) => {
        const lost = await leader.acquire(signal);
        if (lost && !lost.aborted) await this.claimTask();
        return lost;
      },
      release: () => leader.release(),
      holder: () => leader.holder(),
    };
  }

  async groups(): Promise<Map<string, GroupState>> {
    const out = new Map<string, GroupState>();
    for (const item of await this.read(() => this.table.scan(this.groupPrefix))) {
      const key = attr.str(item, LEASE_KEY)!;
      const exportedUntil = attr.num(item, 'exportedUntil');
      if (exportedUntil === undefined || !Number.isFinite(exportedUntil)) throw new ExportStateError(`item ${key} has no numeric exportedUntil`);
      const s: { -readonly [K in keyof GroupState]: GroupState[K] } = { exportedUntil };
      for (const f of OPTIONAL_GROUP_FIELDS) {
        const v = attr.num(item, f);
        if (v !== undefined) s[f] = v;
      }
      out.set(key.slice(this.groupPrefix.length), s);
    }
    return out;
  }

  async saveGroup(name: string, state: GroupState): Promise<void> {
    const s = compactGroup(state);
    const key = this.groupPrefix + name;
    const names: Record<string, string> = { '#until': 'exportedUntil' };
    const values: Record<string, AttributeValue> = { ':until': attr.n(s.exportedUntil) };
    const set = ['#until = :until'];
    const remove: string[] = [];
    for (const f of OPTIONAL_GROUP_FIELDS) {
      names[`#${f}`] = f;
      if (s[f] === undefined) remove.push(`#${f}`);
      else {
        set.push(`#${f} = :${f}`);
        values[`:${f}`] = attr.n(s[f]);
      }
    }
    await this.asLeader(
      `the progress of ${name}`,
      key,
      (fence) =>
        this.table.update({
          Key: this.keyOf(key),
          UpdateExpression: `SET ${[...set, fence.set].join(', ')}${remove.length ? ` REMOVE ${remove.join(', ')}` : ''}`,
          ConditionExpression: `(attribute_not_exists(#until) OR #until <= :until) AND ${fence.condition}`,
          ExpressionAttributeNames: { ...names, ...fence.names },
          ExpressionAttributeValues: { ...values, ...fence.values },
        }),
      (item) =>
        this.o.logger.warn(
          { group: name, stored: item && attr.num(item, 'exportedUntil'), given: s.exportedUntil },
          'the stored exportedUntil of the group is later; kept it (it never moves back)',
        ),
    );
  }

  async task(): Promise<TaskState | undefined> {
    const item = await this.read(() => this.table.get(this.taskKey));
    if (!item) return undefined;
    const group = attr.str(item, 'group');
    const from = attr.num(item, 'from');
    const to = attr.num(item, 'to');
    if (group === undefined || from === undefined || to === undefined)
      throw new ExportStateError(`item ${this.taskKey} is not a task (group, from and to are needed)`);
    const doneKey = attr.str(item, 'doneKey');
    return {
      taskId: attr.str(item, 'taskId') ?? '',
      taskName: attr.str(item, 'taskName') ?? '',
      group,
      from,
      to,
      createdAt: attr.num(item, 'createdAt') ?? 0,
      done: [],
      ...(doneKey !== undefined ? { doneThrough: { key: doneKey, count: attr.num(item, 'doneCount') ?? 0 } } : {}),
    };
  }

  async saveTask(task: TaskState | undefined): Promise<void> {
    const key = this.taskKey;
    if (!task) {
      await this.asLeader('the end of the task', key, (fence) =>
        this.table.delete({
          Key: this.keyOf(key),
          ConditionExpression: fence.condition,
          ExpressionAttributeNames: fence.names,
          ExpressionAttributeValues: fence.values,
        }),
      );
      return;
    }
    let doneKey = task.doneThrough?.key;
    for (const k of task.done) if (doneKey === undefined || compareObjectKeys(k, doneKey) > 0) doneKey = k;
    const item: Item = {
      ...this.keyOf(key),
      taskName: attr.s(task.taskName),
      group: attr.s(task.group),
      from: attr.n(task.from),
      to: attr.n(task.to),
      createdAt: attr.n(task.createdAt),
      doneCount: attr.n((task.doneThrough?.count ?? 0) + task.done.length),
    };
    if (task.taskId !== '') item.taskId = attr.s(task.taskId);
    if (doneKey !== undefined) item.doneKey = attr.s(doneKey);
    await this.asLeader('the task', key, (fence) =>
      this.table.put({
        Item: { ...item, [EPOCH]: fence.values[':epoch'] },
        ConditionExpression: fence.condition,
        ExpressionAttributeNames: fence.names,
        ExpressionAttributeValues: fence.values,
      }),
    );
  }

  async discovery(): Promise<DiscoveryState | undefined> {
    const item = await this.read(() => this.table.get(this.discoveryKey));
    const at = item && attr.num(item, 'at');
    if (at === undefined) return undefined;
    const groups = (await this.read(() => this.table.scan(this.groupPrefix)))
      .filter((g) => g.lostAt === undefined)
      .map((g) => attr.str(g, LEASE_KEY)!.slice(this.groupPrefix.length))
      .sort();
    return { at, groups };
  }

  async saveDiscovery(d: DiscoveryState): Promise<void> {
    await this.asLeader('the discovery', this.discoveryKey, (fence) =>
      this.table.update({
        Key: this.keyOf(this.discoveryKey),
        UpdateExpression: `SET #at = :at, ${fence.set}`,
        ConditionExpression: fence.condition,
        ExpressionAttributeNames: { '#at': 'at', ...fence.names },
        ExpressionAttributeValues: { ':at': attr.n(d.at), ...fence.values },
      }),
    );
    // Only groups whose found/not found changed are written: a discovery of thousands of groups costs a scan, not thousands of writes.
    const found = new Set(d.groups);
    const changes: Promise<void>[] = [];
    for (const item of await this.read(() => this.table.scan(this.groupPrefix))) {
      const key = attr.str(item, LEASE_KEY)!;
      const name = key.slice(this.groupPrefix.length);
      const lost = item.lostAt !== undefined;
      if (found.has(name) === !lost) continue;
      changes.push(
        this.asLeader(
          `the discovery of ${name}`,
          key,
          (fence) =>
            this.table.update({
              Key: this.keyOf(key),
              UpdateExpression: lost ? `REMOVE #lost SET ${fence.set}` : `SET #lost = :at, ${fence.set}`,
              // Only on an existing group item: never a group item without progress.
              ConditionExpression: `attribute_exists(#until) AND ${fence.condition}`,
              ExpressionAttributeNames: { '#lost': 'lostAt', '#until': 'exportedUntil', ...fence.names },
              ExpressionAttributeValues: { ...(lost ? {} : { ':at': attr.n(d.at) }), ...fence.values },
            }),
          () => undefined,
        ),
      );
    }
    await Promise.all(changes);
  }

  async control(): Promise<ExportControl> {
    if (this.o.scope !== undefined) return EMPTY_CONTROL;
    const now = this.clock();
    if (this.controlReadAt !== undefined && now - this.controlReadAt < (this.o.controlRefreshMs ?? 5000)) return this.control_;
    this.controlReadAt = now;
    try {
      const version = attr.num((await this.table.get(this.pausesKey)) ?? {}, 'version') ?? 0;
      if (version !== this.controlVersion) {
        const next = await this.readPauses();
        if (!sameControl(next, this.control_)) this.control_ = next;
        this.controlVersion = version;
      }
      this.controlError = undefined;
    } catch (e) {
      this.controlError = e instanceof StateStoreError ? e : new StateStoreError(`cannot read the export pause entries: ${(e as Error).message}`, { cause: e });
    }
    return this.control_;
  }

  async updateControl(change: (c: ExportControl) => ExportControl): Promise<ExportControl> {
    if (this.o.scope !== undefined) throw new StateStoreError(`the export state of scope ${this.o.scope} has no pause entries`);
    const before = await this.readPauses();
    const next = change(before);
    // Only the entries that changed are written, so concurrent changes of different entries all stay.
    const writes: Promise<void>[] = [];
    for (const k of Object.keys(before.paused)) {
      if (!Object.prototype.hasOwnProperty.call(next.paused, k)) writes.push(this.table.delete({ Key: this.keyOf(this.pausePrefix + k) }));
    }
    for (const [k, e] of Object.entries(next.paused)) {
      const old = Object.prototype.hasOwnProperty.call(before.paused, k) ? before.paused[k] : undefined;
      if (old && old.since === e.since && old.reason === e.reason) continue;
      writes.push(
        this.table.put({
          Item: { ...this.keyOf(this.pausePrefix + k), since: attr.s(e.since), ...(e.reason !== undefined ? { reason: attr.s(e.reason) } : {}) },
        }),
      );
    }
    if (!writes.length) return next;
    await Promise.all(writes);
    await this.table.update({
      Key: this.keyOf(this.pausesKey),
      UpdateExpression: 'ADD #version :one',
      ExpressionAttributeNames: { '#version': 'version' },
      ExpressionAttributeValues: { ':one': attr.n(1) },
    });
    this.controlReadAt = undefined;
    return next;
  }

  private async readPauses(): Promise<ExportControl> {
    const paused: Record<string, PauseEntry> = {};
    for (const item of await this.read(() => this.table.scan(this.pausePrefix))) {
      const key = attr.str(item, LEASE_KEY)!;
      const since = attr.str(item, 'since');
      if (since === undefined) throw new StateStoreError(`the pause entry ${key} needs a "since" (S) attribute`);
      const reason = attr.str(item, 'reason');
      paused[key.slice(this.pausePrefix.length)] = reason !== undefined ? { since, reason } : { since };
    }
    return { paused };
  }

  /** Stamps the task item with this leader's epoch: from then on the previous leader cannot change it. */
  private async claimTask(): Promise<void> {
    let epoch: number;
    try {
      epoch = this.leader.epoch('the claim of the task');
    } catch {
      return;
    }
    try {
      await this.table.update({
        Key: this.keyOf(this.taskKey),
        UpdateExpression: 'SET #epoch = :epoch',
        ConditionExpression: 'attribute_exists(#key) AND (attribute_not_exists(#epoch) OR #epoch <= :epoch)',
        ExpressionAttributeNames: { '#epoch': EPOCH, '#key': LEASE_KEY },
        ExpressionAttributeValues: { ':epoch': attr.n(epoch) },
      });
    } catch (e) {
      // No task (nothing to claim), or a later leader claimed it (the next renew finds the lease gone).
      if (!isConditionFailed(e)) this.o.logger.warn({ err: e }, 'could not claim the export task item; the first write of it will');
    }
  }

  /**
   * A write as leader: `write` gets the fence (condition, names, values and the SET of the epoch) to
   * add. A refused condition is the fence's when a later leader stamped the item (LeaseLostError),
   * otherwise `otherwise` (the write's own condition) decides; without it the refusal is rethrown.
   */
  private async asLeader(what: string, key: string, write: (fence: Fence) => Promise<unknown>, otherwise?: (item: Item | undefined) => void): Promise<void> {
    await this.limited(async () => {
      for (let attempt = 0; ; attempt++) {
        // Asked again before every try: a write retried past the lease's end is refused, not sent.
        const epoch = this.leader.epoch(what);
        const fence: Fence = {
          condition: '(attribute_not_exists(#epoch) OR #epoch <= :epoch)',
          set: '#epoch = :epoch',
          names: { '#epoch': EPOCH },
          values: { ':epoch': attr.n(epoch) },
        };
        try {
          await write(fence);
          return;
        } catch (e) {
          if (isConditionFailed(e)) {
            const item = await this.read(() => this.table.get(key));
            if ((item ? (attr.num(item, EPOCH) ?? 0) : 0) > epoch) throw this.leader.superseded(what);
            if (!otherwise) throw e;
            otherwise(item);
            return;
          }
          // Every write here is idempotent, also one whose answer was lost: trying again is safe.
          if (!isTransientAwsError(e)) throw e;
          this.o.logger.warn({ err: e, what }, 'writing the export state failed; trying again');
          await this.sleep(backoffDelayMs(RETRY, attempt), NEVER);
        }
      }
    });
  }

  /** A read, tried again a few times on transient errors. */
  private async read<T>(call: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await call();
      } catch (e) {
        if (!isTransientAwsError(e) || attempt + 1 >= READ_ATTEMPTS) throw e;
        await this.sleep(backoffDelayMs(RETRY, attempt), NEVER);
      }
    }
  }

  private async limited<T>(run: () => Promise<T>): Promise<T> {
    // A slot is handed from a finished write to the next waiting one, never left free in between.
    if (this.writing >= MAX_WRITES) await new Promise<void>((resolve) => this.writers.push(resolve));
    else this.writing++;
    try {
      return await run();
    } finally {
      const next = this.writers.shift();
      if (next) next();
      else this.writing--;
    }
  }

  private keyOf(key: string): Item {
    return { [LEASE_KEY]: attr.s(key) };
  }

  private get groupPrefix(): string {
    return `${this.base}group/`;
  }

  private get taskKey(): string {
    return `${this.base}task`;
  }

  private get discoveryKey(): string {
    return `${this.base}discovery`;
  }

  private get pausePrefix(): string {
    return `${this.base}pause/`;
  }

  private get pausesKey(): string {
    return `${this.base}pauses`;
  }
}

interface Fence {
  readonly condition: string;
  readonly set: string;
  readonly names: Record<string, string>;
  readonly values: Record<string, AttributeValue>;
}
