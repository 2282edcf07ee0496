/**
 * What the export source needs from CloudWatch Logs and S3, as small interfaces: the app adapts the
 * AWS SDK clients to them (aws/export-ports.ts), tests can script them.
 */

/** A log group found by discovery. */
export interface LogGroupInfo {
  readonly name: string;
  /** `arn:<partition>:logs:<region>:<account>:log-group:<name>:*`, when known (gives the events' owner). */
  readonly arn?: string;
  readonly creationTime?: number;
}

export type ExportTaskStatus = 'PENDING' | 'RUNNING' | 'COMPLETED' | 'CANCELLED' | 'FAILED' | 'PENDING_CANCEL';

export interface ExportTaskInfo {
  readonly taskId: string;
  readonly taskName?: string;
  readonly logGroupName?: string;
  readonly from?: number;
  readonly to?: number;
  readonly status: ExportTaskStatus;
  readonly statusMessage?: string;
}

export interface CreateExportTaskParams {
  readonly taskName: string;
  readonly logGroupName: string;
  readonly from: number;
  readonly to: number;
  readonly destination: string;
  readonly destinationPrefix: string;
}

/** The CloudWatch Logs calls of the export mode. Errors are classified with `exportErrorKind`. */
export interface LogsPort {
  /** One page of DescribeLogGroups. */
  describeLogGroups(nextToken: string | undefined, signal: AbortSignal): Promise<{ readonly groups: readonly LogGroupInfo[]; readonly nextToken?: string }>;
  createExportTask(params: CreateExportTaskParams, signal: AbortSignal): Promise<string>;
  /** The task, or undefined when CloudWatch Logs does not know it. */
  describeExportTask(taskId: string, signal: AbortSignal): Promise<ExportTaskInfo | undefined>;
  /** The account's task named `taskName` among the tasks in the given states (newest first when several). */
  findExportTask(taskName: string, statuses: readonly ExportTaskStatus[], signal: AbortSignal): Promise<ExportTaskInfo | undefined>;
  cancelExportTask(taskId: string, signal: AbortSignal): Promise<void>;
}

export interface StoredObject {
  readonly key: string;
  readonly size: number;
}

/** The S3 calls of the export mode, bound to the destination bucket. */
export interface ObjectStore {
  readonly bucket: string;
  /** Every object under `prefix` (paginated internally), in key order. */
  list(prefix: string, signal: AbortSignal): Promise<StoredObject[]>;
  get(key: string, signal: AbortSignal): Promise<Uint8Array>;
  /** Deletes the keys (missing keys are not an error). */
  delete(keys: readonly string[], signal: AbortSignal): Promise<void>;
}

/**
 * How an AWS error should be handled:
 * - `limit`: LimitExceededException (another export task is active in the account) — wait and retry;
 * - `throttled`: throttling, 5xx, network — back off and retry;
 * - `fatal`: anything else (access denied, bad bucket, validation) — retried slowly, logged as an error.
 */
export type ExportErrorKind = 'limit' | 'throttled' | 'fatal';

export function exportErrorKind(e: unknown): ExportErrorKind {
  const err = e as { name?: string; code?: string; $metadata?: { httpStatusCode?: number }; $retryable?: unknown };
  const name = err?.name ?? err?.code ?? '';
  if (name === 'LimitExceededException') return 'limit';
  if (/Throttl|TooManyRequests|RequestLimitExceeded|SlowDown|ServiceUnavailable|InternalFailure|InternalError|TimeoutError|RequestTimeout/i.test(name)) return 'throttled';
  const status = err?.$metadata?.httpStatusCode;
  if (status !== undefined && status >= 500) return 'throttled';
  if (err?.$retryable) return 'throttled';
  if (/ECONNRESET|ECONNREFUSED|ETIMEDOUT|EPIPE|EAI_AGAIN|socket hang up/i.test(`${(e as Error)?.message ?? ''} ${err?.code ?? ''}`)) return 'throttled';
  return 'fatal';
}
