/** Defaults of the central logging constructs, in one place. */
export const CENTRAL_DEFAULTS = {
  /** Long enough for the collector's largest object; it extends visibility for bigger ones. */
  visibilityTimeoutSeconds: 300,
  /** A message that failed this often goes to the dead-letter queue, not round and round. */
  maxReceiveCount: 5,
  /** 4 days (SQS default) on the queue; the DLQ keeps 14 days (the maximum) for investigation. */
  messageRetentionSeconds: 345600,
  dlqRetentionSeconds: 1209600,
  /** Long polling by default, fewer empty receives. */
  receiveWaitTimeSeconds: 20,
  keyDeletionWindowDays: 30,
  /** Firehose error output is announced on its own queue only when asked for. */
  errorNotifications: false,
  /**
   * The queue alarms look at one 5-minute period (SQS publishes its metrics every 5 minutes) and go
   * off on the first breaching one: a single poison message is worth a look.
   */
  alarmPeriodSeconds: 300,
  alarmEvaluationPeriods: 1,
} as const;
