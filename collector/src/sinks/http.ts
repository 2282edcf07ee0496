import { Agent as HttpAgent, IncomingHttpHeaders, OutgoingHttpHeaders, request as httpRequest } from 'http';
import { Agent as HttpsAgent, request as httpsRequest } from 'https';
import { isIP } from 'net';
import { NormalizedEvent } from '../types';
import { BatchSink, LoadedTls, SinkDeps, SinkRequest, loadTls, redactor, resolveEnvRefs, retryPolicy, safeUrl } from './common';
import { HttpSinkConfig, SINK_DEFAULTS, SinkConfigError } from './config';

export const USER_AGENT = 'cwl-siem-collector';

/** Bytes of a response body kept (for HEC's JSON answer or an error message); the rest is discarded. */
const MAX_RESPONSE_BYTES = 64 * 1024;

export interface HttpResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  /** The first 64 KiB of the body, as UTF-8. */
  readonly body: string;
}

/**
 * A non-2xx answer. `statusCode` makes `isRetryable` decide (408, 429 and 5xx retry); a
 * `Retry-After` header becomes `retryAfterMs`. The message never holds request headers.
 */
export class HttpStatusError extends Error {
  constructor(
    message: string,
    readonly statusCode: number,
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'HttpStatusError';
  }
}

/** Parses the URL of an HTTP sink, or throws a SinkConfigError at `path`. */
export function parseHttpUrl(url: string, path: string): URL {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new SinkConfigError('must be an absolute http:// or https:// URL', path);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new SinkConfigError(`must be an http:// or https:// URL, got ${u.protocol}`, path);
  return u;
}

/** POSTs over one keep-alive agent, with a limit on the whole exchange and TLS verification on by default. */
export class HttpClient {
  private readonly agent: HttpAgent;

  constructor(
    private readonly url: URL,
    private readonly tls: LoadedTls,
    private readonly timeoutMs: number,
  ) {
    this.agent = url.protocol === 'https:' ? new HttpsAgent({ keepAlive: true }) : new HttpAgent({ keepAlive: true });
  }

  /** Resolves with any status; rejects on network, TLS and timeout errors (with their `code`). */
  post(target: URL, body: Buffer, headers: OutgoingHttpHeaders, signal?: AbortSignal): Promise<HttpResponse> {
    const https = target.protocol === 'https:';
    const send = https ? httpsRequest : httpRequest;
    return new Promise<HttpResponse>((resolve, reject) => {
      let settled = false;
      const fail = (err: Error) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        reject(err);
      };
      const req = send(target, {
        method: 'POST',
        agent: this.agent,
        headers: { ...headers, 'content-length': body.length },
        signal,
        ...(https
          ? {
              ca: this.tls.ca,
              cert: this.tls.cert,
              key: this.tls.key,
              servername: this.tls.servername ?? (isIP(target.hostname) ? undefined : target.hostname),
              rejectUnauthorized: this.tls.rejectUnauthorized,
            }
          : {}),
      });
      const timer = setTimeout(() => {
        const err = Object.assign(new Error(`no complete answer from ${safeUrl(target)} within ${this.timeoutMs} ms`), { code: 'ETIMEDOUT' });
        fail(err);
        req.destroy(err);
      }, this.timeoutMs);
      req.on('error', (err) => fail(err));
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        let kept = 0;
        res.on('data', (c: Buffer) => {
          if (kept < MAX_RESPONSE_BYTES) {
            chunks.push(c);
            kept += c.length;
          }
        });
        res.on('error', (err) => fail(err));
        res.on('end', () => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).subarray(0, MAX_RESPONSE_BYTES).toString('utf8') });
        });
      });
      req.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }

  get origin(): string {
    return safeUrl(this.url);
  }
}

/** `Retry-After` (seconds or an HTTP date) in milliseconds, when present and sensible. */
export function retryAfterMs(headers: IncomingHttpHeaders, now = Date.now()): number | undefined {
  const v = headers['retry-after'];
  if (typeof v !== 'string' || v.trim() === '') return undefined;
  if (/^\d+$/.test(v.trim())) return Number(v.trim()) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** A short, single-line, redacted excerpt of a response body for an error message. */
export function bodyExcerpt(body: string, redact: (s: string) => string, max = 200): string {
  const text = redact(body)
    .replace(/[\u0000-\u001f\u007f]+/g, ' ')
    .trim();
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/**
 * POSTs events to any HTTP endpoint as NDJSON or one JSON array (see `HttpSinkConfig`). A request is
 * delivered on a 2xx answer. 408, 429 and 5xx are retried (after `Retry-After` when given); other
 * statuses, redirects included, are not. Header values that came from the environment are secrets:
 * they are left out of every message, even when a receiver echoes them.
 */
export class HttpSink extends BatchSink {
  private readonly url: URL;
  private readonly client: HttpClient;
  private readonly headers: OutgoingHttpHeaders;
  private readonly redact: (s: string) => string;
  private readonly format: 'ndjson' | 'json-array';

  constructor(config: HttpSinkConfig, deps: SinkDeps) {
    const format = config.format ?? SINK_DEFAULTS.http.format;
    super('http', deps, retryPolicy(config.retry, '$.sink'), {
      batchSize: config.batchSize ?? SINK_DEFAULTS.http.batchSize,
      maxBatchBytes: config.maxBatchBytes ?? SINK_DEFAULTS.http.maxBatchBytes,
      fixedBytes: format === 'json-array' ? 2 : 0,
      separatorBytes: format === 'json-array' ? 1 : 0,
    });
    this.format = format;
    this.url = parseHttpUrl(config.url, '$.sink.url');
    const env = deps.env ?? process.env;
    const secrets: string[] = [];
    const user: Record<string, string> = {};
    for (const [name, raw] of Object.entries(config.headers ?? {})) {
      const resolved = resolveEnvRefs(raw, env, `$.sink.headers[${JSON.stringify(name)}]`);
      secrets.push(...resolved.secrets);
      const value = resolved.value;
      user[name.toLowerCase()] = value;
    }
    if (this.url.password) secrets.push(this.url.password);
    this.redact = redactor(secrets);
    this.headers = {
      'content-type': format === 'ndjson' ? 'application/x-ndjson' : 'application/json',
      'user-agent': USER_AGENT,
      ...user,
    };
    this.client = new HttpClient(this.url, loadTls(config.tls, '$.sink'), config.timeoutMs ?? SINK_DEFAULTS.http.timeoutMs);
  }

  protected encode(event: NormalizedEvent): Buffer {
    return Buffer.from(this.format === 'ndjson' ? `${this.serialize(event)}\n` : this.serialize(event), 'utf8');
  }

  protected async deliver(request: SinkRequest, signal: AbortSignal): Promise<void> {
    const parts = this.format === 'ndjson' ? (request.pieces as Buffer[]) : [Buffer.from('['), ...joinWith(request.pieces, Buffer.from(',')), Buffer.from(']')];
    const body = Buffer.concat(parts, request.bytes);
    const res = await this.client.post(this.url, body, this.headers, signal);
    if (res.status >= 200 && res.status < 300) return;
    const excerpt = bodyExcerpt(res.body, this.redact);
    throw new HttpStatusError(`HTTP ${res.status} from ${this.client.origin}${excerpt ? `: ${excerpt}` : ''}`, res.status, retryAfterMs(res.headers));
  }

  protected async release(): Promise<void> {
    this.client.close();
  }
}

function joinWith(pieces: readonly Buffer[], sep: Buffer): Buffer[] {
  return pieces.flatMap((p, i) => (i === 0 ? [p] : [sep, p]));
}
