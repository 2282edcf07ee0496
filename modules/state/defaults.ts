import { LEASE_KEY } from '../../collector/src/state/dynamodb/names';

/**
 * Defaults of the collector state table that the toolkit config does not declare, in one place; the
 * ones it declares (deletion protection, point-in-time recovery) are read from its schema
 * (config/defaults.ts TOOLKIT_DEFAULTS).
 */
export const STATE_TABLE_DEFAULTS = {
  /** The partition key, a string, as a KCL lease table has it: the collector's. */
  hashKey: LEASE_KEY,
  /** On demand: a few small writes per shard every few seconds, nothing worth provisioning capacity for. */
  billingMode: 'PAY_PER_REQUEST',
} as const;
