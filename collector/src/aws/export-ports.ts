/** The export source's ports over the AWS SDK: CloudWatch Logs export calls and the destination bucket. */
import {
  CancelExportTaskCommand,
  CloudWatchLogsClient,
  CreateExportTaskCommand,
  DescribeExportTasksCommand,
  DescribeLogGroupsCommand,
  ExportTask,
} from '@aws-sdk/client-cloudwatch-logs';
import { DeleteObjectsCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { getObjectBytes } from './s3';
import { ExportTaskInfo, ExportTaskStatus, LogsPort, ObjectStore, StoredObject } from '../sources/export/ports';

function taskInfo(t: ExportTask): ExportTaskInfo {
  return {
    taskId: t.taskId ?? '',
    taskName: t.taskName,
    logGroupName: t.logGroupName,
    from: t.from,
    to: t.to,
    status: (t.status?.code ?? 'PENDING') as ExportTaskStatus,
    statusMessage: t.status?.message,
  };
}

/** LogsPort over a CloudWatch Logs client (build it with maxAttempts 1: the source handles LimitExceeded and throttling). */
export function logsPort(client: CloudWatchLogsClient): LogsPort {
  return {
    async describeLogGroups(nextToken, signal) {
      const out = await client.send(new DescribeLogGroupsCommand({ nextToken, limit: 50 }), { abortSignal: signal });
      return {
        groups: (out.logGroups ?? []).filter((g) => g.logGroupName).map((g) => ({ name: g.logGroupName!, arn: g.arn, creationTime: g.creationTime })),
        nextToken: out.nextToken || undefined,
      };
    },
    async createExportTask(p, signal) {
      const out = await client.send(
        new CreateExportTaskCommand({
          taskName: p.taskName,
          logGroupName: p.logGroupName,
          from: p.from,
          to: p.to,
          destination: p.destination,
          destinationPrefix: p.destinationPrefix,
        }),
        { abortSignal: signal },
      );
      if (!out.taskId) throw new Error('CreateExportTask returned no taskId');
      return out.taskId;
    },
    async describeExportTask(taskId, signal) {
      const out = await client.send(new DescribeExportTasksCommand({ taskId }), { abortSignal: signal });
      const t = out.exportTasks?.find((x) => x.taskId === taskId);
      return t ? taskInfo(t) : undefined;
    },
    async findExportTask(taskName, statuses, signal) {
      for (const statusCode of statuses) {
        let nextToken: string | undefined;
        do {
          const out = await client.send(new DescribeExportTasksCommand({ statusCode, nextToken, limit: 50 }), { abortSignal: signal });
          const t = out.exportTasks?.find((x) => x.taskName === taskName);
          if (t) return taskInfo(t);
          nextToken = out.nextToken || undefined;
        } while (nextToken);
      }
      return undefined;
    },
    async cancelExportTask(taskId, signal) {
      await client.send(new CancelExportTaskCommand({ taskId }), { abortSignal: signal });
    },
  };
}

/** ObjectStore over an S3 client, bound to `bucket`. */
export function s3ObjectStore(client: S3Client, bucket: string): ObjectStore {
  return {
    bucket,
    async list(prefix, signal) {
      const out: StoredObject[] = [];
      let token: string | undefined;
      do {
        const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }), { abortSignal: signal });
        for (const o of page.Contents ?? []) if (o.Key !== undefined) out.push({ key: o.Key, size: o.Size ?? 0 });
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
      return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    },
    async get(key, signal) {
      return (await getObjectBytes(client, bucket, key, signal)).body;
    },
    async delete(keys, signal) {
      for (let i = 0; i < keys.length; i += 1000) {
        const slice = keys.slice(i, i + 1000);
        const out = await client.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: slice.map((Key) => ({ Key })), Quiet: true } }), {
          abortSignal: signal,
        });
        const failed = out.Errors ?? [];
        if (failed.length)
          throw new Error(
            `DeleteObjects failed for ${failed.length} of ${slice.length} objects, e.g. ${failed[0].Key}: ${failed[0].Code} ${failed[0].Message ?? ''}`,
          );
      }
    },
  };
}
