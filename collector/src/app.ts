import { AddressInfo } from 'net';
import { CollectorConfig } from './config/load';
import { DeadLetterFile } from './ops/dead-letter';
import { Logger } from './ops/log';
import { CollectorMetrics, createMetrics } from './ops/metrics';
import { OpsServer } from './ops/server';
import { createParser } from './parsers';
import { Pipeline } from './pipeline';
import { serializeEvent } from './serialize';
import { createSink } from './sinks';
import { buildMode } from './modes';
import type { ExportOverrides } from './modes/export';
import type { AwsClients } from './modes/types';
import { createStateStore } from './state';
import type { StateStore } from './state/store';
import { Sink, Source } from './types';

export interface CollectorDeps {
  readonly logger: Logger;
  /** @default a fresh registry */
  readonly metrics?: CollectorMetrics;
  /** Environment for sink secrets. @default process.env */
  readonly env?: NodeJS.ProcessEnv;
  /** AWS clients to use instead of ones built from the config (tests, emulators); `dynamodb` for the state store. */
  readonly clients?: AwsClients;
  /** Changes to the export source (the `export backfill` command). */
  readonly exportOverrides?: ExportOverrides;
}

/** A built collector: nothing runs, listens or connects until start(). */
export interface Collector {
  readonly metrics: CollectorMetrics;
  /**
   * Opens the state store (file: takes the folder's exclusive lock, rejecting with StateLockedError
   * when another process uses it; dynamodb: checks the table) and the sink, starts the ops server,
   * starts reading.
   */
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
  const parser = createParser({ vpcFlowLogs: config.parsers.vpcFlowLogs, maxJsonDepth: config.limits.maxJsonDepth });
  const deadLetters = new DeadLetterFile(config.deadLetter.path);
  const abort = new AbortController();
  let state: StateStore | undefined;
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
      // First: a second collector on the same state folder, or one without its table, stops here, before it reads or listens.
      const store = createStateStore(config.state, { logger, metrics, dynamodb: deps.clients?.dynamodb });
      await store.open();
      state = store;
      sink = createSink(config.sink, { logger: logger.child({ component: 'sink' }), metrics, env: deps.env ?? process.env, serialize: serializeEvent });
      const mode = buildMode(
        config.source,
        {
          logger,
          metrics,
          parser,
          onUnparsed,
          limits: config.limits,
          state: store,
          clients: deps.clients ?? {},
        },
        { export: deps.exportOverrides },
      );
      pipeline = new Pipeline({
        sink,
        decode: mode.decode,
        deadLetters,
        metrics,
        logger: logger.child({ component: 'pipeline' }),
        sourceKind: config.source.type,
        retryInitialDelayMs: config.delivery.retryInitialDelayMs,
        retryMaxDelayMs: config.delivery.retryMaxDelayMs,
      });
      const source: Source = mode.source;
      ops = new OpsServer({ host: config.ops.host, port: config.ops.port, metrics, ready: () => ready && (mode.ready?.() ?? true) });
      opsAddress = await ops.start();
      running = source.run(pipeline.handle, abort.signal).then(resolveFinished, rejectFinished);
      ready = true;
      logger.info({ source: mode.describe, state: store.describe, sink: config.sink.type, ops: opsAddress }, 'collector started');
    },
    async stop() {
      ready = false;
      abort.abort();
      let code = 0;
      if (running) {
        const drained = await Promise.race([
          running.then(
            () => true,
            () => true,
          ),
          delay(config.shutdownTimeoutMs).then(() => false),
        ]);
        if (!drained) {
          code = 1;
          logger.warn({ timeoutMs: config.shutdownTimeoutMs }, 'shutdown timeout: abandoning undelivered batches unacknowledged; they will be read again');
          pipeline?.stop();
          await Promise.race([running.catch(() => undefined), delay(5000)]);
        }
      }
      await sink?.close().catch((e: unknown) => logger.error({ err: e }, 'closing the sink failed'));
      await deadLetters.close();
      await state?.close();
      await ops?.stop();
      logger.info({ code }, 'collector stopped');
      return code;
    },
  };
  return collector;
}

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());
