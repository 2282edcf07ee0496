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

/** The CloudWatch Logs calls of the export mode. Errors are the SDK's, classified by aws/errors.ts. */
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
