import { Sink } from '../types';
import { SinkDeps } from './common';
import { SinkConfig, SinkConfigError } from './config';
import { FileSink } from './file';
import { HttpSink } from './http';
import { refusedSinkSettings, reportInsecureSettings } from './insecure';
import { SplunkHecSink } from './splunk-hec';
import { StdoutSink } from './stdout';
import { SyslogSink } from './syslog';

export type { SinkDeps } from './common';
export { SINK_DEFAULTS, SINK_TYPES, SinkConfigError, sinkConfigSchema } from './config';
export type {
  FileSinkConfig,
  HttpSinkConfig,
  RetryConfig,
  SinkConfig,
  SinkType,
  SplunkHecSinkConfig,
  StdoutSinkConfig,
  SyslogSinkConfig,
  TlsConfig,
} from './config';
export { refusedSinkSettings } from './insecure';
export { isRetryable, withRetry } from './retry';

/**
 * Builds the sink a config describes. Nothing connects or opens until the first `send`; everything
 * that can be checked now is: the environment variables it refers to (`tokenEnv`, `${NAME}` in
 * headers), the TLS files, option combinations, credentials over plain HTTP without `allowInsecure`
 * (./insecure.ts). Those problems throw a `SinkConfigError` (code CWL_COLLECTOR_CONFIG) naming the
 * offending path and variable, never a secret's value. Insecure settings the config accepts are
 * logged as warnings and set `metrics.insecureSink`.
 * `deps.env` defaults to process.env; `deps.serialize` to JSON.stringify.
 */
export function createSink(config: SinkConfig, deps: SinkDeps): Sink {
  const [refused] = refusedSinkSettings(config);
  if (refused) throw new SinkConfigError(refused.message, refused.path);
  const sink = build(config, deps);
  reportInsecureSettings(sink.name, config, deps);
  return sink;
}

function build(config: SinkConfig, deps: SinkDeps): Sink {
  switch (config.type) {
    case 'stdout':
      return new StdoutSink(config, deps);
    case 'file':
      return new FileSink(config, deps);
    case 'syslog':
      return new SyslogSink(config, deps);
    case 'splunk-hec':
      return new SplunkHecSink(config, deps);
    case 'http':
      return new HttpSink(config, deps);
    default:
      throw new SinkConfigError(`unknown sink type ${JSON.stringify((config as { type?: unknown }).type)}`, '$.sink.type');
  }
}
