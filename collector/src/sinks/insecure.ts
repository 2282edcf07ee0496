/**
 * Sink settings that weaken transport security, decided from the config alone (one rule for the
 * config loader and for `createSink`):
 *
 * - refused: a sink that carries credentials over plain `http://` unless `allowInsecure: true`.
 *   Credentials are the Splunk HEC token (every splunk-hec sink), and for the http sink URL
 *   credentials, an `Authorization` or `Proxy-Authorization` header, or any header whose value comes
 *   from the environment (`${NAME}`: such values are treated as secrets).
 * - accepted but reported (a warning at start and `cwl_siem_collector_insecure_sink{sink,reason} 1`):
 *   `plain-http` for credentials sent over http:// with `allowInsecure: true`, `tls-unverified` for
 *   `tls.rejectUnauthorized: false` on a connection that uses TLS.
 *
 * Messages name the setting and the header, never a value.
 */
import { replaceEnvRefs } from '../config/env';
import type { Logger } from '../ops/log';
import type { CollectorMetrics } from '../ops/metrics';
import { SINK_DEFAULTS, SinkConfig } from './config';

/** Why a sink is insecure: the `reason` label of `insecure_sink`. */
export type InsecureReason = 'plain-http' | 'tls-unverified';

export interface InsecureSetting {
  readonly reason: InsecureReason;
  /** JSONPath of the setting. */
  readonly path: string;
  readonly message: string;
}

const AUTH_HEADERS = new Set(['authorization', 'proxy-authorization']);

/** What credentials the sink sends, described for a message; undefined when it sends none. */
function credentials(config: SinkConfig, url: URL): string | undefined {
  if (config.type === 'splunk-hec') return 'the HEC token';
  if (config.type !== 'http') return undefined;
  if (url.username || url.password) return "credentials (the URL's user and password)";
  // With an empty environment every `${NAME}` reference is reported missing: a header taken from the environment.
  const header = Object.entries(config.headers ?? {}).find(
    ([name, value]) => AUTH_HEADERS.has(name.toLowerCase()) || replaceEnvRefs(value, {}).missing.length > 0,
  );
  return header ? `credentials (the header ${header[0]})` : undefined;
}

function parse(url: string): URL | undefined {
  try {
    return new URL(url);
  } catch {
    return undefined;
  }
}

/** The credentials a sink sends over plain HTTP, described for a message; undefined when none go that way. */
function plainHttpCredentials(config: SinkConfig): string | undefined {
  if (config.type !== 'http' && config.type !== 'splunk-hec') return undefined;
  const url = parse(config.url);
  return url?.protocol === 'http:' ? credentials(config, url) : undefined;
}

function allowsInsecure(config: SinkConfig): boolean {
  return (config.type === 'http' || config.type === 'splunk-hec') && (config.allowInsecure ?? SINK_DEFAULTS[config.type].allowInsecure);
}

/**
 * The settings to refuse: credentials over plain HTTP without `allowInsecure: true`. The config
 * loader reports them as problems, `createSink` throws the first.
 */
export function refusedSinkSettings(config: SinkConfig): InsecureSetting[] {
  const what = plainHttpCredentials(config);
  if (what === undefined || allowsInsecure(config)) return [];
  return [
    {
      reason: 'plain-http',
      path: '$.sink.url',
      message: `sends ${what} over plain http://, readable by anyone on the network path; use https://, or set "allowInsecure": true on the sink to accept that (labs only)`,
    },
  ];
}

/** The weakening settings the config accepts (`allowInsecure`, `rejectUnauthorized: false`), to report at start. */
export function acceptedInsecureSettings(config: SinkConfig): InsecureSetting[] {
  const out: InsecureSetting[] = [];
  const what = plainHttpCredentials(config);
  if (what !== undefined && allowsInsecure(config)) {
    out.push({
      reason: 'plain-http',
      path: '$.sink.allowInsecure',
      message: `sends ${what} over plain http:// (allowInsecure is true): readable by anyone on the network path`,
    });
  }
  const tls =
    (config.type === 'syslog' && (config.protocol ?? SINK_DEFAULTS.syslog.protocol) === 'tls') ||
    ((config.type === 'http' || config.type === 'splunk-hec') && parse(config.url)?.protocol === 'https:');
  if (tls && 'tls' in config && config.tls?.rejectUnauthorized === false) {
    out.push({
      reason: 'tls-unverified',
      path: '$.sink.tls.rejectUnauthorized',
      message: "does not verify the receiver's certificate (rejectUnauthorized is false): anyone on the network path can impersonate the receiver",
    });
  }
  return out;
}

/** Logs a warning per accepted insecure setting and sets its gauge; called once when the sink is created. */
export function reportInsecureSettings(sink: string, config: SinkConfig, deps: { readonly logger: Logger; readonly metrics: CollectorMetrics }): void {
  for (const s of acceptedInsecureSettings(config)) {
    deps.logger.warn({ sink, reason: s.reason, setting: s.path }, `insecure sink: the ${sink} sink ${s.message}`);
    deps.metrics.insecureSink.set({ sink, reason: s.reason }, 1);
  }
}
