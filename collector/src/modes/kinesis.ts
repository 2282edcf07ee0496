import { KinesisClient } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { sourceCredentials } from '../aws/clients';
import { kinesisPort } from '../aws/kinesis-port';
import { decodeKinesisRecord } from '../decoders/kinesis';
import { envelopeToEvents } from '../events';
import { KinesisSourceConfig, kinesisSettings } from '../sources/kinesis/config';
import { KinesisSource } from '../sources/kinesis/source';
import type { Mode, ModeContext } from './types';

/** Kinesis mode: one reader per shard of the stream CloudWatch Logs subscription filters write to. */
export function kinesisMode(s: KinesisSourceConfig, ctx: ModeContext): Mode {
  const client =
    ctx.clients.kinesis ??
    // maxAttempts 1: the source retries throttling and network errors itself, within the shard's call budget.
    new KinesisClient({
      region: s.region,
      endpoint: s.endpoint,
      credentials: sourceCredentials(s.assumeRole, s.region),
      maxAttempts: 1,
      requestHandler: new NodeHttpHandler({ connectionTimeout: 5000, requestTimeout: 30000 }),
    });
  const leases = ctx.state.shardLeases({ stream: s.streamName, logger: ctx.logger.child({ component: 'leases' }), metrics: ctx.metrics });
  const source = new KinesisSource({
    kinesis: kinesisPort(client),
    ...kinesisSettings(s),
    leases,
    logger: ctx.logger.child({ component: 'kinesis' }),
    metrics: ctx.metrics,
  });
  return {
    source,
    decode: (record) => {
      const envelope = decodeKinesisRecord(record.data, ctx.limits?.maxDecompressedBytes);
      if (envelope.messageType === 'CONTROL_MESSAGE') ctx.metrics.controlMessages.inc();
      return envelopeToEvents(envelope, record.origin, ctx.parser, ctx.onUnparsed);
    },
    describe: { type: s.type, stream: s.streamName, region: s.region },
    // A replica holding no lease for longer than a shard sync, while the stream has shards to read, is not doing its share.
    ready: () => leases.status().withoutLeaseMs <= s.shardDiscoveryIntervalMs,
  };
}
