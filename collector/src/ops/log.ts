/**
 * The collector's logs: pino JSON lines on stderr, secrets redacted (REDACT_PATHS), and the
 * process's warnings routed into them, so a log stream holds JSON lines only.
 */
import pino, { Logger } from 'pino';

export type { Logger };

/**
 * Paths pino redacts in every log line: secrets never reach the logs. (`key` is among them, for TLS
 * private keys: log S3 object keys under another name, e.g. `object`.)
 */
export const REDACT_PATHS = [
  'token',
  '*.token',
  'password',
  '*.password',
  'headers.authorization',
  'headers.Authorization',
  '*.headers.authorization',
  '*.headers.Authorization',
  'config.sink.token',
  'config.sink.headers',
  'key',
  '*.key',
  'passphrase',
  '*.passphrase',
];

/** The process logger: pino JSON lines on stderr (stdout may carry NDJSON events). */
export function createLogger(level = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({ level, base: { service: 'cwl-siem-collector' }, redact: { paths: REDACT_PATHS, censor: '[redacted]' } }, pino.destination(2));
}

/**
 * Makes the process's warnings (`process.emitWarning`: Node's own, the AWS SDK's Node version
 * notice) warn lines of `logger` (`warning: {name, code}`, the text as `msg`) instead of Node's
 * multi-line text on stderr. Warnings stay off with NODE_NO_WARNINGS=1 or --no-warnings, as in Node.
 * For the process that runs a service (run, export backfill), once its logger exists.
 */
export function logProcessWarnings(logger: Logger): void {
  process.removeAllListeners('warning');
  if (process.env.NODE_NO_WARNINGS === '1' || process.execArgv.includes('--no-warnings')) return;
  process.on('warning', (w: Error & { code?: string }) => {
    logger.warn({ warning: { name: w.name, ...(w.code !== undefined && { code: w.code }) } }, w.message);
  });
}

/** A logger that writes nothing, for tests and the decode command. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
