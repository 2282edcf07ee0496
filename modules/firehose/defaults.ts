/** Defaults of the Firehose constructs, in one place. */
export const FIREHOSE_DEFAULTS = {
  /** Firehose's own defaults; a SIEM sees events within about five minutes. */
  bufferingSizeMiB: 5,
  bufferingIntervalSeconds: 300,
  errorLogRetentionDays: 14,
  errorLogStreamName: 'DestinationDelivery',
} as const;
