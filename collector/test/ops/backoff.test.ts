import { abortableSleep, backoffCeilingMs, backoffDelayMs } from '../../src/ops/backoff';

describe('backoffCeilingMs', () => {
  test('starts at baseMs, doubles with each attempt and stops at capMs', () => {
    const p = { baseMs: 100, capMs: 1000 };
    expect([0, 1, 2, 3, 4, 5, 40].map((n) => backoffCeilingMs(p, n))).toEqual([100, 200, 400, 800, 1000, 1000, 1000]);
  });

  test('a negative attempt counts as the first; a huge one stays at the cap', () => {
    const p = { baseMs: 200, capMs: 30000 };
    expect(backoffCeilingMs(p, -3)).toBe(200);
    expect(backoffCeilingMs(p, 5000)).toBe(30000);
  });
});

describe('backoffDelayMs', () => {
  test('is full jitter: random() times the ceiling', () => {
    const p = { baseMs: 200, capMs: 30000 };
    expect(backoffDelayMs(p, 0, () => 0)).toBe(0);
    expect(backoffDelayMs(p, 2, () => 0.5)).toBe(400);
    expect(backoffDelayMs(p, 9, () => 0.25)).toBe(7500);
  });

  test('every delay lies in [0, min(cap, base × 2^attempt)) with the default random source', () => {
    const p = { baseMs: 10, capMs: 500 };
    for (let attempt = 0; attempt < 12; attempt++) {
      const ceiling = Math.min(500, 10 * 2 ** attempt);
      const delays = Array.from({ length: 200 }, () => backoffDelayMs(p, attempt));
      expect(Math.min(...delays)).toBeGreaterThanOrEqual(0);
      expect(Math.max(...delays)).toBeLessThan(ceiling);
      // Spread over the range, not stuck at one end.
      expect(Math.max(...delays) - Math.min(...delays)).toBeGreaterThan(ceiling / 4);
    }
  });
});

describe('abortableSleep', () => {
  test('resolves after the delay', async () => {
    const started = Date.now();
    await abortableSleep(30);
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
  });

  test('resolves promptly when the signal aborts, and at once when it already has', async () => {
    const abort = new AbortController();
    const started = Date.now();
    const pending = abortableSleep(60_000, abort.signal);
    setTimeout(() => abort.abort(), 10);
    await pending;
    expect(Date.now() - started).toBeLessThan(1000);

    const again = Date.now();
    await abortableSleep(60_000, abort.signal);
    expect(Date.now() - again).toBeLessThan(50);
  });
});
