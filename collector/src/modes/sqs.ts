import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { requestHandler, s3ClientOptions, sourceCredentials } from '../aws/clients';
import { s3Port, sqsPort } from '../aws/sqs-port';
import { decodeObjectChunks, ObjectDecodeOptions } from '../decoders/object';
import { SqsSourceConfig, sqsSettings } from '../sources/sqs/config';
import { SqsSource } from '../sources/sqs/source';
import { DecodeError } from '../types';
import type { LineContext } from '../events';
import type { Mode, ModeContext } from './types';

/**
 * SQS mode: S3 objects (Firehose output, or any object of CloudWatch payloads or lines) announced on
 * an SQS queue by S3 event notifications, SNS or EventBridge. Each message's objects are one batch;
 * the message is deleted once their events were delivered. A message whose object cannot be read or
 * decoded is left on the queue, so the queue's redrive policy moves it to its DLQ.
 */
export function sqsMode(s: SqsSourceConfig, ctx: ModeContext): Mode {
  const credentials = sourceCredentials(s.assumeRole, s.region);
  // SDK retries (3 attempts) are fine here: a failed call only delays one message, and the source backs off receives itself.
  const sqs = ctx.clients.sqs ?? new SQSClient({ region: s.region, endpoint: s.endpoint, credentials, maxAttempts: 3, requestHandler: requestHandler() });
  const s3 = ctx.clients.s3 ?? new S3Client({ ...s3ClientOptions(s.s3, s.region, credentials), maxAttempts: 3 });
  const source = new SqsSource({
    sqs: sqsPort(sqs, s.queueUrl),
    s3: s3Port(s3),
    ...sqsSettings(s),
    logger: ctx.logger.child({ component: 'sqs' }),
    metrics: ctx.metrics,
  });
  const { format, logGroup, logStream, owner, prefixes } = s.objects;
  const options: ObjectDecodeOptions = {
    format,
    parser: ctx.parser,
    context: { logGroup, logStream, owner },
    onUnparsed: ctx.onUnparsed,
    onControlMessage: () => ctx.metrics.controlMessages.inc(),
    maxDecompressedBytes: ctx.limits?.maxDecompressedBytes,
  };
  const contextOf = lineContexts(options.context!, prefixes ?? []);
  return {
    source,
    decode: (record) => {
      if (record.origin.kind !== 'firehose-object')
        throw new DecodeError('unexpected-origin', `the SQS mode cannot decode a record from a ${record.origin.kind} source`);
      const { bucket, key } = record.origin;
      return decodeObjectChunks(
        record.data,
        { kind: 'firehose-object', bucket, key },
        { ...options, context: key === undefined ? options.context : contextOf(key), timestamp: record.timestamp },
      );
    },
    describe: { type: s.type, queue: source.queue, region: s.region },
  };
}

/**
 * The group, stream and owner named on line events of an object: those of the longest configured
 * prefix its key starts with, each field falling back to the flat `objects` one.
 */
export function lineContexts(fallback: LineContext, prefixes: readonly ({ readonly prefix: string } & LineContext)[]): (key: string) => LineContext {
  const longestFirst = [...prefixes].sort((a, b) => b.prefix.length - a.prefix.length);
  const cache = new Map<string, LineContext>();
  return (key) => {
    const match = longestFirst.find((p) => key.startsWith(p.prefix));
    if (!match) return fallback;
    let context = cache.get(match.prefix);
    if (!context) {
      context = { logGroup: match.logGroup ?? fallback.logGroup, logStream: match.logStream ?? fallback.logStream, owner: match.owner ?? fallback.owner };
      cache.set(match.prefix, context);
    }
    return context;
  };
}
