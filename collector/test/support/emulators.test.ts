import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { ChangeMessageVisibilityCommand, CreateQueueCommand, DeleteMessageCommand, ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { S3Emulator, SqsEmulator, startS3, startSqs } from './emulators';

let s3: S3Emulator;
let sqs: SqsEmulator;
beforeAll(async () => {
  [s3, sqs] = await Promise.all([startS3(), startSqs()]);
});
afterAll(async () => {
  await Promise.all([s3?.close(), sqs?.close()]);
});

test('s3rver stores objects byte for byte under keys with spaces and plus signs', async () => {
  await s3.client.send(new CreateBucketCommand({ Bucket: 'emu-check' }));
  const body = Buffer.from([0x1f, 0x8b, 0x08, 0, 1, 2, 3]);
  await s3.client.send(new PutObjectCommand({ Bucket: 'emu-check', Key: 'a b/x+y.gz', Body: body }));
  const listed = await s3.client.send(new ListObjectsV2Command({ Bucket: 'emu-check', Prefix: 'a b/' }));
  expect(listed.Contents?.map((c) => c.Key)).toEqual(['a b/x+y.gz']);
  const got = await s3.client.send(new GetObjectCommand({ Bucket: 'emu-check', Key: 'a b/x+y.gz' }));
  expect(Buffer.from(await got.Body!.transformToByteArray())).toEqual(body);
});

test('fauxqs honours receive, visibility changes and deletes', async () => {
  const { QueueUrl } = await sqs.client.send(new CreateQueueCommand({ QueueName: 'emu-check', Attributes: { VisibilityTimeout: '1' } }));
  await sqs.client.send(new SendMessageCommand({ QueueUrl, MessageBody: 'hello' }));
  const first = await sqs.client.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
  expect(first.Messages?.map((m) => m.Body)).toEqual(['hello']);
  await sqs.client.send(new ChangeMessageVisibilityCommand({ QueueUrl, ReceiptHandle: first.Messages![0].ReceiptHandle!, VisibilityTimeout: 30 }));
  const hidden = await sqs.client.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 2 }));
  expect(hidden.Messages ?? []).toEqual([]);
  await sqs.client.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: first.Messages![0].ReceiptHandle! }));
});
