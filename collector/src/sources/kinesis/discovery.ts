/**
 * Shard discovery of the Kinesis source: ListShards (every page), run at start, every
 * `shardDiscoveryIntervalMs`, and at once when a reader asks (a shard reached its end: its children
 * may be listed now); and which listed shards may be read: children only after their parents.
 */
import type { Shard } from '@aws-sdk/client-kinesis';
import type { Sleep } from '../../ops/backoff';
import { KinesisSourceError } from './errors';
import type { KinesisPort } from './ports';

/** Which stream a call is about: by name or by ARN. */
export type StreamParams = { readonly StreamName: string } | { readonly StreamARN: string };

export function parentsOf(shard: Shard): string[] {
  return [shard.ParentShardId, shard.AdjacentParentShardId].filter((p): p is string => !!p);
}

export class ShardDiscovery {
  /** The shards of the last listing, by id. */
  listed = new Map<string, Shard>();
  private wakeRequested = false;
  private wake?: () => void;

  constructor(
    private readonly port: KinesisPort,
    private readonly streamParams: StreamParams,
    private readonly stream: string,
    private readonly intervalMs: number,
    private readonly sleep: Sleep,
    private readonly stop: AbortSignal,
  ) {}

  /** Every shard of the stream, following NextToken. */
  async listAll(): Promise<Shard[]> {
    const shards: Shard[] = [];
    let nextToken: string | undefined;
    for (let page = 0; page < 100_000; page++) {
      // ListShards rejects a NextToken given together with the stream's name.
      const out = await this.port.listShards(nextToken ? { NextToken: nextToken } : { ...this.streamParams }, this.stop);
      for (const s of out.Shards ?? []) if (s.ShardId) shards.push(s);
      nextToken = out.NextToken;
      if (!nextToken) return shards;
    }
    throw new KinesisSourceError(`ListShards of ${this.stream} returned more than 100000 pages`);
  }

  /** Waits for the next discovery: the interval, or less when `request` was called meanwhile (or before). */
  async waitForNext(): Promise<void> {
    if (this.wakeRequested) {
      this.wakeRequested = false;
      return;
    }
    const waker = new AbortController();
    const onStop = () => waker.abort();
    this.stop.addEventListener('abort', onStop, { once: true });
    this.wake = () => waker.abort();
    try {
      await this.sleep(this.intervalMs, waker.signal);
    } finally {
      this.wake = undefined;
      this.wakeRequested = false;
      this.stop.removeEventListener('abort', onStop);
    }
  }

  /** Asks for a discovery now. */
  request(): void {
    this.wakeRequested = true;
    this.wake?.();
  }

  /** Listed shards, in id order, that are not finished and whose parents are all finished (or no longer listed). */
  readyShards(finished: ReadonlySet<string>): Shard[] {
    return [...this.listed.values()]
      .sort((a, b) => a.ShardId!.localeCompare(b.ShardId!))
      .filter((s) => !finished.has(s.ShardId!) && parentsOf(s).every((p) => finished.has(p) || !this.listed.has(p)));
  }
}
