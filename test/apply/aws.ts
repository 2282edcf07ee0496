import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  DescribeDestinationsCommand,
  DescribeSubscriptionFiltersCommand,
  GetLogEventsCommand,
  PutLogEventsCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import {
  DeleteBucketPolicyCommand,
  DeleteObjectsCommand,
  GetBucketPolicyCommand,
  GetObjectCommand,
  ListObjectVersionsCommand,
  ListObjectsV2Command,
  S3Client,
} from '@aws-sdk/client-s3';
import { GetQueueAttributesCommand, GetQueueUrlCommand, ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { s3Notification } from '../../collector/test/sqs/support';
import { Credentials } from './moto';

// The Kinesis client is a dependency of the collector workspace only.
const collectorRequire = createRequire(resolve(__dirname, '..', '..', 'collector', 'package.json'));
type Command = new (input: object) => object;
interface KinesisSdk {
  readonly KinesisClient: new (config: object) => { send(command: object): Promise<Record<string, unknown>>; destroy(): void };
  readonly ListShardsCommand: Command;
  readonly GetShardIteratorCommand: Command;
  readonly GetRecordsCommand: Command;
  readonly PutRecordCommand: Command;
}
const kinesisSdk = collectorRequire('@aws-sdk/client-kinesis') as KinesisSdk;
interface DynamodbSdk {
  readonly DynamoDBClient: new (config: object) => { send(command: object): Promise<Record<string, unknown>>; destroy(): void };
  readonly DescribeTableCommand: Command;
  readonly DescribeContinuousBackupsCommand: Command;
  readonly UpdateTableCommand: Command;
  readonly ScanCommand: Command;
}
const dynamodbSdk = collectorRequire('@aws-sdk/client-dynamodb') as DynamodbSdk;

/** SDK clients acting in one account of moto. */
export class Aws {
  readonly logs: CloudWatchLogsClient;
  readonly s3: S3Client;
  readonly sqs: SQSClient;
  readonly kinesis: InstanceType<KinesisSdk['KinesisClient']>;
  readonly dynamodb: InstanceType<DynamodbSdk['DynamoDBClient']>;

  constructor(
    endpoint: string,
    readonly region: string,
    credentials: Credentials,
  ) {
    // HTTP/1.1 everywhere: the Kinesis client would otherwise try HTTP/2, which moto does not speak.
    const common = { endpoint, region, credentials, requestHandler: new NodeHttpHandler(), maxAttempts: 3 };
    this.logs = new CloudWatchLogsClient(common);
    this.s3 = new S3Client({ ...common, forcePathStyle: true, requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' });
    this.sqs = new SQSClient(common);
    this.kinesis = new kinesisSdk.KinesisClient(common);
    this.dynamodb = new dynamodbSdk.DynamoDBClient(common);
  }

  /** A table as applied: its key, encryption, deletion protection and point-in-time recovery. */
  async table(name: string): Promise<{ key: string; sse?: string; deletionProtection: boolean; pointInTimeRecovery: boolean }> {
    const t = (await this.dynamodb.send(new dynamodbSdk.DescribeTableCommand({ TableName: name }))).Table as {
      KeySchema: { AttributeName: string; KeyType: string }[];
      SSEDescription?: { SSEType?: string };
      DeletionProtectionEnabled?: boolean;
    };
    const backups = (await this.dynamodb.send(new dynamodbSdk.DescribeContinuousBackupsCommand({ TableName: name }))).ContinuousBackupsDescription as {
      PointInTimeRecoveryDescription?: { PointInTimeRecoveryStatus?: string };
    };
    return {
      key: t.KeySchema.map((k) => `${k.AttributeName} ${k.KeyType}`).join(', '),
      sse: t.SSEDescription?.SSEType,
      deletionProtection: t.DeletionProtectionEnabled === true,
      pointInTimeRecovery: backups.PointInTimeRecoveryDescription?.PointInTimeRecoveryStatus === 'ENABLED',
    };
  }

  /** The `leaseKey` of every item of a state table. */
  async itemKeys(table: string): Promise<string[]> {
    const keys: string[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const r = (await this.dynamodb.send(new dynamodbSdk.ScanCommand({ TableName: table, ConsistentRead: true, ExclusiveStartKey: start }))) as {
        Items?: { leaseKey?: { S?: string } }[];
        LastEvaluatedKey?: Record<string, unknown>;
      };
      keys.push(...(r.Items ?? []).flatMap((i) => (i.leaseKey?.S === undefined ? [] : [i.leaseKey.S])));
      start = r.LastEvaluatedKey;
    } while (start);
    return keys.sort();
  }

  async shardIds(streamName: string): Promise<string[]> {
    const shards = (await this.kinesis.send(new kinesisSdk.ListShardsCommand({ StreamName: streamName }))).Shards as { ShardId: string }[] | undefined;
    return (shards ?? []).map((s) => s.ShardId).sort();
  }

  /** Turns a table's deletion protection off, as an operator must before `terraform destroy` can delete it. */
  async liftDeletionProtection(name: string): Promise<void> {
    await this.dynamodb.send(new dynamodbSdk.UpdateTableCommand({ TableName: name, DeletionProtectionEnabled: false })).catch((e: Error) => {
      if (e.name !== 'ResourceNotFoundException') throw e;
    });
  }

  async createLogGroup(name: string): Promise<void> {
    await this.logs.send(new CreateLogGroupCommand({ logGroupName: name })).catch((e: Error) => {
      if (e.name !== 'ResourceAlreadyExistsException') throw e;
    });
  }

  async createLogStream(group: string, stream: string): Promise<void> {
    await this.logs.send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: stream })).catch((e: Error) => {
      if (e.name !== 'ResourceAlreadyExistsException') throw e;
    });
  }

  /** Puts messages into a new stream of a group, at `timestamp` (default now). */
  async putEvents(group: string, stream: string, messages: readonly string[], timestamp = Date.now()): Promise<void> {
    await this.createLogStream(group, stream);
    await this.logs.send(
      new PutLogEventsCommand({ logGroupName: group, logStreamName: stream, logEvents: messages.map((message, i) => ({ timestamp: timestamp + i, message })) }),
    );
  }

  /** The events of one stream of a group, oldest first. */
  async streamEvents(group: string, stream: string): Promise<{ id?: string; timestamp: number; message: string }[]> {
    const r = await this.logs.send(new GetLogEventsCommand({ logGroupName: group, logStreamName: stream, startFromHead: true }));
    return (r.events ?? []).map((e) => ({ timestamp: e.timestamp!, message: e.message! }));
  }

  async destination(name: string): Promise<{ targetArn: string; roleArn: string } | undefined> {
    const r = await this.logs.send(new DescribeDestinationsCommand({ DestinationNamePrefix: name }));
    const d = r.destinations?.find((x) => x.destinationName === name);
    return d && { targetArn: d.targetArn!, roleArn: d.roleArn! };
  }

  async subscriptionFilters(group: string): Promise<{ name: string; destinationArn: string }[]> {
    const r = await this.logs.send(new DescribeSubscriptionFiltersCommand({ logGroupName: group }));
    return (r.subscriptionFilters ?? []).map((f) => ({ name: f.filterName!, destinationArn: f.destinationArn! }));
  }

  async putRecord(streamArn: string, data: Uint8Array, partitionKey: string): Promise<void> {
    await this.kinesis.send(new kinesisSdk.PutRecordCommand({ StreamARN: streamArn, Data: data, PartitionKey: partitionKey }));
  }

  /** Every record of every shard of a stream, gunzipped and parsed (CloudWatch Logs subscription payloads). */
  async streamPayloads(streamName: string): Promise<SubscriptionPayload[]> {
    const shards = (await this.kinesis.send(new kinesisSdk.ListShardsCommand({ StreamName: streamName }))).Shards as { ShardId: string }[] | undefined;
    const out: SubscriptionPayload[] = [];
    for (const shard of shards ?? []) {
      const first = await this.kinesis.send(
        new kinesisSdk.GetShardIteratorCommand({ StreamName: streamName, ShardId: shard.ShardId, ShardIteratorType: 'TRIM_HORIZON' }),
      );
      let iterator = first.ShardIterator as string | undefined;
      for (let i = 0; iterator && i < 20; i++) {
        const r = (await this.kinesis.send(new kinesisSdk.GetRecordsCommand({ ShardIterator: iterator }))) as {
          Records?: { Data: Uint8Array }[];
          NextShardIterator?: string;
        };
        for (const rec of r.Records ?? []) out.push(JSON.parse(gunzipSync(Buffer.from(rec.Data)).toString('utf8')) as SubscriptionPayload);
        if (!r.Records?.length) break;
        iterator = r.NextShardIterator;
      }
    }
    return out;
  }

  async keys(bucket: string, prefix = ''): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const r = await this.s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
      keys.push(...(r.Contents ?? []).map((o) => o.Key!));
      token = r.NextContinuationToken;
    } while (token);
    return keys;
  }

  async object(bucket: string, key: string): Promise<Buffer> {
    const r = await this.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return Buffer.from(await r.Body!.transformToByteArray());
  }

  async hasBucketPolicy(bucket: string): Promise<boolean> {
    return this.s3.send(new GetBucketPolicyCommand({ Bucket: bucket })).then(
      (r) => typeof r.Policy === 'string' && r.Policy.includes('Statement'),
      () => false,
    );
  }

  async deleteBucketPolicy(bucket: string): Promise<void> {
    await this.s3.send(new DeleteBucketPolicyCommand({ Bucket: bucket }));
  }

  /** Deletes every object and version, as an operator empties a bucket before `terraform destroy`. */
  async emptyBucket(bucket: string): Promise<number> {
    let n = 0;
    for (let round = 0; round < 100; round++) {
      const r = await this.s3.send(new ListObjectVersionsCommand({ Bucket: bucket })).catch((e: Error) => {
        if (e.name === 'NoSuchBucket') return undefined;
        throw e;
      });
      // An unversioned bucket lists each object once with version "null": delete it by key alone.
      const objects = [...(r?.Versions ?? []), ...(r?.DeleteMarkers ?? [])].map((v) =>
        v.VersionId && v.VersionId !== 'null' ? { Key: v.Key!, VersionId: v.VersionId } : { Key: v.Key! },
      );
      if (objects.length === 0) return n;
      await this.s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: objects } }));
      n += objects.length;
    }
    throw new Error(`bucket ${bucket} is still not empty after 100 rounds of deletes`);
  }

  private async queueUrl(queueName: string): Promise<string> {
    return (await this.sqs.send(new GetQueueUrlCommand({ QueueName: queueName }))).QueueUrl!;
  }

  async queueDepth(queueName: string): Promise<number> {
    const url = await this.queueUrl(queueName);
    const a = await this.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
    );
    return Number(a.Attributes?.ApproximateNumberOfMessages ?? 0) + Number(a.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0);
  }

  /** Bodies of the messages on a queue, left visible for the collector (visibility timeout 0). */
  async peekQueue(queueName: string): Promise<string[]> {
    const r = await this.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: await this.queueUrl(queueName), MaxNumberOfMessages: 10, VisibilityTimeout: 0, WaitTimeSeconds: 0 }),
    );
    return (r.Messages ?? []).map((m) => m.Body ?? '');
  }

  /** Sends the S3 `ObjectCreated:Put` notification of each object (key → size), in the form S3 sends it to a queue. */
  async notifyObjectsCreated(queueName: string, bucket: string, objects: ReadonlyMap<string, number>): Promise<void> {
    const keys = [...objects.keys()];
    const body = s3Notification(bucket, keys, { region: this.region, sizes: keys.map((k) => objects.get(k)!) });
    await this.sqs.send(new SendMessageCommand({ QueueUrl: await this.queueUrl(queueName), MessageBody: JSON.stringify(body) }));
  }

  destroy(): void {
    this.logs.destroy();
    this.s3.destroy();
    this.sqs.destroy();
    this.kinesis.destroy();
    this.dynamodb.destroy();
  }
}

export interface SubscriptionPayload {
  readonly messageType: string;
  readonly owner: string;
  readonly logGroup: string;
  readonly logStream: string;
  readonly subscriptionFilters: string[];
  readonly logEvents: { id: string | number; timestamp: number; message: string }[];
}

export async function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}
