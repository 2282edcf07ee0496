import { randomUUID } from 'crypto';
import { OutgoingHttpHeaders } from 'http';
import { NormalizedEvent, SinkError } from '../types';
import { BatchSink, SinkDeps, SinkRequest, loadTls, redactor, retryPolicy, safeUrl } from './common';
import { SINK_DEFAULTS, SinkConfigError, SplunkHecSinkConfig } from './config';
import { HttpClient, HttpResponse, HttpStatusError, USER_AGENT, bodyExcerpt, parseHttpUrl, retryAfterMs } from './http';
import { abortableSleep } from '../ops/backoff';

/** Statuses HEC answers for a missing, malformed or unknown token. */
const HEC_AUTH_STATUSES = new Set([401, 403]);

/**
 * One HEC event object: `{"time":<s.mmm>,"host"?,"source","sourcetype","index"?,"event":<event>}`,
 * `time` in seconds with milliseconds, `source` the log group unless configured.
 */
export function formatHecEvent(
  event: NormalizedEvent,
  o: { host?: string; source?: string; sourcetype: string; index?: string },
  serialize: (e: NormalizedEvent) => string,
): string {
  let s = '{';
  const time = hecTime(event.timestamp);
  if (time !== undefined) s += `"time":${time},`;
  if (o.host !== undefined) s += `"host":${JSON.stringify(o.host)},`;
  s += `"source":${JSON.stringify(o.source ?? event.logGroup)},"sourcetype":${JSON.stringify(o.sourcetype)},`;
  if (o.index !== undefined) s += `"index":${JSON.stringify(o.index)},`;
  return `${s}"event":${serialize(event)}}`;
}

function hecTime(ms: number): string | undefined {
  if (!Number.isFinite(ms)) return undefined;
  // Integer arithmetic keeps the milliseconds exact (1700000000.123, never ...122999).
  if (Number.isInteger(ms) && ms >= 0) return `${Math.floor(ms / 1000)}.${String(ms % 1000).padStart(3, '0')}`;
  return (ms / 1000).toFixed(3);
}

/**
 * Splunk HTTP Event Collector (see `SplunkHecSinkConfig`). A request is delivered on HTTP 200 with
 * `code: 0` and, with `ack`, once /services/collector/ack reports its ackId true. 401 and 403 (bad
 * token) and other 4xx but 408/429 fail at once without retry; 5xx (503 = server busy), 408, 429 and
 * network errors are retried. The token is read from the environment once, at creation, and never
 * appears in a message or a log line.
 */
export class SplunkHecSink extends BatchSink {
  private readonly url: URL;
  private readonly ackUrl?: URL;
  private readonly client: HttpClient;
  private readonly headers: OutgoingHttpHeaders;
  private readonly redact: (s: string) => string;
  private readonly fields: { host?: string; source?: string; sourcetype: string; index?: string };
  private readonly ack?: { pollIntervalMs: number; timeoutMs: number };

  constructor(config: SplunkHecSinkConfig, deps: SinkDeps) {
    const d = SINK_DEFAULTS['splunk-hec'];
    super('splunk-hec', deps, retryPolicy(config.retry, '$.sink'), {
      batchSize: config.batchSize ?? d.batchSize,
      maxBatchBytes: config.maxBatchBytes ?? d.maxBatchBytes,
    });
    this.url = parseHttpUrl(config.url, '$.sink.url');
    if (!/\/services\/collector\/event(\/1\.0)?$/.test(this.url.pathname)) {
      throw new SinkConfigError(`must be the HEC event endpoint (…/services/collector/event), got the path ${this.url.pathname}`, '$.sink.url');
    }
    const tokenEnv = config.tokenEnv ?? d.tokenEnv;
    const token = (deps.env ?? process.env)[tokenEnv];
    if (token === undefined || token.trim() === '') {
      throw new SinkConfigError(
        `the HEC token is read from the environment variable ${tokenEnv}, which is ${token === undefined ? 'not set' : 'empty'}`,
        '$.sink.tokenEnv',
      );
    }
    this.redact = redactor([token]);
    this.fields = { host: config.host, source: config.source, sourcetype: config.sourcetype ?? d.sourcetype, index: config.index };
    this.headers = { authorization: `Splunk ${token}`, 'content-type': 'application/json', 'user-agent': USER_AGENT };
    if (config.ack) {
      this.ack = { pollIntervalMs: config.ack.pollIntervalMs ?? d.ack.pollIntervalMs, timeoutMs: config.ack.timeoutMs ?? d.ack.timeoutMs };
      const channel = randomUUID();
      this.headers['x-splunk-request-channel'] = channel;
      this.ackUrl = new URL(this.url.href);
      this.ackUrl.pathname = this.url.pathname.replace(/\/services\/collector\/event(\/1\.0)?$/, '/services/collector/ack');
      this.ackUrl.searchParams.set('channel', channel);
    }
    this.client = new HttpClient(this.url, loadTls(config.tls, '$.sink'), config.timeoutMs ?? d.timeoutMs);
  }

  protected encode(event: NormalizedEvent): Buffer {
    return Buffer.from(formatHecEvent(event, this.fields, this.serialize), 'utf8');
  }

  protected async deliver(request: SinkRequest, signal: AbortSignal): Promise<void> {
    const res = await this.client.post(this.url, Buffer.concat(request.pieces as Buffer[], request.bytes), this.headers, signal);
    const answer = parseHecAnswer(res.body);
    if (res.status !== 200) throw this.statusError(this.url, res, answer);
    if (answer?.code !== 0) {
      throw new SinkError(
        `HTTP 200 from ${safeUrl(this.url)} without HEC success (code 0): ${answer ? this.redact(describeAnswer(answer)) : bodyExcerpt(res.body, this.redact) || 'empty body'}`,
        false,
      );
    }
    if (this.ack) await this.awaitAck(answer.ackId, signal);
  }

  protected async release(): Promise<void> {
    this.client.close();
  }

  private statusError(target: URL, res: HttpResponse, answer: HecAnswer | undefined): Error {
    const detail = answer ? this.redact(describeAnswer(answer)) : bodyExcerpt(res.body, this.redact);
    const hint = HEC_AUTH_STATUSES.has(res.status) ? ' (check the HEC token)' : '';
    return new HttpStatusError(`HTTP ${res.status} from ${safeUrl(target)}${detail ? `: ${detail}` : ''}${hint}`, res.status, retryAfterMs(res.headers));
  }

  private async awaitAck(ackId: unknown, signal: AbortSignal): Promise<void> {
    if (typeof ackId !== 'number' || !this.ackUrl || !this.ack) {
      throw new SinkError('indexer acknowledgement is configured (ack) but HEC returned no ackId: enable it on the token, or remove ack', false);
    }
    const deadline = Date.now() + this.ack.timeoutMs;
    const body = Buffer.from(JSON.stringify({ acks: [ackId] }));
    while (Date.now() < deadline) {
      await abortableSleep(Math.min(this.ack.pollIntervalMs, Math.max(0, deadline - Date.now())), signal);
      if (signal.aborted) throw new SinkError('waiting for the indexer acknowledgement was aborted', true);
      const res = await this.client.post(this.ackUrl, body, this.headers, signal);
      const answer = parseHecAnswer(res.body);
      if (res.status !== 200) throw this.statusError(this.ackUrl, res, answer);
      const acks = (answer as { acks?: Record<string, unknown> } | undefined)?.acks;
      if (acks?.[String(ackId)] === true) return;
    }
    throw Object.assign(new Error(`indexer acknowledgement of ackId ${ackId} not received within ${this.ack.timeoutMs} ms`), { code: 'ETIMEDOUT' });
  }
}

interface HecAnswer {
  readonly text?: unknown;
  readonly code?: unknown;
  readonly ackId?: unknown;
  readonly acks?: unknown;
}

function parseHecAnswer(body: string): HecAnswer | undefined {
  try {
    const v: unknown = JSON.parse(body);
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as HecAnswer) : undefined;
  } catch {
    return undefined;
  }
}

function describeAnswer(a: HecAnswer): string {
  const text = typeof a.text === 'string' ? a.text.slice(0, 200) : undefined;
  return [text, a.code !== undefined ? `code ${String(a.code)}` : undefined].filter(Boolean).join(', ');
}
