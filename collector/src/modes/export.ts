import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { S3Client } from '@aws-sdk/client-s3';
import { requestHandler, s3ClientOptions, sourceCredentials } from '../aws/clients';
import { logsPort, s3ObjectStore } from '../aws/export-ports';
import { decodeObjectChunks, exportKeyStream } from '../decoders/object';
import { ExportSourceConfig, exportSettings } from '../sources/export/config';
import { ExportSource, ExportSourceOptions } from '../sources/export/source';
import { DecodeError } from '../types';
import type { Mode, ModeContext } from './types';

/** Options that replace what the config gives the export source (the backfill command; tests with sub-second timings). */
export type ExportOverrides = Partial<Omit<ExportSourceOptions, 'logs' | 'objects' | 'state' | 'logger' | 'metrics'>> & {
  /** The state store's namespace of the source (a backfill's own progress and leader lease). @default the collector's */
  readonly scope?: string;
};

/** Export mode: CloudWatch Logs export tasks into the bucket the toolkit provisioned, read back and deleted. */
export function exportMode(s: ExportSourceConfig, ctx: ModeContext, overrides: ExportOverrides = {}): Mode & { readonly exportSource: ExportSource } {
  const credentials = sourceCredentials(s.assumeRole, s.region);
  // maxAttempts 1: the source waits out LimitExceeded (one active task per account) and throttling itself.
  const logs =
    ctx.clients.logs ?? new CloudWatchLogsClient({ region: s.region, endpoint: s.endpoint, credentials, maxAttempts: 1, requestHandler: requestHandler() });
  const s3 = ctx.clients.s3 ?? new S3Client(s3ClientOptions(s.s3, s.region, credentials));
  const { scope, ...options } = overrides;
  const logger = ctx.logger.child({ component: 'export' });
  const source = new ExportSource({
    logs: logsPort(logs),
    objects: s3ObjectStore(s3, s.bucket),
    state: ctx.state.exportState({ scope, logger, metrics: ctx.metrics }),
    ...exportSettings(s),
    logger,
    metrics: ctx.metrics,
    ...options,
  });
  return {
    source,
    exportSource: source,
    decode: (record) => {
      const key = 'key' in record.origin ? record.origin.key : undefined;
      const taskId = key !== undefined ? source.taskIdOfKey(key) : undefined;
      const task = taskId !== undefined ? source.taskContext(taskId) : undefined;
      if (key === undefined || taskId === undefined || !task)
        throw new DecodeError('unexpected-origin', `object ${key ?? '(no key)'} does not belong to an export task being read`);
      return decodeObjectChunks(
        record.data,
        { kind: 'export-object', bucket: s.bucket, key },
        {
          format: 'export-object',
          parser: ctx.parser,
          context: { logGroup: task.logGroup, owner: task.owner, logStream: exportKeyStream(key, taskId) ?? '' },
          onUnparsed: ctx.onUnparsed,
          maxDecompressedBytes: ctx.limits?.maxDecompressedBytes,
        },
      );
    },
    describe: { type: s.type, region: s.region, bucket: s.bucket, prefix: s.prefix },
  };
}
