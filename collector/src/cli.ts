import { readFileSync } from 'fs';
import { join } from 'path';
import { buildCollector } from './app';
import { CollectorConfigError, loadCollectorConfig } from './config/load';
import { createLogger } from './ops/log';

const USAGE = `Usage: cwl-siem-collector <command> [options]

Commands:
  run --config FILE            run the collector service
  check-config --config FILE   validate a config file and exit
  decode [options] [FILE ...]  decode CloudWatch Logs payloads offline into NDJSON events
                               (cwl-siem-collector decode --help for its options)
  config from-terraform --outputs FILE --mode MODE [options]
                               write a config from a deployed toolkit stack's outputs
                               (cwl-siem-collector config --help for its options)
  export status|pause|resume|backfill --config FILE
                               operate the export mode: per-group state and lag, pause and
                               resume a log group, export a past range
                               (cwl-siem-collector export --help for its options)
  --version                    print the version
`;

function configArg(args: string[]): string | undefined {
  const i = args.indexOf('--config');
  if (i >= 0) return args[i + 1];
  return args.find((a) => a.startsWith('--config='))?.slice('--config='.length);
}

/** Entry point of the `cwl-siem-collector` bin. */
export async function main(argv: string[]): Promise<void> {
  const [command, ...args] = argv;
  switch (command) {
    case 'run':
      return run(args);
    case 'check-config': {
      const path = configArg(args);
      if (!path) return usage('check-config needs --config FILE');
      try {
        const config = loadCollectorConfig(path);
        process.stdout.write(`${path}: valid (source ${config.source.type}, sink ${config.sink.type})\n`);
      } catch (e) {
        process.stderr.write(`${(e as Error).message}\n`);
        process.exitCode = 2;
      }
      return;
    }
    case 'decode': {
      // Loaded on demand: the service does not need the offline decoder's command line.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { runDecode } = require('./decode-command') as typeof import('./decode-command');
      process.exitCode = await runDecode(args, { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr });
      return;
    }
    case 'config': {
      // Loaded on demand, like decode.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { runConfigCommand } = require('./config-from-terraform') as typeof import('./config-from-terraform');
      process.exitCode = await runConfigCommand(args, { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr });
      return;
    }
    case 'export': {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { runExportCommand } = require('./export-command') as typeof import('./export-command');
      process.exitCode = await runExportCommand(args, { stdout: process.stdout, stderr: process.stderr });
      return;
    }
    case '--version':
    case 'version':
      process.stdout.write(`${(JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version: string }).version}\n`);
      return;
    case undefined:
    case '--help':
    case '-h':
    case 'help':
      process.stdout.write(USAGE);
      return;
    default:
      return usage(`unknown command "${command}"`);
  }
}

function usage(problem: string): void {
  process.stderr.write(`cwl-siem-collector: ${problem}\n\n${USAGE}`);
  process.exitCode = 2;
}

async function run(args: string[]): Promise<void> {
  const path = configArg(args);
  if (!path) return usage('run needs --config FILE');
  let config;
  try {
    config = loadCollectorConfig(path);
  } catch (e) {
    process.stderr.write(`${e instanceof CollectorConfigError ? e.message : (e as Error).message}\n`);
    process.exitCode = 2;
    return;
  }
  const logger = createLogger(config.logLevel);
  const collector = buildCollector(config, { logger });
  let stopping: Promise<void> | undefined;
  /** Drains once; exits with the drain's code, or 1 when the reason is a failure. */
  const shutdown = (reason: string, failed = false): Promise<void> => {
    stopping ??= (async () => {
      logger.info({ reason }, 'shutting down: stop reading, deliver in-flight batches, checkpoint');
      const code = await collector.stop();
      process.exit(failed ? 1 : code);
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
    return;
  }
  collector.finished.then(
    () => void shutdown('source finished'),
    (e: unknown) => {
      logger.fatal({ err: e, code: (e as { code?: string }).code }, 'source failed');
      void shutdown('source failed', true);
    },
  );
}
