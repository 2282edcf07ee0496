/**
 * Retry of one sink request: which failures are worth retrying (a sink's own rule: HTTP statuses
 * and Node error codes; AWS errors are classified by aws/errors.ts), and the retry loop, whose
 * delays come from the collector's one back-off (ops/backoff.ts).
 */
import { abortableSleep, backoffDelayMs } from '../ops/backoff';
import type { Logger } from '../ops/log';
import type { CollectorMetrics } from '../ops/metrics';
import { SinkError } from '../types';

/** How often and how patiently to retry one operation. */
export interface RetryPolicy {
  /** Attempts in total, the first one included (1 = no retry). */
  readonly maxAttempts: number;
  /** Upper bound of the first back-off delay; the bound doubles each retry. */
  readonly initialDelayMs: number;
  /** Cap of the back-off bound. */
  readonly maxDelayMs: number;
}

export interface RetryContext {
  /** Label of `metrics.retries` and prefix of the final error message (a sink name). */
  readonly component: string;
  readonly metrics?: Pick<CollectorMetrics, 'retries'>;
  readonly logger?: Logger;
  /** Aborting stops waiting at once and rejects with a retryable SinkError; it is also handed to each attempt. */
  readonly signal?: AbortSignal;
  /** Source of randomness in [0, 1) for the jitter. @default Math.random */
  readonly random?: () => number;
}

/**
 * An error an attempt may throw to ask for a minimum wait before the next attempt (an HTTP
 * `Retry-After`): `retryAfterMs` raises the jittered delay, still capped by `maxDelayMs`.
 */
export interface RetryAfterHint {
  readonly retryAfterMs?: number;
}

/** Error codes of failures that may go away by themselves: the network, a busy or full disk, DNS. */
export const RETRYABLE_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'ESOCKETTIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'ENOTCONN',
  'EAI_AGAIN',
  'ENOTFOUND',
  'EADDRNOTAVAIL',
  'ENOBUFS',
  'EAGAIN',
  'EBUSY',
  'EIO',
  'ENOSPC',
  'EDQUOT',
  'EMFILE',
  'ENFILE',
  'ERR_SOCKET_CONNECTION_TIMEOUT',
  'ERR_STREAM_DESTROYED',
  'ERR_STREAM_PREMATURE_CLOSE',
  'ERR_HTTP_SOCKET_ENCODING',
  'HPE_INVALID_CONSTANT',
  'HPE_INVALID_CHUNK_SIZE',
  'HPE_UNEXPECTED_CONTENT_LENGTH',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

/** HTTP statuses worth retrying: request timeout, too many requests, and every 5xx. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/**
 * Whether retrying could help. SinkError (or anything with a boolean `retryable`) says so itself;
 * an HTTP status decides by `isRetryableStatus`; a Node error code decides by `RETRYABLE_CODES`.
 * Certificate and TLS protocol errors, permissions, missing paths and programming errors are not
 * retryable, and neither is anything unknown.
 */
export function isRetryable(err: unknown): boolean {
  if (err instanceof SinkError) return err.retryable;
  if (!err || typeof err !== 'object') return false;
  const e = err as { retryable?: unknown; statusCode?: unknown; code?: unknown };
  if (typeof e.retryable === 'boolean') return e.retryable;
  if (typeof e.statusCode === 'number') return isRetryableStatus(e.statusCode);
  return typeof e.code === 'string' && RETRYABLE_CODES.has(e.code);
}

/** A one-line description of an error: its message, plus its code when the message lacks it. */
export function describeError(err: unknown): string {
  // Duck-typed: errors from another realm (a vm context, a worker) are not `instanceof Error`.
  const e = err as { message?: unknown; code?: unknown } | null | undefined;
  if (!e || typeof e !== 'object' || typeof e.message !== 'string') return String(err);
  const { message, code } = e as { message: string; code?: unknown };
  return typeof code === 'string' && code !== '' && !message.includes(code) && !(err instanceof SinkError) ? `${message} (${code})` : message;
}

/**
 * Runs `attempt` until it resolves, retrying errors `isRetryable` accepts after a back-off (full
 * jitter below min(maxDelayMs, initialDelayMs × 2^(retry−1)), raised by a `RetryAfterHint`), at most
 * `policy.maxAttempts` times in total.
 * Each retry increments `metrics.retries{component}`. Rejects with a SinkError that names the
 * component, the last error and the number of attempts, and whose `retryable` is that of the last
 * error; when `signal` aborts, rejects at once with a retryable SinkError.
 */
export async function withRetry<T>(attempt: (n: number, signal?: AbortSignal) => Promise<T>, policy: RetryPolicy, ctx: RetryContext): Promise<T> {
  const { component, signal } = ctx;
  const random = ctx.random ?? Math.random;
  const aborted = (done: number, err: unknown) =>
    new SinkError(
      `${component}: aborted after ${done} attempt${done === 1 ? '' : 's'} (the sink is closing)${done > 0 ? `; last error: ${describeError(err)}` : ''}`,
      true,
    );
  for (let n = 1; ; n++) {
    if (signal?.aborted) throw aborted(0, undefined);
    let err: unknown;
    try {
      return await attempt(n, signal);
    } catch (e) {
      err = e;
    }
    if (signal?.aborted) throw aborted(n, err);
    const retryable = isRetryable(err);
    if (!retryable) throw new SinkError(`${component}: ${describeError(err)} (not retryable)`, false);
    if (n >= policy.maxAttempts) throw new SinkError(`${component}: ${describeError(err)}; gave up after ${n} attempt${n === 1 ? '' : 's'}`, true);
    // Whole milliseconds: the delay is logged.
    let delay = Math.floor(backoffDelayMs({ baseMs: policy.initialDelayMs, capMs: policy.maxDelayMs }, n - 1, random));
    const hint = (err as RetryAfterHint | undefined)?.retryAfterMs;
    if (typeof hint === 'number' && hint > delay) delay = Math.min(hint, policy.maxDelayMs);
    ctx.metrics?.retries.inc({ component });
    ctx.logger?.warn({ attempt: n, retryInMs: delay, error: describeError(err) }, 'sink attempt failed; retrying');
    await abortableSleep(delay, signal);
    if (signal?.aborted) throw aborted(n, err);
  }
}
