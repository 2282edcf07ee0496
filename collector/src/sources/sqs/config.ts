/**
 * The SQS source's settings: as the validated collector config holds them (`source` of type "sqs";
 * defaults in config/schema.ts), and the ones the source takes from it.
 */
import type { AssumeRoleConfig, S3ClientConfig } from '../../aws/clients';
import { sourceDefaults } from '../defaults';

export interface SqsSourceConfig {
  readonly type: 'sqs';
  readonly queueUrl: string;
  readonly region: string;
  readonly endpoint?: string;
  readonly assumeRole?: AssumeRoleConfig;
  readonly s3: S3ClientConfig;
  readonly concurrency: number;
  readonly waitTimeSeconds: number;
  readonly maxMessages: number;
  readonly visibilityTimeoutSeconds: number;
  readonly objects: {
    readonly format: 'auto' | 'firehose-object' | 'export-object' | 'lines';
    readonly logGroup?: string;
    readonly logStream?: string;
    readonly owner?: string;
    /**
     * Per key prefix (the longest that matches wins), the group, stream and owner of line objects
     * under it, over the three above: one source account's extracted messages each.
     */
    readonly prefixes?: readonly { readonly prefix: string; readonly logGroup?: string; readonly logStream?: string; readonly owner?: string }[];
  };
}

type Polling = 'concurrency' | 'waitTimeSeconds' | 'maxMessages' | 'visibilityTimeoutSeconds';

/** What a source given no polling settings uses: the config's defaults. */
export const SQS_POLLING_DEFAULTS: Pick<SqsSourceConfig, Polling> = sourceDefaults<SqsSourceConfig, Polling>('sqs', [
  'concurrency',
  'waitTimeSeconds',
  'maxMessages',
  'visibilityTimeoutSeconds',
]);

/** The polling settings the source takes from a validated config. */
export function sqsSettings(s: SqsSourceConfig): Pick<SqsSourceConfig, 'queueUrl' | Polling> {
  return {
    queueUrl: s.queueUrl,
    concurrency: s.concurrency,
    waitTimeSeconds: s.waitTimeSeconds,
    maxMessages: s.maxMessages,
    visibilityTimeoutSeconds: s.visibilityTimeoutSeconds,
  };
}
