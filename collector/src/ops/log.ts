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

/** A logger that writes nothing, for tests and the decode command. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
