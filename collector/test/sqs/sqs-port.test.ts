import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { S3ObjectError, s3Port, sqsPort } from '../../src/aws/sqs-port';
import { S3Emulator, SqsEmulator, startS3, startSqs } from '../support/emulators';
import { createQueue, ensureBucket, putObject, queueCounts } from './support';

/** The SDK adapters of the SQS source's ports, against s3rver and fauxqs. */

jest.setTimeout(30000);

const BUCKET = 'cwl-port-objects';
let s3: S3Emulator;
let sqs: SqsEmulator;

beforeAll(async () => {
  [s3, sqs] = await Promise.all([startS3(), startSqs()]);
  await ensureBucket(s3.client, BUCKET);
});
afterAll(async () => {
  await Promise.all([s3?.close(), sqs?.close()]);
});

const never = new AbortController().signal;

describe('s3Port', () => {
  test('reads the whole object with its LastModified', async () => {
    const body = Buffer.from(Array.from({ length: 70000 }, (_, i) => i % 251));
    const modified = await putObject(s3.client, BUCKET, 'dir/a b+c.bin', body);
    const got = await s3Port(s3.client).getObject(BUCKET, 'dir/a b+c.bin', never);
    expect(Buffer.from(got.body)).toEqual(body);
    expect(got.lastModified?.getTime()).toBe(modified);
  });

  test('a missing object rejects with an S3ObjectError naming bucket, key and NoSuchKey', async () => {
    const err = await s3Port(s3.client)
      .getObject(BUCKET, 'gone/object.gz', never)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(S3ObjectError);
    expect(err).toMatchObject({ code: 'CWL_COLLECTOR_SOURCE', bucket: BUCKET, key: 'gone/object.gz', awsError: 'NoSuchKey' });
    expect((err as Error).message).toBe(
      `GetObject s3://${BUCKET}/gone/object.gz failed: the object does not exist (deleted, or announced before it was readable) (NoSuchKey)`,
    );
  });

  test('a missing bucket rejects naming NoSuchBucket', async () => {
    const err = await s3Port(s3.client)
      .getObject('no-such-bucket', 'k', never)
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'S3ObjectError', bucket: 'no-such-bucket', key: 'k', awsError: 'NoSuchBucket' });
  });

  test('an aborted fetch rejects', async () => {
    await putObject(s3.client, BUCKET, 'abort/me', 'x');
    const ac = new AbortController();
    ac.abort();
    await expect(s3Port(s3.client).getObject(BUCKET, 'abort/me', ac.signal)).rejects.toBeInstanceOf(S3ObjectError);
  });
});

describe('sqsPort', () => {
  test('receives with the receive count, makes a message visible again, and deletes it', async () => {
    const queue = await createQueue(sqs.client, 'cwl-port-queue', 30);
    const { MessageId } = await sqs.client.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: 'hello' }));
    const port = sqsPort(sqs.client, queue.url);
    const first = await port.receive({ maxMessages: 10, waitTimeSeconds: 1, signal: never });
    expect(first).toEqual([{ messageId: MessageId, receiptHandle: expect.any(String), body: 'hello', receiveCount: 1 }]);
    expect(await port.receive({ maxMessages: 10, waitTimeSeconds: 0, signal: never })).toEqual([]);
    await port.changeVisibility(first[0].receiptHandle, 0);
    const second = await port.receive({ maxMessages: 10, waitTimeSeconds: 1, signal: never });
    expect(second).toEqual([expect.objectContaining({ messageId: MessageId, receiveCount: 2 })]);
    await port.delete(second[0].receiptHandle);
    expect(await queueCounts(sqs.client, queue)).toEqual({ visible: 0, inFlight: 0 });
  });

  test("the receive's visibility timeout overrides the queue's, either way", async () => {
    // Queue: 1 s. Received with 30 s: still invisible after the queue's timeout.
    const short = await createQueue(sqs.client, 'cwl-port-short', 1);
    await sqs.client.send(new SendMessageCommand({ QueueUrl: short.url, MessageBody: 'kept' }));
    const port = sqsPort(sqs.client, short.url);
    expect(await port.receive({ maxMessages: 1, waitTimeSeconds: 1, visibilityTimeoutSeconds: 30, signal: never })).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 1500));
    expect(await port.receive({ maxMessages: 1, waitTimeSeconds: 0, signal: never })).toEqual([]);
    // Queue: 30 s. Received with 1 s: visible again soon after.
    const long = await createQueue(sqs.client, 'cwl-port-long', 30);
    await sqs.client.send(new SendMessageCommand({ QueueUrl: long.url, MessageBody: 'back' }));
    const port2 = sqsPort(sqs.client, long.url);
    expect(await port2.receive({ maxMessages: 1, waitTimeSeconds: 1, visibilityTimeoutSeconds: 1, signal: never })).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 1500));
    expect(await port2.receive({ maxMessages: 1, waitTimeSeconds: 1, signal: never })).toEqual([expect.objectContaining({ body: 'back', receiveCount: 2 })]);
  });

  test('a long poll stops when its signal aborts', async () => {
    const queue = await createQueue(sqs.client, 'cwl-port-empty', 30);
    const ac = new AbortController();
    const t0 = Date.now();
    const polling = sqsPort(sqs.client, queue.url).receive({ maxMessages: 1, waitTimeSeconds: 10, signal: ac.signal });
    setTimeout(() => ac.abort(), 200);
    await expect(polling).rejects.toThrow();
    expect(Date.now() - t0).toBeLessThan(3000);
  });
});
