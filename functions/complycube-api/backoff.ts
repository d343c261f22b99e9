/**
 * How long to wait before retry `attempt` (1 = the first retry): "full jitter" exponential back-off,
 * a random delay between 0 and min(maxMs, baseMs × 2^(attempt-1)), so many clients that were refused
 * together do not come back together.
 */
export function backoffDelayMs(
  attempt: number,
  options: { readonly baseMs: number; readonly maxMs: number; readonly random?: () => number },
): number {
  const ceiling = Math.min(options.maxMs, options.baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.floor((options.random ?? Math.random)() * ceiling);
}

/**
 * A `Retry-After` header in milliseconds: delta-seconds (`"2"`, `"0.5"`) or an HTTP date;
 * `undefined` when absent or unreadable.
 */
export function parseRetryAfterMs(value: string | null, nowMs: number): number | undefined {
  if (value === null) return undefined;
  const text = value.trim();
  if (text === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const date = Date.parse(text);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - nowMs);
}
