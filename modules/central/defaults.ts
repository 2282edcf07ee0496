/**
 * Defaults of the central logging constructs that the toolkit config does not declare, in one place;
 * the ones it declares (prefix, expiry, queue settings, error notifications) are read from its schema
 * (config/defaults.ts TOOLKIT_DEFAULTS).
 */
export const CENTRAL_DEFAULTS = {
  /** The DLQ keeps 14 days (the maximum) for investigation. */
  dlqRetentionSeconds: 1209600,
  /** Long polling by default, fewer empty receives. */
  receiveWaitTimeSeconds: 20,
  keyDeletionWindowDays: 30,
  /**
   * The queue alarms look at one 5-minute period (SQS publishes its metrics every 5 minutes) and go
   * off on the first breaching one: a single poison message is worth a look.
   */
  alarmPeriodSeconds: 300,
  alarmEvaluationPeriods: 1,
} as const;
