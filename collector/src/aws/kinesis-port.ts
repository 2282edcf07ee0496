/** The Kinesis source's port (sources/kinesis/ports.ts) over a KinesisClient (build it with maxAttempts 1: the source paces and retries calls itself). */
import { GetRecordsCommand, GetShardIteratorCommand, KinesisClient, ListShardsCommand } from '@aws-sdk/client-kinesis';
import type { KinesisPort } from '../sources/kinesis/ports';

export function kinesisPort(client: KinesisClient): KinesisPort {
  return {
    listShards: (input, signal) => client.send(new ListShardsCommand(input), { abortSignal: signal }),
    getShardIterator: (input, signal) => client.send(new GetShardIteratorCommand(input), { abortSignal: signal }),
    getRecords: (input, signal) => client.send(new GetRecordsCommand(input), { abortSignal: signal }),
  };
}
