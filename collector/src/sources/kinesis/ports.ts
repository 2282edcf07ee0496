/**
 * The Kinesis calls the source makes, as an interface: aws/kinesis-port.ts adapts a KinesisClient to
 * it, tests script it. Inputs and outputs keep the SDK's shapes (only the fields the source uses);
 * errors are the SDK's, classified by aws/errors.ts. Every call passes the source's abort signal.
 */
import type {
  GetRecordsCommandInput,
  GetRecordsCommandOutput,
  GetShardIteratorCommandInput,
  GetShardIteratorCommandOutput,
  ListShardsCommandInput,
  ListShardsCommandOutput,
} from '@aws-sdk/client-kinesis';

export interface KinesisPort {
  /** One page of ListShards. */
  listShards(input: ListShardsCommandInput, signal: AbortSignal): Promise<Pick<ListShardsCommandOutput, 'Shards' | 'NextToken'>>;
  getShardIterator(input: GetShardIteratorCommandInput, signal: AbortSignal): Promise<Pick<GetShardIteratorCommandOutput, 'ShardIterator'>>;
  getRecords(
    input: GetRecordsCommandInput,
    signal: AbortSignal,
  ): Promise<Pick<GetRecordsCommandOutput, 'Records' | 'NextShardIterator' | 'MillisBehindLatest' | 'ChildShards'>>;
}
