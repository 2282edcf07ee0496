/**
 * Shard discovery of the Kinesis source: ListShards (every page), run at start, every
 * `shardDiscoveryIntervalMs`, and at once when a reader asks (a shard reached its end: its children
 * may be listed now). Which listed shards may be read is the state store's (state/kinesis-rules.ts).
 */
import type { Shard } from '@aws-sdk/client-kinesis';
import type { Sleep } from '../../ops/backoff';
import { KinesisSourceError } from './errors';
import type { KinesisPort } from './ports';

/** Which stream a call is about: by name or by ARN. */
export type StreamParams = { readonly StreamName: string } | { readonly StreamARN: string };

export class ShardDiscovery {
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
}
