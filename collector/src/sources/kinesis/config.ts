/**
 * The Kinesis source's settings: as the validated collector config holds them (`source` of type
 * "kinesis"; defaults in config/schema.ts), and as the source takes them (a start position with a
 * Date, the per-shard limits in one object).
 */
import type { AssumeRoleConfig } from '../../aws/clients';
import { sourceDefaults } from '../defaults';

export interface KinesisSourceConfig {
  readonly type: 'kinesis';
  readonly streamName: string;
  readonly region: string;
  readonly endpoint?: string;
  readonly assumeRole?: AssumeRoleConfig;
  readonly startPosition: 'TRIM_HORIZON' | 'LATEST' | { readonly atTimestamp: string };
  readonly maxRecordsPerCall: number;
  readonly pollIntervalMs: number;
  readonly shardDiscoveryIntervalMs: number;
}

/** Where a shard without a checkpoint starts reading. */
export type KinesisStartPosition =
  { readonly type: 'TRIM_HORIZON' } | { readonly type: 'LATEST' } | { readonly type: 'AT_TIMESTAMP'; readonly timestamp: Date };

/** Per-shard pacing, polling and retry settings. */
export interface KinesisSourceLimits {
  /** Records asked for per GetRecords call (1–10000). @default the config schema's */
  readonly maxRecordsPerCall: number;
  /** Wait after a GetRecords call that returned nothing while the shard is caught up. @default the config schema's */
  readonly pollIntervalMs: number;
  /** How often ListShards runs to find new shards (a shard reaching its end also triggers it). @default the config schema's */
  readonly shardDiscoveryIntervalMs: number;
  /** GetRecords calls per second per shard (Kinesis allows 5, shared by every consumer of the shard). @default 5 */
  readonly getRecordsPerSecond: number;
  /** Bytes read per second per shard; calls are spaced by the bytes the previous one returned (Kinesis allows 2 MB/s). @default 2000000 */
  readonly bytesPerSecond: number;
  /** Base of the back-off (ops/backoff.ts) after throttling, errors and failed batches. @default 100 */
  readonly backoffBaseMs: number;
  /** Cap of that back-off. @default 10000 */
  readonly backoffMaxMs: number;
}

/** The limits a source gets when it is given none: the config's defaults, Kinesis' per-shard quotas, and the back-off. */
export const KINESIS_DEFAULT_LIMITS: KinesisSourceLimits = {
  ...sourceDefaults<KinesisSourceConfig, 'maxRecordsPerCall' | 'pollIntervalMs' | 'shardDiscoveryIntervalMs'>('kinesis', [
    'maxRecordsPerCall',
    'pollIntervalMs',
    'shardDiscoveryIntervalMs',
  ]),
  getRecordsPerSecond: 5,
  bytesPerSecond: 2_000_000,
  backoffBaseMs: 100,
  backoffMaxMs: 10000,
};

/** What the source takes from a validated config. */
export function kinesisSettings(s: KinesisSourceConfig): {
  readonly streamName: string;
  readonly startPosition: KinesisStartPosition;
  readonly limits: Partial<KinesisSourceLimits>;
} {
  return {
    streamName: s.streamName,
    startPosition: typeof s.startPosition === 'string' ? { type: s.startPosition } : { type: 'AT_TIMESTAMP', timestamp: new Date(s.startPosition.atTimestamp) },
    limits: { maxRecordsPerCall: s.maxRecordsPerCall, pollIntervalMs: s.pollIntervalMs, shardDiscoveryIntervalMs: s.shardDiscoveryIntervalMs },
  };
}
