import { ERROR_CODES } from '../types';

/**
 * Sink configuration: the TypeScript types (`SinkConfig`, discriminated by `type`), the defaults as
 * data (`SINK_DEFAULTS`) and the JSON Schema (`sinkConfigSchema`) the collector config embeds at
 * `$.sink`. Every optional property documents its `@default`; the schema carries the same defaults so
 * ajv with `useDefaults` fills them in, and the sinks fall back to `SINK_DEFAULTS` for configs that
 * were not validated (tests, library use).
 */

/** Retry of one request (a slice of a batch) with exponential back-off and full jitter. Common to every sink. */
export interface RetryConfig {
  /** Attempts per request, the first one included. @default 5 */
  readonly maxAttempts?: number;
  /** Upper bound of the first back-off delay; doubles each retry. @default 200 */
  readonly initialDelayMs?: number;
  /** Cap of the back-off delay. @default 30000 */
  readonly maxDelayMs?: number;
}

/** TLS client settings. Files are read once when the sink is created; a missing file is a config error. */
export interface TlsConfig {
  /** PEM bundle of the CAs to trust instead of Node's default roots. */
  readonly caFile?: string;
  /** PEM client certificate, for receivers that require mutual TLS (with `keyFile`). */
  readonly certFile?: string;
  /** PEM private key of `certFile`. */
  readonly keyFile?: string;
  /** Server name for SNI and certificate verification. @default the host of the URL / `host` (when it is a name, not an IP) */
  readonly servername?: string;
  /** Verify the receiver's certificate chain and name. Turning it off is for labs only. @default true */
  readonly rejectUnauthorized?: boolean;
}

interface CommonSinkConfig {
  /** @default { maxAttempts: 5, initialDelayMs: 200, maxDelayMs: 30000 } */
  readonly retry?: RetryConfig;
}

/** NDJSON on the process's stdout (logs go to stderr). */
export interface StdoutSinkConfig extends CommonSinkConfig {
  readonly type: 'stdout';
  /** Events per write. @default 500 */
  readonly batchSize?: number;
}

/** NDJSON appended to a local file, rotated by size. */
export interface FileSinkConfig extends CommonSinkConfig {
  readonly type: 'file';
  /** File to append to; its directory is created when missing. */
  readonly path: string;
  /**
   * Size limit of one file. Before a write would take the file over it, the file is rotated:
   * `path.(maxFiles-1)` → `path.maxFiles` … `path.1` → `path.2`, `path` → `path.1`. An event is never
   * split across files; a single event larger than `maxBytes` gets a file of its own. @default 104857600 (100 MiB)
   */
  readonly maxBytes?: number;
  /** Rotated files kept besides the active one (`path.1` … `path.maxFiles`); the oldest is deleted. @default 5 */
  readonly maxFiles?: number;
  /** fsync the file after each write (and the directory after each rotation) before reporting delivery. @default true */
  readonly fsync?: boolean;
  /** Events per write (+ fsync). @default 1000 */
  readonly batchSize?: number;
}

/** RFC 5424 syslog over TCP or TLS (RFC 6587 octet-counting framing) or UDP (one message per datagram). */
export interface SyslogSinkConfig extends CommonSinkConfig {
  readonly type: 'syslog';
  /**
   * `tcp` and `tls`: delivered means written to the connection and the socket's write callback fired
   * (the bytes reached the kernel; syslog has no application-level acknowledgement). `udp`: delivered
   * means handed to the kernel as a datagram; nothing tells a lost datagram apart, so UDP is not
   * at-least-once. @default "tls"
   */
  readonly protocol?: 'tcp' | 'tls' | 'udp';
  readonly host: string;
  /** @default 6514 for tls, 514 for tcp and udp */
  readonly port?: number;
  /** MSG part: the event as one JSON object, or a CEF record. @default "json" */
  readonly format?: 'json' | 'cef';
  /** APP-NAME (at most 48 printable ASCII characters). @default "cwl-siem" */
  readonly appName?: string;
  /** HOSTNAME (at most 255 printable ASCII characters). @default os.hostname() */
  readonly hostname?: string;
  /** Facility number 0-23 (16 = local0). PRI = facility * 8 + severity. @default 16 */
  readonly facility?: number;
  /** Severity number 0-7 (6 = informational); also sets the CEF severity. @default 6 */
  readonly severity?: number;
  /**
   * SD-ID of the structured-data element (`[SD-ID logGroup=".." ...]`): `name@<enterprise number>`
   * (RFC 5424 §7.2.2), at most 32 characters. The default's 32473 is the number reserved for
   * documentation (RFC 5612): set your organization's IANA private enterprise number.
   * @default "cwl@32473"
   */
  readonly structuredDataId?: string;
  /** Only with protocol `tls`. @default { rejectUnauthorized: true } */
  readonly tls?: TlsConfig;
  /** Limit for the TCP connect and TLS handshake. @default 10000 */
  readonly connectTimeoutMs?: number;
  /** Limit for one write to be flushed to the kernel before the connection is considered dead. @default 30000 */
  readonly timeoutMs?: number;
  /** Messages per write (TCP/TLS) or per burst of datagrams (UDP). @default 500 */
  readonly batchSize?: number;
}

/** Splunk HTTP Event Collector, JSON event endpoint. */
export interface SplunkHecSinkConfig extends CommonSinkConfig {
  readonly type: 'splunk-hec';
  /** The event endpoint, e.g. https://splunk.example.com:8088/services/collector/event */
  readonly url: string;
  /** Name of the environment variable holding the HEC token (the token itself never goes in the config). @default "SPLUNK_HEC_TOKEN" */
  readonly tokenEnv?: string;
  /** Target index; omitted: the token's default index. */
  readonly index?: string;
  /** @default "aws:cloudwatchlogs" */
  readonly sourcetype?: string;
  /** `source` of every event. @default the event's log group */
  readonly source?: string;
  /** `host` of every event; omitted: Splunk uses the HEC client address. */
  readonly host?: string;
  /** Events per request. @default 500 */
  readonly batchSize?: number;
  /** Body size limit of one request (an event larger than it is sent alone). @default 1000000 */
  readonly maxBatchBytes?: number;
  /**
   * Accept plain `http://` although the sink sends credentials (the HEC token): anyone on the network
   * path can read them. Labs only; the start logs a warning and /metrics shows
   * `cwl_siem_collector_insecure_sink{reason="plain-http"}`. Without it such a config is refused. @default false
   */
  readonly allowInsecure?: boolean;
  /** @default { rejectUnauthorized: true } */
  readonly tls?: TlsConfig;
  /** Limit for one request, response included. @default 30000 */
  readonly timeoutMs?: number;
  /**
   * Indexer acknowledgement (the token must have it enabled): after the 200, poll
   * /services/collector/ack on this sink's channel until the request's ackId is acknowledged; only
   * then is the request delivered. A request not acknowledged within `timeoutMs` is sent again.
   * Omitted: delivered on 200 with `code: 0`.
   */
  readonly ack?: {
    /** @default 1000 */
    readonly pollIntervalMs?: number;
    /** @default 120000 */
    readonly timeoutMs?: number;
  };
}

/** A generic HTTP endpoint receiving POSTs of NDJSON or a JSON array. Delivered on any 2xx. */
export interface HttpSinkConfig extends CommonSinkConfig {
  readonly type: 'http';
  readonly url: string;
  /** `ndjson`: one JSON object per line (application/x-ndjson); `json-array`: one array (application/json). @default "ndjson" */
  readonly format?: 'ndjson' | 'json-array';
  /**
   * Extra request headers. A value may contain `${NAME}` references, replaced by the environment
   * variable NAME when the sink is created (`$${` is a literal `${`); a variable that is not set is a
   * config error naming it. Such values are treated as secrets: never logged, never in errors.
   * @default {}
   */
  readonly headers?: Readonly<Record<string, string>>;
  /** Events per request. @default 500 */
  readonly batchSize?: number;
  /** Body size limit of one request (an event larger than it is sent alone). @default 5242880 (5 MiB) */
  readonly maxBatchBytes?: number;
  /** Limit for one request, response included. @default 30000 */
  readonly timeoutMs?: number;
  /** @default { rejectUnauthorized: true } */
  readonly tls?: TlsConfig;
  /**
   * Accept plain `http://` although the sink sends credentials (URL credentials, an Authorization
   * header, or a header value from the environment): anyone on the network path can read them. Labs only; the start logs a warning and /metrics shows
   * `cwl_siem_collector_insecure_sink{reason="plain-http"}`. Without it such a config is refused. @default false
   */
  readonly allowInsecure?: boolean;
}

export type SinkConfig = StdoutSinkConfig | FileSinkConfig | SyslogSinkConfig | SplunkHecSinkConfig | HttpSinkConfig;

export type SinkType = SinkConfig['type'];

export const SINK_TYPES: readonly SinkType[] = ['stdout', 'file', 'syslog', 'splunk-hec', 'http'];

/** Every default, in one place; the schema and the sinks both read it. */
export const SINK_DEFAULTS = {
  retry: { maxAttempts: 5, initialDelayMs: 200, maxDelayMs: 30_000 },
  tls: { rejectUnauthorized: true },
  stdout: { batchSize: 500 },
  file: { maxBytes: 104_857_600, maxFiles: 5, fsync: true, batchSize: 1000 },
  syslog: {
    protocol: 'tls',
    port: { tls: 6514, tcp: 514, udp: 514 },
    format: 'json',
    appName: 'cwl-siem',
    facility: 16,
    severity: 6,
    structuredDataId: 'cwl@32473',
    connectTimeoutMs: 10_000,
    timeoutMs: 30_000,
    batchSize: 500,
  },
  'splunk-hec': {
    tokenEnv: 'SPLUNK_HEC_TOKEN',
    sourcetype: 'aws:cloudwatchlogs',
    batchSize: 500,
    maxBatchBytes: 1_000_000,
    timeoutMs: 30_000,
    ack: { pollIntervalMs: 1000, timeoutMs: 120_000 },
    allowInsecure: false,
  },
  http: { format: 'ndjson', batchSize: 500, maxBatchBytes: 5_242_880, timeoutMs: 30_000, allowInsecure: false },
} as const;

/** A sink config that cannot work (a missing environment variable or TLS file, contradicting options). Thrown by createSink at start. */
export class SinkConfigError extends Error {
  readonly code = ERROR_CODES.config;
  constructor(
    message: string,
    /** JSONPath of the offending value, e.g. `$.sink.tokenEnv`. */
    readonly path: string,
  ) {
    super(`${path}: ${message}`);
    this.name = 'SinkConfigError';
  }
}

/**
 * An RFC 5424 SD-ID of the `name@<private enterprise number>` form: at most 32 printable US-ASCII
 * characters, none of `=`, space, `]`, `"`, and `@` only before the number.
 */
export const SD_ID_PATTERN = /^(?=.{1,32}$)[!#-<>?A-\\^-~]+@[0-9]+$/;

// ---------------------------------------------------------------------------------------------
// JSON Schema (draft-07). Kept free of `$schema`/`$id` so it can be embedded in another schema.

const D = SINK_DEFAULTS;
const int = (minimum: number, def?: number, extra: Record<string, unknown> = {}) => ({
  type: 'integer',
  minimum,
  ...extra,
  ...(def === undefined ? {} : { default: def }),
});
const str = (extra: Record<string, unknown> = {}) => ({ type: 'string', minLength: 1, ...extra });

const retrySchema = {
  type: 'object',
  additionalProperties: false,
  default: {},
  description: 'retry of one request with exponential back-off and full jitter',
  properties: {
    maxAttempts: int(1, D.retry.maxAttempts, { maximum: 100 }),
    initialDelayMs: int(1, D.retry.initialDelayMs),
    maxDelayMs: int(1, D.retry.maxDelayMs),
  },
};

const tlsProperties = {
  caFile: str({ description: 'PEM file of the CAs to trust' }),
  certFile: str({ description: 'PEM client certificate (mutual TLS)' }),
  keyFile: str({ description: 'PEM private key of certFile' }),
  servername: str({ description: 'server name for SNI and verification' }),
  rejectUnauthorized: { type: 'boolean', default: D.tls.rejectUnauthorized },
};
const tlsSchema = (withDefault: boolean) => ({
  type: 'object',
  additionalProperties: false,
  ...(withDefault ? { default: {} } : {}),
  properties: tlsProperties,
});

const httpUrl = (description: string, pattern = '^https?://[^\\s/?#]+') => ({ type: 'string', pattern, description });

const branches: Record<SinkType, { required: string[]; properties: Record<string, unknown> }> = {
  stdout: {
    required: ['type'],
    properties: {
      batchSize: int(1, D.stdout.batchSize),
    },
  },
  file: {
    required: ['type', 'path'],
    properties: {
      path: str(),
      maxBytes: int(1, D.file.maxBytes),
      maxFiles: int(1, D.file.maxFiles, { maximum: 1000 }),
      fsync: { type: 'boolean', default: D.file.fsync },
      batchSize: int(1, D.file.batchSize),
    },
  },
  syslog: {
    required: ['type', 'host'],
    properties: {
      protocol: { type: 'string', enum: ['tcp', 'tls', 'udp'], default: D.syslog.protocol },
      host: str(),
      port: int(1, undefined, { maximum: 65535, description: 'default 6514 for tls, 514 for tcp and udp' }),
      format: { type: 'string', enum: ['json', 'cef'], default: D.syslog.format },
      appName: str({ maxLength: 48, pattern: '^[!-~]+$', default: D.syslog.appName, description: 'printable ASCII without spaces' }),
      hostname: str({ maxLength: 255, pattern: '^[!-~]+$', description: 'printable ASCII without spaces' }),
      facility: int(0, D.syslog.facility, { maximum: 23 }),
      severity: int(0, D.syslog.severity, { maximum: 7 }),
      structuredDataId: str({
        pattern: SD_ID_PATTERN.source,
        default: D.syslog.structuredDataId,
        description: 'an RFC 5424 SD-ID name@<enterprise number> of at most 32 characters (no =, ], " or space), e.g. acme@53864',
      }),
      tls: tlsSchema(false),
      connectTimeoutMs: int(1, D.syslog.connectTimeoutMs),
      timeoutMs: int(1, D.syslog.timeoutMs),
      batchSize: int(1, D.syslog.batchSize),
    },
  },
  'splunk-hec': {
    required: ['type', 'url'],
    properties: {
      url: httpUrl(
        'an http(s) URL of the HEC event endpoint, e.g. https://splunk.example.com:8088/services/collector/event',
        '^https?://[^\\s/?#]+/(?:[^\\s?#]*/)?services/collector/event(?:/1\\.0)?$',
      ),
      tokenEnv: str({ pattern: '^[A-Za-z_][A-Za-z0-9_]*$', default: D['splunk-hec'].tokenEnv, description: 'the name of an environment variable' }),
      index: str(),
      sourcetype: str({ default: D['splunk-hec'].sourcetype }),
      source: str(),
      host: str(),
      batchSize: int(1, D['splunk-hec'].batchSize),
      maxBatchBytes: int(1024, D['splunk-hec'].maxBatchBytes),
      tls: tlsSchema(true),
      allowInsecure: {
        type: 'boolean',
        default: D['splunk-hec'].allowInsecure,
        description: 'accept plain http:// although the HEC token goes with it (labs only)',
      },
      timeoutMs: int(1, D['splunk-hec'].timeoutMs),
      ack: {
        type: 'object',
        additionalProperties: false,
        description: 'indexer acknowledgement; present = enabled',
        properties: {
          pollIntervalMs: int(10, D['splunk-hec'].ack.pollIntervalMs),
          timeoutMs: int(1, D['splunk-hec'].ack.timeoutMs),
        },
      },
    },
  },
  http: {
    required: ['type', 'url'],
    properties: {
      url: httpUrl('an http:// or https:// URL'),
      format: { type: 'string', enum: ['ndjson', 'json-array'], default: D.http.format },
      headers: {
        type: 'object',
        default: {},
        description: 'extra request headers; values may hold ${ENV_NAME} references, resolved when the sink starts',
        propertyNames: { pattern: "^[!#$%&'*+.^_`|~0-9A-Za-z-]+$" },
        additionalProperties: { type: 'string' },
      },
      batchSize: int(1, D.http.batchSize),
      maxBatchBytes: int(1024, D.http.maxBatchBytes),
      timeoutMs: int(1, D.http.timeoutMs),
      tls: tlsSchema(true),
      allowInsecure: { type: 'boolean', default: D.http.allowInsecure, description: 'accept plain http:// although credentials go with it (labs only)' },
    },
  },
};

// The root lists every key of every type so its own additionalProperties:false only rejects keys no
// sink knows; the branch of the chosen type then rejects keys that belong to another type.
const allKeys = Array.from(new Set(['type', 'retry', ...Object.values(branches).flatMap((b) => Object.keys(b.properties))]));

/**
 * JSON Schema (draft-07) of `SinkConfig`: `type` selects an `if/then` branch; every object rejects
 * unknown keys; `default`s match `SINK_DEFAULTS` (ajv `useDefaults` applies them, including inside
 * `retry` and `tls`). Does not check what needs the environment or the file system (token variable,
 * TLS files): `createSink` does, and throws `SinkConfigError`.
 */
export const sinkConfigSchema = {
  type: 'object',
  description: 'where events are delivered',
  required: ['type'],
  additionalProperties: false,
  properties: Object.fromEntries(allKeys.map((k) => [k, k === 'type' ? { type: 'string', enum: [...SINK_TYPES] } : {}])),
  allOf: SINK_TYPES.map((t) => ({
    if: { type: 'object', required: ['type'], properties: { type: { const: t } } },
    then: {
      type: 'object',
      additionalProperties: false,
      required: branches[t].required,
      properties: { type: { const: t }, ...branches[t].properties, retry: retrySchema },
    },
  })),
};
