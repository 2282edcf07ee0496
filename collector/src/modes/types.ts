import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { DecodeLimits } from '../decoders/limits';
import type { UnparsedHandler } from '../events';
import type { Logger } from '../ops/log';
import type { CollectorMetrics } from '../ops/metrics';
import type { MessageParser } from '../parsers';
import type { StateStore } from '../state/store';
import type { NormalizedEvent, Source, SourceBatch } from '../types';

/** AWS clients to use instead of ones built from the config (tests, emulators). */
export interface AwsClients {
  readonly kinesis?: KinesisClient;
  readonly sqs?: SQSClient;
  readonly s3?: S3Client;
  readonly logs?: CloudWatchLogsClient;
  readonly dynamodb?: DynamoDBClient;
}

/** What a mode gets to build its source. */
export interface ModeContext {
  readonly logger: Logger;
  readonly metrics: CollectorMetrics;
  readonly parser: MessageParser;
  readonly onUnparsed: UnparsedHandler;
  /** The config's `limits`: the decompressed-size cap the mode's decoder applies. @default the schema's */
  readonly limits?: DecodeLimits;
  /** Where the mode keeps its checkpoints, leases and progress (opened by the app before the mode runs). */
  readonly state: StateStore;
  readonly clients: AwsClients;
}

/** A source with the decoder for its records. */
export interface Mode {
  readonly source: Source;
  /**
   * Turns one record of the source's batches into events (an array, or lazily decoded chunks for
   * large records such as S3 objects); throws DecodeError for bytes that cannot be decoded.
   */
  readonly decode: (record: SourceBatch['records'][number]) => NormalizedEvent[] | Iterable<readonly NormalizedEvent[]>;
  /** What the startup log line says about the source. */
  readonly describe: Readonly<Record<string, unknown>>;
  /** False while the mode cannot do its share of the work (e.g. no lease held for longer than a shard sync). @default always ready */
  readonly ready?: () => boolean;
}
