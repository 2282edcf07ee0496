/**
 * The collector's one back-off, and the one sleep every wait uses.
 *
 * Exponential with full jitter: the wait before retry `attempt` (0 = the first retry) is uniform in
 * [0, ceiling), ceiling = min(capMs, baseMs × 2^attempt). Every retry loop (sources, sinks, the
 * pipeline) draws its delays from `backoffDelayMs`; schedules that must not be random (a status poll
 * that doubles, a group's retry time) use `backoffCeilingMs`, so the growth rule is written once.
 */

/** Where delays start and where they stop growing. */
export interface BackoffPolicy {
  /** Ceiling of the first retry's delay; it doubles with each attempt. */
  readonly baseMs: number;
  /** Largest ceiling. */
  readonly capMs: number;
}

/** Waits `ms`, resolving early (never rejecting) when `signal` aborts; sources take one for tests. */
export type Sleep = (ms: number, signal: AbortSignal) => Promise<void>;

/** min(capMs, baseMs × 2^attempt); attempts below 0 count as 0. */
export function backoffCeilingMs(policy: BackoffPolicy, attempt: number): number {
  return Math.min(policy.capMs, policy.baseMs * 2 ** Math.max(0, attempt));
}

/**
 * The delay before retry `attempt` (0 = the first retry): `random()` × `backoffCeilingMs`.
 * @param random uniform in [0, 1); tests pass a fixed one. @default Math.random
 */
export function backoffDelayMs(policy: BackoffPolicy, attempt: number, random: () => number = Math.random): number {
  return random() * backoffCeilingMs(policy, attempt);
}

/** Resolves after `ms`, or at once when `signal` aborts (the caller checks `signal.aborted`). */
export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
