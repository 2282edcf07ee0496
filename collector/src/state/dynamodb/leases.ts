/**
 * Shard leases on DynamoDB, the way the Kinesis Client Library 2.x keeps them (items.ts has the
 * item; ../../../shared/reference/scale-out.md §1 the protocol facts). Every replica runs one
 * coordinator per stream:
 *
 * - renew: every leaseDurationMs/3, each held lease's counter is bumped (unless a checkpoint of it
 *   did so within the last sixth), conditional on the counter last written and on the owner. A
 *   refused condition means another replica took the lease: it is dropped at once (`lost` aborted).
 *   A failed call keeps the lease until no write of it succeeded for a whole lease duration, since
 *   other replicas may take it from then on.
 * - take: every leaseDurationMs/3 the table is scanned. A lease whose counter this replica has seen
 *   unchanged for a lease duration (on its own monotonic clock, never another host's) is expired;
 *   an unowned one is free at once. The replica takes free or expired readable leases up to its fair
 *   share, ceil(readable / workers), workers being the owners of leases not expired, itself
 *   included; when none is free and it has less than its share, it steals one lease a cycle from the
 *   replica holding most.
 * - checkpoint: a conditional write that also renews; one in flight per lease, the newest value next.
 *
 * Every write is conditional on the counter, so two replicas never both succeed in taking one lease,
 * and a replica that lost a lease can no longer checkpoint it. A stolen lease is handed out (`held()`)
 * only a lease duration after the steal: by then its previous owner has seen its renewal refused, or
 * dropped it for want of renewals, so no two replicas read a shard at once.
 *
 * The signal given to `start` stops both timers (a stopped replica neither renews nor takes): its
 * leases then expire, as a crashed replica's do, unless `release` gives them up first.
 */
import type { Shard } from '@aws-sdk/client-kinesis';
import { awsErrorName, classifyAwsError, isConditionFailed } from '../../aws/errors';
import type { Logger } from '../../ops/log';
import type { CollectorMetrics } from '../../ops/metrics';
import { initialCheckpoint, isReadable, isSequenceNumber, moveForward, parentsOf } from '../kinesis-rules';
import { HeldShard, LeaseLostError, LeaseStatus, SHARD_END, ShardLeases, StartCheckpoint, StateStoreError } from '../store';
import { checkpointUpdate, deleteCondition, LeaseUpdate, newLeaseItem, parseLeaseItem, releaseUpdate, renewUpdate, ShardLeaseItem, takeUpdate } from './items';
import { Item, LEASE_KEY, LeaseTable } from './table';

export interface DynamoDbShardLeasesOptions {
  readonly table: LeaseTable;
  /** This replica's id, written as `leaseOwner`: any string, unique to the process. */
  readonly workerId: string;
  /** A lease whose counter does not change for this long is taken over; held leases are renewed every third of it. */
  readonly leaseDurationMs: number;
  /** The stream's name (logs). */
  readonly stream: string;
  readonly logger: Logger;
  readonly metrics: CollectorMetrics;
  /** Milliseconds of a monotonic clock. @default performance.now */
  readonly clock?: () => number;
  /** Uniform in [0, 1): the order leases are taken in and the lease stolen (tests). @default Math.random */
  readonly random?: () => number;
}

type TakeHow = 'unowned' | 'expired' | 'stolen';
type LostWhy = 'condition' | 'expired' | 'released';

interface Waiter {
  resolve(): void;
  reject(e: unknown): void;
}

/** A checkpoint asked for, and the calls waiting for it (older values asked meanwhile wait for it too). */
interface PendingCheckpoint {
  value: string;
  children?: readonly string[];
  waiters: Waiter[];
}

/** A lease this replica holds. */
interface Holding {
  readonly shardId: string;
  /** The counter of this replica's last write the table confirmed. */
  counter: bigint;
  /** The durable checkpoint. */
  checkpoint: string;
  readonly controller: AbortController;
  /** Clock time at which the last confirmed write was sent (the table cannot have applied it earlier). */
  lastOkAt: number;
  /** Writes since then whose answer never came: the table may have applied them (counters up to counter + unconfirmed). */
  unconfirmed: number;
  /** A write of the lease (renew or checkpoint) is running: they never overlap, both bump the counter. */
  busy: boolean;
  idle: Promise<void>;
  renewDue: boolean;
  inFlight?: PendingCheckpoint;
  wanted?: PendingCheckpoint;
  expiry?: NodeJS.Timeout;
  /** Not handed out before this clock time (a stolen lease). */
  visibleAt: number;
  visibleTimer?: NodeJS.Timeout;
  view?: HeldShard;
}

/** When a counter value was first seen by this replica. */
interface Seen {
  readonly counter: bigint;
  readonly since: number;
}

export class DynamoDbShardLeases implements ShardLeases {
  private readonly table: LeaseTable;
  private readonly me: string;
  private readonly durationMs: number;
  private readonly renewIntervalMs: number;
  private readonly takeIntervalMs: number;
  private readonly log: Logger;
  private readonly metrics: CollectorMetrics;
  private readonly clock: () => number;
  private readonly random: () => number;

  /** The table as last read (scan) or written by this replica, shard leases only. */
  private leases = new Map<string, ShardLeaseItem>();
  private readonly seen = new Map<string, Seen>();
  private readonly holdings = new Map<string, Holding>();
  private readonly listeners = new Set<() => void>();
  private readonly warnedMalformed = new Set<string>();
  /** Scans with what follows them (take cycles, syncs, the release) run one at a time. */
  private cycle: Promise<unknown> = Promise.resolve();
  private started = false;
  private stopped = false;
  private releasing = false;
  private renewTimer?: NodeJS.Timeout;
  private takeTimer?: NodeJS.Timeout;
  private readableCount = 0;
  private lastSignature = '';
  private withoutSince?: number;

  constructor(o: DynamoDbShardLeasesOptions) {
    this.table = o.table;
    this.me = o.workerId;
    this.durationMs = o.leaseDurationMs;
    this.renewIntervalMs = o.leaseDurationMs / 3;
    // A replica killed right after a write of counter value v (time w) loses its leases within two
    // lease durations: a scan (every T) first sees v by w + T; the first scan at least a lease
    // duration later, past the end of the one that saw v, is at most ceil((D + scan time) / T)·T =
    // 4T = 4D/3 after it (T = D/3); so the take happens by w + 5D/3 plus one write, < 2D. (T = D/2
    // would give w + 2D.) KCL scans every 2D and takes over within about 3D.
    this.takeIntervalMs = o.leaseDurationMs / 3;
    this.log = o.logger.child({ stream: o.stream, workerId: o.workerId });
    this.metrics = o.metrics;
    this.clock = o.clock ?? (() => performance.now());
    this.random = o.random ?? Math.random;
  }

  async start(signal: AbortSignal): Promise<void> {
    if (this.started) throw new Error('DynamoDbShardLeases.start called twice');
    this.started = true;
    if (signal.aborted) return this.stop();
    signal.addEventListener('abort', () => this.stop(), { once: true });
    try {
      await this.exclusive(() => this.takeCycle());
    } catch (e) {
      if (classifyAwsError(e) === 'fatal' || classifyAwsError(e) === 'not-found') {
        this.stop();
        throw new StateStoreError(`the lease table ${this.table.name} cannot be scanned (${awsErrorName(e) || 'error'})`, { cause: e });
      }
      this.log.warn({ err: e, errorName: awsErrorName(e) }, 'first scan of the lease table failed; retrying at the next cycle');
    }
    if (this.stopped) return;
    this.renewTimer = setInterval(() => this.renewAll(), this.renewIntervalMs);
    this.renewTimer.unref();
    this.scheduleTakes();
  }

  async sync(shards: readonly Shard[], start: StartCheckpoint): Promise<void> {
    await this.exclusive(async () => {
      await this.refresh();
      const listed = new Map(shards.filter((s) => s.ShardId).map((s) => [s.ShardId!, s]));
      const createdElsewhere = new Set<string>();
      for (const shard of parentsFirst([...listed.values()])) {
        const id = shard.ShardId!;
        if (this.leases.has(id)) continue;
        const checkpoint = initialCheckpoint(shard, (p) => this.leases.has(p) || createdElsewhere.has(p), start);
        const item = newLeaseItem(shard, checkpoint);
        try {
          await this.table.put({ Item: item, ConditionExpression: 'attribute_not_exists(#key)', ExpressionAttributeNames: { '#key': LEASE_KEY } });
          this.log.info({ shard: id, checkpoint, parents: parentsOf(shard) }, 'created the lease of a new shard');
          this.record(item, this.clock());
        } catch (e) {
          // Another replica created it first: its first checkpoint follows the same rule.
          if (!isConditionFailed(e)) throw e;
          createdElsewhere.add(id);
        }
      }
      for (const lease of [...this.leases.values()]) {
        if (lease.checkpoint !== SHARD_END || listed.has(lease.shardId)) continue;
        try {
          await this.table.delete(deleteCondition(lease.shardId, lease.counter));
          this.log.info({ shard: lease.shardId }, 'deleted the lease of a finished shard no longer listed');
        } catch (e) {
          if (!isConditionFailed(e)) throw e;
        }
        this.leases.delete(lease.shardId);
        this.seen.delete(lease.shardId);
      }
      this.changed();
    });
    // New leases may be free to take, children may have become readable.
    this.takeSoon();
  }

  held(): readonly HeldShard[] {
    const now = this.clock();
    const out: HeldShard[] = [];
    for (const h of [...this.holdings.values()].sort((a, b) => (a.shardId < b.shardId ? -1 : a.shardId > b.shardId ? 1 : 0))) {
      if (h.visibleAt > now) continue;
      if (h.view?.checkpoint !== h.checkpoint) h.view = { shardId: h.shardId, checkpoint: h.checkpoint, lost: h.controller.signal };
      out.push(h.view);
    }
    return out;
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  checkpoint(shardId: string, value: string, childShardIds?: readonly string[]): Promise<void> {
    if (value !== SHARD_END && !isSequenceNumber(value))
      return Promise.reject(new Error(`a checkpoint is a sequence number or ${SHARD_END}, not ${JSON.stringify(value)} (shard ${shardId})`));
    const h = this.holdings.get(shardId);
    if (!h || this.releasing) return Promise.reject(this.lostError(shardId));
    const latest = h.wanted?.value ?? h.inFlight?.value ?? h.checkpoint;
    if (!moveForward(h.checkpoint, value)) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const waiter = { resolve, reject };
      if (!moveForward(latest, value)) (h.wanted ?? h.inFlight)!.waiters.push(waiter);
      else if (h.wanted) h.wanted = { value, children: childShardIds ?? h.wanted.children, waiters: [...h.wanted.waiters, waiter] };
      else h.wanted = { value, children: childShardIds, waiters: [waiter] };
      this.kick(h);
    });
  }

  async release(): Promise<void> {
    this.releasing = true;
    this.stop();
    await this.exclusive(async () => {
      await Promise.all(
        [...this.holdings.values()].map(async (h) => {
          while (h.busy) await h.idle;
          if (!this.holds(h)) return;
          try {
            await this.table.update(releaseUpdate(h.shardId, h.counter, this.me));
          } catch (e) {
            // A refused condition: the lease was not ours any more. Otherwise others take it once it expires.
            if (!isConditionFailed(e)) this.log.warn({ shard: h.shardId, err: e, errorName: awsErrorName(e) }, 'releasing a lease failed; it expires instead');
          }
          this.drop(h, 'released');
        }),
      );
    });
  }

  status(): LeaseStatus {
    const held = this.held().length;
    return { held, readable: this.readableCount, withoutLeaseMs: this.withoutSince === undefined ? 0 : Math.max(0, this.clock() - this.withoutSince) };
  }

  // ---- take cycle ----

  private scheduleTakes(): void {
    this.takeTimer = setTimeout(() => {
      void this.exclusive(() => this.takeCycle())
        .catch((e: unknown) => this.cycleFailed(e))
        .finally(() => {
          if (!this.stopped) this.scheduleTakes();
        });
    }, this.takeIntervalMs);
    this.takeTimer.unref();
  }

  private takeSoon(): void {
    if (this.started && !this.stopped) void this.exclusive(() => this.takeCycle()).catch((e: unknown) => this.cycleFailed(e));
  }

  private cycleFailed(e: unknown): void {
    this.log.warn({ err: e, errorName: awsErrorName(e) }, 'lease table scan or take failed; retrying at the next cycle');
  }

  /** Scans the table, then takes free or expired leases up to the fair share, or steals one. */
  private async takeCycle(): Promise<void> {
    const now = await this.refresh();
    this.changed();
    if (this.stopped) return;
    const readable = [...this.leases.values()].filter((l) => this.readable(l));
    const expired = (l: ShardLeaseItem) => l.owner !== undefined && l.owner !== this.me && now - this.seen.get(l.shardId)!.since >= this.durationMs;
    const workers = new Set([this.me]);
    for (const l of readable) if (l.owner !== undefined && !expired(l)) workers.add(l.owner);
    const target = Math.ceil(readable.length / workers.size);
    let mine = this.holdings.size;
    if (mine >= target) return;
    // A lease the table says is ours but we do not hold (our take's answer was lost, or we dropped it when renewals failed) is nobody's.
    const available = this.shuffle(readable.filter((l) => !this.holdings.has(l.shardId) && (l.owner === undefined || l.owner === this.me || expired(l))));
    for (const lease of available) {
      if (mine >= target || this.stopped) return;
      if (await this.take(lease, lease.owner === undefined ? 'unowned' : 'expired')) mine++;
    }
    if (available.length > 0) return;
    const byOwner = new Map<string, ShardLeaseItem[]>();
    for (const l of readable) if (l.owner !== undefined && l.owner !== this.me) byOwner.set(l.owner, [...(byOwner.get(l.owner) ?? []), l]);
    let victim: ShardLeaseItem[] = [];
    for (const ls of byOwner.values()) if (ls.length > victim.length) victim = ls;
    // Equal to the target only when two short: taking one from a replica at its share must not make it steal back.
    if (victim.length > target || (victim.length === target && target - mine >= 2)) await this.take(this.shuffle(victim)[0], 'stolen');
  }

  /** Reads the whole table; resolves with the clock time the scan started (the "now" of expiry decisions). */
  private async refresh(): Promise<number> {
    const started = this.clock();
    const items = await this.table.scan();
    // A counter first seen in this scan may have been written up to its end: expiry counts from there, to the next scan's start.
    const ended = this.clock();
    const next = new Map<string, ShardLeaseItem>();
    for (const item of items) {
      const parsed = parseLeaseItem(item);
      if (parsed.kind === 'lease') next.set(parsed.lease.shardId, parsed.lease);
      else if (parsed.kind === 'malformed') {
        const key = item[LEASE_KEY]?.S ?? '?';
        if (!this.warnedMalformed.has(key)) this.log.warn({ leaseKey: key, problem: parsed.why }, 'ignoring a lease item that cannot be read');
        this.warnedMalformed.add(key);
      }
    }
    for (const [id, lease] of next) {
      const s = this.seen.get(id);
      if (s?.counter !== lease.counter) this.seen.set(id, { counter: lease.counter, since: ended });
    }
    for (const id of [...this.seen.keys()]) if (!next.has(id)) this.seen.delete(id);
    for (const h of [...this.holdings.values()]) {
      const scanned = next.get(h.shardId);
      if (!scanned) continue;
      // Our own writes never change the owner: another replica wrote it after our last confirmed write.
      if (scanned.owner !== this.me && scanned.counter > h.counter) this.drop(h, 'condition');
      // The scan may have read the item before our latest write; what we wrote since is newer.
      else if (scanned.counter <= h.counter) next.set(h.shardId, { ...scanned, owner: this.me, counter: h.counter, checkpoint: h.checkpoint });
    }
    this.leases = next;
    return started;
  }

  private async take(lease: ShardLeaseItem, how: TakeHow): Promise<boolean> {
    const started = this.clock();
    let item: Item;
    try {
      item = await this.table.update(takeUpdate(lease, this.me));
    } catch (e) {
      if (isConditionFailed(e)) this.log.debug({ shard: lease.shardId, how }, 'another replica wrote the lease first');
      else this.log.warn({ shard: lease.shardId, how, err: e, errorName: awsErrorName(e) }, 'taking a lease failed');
      return false;
    }
    const taken = this.record(item, started);
    if (!taken || this.holdings.has(taken.shardId)) return false;
    this.metrics.leaseTakes.inc({ how });
    this.log.info(
      { shard: taken.shardId, how, from: lease.owner, checkpoint: taken.checkpoint, pendingCheckpoint: taken.pendingCheckpoint },
      `took a lease (${how})`,
    );
    // Held even when stopping meanwhile, so that the release gives it up.
    if (!this.readable(taken)) return true;
    const h: Holding = {
      shardId: taken.shardId,
      counter: taken.counter,
      checkpoint: taken.checkpoint,
      controller: new AbortController(),
      lastOkAt: started,
      unconfirmed: 0,
      busy: false,
      idle: Promise.resolve(),
      renewDue: false,
      visibleAt: how === 'stolen' ? started + this.durationMs : started,
    };
    this.holdings.set(h.shardId, h);
    this.arm(h);
    if (how === 'stolen') {
      h.visibleTimer = setTimeout(() => this.changed(), this.durationMs);
      h.visibleTimer.unref();
    }
    this.changed();
    return true;
  }

  // ---- writes of held leases ----

  private renewAll(): void {
    const now = this.clock();
    for (const h of this.holdings.values()) {
      // A checkpoint written lately was a renewal too.
      if (now - h.lastOkAt < this.renewIntervalMs / 2) continue;
      h.renewDue = true;
      this.kick(h);
    }
  }

  private kick(h: Holding): void {
    if (h.busy) return;
    h.busy = true;
    h.idle = this.drain(h);
  }

  /** Runs the lease's writes one after the other: the newest checkpoint first, then a renewal if due. */
  private async drain(h: Holding): Promise<void> {
    try {
      while (this.holds(h)) {
        if (h.wanted) await this.writeCheckpoint(h, h.wanted);
        else if (h.renewDue) await this.renew(h);
        else return;
      }
    } finally {
      h.busy = false;
    }
  }

  private async renew(h: Holding): Promise<void> {
    h.renewDue = false;
    if (this.clock() - h.lastOkAt < this.renewIntervalMs / 2) return;
    try {
      if ((await this.writeHeld(h, () => renewUpdate(h.shardId, h.counter, this.me))) === 'condition' && this.holds(h)) {
        this.metrics.leaseRenewFailures.inc({ why: 'condition' });
        this.drop(h, 'condition');
      }
    } catch (e) {
      this.metrics.leaseRenewFailures.inc({ why: 'error' });
      this.log.warn({ shard: h.shardId, err: e, errorName: awsErrorName(e) }, 'renewing a lease failed; keeping it until it would expire');
    }
  }

  private async writeCheckpoint(h: Holding, p: PendingCheckpoint): Promise<void> {
    h.wanted = undefined;
    h.inFlight = p;
    let outcome: 'ok' | 'condition';
    try {
      outcome = await this.writeHeld(h, () => checkpointUpdate(h.shardId, h.counter, this.me, p.value, p.children));
    } catch (e) {
      h.inFlight = undefined;
      for (const w of p.waiters) w.reject(e);
      return;
    }
    h.inFlight = undefined;
    if (outcome === 'condition') {
      this.drop(h, 'condition');
      for (const w of p.waiters) w.reject(this.lostError(h.shardId));
      return;
    }
    // Resolved even when the lease was dropped meanwhile: the condition proved it ours when written.
    for (const w of p.waiters) w.resolve();
  }

  /**
   * A conditional write of a held lease. 'condition' when the table refused it (the lease is not ours
   * any more); throws the SDK's error when the call failed. A refusal right after calls whose answers
   * were lost is checked: when the item still names us, with a counter our lost writes could have
   * made, they were applied and the write is tried again from there.
   */
  private async writeHeld(h: Holding, update: () => LeaseUpdate): Promise<'ok' | 'condition'> {
    const started = this.clock();
    try {
      this.record(await this.table.update(update()), started);
      return 'ok';
    } catch (e) {
      if (!isConditionFailed(e)) {
        h.unconfirmed++;
        throw e;
      }
    }
    if (h.unconfirmed === 0 || !this.holds(h)) return 'condition';
    let lease: ShardLeaseItem | undefined;
    try {
      const item = await this.table.get(h.shardId);
      const parsed = item && parseLeaseItem(item);
      lease = parsed?.kind === 'lease' ? parsed.lease : undefined;
    } catch {
      return 'condition';
    }
    if (lease?.owner !== this.me || lease.counter <= h.counter || lease.counter > h.counter + BigInt(h.unconfirmed)) return 'condition';
    h.counter = lease.counter;
    h.unconfirmed = 0;
    if (moveForward(h.checkpoint, lease.checkpoint)) h.checkpoint = lease.checkpoint;
    if (h.checkpoint === SHARD_END) {
      this.finish(h);
      return 'ok';
    }
    return this.writeHeld(h, update);
  }

  /** Takes in an item this replica wrote (ALL_NEW) or created: the truth about the lease, sent at `sentAt`. */
  private record(item: Item, sentAt: number): ShardLeaseItem | undefined {
    const parsed = parseLeaseItem(item);
    if (parsed.kind !== 'lease') return undefined;
    const lease = parsed.lease;
    this.leases.set(lease.shardId, lease);
    this.seen.set(lease.shardId, { counter: lease.counter, since: this.clock() });
    const h = this.holdings.get(lease.shardId);
    if (h && lease.owner === this.me && lease.counter > h.counter) {
      h.counter = lease.counter;
      h.checkpoint = lease.checkpoint;
      h.lastOkAt = Math.max(h.lastOkAt, sentAt);
      h.unconfirmed = 0;
      this.arm(h);
      if (h.checkpoint === SHARD_END) this.finish(h);
    }
    return lease;
  }

  /** Drops the lease when no write of it succeeded for a lease duration: others may take it from now on. */
  private arm(h: Holding): void {
    clearTimeout(h.expiry);
    h.expiry = setTimeout(
      () => {
        if (!this.holds(h)) return;
        if (this.clock() - h.lastOkAt >= this.durationMs) this.drop(h, 'expired');
        else this.arm(h);
      },
      Math.max(0, h.lastOkAt + this.durationMs - this.clock()),
    );
    h.expiry.unref();
  }

  // ---- bookkeeping ----

  private holds(h: Holding): boolean {
    return this.holdings.get(h.shardId) === h;
  }

  /** The lease is not ours any more: its reader stops (`lost`), waiting checkpoints reject. */
  private drop(h: Holding, why: LostWhy): void {
    if (!this.forget(h)) return;
    h.controller.abort(this.lostError(h.shardId));
    h.renewDue = false;
    const wanted = h.wanted;
    h.wanted = undefined;
    for (const w of wanted?.waiters ?? []) w.reject(this.lostError(h.shardId));
    this.metrics.leasesLost.inc({ why });
    this.log.info({ shard: h.shardId, why, checkpoint: h.checkpoint }, `lost a lease (${why})`);
    this.changed();
  }

  /** The shard was read to its end (SHARD_END written): nothing more to read, nothing lost. */
  private finish(h: Holding): void {
    if (!this.forget(h)) return;
    this.log.info({ shard: h.shardId }, 'shard finished; lease no longer read');
    this.changed();
    // Its children may be readable now.
    this.takeSoon();
  }

  private forget(h: Holding): boolean {
    if (!this.holds(h)) return false;
    this.holdings.delete(h.shardId);
    clearTimeout(h.expiry);
    clearTimeout(h.visibleTimer);
    return true;
  }

  private readable(l: ShardLeaseItem): boolean {
    return isReadable(l.checkpoint, l.parents, (p) => this.leases.get(p)?.checkpoint);
  }

  /** Tells the listeners when the held shards or the readable ones changed; keeps the gauge and the time without a lease. */
  private changed(): void {
    const held = this.held();
    const readable = [...this.leases.values()].filter((l) => this.readable(l)).map((l) => l.shardId);
    this.readableCount = readable.length;
    this.metrics.leasesHeld.set({ kind: 'shard' }, held.length);
    if (held.length === 0 && readable.length > 0) this.withoutSince ??= this.clock();
    else this.withoutSince = undefined;
    const signature = `${held.map((s) => s.shardId).join(',')}|${readable.sort().join(',')}`;
    if (signature === this.lastSignature) return;
    this.lastSignature = signature;
    for (const listener of [...this.listeners]) {
      try {
        listener();
      } catch (e) {
        this.log.error({ err: e }, 'a lease change listener threw');
      }
    }
  }

  private stop(): void {
    this.stopped = true;
    clearInterval(this.renewTimer);
    clearTimeout(this.takeTimer);
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.cycle.then(fn);
    this.cycle = run.catch(() => undefined);
    return run;
  }

  private shuffle<T>(xs: readonly T[]): T[] {
    const out = [...xs];
    for (let i = out.length - 1; i > 0; i--) {
      const j = Math.floor(this.random() * (i + 1));
      [out[i], out[j]] = [out[j], out[i]];
    }
    return out;
  }

  private lostError(shardId: string): LeaseLostError {
    return new LeaseLostError(`the lease of shard ${shardId} is not held by this replica (${this.me})`, shardId);
  }
}

/** Shards ordered so that a listed parent comes before its children (ids within a level in order). */
function parentsFirst(shards: readonly Shard[]): Shard[] {
  const byId = new Map(shards.map((s) => [s.ShardId!, s]));
  const out: Shard[] = [];
  const placed = new Set<string>();
  const visit = (s: Shard, path: Set<string>) => {
    const id = s.ShardId!;
    if (placed.has(id) || path.has(id)) return;
    path.add(id);
    for (const p of parentsOf(s)) {
      const parent = byId.get(p);
      if (parent) visit(parent, path);
    }
    placed.add(id);
    out.push(s);
  };
  for (const s of [...shards].sort((a, b) => (a.ShardId! < b.ShardId! ? -1 : a.ShardId! > b.ShardId! ? 1 : 0))) visit(s, new Set());
  return out;
}
