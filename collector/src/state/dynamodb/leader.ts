/**
 * A single-holder lease on one item of the lease table (the export leader), kept by the rules of
 * the Kinesis Client Library's shard leases (../shared/reference/scale-out.md §1b, §1c):
 *
 * - The item: `leaseKey`, `leaseOwner` (S; absent = free), `leaseCounter` (N), as a KCL lease.
 * - Every write is conditional on the counter last seen and bumps it: a take (`leaseOwner = me`),
 *   a renew every leaseDurationMs / 3 (also conditional on `leaseOwner = me`), a release
 *   (`REMOVE leaseOwner`, on graceful shutdown).
 * - A standby reads the item every leaseDurationMs / 3. A free item is taken at once; an owned one
 *   once its counter stayed the same for a whole leaseDurationMs on this replica's own monotonic
 *   clock (no other clock is trusted). So a dead leader is replaced within two lease durations.
 * - The holder counts the lease lost when a renew fails on its condition (another replica took it),
 *   or when no renew succeeded for a whole lease duration (the table could not be reached: others
 *   may take it from then on). The signal `acquire` returned aborts then.
 *
 * The counter right after this replica's take is its `epoch`, a fencing token: it grows with every
 * take, so items stamped with it refuse the writes of an earlier leader (export.ts).
 */
import { isConditionFailed } from '../../aws/errors';
import { abortableSleep, Sleep } from '../../ops/backoff';
import type { Logger } from '../../ops/log';
import type { CollectorMetrics } from '../../ops/metrics';
import type { Leadership } from '../export';
import { LeaseLostError } from '../store';
import { attr, LEASE_KEY, LeaseTable } from './table';

export interface DynamoDbLeadershipOptions {
  readonly table: LeaseTable;
  /** The lease item's key. */
  readonly key: string;
  readonly workerId: string;
  readonly leaseDurationMs: number;
  readonly logger: Logger;
  readonly metrics: CollectorMetrics;
  /** Milliseconds of a monotonic clock. @default performance.now */
  readonly clock?: () => number;
  /** @default real timers */
  readonly sleep?: Sleep;
}

const OWNER = 'leaseOwner';
const COUNTER = 'leaseCounter';

interface Held {
  /** The counter as last written by this replica. */
  counter: number;
  /** The counter right after the take. */
  readonly epoch: number;
  /** When the last successful write of the lease was sent (this replica's clock). */
  renewedAt: number;
  readonly lost: AbortController;
}

export class DynamoDbLeadership implements Leadership {
  readonly workerId: string;
  private readonly clock: () => number;
  private readonly sleep: Sleep;
  private held?: Held;
  private timer?: NodeJS.Timeout;
  /** Writes of the item, one at a time (a renew racing a release would fail its condition). */
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly o: DynamoDbLeadershipOptions) {
    this.workerId = o.workerId;
    this.clock = o.clock ?? (() => performance.now());
    this.sleep = o.sleep ?? abortableSleep;
  }

  async acquire(signal: AbortSignal): Promise<AbortSignal | undefined> {
    if (this.heldSignal()) return this.heldSignal();
    this.o.metrics.leasesHeld.set({ kind: 'leader' }, 0);
    let seen: { owner: string; counter: number; since: number } | undefined;
    let waitingFor: string | undefined;
    while (!signal.aborted) {
      try {
        const sentAt = this.clock();
        const item = await this.o.table.get(this.o.key);
        const owner = item && attr.str(item, OWNER);
        const counter = (item && attr.num(item, COUNTER)) ?? 0;
        if (!item) {
          await this.serialized(() => this.create(sentAt));
        } else if (owner === undefined || owner === this.workerId) {
          // Our own name (this replica's lease lapsed locally while nobody took it, or a restart with a configured workerId): ours, as KCL's renewer takes its own leases.
          await this.serialized(() => this.take(counter, sentAt, owner === undefined ? 'unowned' : 'own'));
        } else {
          const now = this.clock();
          if (!seen || seen.owner !== owner || seen.counter !== counter) seen = { owner, counter, since: now };
          if (now - seen.since >= this.o.leaseDurationMs) {
            await this.serialized(() => this.take(counter, sentAt, 'expired', owner));
          } else if (waitingFor !== owner) {
            waitingFor = owner;
            this.o.logger.info({ lease: this.o.key, holder: owner }, `waiting for the export leader lease held by ${owner}`);
          }
        }
        if (this.heldSignal()) return this.heldSignal();
      } catch (e) {
        // Another replica wrote first: read again at once.
        if (isConditionFailed(e)) continue;
        this.o.logger.warn({ err: e, lease: this.o.key }, 'cannot read or take the export leader lease; trying again');
      }
      await this.sleep(this.o.leaseDurationMs / 3, signal);
    }
    return undefined;
  }

  async release(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.serialized(async () => {
      const h = this.held;
      if (!h) return;
      this.held = undefined;
      try {
        await this.o.table.update({
          Key: { [LEASE_KEY]: attr.s(this.o.key) },
          UpdateExpression: 'REMOVE #owner SET #counter = :next',
          ConditionExpression: '#owner = :me AND #counter = :c',
          ExpressionAttributeNames: { '#owner': OWNER, '#counter': COUNTER },
          ExpressionAttributeValues: { ':me': attr.s(this.workerId), ':c': attr.n(h.counter), ':next': attr.n(h.counter + 1) },
        });
        this.o.logger.info({ lease: this.o.key }, 'released the export leader lease');
      } catch (e) {
        // Taken meanwhile (nothing to give up), or the table is unreachable: it then expires for the standbys.
        this.o.logger.warn({ err: e, lease: this.o.key }, 'could not release the export leader lease; a standby takes it once it expires');
      }
      this.o.metrics.leasesLost.inc({ why: 'released' });
      this.o.metrics.leasesHeld.set({ kind: 'leader' }, 0);
      h.lost.abort(new LeaseLostError('the export leader lease was released', this.o.key));
    });
  }

  async holder(): Promise<string | undefined> {
    const item = await this.o.table.get(this.o.key);
    return item && attr.str(item, OWNER);
  }

  /**
   * The fencing token of a write made as leader, while the lease is held and was renewed within a
   * lease duration; otherwise the lease is lost (if it was not yet) and this throws LeaseLostError.
   */
  epoch(what: string): number {
    const h = this.held;
    if (h && this.clock() - h.renewedAt >= this.o.leaseDurationMs) this.lose('expired', 'no renewal succeeded for a whole lease duration');
    if (!this.held) throw new LeaseLostError(`not the export leader (lease ${this.o.key}): ${what} not written`, this.o.key);
    return this.held.epoch;
  }

  /** A write as leader was refused because a later leader wrote the item: the lease is gone. */
  superseded(what: string): LeaseLostError {
    this.lose('condition', `${what} was written by a later leader`);
    return new LeaseLostError(`another replica is the export leader (lease ${this.o.key}): ${what} not written`, this.o.key);
  }

  private heldSignal(): AbortSignal | undefined {
    return this.held?.lost.signal;
  }

  private async create(sentAt: number): Promise<void> {
    await this.o.table.put({
      Item: { [LEASE_KEY]: attr.s(this.o.key), [OWNER]: attr.s(this.workerId), [COUNTER]: attr.n(1) },
      ConditionExpression: 'attribute_not_exists(#key)',
      ExpressionAttributeNames: { '#key': LEASE_KEY },
    });
    this.took(1, sentAt, 'unowned');
  }

  private async take(counter: number, sentAt: number, how: 'unowned' | 'expired' | 'own', from?: string): Promise<void> {
    await this.o.table.update({
      Key: { [LEASE_KEY]: attr.s(this.o.key) },
      UpdateExpression: 'SET #owner = :me, #counter = :next',
      ConditionExpression: '#counter = :c',
      ExpressionAttributeNames: { '#owner': OWNER, '#counter': COUNTER },
      ExpressionAttributeValues: { ':me': attr.s(this.workerId), ':c': attr.n(counter), ':next': attr.n(counter + 1) },
    });
    this.took(counter + 1, sentAt, how, from);
  }

  private took(counter: number, sentAt: number, how: 'unowned' | 'expired' | 'own', from?: string): void {
    this.held = { counter, epoch: counter, renewedAt: sentAt, lost: new AbortController() };
    if (how !== 'own') this.o.metrics.leaseTakes.inc({ how });
    this.o.metrics.leasesHeld.set({ kind: 'leader' }, 1);
    this.o.logger.info({ lease: this.o.key, how, previous: from }, 'took the export leader lease: this replica exports');
    this.scheduleRenew();
  }

  private scheduleRenew(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.serialized(() => this.renew()), this.o.leaseDurationMs / 3);
    this.timer.unref();
  }

  private async renew(): Promise<void> {
    const h = this.held;
    if (!h) return;
    const sentAt = this.clock();
    try {
      await this.o.table.update({
        Key: { [LEASE_KEY]: attr.s(this.o.key) },
        UpdateExpression: 'SET #counter = :next',
        ConditionExpression: '#owner = :me AND #counter = :c',
        ExpressionAttributeNames: { '#owner': OWNER, '#counter': COUNTER },
        ExpressionAttributeValues: { ':me': attr.s(this.workerId), ':c': attr.n(h.counter), ':next': attr.n(h.counter + 1) },
      });
      if (this.held !== h) return;
      h.counter++;
      h.renewedAt = sentAt;
    } catch (e) {
      if (this.held !== h) return;
      if (isConditionFailed(e)) {
        this.o.metrics.leaseRenewFailures.inc({ why: 'condition' });
        // A renew whose answer was lost may have been written: then the item is still ours, one counter further.
        const item = await this.o.table.get(this.o.key).catch(() => null);
        if (this.held !== h) return;
        if (item && attr.str(item, OWNER) === this.workerId) {
          h.counter = attr.num(item, COUNTER) ?? h.counter;
          this.timer = setTimeout(() => void this.serialized(() => this.renew()), 0);
          this.timer.unref();
          return;
        }
        this.lose(
          'condition',
          item === null
            ? 'a renew was refused and the item could not be read'
            : item
              ? `taken by ${attr.str(item, OWNER) ?? 'nobody (released)'}`
              : 'the item was deleted',
        );
        return;
      }
      this.o.metrics.leaseRenewFailures.inc({ why: 'error' });
      this.o.logger.warn({ err: e, lease: this.o.key }, 'renewing the export leader lease failed; trying again');
      if (this.clock() - h.renewedAt >= this.o.leaseDurationMs) {
        this.lose('expired', 'no renewal succeeded for a whole lease duration');
        return;
      }
    }
    this.scheduleRenew();
  }

  private lose(why: 'condition' | 'expired', detail: string): void {
    const h = this.held;
    if (!h) return;
    this.held = undefined;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.o.metrics.leasesLost.inc({ why });
    this.o.metrics.leasesHeld.set({ kind: 'leader' }, 0);
    this.o.logger.warn({ lease: this.o.key, why, detail }, 'lost the export leader lease: this replica stops exporting');
    h.lost.abort(new LeaseLostError(`lost the export leader lease (${detail})`, this.o.key));
  }

  private serialized(op: () => Promise<void>): Promise<void> {
    const run = this.queue.then(op);
    this.queue = run.catch(() => undefined);
    return run;
  }
}
