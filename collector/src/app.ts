import { KinesisClient } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { AddressInfo } from 'net';
import { FileCheckpointStore } from './checkpoint/file-store';
import { CollectorConfig } from './config/load';
import { decodeKinesisRecord } from './decoders/kinesis';
import { envelopeToEvents } from './events';
import { DeadLetterFile } from './ops/dead-letter';
import { Logger } from './ops/log';
import { CollectorMetrics, createMetrics } from './ops/metrics';
import { OpsServer } from './ops/server';
import { createParser } from './parsers';
import { Pipeline } from './pipeline';
import { serializeEvent } from './serialize';
import { createSink } from './sinks';
import { KinesisSource } from './sources/kinesis';
import { CheckpointStore, Sink, Source } from './types';

export interface CollectorDeps {
  readonly logger: Logger;
  /** @default a fresh registry */
  readonly metrics?: CollectorMetrics;
  /** Environment for sink secrets. @default process.env */
  readonly env?: NodeJS.ProcessEnv;
  /** A Kinesis client to use instead of one built from the config (tests). */
  readonly kinesisClient?: KinesisClient;
}

/** A built collector: nothing runs, listens or connects until start(). */
export interface Collector {
  readonly metrics: CollectorMetrics;
  /** Opens the checkpoint store and the sink, starts the ops server, starts reading. */
  start(): Promise<void>;
  /** Resolves when the source stopped by itself (a fatal error rejects). */
  readonly finished: Promise<void>;
  /**
   * Drains: stops reading, lets in-flight batches deliver and checkpoint, closes everything.
   * Resolves with 0 when drained within `shutdownTimeoutMs`, 1 when a batch had to be abandoned
   * unacknowledged (it is read again on the next start).
   */
  stop(): Promise<number>;
  /** Where the ops server listens, once started. */
  readonly opsAddress?: AddressInfo;
}

/** Builds the collector from its config. No side effects until start(). */
export function buildCollector(config: CollectorConfig, deps: CollectorDeps): Collector {
  const logger = deps.logger;
  const metrics = deps.metrics ?? createMetrics();
  const parser = createParser({ vpcFlowLogs: config.parsers.vpcFlowLogs });
  const deadLetters = new DeadLetterFile(config.deadLetter.path);
  const abort = new AbortController();
  let checkpoints: CheckpointStore | undefined;
  let sink: Sink | undefined;
  let pipeline: Pipeline | undefined;
  let ops: OpsServer | undefined;
  let running: Promise<void> | undefined;
  let ready = false;
  let opsAddress: AddressInfo | undefined;
  let resolveFinished!: () => void;
  let rejectFinished!: (e: unknown) => void;
  const finished = new Promise<void>((resolve, reject) => {
    resolveFinished = resolve;
    rejectFinished = reject;
  });
  finished.catch(() => undefined);

  const onUnparsed = (name: string) => metrics.unparsed.inc({ parser: name });

  const collector: Collector = {
    metrics,
    finished,
    get opsAddress() {
      return opsAddress;
    },
    async start() {
      checkpoints = new FileCheckpointStore(config.checkpoint.path);
      sink = createSink(config.sink, { logger: logger.child({ component: 'sink' }), metrics, env: deps.env ?? process.env, serialize: serializeEvent });
      const s = config.source;
      pipeline = new Pipeline({
        sink,
        decode: (record) => {
          const envelope = decodeKinesisRecord(record.data);
          if (envelope.messageType === 'CONTROL_MESSAGE') metrics.controlMessages.inc();
          return envelopeToEvents(envelope, record.origin, parser, onUnparsed);
        },
        deadLetters,
        metrics,
        logger: logger.child({ component: 'pipeline' }),
        sourceKind: s.type,
        retryInitialDelayMs: config.delivery.retryInitialDelayMs,
        retryMaxDelayMs: config.delivery.retryMaxDelayMs,
      });
      const client =
        deps.kinesisClient ??
        // maxAttempts 1: the source retries throttling and network errors itself, within the shard's call budget.
        new KinesisClient({ region: s.region, endpoint: s.endpoint, maxAttempts: 1, requestHandler: new NodeHttpHandler({ connectionTimeout: 5000, requestTimeout: 30000 }) });
      const source: Source = new KinesisSource({
        client,
        streamName: s.streamName,
        checkpoints,
        startPosition: typeof s.startPosition === 'string' ? { type: s.startPosition } : { type: 'AT_TIMESTAMP', timestamp: new Date(s.startPosition.atTimestamp) },
        limits: { maxRecordsPerCall: s.maxRecordsPerCall, pollIntervalMs: s.pollIntervalMs, shardDiscoveryIntervalMs: s.shardDiscoveryIntervalMs },
        logger: logger.child({ component: 'kinesis' }),
        metrics,
      });
      ops = new OpsServer({ host: config.ops.host, port: config.ops.port, metrics, ready: () => ready });
      opsAddress = await ops.start();
      running = source.run(pipeline.handle, abort.signal).then(resolveFinished, rejectFinished);
      ready = true;
      logger.info({ source: { type: s.type, stream: s.streamName, region: s.region }, sink: config.sink.type, ops: opsAddress }, 'collector started');
    },
    async stop() {
      ready = false;
      abort.abort();
      let code = 0;
      if (running) {
        const drained = await Promise.race([running.then(() => true, () => true), delay(config.shutdownTimeoutMs).then(() => false)]);
        if (!drained) {
          code = 1;
          logger.warn({ timeoutMs: config.shutdownTimeoutMs }, 'shutdown timeout: abandoning undelivered batches unacknowledged; they will be read again');
          pipeline?.stop();
          await Promise.race([running.catch(() => undefined), delay(5000)]);
        }
      }
      await sink?.close().catch((e: unknown) => logger.error({ err: e }, 'closing the sink failed'));
      await deadLetters.close();
      await checkpoints?.close();
      await ops?.stop();
      logger.info({ code }, 'collector stopped');
      return code;
    },
  };
  return collector;
}

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());
