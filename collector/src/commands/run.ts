/**
 * `cwl-siem-collector run [--config FILE]`: the service. Loads and checks the config, from the file or
 * else from the environment variable CWL_SIEM_COLLECTOR_CONFIG (exit 2 on a problem), builds the
 * collector, starts it, and drains once on SIGTERM/SIGINT or when the source ends: stop reading,
 * deliver in-flight batches, checkpoint, then exit with the drain's status (1 when the reason was a
 * failure).
 */
import { buildCollector } from '../app';
import { loadCollectorConfigFrom } from '../config/load';
import { createLogger, logProcessWarnings } from '../ops/log';
import { COLLECTOR_CONFIG_ENV, CommandIo, configSourceArg, ENV_IGNORED_NOTE, EXIT } from './conventions';

export const RUN_USAGE = `Usage: cwl-siem-collector run --config FILE
       cwl-siem-collector run            (the config's JSON in $${COLLECTOR_CONFIG_ENV})

Runs the collector service: reads the config's source, delivers its events to the sink and
moves each checkpoint once the sink took the batch. Logs are JSON lines on standard error
(the process's warnings among them); the ops server answers /healthz, /readyz and /metrics.

SIGTERM or SIGINT drains: stop reading, deliver the batches in flight, checkpoint, exit.
Started through npm (npx cwl-siem-collector, an npm script) it drains the same way when npm
exits on a signal (npm passes signals to a shell, which does not pass them on).

Options:
  --config FILE   the collector config (cwl-siem-collector check-config --config FILE checks it)
  -h, --help      print this help

Environment:
  ${COLLECTOR_CONFIG_ENV}
                  the whole config as JSON, read when --config is not given (the toolkit's
                  ECS task sets it; check-config without --config checks it). Its \${NAME}
                  references are resolved from the environment as a file's are, so secrets
                  arrive as variables of their own. With --config as well, the file wins and
                  a warning says the variable is ignored; an empty variable counts as unset.

Exit status: 0 drained (after a signal, or the source ended), 1 failed to start, the source
failed or the drain timed out, 2 usage error or config problem (nothing started).
`;

/** Runs the service; resolves once it started (the process then exits from the drain), or with 2 for a usage or config problem. */
export async function runService(args: string[], io: CommandIo): Promise<number> {
  const source = configSourceArg('run', RUN_USAGE, args, io);
  if (typeof source === 'number') return source;
  if (source === 'help') return EXIT.ok;
  let config;
  try {
    config = loadCollectorConfigFrom(source, io.env ?? process.env);
  } catch (e) {
    io.stderr.write(`${(e as Error).message}\n`);
    return EXIT.usage;
  }
  const logger = createLogger(config.logLevel);
  logProcessWarnings(logger);
  if (source.kind === 'file' && source.envIgnored) logger.warn({ config: source.label, ignored: COLLECTOR_CONFIG_ENV }, ENV_IGNORED_NOTE);
  logger.info({ config: source.label }, 'config loaded');
  const collector = buildCollector(config, { logger, env: io.env });
  let stopping: Promise<void> | undefined;
  /** Drains once; exits with the drain's code, or 1 when the reason is a failure. */
  const shutdown = (reason: string, failed = false): Promise<void> => {
    stopping ??= (async () => {
      logger.info({ reason }, 'shutting down: stop reading, deliver in-flight batches, checkpoint');
      const code = await collector.stop();
      process.exit(failed ? EXIT.failed : code);
    })();
    return stopping;
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
  try {
    await collector.start();
  } catch (e) {
    logger.fatal({ err: e, code: (e as { code?: string }).code }, 'collector failed to start');
    await shutdown('start failed', true);
    return EXIT.failed;
  }
  collector.finished.then(
    () => void shutdown('source finished'),
    (e: unknown) => {
      logger.fatal({ err: e, code: (e as { code?: string }).code }, 'source failed');
      void shutdown('source failed', true);
    },
  );
  return EXIT.ok;
}
