import type { Logger } from '../../src/ops/log';
import { createMetrics } from '../../src/ops/metrics';
import { isRetryable, withRetry } from '../../src/sinks/retry';
import { SinkError } from '../../src/types';
import { counterValue } from './helpers';

const policy = { maxAttempts: 4, initialDelayMs: 1, maxDelayMs: 4 };
const coded = (code: string) => Object.assign(new Error(`failed ${code}`), { code });

describe('isRetryable', () => {
  test.each(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ENOSPC', 'EIO'])('%s is retryable', (code) => {
    expect(isRetryable(coded(code))).toBe(true);
  });

  test.each(['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'SELF_SIGNED_CERT_IN_CHAIN', 'ERR_TLS_CERT_ALTNAME_INVALID', 'CERT_HAS_EXPIRED', 'EACCES', 'EISDIR'])(
    '%s is not retryable',
    (code) => {
      expect(isRetryable(coded(code))).toBe(false);
    },
  );

  test('HTTP statuses: 408, 429 and 5xx retry, other 4xx do not', () => {
    const status = (statusCode: number) => isRetryable(Object.assign(new Error('x'), { statusCode }));
    expect([408, 429, 500, 502, 503, 504].map(status)).toEqual([true, true, true, true, true, true]);
    expect([400, 401, 403, 404, 413, 301].map(status)).toEqual([false, false, false, false, false, false]);
  });

  test('a SinkError decides for itself; unknown errors are not retried', () => {
    expect(isRetryable(new SinkError('x', true))).toBe(true);
    expect(isRetryable(new SinkError('x', false))).toBe(false);
    expect(isRetryable(new TypeError('x is not a function'))).toBe(false);
  });
});

describe('withRetry', () => {
  test('waits full jitter between attempts: below initialDelayMs × 2^(retry−1), capped by maxDelayMs', async () => {
    const logged: number[] = [];
    const logger = { warn: (o: { retryInMs: number }) => logged.push(o.retryInMs) } as unknown as Logger;
    const p = { maxAttempts: 5, initialDelayMs: 2, maxDelayMs: 10 };
    await withRetry(
      async (n) => {
        if (n < 5) throw coded('ECONNRESET');
      },
      p,
      { component: 'http', logger, random: () => 0.999999 },
    );
    // Ceilings 2, 4, 8, then the cap 10; whole milliseconds.
    expect(logged).toEqual([1, 3, 7, 9]);
    logged.length = 0;
    await withRetry(
      async (n) => {
        if (n < 3) throw coded('ECONNRESET');
      },
      p,
      { component: 'http', logger, random: () => 0 },
    );
    expect(logged).toEqual([0, 0]);
  });

  test('retries transient failures and counts each retry for the component', async () => {
    const metrics = createMetrics();
    let calls = 0;
    const result = await withRetry(
      async (n) => {
        calls++;
        if (n < 3) throw coded('ECONNRESET');
        return 'ok';
      },
      policy,
      { component: 'splunk-hec', metrics },
    );
    expect(result).toBe('ok');
    expect(calls).toBe(3);
    expect(await counterValue(metrics.retries, { component: 'splunk-hec' })).toBe(2);
  });

  test('gives up after maxAttempts with a retryable SinkError naming the last error', async () => {
    const metrics = createMetrics();
    const attempt = jest.fn(async () => {
      throw coded('ECONNREFUSED');
    });
    const err: SinkError = await withRetry(attempt, policy, { component: 'syslog', metrics }).catch((e) => e);
    expect(err).toBeInstanceOf(SinkError);
    expect(err.retryable).toBe(true);
    expect(err.message).toBe('syslog: failed ECONNREFUSED; gave up after 4 attempts');
    expect(attempt).toHaveBeenCalledTimes(4);
    expect(await counterValue(metrics.retries, { component: 'syslog' })).toBe(3);
  });

  test('stops at once on a non-retryable error', async () => {
    const attempt = jest.fn(async () => {
      throw Object.assign(new Error('HTTP 400'), { statusCode: 400 });
    });
    const err: SinkError = await withRetry(attempt, policy, { component: 'http' }).catch((e) => e);
    expect(err.retryable).toBe(false);
    expect(err.message).toBe('http: HTTP 400 (not retryable)');
    expect(attempt).toHaveBeenCalledTimes(1);
  });

  test('waits at least a Retry-After hint, capped by maxDelayMs', async () => {
    const p = { maxAttempts: 2, initialDelayMs: 1, maxDelayMs: 150 };
    const started = Date.now();
    let n = 0;
    await withRetry(
      async () => {
        if (n++ === 0) throw Object.assign(new Error('busy'), { statusCode: 429, retryAfterMs: 60_000 });
      },
      p,
      { component: 'http', random: () => 0 },
    );
    const waited = Date.now() - started;
    expect(waited).toBeGreaterThanOrEqual(140);
    expect(waited).toBeLessThan(2000);
  });

  test('an abort ends the back-off wait at once with a retryable SinkError', async () => {
    const abort = new AbortController();
    const slow = { maxAttempts: 10, initialDelayMs: 60_000, maxDelayMs: 60_000 };
    const pending = withRetry(
      async () => {
        throw coded('ECONNRESET');
      },
      slow,
      { component: 'http', signal: abort.signal, random: () => 0.99 },
    ).catch((e: unknown) => e);
    setTimeout(() => abort.abort(), 20);
    const started = Date.now();
    const err = (await pending) as SinkError;
    expect(Date.now() - started).toBeLessThan(1000);
    expect(err).toBeInstanceOf(SinkError);
    expect(err.retryable).toBe(true);
    expect(err.message).toMatch(/^http: aborted after 1 attempt \(the sink is closing\); last error: failed ECONNRESET/);
  });
});
