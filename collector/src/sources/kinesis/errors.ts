/** The Kinesis source's error: a failure retrying cannot fix, with what to check. */
import { awsErrorName } from '../../aws/errors';
import { ERROR_CODES } from '../../types';

/** A Kinesis error retrying cannot fix (the stream does not exist, access denied, a checkpoint from another stream). */
export class KinesisSourceError extends Error {
  readonly code = ERROR_CODES.source;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'KinesisSourceError';
  }
}

export function errMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** The error `run` rejects with when a Kinesis call failed for good, with a hint for the usual causes. */
export function kinesisCallError(what: string, e: unknown, stream: string, shardId?: string): KinesisSourceError {
  const name = awsErrorName(e);
  const where = shardId ? `shard ${shardId} of stream ${stream}` : `stream ${stream}`;
  const hint =
    name === 'ResourceNotFoundException'
      ? ' The stream does not exist: check the stream name, region and endpoint.'
      : name.includes('AccessDenied') || name.startsWith('KMS')
        ? ' Check the collector role: it needs kinesis:ListShards, GetShardIterator, GetRecords and kms:Decrypt on the stream key.'
        : '';
  return new KinesisSourceError(`Kinesis ${what} on ${where} failed with ${name || 'an error'}: ${errMessage(e)}.${hint}`, { cause: e });
}
