/** Bounds of the reconnect backoff, in milliseconds. */
export interface BackoffBounds {
  minDelayMs: number;
  maxDelayMs: number;
}

/**
 * Wait before reconnect attempt `attempt` (1 for the first retry), in ms: uniformly random in
 * `[minDelayMs, min(maxDelayMs, minDelayMs * 2^attempt)]`. The jitter spreads a fleet of
 * clients that lost the same broker at the same moment. `random` returns [0, 1); injectable
 * so tests are exact.
 */
export function reconnectDelayMs(
  attempt: number,
  bounds: BackoffBounds,
  random: () => number = Math.random,
): number {
  const { minDelayMs, maxDelayMs } = bounds;
  const exponent = Math.min(Math.max(attempt, 1), 40);
  const ceiling = Math.min(maxDelayMs, minDelayMs * 2 ** exponent);
  return Math.round(minDelayMs + random() * (ceiling - minDelayMs));
}

/**
 * Wait after the broker refused the credentials or the TLS handshake failed, in ms: between
 * half of and the whole `maxDelayMs`. Retrying such errors quickly only fills the broker's log
 * (and may trip its ban rules); they need a human, so the client retries slowly from the start.
 */
export function refusedDelayMs(bounds: BackoffBounds, random: () => number = Math.random): number {
  const floor = Math.max(bounds.minDelayMs, bounds.maxDelayMs / 2);
  return Math.round(floor + random() * (bounds.maxDelayMs - floor));
}
