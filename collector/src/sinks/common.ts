import { readFileSync } from 'fs';
import type { Writable } from 'stream';
import { replaceEnvRefs } from '../config/env';
import type { Logger } from '../ops/log';
import type { CollectorMetrics } from '../ops/metrics';
import { NormalizedEvent, Sink, SinkError } from '../types';
import { RetryConfig, SINK_DEFAULTS, SinkConfigError, TlsConfig } from './config';
import { RetryPolicy, describeError, withRetry } from './retry';

/** What every sink is built with. */
export interface SinkDeps {
  /** The sink's logger (a child per component); secrets are never passed to it. */
  readonly logger: Logger;
  readonly metrics: CollectorMetrics;
  /** Where `tokenEnv` and `${NAME}` header references are looked up. @default process.env */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Turns an event into one JSON object (no trailing newline). @default JSON.stringify */
  readonly serialize?: (event: NormalizedEvent) => string;
  /** The stream the stdout sink writes to (tests). @default process.stdout */
  readonly stdout?: Writable;
}

/** A slice of a batch sent (and retried) as a unit: the events and their encoded pieces, in order. */
export interface SinkRequest {
  readonly events: readonly NormalizedEvent[];
  /** One encoded piece per event (a line, a syslog frame, a HEC object). */
  readonly pieces: readonly Buffer[];
  /** Bytes of the request on the wire: pieces plus the framing (`fixed` + `separator` between pieces). */
  readonly bytes: number;
}

/** How a sink slices a batch into requests. */
export interface Batching {
  readonly batchSize: number;
  /** Body size limit; a piece larger than it goes alone. */
  readonly maxBatchBytes?: number;
  /** Bytes a request adds once (e.g. `[` and `]`). @default 0 */
  readonly fixedBytes?: number;
  /** Bytes between two pieces (e.g. `,`). @default 0 */
  readonly separatorBytes?: number;
}

/** Cuts encoded events into requests of at most `batchSize` events and `maxBatchBytes` bytes, keeping order. */
export function splitIntoRequests(events: readonly NormalizedEvent[], encode: (e: NormalizedEvent) => Buffer, b: Batching): SinkRequest[] {
  const fixed = b.fixedBytes ?? 0;
  const sep = b.separatorBytes ?? 0;
  const out: SinkRequest[] = [];
  let evs: NormalizedEvent[] = [];
  let pieces: Buffer[] = [];
  let bytes = fixed;
  for (const e of events) {
    const piece = encode(e);
    const full = pieces.length >= b.batchSize || (b.maxBatchBytes !== undefined && bytes + sep + piece.length > b.maxBatchBytes);
    if (pieces.length > 0 && full) {
      out.push({ events: evs, pieces, bytes });
      evs = [];
      pieces = [];
      bytes = fixed;
    }
    bytes += (pieces.length > 0 ? sep : 0) + piece.length;
    evs.push(e);
    pieces.push(piece);
  }
  if (pieces.length > 0) out.push({ events: evs, pieces, bytes });
  return out;
}

/** Serializes async sections (one writer on a file or a connection at a time). */
export class Mutex {
  private tail: Promise<void> = Promise.resolve();
  run<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.tail.then(fn);
    this.tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }
}

export function retryPolicy(r: RetryConfig | undefined, path: string): RetryPolicy {
  const policy = {
    maxAttempts: r?.maxAttempts ?? SINK_DEFAULTS.retry.maxAttempts,
    initialDelayMs: r?.initialDelayMs ?? SINK_DEFAULTS.retry.initialDelayMs,
    maxDelayMs: r?.maxDelayMs ?? SINK_DEFAULTS.retry.maxDelayMs,
  };
  if (!(policy.maxAttempts >= 1)) throw new SinkConfigError(`must be at least 1, got ${policy.maxAttempts}`, `${path}.retry.maxAttempts`);
  if (policy.maxDelayMs < policy.initialDelayMs) {
    throw new SinkConfigError(`must be at least retry.initialDelayMs (${policy.initialDelayMs}), got ${policy.maxDelayMs}`, `${path}.retry.maxDelayMs`);
  }
  return policy;
}

/**
 * The common shape of every sink: `send` encodes the batch, slices it (`splitIntoRequests`), and
 * delivers the requests one after the other, each retried with back-off by `withRetry`; metrics count
 * each request once, by its final result. A `send` that fails part way remembers, for that array of
 * events, the requests already delivered: the caller's retry (`send` again with the same array, as
 * the pipeline does) resumes at the request that failed, so what the receiver accepted is not sent
 * again. `close` aborts retries in progress, then `release`s.
 */
export abstract class BatchSink implements Sink {
  protected readonly logger: Logger;
  protected readonly metrics: CollectorMetrics;
  protected readonly serialize: (e: NormalizedEvent) => string;
  private readonly abort = new AbortController();
  private closed = false;
  /** Slices a failed `send` left part delivered: their requests and how many of them were delivered. */
  private readonly unfinished = new WeakMap<readonly NormalizedEvent[], { readonly requests: readonly SinkRequest[]; delivered: number }>();

  constructor(
    readonly name: string,
    deps: SinkDeps,
    private readonly policy: RetryPolicy,
    private readonly batching: Batching,
  ) {
    this.logger = deps.logger;
    this.metrics = deps.metrics;
    this.serialize = deps.serialize ?? JSON.stringify;
  }

  /** One event's piece of a request. */
  protected abstract encode(event: NormalizedEvent): Buffer;
  /** One attempt at delivering a request; resolves once the receiver acknowledged all of it. */
  protected abstract deliver(request: SinkRequest, signal: AbortSignal, attempt: number): Promise<void>;
  /** Closes files and connections. */
  protected abstract release(): Promise<void>;

  async send(events: readonly NormalizedEvent[]): Promise<void> {
    if (this.closed) throw new SinkError(`${this.name}: the sink is closed`, false);
    if (events.length === 0) return;
    // The same request objects on a retry: a sink's own progress inside a request (file.ts) carries over too.
    let progress = this.unfinished.get(events);
    if (progress === undefined) {
      let requests: SinkRequest[];
      try {
        requests = splitIntoRequests(events, (e) => this.encode(e), this.batching);
      } catch (e) {
        throw new SinkError(`${this.name}: cannot encode an event: ${describeError(e)}`, false);
      }
      progress = { requests, delivered: 0 };
    } else {
      const done = progress.requests.slice(0, progress.delivered).reduce((n, r) => n + r.events.length, 0);
      this.logger.info({ delivered: done, remaining: events.length - done }, 'resuming a partly delivered batch after the request that failed');
    }
    const signal = this.abort.signal;
    const labels = { sink: this.name };
    while (progress.delivered < progress.requests.length) {
      const request = progress.requests[progress.delivered];
      try {
        await withRetry((attempt) => this.deliver(request, signal, attempt), this.policy, {
          component: this.name,
          metrics: this.metrics,
          logger: this.logger,
          signal,
        });
      } catch (e) {
        this.metrics.batches.inc({ ...labels, result: 'failed' });
        this.unfinished.set(events, progress);
        throw e;
      }
      progress.delivered++;
      this.metrics.batches.inc({ ...labels, result: 'delivered' });
      this.metrics.eventsOut.inc(labels, request.events.length);
      this.metrics.bytesOut.inc(labels, request.bytes);
    }
    this.unfinished.delete(events);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.abort.abort();
    await this.release();
  }
}

/** TLS options for node:tls / node:https with the files read. */
export interface LoadedTls {
  readonly ca?: Buffer;
  readonly cert?: Buffer;
  readonly key?: Buffer;
  readonly servername?: string;
  readonly rejectUnauthorized: boolean;
}

/** Reads the TLS files now, so a missing or unreadable file stops the collector at start. */
export function loadTls(tls: TlsConfig | undefined, path: string): LoadedTls {
  const read = (file: string | undefined, key: string): Buffer | undefined => {
    if (file === undefined) return undefined;
    try {
      return readFileSync(file);
    } catch (e) {
      throw new SinkConfigError(`cannot read ${JSON.stringify(file)}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, `${path}.tls.${key}`);
    }
  };
  if ((tls?.certFile === undefined) !== (tls?.keyFile === undefined)) {
    throw new SinkConfigError('certFile and keyFile go together: give both for a client certificate, or neither', `${path}.tls`);
  }
  return {
    ca: read(tls?.caFile, 'caFile'),
    cert: read(tls?.certFile, 'certFile'),
    key: read(tls?.keyFile, 'keyFile'),
    servername: tls?.servername,
    rejectUnauthorized: tls?.rejectUnauthorized ?? SINK_DEFAULTS.tls.rejectUnauthorized,
  };
}

/**
 * Replaces `${NAME}` with the variable NAME (`$${` is a literal `${`; the syntax of config/env.ts)
 * and returns the values used (secrets, to redact). Throws a SinkConfigError naming every variable
 * that is not set.
 */
export function resolveEnvRefs(value: string, env: Readonly<Record<string, string | undefined>>, path: string): { value: string; secrets: string[] } {
  const { value: out, missing, used } = replaceEnvRefs(value, env);
  if (missing.length) {
    throw new SinkConfigError(
      `refers to the environment variable${missing.length > 1 ? 's' : ''} ${missing.join(', ')}, which ${missing.length > 1 ? 'are' : 'is'} not set`,
      path,
    );
  }
  return { value: out, secrets: used };
}

/** Replaces every occurrence of the secrets in a text (for error messages built from responses). */
export function redactor(secrets: readonly string[]): (text: string) => string {
  const list = secrets.filter((s) => s.length >= 4).sort((a, b) => b.length - a.length);
  return (text) => list.reduce((t, s) => t.split(s).join('[redacted]'), text);
}

/** A URL fit for messages: scheme, host, port and path; credentials and query left out. */
export function safeUrl(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname}`;
}
