/**
 * Helpers of the SQS-mode integration tests: CloudWatch payloads built here (gzip members, JSON
 * back to back), S3 event notifications as S3 writes them, queues with redrive policies on fauxqs.
 */
import { CreateBucketCommand, HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { completeLines } from '../support/ops';
import { CreateQueueCommand, GetQueueAttributesCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { CloudWatchEnvelope, NormalizedEvent } from '../../src/types';

export const OWNER = '111122223333';

/** A DATA_MESSAGE of `count` events with ids `${tag}-${i}`. */
export function dataEnvelope(tag: string, count: number, logGroup = '/app/orders', logStream = `stream-${tag}`): CloudWatchEnvelope {
  return {
    messageType: 'DATA_MESSAGE',
    owner: OWNER,
    logGroup,
    logStream,
    subscriptionFilters: ['cwl-siem-firehose'],
    logEvents: Array.from({ length: count }, (_, i) => ({
      id: `${tag}-${i}`,
      timestamp: 1763800000000 + i * 1000,
      message: `{"tag":"${tag}","i":${i},"text":"line \\"${i}\\" ü"}`,
    })),
  };
}

/** The CONTROL_MESSAGE CloudWatch Logs sends to check a destination: dropped and counted. */
export function controlEnvelope(): CloudWatchEnvelope {
  return {
    messageType: 'CONTROL_MESSAGE',
    owner: 'CloudwatchLogs',
    logGroup: '',
    logStream: '',
    subscriptionFilters: [],
    logEvents: [{ id: '', timestamp: 1763800000000, message: 'CWL CONTROL MESSAGE: Checking health of destination Firehose.' }],
  };
}

/** A Firehose object as it writes CloudWatch payloads: one gzip member per payload, back to back. */
export function gzipMembers(envelopes: readonly CloudWatchEnvelope[]): Buffer {
  return Buffer.concat(envelopes.map((e) => gzipSync(JSON.stringify(e))));
}

/** The fields an event must carry, per DATA_MESSAGE log event. */
export function expectedEvents(envelopes: readonly CloudWatchEnvelope[]): ExpectedEvent[] {
  return envelopes
    .filter((e) => e.messageType === 'DATA_MESSAGE')
    .flatMap((e) =>
      e.logEvents.map((l) => ({ id: l.id!, timestamp: l.timestamp, owner: e.owner, logGroup: e.logGroup, logStream: e.logStream, message: l.message })),
    );
}

export type ExpectedEvent = Pick<NormalizedEvent, 'id' | 'timestamp' | 'owner' | 'logGroup' | 'logStream' | 'message'>;

/** A delivered event line, as the file sink writes it. */
export interface DeliveredEvent extends ExpectedEvent {
  readonly source: { readonly kind: string; readonly bucket?: string; readonly key?: string; readonly offset: number };
  readonly type?: string;
}

/** The comparable part of a delivered event. */
export const core = (e: DeliveredEvent): ExpectedEvent => ({
  id: e.id,
  timestamp: e.timestamp,
  owner: e.owner,
  logGroup: e.logGroup,
  logStream: e.logStream,
  message: e.message,
});

export const byId = <T extends { id: string }>(a: T, b: T): number => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/** A key as S3 notifications carry it: URL-encoded, spaces as `+`, `/` kept. */
export function notificationKey(key: string): string {
  return encodeURIComponent(key).replace(/%20/g, '+').replace(/%2F/g, '/');
}

/** An S3 event notification (structure 2.1) announcing `keys` as created in `bucket` (each of `size` bytes unless `sizes` says). */
export function s3Notification(
  bucket: string,
  keys: readonly string[],
  o: { readonly region?: string; readonly sizes?: readonly number[] } = {},
): Record<string, unknown> {
  return {
    Records: keys.map((key, i) => ({
      eventVersion: '2.1',
      eventSource: 'aws:s3',
      awsRegion: o.region ?? 'us-east-1',
      eventTime: '2026-11-22T10:00:00.000Z',
      eventName: 'ObjectCreated:Put',
      userIdentity: { principalId: 'AWS:AROAEXAMPLE:firehose' },
      requestParameters: { sourceIPAddress: '10.0.0.1' },
      responseElements: { 'x-amz-request-id': `REQ${i}`, 'x-amz-id-2': 'id2' },
      s3: {
        s3SchemaVersion: '1.0',
        configurationId: 'cwl-siem-objects',
        bucket: { name: bucket, ownerIdentity: { principalId: 'EXAMPLE' }, arn: `arn:aws:s3:::${bucket}` },
        object: { key: notificationKey(key), size: o.sizes?.[i] ?? 1, eTag: '0123456789abcdef0123456789abcdef', sequencer: `0A1B2C3D4E5F67890${i}` },
      },
    })),
  };
}

/** The s3:TestEvent S3 sends when a notification configuration is saved. */
export function s3TestEvent(bucket: string): Record<string, unknown> {
  return { Service: 'Amazon S3', Event: 's3:TestEvent', Time: '2026-11-22T10:00:00.000Z', Bucket: bucket, RequestId: 'ABCDEF0123456789', HostId: 'host-id' };
}

/** `body` wrapped as SNS delivers it to SQS without raw message delivery. */
export function snsWrapped(body: Record<string, unknown>): Record<string, unknown> {
  return {
    Type: 'Notification',
    MessageId: '95df01b4-ee98-5cb9-9903-4c221d41eb5e',
    TopicArn: 'arn:aws:sns:us-east-1:111122223333:cwl-siem-objects',
    Subject: 'Amazon S3 Notification',
    Message: JSON.stringify(body),
    Timestamp: '2026-11-22T10:00:00.000Z',
    SignatureVersion: '1',
    Signature: 'EXAMPLE',
    SigningCertURL: 'https://sns.us-east-1.amazonaws.com/SimpleNotificationService-0000000000000000000000.pem',
    UnsubscribeURL: 'https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe',
  };
}

export async function ensureBucket(s3: S3Client, bucket: string): Promise<void> {
  try {
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  } catch (e) {
    if ((e as Error).name !== 'BucketAlreadyOwnedByYou' && (e as Error).name !== 'BucketAlreadyExists') throw e;
  }
}

/** Puts an object and returns its LastModified (ms), as GetObject will report it. */
export async function putObject(s3: S3Client, bucket: string, key: string, body: Uint8Array | string): Promise<number> {
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
  const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
  return head.LastModified!.getTime();
}

export interface TestQueue {
  readonly url: string;
  readonly arn: string;
}

/** A queue with the given VisibilityTimeout, and a redrive policy to `dlq` when given. */
export async function createQueue(
  sqs: SQSClient,
  name: string,
  visibilityTimeoutSeconds: number,
  redrive?: { dlq: TestQueue; maxReceiveCount: number },
): Promise<TestQueue> {
  const attributes: Record<string, string> = { VisibilityTimeout: String(visibilityTimeoutSeconds) };
  if (redrive) attributes.RedrivePolicy = JSON.stringify({ deadLetterTargetArn: redrive.dlq.arn, maxReceiveCount: String(redrive.maxReceiveCount) });
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
  const attrs = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
  return { url: QueueUrl!, arn: attrs.Attributes!.QueueArn! };
}

export async function sendJson(sqs: SQSClient, queue: TestQueue, body: Record<string, unknown>): Promise<void> {
  await sqs.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: JSON.stringify(body) }));
}

/** Messages waiting (visible) and in flight (received, not deleted, not yet visible again). */
export async function queueCounts(sqs: SQSClient, queue: TestQueue): Promise<{ visible: number; inFlight: number }> {
  const out = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queue.url, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
  );
  return { visible: Number(out.Attributes?.ApproximateNumberOfMessages), inFlight: Number(out.Attributes?.ApproximateNumberOfMessagesNotVisible) };
}

/** Polls `check` every 25 ms until it holds; rejects after `timeoutMs` naming `what`. */
export async function waitFor(what: string, timeoutMs: number, check: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Every NDJSON line of the files in `dir` whose names start with `base` (rotated files included). */
export function readNdjson<T>(dir: string, base: string): T[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.startsWith(base))
    .flatMap((f) => completeLines(readFileSync(join(dir, f), 'utf8')))
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as T);
}
