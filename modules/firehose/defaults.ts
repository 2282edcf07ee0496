/**
 * Defaults of the Firehose constructs that the toolkit config does not declare, in one place; the ones
 * it declares (buffering, processing, error log retention) are read from its schema
 * (config/defaults.ts TOOLKIT_DEFAULTS), its name rules from config/defaults.ts.
 */
export const FIREHOSE_DEFAULTS = {
  errorLogStreamName: 'DestinationDelivery',
} as const;
