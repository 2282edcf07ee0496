/**
 * Defaults of the Kinesis constructs that the toolkit config does not declare, in one place; the ones
 * it declares (capacity, retention) are read from its schema (config/defaults.ts TOOLKIT_DEFAULTS).
 */
export const KINESIS_DEFAULTS = {
  /** AWS managed key: encryption at rest with no key to manage and no grant needed by readers. */
  awsManagedKey: 'alias/aws/kinesis',
} as const;
