/** Defaults of the Kinesis constructs, in one place. */
export const KINESIS_DEFAULTS = {
  /** Kinesis' minimum; the collector checkpoints within minutes, a day covers an outage overnight. */
  retentionHours: 24,
  /** AWS managed key: encryption at rest with no key to manage and no grant needed by readers. */
  awsManagedKey: 'alias/aws/kinesis',
} as const;
