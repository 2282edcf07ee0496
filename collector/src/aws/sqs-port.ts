/**
 * The SQS source's ports (sources/sqs/ports.ts) over the AWS SDK: one queue's ReceiveMessage,
 * DeleteMessage and ChangeMessageVisibility, and S3 GetObject. Calls pass the caller's abort signal
 * to the SDK, so a long poll or a download stops when the collector stops.
 */
import { S3Client } from '@aws-sdk/client-s3';
import { ChangeMessageVisibilityCommand, DeleteMessageCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { S3Port, SqsMessage, SqsPort } from '../sources/sqs/ports';
import { ERROR_CODES } from '../types';
import { awsErrorName, awsHttpStatus, classifyAwsError } from './errors';
import { getObjectBytes } from './s3';

/** An S3 object announced by a notification could not be read. Its message stays on the queue (and reaches the DLQ after maxReceiveCount). */
export class S3ObjectError extends Error {
  readonly code = ERROR_CODES.source;
  constructor(
    readonly bucket: string,
    readonly key: string,
    /** The AWS error name (`NoSuchKey`, `AccessDenied`, …), when the service answered. */
    readonly awsError: string | undefined,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'S3ObjectError';
  }
}

/** The SqsPort of one queue. Messages come with their ApproximateReceiveCount. */
export function sqsPort(client: SQSClient, queueUrl: string): SqsPort {
  return {
    async receive({ maxMessages, waitTimeSeconds, visibilityTimeoutSeconds, signal }) {
      const out = await client.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MaxNumberOfMessages: maxMessages,
          WaitTimeSeconds: waitTimeSeconds,
          ...(visibilityTimeoutSeconds !== undefined ? { VisibilityTimeout: visibilityTimeoutSeconds } : {}),
          MessageSystemAttributeNames: ['ApproximateReceiveCount'],
        }),
        { abortSignal: signal },
      );
      const messages: SqsMessage[] = [];
      for (const m of out.Messages ?? []) {
        // Without a receipt handle a message can be neither deleted nor extended; SQS always sends one.
        if (m.ReceiptHandle === undefined) continue;
        const count = Number(m.Attributes?.ApproximateReceiveCount);
        messages.push({
          messageId: m.MessageId ?? '',
          receiptHandle: m.ReceiptHandle,
          body: m.Body ?? '',
          ...(Number.isFinite(count) ? { receiveCount: count } : {}),
        });
      }
      return messages;
    },
    async delete(receiptHandle) {
      await client.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: receiptHandle }));
    },
    async changeVisibility(receiptHandle, seconds) {
      await client.send(new ChangeMessageVisibilityCommand({ QueueUrl: queueUrl, ReceiptHandle: receiptHandle, VisibilityTimeout: seconds }));
    },
  };
}

/** The S3Port: GetObject, read to the end. Failures become S3ObjectErrors naming the bucket and key. */
export function s3Port(client: S3Client): S3Port {
  return {
    async getObject(bucket, key, signal) {
      try {
        return await getObjectBytes(client, bucket, key, signal);
      } catch (e) {
        throw s3ObjectError(bucket, key, e);
      }
    },
  };
}

function s3ObjectError(bucket: string, key: string, e: unknown): S3ObjectError {
  const status = awsHttpStatus(e);
  // Only an answer from S3 names an AWS error; a network failure's code is not one.
  const awsError = status !== undefined && e instanceof Error ? awsErrorName(e) : undefined;
  const cls = classifyAwsError(e);
  const where = `s3://${bucket}/${key}`;
  const detail = e instanceof Error ? e.message : String(e);
  let why: string;
  if (awsError === 'NoSuchBucket') why = 'the bucket does not exist';
  else if (cls === 'not-found') why = 'the object does not exist (deleted, or announced before it was readable)';
  else if (awsError === 'AccessDenied' || status === 403) why = "access denied: check the collector role's s3:GetObject grant and the bucket's KMS key policy";
  else why = detail;
  return new S3ObjectError(bucket, key, awsError, `GetObject ${where} failed: ${why}${awsError ? ` (${awsError})` : ''}`, { cause: e });
}
